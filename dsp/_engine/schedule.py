"""How the engine splits frames: blocks, chunks, batches, and threads over them.

* A **block** is the frames one FFT call transforms; sized for the cache.
* A **chunk** is the frames one mel-projection call multiplies. In the default float64
  precision there is one chunk, the whole signal: librosa's single BLAS call. In the
  bounded-memory and float32 modes there are many; their size never depends on the block size
  or the thread count (``EngineConfig.chunk_align``).
* A **batch** (bounded float64 mode) is the consecutive chunks whose power spectrum is held at
  once: the threads transform the batch's blocks, then its chunks are projected one call each.

Threads run contiguous runs of pieces; NumPy's FFT and element-wise loops and BLAS release the
GIL, so they run in parallel.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from .config import EngineConfig

__all__ = ["grid", "grid_exact", "batches", "run_threads", "cpu_count", "n_threads_for"]

Piece = tuple[int, int]
T = TypeVar("T")


def grid(count: int, step: int) -> list[Piece]:
    """``[0, count)`` in pieces of ``step``; a shorter remainder joins the last piece."""
    edges = list(range(0, count, step)) + [count]
    if len(edges) > 2 and edges[-1] - edges[-2] < step:
        del edges[-2]
    return list(zip(edges[:-1], edges[1:], strict=True))


def grid_exact(start: int, stop: int, step: int) -> list[Piece]:
    """``[start, stop)`` in pieces of ``step``, the last one possibly shorter."""
    return [(lo, min(lo + step, stop)) for lo in range(start, stop, step)]


def batches(chunks: list[Piece], max_frames: int) -> list[list[Piece]]:
    """Consecutive chunks in as few groups as spans of ``max_frames`` allow, evenly sized.

    A chunk longer than ``max_frames`` is a group of its own.
    """
    count = chunks[-1][1] - chunks[0][0]
    groups_needed = max(1, -(-count // max(1, max_frames)))
    target = -(-count // groups_needed)  # even split of the frames
    groups: list[list[Piece]] = []
    for chunk in chunks:
        if (
            groups
            and chunk[1] - groups[-1][0][0] <= max_frames
            and groups[-1][-1][1] - groups[-1][0][0] < target
        ):
            groups[-1].append(chunk)
        else:
            groups.append([chunk])
    return groups


def cpu_count() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def n_threads_for(work: int, config: EngineConfig) -> int:
    """Threads for ``work`` windowed samples: 1 below ``config.thread_min_samples``, else up to
    the CPUs available and ``config.max_threads``."""
    if work < config.thread_min_samples:
        return 1
    return max(1, min(cpu_count(), config.max_threads))


def run_threads(task: Callable[[Sequence[T]], Any], pieces: Sequence[T], threads: int) -> None:
    """Call ``task(run)`` for ``threads`` contiguous runs of ``pieces``, in parallel.

    Run 0 executes in the calling thread; an exception in any run is re-raised here.
    """
    threads = max(1, min(threads, len(pieces)))
    if threads == 1:
        task(pieces)
        return
    import threading

    bounds = np.linspace(0, len(pieces), threads + 1).round().astype(int)
    runs = [pieces[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    errors: list[BaseException] = []

    def guarded(index: int) -> None:
        try:
            task(runs[index])
        except BaseException as error:  # re-raised in the calling thread
            errors.append(error)

    workers = [threading.Thread(target=guarded, args=(i,)) for i in range(1, threads)]
    for worker in workers:
        worker.start()
    guarded(0)
    for worker in workers:
        worker.join()
    if errors:
        raise errors[0]
