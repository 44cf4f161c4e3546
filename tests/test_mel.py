"""Hz <-> mel: librosa, scalar formulas written here, and invariants."""

from __future__ import annotations

import math

import librosa
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dsp
from dsp import ParameterError

EPS64 = np.finfo(np.float64).eps
#: A math-module scalar formula against NumPy's vectorised one: each is within an ulp or two of
#: the exact value, and the inverse round trip composes two such errors, scaled by the slope.
ROUND_TRIP_RTOL = 64 * EPS64

frequencies = st.floats(0.0, 1e5, allow_nan=False, allow_infinity=False)


@given(st.lists(frequencies, min_size=1, max_size=50), st.booleans())
def test_hz_to_mel_identical_to_librosa(freqs, htk):
    f = np.array(freqs)
    np.testing.assert_array_equal(dsp.hz_to_mel(f, htk=htk), librosa.hz_to_mel(f, htk=htk))


@given(st.lists(st.floats(0.0, 5000.0), min_size=1, max_size=50), st.booleans())
def test_mel_to_hz_identical_to_librosa(mels, htk):
    m = np.array(mels)
    np.testing.assert_array_equal(dsp.mel_to_hz(m, htk=htk), librosa.mel_to_hz(m, htk=htk))


@given(frequencies, st.booleans())
def test_scalar_in_scalar_out(f, htk):
    m = dsp.hz_to_mel(f, htk=htk)
    assert np.ndim(m) == 0 and isinstance(m, float)
    assert m == librosa.hz_to_mel(f, htk=htk)
    assert np.ndim(dsp.mel_to_hz(m, htk=htk)) == 0


def _slaney_scalar(f: float) -> float:
    if f < 1000.0:
        return 3.0 * f / 200.0
    return 15.0 + 27.0 * math.log(f / 1000.0) / math.log(6.4)


@given(frequencies)
def test_against_scalar_formulas(f):
    np.testing.assert_allclose(dsp.hz_to_mel(f), _slaney_scalar(f), rtol=8 * EPS64, atol=0)
    np.testing.assert_allclose(
        dsp.hz_to_mel(f, htk=True), 2595.0 * math.log10(1.0 + f / 700.0), rtol=8 * EPS64, atol=0
    )


@given(frequencies, st.booleans())
def test_round_trip(f, htk):
    back = dsp.mel_to_hz(dsp.hz_to_mel(f, htk=htk), htk=htk)
    np.testing.assert_allclose(back, f, rtol=ROUND_TRIP_RTOL, atol=1e-9)


def test_slaney_breakpoint_is_computed_not_written():
    """1000 / (200/3) is 14.999999999999998 in floats; writing 15.0 would break parity."""
    assert dsp.hz_to_mel(1000.0) == 1000.0 / (200.0 / 3)
    assert dsp.hz_to_mel(1000.0) != 15.0
    # mel_to_hz switches to the log branch at that computed breakpoint: exp(0) exactly.
    assert dsp.mel_to_hz(14.999999999999998) == 1000.0
    # Just below it, the linear branch: (200/3) * m.
    below = np.nextafter(14.999999999999998, 0)
    assert dsp.mel_to_hz(below) == (200.0 / 3) * below


@given(st.lists(frequencies, min_size=2, max_size=50, unique=True), st.booleans())
def test_monotonic(freqs, htk):
    f = np.sort(np.array(freqs))
    mels = dsp.hz_to_mel(f, htk=htk)
    assert (np.diff(mels) >= 0).all()  # non-decreasing; tiny steps may round to equal
    assert mels[-1] > mels[0] or f[-1] - f[0] < 1e-6


@given(
    n_mels=st.integers(1, 256),
    fmin=st.floats(0.0, 10000.0),
    span=st.floats(0.0, 12000.0),
    htk=st.booleans(),
)
def test_mel_frequencies_identical_to_librosa(n_mels, fmin, span, htk):
    fmax = fmin + span
    ours = dsp.mel_frequencies(n_mels, fmin=fmin, fmax=fmax, htk=htk)
    theirs = librosa.mel_frequencies(n_mels, fmin=fmin, fmax=fmax, htk=htk)
    np.testing.assert_array_equal(ours, theirs)
    assert ours.shape == (n_mels,)
    # Equal steps on the mel scale (eq. M5).
    if n_mels > 2:
        steps = np.diff(dsp.hz_to_mel(ours, htk=htk))
        np.testing.assert_allclose(steps, steps[0], rtol=1e-9, atol=1e-9)


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf])
def test_hz_to_mel_rejects_bad_frequencies(bad):
    with pytest.raises(ParameterError, match=r"frequencies.* must be finite and non-negative"):
        dsp.hz_to_mel(np.array([10.0, bad]))


def test_hz_to_mel_names_the_bad_index():
    with pytest.raises(ParameterError, match=r"frequencies\[1\]=-800.0"):
        dsp.hz_to_mel(np.array([10.0, -800.0]), htk=True)


def test_mel_to_hz_rejects_negative_scalar():
    with pytest.raises(ParameterError, match=r"mels=-3.0 must be finite and non-negative"):
        dsp.mel_to_hz(-3.0)


def test_hz_to_mel_rejects_strings():
    with pytest.raises(ParameterError, match=r"frequencies must be real numbers"):
        dsp.hz_to_mel("440")


def test_mel_frequencies_rejects_reversed_range():
    with pytest.raises(ParameterError, match=r"fmin=5000.0 must not exceed fmax=100.0"):
        dsp.mel_frequencies(10, fmin=5000.0, fmax=100.0)


@pytest.mark.parametrize("n_mels", [0, -1, 12.0, False])
def test_mel_frequencies_rejects_bad_count(n_mels):
    with pytest.raises(ParameterError, match=rf"n_mels={n_mels!r} must be a positive integer"):
        dsp.mel_frequencies(n_mels)
