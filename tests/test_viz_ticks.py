"""dsp.viz.ticks and dsp.viz._axes: tick values against matplotlib's locators and librosa.display,
tick positions against librosa.display.specshow and against the mel filterbank's own centres.
"""

from __future__ import annotations

import math

import librosa
import librosa.display
import matplotlib
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from matplotlib import ticker

from dsp.viz._axes import Axis, make_axis
from dsp.viz.ticks import (
    CLOCK_STEPS,
    HZ_STEPS,
    TIME_STEPS,
    format_number,
    format_time,
    nice_ticks,
    power_of_two_ticks,
    time_ticks,
)

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

#: Tick values are k * step in float64; both sides compute them with a few roundings.
VALUE_TOL = 1e-9
#: Axis fractions: both sides map values through a few float64 operations (symlog: a log2).
FRACTION_TOL = 1e-9
#: librosa centres mel band i at mel_frequencies(n)[i], dsp tiles fmin..fmax in equal rows: the
#: same Hz falls at most one row apart (derivation in dsp/viz/_axes.py), plus float slack.
MEL_ROW_TOL = 1.0 + 1e-9


def _inside(values, lo, hi):
    slack = 1e-9 * (hi - lo)
    return np.array([v for v in values if lo - slack <= v <= hi + slack])


@settings(max_examples=60)
@given(
    below=st.just(0.0) | st.floats(1e-6, 0.5),
    span=st.floats(1e-3, 1e5),
    nbins=st.integers(1, 12),
    time=st.booleans(),
)
def test_nice_ticks_equal_matplotlib_max_n_locator(below, span, nbins, time):
    """On axes that start at or just below 0, as every spectrogram axis does (matplotlib ticks
    a narrow range far from 0 relative to an offset, which never happens here)."""
    steps = TIME_STEPS if time else HZ_STEPS
    lo = -below * span
    hi = lo + span
    ours = nice_ticks(lo, hi, nbins=nbins, steps=steps)
    locator = ticker.MaxNLocator(nbins=nbins, steps=list(steps))
    theirs = _inside(locator.tick_values(lo, hi), lo, hi)
    # An end a rounding error from a tick multiple (hi = 0.0010000000000000002, 1 - 1e-9) lies
    # inside matplotlib's edge tolerance, where its choice flips under a 1e-9 nudge of the ends:
    # the reference is ill-posed there, so compare only where it is stable.
    nudge = 1e-9 * span
    for a, b in ((lo - nudge, hi + nudge), (lo + nudge, hi - nudge)):
        assume(np.array_equal(_inside(locator.tick_values(a, b), lo, hi), theirs))
    np.testing.assert_allclose(
        ours, theirs, rtol=0, atol=VALUE_TOL * span, err_msg=f"{lo=} {hi=} {nbins=}"
    )


def test_time_ticks_beyond_a_minute_fall_on_clock_steps():
    for span in (61.0, 95.0, 600.0, 1800.0, 3599.0, 5400.0, 86000.0):
        ticks = time_ticks(-0.01, span)
        step = ticks[1] - ticks[0]
        assert step in CLOCK_STEPS and np.allclose(np.diff(ticks), step)
        assert 2 <= ticks.size <= 11 and ticks[0] == 0 and ticks[-1] <= span
        smaller = [s for s in CLOCK_STEPS if s < step]
        assert not smaller or smaller[-1] * 10 < span + 0.01  # the smallest step that fits
    assert [format_time(t, 1800.0) for t in time_ticks(0, 1800.0)][:3] == ["0:00", "5:00", "10:00"]


@pytest.mark.parametrize(
    ("seconds", "span", "step", "label"),
    [
        (0.0, 6.0, 1.0, "0"),
        (1.5, 15.0, 1.5, "1.5"),
        (10.5, 15.0, 1.5, "10.5"),
        (0.25, 0.9, 0.05, "0.25"),
        (65.0, 120.0, None, "1:05"),
        (3600.0, 3601.0, None, "1:00:00"),
        (59.6, 600.0, None, "1:00"),
    ],
)
def test_format_time(seconds, span, step, label):
    assert format_time(seconds, span, step) == label


def _naive_clock(seconds):
    whole = int(round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


@given(st.integers(0, 3599))
def test_format_time_minutes_equal_a_naive_clock(seconds):
    assert format_time(float(seconds), 1800.0) == _naive_clock(seconds)


def test_format_number_drops_useless_zeros():
    assert [format_number(v, 2500.0) for v in (0.0, 2500.0, 5000.0)] == ["0", "2500", "5000"]
    assert format_number(-0.0, 1.0) == "0" and format_number(0.15, 0.05) == "0.15"


def test_power_of_two_ticks():
    assert power_of_two_ticks(-5.4, 11030.4, linthresh=65.4).tolist() == [
        0,
        64,
        128,
        256,
        512,
        1024,
        2048,
        4096,
        8192,
    ]
    assert power_of_two_ticks(300.0, 4000.0, linthresh=1000.0).tolist() == [512, 1024, 2048]


def _librosa_axes(data, *, x_axis, y_axis, **kwargs):
    """Tick values inside the view and their fractions of the axes, from librosa.display."""
    fig, ax = plt.subplots(figsize=(12, 6), dpi=100)
    try:
        librosa.display.specshow(data, x_axis=x_axis, y_axis=y_axis, ax=ax, **kwargs)
        fig.canvas.draw()
        out = {}
        for name, limits, ticks in (
            ("x", ax.get_xlim(), ax.get_xticks()),
            ("y", ax.get_ylim(), ax.get_yticks()),
        ):
            values = _inside(ticks, *limits)
            points = [(v, limits[0]) if name == "x" else (limits[0], v) for v in values]
            axes = ax.transAxes.inverted().transform(ax.transData.transform(points))
            out[name] = (values, axes[:, 0 if name == "x" else 1], limits)
        return out
    finally:
        plt.close(fig)


def _ours(axis: Axis, length: int):
    ticks = axis.ticks(length)
    return np.array([t[0] for t in ticks]), np.array([t[1] for t in ticks])


@settings(max_examples=20)
@given(
    y_axis=st.sampled_from(["linear", "hz", "log"]),
    sr=st.sampled_from([8000, 16000, 22050, 44100, 48000]),
    n_fft=st.sampled_from([256, 512, 1024, 2048, 4096]),
    hop_length=st.sampled_from([128, 256, 512, 1024]),
    n_frames=st.integers(2, 20000),
)
def test_linear_log_and_time_axes_equal_librosa_specshow(y_axis, sr, n_fft, hop_length, n_frames):
    n_bins = n_fft // 2 + 1
    span = (n_frames - 0.5) * hop_length / sr
    kwargs = {
        "sr": sr,
        "hop_length": hop_length,
        "n_fft": n_fft,
        "fmin": 0.0,
        "fmax": sr / 2,
        "htk": False,
    }
    # Two thin drawings (one axis each) instead of n_bins x n_frames quads: same axes, faster.
    common = {"sr": sr, "hop_length": hop_length, "n_fft": n_fft}
    theirs = {
        "x": _librosa_axes(np.zeros((2, n_frames)), x_axis="time", y_axis="frames", **common)["x"],
        "y": _librosa_axes(np.zeros((n_bins, 2)), x_axis="time", y_axis=y_axis, **common)["y"],
    }
    msg = f"{y_axis=} {sr=} {n_fft=} {hop_length=} {n_frames=}"
    for name, axis in (
        ("x", make_axis("time", n_frames, **kwargs)),
        ("y", make_axis(y_axis, n_bins, **kwargs)),
    ):
        values, fractions, limits = theirs[name]
        np.testing.assert_allclose((axis.vmin, axis.vmax), limits, rtol=1e-12, err_msg=msg)
        # Axes start half a cell below 0; with wide cells librosa can tick a negative time or
        # frequency there (-0.005 s, -64 Hz), which dsp leaves out.
        fractions, values = fractions[values >= 0], values[values >= 0]
        ours, where = _ours(axis, 480)
        if name == "x" and span > 60:  # dsp ticks whole clock steps; positions still agree
            fractions = axis.fraction(values)
            values = ours
        np.testing.assert_allclose(ours, values, rtol=0, atol=VALUE_TOL * max(limits), err_msg=msg)
        np.testing.assert_allclose(
            where,
            fractions if name == "y" or span <= 60 else axis.fraction(ours),
            rtol=0,
            atol=FRACTION_TOL,
            err_msg=msg,
        )


@settings(max_examples=10)
@given(
    sr=st.sampled_from([16000, 22050, 44100]),
    n_mels=st.integers(16, 256),
    fmin=st.sampled_from([0.0, 20.0, 300.0]),
    fmax_fraction=st.sampled_from([0.5, 0.9, 1.0]),
    htk=st.booleans(),
)
def test_mel_axis_ticks_equal_librosa_values_within_one_row(sr, n_mels, fmin, fmax_fraction, htk):
    fmax = sr / 2 * fmax_fraction
    kwargs = {"sr": sr, "hop_length": 512, "n_fft": 2048, "fmin": fmin, "fmax": fmax, "htk": htk}
    axis = make_axis("mel", n_mels, **kwargs)
    theirs = _librosa_axes(
        np.zeros((n_mels, 50)), x_axis="time", y_axis="mel", sr=sr, fmin=fmin, fmax=fmax, htk=htk
    )
    values, _, _ = theirs["y"]
    ours, where = _ours(axis, 480)
    inside = values[(values >= fmin) & (values <= fmax)]  # librosa's view reaches past fmin/fmax
    np.testing.assert_array_equal(ours, inside)
    librosa_rows = np.interp(
        ours, librosa.mel_frequencies(n_mels, fmin=fmin, fmax=fmax, htk=htk), np.arange(n_mels)
    )
    our_rows = where * n_mels - 0.5
    assert np.abs(our_rows - librosa_rows).max() <= MEL_ROW_TOL


def _naive_slaney_mel(f):
    """Slaney's mel scale: linear 3 mel / 200 Hz to 1 kHz, then 27 mel per factor 6.4."""
    return 3 * f / 200 if f < 1000 else 15 + 27 * math.log(f / 1000) / math.log(6.4)


@given(n_mels=st.integers(8, 200), fmin=st.floats(0, 500), fmax=st.floats(2000, 11025))
def test_a_mel_tick_sits_within_half_a_row_of_the_filter_centred_on_it(n_mels, fmin, fmax):
    axis = make_axis(
        "mel", n_mels, sr=22050, hop_length=512, n_fft=2048, fmin=fmin, fmax=fmax, htk=False
    )
    lo, hi = _naive_slaney_mel(fmin), _naive_slaney_mel(fmax)
    centres = librosa.mel_frequencies(n_mels + 2, fmin=fmin, fmax=fmax)[1:-1]  # filter peaks
    for value, fraction, label in axis.ticks(480):
        assert float(label) == value
        assert fraction == pytest.approx((_naive_slaney_mel(value) - lo) / (hi - lo), abs=1e-9)
        true_row = np.interp(
            librosa.hz_to_mel(value),
            librosa.hz_to_mel(centres),
            np.arange(n_mels),
            left=-1.0,
            right=n_mels,
        )
        if 0 <= true_row <= n_mels - 1:
            assert abs(fraction * n_mels - 0.5 - true_row) <= 0.5 + 1e-9
