"""The AIFF and AIFF-C containers (Apple's IFF audio), read by hand (for :mod:`dsp.io.audio`).

An AIFF file is an IFF ``FORM`` chunk: ``b"FORM"``, a big-endian ``uint32`` size, the form type
``b"AIFF"`` or ``b"AIFC"``, then chunks ``id + uint32 size + payload`` padded to even lengths.
Two matter (everything is big-endian)::

    COMM  int16 channels, uint32 frames, int16 bits per sample, 80-bit extended sample rate,
          AIFC only: 4-byte compression type + Pascal-string name
    SSND  uint32 offset, uint32 block size, then (after ``offset`` bytes) the frames

AIFF holds signed big-endian PCM (8-bit too, unlike WAV). AIFC adds a compression type:
``NONE``/``twos`` (big-endian PCM), ``sowt`` (little-endian PCM), ``raw `` (unsigned 8-bit),
``fl32``/``fl64`` (IEEE float), ``ulaw``/``alaw`` (G.711). The sample rate is an IEEE 754
80-bit extended number: ``rate = mantissa * 2**(exponent - 16383 - 63)``, rounded to an integer
as libsndfile does.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from ..errors import AudioFormatError
from ._wav import Layout, check_channels_and_rate, read_at

__all__ = ["parse_aiff"]

#: AIFC compression type -> (codec, byte order is big, fixed width in bytes or 0 = from bits).
COMPRESSION = {
    b"NONE": ("pcm", True, 0),
    b"twos": ("pcm", True, 0),
    b"sowt": ("pcm", False, 0),
    b"raw ": ("upcm", True, 1),
    b"in24": ("pcm", True, 3),
    b"in32": ("pcm", True, 4),
    b"fl32": ("float", True, 4),
    b"FL32": ("float", True, 4),
    b"fl64": ("float", True, 8),
    b"FL64": ("float", True, 8),
    b"ulaw": ("ulaw", True, 1),
    b"ULAW": ("ulaw", True, 1),
    b"alaw": ("alaw", True, 1),
    b"ALAW": ("alaw", True, 1),
}


def extended_to_float(ten: bytes) -> float:
    """An IEEE 754 80-bit extended number (big-endian) as a Python float."""
    exponent, mantissa = struct.unpack(">HQ", ten)
    sign = -1.0 if exponent & 0x8000 else 1.0
    exponent &= 0x7FFF
    if exponent == 0x7FFF:
        return float("inf")
    return sign * mantissa * 2.0 ** (exponent - 16383 - 63) if mantissa else 0.0


def parse_aiff(f: BinaryIO, file_size: int) -> Layout:
    """Walk the chunks of an AIFF/AIFC file and return where its samples are.

    Raises
    ------
    AudioFormatError
        On anything but a readable AIFF file (naming the field, its value and its byte offset).
    """
    header = read_at(f, 0, 12, file_size, "FORM header")
    form_id, form_size, form = struct.unpack(">4sI4s", header)
    if form_id != b"FORM" or form not in (b"AIFF", b"AIFC"):
        raise AudioFormatError(
            f"not an AIFF file: id={form_id!r} form type={form!r} at byte offset 0, "
            "expected b'FORM' ... b'AIFF' or b'AIFC'"
        )
    aifc = form == b"AIFC"
    form_end = min(8 + form_size, file_size) if form_size else file_size
    comm = None
    position = 12
    while position + 8 <= form_end:  # each step advances >= 8 bytes
        chunk_id, size = struct.unpack(">4sI", read_at(f, position, 8, form_end, "chunk header"))
        payload_at = position + 8
        if chunk_id == b"COMM":
            need = 22 if aifc else 18
            if size < need:
                raise AudioFormatError(
                    f"COMM chunk size={size} at byte offset {position + 4} is smaller than "
                    f"{need} bytes"
                )
            payload = read_at(f, payload_at, need, form_end, "COMM chunk")
            channels, frames, bits = struct.unpack_from(">hIh", payload)
            rate = extended_to_float(payload[8:18])
            compression = payload[18:22] if aifc else b"NONE"
            check_channels_and_rate(channels, rate, payload_at, payload_at + 8)
            if compression not in COMPRESSION:
                raise AudioFormatError(
                    f"AIFC compression type={compression!r} at byte offset {payload_at + 18} "
                    f"is not supported: dsp reads {sorted({c.decode() for c in COMPRESSION})}"
                )
            codec, big_endian, width = COMPRESSION[compression]
            if width == 0:
                if not 1 <= bits <= 32:
                    raise AudioFormatError(
                        f"bits per sample={bits} at byte offset {payload_at + 6} must be "
                        "between 1 and 32"
                    )
                width = (bits + 7) // 8
            comm = (codec, big_endian, width, channels, frames, bits, int(round(rate)))
        elif chunk_id == b"SSND":
            if comm is None:
                raise AudioFormatError(
                    f"SSND chunk at byte offset {position} comes before the COMM chunk"
                )
            codec, big_endian, width, channels, frames, bits, sr = comm
            (offset,) = struct.unpack(">I", read_at(f, payload_at, 4, form_end, "SSND header"))
            data_at = payload_at + 8 + offset
            available = max(0, min(payload_at + size, form_end) - data_at)
            block_align = channels * width
            present = min(frames, available // block_align)
            if codec == "float":
                subtype = f"float{8 * width}"
            elif codec in ("ulaw", "alaw"):
                subtype = codec
            else:
                subtype = f"pcm{bits if codec == 'pcm' else 8}"
            return Layout(
                container="AIFC" if aifc else "AIFF",
                subtype=subtype,
                codec="pcm" if codec == "pcm" else codec,
                width=width,
                big_endian=big_endian,
                extensible=False,
                channels=channels,
                sr=sr,
                bits_per_sample=bits,
                block_align=block_align,
                frames=present,
                data_offset=data_at,
                file_size=file_size,
                missing_bytes=(frames - present) * block_align,
            )
        position = payload_at + size + (size & 1)
    missing = "COMM" if comm is None else "SSND"
    raise AudioFormatError(f"no {missing} chunk in the AIFF data (bytes 12 to {form_end})")
