"""``dsp mel`` and ``dsp stft``: a WAV file to a dB spectrogram picture (PNG) or array (.npy)."""

from __future__ import annotations

import argparse
import os
from typing import Any

import numpy as np

from ..db import amplitude_to_db, power_to_db
from ..errors import ParameterError
from ..pipeline import melspectrogram
from ..spectrum import stft
from ..viz.image import spectrogram_image, write_png
from ._common import add_db, add_input, add_output, add_stft, load_channel, norm_option, save_npy

__all__ = ["register"]

_EXTENSIONS = (".png", ".npy")


def register(commands: Any) -> None:
    """Add ``mel`` and ``stft`` to the ``dsp`` sub-command parsers."""
    mel = commands.add_parser(
        "mel", help="mel spectrogram in dB (the input of most audio classifiers)",
        description="Mel spectrogram in dB: power_to_db(melspectrogram(y, sr), ref=np.max). "
                    "Frequencies are grouped into bands spaced as the ear hears them.")
    add_input(mel)
    add_output(mel)
    add_stft(mel, hop_default="512")
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
    bands.add_argument("--norm", type=norm_option, default="slaney", metavar="slaney|none|P",
                     help="filter scaling: slaney (each band has equal area, the default), "
                          "none (peak 1), or a number P to give each filter unit P-norm")
    bands.add_argument("--power", type=float, default=2.0, metavar="2|1",
                     help="2 (the default): power spectrogram, 10 log10 to dB; 1: magnitude, "
                          "20 log10 to dB")
    add_db(mel, amin_default="1e-10 for power, 1e-5 for magnitude")
    mel.set_defaults(run=run, kind="mel")

    linear = commands.add_parser(
        "stft", help="linear-frequency spectrogram in dB",
        description="Linear-frequency spectrogram in dB: amplitude_to_db(|stft(y)|, "
                    "ref=np.max); n_fft // 2 + 1 rows from 0 Hz to half the sample rate.")
    add_input(linear)
    add_output(linear)
    add_stft(linear, hop_default="win-length // 4")
    add_db(linear, amin_default="1e-5")
    linear.set_defaults(run=run, kind="stft")


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


def run(args: argparse.Namespace) -> None:
    extension = os.path.splitext(args.output)[1].lower()
    if extension not in _EXTENSIONS:
        raise ParameterError(f"--output {args.output!r} must end in .png or .npy")
    y, sr = load_channel(args)
    S_db = _to_db(args, y, sr)
    rows = "mel bands" if args.kind == "mel" else "frequency bins"
    what = f"{args.kind} dB spectrogram, {S_db.shape[0]} {rows} x {S_db.shape[1]} frames"
    if extension == ".npy":
        save_npy(args.output, S_db)
        print(f"wrote {args.output}: {what}, {S_db.dtype}, shape {S_db.shape}")
    else:
        top_db = 80.0 if args.top_db is None else args.top_db
        picture = spectrogram_image(S_db, top_db=top_db, colormap=args.colormap)
        write_png(args.output, picture)
        print(f"wrote {args.output}: {what}, picture {picture.shape[1]} x {picture.shape[0]} px")
