"""``dsp diff``: where two mel-spectrogram conventions part ways, stage by stage, on a file."""

from __future__ import annotations

import argparse
from typing import Any

from ..compat.convention_diff import compare
from ..compat.presets import PRESETS
from ._common import add_input, load_channel

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add ``diff`` to the ``dsp`` sub-command parsers."""
    names = ", ".join(PRESETS)
    parser = commands.add_parser(
        "diff",
        help="compare two feature conventions (librosa, whisper, kaldi, ...)",
        description="Run two named conventions (" + names + ") side by side on a WAV file and "
        "print, stage by stage (resample, framing, window, FFT, power, filterbank, log/dB, "
        "normalisation), the parameters that differ and the deviation each difference causes "
        "at its stage when everything before it is made equal.",
        epilog="Example: dsp diff speech.wav --a librosa --b kaldi",
    )
    add_input(parser)
    p = parser.add_argument_group("conventions")
    p.add_argument(
        "--a",
        default="librosa",
        choices=list(PRESETS),
        metavar="NAME",
        help=f"the reference convention (default librosa; one of {names})",
    )
    p.add_argument(
        "--b",
        default="whisper",
        choices=list(PRESETS),
        metavar="NAME",
        help="the convention compared with it (default whisper)",
    )
    p.add_argument(
        "--markdown",
        action="store_true",
        help="print the table as Markdown instead of aligned text",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> None:
    y, sr = load_channel(args)
    if y.ndim > 1:  # load_channel averages to mono unless --channel: a 1-D signal here
        y = y[0]
    result = compare(y, sr, a=args.a, b=args.b)
    print(result.to_markdown() if args.markdown else result)
