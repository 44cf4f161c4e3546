"""The RIFF/WAVE container and its relatives, read and written by hand (for :mod:`dsp.io.audio`).

A WAV file is a RIFF chunk: ``b"RIFF"``, a little-endian ``uint32`` size, the form type
``b"WAVE"``, then sub-chunks, each ``id (4 bytes) + uint32 size + payload`` padded to an even
length. Two sub-chunks matter: ``fmt`` (the encoding) and ``data`` (the interleaved frames);
every other chunk (``LIST``, ``fact``, ``PEAK``, ``cue``, ...) is skipped. Relatives read the
same way: **RIFX** (every number big-endian), **RF64/BW64** (sizes of 4 GiB and more: the
32-bit size fields hold ``0xFFFFFFFF`` and the real ones are in a ``ds64`` chunk that follows
the header: ``uint64`` RIFF size, ``uint64`` data size, ``uint64`` sample count).

``fmt`` layout (offsets inside the payload; Microsoft ``WAVEFORMATEX``/``WAVEFORMATEXTENSIBLE``)::

    0  uint16 format tag       1 PCM, 3 IEEE float, 6 A-law, 7 mu-law, 0xFFFE extensible
    2  uint16 channels
    4  uint32 sample rate      frames per second
    8  uint32 byte rate        (redundant; not checked, writers often get it wrong)
    12 uint16 block align      bytes per frame = channels * container bytes (redundant too)
    14 uint16 bits per sample  PCM: 1 to 32, stored in ceil(bits / 8) bytes
    16 uint16 cbSize           extension size (extensible: >= 22)
    18 uint16 valid bits       (extensible only; informative)
    20 uint32 channel mask     (extensible only)
    24 GUID   sub-format       first two bytes are the real format tag

Sizes as libsndfile reads them: the RIFF size is ignored (pipes write 0 or ``0xFFFFFFFF``, since
they cannot go back to fill it in, and some writers count wrong): the chunks are walked up to the
data chunk, bounded by the file. A ``data`` size of ``0xFFFFFFFF`` means "to the end of the file"
(a ``data`` size of 0 is 0 frames, as libsndfile reads it).
A ``data`` chunk that declares more bytes than the file holds is read as far as it goes, and the
layout records how many bytes were missing (the caller warns). A trailing partial frame is ignored.

The parser trusts nothing: every size is checked against the bytes actually present before
anything is read, the chunk walk advances at least 8 bytes per step (so it ends on any input),
and every error is an :class:`~dsp.errors.AudioFormatError` naming the field, its value and its
byte offset.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from ..errors import AudioFormatError

__all__ = [
    "Layout",
    "parse_wav",
    "read_frames",
    "read_at",
    "wav_header",
    "MAX_CHANNELS",
    "MAX_SAMPLE_RATE",
    "ENCODINGS",
]

#: More channels than this is taken as a corrupt count (libsndfile has the same limit).
MAX_CHANNELS = 1024
#: The sample rate is stored as uint32; libsndfile and most tools use a signed 32-bit int.
MAX_SAMPLE_RATE = 2**31 - 1
#: Bytes 2..15 of every standard ``KSDATAFORMAT_SUBTYPE_*`` GUID (``0000xxxx-0000-0010-8000-
#: 00aa00389b71`` stored little-endian); bytes 0..1 hold the format tag.
SUBFORMAT_GUID_TAIL = bytes.fromhex("000000001000800000aa00389b71")

PCM, IEEE_FLOAT, ALAW, MULAW, EXTENSIBLE = 0x0001, 0x0003, 0x0006, 0x0007, 0xFFFE
#: RIFF sizes are uint32: a WAV file stays below 4 GiB.
MAX_RIFF_SIZE = 2**32 - 1
UNSET = 0xFFFFFFFF
#: (format tag, bits per sample) -> dsp's subtype name, for the subtypes dsp writes.
ENCODINGS = {
    (PCM, 8): "pcm8",
    (PCM, 16): "pcm16",
    (PCM, 24): "pcm24",
    (PCM, 32): "pcm32",
    (IEEE_FLOAT, 32): "float32",
    (IEEE_FLOAT, 64): "float64",
}
#: Encodings met in the wild that dsp does not decode, named in the error message.
UNSUPPORTED_TAGS = {
    0x0000: "unknown format",
    0x0002: "Microsoft ADPCM",
    0x0011: "IMA ADPCM",
    0x0031: "GSM 6.10",
    0x0040: "G.721 ADPCM",
    0x0050: "MPEG",
    0x0055: "MP3",
}
#: Container id -> (name, byte order of every number).
CONTAINERS = {
    b"RIFF": ("WAV", "<"),
    b"RIFX": ("RIFX", ">"),
    b"RF64": ("RF64", "<"),
    b"BW64": ("BW64", "<"),
}


@dataclass(frozen=True)
class Layout:
    """Where the samples of a WAV or AIFF file are and how they are encoded (sizes in bytes)."""

    container: str  # "WAV", "RIFX", "RF64", "BW64", "AIFF", "AIFC"
    subtype: str  # "pcm16", "pcm12", "float32", "ulaw", ...
    codec: str  # "pcm", "upcm" (unsigned 8-bit), "float", "ulaw", "alaw"
    width: int  # bytes per sample in the container
    big_endian: bool
    extensible: bool
    channels: int
    sr: int
    bits_per_sample: int
    block_align: int
    frames: int
    data_offset: int
    file_size: int
    missing_bytes: int = 0  # declared by the header but absent from the file


def read_at(f: BinaryIO, offset: int, size: int, file_size: int, what: str) -> bytes:
    """Read exactly ``size`` bytes at ``offset``; the caller has bounded ``size`` by the file."""
    if offset + size > file_size:
        raise AudioFormatError(
            f"truncated {what} at byte offset {offset}: need {size} bytes, "
            f"only {max(file_size - offset, 0)} left"
        )
    f.seek(offset)
    block = f.read(size)
    if len(block) != size:  # the file shrank under us
        raise AudioFormatError(
            f"truncated {what} at byte offset {offset}: read {len(block)} of {size} bytes"
        )
    return block


def _tag_name(tag: int) -> str:
    return f" ({UNSUPPORTED_TAGS[tag]})" if tag in UNSUPPORTED_TAGS else ""


def check_channels_and_rate(
    channels: int, sr: float, offset_channels: int, offset_rate: int
) -> None:
    """The checks WAV and AIFF share: 1..MAX_CHANNELS channels, a rate of 1..2**31-1 Hz."""
    if channels < 1:
        raise AudioFormatError(
            f"channels={channels} at byte offset {offset_channels} must be at least 1"
        )
    if channels > MAX_CHANNELS:
        raise AudioFormatError(
            f"channels={channels} at byte offset {offset_channels} is absurd "
            f"(more than {MAX_CHANNELS}): the header is corrupt"
        )
    if not 1 <= sr <= MAX_SAMPLE_RATE:
        raise AudioFormatError(
            f"sample rate={sr} at byte offset {offset_rate} must be between 1 and "
            f"{MAX_SAMPLE_RATE} Hz"
        )


def _parse_fmt(
    payload: bytes, offset: int, order: str
) -> tuple[str, str, int, bool, int, int, int, int]:
    """Decode a ``fmt`` payload found at byte ``offset`` (of its first payload byte).

    Returns ``(codec, subtype, width, extensible, channels, sr, bits, block_align)``.
    """
    tag, channels, sr, _byte_rate, block_align, bits = struct.unpack_from(order + "HHIIHH", payload)
    extensible = tag == EXTENSIBLE
    if extensible:
        if len(payload) < 40:
            raise AudioFormatError(
                f"fmt chunk size={len(payload)} at byte offset {offset - 4} is too small for "
                "WAVE_FORMAT_EXTENSIBLE (needs 40)"
            )
        (cb_size,) = struct.unpack_from(order + "H", payload, 16)
        if cb_size < 22:
            raise AudioFormatError(
                f"cbSize={cb_size} at byte offset {offset + 16} is too small for "
                "WAVE_FORMAT_EXTENSIBLE (needs 22)"
            )
        guid = payload[24:40]
        # Data1 (uint32, holds the tag), Data2, Data3 in the file's byte order; Data4 as is.
        data1, data2, data3 = struct.unpack_from(order + "IHH", guid)
        if (data1 >> 16, data2, data3, guid[8:]) != (0, 0, 0x0010, SUBFORMAT_GUID_TAIL[6:]):
            raise AudioFormatError(
                f"SubFormat GUID={guid.hex()} at byte offset {offset + 24} is not a standard "
                "KSDATAFORMAT_SUBTYPE: only PCM, IEEE float, mu-law and A-law are supported"
            )
        tag = data1 & 0xFFFF
    if tag not in (PCM, IEEE_FLOAT, ALAW, MULAW):
        where = offset + 24 if extensible else offset
        raise AudioFormatError(
            f"format tag=0x{tag:04X}{_tag_name(tag)} at byte offset {where} is not "
            "supported: dsp reads PCM, IEEE float, mu-law and A-law WAV"
        )
    check_channels_and_rate(channels, sr, offset + 2, offset + 4)
    if tag == PCM and 1 <= bits <= 32:
        width = (bits + 7) // 8
        codec, subtype = ("upcm" if width == 1 else "pcm"), f"pcm{bits}"
    elif tag == IEEE_FLOAT and bits in (32, 64):
        width, codec, subtype = bits // 8, "float", f"float{bits}"
    elif tag in (ALAW, MULAW) and bits == 8:
        width, codec = 1, ("alaw" if tag == ALAW else "ulaw")
        subtype = codec
    else:
        allowed = {PCM: "1 to 32", IEEE_FLOAT: "32 or 64"}.get(tag, "8")
        kind = {PCM: "PCM", IEEE_FLOAT: "IEEE float", ALAW: "A-law", MULAW: "mu-law"}[tag]
        raise AudioFormatError(
            f"bits_per_sample={bits} at byte offset {offset + 14} is not supported for {kind} "
            f"(use {allowed})"
        )
    # block_align is redundant (channels x container bytes); libsndfile ignores a wrong one.
    return codec, subtype, width, extensible, channels, sr, bits, channels * width


def parse_wav(f: BinaryIO, file_size: int) -> Layout:
    """Walk the chunks of a RIFF, RIFX, RF64 or BW64 WAVE file and return where its samples are.

    Reads only the 12-byte header, the 8-byte chunk headers, ``ds64`` and the ``fmt`` payload
    (at most 64 bytes of it), seeking over everything else; never reads the samples.

    Raises
    ------
    AudioFormatError
        On anything but a readable WAVE file (the message names the field, its value and its
        byte offset).
    """
    header = read_at(f, 0, 12, file_size, "RIFF header")
    riff_id, form = header[:4], header[8:]
    if riff_id not in CONTAINERS:
        raise AudioFormatError(
            f"not a RIFF/WAVE file: chunk id={riff_id!r} at byte offset 0, expected b'RIFF'"
        )
    container, order = CONTAINERS[riff_id]
    if form != b"WAVE":
        raise AudioFormatError(
            f"not a RIFF/WAVE file: form type={form!r} at byte offset 8, expected b'WAVE'"
        )
    big = container in ("RF64", "BW64")
    data_size64 = None
    if big:
        ds64_id, ds64_size = struct.unpack("<4sI", read_at(f, 12, 8, file_size, "ds64 header"))
        if ds64_id != b"ds64" or ds64_size < 24:
            raise AudioFormatError(
                f"{container} file: chunk id={ds64_id!r} size={ds64_size} at byte offset 12, "
                "expected a ds64 chunk of at least 24 bytes"
            )
        _, data_size64, _ = struct.unpack("<QQQ", read_at(f, 20, 24, file_size, "ds64"))
    # The RIFF size is not trusted either way (pipes write 0 or 0xFFFFFFFF, some writers count
    # wrong): as libsndfile, walk the chunks to the data chunk, bounded by the file itself.
    riff_end = file_size
    fmt = None
    position = 12
    while position < riff_end:  # each step advances >= 8 bytes: ends on any input
        chunk_id, size = struct.unpack(
            order + "4sI", read_at(f, position, 8, riff_end, "chunk header")
        )
        payload_at = position + 8
        if chunk_id == b"data":
            if fmt is None:
                raise AudioFormatError(
                    f"data chunk at byte offset {position} comes before the fmt chunk"
                )
            codec, subtype, width, extensible, channels, sr, bits, block_align = fmt
            available = file_size - payload_at  # libsndfile trusts data over the RIFF size
            if big and size == UNSET and data_size64 is not None:
                size = data_size64
            elif size == UNSET:
                size = available
            missing = max(0, size - available)
            size -= missing
            return Layout(
                container=container,
                subtype=subtype,
                codec=codec,
                width=width,
                big_endian=order == ">",
                extensible=extensible,
                channels=channels,
                sr=sr,
                bits_per_sample=bits,
                block_align=block_align,
                frames=size // block_align,
                data_offset=payload_at,
                file_size=file_size,
                missing_bytes=missing,
            )
        if payload_at + size > file_size:
            raise AudioFormatError(
                f"chunk {chunk_id!r} size={size} at byte offset {position + 4} runs past the "
                f"end of the file ({file_size} bytes): truncated file?"
            )
        if chunk_id == b"fmt ":
            if fmt is not None:
                raise AudioFormatError(f"second fmt chunk at byte offset {position}")
            if size < 16:
                raise AudioFormatError(
                    f"fmt chunk size={size} at byte offset {position + 4} is smaller than the "
                    "16-byte minimum"
                )
            payload = read_at(f, payload_at, min(size, 64), riff_end, "fmt chunk")
            fmt = _parse_fmt(payload, payload_at, order)
        position = payload_at + size + (size & 1)
    if fmt is None:
        raise AudioFormatError(f"no fmt chunk in the file (bytes 12 to {riff_end})")
    raise AudioFormatError(f"no data chunk in the file (bytes 12 to {riff_end})")


def wav_header(subtype: str, channels: int, sr: int, frames: int) -> bytes | None:
    """Everything before the samples: RIFF header, ``fmt``, ``fact`` (float only), ``data`` header.

    PCM gets the 16-byte ``fmt`` payload; IEEE float the 18-byte one (``cbSize=0``) and the
    ``fact`` chunk (frame count) the specification asks of non-PCM formats. Returns ``None`` if
    the file would exceed the 4 GiB RIFF limit. The caller appends the samples and, if their
    byte count is odd, one pad byte.
    """
    tag, bits = next(key for key, name in ENCODINGS.items() if name == subtype)
    block_align = channels * bits // 8
    data_size = frames * block_align
    fmt = struct.pack(
        "<HHIIHH", tag, channels, sr, min(sr * block_align, MAX_RIFF_SIZE), block_align, bits
    )
    if tag == IEEE_FLOAT:
        fmt += b"\0\0"  # cbSize = 0
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    if tag == IEEE_FLOAT:
        chunks += b"fact" + struct.pack("<II", 4, min(frames, MAX_RIFF_SIZE))
    riff_size = 4 + len(chunks) + 8 + data_size + (data_size & 1)
    if riff_size > MAX_RIFF_SIZE:
        return None
    return (
        b"RIFF"
        + struct.pack("<I", riff_size)
        + b"WAVE"
        + chunks
        + b"data"
        + struct.pack("<I", data_size)
    )


def read_frames(f: BinaryIO, layout: Layout, start: int, count: int) -> np.ndarray:
    """Read ``count`` frames from frame ``start`` (both within ``layout.frames``) as raw bytes.

    One seek and one read straight into a ``uint8`` array of exactly the needed size.
    """
    raw = np.empty(count * layout.block_align, dtype=np.uint8)
    f.seek(layout.data_offset + start * layout.block_align)
    if hasattr(f, "readinto"):
        got = f.readinto(raw) or 0
    else:  # a minimal file object: read() then copy
        block = f.read(raw.size)
        got = len(block)
        raw[:got] = np.frombuffer(block, dtype=np.uint8)
    if got != raw.size:  # the file changed since its header was checked
        raise AudioFormatError(
            f"truncated data at byte offset {layout.data_offset}: read {got} of {raw.size} bytes"
        )
    return raw
