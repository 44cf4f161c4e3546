"""Transforms: Spectrogram, MelScale, and MelSpectrogram as their composition; the cache."""

from __future__ import annotations

import sys
import tracemalloc
import types
import warnings

import librosa
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import make_signal, mel_params, stft_params

import dsp
from dsp import ParameterError
from dsp._engine.blocked import dense_project
from dsp.pipeline import CACHE, TransformCache
from dsp.transforms import MelScale, Spectrogram

#: Fast mode: 1e-5 of the maximum for power >= 1 (see tests/test_engine.py, FAST_RTOL).
FAST_RTOL = 1e-5
#: Bounded mode: at most a few float32 ulps of the largest partial sum (test_engine.py).
BOUNDED_RTOL = 2e-6


def quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


@st.composite
def transform_params(draw: st.DrawFn, max_n_fft: int = 512) -> tuple[np.ndarray, dict]:
    stft_kw = draw(stft_params(exact_only=True, max_n_fft=max_n_fft))
    mel_kw = draw(mel_params(max_n_fft=max_n_fft, max_n_mels=64))
    mel_kw["n_fft"] = stft_kw["n_fft"]
    if stft_kw["hop_length"] is None:
        stft_kw["hop_length"] = draw(st.integers(1, 2 * stft_kw["n_fft"]))
    y = stft_kw.pop("y")
    return y, {**stft_kw, **mel_kw, "power": draw(st.sampled_from([1.0, 2.0, 1.5]))}


STFT_KEYS = ("n_fft", "hop_length", "win_length", "window", "center", "pad_mode", "power")
MEL_KEYS = ("sr", "n_fft", "n_mels", "fmin", "fmax", "htk", "norm", "dtype")


@settings(max_examples=40)
@given(transform_params())
def test_mel_spectrogram_is_spectrogram_then_mel_scale(case):
    y, params = case
    spectrogram = quiet(Spectrogram, **{k: params[k] for k in STFT_KEYS})
    mel_scale = quiet(MelScale, **{k: params[k] for k in MEL_KEYS})
    transform = quiet(dsp.MelSpectrogram, **params)
    S = quiet(spectrogram, y)
    D = quiet(librosa.stft, y, **{k: params[k] for k in STFT_KEYS if k != "power"})
    np.testing.assert_array_equal(S, np.abs(D) ** params["power"])
    M = quiet(transform, y)
    np.testing.assert_array_equal(M, mel_scale(S))
    np.testing.assert_array_equal(M, quiet(librosa.feature.melspectrogram, y=y, **params))
    assert M.dtype == np.result_type(y.dtype, params["dtype"])


@settings(max_examples=10)
@given(transform_params(max_n_fft=256), st.sampled_from(["float64", "float64-bounded", "float32"]))
def test_stages_mel_equals_call_in_every_precision(case, precision):
    y, params = case
    transform = quiet(dsp.MelSpectrogram, precision=precision, ref=np.max, **params)
    stages = quiet(transform.stages, y)
    assert tuple(stages) == dsp.pipeline.STAGES
    np.testing.assert_array_equal(stages["mel"], quiet(transform, y))
    np.testing.assert_array_equal(stages["windowed"], stages["frames"] * transform.window[:, None])
    np.testing.assert_array_equal(stages["power"], np.abs(stages["spectrum"]) ** params["power"])
    np.testing.assert_array_equal(stages["db"], dsp.power_to_db(stages["mel"], ref=np.max))
    from_power = dense_project(transform.mel_basis, stages["power"])
    if precision == "float64":
        np.testing.assert_array_equal(stages["mel"], from_power)
    else:
        rtol = FAST_RTOL if precision == "float32" else BOUNDED_RTOL
        scale = max(float(from_power.max()), np.finfo(np.float32).tiny)
        np.testing.assert_allclose(
            stages["mel"], from_power, rtol=0, atol=rtol ** min(1.0, params["power"]) * scale
        )


@settings(max_examples=60)
@given(st.data())
def test_mel_scale_on_a_spectrogram_is_librosas(data):
    params = data.draw(mel_params(max_n_fft=512, max_n_mels=64))
    n_bins = 1 + params["n_fft"] // 2
    S = make_signal(data.draw(st.integers(0, 2**16)), (n_bins, 30), np.float32) ** 2
    ours = quiet(MelScale, **params)(S)
    theirs = quiet(librosa.feature.melspectrogram, S=S, **params)
    np.testing.assert_array_equal(ours, theirs)


def test_mel_scale_rejects_bad_spectrograms():
    mel_scale = MelScale(sr=16000, n_fft=512, n_mels=40)
    with pytest.raises(ParameterError, match=r"S.shape=\(513, 3\) does not match n_fft=512"):
        mel_scale(np.ones((513, 3)))
    with pytest.raises(ParameterError, match=r"S\[\(5, 1\)\]=nan"):
        bad = np.ones((257, 3))
        bad[5, 1] = np.nan
        mel_scale(bad)
    with pytest.raises(ParameterError, match=r"must be finite and non-negative"):
        mel_scale(-np.ones((257, 3)))


def test_float32_audio_with_float64_filterbank_is_float64_as_librosa():
    y = make_signal(1, (8000,), np.float32)
    ours = dsp.melspectrogram(y=y, sr=16000, dtype=np.float64)
    theirs = librosa.feature.melspectrogram(y=y, sr=16000, dtype=np.float64)
    assert ours.dtype == theirs.dtype == np.float64
    np.testing.assert_array_equal(ours, theirs)


def test_preset_builds_from_the_presets_module(monkeypatch):
    fake = types.ModuleType("dsp.compat.presets")
    fake.preset_kwargs = lambda name: (
        {"sr": 16000, "n_fft": 400, "hop_length": 160, "n_mels": 80} if name == "whisper" else {}
    )
    monkeypatch.setitem(sys.modules, "dsp.compat.presets", fake)
    transform = dsp.MelSpectrogram.preset("whisper", n_mels=40)
    assert (transform.sr, transform.n_fft, transform.hop_length) == (16000, 400, 160)
    assert transform.mel_basis.shape == (40, 201)


# --- the cache -------------------------------------------------------------------------------


def test_cache_keeps_equal_but_different_parameters_apart():
    """sr=np.float32(16000) == 16000.0, but their filterbanks differ (as librosa's do)."""
    y = make_signal(2, (16000,), np.float32)
    CACHE.clear()
    for sr in (np.float32(16000), 16000.0, np.float32(16000)):
        np.testing.assert_array_equal(
            dsp.melspectrogram(y=y, sr=sr, n_fft=512, fmax=7999.0),
            librosa.feature.melspectrogram(y=y, sr=sr, n_fft=512, fmax=7999.0),
            err_msg=f"{type(sr)}",
        )


def test_cache_does_not_accept_true_for_one():
    y = make_signal(2, (4000,), np.float32)
    dsp.melspectrogram(y=y, n_mels=1)
    with pytest.raises(ParameterError, match=r"n_mels=True must be a positive integer"):
        dsp.melspectrogram(y=y, n_mels=True)


def test_cache_is_bounded_by_bytes():
    cache = TransformCache(max_entries=8, max_bytes=5 << 19)  # 2.5 MiB
    for n_fft in (4096, 4098, 4100, 4102):  # 1 MiB of filterbank each
        cache.get(MelScale, dict(sr=22050, n_fft=n_fft, n_mels=128))
        assert cache.nbytes() <= 5 << 19
    assert len(cache._entries) == 2
    huge = cache.get(MelScale, dict(sr=22050, n_fft=32768, n_mels=128))  # 8 MiB: not kept
    assert huge.mel_basis.shape == (128, 16385) and cache.nbytes() <= 5 << 19


def test_cache_skips_unhashable_parameters():
    window = np.hanning(512)
    y = make_signal(3, (4000,), np.float32)
    assert TransformCache.key(Spectrogram, {"window": window}) is None
    np.testing.assert_array_equal(
        dsp.spectrogram(y, n_fft=512, window=window),
        np.abs(librosa.stft(y, n_fft=512, window=window)),
    )


# --- memory ----------------------------------------------------------------------------------


def _peak(func, *args, **kwargs) -> int:
    """Peak bytes NumPy allocates during the call (NumPy reports to tracemalloc)."""
    tracemalloc.start()
    try:
        func(*args, **kwargs)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_batch_of_short_clips_within_librosas_memory():
    y = make_signal(4, (256, 22050), np.float32)
    ours = _peak(dsp.melspectrogram, y=y, sr=22050)
    theirs = _peak(librosa.feature.melspectrogram, y=y, sr=22050)
    assert ours < theirs, f"{ours / 2**20:.0f} MiB vs librosa {theirs / 2**20:.0f} MiB"


def test_two_frame_stft_of_huge_n_fft_near_librosas_memory():
    """Blocks of one frame when a frame is huge (it was 32 frames: 8 GiB at n_fft = 2**26).
    What is left above librosa is the window's construction (float64 temporaries)."""
    n_fft = 2**21
    y = make_signal(5, (n_fft + 512,), np.float32)
    ours = _peak(dsp.stft, y, n_fft=n_fft, hop_length=512, center=False)
    theirs = _peak(librosa.stft, y, n_fft=n_fft, hop_length=512, center=False)
    assert ours <= 1.5 * theirs, f"{ours / 2**20:.0f} MiB vs librosa {theirs / 2**20:.0f} MiB"


def test_filterbank_of_many_mels_needs_little_more_than_itself():
    """Row blocks: the peak is the matrix plus a few MiB (librosa: about 3x in float64)."""
    peak = _peak(quiet, dsp.mel_filterbank, sr=22050, n_fft=512, n_mels=20000)
    assert peak < 20000 * 257 * 4 + (8 << 20)


def test_absurd_n_mels_refused_before_allocating():
    for n_mels in (10**7, 2**63):
        with pytest.raises(ParameterError, match=rf"n_mels={n_mels} .*would need"):
            dsp.mel_filterbank(sr=22050, n_fft=2048, n_mels=n_mels)
        with pytest.raises(ParameterError, match=r"would need"):
            dsp.melspectrogram(y=np.zeros(4096, np.float32), n_mels=n_mels)


@pytest.mark.parametrize("precision", ["float64", "float64-bounded", "float32"])
def test_power_that_overflows_is_an_error_not_inf(precision):
    """|D| ** 512 exceeds float32 for noise: refused with the reason, never inf (or NaN)."""
    y = make_signal(6, (8000,), np.float32)
    with pytest.raises(ParameterError, match=r"power=512.0 overflows float32"):
        dsp.melspectrogram(y=y, power=512, precision=precision)
    with pytest.raises(ParameterError, match=r"power=512.0 overflows float32"):
        Spectrogram(power=512, precision=precision)(y)


def test_mel_scale_with_a_tiny_sr_is_an_error_not_inf():
    """sr=1e-300: Slaney's unit-area weights 2 / (f2 - f0) overflow the float32 filterbank."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # librosa's route warns (overflow) and returns inf
        with pytest.raises(ParameterError, match=r"sr=1e-300"):
            MelScale(sr=1e-300, n_fft=512, n_mels=4)


@pytest.mark.parametrize("precision", ["float64", "float64-bounded", "float32"])
def test_mel_projection_that_overflows_is_an_error_not_inf(precision):
    """sr=1e-36: the weights fit float32 (2.6e38) but their products with the power do not."""
    y = make_signal(6, (8000,), np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ParameterError, match=r"mel filterbank \(weights up to .*sr=1e-36"):
            dsp.melspectrogram(y=y, sr=1e-36, precision=precision)
        with pytest.raises(ParameterError, match=r"S times the mel filterbank"):
            MelScale(sr=1e-36)(np.full((1025, 3), 1e4, dtype=np.float32))
