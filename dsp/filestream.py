"""A sound file's spectrogram in blocks of frames, equal to the offline one: :func:`stream_file`.

The file is read in blocks (:func:`dsp.io.blocks.open_blocks`), mixed to mono as
:func:`dsp.load` mixes, resampled block by block, and pushed through the transform's stream
(:mod:`dsp.streaming`); each block of frames is yielded as soon as it is final. The frames,
concatenated along the last axis, equal ``transform(load(path, sr=sr, ...)[0])`` bit for bit.
Memory: one block of samples, the stream's ``O(n_fft)`` tail and one block of frames, whatever
the file's length. Unlike ``librosa.stream`` (no centring, frames that do not line up with
``librosa.stft``'s), the frames are the offline ones, centring and padding included.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from ._validation import check_bool, check_positive_int, check_sr
from .errors import ParameterError
from .io.blocks import open_blocks
from .resampling import BlockResampler, _check_res_type, _check_soxr_ratio

__all__ = ["stream_file", "FileFrames"]


class _SoxrBlocks:
    """soxr's stream resampler per channel, cut or zero-padded to ``ceil(n * target / orig)``
    as :func:`dsp.resample` does (soxr's stream gives its one-shot samples, measured with
    soxr 1.1)."""

    def __init__(
        self, orig: float, target: float, channels: int, dtype: Any, quality: str, n: int
    ) -> None:
        import soxr

        _check_soxr_ratio(orig, target, quality)
        self.dtype, self.two_d = np.dtype(dtype), channels > 1
        q = quality.replace("soxr_", "").upper()
        self.streams = [
            soxr.ResampleStream(orig, target, 1, dtype=self.dtype.name, quality=q)
            for _ in range(channels)
        ]
        self.left = math.ceil(n * target / orig)  # samples still owed

    def _fix(self, out: np.ndarray) -> np.ndarray:
        out = out[..., : self.left]
        self.left -= out.shape[-1]
        return out if self.two_d else out[0]

    def process(self, block: np.ndarray) -> np.ndarray:
        rows = np.atleast_2d(block).astype(self.dtype, copy=False)
        return self._fix(
            np.stack([s.resample_chunk(r) for s, r in zip(self.streams, rows, strict=False)])
        )

    def flush(self) -> np.ndarray:
        empty = np.zeros(0, self.dtype)
        out = np.stack([s.resample_chunk(empty, last=True) for s in self.streams])
        pad = np.zeros(out.shape[:-1] + (max(0, self.left - out.shape[-1]),), out.dtype)
        return self._fix(np.concatenate([out, pad], axis=-1))


class FileFrames:
    """The frames of ``transform`` over a sound file, block by block (see :func:`stream_file`).

    Attributes
    ----------
    sr : int or float
        The rate the transform sees (``sr``, or the file's own).
    sr_native : int
        The file's rate.
    frames_in : int
        Input frames (samples per channel) to read; ``frames_read`` so far.
    """

    def __init__(
        self,
        path: Any,
        transform: Any,
        *,
        sr: float | None = 22050,
        mono: bool = True,
        channel: int | None = None,
        offset: float = 0.0,
        duration: float | None = None,
        dtype: Any = np.float32,
        res_type: str = "auto",
        block_frames: int = 1 << 18,
    ) -> None:
        if not callable(getattr(transform, "stream", None)):
            raise ParameterError(
                f"transform={transform!r} must have a stream() method (dsp.Spectrogram, "
                "dsp.MelSpectrogram)"
            )
        self.transform, self.mono = transform, check_bool("mono", mono)
        if sr is not None:
            check_sr(sr)  # a rate: a finite number > 0 (issue 9: raw errors from soxr before)
            sr = int(sr) if float(sr).is_integer() else float(sr)  # np.int8(1) * 4096 wraps
        if channel is not None and (
            isinstance(channel, bool) or not isinstance(channel, (int, np.integer))
        ):
            raise ParameterError(f"channel={channel!r} must be an integer or None")
        self.channel, self.res_type = channel, _check_res_type(res_type)
        self.reader = open_blocks(
            path,
            block_frames=check_positive_int("block_frames", block_frames),
            offset=offset,
            duration=duration,
            dtype=dtype,
        )
        self.sr_native, self.frames_in, self.frames_read = self.reader.sr, self.reader.frames, 0
        channels = self.reader.channels
        if channel is not None and not 0 <= channel < channels:
            self.reader.close()
            raise ParameterError(
                f"channel={channel}: the file has {channels} channel(s), numbered 0 to "
                f"{channels - 1}"
            )
        self.out_channels = 1 if (mono or channel is not None or channels == 1) else channels
        self.sr = self.sr_native if sr is None else sr
        self.resampler: Any = None
        if self.sr != self.sr_native:
            self.resampler = self._resampler(self.reader.dtype)

    def _resampler(self, dtype: Any) -> Any:
        if self.res_type == "dsp_hq":
            return BlockResampler(
                orig_sr=self.sr_native,
                target_sr=int(self.sr),
                channels=self.out_channels,
                dtype=dtype,
            )
        if self.res_type.startswith("soxr"):
            return _SoxrBlocks(
                self.sr_native, self.sr, self.out_channels, dtype, self.res_type, self.frames_in
            )
        raise ParameterError(
            f"res_type={self.res_type!r} cannot resample block by block; use dsp_hq or a soxr "
            "res_type (or load the whole file)"
        )

    def _samples(self, block: np.ndarray) -> np.ndarray:
        """A file block ``(channels, k)`` as :func:`dsp.load` would give it (mono, channel)."""
        if self.channel is not None:
            return np.ascontiguousarray(block[self.channel])
        if block.shape[0] == 1:
            return block[0]
        if self.mono:  # load's mixdown: np.mean over channels of the (n, channels) layout
            with np.errstate(over="ignore", invalid="ignore"):
                return np.mean(np.ascontiguousarray(block.T).T, axis=0)
        return block

    def __iter__(self) -> Iterator[np.ndarray]:
        stream = self.transform.stream()
        with self.reader:
            for block in self.reader:
                self.frames_read += block.shape[-1]
                y = self._samples(block)
                if self.resampler is not None:
                    y = self.resampler.process(y)
                out = stream.push(y)
                if out.shape[-1]:
                    yield out
            if self.resampler is not None:
                out = stream.push(self.resampler.flush())
                if out.shape[-1]:
                    yield out
        out = stream.flush()
        if out.shape[-1]:
            yield out


def stream_file(
    path: Any,
    transform: Any,
    *,
    sr: float | None = 22050,
    mono: bool = True,
    offset: float = 0.0,
    duration: float | None = None,
    dtype: Any = np.float32,
    res_type: str = "auto",
    block_frames: int = 1 << 18,
) -> Iterator[np.ndarray]:
    """Yield the frames of ``transform`` over a sound file, in blocks, as the file is read.

    Parameters
    ----------
    path : str, os.PathLike or binary file object
        The sound file (any format :func:`dsp.load` reads).
    transform : dsp.Spectrogram or dsp.MelSpectrogram
        Anything with a ``stream()`` method (:mod:`dsp.streaming`).
    sr, mono, offset, duration, dtype
        As :func:`dsp.load`.
    res_type : {"auto", "dsp_hq", "soxr_hq", "soxr_vhq", "soxr_mq", "soxr_lq", "soxr_qq"}
        Resampler, applied block by block (``"auto"``: ``"soxr_hq"`` when installed).
    block_frames : int > 0
        File frames read at a time.

    Yields
    ------
    np.ndarray [shape=(..., n_rows, k)]
        Consecutive blocks of frames, ``k >= 1``.

    Raises
    ------
    ParameterError, AudioFormatError, OSError
        As :func:`dsp.load` and the transform; ``res_type`` ``"polyphase"``/``"fft"`` (no
        block form).

    Notes
    -----
    ``np.concatenate(list(stream_file(path, t, sr=sr)), axis=-1)`` equals
    ``t(dsp.load(path, sr=sr)[0])``: read, mix down, resample (the block resamplers give the
    whole-signal samples), then the stream (identical frames; see ``docs/streaming.md`` for the
    mel projection's BLAS caveat).

    librosa equivalent: ``librosa.stream`` reads blocks too, but its frames are uncentred and
    do not equal ``librosa.stft``'s; here they do.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from dsp import Spectrogram, load, write_wav
    >>> t = Spectrogram(n_fft=512, hop_length=160)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "a.wav")
    ...     write_wav(path, np.random.default_rng(0).uniform(-1, 1, (2, 48000)), 48000)
    ...     blocks = list(stream_file(path, t, sr=16000, block_frames=10000))
    ...     whole = t(load(path, sr=16000)[0])
    >>> len(blocks) > 1, bool(np.array_equal(np.concatenate(blocks, axis=-1), whole))
    (True, True)
    """
    if transform is None:  # FileFrames takes None (raw blocks); a stream needs a transform
        raise ParameterError("transform=None: pass a dsp.Spectrogram or dsp.MelSpectrogram")
    return iter(
        FileFrames(
            path,
            transform,
            sr=sr,
            mono=mono,
            offset=offset,
            duration=duration,
            dtype=dtype,
            res_type=res_type,
            block_frames=block_frames,
        )
    )
