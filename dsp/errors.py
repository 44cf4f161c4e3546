"""The error and warning types of dsp.

Every bad argument raises :class:`ParameterError`, a :class:`ValueError`, whose message names the
parameter and the value it was given (``n_fft=0 must be a positive integer``). Legal but odd input
(a signal shorter than ``n_fft`` with centring, mel filters that are all zero) gives a
:class:`DspWarning` instead.
"""

from __future__ import annotations

__all__ = ["ParameterError", "DspWarning", "AudioFormatError"]


class ParameterError(ValueError):
    """An argument has a value dsp cannot compute with; the message names it.

    Examples
    --------
    >>> import numpy as np
    >>> import dsp
    >>> try:
    ...     dsp.stft(np.zeros(4096), n_fft=0)
    ... except dsp.ParameterError as err:
    ...     print(err)
    n_fft=0 must be a positive integer
    """


class DspWarning(UserWarning):
    """Legal but odd input: the result is computed, but is probably not what was meant."""


class AudioFormatError(ParameterError):
    """An audio file is corrupt or in an encoding dsp cannot read; the message says where.

    The message names the field, the value found in the file and its byte offset
    (``channels=0 at byte offset 22 must be at least 1``). It is a :class:`ParameterError`
    (and so a :class:`ValueError`): the file is a bad argument.

    Examples
    --------
    >>> import io
    >>> from dsp.io.audio import load
    >>> try:
    ...     load(io.BytesIO(b"RIFF" + bytes(4) + b"AVI " + bytes(40)))
    ... except AudioFormatError as err:
    ...     print(err)
    not a RIFF/WAVE file: form type=b'AVI ' at byte offset 8, expected b'WAVE'
    """
