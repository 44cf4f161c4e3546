"""``dsp mfcc``: a sound file to its MFCCs (and optionally deltas), as a figure or an array.

``dsp mfcc x.wav -o x.npy`` saves exactly ``mfcc(y=y, sr=sr)`` (float32, ``n_mfcc`` rows, one
column per frame); ``--deltas`` stacks ``delta`` and ``delta(order=2)`` below it (3 * n_mfcc
rows). A ``.png`` or ``.svg`` shows the coefficients as a picture, coefficient 0 at the bottom.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import numpy as np

from ..cepstrum import mfcc
from ..deltas import delta
from ..errors import ParameterError
from ..viz.figure import specshow
from ._common import (
    add_input,
    add_mel,
    add_stft,
    load_channel,
    output_extension,
    save_npy,
    stft_arguments,
)

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add ``mfcc`` to the ``dsp`` sub-command parsers."""
    parser = commands.add_parser(
        "mfcc",
        help="mel-frequency cepstral coefficients (the classic speech features)",
        description="MFCCs: the DCT of the log-power mel spectrogram, "
        "mfcc(y=y, sr=sr) = dct(power_to_db(melspectrogram(y, sr)))[:n_mfcc]. "
        "See docs/mfcc.md.",
    )
    add_input(parser)
    out = parser.add_argument_group("output")
    out.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT.npy|OUT.png",
        help="where to write: a .npy file with the float32 coefficients (rows are "
        "coefficients, columns frames) or a .png/.svg picture",
    )
    add_stft(parser, hop_default="512")
    p = parser.add_argument_group("cepstrum")
    p.add_argument(
        "--n-mfcc", type=int, default=20, metavar="N", help="coefficients kept (default 20)"
    )
    add_mel(
        p,
        {
            "--n-mels": "mel bands before the DCT (default 128)",
            "--fmin": "lowest frequency (default 0)",
            "--fmax": "highest frequency (default: half the sample rate)",
            "--htk": "use the HTK mel scale",
            "--mel-norm": "mel filter scaling (default slaney)",
        },
    )
    p.add_argument(
        "--dct-type",
        type=int,
        choices=(1, 2, 3),
        default=2,
        help="DCT type (default 2, orthonormal)",
    )
    p.add_argument(
        "--lifter",
        type=float,
        default=0.0,
        metavar="L",
        help="cepstral liftering: raise coefficient i by 1 + L/2 sin(pi i / L) "
        "(default 0: none; 22 is common in speech recognition)",
    )
    p.add_argument(
        "--deltas",
        action="store_true",
        help="append deltas and delta-deltas (width 9) below the coefficients",
    )
    parser.set_defaults(run=run)


def _features(args: argparse.Namespace, y: np.ndarray, sr: int) -> np.ndarray:
    M = mfcc(
        y=y,
        sr=sr,
        n_mfcc=args.n_mfcc,
        dct_type=args.dct_type,
        lifter=args.lifter,
        n_mels=args.n_mels,
        fmin=args.fmin,
        fmax=args.fmax,
        htk=args.htk,
        mel_norm=args.mel_norm,
        **stft_arguments(args),
    )
    if not args.deltas:
        return M
    if M.shape[-1] < 9:
        raise ParameterError(f"--deltas needs at least 9 frames; the sound has {M.shape[-1]}")
    return np.concatenate([M, delta(M), delta(M, order=2)], axis=-2)


def run(args: argparse.Namespace) -> None:
    extension = output_extension(args, (".npy", ".png", ".svg"))
    y, sr = load_channel(args)
    M = _features(args, y, sr)
    what = f"MFCCs{' + deltas' if args.deltas else ''}, {M.shape[0]} rows x {M.shape[1]} frames"
    if extension == ".npy":
        save_npy(args.output, M)
        print(f"wrote {args.output}: {what}, {M.dtype}")
        return
    limit = float(np.abs(M[1:]).max()) if M.shape[0] > 1 else float(np.abs(M).max())
    figure = specshow(
        M,
        sr=sr,
        hop_length=args.hop_length or 512,
        x_axis="time",
        y_axis=None,
        vmin=-limit,
        vmax=limit,
        colorbar_label="coefficient (1 and up)",
        title=f"{os.path.basename(args.input)}: {what}, {sr} Hz",
    )
    figure.save(args.output)
    print(f"wrote {args.output}: {what}, figure {figure.width} x {figure.height} px")
