"""The mel scale: a warped frequency axis on which equal steps sound like equal pitch steps.

Hearing is roughly linear in frequency below about 1 kHz and logarithmic above. Two mel scales
are in use (``docs/conventions.md``, mel scales):

- Slaney (the default, from the Auditory Toolbox): linear below 1000 Hz, logarithmic above
  (eq. M1, M2);
- HTK: ``2595 log10(1 + f/700)`` everywhere (eq. M3, M4).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._memory import check_memory
from ._validation import (
    check_array,
    check_bool,
    check_positive_int,
    check_real_number,
    first_true_index,
)
from .errors import ParameterError

__all__ = ["hz_to_mel", "mel_to_hz", "mel_frequencies"]

# Slaney's scale: 3 mels per 200 Hz below 1 kHz, then 27 mel steps per factor 6.4 in frequency.
_F_SP = 200.0 / 3
_MIN_LOG_HZ = 1000.0
# Computed, not written as 15.0: the float is 14.999999999999998, and bit-parity depends on it.
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOGSTEP = np.log(6.4) / 27.0


def _nonnegative(name: str, values: Any) -> np.ndarray:
    arr = check_array(name, values)  # ragged lists and masked arrays: ParameterError
    if arr.dtype.kind not in "iuf" or arr.dtype == np.bool_:
        raise ParameterError(f"{name} must be real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    bad = ~(np.isfinite(arr) & (arr >= 0))
    if bad.any():
        if arr.ndim == 0:
            raise ParameterError(f"{name}={arr[()]} must be finite and non-negative")
        index = first_true_index(bad)
        raise ParameterError(
            f"{name} must be finite and non-negative: {name}[{index}]={arr[index]}"
        )
    return arr


def _scalar_out(result: np.ndarray, was_scalar: bool) -> Any:
    return result[()] if was_scalar else result


def hz_to_mel(frequencies: Any, *, htk: bool = False) -> Any:
    """Convert frequencies in Hz to mels.

    Parameters
    ----------
    frequencies : float or np.ndarray [shape=(n,) or any], >= 0
        Frequencies in Hz.
    htk : bool
        True for the HTK formula, False (default) for Slaney's.

    Returns
    -------
    mels : np.float64 or np.ndarray [dtype=float64]
        A scalar for a scalar input, else an array of the input's shape.

    Raises
    ------
    ParameterError
        For negative, NaN or infinite frequencies (the HTK formula is undefined below -700 Hz).

    Notes
    -----
    Slaney (eq. M1): ``m = f / (200/3)`` for ``f < 1000``, and
    ``m = 1000/(200/3) + ln(f / 1000) / (ln(6.4) / 27)`` for ``f >= 1000``.
    HTK (eq. M3): ``m = 2595 log10(1 + f / 700)``.

    librosa equivalent: ``librosa.hz_to_mel(frequencies, htk=htk)`` (identical).

    Examples
    --------
    >>> float(hz_to_mel(1000.0))  # 1000 / (200/3) in floats: the Slaney breakpoint
    14.999999999999998
    >>> float(hz_to_mel(1000.0, htk=True))
    999.9855371396244
    """
    f = _nonnegative("frequencies", frequencies)
    if check_bool("htk", htk):
        return _scalar_out(2595.0 * np.log10(1.0 + f / 700.0), f.ndim == 0)
    mels = f / _F_SP
    high = f >= _MIN_LOG_HZ
    if high.any():
        mels = np.where(
            high, _MIN_LOG_MEL + np.log(np.where(high, f, 1.0) / _MIN_LOG_HZ) / _LOGSTEP, mels
        )
    return _scalar_out(np.asarray(mels), f.ndim == 0)


def mel_to_hz(mels: Any, *, htk: bool = False) -> Any:
    """Convert mels to frequencies in Hz (the inverse of :func:`hz_to_mel`).

    Parameters
    ----------
    mels : float or np.ndarray, >= 0
        Mel values.
    htk : bool
        True for the HTK formula, False (default) for Slaney's.

    Returns
    -------
    frequencies : np.float64 or np.ndarray [dtype=float64]

    Raises
    ------
    ParameterError
        For negative, NaN or infinite mels.

    Notes
    -----
    Slaney (eq. M2): ``f = (200/3) m`` below ``m_0 = 1000/(200/3)``, and
    ``f = 1000 exp((ln(6.4)/27) (m - m_0))`` from ``m_0`` on.
    HTK (eq. M4): ``f = 700 (10^(m/2595) - 1)``.

    librosa equivalent: ``librosa.mel_to_hz(mels, htk=htk)`` (identical).

    Examples
    --------
    >>> float(mel_to_hz(15.0))
    1000.0000000000002
    >>> float(mel_to_hz(hz_to_mel(440.0)))
    440.0
    """
    m = _nonnegative("mels", mels)
    with np.errstate(over="ignore"):  # checked below: a mel beyond the float range is refused
        if check_bool("htk", htk):
            freqs = 700.0 * (10.0 ** (m / 2595.0) - 1.0)
        else:
            freqs = _F_SP * m
            high = m >= _MIN_LOG_MEL
            if high.any():
                freqs = np.where(high, _MIN_LOG_HZ * np.exp(_LOGSTEP * (m - _MIN_LOG_MEL)), freqs)
    freqs = np.asarray(freqs)
    if not np.isfinite(freqs).all():
        index = first_true_index(~np.isfinite(freqs)) if freqs.ndim else ()
        where = f"mels[{index}]" if freqs.ndim else "mels"
        raise ParameterError(
            f"{where}={m[index]} is beyond the largest frequency {freqs.dtype} can hold"
        )
    return _scalar_out(freqs, m.ndim == 0)


def mel_frequencies(
    n_mels: int = 128, *, fmin: float = 0.0, fmax: float = 11025.0, htk: bool = False
) -> np.ndarray:
    """``n_mels`` frequencies in Hz, equally spaced on the mel scale from ``fmin`` to ``fmax``.

    Parameters
    ----------
    n_mels : int > 0
        How many frequencies.
    fmin, fmax : float, 0 <= fmin <= fmax
        The first and last frequency in Hz.
    htk : bool
        Which mel scale (see :func:`hz_to_mel`).

    Returns
    -------
    np.ndarray [shape=(n_mels,), dtype=float64]

    Raises
    ------
    ParameterError
        If ``n_mels`` is not a positive integer, or ``fmin``/``fmax`` are negative, not finite,
        or out of order.

    Notes
    -----
    ``mel_to_hz(linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels))`` (eq. M5).

    librosa equivalent: ``librosa.mel_frequencies(n_mels, fmin=fmin, fmax=fmax, htk=htk)``.

    Examples
    --------
    >>> mel_frequencies(3, fmin=0.0, fmax=2000.0)
    array([   0.        ,  836.06267191, 2000.        ])
    """
    n_mels = check_positive_int("n_mels", n_mels)
    check_memory(f"n_mels={n_mels}", 8.0 * 4 * n_mels)  # the mels, the Hz and temporaries
    fmin = check_real_number("fmin", fmin, nonnegative=True)
    fmax = check_real_number("fmax", fmax, nonnegative=True)
    if fmin > fmax:
        raise ParameterError(f"fmin={fmin} must not exceed fmax={fmax}")
    mels = np.linspace(hz_to_mel(fmin, htk=htk), hz_to_mel(fmax, htk=htk), n_mels)
    return mel_to_hz(mels, htk=htk)
