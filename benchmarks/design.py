"""Measurements behind the engine's choices (threads, block size, batches, chunks, FFT floor).

Each function returns rows for one table of ``RESULTS.md``; all use the 10-min signal unless
said, and paired alternated runs (:func:`benchmarks._common.paired`).
"""

from __future__ import annotations

import threading
import time
import warnings
from typing import Any

import numpy as np

from ._common import HOP, N_FFT, N_MELS, SR, paired, signal

__all__ = ["threads_and_blocks", "blas_spin", "blas_threads", "chunk_identity", "fft_floor"]


def _mel_call(
    y: np.ndarray, precision: str = "float64", batch: int | None = None, **engine: Any
) -> Any:
    import dsp
    from dsp._engine import blocked as _engine
    from dsp._engine.config import engine_config

    t = dsp.MelSpectrogram(sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS, precision=precision)

    def call() -> Any:
        with engine_config(batch_bytes=batch):
            return _engine.mel_blocked(
                y,
                geometry=t.geometry,
                window=t.window,
                pad_mode="constant",
                power=2.0,
                mel_basis=t.mel_basis,
                precision=precision,
                banded=t.mel_scale.banded,
                **engine,
            )

    return call


def threads_and_blocks(seconds: float = 600.0, runs: int = 5) -> list[dict[str, Any]]:
    """Engine variants against the automatic choice, same process, alternated."""
    from dsp._engine import blocked as _engine
    from dsp._engine.config import EngineConfig

    y = signal(seconds)
    count, config = 1 + y.size // HOP, EngineConfig()
    auto = _engine.block_frames_for(N_FFT, 1, "float64", count, config)
    fast_auto = _engine.block_frames_for(N_FFT, 1, "float32", count, config)
    rows = []
    bounded = "melspectrogram, bounded mode"
    variants: list[tuple[str, str, dict[str, Any]]] = (
        [
            ("melspectrogram", "1 thread instead of 2", dict(n_threads=1)),
            ("melspectrogram, fast mode", "1 thread instead of 2", dict(n_threads=1)),
            (bounded, "batches of 56 MiB (2 batches)", dict(batch=56 << 20)),
            (bounded, "batches of 16 MiB (7 batches)", dict(batch=16 << 20)),
        ]
        + [
            ("melspectrogram", f"FFT block of {b} frames (auto: {auto})", dict(block_frames=b))
            for b in (8, 16, 32, 64, 128, 256)
        ]
        + [
            (
                "melspectrogram, fast mode",
                f"FFT block of {b} frames (auto: {fast_auto})",
                dict(block_frames=b),
            )
            for b in (16, 32, 64)
        ]
    )
    for case, label, options in variants:
        precision = {"melspectrogram": "float64", bounded: "float64-bounded"}.get(case, "float32")
        variant, default = _mel_call(y, precision, **options), _mel_call(y, precision)
        rows.append(dict(case=case, variant=label, **paired(variant, default, runs)))
    return rows


def blas_spin(repeats: int = 7) -> list[dict[str, Any]]:
    """Two threads of FFTs right after a multi-threaded BLAS call, and after 0.5 s idle."""
    frames = np.random.default_rng(0).standard_normal((2, 64, N_FFT))
    outs = np.empty((2, 64, 1 + N_FFT // 2), dtype=np.complex128)
    A = np.ones((N_FFT // 2 + 1, 1024), dtype=np.float32)
    B = np.ones((N_MELS, N_FFT // 2 + 1), dtype=np.float32)

    def two_threads() -> float:
        def work(i: int) -> None:
            for _ in range(40):
                np.fft.rfft(frames[i], axis=-1, out=outs[i])

        workers = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        start = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        return time.perf_counter() - start

    after, idle = [], []
    for _ in range(repeats):
        time.sleep(0.5)
        idle.append(two_threads())
        B @ A  # noqa: B018 (wakes the BLAS threads)
        after.append(two_threads())
    return [
        dict(
            idle=float(np.median(idle)),
            after=float(np.median(after)),
            ratio=float(np.median(np.array(after) / np.array(idle))),
        )
    ]


def blas_threads(frames: tuple[int, ...] = (431, 25841), repeats: int = 7) -> list[dict[str, Any]]:
    """The dense projection with the process's BLAS threads and with one (threadpoolctl).

    Reports both times and whether the two products agree bit for bit: they do not (the
    multi-threaded driver splits the sum over bins at other points), so the float64 mode must
    keep librosa's thread count. Empty if threadpoolctl is not installed.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return []
    import librosa

    from dsp._engine.blocked import dense_project

    basis = librosa.filters.mel(sr=SR, n_fft=N_FFT, n_mels=N_MELS)
    rows = []
    for count in frames:
        S = np.asfortranarray(
            np.random.default_rng(2).random((1 + N_FFT // 2, count), dtype=np.float32)
        )
        times: dict[str, list[float]] = {"default": [], "one": []}
        results = {}
        for _ in range(repeats):
            for name, limit in (("default", None), ("one", 1)):
                with threadpool_limits(limit):
                    start = time.perf_counter()
                    results[name] = dense_project(basis, S)
                    times[name].append(time.perf_counter() - start)
        rows.append(
            dict(
                frames=count,
                default=float(np.median(times["default"])),
                one=float(np.median(times["one"])),
                identical=bool(np.array_equal(results["default"], results["one"])),
            )
        )
    return rows


def chunk_identity(total: int = 3003, widths: range = range(3, 1400, 8)) -> list[dict[str, Any]]:
    """Per shape: the widest chunk whose columns differ from the whole-array product's.

    A chunk ``[total - L, total)`` is projected alone (as the engine's last chunk) and compared
    with the same columns of librosa's one-call product; ``L`` ends in the same partial tile.
    """
    import librosa

    from dsp._engine.blocked import dense_project

    rows = []
    rng = np.random.default_rng(1)
    for dtype in (np.float32, np.float64):
        for n_mels, n_fft in ((128, 2048), (40, 512), (8, 16), (2, 64), (1, 2048), (64, 1024)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                basis = librosa.filters.mel(sr=SR, n_fft=n_fft, n_mels=n_mels)
            S = np.asfortranarray(rng.random((1 + n_fft // 2, total)).astype(dtype))
            whole = dense_project(basis, S)
            bad = [
                L
                for L in widths
                if not np.array_equal(
                    dense_project(basis, np.asfortranarray(S[:, -L:])), whole[:, -L:]
                )
            ]
            rows.append(
                dict(
                    dtype=np.dtype(dtype).name,
                    n_mels=n_mels,
                    n_fft=n_fft,
                    widest_bad=max(bad) if bad else None,
                    total=total,
                )
            )
    return rows


def fft_floor(seconds: float = 600.0, runs: int = 5) -> list[dict[str, Any]]:
    """The FFT alone over already-windowed frames, against librosa's whole melspectrogram."""
    import librosa
    import scipy.fft

    y = signal(seconds)
    count = 1 + y.size // HOP
    padded = np.pad(y, N_FFT // 2)
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP][:count]
    windowed64 = frames * np.hanning(N_FFT + 1)[:-1]
    windowed32 = windowed64.astype(np.float32)

    def blocked(func: Any, x: np.ndarray, workers: int) -> Any:
        return lambda: [
            func(x[i : i + 256], axis=-1, workers=workers) for i in range(0, count, 256)
        ]

    def lib() -> Any:
        return librosa.feature.melspectrogram(y=y, sr=SR, n_fft=N_FFT, hop_length=HOP)

    variants = {
        "numpy rfft float64, 1 thread": lambda: [
            np.fft.rfft(windowed64[i : i + 256], axis=-1) for i in range(0, count, 256)
        ],
        "scipy rfft float64, 1 worker": blocked(scipy.fft.rfft, windowed64, 1),
        "scipy rfft float64, 2 workers": blocked(scipy.fft.rfft, windowed64, 2),
        "scipy rfft float32, 1 worker": blocked(scipy.fft.rfft, windowed32, 1),
        "scipy rfft float32, 2 workers": blocked(scipy.fft.rfft, windowed32, 2),
    }
    return [dict(variant=name, **paired(func, lib, runs)) for name, func in variants.items()]
