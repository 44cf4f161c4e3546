"""to_cnn_input: the spectrogram-as-image step."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dsp
from dsp import ParameterError


@given(
    lead=st.sampled_from([(), (1,), (3,), (2, 2)]),
    n_mels=st.integers(1, 64),
    n_frames=st.integers(1, 50),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**16),
)
def test_shape_dtype_layout(lead, n_mels, n_frames, dtype, seed):
    S_db = (np.random.default_rng(seed).standard_normal(lead + (n_mels, n_frames)) * 20).astype(
        dtype
    )
    S_db = np.asfortranarray(S_db)  # any input layout
    x = dsp.to_cnn_input(S_db)
    assert x.shape == lead + (1, n_mels, n_frames)
    assert x.dtype == np.float32 and x.flags.c_contiguous and x.flags.writeable
    np.testing.assert_array_equal(x[..., 0, :, :], S_db.astype(np.float32))
    assert not np.shares_memory(x, S_db)

    mm = dsp.to_cnn_input(S_db, normalize="minmax")
    assert mm.min() >= 0 and mm.max() <= 1
    flat = mm.reshape(-1, n_mels * n_frames)
    for row in flat:
        assert row.min() == 0 and (row.max() == 1 or np.ptp(row) == 0)

    std = dsp.to_cnn_input(S_db, normalize="standard")
    per_image = std.reshape(-1, n_mels * n_frames).astype(np.float64)
    np.testing.assert_allclose(per_image.mean(axis=1), 0.0, atol=1e-5)
    spread = per_image.std(axis=1)
    assert np.all((np.abs(spread - 1.0) < 1e-4) | (spread == 0))


def test_constant_image_normalises_to_zeros():
    x = dsp.to_cnn_input(np.full((4, 5), -80.0), normalize="standard")
    np.testing.assert_array_equal(x, 0.0)
    x = dsp.to_cnn_input(np.full((4, 5), -80.0), normalize="minmax")
    np.testing.assert_array_equal(x, 0.0)


def test_one_dimensional_input_rejected():
    with pytest.raises(
        ParameterError, match=r"S_db.shape=\(5,\) must be \(..., n_mels, n_frames\)"
    ):
        dsp.to_cnn_input(np.zeros(5))


def test_non_finite_rejected():
    with pytest.raises(ParameterError, match=r"S_db is not finite everywhere"):
        dsp.to_cnn_input(np.array([[0.0, -np.inf]]))


def test_complex_rejected():
    with pytest.raises(ParameterError, match=r"S_db is complex \(complex128\)"):
        dsp.to_cnn_input(np.zeros((2, 2), dtype=complex))


def test_unknown_normalisation():
    with pytest.raises(ParameterError, match=r"normalize='zscore' is not one of"):
        dsp.to_cnn_input(np.zeros((2, 2)), normalize="zscore")


def test_empty_rejected():
    with pytest.raises(ParameterError, match=r"S_db is empty"):
        dsp.to_cnn_input(np.zeros((0, 3)))


# --- hardening (issue 9) ---------------------------------------------------------------------


def test_values_beyond_float32_are_refused_not_inf():
    S_db = np.array([[1e300, 0.0], [0.0, -1e300]])
    with pytest.raises(ParameterError, match=r"beyond float32's \+-3.4e\+38"):
        dsp.to_cnn_input(S_db)


@pytest.mark.parametrize("dtype, big", [(np.float64, 1.7e308), (np.float32, 3.4e38)])
def test_normalising_huge_values_does_not_overflow(dtype, big):
    S_db = np.array([[big, -big], [0.0, big / 2]], dtype=dtype)
    minmax = dsp.to_cnn_input(S_db, normalize="minmax")
    np.testing.assert_allclose(minmax[0], [[1.0, 0.0], [0.5, 0.75]], rtol=1e-6)
    standard = dsp.to_cnn_input(S_db, normalize="standard")
    assert np.isfinite(standard).all()
    x = np.array([1.0, -1.0, 0.0, 0.5])  # the same values scaled: standardisation is scale-free
    np.testing.assert_allclose(standard.ravel(), (x - x.mean()) / x.std(), rtol=1e-6)


def test_integer_input_and_masked_input():
    np.testing.assert_array_equal(
        dsp.to_cnn_input(np.array([[1, 2]], dtype=np.int16)), [[[1.0, 2.0]]]
    )
    with pytest.raises(ParameterError, match=r"S_db is a numpy masked array"):
        dsp.to_cnn_input(np.ma.masked_array(np.zeros((2, 2)), mask=[[1, 0], [0, 0]]))


@pytest.mark.parametrize("normalize", [np.array(["minmax"]), ["minmax"], "MINMAX", True, 0])
def test_normalize_must_be_one_of_the_names(normalize):
    with pytest.raises(ParameterError, match=r"normalize=.* is not one of"):
        dsp.to_cnn_input(np.zeros((2, 2)), normalize=normalize)
