"""The samples a stream holds, and the centre-padded frames they complete (private).

:class:`SampleBuffer` keeps the samples that frames not yet emitted still need, and hands out
each run of frames ``[lo, hi)`` as a piece of signal whose frames *without* centring are
exactly those frames of the centre-padded signal, padding included. The padding is that of
the offline path (:class:`dsp._engine.frames.FrameSource`, librosa 0.11's): the left padding
from the first ``pad + 1`` samples; the right padding from the piece starting at the first
frame that needs it; a signal with no interior frame padded whole. Geometry:
:class:`dsp.FrameGeometry`. Memory: ``O(n_fft + chunk)`` samples.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._validation import is_masked
from .errors import ParameterError
from .framing import FrameGeometry

__all__ = ["SampleBuffer", "check_chunk"]

#: Samples a mode's left padding reads (np.pad's single pass needs them): reflect mirrors
#: ``y[1..pad]``, symmetric ``y[0..pad-1]``, edge and linear_ramp only ``y[0]``.
_LEFT_NEEDS = {"constant": lambda p: 0, "edge": lambda p: 1, "linear_ramp": lambda p: 1,
               "reflect": lambda p: p + 1, "symmetric": lambda p: p}  # fmt: skip


def check_chunk(chunk: Any, lead: tuple[int, ...] | None, dtype: np.dtype | None) -> np.ndarray:
    """``chunk`` as a float array ``(..., k)`` (float16 -> float32), k >= 0, all finite, with the
    channel shape ``lead`` and dtype ``dtype`` of the first chunk (None: not fixed yet)."""
    if not isinstance(chunk, np.ndarray) or is_masked(chunk):
        raise ParameterError(
            f"chunk must be a numpy.ndarray of floating-point samples, got {type(chunk).__name__}"
        )
    if chunk.ndim == 0 or chunk.dtype.kind != "f":
        raise ParameterError(
            f"chunk must be a floating-point array (..., n), got dtype={chunk.dtype} "
            f"shape={chunk.shape}"
        )
    if dtype is not None and chunk.dtype != dtype:
        raise ParameterError(
            f"chunk dtype={chunk.dtype} differs from the first chunk's dtype={dtype}; "
            "convert it (every chunk of a signal has one dtype)"
        )
    if lead is not None and chunk.shape[:-1] != lead:
        raise ParameterError(
            f"chunk.shape={chunk.shape} has channel shape {chunk.shape[:-1]}, but the first "
            f"chunk's was {lead} (time is the last axis)"
        )
    if chunk.dtype == np.float16:
        chunk = chunk.astype(np.float32)
    # NaN propagates through min and max, so two reductions (no boolean array) clear the usual
    # chunk; the element-wise test confirms (a longdouble beyond float64 is finite).
    if chunk.size and not (math.isfinite(chunk.min()) and math.isfinite(chunk.max())):
        finite = np.isfinite(chunk)
        if not finite.all():
            where = np.unravel_index(int(np.argmin(finite)), chunk.shape)
            raise ParameterError(
                f"chunk contains a non-finite value ({chunk[where]}) at index "
                f"{tuple(int(i) for i in where)}; the stream is unchanged"
            )
    return chunk


class SampleBuffer:
    """The tail of a signal arriving in chunks, and the frames it completes.

    Attributes: ``n`` samples received, ``start`` the absolute index of ``samples[..., 0]``,
    ``head`` a copy of the first ``pad + 1`` samples (the left padding's source).
    """

    def __init__(self, geometry: FrameGeometry, pad_mode: str) -> None:
        self.geometry, self.pad_mode = geometry, pad_mode
        self.left_needs = _LEFT_NEEDS[pad_mode](geometry.pad) if geometry.pad else 0
        self.n, self.start = 0, 0
        self.samples: np.ndarray | None = None
        self.head: np.ndarray | None = None

    def appended(self, chunk: np.ndarray) -> SampleBuffer:
        """A new buffer: this one with ``chunk`` appended (this one is left unchanged)."""
        new = SampleBuffer.__new__(SampleBuffer)
        new.__dict__.update(self.__dict__)
        if self.samples is None:
            new.samples = chunk.copy()
        else:
            new.samples = np.concatenate([self.samples, chunk], axis=-1)
        new.n = self.n + chunk.shape[-1]
        keep = self.geometry.pad + 1
        if self.head is None or self.head.shape[-1] < keep:
            new.head = new.samples[..., :keep].copy() if self.start == 0 else self.head
        return new

    def ready(self) -> int:
        """Frames computable now: every frame whose samples have all arrived, once the left
        padding is known (:meth:`FrameGeometry.frames_complete`)."""
        if self.n < self.left_needs:
            return 0
        return self.geometry.frames_complete(self.n)

    def trim(self, next_frame: int) -> None:
        """Drop the samples no frame from ``next_frame`` on needs; keep the last ``pad + 1``
        (the right padding of a short signal is made from them)."""
        assert self.samples is not None
        first = max(0, min(self.geometry.frame_start(next_frame), self.n - self.geometry.pad - 1))
        if first > self.start:
            self.samples = self.samples[..., first - self.start :].copy()
            self.start = first

    def _pad(self, x: np.ndarray, widths: tuple[int, int]) -> np.ndarray:
        widths_all = [(0, 0)] * (x.ndim - 1) + [widths]
        return np.pad(x, widths_all, mode=self.pad_mode)  # type: ignore[call-overload]

    def piece(self, lo: int, hi: int, *, final: bool) -> np.ndarray:
        """Signal whose uncentred frames (hop ``hop_length``) are frames ``[lo, hi)``.

        ``final``: the signal has ended at ``n`` samples, so frames may need right padding.
        """
        g, p = self.geometry, self.geometry.pad
        assert self.samples is not None and self.head is not None
        left = right = self.samples[..., :0]
        if p and final:
            count, tail = g.n_frames(self.n), g.first_tail_frame(self.n)
            if tail <= min(g.head_frames, count) and self.start == 0:  # short: pad it whole
                whole = self._pad(self.samples, (p, p))
                left, right = whole[..., :p], whole[..., -p:]
            elif tail <= min(g.head_frames, count):  # short, n > pad + 1: one np.pad pass
                right = self._pad(self.samples[..., -(p + 1) :], (0, p))[..., -p:]
            elif tail < count:  # librosa pads the piece from the first tail frame on
                cut = g.frame_start(tail) - self.start
                right = self._pad(self.samples[..., cut:], (0, p))[..., -p:]
        if p and g.frame_start(lo) < 0 and not left.shape[-1]:
            left = self._pad(self.head, (p, 0))[..., :p]
        origin = self.start - left.shape[-1]  # absolute index of the piece's first sample
        if left.shape[-1] or right.shape[-1]:
            ext = np.concatenate([left, self.samples, right], axis=-1)
        else:  # an interior run: a view (the samples are never written to in place)
            ext = self.samples
        first = g.frame_start(lo) - origin
        stop = first + (hi - lo - 1) * g.hop_length + g.n_fft
        if first < 0 or stop > ext.shape[-1]:  # the arithmetic above guarantees it
            raise AssertionError(f"frames [{lo}, {hi}) outside the buffer")
        return ext[..., first:stop]
