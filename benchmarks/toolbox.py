"""dsp against librosa for the toolbox of issue 13: ``python -m benchmarks.toolbox``.

For each function (dct, mfcc, delta, istft, griffinlim, mel_to_stft, mel_to_audio) it times
dsp and librosa in the same process (one warm-up each, then alternated pairs; medians and the
median of the per-pair ratios, lower is faster) on the same seeded input, and reports the
maximum deviation of dsp's output from librosa's (absolute, and relative to max |librosa|).
For mel_to_stft, whose minimiser is not unique, it times both solvers (``solver="auto"``:
librosa's L-BFGS-B; ``"projected"``: the NumPy solver) and reports the residuals
``||B S^2 - M|| / ||M||``. Writes ``benchmarks/results/toolbox.md``.

    python -m benchmarks.toolbox             # 30 s of audio, 7 pairs per function
    python -m benchmarks.toolbox --seconds 5 --runs 3   # a quick look
"""

from __future__ import annotations

import argparse
import os
import warnings
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from ._common import deviation, machine, paired, signal, table

RESULTS = Path(__file__).resolve().parent / "results" / "toolbox.md"
SR, N_FFT, HOP = 22050, 2048, 512


def cases(seconds: float) -> list[tuple[str, str, Callable[[], Any], Callable[[], Any]]]:
    """(name, input description, dsp call, librosa call) for every function."""
    import librosa
    import scipy.fft

    import dsp

    y = signal(seconds)  # float32 noise at -20 dBFS
    D = dsp.stft(y, n_fft=N_FFT, hop_length=HOP)
    S = np.abs(D)
    M = dsp.melspectrogram(y=y, sr=SR)
    log_mel = dsp.power_to_db(M)
    coefficients = dsp.mfcc(S=log_mel)
    frames = f"{D.shape[-1]} frames"
    # mel inversion is slow in both libraries: a 5-second excerpt
    short = M[:, : 1 + int(5 * SR) // HOP]
    return [
        (
            "dct (type 2, ortho, 128 x frames)",
            f"log-mel, {frames}",
            lambda: dsp.dct(log_mel, axis=-2, norm="ortho"),
            lambda: scipy.fft.dct(log_mel, axis=-2, norm="ortho"),
        ),
        (
            "mfcc (from audio)",
            f"{seconds:g} s float32",
            lambda: dsp.mfcc(y=y, sr=SR),
            lambda: librosa.feature.mfcc(y=y, sr=SR),
        ),
        (
            "mfcc (from log-mel S)",
            frames,
            lambda: dsp.mfcc(S=log_mel),
            lambda: librosa.feature.mfcc(S=log_mel),
        ),
        (
            "delta (width 9, interp)",
            f"20 MFCCs, {frames}",
            lambda: dsp.delta(coefficients),
            lambda: librosa.feature.delta(coefficients),
        ),
        (
            "delta (order 2)",
            f"20 MFCCs, {frames}",
            lambda: dsp.delta(coefficients, order=2),
            lambda: librosa.feature.delta(coefficients, order=2),
        ),
        (
            "istft",
            f"complex64, {frames}",
            lambda: dsp.istft(D, hop_length=HOP),
            lambda: librosa.istft(D, hop_length=HOP),
        ),
        (
            "griffinlim (n_iter=32, random_state=0)",
            f"magnitude, {frames}",
            lambda: dsp.griffinlim(S, hop_length=HOP, random_state=0),
            lambda: librosa.griffinlim(S, hop_length=HOP, random_state=0),
        ),
        (
            "mel_to_stft",
            f"mel, {short.shape[-1]} frames (5 s)",
            lambda: dsp.mel_to_stft(short, sr=SR),
            lambda: librosa.feature.inverse.mel_to_stft(short, sr=SR),
        ),
        (
            "mel_to_stft (solver='projected')",
            f"mel, {short.shape[-1]} frames (5 s)",
            lambda: dsp.mel_to_stft(short, sr=SR, solver="projected"),
            lambda: librosa.feature.inverse.mel_to_stft(short, sr=SR),
        ),
        (
            "mel_to_audio (n_iter=32)",
            f"mel, {short.shape[-1]} frames (5 s)",
            lambda: dsp.mel_to_audio(short, sr=SR, hop_length=HOP, random_state=0),
            lambda: librosa.feature.inverse.mel_to_audio(short, sr=SR, hop_length=HOP),
        ),
    ]


def _repeated(func: Callable[[], Any], floor: float = 0.05) -> tuple[Callable[[], Any], int]:
    """``func`` called often enough that one timing takes at least ``floor`` seconds."""
    import time

    start = time.perf_counter()
    func()
    once = max(time.perf_counter() - start, 1e-6)
    repeat = max(1, int(np.ceil(floor / once)))

    def many() -> Any:
        for _ in range(repeat):
            out = func()
        return out

    return many, repeat


def _repeat_n(func: Callable[[], Any], repeat: int) -> Callable[[], Any]:
    def many() -> Any:
        for _ in range(repeat):
            out = func()
        return out

    return many


def _residual(S: np.ndarray, M: np.ndarray) -> float:
    import dsp

    basis = dsp.mel_filterbank(sr=SR, n_fft=N_FFT, n_mels=M.shape[0])
    return float(np.linalg.norm(basis @ S.astype(np.float64) ** 2 - M) / np.linalg.norm(M))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--runs", type=int, default=7, help="alternated pairs per function")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    rows, notes = [], []
    for name, what, ours, ref in cases(args.seconds):
        out_ours, out_ref = ours(), ref()
        dev = deviation(out_ours, out_ref)
        runs = (
            args.runs if "mel_to" not in name and "griffin" not in name else max(3, args.runs // 2)
        )
        many_ours, repeat = _repeated(ours)
        many_ref = _repeated(ref)[0] if repeat == 1 else _repeat_n(ref, repeat)
        timing = {
            k: v / repeat if k in ("ours", "ref") else v
            for k, v in paired(many_ours, many_ref, runs).items()
        }
        same = "identical" if dev["identical"] else f"{dev['max_abs']:.2e} / {dev['max_rel']:.2e}"
        if name.startswith("mel_to_audio"):
            same = "n/a (librosa's mel_to_audio takes no random_state)"
        rows.append(
            [
                name,
                what,
                f"{timing['ours'] * 1e3:.1f}",
                f"{timing['ref'] * 1e3:.1f}",
                f"**{timing['ratio']:.2f}** [{timing['lo']:.2f}, {timing['hi']:.2f}]",
                same,
            ]
        )
        if name.startswith("mel_to_stft"):
            short = cases_input_mel(args.seconds)
            fit_ours, fit_ref = _residual(out_ours, short), _residual(out_ref, short)
            solver = "projected" if "projected" in name else "auto (L-BFGS-B, as librosa)"
            notes.append(
                f"mel_to_stft residual ||B S^2 - M|| / ||M||, solver={solver}: dsp "
                f"{fit_ours:.2e}, librosa {fit_ref:.2e}"
                + (
                    " (the minimiser is not unique: the filterbank has 1025 columns and 128 "
                    "rows; the projected solver converges further than librosa's L-BFGS-B, "
                    "which stops by scipy's default tolerances, so it lands elsewhere)"
                    if "projected" in name
                    else ""
                )
            )
        print(rows[-1])
    info = machine()
    text = "\n".join(
        [
            "# dsp vs librosa: MFCC, deltas, istft, Griffin-Lim, mel inversion (issue 13)",
            "",
            f"Generated by `python -m benchmarks.toolbox --seconds {args.seconds:g} --runs "
            f"{args.runs}` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC.",
            "",
            "Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()) + ".",
            "",
            f"Load average when the run ended: {os.getloadavg()[0]:.1f} (the machine is shared; "
            "single timings vary widely, the medians of alternated pairs much less).",
            "",
            f"Input: {args.seconds:g} s of seeded float32 noise at 22050 Hz, n_fft 2048, "
            "hop 512, 128 mels, 20 MFCCs. Times are medians of alternated pairs in the same "
            "process (one warm-up each, so numba compilation is not timed; calls under 50 ms "
            "are repeated to take at least 50 ms per timing, as often on both sides); the ratio "
            "is dsp / librosa (median [min, max] over the pairs): below 1, dsp is faster. "
            "Deviation: max |dsp - "
            "librosa| / the same over max |librosa|.",
            "",
            table(
                ["function", "input", "dsp ms", "librosa ms", "ratio", "deviation (abs / rel)"],
                rows,
            ),
            "",
            *[f"- {note}" for note in notes],
            "",
        ]
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(f"wrote {args.output}")


def cases_input_mel(seconds: float) -> np.ndarray:
    """The mel excerpt the mel_to_stft case inverts (recomputed for its residual)."""
    import dsp

    M = dsp.melspectrogram(y=signal(seconds), sr=SR)
    return M[:, : 1 + int(5 * SR) // HOP]


if __name__ == "__main__":
    main()
