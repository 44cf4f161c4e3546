"""Reading a long sound file block by block: :func:`open_blocks` and :func:`read_blocks`.

Memory stays at one block whatever the file's length. The blocks, concatenated along time, are
exactly ``load(path, sr=None, mono=False, offset=offset, duration=duration)`` (as
``(channels, n)``): the same reader, the same decoding, only in pieces. To resample a stream, feed
the blocks to :class:`dsp.resampling.BlockResampler`, whose output over any block split equals
:func:`dsp.resample` of the whole.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import TracebackType
from typing import Any

import numpy as np

from .._validation import check_positive_int, check_real_number
from ..errors import ParameterError
from . import _soundfile
from ._reader import check_dtype, native_layout, read_native, warn_missing
from ._source import open_source
from .audio import _Source

__all__ = ["BlockReader", "open_blocks", "read_blocks"]


class BlockReader:
    """An open sound file read in blocks of ``(channels, block_frames)`` samples.

    Use :func:`open_blocks` to make one, as a context manager. Attributes ``sr``,
    ``channels`` and ``frames`` (the frames that will be read, after ``offset``/``duration``)
    are known before the first block.
    """

    sr: int
    channels: int
    frames: int

    def __init__(
        self,
        path: _Source,
        *,
        block_frames: int,
        offset: float,
        duration: float | None,
        dtype: np.dtype,
    ) -> None:
        self._stack = contextlib.ExitStack()
        self.block_frames, self.dtype = block_frames, dtype
        try:
            f, size = self._stack.enter_context(open_source(path))
            self._file = f
            self._layout, found = native_layout(f, size)
            if self._layout is not None:
                layout = self._layout
                self.sr, self.channels = layout.sr, layout.channels
                first = offset * layout.sr
                if first >= layout.frames + 1:
                    raise ParameterError(
                        f"offset={offset} s (frame {first:.0f}) is past the end of the file "
                        f"({layout.frames} frames, {layout.frames / layout.sr:.6g} s)"
                    )
                self._start = int(first)
                count = layout.frames - self._start
                if duration is not None:
                    count = min(count, int(min(duration * layout.sr, count)))
                self.frames = count
                warn_missing(layout)
            else:
                self._sfile = self._stack.enter_context(_soundfile.backend_open(f, found))
                self._found = found
                self.sr, self.channels = self._sfile.samplerate, self._sfile.channels
                first = offset * self.sr
                total = self._sfile.frames
                if first >= total + 1:
                    raise ParameterError(
                        f"offset={offset} s (frame {first:.0f}) is past the end of the file "
                        f"({total} frames)"
                    )
                self._start = int(first)
                count = total - self._start
                if duration is not None:
                    count = min(count, int(min(duration * self.sr, count)))
                self.frames = count
                if self._start:
                    _soundfile.guarded(found, self._sfile.seek, self._start)
        except BaseException:
            self._stack.close()
            raise

    def __iter__(self) -> Iterator[np.ndarray]:
        done = 0
        while done < self.frames:
            count = min(self.block_frames, self.frames - done)
            if self._layout is not None:
                frames = read_native(
                    self._file, self._layout, self._start + done, count, self.dtype
                )
            else:
                frames = _soundfile.guarded(
                    self._found,
                    self._sfile.read,
                    frames=count,
                    dtype=self.dtype.name,
                    always_2d=True,
                )
                if frames.shape[0] == 0:  # the decoder found fewer frames than announced
                    return
            done += frames.shape[0]
            yield np.ascontiguousarray(frames.T)

    def close(self) -> None:
        """Close the file (also done by leaving the ``with`` block)."""
        self._stack.close()

    def __enter__(self) -> BlockReader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def open_blocks(
    path: _Source,
    *,
    block_frames: int = 65536,
    offset: float = 0.0,
    duration: float | None = None,
    dtype: Any = np.float32,
) -> BlockReader:
    """Open a sound file for reading in blocks.

    Parameters
    ----------
    path : str, bytes, os.PathLike or seekable binary file object
        The sound file (any format :func:`dsp.load` reads).
    block_frames : int > 0
        Frames per block (the last block may be shorter).
    offset : float >= 0
        Start this many seconds in (frame ``int(offset * sr)``).
    duration : None or float >= 0
        Read at most this many seconds.
    dtype : float32 or float64
        Sample type.

    Returns
    -------
    BlockReader
        A context manager and iterable of ``(channels, frames)`` arrays, with ``sr``,
        ``channels`` and ``frames`` attributes.

    Raises
    ------
    AudioFormatError, ParameterError, OSError
        As :func:`dsp.load`.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from dsp.io.audio import load, write_wav
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "x.wav")
    ...     write_wav(path, np.random.default_rng(0).uniform(-1, 1, (2, 10000)), 8000)
    ...     with open_blocks(path, block_frames=4096, offset=0.1) as blocks:
    ...         shapes = [block.shape for block in blocks]
    ...         joined = np.concatenate(list(open_blocks(path, block_frames=999)), axis=1)
    ...     whole = load(path, sr=None, mono=False)[0]
    >>> shapes, blocks.sr, bool(np.array_equal(joined, whole))
    ([(2, 4096), (2, 4096), (2, 1008)], 8000, True)
    """
    block_frames = check_positive_int("block_frames", block_frames)
    offset = check_real_number("offset", offset, nonnegative=True)
    if duration is not None:
        duration = check_real_number("duration", duration, nonnegative=True)
    return BlockReader(
        path, block_frames=block_frames, offset=offset, duration=duration, dtype=check_dtype(dtype)
    )


def read_blocks(
    path: _Source,
    *,
    block_frames: int = 65536,
    offset: float = 0.0,
    duration: float | None = None,
    dtype: Any = np.float32,
) -> Iterator[np.ndarray]:
    """Yield ``(channels, frames)`` blocks of a sound file (see :func:`open_blocks`)."""
    with open_blocks(
        path, block_frames=block_frames, offset=offset, duration=duration, dtype=dtype
    ) as reader:
        yield from reader
