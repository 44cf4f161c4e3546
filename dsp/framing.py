"""Framing: cutting a signal into overlapping frames, and where each frame lies in time.

A frame is a short stretch of ``n_fft`` samples; consecutive frames start ``hop_length``
samples apart. With ``center=True`` the signal is first padded by ``n_fft // 2`` samples at
each end, so that frame ``t`` is centred on sample ``t * hop_length``. :class:`FrameGeometry`
owns this arithmetic once (frame count, where each frame starts, which frames touch the
padding, sample <-> frame maps, look-ahead for streaming); :func:`n_frames`, :func:`dsp.stft`
and the engine use it. The time-axis conversions (``frames_to_time`` and the rest, defined in
:mod:`dsp.timeaxis`) are importable from here too. Conventions: ``docs/conventions.md``
(centre padding, frame count, frame geometry, frame times).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._memory import check_memory
from ._validation import check_array, check_bool, check_pad_mode, check_positive_int
from .errors import ParameterError
from .timeaxis import (  # the public conversions live there; re-exported as framing's
    _frames_to_samples,
    _samples_to_frames,
    frames_to_samples,
    frames_to_time,
    samples_to_frames,
    samples_to_time,
    time_to_frames,
    time_to_samples,
)

__all__ = [
    "FrameGeometry",
    "frame",
    "n_frames",
    "pad_center",
    "center_pad",
    "frames_to_samples",
    "samples_to_frames",
    "frames_to_time",
    "time_to_frames",
    "samples_to_time",
    "time_to_samples",
]


@dataclass(frozen=True)
class FrameGeometry:
    """Where the frames of an STFT lie: the arithmetic of framing, defined once.

    Parameters
    ----------
    n_fft : int > 0
        Frame length.
    hop_length : int > 0
        Samples between the starts of consecutive frames.
    center : bool
        Pad ``n_fft // 2`` samples at both ends first (frame ``t`` centred on ``t * hop``).

    Notes
    -----
    With ``p = pad`` (``n_fft // 2`` centred, else 0), frame ``t`` covers samples
    ``[t*hop - p, t*hop - p + n_fft)`` of the unpadded signal (eq. F2 in
    ``docs/conventions.md``); indices outside ``[0, n)`` come from the padding.

    Examples
    --------
    >>> g = FrameGeometry(n_fft=2048, hop_length=512)
    >>> g.pad, g.n_frames(22050), g.frame_start(3), g.head_frames, g.first_tail_frame(22050)
    (1024, 44, 512, 2, 42)
    >>> g.frames_complete(4096)  # frames computable from the first 4096 samples
    7
    """

    n_fft: int
    hop_length: int
    center: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "n_fft", check_positive_int("n_fft", self.n_fft))
        object.__setattr__(self, "hop_length", check_positive_int("hop_length", self.hop_length))
        object.__setattr__(self, "center", check_bool("center", self.center))

    @property
    def pad(self) -> int:
        """Samples of padding at each end: ``n_fft // 2`` when centred, else 0."""
        return self.n_fft // 2 if self.center else 0

    @property
    def lookahead(self) -> int:
        """Samples past a frame's nominal position ``t * hop`` it needs: ``n_fft - pad``."""
        return self.n_fft - self.pad

    @property
    def head_frames(self) -> int:
        """Frames that start in the left padding: ``ceil(pad / hop)`` (the first without it)."""
        return -(-self.pad // self.hop_length)

    def n_frames(self, n_samples: int) -> int:
        """Frames for ``n_samples`` samples: ``1 + (n + 2 * pad - n_fft) // hop`` (eq. F2).

        Raises ``ParameterError`` if the (padded) signal is shorter than one frame, which
        happens only with ``center=False``.
        """
        n = check_positive_int("n_samples", n_samples)
        if n + 2 * self.pad < self.n_fft:
            raise ParameterError(
                f"n_fft={self.n_fft} is larger than the signal (length {n}) and center=False; "
                "use center=True or a smaller n_fft"
            )
        return 1 + (n + 2 * self.pad - self.n_fft) // self.hop_length

    def frame_start(self, t: Any) -> Any:
        """First sample of frame ``t`` in the unpadded signal: ``t * hop - pad`` (may be < 0)."""
        return (
            np.asarray(t) * self.hop_length - self.pad
            if np.ndim(t)
            else (int(t) * self.hop_length - self.pad)
        )

    def first_tail_frame(self, n_samples: int) -> int:
        """The first frame that reaches past sample ``n - 1`` (needs right padding).

        ``max(0, (n + pad - n_fft) // hop + 1)``; equal to :meth:`n_frames` when no frame
        needs right padding (always so for ``center=False``).
        """
        return max(0, (int(n_samples) + self.pad - self.n_fft) // self.hop_length + 1)

    def frames_complete(self, n_known: int) -> int:
        """Frames whose samples all lie within the first ``n_known`` samples.

        For streaming: the end of the signal is not yet known, so a frame is complete once its
        last sample, ``t * hop - pad + n_fft - 1``, has arrived:
        ``max(0, (n_known + pad - n_fft) // hop + 1)``. The left padding is known from the
        start; the frames that need right padding are known only once the signal ends.
        """
        return self.first_tail_frame(n_known)

    def frames_to_samples(self, frames: Any) -> Any:
        """The centre sample of each frame: ``t * hop - pad + n_fft // 2``.

        ``t * hop`` when centred; ``t * hop + n_fft // 2`` when not (librosa's ``n_fft``
        argument of :func:`frames_to_samples`).
        """
        return _frames_to_samples(frames, self.hop_length, self.n_fft // 2 - self.pad)

    def samples_to_frames(self, samples: Any) -> Any:
        """The frame whose centre is at or before each sample (inverse of the above)."""
        return _samples_to_frames(samples, self.hop_length, self.n_fft // 2 - self.pad)


def n_frames(n_samples: int, *, n_fft: int, hop_length: int, center: bool = True) -> int:
    """The number of STFT frames for a signal of ``n_samples`` samples.

    Parameters
    ----------
    n_samples : int > 0
        Length of the signal along time.
    n_fft : int > 0
        Frame length.
    hop_length : int > 0
        Hop between frames.
    center : bool
        Whether the signal is centre-padded by ``n_fft // 2`` on both sides first.

    Returns
    -------
    int
        ``1 + (n_samples + 2 * pad - n_fft) // hop_length``, ``pad = n_fft // 2`` when centred
        and 0 when not (eq. F2 in ``docs/conventions.md``).

    Raises
    ------
    ParameterError
        If ``center=False`` and the signal is shorter than ``n_fft``.

    Notes
    -----
    For even ``n_fft`` the centred count is ``1 + n_samples // hop_length``. For odd ``n_fft``
    the padding ``2 * (n_fft // 2)`` is one sample short of ``n_fft``, and the count is
    ``1 + (n_samples - 1) // hop_length``: one frame fewer when ``hop_length`` divides
    ``n_samples``. Same as ``FrameGeometry(n_fft, hop_length, center).n_frames(n_samples)``.

    librosa equivalent: ``librosa.stft(y, ...).shape[-1]``.

    Examples
    --------
    >>> n_frames(22050 * 20, n_fft=2048, hop_length=512)
    862
    >>> n_frames(4096, n_fft=2048, hop_length=512, center=False)
    5
    >>> n_frames(5000, n_fft=511, hop_length=100), n_frames(5000, n_fft=512, hop_length=100)
    (50, 51)
    """
    geometry = FrameGeometry(n_fft=n_fft, hop_length=hop_length, center=center)
    return geometry.n_frames(n_samples)


def frame(x: np.ndarray, *, frame_length: int, hop_length: int, axis: int = -1) -> np.ndarray:
    """Slice an array into overlapping frames, as a read-only strided view.

    Parameters
    ----------
    x : np.ndarray [shape=(..., n, ...)]
        The signal; it is framed along ``axis``.
    frame_length : int > 0
        Samples per frame.
    hop_length : int > 0
        Samples between the starts of consecutive frames.
    axis : int
        The axis to frame, any axis of ``x``.

    Returns
    -------
    frames : np.ndarray
        A view of ``x``. For ``axis >= 0`` the framed axis becomes two, ``(n_frames,
        frame_length)``, at positions ``axis, axis + 1``; for ``axis < 0`` it becomes
        ``(frame_length, n_frames)`` at positions ``axis - 1, axis``: ``axis=-1`` gives
        ``(..., frame_length, n_frames)`` and ``axis=0`` gives ``(n_frames, frame_length, ...)``.

    Raises
    ------
    ParameterError
        If ``frame_length`` or ``hop_length`` is not a positive integer, ``axis`` is not an
        axis of ``x``, or ``x`` is shorter than one frame along ``axis``.

    Notes
    -----
    Frame ``t`` holds ``x[t*hop_length : t*hop_length + frame_length]`` and there are
    ``n_frames = 1 + (n - frame_length) // hop_length`` of them (eq. F1 in
    ``docs/conventions.md``); trailing samples that do not fill a frame are dropped.

    librosa equivalent: ``librosa.util.frame(x, frame_length=..., hop_length=..., axis=...)``
    (the same layout for every axis).

    Examples
    --------
    >>> import numpy as np
    >>> frames = frame(np.arange(10.0), frame_length=4, hop_length=3)
    >>> frames.shape
    (4, 3)
    >>> frames[:, 1]
    array([3., 4., 5., 6.])
    >>> frame(np.zeros((2, 10, 3)), frame_length=4, hop_length=3, axis=1).shape
    (2, 3, 4, 3)
    """
    frame_length = check_positive_int("frame_length", frame_length)
    hop_length = check_positive_int("hop_length", hop_length)
    x = check_array("x", x)  # ragged lists and masked arrays: ParameterError
    if x.ndim == 0:
        raise ParameterError("x must have at least one dimension, got a scalar")
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise ParameterError(f"axis={axis!r} must be an integer")
    if not -x.ndim <= axis < x.ndim:
        raise ParameterError(f"axis={axis} is not an axis of x (x.ndim={x.ndim})")
    axis = int(axis)
    n = x.shape[axis]
    if n < frame_length:
        raise ParameterError(f"input is too short (n={n}) for frame_length={frame_length}")
    # sliding_window_view adds the in-frame axis last: (..., n - L + 1, ..., L). librosa moves
    # it next to the framed axis (after it for axis >= 0, before it for axis < 0), then keeps
    # every hop-th start.
    windows = np.lib.stride_tricks.sliding_window_view(x, frame_length, axis=axis)
    windows = np.moveaxis(windows, -1, axis + 1 if axis >= 0 else axis - 1)
    starts = [slice(None)] * windows.ndim
    starts[axis] = slice(None, None, hop_length)
    return windows[tuple(starts)]


def center_pad(y: np.ndarray, *, n_fft: int, pad_mode: Any = "constant") -> np.ndarray:
    """Pad the last axis by ``n_fft // 2`` samples on both sides, as ``stft(center=True)`` does.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)]
        The signal.
    n_fft : int > 0
        Frame length; ``n_fft // 2`` samples are added at each end.
    pad_mode : str
        An ``np.pad`` mode that depends only on the samples near each edge: ``"constant"``
        (zeros), ``"edge"``, ``"linear_ramp"``, ``"reflect"`` or ``"symmetric"``.

    Returns
    -------
    np.ndarray [shape=(..., n + 2 * (n_fft // 2))]

    Raises
    ------
    ParameterError
        For an unsupported ``pad_mode``, or a padded signal too large for memory.

    Notes
    -----
    Frame ``t`` of the padded signal is then centred on sample ``t * hop_length`` of the
    original (``docs/conventions.md``, centre padding; :attr:`FrameGeometry.pad`).

    librosa equivalent: the padding inside ``librosa.stft(y, center=True, pad_mode=...)``.

    Examples
    --------
    >>> import numpy as np
    >>> center_pad(np.array([1.0, 2.0, 3.0]), n_fft=4, pad_mode="reflect")
    array([3., 2., 1., 2., 3., 2., 1.])
    """
    pad = FrameGeometry(n_fft=n_fft, hop_length=1).pad
    pad_mode = check_pad_mode(pad_mode)
    y = check_array("y", y)
    if y.ndim == 0:
        raise ParameterError(f"y must have at least one dimension, got {y!r}")
    channels = int(np.prod(y.shape[:-1], dtype=np.float64))
    check_memory(f"n_fft={n_fft}", channels * (y.shape[-1] + 2.0 * pad) * y.dtype.itemsize)
    return np.pad(y, [(0, 0)] * (y.ndim - 1) + [(pad, pad)], mode=pad_mode)


def pad_center(data: np.ndarray, *, size: int, axis: int = -1, **kwargs: Any) -> np.ndarray:
    """Pad ``data`` with zeros (by default) on both sides of ``axis`` to length ``size``.

    Used to centre a window of ``win_length`` samples inside an ``n_fft``-sample frame.

    Parameters
    ----------
    data : np.ndarray
        The array to pad.
    size : int >= data.shape[axis]
        The length after padding.
    axis : int
        The axis to pad.
    **kwargs
        Passed to ``np.pad`` (default ``mode="constant"``).

    Returns
    -------
    np.ndarray
        ``data`` with ``(size - n) // 2`` values before and the rest (one more when the
        difference is odd) after it along ``axis``.

    Raises
    ------
    ParameterError
        If ``size`` is smaller than ``data.shape[axis]``.

    Notes
    -----
    The odd sample goes on the right (``docs/conventions.md``, short windows).

    librosa equivalent: ``librosa.util.pad_center(data, size=size, axis=axis)``.

    Examples
    --------
    >>> import numpy as np
    >>> pad_center(np.ones(3), size=6)
    array([0., 1., 1., 1., 0., 0.])
    """
    kwargs.setdefault("mode", "constant")
    data = check_array("data", data)
    if (
        isinstance(axis, bool)
        or not isinstance(axis, (int, np.integer))
        or not (-data.ndim <= axis < data.ndim)
    ):
        raise ParameterError(f"axis={axis!r} is not an axis of data (shape {data.shape})")
    n = data.shape[axis]
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < n:
        raise ParameterError(f"size={size!r} must be an integer >= data.shape[{axis}]={n}")
    check_memory(f"size={size}", data.size // max(n, 1) * float(size) * data.dtype.itemsize)
    size = int(size)  # np.uint8(255) - n stays uint8, which np.pad refuses
    lpad = (size - n) // 2
    pad = [(0, 0)] * data.ndim
    pad[axis] = (lpad, size - n - lpad)
    return np.pad(data, pad, **kwargs)
