"""The chain: melspectrogram and MelSpectrogram against librosa, a loop definition, invariants."""

from __future__ import annotations

import warnings

import librosa
import numpy as np
import pytest
import scipy.fft  # librosa's FFT library, and so the one dsp.stft reproduces
from hypothesis import given
from hypothesis import strategies as st
from strategies import make_signal, mel_params, stft_params

import dsp
from dsp import ParameterError

EPS32 = np.finfo(np.float32).eps
EPS64 = np.finfo(np.float64).eps


def quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


@st.composite
def pipeline_params(draw: st.DrawFn, max_n_fft: int = 1024) -> dict:
    """STFT parameters and filterbank parameters that agree on n_fft, plus a power."""
    stft_kw = draw(stft_params(exact_only=True, max_n_fft=max_n_fft))
    mel_kw = draw(mel_params(max_n_fft=max_n_fft))
    mel_kw["n_fft"] = stft_kw["n_fft"]
    if stft_kw["hop_length"] is None:
        stft_kw["hop_length"] = draw(st.integers(1, 2 * stft_kw["n_fft"]))
    power = draw(st.one_of(st.sampled_from([1.0, 2.0]), st.floats(0.5, 3.0)))
    return {**stft_kw, **mel_kw, "power": power}


@given(pipeline_params())
def test_melspectrogram_identical_to_librosa(params):
    ours = quiet(dsp.melspectrogram, **params)
    theirs = quiet(librosa.feature.melspectrogram, **params)
    # The filterbank's dtype joins the audio's: float32 audio with dtype=float64 gives float64.
    assert ours.dtype == theirs.dtype == np.result_type(params["y"].dtype, params["dtype"])
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(
        ours, theirs, err_msg=str({k: v for k, v in params.items() if k != "y"})
    )


@given(pipeline_params(max_n_fft=512), st.sampled_from([np.max, 1.0]))
def test_whole_chain_to_db_identical_to_librosa(params, ref):
    ours = dsp.power_to_db(quiet(dsp.melspectrogram, **params), ref=ref)
    theirs = librosa.power_to_db(quiet(librosa.feature.melspectrogram, **params), ref=ref)
    np.testing.assert_array_equal(ours, theirs)


def test_seed_example_shapes_and_values():
    """The explainer: 20 s at 22050 Hz -> (128, 862) -> (1, 128, 862), identical to librosa."""
    sr = 22050
    t = np.arange(20 * sr) / sr
    y = 0.5 * np.sin(2 * np.pi * 440 * t) + 0.1 * np.sin(2 * np.pi * 3000 * t * (1 + t / 20))
    y = y.astype(np.float32)
    mel_spec_db = dsp.power_to_db(dsp.melspectrogram(y=y, sr=sr, n_mels=128), ref=np.max)
    assert mel_spec_db.shape == (128, 862)
    expected = librosa.power_to_db(
        librosa.feature.melspectrogram(y=y, sr=sr, n_mels=128), ref=np.max
    )
    np.testing.assert_array_equal(mel_spec_db, expected)
    cnn_input = dsp.to_cnn_input(mel_spec_db)
    assert cnn_input.shape == (1, 128, 862)
    assert cnn_input.dtype == np.float32 and cnn_input.flags.c_contiguous
    np.testing.assert_array_equal(cnn_input[0], mel_spec_db)
    # Step 1 of the explainer: the linear STFT in dB relative to its maximum.
    S_db = dsp.amplitude_to_db(np.abs(dsp.stft(y)), ref=np.max)
    np.testing.assert_array_equal(
        S_db, librosa.amplitude_to_db(np.abs(librosa.stft(y)), ref=np.max)
    )


@given(
    seed=st.integers(0, 2**16),
    n_fft=st.integers(8, 64),
    hop=st.integers(4, 64),
    n_mels=st.integers(1, 12),
    n=st.integers(64, 400),
)
def test_melspectrogram_matches_loop_definition(seed, n_fft, hop, n_mels, n):
    """M[m, t] = sum_f B[m, f] |D[f, t]|^2 (eq. P1, P2), summed cell by cell here."""
    y = make_signal(seed, (n,), np.float64)
    D = dsp.stft(y, n_fft=n_fft, hop_length=hop)
    B = quiet(dsp.mel_filterbank, sr=8000, n_fft=n_fft, n_mels=n_mels)
    expected = np.zeros((n_mels, D.shape[1]))
    for m in range(n_mels):
        for t in range(D.shape[1]):
            expected[m, t] = sum(float(B[m, f]) * abs(D[f, t]) ** 2 for f in range(D.shape[0]))
    ours = quiet(dsp.melspectrogram, y=y, sr=8000, n_fft=n_fft, hop_length=hop, n_mels=n_mels)
    np.testing.assert_allclose(ours, expected, rtol=16 * n_fft * EPS64, atol=1e-300)


@given(pipeline_params(max_n_fft=512))
def test_spectrogram_and_S_path(params):
    stft_keys = ("n_fft", "hop_length", "win_length", "window", "center", "pad_mode")
    S = quiet(
        dsp.spectrogram, params["y"], power=params["power"], **{k: params[k] for k in stft_keys}
    )
    D = quiet(librosa.stft, params["y"], **{k: params[k] for k in stft_keys})
    np.testing.assert_array_equal(S, np.abs(D) ** params["power"])
    assert (S >= 0).all() and S.dtype == params["y"].dtype
    mel_keys = ("sr", "n_fft", "n_mels", "fmin", "fmax", "htk", "norm", "dtype")
    from_S = quiet(dsp.melspectrogram, S=S, **{k: params[k] for k in mel_keys})
    theirs = quiet(librosa.feature.melspectrogram, S=S, **{k: params[k] for k in mel_keys})
    np.testing.assert_array_equal(from_S, theirs)
    if params["n_fft"] % 2 == 0:  # n_fft = 2 * (rows - 1) is inferred from S, as librosa does
        np.testing.assert_array_equal(from_S, quiet(dsp.melspectrogram, **params))


@given(pipeline_params(max_n_fft=256))
def test_mel_spectrogram_object_and_its_stages(params):
    y = params.pop("y")
    transform = quiet(dsp.MelSpectrogram, ref=np.max, **params)
    mel = quiet(transform, y)
    np.testing.assert_array_equal(mel, quiet(dsp.melspectrogram, y=y, **params))
    stages = quiet(transform.stages, y)
    assert tuple(stages) == dsp.pipeline.STAGES
    n_fft = params["n_fft"]
    frames, windowed, spectrum = stages["frames"], stages["windowed"], stages["spectrum"]
    assert frames.shape[-2] == n_fft and frames.shape[-1] == spectrum.shape[-1]
    np.testing.assert_array_equal(windowed, frames * transform.window[:, None])
    rebuilt = scipy.fft.rfft(windowed, axis=-2).astype(spectrum.dtype)
    np.testing.assert_array_equal(rebuilt, spectrum)
    np.testing.assert_array_equal(stages["power"], np.abs(spectrum) ** params["power"])
    np.testing.assert_array_equal(stages["mel"], mel)
    np.testing.assert_array_equal(stages["db"], dsp.power_to_db(mel, ref=np.max))
    assert (stages["mel"] >= 0).all()


def test_mel_spectrogram_builds_window_and_basis_once():
    transform = dsp.MelSpectrogram(sr=16000, n_fft=400, hop_length=160, n_mels=40)
    assert transform.window.shape == (400,) and transform.mel_basis.shape == (40, 201)
    y = np.random.default_rng(0).standard_normal((2, 16000)).astype(np.float32)
    assert transform(y).shape == (2, 40, 101)


# --- bad input -------------------------------------------------------------------------------

Y = np.random.default_rng(0).standard_normal(8192).astype(np.float32)


@pytest.mark.parametrize("power", [0.0, -1.0, float("nan")])
def test_power_must_be_positive(power):
    with pytest.raises(ParameterError, match=r"power=.* must be (positive|finite)"):
        dsp.melspectrogram(y=Y, power=power)


def test_power_must_be_positive_spectrogram():
    with pytest.raises(ParameterError, match=r"power=0 must be positive"):
        dsp.spectrogram(Y, power=0)


def test_S_gives_n_fft_as_librosa():
    """librosa ignores n_fft when S is given: n_fft = 2 * (S.shape[-2] - 1) = 1024 here."""
    S = np.abs(dsp.stft(Y, n_fft=1024, hop_length=512)) ** 2
    expected = librosa.feature.melspectrogram(S=S, sr=22050)
    np.testing.assert_array_equal(dsp.melspectrogram(S=S), expected)
    np.testing.assert_array_equal(dsp.melspectrogram(S=S), dsp.melspectrogram(y=Y, n_fft=1024))


def test_S_without_frequency_rows():
    with pytest.raises(ParameterError, match=r"S.shape=\(1, 5\): a spectrogram needs"):
        dsp.melspectrogram(S=np.ones((1, 5)))


def test_S_with_right_n_fft_accepted():
    S = np.abs(dsp.stft(Y, n_fft=1024, hop_length=512)) ** 2
    np.testing.assert_array_equal(
        dsp.melspectrogram(S=S, n_fft=1024), dsp.melspectrogram(y=Y, n_fft=1024)
    )


def test_neither_y_nor_S():
    with pytest.raises(ParameterError, match=r"give exactly one of y \(audio\) and S"):
        dsp.melspectrogram()


def test_both_y_and_S():
    with pytest.raises(ParameterError, match=r"give exactly one of y \(audio\) and S"):
        dsp.melspectrogram(y=Y, S=np.ones((1025, 3)))


def test_pipeline_names_bad_audio():
    y = Y.copy()
    y[100] = np.nan
    with pytest.raises(ParameterError, match=r"y\[100\]=nan"):
        dsp.melspectrogram(y=y)


def test_pipeline_fmax_above_nyquist():
    with pytest.raises(ParameterError, match=r"fmax=9000.0 must not exceed sr / 2 = 8000.0"):
        dsp.melspectrogram(y=Y, sr=16000, fmax=9000.0)
