"""What a batch worker runs: load each clip, apply the transform, store the array.

:func:`process` is the task: for each clip, :func:`dsp.load` at the run's rate, the transform,
and the array saved (``.npy`` mode: written by the worker itself, atomically, so a cluster needs
the output folder on storage every worker sees) or returned as ``.npy`` bytes (shard mode: the
caller writes the shard). A clip that fails becomes a manifest row with its error; nothing a
clip does stops the run. :func:`reuse_freed_memory` is the allocator setting of worker
processes. The loop that hands tasks to an executor is :mod:`dsp.batch._run`.
"""

from __future__ import annotations

import io
import os
import signal
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..io._atomic import atomic_write
from ..io.audio import load
from ._inputs import Clip
from ._manifest import FIELDS, Row, format_shape, npy_path

__all__ = [
    "Job",
    "process",
    "empty_row",
    "describe_error",
    "init_worker",
    "reuse_freed_memory",
    "KEEP_FREED_BYTES",
    "HEAP_ARRAY_BYTES",
]


@dataclass(frozen=True)
class Job:
    """What every task of one run shares (pickled once per task)."""

    transform: Callable[[np.ndarray, float], np.ndarray]
    out: str
    shards: bool
    sr: float | None
    res_type: str | None
    mono: bool
    params: str
    #: Set for worker processes (our pool, a Dask cluster's): :func:`reuse_freed_memory`.
    reuse_memory: bool = False


def describe_error(err: BaseException) -> str:
    """``"Type: message"`` for a manifest row (an OSError: its reason and file name)."""
    if isinstance(err, OSError) and err.strerror:
        text = f"{err.strerror}: {err.filename}" if err.filename else err.strerror
    else:
        text = str(err)
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def empty_row(clip: Clip, params: str) -> Row:
    row = dict.fromkeys(FIELDS, "")
    row.update(key=clip.key, path=clip.path, params=params)
    return row


def _one(job: Job, clip: Clip) -> tuple[Row, bytes | None]:
    row = empty_row(clip, job.params)
    try:
        source = clip.source or clip.path
        stat = os.stat(source)
        row.update(size=str(stat.st_size), mtime_ns=str(stat.st_mtime_ns))
        options: dict[str, Any] = {"sr": job.sr, "mono": job.mono}
        if job.res_type is not None:
            options["res_type"] = job.res_type
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            y, sr = load(source, **options)
            S = np.asarray(job.transform(y, sr))
        buffer = io.BytesIO()
        np.save(buffer, S, allow_pickle=False)
        data: bytes | None = buffer.getvalue()
        if not job.shards:
            target = npy_path(job.out, clip.key)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with atomic_write(target, durable=False) as f:  # synced once, at the end
                f.write(data)  # type: ignore[arg-type]
            row["output"], data = f"{clip.key}.npy", None
        messages = dict.fromkeys(str(w.message) for w in caught)
        row.update(
            status="ok",
            sample_rate=str(sr),
            duration=f"{y.shape[-1] / sr:.6f}",
            shape=format_shape(S.shape),
            warnings="; ".join(messages),
        )
        return row, data
    except Exception as err:  # every failure is recorded, none stops the run
        row.update(status="failed", error=describe_error(err))
        return row, None


def process(job: Job, clips: Sequence[Clip]) -> list[tuple[Row, bytes | None]]:
    """Compute and store the features of ``clips``; one manifest row (and data) per clip."""
    if job.reuse_memory and _REUSING[0] != os.getpid():
        _REUSING[0] = os.getpid()
        reuse_freed_memory()
    return [_one(job, clip) for clip in clips]


#: glibc's ``mallopt`` parameters (``malloc.h``) and the values a worker sets.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
KEEP_FREED_BYTES = 64 << 20
HEAP_ARRAY_BYTES = 32 << 20
_REUSING = [0]  # the process (pid) that has set them


def reuse_freed_memory() -> bool:
    """Let this worker process's allocator keep the memory a clip frees for the next clip.

    For the worker processes of a process pool (``initializer=``): :func:`extract` calls it
    in its own pool's workers and in a Dask cluster's, never in the calling process.

    Returns
    -------
    bool
        Whether the settings took: True with glibc's ``malloc``, False with another C library
        (musl, macOS), where nothing is changed.

    Notes
    -----
    By default glibc's ``malloc`` gives every freed block above 128 KiB back to the system
    (``munmap``, or trimming the heap's top), and the next clip's arrays fault their pages in
    again: for a 10-s clip's mel spectrogram, about 2000 page faults and 4 ms of system time
    against 10 ms of user time; 1 fault and 0.5 ms after this call
    (``benchmarks/results/batch.md``). After it, arrays below ``HEAP_ARRAY_BYTES`` (32 MiB)
    come from the heap, which keeps up to ``KEEP_FREED_BYTES`` (64 MiB) free
    (``mallopt(M_MMAP_THRESHOLD)``, ``mallopt(M_TRIM_THRESHOLD)``); larger arrays are mapped
    and unmapped as before, so a worker's memory stays bounded. It is a setting of the whole
    process: call it in worker processes, not in an application's own.

    librosa equivalent: none (librosa leaves process pools to its users).

    Examples
    --------
    >>> import concurrent.futures as cf, multiprocessing, os, tempfile
    >>> import numpy as np
    >>> import dsp
    >>> from dsp import batch
    >>> y = np.zeros(22050, dtype=np.float32)
    >>> context = multiprocessing.get_context("spawn")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     os.makedirs(os.path.join(tmp, "in"))
    ...     dsp.write_wav(os.path.join(tmp, "in", "a.wav"), y, 22050)
    ...     with cf.ProcessPoolExecutor(1, mp_context=context,
    ...                                 initializer=batch.reuse_freed_memory) as pool:
    ...         report = batch.extract(os.path.join(tmp, "in"), os.path.join(tmp, "out"),
    ...                                transform="stft", executor=pool)
    >>> report.ok
    True
    """
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):  # not glibc (Windows: no CDLL(None))
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    keep = mallopt(_M_TRIM_THRESHOLD, KEEP_FREED_BYTES)
    heap = mallopt(_M_MMAP_THRESHOLD, HEAP_ARRAY_BYTES)
    return bool(keep and heap)


def init_worker() -> None:
    """Worker start-up: Ctrl-C is the parent's to handle (it cancels what is queued)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
