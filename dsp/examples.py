"""The built-in example sound: six seconds that show what a spectrogram reveals.

Made in code (no download, no data file), identical on every call. Each event shows one thing a
waveform hides and a spectrogram makes plain:

==========  ===================================================================================
seconds     event, and what to look for in the picture
==========  ===================================================================================
0.0 - 2.0   a 220 Hz tone with 12 harmonics and 5.5 Hz vibrato: a stack of evenly spaced lines
            whose wiggle grows with the harmonic number
1.5 - 4.0   an exponential chirp from 200 Hz to 8 kHz: a rising curve on the linear picture, a
            nearly straight line on the mel picture (overlapping the tone: two sources at once)
4.0 - 5.0   ten clicks, 0.1 s apart: vertical lines, every frequency at one instant
4.9 - 6.0   an A major chord (440, 554.37, 659.26 Hz): three steady horizontal lines
5.2 - 5.7   a white noise burst: a block of energy over all frequencies, the chord showing
            through it
==========  ===================================================================================
"""

from __future__ import annotations

import numpy as np

__all__ = ["example_audio", "EXAMPLE_SR", "EXAMPLE_DURATION", "EXAMPLE_EVENTS"]

EXAMPLE_SR = 22050
EXAMPLE_DURATION = 6.0
#: (start s, end s, description) of each event, in order of appearance.
EXAMPLE_EVENTS = (
    (0.0, 2.0, "220 Hz harmonic tone with vibrato"),
    (1.5, 4.0, "exponential chirp 200 Hz -> 8 kHz"),
    (4.0, 5.0, "ten clicks"),
    (4.9, 6.0, "A major chord"),
    (5.2, 5.7, "white noise burst"),
)
#: Seed of the noise burst (Green's cubehelix year, for want of a better number).
_NOISE_SEED = 2011
#: Length of the raised-cosine fade at each end of an event, in seconds: a hard edge would
#: splash energy over all frequencies and blur the picture.
_FADE = 0.02
_PEAK = 0.9


def _envelope(t: np.ndarray, start: float, end: float) -> np.ndarray:
    """1 inside [start, end], 0 outside, with raised-cosine fades of ``_FADE`` seconds."""
    rise = np.clip((t - start) / _FADE, 0.0, 1.0)
    fall = np.clip((end - t) / _FADE, 0.0, 1.0)
    return (0.5 - 0.5 * np.cos(np.pi * rise)) * (0.5 - 0.5 * np.cos(np.pi * fall))


def _vibrato_tone(t: np.ndarray) -> np.ndarray:
    f0, depth, rate = 220.0, 0.02, 5.5  # Hz, relative frequency swing, Hz
    # phase = 2 pi * integral of f0 (1 + depth sin(2 pi rate t)) dt
    phase = 2 * np.pi * f0 * (t + depth / (2 * np.pi * rate) * (1 - np.cos(2 * np.pi * rate * t)))
    harmonics = sum(np.sin(k * phase) / k for k in range(1, 13))
    return 0.5 * harmonics * _envelope(t, 0.0, 2.0)


def _chirp(t: np.ndarray) -> np.ndarray:
    f1, f2, start, length = 200.0, 8000.0, 1.5, 2.5
    tau = np.clip(t - start, 0.0, length)
    # f(tau) = f1 (f2 / f1) ** (tau / length); the phase is its integral
    k = np.log(f2 / f1) / length
    phase = 2 * np.pi * f1 * np.expm1(k * tau) / k
    return 0.4 * np.sin(phase) * _envelope(t, start, start + length)


def _clicks(n: int, sr: int) -> np.ndarray:
    y = np.zeros(n)
    y[np.round((4.05 + 0.1 * np.arange(10)) * sr).astype(int)] = 1.0
    return y


def _chord(t: np.ndarray) -> np.ndarray:
    notes = (440.0, 554.37, 659.26)
    return 0.15 * sum(np.sin(2 * np.pi * f * t) for f in notes) * _envelope(t, 4.9, 6.0)


def _noise(t: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(_NOISE_SEED)
    return 0.25 * rng.uniform(-1.0, 1.0, t.size) * _envelope(t, 5.2, 5.7)


def example_audio() -> tuple[np.ndarray, int]:
    """The built-in example sound (see the table in this module's docstring).

    Returns
    -------
    y : np.ndarray [shape=(132300,), dtype=float32]
        Six seconds of mono audio at 22050 Hz, peak 0.9.
    sr : int
        22050.

    Notes
    -----
    The sum of the five events of :data:`EXAMPLE_EVENTS`, scaled to a peak of 0.9. The vibrato
    tone has instantaneous frequency :math:`k f_0 (1 + d \\sin 2\\pi r t)` for harmonic
    :math:`k`; the chirp :math:`f(t) = f_1 (f_2 / f_1)^{t / T}`. The noise comes from
    ``np.random.default_rng(2011)``, so the sound is the same on every call (NumPy does not
    promise the same random stream across its versions; nothing here depends on that).

    Examples
    --------
    >>> import numpy as np
    >>> y, sr = example_audio()
    >>> y.shape, y.dtype, sr, float(np.abs(y).max())
    ((132300,), dtype('float32'), 22050, 0.8999999761581421)
    """
    sr = EXAMPLE_SR
    n = round(EXAMPLE_DURATION * sr)
    t = np.arange(n) / sr
    y = _vibrato_tone(t) + _chirp(t) + _clicks(n, sr) + _chord(t) + _noise(t)
    return (y * (_PEAK / np.abs(y).max())).astype(np.float32), sr
