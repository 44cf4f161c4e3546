"""The short-time Fourier transform (STFT) and its time and frequency axes.

The STFT cuts the (centre-padded) signal into frames, multiplies each by a window and takes the
DFT of each: column ``t`` of the result is the spectrum of the sound around time
``t * hop_length / sr``. Conventions (DFT sign and scale, periodic windows, centre padding,
frame count, bin grid) are in ``docs/conventions.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._engine.blocked import check_precision, stft_blocked
from ._validation import (
    check_audio,
    check_optional_positive_int,
    check_pad_mode,
    check_positive_int,
    check_sr,
    warn,
)
from .errors import ParameterError
from .framing import n_frames, pad_center
from .windows import WindowSpec, get_window

__all__ = [
    "stft",
    "fft_frequencies",
    "frames_to_samples",
    "frames_to_time",
    "time_to_frames",
    "resolve_stft_lengths",
    "stft_window",
    "check_framing",
]

def resolve_stft_lengths(
    n_fft: Any, hop_length: Any, win_length: Any
) -> tuple[int, int, int]:
    """Check ``n_fft``, ``hop_length``, ``win_length`` and fill in librosa's defaults.

    ``win_length`` defaults to ``n_fft`` and must not exceed it; ``hop_length`` defaults to
    ``win_length // 4``, which must not be 0. Returns ``(n_fft, hop_length, win_length)``.
    """
    n_fft = check_positive_int("n_fft", n_fft)
    win_length = check_optional_positive_int("win_length", win_length) or n_fft
    if win_length > n_fft:
        raise ParameterError(f"win_length={win_length} must not exceed n_fft={n_fft}")
    if hop_length is None:
        hop_length = win_length // 4
        if hop_length == 0:
            raise ParameterError(
                f"hop_length defaults to win_length // 4, which is 0 for win_length={win_length}; "
                "pass hop_length explicitly"
            )
    return n_fft, check_positive_int("hop_length", hop_length), win_length


def check_framing(y: np.ndarray, *, n_fft: int, center: bool, pad_mode: Any) -> Any:
    """Check that ``y`` (checked audio) can be framed; return the checked ``pad_mode``.

    Centred: ``pad_mode`` must be supported, and a signal shorter than ``n_fft`` warns.
    Not centred: a signal shorter than ``n_fft`` is an error (:func:`dsp.n_frames`).
    """
    n = y.shape[-1]
    if not center:
        n_frames(n, n_fft=n_fft, hop_length=1, center=False)
        return pad_mode
    pad_mode = check_pad_mode(pad_mode)
    if n < n_fft:
        warn(f"n_fft={n_fft} is larger than the signal (length {n}); frames are mostly padding",
             stacklevel=4)
    return pad_mode


def stft_window(window: WindowSpec, win_length: int, n_fft: int) -> np.ndarray:
    """The periodic float64 window of ``win_length`` samples, zero-padded to ``n_fft``, centred."""
    return pad_center(get_window(window, win_length, fftbins=True), size=n_fft)


def _complex_dtype(y: np.ndarray, dtype: Any) -> np.dtype:
    if dtype is None:
        return np.result_type(y.dtype, np.complex64)
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise ParameterError(f"dtype={dtype!r} is not a NumPy dtype") from None
    if dtype.kind != "c":
        raise ParameterError(f"dtype={dtype} must be a complex type (complex64 or complex128)")
    return dtype


def stft(
    y: np.ndarray,
    *,
    n_fft: int = 2048,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: WindowSpec = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    dtype: Any = None,
    precision: str = "float64",
) -> np.ndarray:
    """Short-time Fourier transform of a real signal.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n), real floating point]
        The signal; leading axes are channels or batch.
    n_fft : int > 0
        Frame length and DFT size.
    hop_length : int > 0 or None
        Samples between frames; default ``win_length // 4``.
    win_length : int, 0 < win_length <= n_fft, or None
        Window length; default ``n_fft``. Shorter windows are zero-padded to ``n_fft``, centred.
    window : str, tuple, callable or np.ndarray
        See :func:`dsp.get_window`; computed periodic (``fftbins=True``).
    center : bool
        Pad ``n_fft // 2`` samples at both ends so that frame ``t`` is centred at
        ``t * hop_length``.
    pad_mode : str
        Padding for ``center=True``: "constant" (zeros), "edge", "linear_ramp", "reflect" or
        "symmetric".
    dtype : complex dtype or None
        Output type; default complex64 for float32 input and complex128 for float64.
    precision : {"float64", "float32"}
        Precision of the DFT. ``"float64"`` (default): float64 window and double-precision DFT,
        bit-identical to librosa. ``"float32"``: single-precision window and DFT, about twice
        as fast; each value is then within ``1e-5 * max|D|`` of the float64 result.

    Returns
    -------
    D : np.ndarray [shape=(..., 1 + n_fft // 2, n_frames), complex]
        ``n_frames = 1 + n // hop_length`` centred, ``1 + (n - n_fft) // hop_length`` not.

    Raises
    ------
    ParameterError
        For bad audio (empty, not floating point, not finite), bad lengths, ``win_length >
        n_fft``, a default hop of 0, an unknown window or pad mode, or ``center=False`` with a
        signal shorter than ``n_fft``.

    Warns
    -----
    DspWarning
        With ``center=True`` and a signal shorter than ``n_fft``.

    Notes
    -----
    With ``x_t[n]`` the padded signal from sample ``t * hop_length`` and ``w`` the window
    (eq. S1, ``docs/conventions.md``)::

        D[k, t] = sum_{n=0}^{n_fft-1} w[n] x_t[n] exp(-2 pi i k n / n_fft),  k = 0..n_fft//2

    No normalisation. The window is float64 and the DFT runs in double precision also for
    float32 input; the result is then rounded to complex64 (``precision="float32"`` runs it in
    single precision instead). Frames are transformed in blocks sized for the cache, on two
    threads for long signals, and only the frames that overhang an end of the signal are built
    from a padded copy of that end (``dsp._engine``); the padded signal is never materialised.

    librosa equivalent: ``librosa.stft(y, n_fft=..., hop_length=..., win_length=...,
    window=..., center=..., pad_mode=..., dtype=...)`` (identical).

    Examples
    --------
    >>> import numpy as np
    >>> sr = 22050
    >>> y = np.sin(2 * np.pi * 440.0 * np.arange(sr) / sr).astype(np.float32)
    >>> D = stft(y, n_fft=2048, hop_length=512)
    >>> D.shape, D.dtype
    ((1025, 44), dtype('complex64'))
    >>> int(np.abs(D[:, 20]).argmax())  # bin of 440 Hz: 440 * 2048 / 22050 = 40.9
    41
    """
    y = check_audio(y)
    n_fft, hop_length, win_length = resolve_stft_lengths(n_fft, hop_length, win_length)
    out_dtype = _complex_dtype(y, dtype)
    precision = check_precision(precision)
    fft_window = stft_window(window, win_length, n_fft)
    pad_mode = check_framing(y, n_fft=n_fft, center=center, pad_mode=pad_mode)
    # Block by block, only the edge frames padded, written into a Fortran-order output as
    # librosa's (each frame's spectrum contiguous): see dsp._engine.
    return stft_blocked(
        y, n_fft=n_fft, hop_length=hop_length, window=fft_window, center=center,
        pad_mode=pad_mode, dtype=out_dtype, precision=precision,
    )


def fft_frequencies(*, sr: float = 22050, n_fft: int = 2048) -> np.ndarray:
    """Centre frequency of each STFT bin, in Hz.

    Parameters
    ----------
    sr : float > 0
        Sample rate, Hz.
    n_fft : int > 0
        DFT size.

    Returns
    -------
    np.ndarray [shape=(1 + n_fft // 2,), dtype=float64]
        ``k * sr / n_fft`` for ``k = 0 .. n_fft // 2`` (eq. S2); for odd ``n_fft`` the last bin
        lies below ``sr / 2``.

    Raises
    ------
    ParameterError
        For a bad ``sr`` or ``n_fft``.

    Notes
    -----
    librosa equivalent: ``librosa.fft_frequencies(sr=sr, n_fft=n_fft)`` (identical).

    Examples
    --------
    >>> fft_frequencies(sr=8000, n_fft=8)
    array([   0., 1000., 2000., 3000., 4000.])
    """
    sr = check_sr(sr)
    n_fft = check_positive_int("n_fft", n_fft)
    return np.fft.rfftfreq(n_fft, d=1.0 / sr)


def frames_to_samples(frames: Any, *, hop_length: int = 512, n_fft: int | None = None) -> Any:
    """First sample of each frame (its centre if ``n_fft`` is given): ``t * hop + n_fft // 2``.

    Parameters
    ----------
    frames : int or np.ndarray of int
        Frame indices.
    hop_length : int > 0
        Samples between frames.
    n_fft : int > 0 or None
        If given, offset by ``n_fft // 2`` (the frame's centre, for ``center=False`` framing).

    Returns
    -------
    int or np.ndarray of int

    Examples
    --------
    >>> frames_to_samples(np.arange(3), hop_length=512)
    array([   0,  512, 1024])
    """
    hop_length = check_positive_int("hop_length", hop_length)
    offset = 0 if n_fft is None else check_positive_int("n_fft", n_fft) // 2
    return (np.asanyarray(frames) * hop_length + offset).astype(int)


def frames_to_time(
    frames: Any, *, sr: float = 22050, hop_length: int = 512, n_fft: int | None = None
) -> Any:
    """Time in seconds of each frame: ``(t * hop_length + (n_fft // 2 or 0)) / sr`` (eq. S3).

    For a centred STFT frame ``t`` is centred at ``t * hop_length / sr``: leave ``n_fft``
    as None.

    Parameters
    ----------
    frames : int or np.ndarray of int
        Frame indices.
    sr : float > 0
        Sample rate, Hz.
    hop_length : int > 0
        Samples between frames.
    n_fft : int > 0 or None
        Offset by half a frame, for ``center=False``.

    Returns
    -------
    float or np.ndarray of float

    Notes
    -----
    librosa equivalent: ``librosa.frames_to_time(frames, sr=sr, hop_length=hop_length,
    n_fft=n_fft)``.

    Examples
    --------
    >>> frames_to_time(np.array([0, 43, 861]), sr=22050, hop_length=512)
    array([ 0.        ,  0.99845805, 19.99238095])
    """
    sr = check_sr(sr)
    return frames_to_samples(frames, hop_length=hop_length, n_fft=n_fft) / float(sr)


def time_to_frames(
    times: Any, *, sr: float = 22050, hop_length: int = 512, n_fft: int | None = None
) -> Any:
    """Index of the frame containing each time: ``floor((int(t * sr) - offset) / hop)``.

    ``t * sr`` is truncated toward zero to a sample index (as librosa does), then
    floor-divided by the hop.

    Parameters
    ----------
    times : float or np.ndarray
        Times in seconds.
    sr : float > 0
        Sample rate, Hz.
    hop_length : int > 0
        Samples between frames.
    n_fft : int > 0 or None
        Offset by half a frame (``n_fft // 2``), the inverse of :func:`frames_to_time`.

    Returns
    -------
    int or np.ndarray of int

    Notes
    -----
    librosa equivalent: ``librosa.time_to_frames(times, sr=sr, hop_length=hop_length,
    n_fft=n_fft)``.

    Examples
    --------
    >>> time_to_frames(np.array([0.0, 1.0, 20.0]), sr=22050, hop_length=512)
    array([  0,  43, 861])
    """
    sr = check_sr(sr)
    hop_length = check_positive_int("hop_length", hop_length)
    offset = 0 if n_fft is None else check_positive_int("n_fft", n_fft) // 2
    samples = (np.asanyarray(times) * sr).astype(int)
    return np.asarray(np.floor((samples - offset) // hop_length), dtype=int)
