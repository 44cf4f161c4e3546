"""STFT: bit-identity with librosa and with the reference STFT, a loop DFT, and invariants."""

from __future__ import annotations

import cmath
import warnings

import librosa
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import SAMPLE_RATES, make_signal, stft_params

import dsp
from dsp import DspWarning, ParameterError
from dsp.spectrum import stft_reference

EPS64 = np.finfo(np.float64).eps
EPS32 = np.finfo(np.float32).eps
#: kaiser/gaussian windows differ from scipy's by ulps (own i0/exp), the issue allows 1e-12.
KAISER_GAUSS_RTOL = 1e-12


def quiet(func, *args, **kwargs):
    """Call with the legal-but-odd warnings (short signal) silenced, for both libraries."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


@given(stft_params(exact_only=True, with_dtype=True))
def test_stft_identical_to_librosa(params):
    ours = quiet(dsp.stft, **params)
    theirs = quiet(librosa.stft, **params)
    expected_dtype = params["dtype"] or np.result_type(params["y"].dtype, np.complex64)
    assert ours.dtype == theirs.dtype == expected_dtype
    assert ours.shape == theirs.shape and ours.flags.f_contiguous == theirs.flags.f_contiguous
    np.testing.assert_array_equal(
        ours, theirs, err_msg=str({k: v for k, v in params.items() if k != "y"})
    )


@settings(max_examples=60)  # CI: the librosa test above covers the same ground at 300
@given(stft_params(exact_only=False, with_dtype=True))
def test_engine_is_the_reference_bit_for_bit(params):
    """dsp.stft (the blocked engine) against stft_reference (pad, frame, window, rfft)."""
    ours = quiet(dsp.stft, **params)
    reference = quiet(stft_reference, **params)
    assert ours.dtype == reference.dtype and ours.shape == reference.shape
    np.testing.assert_array_equal(ours, reference)


def test_reference_reads_as_its_definition():
    """The reference is pad -> frame -> window -> rfft: the same steps written here."""
    import scipy.fft

    y = make_signal(5, (3000,), np.float64)
    padded = dsp.center_pad(y, n_fft=256, pad_mode="reflect")
    frames = dsp.frame(padded, frame_length=256, hop_length=64)
    expected = scipy.fft.rfft(dsp.get_window("hann", 256)[:, None] * frames, axis=-2)
    np.testing.assert_array_equal(
        stft_reference(y, n_fft=256, hop_length=64, pad_mode="reflect"), expected
    )


@given(stft_params(exact_only=False), st.sampled_from([np.complex64, np.complex128]))
def test_stft_any_window_and_dtype_against_librosa(params, dtype):
    ours = quiet(dsp.stft, dtype=dtype, **params)
    theirs = quiet(librosa.stft, dtype=dtype, **params)
    assert ours.dtype == theirs.dtype == dtype
    if isinstance(params["window"], tuple):
        scale = max(np.abs(theirs).max(), np.finfo(np.float32).tiny)
        tol = KAISER_GAUSS_RTOL if dtype == np.complex128 else 2 * EPS32  # rounding to complex64
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=tol * scale)
    else:
        np.testing.assert_array_equal(ours, theirs)


def _loop_stft(y: np.ndarray, n_fft: int, hop: int, window: np.ndarray) -> np.ndarray:
    """The textbook definition (eq. S1), one frame, one bin, one sample at a time."""
    n_frames = 1 + (len(y) - n_fft) // hop
    out = np.zeros((n_fft // 2 + 1, n_frames), dtype=complex)
    for t in range(n_frames):
        for k in range(n_fft // 2 + 1):
            acc = 0j
            for n in range(n_fft):
                acc += window[n] * y[t * hop + n] * cmath.exp(-2j * cmath.pi * k * n / n_fft)
            out[k, t] = acc
    return out


@given(
    n_fft=st.integers(1, 48),
    hop=st.integers(1, 40),
    extra=st.integers(0, 60),
    window=st.sampled_from(["hann", "hamming", "boxcar", "triang"]),
    seed=st.integers(0, 2**16),
)
def test_stft_matches_loop_dft(n_fft, hop, extra, window, seed):
    y = make_signal(seed, (n_fft + extra,), np.float64)
    w = dsp.get_window(window, n_fft)
    expected = _loop_stft(y, n_fft, hop, w)
    ours = dsp.stft(y, n_fft=n_fft, hop_length=hop, window=window, center=False)
    # Each bin sums n_fft products; both the FFT and the loop round each step, so the error is
    # bounded by a few n_fft ulps of the sum of |w x|.
    atol = 4 * n_fft * EPS64 * max(1.0, float(np.abs(y).max()) * n_fft)
    np.testing.assert_allclose(ours, expected, rtol=0, atol=atol)


@given(stft_params(exact_only=True, max_n_fft=512))
def test_stft_parseval_and_shape(params):
    """Shape and dtype rules, and Parseval per frame: sum |w x|^2 = sum_k c_k |X_k|^2 / N."""
    y = params["y"].astype(np.float64)
    p = {**params, "y": y}
    D = quiet(dsp.stft, **p)
    n_fft = p["n_fft"]
    win = p["win_length"] or n_fft
    hop = p["hop_length"] or win // 4
    n = y.shape[-1]
    expected_frames = (
        1 + (n + 2 * (n_fft // 2) - n_fft) // hop if p["center"] else 1 + (n - n_fft) // hop
    )
    assert D.shape == y.shape[:-1] + (1 + n_fft // 2, expected_frames)
    padded = dsp.center_pad(y, n_fft=n_fft, pad_mode=p["pad_mode"]) if p["center"] else y
    w = dsp.pad_center(dsp.get_window(p["window"], win), size=n_fft)
    frames = dsp.frame(padded, frame_length=n_fft, hop_length=hop) * w[:, None]
    energy_time = (frames**2).sum(axis=-2)
    weights = np.full(1 + n_fft // 2, 2.0)
    weights[0] = 1.0
    if n_fft % 2 == 0:
        weights[-1] = 1.0
    energy_freq = (weights[:, None] * np.abs(D) ** 2).sum(axis=-2) / n_fft
    np.testing.assert_allclose(energy_freq, energy_time, rtol=64 * n_fft * EPS64, atol=1e-300)


def test_stft_linearity_and_shift():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 4096))
    Da, Db = dsp.stft(a, n_fft=256, hop_length=64), dsp.stft(b, n_fft=256, hop_length=64)
    np.testing.assert_allclose(
        dsp.stft(2 * a - 3 * b, n_fft=256, hop_length=64),
        2 * Da - 3 * Db,
        rtol=0,
        atol=1e-12 * np.abs(Da).max(),
    )
    # Delaying the signal by one hop delays the frames by one (away from the edges).
    shifted = dsp.stft(np.concatenate([np.zeros(64), a[:-64]]), n_fft=256, hop_length=64)
    np.testing.assert_allclose(shifted[:, 5:-5], Da[:, 4:-6], rtol=0, atol=1e-12 * np.abs(Da).max())


def test_stft_of_sine_peaks_at_its_bin():
    sr, n_fft = 8000, 800
    y = np.sin(2 * np.pi * 1000.0 * np.arange(sr) / sr)
    D = dsp.stft(y, n_fft=n_fft, hop_length=200)
    assert (np.abs(D[:, 2:-2]).argmax(axis=0) == 100).all()  # 1000 Hz * 800 / 8000


def test_float16_is_upcast_to_float32():
    y = np.random.default_rng(0).standard_normal(4096).astype(np.float16)
    D = dsp.stft(y, n_fft=512)
    assert D.dtype == np.complex64
    np.testing.assert_array_equal(D, dsp.stft(y.astype(np.float32), n_fft=512))


def test_window_array_equals_name():
    y = np.random.default_rng(0).standard_normal(3000)
    np.testing.assert_array_equal(
        dsp.stft(y, n_fft=512, window=dsp.get_window("hann", 512)), dsp.stft(y, n_fft=512)
    )


@given(sr=st.sampled_from(SAMPLE_RATES), n_fft=st.integers(1, 4096))
def test_fft_frequencies_identical_to_librosa(sr, n_fft):
    ours = dsp.fft_frequencies(sr=sr, n_fft=n_fft)
    np.testing.assert_array_equal(ours, librosa.fft_frequencies(sr=sr, n_fft=n_fft))
    # k * (sr / n_fft) may land an ulp above sr / 2 for the Nyquist bin.
    assert ours[0] == 0 and ours[-1] <= sr / 2 * (1 + 2 * EPS64) and (np.diff(ours) > 0).all()


# --- bad input -------------------------------------------------------------------------------

Y = np.zeros(4096, dtype=np.float32)


def test_empty_audio():
    with pytest.raises(ParameterError, match=r"y is empty \(shape=\(0,\)\)"):
        dsp.stft(np.zeros(0, dtype=np.float32))


def test_empty_multichannel_audio():
    with pytest.raises(ParameterError, match=r"y is empty \(shape=\(2, 0\)\)"):
        dsp.stft(np.zeros((2, 0)))


@pytest.mark.parametrize(
    "y, dtype_name",
    [
        (np.zeros(4096, dtype=np.int16), "int16"),
        (np.zeros(4096, dtype=np.int64), "int64"),
        (np.zeros(4096, dtype=bool), "bool"),
        (np.zeros(4096, dtype=np.complex64), "complex64"),
        (np.zeros(4096, dtype=object), "object"),
    ],
)
def test_non_float_audio(y, dtype_name):
    with pytest.raises(ParameterError, match=rf"y.dtype={dtype_name} is not audio"):
        dsp.stft(y)


def test_audio_not_an_array():
    with pytest.raises(ParameterError, match=r"y must be a numpy.ndarray .* got list"):
        dsp.stft([0.0] * 4096)


def test_nan_names_first_index():
    y = np.zeros(4096)
    y[1234] = np.nan
    y[2000] = np.inf
    with pytest.raises(ParameterError, match=r"y\[1234\]=nan \(first non-finite sample\)"):
        dsp.stft(y)


def test_inf_in_multichannel_names_index():
    y = np.zeros((2, 4096), dtype=np.float32)
    y[1, 17] = -np.inf
    with pytest.raises(ParameterError, match=r"y\[\(1, 17\)\]=-inf"):
        dsp.stft(y)


@pytest.mark.parametrize("name", ["n_fft", "hop_length", "win_length"])
@pytest.mark.parametrize("value", [0, -5, 512.0, True, "512"])
def test_lengths_must_be_positive_integers(name, value):
    kwargs = {"n_fft": 1024, name: value}
    with pytest.raises(ParameterError, match=rf"{name}={value!r} must be a positive integer"):
        dsp.stft(Y, **kwargs)


def test_default_hop_of_zero():
    with pytest.raises(ParameterError, match=r"hop_length defaults to win_length // 4, which is 0"):
        dsp.stft(Y, n_fft=512, win_length=3)


def test_win_length_larger_than_n_fft():
    with pytest.raises(ParameterError, match=r"win_length=1024 must not exceed n_fft=512"):
        dsp.stft(Y, n_fft=512, win_length=1024)


def test_unknown_window():
    with pytest.raises(ParameterError, match=r"window='hamm1ng' is not a known window"):
        dsp.stft(Y, n_fft=512, window="hamm1ng")


def test_window_array_of_wrong_length():
    with pytest.raises(ParameterError, match=r"window has shape \(256,\), expected \(512,\)"):
        dsp.stft(Y, n_fft=512, window=np.ones(256))


def test_window_array_non_finite():
    w = np.ones(512)
    w[7] = np.inf
    with pytest.raises(ParameterError, match=r"window\[7\]=inf"):
        dsp.stft(Y, n_fft=512, window=w)


def test_uncentred_signal_shorter_than_n_fft():
    with pytest.raises(
        ParameterError, match=r"n_fft=2048 is larger than the signal \(length 1000\)"
    ):
        dsp.stft(np.zeros(1000), center=False)


def test_centred_signal_shorter_than_n_fft_warns():
    with pytest.warns(DspWarning, match=r"n_fft=2048 is larger than the signal \(length 1000\)"):
        D = dsp.stft(np.zeros(1000))
    assert D.shape == (1025, 2)


def test_unsupported_pad_mode():
    with pytest.raises(ParameterError, match=r"pad_mode='wrap' is not supported"):
        dsp.stft(Y, pad_mode="wrap")


def test_real_output_dtype_rejected():
    with pytest.raises(ParameterError, match=r"dtype=float32 must be a complex type"):
        dsp.stft(Y, dtype=np.float32)


@pytest.mark.parametrize("sr", [0, -22050, np.nan, np.inf, "22050"])
def test_bad_sample_rate(sr):
    with pytest.raises(ParameterError, match=r"sr=.* must be (positive|finite|a real number)"):
        dsp.fft_frequencies(sr=sr)


@pytest.mark.parametrize("center", ["False", 0, 1, None, np.array(True)])
def test_center_must_be_a_bool(center):
    """center='False' is truthy: a strict check refuses it instead of centring silently."""
    with pytest.raises(ParameterError, match=r"center=.* must be True or False"):
        dsp.stft(Y, center=center)


def test_soundfile_layout_says_did_you_mean_transpose():
    y = np.zeros((441_000, 2), dtype=np.float32)  # 10 s of stereo as soundfile reads it
    with pytest.raises(ParameterError, match=r"y.shape=\(441000, 2\).*Did you mean y.T\?"):
        dsp.stft(y)
    with pytest.raises(ParameterError, match=r"Did you mean y.T\?"):
        dsp.melspectrogram(y=y)
    assert dsp.stft(np.ascontiguousarray(y.T)).shape == (2, 1025, 862)


@pytest.mark.parametrize("n_fft", [2**31, 2**40])
def test_absurd_n_fft_refused_before_allocating(n_fft):
    with pytest.raises(ParameterError, match=rf"n_fft={n_fft} .*would need [0-9.]+ [GTP]iB"):
        dsp.stft(Y, n_fft=n_fft)


def test_many_channels_refused_before_allocating():
    """256 channels of 3 s at hop 1: a 137 GiB STFT (more than CI machines have), refused."""
    y = np.zeros((256, 2**16), dtype=np.float32)
    with pytest.raises(ParameterError, match=r"y.shape=\(256, 65536\) would need [0-9.]+ GiB"):
        dsp.stft(y, hop_length=1)


@pytest.mark.parametrize("dtype, value", [(np.float32, 3e38), (np.float64, 1e307)])
def test_samples_near_the_float_range_are_refused(dtype, value):
    """librosa returns inf there; the bound sum|w| max|y| decides before computing."""
    with pytest.raises(ParameterError, match=r"y reaches .*could exceed the range of complex"):
        dsp.stft(np.full(4096, value, dtype=dtype))
    np.testing.assert_array_equal(  # loud but legal (unscaled 16-bit PCM): computed as librosa
        dsp.stft(np.full(4096, 32767.0, dtype=dtype)), librosa.stft(np.full(4096, 32767.0, dtype))
    )
