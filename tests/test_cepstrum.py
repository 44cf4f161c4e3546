"""MFCCs and their inversion: librosa (hypothesis), a loop definition here, and invariants."""

from __future__ import annotations

import math
import warnings

import librosa
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import SAMPLE_RATES, make_signal

import dsp
from dsp import DspWarning, ParameterError

EPS64 = np.finfo(np.float64).eps
EPS32 = np.finfo(np.float32).eps
#: librosa's float32 DCT (scipy) accumulates its own rounding, a few ulps of the largest
#: coefficient; ours rounds a float64 result once. 8 ulps of the max is below the issue's 1e-6.
MFCC_RTOL = {np.float32: 8 * EPS32, np.float64: 64 * EPS64}
#: mfcc_to_mel exponentiates: an error d in dB is a relative error ln(10)/10 * d in power, and
#: d is a few ulps of the largest |dB| value. Compared in dB, then, with that many ulps.
DB_ULPS = 16


def quiet(func, *args, **kwargs):
    """Call with legal-but-odd warnings (empty mel filters, short signals) silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


@st.composite
def mfcc_params(draw: st.DrawFn) -> dict:
    sr = draw(st.sampled_from(SAMPLE_RATES))
    n_fft = draw(st.sampled_from([128, 255, 256, 512, 1024]))
    n_mels = draw(st.integers(2, 40))
    lead = draw(st.sampled_from([(), (2,)]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    y = make_signal(
        draw(st.integers(0, 2**32 - 1)),
        lead + (draw(st.integers(n_fft, 4000)),),
        dtype,
        draw(st.sampled_from(["noise", "sines"])),
    )
    return dict(
        y=y,
        sr=sr,
        n_fft=n_fft,
        hop_length=draw(st.sampled_from([32, 64, 100, 512])),
        n_mels=n_mels,
        n_mfcc=draw(st.integers(1, n_mels)),
        dct_type=draw(st.sampled_from([1, 2, 3])),
        norm=draw(st.sampled_from([None, "ortho"])),
        lifter=draw(st.one_of(st.just(0), st.floats(0.5, 40.0))),
        htk=draw(st.booleans()),
        mel_norm=draw(st.sampled_from(["slaney", None])),
    )


@settings(max_examples=40)
@given(mfcc_params())
def test_mfcc_against_librosa(params):
    ours = quiet(dsp.mfcc, **params)
    theirs = quiet(librosa.feature.mfcc, **params)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    scale = np.abs(theirs).max()
    info = {k: v for k, v in params.items() if k != "y"}
    np.testing.assert_allclose(
        ours, theirs, rtol=0, atol=MFCC_RTOL[params["y"].dtype.type] * scale, err_msg=str(info)
    )
    # and back to a mel spectrogram, compared in dB
    kw = dict(
        n_mels=params["n_mels"],
        dct_type=params["dct_type"],
        norm=params["norm"],
        lifter=params["lifter"],
    )
    mel_ours = quiet(dsp.mfcc_to_mel, ours, **kw)
    mel_theirs = quiet(librosa.feature.inverse.mfcc_to_mel, theirs, **kw)
    db_ours, db_theirs = 10 * np.log10(mel_ours), 10 * np.log10(mel_theirs)
    eps = np.finfo(ours.dtype).eps
    np.testing.assert_allclose(
        db_ours,
        db_theirs,
        rtol=0,
        atol=DB_ULPS * eps * (np.abs(db_theirs).max() + scale),
        err_msg=str(info),
    )


def _loop_mfcc(log_mel: np.ndarray, n_mfcc: int, lifter: float) -> np.ndarray:
    """eq. C2 (orthonormal DCT-II) and C4, one frame and one coefficient at a time."""
    n_mels, n_frames = log_mel.shape
    out = np.zeros((n_mfcc, n_frames))
    for t in range(n_frames):
        for i in range(n_mfcc):
            total = sum(
                log_mel[j, t] * math.cos(math.pi * i * (2 * j + 1) / (2 * n_mels))
                for j in range(n_mels)
            )
            scale = math.sqrt(1 / n_mels) if i == 0 else math.sqrt(2 / n_mels)
            lift = 1 + lifter / 2 * math.sin(math.pi * (i + 1) / lifter) if lifter else 1.0
            out[i, t] = total * scale * lift
    return out


@pytest.mark.parametrize("lifter", [0, 22])
def test_mfcc_against_loop_definition(lifter):
    y = make_signal(3, (3000,), np.float64, "sines")
    log_mel = dsp.power_to_db(
        dsp.melspectrogram(y=y, sr=8000, n_fft=256, hop_length=128, n_mels=24)
    )
    ours = dsp.mfcc(S=log_mel, n_mfcc=13, lifter=lifter)
    expected = _loop_mfcc(log_mel, 13, lifter)
    np.testing.assert_allclose(ours, expected, rtol=0, atol=64 * EPS64 * np.abs(expected).max())
    # from audio, the same thing
    from_audio = dsp.mfcc(
        y=y, sr=8000, n_fft=256, hop_length=128, n_mels=24, n_mfcc=13, lifter=lifter
    )
    np.testing.assert_array_equal(from_audio, ours)


@pytest.mark.parametrize("dct_type", [1, 2, 3])
@pytest.mark.parametrize("lifter", [0, 7.5])
def test_mfcc_to_mel_inverts_mfcc_with_every_coefficient(dct_type, lifter):
    y = make_signal(5, (2, 4000), np.float64, "noise")
    mel = dsp.melspectrogram(y=y, sr=16000, n_fft=512, hop_length=160, n_mels=40)
    log_mel = dsp.power_to_db(mel, top_db=None)
    M = dsp.mfcc(S=log_mel, n_mfcc=40, dct_type=dct_type, norm="ortho", lifter=lifter)
    back = dsp.mfcc_to_mel(M, n_mels=40, dct_type=dct_type, norm="ortho", lifter=lifter)
    np.testing.assert_allclose(10 * np.log10(back), log_mel, rtol=0, atol=1e-9)


def test_mfcc_energy_is_preserved_by_the_orthonormal_dct():
    S = np.random.default_rng(1).standard_normal((2, 30, 7)) * 20
    M = dsp.mfcc(S=S, n_mfcc=30)
    np.testing.assert_allclose((M**2).sum(axis=-2), (S**2).sum(axis=-2), rtol=1e-12)


def test_first_coefficient_is_the_mean_log_energy():
    S = np.random.default_rng(2).standard_normal((16, 5))
    np.testing.assert_allclose(dsp.mfcc(S=S, n_mfcc=1)[0], S.sum(0) / 4.0, rtol=1e-13)


def test_mfcc_to_audio_runs_and_matches_its_parts():
    y = make_signal(0, (4000,), np.float32, "sines")
    kw = dict(sr=8000, n_fft=256, hop_length=64)
    M = dsp.mfcc(y=y, n_mels=32, **kw)
    audio = dsp.mfcc_to_audio(M, n_mels=32, n_iter=3, random_state=1, length=4000, **kw)
    mel = dsp.mfcc_to_mel(M, n_mels=32)
    expected = dsp.mel_to_audio(mel, n_iter=3, random_state=1, length=4000, **kw)
    np.testing.assert_array_equal(audio, expected)
    assert audio.shape == (4000,) and audio.dtype == np.float32


def test_n_mfcc_beyond_n_mels_warns_and_is_capped():
    S = np.zeros((10, 3))
    with pytest.warns(DspWarning, match="n_mfcc=12"):
        assert dsp.mfcc(S=S, n_mfcc=12).shape == (10, 3)


def test_mfcc_to_mel_warns_on_a_zero_lifter_weight():
    with pytest.warns(DspWarning, match="lifter"):
        coefficients = np.array([[1.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
        dsp.mfcc_to_mel(coefficients, n_mels=8, lifter=2)  # weight 3: 1 + sin(3 pi / 2) = 0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_mfcc=0), "n_mfcc=0"),
        (dict(dct_type=4), "dct_type=4"),
        (dict(norm="backward"), "norm='backward'"),
        (dict(lifter=-1), "lifter=-1"),
        (dict(S=np.ones(5)), "S.shape"),
        (dict(S=np.array([[1.0, np.nan]])), "not finite"),
        (dict(S=np.ones((2, 2)), y=np.ones(100)), "exactly one"),
        (dict(S=np.ones((1, 2)), dct_type=1), "dct_type=1"),
    ],
)
def test_mfcc_errors(kwargs, match):
    kwargs.setdefault("S", np.ones((4, 3)))
    with pytest.raises(ParameterError, match=match):
        dsp.mfcc(**kwargs)


def test_mfcc_to_mel_errors():
    with pytest.raises(ParameterError, match="n_mels=0"):
        dsp.mfcc_to_mel(np.ones((4, 3)), n_mels=0)
    with pytest.raises(ParameterError, match="ref=0"):
        dsp.mfcc_to_mel(np.ones((4, 3)), ref=0)
    with pytest.raises(ParameterError, match="mfcc"):
        dsp.mfcc_to_mel(np.ones(4))


def test_dsp_mfcc_command(tmp_path, capsys):
    from dsp.cli import main

    wav = tmp_path / "x.wav"
    y = make_signal(9, (8000,), np.float32, "sines") * 0.5
    dsp.write_wav(wav, y, 8000)
    assert main(["mfcc", str(wav), "--sr", "native", "-o", str(tmp_path / "x.npy")]) == 0
    saved = np.load(tmp_path / "x.npy")
    np.testing.assert_array_equal(saved, dsp.mfcc(y=dsp.load(wav, sr=None)[0], sr=8000))
    assert main(["mfcc", str(wav), "--deltas", "-o", str(tmp_path / "x.png")]) == 0
    assert (tmp_path / "x.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["mfcc", str(wav), "-o", str(tmp_path / "x.txt")]) == 2
    assert "must end in .npy" in capsys.readouterr().err


# --- extreme but legal parameters: a correct finite result, or a clear error ----------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("lifter", [5e-324, 1e-300, 1e-40, 1e-17])
def test_tiny_lifter_changes_nothing(dtype, lifter):
    """Each weight 1 + (L/2) sin(pi i / L) is within L/2 of 1, which rounds to 1 below the
    dtype's eps/2; librosa's pi i / L overflows there (divide-by-zero, NaN coefficients)."""
    S = dsp.power_to_db(np.abs(make_signal(2, (40, 6), np.float64, "noise")) + 0.1).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        liftered = dsp.mfcc(S=S, n_mfcc=13, lifter=lifter)
        back = dsp.mfcc_to_mel(liftered, n_mels=40, lifter=lifter)
    np.testing.assert_array_equal(liftered, dsp.mfcc(S=S, n_mfcc=13))
    np.testing.assert_array_equal(back, dsp.mfcc_to_mel(liftered, n_mels=40))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("lifter", [1e39, 1e300, 1.7e308])
def test_huge_lifter_is_finite_and_exact(dtype, lifter):
    """Beyond float32's range librosa's (L/2) in float32 is inf and inf * sin(0) NaN; the
    weights are 1 + (L/2) sin(pi i / L), here in Python floats (exact enough in float64)."""
    S = dsp.power_to_db(np.abs(make_signal(2, (40, 6), np.float64, "noise")) + 0.1).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        liftered = dsp.mfcc(S=S, n_mfcc=13, lifter=lifter)
        back = dsp.mfcc_to_mel(liftered, n_mels=40, lifter=lifter, ref=1.0)
    weights = np.array([1 + lifter / 2 * math.sin(math.pi * i / lifter) for i in range(1, 14)])
    plain = dsp.mfcc(S=S, n_mfcc=13).astype(np.float64)
    # one rounding of the weights and one of the product: 2 ulps of the dtype
    rtol = 2 * np.finfo(dtype).eps
    np.testing.assert_allclose(liftered, plain * weights[:, None], rtol=rtol, atol=0)
    assert np.isfinite(back).all()


def test_mfcc_with_a_tiny_sr_or_p_norm_is_an_error():
    y = make_signal(4, (4096,), np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # librosa overflows (inf, NaN) with RuntimeWarnings
        with pytest.raises(ParameterError, match=r"sr=1e-300"):
            dsp.mfcc(y=y, sr=1e-300)
        with pytest.raises(ParameterError, match=r"sr=1e-36"):
            dsp.mfcc(y=y, sr=1e-36)
        with pytest.raises(ParameterError, match=r"norm=1e-282 is too small"):
            dsp.mfcc(y=y, sr=16000, mel_norm=1e-282)
