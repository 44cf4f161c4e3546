"""Delta features: librosa (hypothesis), a polynomial fit per frame written here, invariants."""

from __future__ import annotations

import math
import warnings

import librosa
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dsp
from dsp import ParameterError
from dsp.deltas import MODES, savgol_weights

EPS64 = np.finfo(np.float64).eps
EPS32 = np.finfo(np.float32).eps
#: For float32 data with mode="interp", librosa fits the edge polynomials in float32 (scipy's
#: least squares in single precision); ours are fitted in float64. The difference is librosa's
#: float32 rounding of a least-squares solve: a few ulps times the fit's condition number,
#: which grows with the order and the width: 41 ulps of the largest output were seen at order 3,
#: width 15 (a random draw), so the bound is 64.
EDGE_F32_ULPS = 64
#: Our float32 result is the float64 result rounded once: within half an ulp of it.
ROUNDING = EPS32


@st.composite
def delta_cases(draw: st.DrawFn) -> dict:
    width = draw(st.sampled_from([3, 5, 7, 9, 11, 15]))
    order = draw(st.integers(1, min(3, width - 1)))
    mode = draw(st.sampled_from(MODES))
    ndim = draw(st.integers(1, 3))
    shape = [draw(st.integers(1, 6)) for _ in range(ndim)]
    axis = draw(st.integers(-ndim, ndim - 1))
    low = width if mode == "interp" else 1
    shape[axis] = draw(st.integers(low, low + 40))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    data = (rng.standard_normal(shape) * draw(st.sampled_from([1e-3, 1.0, 50.0]))).astype(dtype)
    return dict(data=data, width=width, order=order, axis=axis, mode=mode)


@settings(max_examples=150)
@given(delta_cases())
def test_delta_against_librosa(case):
    ours = dsp.delta(**case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy's polyfit RankWarning on tiny windows
        theirs = librosa.feature.delta(**case)
    data = case["data"]
    info = str({k: v for k, v in case.items() if k != "data"})
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    if case["mode"] != "interp" or data.dtype == np.float64:
        np.testing.assert_array_equal(ours, theirs, err_msg=info)
        return
    half = case["width"] // 2
    inner = [slice(None)] * data.ndim
    inner[case["axis"]] = slice(half, data.shape[case["axis"]] - half)
    np.testing.assert_array_equal(ours[tuple(inner)], theirs[tuple(inner)], err_msg=info)
    scale = np.abs(theirs).max()
    np.testing.assert_allclose(
        ours, theirs, rtol=0, atol=EDGE_F32_ULPS * EPS32 * scale, err_msg=info
    )
    # librosa on the same data in float64 agrees with ours to our single rounding
    exact = librosa.feature.delta(**{**case, "data": data.astype(np.float64)})
    np.testing.assert_allclose(
        ours, exact, rtol=ROUNDING, atol=ROUNDING * np.abs(exact).max(), err_msg=info
    )


def _loop_delta(x: np.ndarray, width: int, order: int, mode: str) -> np.ndarray:
    """Fit a degree-``order`` polynomial to every window with np.polyfit; take its derivative."""
    half = width // 2
    n = len(x)
    pad = {"mirror": "reflect", "nearest": "edge", "wrap": "wrap", "constant": "constant"}
    out = np.zeros(n)
    padded = np.pad(x, half, mode=pad.get(mode, "constant"))
    for t in range(n):
        if mode == "interp":  # the fit over the first / last full window, evaluated at t
            start = min(max(t - half, 0), n - width)
            window, at = x[start : start + width], t - start - half
        else:
            window, at = padded[t : t + width], 0
        poly = np.polyder(np.polyfit(np.arange(-half, half + 1), window, order), order)
        out[t] = np.polyval(poly, at)
    return out


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("width, order", [(3, 1), (9, 1), (9, 2), (7, 3)])
def test_delta_against_polynomial_fit(mode, width, order):
    x = np.random.default_rng(width + order).standard_normal(30)
    np.testing.assert_allclose(
        dsp.delta(x, width=width, order=order, mode=mode),
        _loop_delta(x, width, order, mode),
        rtol=0,
        atol=1e-10,
    )


@pytest.mark.parametrize("mode", ["interp", "nearest", "mirror"])
def test_delta_of_a_polynomial_is_its_derivative(mode):
    t = np.arange(40.0)
    ramp = 0.25 * t - 3
    np.testing.assert_allclose(dsp.delta(ramp, width=5, mode="interp"), 0.25, rtol=1e-13)
    quadratic = 0.5 * t**2
    inner = slice(4, -4)
    np.testing.assert_allclose(
        dsp.delta(quadratic, width=9, order=2, mode=mode)[inner], 1.0, rtol=1e-12
    )
    np.testing.assert_allclose(dsp.delta(np.full(20, 7.0), mode=mode), 0.0, atol=1e-13)


def test_savgol_weights_closed_forms():
    for width in (3, 5, 9, 21):
        j = np.arange(-(width // 2), width // 2 + 1)
        np.testing.assert_allclose(savgol_weights(width, 1), j / np.sum(j**2), atol=1e-15)
    # order 2, width 5: (2, -1, -2, -1, 2) / 7 (the classic second-derivative filter)
    np.testing.assert_allclose(savgol_weights(5, 2), np.array([2, -1, -2, -1, 2]) / 7, atol=1e-14)
    assert math.isclose(savgol_weights(7, 3).sum(), 0.0, abs_tol=1e-14)


def test_delta_is_linear_and_follows_the_axis():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3, 25))
    np.testing.assert_allclose(dsp.delta(2 * a - b), 2 * dsp.delta(a) - dsp.delta(b), atol=1e-13)
    np.testing.assert_array_equal(dsp.delta(a, axis=0, width=3).T, dsp.delta(a.T, width=3))


def test_delta_keeps_dtype_and_converts_integers():
    assert dsp.delta(np.ones(9, np.float32)).dtype == np.float32
    assert dsp.delta(np.arange(9)).dtype == np.float64


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(width=4), "width=4"),
        (dict(width=1), "width=1"),
        (dict(width=3.0), "width=3.0"),
        (dict(order=0), "order=0"),
        (dict(order=9), "order=9"),
        (dict(mode="reflect"), "mode='reflect'"),
        (dict(axis=2), "axis=2"),
        (dict(width=11), "width=11 exceeds"),
    ],
)
def test_delta_errors(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        dsp.delta(np.ones(10), **kwargs)


def test_delta_bad_data():
    with pytest.raises(ParameterError, match="complex"):
        dsp.delta(np.ones(10, complex))
    with pytest.raises(ParameterError, match="non-empty"):
        dsp.delta(np.ones(0), mode="nearest")
