"""Features of many clips at once: :func:`extract`, on a process pool or a Dask cluster.

``extract(paths, out, transform=...)`` finds the clips (files, folders searched recursively,
lists of paths), computes ``transform(y, sr)`` for each on any
:class:`concurrent.futures.Executor` and stores one ``.npy`` per clip under ``out`` (mirroring
the input tree) or tar shards in the webdataset layout, with ``out/manifest.csv`` naming every
clip, its status and its error if it failed. The ``dsp batch`` command is a front end to it.

Guarantees: a rerun skips clips already done (checked against the manifest, the input's size
and modification time, the parameters' hash and the output itself); a killed run leaves no
partial file; a bad clip is recorded and the run goes on; the outputs are byte-identical
whatever the number of workers or the executor (clips are stored in sorted key order).
See ``docs/datasets.md`` for running on a Dask cluster.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import __version__
from .._validation import check_positive_int, check_sr
from ..errors import ParameterError
from ..io import _atomic
from ._features import FEATURES, Feature, describe, feature
from ._inputs import Clip, find_clips
from ._manifest import Manifest, Row, npy_path
from ._run import MAX_AUTO_CHUNK, TASK_AUDIO_SECONDS, Progress, run_clips
from ._shards import plan_shards
from ._worker import Job, reuse_freed_memory

__all__ = [
    "extract",
    "feature",
    "find_clips",
    "BatchReport",
    "Feature",
    "FEATURES",
    "Clip",
    "MAX_AUTO_CHUNK",
    "TASK_AUDIO_SECONDS",
    "reuse_freed_memory",
]

_FORMATS = ("npy", "shards")
#: The names of the temporary files atomic_write leaves when its process is killed.
_TEMPORARY = getattr(_atomic, "TEMPORARY_NAME", re.compile(r"^\..+\.[0-9a-f]{12}\.tmp$"))


@dataclass
class BatchReport:
    """What :func:`extract` did: counts, the failed clips and where the manifest is."""

    total: int
    computed: int
    skipped: int
    failed: list[Row] = field(default_factory=list)
    manifest: str = ""
    #: Tasks submitted to the executor (retries included).
    tasks: int = 0

    @property
    def ok(self) -> bool:
        """True if every clip has its features."""
        return not self.failed


def _fingerprint(transform: Any) -> str:
    given = getattr(transform, "fingerprint", None)
    if isinstance(given, str):
        return given
    func = getattr(transform, "func", None)  # functools.partial
    if func is not None:
        args = ", ".join(describe(a) for a in getattr(transform, "args", ()))
        kwargs = sorted(getattr(transform, "keywords", {}).items())
        inner = ", ".join([args, *(f"{k}={describe(v)}" for k, v in kwargs)])
        return f"{describe(func)}({inner})"
    if hasattr(transform, "__qualname__"):
        return describe(transform)
    state = (
        sorted((k, describe(v)) for k, v in vars(transform).items())
        if hasattr(transform, "__dict__")
        else []
    )
    return f"{type(transform).__module__}.{type(transform).__qualname__}{state}"


def _target_sr(sr: Any, transform: Any) -> float | None:
    if isinstance(sr, str) and sr == "auto":
        return getattr(transform, "sr", None) or 22050
    if sr is None:
        return None
    return check_sr(sr)


def _remove_temporaries(out: str) -> None:
    for top, _, files in os.walk(out):
        for name in files:
            if _TEMPORARY.match(name):
                os.unlink(os.path.join(top, name))


def extract(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    transform: Callable[[np.ndarray, float], Any] | str,
    sr: float | str | None = "auto",
    res_type: str | None = None,
    mono: bool = True,
    format: str = "npy",
    shard_size: int = 1000,
    jobs: int | None = None,
    executor: Any = None,
    chunksize: int | None = None,
    progress: bool = False,
) -> BatchReport:
    """Compute ``transform(y, sr)`` for every clip under ``paths`` and store it under ``out``.

    Parameters
    ----------
    paths : path or iterable of paths
        Audio files, folders (searched recursively for audio files, hidden entries skipped) and
        lists of clips (``.txt``, one path a line; ``.csv`` with a ``path`` column).
    out : path
        The output folder (created if missing). Outputs are ``out/<key>.npy``, where the key is
        the clip's path relative to the inputs' common folder without its extension, or
        ``out/shard-NNNNNN.tar``; and ``out/manifest.csv`` (one row per clip).
    transform : callable ``(y, sr) -> np.ndarray`` or str
        The feature: a :class:`Feature` from :func:`feature`, a feature name (``"mel"``,
        ``"stft"``, ``"mfcc"``, ``"whisper"``, ``"kaldi_fbank"``, a preset) or any picklable
        function of ``(y, sr)``. Whether an old output was made with the same transform is
        judged from its ``fingerprint`` attribute, else its name and arguments.
    sr : "auto", None or number > 0
        The rate clips are loaded at (resampled as :func:`dsp.load` does): ``"auto"`` (default)
        is the feature's own rate if it has one (16000 for whisper), else 22050 like
        ``librosa.load``; None keeps each file's rate.
    res_type : str or None
        The resampler, passed to :func:`dsp.load` (None: its default).
    mono : bool
        Mix channels down to one (default) or keep them (arrays get a leading channel axis).
    format : {"npy", "shards"}
        One ``.npy`` per clip, or tar shards of ``shard_size`` clips (webdataset layout).
    shard_size : int > 0
        Clips per shard: clip ``i`` in key order goes to shard ``i // shard_size``.
    jobs : int > 0 or None
        Worker processes of the default pool (default: the cores this process may use);
        ``jobs=1`` runs in this process. Ignored when ``executor`` is given.
    executor : concurrent.futures.Executor, dask.distributed.Client or None
        Where to run: None for a :class:`~concurrent.futures.ProcessPoolExecutor` of ``jobs``
        processes (shut down at the end), or an executor of yours (left running), e.g. a
        Dask ``Client`` (its workers must see ``paths`` and ``out`` at the same paths).
    chunksize : int > 0 or None
        Clips per task. None (default): chosen as the run goes, about 160 s of audio a task
        (16 clips of 10 s; a long recording alone), at most :data:`MAX_AUTO_CHUNK`, leaving
        each worker 8 tasks or more (a Dask task costs ~10 ms, one of the default pool about
        2 ms of this process's CPU; :class:`dsp.batch._run.TaskSizer`).
    progress : bool
        Draw a progress bar (clips, clips/s, ETA) on stderr.

    Returns
    -------
    BatchReport
        Counts of clips computed and skipped, the failed clips' manifest rows.

    Raises
    ------
    ParameterError
        For a bad argument, no clips found, two clips with one output name, a feature this
        version lacks, or another run writing to ``out``.

    Examples
    --------
    >>> import os, tempfile
    >>> import dsp
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050).astype(np.float32)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     os.makedirs(os.path.join(tmp, "in", "birds"))
    ...     dsp.write_wav(os.path.join(tmp, "in", "birds", "a.wav"), y, 22050)
    ...     report = extract(os.path.join(tmp, "in"), os.path.join(tmp, "out"),
    ...                      transform=feature("mel", n_mels=40), jobs=1)
    ...     np.load(os.path.join(tmp, "out", "birds", "a.npy")).shape
    (40, 44)
    >>> report.computed, report.skipped, report.ok
    (1, 0, True)
    """
    if isinstance(transform, str):
        transform = feature(transform)
    if not callable(transform):
        raise ParameterError(f"transform={transform!r} must be a feature name or callable")
    if format not in _FORMATS:
        raise ParameterError(f"format={format!r} must be one of {_FORMATS}")
    shard_size = check_positive_int("shard_size", shard_size)
    if chunksize is not None:
        chunksize = check_positive_int("chunksize", chunksize)
    if jobs is None:
        jobs = (
            len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else (os.cpu_count() or 1)
        )
    jobs = check_positive_int("jobs", jobs)
    if not isinstance(mono, (bool, np.bool_)):
        raise ParameterError(f"mono={mono!r} must be True or False")
    if executor is not None and not hasattr(executor, "submit"):
        raise ParameterError(
            f"executor={executor!r} must be a concurrent.futures.Executor or a "
            "dask.distributed.Client"
        )
    target_sr = _target_sr(sr, transform)
    clips = find_clips([paths] if isinstance(paths, (str, os.PathLike)) else list(paths))
    out = os.path.abspath(os.fspath(out))
    stamp = json.dumps(
        {
            "transform": _fingerprint(transform),
            "sr": target_sr,
            "res_type": res_type,
            "mono": bool(mono),
            "format": format,
            "dsp": __version__,  # another version may compute other values: recompute
        }
    )
    params = hashlib.sha256(stamp.encode()).hexdigest()[:16]
    job = Job(transform, out, format == "shards", target_sr, res_type, bool(mono), params)
    os.makedirs(out, exist_ok=True)
    with Manifest(out) as manifest:
        _remove_temporaries(out)
        if job.shards:
            todo, store = plan_shards(job, clips, manifest, shard_size)
        else:
            todo = [c for c in clips if not manifest.done(c, params, npy_path(out, c.key))]
            store = manifest.record
        bar = Progress(len(todo), progress)

        def on_result(row: Row, data: bytes | None) -> None:
            store(row, data)
            bar.update(row["status"] != "ok")

        tasks = run_clips(job, todo, chunksize, jobs, executor, on_result, bar)
        _remove_temporaries(out)
        if todo and not job.shards and hasattr(os, "sync"):
            os.sync()  # the outputs were not flushed one by one (docs/datasets.md)
    failed = [manifest.rows[c.key] for c in clips if manifest.rows[c.key]["status"] != "ok"]
    return BatchReport(len(clips), len(todo), len(clips) - len(todo), failed, manifest.path, tasks)
