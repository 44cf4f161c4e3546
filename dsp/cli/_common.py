"""What every ``dsp`` command shares: the parser, option groups, loading, saving, messages."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..errors import ParameterError
from ..io._atomic import atomic_write
from ..io.audio import load
from ..resampling import RES_TYPES
from ..viz.image import COLORMAPS

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "Parser",
    "add_db",
    "add_input",
    "add_mel",
    "add_output",
    "add_stft",
    "load_channel",
    "mel_arguments",
    "message",
    "norm_option",
    "output_extension",
    "save_npy",
    "show_warning",
    "stft_arguments",
]

EXIT_OK, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 2, 130


class Parser(argparse.ArgumentParser):
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


def norm_option(text: str) -> Any:
    """``--norm``: slaney, none, or a number."""
    return text.lower() if text.lower() == "slaney" else _optional(float)(text)


def _window(text: str) -> Any:
    name, _, parameter = text.partition(":")
    return (name, float(parameter)) if parameter else name


def _sample_rate(text: str) -> Any:
    """``--sr``: a rate in Hz, or ``native`` (the file's own rate)."""
    if text.lower() in ("native", "none"):
        return None
    value = float(text)  # "16e3" is fine too; a rate must be a whole number of Hz here
    if not (0 < value < 2**31) or value != int(value):
        raise ValueError(text)
    return int(value)


_sample_rate.__name__ = "sample rate"


def add_input(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "input",
        metavar="IN",
        help="the sound file to analyse: WAV or AIFF (FLAC, Ogg, MP3 ... with "
        "pip install dsp[formats])",
    )
    p = parser.add_argument_group("input")
    p.add_argument(
        "--channel",
        type=int,
        metavar="N",
        help="use channel N only (0 is the first); default: average all channels "
        "into one, as librosa does",
    )
    p.add_argument(
        "--offset",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="start this many seconds into the file (default 0)",
    )
    p.add_argument(
        "--duration",
        type=float,
        metavar="SECONDS",
        help="analyse at most this many seconds (default: to the end)",
    )
    p.add_argument(
        "--sr",
        type=_sample_rate,
        default=22050,
        metavar="HZ|native",
        help="resample to this rate (whole Hz) first (default 22050, as "
        "librosa.load); 'native' keeps the file's rate",
    )
    p.add_argument(
        "--res-type",
        choices=RES_TYPES,
        default="auto",
        metavar="NAME",
        help="resampler: auto (soxr_hq if the soxr package is installed, as librosa; "
        "else dsp_hq, dsp's own), dsp_hq, soxr_hq, soxr_vhq, soxr_mq, soxr_lq, "
        "soxr_qq, polyphase, fft",
    )


def add_output(parser: argparse.ArgumentParser) -> None:
    p = parser.add_argument_group("output")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT.png|OUT.svg|OUT.npy",
        help="where to write: a .png or .svg figure (axes in s and Hz, a dB colour "
        "bar), or a .npy file with the float32 dB array (rows are frequencies, "
        "lowest first; columns are frames)",
    )
    p.add_argument(
        "--colormap",
        choices=COLORMAPS,
        default="cubehelix",
        help="colours of the picture: cubehelix (black, purple, orange, pale yellow; "
        "the default) or gray",
    )


def add_stft(parser: argparse.ArgumentParser, hop_default: str) -> None:
    p = parser.add_argument_group("frames (short-time Fourier transform)")
    p.add_argument(
        "--n-fft",
        type=int,
        default=2048,
        metavar="N",
        help="samples per analysis frame, i.e. the FFT size (default 2048: 93 ms at "
        "22050 Hz). Larger: finer frequency detail, blurrier in time",
    )
    p.add_argument(
        "--hop-length",
        type=int,
        metavar="N",
        help=f"samples between the starts of successive frames (default {hop_default})",
    )
    p.add_argument(
        "--win-length",
        type=int,
        metavar="N",
        help="samples the window covers, at most --n-fft (default: --n-fft)",
    )
    p.add_argument(
        "--window",
        type=_window,
        default="hann",
        metavar="NAME",
        help="taper applied to each frame: hann (default), hamming, blackman, "
        "boxcar, ...; with a parameter as NAME:VALUE, e.g. kaiser:8.6",
    )
    p.add_argument(
        "--center",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="pad the signal so frame t is centred on sample t * hop (default: on)",
    )
    p.add_argument(
        "--pad-mode",
        default="constant",
        metavar="MODE",
        help="how --center pads: constant (zeros, the default), reflect, edge, ...",
    )


#: The mel-band options ``add_mel`` knows: flag -> its type, metavar and library default.
_MEL_OPTIONS: dict[str, dict[str, Any]] = {
    "--n-mels": {"type": int, "default": 128, "metavar": "N"},
    "--fmin": {"type": float, "default": 0.0, "metavar": "HZ"},
    "--fmax": {"type": float, "metavar": "HZ"},
    "--htk": {"action": "store_true"},
    "--norm": {"type": norm_option, "default": "slaney", "metavar": "slaney|none|P"},
    "--mel-norm": {"type": norm_option, "default": "slaney", "metavar": "slaney|none|P"},
    "--power": {"type": float, "default": 2.0, "metavar": "2|1"},
}


def add_mel(group: Any, helps: Mapping[str, str], *, defaults: bool = True) -> None:
    """Add mel-band options to ``group``: one per key of ``helps``, in its order, with its help.

    The keys are flags of ``_MEL_OPTIONS`` (``--n-mels``, ``--fmin``, ``--fmax``, ``--htk``,
    ``--norm`` or ``--mel-norm``, ``--power``); each command words the help for its own use.
    ``defaults=False`` leaves the library defaults out (a command that sets its own).
    """
    for flag, text in helps.items():
        spec = dict(_MEL_OPTIONS[flag])
        if not defaults:
            spec.pop("default", None)
        group.add_argument(flag, help=text, **spec)


def add_db(parser: argparse.ArgumentParser, amin_default: str) -> None:
    p = parser.add_argument_group("decibels")
    p.add_argument(
        "--ref",
        type=_ref,
        default=np.max,
        metavar="max|NUMBER",
        help="the level that becomes 0 dB: max (the loudest value, the default) or a fixed number",
    )
    p.add_argument(
        "--amin",
        type=float,
        metavar="NUMBER",
        help=f"values below this count as this, so silence is not -inf dB (default {amin_default})",
    )
    p.add_argument(
        "--top-db",
        type=_optional(float),
        default=80.0,
        metavar="DB|none",
        help="keep only this many dB below the loudest value; quieter becomes the "
        "floor (default 80; 'none' keeps everything, and a picture then shows "
        "the top 80 dB)",
    )


def stft_arguments(args: argparse.Namespace) -> dict[str, Any]:
    """The keywords of ``stft`` from the options of :func:`add_stft` (unset ones left out)."""
    frames = {
        "n_fft": args.n_fft,
        "hop_length": args.hop_length,
        "win_length": args.win_length,
        "window": args.window,
        "center": args.center,
        "pad_mode": args.pad_mode,
    }
    return {k: v for k, v in frames.items() if v is not None}


def mel_arguments(args: argparse.Namespace) -> dict[str, Any]:
    """The keywords of ``melspectrogram`` from ``dsp mel``'s options; ``--power`` 2 or 1 only."""
    if args.power not in (1.0, 2.0):
        raise ParameterError(
            f"--power {args.power}: must be 2 (power) or 1 (magnitude) to be converted to dB"
        )
    return {
        "power": args.power,
        "n_mels": args.n_mels,
        "fmin": args.fmin,
        "fmax": args.fmax,
        "htk": args.htk,
        "norm": args.norm,
        **stft_arguments(args),
    }


def output_extension(args: argparse.Namespace, allowed: tuple[str, ...]) -> str:
    """The lower-case extension of ``--output``, which must be one of ``allowed``."""
    extension = os.path.splitext(args.output)[1].lower()
    if extension not in allowed:
        names = f"{', '.join(allowed[:-1])} or {allowed[-1]}" if len(allowed) > 1 else allowed[0]
        raise ParameterError(f"--output {args.output!r} must end in {names}")
    return extension


def load_channel(args: argparse.Namespace) -> tuple[np.ndarray, int]:
    y, rate = load(
        args.input,
        sr=args.sr,
        mono=args.channel is None,
        offset=args.offset,
        duration=args.duration,
        res_type=args.res_type,
    )
    sr = int(rate)  # --sr is a whole number of Hz (or the file's own rate)
    if args.channel is None:
        return y, sr
    channels = 1 if y.ndim == 1 else y.shape[0]
    if not 0 <= args.channel < channels:
        raise ParameterError(
            f"--channel {args.channel}: the file has {channels} channel(s), "
            f"numbered 0 to {channels - 1}"
        )
    return (y if y.ndim == 1 else np.ascontiguousarray(y[args.channel])), sr


def save_npy(path: str, array: np.ndarray) -> None:
    with atomic_write(path) as f:
        np.save(f, array, allow_pickle=False)


def message(err: BaseException) -> str:
    if isinstance(err, OSError) and err.strerror:
        return f"{err.strerror}: {err.filename}" if err.filename else err.strerror
    if isinstance(err, MemoryError):
        return "not enough memory for this input (try --offset/--duration)"
    return str(err) or type(err).__name__


def show_warning(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
    print(f"dsp: warning: {message}", file=sys.stderr)
