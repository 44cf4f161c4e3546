"""Pictures: dB spectrograms to colour rasters and PNG files (see :mod:`dsp.viz.image`)."""

from .colormap import colorize, cubehelix
from .image import db_limits, db_to_uint8, spectrogram_image, uint8_to_db, write_png

__all__ = [
    "colorize",
    "cubehelix",
    "db_limits",
    "db_to_uint8",
    "spectrogram_image",
    "uint8_to_db",
    "write_png",
]
