"""Framing: cutting a signal into overlapping frames, and the centre padding before it.

A frame is a short stretch of ``frame_length`` samples; consecutive frames start ``hop_length``
samples apart. Frames are returned as a strided *view* of the signal (no copy), laid out as
librosa does: for the last axis, ``(..., frame_length, n_frames)``.

See ``docs/conventions.md`` (centre padding, frame count) for the conventions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import check_pad_mode, check_positive_int
from .errors import ParameterError

__all__ = ["frame", "pad_center", "center_pad", "n_frames"]


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
        The axis to frame. Only the first (``0``) or last (``-1``) axis, as in librosa.

    Returns
    -------
    frames : np.ndarray
        A view of ``x``. For ``axis=-1`` its shape is ``(..., frame_length, n_frames)``;
        for ``axis=0`` it is ``(n_frames, frame_length, ...)``.

    Raises
    ------
    ParameterError
        If ``frame_length`` or ``hop_length`` is not a positive integer, ``axis`` is neither the
        first nor the last axis, or ``x`` is shorter than one frame along ``axis``.

    Notes
    -----
    Frame ``t`` holds ``x[t*hop_length : t*hop_length + frame_length]`` and there are
    ``n_frames = 1 + (n - frame_length) // hop_length`` of them (eq. F1 in
    ``docs/conventions.md``); trailing samples that do not fill a frame are dropped.

    librosa equivalent: ``librosa.util.frame(x, frame_length=..., hop_length=..., axis=...)``.

    Examples
    --------
    >>> import numpy as np
    >>> frames = frame(np.arange(10.0), frame_length=4, hop_length=3)
    >>> frames.shape
    (4, 3)
    >>> frames[:, 1]
    array([3., 4., 5., 6.])
    """
    frame_length = check_positive_int("frame_length", frame_length)
    hop_length = check_positive_int("hop_length", hop_length)
    x = np.asarray(x)
    if x.ndim == 0:
        raise ParameterError("x must have at least one dimension, got a scalar")
    if axis not in (0, -1, x.ndim - 1):
        raise ParameterError(f"axis={axis!r} must be 0 or -1 (the first or last axis)")
    n = x.shape[axis]
    if n < frame_length:
        raise ParameterError(
            f"input is too short (n={n}) for frame_length={frame_length}"
        )
    # sliding_window_view puts the window as a new last axis: (..., n - L + 1, L).
    windows = np.lib.stride_tricks.sliding_window_view(x, frame_length, axis=axis)
    if axis == 0:
        # (n - L + 1, ..., L) -> every hop-th start -> (n_frames, L, ...)
        return np.moveaxis(windows[::hop_length], -1, 1)
    return np.swapaxes(windows[..., ::hop_length, :], -1, -2)


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
        ``1 + (n_padded - n_fft) // hop_length`` with ``n_padded = n_samples + 2 * (n_fft // 2)``
        when centred, ``n_padded = n_samples`` when not (eq. F2 in ``docs/conventions.md``).

    Raises
    ------
    ParameterError
        If ``center=False`` and the signal is shorter than ``n_fft``.

    Notes
    -----
    For even ``n_fft`` the centred count is ``1 + n_samples // hop_length``. For odd ``n_fft``
    the padding ``2 * (n_fft // 2)`` is one sample short of ``n_fft``, and the count is
    ``1 + (n_samples - 1) // hop_length``: one frame fewer when ``hop_length`` divides
    ``n_samples``.

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
    n_samples = check_positive_int("n_samples", n_samples)
    n_fft = check_positive_int("n_fft", n_fft)
    hop_length = check_positive_int("hop_length", hop_length)
    if center:
        return 1 + (n_samples + 2 * (n_fft // 2) - n_fft) // hop_length
    if n_samples < n_fft:
        raise ParameterError(
            f"n_fft={n_fft} is larger than the signal (length {n_samples}) and center=False; "
            "use center=True or a smaller n_fft"
        )
    return 1 + (n_samples - n_fft) // hop_length


def center_pad(y: np.ndarray, *, n_fft: int, pad_mode: str = "constant") -> np.ndarray:
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
        For an unsupported ``pad_mode``.

    Notes
    -----
    Frame ``t`` of the padded signal is then centred on sample ``t * hop_length`` of the
    original (``docs/conventions.md``, centre padding).

    librosa equivalent: the padding inside ``librosa.stft(y, center=True, pad_mode=...)``.

    Examples
    --------
    >>> import numpy as np
    >>> center_pad(np.array([1.0, 2.0, 3.0]), n_fft=4, pad_mode="reflect")
    array([3., 2., 1., 2., 3., 2., 1.])
    """
    n_fft = check_positive_int("n_fft", n_fft)
    pad_mode = check_pad_mode(pad_mode)
    pad = [(0, 0)] * (y.ndim - 1) + [(n_fft // 2, n_fft // 2)]
    return np.pad(y, pad, mode=pad_mode)


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
    data = np.asarray(data)
    n = data.shape[axis]
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < n:
        raise ParameterError(f"size={size!r} must be an integer >= data.shape[{axis}]={n}")
    lpad = (size - n) // 2
    pad = [(0, 0)] * data.ndim
    pad[axis] = (lpad, size - n - lpad)
    return np.pad(data, pad, **kwargs)
