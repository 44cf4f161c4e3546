"""Framing: librosa.util.frame / pad_center, a loop definition, and invariants."""

from __future__ import annotations

import librosa
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import PAD_MODES, make_signal

import dsp
from dsp import ParameterError


@st.composite
def framing_cases(draw: st.DrawFn) -> tuple[np.ndarray, int, int, int]:
    frame_length = draw(st.integers(1, 64))
    hop_length = draw(st.integers(1, 80))
    n = draw(st.integers(frame_length, frame_length + 300))
    lead = draw(st.sampled_from([(), (2,), (2, 3)]))
    axis = draw(st.sampled_from([0, -1]))
    x = make_signal(draw(st.integers(0, 2**16)), lead + (n,), np.float64)
    if axis == 0:
        x = np.moveaxis(x, -1, 0).copy()
    return x, frame_length, hop_length, axis


@given(framing_cases())
def test_frame_matches_librosa(case):
    x, frame_length, hop_length, axis = case
    ours = dsp.frame(x, frame_length=frame_length, hop_length=hop_length, axis=axis)
    theirs = librosa.util.frame(x, frame_length=frame_length, hop_length=hop_length, axis=axis)
    np.testing.assert_array_equal(ours, theirs, err_msg=f"{frame_length=} {hop_length=} {axis=}")
    assert ours.shape == theirs.shape


@given(framing_cases())
def test_frame_matches_loop_definition(case):
    """Frame t is x[t*hop : t*hop + L] (eq. F1), built here one frame at a time."""
    x, frame_length, hop_length, axis = case
    x_last = np.moveaxis(x, 0, -1) if axis == 0 else x
    n = x_last.shape[-1]
    expected = []
    t = 0
    while t * hop_length + frame_length <= n:
        expected.append(x_last[..., t * hop_length : t * hop_length + frame_length])
        t += 1
    expected = np.stack(expected, axis=-1)  # (..., L, n_frames)
    ours = dsp.frame(x, frame_length=frame_length, hop_length=hop_length, axis=axis)
    if axis == 0:  # (n_frames, L, ...) -> (..., L, n_frames)
        ours = np.moveaxis(np.moveaxis(ours, 0, -1), 0, -2)
    np.testing.assert_array_equal(ours, expected)
    assert expected.shape[-1] == 1 + (n - frame_length) // hop_length


def test_frame_is_a_view():
    x = np.arange(100.0)
    frames = dsp.frame(x, frame_length=10, hop_length=5)
    assert np.shares_memory(frames, x)


@given(
    n=st.integers(1, 5000),
    n_fft=st.integers(1, 2048),
    hop=st.integers(1, 1024),
    pad_mode=st.sampled_from(PAD_MODES),
)
def test_frame_count_rule_matches_padded_framing(n, n_fft, hop, pad_mode):
    """n_frames (eq. F2) equals the number of frames actually cut from the padded signal."""
    y = np.ones(n)
    padded = dsp.center_pad(y, n_fft=n_fft, pad_mode=pad_mode)
    assert padded.shape == (n + 2 * (n_fft // 2),)
    cut = dsp.frame(padded, frame_length=n_fft, hop_length=hop).shape[-1]
    assert dsp.n_frames(n, n_fft=n_fft, hop_length=hop) == cut
    if n >= n_fft:
        assert dsp.n_frames(n, n_fft=n_fft, hop_length=hop, center=False) == 1 + (n - n_fft) // hop


def test_frame_count_odd_n_fft_is_one_fewer_when_hop_divides_n():
    # The padding 2 * (n_fft // 2) is one short of n_fft for odd n_fft.
    assert dsp.n_frames(5000, n_fft=512, hop_length=100) == 51
    assert dsp.n_frames(5000, n_fft=511, hop_length=100) == 50
    assert dsp.n_frames(5000, n_fft=511, hop_length=99) == 51


@given(
    n=st.integers(1, 100),
    extra=st.integers(0, 100),
    axis=st.sampled_from([0, -1]),
)
def test_pad_center_matches_librosa(n, extra, axis):
    data = np.arange(1.0, n + 1)[:, None] * np.ones((1, 3)) if axis == 0 else np.arange(1.0, n + 1)
    ours = dsp.pad_center(data, size=n + extra, axis=axis)
    np.testing.assert_array_equal(ours, librosa.util.pad_center(data, size=n + extra, axis=axis))
    # Invariant: the data sits at offset (size - n) // 2 and the rest is zeros.
    lpad = extra // 2
    taken = np.take(ours, np.arange(lpad, lpad + n), axis=axis)
    np.testing.assert_array_equal(taken, data)
    assert np.abs(ours).sum() == np.abs(data).sum()


def test_center_pad_reflect_example():
    np.testing.assert_array_equal(
        dsp.center_pad(np.array([1.0, 2.0, 3.0]), n_fft=4, pad_mode="reflect"),
        [3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0],
    )


# --- bad input -------------------------------------------------------------------------------


def test_frame_rejects_short_input():
    with pytest.raises(ParameterError, match=r"too short \(n=5\) for frame_length=8"):
        dsp.frame(np.zeros(5), frame_length=8, hop_length=1)


@pytest.mark.parametrize("value", [0, -1, 2.0, True, None])
def test_frame_rejects_bad_hop(value):
    with pytest.raises(ParameterError, match=rf"hop_length={value!r} must be a positive integer"):
        dsp.frame(np.zeros(50), frame_length=8, hop_length=value)


def test_frame_rejects_middle_axis():
    with pytest.raises(ParameterError, match=r"axis=1 must be 0 or -1"):
        dsp.frame(np.zeros((3, 50, 2)), frame_length=8, hop_length=1, axis=1)


def test_pad_center_rejects_small_size():
    with pytest.raises(ParameterError, match=r"size=3 must be an integer >= data.shape\[-1\]=5"):
        dsp.pad_center(np.ones(5), size=3)


@pytest.mark.parametrize("mode", ["wrap", "mean", "empty", "nonsense", 3])
def test_center_pad_rejects_unsupported_mode(mode):
    with pytest.raises(ParameterError, match=r"pad_mode=.* is not supported"):
        dsp.center_pad(np.ones(5), n_fft=4, pad_mode=mode)


def test_n_frames_uncentred_short_signal():
    with pytest.raises(
        ParameterError, match=r"n_fft=2048 is larger than the signal \(length 100\)"
    ):
        dsp.n_frames(100, n_fft=2048, hop_length=512, center=False)
