"""The discrete cosine transform (DCT), types 1-3, written from its definition.

The DCT expresses ``N`` real values as a sum of ``N`` cosines of increasing frequency over the
index; unlike the DFT it is real, and because it implicitly extends the data evenly (mirrored)
rather than periodically, a smooth sequence has its energy in the first few coefficients. That
is why MFCCs take the DCT of a log-mel spectrum (:mod:`dsp.cepstrum`, ``docs/mfcc.md``).

Scaling follows ``scipy.fft.dct`` (``norm=None`` or ``"ortho"``). Short axes are transformed
by a cached float64 matrix, long ones through a real FFT of the even extension.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

import numpy as np

from ._memory import check_memory
from ._validation import check_array, check_positive_int
from .errors import ParameterError

__all__ = ["dct", "idct", "dct_matrix", "DctType", "DctNorm"]

DctType = Literal[1, 2, 3]
DctNorm = Literal["ortho"] | None

#: Axes up to this length are transformed by a cached float64 matrix (at most 2 MiB each);
#: longer axes through an FFT of twice the length, O(N log N) in time and memory.
_MATRIX_MAX = 512


def _check_type(value: Any) -> int:
    if (
        not isinstance(value, (int, np.integer))
        or isinstance(value, bool)
        or (value not in (1, 2, 3))
    ):
        raise ParameterError(f"type={value!r} must be 1, 2 or 3 (the DCT type)")
    return int(value)


def _check_norm(norm: Any) -> str | None:
    if norm is None or (isinstance(norm, str) and norm in ("ortho", "backward")):
        return None if norm in (None, "backward") else "ortho"
    raise ParameterError(f"norm={norm!r} must be None or 'ortho'")


def _check_data(x: Any, name: str = "x") -> np.ndarray:
    """A non-empty real or complex array; integers become float64, float16 float32."""
    x = check_array(name, x)
    if x.dtype.kind in "iub":
        return x.astype(np.float64)
    if x.dtype == np.float16:
        return x.astype(np.float32)
    if x.dtype.kind not in "fc":
        raise ParameterError(f"{name}.dtype={x.dtype} must be a real or complex number type")
    if x.ndim == 0 or x.size == 0:
        raise ParameterError(f"{name} must be a non-empty array, got shape={x.shape}")
    return x


def _check_axis(axis: Any, ndim: int) -> int:
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise ParameterError(f"axis={axis!r} must be an integer")
    if not -ndim <= axis < ndim:
        raise ParameterError(f"axis={axis} is out of range for an array of {ndim} dimensions")
    return int(axis) % ndim


@lru_cache(maxsize=8)
def _matrix(type: int, n: int, norm: str | None) -> np.ndarray:
    k = np.arange(n)[:, None]
    j = np.arange(n)[None, :]
    # The cosine's argument as an integer multiple m of pi / (2n) (or pi / (n - 1) for type 1),
    # reduced modulo a full turn before the float conversion: exact arguments for any n.
    if type == 1:
        period = 2 * (n - 1)
        c = np.cos(np.pi * ((k * j) % period) / (n - 1))
        c[:, 1:-1] *= 2.0
        if norm == "ortho":
            c[:, 1:-1] /= 2.0
            c *= np.sqrt(2.0 / (n - 1))
            c[[0, -1], :] /= np.sqrt(2.0)
            c[:, [0, -1]] /= np.sqrt(2.0)
    elif type == 2:
        c = 2.0 * np.cos(np.pi * ((k * (2 * j + 1)) % (4 * n)) / (2 * n))
        if norm == "ortho":
            c[0] *= np.sqrt(1.0 / (4 * n))
            c[1:] *= np.sqrt(1.0 / (2 * n))
    else:
        c = _matrix(2, n, norm).T.copy()
        if norm is None:  # the transpose of type 2 is 2x type 3 except in column 0
            c[:, 0] /= 2.0
    c.setflags(write=False)
    return c


def dct_matrix(n: int, *, type: DctType = 2, norm: DctNorm = None) -> np.ndarray:
    """The ``n x n`` matrix ``C`` of the DCT: ``dct(x) = C @ x`` for a vector ``x``.

    Parameters
    ----------
    n : int > 0 (>= 2 for type 1)
        Transform length.
    type : {1, 2, 3}
        DCT type.
    norm : {None, "ortho"}
        Scaling, as :func:`dct`.

    Returns
    -------
    np.ndarray [shape=(n, n), dtype=float64], read-only
        Row ``k`` holds the coefficients of output ``k``. With ``norm="ortho"`` it is
        orthogonal: ``C @ C.T == I``.

    Examples
    --------
    >>> C = dct_matrix(4, norm="ortho")
    >>> bool(np.allclose(C @ C.T, np.eye(4)))
    True
    """
    kind = _check_type(type)
    n = check_positive_int("n", n)
    check_memory(f"n={n}", 3.0 * 8 * n * n)  # the (n, n) matrix and two temporaries
    if kind == 1 and n < 2:
        raise ParameterError(f"n={n} is too short for a type-1 DCT (needs n >= 2)")
    return _matrix(kind, n, _check_norm(norm))


def _dct_fft(x: np.ndarray, type: int, norm: str | None) -> np.ndarray:
    """The DCT along the last axis of a float64 array through a real FFT (long axes)."""
    n = x.shape[-1]
    if type == 1:
        if norm == "ortho":
            x = x / np.sqrt(2.0 * (n - 1))
            x[..., [0, -1]] *= np.sqrt(2.0)
        # Even extension x0 x1 .. x_{n-1} x_{n-2} .. x1: its DFT is real and is the DCT-I.
        y = np.fft.rfft(np.concatenate([x, x[..., -2:0:-1]], axis=-1)).real
        if norm == "ortho":
            y[..., [0, -1]] /= np.sqrt(2.0)
        return y
    if type == 2:
        # DFT of x followed by x reversed (length 2n) is exp(i pi k / 2n) * DCT-II(x)[k].
        spectrum = np.fft.rfft(np.concatenate([x, x[..., ::-1]], axis=-1))[..., :n]
        y = (spectrum * np.exp(-1j * np.pi * np.arange(n) / (2 * n))).real
        if norm == "ortho":
            y[..., 0] *= np.sqrt(1.0 / (4 * n))
            y[..., 1:] *= np.sqrt(1.0 / (2 * n))
        return y
    # Type 3: y[k] = Re sum_j c_j x[j] exp(i pi j / 2n) exp(2 pi i k j / 2n), c_0 = 1, c_j = 2.
    z = x * np.exp(1j * np.pi * np.arange(n) / (2 * n))
    if norm == "ortho":
        z[..., 0] *= np.sqrt(1.0 / n)
        z[..., 1:] *= np.sqrt(2.0 / n)
    else:
        z[..., 1:] *= 2.0
    return np.fft.ifft(z, n=2 * n, norm="forward")[..., :n].real


def _transform(x: Any, type: Any, n: Any, axis: Any, norm: Any, inverse: bool) -> np.ndarray:
    type = _check_type(type)
    norm = _check_norm(norm)
    x = _check_data(x)
    axis = _check_axis(axis, x.ndim)
    if n is not None:
        n = check_positive_int("n", n)
        have = x.shape[axis]
        # the padded input, its float64 copy and the output, refused before they exist
        check_memory(f"n={n}", 3.0 * 8 * (x.size // max(have, 1)) * n)
        x = x[(slice(None),) * axis + (slice(0, n),)]
        if n > have:
            pad = [(0, 0)] * x.ndim
            pad[axis] = (0, n - have)
            x = np.pad(x, pad)
    length = x.shape[axis]
    if type == 1 and length < 2:
        raise ParameterError(
            f"a type-1 DCT needs at least 2 points along axis {axis}, got {length}"
        )
    if inverse:  # the inverse of type 2 is type 3 and vice versa; type 1 is its own
        scale = 1.0 if norm == "ortho" else 1.0 / (2 * (length - 1) if type == 1 else 2 * length)
        type = {1: 1, 2: 3, 3: 2}[type]
    out_dtype = np.result_type(x.dtype, np.float32)
    if out_dtype.kind == "c":
        real = _transform(x.real, type, None, axis, norm, False)
        imag = _transform(x.imag, type, None, axis, norm, False)
        y = (real + 1j * imag).astype(out_dtype)
    else:
        if length <= _MATRIX_MAX and axis == x.ndim - 2:  # (..., N, T): C @ x, no transposes
            y = _matrix(type, length, norm) @ x.astype(np.float64)
        elif length <= _MATRIX_MAX:
            y = np.moveaxis(
                np.moveaxis(x, axis, -1).astype(np.float64) @ _matrix(type, length, norm).T,
                -1,
                axis,
            )
        else:
            moved = np.moveaxis(x, axis, -1).astype(np.float64)
            y = np.moveaxis(_dct_fft(moved, type, norm), -1, axis)
    if inverse and scale != 1.0:
        y *= scale
    return np.ascontiguousarray(y, dtype=out_dtype)


def dct(
    x: np.ndarray, *, type: DctType = 2, n: int | None = None, axis: int = -1, norm: DctNorm = None
) -> np.ndarray:
    """Discrete cosine transform of type 1, 2 or 3 along one axis.

    Parameters
    ----------
    x : np.ndarray [shape=(..., N, ...)], real or complex
        Data; integers are converted to float64.
    type : {1, 2, 3}
        DCT type (2 is "the" DCT; 3 is its inverse up to scale).
    n : int > 0 or None
        Transform length: ``x`` is truncated or zero-padded to ``n`` along ``axis`` first.
    axis : int
        The axis to transform.
    norm : {None, "ortho"}
        ``None``: the unnormalised sums below; ``"ortho"``: scaled to an orthonormal matrix
        (for type 1 and 2 the end terms are weighted so that :func:`dct_matrix` is orthogonal).

    Returns
    -------
    y : np.ndarray [shape=x.shape with n along axis]
        float32 for float32 input, float64 for float64 and integers, complex likewise.

    Raises
    ------
    ParameterError
        For an unknown ``type`` or ``norm``, a bad ``n`` or ``axis``, non-numeric or empty
        ``x``, or a type-1 transform of fewer than 2 points.

    Notes
    -----
    With ``N`` points along the axis (eq. X1-X3, ``docs/conventions.md``)::

        type 1: y[k] = x[0] + (-1)^k x[N-1] + 2 sum_{j=1}^{N-2} x[j] cos(pi k j / (N-1))
        type 2: y[k] = 2 sum_{j=0}^{N-1} x[j] cos(pi k (2j+1) / (2N))
        type 3: y[k] = x[0] + 2 sum_{j=1}^{N-1} x[j] cos(pi (2k+1) j / (2N))

    ``"ortho"`` type 2: ``y[k] = sqrt(2/N) a_k sum_j x[j] cos(pi k (2j+1) / (2N))`` with
    ``a_0 = 1/sqrt(2)``, else 1; type 3 is its transpose; type 1 weights ``x`` and ``y`` at both
    ends by ``1/sqrt(2)`` and scales by ``sqrt(2/(N-1))``. Computed in float64 (a matrix for
    ``N <= 512``, a real FFT of the even extension beyond) and rounded to the input's precision.

    scipy equivalent: ``scipy.fft.dct(x, type=type, n=n, axis=axis, norm=norm)`` (within
    ``1e-14`` of the largest input times ``N`` in float64; float32 rounds once, scipy's float32
    transform accumulates its own rounding).

    Examples
    --------
    >>> y = dct(np.array([1.0, 2.0, 3.0, 4.0]))
    >>> bool(np.allclose(y, [20.0, -6.30864406, 0.0, -0.44834153]))
    True
    >>> x = np.random.default_rng(0).standard_normal(8)
    >>> bool(np.allclose(idct(dct(x, norm="ortho"), norm="ortho"), x))
    True
    """
    return _transform(x, type, n, axis, norm, inverse=False)


def idct(
    x: np.ndarray, *, type: DctType = 2, n: int | None = None, axis: int = -1, norm: DctNorm = None
) -> np.ndarray:
    """Inverse discrete cosine transform: ``idct(dct(x, type=t), type=t) == x``.

    Parameters
    ----------
    x, type, n, axis, norm
        As :func:`dct`; ``type`` names the forward transform being inverted.

    Returns
    -------
    np.ndarray [shape=x.shape with n along axis]

    Raises
    ------
    ParameterError
        As :func:`dct`.

    Notes
    -----
    The inverse of type 2 is type 3 and vice versa, type 1 is its own: with ``norm=None``,
    ``idct(x, type=2) = dct(x, type=3) / (2N)``, ``idct(x, type=3) = dct(x, type=2) / (2N)``,
    ``idct(x, type=1) = dct(x, type=1) / (2(N-1))``; with ``"ortho"`` the matrices are
    orthogonal and the inverse is the transpose.

    scipy equivalent: ``scipy.fft.idct(x, type=type, n=n, axis=axis, norm=norm)``.

    Examples
    --------
    >>> idct(dct(np.array([1.0, 2.0, 3.0, 4.0])))
    array([1., 2., 3., 4.])
    """
    return _transform(x, type, n, axis, norm, inverse=True)
