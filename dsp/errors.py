"""The error and warning types of dsp.

Every bad argument raises :class:`ParameterError`, a :class:`ValueError`, whose message names the
parameter and the value it was given (``n_fft=0 must be a positive integer``). Legal but odd input
(a signal shorter than ``n_fft`` with centring, mel filters that are all zero) gives a
:class:`DspWarning` instead.
"""

from __future__ import annotations

__all__ = ["ParameterError", "DspWarning"]


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
