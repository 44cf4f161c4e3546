"""Window functions, computed from their formulas with NumPy (no scipy at run time).

A window tapers each frame to zero at its ends so that the DFT does not see the jump between
the frame's last and first sample (spectral leakage). STFT windows are *periodic* by default:
the symmetric window of length ``N + 1`` with its last sample dropped (``docs/conventions.md``,
periodic windows).

Names accepted by :func:`get_window` (aliases in brackets): ``hann`` [han, hanning],
``hamming`` [ham, hamm], ``blackman`` [black, blk], ``blackmanharris`` [blackharr, bkh],
``nuttall`` [nut, nutl], ``cosine`` [halfcosine], ``boxcar`` [box, ones, rect, rectangular],
``triang`` [triangle, tri], ``bartlett`` [bart, brt], and the tuples ``("kaiser", beta)``
[ksr] and ``("gaussian", std)`` [gauss, gss].
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._memory import check_memory
from ._validation import check_array, check_bool, check_positive_int, check_real_number
from .errors import ParameterError

__all__ = ["get_window", "WindowSpec"]

#: What :func:`get_window` accepts: a name, a ``(name, parameter)`` tuple, a callable ``f(N)``
#: returning N samples, or the samples themselves.
WindowSpec = str | tuple | Callable[[int], np.ndarray] | np.ndarray | list

# Cosine-sum windows w[n] = sum_k a_k cos(k * x_n), x_n = linspace(-pi, pi, M)  (eq. W1).
_COSINE_SUMS = {
    # Hann and Hamming are "generalised Hamming" windows alpha - (1 - alpha) cos(2 pi n / M);
    # 1 - 0.54 is 0.45999999999999996 in floats, not 0.46, and that is the coefficient used.
    "hann": (0.5, 1.0 - 0.5),
    "hamming": (0.54, 1.0 - 0.54),
    "blackman": (0.42, 0.50, 0.08),
    "blackmanharris": (0.35875, 0.48829, 0.14128, 0.01168),
    "nuttall": (0.3635819, 0.4891775, 0.1365995, 0.0106411),
}

# fmt: off
_ALIASES = {
    "hann": "hann", "han": "hann", "hanning": "hann",
    "hamming": "hamming", "ham": "hamming", "hamm": "hamming",
    "blackman": "blackman", "black": "blackman", "blk": "blackman",
    "blackmanharris": "blackmanharris", "blackharr": "blackmanharris", "bkh": "blackmanharris",
    "nuttall": "nuttall", "nut": "nuttall", "nutl": "nuttall",
    "cosine": "cosine", "halfcosine": "cosine",
    "boxcar": "boxcar", "box": "boxcar", "ones": "boxcar", "rect": "boxcar",
    "rectangular": "boxcar",
    "triang": "triang", "triangle": "triang", "tri": "triang",
    "bartlett": "bartlett", "bart": "bartlett", "brt": "bartlett",
    "kaiser": "kaiser", "ksr": "kaiser",
    "gaussian": "gaussian", "gauss": "gaussian", "gss": "gaussian",
}
# fmt: on
_NEEDS_PARAMETER = {"kaiser": "beta", "gaussian": "std"}


def _cosine_sum(m: int, coefficients: tuple[float, ...]) -> np.ndarray:
    x = np.linspace(-np.pi, np.pi, m)
    w = np.zeros(m)
    for k, a in enumerate(coefficients):
        w += a * np.cos(k * x)
    return w


def _symmetric(name: str, m: int, param: float | None) -> np.ndarray:
    """The symmetric window of length ``m >= 2`` (formulas W1-W6 of docs/conventions.md)."""
    if name in _COSINE_SUMS:
        return _cosine_sum(m, _COSINE_SUMS[name])
    n = np.arange(m)
    if name == "boxcar":
        return np.ones(m)
    if name == "cosine":  # W2: sin(pi (n + 1/2) / M)
        return np.sin(np.pi / m * (n + 0.5))
    if name == "triang":  # W3: 1 - |2n - (M-1)| / (M + M % 2), never zero at the ends
        half = np.arange(1, (m + 1) // 2 + 1)
        if m % 2 == 0:
            rise = (2 * half - 1.0) / m
            return np.concatenate([rise, rise[::-1]])
        rise = 2 * half / (m + 1.0)
        return np.concatenate([rise, rise[-2::-1]])
    if name == "bartlett":  # W4: zero at both ends
        return np.where(n <= (m - 1) / 2.0, 2.0 * n / (m - 1), 2.0 - 2.0 * n / (m - 1))
    assert param is not None  # kaiser and gaussian always come with their parameter
    if name == "kaiser":  # W5: I0(beta sqrt(1 - (2n/(M-1) - 1)^2)) / I0(beta)
        alpha = (m - 1) / 2.0
        x = param * np.sqrt(1 - ((n - alpha) / alpha) ** 2.0)
        if abs(param) <= _I0_DIRECT_LIMIT:
            return np.i0(x) / np.i0(param)
        return np.exp(_log_i0(x) - _log_i0(abs(param)))  # I0(beta) is inf in float64
    # gaussian, W6: exp(-(n - (M-1)/2)^2 / (2 std^2))
    centred = n - (m - 1.0) / 2.0
    sig2 = 2 * param * param
    if sig2 >= np.finfo(np.float64).tiny:
        return np.exp(-(centred**2) / sig2)
    # std below 1e-154: 2 std^2 underflows to 0 and 0/0 is NaN; the same formula, scaled first.
    with np.errstate(over="ignore"):
        return np.exp(-0.5 * (centred / param) ** 2)


#: Up to this |beta|, ``np.i0(beta)`` is finite (it overflows just above 713) and the Kaiser
#: window is the ratio of two I0 values, as scipy computes it.
_I0_DIRECT_LIMIT = 700.0


def _log_i0(x: np.ndarray | float) -> np.ndarray:
    """``log(I0(x))`` for ``x >= 0`` without overflow.

    Below :data:`_I0_DIRECT_LIMIT`, ``log(np.i0(x))``; above it the asymptotic series
    ``I0(x) = e^x / sqrt(2 pi x) (1 + 1/(8x) + 9/(2 (8x)^2) + 225/(6 (8x)^3) + ...)``
    (Abramowitz and Stegun 9.7.1), whose next term is below 1e-15 for x > 700.
    """
    x = np.abs(np.asarray(x, dtype=np.float64))
    small = x <= _I0_DIRECT_LIMIT
    out = np.empty_like(x)
    out[small] = np.log(np.i0(x[small]))
    big = x[~small]
    inv = 0.125 / big  # 1 / (8x), written so that x near 1.8e308 cannot overflow
    series = 1.0 + inv * (1.0 + inv * (9.0 / 2.0 + inv * (225.0 / 6.0 + inv * 11025.0 / 24.0)))
    out[~small] = big - 0.5 * (np.log(2.0 * np.pi) + np.log(big)) + np.log(series)
    return out


def _parse(window: str | tuple) -> tuple[str, float | None]:
    if isinstance(window, tuple):
        if not window or not isinstance(window[0], str):
            raise ParameterError(f"window={window!r} must be a (name, parameter) tuple")
        key, args = window[0], window[1:]
    else:
        key, args = window, ()
    name = _ALIASES.get(key.lower())
    if name is None:
        raise ParameterError(
            f"window={window!r} is not a known window; use one of "
            f"{sorted(set(_ALIASES.values()))}, a callable or an array"
        )
    wanted = _NEEDS_PARAMETER.get(name)
    if wanted is None:
        if args:
            raise ParameterError(f"window={window!r}: {name} takes no parameter")
        return name, None
    if len(args) != 1:
        raise ParameterError(f"window={window!r}: {name} needs exactly one parameter, {wanted}")
    value = check_real_number(f"{name} {wanted}", args[0], positive=(name == "gaussian"))
    return name, value


def get_window(window: WindowSpec, Nx: int, *, fftbins: bool = True) -> np.ndarray:
    """Return a window of ``Nx`` samples, float64.

    Parameters
    ----------
    window : str, tuple, callable or array-like
        A window name (see the module docstring), a ``(name, parameter)`` tuple such as
        ``("kaiser", 8.0)`` or ``("gaussian", 0.4 * Nx)``, a callable ``f(Nx)`` returning the
        samples, or the ``Nx`` samples themselves.
    Nx : int > 0
        Window length.
    fftbins : bool
        True (the default) for the periodic window used by the STFT, False for the
        symmetric one used in filter design.

    Returns
    -------
    np.ndarray [shape=(Nx,), dtype=float64]

    Raises
    ------
    ParameterError
        For an unknown name, a missing or bad parameter, or a callable or array giving the
        wrong number of samples or non-finite values.

    Notes
    -----
    Periodic: ``w_periodic[n] = w_symmetric_{N+1}[n]`` for ``n < N`` (eq. W0). A length-1
    window is ``[1.0]``. Hann is ``0.5 + 0.5 cos(x_n)``, ``x_n`` = ``linspace(-pi, pi, M)``
    (eq. W1); all formulas are in ``docs/conventions.md``.

    librosa equivalent: ``librosa.filters.get_window(window, Nx, fftbins=fftbins)``
    (identical output; kaiser and gaussian within 1e-12, computed with NumPy's own
    ``i0`` and ``exp``).

    Examples
    --------
    >>> get_window("hann", 4)
    array([0. , 0.5, 1. , 0.5])
    >>> get_window("hann", 5, fftbins=False)
    array([0. , 0.5, 1. , 0.5, 0. ])
    """
    Nx = check_positive_int("Nx", Nx)
    fftbins = check_bool("fftbins", fftbins)
    check_memory(f"Nx={Nx}", 3.0 * 8 * Nx)  # the window and two float64 temporaries
    if callable(window):
        return _check_samples(window(Nx), Nx, "window(Nx)")
    if isinstance(window, (str, tuple)):
        name, param = _parse(window)
        if Nx == 1:
            return np.ones(1)
        m = Nx + 1 if fftbins else Nx
        return _symmetric(name, m, param)[:Nx]
    if isinstance(window, (np.ndarray, list)):
        return _check_samples(window, Nx, "window")
    raise ParameterError(
        f"window={window!r} must be a name, a (name, parameter) tuple, a callable or an array"
    )


def _check_samples(samples: Any, nx: int, what: str) -> np.ndarray:
    array = check_array(what, samples)
    if array.dtype.kind == "c":
        raise ParameterError(f"{what} must be real, got complex values")
    if array.dtype.kind not in "iuf":  # bool, str, bytes, object, datetime: not samples
        raise ParameterError(f"{what} must give real numbers, got dtype {array.dtype}")
    w = array.astype(np.float64)
    if w.shape != (nx,):
        raise ParameterError(f"{what} has shape {w.shape}, expected ({nx},) to match the length")
    if not np.isfinite(w).all():
        bad = int(np.argmin(np.isfinite(w)))
        raise ParameterError(f"{what} is not finite: {what}[{bad}]={w[bad]}")
    return w
