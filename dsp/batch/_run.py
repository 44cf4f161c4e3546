"""Running a batch: the loop that hands the clips to an executor, in tasks.

:func:`run_clips` makes the executor (our process pool, a Dask client's, the caller's, or this
process for ``jobs=1``), sizes the tasks (:class:`TaskSizer`) and replaces a pool whose worker
died. :func:`feed` keeps a bounded number of tasks in flight on any
:class:`concurrent.futures.Executor`, so memory stays flat on millions of clips. What each task
does in its worker is :mod:`dsp.batch._worker`.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from ._inputs import Clip
from ._manifest import Row
from ._worker import Job, describe_error, empty_row, init_worker, process

__all__ = [
    "InProcess",
    "feed",
    "Progress",
    "one_thread_blas",
    "make_executor",
    "run_clips",
    "TaskSizer",
    "MAX_AUTO_CHUNK",
    "TASK_AUDIO_SECONDS",
]

#: Environment variables that hold each BLAS to one thread (workers run one per core).
_BLAS_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


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
        row.update(status="failed", error=f"worker failed: {describe_error(err)}")
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
    if (owned and isinstance(pool, cf.ProcessPoolExecutor)) or _is_dask(executor):
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
