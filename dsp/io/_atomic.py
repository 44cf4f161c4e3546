"""Atomic file output: write a temporary file next to the target, then rename it into place.

Every file dsp writes (WAV, PNG, ``.npy``) goes through :func:`atomic_write`, so a failure at
any point (a bad argument found late, a full disk, Ctrl-C) leaves either the old file or no file,
never a partial one. ``os.replace`` is atomic when source and target are on the same file
system, which is why the temporary file lives in the target's own directory.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from typing import BinaryIO

__all__ = ["atomic_write"]

#: How many random temporary names to try before giving up (a clash is astronomically rare).
_NAME_ATTEMPTS = 16


def _create_temporary(target: str) -> tuple[int, str]:
    directory, base = os.path.split(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(_NAME_ATTEMPTS):
        name = os.path.join(directory, f".{base}.{secrets.token_hex(6)}.tmp")
        try:
            # Mode 0o666 filtered by the umask: the same permissions a plain open() would give
            # (tempfile.mkstemp would leave the output readable by its owner only).
            return os.open(name, flags, 0o666), name
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file next to {target!r}")


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open a binary stream whose content replaces ``path`` only if the block ends normally.

    Parameters
    ----------
    path : str or os.PathLike
        The file to create or replace. Its directory must exist.

    Yields
    ------
    BinaryIO
        A writable binary file (the temporary file).

    Raises
    ------
    OSError
        If the directory does not exist or is not writable, or ``path`` is a directory.

    Examples
    --------
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     target = os.path.join(tmp, "out.bin")
    ...     with atomic_write(target) as f:
    ...         _ = f.write(b"hello")
    ...     print(open(target, "rb").read(), os.listdir(tmp))
    b'hello' ['out.bin']
    """
    target = os.path.abspath(os.fspath(path))
    fd, temporary = _create_temporary(target)
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
