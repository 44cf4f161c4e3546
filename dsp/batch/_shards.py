"""Tar shards in the webdataset layout: ``shard-000000.tar`` holding ``key.npy`` members.

Clip ``i`` of the sorted clip list goes to shard ``i // shard_size``, whatever order the workers
finish in; a shard holds its clips' arrays in key order (failed clips are absent and named in
the manifest). Every header field that could vary between runs (modification time, owner,
permissions) is fixed, so the same inputs give byte-identical shards. A shard is written
atomically once all its clips are computed: a killed run leaves whole shards or none.

Reading one back needs nothing but the standard library (or webdataset)::

    with tarfile.open("shard-000000.tar") as tar:
        for member in tar:
            key = member.name[: -len(".npy")]
            array = np.load(io.BytesIO(tar.extractfile(member).read()))
"""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Callable, Iterable

from ..io._atomic import atomic_write
from ._inputs import Clip, shard_member
from ._manifest import Manifest, Row
from ._worker import Job

__all__ = ["shard_name", "write_shard", "shard_members", "plan_shards"]

_MODE = 0o644


def shard_name(index: int) -> str:
    """``shard-000012.tar`` for shard 12."""
    return f"shard-{index:06d}.tar"


def write_shard(path: str, members: Iterable[tuple[str, bytes]]) -> None:
    """Write ``(name, data)`` members, sorted by name, to the tar file ``path`` atomically."""
    with (
        atomic_write(path) as f,
        tarfile.open(fileobj=f, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for name, data in sorted(members):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, _MODE
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))


def shard_members(path: str) -> set[str] | None:
    """The member names of the shard ``path``, or None if it is missing or unreadable."""
    if not os.path.isfile(path):
        return None
    try:
        with tarfile.open(path, mode="r:") as tar:
            members = tar.getmembers()
            end = tar.offset
        if os.path.getsize(path) < end:
            return None
        return {m.name for m in members if m.isfile()}
    except (OSError, tarfile.TarError):
        return None


def plan_shards(
    job: Job, clips: list[Clip], manifest: Manifest, shard_size: int
) -> tuple[list[Clip], Callable[[Row, bytes | None], None]]:
    """The clips to compute (those of every shard not done) and the callback that stores them.

    A shard is done if its tar file holds exactly the members of its clips and every one of
    them is done in the manifest (so a shard with a failed clip is recomputed). The callback
    collects results and writes a shard, then its manifest rows, once all its clips are in.
    """
    shards = [clips[i : i + shard_size] for i in range(0, len(clips), shard_size)]
    todo: list[Clip] = []
    for index, shard in enumerate(shards):
        members = shard_members(os.path.join(job.out, shard_name(index)))
        complete = members == {shard_member(c.key) for c in shard}
        if not complete or not all(manifest.done(c, job.params, None) for c in shard):
            todo.extend(shard)
    index_of = {c.key: i // shard_size for i, c in enumerate(clips)}
    waiting: dict[int, list[tuple[Row, bytes | None]]] = {}

    def store(row: Row, data: bytes | None) -> None:
        index = index_of[row["key"]]
        waiting.setdefault(index, []).append((row, data))
        if len(waiting[index]) == len(shards[index]):
            done = sorted(waiting.pop(index), key=lambda item: item[0]["key"])
            name = shard_name(index)
            members = [(shard_member(r["key"]), d) for r, d in done if d is not None]
            write_shard(os.path.join(job.out, name), members)
            for r, _ in done:
                manifest.record({**r, "output": name if r["status"] == "ok" else ""})

    return todo, store
