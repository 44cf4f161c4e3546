"""Pictures: dB spectrograms to figures (:func:`specshow`), colour rasters and PNG files."""

from .colormap import colorize, cubehelix
from .figure import Figure, specshow
from .image import db_limits, db_to_uint8, spectrogram_image, uint8_to_db, write_png

__all__ = [
    "colorize",
    "cubehelix",
    "db_limits",
    "db_to_uint8",
    "Figure",
    "specshow",
    "spectrogram_image",
    "uint8_to_db",
    "write_png",
]
