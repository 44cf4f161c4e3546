"""Mel spectrogram inversion: back to a linear spectrogram, and to audio.

The mel filterbank ``B`` maps ``1 + n_fft // 2`` FFT bins to far fewer mel bands, so many
spectrograms share one mel spectrogram: inversion picks one of them. Here it is the
non-negative least-squares (NNLS) solution ``min ||B S - M||`` over ``S >= 0``. Which one a
solver returns depends on where it stops, so by default it is found as librosa finds it
(scipy's L-BFGS-B, ``dsp/_nnls_lbfgsb.py``), and without SciPy by an accelerated projected
gradient method written in this module. Griffin-Lim then supplies a phase
(``docs/inversion.md``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._nnls_lbfgsb import lbfgsb_nnls, scipy_optimize
from ._validation import check_array, check_positive_int, check_real_number
from .errors import ParameterError
from .filterbank import mel_filterbank
from .phase import griffinlim
from .windows import WindowSpec

__all__ = ["nnls", "mel_to_stft", "mel_to_audio", "SOLVERS"]

#: ``solver`` values of :func:`nnls`: librosa's rule (L-BFGS-B if SciPy is installed), or one
#: solver forced.
SOLVERS = ("auto", "scipy", "projected")


def nnls(
    A: np.ndarray,
    B: np.ndarray,
    *,
    solver: str = "auto",
    max_iter: int | None = None,
    tol: float | None = None,
) -> np.ndarray:
    """Non-negative least squares for every column: ``argmin_{X >= 0} ||A X - B||_F``.

    Parameters
    ----------
    A : np.ndarray [shape=(m, n)]
        The matrix (here a mel filterbank).
    B : np.ndarray [shape=(..., m, k) or (m,)]
        Right-hand sides, one per column; leading axes are channels.
    solver : {"auto", "scipy", "projected"}
        ``"scipy"``: librosa's solver, scipy's L-BFGS-B (SciPy needed), so the result is
        librosa's. ``"projected"``: the accelerated projected gradient method written here
        (NumPy only); it converges further, so where the minimiser is not unique (``A`` wider
        than tall, as a mel filterbank) it returns a different one than librosa, with a smaller
        residual. ``"auto"`` (default): ``"scipy"`` if SciPy is installed, else
        ``"projected"`` (silently, as the FFT falls back to ``numpy.fft``).
    max_iter : int > 0 or None
        Iteration limit; default 200 (projected), scipy's 15000 (L-BFGS-B).
    tol : float >= 0 or None
        Stopping tolerance. Projected: stop when no entry of ``X`` moved by more than
        ``tol * max(X)`` in an iteration (default 1e-6). L-BFGS-B: scipy's ``pgtol``, the
        largest projected gradient of the mean squared error (default 1e-5).

    Returns
    -------
    X : np.ndarray [shape=(..., n, k) or (n,)]
        ``A``'s dtype for a matrix ``B``, float64 for a vector (as librosa).

    Raises
    ------
    ParameterError
        For arrays of the wrong shape or type, non-finite values, bad ``max_iter``/``tol``,
        an unknown ``solver``, and ``solver="scipy"`` without SciPy.

    Notes
    -----
    Projected: FISTA (Beck and Teboulle 2009) on ``f(X) = ||A X - B||^2 / 2`` with the
    projection ``P(X) = max(X, 0)`` and step ``1 / L``, ``L = ||A||_2^2`` (eq. I5)::

        X_k = P(Z_k - A^T (A Z_k - B) / L)
        t_{k+1} = (1 + sqrt(1 + 4 t_k^2)) / 2,   Z_{k+1} = X_k + (t_k - 1) / t_{k+1} (X_k - X_{k-1})

    restarted (``t = 1``) whenever ``<Z_k - X_k, X_k - X_{k-1}> > 0``: the momentum points
    uphill (O'Donoghue and Candes 2015). All columns are solved at once, in float64.

    L-BFGS-B (``"scipy"``): ``f(X) = ||A X - B||^2 / (2 B.size)`` with gradient
    ``A^T (A X - B) / B.size`` and bounds ``X >= 0``, on blocks of columns of 256 KiB of ``B``,
    ``A.shape[1]`` correction pairs, scipy's default tolerances (``dsp/_nnls_lbfgsb.py``). A
    vector ``B`` goes to ``scipy.optimize.nnls`` (exact). Both solvers start from the clipped
    least-squares solution ``P(pinv(A) B)``.

    librosa equivalent: ``librosa.util.nnls(A, B)`` (identical with ``solver="scipy"``, or
    ``"auto"`` with SciPy installed).

    Examples
    --------
    >>> A = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    >>> B = np.array([[2.0], [1.0], [-1.0]])  # the unconstrained fit has x1 < 0
    >>> nnls(A, B, solver="projected").round(6)
    array([[1.5],
           [0. ]])
    """
    A = _check_real("A", A, ndim=2)
    B = _check_real("B", B, ndim=1)
    if B.shape[-2 if B.ndim > 1 else -1] != A.shape[0]:
        raise ParameterError(f"B.shape={B.shape} does not match A.shape={A.shape}")
    if max_iter is not None:
        max_iter = check_positive_int("max_iter", max_iter)
    if tol is not None:
        tol = check_real_number("tol", tol, nonnegative=True)
    if not isinstance(solver, str) or solver not in SOLVERS:
        raise ParameterError(f"solver={solver!r} must be one of {', '.join(SOLVERS)}")
    if solver == "scipy" or (solver == "auto" and scipy_optimize() is not None):
        return lbfgsb_nnls(A, B, max_iter=max_iter, tol=tol)
    return _projected(A, B, 200 if max_iter is None else max_iter, 1e-6 if tol is None else tol)


def _projected(A: np.ndarray, B: np.ndarray, max_iter: int, tol: float) -> np.ndarray:
    """FISTA with restarts (``nnls``'s Notes), every column at once, in float64."""
    vector = B.ndim == 1
    A64 = A.astype(np.float64)
    B64 = B.astype(np.float64)[:, None] if vector else B.astype(np.float64)
    A64_T = np.ascontiguousarray(A64.T)
    lipschitz = float(np.linalg.norm(A64, 2)) ** 2
    X = np.maximum(np.linalg.pinv(A64) @ B64, 0.0)
    if lipschitz == 0.0:
        return _finish(np.zeros_like(X), A, vector)
    Z, t = X.copy(), 1.0
    for _ in range(max_iter):
        X_new = np.maximum(Z - (A64_T @ (A64 @ Z - B64)) / lipschitz, 0.0)
        step = X_new - X
        if np.vdot(Z - X_new, step) > 0:  # the momentum points uphill: restart it
            t = 1.0
        t_new = (1.0 + np.sqrt(1.0 + 4.0 * t * t)) / 2.0
        Z = X_new + ((t - 1.0) / t_new) * step
        X, t = X_new, t_new
        if np.abs(step).max() <= tol * max(float(X.max()), np.finfo(np.float64).tiny):
            break
    return _finish(X, A, vector)


def _finish(X: np.ndarray, A: np.ndarray, vector: bool) -> np.ndarray:
    return X[:, 0] if vector else X.astype(A.dtype)


def _check_real(name: str, value: Any, *, ndim: int) -> np.ndarray:
    array = check_array(name, value)
    if array.dtype.kind not in "iuf" or array.ndim < ndim or array.size == 0:
        raise ParameterError(
            f"{name} (shape={array.shape}, dtype={array.dtype}) must be a non-empty real array "
            f"of at least {ndim} dimension(s)"
        )
    if name == "A" and array.ndim != 2:
        raise ParameterError(f"A must be a matrix, got shape={array.shape}")
    if not np.isfinite(array).all():
        raise ParameterError(f"{name} is not finite everywhere")
    return array if array.dtype.kind == "f" else array.astype(np.float64)


def mel_to_stft(
    M: np.ndarray,
    *,
    sr: float = 22050,
    n_fft: int = 2048,
    power: float = 2.0,
    solver: str = "auto",
    **mel_kwargs: Any,
) -> np.ndarray:
    """A linear magnitude spectrogram whose mel spectrogram approximates ``M``.

    Parameters
    ----------
    M : np.ndarray [shape=(..., n_mels, n_frames), >= 0]
        A mel spectrogram (of ``|D| ** power``).
    sr : float > 0
        Sample rate, Hz.
    n_fft : int > 0
        FFT length of the spectrogram to rebuild.
    power : float > 0
        The exponent ``M`` was made with (2: power, 1: magnitude).
    solver : {"auto", "scipy", "projected"}
        The NNLS solver (:func:`nnls`): ``"auto"`` is librosa's when SciPy is installed.
    **mel_kwargs
        ``fmin``, ``fmax``, ``htk``, ``norm`` of the filterbank (:func:`dsp.mel_filterbank`);
        ``n_mels`` is ``M.shape[-2]`` and the dtype ``M``'s.

    Returns
    -------
    S : np.ndarray [shape=(..., 1 + n_fft // 2, n_frames)]
        Magnitude ``|D|`` (the ``power``-th root of the NNLS solution), ``M``'s dtype.

    Raises
    ------
    ParameterError
        For a negative or non-finite ``M``, a bad ``power`` or ``solver``, and what
        :func:`dsp.mel_filterbank` rejects.

    Notes
    -----
    ``S = nnls(B, M) ** (1 / power)`` with ``B = mel_filterbank(sr=sr, n_fft=n_fft,
    n_mels=M.shape[-2], dtype=M.dtype, ...)`` (eq. I6). Where ``B`` has more columns than
    rows the solution is one of many: energy inside a mel band is spread over its bins.

    librosa equivalent: ``librosa.feature.inverse.mel_to_stft(M, sr=sr, n_fft=n_fft,
    power=power, ...)`` (the same with ``solver="auto"`` and SciPy installed; the projected
    solver goes on to a smaller residual and so to another minimiser, see
    ``benchmarks/results/toolbox.md``).

    Examples
    --------
    >>> import dsp
    >>> y = np.random.default_rng(0).standard_normal(8000).astype(np.float32)
    >>> M = dsp.melspectrogram(y=y, sr=8000, n_fft=256, hop_length=64, n_mels=32)
    >>> mel_to_stft(M, sr=8000, n_fft=256).shape
    (129, 126)
    """
    M = _check_real("M", M, ndim=2)
    if (M < 0).any():
        raise ParameterError("M must be non-negative (a mel power or magnitude spectrogram)")
    power = check_real_number("power", power, positive=True)
    basis = mel_filterbank(sr=sr, n_fft=n_fft, n_mels=M.shape[-2], dtype=M.dtype, **mel_kwargs)
    inverse = nnls(basis, M, solver=solver)
    return np.power(inverse, 1.0 / power, out=inverse)


def mel_to_audio(
    M: np.ndarray,
    *,
    sr: float = 22050,
    n_fft: int = 2048,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: WindowSpec = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    power: float = 2.0,
    n_iter: int = 32,
    length: int | None = None,
    dtype: Any = np.float32,
    random_state: Any = None,
    solver: str = "auto",
    **mel_kwargs: Any,
) -> np.ndarray:
    """Audio whose mel spectrogram approximates ``M``: :func:`mel_to_stft`, then Griffin-Lim.

    Parameters
    ----------
    M : np.ndarray [shape=(..., n_mels, n_frames), >= 0]
        A mel spectrogram.
    sr, n_fft, power, solver, **mel_kwargs
        As :func:`mel_to_stft`.
    hop_length, win_length, window, center, pad_mode, n_iter, length, dtype, random_state
        As :func:`dsp.griffinlim` (``hop_length`` defaults to ``win_length // 4``: pass the
        hop the mel spectrogram was made with, 512 for :func:`dsp.melspectrogram`).

    Returns
    -------
    y : np.ndarray [shape=(..., n)]

    Raises
    ------
    ParameterError
        As :func:`mel_to_stft` and :func:`dsp.griffinlim`.

    Notes
    -----
    ``y = griffinlim(mel_to_stft(M), ...)`` (eq. I6 then I4).

    librosa equivalent: ``librosa.feature.inverse.mel_to_audio(M, sr=sr, n_fft=n_fft, ...)``.

    Examples
    --------
    >>> import dsp
    >>> y = np.random.default_rng(0).standard_normal(8000).astype(np.float32)
    >>> M = dsp.melspectrogram(y=y, sr=8000, n_fft=256, hop_length=64, n_mels=32)
    >>> mel_to_audio(M, sr=8000, n_fft=256, hop_length=64, n_iter=4, random_state=0).shape
    (8000,)
    """
    S = mel_to_stft(M, sr=sr, n_fft=n_fft, power=power, solver=solver, **mel_kwargs)
    return griffinlim(
        S,
        n_iter=n_iter,
        hop_length=hop_length,
        win_length=win_length,
        n_fft=n_fft,
        window=window,
        center=center,
        dtype=dtype,
        length=length,
        pad_mode=pad_mode,
        random_state=random_state,
    )
