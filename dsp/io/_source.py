"""Opening what the user passed as a sound file, safely, and recognising its format by content.

Accepted: a path (``str``, ``bytes`` or ``os.PathLike``) naming a regular file, or a *binary*
file object with ``read`` and ``seek``. Refused with a clear error, before anything can block:
``None``, numbers (``open(3)`` would read file descriptor 3), text-mode files, objects that
cannot seek, FIFOs, sockets, device nodes and directories (a FIFO with no writer would make
``open`` wait forever, so the type is checked with ``stat`` and the file opened non-blocking).

The format is told by the first bytes, never by the name: ``RIFF``/``RIFX``/``RF64``/``BW64``
WAVE, ``FORM`` AIFF/AIFC (read by dsp itself); FLAC, Ogg (Vorbis, Opus, FLAC), MP3, CAF, AU,
W64 ... (read through the optional ``soundfile`` backend).
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
from collections.abc import Iterator
from typing import Any, BinaryIO

from ..errors import AudioFormatError, ParameterError

__all__ = ["open_source", "detect_format", "display_path", "NATIVE"]

#: Formats dsp reads itself.
NATIVE = ("WAV", "AIFF")


def display_path(path: Any) -> str:
    """A printable form of a path: undecodable bytes become ``\\xNN`` escapes, never an error."""
    try:
        raw = os.fsencode(path)  # the bytes the file system holds (undoes surrogate escapes)
    except (TypeError, UnicodeError):
        return repr(path)
    return raw.decode("utf-8", "backslashreplace")


def _kind(mode: int) -> str | None:
    for test, name in (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a directory"),
    ):
        if test(mode):
            return name
    return None


def _refuse_kind(path: Any, mode: int) -> None:
    kind = _kind(mode)
    if kind is not None:
        raise AudioFormatError(
            f"{display_path(path)!r} is {kind}, not a regular file: dsp reads sound files it "
            "can seek in (save the stream to a file first)"
        )


@contextlib.contextmanager
def open_source(source: Any, name: str = "path") -> Iterator[tuple[BinaryIO, int]]:
    """Yield ``(binary file, size in bytes)`` for a path or a seekable binary file object."""
    if isinstance(source, (str, bytes, os.PathLike)):
        try:
            mode = os.stat(source).st_mode
        except (TypeError, ValueError) as err:  # embedded NUL, bad PathLike
            raise ParameterError(
                f"{name}={display_path(source)!r} is not a usable path: {err}"
            ) from err
        _refuse_kind(source, mode)
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(source, flags)
        try:
            st = os.fstat(fd)
            _refuse_kind(source, st.st_mode)  # it changed between stat and open
            if hasattr(os, "set_blocking"):
                os.set_blocking(fd, True)
            f = os.fdopen(fd, "rb")
        except BaseException:
            os.close(fd)
            raise
        with f:
            try:
                size = f.seek(0, os.SEEK_END)
            except OSError as err:  # /proc and /sys files: regular, but no end to seek to
                raise AudioFormatError(
                    f"{display_path(source)!r} is not a sound file: it cannot seek to its end "
                    f"({err.strerror}), as files in /proc and /sys cannot"
                ) from err
            yield f, size
        return
    if (
        source is None
        or isinstance(source, (bool, int, float, complex))
        or not (hasattr(source, "read") and hasattr(source, "seek"))
    ):
        raise ParameterError(
            f"{name}={source!r} must be a file path or a binary file object with read() and "
            f"seek() (got {type(source).__name__})"
        )
    if isinstance(source, io.TextIOBase) or "b" not in getattr(source, "mode", "b"):
        raise ParameterError(
            f"{name}={source!r} is a text-mode file: open it with open(path, 'rb')"
        )
    seekable = getattr(source, "seekable", None)
    if callable(seekable) and not seekable():
        raise ParameterError(f"{name}={source!r} cannot seek: pass a path or a seekable file")
    try:
        size = source.seek(0, os.SEEK_END)
        source.seek(0)
        probe = source.read(0)
    except (OSError, ValueError, TypeError, AttributeError) as err:
        raise ParameterError(f"{name}={source!r} cannot be read and seeked: {err}") from err
    if not isinstance(probe, (bytes, bytearray, memoryview)) or not isinstance(size, int):
        raise ParameterError(
            f"{name}={source!r} is not a binary file (read() gave {type(probe).__name__})"
        )
    yield source, size


def detect_format(head: bytes) -> str:
    """The format that a file's first bytes (up to 64) announce, e.g. ``"WAV"``, ``"FLAC"``."""
    if head[:4] in (b"RIFF", b"RIFX", b"RF64", b"BW64"):
        return "WAV"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "AIFF"
    if head[:4] == b"fLaC":
        return "FLAC"
    if head[:4] == b"OggS":
        body = head[28:40]
        if body.startswith(b"OpusHead"):
            return "Ogg Opus"
        if body.startswith(b"\x01vorbis"):
            return "Ogg Vorbis"
        if body.startswith(b"\x7fFLAC"):
            return "Ogg FLAC"
        return "Ogg"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "MP3"
    if head[:4] == b"caff":
        return "CAF"
    if head[:4] == b".snd":
        return "AU"
    if head[:4] == b"riff" and head[4:8] == bytes.fromhex("2e91cf11"):  # Sony Wave64 GUID
        return "W64"
    return "unknown"
