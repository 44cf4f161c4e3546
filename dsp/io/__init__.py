"""Audio in and out: reading and writing sound files (see :mod:`dsp.io.audio`)."""

from .audio import AudioInfo, info, load, write_wav

__all__ = ["AudioInfo", "info", "load", "write_wav"]
