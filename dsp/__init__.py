"""dsp: the audio spectrogram pipeline, from scratch in NumPy, bit-identical to librosa 0.11.

The pipeline, one module per stage (this file is the table of contents)::

    audio -> framing -> windows -> stft -> |.|**power -> mel filterbank -> db -> cnn input

===================  ==========================================================================
module               public names
===================  ==========================================================================
``dsp.framing``      :func:`frame`, :func:`pad_center`, :func:`center_pad`, :func:`n_frames`
``dsp.windows``      :func:`get_window`
``dsp.stft``         :func:`stft`, :func:`fft_frequencies`, :func:`frames_to_samples`,
                     :func:`frames_to_time`, :func:`time_to_frames`
``dsp.mel``          :func:`hz_to_mel`, :func:`mel_to_hz`, :func:`mel_frequencies`
``dsp.filterbank``   :func:`mel_filterbank`
``dsp.db``           :func:`power_to_db`, :func:`amplitude_to_db`, :func:`db_to_power`,
                     :func:`db_to_amplitude`
``dsp.pipeline``     :func:`spectrogram`, :func:`melspectrogram`, :class:`MelSpectrogram`
``dsp.cnn``          :func:`to_cnn_input`
``dsp.audio``        :func:`load`, :func:`info`, :func:`write_wav`, :class:`AudioInfo`
``dsp.image``        :func:`spectrogram_image`, :func:`db_limits`, :func:`db_to_uint8`,
                     :func:`uint8_to_db`, :func:`write_png`
``dsp.colormap``     :func:`cubehelix`, :func:`colorize`
``dsp.examples``     :func:`example_audio`
``dsp.cli``          the ``dsp`` command (``dsp demo``, ``dsp mel``, ``dsp stft``, ``dsp info``)
``dsp.errors``       :class:`ParameterError`, :class:`AudioFormatError`, :class:`DspWarning`
===================  ==========================================================================

Every numeric convention (DFT sign and scale, periodic windows, centre padding, frame count,
bin grid, mel scales, filter norms, dB reference) is defined once in ``docs/conventions.md``.
"""

from .cnn import to_cnn_input
from .db import amplitude_to_db, db_to_amplitude, db_to_power, power_to_db
from .errors import AudioFormatError, DspWarning, ParameterError
from .examples import example_audio
from .filterbank import mel_filterbank
from .framing import center_pad, frame, n_frames, pad_center
from .io.audio import AudioInfo, info, load, write_wav
from .mel import hz_to_mel, mel_frequencies, mel_to_hz
from .pipeline import MelSpectrogram, melspectrogram, spectrogram
from .spectrum import fft_frequencies, frames_to_samples, frames_to_time, stft, time_to_frames
from .viz.colormap import colorize, cubehelix
from .viz.image import db_limits, db_to_uint8, spectrogram_image, uint8_to_db, write_png
from .windows import get_window

__version__ = "0.1.0"

__all__ = [
    "amplitude_to_db",
    "AudioFormatError",
    "AudioInfo",
    "center_pad",
    "colorize",
    "cubehelix",
    "db_limits",
    "db_to_amplitude",
    "db_to_power",
    "db_to_uint8",
    "DspWarning",
    "example_audio",
    "fft_frequencies",
    "frame",
    "frames_to_samples",
    "frames_to_time",
    "get_window",
    "hz_to_mel",
    "info",
    "load",
    "mel_filterbank",
    "mel_frequencies",
    "mel_to_hz",
    "MelSpectrogram",
    "melspectrogram",
    "n_frames",
    "pad_center",
    "ParameterError",
    "power_to_db",
    "spectrogram",
    "spectrogram_image",
    "stft",
    "time_to_frames",
    "to_cnn_input",
    "uint8_to_db",
    "write_png",
    "write_wav",
]
