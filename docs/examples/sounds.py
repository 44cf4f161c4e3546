"""Four kinds of sound made in code, for the CNN example: voice, engine, bird, noise.

Every clip is drawn from a seeded :class:`numpy.random.Generator`, so one seed gives the same
dataset on every machine. Each class has a few random knobs (pitch, length, loudness) and every
clip gets a background of pink noise at a random signal-to-noise ratio, sometimes with mains hum,
and sometimes a quieter sound of another class, so that the task is not trivial:

========  ==========================================================================
class     what it is
========  ==========================================================================
voice     a harmonic series (f0 80-300 Hz, gliding) shaped by three formants that move
          from one vowel to another, in syllables of 2-6 per second
engine    a low periodic rumble: harmonics of a 20-70 Hz firing rate, rolled off above
          a few hundred Hz, plus noise pulsing at the firing rate
bird      2-7 short chirps (30-150 ms) sweeping within 1.5-7 kHz, some with a trill
noise     coloured noise (white to brown) through a random band-pass, slowly swelling
========  ==========================================================================

Usage: ``write_dataset(folder, n_per_class=100, seed=0)`` writes ``folder/<class>/<n>.wav``.
"""

from __future__ import annotations

import os

import numpy as np

import dsp

SR = 16000  # Hz: enough for every class (birds reach 7 kHz + a harmonic, cut at 8 kHz)
CLASSES = ("voice", "engine", "bird", "noise")
MIN_SECONDS, MAX_SECONDS = 0.6, 1.2  # clip lengths are drawn in this range
SNR_DB = (-5.0, 15.0)  # event-to-background ratio, drawn uniformly
DISTRACTOR = 0.3  # chance of a quieter sound of another class in the background
DISTRACTOR_DB = (-15.0, -5.0)  # its level relative to the event
PEAK_DBFS = (-30.0, -3.0)  # loudness of the whole clip, drawn uniformly
# Vowel formants (F1, F2, F3) in Hz: /a/, /i/, /u/, /e/, /o/ (adult averages).
VOWELS = np.array(
    [[730, 1090, 2440], [270, 2290, 3010], [300, 870, 2240], [530, 1840, 2480], [570, 840, 2410]]
)


def coloured_noise(rng: np.random.Generator, n: int, exponent: float) -> np.ndarray:
    """Noise with power falling as ``1 / f**exponent`` (0 white, 1 pink, 2 brown), std 1."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(spectrum.size, dtype=float)
    f[0] = 1.0
    y = np.fft.irfft(spectrum / f ** (exponent / 2), n)
    return y / (y.std() + 1e-12)


def _fade(n: int, sr: int, seconds: float = 0.02) -> np.ndarray:
    """An envelope rising and falling over ``seconds`` at both ends (no click)."""
    ramp = min(n // 2, int(seconds * sr))
    env = np.ones(n)
    if ramp > 0:
        rise = 0.5 - 0.5 * np.cos(np.pi * np.arange(ramp) / ramp)
        env[:ramp], env[n - ramp :] = rise, rise[::-1]
    return env


def voice(rng: np.random.Generator, n: int, sr: int = SR) -> np.ndarray:
    t = np.arange(n) / sr
    f0 = rng.uniform(80, 300) * (1 + rng.uniform(-0.2, 0.2) * t / t[-1])  # intonation glide
    f0 = f0 * (1 + 0.01 * np.sin(2 * np.pi * rng.uniform(4, 7) * t))  # vibrato
    phase = 2 * np.pi * np.cumsum(f0) / sr
    a, b = VOWELS[rng.choice(len(VOWELS), size=2, replace=False)]
    formants = a + (b - a) * np.clip((t - rng.uniform(0.2, 0.6) * t[-1]) * 8, 0, 1)[:, None]
    bandwidths = np.array([90.0, 120.0, 180.0])
    y = np.zeros(n)
    for k in range(1, int(sr / 2 / f0.max())):  # every harmonic below Nyquist
        gain = (1 / ((k * f0[:, None] - formants) ** 2 / bandwidths**2 + 1)).sum(axis=1)
        y += gain * np.sin(k * phase) / k**0.5
    syllables = np.sin(np.pi * rng.uniform(2, 6) * t + rng.uniform(0, np.pi)) ** 2
    return y * (0.2 + 0.8 * syllables)


def engine(rng: np.random.Generator, n: int, sr: int = SR) -> np.ndarray:
    t = np.arange(n) / sr
    rate = rng.uniform(20, 70) * (1 + rng.uniform(-0.1, 0.1) * t / t[-1])  # revving a little
    phase = 2 * np.pi * np.cumsum(rate) / sr
    cutoff = rng.uniform(200, 600)
    y = np.zeros(n)
    for k in range(1, int(1500 / rate.max()) + 1):
        y += (
            rng.uniform(0.3, 1.0)
            * np.sin(k * phase + rng.uniform(0, 2 * np.pi))
            / (1 + (k * rate.mean() / cutoff) ** 2)
        )
    pulses = (0.5 + 0.5 * np.cos(phase)) ** 4  # one burst of noise per firing
    rumble = coloured_noise(rng, n, 1.5) * pulses
    return y / (y.std() + 1e-12) + rng.uniform(0.2, 0.8) * rumble


def bird(rng: np.random.Generator, n: int, sr: int = SR) -> np.ndarray:
    y = np.zeros(n)
    start = int(rng.uniform(0, 0.15) * sr)
    for _ in range(rng.integers(2, 8)):
        length = int(rng.uniform(0.03, 0.15) * sr)
        if start + length > n:
            break
        tc = np.arange(length) / sr
        f_start = rng.uniform(2000, 6000)
        f_end = np.clip(f_start * rng.uniform(0.6, 1.6), 1500, 7000)
        f = f_start + (f_end - f_start) * (tc / tc[-1]) ** rng.uniform(0.5, 2)
        if rng.random() < 0.4:  # a trill
            f = f * (1 + 0.05 * np.sin(2 * np.pi * rng.uniform(30, 80) * tc))
        phase = 2 * np.pi * np.cumsum(f) / sr
        chirp = np.sin(phase) + rng.uniform(0, 0.4) * np.sin(2 * phase) * (2 * f < sr / 2)
        y[start : start + length] += np.hanning(length) * chirp
        start += length + int(rng.uniform(0.03, 0.15) * sr)
    return y


def noise(rng: np.random.Generator, n: int, sr: int = SR) -> np.ndarray:
    y = coloured_noise(rng, n, rng.uniform(0, 2))
    low = rng.uniform(0, 3000)
    high = low + rng.uniform(1000, sr / 2 - low)
    spectrum = np.fft.rfft(y)
    f = np.fft.rfftfreq(n, 1 / sr)
    spectrum[(f < low) | (f > high)] *= 0.05
    y = np.fft.irfft(spectrum, n)
    t = np.arange(n) / sr
    return y * (0.6 + 0.4 * np.sin(2 * np.pi * rng.uniform(0.3, 2) * t + rng.uniform(0, 6)))


MAKERS = {"voice": voice, "engine": engine, "bird": bird, "noise": noise}


def clip(label: str, rng: np.random.Generator, sr: int = SR) -> np.ndarray:
    """One clip of class ``label``: the event over a background, at a random loudness."""
    n = int(rng.uniform(MIN_SECONDS, MAX_SECONDS) * sr)
    event = MAKERS[label](rng, n, sr) * _fade(n, sr)
    event /= np.sqrt(np.mean(event**2)) + 1e-12
    background = coloured_noise(rng, n, 1.0)
    if rng.random() < 0.3:  # mains hum and its harmonics
        hum = sum(
            np.sin(2 * np.pi * k * rng.choice([50, 60]) * np.arange(n) / sr) / k for k in (1, 2, 3)
        )
        background += hum / np.std(hum)
    y = event + background * 10 ** (-rng.uniform(*SNR_DB) / 20)
    if rng.random() < DISTRACTOR:  # a quieter sound of another class
        other = rng.choice([c for c in CLASSES if c != label])
        extra = MAKERS[other](rng, n, sr) * _fade(n, sr)
        extra /= np.sqrt(np.mean(extra**2)) + 1e-12
        y += extra * 10 ** (rng.uniform(*DISTRACTOR_DB) / 20)
    y *= 10 ** (rng.uniform(*PEAK_DBFS) / 20) / np.abs(y).max()
    return y.astype(np.float32)


def write_dataset(folder: str, n_per_class: int, seed: int = 0) -> list[tuple[str, str]]:
    """Write ``n_per_class`` clips of every class as ``folder/<class>/<i>.wav``.

    Returns the ``(path, label)`` pairs. The clips depend only on ``seed``."""
    rng = np.random.default_rng(seed)
    written = []
    for i in range(n_per_class):
        for label in CLASSES:
            path = os.path.join(folder, label, f"{i:04d}.wav")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            dsp.write_wav(path, clip(label, rng), SR)
            written.append((path, label))
    return written
