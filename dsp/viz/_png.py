"""A PNG writer from the standard library's ``zlib`` and ``struct`` (re-exported by dsp.viz.image).

A PNG file (W3C PNG specification, 3rd edition) is an 8-byte signature and a list of chunks,
each ``length (uint32 big-endian) + type (4 bytes) + data + CRC-32 of type and data``. Three
chunks suffice: ``IHDR`` (width, height, bit depth 8, colour type, no interlace), ``IDAT`` (the
zlib stream of the filtered scanlines) and ``IEND``. Each scanline is prefixed by its filter
type; per row we keep the cheapest of None (0), Sub (1) and Up (2) by the specification's
"minimum sum of absolute differences" heuristic (the filtered bytes read as signed).
"""

from __future__ import annotations

import os
import struct
import zlib

import numpy as np

from ..errors import ParameterError
from ..io._atomic import atomic_write

__all__ = ["encode_png", "write_png", "PNG_SIGNATURE"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: samples per pixel -> PNG colour type (0 grey, 2 RGB, 6 RGBA).
_COLOUR_TYPES = {1: 0, 3: 2, 4: 6}
#: PNG dimensions are positive 31-bit integers.
_MAX_SIDE = 2**31 - 1


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _filtered_scanlines(rows: np.ndarray, bpp: int) -> bytes:
    """Prefix each row of ``rows`` (uint8, ``(height, width * bpp)``) with its best filter."""
    sub = rows.copy()
    sub[:, bpp:] -= rows[:, :-bpp]  # uint8 arithmetic wraps modulo 256, as the spec defines
    up = rows.copy()
    up[1:] -= rows[:-1]
    candidates = (rows, sub, up)  # filter types 0, 1, 2
    cost = np.stack(
        [np.abs(c.view(np.int8).astype(np.int16)).sum(axis=1, dtype=np.int64) for c in candidates]
    )
    best = np.argmin(cost, axis=0)
    out = np.empty((rows.shape[0], rows.shape[1] + 1), dtype=np.uint8)
    out[:, 0] = best
    for kind, filtered in enumerate(candidates):
        chosen = best == kind
        out[chosen, 1:] = filtered[chosen]
    return out.tobytes()


def encode_png(image: np.ndarray) -> bytes:
    """The bytes of a PNG file holding an 8-bit image (see :func:`write_png` for the rules).

    Parameters
    ----------
    image : np.ndarray [shape=(height, width) or (height, width, 3 or 4)], dtype uint8

    Returns
    -------
    bytes
        Signature, ``IHDR``, ``IDAT`` and ``IEND`` chunks.

    Raises
    ------
    ParameterError
        As :func:`write_png`.

    Examples
    --------
    >>> import numpy as np
    >>> encode_png(np.zeros((2, 3), dtype=np.uint8))[:8] == PNG_SIGNATURE
    True
    """
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        kind = image.dtype if isinstance(image, np.ndarray) else type(image).__name__
        raise ParameterError(f"image dtype={kind} must be uint8 (see dsp.viz.image.db_to_uint8)")
    shape = image.shape
    if image.ndim == 2:
        image = image[:, :, np.newaxis]
    if image.ndim != 3 or image.shape[2] not in _COLOUR_TYPES:
        raise ParameterError(
            f"image.shape={shape} must be (height, width) or (height, width, 3 or 4)"
        )
    height, width, bpp = image.shape
    if height == 0 or width == 0:
        raise ParameterError(f"image.shape={shape} is empty")
    if height > _MAX_SIDE or width > _MAX_SIDE:
        raise ParameterError(f"image.shape={shape} is larger than PNG allows")
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOUR_TYPES[bpp], 0, 0, 0)
    rows = np.ascontiguousarray(image).reshape(height, width * bpp)
    idat = zlib.compress(_filtered_scanlines(rows, bpp), 6)
    return PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def write_png(path: str | os.PathLike[str], image: np.ndarray) -> None:
    """Write an 8-bit image as a PNG file, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Destination; its directory must exist. An existing file is replaced.
    image : np.ndarray [shape=(height, width) or (height, width, 3 or 4)], dtype uint8
        Grey levels, RGB or RGBA; row 0 is the top of the picture.

    Raises
    ------
    ParameterError
        If ``image`` is not ``uint8``, has the wrong number of dimensions or channels, or is
        empty.
    OSError
        If the file cannot be written.

    Notes
    -----
    The CRC is CRC-32 (``zlib.crc32``) over the chunk type and data; the IDAT payload is
    ``zlib.compress`` of the scanlines, each preceded by its filter type byte. Filter Sub stores
    :math:`x_i - x_{i - bpp}` and Up stores :math:`x_i - b_i` (the byte above), modulo 256.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> ramp = np.tile(np.arange(256, dtype=np.uint8), (16, 1))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "ramp.png")
    ...     write_png(path, ramp)
    ...     header = open(path, "rb").read(24)
    >>> header[:8] == PNG_SIGNATURE, header[12:16], int.from_bytes(header[16:20], "big")
    (True, b'IHDR', 256)
    """
    data = encode_png(image)  # validate and encode before the file is touched
    with atomic_write(path) as f:
        f.write(data)
