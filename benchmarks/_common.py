"""Shared pieces of the benchmarks: the seeded signal, paired timing, deviations, tables."""

from __future__ import annotations

import gc
import os
import platform
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "SR",
    "N_FFT",
    "HOP",
    "N_MELS",
    "SEED",
    "DURATIONS",
    "signal",
    "paired",
    "deviation",
    "machine",
    "table",
    "mib",
    "fmt_ratio",
    "machine_line",
    "write_result",
]

SR, N_FFT, HOP, N_MELS, SEED = 22050, 2048, 512, 128, 20240
#: The issue's signal lengths, in seconds.
DURATIONS = {"10 s": 10.0, "10 min": 600.0, "60 min": 3600.0}


def signal(seconds: float, sr: int = SR) -> np.ndarray:
    """Seeded white noise at -20 dBFS, float32, made without a float64 temporary."""
    y = np.random.default_rng(SEED).standard_normal(int(round(seconds * sr)), dtype=np.float32)
    y *= 0.1
    return y


def _timed(func: Callable[[], Any], cpu: list[float] | None = None) -> float:
    """Wall seconds of ``func()``; its CPU seconds (all of this process's threads) appended to
    ``cpu`` if given."""
    gc.collect()
    start, start_cpu = time.perf_counter(), time.process_time()
    out = func()
    elapsed = time.perf_counter() - start
    if cpu is not None:
        cpu.append(time.process_time() - start_cpu)
    del out
    return elapsed


def paired(ours: Callable[[], Any], ref: Callable[[], Any], runs: int) -> dict[str, float]:
    """Median times of ``ours`` and ``ref`` and the median, min and max of their ratio.

    One warm-up each, then ``runs`` pairs alternated ABBA (ours first, then ref first, ...), so
    that neither side always runs in the other's wake; each ratio compares the two runs of one
    pair. ``cpu_ratio``: the median ratio of the pairs' CPU time (every thread's), the work
    done whatever the threads.
    """
    _timed(ours), _timed(ref)
    t_ours, t_ref, c_ours, c_ref = [], [], [], []  # type: ignore[var-annotated]
    for i in range(runs):
        if i % 2 == 0:
            t_ours.append(_timed(ours, c_ours))
            t_ref.append(_timed(ref, c_ref))
        else:
            t_ref.append(_timed(ref, c_ref))
            t_ours.append(_timed(ours, c_ours))
    ratios = np.array(t_ours) / np.array(t_ref)
    cpu_ratios = np.array(c_ours) / np.maximum(np.array(c_ref), 1e-9)
    return dict(
        ours=float(np.median(t_ours)),
        ref=float(np.median(t_ref)),
        ratio=float(np.median(ratios)),
        lo=float(ratios.min()),
        hi=float(ratios.max()),
        runs=runs,
        cpu_ratio=float(np.median(cpu_ratios)),
    )


def deviation(ours: np.ndarray, ref: np.ndarray) -> dict[str, Any]:
    """Max absolute difference, the same over max |ref|, and bit-identity (values and dtype)."""
    ours, ref = np.asarray(ours), np.asarray(ref)
    if ours.shape != ref.shape:
        return dict(identical=False, max_abs=float("nan"), max_rel=float("nan"))
    diff = np.abs(ours.astype(np.complex128 if ours.dtype.kind == "c" else np.float64) - ref)
    scale = float(np.abs(ref).max()) or 1.0
    return dict(
        identical=bool(np.array_equal(ours, ref) and ours.dtype == ref.dtype),
        max_abs=float(diff.max()),
        max_rel=float(diff.max()) / scale,
    )


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, str]:
    """CPU, cores, memory and library versions, for the report's header."""
    import dsp

    info = {
        "CPU": _cpu_model(),
        "cores usable": str(len(os.sched_getaffinity(0)))
        if hasattr(os, "sched_getaffinity")
        else str(os.cpu_count()),
        "Python": platform.python_version(),
        "numpy": np.__version__,
        "dsp": dsp.__version__,
    }
    try:
        blas = np.__config__.CONFIG["Build Dependencies"]["blas"]
        info["numpy BLAS"] = f"{blas['name']} {blas['version']}"
    except (AttributeError, KeyError, TypeError):
        pass
    for name in ("scipy", "librosa", "torch"):
        try:
            module = __import__(name)
            info[name] = module.__version__
        except ImportError:
            info[name] = "not installed"
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        info["memory"] = f"{pages / 2**30:.1f} GiB"
    except (ValueError, OSError, AttributeError):
        pass
    return info


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def mib(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:.1f} MiB"


def fmt_ratio(result: dict[str, float]) -> str:
    return f"**{result['ratio']:.2f}** [{result['lo']:.2f}, {result['hi']:.2f}]"


def machine_line() -> str:
    """:func:`machine` on one line: ``CPU ..., cores usable 2, Python 3.11.7, ...``."""
    return ", ".join(f"{key} {value}" for key, value in machine().items())


def write_result(topic: str, text: str) -> Path:
    """Write a benchmark's report to ``benchmarks/results/<topic>.md``; say where."""
    out = Path(__file__).resolve().parent / "results" / f"{topic}.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text)
    print(f"wrote {out}")
    return out
