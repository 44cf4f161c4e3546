"""Phase recovery: a signal whose STFT magnitude matches a given one (fast Griffin-Lim).

A magnitude spectrogram has no phase, and most phases do not give the STFT of any signal.
Griffin-Lim alternates between the two constraints: the STFT of a signal
(``stft(istft(X))``, :mod:`dsp.inverse`) and the given magnitude, keeping the phase of the one
and the magnitude of the other; momentum makes it converge faster (``docs/inversion.md``).
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np

from ._validation import check_array, check_optional_positive_int, warn
from .errors import DspWarning, ParameterError
from .inverse import istft
from .spectrum import stft
from .windows import WindowSpec

__all__ = ["griffinlim", "RandomState"]

RandomState = int | np.random.RandomState | np.random.Generator | None


def _rng(random_state: Any) -> np.random.RandomState | np.random.Generator:
    """As librosa: None -> a fresh ``default_rng()``, an int -> ``RandomState(seed)``."""
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if not 0 <= int(random_state) < 2**32:
            raise ParameterError(f"random_state={random_state} must be in [0, 2**32)")
        return np.random.RandomState(seed=int(random_state))
    if isinstance(random_state, (np.random.RandomState, np.random.Generator)):
        return random_state
    raise ParameterError(
        f"random_state={random_state!r} must be None, an int, a numpy RandomState or Generator"
    )


def griffinlim(
    S: np.ndarray,
    *,
    n_iter: int = 32,
    hop_length: int | None = None,
    win_length: int | None = None,
    n_fft: int | None = None,
    window: WindowSpec = "hann",
    center: bool = True,
    dtype: Any = None,
    length: int | None = None,
    pad_mode: str = "constant",
    momentum: float = 0.99,
    init: str | None = "random",
    random_state: RandomState = None,
) -> np.ndarray:
    """A signal whose STFT magnitude approximates ``S``: fast Griffin-Lim phase recovery.

    Parameters
    ----------
    S : np.ndarray [shape=(..., 1 + n_fft // 2, n_frames), real >= 0]
        Magnitude spectrogram ``|D|`` (not power).
    n_iter : int > 0
        Iterations.
    hop_length, win_length, n_fft, window, center, dtype, length
        As :func:`istft`.
    pad_mode : str
        As :func:`dsp.stft`.
    momentum : float >= 0
        The "fast" in fast Griffin-Lim: 0 is the classic algorithm; 0.99 (default)
        converges much faster. Above 1 it may diverge (a warning).
    init : {"random", None}
        Initial phase: uniform random, or zero (all ones).
    random_state : None, int, np.random.RandomState or np.random.Generator
        Random phase source, as librosa: an int seeds a ``RandomState`` (so the same seed
        gives librosa's phases), None a fresh ``default_rng()``.

    Returns
    -------
    y : np.ndarray [shape=(..., n)]

    Raises
    ------
    ParameterError
        For a negative or non-finite ``S``, a bad ``n_iter``, ``momentum < 0``, unknown
        ``init`` or ``random_state``, and everything :func:`istft` and :func:`dsp.stft` reject.

    Warns
    -----
    DspWarning
        For ``momentum > 1``.

    Notes
    -----
    With ``P`` the projection of a complex spectrogram to the nearest consistent one,
    ``P(X) = stft(istft(X))``, and ``alpha = momentum`` (eq. I4, Perraudin et al. 2013)::

        C_n = P(X_{n-1});  T_n = C_n - alpha / (1 + alpha) * C_{n-1}
        X_n = S * T_n / (|T_n| + tiny)

    starting from ``X_0 = S exp(i phi)``, ``phi`` uniform in ``[0, 2 pi)``; the result is
    ``istft(X_{n_iter})``. Each step's operations are librosa's, in the same order.

    librosa equivalent: ``librosa.griffinlim(S, n_iter=..., hop_length=..., ...,
    momentum=..., init=..., random_state=...)`` (identical for the same ``random_state``).

    References
    ----------
    D. W. Griffin and J. S. Lim, "Signal estimation from modified short-time Fourier
    transform", IEEE Trans. ASSP 32(2), 1984. N. Perraudin, P. Balazs and P. L. Sondergaard,
    "A fast Griffin-Lim algorithm", IEEE WASPAA 2013.

    Examples
    --------
    >>> import dsp
    >>> y = np.sin(2 * np.pi * 440.0 * np.arange(8000) / 8000)
    >>> S = np.abs(dsp.stft(y, n_fft=256, hop_length=64))
    >>> y_hat = griffinlim(S, n_iter=16, hop_length=64, random_state=0, length=len(y))
    >>> y_hat.shape
    (8000,)
    """
    S = check_array("S", S)
    if S.dtype.kind not in "iuf" or S.ndim < 2 or S.size == 0:
        raise ParameterError(
            f"S (shape={S.shape}, dtype={S.dtype}) must be a non-empty real magnitude "
            "spectrogram of shape (..., 1 + n_fft // 2, n_frames)"
        )
    if S.dtype.kind != "f":
        S = S.astype(np.float64)
    if not (np.isfinite(S).all() and (S >= 0).all()):
        raise ParameterError("S must be finite and non-negative (a magnitude spectrogram)")
    n_iter = check_optional_positive_int("n_iter", n_iter) or 0
    if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real):
        raise ParameterError(f"momentum={momentum!r} must be a real number >= 0")
    if not momentum >= 0 or not np.isfinite(momentum):
        raise ParameterError(f"momentum={momentum!r} must be a finite number >= 0")
    if momentum > 1:
        warn(f"momentum={momentum} > 1 can make Griffin-Lim unstable")
    if not (init is None or (isinstance(init, str) and init == "random")):
        raise ParameterError(f"init={init!r} must be 'random' or None")
    rng = _rng(random_state)
    if n_fft is None:
        n_fft = 2 * (S.shape[-2] - 1)
    inverse_args = dict(
        hop_length=hop_length,
        win_length=win_length,
        n_fft=n_fft,
        window=window,
        center=center,
        dtype=dtype,
        length=length,
    )
    angles = np.empty(S.shape, dtype=np.result_type(S.dtype, np.complex64))
    eps = np.finfo(angles.dtype).tiny
    if init == "random":
        phase = 2 * np.pi * rng.random(size=S.shape)
        angles[:] = np.cos(phase) + 1j * np.sin(phase)
    else:
        angles[:] = 1.0
    angles *= S
    previous = None
    inverse = istft(angles, **inverse_args)
    if center is True and inverse.shape[-1] < n_fft:
        warn(f"n_fft={n_fft} is larger than the signal (length {inverse.shape[-1]})")
    with warnings.catch_warnings():  # said once above, not once per iteration
        warnings.filterwarnings("ignore", "n_fft=.* is larger than the signal", DspWarning)
        for _ in range(n_iter):
            rebuilt = stft(
                inverse,
                n_fft=n_fft,
                hop_length=hop_length,
                win_length=win_length,
                window=window,
                center=center,
                pad_mode=pad_mode,
            )
            angles[:] = rebuilt
            if previous is not None:
                angles -= (momentum / (1 + momentum)) * previous
            angles /= np.abs(angles) + eps
            angles *= S
            previous = rebuilt
            inverse = istft(angles, **inverse_args)
    return inverse
