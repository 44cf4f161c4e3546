"""Windows: librosa/scipy, scalar formulas written here, and invariants."""

from __future__ import annotations

import math

import librosa
import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from strategies import EXACT_WINDOWS, window_specs

import dsp
from dsp import ParameterError

EPS64 = np.finfo(np.float64).eps
#: kaiser and gaussian use NumPy's i0 and exp instead of scipy.special's: the issue allows 1e-12.
KAISER_GAUSS_RTOL = 1e-12
#: A scalar formula (math.cos of 2 pi n / M) against the vectorised cosine of linspace: both are
#: within an ulp or two of the true value, and the window values are <= 1.
FORMULA_ATOL = 8 * EPS64


@given(window=window_specs(), n=st.integers(1, 4100), fftbins=st.booleans())
def test_get_window_matches_librosa(window, n, fftbins):
    ours = dsp.get_window(window, n, fftbins=fftbins)
    theirs = librosa.filters.get_window(window, n, fftbins=fftbins)
    assert ours.dtype == np.float64 and ours.shape == (n,)
    if isinstance(window, tuple):
        np.testing.assert_allclose(
            ours, theirs, rtol=KAISER_GAUSS_RTOL, atol=0, err_msg=f"{window}"
        )
    else:
        np.testing.assert_array_equal(ours, theirs, err_msg=f"{window=} {n=} {fftbins=}")


@pytest.mark.parametrize(
    "name",
    [
        "hann",
        "hamming",
        "blackman",
        "boxcar",
        "triang",
        "bartlett",
        "blackmanharris",
        "nuttall",
        "cosine",
    ],
)
def test_every_named_window_exactly_against_scipy(name):
    for n in [*range(1, 70), 255, 256, 2047, 2048]:
        for fftbins in (True, False):
            np.testing.assert_array_equal(
                dsp.get_window(name, n, fftbins=fftbins),
                scipy.signal.get_window(name, n, fftbins=fftbins),
                err_msg=f"{name=} {n=} {fftbins=}",
            )


def _scalar_symmetric(name: str, m: int, n: int) -> float:
    """Textbook formulas, one sample at a time (M = m samples, symmetric)."""
    x = 2 * math.pi * n / (m - 1)
    if name == "hann":
        return 0.5 - 0.5 * math.cos(x)
    if name == "hamming":
        return 0.54 - 0.46 * math.cos(x)
    if name == "blackman":
        return 0.42 - 0.5 * math.cos(x) + 0.08 * math.cos(2 * x)
    if name == "boxcar":
        return 1.0
    if name == "bartlett":
        return 1 - abs(2 * n / (m - 1) - 1)
    if name == "triang":  # like bartlett on m + 1 (odd m) or m (even m) points, no zero ends
        denom = m + 1 if m % 2 else m
        return 1 - abs(2 * n - (m - 1)) / denom
    raise AssertionError(name)


@given(
    name=st.sampled_from(["hann", "hamming", "blackman", "boxcar", "bartlett", "triang"]),
    n=st.integers(2, 600),
    fftbins=st.booleans(),
)
def test_get_window_matches_scalar_formula(name, n, fftbins):
    m = n + 1 if fftbins else n  # periodic: the symmetric window of N + 1, last sample dropped
    expected = [_scalar_symmetric(name, m, k) for k in range(n)]
    np.testing.assert_allclose(
        dsp.get_window(name, n, fftbins=fftbins), expected, rtol=0, atol=FORMULA_ATOL
    )


@given(n=st.integers(3, 3000), window=st.sampled_from(["hann", "hamming", "blackman"]))
def test_periodic_window_is_dft_even(n, window):
    """Periodic windows satisfy w[k] == w[N - k]; the symmetric form of length N does not."""
    w = dsp.get_window(window, n)
    np.testing.assert_allclose(w[1:], w[1:][::-1], rtol=0, atol=4 * EPS64)
    sym = dsp.get_window(window, n, fftbins=False)
    assert not np.allclose(sym[1:], sym[1:][::-1], rtol=0, atol=1e-9)


@given(n=st.sampled_from([16, 64, 512, 2048]))
def test_periodic_hann_overlap_adds_to_constant(n):
    """Periodic Hann at hop N/4 sums to 2 everywhere (constant overlap-add); symmetric does not."""
    w = dsp.get_window("hann", n)
    total = sum(np.roll(w, k * n // 4) for k in range(4))
    np.testing.assert_allclose(total, 2.0, rtol=0, atol=8 * EPS64)
    sym = dsp.get_window("hann", n, fftbins=False)
    assert np.ptp(sum(np.roll(sym, k * n // 4) for k in range(4))) > 1e-6


def test_window_invariants():
    for name in EXACT_WINDOWS:
        for n in (1, 2, 7, 64, 65):
            w = dsp.get_window(name, n)
            assert w.shape == (n,) and w.dtype == np.float64
            # Blackman's ends are 0.42 - 0.5 + 0.08, a rounding error below zero: allow eps.
            assert (w >= -4 * EPS64).all() and w.max() <= 1.0 + 4 * EPS64
    np.testing.assert_array_equal(dsp.get_window("hann", 1), [1.0])
    np.testing.assert_array_equal(dsp.get_window("hann", 4), [0.0, 0.5, 1.0, 0.5])


def test_window_callable_and_array():
    np.testing.assert_array_equal(dsp.get_window(np.hanning, 8), np.hanning(8))
    arr = np.linspace(0, 1, 8)
    np.testing.assert_array_equal(dsp.get_window(arr, 8), arr)
    np.testing.assert_array_equal(dsp.get_window(list(arr), 8), arr)


def test_window_aliases():
    np.testing.assert_array_equal(dsp.get_window("rectangular", 9), np.ones(9))
    np.testing.assert_array_equal(dsp.get_window("HANN", 9), dsp.get_window("hann", 9))
    np.testing.assert_array_equal(dsp.get_window(("hann",), 9), dsp.get_window("hann", 9))


# --- bad input -------------------------------------------------------------------------------


def test_unknown_window_name():
    with pytest.raises(ParameterError, match=r"window='hanm' is not a known window"):
        dsp.get_window("hanm", 16)


def test_window_array_wrong_length():
    with pytest.raises(ParameterError, match=r"window has shape \(10,\), expected \(16,\)"):
        dsp.get_window(np.ones(10), 16)


def test_window_array_not_finite():
    w = np.ones(16)
    w[3] = np.nan
    with pytest.raises(ParameterError, match=r"window is not finite: window\[3\]=nan"):
        dsp.get_window(w, 16)


def test_window_callable_wrong_length():
    with pytest.raises(ParameterError, match=r"window\(Nx\) has shape \(15,\), expected \(16,\)"):
        dsp.get_window(lambda n: np.ones(n - 1), 16)


def test_window_complex_array():
    with pytest.raises(ParameterError, match=r"window must be real"):
        dsp.get_window(np.ones(16, dtype=complex), 16)


def test_kaiser_needs_beta():
    with pytest.raises(ParameterError, match=r"kaiser needs exactly one parameter, beta"):
        dsp.get_window("kaiser", 16)


def test_gaussian_std_positive():
    with pytest.raises(ParameterError, match=r"gaussian std=0.0 must be positive"):
        dsp.get_window(("gaussian", 0.0), 16)


def test_hann_takes_no_parameter():
    with pytest.raises(ParameterError, match=r"hann takes no parameter"):
        dsp.get_window(("hann", 3.0), 16)


def test_window_of_wrong_type():
    with pytest.raises(ParameterError, match=r"window=3.5 must be a name"):
        dsp.get_window(3.5, 16)


@pytest.mark.parametrize("n", [0, -4, 4.0, True])
def test_window_length_positive_int(n):
    with pytest.raises(ParameterError, match=rf"Nx={n!r} must be a positive integer"):
        dsp.get_window("hann", n)


# --- hardening (issue 9): extreme parameters and strict flags --------------------------------


def _kaiser_log_domain(beta: float, m: int) -> np.ndarray:
    """The Kaiser window from scipy's scaled ``i0e(x) = e^-x I0(x)``, which never overflows."""
    from scipy.special import i0e

    n = np.arange(m)
    alpha = (m - 1) / 2.0
    x = beta * np.sqrt(1 - ((n - alpha) / alpha) ** 2)
    return np.exp(np.log(i0e(x)) + x - np.log(i0e(beta)) - beta)


@pytest.mark.parametrize("beta", [650.0, 700.5, 720.0, 5000.0, 1e300])
@pytest.mark.parametrize("fftbins", [True, False])
def test_kaiser_with_huge_beta_is_finite(beta, fftbins):
    w = dsp.get_window(("kaiser", beta), 33, fftbins=fftbins)
    assert np.isfinite(w).all() and (w >= 0).all() and w.max() <= 1.0
    expected = _kaiser_log_domain(beta, 34 if fftbins else 33)[:33]
    # i0e is accurate to a few ulp; exp of a difference of logs near 1e3 loses ~1e3 ulp.
    np.testing.assert_allclose(w, expected, rtol=1e-10, atol=1e-300)


def test_kaiser_below_the_threshold_is_unchanged():
    from scipy.signal.windows import kaiser

    np.testing.assert_allclose(
        dsp.get_window(("kaiser", 699.0), 64), kaiser(64, 699.0, False), rtol=1e-12
    )


@pytest.mark.parametrize("std", [1e-170, 1e-154, 1e-300])
def test_gaussian_with_tiny_std_is_a_spike(std):
    odd = dsp.get_window(("gaussian", std), 9, fftbins=False)
    np.testing.assert_array_equal(odd, np.eye(9)[4])  # the centre sample is exp(0) = 1
    even = dsp.get_window(("gaussian", std), 8, fftbins=False)
    np.testing.assert_array_equal(even, np.zeros(8))  # no sample at the centre: all underflow


@pytest.mark.parametrize("flag", ["no", "False", 1, 0, None])
def test_fftbins_must_be_a_bool(flag):
    with pytest.raises(ParameterError, match=r"fftbins=.* must be True or False"):
        dsp.get_window("hann", 8, fftbins=flag)


def test_masked_or_ragged_samples_are_refused():
    with pytest.raises(ParameterError, match=r"window is a numpy masked array"):
        dsp.get_window(np.ma.masked_array(np.ones(4), mask=[1, 0, 0, 0]), 4)
    with pytest.raises(ParameterError, match=r"window must give real numbers, got dtype <U1"):
        dsp.get_window(["a", "b"], 2)


def test_absurd_length_is_refused_before_allocating():
    with pytest.raises(ParameterError, match=r"Nx=10+ would need .* of memory"):
        dsp.get_window("hann", 10**30)
