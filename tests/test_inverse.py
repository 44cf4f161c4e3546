"""istft: librosa (hypothesis), a loop overlap-add written here, and round trips."""

from __future__ import annotations

import warnings

import librosa
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import make_signal, stft_params

import dsp
from dsp import ParameterError
from dsp.inverse import NOLA_TOLERANCE

EPS64 = np.finfo(np.float64).eps
#: Round trip stft -> istft in float64: the overlap-add sums a few terms, each with a rounding
#: of the FFT (about log2(n_fft) ulps), and the division amplifies by max(env) / env[n].
ROUND_TRIP_ULPS = 64


def quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


def _nola(window, n_fft, hop, win_length) -> bool:
    """The NOLA condition, written out: every offset within a hop is covered by some window."""
    w = np.zeros(n_fft)
    win = librosa.filters.get_window(window, win_length or n_fft, fftbins=True)
    left = (n_fft - len(win)) // 2
    w[left : left + len(win)] = win
    sums = [
        sum(w[r + k * hop] ** 2 for k in range((n_fft - r + hop - 1) // hop)) for r in range(hop)
    ]
    return min(sums) > NOLA_TOLERANCE * max(sums)


def _envelope(window, n_fft, hop, win_length, n_frames, center, length):
    """The window-sum-square envelope at each output sample, one frame at a time."""
    w = np.zeros(n_fft)
    win = librosa.filters.get_window(window, win_length or n_fft, fftbins=True)
    left = (n_fft - len(win)) // 2
    w[left : left + len(win)] = win
    env = np.zeros(n_fft + hop * (n_frames - 1))
    for t in range(n_frames):
        env[t * hop : t * hop + n_fft] += w**2
    start = n_fft // 2 if center else 0
    env = env[start : start + length]
    return np.pad(env, (0, length - len(env)))


@settings(max_examples=80)
@given(stft_params(exact_only=True), st.sampled_from([None, "n", "n-7", "n+31"]))
def test_istft_identical_to_librosa(params, length_kind):
    y = params.pop("y")
    params.pop("pad_mode")
    D = quiet(dsp.stft, y, **params)
    n = y.shape[-1]
    length = None if length_kind is None else max(1, eval(length_kind, {"n": n}))  # noqa: S307
    hop = params["hop_length"] or (params["win_length"] or params["n_fft"]) // 4
    info = str(dict(params, length=length, n=n, shape=y.shape))
    if not _nola(params["window"], params["n_fft"], hop, params["win_length"]):
        with pytest.raises(ParameterError, match="NOLA"):
            dsp.istft(D, length=length, **params)
        return
    theirs = librosa.istft(D, length=length, **params)
    if theirs.shape[-1] == 0:
        with pytest.raises(ParameterError, match="too few"):
            dsp.istft(D, length=length, **params)
        return
    ours = dsp.istft(D, length=length, **params)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, info
    np.testing.assert_array_equal(ours, theirs, err_msg=info)


@settings(max_examples=60)
@given(stft_params(exact_only=True))
def test_istft_inverts_stft(params):
    y = params.pop("y").astype(np.float64)
    n = y.shape[-1]
    hop = params["hop_length"] or (params["win_length"] or params["n_fft"]) // 4
    if not _nola(params["window"], params["n_fft"], hop, params["win_length"]):
        return  # refused: covered by test_istft_identical_to_librosa
    D = quiet(dsp.stft, y, **params)
    params.pop("pad_mode")
    y_hat = dsp.istft(D, length=n, **params)
    env = _envelope(
        params["window"],
        params["n_fft"],
        hop,
        params["win_length"],
        D.shape[-1],
        params["center"],
        n,
    )
    covered = env > np.finfo(np.float64).tiny
    tol = ROUND_TRIP_ULPS * EPS64 * np.abs(y).max() * env.max() / np.where(covered, env, 1.0)
    error = np.abs(y_hat - y)[..., covered]
    assert (error <= tol[covered]).all(), f"{params} max error {error.max()}"
    assert (y_hat[..., ~covered] == 0).all()  # nothing to divide: left at zero


def _loop_istft(D, n_fft, hop, window):
    """eq. I1-I3: invert each frame, window it, add it at its place, divide by the envelope."""
    w = librosa.filters.get_window(window, n_fft, fftbins=True)
    n_frames = D.shape[-1]
    out = np.zeros(n_fft + hop * (n_frames - 1))
    env = np.zeros_like(out)
    for t in range(n_frames):
        frame = np.fft.irfft(D[:, t], n=n_fft)
        out[t * hop : t * hop + n_fft] += w * frame
        env[t * hop : t * hop + n_fft] += w**2
    nonzero = env > np.finfo(np.float64).tiny
    out[nonzero] /= env[nonzero]
    return out[n_fft // 2 : len(out) - n_fft // 2]


@pytest.mark.parametrize(
    "n_fft, hop, window", [(64, 16, "hann"), (63, 20, "hamming"), (32, 32, "boxcar")]
)
def test_istft_against_loop_definition(n_fft, hop, window):
    D = np.random.default_rng(n_fft).standard_normal((n_fft // 2 + 1, 12)) * (1 + 1j)
    expected = _loop_istft(D, n_fft, hop, window)
    ours = dsp.istft(D, n_fft=n_fft, hop_length=hop, window=window)
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-13 * np.abs(expected).max())


def test_istft_leading_axes_are_independent():
    y = make_signal(1, (2, 3, 3000), np.float32, "noise")
    D = dsp.stft(y, n_fft=256, hop_length=64)
    batch = dsp.istft(D, hop_length=64)
    np.testing.assert_array_equal(batch[1, 2], dsp.istft(D[1, 2], hop_length=64))


def test_window_sumsquare_identical_to_librosa():
    for kw in (
        dict(window="hann", n_frames=9, hop_length=100, n_fft=512, win_length=300),
        dict(window="blackman", n_frames=40, hop_length=7, n_fft=63),
    ):
        np.testing.assert_array_equal(
            dsp.window_sumsquare(**kw), librosa.filters.window_sumsquare(**kw)
        )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_fft=64, hop_length=64), "NOLA"),  # hann: zero at every frame start
        (dict(n_fft=64, hop_length=80, window="boxcar"), "NOLA"),  # gaps between frames
        (dict(n_fft=100), "does not match n_fft=100"),
        (dict(hop_length=0), "hop_length=0"),
        (dict(length=0), "length=0"),
        (dict(center="yes"), "center='yes'"),
        (dict(dtype=np.int16), "dtype"),
    ],
)
def test_istft_errors(kwargs, match):
    D = np.ones((33, 10), np.complex64)
    with pytest.raises(ParameterError, match=match):
        dsp.istft(D, **kwargs)


def test_istft_bad_matrix():
    with pytest.raises(ParameterError, match="stft_matrix"):
        dsp.istft(np.ones(10, complex))
    with pytest.raises(ParameterError, match="not finite"):
        dsp.istft(np.full((5, 3), np.nan, complex))
