"""NNLS and mel inversion: librosa (hypothesis), scipy's exact NNLS, KKT conditions, invariants.

``solver="auto"`` (L-BFGS-B, as librosa) is compared with librosa; ``solver="projected"`` (the
NumPy solver) with a naive definition of the minimiser (the KKT conditions, scipy's exact
active-set NNLS where the minimiser is unique) and with librosa's residual.
"""

from __future__ import annotations

import sys
import warnings

import librosa
import numpy as np
import pytest
import scipy.optimize
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import make_signal

import dsp
from dsp import ParameterError

EPS32 = np.finfo(np.float32).eps
#: solver="auto" runs librosa's optimiser on librosa's objective, start and blocks, with the
#: products computed by the same NumPy calls: identical in every case measured. The issue asks
#: for 1e-3 of the maximum; 1e-6 still leaves room for a BLAS whose kernels round differently
#: with the alignment of the arrays (L-BFGS-B's line search could amplify a last-bit change).
MEL_PARITY_RTOL = 1e-6
#: The projected solver converges further than librosa's L-BFGS-B (the mel basis has more
#: columns than rows, so many spectrograms fit): it must fit at least as well, up to float32
#: rounding of the output.
RESIDUAL_SLACK = 1 + 16 * EPS32


def quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # empty mel filters for small n_fft
        return func(*args, **kwargs)


@st.composite
def mel_cases(draw: st.DrawFn) -> dict:
    sr = draw(st.sampled_from([8000, 16000, 22050]))
    n_fft = draw(st.sampled_from([128, 256, 512]))
    n_mels = draw(st.integers(4, 48))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    y = make_signal(
        draw(st.integers(0, 2**32 - 1)),
        (draw(st.integers(n_fft, 3000)),),
        dtype,
        draw(st.sampled_from(["noise", "sines"])),
    )
    if draw(st.booleans()):  # channels: librosa solves a block of all channels at once
        y = np.stack([y, y[::-1].copy()])
    power = draw(st.sampled_from([1.0, 2.0]))
    htk = draw(st.booleans())
    M = quiet(
        librosa.feature.melspectrogram,
        y=y,
        sr=sr,
        n_fft=n_fft,
        hop_length=n_fft // 4,
        n_mels=n_mels,
        power=power,
        htk=htk,
    )
    return dict(M=M, sr=sr, n_fft=n_fft, power=power, htk=htk)


def residual(basis, S, M, power):
    fit = np.einsum("mf,...ft->...mt", basis, S.astype(np.float64) ** power)
    return np.linalg.norm(fit - M) / np.linalg.norm(M)


@settings(max_examples=25)
@given(mel_cases())
def test_mel_to_stft_against_librosa(case):
    ours = quiet(dsp.mel_to_stft, **case)
    theirs = quiet(librosa.feature.inverse.mel_to_stft, **case)
    info = str({k: v for k, v in case.items() if k != "M"})
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    scale = max(float(theirs.max()), np.finfo(theirs.dtype).tiny)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=MEL_PARITY_RTOL * scale, err_msg=info)


@settings(max_examples=25)
@given(mel_cases())
def test_projected_solver_fits_at_least_as_well_as_librosa(case):
    ours = quiet(dsp.mel_to_stft, solver="projected", **case)
    theirs = quiet(librosa.feature.inverse.mel_to_stft, **case)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    assert (ours >= 0).all()
    M, power = case["M"], case["power"]
    basis = quiet(
        librosa.filters.mel,
        sr=case["sr"],
        n_fft=case["n_fft"],
        n_mels=M.shape[-2],
        htk=case["htk"],
        dtype=M.dtype,
    )
    fit_ours, fit_theirs = residual(basis, ours, M, power), residual(basis, theirs, M, power)
    info = str({k: v for k, v in case.items() if k != "M"})
    assert fit_ours <= fit_theirs * RESIDUAL_SLACK + 16 * EPS32, (fit_ours, fit_theirs, info)


@settings(max_examples=5)
@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from([np.float32, np.float64]),
    st.sampled_from([(), (2,)]),
    st.integers(300, 1000),
)
def test_nnls_blocks_of_columns_as_librosa(seed, dtype, lead, n_columns):
    """Channels and many columns: librosa's blocks of columns (all channels in each) matter.

    40 mel rows take 409 (float64, 2 channels) to 1638 (float32) columns per block; spectra of
    large values make L-BFGS-B iterate, so another block size gives another minimiser (0.16 of
    the maximum away with half the block, measured).
    """
    rng = np.random.default_rng(seed)
    A = dsp.mel_filterbank(sr=8000, n_fft=256, n_mels=40, dtype=dtype)
    B = (A @ (1e4 * rng.random(lead + (129, n_columns)) ** 4)).astype(dtype)
    ours = quiet(dsp.nnls, A, B)
    theirs = quiet(librosa.util.nnls, A, B)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=MEL_PARITY_RTOL * theirs.max())


def test_nnls_max_iter_and_tol_are_scipys_maxiter_and_pgtol():
    A = dsp.mel_filterbank(sr=8000, n_fft=256, n_mels=40)
    B = A @ (1e4 * np.random.default_rng(0).random((129, 50)) ** 4).astype(np.float32)
    for ours, theirs in ((dict(max_iter=1), dict(maxiter=1)), (dict(tol=1e-9), dict(pgtol=1e-9))):
        np.testing.assert_array_equal(dsp.nnls(A, B, **ours), librosa.util.nnls(A, B, **theirs))
    assert not np.array_equal(dsp.nnls(A, B, max_iter=1), dsp.nnls(A, B))


def test_nnls_of_a_vector_is_scipys_exact_solution_as_librosa():
    rng = np.random.default_rng(5)
    A, b = np.abs(rng.standard_normal((12, 30))), rng.standard_normal(12)
    np.testing.assert_array_equal(dsp.nnls(A, b), librosa.util.nnls(A, b))
    np.testing.assert_array_equal(dsp.nnls(A, b, solver="scipy"), scipy.optimize.nnls(A, b)[0])


@pytest.mark.parametrize("seed", range(5))
def test_nnls_matches_scipy_exact_solution_when_unique(seed):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((30, 8))  # tall, full column rank: one minimiser
    b = rng.standard_normal(30)
    expected = scipy.optimize.nnls(A, b)[0]
    ours = dsp.nnls(A, b, solver="projected", max_iter=20000, tol=1e-14)
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-8 * max(1.0, expected.max()))
    # and the matrix form: every column solved at once
    B = rng.standard_normal((2, 30, 3))
    X = dsp.nnls(A, B, solver="projected", max_iter=20000, tol=1e-14)
    for c in range(2):
        for t in range(3):
            np.testing.assert_allclose(X[c, :, t], scipy.optimize.nnls(A, B[c, :, t])[0], atol=1e-8)


def test_nnls_satisfies_the_kkt_conditions():
    basis = dsp.mel_filterbank(sr=16000, n_fft=512, n_mels=40, dtype=np.float64)
    S = np.abs(dsp.stft(make_signal(4, (4000,), np.float64, "sines"), n_fft=512)) ** 2
    M = basis @ S
    X = dsp.nnls(basis, M, solver="projected", max_iter=3000, tol=1e-12)
    gradient = basis.T @ (basis @ X - M)
    scale = np.abs(basis.T @ M).max()
    assert (X >= 0).all()
    assert (gradient >= -1e-6 * scale).all()  # no descent direction into the feasible set
    assert np.abs(gradient[X > 1e-9 * X.max()]).max() <= 1e-6 * scale  # stationary off the bound
    assert np.linalg.norm(basis @ X - M) <= 1e-6 * np.linalg.norm(M)


def test_mel_to_stft_is_scale_equivariant_and_fits_a_true_spectrogram():
    y = make_signal(7, (2, 5000), np.float32, "noise")
    M = dsp.melspectrogram(y=y, sr=16000, n_fft=512, hop_length=128, n_mels=64)
    S = dsp.mel_to_stft(M, sr=16000, n_fft=512, solver="projected")
    np.testing.assert_allclose(
        dsp.mel_to_stft(4 * M, sr=16000, n_fft=512, solver="projected"),
        2 * S,
        rtol=1e-4,
        atol=1e-6 * S.max(),
    )
    basis = dsp.mel_filterbank(sr=16000, n_fft=512, n_mels=64)
    assert residual(basis, S, M, 2.0) < 1e-3
    assert S.shape == (2, 257, M.shape[-1]) and S.dtype == np.float32
    # L-BFGS-B (librosa's stopping rule): non-negative, and no worse a fit than its start
    lbfgs = dsp.mel_to_stft(M, sr=16000, n_fft=512, solver="scipy")
    start = np.maximum(np.einsum("fm,...mt->...ft", np.linalg.pinv(basis), M), 0)
    assert (lbfgs >= 0).all() and lbfgs.shape == S.shape and lbfgs.dtype == np.float32
    assert residual(basis, lbfgs, M, 2.0) <= residual(basis, np.sqrt(start), M, 2.0)


def test_solver_auto_without_scipy_is_the_projected_solver(monkeypatch):
    """No SciPy: "auto" falls back silently (documented), "scipy" names the extra to install."""
    A = dsp.mel_filterbank(sr=8000, n_fft=128, n_mels=16)
    B = A @ np.random.default_rng(3).random((65, 7)).astype(np.float32)
    with_scipy = dsp.nnls(A, B)
    monkeypatch.setitem(sys.modules, "scipy.optimize", None)  # import scipy.optimize fails
    np.testing.assert_array_equal(dsp.nnls(A, B), dsp.nnls(A, B, solver="projected"))
    assert not np.array_equal(dsp.nnls(A, B), with_scipy)  # the fallback really ran
    with pytest.raises(ParameterError, match=r"dsp\[scipy\]"):
        dsp.nnls(A, B, solver="scipy")
    with pytest.raises(ParameterError, match=r"dsp\[scipy\]"):
        dsp.mel_to_stft(B, sr=8000, n_fft=128, solver="scipy")


def test_blocks_shrink_where_librosas_workspace_would_not_fit(monkeypatch):
    from dsp import _memory
    from dsp._nnls_lbfgsb import block_columns

    A = dsp.mel_filterbank(sr=22050, n_fft=2048, n_mels=37)  # librosa: 1771 columns, 23 GiB
    B = np.ones((37, 4000), np.float32)
    assert block_columns(A, B) <= 1771
    monkeypatch.setattr(_memory, "memory_limit", lambda: 1 << 30)
    columns = block_columns(A, B)
    assert 1 <= columns < 1771
    assert columns * (2 * 1025 + 5) * 1025 * 8 <= 1 << 30  # L-BFGS-B's workspace fits
    small = B[:, :3]
    X = dsp.nnls(A, small)
    assert X.shape == (1025, 3) and (X >= 0).all()


def test_mel_to_audio_is_mel_to_stft_then_griffinlim():
    y = make_signal(8, (3000,), np.float32, "sines")
    M = dsp.melspectrogram(y=y, sr=8000, n_fft=256, hop_length=64, n_mels=32)
    audio = dsp.mel_to_audio(M, sr=8000, n_fft=256, hop_length=64, n_iter=3, random_state=2)
    S = dsp.mel_to_stft(M, sr=8000, n_fft=256)
    expected = dsp.griffinlim(
        S, n_iter=3, hop_length=64, n_fft=256, random_state=2, dtype=np.float32
    )
    np.testing.assert_array_equal(audio, expected)


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((np.ones((2, 3, 2)), np.ones(3)), {}, "A must be a matrix"),
        ((np.ones(3), np.ones(3)), {}, r"A \(shape=\(3,\)"),
        ((np.ones((3, 2)), np.ones(4)), {}, "does not match"),
        ((np.ones((3, 2)), np.ones(3)), dict(max_iter=0), "max_iter=0"),
        ((np.ones((3, 2)), np.ones(3)), dict(tol=-1.0), "tol=-1.0"),
        ((np.ones((3, 2)), np.array([1.0, np.inf, 0.0])), {}, "not finite"),
        ((np.ones((3, 2)), np.array(["a", "b", "c"])), {}, "real array"),
        ((np.ones((3, 2)), np.ones(3)), dict(solver="lbfgs"), "solver='lbfgs'"),
    ],
)
def test_nnls_errors(args, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        dsp.nnls(*args, **kwargs)


def test_mel_to_stft_errors():
    with pytest.raises(ParameterError, match="non-negative"):
        dsp.mel_to_stft(-np.ones((8, 3)), n_fft=64)
    with pytest.raises(ParameterError, match="power=0"):
        dsp.mel_to_stft(np.ones((8, 3)), n_fft=64, power=0)
    with pytest.raises(ParameterError, match="n_fft=0"):
        dsp.mel_to_stft(np.ones((8, 3)), n_fft=0)


def test_dsp_invert_command(tmp_path, capsys):
    from dsp.cli import main

    y = make_signal(3, (8000,), np.float32, "sines")
    M_db = dsp.power_to_db(
        dsp.melspectrogram(y=y, sr=8000, n_fft=256, hop_length=64, n_mels=32), ref=np.max
    )
    np.save(tmp_path / "m.npy", M_db)
    args = [
        "invert",
        str(tmp_path / "m.npy"),
        "--sr",
        "8000",
        "--n-fft",
        "256",
        "--hop-length",
        "64",
        "--n-iter",
        "4",
        "-o",
        str(tmp_path / "heard.wav"),
    ]
    assert main(args) == 0
    heard, sr = dsp.load(tmp_path / "heard.wav", sr=None)
    expected = dsp.mel_to_audio(
        dsp.db_to_power(M_db), sr=8000, n_fft=256, hop_length=64, n_iter=4, random_state=0
    )
    assert sr == 8000 and heard.shape == expected.shape
    np.testing.assert_allclose(
        heard, expected * (0.9 / np.abs(expected).max()), rtol=1e-6, atol=1e-7
    )
    assert main(args + ["--solver", "projected", "-o", str(tmp_path / "p.wav")]) == 0
    heard, _ = dsp.load(tmp_path / "p.wav", sr=None)
    expected = dsp.mel_to_audio(
        dsp.db_to_power(M_db),
        sr=8000,
        n_fft=256,
        hop_length=64,
        n_iter=4,
        random_state=0,
        solver="projected",
    )
    np.testing.assert_allclose(
        heard, expected * (0.9 / np.abs(expected).max()), rtol=1e-6, atol=1e-7
    )
    np.save(tmp_path / "bad.npy", np.ones(5))
    assert main(["invert", str(tmp_path / "bad.npy"), "-o", str(tmp_path / "b.wav")]) == 2
    assert "2-D real array" in capsys.readouterr().err
