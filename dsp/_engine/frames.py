"""Frames of the centre-padded signal without padding the whole signal, and the FFT back end.

The geometry is :class:`dsp.FrameGeometry`'s: frame ``t`` covers samples
``[t*hop - pad, t*hop - pad + n_fft)`` of ``y``, the samples outside ``[0, n)`` coming from the
padding. Only the first :attr:`~dsp.FrameGeometry.head_frames` frames and those from
:meth:`~dsp.FrameGeometry.first_tail_frame` on overhang an end: :class:`FrameSource` builds
those from a padded copy of each end (the ``np.pad`` modes of :data:`dsp._validation.PAD_MODES`
depend only on the samples near the edge) and takes every other frame as a view of ``y`` itself,
as librosa 0.11 does. Memory: two pieces of about ``2 * n_fft`` samples instead of a copy of the
signal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._fftlib import fft_module, scipy_fft
from ..framing import FrameGeometry
from .config import EngineConfig

__all__ = ["FrameSource", "rfft_for", "writes_out", "fft_window", "uses_scipy_float32"]

_NUMPY_2 = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


def uses_scipy_float32(config: EngineConfig, work: int) -> bool:
    """float32 mode: ``scipy.fft`` for ``work >= scipy_min_samples`` windowed samples."""
    return work >= config.scipy_min_samples and scipy_fft() is not None


def rfft_for(
    precision: str, work: int, config: EngineConfig
) -> Callable[[np.ndarray, np.ndarray | None], np.ndarray]:
    """``rfft(x, out)`` along the last axis for ``precision``, writing ``out`` when it can
    (:func:`writes_out`; ``out`` may be None for the others).

    float64 (both float64 precisions): the FFT library librosa uses (:mod:`dsp._fftlib`).
    float32: SciPy's single-precision FFT for large ``work`` when installed, else NumPy's:
    NumPy 2 computes float32 input in single precision only with ``norm="forward"``, so
    :func:`fft_window` folds the ``n_fft`` scale into the window.
    """
    if precision != "float32":
        module = fft_module(config.fft_library)
        if module is np.fft and _NUMPY_2:
            return _with_out(lambda x, out: np.fft.rfft(x, axis=-1, out=out))
        return lambda x, out: module.rfft(x, axis=-1)
    if uses_scipy_float32(config, work):
        sfft: Any = scipy_fft()
        return lambda x, out: sfft.rfft(x, axis=-1, overwrite_x=True)
    if _NUMPY_2:
        return _with_out(lambda x, out: np.fft.rfft(x, axis=-1, norm="forward", out=out))
    return lambda x, out: np.fft.rfft(x, axis=-1, norm="forward")  # NumPy 1: no ``out``


def _with_out(fft: Callable[[np.ndarray, Any], np.ndarray]) -> Any:
    fft.writes_out = True  # type: ignore[attr-defined]
    return fft


def writes_out(fft: Callable[..., np.ndarray]) -> bool:
    """Whether ``fft`` writes into its ``out`` buffer (else it allocates its result)."""
    return getattr(fft, "writes_out", False)


def fft_window(window: np.ndarray, precision: str, work: int, config: EngineConfig) -> np.ndarray:
    """The window as :func:`rfft_for` needs it: float64 as is; float32, scaled for NumPy."""
    if precision != "float32":
        return window
    scale = 1 if uses_scipy_float32(config, work) else window.shape[-1]
    return (window * scale).astype(np.float32)


def _frames_view(x: np.ndarray, n_fft: int, hop: int, first: int, count: int) -> np.ndarray:
    """``count`` frames of ``x`` (last axis) from sample ``first``: ``(..., count, n_fft)``."""
    windows = np.lib.stride_tricks.sliding_window_view(x, n_fft, axis=-1)
    return windows[..., first::hop, :][..., :count, :]


class FrameSource:
    """The frames of ``y`` ``(..., n)`` as ``(..., n_frames, n_fft)`` pieces, windowed on demand.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)]
        The (validated) signal.
    geometry : dsp.FrameGeometry
        Frame length, hop and centring.
    pad_mode : str
        As :func:`dsp.stft`.

    Attributes
    ----------
    count : int
        The number of frames, ``geometry.n_frames(n)``.
    segments : list of (int, np.ndarray)
        ``(first frame, frames (..., k, n_fft))``: the padded head, the interior (a view of
        ``y``) and the padded tail, each possibly absent.
    """

    def __init__(self, y: np.ndarray, geometry: FrameGeometry, pad_mode: str) -> None:
        n, hop, n_fft, p = y.shape[-1], geometry.hop_length, geometry.n_fft, geometry.pad
        self.count = count = geometry.n_frames(n)
        # Frames [t_a, t_b) lie inside y. The pieces and their one-sided padding are librosa's
        # (its reflection of a tail piece shorter than pad + 1 samples differs from that of the
        # whole signal; bit-identity keeps it).
        t_a, t_b = min(geometry.head_frames, count), geometry.first_tail_frame(n)
        if t_b <= t_a:  # no interior frame: a short signal, pad it all
            padded = self._pad(y, (p, p), pad_mode)
            self.segments = [(0, _frames_view(padded, n_fft, hop, 0, count))]
            return
        self.segments = []
        if t_a > 0:
            head = self._pad(y[..., : (t_a - 1) * hop - p + n_fft + 1], (p, 0), pad_mode)
            self.segments.append((0, _frames_view(head, n_fft, hop, 0, t_a)))
        self.segments.append((t_a, _frames_view(y, n_fft, hop, t_a * hop - p, t_b - t_a)))
        if t_b < count:
            tail = self._pad(y[..., geometry.frame_start(t_b) :], (0, p), pad_mode)
            self.segments.append((t_b, _frames_view(tail, n_fft, hop, 0, count - t_b)))

    @staticmethod
    def _pad(y: np.ndarray, widths: tuple[int, int], pad_mode: Any) -> np.ndarray:
        return np.pad(y, [(0, 0)] * (y.ndim - 1) + [widths], mode=pad_mode)

    def fill(self, start: int, stop: int, window: np.ndarray, out: np.ndarray) -> None:
        """``out[..., t - start, :] = frame t * window`` for ``start <= t < stop``."""
        for first, frames in self.segments:
            lo, hi = max(start, first), min(stop, first + frames.shape[-2])
            if lo < hi:
                np.multiply(
                    frames[..., lo - first : hi - first, :],
                    window,
                    out=out[..., lo - start : hi - start, :],
                    casting="same_kind",
                )

    def all_frames(self) -> np.ndarray:
        """Every frame, ``(..., n_frames, n_fft)`` (a copy; for teaching and tests)."""
        return np.concatenate([frames for _, frames in self.segments], axis=-2)

    def __repr__(self) -> str:
        spans: list[Any] = [(first, first + f.shape[-2]) for first, f in self.segments]
        return f"FrameSource(count={self.count}, segments={spans})"
