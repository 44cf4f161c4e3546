"""DCT types 1-3: scipy.fft (hypothesis), a loop definition written here, and invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.fft
from hypothesis import given, settings
from hypothesis import strategies as st

import dsp
from dsp import ParameterError
from dsp.cosine import _MATRIX_MAX

EPS64 = np.finfo(np.float64).eps
EPS32 = np.finfo(np.float32).eps
#: Two float64 DCTs summing N products in different orders differ by a few ulps of the
#: largest partial sum, which is at most 2 * N * max|x| (the unnormalised sums' bound).
F64_TOL = 16 * EPS64
#: float32: we round a float64 result once; scipy accumulates in float32, about sqrt(N) ulps.
F32_TOL = 8 * EPS32


def _bound(x: np.ndarray, n: int) -> float:
    """The largest magnitude an unnormalised DCT of ``x`` can reach: ``2 N max|x|``."""
    return 2.0 * n * max(float(np.abs(x).max()), np.finfo(np.float64).tiny)


@st.composite
def dct_cases(draw: st.DrawFn) -> dict:
    """An array, an axis, a length around the matrix/FFT threshold, a type and a norm."""
    kind = draw(st.sampled_from([1, 2, 3]))
    n = draw(st.one_of(st.integers(2, 40), st.sampled_from([_MATRIX_MAX, _MATRIX_MAX + 1, 1000])))
    lead = draw(st.sampled_from([(), (3,), (2, 2)]))
    shape = list(lead) + [n]
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    shape[axis], shape[-1] = shape[-1], shape[axis]
    dtype = draw(st.sampled_from([np.float32, np.float64, np.complex128]))
    x = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).standard_normal(shape)
    if dtype is np.complex128:
        x = x + 1j * np.roll(x, 1)
    resize = draw(st.one_of(st.none(), st.integers(2, 50)))
    return dict(
        x=x.astype(dtype),
        type=kind,
        axis=axis,
        norm=draw(st.sampled_from([None, "ortho"])),
        n=resize,
    )


@settings(max_examples=60)
@given(dct_cases())
def test_dct_and_idct_against_scipy(case):
    x = case.pop("x")
    length = case["n"] or x.shape[case["axis"]]
    tol = F32_TOL if x.dtype == np.float32 else F64_TOL
    for ours_f, theirs_f in ((dsp.dct, scipy.fft.dct), (dsp.idct, scipy.fft.idct)):
        ours, theirs = ours_f(x, **case), theirs_f(x, **case)
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        np.testing.assert_allclose(
            ours, theirs, rtol=0, atol=tol * _bound(x, length), err_msg=str(case)
        )


def _loop_dct(x: np.ndarray, kind: int) -> np.ndarray:
    """eq. C1-C3, one coefficient and one term at a time (norm=None)."""
    n = len(x)
    y = np.zeros(n)
    for k in range(n):
        if kind == 1:
            y[k] = x[0] + (-1) ** k * x[-1]
            y[k] += sum(2 * x[j] * math.cos(math.pi * k * j / (n - 1)) for j in range(1, n - 1))
        elif kind == 2:
            y[k] = sum(2 * x[j] * math.cos(math.pi * k * (2 * j + 1) / (2 * n)) for j in range(n))
        else:
            y[k] = x[0] + sum(
                2 * x[j] * math.cos(math.pi * (2 * k + 1) * j / (2 * n)) for j in range(1, n)
            )
    return y


@pytest.mark.parametrize("kind", [1, 2, 3])
@pytest.mark.parametrize("n", [2, 3, 8, 17, _MATRIX_MAX + 3])
def test_dct_against_loop_definition(kind, n):
    x = np.random.default_rng(n).standard_normal(n)
    np.testing.assert_allclose(
        dsp.dct(x, type=kind), _loop_dct(x, kind), rtol=0, atol=F64_TOL * _bound(x, n)
    )


@pytest.mark.parametrize("kind", [1, 2, 3])
@pytest.mark.parametrize("n", [2, 5, 64, _MATRIX_MAX + 1])
def test_ortho_matrices_are_orthogonal_and_inverse_pairs(kind, n):
    C = dsp.dct_matrix(n, type=kind, norm="ortho")
    np.testing.assert_allclose(C @ C.T, np.eye(n), rtol=0, atol=4 * n * EPS64)
    x = np.random.default_rng(0).standard_normal((3, n))
    for norm in (None, "ortho"):
        back = dsp.idct(dsp.dct(x, type=kind, norm=norm), type=kind, norm=norm)
        np.testing.assert_allclose(back, x, rtol=0, atol=F64_TOL * _bound(x, n))
    # Parseval for the orthonormal transform
    y = dsp.dct(x, type=kind, norm="ortho")
    np.testing.assert_allclose((y**2).sum(-1), (x**2).sum(-1), rtol=n * EPS64 * 8)


def test_matrix_rows_are_the_transform_of_unit_vectors():
    for kind in (1, 2, 3):
        C = dsp.dct_matrix(9, type=kind)
        np.testing.assert_allclose(dsp.dct(np.eye(9), type=kind, axis=0), C, atol=1e-14)
    assert not dsp.dct_matrix(4).flags.writeable


def test_type2_of_a_cosine_is_a_spike():
    n, k = 32, 5
    x = np.cos(np.pi * k * (2 * np.arange(n) + 1) / (2 * n))
    y = dsp.dct(x, norm="ortho")
    assert int(np.argmax(np.abs(y))) == k
    np.testing.assert_allclose(np.delete(y, k), 0, atol=1e-13)


def test_integer_and_float16_input():
    assert dsp.dct(np.arange(4)).dtype == np.float64
    assert dsp.dct(np.ones(4, np.float16)).dtype == np.float32


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(type=4), "type=4"),
        (dict(type=True), "type=True"),
        (dict(norm="forward"), "norm='forward'"),
        (dict(n=0), "n=0"),
        (dict(axis=3), "axis=3"),
        (dict(axis=1.0), "axis=1.0"),
    ],
)
def test_dct_errors(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        dsp.dct(np.ones(4), **kwargs)


def test_dct_bad_data():
    with pytest.raises(ParameterError, match="non-empty"):
        dsp.dct(np.ones(0))
    with pytest.raises(ParameterError, match="dtype"):
        dsp.dct(np.array(["a", "b"]))
    with pytest.raises(ParameterError, match="type-1 DCT"):
        dsp.dct(np.ones(1), type=1)
    with pytest.raises(ParameterError, match="n=1"):
        dsp.dct_matrix(1, type=1)
