"""Safe file output: every file dsp writes is complete or absent, and never clobbers a non-file.

Every file dsp writes (WAV, PNG, ``.npy``, tar shards) goes through :func:`atomic_write`. What it
does depends on what ``path`` names (``docs/errors.md``, "Writing files", is the user's guide):

* **nothing yet, or a regular file with one name**: the bytes go to a temporary file in the
  same folder, which then replaces ``path`` with one ``rename`` (atomic on one file system).
  Readers see the old file or the new one, never a mix. An existing file's permission bits
  (and, as root, its owner) are kept.
* **a symbolic link**: the link is followed (to its final target, even a dangling one) and the
  target is written as above; the link itself is left in place.
* **a regular file with several hard links**: the new content is first written in full to a
  temporary file, then copied *into* the existing file, so every name keeps seeing the same
  file. Only that last copy is not atomic.
* **a device, a FIFO or a socket** (``/dev/stdout``, a named pipe): written *through*, never
  replaced. The bytes are collected first and written in one go when the block ends, so a
  failure sends nothing. A FIFO that nobody reads is refused at once instead of hanging.

The temporary file is an unnamed ``O_TMPFILE`` inode where the file system supports it (Linux:
ext4, xfs, btrfs, tmpfs): if the process is killed, even by SIGKILL, the kernel frees it and
nothing is left behind. Elsewhere it is ``.<name>.<12 hex digits>.tmp``, locked with ``flock``
while in use; the next write into that folder deletes such files whose writer has died, and
``dsp`` turns SIGTERM into a clean exit that removes it.

Errors are :class:`OSError` subclasses whose message names the user's path or folder (never the
temporary file); a full disk says how many bytes were to be written and how many were.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import io
import os
import re
import secrets
import stat
import tempfile
from collections.abc import Iterator
from typing import Any, BinaryIO

from ..errors import ParameterError

__all__ = ["atomic_write", "scratch_file", "TEMPORARY_NAME"]

#: The names of fallback temporary files: ``.<name>.<12 hex digits>.tmp``.
TEMPORARY_NAME = re.compile(r"^\..+\.[0-9a-f]{12}\.tmp$")
#: How many random temporary names to try before giving up (a clash is astronomically rare).
_NAME_ATTEMPTS = 16
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
#: Errors of writing itself, which Python reports without a file name.
_WRITE_ERRORS = (errno.EIO, errno.EROFS, errno.EPERM, errno.EACCES, errno.EBADF)


class _Counting(io.BufferedIOBase):
    """A buffered binary file that counts the bytes handed to ``write`` (for a full disk).

    Not an ``io.BufferedWriter`` on purpose: ``np.save`` would then bypass ``write`` with
    ``ndarray.tofile``, whose error on a full disk counts array items, not bytes.
    """

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._file = io.BufferedWriter(io.FileIO(fd, "wb", closefd=False))
        self.requested = 0

    def write(self, data: Any) -> int:
        self.requested += memoryview(data).nbytes
        return self._file.write(data)

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._file.tell()

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        try:
            self._file.close()
        finally:
            super().close()


def _fail(err: OSError, what: str, shown: str) -> OSError:
    """The same error type and errno with a message naming ``shown`` (the user's path)."""
    code = err.errno or errno.EIO
    reason = os.strerror(code) if err.errno else (err.strerror or str(err))
    return type(err)(code, f"cannot write {shown!r}: {what}{reason}")


def _no_space(err: OSError, shown: str, folder: str, written: int, requested: int) -> OSError:
    try:
        vfs = os.statvfs(folder)
        free = f", {vfs.f_bavail * vfs.f_frsize} bytes free in {folder!r}"
    except OSError:
        free = ""
    code = err.errno if err.errno in _NO_SPACE else errno.ENOSPC
    total = f"{requested} bytes to write, " if requested > written else ""
    return OSError(
        code, f"cannot write {shown!r}: {os.strerror(code)} ({total}{written} written{free})"
    )


def _check_folder(folder: str, shown: str) -> None:
    if os.path.isdir(folder):
        return
    if os.path.exists(folder):
        raise NotADirectoryError(
            errno.ENOTDIR, f"cannot write {shown!r}: {folder!r} is not a folder"
        )
    # Name the first missing folder, as the user spelled it when no link is involved.
    given = os.path.dirname(shown)
    missing = given if given and os.path.abspath(given) == folder else folder
    while (parent := os.path.dirname(missing)) and parent != missing and not os.path.exists(parent):
        missing = parent
    raise FileNotFoundError(
        errno.ENOENT, f"cannot write {shown!r}: the folder {missing!r} does not exist"
    )


def _clean_stale(folder: str) -> None:
    """Delete fallback temporaries in ``folder`` whose writer died (their flock is free)."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if not TEMPORARY_NAME.match(entry.name) or not entry.is_file(follow_symlinks=False):
                continue
            with contextlib.suppress(OSError):
                fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # busy: a live writer
                    os.unlink(entry.path)
                finally:
                    os.close(fd)


def _open_temporary(target: str) -> tuple[int, str | None]:
    """An unnamed O_TMPFILE in the target's folder if possible, else a named, locked one."""
    folder, base = os.path.split(target)
    if _LINKAT is not None:
        try:
            fd = os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o666)
            if os.path.exists(f"/proc/self/fd/{fd}"):  # linkat will need it
                return fd, None
            os.close(fd)
        except OSError as err:
            if err.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT):
                raise
    _clean_stale(folder)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(_NAME_ATTEMPTS):
        name = os.path.join(folder, f".{base}.{secrets.token_hex(6)}.tmp")
        try:
            # Mode 0o666 filtered by the umask: the permissions a plain open() would give.
            fd = os.open(name, flags, 0o666)
        except FileExistsError:
            continue
        fcntl.flock(fd, fcntl.LOCK_EX)
        return fd, name
    raise FileExistsError(errno.EEXIST, "no free temporary name")


def _linkat() -> Any:
    """libc's ``linkat``, or None (``os.link`` cannot follow ``/proc/self/fd/N``: it calls link)."""
    try:
        function = ctypes.CDLL(None, use_errno=True).linkat
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    return function


_LINKAT = _linkat() if hasattr(os, "O_TMPFILE") else None
_AT_FDCWD, _AT_SYMLINK_FOLLOW = -100, 0x400


def _name_tmpfile(fd: int, target: str) -> str:
    """Link the unnamed O_TMPFILE ``fd`` as ``.<name>.<hex>.tmp`` next to ``target``."""
    folder, base = os.path.split(target)
    source = os.fsencode(f"/proc/self/fd/{fd}")
    for _ in range(_NAME_ATTEMPTS):
        name = os.path.join(folder, f".{base}.{secrets.token_hex(6)}.tmp")
        assert _LINKAT is not None
        if _LINKAT(_AT_FDCWD, source, _AT_FDCWD, os.fsencode(name), _AT_SYMLINK_FOLLOW) == 0:
            return name
        code = ctypes.get_errno()
        if code != errno.EEXIST:
            raise OSError(code, os.strerror(code))
    raise FileExistsError(errno.EEXIST, "no free temporary name")


def _publish(fd: int, name: str | None, target: str, old: os.stat_result | None) -> None:
    """Give the finished temporary ``old``'s permissions and rename it onto ``target``."""
    if old is not None:
        with contextlib.suppress(OSError):  # only root may give a file to someone else
            os.fchown(fd, old.st_uid, old.st_gid)
        os.fchmod(fd, stat.S_IMODE(old.st_mode))
    if name is None:  # O_TMPFILE: give it a name first (the window for a leftover is tiny)
        name = _name_tmpfile(fd, target)
    try:
        os.replace(name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise


def _copy_into(source: BinaryIO, fd: int, written: list[int]) -> None:
    """Copy ``source`` from its start into ``fd``, counting the bytes in ``written[0]``."""
    source.seek(0)
    while chunk := source.read(1 << 20):
        view = memoryview(chunk)
        while view:
            n = os.write(fd, view)
            written[0] += n
            view = view[n:]


def _open_existing(path: str, shown: str) -> int:
    """Open an existing non-file (or hard-linked file) for writing through, without blocking."""
    flags = os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        if err.errno == errno.ENXIO:
            raise OSError(
                errno.ENXIO,
                f"cannot write {shown!r}: it is a FIFO (named pipe) that no "
                "process is reading; start the reader first",
            ) from None
        raise _fail(err, "", shown) from None
    os.set_blocking(fd, True)
    return fd


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], *, durable: bool = True) -> Iterator[BinaryIO]:
    """Open a binary stream whose content becomes ``path`` only if the block ends normally.

    Parameters
    ----------
    path : str or os.PathLike
        The file to create or replace (its folder must exist), a symbolic link (its target is
        written), or a device or FIFO (written through).
    durable : bool
        Flush the content to the disk (``fsync``) before it takes the name (default), so that
        it survives a power cut. False skips that: a killed process still leaves the old file
        or the new one, never a part, but a power cut may leave an empty or short file. For
        many small files whose writer checks them again (``dsp.batch``: one ``sync`` at the
        end of a run, and a rerun checks each output's size).

    Yields
    ------
    BinaryIO
        A writable binary file.

    Raises
    ------
    ParameterError
        If ``path`` is not a path (None, a number, an empty string, a NUL character).
    OSError
        A missing folder (named), a folder that cannot be written, ``path`` being a folder, a
        FIFO without a reader, a full disk (with the byte counts). Messages name ``path``.

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
    shown = _check_path(path)
    try:
        status: os.stat_result | None = os.stat(shown)
    except (FileNotFoundError, NotADirectoryError):  # the folder check below says which
        status = None
    except OSError as err:
        raise _fail(err, "", shown) from None
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise IsADirectoryError(errno.EISDIR, f"cannot write {shown!r}: it is a folder")
    target = os.path.realpath(shown)  # follows symbolic links, dangling ones too
    if status is not None and (
        not stat.S_ISREG(status.st_mode) or status.st_nlink > 1 or not _same(target, status)
    ):
        # A device, FIFO or socket; a hard-linked file; /dev/stdout redirected to a file: write
        # through the existing inode, after collecting the bytes.
        fd = _open_existing(shown, shown)
        try:
            with tempfile.TemporaryFile() as buffer:
                yield buffer
                buffer.flush()
                size, written = buffer.tell(), [0]
                try:
                    _copy_into(buffer, fd, written)
                    if stat.S_ISREG(status.st_mode):
                        os.ftruncate(fd, written[0])
                        os.fsync(fd)
                except OSError as err:
                    if err.errno in _NO_SPACE:
                        folder = os.path.dirname(target)
                        raise _no_space(err, shown, folder, written[0], size) from None
                    raise _fail(err, "", shown) from None
        finally:
            os.close(fd)
        return

    folder = os.path.dirname(target)
    _check_folder(folder, shown)
    try:
        fd, name = _open_temporary(target)
    except OSError as err:
        raise _fail(err, f"cannot create a file in the folder {folder!r}: ", shown) from None
    stream = _Counting(fd)
    try:
        try:
            yield stream  # type: ignore[misc]
            stream.flush()
            if durable:
                os.fsync(fd)
        except OSError as err:
            if err.errno in _NO_SPACE:
                size = os.fstat(fd).st_size
                raise _no_space(err, shown, folder, size, stream.requested) from None
            if err.filename is None and err.errno in _WRITE_ERRORS:  # from writing, unnamed
                raise _fail(err, "", shown) from None
            raise
        try:
            _publish(fd, name, target, status)
        except OSError as err:
            raise _fail(err, "", shown) from None
    except BaseException:
        if name is not None:
            with contextlib.suppress(OSError):
                os.unlink(name)
        raise
    finally:
        with contextlib.suppress(OSError, ValueError):
            stream.close()  # the bytes are in the file or discarded; the fd is closed below
        os.close(fd)


def _check_path(path: Any) -> str:
    """``path`` as a ``str``: a str, bytes or os.PathLike naming a file (not empty, no NUL)."""
    try:
        shown = os.fsdecode(os.fspath(path))
    except TypeError:
        raise ParameterError(
            f"path={path!r} must be a file path (str or os.PathLike), not {type(path).__name__}"
        ) from None
    if not shown or "\0" in shown:
        raise ParameterError(f"path={shown!r} is not a file path (empty, or contains NUL)")
    return shown


def _same(path: str, status: os.stat_result) -> bool:
    """Whether ``path`` names the inode ``status`` describes (False for /proc magic links)."""
    try:
        other = os.stat(path)
    except OSError:
        return False
    return (other.st_dev, other.st_ino) == (status.st_dev, status.st_ino)


class _Scratch:
    """A scratch file whose write errors name the output it serves (see :func:`scratch_file`)."""

    def __init__(self, shown: str, folder: str | None) -> None:
        self._file = tempfile.TemporaryFile(dir=folder)
        self._shown, self._folder = shown, folder or tempfile.gettempdir()
        self.requested = 0

    def _named(self, err: OSError) -> OSError:
        if err.errno not in _NO_SPACE:
            return _fail(err, "a scratch file next to it: ", self._shown)
        size = os.fstat(self._file.fileno()).st_size
        return _no_space(err, self._shown, self._folder, size, self.requested)

    def write(self, data: Any) -> int:
        self.requested += memoryview(data).nbytes
        try:
            return self._file.write(data)
        except OSError as err:
            raise self._named(err) from None

    def flush(self) -> None:
        try:
            self._file.flush()
        except OSError as err:
            raise self._named(err) from None

    def read(self, size: int = -1) -> bytes:
        return self._file.read(size)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()

    def __enter__(self) -> _Scratch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def scratch_file(path: str | os.PathLike[str]) -> _Scratch:
    """An anonymous temporary file next to ``path`` (a work area for writing ``path`` later).

    It lives in ``path``'s folder when that exists (else the system's temporary folder), has
    no name (nothing is left behind), and a full disk while writing it is reported as for
    :func:`atomic_write`: naming ``path``, with the byte counts.
    """
    shown = _check_path(path)
    folder = os.path.dirname(os.path.abspath(shown))
    return _Scratch(shown, folder if os.path.isdir(folder) else None)
