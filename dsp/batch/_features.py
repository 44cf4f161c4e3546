"""The features :mod:`dsp.batch` can compute, by name: a registry looked up lazily.

A :class:`Feature` is a picklable ``transform(y, sr) -> np.ndarray`` made of a feature name and
its parameters. The function behind each name is looked up on the :mod:`dsp` package only when
the feature is built (``getattr(dsp, "whisper_log_mel", None)``), so a feature appears as soon
as the module that provides it lands, and asking for one this version lacks is a clear
:class:`~dsp.errors.ParameterError`, not an ``AttributeError`` in a worker process.

==============  ====================================================================  =========
name            what is saved                                                         rate
==============  ====================================================================  =========
``mel``         ``power_to_db(melspectrogram(y, sr), ref=np.max)``, as ``dsp mel``    any
``stft``        ``amplitude_to_db(|stft(y)|, ref=np.max)``, as ``dsp stft``            any
``mfcc``        ``dsp.mfcc(y=y, sr=sr, ...)``                                          any
``whisper``     ``dsp.whisper_log_mel(y, sr=sr, ...)``                                 16000 Hz
``kaldi_fbank`` ``dsp.kaldi_fbank(y * 32768, sample_frequency=sr, ...)`` (int16 scale)  16000 Hz
==============  ====================================================================  =========

A named preset of :mod:`dsp.compat.presets` (when that module exists) is also accepted as a name.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ParameterError

__all__ = ["FEATURES", "Feature", "feature", "describe"]

#: Scale of Kaldi's input: it reads 16-bit integer samples, dsp's samples are in [-1, 1).
_INT16_SCALE = 32768.0
_DB_DEFAULTS = {"ref": np.max, "top_db": 80.0}


def _dsp(name: str) -> Any:
    dsp = importlib.import_module("dsp")
    return getattr(dsp, name, None)


def _db(S: np.ndarray, power: float, params: dict[str, Any]) -> np.ndarray:
    convert = _dsp("power_to_db") if power == 2.0 else _dsp("amplitude_to_db")
    return convert(S, **params)


def _split(params: Mapping[str, Any], names: tuple[str, ...]) -> tuple[dict, dict]:
    inside = {k: v for k, v in params.items() if k in names}
    return inside, {k: v for k, v in params.items() if k not in names}


_DB_NAMES = ("ref", "amin", "top_db")


def _mel(y: np.ndarray, sr: float, params: dict[str, Any]) -> np.ndarray:
    db, mel = _split({**_DB_DEFAULTS, **params}, _DB_NAMES)
    power = mel.get("power", 2.0)
    if power not in (1.0, 2.0):
        raise ParameterError(f"power={power} must be 2 (power) or 1 (magnitude) for dB output")
    return _db(_dsp("melspectrogram")(y=y, sr=sr, **mel), power, db)


def _stft(y: np.ndarray, sr: float, params: dict[str, Any]) -> np.ndarray:
    db, frames = _split({**_DB_DEFAULTS, **params}, _DB_NAMES)
    return _db(np.abs(_dsp("stft")(y, **frames)), 1.0, db)


def _mfcc(y: np.ndarray, sr: float, params: dict[str, Any]) -> np.ndarray:
    return _dsp("mfcc")(y=y, sr=sr, **params)


def _whisper(y: np.ndarray, sr: float, params: dict[str, Any]) -> np.ndarray:
    return _dsp("whisper_log_mel")(y, sr=sr, **params)


def _kaldi_fbank(y: np.ndarray, sr: float, params: dict[str, Any]) -> np.ndarray:
    return _dsp("kaldi_fbank")(y * _INT16_SCALE, sample_frequency=sr, **params)


@dataclass(frozen=True)
class _Spec:
    compute: Callable[[np.ndarray, float, dict[str, Any]], np.ndarray]
    needs: tuple[str, ...]
    sr: int | None = None


#: The feature names and what each needs from the dsp package.
FEATURES: dict[str, _Spec] = {
    "mel": _Spec(_mel, ("melspectrogram", "power_to_db", "amplitude_to_db")),
    "stft": _Spec(_stft, ("stft", "amplitude_to_db")),
    "mfcc": _Spec(_mfcc, ("mfcc",)),
    "whisper": _Spec(_whisper, ("whisper_log_mel",), sr=16000),
    "kaldi_fbank": _Spec(_kaldi_fbank, ("kaldi_fbank",), sr=16000),
}


def describe(value: Any) -> str:
    """A stable text for a parameter value (functions by name, not by address)."""
    if callable(value) and hasattr(value, "__qualname__"):
        if value is np.max or value is np.amax:
            return "max"
        return f"{getattr(value, '__module__', '')}.{value.__qualname__}"
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def _preset(name: str) -> Any:
    try:
        presets = importlib.import_module("dsp.compat.presets")
    except ImportError:
        return None
    for getter in ("get_preset", "preset", "get"):
        function = getattr(presets, getter, None)
        if callable(function):
            try:
                return function(name)
            except (KeyError, ValueError):
                return None
    table = getattr(presets, "PRESETS", None)
    return table.get(name) if isinstance(table, Mapping) else None


def _preset_names() -> list[str]:
    try:
        presets = importlib.import_module("dsp.compat.presets")
    except ImportError:
        return []
    table = getattr(presets, "PRESETS", None)
    return sorted(table) if isinstance(table, Mapping) else []


@dataclass(frozen=True)
class Feature:
    """A named feature with fixed parameters, callable as ``feature(y, sr) -> np.ndarray``.

    Build it with :func:`feature`. ``sr`` is the sample rate the feature needs (None: any);
    ``fingerprint`` is the stable text :mod:`dsp.batch` hashes to know whether an output was
    made with the same parameters.
    """

    name: str
    params: tuple[tuple[str, Any], ...] = ()
    preset: Any = None

    @property
    def sr(self) -> int | None:
        if self.preset is not None:
            return getattr(self.preset, "sr", None)
        return FEATURES[self.name].sr

    @property
    def fingerprint(self) -> str:
        inner = ", ".join(f"{k}={describe(v)}" for k, v in self.params)
        return f"{self.name}({inner})"

    def __call__(self, y: np.ndarray, sr: float) -> np.ndarray:
        if self.preset is not None:
            return np.asarray(self.preset(y, **dict(self.params)))
        return FEATURES[self.name].compute(y, sr, dict(self.params))


def feature(name: str, **params: Any) -> Feature:
    """The feature ``name`` with ``params``, checked on a short synthetic signal.

    Parameters
    ----------
    name : str
        One of :data:`FEATURES` (``"mel"``, ``"stft"``, ``"mfcc"``, ``"whisper"``,
        ``"kaldi_fbank"``) or the name of a preset of :mod:`dsp.compat.presets`.
    **params
        Keyword arguments of the function behind the feature (``n_fft=1024``, ``n_mels=64``,
        ``top_db=None``...). ``mel`` and ``stft`` default to ``ref=np.max, top_db=80`` as
        ``dsp mel`` and ``dsp stft`` do.

    Returns
    -------
    Feature

    Raises
    ------
    ParameterError
        If the name is unknown, the function behind it is not in this version of dsp, or the
        parameters are refused (the feature is run once on 1 s of noise to find out).

    Examples
    --------
    >>> f = feature("mel", n_mels=40)
    >>> y = np.random.default_rng(0).standard_normal(22050).astype(np.float32)
    >>> f(y, 22050).shape
    (40, 44)
    >>> f.fingerprint
    'mel(n_mels=40)'
    """
    preset = None
    if name in FEATURES:
        missing = [n for n in FEATURES[name].needs if _dsp(n) is None]
        if missing:
            raise ParameterError(
                f"feature={name!r} needs dsp.{missing[0]}, which this version of dsp does not "
                "have yet"
            )
    else:
        preset = _preset(name)
        if preset is None:
            known = ", ".join(dict.fromkeys([*FEATURES, *_preset_names()]))
            raise ParameterError(f"feature={name!r} is not a feature or preset ({known})")
    made = Feature(name, tuple(sorted(params.items())), preset)
    _probe(made)
    return made


def _probe(made: Feature) -> None:
    sr = made.sr or 22050
    y = np.random.default_rng(0).standard_normal(sr).astype(np.float32) * np.float32(0.1)
    try:
        made(y, sr)
    except TypeError as err:
        raise ParameterError(f"feature={made.name!r}: {err}") from err
    json.dumps(made.fingerprint)  # the fingerprint must be plain text
