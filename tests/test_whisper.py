"""Whisper's log-mel: transformers' NumPy extractor and openai-whisper's torch formula (live,
hypothesis), a naive DFT in the test, and invariants."""

from __future__ import annotations

import librosa
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from transformers import WhisperFeatureExtractor

import dsp
from dsp import ParameterError
from dsp.compat.whisper import WHISPER_CHUNK_SAMPLES

#: The issue's target (absolute, on the (log10 + 4) / 4 scale). dsp's output is float32: its
#: rounding is ~1e-7 there, the references compute in float64 (transformers) or float32 (torch).
WHISPER_ATOL = 1e-5
#: openai-whisper runs torch.stft in float32: its FFT errs by a few 1e-7 of a frame's peak
#: amplitude in every bin, which in a band 80 dB (1e4 in amplitude) below the peak is a few
#: 1e-3 of its power: log10 / 4 of that is up to ~1e-3.
TORCH32_ATOL = 1e-3
#: The naive DFT below sums in another order than the FFT, in float64; the output is float32.
NAIVE_ATOL = 4 * np.finfo(np.float32).eps

_EXTRACTORS: dict[int, WhisperFeatureExtractor] = {}


def _transformers(y: np.ndarray, n_mels: int) -> np.ndarray:
    """transformers' NumPy path (the extractor built directly: no download)."""
    if n_mels not in _EXTRACTORS:
        _EXTRACTORS[n_mels] = WhisperFeatureExtractor(feature_size=n_mels)
    return _EXTRACTORS[n_mels]._np_extract_fbank_features(y[None], "cpu")[0]


def _openai_whisper(y: np.ndarray, n_mels: int, dtype=torch.float64) -> np.ndarray:
    """openai-whisper's log_mel_spectrogram (audio.py), written out with torch."""
    audio = torch.from_numpy(np.asarray(y)).to(dtype)
    window = torch.hann_window(400, dtype=dtype)
    stft = torch.stft(audio, 400, 160, window=window, return_complex=True)
    magnitudes = stft[..., :-1].abs() ** 2
    filters = torch.from_numpy(librosa.filters.mel(sr=16000, n_fft=400, n_mels=n_mels))
    mel_spec = filters.to(dtype) @ magnitudes
    log_spec = torch.clamp(mel_spec, min=1e-10).log10()
    log_spec = torch.maximum(log_spec, log_spec.max() - 8.0)
    return ((log_spec + 4.0) / 4.0).numpy()


def _naive(y: np.ndarray, n_mels: int) -> np.ndarray:
    """Whisper's recipe from its definition: loop framing, explicit DFT matrix."""
    y = np.asarray(y, dtype=np.float64)
    padded = np.concatenate([y[200:0:-1], y, y[-2:-202:-1]])  # reflect 200 samples each side
    n = np.arange(400)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * n / 400)  # periodic Hann
    dft = np.exp(-2j * np.pi * np.arange(201)[:, None] * n / 400)
    frames = [padded[t * 160 : t * 160 + 400] * window for t in range(len(y) // 160)]
    power = np.abs(dft @ np.array(frames).T) ** 2
    mel = librosa.filters.mel(sr=16000, n_fft=400, n_mels=n_mels).astype(np.float64) @ power
    log = np.log10(np.maximum(mel, 1e-10))
    return (np.maximum(log, log.max() - 8.0) + 4.0) / 4.0


@st.composite
def whisper_signals(draw, max_seconds=1.5):
    n = draw(st.integers(401, int(max_seconds * 16000)))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    kind = draw(st.sampled_from(["noise", "tones", "silence-gaps", "zeros"]))
    t = np.arange(n) / 16000
    if kind == "noise":
        y = rng.standard_normal(n)
    elif kind == "tones":
        f = rng.uniform(50, 7900, 3)
        y = np.sin(2 * np.pi * f[:, None] * t).sum(axis=0) + 1e-3 * rng.standard_normal(n)
    elif kind == "silence-gaps":
        y = rng.standard_normal(n) * (np.sin(2 * np.pi * 1.5 * t) > 0)
    else:
        y = np.zeros(n)
    level = draw(st.sampled_from([1.0, 0.1, 1e-3, 1e-5]))
    return (level * y).astype(np.float32), draw(st.sampled_from([80, 128]))


@settings(max_examples=40)  # each example runs the reference on up to 1.5 s: CI stays quick
@given(whisper_signals())
def test_matches_transformers_numpy_extractor(case):
    y, n_mels = case
    ours = dsp.whisper_log_mel(y, n_mels=n_mels)
    ref = _transformers(y, n_mels)
    assert ours.shape == ref.shape == (n_mels, len(y) // 160)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=WHISPER_ATOL, err_msg=f"{n_mels=}")


@settings(max_examples=30)  # two torch STFTs per example
@given(whisper_signals())
def test_matches_openai_whisper_formula(case):
    y, n_mels = case
    ours = dsp.whisper_log_mel(y, n_mels=n_mels)
    np.testing.assert_allclose(ours, _openai_whisper(y, n_mels), rtol=0, atol=WHISPER_ATOL)
    np.testing.assert_allclose(
        ours, _openai_whisper(y, n_mels, torch.float32), rtol=0, atol=TORCH32_ATOL
    )


@settings(max_examples=10)
@given(whisper_signals(max_seconds=0.3))
def test_matches_a_naive_dft(case):
    y, n_mels = case
    np.testing.assert_allclose(
        dsp.whisper_log_mel(y.astype(np.float64), n_mels=n_mels),
        _naive(y, n_mels),
        rtol=0,
        atol=NAIVE_ATOL,
    )


@pytest.mark.parametrize("n_mels", [80, 128])
def test_thirty_seconds_as_the_model_input(n_mels):
    rng = np.random.default_rng(1)
    y = (0.1 * rng.standard_normal(7 * 16000)).astype(np.float32)
    ours = dsp.whisper_log_mel(y, n_mels=n_mels, padding="30s")
    padded = np.zeros(WHISPER_CHUNK_SAMPLES, dtype=np.float32)
    padded[: len(y)] = y
    assert ours.shape == (n_mels, 3000)
    np.testing.assert_allclose(ours, _transformers(padded, n_mels), rtol=0, atol=WHISPER_ATOL)
    long = np.concatenate([y] * 5)  # 35 s: trimmed to the first 30 s
    np.testing.assert_array_equal(
        dsp.whisper_log_mel(long, padding="30s"), dsp.whisper_log_mel(long[:WHISPER_CHUNK_SAMPLES])
    )


# ------------------------------------------------------------------ invariants


def test_padding_appends_zeros_and_precision_float32():
    y = (0.1 * np.random.default_rng(2).standard_normal(16000)).astype(np.float32)
    np.testing.assert_array_equal(
        dsp.whisper_log_mel(y, padding=480), dsp.whisper_log_mel(np.pad(y, (0, 480)))
    )
    fast = dsp.whisper_log_mel(y, precision="float32")
    np.testing.assert_allclose(fast, dsp.whisper_log_mel(y), rtol=0, atol=TORCH32_ATOL)


@settings(max_examples=20)
@given(whisper_signals(max_seconds=1.0), st.floats(-3, 3))
def test_range_dtype_and_level_shift(case, exponent):
    y, n_mels = case
    out = dsp.whisper_log_mel(y.astype(np.float64), n_mels=n_mels)
    assert out.dtype == np.float64 and out.shape == (n_mels, len(y) // 160)
    assert out.max() - out.min() <= 2.0 + 1e-12  # 8 decades / 4
    assert out.min() >= -1.5  # (log10(1e-10) + 4) / 4
    # Shifted by 2 * exponent / 4 wherever neither result touches the 1e-10 power floor: the
    # clamp (max - 8 decades) must stay above log10(1e-10) = -10 before and after scaling.
    log_max = 4 * out.max() - 4  # log10 of the largest power
    if log_max - 8 + 2 * min(exponent, 0) > -10 + 1e-6:
        scaled = dsp.whisper_log_mel(y.astype(np.float64) * 10.0**exponent, n_mels=n_mels)
        np.testing.assert_allclose(scaled, out + 2 * exponent / 4, atol=1e-9)


def test_batch_is_per_signal():
    rng = np.random.default_rng(3)
    y = (rng.standard_normal((2, 3, 8000)) * [[[1.0]], [[1e-3]]]).astype(np.float32)
    out = dsp.whisper_log_mel(y)
    assert out.shape == (2, 3, 80, 50)
    np.testing.assert_array_equal(out[1, 2], dsp.whisper_log_mel(y[1, 2]))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(sr=22050), "sr=22050"),
        (dict(n_mels=0), "n_mels=0"),
        (dict(padding="10s"), "padding='10s'"),
        (dict(padding=-1), "padding=-1"),
        (dict(padding=True), "padding=True"),
        (dict(padding=1.5), "padding=1.5"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        dsp.whisper_log_mel(np.zeros(16000, dtype=np.float32), **kwargs)


def test_bad_audio():
    with pytest.raises(ParameterError, match="dtype"):
        dsp.whisper_log_mel(np.zeros(16000, dtype=np.int16))
