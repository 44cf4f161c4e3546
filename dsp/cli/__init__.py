"""The ``dsp`` command: sound files in, spectrogram pictures and arrays out.

One module per sub-command (``spectrogram`` holds ``dsp mel`` and ``dsp stft``; ``info``;
``demo``), each with a ``register(commands)`` that adds its parser; :data:`COMMANDS` lists them
in the order ``dsp --help`` shows. What they share (option groups, loading, atomic saving,
messages) is in ``_common``. Every pipeline option defaults to the library's default, so
``dsp mel x.wav -o x.npy`` saves exactly ``power_to_db(melspectrogram(y=y, sr=sr), ref=np.max)``.
Exit status 0 on success, 2 on bad usage or bad input, with a one-line ``dsp: error: ...`` and no
traceback; 130 on Ctrl-C, 143 on SIGTERM (both remove any temporary file first) and 141, silently,
when the reader of a pipe goes away (``dsp info f | head -1``), as for any Unix tool. Every
output is written safely (``docs/errors.md``): on failure no partial file is left behind.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

from .. import __version__
from ..errors import ParameterError
from . import batch, demo, diff, info, invert, live, mfcc, spectrogram
from ._common import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK, Parser, message, show_warning

__all__ = ["COMMANDS", "build_parser", "main"]

#: The sub-command modules, in the order ``dsp --help`` lists them.
COMMANDS = (spectrogram, mfcc, invert, info, demo, batch, diff, live)


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
        with _sigterm_raises(), warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = show_warning
            status = args.run(args)  # None, or an exit status (dsp batch: 1 if clips failed)
            sys.stdout.flush()  # a closed pipe shows up here, not at interpreter exit
    except BrokenPipeError:  # `dsp info f | head -1`: the reader left; stop quietly, as cat does
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except (ParameterError, OSError, MemoryError, OverflowError) as err:
        print(f"dsp: error: {message(err)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except _Terminated:
        print("dsp: terminated (no output was left half-written)", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("dsp: interrupted (no output was left half-written)", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK if status is None else int(status)


#: Exit statuses of a process killed by SIGPIPE and by SIGTERM (128 + the signal number), which
#: is what a shell reports for a Unix tool that does not catch them.
EXIT_BROKEN_PIPE, EXIT_TERMINATED = 128 + 13, 128 + 15


class _Terminated(BaseException):
    """Raised by the SIGTERM handler, so that ``finally`` blocks (temporary files) run."""


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """While the command runs, SIGTERM raises :class:`_Terminated` (main thread only)."""

    def terminate(signum: int, frame: Any) -> None:
        raise _Terminated

    try:
        previous = signal.signal(signal.SIGTERM, terminate)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _discard_stdout() -> None:
    """Point stdout at /dev/null so that Python's final flush does not report the pipe."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
