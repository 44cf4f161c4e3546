"""The ``dsp`` command: WAV in, spectrogram picture (PNG) or array (``.npy``) out.

``dsp mel``, ``dsp stft``, ``dsp info`` and ``dsp demo`` (run ``dsp --help``). Every pipeline
option defaults to the library's default, so ``dsp mel x.wav -o x.npy`` saves exactly
``power_to_db(melspectrogram(y=y, sr=sr), ref=np.max)`` of the file's samples. Exit status 0 on
success, 2 on bad usage or bad input, with a one-line ``dsp: error: ...`` and no traceback.
Every output is written atomically: on failure no partial file is left behind.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import __version__
from ._atomic import atomic_write
from .audio import info, load, write_wav
from .cnn import to_cnn_input
from .db import amplitude_to_db, power_to_db
from .errors import ParameterError
from .examples import EXAMPLE_EVENTS, example_audio
from .image import COLORMAPS, spectrogram_image, write_png
from .pipeline import melspectrogram
from .stft import stft

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 2, 130
_EXTENSIONS = (".png", ".npy")


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error: ``dsp: error: <what> (see 'dsp mel --help')``."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"dsp: error: {message} (see '{self.prog} --help')\n")


def _optional(convert: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        return None if text.lower() == "none" else convert(text)

    parse.__name__ = getattr(convert, "__name__", "value")
    return parse


def _ref(text: str) -> Any:
    return np.max if text.lower() == "max" else float(text)


def _norm(text: str) -> Any:
    return text.lower() if text.lower() == "slaney" else _optional(float)(text)


def _window(text: str) -> Any:
    name, _, parameter = text.partition(":")
    return (name, float(parameter)) if parameter else name


def _add_input(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", metavar="IN.wav", help="the WAV file to analyse")
    p = parser.add_argument_group("input")
    p.add_argument("--channel", type=int, metavar="N",
                   help="use channel N only (0 is the first); default: average all channels "
                        "into one, as librosa does")
    p.add_argument("--offset", type=float, default=0.0, metavar="SECONDS",
                   help="start this many seconds into the file (default 0)")
    p.add_argument("--duration", type=float, metavar="SECONDS",
                   help="analyse at most this many seconds (default: to the end)")


def _add_output(parser: argparse.ArgumentParser) -> None:
    p = parser.add_argument_group("output")
    p.add_argument("-o", "--output", required=True, metavar="OUT.png|OUT.npy",
                   help="where to write: a .png picture, or a .npy file with the float32 dB "
                        "array (rows are frequencies, lowest first; columns are frames)")
    p.add_argument("--colormap", choices=COLORMAPS, default="cubehelix",
                   help="colours of the picture: cubehelix (black, purple, orange, pale yellow; "
                        "the default) or gray")


def _add_stft(parser: argparse.ArgumentParser, hop_default: str) -> None:
    p = parser.add_argument_group("frames (short-time Fourier transform)")
    p.add_argument("--n-fft", type=int, default=2048, metavar="N",
                   help="samples per analysis frame, i.e. the FFT size (default 2048: 93 ms at "
                        "22050 Hz). Larger: finer frequency detail, blurrier in time")
    p.add_argument("--hop-length", type=int, metavar="N",
                   help=f"samples between the starts of successive frames (default {hop_default})")
    p.add_argument("--win-length", type=int, metavar="N",
                   help="samples the window covers, at most --n-fft (default: --n-fft)")
    p.add_argument("--window", type=_window, default="hann", metavar="NAME",
                   help="taper applied to each frame: hann (default), hamming, blackman, "
                        "boxcar, ...; with a parameter as NAME:VALUE, e.g. kaiser:8.6")
    p.add_argument("--center", action=argparse.BooleanOptionalAction, default=True,
                   help="pad the signal so frame t is centred on sample t * hop (default: on)")
    p.add_argument("--pad-mode", default="constant", metavar="MODE",
                   help="how --center pads: constant (zeros, the default), reflect, edge, ...")


def _add_db(parser: argparse.ArgumentParser, amin_default: str) -> None:
    p = parser.add_argument_group("decibels")
    p.add_argument("--ref", type=_ref, default=np.max, metavar="max|NUMBER",
                   help="the level that becomes 0 dB: max (the loudest value, the default) or a "
                        "fixed number")
    p.add_argument("--amin", type=float, metavar="NUMBER",
                   help=f"values below this count as this, so silence is not -inf dB "
                        f"(default {amin_default})")
    p.add_argument("--top-db", type=_optional(float), default=80.0, metavar="DB|none",
                   help="keep only this many dB below the loudest value; quieter becomes the "
                        "floor (default 80; 'none' keeps everything, and a picture then shows "
                        "the top 80 dB)")


def build_parser() -> argparse.ArgumentParser:
    """The ``dsp`` argument parser (one sub-command per job)."""
    parser = _Parser(
        prog="dsp",
        description="Spectrograms of WAV files: pictures (PNG) and arrays (.npy), computed "
                    "with NumPy alone, bit-identical to librosa 0.11.",
        epilog="Start with 'dsp demo', then try 'dsp mel dsp-demo/example.wav -o mel.png'. "
               "'dsp COMMAND --help' explains each command's options.",
    )
    parser.add_argument("--version", action="version", version=f"dsp {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    mel = commands.add_parser(
        "mel", help="mel spectrogram in dB (the input of most audio classifiers)",
        description="Mel spectrogram in dB: power_to_db(melspectrogram(y, sr), ref=np.max). "
                    "Frequencies are grouped into bands spaced as the ear hears them.")
    _add_input(mel)
    _add_output(mel)
    _add_stft(mel, hop_default="512")
    bands = mel.add_argument_group("mel bands")
    bands.add_argument("--n-mels", type=int, default=128, metavar="N",
                     help="number of mel bands, the rows of the result (default 128)")
    bands.add_argument("--fmin", type=float, default=0.0, metavar="HZ",
                     help="lowest frequency covered (default 0)")
    bands.add_argument("--fmax", type=float, metavar="HZ",
                     help="highest frequency covered (default: half the sample rate)")
    bands.add_argument("--htk", action="store_true",
                       help="use the HTK mel scale 2595 log10(1 + f/700); default: Slaney's "
                            "(linear below 1 kHz, logarithmic above)")
    bands.add_argument("--norm", type=_norm, default="slaney", metavar="slaney|none|P",
                     help="filter scaling: slaney (each band has equal area, the default), "
                          "none (peak 1), or a number P to give each filter unit P-norm")
    bands.add_argument("--power", type=float, default=2.0, metavar="2|1",
                     help="2 (the default): power spectrogram, 10 log10 to dB; 1: magnitude, "
                          "20 log10 to dB")
    _add_db(mel, amin_default="1e-10 for power, 1e-5 for magnitude")
    mel.set_defaults(run=_run_spectrogram, kind="mel")

    linear = commands.add_parser(
        "stft", help="linear-frequency spectrogram in dB",
        description="Linear-frequency spectrogram in dB: amplitude_to_db(|stft(y)|, "
                    "ref=np.max); n_fft // 2 + 1 rows from 0 Hz to half the sample rate.")
    _add_input(linear)
    _add_output(linear)
    _add_stft(linear, hop_default="win-length // 4")
    _add_db(linear, amin_default="1e-5")
    linear.set_defaults(run=_run_spectrogram, kind="stft")

    describe = commands.add_parser(
        "info", help="describe a WAV file", description="Print a WAV file's encoding, sample "
        "rate, channels, frames and duration (reads the header only).")
    describe.add_argument("input", metavar="IN.wav", help="the WAV file")
    describe.set_defaults(run=_run_info)

    demo = commands.add_parser(
        "demo", help="the main job on a built-in example sound",
        description="Write the built-in example sound (a tone with vibrato, a chirp, clicks, a "
                    "chord, a noise burst) as WAV, with its linear and mel spectrogram pictures "
                    "and the CNN input array.")
    demo.add_argument("-o", "--output", default="dsp-demo", metavar="DIR",
                      help="directory to write into, created if missing (default: dsp-demo)")
    demo.set_defaults(run=_run_demo)
    return parser


def _load_channel(args: argparse.Namespace) -> tuple[np.ndarray, int]:
    y, sr = load(args.input, mono=args.channel is None, offset=args.offset,
                 duration=args.duration)
    if args.channel is None:
        return y, sr
    channels = 1 if y.ndim == 1 else y.shape[0]
    if not 0 <= args.channel < channels:
        raise ParameterError(f"--channel {args.channel}: the file has {channels} channel(s), "
                             f"numbered 0 to {channels - 1}")
    return (y if y.ndim == 1 else np.ascontiguousarray(y[args.channel])), sr


def _to_db(args: argparse.Namespace, y: np.ndarray, sr: int) -> np.ndarray:
    frames = {"n_fft": args.n_fft, "hop_length": args.hop_length, "win_length": args.win_length,
              "window": args.window, "center": args.center, "pad_mode": args.pad_mode}
    frames = {k: v for k, v in frames.items() if v is not None}
    db = {"ref": args.ref, "top_db": args.top_db}
    if args.amin is not None:
        db["amin"] = args.amin
    if args.kind == "stft":
        return amplitude_to_db(np.abs(stft(y, **frames)), **db)
    if args.power not in (1.0, 2.0):
        raise ParameterError(f"--power {args.power}: must be 2 (power) or 1 (magnitude) to be "
                             "converted to dB")
    S = melspectrogram(y=y, sr=sr, power=args.power, n_mels=args.n_mels, fmin=args.fmin,
                       fmax=args.fmax, htk=args.htk, norm=args.norm, **frames)
    return (power_to_db if args.power == 2.0 else amplitude_to_db)(S, **db)


def _save_npy(path: str, array: np.ndarray) -> None:
    with atomic_write(path) as f:
        np.save(f, array, allow_pickle=False)


def _run_spectrogram(args: argparse.Namespace) -> None:
    extension = os.path.splitext(args.output)[1].lower()
    if extension not in _EXTENSIONS:
        raise ParameterError(f"--output {args.output!r} must end in .png or .npy")
    y, sr = _load_channel(args)
    S_db = _to_db(args, y, sr)
    rows = "mel bands" if args.kind == "mel" else "frequency bins"
    what = f"{args.kind} dB spectrogram, {S_db.shape[0]} {rows} x {S_db.shape[1]} frames"
    if extension == ".npy":
        _save_npy(args.output, S_db)
        print(f"wrote {args.output}: {what}, {S_db.dtype}, shape {S_db.shape}")
    else:
        top_db = 80.0 if args.top_db is None else args.top_db
        picture = spectrogram_image(S_db, top_db=top_db, colormap=args.colormap)
        write_png(args.output, picture)
        print(f"wrote {args.output}: {what}, picture {picture.shape[1]} x {picture.shape[0]} px")


def _run_info(args: argparse.Namespace) -> None:
    print(f"file      {args.input}\n{info(args.input)}")


def _run_demo(args: argparse.Namespace) -> None:
    os.makedirs(args.output, exist_ok=True)
    y, sr = example_audio()
    print(f"dsp demo: the built-in example sound, {y.size / sr:.2f} s at {sr} Hz")
    for start, end, what in EXAMPLE_EVENTS:
        print(f"  {start:3.1f} - {end:3.1f} s  {what}")

    def wrote(name: str, what: str) -> None:
        print(f"wrote {os.path.join(args.output, name):<{len(args.output) + 24}}  {what}")

    write_wav(os.path.join(args.output, "example.wav"), y, sr)
    wrote("example.wav", f"the sound: {y.size} samples, float32 WAV")
    linear = amplitude_to_db(np.abs(stft(y)), ref=np.max)
    mel = power_to_db(melspectrogram(y=y, sr=sr), ref=np.max)
    for name, S_db, rows in (("example_stft.png", linear, "linear-frequency dB, {} bins"),
                             ("example_mel.png", mel, "mel dB, {} bands")):
        picture = spectrogram_image(S_db)
        write_png(os.path.join(args.output, name), picture)
        wrote(name, f"{rows.format(S_db.shape[0])} x {S_db.shape[1]} frames, "
                    f"{picture.shape[1]} x {picture.shape[0]} px picture")
    cnn = to_cnn_input(mel)
    _save_npy(os.path.join(args.output, "example_cnn_input.npy"), cnn)
    wrote("example_cnn_input.npy", f"CNN input (channel, mel bands, frames): {cnn.dtype} "
                                   f"{cnn.shape}")


def _message(err: BaseException) -> str:
    if isinstance(err, OSError) and err.strerror:
        return f"{err.strerror}: {err.filename}" if err.filename else err.strerror
    if isinstance(err, MemoryError):
        return "not enough memory for this input (try --offset/--duration)"
    return str(err) or type(err).__name__


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
            warnings.showwarning = _show_warning  # type: ignore[assignment]
            args.run(args)
    except (ParameterError, OSError, MemoryError) as err:
        print(f"dsp: error: {_message(err)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("dsp: interrupted (no output was left half-written)", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK


def _show_warning(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
    print(f"dsp: warning: {message}", file=sys.stderr)
