"""Odd but legal WAV and AIFF files, built byte by byte, each read equal to ``soundfile.read``.

What libsndfile reads, dsp reads, sample for sample: RIFX (big-endian), RF64/BW64 (``ds64``),
size fields of 0 or 0xFFFFFFFF as pipes write them, data chunks cut short (with a DspWarning
saying how much is missing), mu-law and A-law, PCM of every bit depth from 1 to 32 in its
container, WAVE_FORMAT_EXTENSIBLE with unusual valid-bit counts, AIFF and AIFC. Plus scipy's
own corpus of odd WAVs (every file of it that libsndfile reads).
"""

from __future__ import annotations

import glob
import io
import os
import struct
import warnings

import numpy as np
import pytest
import scipy
import soundfile as sf

from dsp.errors import DspWarning
from dsp.io.audio import info, load

SR = 8000
GUID_TAIL = bytes.fromhex("000000001000800000aa00389b71")


def chunk(chunk_id: bytes, body: bytes, size: int | None = None, order: str = "<") -> bytes:
    declared = len(body) if size is None else size
    return chunk_id + struct.pack(order + "I", declared) + body + b"\0" * (len(body) & 1)


def fmt(tag=1, channels=1, bits=16, width=None, order="<", valid=None, sub_tag=1):
    """A ``fmt`` chunk; ``tag=0xFFFE`` adds the extensible part (``valid`` bits, ``sub_tag``)."""
    width = (bits + 7) // 8 if width is None else width
    body = struct.pack(
        order + "HHIIHH", tag, channels, SR, SR * channels * width, channels * width, bits
    )
    if tag == 0xFFFE:
        body += struct.pack(order + "HHI", 22, bits if valid is None else valid, 0)
        if order == "<":
            body += struct.pack("<H", sub_tag) + GUID_TAIL
        else:  # Data1, Data2, Data3 big-endian, Data4 as is
            body += struct.pack(">IHH", sub_tag, 0, 0x10) + GUID_TAIL[6:]
    return chunk(b"fmt ", body, order=order)


def wav(*chunks: bytes, riff_id=b"RIFF", size=None, order="<") -> bytes:
    body = b"WAVE" + b"".join(chunks)
    return riff_id + struct.pack(order + "I", len(body) if size is None else size) + body


def rf64(fmt_chunk: bytes, data: bytes, riff_id=b"RF64") -> bytes:
    body_size = 4 + 36 + len(fmt_chunk) + 8 + len(data) + (len(data) & 1)
    ds64 = chunk(b"ds64", struct.pack("<QQQI", body_size, len(data), 0, 0))
    return (
        riff_id
        + struct.pack("<I", 0xFFFFFFFF)
        + b"WAVE"
        + ds64
        + fmt_chunk
        + chunk(b"data", data, size=0xFFFFFFFF)
    )


def extended(rate: float) -> bytes:
    """An 80-bit IEEE extended number (AIFF's sample rate)."""
    exponent = int(np.floor(np.log2(rate)))
    mantissa = int(rate * 2 ** (63 - exponent))
    return struct.pack(">HQ", exponent + 16383, mantissa)


def aiff(data: bytes, channels=1, bits=16, compression=None, frames=None) -> bytes:
    width = {b"fl32": 4, b"fl64": 8, b"ulaw": 1, b"alaw": 1}.get(compression, (bits + 7) // 8)
    frames = len(data) // (channels * width) if frames is None else frames
    comm = struct.pack(">hIh", channels, frames, bits) + extended(SR)
    if compression is not None:
        comm += compression + b"\x04name\0"
    body = (b"AIFC" if compression else b"AIFF") + chunk(b"COMM", comm, order=">")
    body += chunk(b"SSND", struct.pack(">II", 0, 0) + data, order=">")
    return b"FORM" + struct.pack(">I", len(body)) + body


RNG = np.random.default_rng(7)
BYTES = RNG.integers(0, 256, 600, dtype=np.uint8).tobytes()  # any bytes are valid samples


def _float_bytes(dtype: str, n: int) -> bytes:
    return RNG.uniform(-1, 1, n).astype(dtype).tobytes()


#: name -> (file bytes, whether dsp must warn about missing data)
ODD = {
    "RIFF size 0": (wav(fmt(), chunk(b"data", BYTES[:40]), size=0), False),
    "RIFF size 0xFFFFFFFF": (wav(fmt(), chunk(b"data", BYTES[:40]), size=0xFFFFFFFF), False),
    "RIFF size too large": (wav(fmt(), chunk(b"data", BYTES[:40]), size=10**6), False),
    "RIFF size too small": (wav(fmt(), chunk(b"data", BYTES[:40]), size=20), False),
    "pipe: both sizes 0xFFFFFFFF": (
        wav(fmt(), chunk(b"data", BYTES[:40], 0xFFFFFFFF), size=0xFFFFFFFF),
        False,
    ),
    "data size 0xFFFFFFFF": (wav(fmt(), chunk(b"data", BYTES[:40], 0xFFFFFFFF)), False),
    "data size 0": (wav(fmt(), chunk(b"data", BYTES[:40], 0)), False),
    "data cut short": (wav(fmt(channels=2), chunk(b"data", BYTES[:80]))[:-13], True),
    "data declares more": (wav(fmt(), chunk(b"data", BYTES[:40], 1000)), True),
    "mu-law": (wav(fmt(tag=7, bits=8), chunk(b"data", bytes(range(256)))), False),
    "A-law": (wav(fmt(tag=6, bits=8), chunk(b"data", bytes(range(256)))), False),
    "extensible mu-law": (wav(fmt(0xFFFE, bits=8, sub_tag=7), chunk(b"data", BYTES[:50])), False),
    "extensible A-law stereo": (
        wav(fmt(0xFFFE, channels=2, bits=8, sub_tag=6), chunk(b"data", BYTES[:50])),
        False,
    ),
    "extensible 20 valid in 24": (
        wav(fmt(0xFFFE, bits=24, valid=20), chunk(b"data", BYTES[:60])),
        False,
    ),
    "extensible 12 valid in 16": (
        wav(fmt(0xFFFE, bits=16, valid=12), chunk(b"data", BYTES[:60])),
        False,
    ),
    "extensible 0 valid": (wav(fmt(0xFFFE, bits=16, valid=0), chunk(b"data", BYTES[:60])), False),
    "extensible valid > bits": (
        wav(fmt(0xFFFE, bits=16, valid=24), chunk(b"data", BYTES[:60])),
        False,
    ),
    "extensible float64": (
        wav(fmt(0xFFFE, bits=64, sub_tag=3), chunk(b"data", _float_bytes("<f8", 10))),
        False,
    ),
    "wrong block_align": (
        wav(chunk(b"fmt ", struct.pack("<HHIIHH", 1, 3, SR, 0, 4, 24)), chunk(b"data", BYTES[:90])),
        False,
    ),
    "RIFX 16-bit": (
        wav(fmt(order=">"), chunk(b"data", BYTES[:60], order=">"), riff_id=b"RIFX", order=">"),
        False,
    ),
    "RIFX 24-bit stereo": (
        wav(
            fmt(channels=2, bits=24, order=">"),
            chunk(b"data", BYTES[:60], order=">"),
            riff_id=b"RIFX",
            order=">",
        ),
        False,
    ),
    "RIFX float32": (
        wav(
            fmt(tag=3, bits=32, order=">"),
            chunk(b"data", _float_bytes(">f4", 10), order=">"),
            riff_id=b"RIFX",
            order=">",
        ),
        False,
    ),
    "RIFX extensible 32-bit": (
        wav(
            fmt(0xFFFE, bits=32, order=">"),
            chunk(b"data", BYTES[:64], order=">"),
            riff_id=b"RIFX",
            order=">",
        ),
        False,
    ),
    "RF64 16-bit": (rf64(fmt(), BYTES[:60]), False),
    "RF64 float32 stereo": (rf64(fmt(tag=3, channels=2, bits=32), _float_bytes("<f4", 20)), False),
    "AIFF 16-bit": (aiff(BYTES[:60]), False),
    "AIFF 8-bit (signed)": (aiff(BYTES[:60], bits=8), False),
    "AIFF 12-bit stereo": (aiff(BYTES[:60], channels=2, bits=12), False),
    "AIFF 24-bit": (aiff(BYTES[:60], bits=24), False),
    "AIFF 32-bit": (aiff(BYTES[:64], bits=32), False),
    "AIFF frames cut short": (aiff(BYTES[:60], frames=100), True),
    "AIFC sowt": (aiff(BYTES[:60], compression=b"sowt"), False),
    "AIFC fl32": (aiff(_float_bytes(">f4", 10), bits=32, compression=b"fl32"), False),
    "AIFC fl64": (aiff(_float_bytes(">f8", 10), bits=64, compression=b"fl64"), False),
    "AIFC ulaw": (aiff(bytes(range(256)), bits=16, compression=b"ulaw"), False),
    "AIFC alaw": (aiff(bytes(range(256)), bits=16, compression=b"alaw"), False),
}
for _bits in range(1, 33):  # PCM of every bit depth in its container, mono and stereo
    _width = (_bits + 7) // 8
    ODD[f"PCM {_bits}-bit"] = (wav(fmt(bits=_bits), chunk(b"data", BYTES[: 24 * _width])), False)
    ODD[f"PCM {_bits}-bit stereo"] = (
        wav(fmt(channels=2, bits=_bits), chunk(b"data", BYTES[: 24 * _width])),
        False,
    )


def read_like_soundfile(blob: bytes, missing: bool, dtype=np.float32) -> np.ndarray:
    if missing:
        with pytest.warns(DspWarning, match=r"truncated: .* more bytes .* missing"):
            y, sr = load(io.BytesIO(blob), sr=None, mono=False, dtype=dtype)
    else:
        y, sr = load(io.BytesIO(blob), sr=None, mono=False, dtype=dtype)
    assert sr == SR
    return y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("blob", "missing"), list(ODD.values()), ids=list(ODD))
def test_odd_files_equal_soundfile(blob, missing, dtype):
    expected, sr = sf.read(io.BytesIO(blob), dtype=np.dtype(dtype).name, always_2d=True)
    y = read_like_soundfile(blob, missing, dtype)
    assert y.dtype == dtype
    np.testing.assert_array_equal(np.atleast_2d(y), expected.T)
    described = info(io.BytesIO(blob))
    assert (described.frames, described.channels, described.sr) == (
        expected.shape[0],
        expected.shape[1],
        sr,
    )


def test_the_odd_corpus_is_large_and_mostly_not_empty():
    """Guard against a builder that makes empty files (which would compare equal trivially)."""
    assert len(ODD) >= 100
    sizes = [sf.info(io.BytesIO(blob)).frames for blob, _ in ODD.values()]
    assert sum(size > 0 for size in sizes) == len(ODD) - 1  # only "data size 0" is empty


def test_bw64_reads_as_its_rf64_twin():
    """BW64 (EBU Tech 3285) is RF64 with another id; this libsndfile does not know the id, so the
    reference is soundfile's reading of the same bytes labelled RF64."""
    blob = rf64(fmt(channels=2, bits=24), BYTES[:60], riff_id=b"BW64")
    expected, _ = sf.read(io.BytesIO(b"RF64" + blob[4:]), dtype="float32", always_2d=True)
    assert expected.shape == (10, 2)
    np.testing.assert_array_equal(load(io.BytesIO(blob), sr=None, mono=False)[0], expected.T)
    assert info(io.BytesIO(blob)).format == "BW64"


def test_mu_law_and_a_law_tables_follow_g711():
    """A naive G.711 expansion written from the standard's description, byte by byte."""

    def ulaw(byte: int) -> int:
        u = ~byte & 0xFF
        magnitude = ((((u & 0x0F) << 3) + 0x84) << ((u >> 4) & 7)) - 0x84
        return -magnitude if u & 0x80 else magnitude

    def alaw(byte: int) -> int:
        a = byte ^ 0x55
        exponent, mantissa = (a >> 4) & 7, a & 0x0F
        if exponent == 0:
            magnitude = (mantissa << 4) + 8
        else:
            magnitude = ((mantissa << 4) + 0x108) << (exponent - 1)
        return magnitude if a & 0x80 else -magnitude

    for codec, expand in ((7, ulaw), (6, alaw)):
        y, _ = load(
            io.BytesIO(wav(fmt(tag=codec, bits=8), chunk(b"data", bytes(range(256))))),
            sr=None,
            dtype=np.float64,
        )
        np.testing.assert_array_equal(y * 32768, [expand(b) for b in range(256)])


def test_truncation_warning_says_how_much_is_missing():
    blob = wav(fmt(channels=2), chunk(b"data", BYTES[:80]))[:-13]  # 80 declared, 67 present
    with pytest.warns(
        DspWarning,
        match=r"declares 13 more bytes .* \(3 frames, 0.000375 s "
        r"missing\); read the 16 frames present",
    ):
        y, _ = load(io.BytesIO(blob), sr=None, mono=False)
    assert y.shape == (2, 16)


SCIPY_DATA = os.path.join(os.path.dirname(scipy.__file__), "io", "tests", "data")
SCIPY_WAVS = sorted(glob.glob(os.path.join(SCIPY_DATA, "*.wav")))


def _libsndfile_reads(path: str) -> bool:
    try:
        sf.read(path)
    except sf.LibsndfileError:
        return False
    return True


@pytest.mark.skipif(not SCIPY_WAVS, reason="this scipy build ships no test data")
def test_scipy_corpus_of_odd_wavs_equals_soundfile():
    """Every odd WAV of scipy's test corpus that libsndfile reads, dsp reads the same."""
    readable = [path for path in SCIPY_WAVS if _libsndfile_reads(path)]
    assert len(readable) >= 16
    for path in readable:
        expected, _ = sf.read(path, dtype="float32", always_2d=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DspWarning)  # the early-EOF file is truncated
            y, _ = load(path, sr=None, mono=False)
        np.testing.assert_array_equal(np.atleast_2d(y), expected.T, err_msg=path)
