"""Framing: librosa.util.frame / pad_center, a loop definition, and invariants."""

from __future__ import annotations

import librosa
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import PAD_MODES, SAMPLE_RATES, make_signal

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


@given(
    shape=st.lists(st.integers(1, 5), min_size=0, max_size=3),
    n=st.integers(1, 60),
    data=st.data(),
)
def test_frame_any_axis_has_librosas_layout(shape, n, data):
    position = data.draw(st.integers(0, len(shape)))
    full = shape[:position] + [n] + shape[position:]
    axis = data.draw(st.sampled_from([position, position - len(full)]))
    frame_length = data.draw(st.integers(1, n))
    hop_length = data.draw(st.integers(1, 20))
    x = make_signal(data.draw(st.integers(0, 2**16)), tuple(full), np.float64)
    ours = dsp.frame(x, frame_length=frame_length, hop_length=hop_length, axis=axis)
    theirs = librosa.util.frame(x, frame_length=frame_length, hop_length=hop_length, axis=axis)
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs, err_msg=f"{full=} {axis=}")


@pytest.mark.parametrize("axis", [3, -4, 1.0, True])
def test_frame_rejects_axis_outside_x(axis):
    with pytest.raises(ParameterError, match=r"axis=.* (is not an axis of x|must be an integer)"):
        dsp.frame(np.zeros((3, 50, 2)), frame_length=8, hop_length=1, axis=axis)


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


# --- FrameGeometry -----------------------------------------------------------------------------


@st.composite
def geometries(draw: st.DrawFn) -> tuple[dsp.FrameGeometry, int]:
    n_fft = draw(st.integers(1, 64))
    geometry = dsp.FrameGeometry(
        n_fft=n_fft, hop_length=draw(st.integers(1, 80)), center=draw(st.booleans())
    )
    low = 1 if geometry.center else n_fft
    return geometry, draw(st.integers(low, low + 300))


@given(geometries())
def test_geometry_against_padded_frames_written_out(case):
    """Every rule of the geometry, checked on the padded signal framed one frame at a time."""
    geometry, n = case
    p = geometry.pad
    assert p == (geometry.n_fft // 2 if geometry.center else 0)
    # Index signal: padded[i] is the original sample index i - p (outside [0, n): padding).
    padded = np.arange(-p, n + p)
    starts = []
    t = 0
    while t * geometry.hop_length + geometry.n_fft <= len(padded):
        starts.append(padded[t * geometry.hop_length])
        t += 1
    count = geometry.n_frames(n)
    assert (
        count
        == len(starts)
        == dsp.n_frames(
            n, n_fft=geometry.n_fft, hop_length=geometry.hop_length, center=geometry.center
        )
    )
    frames = np.arange(count)
    np.testing.assert_array_equal(geometry.frame_start(frames), starts)
    assert geometry.frame_start(3) == 3 * geometry.hop_length - p
    left = [s < 0 for s in starts]  # needs left padding
    right = [s + geometry.n_fft > n for s in starts]  # needs right padding
    assert sum(left) == min(geometry.head_frames, count) and left == sorted(left, reverse=True)
    first_right = right.index(True) if any(right) else count
    assert geometry.first_tail_frame(n) == first_right
    # Streaming: after m samples (end unknown), frame t is complete iff its last sample < m.
    for m in range(0, n + 1, max(1, n // 7)):
        done = sum(s + geometry.n_fft <= m for s in starts)
        assert geometry.frames_complete(m) == done
    # The centre of frame t, and back.
    centres = geometry.frames_to_samples(frames)
    np.testing.assert_array_equal(centres, np.array(starts) + geometry.n_fft // 2)
    np.testing.assert_array_equal(geometry.samples_to_frames(centres), frames)


def test_geometry_lookahead_and_example():
    g = dsp.FrameGeometry(n_fft=2048, hop_length=512)
    assert (g.pad, g.lookahead, g.head_frames) == (1024, 1024, 2)
    assert g.n_frames(22050) == 44 and g.first_tail_frame(22050) == 42
    assert dsp.FrameGeometry(n_fft=2048, hop_length=512, center=False).lookahead == 2048


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_fft=0, hop_length=1), r"n_fft=0 must be a positive integer"),
        (dict(n_fft=8, hop_length=2.0), r"hop_length=2.0 must be a positive integer"),
        (dict(n_fft=8, hop_length=2, center="False"), r"center='False' must be True or False"),
    ],
)
def test_geometry_rejects_bad_parameters(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        dsp.FrameGeometry(**kwargs)


def test_geometry_is_frozen_and_hashable():
    g = dsp.FrameGeometry(n_fft=8, hop_length=2)
    with pytest.raises(AttributeError):
        g.n_fft = 4  # type: ignore[misc]
    assert g == dsp.FrameGeometry(n_fft=8, hop_length=2, center=True) and hash(g)


# --- time conversions ------------------------------------------------------------------------


@given(
    frames=st.lists(st.integers(0, 100000), min_size=1, max_size=20),
    sr=st.sampled_from(SAMPLE_RATES),
    hop=st.integers(1, 2048),
    n_fft=st.one_of(st.none(), st.integers(1, 4096)),
)
def test_time_conversions_against_librosa(frames, sr, hop, n_fft):
    frames = np.array(frames)
    kw = dict(hop_length=hop, n_fft=n_fft)
    samples = dsp.frames_to_samples(frames, **kw)
    np.testing.assert_array_equal(samples, librosa.frames_to_samples(frames, **kw))
    np.testing.assert_array_equal(
        dsp.samples_to_frames(samples + 7, **kw), librosa.samples_to_frames(samples + 7, **kw)
    )
    times = dsp.frames_to_time(frames, sr=sr, **kw)
    np.testing.assert_array_equal(times, librosa.frames_to_time(frames, sr=sr, **kw))
    np.testing.assert_array_equal(
        dsp.time_to_frames(times, sr=sr, **kw), librosa.time_to_frames(times, sr=sr, **kw)
    )
    np.testing.assert_array_equal(
        dsp.samples_to_time(samples, sr=sr), librosa.samples_to_time(samples, sr=sr)
    )
    np.testing.assert_array_equal(
        dsp.time_to_samples(times, sr=sr), librosa.time_to_samples(times, sr=sr)
    )


def test_frames_to_time_centre_of_centred_frames():
    # Frame t of a centred STFT is centred at sample t * hop (eq. S3).
    np.testing.assert_array_equal(
        dsp.frames_to_time(np.arange(3), sr=100, hop_length=50), [0.0, 0.5, 1.0]
    )


@pytest.mark.parametrize(
    "func, value",
    [
        (dsp.frames_to_time, np.nan),
        (dsp.frames_to_samples, np.inf),
        (dsp.time_to_frames, np.nan),
        (dsp.time_to_frames, -np.inf),
        (dsp.time_to_samples, np.array([0.0, np.nan])),
        (dsp.samples_to_frames, np.inf),
        (dsp.samples_to_time, np.nan),
    ],
)
def test_time_conversions_refuse_non_finite(func, value):
    with pytest.raises(ParameterError, match=r"must be finite, got (nan|inf|-inf)"):
        func(value)


@pytest.mark.parametrize(
    "func, value",
    [
        (dsp.frames_to_samples, 2**62),
        (dsp.frames_to_time, np.array([0, 2**55])),
        (dsp.time_to_frames, 2.0**62),
        (dsp.time_to_samples, 1e300),
        (dsp.samples_to_frames, 2**63 - 1),
    ],
)
def test_time_conversions_refuse_indices_beyond_int64(func, value):
    with pytest.raises(ParameterError, match=r"beyond 2\*\*62"):
        func(value)


@pytest.mark.parametrize("value", ["3", None, 1j, np.array(["a"])])
def test_time_conversions_refuse_non_numbers(value):
    with pytest.raises(ParameterError, match=r"must be real numbers|cannot be read"):
        dsp.frames_to_time(value)
