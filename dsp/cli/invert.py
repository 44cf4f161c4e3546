"""``dsp invert``: hear a mel spectrogram. A ``.npy`` mel spectrogram in, a WAV file out.

``dsp invert x_mel.npy --sr 22050 -o heard.wav`` reads the array ``dsp mel x.wav -o x_mel.npy``
wrote (dB relative to its maximum), turns it back into power, finds a linear spectrogram with
that mel spectrogram (non-negative least squares) and a phase for it (Griffin-Lim):
``mel_to_audio(db_to_power(M_db), ...)``. What the mel bands and the dB floor threw away stays
lost, so it sounds rough: that is the point (``docs/inversion.md``).
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import numpy as np

from ..db import db_to_amplitude, db_to_power
from ..errors import ParameterError
from ..io.audio import write_wav
from ..mel_inverse import SOLVERS, mel_to_audio
from ._common import add_stft, norm_option

__all__ = ["register"]

#: The WAV is scaled to this peak (the level of a dB-re-max spectrogram is relative anyway).
PEAK = 0.9


def register(commands: Any) -> None:
    """Add ``invert`` to the ``dsp`` sub-command parsers."""
    parser = commands.add_parser(
        "invert",
        help="hear a mel spectrogram: .npy mel spectrogram to a WAV file (Griffin-Lim)",
        description="Invert a mel spectrogram to audio: mel_to_audio(db_to_power(M)). "
        "Use the same --sr, --n-fft, --hop-length and mel options the spectrogram was made "
        "with (the defaults are dsp mel's).",
    )
    parser.add_argument(
        "input",
        metavar="IN.npy",
        help="a mel spectrogram (rows mel bands, columns frames), e.g. from "
        "'dsp mel x.wav -o x_mel.npy'",
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT.wav",
        help="the WAV file to write (float32 samples)",
    )
    p = parser.add_argument_group("what the array holds")
    p.add_argument(
        "--sr",
        type=int,
        default=22050,
        metavar="HZ",
        help="sample rate it was computed at (default 22050)",
    )
    p.add_argument(
        "--scale",
        choices=("db", "power", "magnitude"),
        default="db",
        help="db (the default, as dsp mel writes: --power 2 means power dB, 1 "
        "magnitude dB), power or magnitude",
    )
    p.add_argument(
        "--power",
        type=float,
        default=2.0,
        metavar="2|1",
        help="the exponent of the mel spectrogram: 2 power (default), 1 magnitude",
    )
    add_stft(parser, hop_default="512")
    bands = parser.add_argument_group("mel bands (as when it was computed)")
    bands.add_argument("--fmin", type=float, default=0.0, metavar="HZ")
    bands.add_argument("--fmax", type=float, metavar="HZ")
    bands.add_argument("--htk", action="store_true")
    bands.add_argument("--norm", type=norm_option, default="slaney", metavar="slaney|none|P")
    bands.add_argument(
        "--solver",
        choices=SOLVERS,
        default="auto",
        help="the NNLS solver of mel_to_stft: auto (default: librosa's L-BFGS-B if SciPy is "
        "installed, else projected), scipy, or projected (NumPy; a closer fit, not librosa's)",
    )
    gl = parser.add_argument_group("Griffin-Lim")
    gl.add_argument(
        "--n-iter",
        type=int,
        default=32,
        metavar="N",
        help="iterations (default 32; more is slower and a little cleaner)",
    )
    gl.add_argument(
        "--random-state",
        type=int,
        default=0,
        metavar="SEED",
        help="seed of the initial random phase (default 0: the same WAV every run)",
    )
    parser.set_defaults(run=run)


def _load(path: str) -> np.ndarray:
    try:
        M = np.load(path, allow_pickle=False)
    except ValueError as err:
        raise ParameterError(f"{path}: not a NumPy .npy array ({err})") from None
    if M.ndim != 2 or M.dtype.kind not in "iuf" or M.size == 0:
        raise ParameterError(
            f"{path}: expected a 2-D real array (mel bands x frames), got shape {M.shape} "
            f"and dtype {M.dtype}"
        )
    return M.astype(np.float32) if M.dtype != np.float64 else M


def run(args: argparse.Namespace) -> None:
    if os.path.splitext(args.output)[1].lower() != ".wav":
        raise ParameterError(f"--output {args.output!r} must end in .wav")
    if args.power not in (1.0, 2.0):
        raise ParameterError(f"--power {args.power}: must be 2 (power) or 1 (magnitude)")
    M = _load(args.input)
    if args.scale == "db":
        M = db_to_power(M) if args.power == 2.0 else db_to_amplitude(M)
    elif (M < 0).any():
        raise ParameterError(f"--scale {args.scale}: {args.input} has negative values (dB?)")
    frames = {
        "hop_length": args.hop_length or 512,
        "win_length": args.win_length,
        "window": args.window,
        "center": args.center,
        "pad_mode": args.pad_mode,
    }
    y = mel_to_audio(
        M,
        sr=args.sr,
        n_fft=args.n_fft,
        power=args.power,
        n_iter=args.n_iter,
        random_state=args.random_state,
        solver=args.solver,
        fmin=args.fmin,
        fmax=args.fmax,
        htk=args.htk,
        norm=args.norm,
        **frames,
    )
    peak = float(np.abs(y).max())
    if peak > 0:
        y = y * (PEAK / peak)
    write_wav(args.output, y.astype(np.float32), args.sr)
    seconds = y.shape[-1] / args.sr
    print(
        f"wrote {args.output}: {seconds:.2f} s at {args.sr} Hz from {M.shape[0]} mel bands x "
        f"{M.shape[1]} frames ({args.n_iter} Griffin-Lim iterations, peak scaled to {PEAK})"
    )
