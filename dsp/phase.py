"""Phase recovery: a signal whose STFT magnitude matches a given one (fast Griffin-Lim).

A magnitude spectrogram has no phase, and most phases do not give the STFT of any signal.
Griffin-Lim alternates between the two constraints: the STFT of a signal
(``stft(istft(X))``, :mod:`dsp.inverse`) and the given magnitude, keeping the phase of the one
and the magnitude of the other; momentum makes it converge faster (``docs/inversion.md``).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from ._engine.config import current
from ._engine.frames import FrameSource, rfft_for, writes_out
from ._validation import check_array, check_optional_positive_int, check_pad_mode, warn
from .errors import ParameterError
from .inverse import IstftPlan
from .windows import WindowSpec

__all__ = ["griffinlim", "RandomState"]

#: Most iterations accepted: a typo (``n_iter=3200000``) is refused, not run for days.
MAX_ITER = 10_000

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
    ``istft(X_{n_iter})``. Each step's operations are librosa's, in the same order. The window,
    envelope, frame layout and FFT of ``P`` are set up once (:class:`dsp.inverse.IstftPlan` and
    the frames of :func:`dsp.stft`), not at every iteration.

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
    if n_iter > MAX_ITER:
        raise ParameterError(
            f"n_iter={n_iter} is beyond {MAX_ITER} iterations (Griffin-Lim is used with tens to "
            "hundreds; this many would run for days)"
        )
    if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real):
        raise ParameterError(f"momentum={momentum!r} must be a real number >= 0")
    try:
        finite = math.isfinite(momentum)  # 10**30 is; np.isfinite cannot cast it
    except OverflowError:  # 10**400: beyond any float
        finite = False
    if not momentum >= 0 or not finite:
        raise ParameterError(f"momentum={momentum!r} must be a finite number >= 0")
    if momentum > 1:
        warn(f"momentum={momentum} > 1 can make Griffin-Lim unstable")
    if not (init is None or (isinstance(init, str) and init == "random")):
        raise ParameterError(f"init={init!r} must be 'random' or None")
    rng = _rng(random_state)
    if n_fft is None:
        n_fft = 2 * (S.shape[-2] - 1)
    angles = np.empty(S.shape, dtype=np.result_type(S.dtype, np.complex64))
    inverse = IstftPlan(
        S.shape,
        angles.dtype,
        hop_length=hop_length,
        win_length=win_length,
        n_fft=n_fft,
        window=window,
        center=center,
        dtype=dtype,
        length=length,
    )
    if init == "random":
        phase = 2 * np.pi * rng.random(size=S.shape)
        angles[:] = np.cos(phase) + 1j * np.sin(phase)
    else:
        angles[:] = 1.0
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused below
        y = _iterate(S, angles, inverse, n_iter, momentum, pad_mode, center, n_fft)
    if not np.isfinite(y).all():
        raise ParameterError(
            f"S (largest value {float(S.max()):.3g}) overflows {y.dtype} in the inverse STFT: "
            "scale it down (a mel inversion at an absurd sr gives such values)"
        )
    return y


def _iterate(
    S: np.ndarray,
    angles: np.ndarray,
    inverse: IstftPlan,
    n_iter: int,
    momentum: float,
    pad_mode: str,
    center: bool,
    n_fft: int,
) -> np.ndarray:
    """The fast Griffin-Lim iterations from the initial ``angles`` (see :func:`griffinlim`)."""
    eps = np.finfo(angles.dtype).tiny
    angles *= S
    y = inverse(angles)
    if center is True and y.shape[-1] < n_fft:
        warn(f"n_fft={n_fft} is larger than the signal (length {y.shape[-1]})", stacklevel=4)
    if n_iter == 0:
        return y
    forward = _Forward(S.shape, y.shape[-1], inverse, pad_mode)
    # Frame-major copies (..., n_frames, n_bins): the FFTs read and write frames contiguously.
    # Every step below is element-wise, so the layout changes no value.
    magnitude = np.ascontiguousarray(np.swapaxes(S, -1, -2))
    angles = np.ascontiguousarray(np.swapaxes(angles, -1, -2))
    spectrum_dtype = np.result_type(y.dtype, np.complex64)  # dsp.stft's, of the signal
    rebuilt, previous, scaled = (np.empty(angles.shape, spectrum_dtype) for _ in range(3))
    weight = momentum / (1 + momentum)
    for n in range(n_iter):
        forward(y, out=rebuilt)
        angles[:] = rebuilt
        if n > 0:
            angles -= np.multiply(weight, previous, out=scaled)
        angles /= np.abs(angles) + eps
        angles *= magnitude
        rebuilt, previous = previous, rebuilt
        y = inverse(np.swapaxes(angles, -1, -2))
    return y


class _Forward:
    """``stft(y)`` for every iteration, frame-major: frames, window and FFT decided once.

    The operations of :func:`dsp.stft` (its frames, float64 window and DFT, cast to the
    complex type), so the values are its values; only the checks are not repeated.
    """

    def __init__(
        self, shape: tuple[int, ...], n_samples: int, inverse: IstftPlan, pad_mode: str
    ) -> None:
        self.geometry = inverse.geometry
        self.pad_mode = check_pad_mode(pad_mode) if self.geometry.center else pad_mode
        count = self.geometry.n_frames(n_samples)
        if count != shape[-1]:
            raise ParameterError(
                f"the signal rebuilt from S has {n_samples} samples and so {count} frames, not "
                f"the {shape[-1]} of S: pass length= the length of the signal S was computed "
                "from (or None when centred)"
            )
        lead, n_fft = shape[:-2], inverse.n_fft
        self.window = inverse.window
        self.frames = np.empty(lead + (count, n_fft), dtype=np.float64)
        self.rfft = rfft_for("float64", self.frames.size, current())
        self.spectrum: np.ndarray | None = None  # the FFT's output buffer, if it takes one
        if writes_out(self.rfft):
            self.spectrum = np.empty(lead + (count, shape[-2]), dtype=np.complex128)

    def __call__(self, y: np.ndarray, *, out: np.ndarray) -> None:
        source = FrameSource(y, self.geometry, self.pad_mode)
        source.fill(0, source.count, self.window, self.frames)
        out[...] = self.rfft(self.frames, self.spectrum)
