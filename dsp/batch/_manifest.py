"""The manifest of a batch run (``OUT/manifest.csv``) and the checks that make a rerun resume.

One row per clip, appended and flushed as each clip (or shard) is finished, so a killed run
loses at most the row being written; a half-written last line is dropped when the manifest is
read back. At the end of a run the rows are rewritten in key order (atomically), so the same
inputs give the same manifest whatever the number of workers or the order they finished in.

A clip counts as done, and is skipped by a rerun, only if all of these hold: its row says
``ok``; the input's path, size and modification time (ns) are those recorded; the hash of the
feature's parameters is the one recorded; the output exists and parses (a ``.npy`` header
whose shape is the recorded one and whose data fills the file exactly, or a shard holding the
clip's member).
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Iterator
from typing import IO

import numpy as np

from ..errors import ParameterError
from ..io._atomic import atomic_write
from ._inputs import Clip

__all__ = ["FIELDS", "MANIFEST", "Manifest", "npy_matches", "npy_path", "format_shape"]

#: The manifest's columns, in order.
FIELDS = (
    "key",
    "path",
    "status",
    "sample_rate",
    "duration",
    "shape",
    "error",
    "warnings",
    "size",
    "mtime_ns",
    "params",
    "output",
)
MANIFEST = "manifest.csv"
_LOCK = ".dsp-batch.lock"
Row = dict[str, str]


def format_shape(shape: tuple[int, ...]) -> str:
    """``(128, 431)`` as ``"128x431"``."""
    return "x".join(str(n) for n in shape)


def npy_path(out: str, key: str) -> str:
    """Where the ``.npy`` file of the clip ``key`` goes under the folder ``out``."""
    return os.path.join(out, *f"{key}.npy".split("/"))


def npy_matches(path: str, shape: str) -> bool:
    """Whether ``path`` is a complete ``.npy`` file of the given shape (header read only)."""
    try:
        with open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                found, _, dtype = np.lib.format.read_array_header_1_0(f)
            else:
                found, _, dtype = np.lib.format.read_array_header_2_0(f)
            start = f.tell()
            end = f.seek(0, os.SEEK_END)
    except (OSError, ValueError):
        return False
    expected = int(np.prod(found, dtype=np.int64)) * dtype.itemsize
    return format_shape(found) == shape and end - start == expected


def _rows(text: str) -> Iterator[Row]:
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != FIELDS:
        return
    for row in reader:
        if None in row or None in row.values() or row["status"] not in ("ok", "failed"):
            continue  # a line cut short by a kill, or not written by this version
        yield row


def _lock(handle: IO[str], out: str) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no locking
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        raise ParameterError(f"another dsp batch run is writing to {out!r}") from err


class Manifest:
    """The rows of ``OUT/manifest.csv``: read back, appended as the run goes, rewritten at the end.

    Use as a context manager: entering locks the folder (two runs must not share it) and
    rewrites the old rows without any broken line; leaving writes the rows sorted by key.
    """

    def __init__(self, out: str) -> None:
        self.out = out
        self.path = os.path.join(out, MANIFEST)
        self.rows: dict[str, Row] = {}
        self._stream: IO[str] | None = None
        self._lock: IO[str] | None = None

    def __enter__(self) -> Manifest:
        self._lock = open(os.path.join(self.out, _LOCK), "a")  # noqa: SIM115 - held open
        try:
            _lock(self._lock, self.out)
            with (
                contextlib.suppress(FileNotFoundError),
                open(self.path, encoding="utf-8", newline="") as f,
            ):
                self.rows = {row["key"]: row for row in _rows(f.read())}
            self._rewrite()
            self._stream = open(self.path, "a", encoding="utf-8", newline="")  # noqa: SIM115
        except BaseException:
            self._lock.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._stream is not None:
                self._stream.close()
            self._rewrite()
        finally:
            if self._lock is not None:
                with contextlib.suppress(OSError):
                    os.unlink(self._lock.name)
                self._lock.close()

    def _rewrite(self) -> None:
        text = io.StringIO(newline="")
        writer = csv.DictWriter(text, FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows[key] for key in sorted(self.rows))
        with atomic_write(self.path) as f:
            f.write(text.getvalue().encode("utf-8"))

    def done(self, clip: Clip, params: str, output: str | None) -> bool:
        """Whether ``clip`` is done: see the module's docstring (``output``: its ``.npy``
        file, or None when its shard is checked apart)."""
        row = self.rows.get(clip.key)
        if row is None or row["status"] != "ok" or row["path"] != clip.path:
            return False
        try:
            stat = os.stat(clip.path)
        except OSError:
            return False
        same_input = (row["size"], row["mtime_ns"]) == (str(stat.st_size), str(stat.st_mtime_ns))
        if not same_input or row["params"] != params:
            return False
        return output is None or npy_matches(output, row["shape"])

    def record(self, row: Row, data: bytes | None = None) -> None:
        """Append ``row`` and flush it to the file (``data`` is ignored: stored elsewhere)."""
        assert self._stream is not None, "use Manifest as a context manager"
        csv.DictWriter(self._stream, FIELDS, lineterminator="\n").writerow(row)
        self._stream.flush()
        self.rows[row["key"]] = row
