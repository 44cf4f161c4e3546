"""The conventions of the models people use: Whisper, Kaldi, torchaudio, and where they differ.

Each system computes "a mel spectrogram" its own way (scale, filter norm, window, framing,
pre-emphasis, log floor...). ``dsp.compat`` reproduces them exactly, built from the stage
modules: :mod:`.whisper` (``whisper_log_mel``), :mod:`.kaldi` (``kaldi_fbank``, ``kaldi_mfcc``),
:mod:`.presets` (named conventions, ``MelSpectrogram.preset(name)``) and
:mod:`.convention_diff` (``compare``: the stage at which two conventions part ways). See
``docs/five-conventions.md``.
"""

from .convention_diff import compare
from .kaldi import kaldi_fbank, kaldi_mfcc
from .presets import PRESETS, get_preset, preset_kwargs
from .whisper import whisper_log_mel

__all__ = [
    "PRESETS",
    "compare",
    "get_preset",
    "kaldi_fbank",
    "kaldi_mfcc",
    "preset_kwargs",
    "whisper_log_mel",
]
