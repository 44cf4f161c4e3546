"""The reading steps :func:`dsp.io.audio.load` and :mod:`dsp.io.blocks` share.

Recognise the format and parse the header (:func:`native_layout`), warn about a cut data chunk
(:func:`warn_missing`), decode frames of a WAV/AIFF file (:func:`read_native`), check the
sample type (:func:`check_dtype`).
"""

from __future__ import annotations

from typing import Any, BinaryIO

import numpy as np

from .._validation import warn
from ..errors import AudioFormatError, ParameterError
from . import _aiff, _pcm, _soundfile, _wav
from ._source import detect_format

__all__ = ["native_layout", "warn_missing", "read_native", "check_dtype"]


def native_layout(f: BinaryIO, size: int) -> tuple[_wav.Layout | None, str]:
    """The layout of a WAV/AIFF file, or ``(None, format name)`` for the backend's formats.

    Unknown content is refused here (libsndfile is only handed files whose first bytes name a
    format it reads, so dsp's promises on arbitrary bytes do not depend on it).
    """
    f.seek(0)
    head = f.read(64)
    found = detect_format(head)
    if found == "WAV":
        return _wav.parse_wav(f, size), found
    if found == "AIFF":
        return _aiff.parse_aiff(f, size), found
    if found == "unknown":
        if size < 12:
            raise AudioFormatError(
                f"truncated file: {size} bytes, too short for any sound file header"
            )
        raise AudioFormatError(
            f"not a sound file dsp recognises: it begins with {head[:4]!r} at byte offset 0 "
            "(dsp reads WAV, b'RIFF', and AIFF, b'FORM', itself; FLAC, Ogg, MP3, CAF, AU and W64 "
            f"through the soundfile backend, {_soundfile.INSTALL})"
        )
    return None, found


def warn_missing(layout: _wav.Layout) -> None:
    """The DspWarning for a data chunk cut short."""
    if layout.missing_bytes:
        warn(
            f"the file is truncated: its header declares {layout.missing_bytes} more bytes of "
            f"samples than it holds ({layout.missing_bytes // layout.block_align} frames, "
            f"{layout.missing_bytes // layout.block_align / layout.sr:.6g} s missing); read the "
            f"{layout.frames} frames present",
            stacklevel=4,
        )


def read_native(
    f: BinaryIO, layout: _wav.Layout, start: int, count: int, dtype: np.dtype
) -> np.ndarray:
    """Frames ``start .. start + count`` of a WAV/AIFF file as ``(count, channels)``."""
    raw = _wav.read_frames(f, layout, start, count)
    return _pcm.decode_samples(
        raw, layout.codec, layout.width, layout.big_endian, layout.channels, dtype
    )


def check_dtype(dtype: Any) -> np.dtype:
    """float32 or float64, else ParameterError."""
    try:
        out_dtype = np.dtype(dtype)
    except (TypeError, ValueError, SyntaxError) as err:  # np.dtype("01") parses it as Python
        raise ParameterError(f"dtype={dtype!r} is not a NumPy dtype") from err
    if out_dtype not in (np.float32, np.float64):
        raise ParameterError(f"dtype={out_dtype} must be float32 or float64")
    return out_dtype
