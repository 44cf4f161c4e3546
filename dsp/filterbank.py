"""The triangular mel filterbank: a matrix that turns a linear spectrum into mel bands.

Each of the ``n_mels`` filters is a triangle over the FFT bins, rising from the band's lower
edge to its centre and falling to its upper edge; edges are equally spaced on the mel scale, so
the triangles widen with frequency (``docs/conventions.md``, filterbank and filter norms).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ._memory import check_memory
from ._validation import check_bool, check_positive_int, check_real_number, check_sr, warn
from .errors import ParameterError
from .mel import mel_frequencies
from .spectrum import fft_frequencies

__all__ = ["mel_filterbank"]

#: Filters computed at once: the float64 temporaries of a block stay under a MiB at n_fft=2048
#: (they are most of a fresh process's first melspectrogram, benchmarks' start-up row), so the
#: peak memory is the matrix itself (librosa's needs about three times the float64 matrix).
_ROWS = 32


def _check_norm(norm: Any) -> Any:
    if norm is None or (isinstance(norm, str) and norm == "slaney"):
        return norm
    if isinstance(norm, numbers.Real) and not isinstance(norm, bool):
        if float(norm) > 0:  # includes np.inf: the peak is 1
            return float(norm)
    raise ParameterError(f"norm={norm!r} must be 'slaney', None, or a number p > 0 (Lp norm)")


def _lp_lengths(weights: np.ndarray, p: float) -> np.ndarray:
    """Each row's Lp norm ``(sum |w|^p)^(1/p)`` (float64, ``(n_mels, 1)``), 1 for empty rows.

    Computed as ``librosa.util.normalize`` does wherever that is exact. Where it is not (a
    tiny ``p`` makes ``sum ** (1/p)`` overflow; a huge ``p`` makes every ``|w|^p`` underflow),
    as ``peak * (sum (|w| / peak)^p)^(1/p)``, whose sum lies in ``[1, n_bins]``. A ``p`` so
    small that the normalised filter would underflow ``dtype`` is refused.
    """
    tiny = np.finfo(weights.dtype).tiny
    magnitude = np.abs(weights).astype(np.float64)
    peak = magnitude.max(axis=-1, keepdims=True)
    if np.isinf(p):
        return np.where(peak < tiny, 1.0, peak)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        total = np.sum(magnitude**p, axis=-1, keepdims=True)
        length = total ** (1.0 / p)
        growth = np.log10(length) - np.log10(peak)  # log10 of (Lp norm / peak), >= 0
    unstable = ((total < np.finfo(np.float64).tiny) | ~np.isfinite(length)) & (peak > 0)
    if unstable.any():
        rows = unstable[:, 0]
        with np.errstate(under="ignore"):
            scaled = np.sum((magnitude[rows] / peak[rows]) ** p, axis=-1, keepdims=True)
        growth[rows] = np.log10(scaled) / p  # the sum is in [1, n_bins]: finite, >= 0
        with np.errstate(over="ignore"):
            length[rows] = peak[rows] * 10.0 ** growth[rows]
    empty = length < tiny  # all-zero rows stay as they are, as librosa's
    underflows = ~empty & (growth > -np.log10(tiny))
    if underflows.any():
        raise ParameterError(
            f"norm={p} is too small: a filter's L{p} norm is 10^{growth[underflows].max():.3g} "
            f"times its peak, so the normalised filter underflows {weights.dtype}; use a larger "
            "p (p >= 1 is a norm)"
        )
    length[empty] = 1.0
    return length


def mel_filterbank(
    *,
    sr: float,
    n_fft: int,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: float | None = None,
    htk: bool = False,
    norm: Any = "slaney",
    dtype: Any = np.float32,
) -> np.ndarray:
    """Build the mel filterbank matrix that maps FFT bins to mel bands.

    Parameters
    ----------
    sr : float > 0
        Sample rate of the audio, Hz.
    n_fft : int > 0
        FFT length; the matrix has ``1 + n_fft // 2`` columns.
    n_mels : int > 0
        Number of mel bands (rows).
    fmin : float >= 0
        Lower edge of the lowest band, Hz.
    fmax : float <= sr / 2, or None
        Upper edge of the highest band, Hz; None means ``sr / 2``.
    htk : bool
        Use the HTK mel scale instead of Slaney's.
    norm : {"slaney", None} or float > 0
        ``"slaney"``: scale each triangle to unit area (``2 / (f2 - f0)``); ``None``: peak 1;
        a number ``p``: unit Lp norm per row (``np.inf``: unit maximum).
    dtype : np.dtype
        Floating-point type of the matrix (float32 by default, as librosa).

    Returns
    -------
    mel_basis : np.ndarray [shape=(n_mels, 1 + n_fft // 2), dtype=dtype]

    Raises
    ------
    ParameterError
        For a bad ``sr``, ``n_fft``, ``n_mels``, ``norm`` or ``dtype``, ``fmin < 0``,
        ``fmin >= fmax``, ``fmax > sr / 2``, a range so narrow that band edges coincide
        (librosa returns NaN filters there) or that Slaney's weights overflow ``dtype`` (a
        tiny ``sr``: librosa returns inf), or a ``norm=p`` so small that the normalised
        filters underflow ``dtype`` (their Lp norm is ``n ** (1/p)`` times their peak).

    Warns
    -----
    DspWarning
        When some filters are all zero (too many bands for the FFT resolution), with their count.

    Notes
    -----
    Band edges ``f_0 < ... < f_{n_mels+1}`` are ``mel_frequencies(n_mels + 2, fmin, fmax)``;
    filter ``i`` over bin frequency ``f`` (eq. B1, computed in float64)::

        w_i(f) = max(0, min((f - f_i) / (f_{i+1} - f_i), (f_{i+2} - f) / (f_{i+2} - f_{i+1})))

    The weights are cast to ``dtype`` *before* normalising (eq. B2, Slaney:
    ``w_i *= 2 / (f_{i+2} - f_i)``). An Lp norm is computed as librosa's
    ``(sum_f w_i(f)^p)^(1/p)`` wherever that is finite, and as
    ``max(w_i) (sum_f (w_i(f) / max(w_i))^p)^(1/p)`` where it is not (a tiny or a huge ``p``).

    librosa equivalent: ``librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin,
    fmax=fmax, htk=htk, norm=norm, dtype=dtype)`` (identical).

    Examples
    --------
    >>> basis = mel_filterbank(sr=16000, n_fft=512, n_mels=40)
    >>> basis.shape, basis.dtype
    ((40, 257), dtype('float32'))
    >>> bool((basis >= 0).all())
    True
    """
    sr = check_sr(sr)
    n_fft = check_positive_int("n_fft", n_fft)
    n_mels = check_positive_int("n_mels", n_mels)
    htk = check_bool("htk", htk)
    fmin = check_real_number("fmin", fmin, nonnegative=True)
    nyquist = float(sr) / 2
    fmax = nyquist if fmax is None else check_real_number("fmax", fmax)
    if fmax > nyquist:
        raise ParameterError(f"fmax={fmax} must not exceed sr / 2 = {nyquist}")
    if fmin >= fmax:
        raise ParameterError(f"fmin={fmin} must be below fmax={fmax}")
    norm = _check_norm(norm)
    try:
        dtype = np.dtype(dtype)
    except (TypeError, ValueError, SyntaxError):  # np.dtype("01") parses "01" as Python
        raise ParameterError(f"dtype={dtype!r} is not a NumPy dtype") from None
    if dtype.kind != "f":
        raise ParameterError(f"dtype={dtype} must be a floating-point type")

    n_bins = 1 + n_fft // 2
    check_memory(
        f"n_mels={n_mels} with n_fft={n_fft}",
        float(n_mels) * n_bins * dtype.itemsize + _ROWS * n_bins * 8.0 * 3,
    )
    bin_hz = fft_frequencies(sr=sr, n_fft=n_fft)  # (n_bins,)
    edges = mel_frequencies(n_mels + 2, fmin=fmin, fmax=fmax, htk=htk)  # (n_mels + 2,)
    widths = np.diff(edges)
    if not (widths > 0).all():  # only when fmax - fmin is at the limit of float resolution
        raise ParameterError(
            f"fmin={fmin} and fmax={fmax} are too close for n_mels={n_mels}: band edges "
            "coincide (a triangle of zero width would divide by zero)"
        )
    weights = np.empty((n_mels, n_bins), dtype=dtype)
    for a in range(0, n_mels, _ROWS):  # in row blocks: float64 temporaries stay small
        b = min(a + _ROWS, n_mels)
        # -(f_i - f) rather than (f - f_i): the same values, and librosa's -0.0 where f = f_i
        # (the sign of that zero changes pinv(weights) in the last bit: mel_to_stft's parity)
        rising = -(edges[a:b, None] - bin_hz) / widths[a:b, None]  # 0 at f_i, 1 at f_{i+1}
        falling = (edges[a + 2 : b + 2, None] - bin_hz) / widths[a + 1 : b + 1, None]  # 1 .. 0
        weights[a:b] = np.maximum(0, np.minimum(rising, falling))

    if norm == "slaney":
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            area = 2.0 / (edges[2:] - edges[:-2])
            weights *= area[:, None]
        if not np.isfinite(weights).all():
            raise ParameterError(
                f"sr={sr}, fmin={fmin}, fmax={fmax}: the bands are so narrow that Slaney's "
                f"unit-area weights 2 / (f[i+2] - f[i]) (up to {area.max():.3g} per Hz) overflow "
                f"{dtype}; use a larger sr or a wider fmin..fmax, or norm=None"
            )
    elif norm is not None:
        weights = (weights / _lp_lengths(weights, norm)).astype(dtype)

    empty = int(np.count_nonzero(weights.max(axis=1) <= 0))
    if empty:
        warn(
            f"{empty} of n_mels={n_mels} mel filters are all zero (no FFT bin falls inside "
            f"them): use fewer mels, a larger n_fft, or a wider fmin..fmax"
        )
    return weights
