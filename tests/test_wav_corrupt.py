"""Malformed WAV files: a corpus with one expected error each, then generated and mutated files.

The contract: on any input, :func:`dsp.audio.load` and :func:`dsp.audio.info` either succeed
(perhaps with a DspWarning for a cut data chunk) or raise :class:`AudioFormatError` (naming the
field, its value and its byte offset); nothing else escapes, every read ends quickly, and memory
stays proportional to the bytes actually present. Odd files that libsndfile reads are in
``test_io_odd_wavs.py``.

Files tried per run: ``len(CORPUS) + len(FOREIGN_ENCODINGS)`` fixed files, plus the hypothesis
examples of the two fuzz tests (``max_examples`` of the active profile each).
"""

from __future__ import annotations

import io
import os
import struct
import tempfile
import time
import tracemalloc
import warnings

import numpy as np
import pytest
import soundfile as sf
from hypothesis import event, given
from hypothesis import strategies as st

from dsp.errors import AudioFormatError, DspWarning
from dsp.io.audio import info, load, write_wav

SR = 8000
GUID_TAIL = bytes.fromhex("000000001000800000aa00389b71")
#: Memory a read may use: decoding 1 byte of 8-bit PCM makes 4 bytes of float32, plus the mono
#: mixdown and the raw buffer (<= 9x); 16x leaves room, 64 KiB covers NumPy's fixed overhead.
MEMORY_FACTOR, MEMORY_SLACK = 16, 64 * 1024
#: Wall time any read of a small file may take: it is milliseconds; generous for slow CI.
TIME_LIMIT_S = 2.0


def fmt_chunk(tag=1, channels=1, sr=SR, bits=16, block_align=None, extra=b"", size=None):
    if block_align is None:
        block_align = channels * bits // 8
    body = (
        struct.pack(
            "<HHIIHH", tag, channels, sr, sr * block_align & 0xFFFFFFFF, block_align & 0xFFFF, bits
        )
        + extra
    )
    return chunk(b"fmt ", body, size)


def extensible(sub_tag=1, bits=16, valid=16, cb=22, guid_tail=GUID_TAIL, **kwargs):
    extra = struct.pack("<HHI", cb, valid, 3) + struct.pack("<H", sub_tag) + guid_tail
    return fmt_chunk(0xFFFE, bits=bits, extra=extra, **kwargs)


def chunk(chunk_id, body, size=None):
    declared = len(body) if size is None else size
    return chunk_id + struct.pack("<I", declared) + body + b"\0" * (len(body) & 1)


def riff(*chunks, riff_id=b"RIFF", form=b"WAVE", size=None):
    body = form + b"".join(chunks)
    return riff_id + struct.pack("<I", len(body) if size is None else size) + body


DATA = chunk(b"data", bytes(8))
GOOD = riff(fmt_chunk(), DATA)

#: (name, file bytes, regex the AudioFormatError message must match)
CORPUS = [
    ("empty", b"", r"truncated file: 0 bytes, too short for any sound file header"),
    ("11 bytes", GOOD[:11], r"truncated RIFF header at byte offset 0: need 12 bytes, only 11"),
    ("ogg", b"OggS" + bytes(40), r"cannot decode this Ogg file"),
    ("text", b"hello, this is not audio", r"it begins with b'hell' at byte offset 0"),
    (
        "rf64 without ds64",
        b"RF64" + GOOD[4:],
        r"RF64 file: chunk id=b'fmt ' size=16 at byte offset 12, expected a ds64 chunk",
    ),
    ("bw64 without ds64", b"BW64" + GOOD[4:], r"BW64 file: chunk id=b'fmt ' size=16 at byte"),
    (
        "rifx with little-endian sizes",
        b"RIFX" + GOOD[4:],
        r"chunk b'fmt ' size=268435456 at byte offset 16 runs past the end of the file",
    ),
    ("FORM but WAVE", b"FORM" + GOOD[4:], r"it begins with b'FORM' at byte offset 0"),
    ("avi", riff(fmt_chunk(), DATA, form=b"AVI "), r"form type=b'AVI ' at byte offset 8"),
    (
        "cut chunk header",
        riff(fmt_chunk(), b"LI"),
        r"truncated chunk header at byte offset 36: need 8 bytes, only 2 left",
    ),
    ("fmt too big", riff(fmt_chunk(size=1000), DATA), r"chunk b'fmt ' size=1000 at byte offset 16"),
    ("aiff without SSND", b"FORM" + struct.pack(">I", 4) + b"AIFF", r"no COMM chunk in the AIFF"),
    (
        "aiff 0 channels",
        b"FORM"
        + struct.pack(">I", 30)
        + b"AIFF"
        + b"COMM"
        + struct.pack(">IhIh", 18, 0, 1, 16)
        + bytes(10),
        r"channels=0 at byte offset 20",
    ),
    (
        "fmt too small",
        riff(chunk(b"fmt ", bytes(12)), DATA),
        r"fmt chunk size=12 at byte offset 16 is smaller than the 16-byte minimum",
    ),
    ("two fmt", riff(fmt_chunk(), fmt_chunk(), DATA), r"second fmt chunk at byte offset 36"),
    ("data first", riff(DATA, fmt_chunk()), r"data chunk at byte offset 12 comes before the fmt"),
    ("no data", riff(fmt_chunk(), chunk(b"LIST", b"INFO")), r"no data chunk in the file"),
    ("no fmt", riff(chunk(b"JUNK", bytes(5))), r"no fmt chunk in the file"),
    ("only RIFF header", riff(), r"no fmt chunk in the file \(bytes 12 to 12\)"),
    (
        "0 channels",
        riff(fmt_chunk(channels=0, block_align=2), DATA),
        r"channels=0 at byte offset 22 must be at least 1",
    ),
    (
        "5000 channels",
        riff(fmt_chunk(channels=5000), DATA),
        r"channels=5000 at byte offset 22 is absurd \(more than 1024\)",
    ),
    ("rate 0", riff(fmt_chunk(sr=0), DATA), r"sample rate=0 at byte offset 24 must be between 1"),
    ("rate 2**32-1", riff(fmt_chunk(sr=2**32 - 1), DATA), r"sample rate=4294967295 at byte"),
    (
        "33-bit PCM",
        riff(fmt_chunk(bits=33, block_align=5), DATA),
        r"bits_per_sample=33 at byte offset 34 is not supported for PCM \(use 1 to 32\)",
    ),
    (
        "16-bit mu-law",
        riff(fmt_chunk(tag=7, bits=16), DATA),
        r"bits_per_sample=16 at byte offset 34 is not supported for mu-law \(use 8\)",
    ),
    (
        "16-bit float",
        riff(fmt_chunk(tag=3, bits=16), DATA),
        r"bits_per_sample=16 at byte offset 34 is not supported for IEEE float \(use 32 or 64\)",
    ),
    ("0 bits", riff(fmt_chunk(bits=0, block_align=0), DATA), r"bits_per_sample=0 at byte"),
    ("MS ADPCM", riff(fmt_chunk(tag=2, bits=4), DATA), r"tag=0x0002 \(Microsoft ADPCM\)"),
    ("IMA ADPCM", riff(fmt_chunk(tag=0x11, bits=4), DATA), r"tag=0x0011 \(IMA ADPCM\)"),
    ("MP3", riff(fmt_chunk(tag=0x55, bits=0, extra=bytes(14)), DATA), r"tag=0x0055 \(MP3\)"),
    ("tag 0", riff(fmt_chunk(tag=0), DATA), r"tag=0x0000 \(unknown format\) at byte offset 20"),
    (
        "tag 0x1234",
        riff(fmt_chunk(tag=0x1234), DATA),
        r"tag=0x1234 at byte offset 20 is not supported: dsp reads PCM, IEEE float, mu-law and A",
    ),
    (
        "extensible 18",
        riff(fmt_chunk(tag=0xFFFE, extra=b"\0\0"), DATA),
        r"fmt chunk size=18 at byte offset 16 is too small for WAVE_FORMAT_EXTENSIBLE",
    ),
    (
        "extensible 16",
        riff(fmt_chunk(tag=0xFFFE), DATA),
        r"fmt chunk size=16 at byte offset 16 is too small for WAVE_FORMAT_EXTENSIBLE",
    ),
    ("cbSize 0", riff(extensible(cb=0), DATA), r"cbSize=0 at byte offset 36 is too small"),
    (
        "odd GUID",
        riff(extensible(guid_tail=bytes(14)), DATA),
        r"SubFormat GUID=0100(00)+ at byte offset 44 is not a standard KSDATAFORMAT_SUBTYPE",
    ),
    (
        "extensible ADPCM",
        riff(extensible(sub_tag=2, bits=4), DATA),
        r"tag=0x0002 \(Microsoft ADPCM\) at byte offset 44",
    ),
]
#: Real files in encodings dsp does not decode, written by libsndfile: subtype -> message.
FOREIGN_ENCODINGS = {
    "IMA_ADPCM": r"tag=0x0011 \(IMA ADPCM\)",
    "MS_ADPCM": r"tag=0x0002 \(Microsoft ADPCM\)",
    "GSM610": r"tag=0x0031 \(GSM 6.10\)",
    "G721_32": r"tag=0x0040 \(G.721 ADPCM\)",
}


def test_the_corpus_builder_makes_valid_files():
    """The corpus differs from a readable file only by the defect it names."""
    y, sr = load(io.BytesIO(GOOD), sr=None)
    assert (y.shape, sr) == ((4,), SR)
    assert load(io.BytesIO(riff(extensible(), DATA)), sr=None)[0].shape == (4,)


@pytest.mark.parametrize(("blob", "match"), [c[1:] for c in CORPUS], ids=[c[0] for c in CORPUS])
def test_corpus(blob, match):
    with pytest.raises(AudioFormatError, match=match):
        load(io.BytesIO(blob))
    with pytest.raises(AudioFormatError, match=match):
        info(io.BytesIO(blob))


def test_corpus_from_disk_gives_the_same_errors(tmp_path):
    for name, blob, match in CORPUS[:12]:
        path = tmp_path / f"{name}.wav"
        path.write_bytes(blob)
        with pytest.raises(AudioFormatError, match=match):
            load(path, sr=None)


@pytest.mark.parametrize(("subtype", "match"), FOREIGN_ENCODINGS.items())
def test_foreign_encodings_are_named(subtype, match):
    buffer = io.BytesIO()
    sf.write(buffer, np.zeros(505), SR, subtype, format="WAV")
    with pytest.raises(AudioFormatError, match=match):
        load(io.BytesIO(buffer.getvalue()))


def test_a_44_byte_file_declaring_4_gib_allocates_nothing_large():
    """scipy.io.wavfile allocates the declared size; the declared size must never be trusted.
    libsndfile reads the 0 frames present: so does dsp, saying how much is missing."""
    blob = riff(fmt_chunk(), chunk(b"data", b"", 2**32 - 8), size=2**32 - 1)
    assert len(blob) == 44
    tracemalloc.start()
    try:
        with pytest.warns(DspWarning, match=r"declares 4294967288 more bytes .* 0 frames present"):
            y, _ = load(io.BytesIO(blob), sr=None)
        peak = tracemalloc.get_traced_memory()[1]
        assert y.shape == (0,) == sf.read(io.BytesIO(blob))[0].shape
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_SLACK


def read_bounded(blob: bytes) -> None:
    """Read ``blob`` every way; only AudioFormatError may escape, within time and memory."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        for mono in (True, False):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DspWarning)  # a truncated data chunk
                    y, _ = load(io.BytesIO(blob), sr=None, mono=mono)
            except AudioFormatError:
                event("rejected with AudioFormatError")  # --hypothesis-show-statistics
                continue
            event("read (a valid file)")
            assert y.dtype == np.float32 and y.size <= len(blob)  # >= 1 byte per sample
        try:
            info(io.BytesIO(blob))
        except AudioFormatError:
            pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    elapsed = time.perf_counter() - start
    assert peak <= MEMORY_FACTOR * len(blob) + MEMORY_SLACK, f"{peak=} for {len(blob)} bytes"
    assert elapsed < TIME_LIMIT_S, f"{elapsed=:.3f} s for {len(blob)} bytes"


u16 = st.integers(0, 2**16 - 1)
u32 = st.integers(0, 2**32 - 1)


def mostly(good, bad):
    """``good`` nine times in ten, else ``bad``: most files get deep into the parser."""
    return st.integers(0, 9).flatmap(lambda k: bad if k == 0 else good)


@st.composite
def generated_fmt(draw):
    tag = draw(mostly(st.sampled_from([1, 3, 0xFFFE]), st.sampled_from([2, 6, 7, 0x55]) | u16))
    channels = draw(mostly(st.integers(1, 8), st.sampled_from([0, 1024, 1025]) | u16))
    bits = draw(mostly(st.sampled_from([8, 16, 24, 32, 64]), st.sampled_from([0, 12]) | u16))
    sr = draw(mostly(st.sampled_from([1, SR, 44100, 2**31 - 1]), st.just(0) | u32))
    block_align = draw(mostly(st.just(channels * bits // 8), u16))
    if tag == 0xFFFE:
        cb_size, valid_bits = draw(mostly(st.just(22), u16)), draw(mostly(st.just(bits), u16))
        extra = struct.pack("<HHI", cb_size, valid_bits, draw(u32))
        extra += struct.pack("<H", draw(mostly(st.sampled_from([1, 3]), u16)))
        extra += draw(mostly(st.just(GUID_TAIL), st.binary(min_size=14, max_size=14)))
    else:
        extra = draw(mostly(st.just(b""), st.binary(max_size=30)))
    body = struct.pack("<HHIIHH", tag, channels, sr, 0, block_align & 0xFFFF, bits) + extra
    return chunk(b"fmt ", body, draw(mostly(st.none(), st.sampled_from([0, 15, 16, 40]) | u32)))


def other_chunk():
    return st.builds(
        chunk,
        st.sampled_from([b"LIST", b"JUNK", b"fact", b"data", b"fmt "]),
        st.binary(max_size=20),
        mostly(st.none(), u32),
    )


@st.composite
def generated_file(draw):
    data = chunk(b"data", draw(st.binary(max_size=300)), draw(mostly(st.none(), u32)))
    chunks = [draw(generated_fmt()), data]
    for _ in range(draw(st.integers(0, 2))):
        chunks.insert(draw(st.integers(0, len(chunks))), draw(other_chunk()))
    chunks = draw(mostly(st.just(chunks), st.permutations(chunks)))
    riff_id = draw(mostly(st.just(b"RIFF"), st.sampled_from([b"RF64", b"RIFX", b"OggS"])))
    form = draw(mostly(st.just(b"WAVE"), st.just(b"AVI ")))
    blob = riff(*chunks, riff_id=riff_id, form=form, size=draw(mostly(st.none(), u32)))
    return draw(mostly(st.just(blob), st.integers(0, len(blob)).map(lambda n: blob[:n])))


@given(generated_file())
def test_generated_headers_only_raise_audio_format_error(blob):
    read_bounded(blob)


def _valid_files() -> list[bytes]:
    files = []
    for subtype in ("pcm8", "pcm16", "pcm24", "pcm32", "float32", "float64"):
        sf_subtype = {"pcm8": "PCM_U8", "float32": "FLOAT", "float64": "DOUBLE"}.get(
            subtype, f"PCM_{subtype[3:]}"
        )
        for container, channels in (("WAV", 1), ("WAVEX", 2)):
            buffer = io.BytesIO()
            sf.write(buffer, np.full((33, channels), 0.25), SR, sf_subtype, format=container)
            files.append(buffer.getvalue())
    with tempfile.TemporaryDirectory() as tmp:  # dsp's own output (float, with a fact chunk)
        path = os.path.join(tmp, "x.wav")
        write_wav(path, np.full((2, 33), 0.25), SR)
        with open(path, "rb") as f:
            files.append(f.read())
    return files


VALID = _valid_files()


def test_the_mutation_seeds_are_valid():
    for blob in VALID:
        assert load(io.BytesIO(blob), sr=None)[0].shape == (33,)


mutation = st.one_of(
    st.tuples(st.just("set"), st.integers(0, 200), st.integers(0, 255)),
    st.tuples(st.just("u32"), st.integers(0, 100), u32),
    st.tuples(st.just("u16"), st.integers(0, 100), u16),
    st.tuples(st.just("cut"), st.integers(0, 200), st.just(0)),
    st.tuples(st.just("insert"), st.integers(0, 200), st.integers(0, 255)),
)


@given(st.sampled_from(range(len(VALID))), st.lists(mutation, min_size=1, max_size=6))
def test_mutated_files_only_raise_audio_format_error(seed_index, mutations):
    blob = bytearray(VALID[seed_index])
    for op, position, value in mutations:
        position = min(position, len(blob))
        if op == "set" and position < len(blob):
            blob[position] = value
        elif op in ("u32", "u16") and position + 4 <= len(blob):
            width = 4 if op == "u32" else 2
            blob[position : position + width] = value.to_bytes(width, "little")
        elif op == "cut":
            del blob[position:]
        elif op == "insert":
            blob[position:position] = bytes([value])
    read_bounded(bytes(blob))
