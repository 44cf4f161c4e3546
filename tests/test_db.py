"""Decibels: bit-identity with librosa, a scalar formula written here, and invariants."""

from __future__ import annotations

import math
import warnings

import librosa
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dsp
from dsp import DspWarning, ParameterError

EPS32 = np.finfo(np.float32).eps
EPS64 = np.finfo(np.float64).eps


@st.composite
def spectrograms(draw: st.DrawFn) -> np.ndarray:
    """Non-negative arrays (..., f, t) spanning many decades, with exact zeros sometimes."""
    lead = draw(st.sampled_from([(), (2,), (2, 3)]))
    shape = lead + (draw(st.integers(1, 20)), draw(st.integers(1, 30)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    top = draw(st.floats(-3.0, 6.0))
    S = 10.0 ** rng.uniform(top - draw(st.floats(0.0, 14.0)), top, size=shape)
    if draw(st.booleans()):
        S[rng.random(shape) < 0.1] = 0.0
    return S.astype(draw(st.sampled_from([np.float32, np.float64])))


refs = st.one_of(st.sampled_from([1.0, np.max, np.median, np.mean]), st.floats(1e-6, 1e6))
top_dbs = st.one_of(st.none(), st.floats(0.0, 200.0))


@given(spectrograms(), refs, st.floats(1e-12, 1e-2), top_dbs)
def test_power_to_db_identical_to_librosa(S, ref, amin, top_db):
    ours = dsp.power_to_db(S, ref=ref, amin=amin, top_db=top_db)
    theirs = librosa.power_to_db(S, ref=ref, amin=amin, top_db=top_db)
    assert ours.dtype == theirs.dtype == S.dtype
    np.testing.assert_array_equal(ours, theirs)


@given(spectrograms(), refs, st.floats(1e-8, 1e-2), top_dbs)
def test_amplitude_to_db_identical_to_librosa(S, ref, amin, top_db):
    ours = dsp.amplitude_to_db(S, ref=ref, amin=amin, top_db=top_db)
    theirs = librosa.amplitude_to_db(S, ref=ref, amin=amin, top_db=top_db)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


# Regression (compatibility matrix, numpy 1.23.2): the reference term must be computed in the
# dtype librosa computes it in, which NumPy's casting rules pick from the reference's type.
# NumPy 1.x squares a float32 scalar ``np.max(S)`` in float64 (value-based casting), NumPy 2 in
# float32; a NumPy float32 number as ``ref`` keeps the reference term in float32 on NumPy 2.
# S=0.8114101 (float32) with ref=np.max gave -1.19e-7 dB instead of librosa's 0.0 on 1.23.2.
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "ref",
    [
        np.max,
        np.median,
        np.mean,
        lambda S: np.max(S, axis=-1, keepdims=True),
        lambda S: np.median(S, axis=-2, keepdims=True),
        lambda S: float(np.max(S)),
        np.float32(0.8114101),
        np.float64(0.8114101),
        0.8114101,
        3,
    ],
    ids=[
        "max",
        "median",
        "mean",
        "max-keepdims",
        "median-keepdims",
        "python-float-max",
        "np.float32",
        "np.float64",
        "float",
        "int",
    ],
)
@pytest.mark.parametrize("func", ["power_to_db", "amplitude_to_db"])
def test_reference_dtype_identical_to_librosa(func, ref, dtype):
    rng = np.random.default_rng(7)
    cases = [np.array([[0.8114101]]), 10.0 ** rng.uniform(-4.0, 2.0, size=(40, 3, 5))]
    for S in (S.astype(dtype) for S in cases):
        for S_case in (S, S[..., :1, :]):  # the whole batch, and one frequency row
            ours = getattr(dsp, func)(S_case, ref=ref)
            theirs = getattr(librosa, func)(S_case, ref=ref)
            assert ours.dtype == theirs.dtype == S.dtype
            np.testing.assert_array_equal(ours, theirs)


@given(st.lists(st.floats(0.0, 1e6), min_size=1, max_size=30), st.floats(1e-3, 1e3))
def test_power_to_db_scalar_formula(values, ref):
    S = np.array(values)
    expected = [10 * math.log10(max(1e-10, s)) - 10 * math.log10(ref) for s in values]
    ours = dsp.power_to_db(S, ref=ref, top_db=None)
    # log10 in NumPy and in math are each within an ulp; dB values are at most ~100.
    np.testing.assert_allclose(ours, expected, rtol=0, atol=64 * EPS64 * 200)


@given(spectrograms(), st.floats(0.0, 120.0), refs)
def test_db_invariants(S, top_db, ref):
    S_db = dsp.power_to_db(S, ref=ref, top_db=top_db)
    assert S_db.shape == S.shape and S_db.dtype == S.dtype
    assert S_db.min() >= S_db.max() - top_db * (1 + EPS32) - 1e-4
    # Monotone: a larger power never gets fewer dB.
    order = np.argsort(S, axis=None, kind="stable")
    assert (np.diff(S_db.ravel()[order].astype(np.float64)) >= 0).all()


@given(spectrograms())
def test_round_trip_where_not_clipped(S):
    S = S.astype(np.float64)
    S_db = dsp.power_to_db(S, top_db=None)
    back = dsp.db_to_power(S_db)
    keep = S >= 1e-10
    np.testing.assert_allclose(back[keep], S[keep], rtol=1e-12)
    A_db = dsp.amplitude_to_db(np.sqrt(S), top_db=None)
    np.testing.assert_allclose(dsp.db_to_amplitude(A_db)[S >= 1e-10], np.sqrt(S)[keep], rtol=1e-12)


@given(st.floats(-200, 200), st.floats(1e-3, 1e3))
def test_db_to_power_and_amplitude_identical_to_librosa(x, ref):
    S_db = np.array([x, x / 2, 0.0])
    np.testing.assert_array_equal(
        dsp.db_to_power(S_db, ref=ref), librosa.db_to_power(S_db, ref=ref)
    )
    np.testing.assert_array_equal(
        dsp.db_to_amplitude(S_db, ref=ref), librosa.db_to_amplitude(S_db, ref=ref)
    )


def test_silence_is_minus_100_db():
    np.testing.assert_array_equal(dsp.power_to_db(np.zeros((3, 4)), top_db=None), -100.0)
    # ref=np.max on silence: the reference is clamped to amin too, so 0 dB everywhere.
    np.testing.assert_array_equal(dsp.power_to_db(np.zeros((3, 4)), ref=np.max), 0.0)


def test_reference_over_whole_array_by_default_and_per_channel_option():
    quiet = np.full((1, 4, 5), 1e-4)
    loud = np.full((1, 4, 5), 1.0)
    S = np.concatenate([quiet, loud])
    whole = dsp.power_to_db(S, ref=np.max)
    np.testing.assert_allclose(whole[0], -40.0)  # relative to the loud channel
    per = dsp.power_to_db(S, ref=np.max, per_channel=True)
    np.testing.assert_allclose(per, 0.0)
    floored = dsp.power_to_db(S, top_db=20.0)
    np.testing.assert_allclose(floored[0], -20.0)  # 0 dB peak of the other channel, minus 20
    np.testing.assert_allclose(dsp.power_to_db(S, top_db=20.0, per_channel=True)[0], -40.0)
    amp = dsp.amplitude_to_db(np.sqrt(S), ref=np.max, per_channel=True)
    np.testing.assert_allclose(amp, 0.0, atol=1e-12)


def test_per_channel_equals_calling_each_channel():
    rng = np.random.default_rng(3)
    S = rng.random((2, 3, 8, 9)) ** 4
    per = dsp.power_to_db(S, ref=np.max, per_channel=True)
    for index in np.ndindex(2, 3):
        np.testing.assert_array_equal(per[index], dsp.power_to_db(S[index], ref=np.max))


def test_amplitude_to_db_of_complex_warns_and_uses_magnitude():
    D = np.array([[3 + 4j, 0.5j]])
    with pytest.warns(DspWarning, match=r"complex input; using its magnitude"):
        out = dsp.amplitude_to_db(D)
    np.testing.assert_array_equal(out, dsp.amplitude_to_db(np.abs(D)))


# --- bad input -------------------------------------------------------------------------------


def test_negative_input_named():
    S = np.ones((3, 4))
    S[1, 2] = -0.5
    with pytest.raises(ParameterError, match=r"S\[\(1, 2\)\]=-0.5"):
        dsp.power_to_db(S)


def test_nan_input_named():
    S = np.ones(5)
    S[3] = np.nan
    with pytest.raises(ParameterError, match=r"must be finite and non-negative .*S\[3\]=nan"):
        dsp.power_to_db(S)


def test_inf_input_named():
    S = np.ones(5)
    S[4] = np.inf
    with pytest.raises(ParameterError, match=r"S\[4\]=inf"):
        dsp.power_to_db(S)


def test_complex_input_rejected():
    with pytest.raises(ParameterError, match=r"S is complex \(complex128\); pass a power"):
        dsp.power_to_db(np.ones(4, dtype=complex))


@pytest.mark.parametrize("amin", [0.0, -1e-10])
def test_amin_positive(amin):
    with pytest.raises(ParameterError, match=rf"amin={amin!r} must be positive"):
        dsp.power_to_db(np.ones(4), amin=amin)


def test_amin_positive_amplitude():
    with pytest.raises(ParameterError, match=r"amin=0.0 must be positive"):
        dsp.amplitude_to_db(np.ones(4), amin=0.0)


def test_top_db_non_negative():
    with pytest.raises(ParameterError, match=r"top_db=-1.0 must be non-negative"):
        dsp.power_to_db(np.ones(4), top_db=-1.0)


@pytest.mark.parametrize(
    "ref, message",
    [
        (0.0, r"ref=0.0 must be positive"),
        (-2.0, r"ref=-2.0 must be positive"),
        (float("nan"), r"ref=nan must be finite"),
        ("max", r"ref='max' must be a real number"),
    ],
)
def test_bad_ref(ref, message):
    with pytest.raises(ParameterError, match=message):
        dsp.power_to_db(np.ones(4), ref=ref)


def test_ref_callable_returning_nan():
    with pytest.raises(ParameterError, match=r"ref\(S\)=nan must be non-negative"):
        dsp.power_to_db(np.ones(4), ref=lambda S: np.nan)


def test_empty_spectrogram():
    with pytest.raises(ParameterError, match=r"S is empty \(shape=\(0, 3\)\)"):
        dsp.power_to_db(np.zeros((0, 3)))


def test_db_to_power_bad_ref():
    with pytest.raises(ParameterError, match=r"ref=0.0 must be positive"):
        dsp.db_to_power(np.zeros(3), ref=0.0)


def test_no_warning_for_plain_input():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dsp.power_to_db(np.ones((2, 2)), ref=np.max)


# --- hardening (issue 9): numerics that used to go silently wrong ----------------------------


def test_integer_magnitudes_are_computed_in_float():
    # int16 200 squared in int16 wraps to -25536; the definition is 20 log10(200) = 46.02 dB.
    S = np.array([200, 0, 32767], dtype=np.int16)
    expected = [20 * math.log10(200), 20 * math.log10(1e-5), 20 * math.log10(32767)]
    out = dsp.amplitude_to_db(S, top_db=None)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, expected, rtol=0, atol=64 * EPS64 * 100)
    small = np.array([200, 0, 255])  # representable in every integer type below
    for dtype in (np.uint8, np.int32, np.int64, np.uint64):
        np.testing.assert_array_equal(
            dsp.power_to_db(small.astype(dtype)), dsp.power_to_db(small.astype(np.float64))
        )


@pytest.mark.parametrize("convert", [dsp.power_to_db, dsp.amplitude_to_db])
def test_float16_is_computed_in_float32(convert):
    S = np.array([[0.0, 1e-3, 1.0, 200.0, 60000.0]], dtype=np.float16)
    out = convert(S, ref=np.max, top_db=None)
    assert out.dtype == np.float32 and np.isfinite(out).all()
    np.testing.assert_array_equal(out, convert(S.astype(np.float32), ref=np.max, top_db=None))


def test_huge_ref_and_tiny_amin_stay_finite():
    S = np.array([200.0, 0.0])
    out = dsp.amplitude_to_db(S, ref=1e200, top_db=None)  # ref**2 overflows float64
    np.testing.assert_allclose(out, [20 * math.log10(200) - 4000, -100 - 4000], rtol=1e-14)
    out = dsp.amplitude_to_db(S, amin=1e-200, top_db=None)  # amin**2 underflows to 0
    np.testing.assert_allclose(out, [20 * math.log10(200), -4000], rtol=1e-14)
    np.testing.assert_allclose(dsp.power_to_db(S, ref=1e200, top_db=None)[0], 23.0103 - 2000, 1e-6)


@pytest.mark.parametrize("dtype, big", [(np.float64, 1e200), (np.float32, 1e20)])
def test_amplitude_whose_square_overflows(dtype, big):
    S = np.array([big, 1.0], dtype=dtype)
    out = dsp.amplitude_to_db(S, top_db=None)
    assert out.dtype == dtype and np.isfinite(out).all()
    np.testing.assert_allclose(out, [20 * math.log10(float(dtype(big))), 0.0], rtol=1e-6)


def test_amin_that_is_zero_in_the_dtype_is_refused():
    with pytest.raises(ParameterError, match=r"amin=1e-50 does not fit in float32"):
        dsp.power_to_db(np.ones(3, dtype=np.float32), amin=1e-50)
    with pytest.raises(ParameterError, match=r"amin=1e\+200 does not fit in float32"):
        dsp.power_to_db(np.ones(3, dtype=np.float32), amin=1e200)


@pytest.mark.parametrize("convert", [dsp.power_to_db, dsp.amplitude_to_db])
def test_masked_array_is_refused(convert):
    S = np.ma.masked_array([1.0, np.nan, 4.0], mask=[False, True, False])
    with pytest.raises(ParameterError, match=r"S is a numpy masked array.*S.filled"):
        convert(S)


@pytest.mark.parametrize(
    "ref, message",
    [
        (lambda S: np.inf, r"ref\(S\)=inf must be non-negative and finite"),
        (lambda S: None, r"ref\(S\)=None must be a real number >= 0"),
        (lambda S: "loud", r"ref\(S\)='loud' must be a real number >= 0"),
        (lambda S: np.ones(7), r"ref\(S\) \(shape \(7,\)\) does not broadcast to S.shape=\(3, 4\)"),
        (lambda S: -1.0, r"ref\(S\)=-1.0 must be non-negative and finite"),
        (lambda S: np.array([]), r"must be a real number >= 0"),
    ],
)
def test_ref_callable_must_return_a_level(ref, message):
    with pytest.raises(ParameterError, match=message):
        dsp.power_to_db(np.ones((3, 4)), ref=ref)
    with pytest.raises(ParameterError, match=message):
        dsp.amplitude_to_db(np.ones((3, 4)), ref=ref)


def test_ref_callable_returning_a_broadcastable_array():
    S = np.array([[1.0, 10.0], [100.0, 1000.0]])
    out = dsp.power_to_db(S, ref=lambda S: S.max(axis=-1, keepdims=True), top_db=None)
    np.testing.assert_allclose(out, [[-10.0, 0.0], [-10.0, 0.0]], atol=1e-12)


@pytest.mark.parametrize("flag", ["no", "False", 1, 0, None, np.array([True])])
def test_per_channel_must_be_a_bool(flag):
    with pytest.raises(ParameterError, match=r"per_channel=.* must be True or False"):
        dsp.power_to_db(np.ones((2, 3, 4)), per_channel=flag)


def test_db_to_power_beyond_the_float_range_is_refused():
    with pytest.raises(ParameterError, match=r"S_db\[1\]=4000.0 dB is beyond float64's range"):
        dsp.db_to_power(np.array([0.0, 4000.0]))
    with pytest.raises(ParameterError, match=r"S_db\[0\]=400.0 dB is beyond float32's range"):
        dsp.db_to_power(np.array([400.0], dtype=np.float32))
    with pytest.raises(ParameterError, match=r"S_db\[1\]=nan is not a level"):
        dsp.db_to_amplitude(np.array([0.0, np.nan]))
    np.testing.assert_array_equal(dsp.db_to_power(np.array([-np.inf, 0.0])), [0.0, 1.0])


def test_db_to_amplitude_with_a_huge_ref():
    out = dsp.db_to_amplitude(np.array([0.0, 20.0]), ref=1e200)  # ref**2 would overflow
    np.testing.assert_allclose(out, [1e200, 1e201], rtol=1e-14)


def test_integer_and_float16_decibels():
    np.testing.assert_array_equal(dsp.db_to_power(np.array([0, 10], dtype=np.int8)), [1.0, 10.0])
    assert dsp.db_to_power(np.array([10.0], dtype=np.float16)).dtype == np.float32
