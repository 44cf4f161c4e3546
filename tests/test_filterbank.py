"""Mel filterbank: bit-identity with librosa, a scalar triangle formula, and invariants."""

from __future__ import annotations

import warnings

import librosa
import numpy as np
import pytest
from hypothesis import given
from strategies import mel_params

import dsp
from dsp import DspWarning, ParameterError

EPS32 = np.finfo(np.float32).eps
EPS64 = np.finfo(np.float64).eps


def quiet(func, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(**kwargs)


@given(mel_params())
def test_filterbank_identical_to_librosa(params):
    ours = quiet(dsp.mel_filterbank, **params)
    theirs = quiet(librosa.filters.mel, **params)
    assert ours.dtype == theirs.dtype == params["dtype"]
    assert ours.shape == (params["n_mels"], 1 + params["n_fft"] // 2)
    np.testing.assert_array_equal(ours, theirs, err_msg=str(params))
    # byte for byte: -0.0 == 0.0 above, but the sign of a zero weight changes pinv(weights) in
    # the last bit, and with it mel_to_stft's parity with librosa (librosa has -0.0 where a
    # bin lies exactly on a band's lower edge)
    assert ours.tobytes() == theirs.tobytes(), params


def _scalar_filterbank(sr, n_fft, n_mels, fmin, fmax, htk):
    """Peak-1 triangles (eq. B1), one filter and one bin at a time, in float64."""
    edges = [
        float(dsp.mel_to_hz(m, htk=htk))
        for m in np.linspace(dsp.hz_to_mel(fmin, htk=htk), dsp.hz_to_mel(fmax, htk=htk), n_mels + 2)
    ]
    out = np.zeros((n_mels, 1 + n_fft // 2))
    for i in range(n_mels):
        f0, f1, f2 = edges[i], edges[i + 1], edges[i + 2]
        for k in range(1 + n_fft // 2):
            f = k * sr / n_fft
            if f0 < f <= f1:
                out[i, k] = (f - f0) / (f1 - f0)
            elif f1 < f < f2:
                out[i, k] = (f2 - f) / (f2 - f1)
    return out, edges


@given(mel_params(max_n_fft=512, max_n_mels=40))
def test_filterbank_matches_scalar_triangles(params):
    sr, n_fft, n_mels = params["sr"], params["n_fft"], params["n_mels"]
    fmax = params["fmax"] if params["fmax"] is not None else sr / 2
    expected, edges = _scalar_filterbank(sr, n_fft, n_mels, params["fmin"], fmax, params["htk"])
    peak1 = quiet(dsp.mel_filterbank, **{**params, "norm": None, "dtype": np.float64})
    # k * sr / n_fft and rfftfreq differ by an ulp; the slopes amplify that by 1/width.
    widths = np.diff(edges)
    atol = 16 * EPS64 * sr / max(min(widths), 1e-300)
    np.testing.assert_allclose(peak1, expected, rtol=0, atol=max(atol, 1e-12))
    if params["norm"] == "slaney":
        area = quiet(dsp.mel_filterbank, **{**params, "dtype": np.float64})
        scale = 2.0 / (np.array(edges[2:]) - np.array(edges[:-2]))
        np.testing.assert_allclose(
            area, expected * scale[:, None], rtol=0, atol=max(atol, 1e-12) * scale.max()
        )


@given(mel_params())
def test_filterbank_invariants(params):
    basis = quiet(dsp.mel_filterbank, **params)
    assert basis.dtype == params["dtype"] and (basis >= 0).all()
    peak1 = quiet(dsp.mel_filterbank, **{**params, "norm": None})
    assert peak1.max() <= 1.0
    fmax = params["fmax"] if params["fmax"] is not None else params["sr"] / 2
    centres = dsp.mel_frequencies(
        params["n_mels"] + 2, fmin=params["fmin"], fmax=fmax, htk=params["htk"]
    )[1:-1]
    bin_hz = params["sr"] / params["n_fft"]
    for i in np.flatnonzero(peak1.max(axis=1) > 0):
        # Each filter peaks within one bin of its centre frequency.
        assert abs(peak1[i].argmax() * bin_hz - centres[i]) <= bin_hz * (1 + 1e-9)
    norm = params["norm"]
    if isinstance(norm, float):
        rows = basis[basis.max(axis=1) > 0].astype(np.float64)
        lengths = (
            np.abs(rows).max(axis=1) if np.isinf(norm) else (rows**norm).sum(axis=1) ** (1 / norm)
        )
        # Rows were normalised in float64 then rounded to the dtype: each entry within its eps.
        eps = np.finfo(basis.dtype).eps
        np.testing.assert_allclose(lengths, 1.0, rtol=8 * max(eps, EPS32) * basis.shape[1])


def test_slaney_filters_have_unit_area_on_a_fine_grid():
    """With bins much narrower than the triangles, sum(w) * bin_width ~ 1 (area normalised)."""
    sr, n_fft = 16000, 2**16
    basis = dsp.mel_filterbank(sr=sr, n_fft=n_fft, n_mels=40, dtype=np.float64)
    areas = basis.sum(axis=1) * sr / n_fft
    np.testing.assert_allclose(areas, 1.0, rtol=1e-3)


def test_float64_audio_keeps_float32_basis_by_default():
    assert dsp.mel_filterbank(sr=22050, n_fft=2048).dtype == np.float32


def test_empty_filters_warn_with_their_count():
    with pytest.warns(DspWarning, match=r"\d+ of n_mels=128 mel filters are all zero"):
        basis = dsp.mel_filterbank(sr=8000, n_fft=64, n_mels=128)
    assert (basis.max(axis=1) == 0).any()


# --- bad input -------------------------------------------------------------------------------


def test_fmin_negative():
    with pytest.raises(ParameterError, match=r"fmin=-1.0 must be non-negative"):
        dsp.mel_filterbank(sr=22050, n_fft=2048, fmin=-1.0)


def test_fmin_not_below_fmax():
    with pytest.raises(ParameterError, match=r"fmin=4000.0 must be below fmax=4000.0"):
        dsp.mel_filterbank(sr=22050, n_fft=2048, fmin=4000.0, fmax=4000.0)


def test_fmax_above_nyquist():
    with pytest.raises(ParameterError, match=r"fmax=12000.0 must not exceed sr / 2 = 11025.0"):
        dsp.mel_filterbank(sr=22050, n_fft=2048, fmax=12000.0)


@pytest.mark.parametrize("sr", [0, -8000, float("nan"), float("inf")])
def test_bad_sr(sr):
    with pytest.raises(ParameterError, match=r"sr=.* must be (positive|finite)"):
        dsp.mel_filterbank(sr=sr, n_fft=2048)


@pytest.mark.parametrize("n_mels", [0, 128.0, True])
def test_bad_n_mels(n_mels):
    with pytest.raises(ParameterError, match=rf"n_mels={n_mels!r} must be a positive integer"):
        dsp.mel_filterbank(sr=22050, n_fft=2048, n_mels=n_mels)


@pytest.mark.parametrize("norm", ["htk", 0, -2.0, True])
def test_bad_norm(norm):
    with pytest.raises(ParameterError, match=r"norm=.* must be 'slaney', None, or a number p > 0"):
        dsp.mel_filterbank(sr=22050, n_fft=2048, norm=norm)


def test_band_edges_that_coincide():
    # librosa divides by the zero width and returns NaN weights; we refuse.
    with pytest.raises(ParameterError, match=r"too close for n_mels=3: band edges coincide"):
        dsp.mel_filterbank(sr=5076, n_fft=4, n_mels=3, fmin=2537.999999999999)


def test_bad_dtype():
    with pytest.raises(ParameterError, match=r"dtype=int32 must be a floating-point type"):
        dsp.mel_filterbank(sr=22050, n_fft=2048, dtype=np.int32)


# --- extreme but legal parameters: a correct finite result, or a clear error ----------------


@pytest.mark.parametrize("norm", [1e-282, 1e-3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tiny_p_norm_is_refused_not_inf(norm, dtype):
    """A filter's Lp norm is about n ** (1/p) times its peak: for a tiny p the normalised
    filter underflows (librosa's sum ** (1/p) overflows, with a RuntimeWarning): refused."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning on the way
        with pytest.raises(ParameterError, match=rf"norm={norm} is too small: .* underflows"):
            dsp.mel_filterbank(sr=16000, n_fft=512, n_mels=10, norm=norm, dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_p_norm_tends_to_the_max_norm(dtype):
    """L_p -> L_inf as p grows: with p = 1e300 every |w|^p underflows in librosa's sum (which
    then leaves the filters unnormalised); computed relative to the peak it is the max norm."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        huge = dsp.mel_filterbank(sr=16000, n_fft=512, n_mels=10, norm=1e300, dtype=dtype)
    peak1 = dsp.mel_filterbank(sr=16000, n_fft=512, n_mels=10, norm=None, dtype=dtype)
    expected = peak1 / peak1.max(axis=1, keepdims=True)  # the definition of the inf norm
    np.testing.assert_allclose(huge, expected, rtol=np.finfo(dtype).eps, atol=0)


def test_slaney_weights_beyond_the_dtype_are_refused():
    """sr=1e-300: the bands are 1e-302 Hz wide, so 2 / (f2 - f0) ~ 1e302 overflows float32
    (librosa returns inf); refused, naming sr. In float64 it fits: finite."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ParameterError, match=r"sr=1e-300, .* overflow float32"):
            dsp.mel_filterbank(sr=1e-300, n_fft=512, n_mels=10)
        basis = dsp.mel_filterbank(sr=1e-300, n_fft=512, n_mels=10, dtype=np.float64)
    assert np.isfinite(basis).all() and basis.max() > 1e300
