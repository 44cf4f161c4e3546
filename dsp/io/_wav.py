"""The RIFF/WAVE container, read and written by hand (used by :mod:`dsp.io.audio`).

A WAV file is a RIFF chunk: ``b"RIFF"``, a little-endian ``uint32`` size, the form type
``b"WAVE"``, then sub-chunks, each ``id (4 bytes) + uint32 size + payload`` padded to an even
length. Two sub-chunks matter: ``fmt`` (the encoding) and ``data`` (the interleaved frames);
every other chunk (``LIST``, ``fact``, ``PEAK``, ``cue``, ...) is skipped.

``fmt`` layout (offsets inside the payload; Microsoft ``WAVEFORMATEX``/``WAVEFORMATEXTENSIBLE``)::

    0  uint16 format tag       1 = integer PCM, 3 = IEEE float, 0xFFFE = extensible
    2  uint16 channels
    4  uint32 sample rate      frames per second
    8  uint32 byte rate        (redundant; not checked, writers often get it wrong)
    12 uint16 block align      bytes per frame = channels * bits_per_sample / 8
    14 uint16 bits per sample
    16 uint16 cbSize           extension size (extensible: >= 22)
    18 uint16 valid bits       (extensible only)
    20 uint32 channel mask     (extensible only)
    24 GUID   sub-format       first two bytes are the real format tag

The parser trusts nothing: every size is checked against the bytes actually present before
anything is read, the chunk walk advances at least 8 bytes per step (so it ends on any input),
and every error is an :class:`~dsp.errors.AudioFormatError` naming the field, its value and its
byte offset. Deliberate strictness, where libsndfile is lenient: a ``data`` chunk (or the RIFF
size) declaring more bytes than the file holds is an error, not a silent truncation; the block
alignment must match the channels and bit depth. Leniency kept: a trailing partial frame in
``data`` is ignored (as libsndfile does), bytes after the RIFF chunk are ignored.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from ..errors import AudioFormatError

__all__ = [
    "WavLayout",
    "parse_wav",
    "read_frames",
    "wav_header",
    "MAX_CHANNELS",
    "ENCODINGS",
]

#: More channels than this is taken as a corrupt count (libsndfile has the same limit).
MAX_CHANNELS = 1024
#: The sample rate is stored as uint32; libsndfile and most tools use a signed 32-bit int.
MAX_SAMPLE_RATE = 2**31 - 1
#: Bytes 2..15 of every standard ``KSDATAFORMAT_SUBTYPE_*`` GUID (``0000xxxx-0000-0010-8000-
#: 00aa00389b71`` stored little-endian); bytes 0..1 hold the format tag.
SUBFORMAT_GUID_TAIL = bytes.fromhex("0000" "0000" "1000" "8000" "00aa00389b71")

PCM, IEEE_FLOAT, EXTENSIBLE = 0x0001, 0x0003, 0xFFFE
#: RIFF sizes are uint32: a WAV file stays below 4 GiB.
MAX_RIFF_SIZE = 2**32 - 1
#: (format tag, bits per sample) -> dsp's subtype name.
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
    0x0006: "A-law",
    0x0007: "mu-law",
    0x0011: "IMA ADPCM",
    0x0031: "GSM 6.10",
    0x0040: "G.721 ADPCM",
    0x0050: "MPEG",
    0x0055: "MP3",
}
#: Other containers that begin like a WAV file, rejected by name.
OTHER_CONTAINERS = {
    b"RF64": "RF64 (64-bit WAV)",
    b"BW64": "BW64 (64-bit broadcast WAV)",
    b"RIFX": "RIFX (big-endian RIFF)",
    b"FORM": "IFF/AIFF",
}


@dataclass(frozen=True)
class WavLayout:
    """Where the samples of a WAV file are and how they are encoded (all sizes in bytes)."""

    subtype: str
    format_tag: int
    extensible: bool
    channels: int
    sr: int
    bits_per_sample: int
    block_align: int
    frames: int
    data_offset: int
    file_size: int


def _read_at(f: BinaryIO, offset: int, size: int, file_size: int, what: str) -> bytes:
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


def _parse_fmt(payload: bytes, offset: int) -> tuple[int, bool, int, int, int, int]:
    """Decode a ``fmt`` payload found at byte ``offset`` (of its first payload byte)."""
    tag, channels, sr, _byte_rate, block_align, bits = struct.unpack_from("<HHIIHH", payload)
    extensible = tag == EXTENSIBLE
    valid_bits = bits
    if extensible:
        if len(payload) < 40:
            raise AudioFormatError(
                f"fmt chunk size={len(payload)} at byte offset {offset - 4} is too small for "
                "WAVE_FORMAT_EXTENSIBLE (needs 40)"
            )
        (cb_size,) = struct.unpack_from("<H", payload, 16)
        if cb_size < 22:
            raise AudioFormatError(
                f"cbSize={cb_size} at byte offset {offset + 16} is too small for "
                "WAVE_FORMAT_EXTENSIBLE (needs 22)"
            )
        (valid_bits,) = struct.unpack_from("<H", payload, 18)
        guid = payload[24:40]
        if guid[2:] != SUBFORMAT_GUID_TAIL:
            raise AudioFormatError(
                f"SubFormat GUID={guid.hex()} at byte offset {offset + 24} is not a standard "
                "KSDATAFORMAT_SUBTYPE: only PCM and IEEE float are supported"
            )
        (tag,) = struct.unpack_from("<H", guid)
    if tag not in (PCM, IEEE_FLOAT):
        where = offset + 24 if extensible else offset
        raise AudioFormatError(
            f"format tag=0x{tag:04X}{_tag_name(tag)} at byte offset {where} is not "
            "supported: dsp reads integer PCM and IEEE float WAV only"
        )
    if extensible and valid_bits > bits:
        raise AudioFormatError(
            f"valid_bits_per_sample={valid_bits} at byte offset {offset + 18} exceeds "
            f"bits_per_sample={bits}"
        )
    if channels == 0:
        raise AudioFormatError(f"channels=0 at byte offset {offset + 2} must be at least 1")
    if channels > MAX_CHANNELS:
        raise AudioFormatError(
            f"channels={channels} at byte offset {offset + 2} is absurd "
            f"(more than {MAX_CHANNELS}): the header is corrupt"
        )
    if sr == 0 or sr > MAX_SAMPLE_RATE:
        raise AudioFormatError(
            f"sample rate={sr} at byte offset {offset + 4} must be between 1 and "
            f"{MAX_SAMPLE_RATE} Hz"
        )
    if (tag, bits) not in ENCODINGS:
        allowed = "8, 16, 24 or 32" if tag == PCM else "32 or 64"
        kind = "PCM" if tag == PCM else "IEEE float"
        raise AudioFormatError(
            f"bits_per_sample={bits} at byte offset {offset + 14} is not supported for {kind} "
            f"(use {allowed})"
        )
    if block_align != channels * bits // 8:
        raise AudioFormatError(
            f"block_align={block_align} at byte offset {offset + 12} does not match "
            f"channels={channels} x bits_per_sample={bits} / 8 = {channels * bits // 8}"
        )
    return tag, extensible, channels, sr, bits, block_align


def parse_wav(f: BinaryIO) -> WavLayout:
    """Walk the chunks of a WAV file and return where its samples are.

    Reads only the 12-byte RIFF header, the 8-byte chunk headers and the ``fmt`` payload (at
    most 64 bytes of it), seeking over everything else; never reads the samples.

    Raises
    ------
    AudioFormatError
        On anything but a well-formed PCM or IEEE-float RIFF/WAVE file (the message names the
        field, its value and its byte offset).
    """
    file_size = f.seek(0, 2)
    header = _read_at(f, 0, 12, file_size, "RIFF header")
    riff_id, riff_size, form = struct.unpack("<4sI4s", header)
    if riff_id in OTHER_CONTAINERS:
        raise AudioFormatError(
            f"container id={riff_id!r} at byte offset 0 is {OTHER_CONTAINERS[riff_id]}, "
            "which is not supported: dsp reads RIFF/WAVE only"
        )
    if riff_id != b"RIFF":
        raise AudioFormatError(
            f"not a RIFF/WAVE file: chunk id={riff_id!r} at byte offset 0, expected b'RIFF'"
        )
    if form != b"WAVE":
        raise AudioFormatError(
            f"not a RIFF/WAVE file: form type={form!r} at byte offset 8, expected b'WAVE'"
        )
    riff_end = 8 + riff_size
    if riff_end > file_size:
        raise AudioFormatError(
            f"RIFF size={riff_size} at byte offset 4 declares {riff_end} bytes, but the file "
            f"has {file_size} (truncated file?)"
        )
    fmt: tuple[int, bool, int, int, int, int] | None = None
    position = 12
    while position < riff_end:  # each step advances >= 8 bytes: ends on any input
        chunk_id, size = struct.unpack("<4sI", _read_at(f, position, 8, riff_end, "chunk header"))
        payload_at = position + 8
        if payload_at + size > riff_end:
            raise AudioFormatError(
                f"chunk {chunk_id!r} size={size} at byte offset {position + 4} runs past the "
                f"end of the RIFF data ({riff_end} bytes): truncated file?"
            )
        if chunk_id == b"fmt ":
            if fmt is not None:
                raise AudioFormatError(f"second fmt chunk at byte offset {position}")
            if size < 16:
                raise AudioFormatError(
                    f"fmt chunk size={size} at byte offset {position + 4} is smaller than the "
                    "16-byte minimum"
                )
            payload = _read_at(f, payload_at, min(size, 64), riff_end, "fmt chunk")
            fmt = _parse_fmt(payload, payload_at)
        elif chunk_id == b"data":
            if fmt is None:
                raise AudioFormatError(
                    f"data chunk at byte offset {position} comes before the fmt chunk"
                )
            tag, extensible, channels, sr, bits, block_align = fmt
            return WavLayout(
                subtype=ENCODINGS[tag, bits],
                format_tag=tag,
                extensible=extensible,
                channels=channels,
                sr=sr,
                bits_per_sample=bits,
                block_align=block_align,
                frames=size // block_align,
                data_offset=payload_at,
                file_size=file_size,
            )
        position = payload_at + size + (size & 1)
    if fmt is None:
        raise AudioFormatError(f"no fmt chunk in the RIFF data (bytes 12 to {riff_end})")
    raise AudioFormatError(f"no data chunk in the RIFF data (bytes 12 to {riff_end})")


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
    fmt = struct.pack("<HHIIHH", tag, channels, sr, min(sr * block_align, MAX_RIFF_SIZE),
                      block_align, bits)
    if tag == IEEE_FLOAT:
        fmt += b"\0\0"  # cbSize = 0
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    if tag == IEEE_FLOAT:
        chunks += b"fact" + struct.pack("<II", 4, min(frames, MAX_RIFF_SIZE))
    riff_size = 4 + len(chunks) + 8 + data_size + (data_size & 1)
    if riff_size > MAX_RIFF_SIZE:
        return None
    return (b"RIFF" + struct.pack("<I", riff_size) + b"WAVE" + chunks
            + b"data" + struct.pack("<I", data_size))


def read_frames(f: BinaryIO, layout: WavLayout, start: int, count: int) -> np.ndarray:
    """Read ``count`` frames from frame ``start`` (both within ``layout.frames``) as raw bytes.

    One seek and one read straight into a ``uint8`` array of exactly the needed size.
    """
    raw = np.empty(count * layout.block_align, dtype=np.uint8)
    f.seek(layout.data_offset + start * layout.block_align)
    if hasattr(f, "readinto"):
        got = f.readinto(raw)
    else:  # a minimal file object: read() then copy
        block = f.read(raw.size)
        got = len(block)
        raw[:got] = np.frombuffer(block, dtype=np.uint8)
    if got != raw.size:  # the file changed since its header was checked
        raise AudioFormatError(
            f"truncated data at byte offset {layout.data_offset}: read {got} of {raw.size} bytes"
        )
    return raw
