"""Argument checks shared by the public functions (validate at the door, trust inside).

Every check raises :class:`dsp.ParameterError` with a message that names the parameter and the
value it received. Inner helpers never re-check what their caller already checked.
"""

from __future__ import annotations

import numbers
import sys
import warnings
from typing import Any

import numpy as np

from .errors import DspWarning, ParameterError

__all__ = [
    "check_audio",
    "check_array",
    "is_masked",
    "check_bool",
    "check_choice",
    "check_real_array",
    "check_spectrogram",
    "check_positive_int",
    "check_optional_positive_int",
    "check_sr",
    "check_real_number",
    "check_pad_mode",
    "warn",
    "first_true_index",
    "PAD_MODES",
]

#: ``np.pad`` modes whose padding depends only on the samples near each edge. The others
#: ("wrap", "mean", "median", "maximum", "minimum") look at the whole signal, and "empty" leaves
#: garbage; librosa 0.11 rejects those too.
PAD_MODES = ("constant", "edge", "linear_ramp", "reflect", "symmetric")


def warn(message: str, stacklevel: int = 3) -> None:
    """Emit a :class:`DspWarning` pointing at the caller of the public function."""
    warnings.warn(message, DspWarning, stacklevel=stacklevel)


def check_positive_int(name: str, value: Any) -> int:
    """Return ``value`` as ``int`` if it is an integer >= 1 (``bool`` and floats rejected)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ParameterError(f"{name}={value!r} must be a positive integer")
    if value < 1:
        raise ParameterError(f"{name}={value!r} must be a positive integer")
    return int(value)


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` as ``bool`` if it is ``True``/``False`` (or a NumPy bool).

    Strict on purpose: ``center='False'`` is truthy in Python and would silently centre, so
    strings, numbers (even 0 and 1), None and arrays are refused.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ParameterError(f"{name}={value!r} must be True or False")
    return bool(value)


def check_choice(name: str, value: Any, choices: Any) -> Any:
    """Return ``value`` if it is one of ``choices`` (strings, numbers or None).

    ``value in choices`` alone is not safe: an array compares element-wise (``ValueError: the
    truth value ... is ambiguous``), a list or dict is unhashable in a set, and ``True == 1``.
    Only a scalar (str, number, None) of a matching kind can match.
    """
    scalar = value is None or isinstance(value, (str, numbers.Number))
    if isinstance(value, (bool, np.bool_)):
        scalar = any(isinstance(choice, bool) for choice in choices)
    if not scalar or value not in tuple(choices):
        raise ParameterError(f"{name}={value!r} is not one of {tuple(choices)}")
    return value


def check_optional_positive_int(name: str, value: Any) -> int | None:
    """As :func:`check_positive_int`, letting ``None`` through."""
    return None if value is None else check_positive_int(name, value)


def check_real_number(
    name: str, value: Any, *, positive: bool = False, nonnegative: bool = False
) -> float:
    """Return ``value`` as ``float`` if it is a finite real number (optionally > 0 or >= 0)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ParameterError(f"{name}={value!r} must be a real number")
    fvalue = float(value)
    if not np.isfinite(fvalue):
        raise ParameterError(f"{name}={value!r} must be finite")
    if positive and not fvalue > 0:
        raise ParameterError(f"{name}={value!r} must be positive")
    if nonnegative and not fvalue >= 0:
        raise ParameterError(f"{name}={value!r} must be non-negative")
    return fvalue


def check_sr(sr: Any) -> float:
    """A sample rate: a finite number > 0. Returned unchanged in type (int stays int)."""
    check_real_number("sr", sr, positive=True)
    return sr


def check_pad_mode(pad_mode: Any) -> str:
    """One of :data:`PAD_MODES`."""
    if not isinstance(pad_mode, str) or pad_mode not in PAD_MODES:
        raise ParameterError(f"pad_mode={pad_mode!r} is not supported; use one of {PAD_MODES}")
    return pad_mode


def first_true_index(mask: np.ndarray) -> tuple[int, ...] | int:
    """Index of the first True in ``mask``: an int for 1-D, a tuple of ints otherwise."""
    index = np.unravel_index(int(np.argmax(mask)), mask.shape)
    return int(index[0]) if len(index) == 1 else tuple(int(i) for i in index)


def is_masked(value: Any) -> bool:
    """Whether ``value`` is a :class:`numpy.ma.MaskedArray`, without importing ``numpy.ma``
    (10 ms of a first call): no masked array exists until something has imported it."""
    ma = sys.modules.get("numpy.ma")
    return ma is not None and isinstance(value, ma.MaskedArray)


def check_array(name: str, value: Any) -> np.ndarray:
    """``np.asarray(value)``, refusing masked arrays and values that are not arrays at all.

    A :class:`numpy.ma.MaskedArray` is refused rather than silently unmasked: ``np.asarray``
    drops the mask, so a masked NaN (or any masked value) would be computed with as if it were
    data. Ragged nested lists and objects NumPy cannot convert give a ParameterError too.
    """
    if is_masked(value):
        raise ParameterError(
            f"{name} is a numpy masked array: dsp does not apply masks (the masked values would "
            f"be used as data); pass {name}.filled(fill_value) with the value you mean"
        )
    try:
        return np.asarray(value)
    except (TypeError, ValueError, OverflowError) as err:
        raise ParameterError(f"{name} cannot be read as an array: {err}") from None


def check_real_array(name: str, value: Any, *, hint: str = "a real array") -> np.ndarray:
    """A real-valued array: integers become float64 and float16 becomes float32.

    Booleans, complex numbers, strings and objects are refused. Integers are converted before
    any arithmetic because squaring or scaling them in their own type wraps around (int16
    ``200 ** 2`` is ``-25536``); float16 is computed in float32 because its range (6e-8 to 65504)
    cannot hold the usual ``amin`` or the powers of a loud signal.
    """
    array = check_array(name, value)
    if array.dtype.kind == "c":
        raise ParameterError(f"{name} is complex ({array.dtype}); pass {hint}, e.g. np.abs(D) ** 2")
    if array.dtype.kind not in "iuf":
        raise ParameterError(f"{name}.dtype={array.dtype} must be a real number type")
    if array.dtype.kind in "iu":
        return array.astype(np.float64)
    if array.dtype == np.float16:
        return array.astype(np.float32)
    return array


def check_spectrogram(name: str, value: Any) -> np.ndarray:
    """A power or magnitude spectrogram: a non-empty real array, finite and >= 0 everywhere.

    As :func:`check_real_array` (integers to float64, float16 to float32), and the first
    negative, NaN or infinite cell is named with its index.
    """
    S = check_real_array(name, value, hint="a power spectrogram")
    if S.size == 0:
        raise ParameterError(f"{name} is empty (shape={S.shape})")
    with np.errstate(invalid="ignore"):
        bad = ~(S >= 0)  # catches negatives and NaN at once
    if bad.any() or not np.isfinite(S.max()):
        bad |= ~np.isfinite(S)
        index = first_true_index(bad)
        raise ParameterError(
            f"{name} must be finite and non-negative (a power or magnitude): "
            f"{name}[{index}]={S[index]}"
        )
    return S


def check_audio(y: Any, name: str = "y") -> np.ndarray:
    """Validate an audio array ``(..., n)``: real floating point, non-empty, all finite.

    float16 is upcast to float32 (NumPy's FFT has no half precision); integers, booleans,
    complex numbers and objects are rejected, because they are not audio samples: only a file
    reader knows how to scale PCM integers. A NaN or infinity is reported with its index.
    """
    if not isinstance(y, np.ndarray):
        raise ParameterError(
            f"{name} must be a numpy.ndarray of floating-point samples, got {type(y).__name__}"
        )
    y = check_array(name, y)  # refuses masked arrays (a subclass np.ndarray would let through)
    if y.dtype == np.float16:
        y = y.astype(np.float32)
    if y.dtype.kind != "f":
        raise ParameterError(
            f"{name}.dtype={y.dtype} is not audio: {name} must be floating point "
            "(float32 or float64); scale integer PCM to [-1, 1) first"
        )
    if y.ndim == 0:
        raise ParameterError(f"{name} must have at least one dimension, got a scalar")
    if y.size == 0:
        raise ParameterError(f"{name} is empty (shape={y.shape}); audio needs at least one sample")
    # One cheap reduction first: a NaN or inf anywhere makes the sum non-finite. Only then (or on
    # a sum that overflowed) scan element-wise to name the first bad sample.
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.add.reduce(y, axis=None)
    if np.isfinite(total):
        return y
    finite = np.isfinite(y)
    if not finite.all():
        index = first_true_index(~finite)
        raise ParameterError(
            f"{name} is not finite everywhere: {name}[{index}]={y[index]} (first non-finite sample)"
        )
    return y
