"""Named conventions: MelSpectrogram.preset against librosa and torchaudio's documented formula
(computed with torch), each convention's callable against its own function, and errors."""

from __future__ import annotations

import math
import warnings

import librosa
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import dsp
from dsp import DspWarning, ParameterError
from dsp.compat.convention_diff import STAGES
from dsp.compat.presets import PRESETS, get_preset, preset_kwargs

#: dsp's transform has a float32 filterbank and float32 output: ~1e-7 rounding per value, a
#: sum of non-negative terms; 1e-5 of the maximum leaves a margin of 100.
TORCHAUDIO_RTOL = 1e-5


def _torchaudio_mel(
    y, *, sr=16000, n_fft=400, hop=200, n_mels=128, f_min=0.0, f_max=None, dtype=torch.float64
):
    """torchaudio.transforms.MelSpectrogram's documented computation (torchaudio 2.x source:
    ``Spectrogram`` then ``MelScale`` with ``melscale_fbanks(..., norm=None,
    mel_scale="htk")``), written with torch."""
    f_max = sr / 2 if f_max is None else f_max
    wave = torch.from_numpy(np.asarray(y)).to(dtype)
    spec = (
        torch.stft(
            wave,
            n_fft=n_fft,
            hop_length=hop,
            win_length=n_fft,
            window=torch.hann_window(n_fft, dtype=dtype),
            center=True,
            pad_mode="reflect",
            normalized=False,
            onesided=True,
            return_complex=True,
        )
        .abs()
        .pow(2.0)
    )
    n_freqs = n_fft // 2 + 1
    all_freqs = torch.linspace(0, sr // 2, n_freqs, dtype=dtype)
    m_min = 2595.0 * math.log10(1.0 + f_min / 700.0)
    m_max = 2595.0 * math.log10(1.0 + f_max / 700.0)
    m_pts = torch.linspace(m_min, m_max, n_mels + 2, dtype=dtype)
    f_pts = 700.0 * (10.0 ** (m_pts / 2595.0) - 1.0)
    f_diff = f_pts[1:] - f_pts[:-1]
    slopes = f_pts.unsqueeze(0) - all_freqs.unsqueeze(1)
    down = (-1.0 * slopes[:, :-2]) / f_diff[:-1]
    up = slopes[:, 2:] / f_diff[1:]
    fb = torch.max(torch.zeros(1, dtype=dtype), torch.min(down, up))
    return torch.matmul(spec.transpose(-1, -2), fb).transpose(-1, -2).numpy()


def _transform(name, **overrides):
    """The preset transform; filters left empty by a coarse FFT grid are zero in torchaudio too
    (it warns as well), so that warning is expected here, not an error."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", "[0-9]+ of n_mels=[0-9]+ mel filters are all zero", DspWarning
        )
        return dsp.MelSpectrogram.preset(name, **overrides)


@settings(max_examples=25)
@given(
    st.integers(0, 2**16),
    st.integers(400, 24000),
    st.sampled_from([16000, 8000, 22050]),
    st.sampled_from([40, 64, 80]),
    st.sampled_from([None, 4000.0]),
)
def test_torchaudio_preset_matches_the_documented_formula(seed, n, sr, n_mels, f_max):
    y = np.random.default_rng(seed).standard_normal(n).astype(np.float32)
    ours = _transform("torchaudio", sr=sr, n_mels=n_mels, fmax=f_max)(y)
    for dtype in (torch.float64, torch.float32):
        ref = _torchaudio_mel(y, sr=sr, n_mels=n_mels, f_max=f_max, dtype=dtype)
        assert ours.shape == ref.shape
        np.testing.assert_allclose(
            ours,
            ref,
            rtol=0,
            atol=TORCHAUDIO_RTOL * ref.max(),
            err_msg=f"{sr=} {n_mels=} {f_max=} {dtype}",
        )


def test_torchaudio_preset_defaults_and_its_empty_filters():
    y = np.random.default_rng(1).standard_normal(16000).astype(np.float32)
    with pytest.warns(DspWarning, match="4 of n_mels=128 mel filters are all zero"):
        transform = dsp.MelSpectrogram.preset("torchaudio")  # 128 bands on 201 bins
    assert (transform.n_fft, transform.hop_length, transform.win_length) == (400, 200, 400)
    ours, ref = transform(y), _torchaudio_mel(y)
    assert ours.shape == (128, 81)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=TORCHAUDIO_RTOL * ref.max())
    assert int((transform.mel_basis.max(axis=1) == 0).sum()) == 4


@settings(max_examples=10)
@given(st.integers(0, 2**16), st.integers(2048, 30000), st.sampled_from([np.float32, np.float64]))
def test_librosa_preset_is_librosa(seed, n, dtype):
    y = np.random.default_rng(seed).standard_normal(n).astype(dtype)
    ours = dsp.MelSpectrogram.preset("librosa")(y)
    np.testing.assert_array_equal(ours, librosa.feature.melspectrogram(y=y, sr=22050))
    np.testing.assert_allclose(
        PRESETS["librosa"](y),
        librosa.power_to_db(librosa.feature.melspectrogram(y=y)),
        rtol=0,
        atol=1e-4,
    )  # dB of float32 values: 10 log10 rounding ~1e-6 dB, margin 100


def test_whisper_preset_gives_whispers_features_through_its_db_stage():
    y = (0.1 * np.random.default_rng(2).standard_normal(16000)).astype(np.float32)
    db = dsp.MelSpectrogram.preset("whisper").stages(y)["db"]
    features = (db[..., :-1] / 10.0 + 4.0) / 4.0
    np.testing.assert_allclose(features, dsp.whisper_log_mel(y), rtol=0, atol=1e-6)
    np.testing.assert_array_equal(PRESETS["whisper"](y), dsp.whisper_log_mel(y))


def test_kaldi_conventions_call_kaldi_fbank_on_the_int16_scale():
    y = (0.1 * np.random.default_rng(3).standard_normal(8000)).astype(np.float32)
    np.testing.assert_array_equal(PRESETS["kaldi"](y), dsp.kaldi_fbank(y * 32768))
    np.testing.assert_array_equal(
        PRESETS["torchaudio-kaldi"](y, use_energy=True),
        dsp.kaldi_fbank(y * 32768, dither=0.0, energy_floor=1.0, use_energy=True),
    )


def test_torchaudio_convention_is_its_transform():
    y = np.random.default_rng(4).standard_normal(8000).astype(np.float32)
    with pytest.warns(DspWarning, match="all zero"):
        ours = PRESETS["torchaudio"](y)
    np.testing.assert_array_equal(ours, _transform("torchaudio")(y))
    np.testing.assert_array_equal(
        PRESETS["torchaudio"](y, n_mels=40), _transform("torchaudio", n_mels=40)(y)
    )


def test_overrides_and_fresh_dicts():
    kwargs = preset_kwargs("whisper")
    kwargs["n_mels"] = 1
    assert preset_kwargs("whisper")["n_mels"] == 80
    assert dsp.MelSpectrogram.preset("whisper", n_mels=128).mel_basis.shape == (128, 201)


def test_every_convention_describes_every_stage():
    for name, convention in PRESETS.items():
        assert convention.name == name
        assert tuple(convention.describe()) == STAGES


@pytest.mark.parametrize("name", ["kaldi", "torchaudio-kaldi"])
def test_kaldi_does_not_fit_the_transform(name):
    with pytest.raises(ParameterError, match="does not fit MelSpectrogram"):
        preset_kwargs(name)


def test_unknown_names():
    with pytest.raises(ParameterError, match="'htk' is not known"):
        preset_kwargs("htk")
    with pytest.raises(ParameterError, match="is not known"):
        get_preset(None)
