"""The ``dsp`` command: sound files in, spectrogram pictures and arrays out.

One module per sub-command (``spectrogram`` holds ``dsp mel`` and ``dsp stft``; ``info``;
``demo``), each with a ``register(commands)`` that adds its parser; :data:`COMMANDS` lists them
in the order ``dsp --help`` shows. What they share (option groups, loading, atomic saving,
messages) is in ``_common``. Every pipeline option defaults to the library's default, so
``dsp mel x.wav -o x.npy`` saves exactly ``power_to_db(melspectrogram(y=y, sr=sr), ref=np.max)``.
Exit status 0 on success, 2 on bad usage or bad input, with a one-line ``dsp: error: ...`` and no
traceback. Every output is written atomically: on failure no partial file is left behind.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

from .. import __version__
from ..errors import ParameterError
from . import demo, info, spectrogram
from ._common import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK, Parser, message, show_warning

__all__ = ["COMMANDS", "build_parser", "main"]

#: The sub-command modules, in the order ``dsp --help`` lists them.
COMMANDS = (spectrogram, info, demo)


def build_parser() -> argparse.ArgumentParser:
    """The ``dsp`` argument parser (one sub-command per job)."""
    parser = Parser(
        prog="dsp",
        description="Spectrograms of WAV files: pictures (PNG) and arrays (.npy), computed "
                    "with NumPy alone, bit-identical to librosa 0.11.",
        epilog="Start with 'dsp demo', then try 'dsp mel dsp-demo/example.wav -o mel.png'. "
               "'dsp COMMAND --help' explains each command's options.",
    )
    parser.add_argument("--version", action="version", version=f"dsp {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    for module in COMMANDS:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``dsp`` command with ``argv`` (default: ``sys.argv[1:]``); return the exit code.

    Examples
    --------
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     code = main(["demo", "-o", tmp])  # doctest: +ELLIPSIS
    ...     sorted(os.listdir(tmp))
    dsp demo: the built-in example sound, 6.00 s at 22050 Hz
    ...
    ['example.wav', 'example_cnn_input.npy', 'example_mel.png', 'example_stft.png']
    >>> code
    0
    """
    args = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = show_warning  # type: ignore[assignment]
            args.run(args)
    except (ParameterError, OSError, MemoryError) as err:
        print(f"dsp: error: {message(err)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("dsp: interrupted (no output was left half-written)", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK
