"""Running a batch: the per-clip work (in a worker) and the loop that feeds an executor.

:func:`process` is what a worker runs: load each clip, apply the transform, save the array
(``.npy`` mode: written by the worker itself, atomically, so a cluster needs the output folder
on storage every worker sees) or return its ``.npy`` bytes (shard mode: the caller writes the
shard). A clip that fails becomes a manifest row with its error; nothing a clip does stops the
run. :func:`feed` keeps a bounded number of tasks in flight on any
:class:`concurrent.futures.Executor`, so memory stays flat on millions of clips.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import io
import multiprocessing
import os
import signal
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..io._atomic import atomic_write
from ..io.audio import load
from ._inputs import Clip
from ._manifest import FIELDS, Row, format_shape, npy_path

__all__ = [
    "Job",
    "InProcess",
    "process",
    "feed",
    "Progress",
    "one_thread_blas",
    "init_worker",
    "make_executor",
    "run_clips",
    "TaskSizer",
    "MAX_AUTO_CHUNK",
    "TASK_AUDIO_SECONDS",
    "reuse_freed_memory",
]

#: Environment variables that hold each BLAS to one thread (workers run one per core).
_BLAS_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


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


def _message(err: BaseException) -> str:
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
        row.update(status="failed", error=_message(err))
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
    again: for a 10-s clip's mel spectrogram, about 2000 page faults and 3 ms of system time
    against 10 ms of user time; 1 fault and 0.4 ms after this call
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
    except (OSError, AttributeError):  # not glibc's C library
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    keep = mallopt(_M_TRIM_THRESHOLD, KEEP_FREED_BYTES)
    heap = mallopt(_M_MMAP_THRESHOLD, HEAP_ARRAY_BYTES)
    return bool(keep and heap)


def init_worker() -> None:
    """Worker start-up: Ctrl-C is the parent's to handle (it cancels what is queued)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def one_thread_blas() -> Iterator[None]:
    """Hold BLAS to one thread in the processes started inside this block (as Dask does)."""
    added = [name for name in _BLAS_THREADS if name not in os.environ]
    for name in added:
        os.environ[name] = "1"
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


class InProcess(cf.Executor):
    """An executor that runs each task at once in the calling process (``jobs=1``)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as err:
            future.set_exception(err)
        return future


def feed(
    executor: cf.Executor,
    job: Job,
    tasks: Iterator[list[Clip]],
    window: int,
    on_result: Callable[[Row, bytes | None], None],
) -> list[tuple[list[Clip], BaseException]]:
    """Run ``process(job, task)`` for tasks of ``tasks``, at most ``window`` in flight at once.

    Returns the tasks lost as a whole, with the error: a future that failed (a worker process
    died, a cluster gave up on the task) or a submission the executor refused (a broken pool;
    feeding stops there and the rest of ``tasks`` is left for the caller).
    """
    pending: dict[cf.Future, list[Clip]] = {}
    lost: list[tuple[list[Clip], BaseException]] = []
    try:
        while True:
            for task in tasks if not lost else ():
                try:
                    pending[executor.submit(process, job, task)] = task
                except Exception as err:  # a broken pool refuses new work
                    lost.append((task, err))
                    break
                if len(pending) >= window:
                    break
            if not pending:
                return lost
            done, _ = cf.wait(list(pending), return_when=cf.FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: pending[f][0]):
                task = pending.pop(future)
                try:
                    results = future.result()
                except Exception as err:
                    lost.append((task, err))
                    continue
                for row, data in results:
                    on_result(row, data)
    finally:
        for future in pending:
            future.cancel()


def _fail(job: Job, clips: list[Clip], err: BaseException, on_result: Any) -> None:
    for clip in clips:
        row = empty_row(clip, job.params)
        row.update(status="failed", error=f"worker failed: {_message(err)}")
        on_result(row, None)


class Progress:
    """A one-line progress bar on a terminal: clips done, clips per second, time left."""

    def __init__(self, total: int, enabled: bool, stream: Any = None) -> None:
        self.total, self.enabled = total, enabled
        self.stream = stream if stream is not None else sys.stderr
        self.done = self.failed = 0
        self.start = self._shown = time.monotonic()

    def update(self, failed: bool) -> None:
        self.done += 1
        self.failed += failed
        now = time.monotonic()
        if self.enabled and (now - self._shown >= 0.1 or self.done == self.total):
            self._shown = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        rate = self.done / max(now - self.start, 1e-9)
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        width = 24
        filled = width * self.done // max(self.total, 1)
        eta = time.strftime("%H:%M:%S", time.gmtime(left))
        failed = f", {self.failed} failed" if self.failed else ""
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
            f"clips, {rate:.1f} clips/s, ETA {eta}{failed} "
        )
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.total:
            self.stream.write("\n")
            self.stream.flush()


def make_executor(executor: Any, jobs: int) -> tuple[cf.Executor, int, bool]:
    """(executor, worker count, whether we own it) for what the caller passed."""
    if executor is None:
        if jobs == 1:
            return InProcess(), 1, True
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if context.get_start_method() == "forkserver":  # workers fork with dsp imported
            context.set_forkserver_preload(["dsp.batch._run"])
        pool = cf.ProcessPoolExecutor(jobs, mp_context=context, initializer=init_worker)
        return pool, jobs, True
    if _is_dask(executor):
        return executor.get_executor(pure=False), max(1, sum(executor.nthreads().values())), False
    return executor, getattr(executor, "_max_workers", None) or jobs, False


def _is_dask(executor: Any) -> bool:
    """Whether ``executor`` is a Dask ``Client`` (its tasks run in its workers' processes)."""
    return hasattr(executor, "get_executor") and hasattr(executor, "nthreads")


#: Most clips per task chosen by ``chunksize=None``.
MAX_AUTO_CHUNK = 16
#: Audio per task that ``chunksize=None`` aims at: 16 clips of 10 s. A task costs about 2 ms
#: of the parent's CPU on our own pool (pickling, futures, the manifest row: time taken from
#: the workers when they use every core) and ~10 ms of scheduling on Dask
#: (``benchmarks/results/batch.md``); 160 s of audio is ~0.1-0.2 s of work for a mel
#: spectrogram. Long recordings go one a task, so the progress bar moves and the last tasks
#: end together.
TASK_AUDIO_SECONDS = 160.0


class TaskSizer:
    """Clips per task for ``chunksize=None``, chosen as the run goes.

    The first tasks carry one clip each; then as many clips as hold about
    :data:`TASK_AUDIO_SECONDS` of audio at the mean duration of the clips done so far, at most
    :data:`MAX_AUTO_CHUNK`, and few enough that every worker gets 8 tasks or more of the run's
    ``clips`` (the last task of a worker then holds at most 160 s of audio). The outputs do
    not depend on it.
    """

    def __init__(self, clips: int, workers: int) -> None:
        self.cap = min(MAX_AUTO_CHUNK, clips // (8 * workers))
        self.seconds = 0.0
        self.clips = 0

    def record(self, row: Row) -> None:
        """Count the audio of a clip done (failed clips have no duration)."""
        if row.get("status") == "ok" and row.get("duration"):
            self.seconds += float(row["duration"])
            self.clips += 1

    def size(self) -> int:
        """Clips for the next task."""
        if self.clips == 0 or self.cap <= 1:
            return 1
        mean = self.seconds / self.clips
        return max(1, min(self.cap, int(TASK_AUDIO_SECONDS / mean) if mean > 0 else self.cap))


def _tasks(todo: list[Clip], chunksize: int | None, sizer: TaskSizer) -> Iterator[list[Clip]]:
    start = 0
    while start < len(todo):
        size = chunksize or sizer.size()
        yield todo[start : start + size]
        start += size


def run_clips(
    job: Job,
    todo: list[Clip],
    chunksize: int | None,
    jobs: int,
    executor: Any,
    on_result: Callable[[Row, bytes | None], None],
    bar: Progress,
) -> int:
    """Process ``todo`` in tasks of ``chunksize`` clips on ``executor`` (or a pool of ``jobs``);
    ``chunksize=None``: :class:`TaskSizer`. Returns the number of tasks submitted.

    If a process of our own pool dies (killed, out of memory, a crash in a library), the pool
    is replaced, the clips it had in hand are retried one at a time in fresh pools (so a clip
    that kills its worker fails alone), and the rest of the run goes on. On an executor of the
    caller's, a lost task's clips are recorded as failed (Dask retries them itself first).
    """
    if not todo:
        return 0
    pool, workers, owned = make_executor(executor, min(jobs, len(todo)))
    if isinstance(pool, cf.ProcessPoolExecutor) and owned or _is_dask(executor):
        job = replace(job, reuse_memory=True)  # worker processes, never the caller's
    sizer, count = TaskSizer(len(todo), workers), [0]

    def counted(tasks: Iterator[list[Clip]]) -> Iterator[list[Clip]]:
        for task in tasks:
            count[0] += 1
            yield task

    def result(row: Row, data: bytes | None) -> None:
        sizer.record(row)
        on_result(row, data)

    tasks = counted(_tasks(todo, chunksize, sizer))
    window = max(2, 4 * workers)
    try:
        with one_thread_blas():
            while lost := feed(pool, job, tasks, window, result):
                if not owned:
                    for task, err in lost:
                        _fail(job, task, err, result)
                    continue
                pool.shutdown(wait=True, cancel_futures=True)
                pool = make_executor(None, workers)[0]
                for clip in [clip for task, _ in lost for clip in task]:
                    for task, err in feed(pool, job, counted(iter([[clip]])), 1, result):
                        _fail(job, task, err, result)  # it broke the pool again: replace it
                        pool.shutdown(wait=True, cancel_futures=True)
                        pool = make_executor(None, workers)[0]
    except BaseException:
        if owned:
            pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        bar.close()
    if owned:
        pool.shutdown(wait=True)
    return count[0]
