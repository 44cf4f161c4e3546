"""Frames of the centre-padded signal without padding the whole signal, and the FFT back end.

With ``center=True`` frame ``t`` covers samples ``[t*hop - p, t*hop - p + n_fft)`` of ``y``,
``p = n_fft // 2``, the samples outside ``[0, n)`` coming from the padding. Only the first and
last few frames overhang the signal: :class:`FrameSource` builds those from a padded copy of
each end (``np.pad`` modes allowed by :data:`dsp._validation.PAD_MODES` depend only on the
samples near the edge) and takes every other frame as a view of ``y`` itself, as librosa 0.11
does. Memory: two pieces of about ``2 * n_fft`` samples instead of a copy of the signal.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

__all__ = [
    "FrameSource", "scipy_fft", "rfft_for", "fft_window", "SCIPY_MIN_SAMPLES", "SCIPY_PRECISIONS",
]

#: Windowed samples from which ``scipy.fft`` is used (when installed) instead of NumPy's FFT,
#: for the precisions in SCIPY_PRECISIONS. Importing it costs about 27 MiB and tens of
#: milliseconds, paid back only on long signals and only where it is faster: its float32 FFT
#: is 10-30% faster than NumPy's here, its float64 FFT no faster (and bit-identical: tests set
#: SCIPY_PRECISIONS to check), ``benchmarks/RESULTS.md``.
SCIPY_MIN_SAMPLES = 1 << 24
SCIPY_PRECISIONS = ("float32",)

_SCIPY: list[ModuleType | None] = []
_NUMPY_2 = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


def scipy_fft(precision: str, work: int) -> ModuleType | None:
    """``scipy.fft`` if installed, ``work >= SCIPY_MIN_SAMPLES`` and ``precision`` is listed."""
    if work < SCIPY_MIN_SAMPLES or precision not in SCIPY_PRECISIONS:
        return None
    if not _SCIPY:
        found = importlib.util.find_spec("scipy") is not None
        _SCIPY.append(importlib.import_module("scipy.fft") if found else None)
    return _SCIPY[0]


def rfft_for(precision: str, work: int) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """``rfft(x, out)`` along the last axis for ``precision``, writing ``out`` when it can.

    float64: NumPy's double-precision FFT. float32: SciPy's single-precision FFT for large
    ``work`` when installed (:func:`scipy_fft`), else NumPy's: NumPy 2 computes float32 input in
    single precision only with ``norm="forward"``, so :func:`fft_window` folds the ``n_fft``
    scale into the window.
    """
    sfft = scipy_fft(precision, work)
    if sfft is not None:
        return lambda x, out: sfft.rfft(x, axis=-1, overwrite_x=True)
    norm = "forward" if precision == "float32" else None
    if _NUMPY_2:
        return lambda x, out: np.fft.rfft(x, axis=-1, norm=norm, out=out)
    return lambda x, out: np.fft.rfft(x, axis=-1, norm=norm)  # NumPy 1: no ``out``


def fft_window(window: np.ndarray, precision: str, work: int) -> np.ndarray:
    """The window as :func:`rfft_for` needs it: float64 as is; float32, scaled for NumPy."""
    if precision == "float64":
        return window
    scale = 1 if scipy_fft(precision, work) is not None else window.shape[-1]
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
    n_fft, hop_length, center, pad_mode
        As :func:`dsp.stft`.

    Attributes
    ----------
    count : int
        The number of frames (eq. F2).
    segments : list of (int, np.ndarray)
        ``(first frame, frames (..., k, n_fft))``: the padded head, the interior (a view of
        ``y``) and the padded tail, each possibly absent.
    """

    def __init__(
        self, y: np.ndarray, *, n_fft: int, hop_length: int, center: bool, pad_mode: str
    ) -> None:
        n, hop = y.shape[-1], hop_length
        p = n_fft // 2 if center else 0
        self.count = count = 1 + (n + 2 * p - n_fft) // hop
        if not center:
            self.segments = [(0, _frames_view(y, n_fft, hop, 0, count))]
            return
        # Frames [t_a, t_b) lie inside y: t*hop - p >= 0 and t*hop - p + n_fft <= n. The pieces
        # and their one-sided padding are librosa's (its reflection of a piece shorter than
        # p + 1 samples differs from that of the whole signal; bit-identity keeps it).
        t_a, t_b = -(-p // hop), (n + p - n_fft) // hop + 1
        if t_b <= t_a:  # no interior frame: a short signal, pad it all
            padded = self._pad(y, (p, p), pad_mode)
            self.segments = [(0, _frames_view(padded, n_fft, hop, 0, count))]
            return
        self.segments = []
        if t_a > 0:
            head = self._pad(y[..., :(t_a - 1) * hop - p + n_fft + 1], (p, 0), pad_mode)
            self.segments.append((0, _frames_view(head, n_fft, hop, 0, t_a)))
        self.segments.append((t_a, _frames_view(y, n_fft, hop, t_a * hop - p, t_b - t_a)))
        if t_b < count:
            tail = self._pad(y[..., t_b * hop - p:], (0, p), pad_mode)
            self.segments.append((t_b, _frames_view(tail, n_fft, hop, 0, count - t_b)))

    @staticmethod
    def _pad(y: np.ndarray, widths: tuple[int, int], pad_mode: str) -> np.ndarray:
        return np.pad(y, [(0, 0)] * (y.ndim - 1) + [widths], mode=pad_mode)

    def fill(self, start: int, stop: int, window: np.ndarray, out: np.ndarray) -> None:
        """``out[..., t - start, :] = frame t * window`` for ``start <= t < stop``."""
        for first, frames in self.segments:
            lo, hi = max(start, first), min(stop, first + frames.shape[-2])
            if lo < hi:
                np.multiply(
                    frames[..., lo - first:hi - first, :], window,
                    out=out[..., lo - start:hi - start, :], casting="same_kind",
                )

    def all_frames(self) -> np.ndarray:
        """Every frame, ``(..., n_frames, n_fft)`` (a copy; for teaching and tests)."""
        return np.concatenate([frames for _, frames in self.segments], axis=-2)

    def __repr__(self) -> str:
        spans: list[Any] = [(first, first + f.shape[-2]) for first, f in self.segments]
        return f"FrameSource(count={self.count}, segments={spans})"
