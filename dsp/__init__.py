"""dsp: the audio spectrogram pipeline, from scratch in NumPy, bit-identical to librosa 0.11.

The pipeline, one module per stage (this file is the table of contents)::

    file/stream -> decode -> resample -> framing -> windows -> stft -> |.|**power
        -> mel filterbank -> db -> figure / cnn input

The stages, at the top of the package:

======================  =======================================================================
module                  public names
======================  =======================================================================
``dsp.framing``         :class:`FrameGeometry`, :func:`frame`, :func:`pad_center`,
                        :func:`center_pad`, :func:`n_frames`
``dsp.timeaxis``        :func:`frames_to_samples`, :func:`samples_to_frames`,
                        :func:`frames_to_time`, :func:`time_to_frames`, :func:`samples_to_time`,
                        :func:`time_to_samples` (also importable from ``dsp.framing``)
``dsp.windows``         :func:`get_window`
``dsp.spectrum``        :func:`stft` (and ``stft_reference``, the readable STFT),
                        :func:`fft_frequencies`
``dsp.mel``             :func:`hz_to_mel`, :func:`mel_to_hz`, :func:`mel_frequencies`
``dsp.filterbank``      :func:`mel_filterbank`
``dsp.db``              :func:`power_to_db`, :func:`amplitude_to_db`, :func:`db_to_power`,
                        :func:`db_to_amplitude`
``dsp.pipeline``        :func:`spectrogram`, :func:`melspectrogram` (the functional chain)
``dsp.transforms``      :class:`Spectrogram`, :class:`MelScale`, :class:`MelSpectrogram` (the
                        stages as objects that build their window, geometry, filterbank once)
``dsp.cnn``             :func:`to_cnn_input`
``dsp.resampling``      :func:`resample`, :class:`BlockResampler` (any sample rate)
``dsp.streaming``       :class:`StftStream`, :class:`SpectrogramStream`, :class:`MelStream`
                        (``transform.stream()``: frames as audio arrives, equal to offline)
``dsp.filestream``      :func:`stream_file`, :class:`FileFrames` (a file's frames in blocks)
``dsp.cosine``          :func:`dct`, :func:`idct`, :func:`dct_matrix`
``dsp.cepstrum``        :func:`mfcc`, :func:`mfcc_to_mel`, :func:`mfcc_to_audio`
``dsp.deltas``          :func:`delta`
``dsp.inverse``         :func:`istft`, :func:`window_sumsquare`
``dsp.phase``           :func:`griffinlim`
``dsp.mel_inverse``     :func:`mel_to_stft`, :func:`mel_to_audio`, :func:`nnls`
``dsp.examples``        :func:`example_audio`
``dsp.errors``          :class:`ParameterError`, :class:`AudioFormatError`, :class:`DspWarning`
======================  =======================================================================

Grouped by concern, in sub-packages:

======================  =======================================================================
package                 public names
======================  =======================================================================
``dsp.io``              :func:`load`, :func:`info`, :func:`write_wav`, :class:`AudioInfo`,
                        :func:`open_blocks` (WAV/AIFF by hand; other formats via soundfile)
``dsp.viz``             :func:`specshow`, :class:`Figure` (axes, ticks, a dB colour bar; PNG
                        and SVG), :func:`spectrogram_image`, :func:`write_png`,
                        :func:`cubehelix`, :func:`colorize`, ...
``dsp.compat``          :func:`whisper_log_mel`, :func:`kaldi_fbank`, :func:`kaldi_mfcc`, the
                        named presets (``MelSpectrogram.preset``), :func:`compare` (two
                        conventions, stage by stage)
``dsp.batch``           ``dsp.batch.extract``: many clips to features on a process pool or a
                        Dask cluster (imported on first use)
``dsp.cli``             the ``dsp`` command: ``demo``, ``mel``, ``stft``, ``info``, ``mfcc``,
                        ``invert``, ``diff``, ``batch``, ``live`` (one module per command)
``dsp._engine``         private: the fast block engine, tested bit for bit against the stages
======================  =======================================================================

Every numeric convention (DFT sign and scale, periodic windows, centre padding, frame count,
bin grid, mel scales, filter norms, dB reference) is defined once in ``docs/conventions.md``.
"""

from typing import TYPE_CHECKING

# The stages of the pipeline, imported with the package.
from .cnn import to_cnn_input
from .db import amplitude_to_db, db_to_amplitude, db_to_power, power_to_db
from .errors import AudioFormatError, DspWarning, ParameterError
from .filterbank import mel_filterbank
from .framing import (
    FrameGeometry,
    center_pad,
    frame,
    frames_to_samples,
    frames_to_time,
    n_frames,
    pad_center,
    samples_to_frames,
    samples_to_time,
    time_to_frames,
    time_to_samples,
)
from .mel import hz_to_mel, mel_frequencies, mel_to_hz
from .pipeline import MelSpectrogram, melspectrogram, spectrogram
from .spectrum import fft_frequencies, stft
from .transforms import MelScale, Spectrogram
from .windows import get_window

#: Everything else, imported on first use (``dsp.load`` imports ``dsp.io.audio``...), so that
#: ``import dsp`` costs what the stages cost: module -> the names it gives the package.
_ON_FIRST_USE = {
    ".cepstrum": ("mfcc", "mfcc_to_audio", "mfcc_to_mel"),
    ".compat.convention_diff": ("compare",),
    ".compat.kaldi": ("kaldi_fbank", "kaldi_mfcc"),
    ".compat.whisper": ("whisper_log_mel",),
    ".cosine": ("dct", "dct_matrix", "idct"),
    ".deltas": ("delta",),
    ".examples": ("example_audio",),
    ".filestream": ("FileFrames", "stream_file"),
    ".inverse": ("istft", "window_sumsquare"),
    ".io.audio": ("AudioInfo", "info", "load", "write_wav"),
    ".mel_inverse": ("mel_to_audio", "mel_to_stft", "nnls"),
    ".phase": ("griffinlim",),
    ".resampling": ("BlockResampler", "resample"),
    ".streaming": ("MelStream", "SpectrogramStream", "StftStream"),
    ".viz.colormap": ("colorize", "cubehelix"),
    ".viz.figure": ("Figure", "specshow"),
    ".viz.image": ("db_limits", "db_to_uint8", "spectrogram_image", "uint8_to_db", "write_png"),
}
_MODULE_OF = {name: module for module, names in _ON_FIRST_USE.items() for name in names}

if TYPE_CHECKING:  # the same names, for type checkers and editors
    from .cepstrum import mfcc, mfcc_to_audio, mfcc_to_mel
    from .compat.convention_diff import compare
    from .compat.kaldi import kaldi_fbank, kaldi_mfcc
    from .compat.whisper import whisper_log_mel
    from .cosine import dct, dct_matrix, idct
    from .deltas import delta
    from .examples import example_audio
    from .filestream import FileFrames, stream_file
    from .inverse import istft, window_sumsquare
    from .io.audio import AudioInfo, info, load, write_wav
    from .mel_inverse import mel_to_audio, mel_to_stft, nnls
    from .phase import griffinlim
    from .resampling import BlockResampler, resample
    from .streaming import MelStream, SpectrogramStream, StftStream
    from .viz.colormap import colorize, cubehelix
    from .viz.figure import Figure, specshow
    from .viz.image import db_limits, db_to_uint8, spectrogram_image, uint8_to_db, write_png

__version__ = "0.1.0"

__all__ = [
    "StftStream",
    "SpectrogramStream",
    "MelStream",
    "stream_file",
    "FileFrames",
    "BlockResampler",
    "resample",
    "dct",
    "dct_matrix",
    "delta",
    "griffinlim",
    "istft",
    "window_sumsquare",
    "idct",
    "mfcc",
    "mfcc_to_mel",
    "mfcc_to_audio",
    "mel_to_stft",
    "mel_to_audio",
    "nnls",
    "amplitude_to_db",
    "AudioFormatError",
    "AudioInfo",
    "center_pad",
    "colorize",
    "compare",
    "cubehelix",
    "db_limits",
    "db_to_amplitude",
    "db_to_power",
    "db_to_uint8",
    "DspWarning",
    "example_audio",
    "Figure",
    "fft_frequencies",
    "frame",
    "FrameGeometry",
    "frames_to_samples",
    "frames_to_time",
    "get_window",
    "hz_to_mel",
    "info",
    "kaldi_fbank",
    "kaldi_mfcc",
    "load",
    "mel_filterbank",
    "mel_frequencies",
    "mel_to_hz",
    "MelScale",
    "MelSpectrogram",
    "melspectrogram",
    "n_frames",
    "pad_center",
    "ParameterError",
    "samples_to_frames",
    "samples_to_time",
    "power_to_db",
    "spectrogram",
    "Spectrogram",
    "specshow",
    "spectrogram_image",
    "stft",
    "time_to_frames",
    "time_to_samples",
    "to_cnn_input",
    "uint8_to_db",
    "whisper_log_mel",
    "write_png",
    "write_wav",
]


def __getattr__(name: str) -> object:
    """A name of :data:`_ON_FIRST_USE`, imported now (and kept); ``dsp.batch`` likewise (it
    brings multiprocessing, tarfile and csv)."""
    import importlib

    if name in _MODULE_OF:
        value = getattr(importlib.import_module(_MODULE_OF[name], __name__), name)
        globals()[name] = value
        return value
    if name == "batch":
        return importlib.import_module(".batch", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODULE_OF) | {"batch"})
