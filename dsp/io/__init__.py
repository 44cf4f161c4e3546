"""Audio in and out: reading and writing sound files (see :mod:`dsp.io.audio`), and reading long
files block by block (:mod:`dsp.io.blocks`)."""

from .audio import AudioInfo, info, load, write_wav
from .blocks import BlockReader, open_blocks, read_blocks

__all__ = ["AudioInfo", "BlockReader", "info", "load", "open_blocks", "read_blocks", "write_wav"]
