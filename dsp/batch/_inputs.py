"""Which clips a batch run covers, and the key (relative path) each one's output gets.

Inputs are audio files, folders (searched recursively, hidden entries skipped) and lists of
paths (a ``.txt`` with one path a line, or a ``.csv`` with a ``path`` column; relative paths are
relative to the list's folder). Every clip gets a *key*: its path relative to the common folder
of the inputs (a folder input counts as itself, a file as its folder), without the extension,
with ``/`` separators. ``data/a/x.wav`` under the input ``data`` has the key ``a/x``; its
output is ``OUT/a/x.npy``, or the member ``a/x.npy`` of a shard. Clips are processed and stored in
sorted key order, so the layout never depends on the order the inputs were listed in.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import ParameterError

__all__ = ["AUDIO_EXTENSIONS", "Clip", "find_clips", "shard_member"]

#: The file name endings a folder search picks up (the formats dsp or soundfile can read).
AUDIO_EXTENSIONS = frozenset(
    {
        ".wav",
        ".wave",
        ".rf64",
        ".w64",
        ".flac",
        ".ogg",
        ".oga",
        ".opus",
        ".mp3",
        ".aif",
        ".aiff",
        ".aifc",
        ".au",
        ".snd",
        ".caf",
    }
)
_LISTS = (".txt", ".csv")


@dataclass(frozen=True, order=True)
class Clip:
    """One input clip: its key (sort order and output name), its path as found (recorded in
    the manifest) and as an absolute path (what workers open, whatever their folder)."""

    key: str
    path: str
    source: str = field(default="", compare=False)


def _is_audio(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in AUDIO_EXTENSIONS and not name.startswith(".")


def _walk(folder: str) -> list[str]:
    found: list[str] = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(os.path.join(top, f) for f in sorted(files) if _is_audio(f))
    return found


def _read_list(path: str) -> list[str]:
    base = os.path.dirname(path)
    with open(path, newline="", encoding="utf-8") as f:
        if path.lower().endswith(".csv"):
            reader = csv.DictReader(f)
            if not reader.fieldnames or "path" not in reader.fieldnames:
                raise ParameterError(
                    f"{path!r}: a CSV list of clips needs a 'path' column "
                    f"(its header is {reader.fieldnames})"
                )
            entries = [row["path"] for row in reader if row.get("path")]
        else:
            entries = [line.strip() for line in f]
            entries = [e for e in entries if e and not e.startswith("#")]
    return [e if os.path.isabs(e) else os.path.join(base, e) for e in entries]


def shard_member(key: str) -> str:
    """The tar member name of a clip in a shard: ``key.npy``, dots of the file name made ``_``.

    webdataset splits a member name at the first dot of its base name (key, then extension),
    so a dot inside the clip's own name would cut its key short.
    """
    folder, _, base = key.rpartition("/")
    base = base.replace(".", "_")
    return f"{folder}/{base}.npy" if folder else f"{base}.npy"


def find_clips(inputs: Iterable[str | os.PathLike[str]]) -> list[Clip]:
    """The clips named by ``inputs`` (files, folders, lists of paths), sorted by key.

    Raises
    ------
    ParameterError
        If an input does not exist, nothing is found, or two clips would get the same output
        (``x.wav`` and ``x.flac`` in one folder).
    """
    files: list[str] = []
    roots: list[str] = []
    for item in inputs:
        path = os.fspath(item)
        if os.path.isdir(path):
            roots.append(os.path.abspath(path))
            files.extend(_walk(path))
        elif os.path.isfile(path) and path.lower().endswith(_LISTS):
            listed = _read_list(path)
            files.extend(listed)
            roots.extend(os.path.dirname(os.path.abspath(p)) for p in listed)
        elif os.path.exists(path):
            files.append(path)
            roots.append(os.path.dirname(os.path.abspath(path)))
        else:
            raise ParameterError(f"input {path!r} does not exist")
    if not files:
        raise ParameterError(
            "no audio files found in the inputs (extensions searched: "
            f"{', '.join(sorted(AUDIO_EXTENSIONS))})"
        )
    try:
        root = os.path.commonpath(roots)
    except ValueError as err:
        raise ParameterError(f"the inputs have no common folder: {err}") from err
    by_key: dict[str, Clip] = {}
    by_member: dict[str, Clip] = {}
    seen: set[str] = set()
    for path in files:
        absolute = os.path.abspath(path)
        if absolute in seen:
            continue
        seen.add(absolute)
        key = os.path.splitext(os.path.relpath(absolute, root))[0].replace(os.sep, "/")
        other = by_key.get(key) or by_member.get(shard_member(key))
        if other is not None:
            raise ParameterError(
                f"{other.path!r} and {path!r} would both be saved as {key!r}: rename one of them"
            )
        by_key[key] = by_member[shard_member(key)] = Clip(key, path, absolute)
    return sorted(by_key.values())
