"""dsp.examples: the built-in sound is deterministic and holds the events its table promises.

Each event is checked where it should be, with a plain NumPy FFT of a Hann-windowed excerpt
(no dsp code in the oracle), and checked absent where it should not be.
"""

from __future__ import annotations

import numpy as np
import pytest

from dsp.examples import EXAMPLE_DURATION, EXAMPLE_EVENTS, EXAMPLE_SR, example_audio

Y, SR = example_audio()
#: Frequency resolution of a 0.25 s excerpt is 4 Hz; a peak may sit one bin either side, and the
#: vibrato swings the 220 Hz tone by 2 %.
PEAK_TOL_HZ = 8.0


def _spectrum(start: float, length: float, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Hann-windowed magnitude spectrum of an excerpt, zero-padded to ``n`` samples."""
    excerpt = Y[round(start * SR) : round((start + length) * SR)].astype(np.float64)
    n = n or excerpt.size
    magnitude = np.abs(np.fft.rfft(excerpt * np.hanning(excerpt.size), n=n))
    return np.fft.rfftfreq(n, 1 / SR), magnitude


def _peaks(start: float, length: float, count: int) -> list[float]:
    """Frequencies of the ``count`` strongest local maxima."""
    freqs, magnitude = _spectrum(start, length)
    is_peak = (magnitude[1:-1] > magnitude[:-2]) & (magnitude[1:-1] >= magnitude[2:])
    index = np.flatnonzero(is_peak) + 1
    strongest = index[np.argsort(magnitude[index])[-count:]]
    return sorted(freqs[strongest])


def test_deterministic_shape_dtype_and_peak():
    again, sr = example_audio()
    np.testing.assert_array_equal(again, Y)
    assert (SR, sr, Y.shape, Y.dtype) == (EXAMPLE_SR, EXAMPLE_SR, (132300,), np.float32)
    assert Y.size == EXAMPLE_DURATION * SR
    assert np.abs(Y).max() == np.float32(0.9)


def test_events_lie_within_the_sound():
    for start, end, _ in EXAMPLE_EVENTS:
        assert 0 <= start < end <= EXAMPLE_DURATION


def test_harmonic_tone_with_vibrato():
    peaks = np.array(_peaks(0.5, 0.25, 3))
    assert np.all(np.abs(peaks - [220, 440, 660]) <= PEAK_TOL_HZ * np.array([1, 2, 3])), peaks
    # The vibrato: over one 5.5 Hz period the 12th harmonic (2640 Hz +- 2 %) swings by ~105 Hz.
    # 40 ms excerpts, zero-padded to 1 Hz bins, eight times per period.
    track = []
    for t in 0.5 + np.arange(8) / (8 * 5.5):
        freqs, magnitude = _spectrum(t, 0.04, n=SR)
        band = (freqs > 2500) & (freqs < 2800)
        track.append(freqs[band][np.argmax(magnitude[band])])
    assert 80 < max(track) - min(track) < 120, track


@pytest.mark.parametrize("t", [2.2, 3.0, 3.8])
def test_chirp_follows_its_exponential_law(t):
    expected = 200 * 40 ** ((t - 1.5) / 2.5)
    (peak,) = _peaks(t - 0.01, 0.02, 1)  # 20 ms: the chirp barely moves
    assert abs(peak - expected) < 0.05 * expected + 50  # 50 Hz = one bin of a 20 ms excerpt


def test_ten_clicks():
    start, end = round(4.0 * SR), round(4.99 * SR)
    loudest = np.sort(np.argsort(np.abs(Y[start:end]))[-10:]) + start
    np.testing.assert_array_equal(loudest, np.round((4.05 + 0.1 * np.arange(10)) * SR))


def test_chord_and_noise_burst():
    np.testing.assert_allclose(_peaks(5.0, 0.2, 3), [440, 554.37, 659.26], atol=PEAK_TOL_HZ)
    freqs, quiet = _spectrum(5.0, 0.15)
    _, noisy = _spectrum(5.35, 0.15)
    high = freqs > 5000
    assert np.median(noisy[high]) > 100 * np.median(quiet[high])  # 40 dB more hiss


def test_silence_where_nothing_plays():
    """After the tone and before the clicks, above the chirp, there is nothing."""
    freqs, magnitude = _spectrum(3.9 - 0.05, 0.05)
    chirp_now = 200 * 40 ** (2.35 / 2.5)
    assert magnitude[freqs < chirp_now / 2].max() < 1e-3 * magnitude.max()
