"""Delta features: a local estimate of the time derivative of a feature sequence.

A delta is the slope of the best straight line (for ``order=1``; the best polynomial of degree
``order`` in general) through the ``width`` frames around each frame: a Savitzky-Golay
derivative filter. Appending deltas (and delta-deltas) to MFCCs tells a classifier how the
spectrum is moving, not only where it is (``docs/mfcc.md``).
"""

from __future__ import annotations

import math
import numbers
from typing import Literal

import numpy as np

from ._validation import check_positive_int, check_real_array
from .errors import ParameterError

__all__ = ["delta", "savgol_weights", "DeltaMode"]

DeltaMode = Literal["interp", "mirror", "constant", "nearest", "wrap"]

#: How each mode extends the data beyond its ends (``np.pad`` modes): "mirror" reflects about
#: the end sample (d c b | a b c d), "nearest" repeats it, "wrap" is periodic, "constant" zeros.
_PAD = {"mirror": "reflect", "nearest": "edge", "wrap": "wrap", "constant": "constant"}
MODES = ("interp", *_PAD)


def savgol_weights(width: int, order: int) -> np.ndarray:
    """The Savitzky-Golay weights of the ``order``-th derivative at the window's centre.

    Parameters
    ----------
    width : odd int >= 3
        Window length ``2h + 1``.
    order : int, 0 < order < width
        Derivative order (also the degree of the fitted polynomial).

    Returns
    -------
    w : np.ndarray [shape=(width,), float64]
        ``w[h + j]`` multiplies the sample ``j`` frames away (``j = -h .. h``).

    Notes
    -----
    Fit ``p(j) = sum_{i=0}^{d} c_i j^i`` to samples ``x[t + j]``, ``j = -h .. h``, by least
    squares: ``c = pinv(V) x`` with the Vandermonde matrix ``V[j, i] = j^i``. Its ``d``-th
    derivative is the constant ``d! c_d``, so the weights are row ``d`` of ``pinv(V)`` times
    ``d!``: the minimum-norm solution ``w`` of ``V^T w = d! e_d`` (eq. X6). For ``d = 1`` that
    is the classic delta ``w_j = j / sum_j j^2``.

    Examples
    --------
    >>> savgol_weights(5, 1) * 10  # j / (1 + 4 + 1 + 4) for j = -2 .. 2
    array([-2., -1.,  0.,  1.,  2.])
    """
    half = width // 2
    # Positions listed from +h down to -h (then the weights reversed): the order scipy's
    # savgol_coeffs solves in, so the least-squares solution rounds identically.
    positions = np.arange(-half, half + 1, dtype=np.float64)[::-1]
    vandermonde_t = positions ** np.arange(order + 1, dtype=np.float64)[:, None]
    target = np.zeros(order + 1)
    target[order] = float(math.factorial(order))
    rcond = np.finfo(np.float64).eps * width
    weights = np.linalg.lstsq(vandermonde_t, target, rcond=rcond)[0]
    return np.ascontiguousarray(weights[::-1])


def _correlate(padded: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """``out[t] = sum_j w[h + j] padded[h + t + j]`` along the last axis, in float64.

    Summed in the order of ``scipy.ndimage``'s 1-D correlation, so that the rounding is the
    same: for (anti)symmetric weights the centre tap first, then the pairs ``j = -h .. -1``
    combined before weighting; otherwise the tap ``+h`` first, then ``j = -h .. h - 1``.
    """
    half = weights.size // 2
    eps = np.finfo(np.float64).eps
    symmetric = bool(np.all(np.abs(weights - weights[::-1]) <= eps))
    antisymmetric = bool(np.all(np.abs(weights + weights[::-1]) <= eps))

    def tap(j: int) -> np.ndarray:
        return padded[..., half + j : half + j + n]

    if symmetric or antisymmetric:
        out = tap(0) * weights[half]
        for j in range(-half, 0):
            pair = tap(j) + tap(-j) if symmetric else tap(j) - tap(-j)
            out += pair * weights[half + j]
        return out
    out = tap(half) * weights[-1]
    for j in range(-half, half):
        out += tap(j) * weights[half + j]
    return out


def _fit_edges(x: np.ndarray, out: np.ndarray, width: int, order: int) -> None:
    """``mode="interp"``: the first and last ``width // 2`` outputs become the derivative of the
    polynomial fitted to the first (last) ``width`` samples, in place.

    The fit has degree ``order``, so its ``order``-th derivative is the constant ``order!``
    times its top coefficient, the same at every edge position.
    """
    half, n = width // 2, x.shape[-1]
    for window, edge in (
        (slice(0, width), slice(0, half)),
        (slice(n - width, n), slice(n - half, n)),
    ):
        samples = x[..., window].reshape(-1, width).T  # (width, columns)
        top = np.polyfit(np.arange(width), samples, order)[0]
        for factor in range(order, 0, -1):  # d! applied factor by factor
            top = top * factor
        out[..., edge] = top.reshape(out.shape[:-1] + (1,))


def delta(
    data: np.ndarray,
    *,
    width: int = 9,
    order: int = 1,
    axis: int = -1,
    mode: DeltaMode = "interp",
) -> np.ndarray:
    """Delta features: the local Savitzky-Golay estimate of the derivative along ``axis``.

    Parameters
    ----------
    data : np.ndarray [shape=(..., n)]
        A feature sequence, e.g. MFCCs ``(..., n_mfcc, n_frames)``.
    width : odd int >= 3
        Frames in the fitting window (``width // 2`` on each side). With ``mode="interp"`` it
        must not exceed ``data.shape[axis]``.
    order : int > 0, < width
        Derivative order: 1 for deltas, 2 for delta-deltas.
    axis : int
        The axis to differentiate along (time).
    mode : {"interp", "mirror", "constant", "nearest", "wrap"}
        The ends: ``"interp"`` fits the polynomial to the first (last) ``width`` frames and
        uses its derivative; the others extend the data (mirrored about the end frame, zeros,
        the end frame repeated, periodically) and filter as in the middle.

    Returns
    -------
    np.ndarray [shape=data.shape]
        float32 for float32 data, float64 otherwise.

    Raises
    ------
    ParameterError
        For an even or small ``width``, a bad ``order``, ``axis`` or ``mode``, non-real or
        empty ``data``, or ``mode="interp"`` with ``width > data.shape[axis]``.

    Notes
    -----
    With ``h = width // 2`` and the weights ``w`` of :func:`savgol_weights` (eq. X6)::

        delta[t] = sum_{j=-h}^{h} w[h + j] x[t + j],   order 1:  w[h + j] = j / sum_j j^2

    the ``order``-th derivative of the least-squares polynomial of degree ``order`` through
    ``x[t - h .. t + h]``. Summed in float64 in ``scipy.ndimage``'s order; the result is
    rounded to the data's precision.

    librosa equivalent: ``librosa.feature.delta(data, width=..., order=..., axis=...,
    mode=...)`` (identical away from the ``"interp"`` edges, which agree to rounding).

    Examples
    --------
    >>> ramp = np.arange(10.0) * 0.5  # slope 0.5 per frame
    >>> delta(ramp, width=3)
    array([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    """
    if not isinstance(width, numbers.Integral) or isinstance(width, bool) or width < 3:
        raise ParameterError(f"width={width!r} must be an odd integer >= 3")
    if width % 2 != 1:
        raise ParameterError(f"width={width!r} must be an odd integer >= 3")
    width = int(width)
    order = check_positive_int("order", order)
    if order >= width:
        raise ParameterError(f"order={order} must be less than width={width}")
    if not isinstance(mode, str) or mode not in MODES:
        raise ParameterError(f"mode={mode!r} must be one of {MODES}")
    x = check_real_array("data", data)
    if x.ndim == 0 or x.size == 0:
        raise ParameterError(f"data must be a non-empty array, got shape={x.shape}")
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise ParameterError(f"axis={axis!r} must be an integer")
    if not -x.ndim <= axis < x.ndim:
        raise ParameterError(f"axis={axis} is out of range for data with {x.ndim} dimensions")
    n = x.shape[axis]
    if mode == "interp" and width > n:
        raise ParameterError(
            f"width={width} exceeds data.shape[{axis}]={n}; with mode='interp' the window "
            "must fit in the data (use a smaller width or another mode)"
        )
    weights = savgol_weights(width, order)
    moved = np.moveaxis(x, axis, -1).astype(np.float64)
    half = width // 2
    pad = [(0, 0)] * (moved.ndim - 1) + [(half, half)]
    padded = np.pad(moved, pad, mode="constant" if mode == "interp" else _PAD[mode])
    out = _correlate(padded, weights, n)
    if mode == "interp":
        _fit_edges(moved, out, width, order)
    return np.ascontiguousarray(np.moveaxis(out, -1, axis), dtype=x.dtype)
