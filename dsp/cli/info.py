"""``dsp info``: a sound file's encoding, rate, channels, frames and duration."""

from __future__ import annotations

import argparse
from typing import Any

from ..io._source import display_path
from ..io.audio import info

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add ``info`` to the ``dsp`` sub-command parsers."""
    describe = commands.add_parser(
        "info",
        help="describe a sound file",
        description="Print a sound file's format, "
        "encoding, sample rate, channels, frames and duration (reads the header only).",
    )
    describe.add_argument(
        "input",
        metavar="IN",
        help="the sound file (WAV, AIFF; FLAC, Ogg, MP3 ... with pip install dsp[formats])",
    )
    describe.set_defaults(run=run)


def run(args: argparse.Namespace) -> None:
    print(f"file      {display_path(args.input)}\n{info(args.input)}")
