"""Decibels: a logarithmic scale for power and amplitude spectrograms.

Loudness is perceived roughly logarithmically, and spectrogram values span many orders of
magnitude; ``10 log10(S / ref)`` compresses them into a range a picture (or a network) can use.
``amin`` keeps the log finite on silence; ``top_db`` floors everything more than ``top_db``
below the peak (``docs/conventions.md``, dB reference).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._validation import check_real_number, first_true_index, warn
from .errors import ParameterError

__all__ = ["power_to_db", "amplitude_to_db", "db_to_power", "db_to_amplitude", "RefSpec"]

#: A reference: a positive number, or a function of the spectrogram such as ``np.max``.
RefSpec = float | Callable[[np.ndarray], Any]


def _check_spectrogram(S: Any, name: str = "S") -> np.ndarray:
    S = np.asarray(S)
    if S.dtype.kind == "c":
        raise ParameterError(
            f"{name} is complex ({S.dtype}); pass a power spectrogram, e.g. np.abs(D) ** 2"
        )
    if S.dtype.kind not in "iuf" or S.dtype == np.bool_:
        raise ParameterError(f"{name}.dtype={S.dtype} must be a real number type")
    if S.size == 0:
        raise ParameterError(f"{name} is empty (shape={S.shape})")
    bad = ~(S >= 0)  # catches negatives and NaN at once
    if bad.any() or not np.isfinite(S.max()):
        bad |= ~np.isfinite(S)
        index = first_true_index(bad)
        raise ParameterError(
            f"{name} must be finite and non-negative (a power or magnitude): "
            f"{name}[{index}]={S[index]}"
        )
    return S


def _ref_value(ref: RefSpec, S: np.ndarray) -> Any:
    """``ref(S)`` for a callable (0 allowed: silence), else ``|ref|`` for a number > 0."""
    if callable(ref):
        value = ref(S)
        if not np.all(np.asarray(value) >= 0):
            raise ParameterError(f"ref(S)={value} must be non-negative")
        return value
    check_real_number("ref", ref, positive=True)
    return np.abs(ref)


def _per_channel(func: Callable[..., np.ndarray], S: np.ndarray, **kwargs: Any) -> np.ndarray:
    if S.ndim <= 2:
        return func(S, **kwargs)
    out = np.empty(S.shape, dtype=np.result_type(S.dtype, np.float32))
    for index in np.ndindex(S.shape[:-2]):
        out[index] = func(S[index], **kwargs)
    return out


def power_to_db(
    S: np.ndarray,
    *,
    ref: RefSpec = 1.0,
    amin: float = 1e-10,
    top_db: float | None = 80.0,
    per_channel: bool = False,
) -> np.ndarray:
    """Convert a power spectrogram to decibels.

    Parameters
    ----------
    S : np.ndarray [shape=(..., n_freq, n_frames)], >= 0
        Power (squared magnitude), e.g. ``melspectrogram(...)``.
    ref : float > 0 or callable
        The power that maps to 0 dB, or a function computing it from ``S`` (``np.max``: the
        loudest cell is 0 dB).
    amin : float > 0
        Smallest power considered; smaller values (silence) become ``10 log10(amin)``.
    top_db : float >= 0 or None
        Floor the output at ``max - top_db``; None keeps the full range.
    per_channel : bool
        False (the default, as librosa 0.11): ``ref(S)`` and the ``top_db`` floor are taken over
        the whole array. True: over each ``(n_freq, n_frames)`` matrix on its own.

    Returns
    -------
    S_db : np.ndarray [shape=S.shape]
        Same floating dtype as ``S`` (integers become float64).

    Raises
    ------
    ParameterError
        For complex, negative, NaN or empty ``S``, ``amin <= 0``, ``top_db < 0``, or a ``ref``
        that is zero, negative or NaN.

    Notes
    -----
    Eq. D1 (``docs/conventions.md``)::

        S_db = 10 log10(max(amin, S)) - 10 log10(max(amin, ref))
        S_db = max(S_db, max(S_db) - top_db)

    Silence with ``ref=1`` is -100 dB (``10 log10(1e-10)``).

    librosa equivalent: ``librosa.power_to_db(S, ref=ref, amin=amin, top_db=top_db)``
    (identical; ``per_channel=True`` is the behaviour of librosa's 1.0 line).

    Examples
    --------
    >>> import numpy as np
    >>> power_to_db(np.array([1.0, 10.0, 100.0, 0.0]))
    array([   0.,   10.,   20., -60.])
    >>> power_to_db(np.array([1.0, 100.0]), ref=np.max)
    array([-20.,   0.])
    """
    S = _check_spectrogram(S)
    amin = check_real_number("amin", amin, positive=True)
    if top_db is not None:
        top_db = check_real_number("top_db", top_db, nonnegative=True)
    if per_channel:
        return _per_channel(_power_to_db, S, ref=ref, amin=amin, top_db=top_db)
    return _power_to_db(S, ref=ref, amin=amin, top_db=top_db)


def _power_to_db(
    S: np.ndarray,
    *,
    ref: RefSpec,
    amin: float,
    top_db: float | None,
    ref_value: Any = None,
) -> np.ndarray:
    """Eq. D1 on checked input; ``ref_value`` (already resolved) overrides ``ref``."""
    if ref_value is None:
        ref_value = _ref_value(ref, S)
    log_spec = 10.0 * np.log10(np.maximum(amin, S))
    log_spec -= 10.0 * np.log10(np.maximum(amin, ref_value))
    if top_db is not None:
        log_spec = np.maximum(log_spec, log_spec.max() - top_db)
    return log_spec


def amplitude_to_db(
    S: np.ndarray,
    *,
    ref: RefSpec = 1.0,
    amin: float = 1e-5,
    top_db: float | None = 80.0,
    per_channel: bool = False,
) -> np.ndarray:
    """Convert an amplitude (magnitude) spectrogram to decibels: ``20 log10(S / ref)``.

    Parameters
    ----------
    S : np.ndarray [shape=(..., n_freq, n_frames)], >= 0
        Magnitudes, e.g. ``np.abs(stft(y))``. Complex input is accepted with a warning and
        its magnitude used.
    ref : float > 0 or callable
        The amplitude that maps to 0 dB, or a function of the magnitudes (``np.max``).
    amin : float > 0
        Smallest amplitude considered.
    top_db : float >= 0 or None
        Floor the output at ``max - top_db``.
    per_channel : bool
        As in :func:`power_to_db`.

    Returns
    -------
    S_db : np.ndarray [shape=S.shape]

    Raises
    ------
    ParameterError
        As :func:`power_to_db`.

    Notes
    -----
    Eq. D2: ``power_to_db(S**2, ref=ref**2, amin=amin**2, top_db=top_db)``.

    librosa equivalent: ``librosa.amplitude_to_db(S, ref=ref, amin=amin, top_db=top_db)``
    (identical).

    Examples
    --------
    >>> import numpy as np
    >>> amplitude_to_db(np.array([1.0, 10.0, 0.1]))
    array([  0.,  20., -20.])
    """
    S = np.asarray(S)
    if S.dtype.kind == "c":
        warn("amplitude_to_db was given complex input; using its magnitude np.abs(S)")
        S = np.abs(S)
    magnitude = _check_spectrogram(S)
    amin = check_real_number("amin", amin, positive=True)
    if top_db is not None:
        top_db = check_real_number("top_db", top_db, nonnegative=True)
    if per_channel:
        return _per_channel(_amplitude_to_db, magnitude, ref=ref, amin=amin, top_db=top_db)
    return _amplitude_to_db(magnitude, ref=ref, amin=amin, top_db=top_db)


def _amplitude_to_db(
    magnitude: np.ndarray, *, ref: RefSpec, amin: float, top_db: float | None
) -> np.ndarray:
    ref_value = _ref_value(ref, magnitude)
    return _power_to_db(
        np.square(magnitude), ref=None, ref_value=ref_value**2, amin=amin**2, top_db=top_db
    )


def db_to_power(S_db: np.ndarray, *, ref: float = 1.0) -> np.ndarray:
    """Convert decibels back to power: ``ref * 10 ** (S_db / 10)`` (eq. D3).

    The inverse of :func:`power_to_db` wherever ``top_db`` and ``amin`` did not clip.

    Parameters
    ----------
    S_db : np.ndarray
        Values in dB.
    ref : float > 0
        The power that 0 dB stands for.

    Returns
    -------
    np.ndarray [shape=S_db.shape]

    Notes
    -----
    librosa equivalent: ``librosa.db_to_power(S_db, ref=ref)`` (identical).

    Examples
    --------
    >>> import numpy as np
    >>> db_to_power(np.array([0.0, 10.0, 20.0]))
    array([  1.,  10., 100.])
    """
    ref = check_real_number("ref", ref, positive=True)
    return ref * np.power(10.0, 0.1 * np.asarray(S_db))


def db_to_amplitude(S_db: np.ndarray, *, ref: float = 1.0) -> np.ndarray:
    """Convert decibels back to amplitude: ``ref * 10 ** (S_db / 20)`` (eq. D4).

    Parameters
    ----------
    S_db : np.ndarray
        Values in dB.
    ref : float > 0
        The amplitude that 0 dB stands for.

    Returns
    -------
    np.ndarray [shape=S_db.shape]

    Notes
    -----
    librosa equivalent: ``librosa.db_to_amplitude(S_db, ref=ref)`` (identical).

    Examples
    --------
    >>> import numpy as np
    >>> db_to_amplitude(np.array([0.0, 20.0]))
    array([ 1., 10.])
    """
    ref = check_real_number("ref", ref, positive=True)
    return db_to_power(S_db, ref=ref**2) ** 0.5
