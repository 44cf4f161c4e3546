"""Any value of any type for any parameter of any public function: a result or a clear error.

The surface is found by introspection: every callable in ``dsp.__all__`` (functions, and the
classes that compute: their constructor, then a call of the instance), with every parameter of
its signature. So a function added to ``dsp`` is fuzzed as soon as it is exported; it only
needs a legal value for each required parameter in :data:`BASELINE` (``test_baseline_is_legal``
fails until it has one, so the fuzzing is never vacuous).

Each example starts from a legal call, replaces one or two parameters by a value drawn from
:func:`anything` (None, bools, ints up to 10**30, floats including NaN, inf and subnormals,
complex, strings, bytes, lists, ragged lists, tuples, dicts, NumPy scalars and arrays of every
dtype and of many shapes including empty and 0-d, masked arrays, callables, plain objects) and
calls. The outcome must be one of:

* a result; and if every input was finite, no NaN or inf in it (``docs/errors.md``);
* :class:`dsp.ParameterError` (:class:`dsp.AudioFormatError` is one);
* :class:`OSError` for a parameter that names a file (``path``): the file system's answer;
* :class:`MemoryError`, only because this test caps the address space (see ``memory_cap``):
  a legal but large request; an absurd one is refused with ParameterError before allocating.

Never another exception, a NumPy RuntimeWarning (an overflow nobody handled), or a call longer
than :data:`CALL_TIMEOUT_S` (SIGALRM interrupts it). Warnings other than
:class:`dsp.DspWarning` fail too. Examples per function: :data:`EXAMPLES_PER_FUNCTION`.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import resource
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import time_limit

import dsp
from dsp.io.audio import write_wav

#: A call slower than this is a hang (generous: 2 cores shared by several jobs).
CALL_TIMEOUT_S = 30
#: Examples per public function: CI's 300 per property times ~60 functions would take many
#: minutes; 25 each (1 or 2 parameters thrown per example) keeps the file near 30 s of CPU.
#: FUZZ_EXAMPLES=N explores longer.
EXAMPLES_PER_FUNCTION = int(os.environ.get("FUZZ_EXAMPLES", 25 if os.environ.get("CI") else 10))
#: Head-room of address space over what the process already maps, for the duration of a call.
MEMORY_HEADROOM = 3 << 30

#: Public names that are not computations: exceptions, and records a function returns.
NOT_FUZZED = {"AudioFormatError", "DspWarning", "ParameterError", "AudioInfo", "Figure"}
#: Parameters that name a file: an OSError (no such file, a folder) is their right answer.
PATH_PARAMETERS = {"path"}

_RNG = np.random.default_rng(0)
SIGNAL = (0.1 * _RNG.standard_normal(4096)).astype(np.float32)
MAGNITUDE = np.abs(_RNG.standard_normal((1025, 6)))


def _baseline(wav: str, out_dir: str) -> dict[str, dict[str, Callable[[], Any]]]:
    """Legal values for required parameters, by function ("*" for any function)."""
    return {
        "*": {
            "y": lambda: SIGNAL.copy(),
            "sr": lambda: 22050,
            "S": lambda: MAGNITUDE.copy(),
            "S_db": lambda: np.linspace(-80.0, 0.0, 128 * 12).reshape(128, 12),
            "x": lambda: _RNG.standard_normal((8, 10)),
            "n": lambda: 8,
            "data": lambda: _RNG.standard_normal((20, 30)),
            "stft_matrix": lambda: MAGNITUDE * np.exp(1j * _RNG.uniform(0, 6, MAGNITUDE.shape)),
            "window": lambda: "hann",
            "n_frames": lambda: 10,
            "n_samples": lambda: 10000,
            "mfcc": lambda: _RNG.standard_normal((20, 8)),
            "levels": lambda: _RNG.integers(0, 256, (16, 16), dtype=np.uint8),
            "vmin": lambda: -80.0,
            "vmax": lambda: 0.0,
            "frames": lambda: np.arange(5),
            "times": lambda: np.linspace(0.0, 1.0, 5),
            "samples": lambda: np.arange(0, 5000, 1000),
            "frequencies": lambda: np.linspace(0.0, 8000.0, 5),
            "mels": lambda: np.linspace(0.0, 40.0, 5),
            "frame_length": lambda: 512,
            "hop_length": lambda: 128,
            "n_fft": lambda: 2048,
            "Nx": lambda: 64,
            "size": lambda: 16,
            "image": lambda: _RNG.integers(0, 256, (8, 8, 3), dtype=np.uint8),
            "path": lambda: wav,
            "M": lambda: np.abs(_RNG.standard_normal((128, 6))),  # a mel power spectrogram
            "A": lambda: np.abs(_RNG.standard_normal((12, 5))),  # nnls: A @ X ~= B, X >= 0
            "B": lambda: np.abs(_RNG.standard_normal((12, 3))),
            "orig_sr": lambda: 22050,
            "target_sr": lambda: 16000,
            "spectrogram": lambda: dsp.Spectrogram(n_fft=512),  # the streams (dsp.streaming)
            "transform": lambda: dsp.MelSpectrogram(n_fft=512),
        },
        "frame": {"x": lambda: SIGNAL.copy()},
        "pad_center": {"data": lambda: np.ones(10)},
        "center_pad": {"n_fft": lambda: 512},
        "FrameGeometry": {"n_fft": lambda: 512},
        "mfcc": {"y": lambda: SIGNAL.copy()},
        "melspectrogram": {"y": lambda: SIGNAL.copy()},
        "specshow": {"data": lambda: np.linspace(-80.0, 0.0, 128 * 12).reshape(128, 12)},
        "write_png": {"path": lambda: os.path.join(out_dir, "out.png")},
        "write_wav": {"path": lambda: os.path.join(out_dir, "out.wav")},
    }


def surface() -> list[str]:
    return sorted(
        name for name in dsp.__all__ if name not in NOT_FUZZED and callable(getattr(dsp, name))
    )


def parameters(name: str) -> list[inspect.Parameter]:
    kinds = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    signature = inspect.signature(getattr(dsp, name))
    return [p for p in signature.parameters.values() if p.kind not in kinds]


# --- values of every type --------------------------------------------------------------------

DTYPES = [
    np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint64,
    np.float16, np.float32, np.float64, np.longdouble, np.complex64, np.complex128,
    object, np.str_, np.bytes_, "datetime64[s]",
]  # fmt: skip
SHAPES = [(), (0,), (1,), (7,), (3, 5), (0, 4), (128, 12), (1025, 6), (2, 1025, 6), (4096,),
          (2, 4096), (4096, 2), (2, 3, 0)]  # fmt: skip
FLOATS = [0.0, -0.0, 1.0, -1.0, 0.5, 3.0, 22050.0, 1e-300, 5e-324, 1e300, 1.7e308, -1e300,
          float("nan"), float("inf"), float("-inf"), 2.0**62, 1e-10]  # fmt: skip
INTS = [0, 1, 2, -1, 3, 7, 16, 512, 2048, 22050, 2**31, 2**62, 2**63, -(2**63), 10**30]
STRINGS = ["", "hann", "False", "no", "true", "slaney", "max", "ortho", "constant", "reflect",
           "float32", "kaiser", "librosa", "\x00", "é", "out"]  # fmt: skip


class Opaque:
    """A plain object with nothing array-like about it."""

    def __repr__(self) -> str:
        return "Opaque()"


@st.composite
def arrays(draw: st.DrawFn) -> np.ndarray:
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    shape = draw(st.sampled_from(SHAPES))
    kind = draw(st.sampled_from(["zeros", "ones", "noise", "big", "special", "range"]))
    size = int(np.prod(shape))
    if kind == "noise":
        values = _RNG.standard_normal(size)
    elif kind == "big":
        values = _RNG.standard_normal(size) * 1e300
    elif kind == "special":
        values = _RNG.choice(np.array(FLOATS), size)
    elif kind == "range":
        values = np.arange(size, dtype=np.float64)
    else:
        values = np.zeros(size) if kind == "zeros" else np.ones(size)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dtype.kind in "biu":
            values = np.nan_to_num(values, nan=0, posinf=0, neginf=0)
            info = np.iinfo(dtype) if dtype.kind != "b" else None
            if info is not None:
                values = np.clip(values, info.min, info.max)
        if dtype.kind == "M":
            values = np.nan_to_num(values, nan=0, posinf=0, neginf=0).clip(-1e9, 1e9)
            return values.astype(np.int64).astype(dtype).reshape(shape)
        if dtype.kind in "US":
            return values.astype(str).astype(dtype).reshape(shape)
        array = values.astype(dtype).reshape(shape)
    if dtype.kind == "c" and draw(st.booleans()):
        array = array + 1j * array
    return array


@st.composite
def masked_arrays(draw: st.DrawFn) -> np.ma.MaskedArray:
    data = _RNG.standard_normal(draw(st.sampled_from([(7,), (128, 12), (4096,), (1025, 6)])))
    mask = np.zeros(data.shape, dtype=bool)
    mask.flat[0] = True
    data.flat[0] = np.nan  # the masked value is a NaN: ignoring the mask lets it through
    return np.ma.masked_array(np.abs(data), mask=mask)


def _scalar(dtype: Any, value: float) -> Any:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if np.dtype(dtype).kind in "iu":
            info = np.iinfo(dtype)
            value = 0 if not np.isfinite(value) else min(max(value, info.min), info.max)
        return np.array(value).astype(dtype)[()]


#: Callables of every kind of answer (a callable that raises is the caller's own error, which
#: propagates unchanged, so none here raises).
CALLABLES = [
    np.max, np.mean, abs, print, lambda *a, **k: None, lambda *a, **k: np.inf,
    lambda *a, **k: "a", lambda *a, **k: np.ones(3), lambda *a, **k: -1.0,
    lambda *a, **k: np.ones(64), lambda *a, **k: [1, 2],
]  # fmt: skip


def anything() -> st.SearchStrategy[Any]:
    """Values of every type (see the module docstring)."""
    numeric_dtypes = [d for d in DTYPES if np.dtype(d).kind in "biufc"]
    return st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from(INTS),
        st.integers(-(2**70), 2**70),
        st.sampled_from(FLOATS),
        st.floats(allow_nan=True, allow_infinity=True),
        st.complex_numbers(max_magnitude=1e6),
        st.sampled_from(STRINGS),
        st.text(alphabet=st.characters(blacklist_characters="/\\"), max_size=8),
        st.binary(max_size=8),
        st.lists(st.floats(-1e6, 1e6), max_size=5),
        st.sampled_from([[[1.0], [1.0, 2.0]], [], [[]], [None], ["a", 1], [1, [2]]]),
        st.tuples(st.sampled_from(STRINGS), st.sampled_from(FLOATS)),
        st.sampled_from([("kaiser", 720.0), ("gaussian", 1e-170), ("kaiser",), (), (1, 2, 3)]),
        st.dictionaries(st.sampled_from(STRINGS), st.integers(0, 3), max_size=2),
        st.frozensets(st.integers(0, 3), max_size=3),
        st.builds(_scalar, st.sampled_from(numeric_dtypes), st.sampled_from(FLOATS + [3.0])),
        arrays(),
        masked_arrays(),
        st.sampled_from(CALLABLES),
        st.just(Opaque()),
        st.just(Ellipsis),
    )


#: NumPy floating-point events that mean an unhandled numeric problem. Underflow is not one: a
#: result rounded to 0 (a window's far tail, a tiny power) is the correctly rounded answer.
NUMPY_ERRORS = {"over": "warn", "invalid": "warn", "divide": "warn", "under": "ignore"}


# --- running one call safely -----------------------------------------------------------------


@contextlib.contextmanager
def memory_cap() -> Iterator[None]:
    """Cap the address space at what is mapped now plus MEMORY_HEADROOM (restored after)."""
    with open("/proc/self/statm") as statm:
        mapped = int(statm.read().split()[0]) * resource.getpagesize()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = mapped + MEMORY_HEADROOM
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def all_finite(value: Any) -> bool:
    """Whether an input holds only finite numbers (anything non-numeric counts as finite)."""
    if isinstance(value, np.ma.MaskedArray):
        return False
    if isinstance(value, (list, tuple)):
        return all(all_finite(v) for v in value)
    if isinstance(value, (float, complex, np.floating, np.complexfloating)):
        return bool(np.isfinite(value))
    if isinstance(value, np.ndarray) and value.dtype.kind in "fc":
        with np.errstate(all="ignore"):
            return bool(np.isfinite(value).all())
    return True


def non_finite_outputs(result: Any) -> list[str]:
    if isinstance(result, tuple):
        return [f"[{i}]{bad}" for i, r in enumerate(result) for bad in non_finite_outputs(r)]
    if isinstance(result, (float, np.floating, np.complexfloating)) and not np.isfinite(result):
        return [repr(result)]
    if isinstance(result, np.ndarray) and result.dtype.kind in "fc" and result.size:
        if not np.isfinite(result).all():
            return [f"array with {int((~np.isfinite(result)).sum())} non-finite values"]
    return []


#: How an instance of a computing class is used after construction (default: called on audio).
USE_INSTANCE: dict[str, Callable[[Any], Any]] = {
    "MelScale": lambda scale: scale(MAGNITUDE.copy()),
    "BlockResampler": lambda resampler: resampler.process(SIGNAL.copy()),
    "StftStream": lambda stream: (stream.push(SIGNAL.copy()), stream.flush()),
    "SpectrogramStream": lambda stream: (stream.push(SIGNAL.copy()), stream.flush()),
    "MelStream": lambda stream: (stream.push(SIGNAL.copy()), stream.flush()),
    "FileFrames": lambda frames: tuple(frames),
}


def call(function: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    """Call, with instances of computing classes used on data after construction."""
    result = function(**kwargs)
    if isinstance(result, Iterator):  # a generator (stream_file): consume it
        return list(result)
    if isinstance(function, type):
        use = USE_INSTANCE.get(function.__name__)
        if use is not None:
            return use(result)
        if callable(result):
            return result(SIGNAL.copy())
    return result


def check_outcome(name: str, kwargs: dict[str, Any], thrown: dict[str, Any]) -> None:
    function = getattr(dsp, name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with time_limit(CALL_TIMEOUT_S), memory_cap(), np.errstate(**NUMPY_ERRORS):
                result = call(function, kwargs)
        except dsp.ParameterError as err:
            assert str(err), f"{name}: empty ParameterError message"
            result = None
        except OSError as err:
            assert set(thrown) & PATH_PARAMETERS, f"{name}({thrown!r}) raised {err!r}"
            result = None
        except MemoryError:
            result = None  # legal but beyond this test's memory cap
    for warning in caught:
        assert issubclass(warning.category, dsp.DspWarning), (
            f"{name}({thrown!r}) warned {warning.category.__name__}: {warning.message}"
        )
    if result is not None and all(all_finite(v) for v in kwargs.values()):
        bad = non_finite_outputs(result)
        assert not bad, f"{name}({thrown!r}) returned {bad} from finite input"


# --- the tests -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("surface")
    wav = str(folder / "in.wav")
    write_wav(wav, SIGNAL, 22050)
    out = folder / "out"
    out.mkdir()
    return _baseline(wav, str(out))


def legal_kwargs(name: str, table: dict[str, dict[str, Any]]) -> dict[str, Any]:
    kwargs = {}
    for parameter in parameters(name):
        makers = {**table["*"], **table.get(name, {})}
        if parameter.name in table.get(name, {}) or parameter.default is inspect.Parameter.empty:
            assert parameter.name in makers, (
                f"dsp.{name}: no legal value for its required parameter {parameter.name!r}: "
                "add one to BASELINE in tests/test_public_surface.py"
            )
            kwargs[parameter.name] = makers[parameter.name]()
    return kwargs


@pytest.mark.parametrize("name", surface())
def test_baseline_is_legal(name, baseline, tmp_path, monkeypatch):
    """The call every example starts from succeeds, so that the fuzzing is not vacuous."""
    monkeypatch.chdir(tmp_path)
    call(getattr(dsp, name), legal_kwargs(name, baseline))


@pytest.mark.parametrize("name", [name for name in surface() if parameters(name)])
def test_any_value_for_any_parameter(name, baseline, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a thrown relative path writes here, never into the project
    names = [p.name for p in parameters(name)]

    @settings(
        max_examples=EXAMPLES_PER_FUNCTION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        kwargs = legal_kwargs(name, baseline)
        chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))
        thrown = {parameter: data.draw(anything(), label=parameter) for parameter in chosen}
        kwargs.update(thrown)
        check_outcome(name, kwargs, thrown)

    fuzz()


#: Values the fuzzing above found, with other seeds and more examples than CI draws (each was
#: a raw numpy error before it was fixed): kept as fixed cases so that CI always tries them.
FOUND = [
    ("kaldi_mfcc", {"sample_frequency": 46_116_860_184_273_883_137}),  # 1e18-sample frames
    ("kaldi_fbank", {"window_type": np.ma.masked_array([0.5, 1.0], mask=[True, False])}),
    ("frame", {"x": [[1.0], [1.0, 2.0]]}),  # ragged
    ("frames_to_samples", {"frames": np.int8(0), "hop_length": 2**63}),  # not an int64
    ("istft", {"length": 2**62}),
    ("istft", {"hop_length": 2**62}),
    ("mfcc_to_mel", {"n_mels": 10**30}),
    ("mfcc_to_audio", {"n_mels": 2**62}),
    ("pad_center", {"size": np.uint8(255)}),  # legal: uint8 arithmetic np.pad refused
    ("nnls", {"solver": np.array([], dtype=bool)}),
    ("mel_to_stft", {"solver": np.array([1.0, 2.0])}),
    ("griffinlim", {"n_iter": 2**31}),  # ran for days: refused beyond MAX_ITER
    ("specshow", {"cmap": np.ma.masked_array([0.5, 1.0], mask=[True, False])}),
    ("whisper_log_mel", {"n_mels": 1, "padding": 2**62}),
    ("whisper_log_mel", {"y": np.array([0.0], dtype=np.float16)}),  # no frame left
    ("griffinlim", {"dtype": "a"}),  # NumPy's DeprecationWarning for a bytes alias
    ("window_sumsquare", {"dtype": "a"}),
    ("BlockResampler", {"channels": 2**62}),
    ("FileFrames", {"sr": np.int8(1)}),  # legal: int8 arithmetic wrapped
    ("stream_file", {"sr": np.int8(1)}),
    ("mel_to_audio", {"sr": 6.1e108}),  # filters of weight ~1/sr: an inverse beyond float32
    ("griffinlim", {"momentum": 10**30}),  # legal (with a warning): np.isfinite cannot cast it
    ("griffinlim", {"momentum": 10**400}),
]


@pytest.mark.parametrize("name, thrown", FOUND, ids=[f"{n}-{sorted(t)[0]}" for n, t in FOUND])
def test_values_the_fuzzing_found(name, thrown, baseline, tmp_path, monkeypatch):
    """A result or a ParameterError, as for any drawn value (:func:`check_outcome`)."""
    monkeypatch.chdir(tmp_path)
    check_outcome(name, {**legal_kwargs(name, baseline), **thrown}, thrown)


def bool_parameters() -> list[tuple[str, str]]:
    """Every (function, parameter) whose annotation says ``bool``, found by introspection."""
    return [
        (name, p.name)
        for name in surface()
        for p in parameters(name)
        if str(p.annotation).replace("'", "") in ("bool", "builtins.bool")
    ]


@pytest.mark.parametrize("name, parameter", bool_parameters())
@pytest.mark.parametrize("value", ["False", "no", 0, 1, None, np.array([True])])
def test_flags_are_strictly_bool(name, parameter, value, baseline, tmp_path, monkeypatch):
    """``center='False'`` is a non-empty string, i.e. true: every flag refuses non-bools."""
    monkeypatch.chdir(tmp_path)
    kwargs = legal_kwargs(name, baseline)
    kwargs[parameter] = value
    with pytest.raises(dsp.ParameterError, match=rf"{parameter}="):
        call(getattr(dsp, name), kwargs)


@pytest.mark.parametrize(
    "S, message",
    [
        (np.full((1025, 3), np.nan), r"S\[\(0, 0\)\]=nan"),
        (np.full((1025, 3), np.inf), r"S\[\(0, 0\)\]=inf"),
        (-np.ones((1025, 3)), r"S\[\(0, 0\)\]=-1.0"),
        (np.ma.masked_array(np.ones((1025, 3)), mask=np.eye(1025, 3)), r"masked array"),
        ([[1.0], [1.0, 2.0]], r"cannot be read as an array"),
    ],
)
def test_melspectrogram_of_a_bad_spectrogram(S, message):
    with pytest.raises(dsp.ParameterError, match=message):
        dsp.melspectrogram(S=S)
