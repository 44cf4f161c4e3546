"""Sample codecs: stored sample bytes <-> floating-point samples in [-1, 1).

Reading scales integer PCM exactly as libsndfile does (so :func:`dsp.io.audio.load` equals
``soundfile.read`` sample for sample). A sample is decoded by its *container* width ``w`` bytes
(the bit depth rounded up to whole bytes: 12-bit PCM lives in 2 bytes and is read as 16-bit)::

    1 byte, unsigned (WAV)   y = (q - 128) / 2**7
    1 byte, signed (AIFF)    y = q / 2**7
    w bytes, signed          y = q / 2**(8 w - 1)          (w = 2, 3, 4)
    mu-law, A-law (G.711)    y = g711(q) / 2**15           (the ITU-T 16-bit expansion)

Every divisor is a power of two, so the only rounding is the integer -> float conversion itself
(32-bit PCM into float32, which keeps 24 significant bits). Float samples are stored as is.

Writing inverts that: ``q = clip(round_half_even(y * 2**(b-1)), -2**(b-1), 2**(b-1) - 1)``, so
any signal already on the b-bit grid survives a write/read round trip bit for bit. Samples
outside [-1, 1) are clipped (and counted, so the caller can warn).
"""

from __future__ import annotations

import numpy as np

__all__ = ["decode", "decode_samples", "encode", "SUBTYPE_BITS", "ULAW", "ALAW"]

#: dsp's writable subtype name -> bits per sample.
SUBTYPE_BITS = {
    "pcm8": 8,
    "pcm16": 16,
    "pcm24": 24,
    "pcm32": 32,
    "float32": 32,
    "float64": 64,
}
_STORAGE = {"pcm16": "<i2", "pcm32": "<i4", "float32": "<f4", "float64": "<f8"}


def _ulaw_table() -> np.ndarray:
    """ITU-T G.711 mu-law expansion of every byte to 16 bits (range +-32124)."""
    u = ~np.arange(256, dtype=np.int64) & 0xFF
    exponent, mantissa = (u >> 4) & 7, u & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(u & 0x80, -magnitude, magnitude).astype(np.int16)


def _alaw_table() -> np.ndarray:
    """ITU-T G.711 A-law expansion of every byte to 16 bits (range +-32256)."""
    a = np.arange(256, dtype=np.int64) ^ 0x55
    exponent, mantissa = (a >> 4) & 7, a & 0x0F
    magnitude = np.where(
        exponent == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0)
    )
    return np.where(a & 0x80, magnitude, -magnitude).astype(np.int16)


ULAW, ALAW = _ulaw_table(), _alaw_table()


def decode_samples(
    raw: np.ndarray, codec: str, width: int, big_endian: bool, channels: int, dtype: np.dtype
) -> np.ndarray:
    """Decode interleaved sample bytes into a ``(frames, channels)`` array of ``dtype``.

    ``codec`` is ``"pcm"`` (signed), ``"upcm"`` (unsigned, 1 byte), ``"float"``, ``"ulaw"`` or
    ``"alaw"``; ``raw`` is a 1-D ``uint8`` array holding a whole number of frames.
    """
    order = ">" if big_endian else "<"
    if codec in ("ulaw", "alaw"):
        out = (ULAW if codec == "ulaw" else ALAW)[raw].astype(dtype)
        out *= dtype.type(2.0**-15)
    elif codec == "upcm":
        out = raw.astype(dtype)
        out -= 128
        out *= dtype.type(2.0**-7)
    elif codec == "float":
        with np.errstate(over="ignore"):  # float64 beyond float32's range -> inf, as libsndfile
            out = raw.view(f"{order}f{width}").astype(dtype)
    elif width == 3:
        # Place each 3-byte sample in the top of an int32, then shift back down: the arithmetic
        # shift sign-extends the top bit.
        wide = np.zeros((raw.size // 3, 4), dtype=np.uint8)
        wide[:, 1:] = raw.reshape(-1, 3)[:, ::-1] if big_endian else raw.reshape(-1, 3)
        out = (wide.view("<i4").reshape(-1) >> 8).astype(dtype)
        out *= dtype.type(2.0**-23)
    else:
        out = raw.view(f"{order}i{width}").astype(dtype)
        out *= dtype.type(2.0 ** -(8 * width - 1))
    return out.reshape(-1, channels)


def decode(raw: np.ndarray, subtype: str, channels: int, dtype: np.dtype) -> np.ndarray:
    """Decode little-endian WAV samples of a writable ``subtype`` (``"pcm16"``, ...)."""
    codec = "float" if subtype.startswith("float") else ("upcm" if subtype == "pcm8" else "pcm")
    return decode_samples(raw, codec, SUBTYPE_BITS[subtype] // 8, False, channels, dtype)


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
