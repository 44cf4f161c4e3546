"""Sample codecs: WAV sample bytes <-> floating-point samples in [-1, 1).

Reading scales integer PCM exactly as libsndfile does (so ``dsp.io.audio.load`` equals
``soundfile.read`` sample for sample)::

    8-bit (unsigned)  y = (q - 128) / 2**7
    16-bit            y = q / 2**15
    24-bit            y = q / 2**23
    32-bit            y = q / 2**31

Every divisor is a power of two, so the only rounding is the integer -> float conversion itself
(32-bit PCM into float32, which keeps 24 significant bits). Float samples are stored as is.

Writing inverts that: ``q = clip(round_half_even(y * 2**(b-1)), -2**(b-1), 2**(b-1) - 1)``, so
any signal already on the b-bit grid survives a write/read round trip bit for bit. Samples
outside [-1, 1) are clipped (and counted, so the caller can warn).
"""

from __future__ import annotations

import numpy as np

__all__ = ["decode", "encode", "SUBTYPE_BITS"]

#: dsp's subtype name -> bits per sample.
SUBTYPE_BITS = {
    "pcm8": 8,
    "pcm16": 16,
    "pcm24": 24,
    "pcm32": 32,
    "float32": 32,
    "float64": 64,
}
_STORAGE = {"pcm16": "<i2", "pcm32": "<i4", "float32": "<f4", "float64": "<f8"}


def decode(raw: np.ndarray, subtype: str, channels: int, dtype: np.dtype) -> np.ndarray:
    """Decode interleaved sample bytes into a ``(frames, channels)`` array of ``dtype``.

    ``raw`` is a 1-D ``uint8`` array whose length is a whole number of frames.
    """
    if subtype == "pcm8":
        out = raw.astype(dtype)
        out -= 128
        out *= dtype.type(2.0**-7)
    elif subtype == "pcm24":
        # Place each 3-byte little-endian sample in the top of an int32, then shift back down:
        # the arithmetic shift sign-extends bit 23.
        wide = np.zeros((raw.size // 3, 4), dtype=np.uint8)
        wide[:, 1:] = raw.reshape(-1, 3)
        out = (wide.view("<i4").reshape(-1) >> 8).astype(dtype)
        out *= dtype.type(2.0**-23)
    else:
        with np.errstate(over="ignore"):  # float64 beyond float32's range -> inf, as libsndfile
            out = raw.view(_STORAGE[subtype]).astype(dtype)
        if subtype in ("pcm16", "pcm32"):
            out *= dtype.type(2.0 ** -(SUBTYPE_BITS[subtype] - 1))
    return out.reshape(-1, channels)


def encode(frames: np.ndarray, subtype: str) -> tuple[bytes, int]:
    """Encode a ``(frames, channels)`` float array as interleaved sample bytes.

    Returns the bytes and the number of samples clipped to the integer range (always 0 for the
    float subtypes).
    """
    if subtype in ("float32", "float64"):
        return np.ascontiguousarray(frames, dtype=_STORAGE[subtype]).tobytes(), 0
    bits = SUBTYPE_BITS[subtype]
    scaled = np.rint(frames.astype(np.float64) * 2.0 ** (bits - 1))
    low, high = -(2.0 ** (bits - 1)), 2.0 ** (bits - 1) - 1
    clipped = int(np.count_nonzero((scaled < low) | (scaled > high)))
    q = np.clip(scaled, low, high)
    if subtype == "pcm8":
        return (q + 128).astype(np.uint8).tobytes(), clipped
    if subtype == "pcm24":
        wide = np.ascontiguousarray(q, dtype="<i4").reshape(-1, 1).view(np.uint8)
        return wide[:, :3].tobytes(), clipped
    return np.ascontiguousarray(q, dtype=_STORAGE[subtype]).tobytes(), clipped
