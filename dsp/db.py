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

from ._validation import (
    check_array,
    check_bool,
    check_real_array,
    check_real_number,
    check_spectrogram,
    first_true_index,
    is_masked,
    warn,
)
from .errors import ParameterError

__all__ = ["power_to_db", "amplitude_to_db", "db_to_power", "db_to_amplitude", "RefSpec"]

#: A reference: a positive number, or a function of the spectrogram such as ``np.max``.
RefSpec = float | Callable[[np.ndarray], Any]


def _check_amin(amin: Any, dtype: np.dtype, squared: bool = False) -> float:
    """``amin`` > 0, finite, and neither 0 nor inf once cast to the dtype the log is taken in.

    A float32 spectrogram is compared with ``amin`` in float32 (NumPy's rule for a Python
    scalar), so ``amin=1e-50`` would become 0 and silence -inf dB: refused, naming the dtype.
    ``squared`` is for :func:`amplitude_to_db`, which falls back to the log domain when
    ``amin ** 2`` underflows, so only ``amin`` itself must fit.
    """
    amin = check_real_number("amin", amin, positive=True)
    finfo = np.finfo(dtype)
    if not float(finfo.smallest_subnormal) <= amin <= float(finfo.max):
        raise ParameterError(
            f"amin={amin!r} does not fit in {finfo.dtype} (the spectrogram's dtype): it must "
            f"lie between {finfo.smallest_subnormal:.3g} and {finfo.max:.3g}, else silence "
            "becomes -inf dB"
        )
    return amin


def _ref_value(ref: RefSpec, S: np.ndarray) -> Any:
    """``ref(S)`` for a callable (0 allowed: silence), else ``ref`` for a number > 0.

    A callable must return a finite real number >= 0 (or an array of them that broadcasts to
    ``S.shape`` without changing it, e.g. ``np.max(S, axis=-1, keepdims=True)``).

    The value keeps its type (a NumPy float32 or float64 scalar stays one; a Python number
    becomes a Python float): NumPy's casting rules decide in which dtype the reference term of
    eq. D1 is computed from that type (see :func:`_ref_power`), as they do in librosa.
    """
    if not callable(ref):
        number = check_real_number("ref", ref, positive=True)
        if isinstance(ref, (np.float32, np.float64)):
            return ref  # librosa's np.abs(ref), which is ref itself for ref > 0
        return number
    value = ref(S)
    what = f"ref(S)={value!r}" if np.size(value) == 1 else f"ref(S) (shape {np.shape(value)})"
    try:
        array = np.asarray(value)
        usable = array.dtype.kind in "iuf" and array.size > 0
    except (TypeError, ValueError):
        usable = False
    if not usable or is_masked(value):
        raise ParameterError(f"{what} must be a real number >= 0 (the 0 dB level)")
    try:
        fits = np.broadcast_shapes(array.shape, S.shape) == S.shape
    except ValueError:
        fits = False
    if not fits:
        raise ParameterError(f"{what} does not broadcast to S.shape={S.shape}")
    with np.errstate(invalid="ignore"):
        if not (np.all(array >= 0) and np.all(np.isfinite(array))):
            raise ParameterError(f"{what} must be non-negative and finite (the 0 dB level)")
    if array.dtype.kind in "iu":
        return array.astype(np.float64)
    return value


def _ref_power(ref_value: Any) -> Any:
    """The reference of eq. D2, ``ref_value ** 2``, in the dtype librosa computes it in.

    The dtype depends on NumPy's casting rules: NumPy 1.x squares a float32 *scalar* (e.g.
    ``np.max(S)``) in float64 (value-based casting with the Python int 2), NumPy 2 (NEP 50)
    in float32. ``np.square`` would give float32 on both, and then the reference term of
    eq. D1 differs from librosa's by an ulp on NumPy 1.x (-1.2e-7 dB instead of 0 dB at the
    peak), so the operator is kept as librosa writes it. A Python float is squared as the
    ``np.float64`` it equals, so that an overflow gives inf rather than ``OverflowError``.
    """
    if isinstance(ref_value, float):
        ref_value = np.float64(ref_value)
    with np.errstate(over="ignore"):
        return ref_value**2


def _per_channel(func: Callable[..., np.ndarray], S: np.ndarray, **kwargs: Any) -> np.ndarray:
    if S.ndim <= 2:
        return func(S, **kwargs)
    out = np.empty(S.shape, dtype=np.result_type(S.dtype, np.float32))
    for index in np.ndindex(S.shape[:-2]):
        out[index] = func(S[index], **kwargs)
    return out


def _convert(
    func: Callable[..., np.ndarray],
    S: np.ndarray,
    *,
    ref: RefSpec,
    amin: Any,
    top_db: Any,
    per_channel: Any,
) -> np.ndarray:
    """Check ``amin``, ``top_db`` and ``per_channel`` for the checked ``S``, then apply ``func``
    (``_power_to_db`` or ``_amplitude_to_db``) to the whole array or to each matrix."""
    amin = _check_amin(amin, S.dtype)
    if top_db is not None:
        top_db = check_real_number("top_db", top_db, nonnegative=True)
    if check_bool("per_channel", per_channel):
        return _per_channel(func, S, ref=ref, amin=amin, top_db=top_db)
    return func(S, ref=ref, amin=amin, top_db=top_db)


def _log_ratio(
    factor: float, S: np.ndarray, ref_value: Any, *, amin: float, top_db: float | None
) -> np.ndarray:
    """``factor log10(max(amin, S)) - factor log10(max(amin, ref_value))``, floored at its
    maximum minus ``top_db``: eq. D1 with ``factor=10`` on powers, eq. D2 in the log domain with
    ``factor=20`` on magnitudes."""
    log_spec = factor * np.log10(np.maximum(amin, S))
    log_spec -= factor * np.log10(np.maximum(amin, ref_value))
    if top_db is not None:
        with np.errstate(over="ignore"):  # a huge top_db: the floor is -inf, i.e. none
            log_spec = np.maximum(log_spec, log_spec.max() - top_db)
    return log_spec


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
        Same floating dtype as ``S``; integers are computed in float64 and float16 in float32
        (``docs/errors.md``).

    Raises
    ------
    ParameterError
        For complex, masked, negative, NaN or empty ``S``; ``amin <= 0`` or outside the range
        of ``S``'s dtype; ``top_db < 0``; a ``ref`` that is zero, negative or NaN, or a ``ref``
        callable that returns anything but finite numbers >= 0 broadcasting to ``S.shape``;
        a ``per_channel`` that is not a bool.

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
    S = check_spectrogram("S", S)
    return _convert(_power_to_db, S, ref=ref, amin=amin, top_db=top_db, per_channel=per_channel)


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
    return _log_ratio(10.0, S, ref_value, amin=amin, top_db=top_db)


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
    Eq. D2: ``power_to_db(S**2, ref=ref**2, amin=amin**2, top_db=top_db)``. Where a square
    would overflow (``|S|`` or ``ref`` above 1.3e154 in float64, 1.8e19 in float32) or
    ``amin**2`` underflow to 0, the same quantity is computed in the log domain,
    ``20 log10(max(amin, S)) - 20 log10(max(amin, ref))``, so the result stays finite.

    librosa equivalent: ``librosa.amplitude_to_db(S, ref=ref, amin=amin, top_db=top_db)``
    (identical).

    Examples
    --------
    >>> import numpy as np
    >>> amplitude_to_db(np.array([1.0, 10.0, 0.1]))
    array([  0.,  20., -20.])
    """
    S = check_array("S", S)
    if S.dtype.kind == "c":
        warn("amplitude_to_db was given complex input; using its magnitude np.abs(S)")
        S = np.abs(S)
    magnitude = check_spectrogram("S", S)
    return _convert(
        _amplitude_to_db, magnitude, ref=ref, amin=amin, top_db=top_db, per_channel=per_channel
    )


def _amplitude_to_db(
    magnitude: np.ndarray, *, ref: RefSpec, amin: float, top_db: float | None
) -> np.ndarray:
    ref_value = _ref_value(ref, magnitude)
    with np.errstate(over="ignore"):
        power = np.square(magnitude)
    ref_power = _ref_power(ref_value)
    amin_power = amin**2  # a Python float, as librosa's amin**2: underflows to 0.0 quietly
    if (
        np.isfinite(power.max())
        and np.all(np.isfinite(ref_power))
        and power.dtype.type(amin_power) > 0
    ):  # librosa's route, bit for bit: power_to_db(S**2, ref=ref**2, amin=amin**2)
        return _power_to_db(power, ref=1.0, ref_value=ref_power, amin=amin_power, top_db=top_db)
    # A square overflowed (|S| or ref beyond 1.3e154 in float64, 1.8e19 in float32) or amin**2
    # underflowed: the same eq. D2 in the log domain, where nothing overflows.
    return _log_ratio(20.0, magnitude, ref_value, amin=amin, top_db=top_db)


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

    Raises
    ------
    ParameterError
        For NaN in ``S_db``, a value so large the power would be inf (``4000`` dB), or a bad
        ``ref``. ``-inf`` dB is silence and gives 0.

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
    S_db = _check_db(S_db)
    with np.errstate(over="ignore"):
        power = ref * np.power(10.0, 0.1 * S_db)
    return _check_overflow(power, S_db, "db_to_power")


def _check_db(S_db: Any) -> np.ndarray:
    """dB values: real (integers to float64, float16 to float32), no NaN; -inf is silence."""
    S_db = check_real_array("S_db", S_db)
    with np.errstate(invalid="ignore"):
        nan = np.isnan(S_db)
    if nan.any():
        index = first_true_index(nan)
        raise ParameterError(f"S_db[{index}]=nan is not a level in dB")
    return S_db


def _check_overflow(out: np.ndarray, S_db: np.ndarray, what: str) -> np.ndarray:
    """Refuse a result that overflowed to inf from a finite dB value (e.g. 4000 dB)."""
    if out.size and not np.isfinite(out.max()):
        overflow = np.isinf(out) & np.isfinite(S_db)
        if overflow.any():
            index = first_true_index(overflow)
            largest = np.finfo(out.dtype).max
            raise ParameterError(
                f"S_db[{index}]={S_db[index]} dB is beyond {out.dtype}'s range in {what} "
                f"(the result would be inf; the largest {out.dtype} is {largest:.3g})"
            )
    return out


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
    if ref < 1e150:  # librosa's route, bit for bit: ref**2 cannot overflow
        return db_to_power(S_db, ref=ref**2) ** 0.5
    S_db = _check_db(S_db)
    with np.errstate(over="ignore"):
        amplitude = ref * np.power(10.0, 0.05 * S_db)
    return _check_overflow(amplitude, S_db, "db_to_amplitude")
