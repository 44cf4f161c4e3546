"""The short-time Fourier transform (STFT): pad, frame, window, DFT.

The STFT cuts the (centre-padded) signal into frames, multiplies each by a window and takes the
DFT of each: column ``t`` of the result is the spectrum of the sound around time
``t * hop_length / sr``. :func:`stft_reference` is that definition written out in a few lines;
:func:`stft` computes the same numbers, bit for bit, with the fast engine (``dsp._engine``:
cache-sized blocks, no padded copy of the signal, threads for long signals), and is tested
against it. Conventions (DFT sign and scale, periodic windows, centre padding, frame count,
bin grid) are in ``docs/conventions.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._engine.blocked import check_precision, stft_blocked
from ._fftlib import fft_module
from ._memory import check_memory
from ._validation import (
    check_audio,
    check_bool,
    check_optional_positive_int,
    check_pad_mode,
    check_positive_int,
    check_sr,
    warn,
)
from .errors import ParameterError
from .framing import FrameGeometry, frame, pad_center
from .windows import WindowSpec, get_window

__all__ = [
    "stft",
    "stft_reference",
    "fft_frequencies",
    "resolve_stft_lengths",
    "stft_window",
    "check_framing",
    "check_layout",
    "check_stft_memory",
    "check_range",
    "complex_dtype",
]


def stft_reference(
    y: np.ndarray,
    *,
    n_fft: int = 2048,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: WindowSpec = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    dtype: Any = None,
) -> np.ndarray:
    """The STFT as its definition: pad, cut into frames, multiply by the window, DFT each frame.

    Parameters, returns and errors as :func:`stft`, which returns the same array bit for bit
    (and is faster and leaner: use it). This one is for reading and for testing the engine.

    Notes
    -----
    Eq. S1 of ``docs/conventions.md``, with ``x_t`` frame ``t`` of the padded signal::

        D[k, t] = sum_{n=0}^{n_fft-1} w[n] x_t[n] exp(-2 pi i k n / n_fft),  k = 0..n_fft//2

    librosa equivalent: ``librosa.stft(y, ...)`` (identical).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.random.default_rng(0).standard_normal(5000).astype(np.float32)
    >>> D = stft_reference(y, n_fft=512, hop_length=128)
    >>> D.shape, bool(np.array_equal(D, stft(y, n_fft=512, hop_length=128)))
    ((257, 40), True)
    """
    y = check_audio(y)
    n_fft, hop_length, win_length = resolve_stft_lengths(n_fft, hop_length, win_length)
    geometry = FrameGeometry(n_fft=n_fft, hop_length=hop_length, center=center)
    out_dtype = complex_dtype(y, dtype)
    pad_mode = check_framing(y, n_fft=n_fft, center=center, pad_mode=pad_mode)
    # 1. Pad n_fft // 2 samples at each end (centre padding), as librosa does.
    padded = _pad_like_librosa(y, geometry, pad_mode)
    # 2. Frames as columns: (..., n_fft, n_frames); frame t starts at padded sample t * hop.
    frames = frame(padded, frame_length=n_fft, hop_length=hop_length)
    # 3. The periodic window (float64, zero-padded to n_fft), one copy per frame.
    windowed = stft_window(window, win_length, n_fft)[:, np.newaxis] * frames
    # 4. The DFT of each frame, bins k = 0 .. n_fft // 2 (the rest mirror them for real input),
    #    in double precision with librosa's FFT library, then rounded to the output type, in
    #    librosa's memory layout (Fortran order: each frame's spectrum contiguous).
    return fft_module().rfft(windowed, axis=-2).astype(out_dtype, order="F")


def _pad_like_librosa(y: np.ndarray, geometry: FrameGeometry, pad_mode: Any) -> np.ndarray:
    """``y`` with ``geometry.pad`` samples of ``pad_mode`` padding at each end.

    librosa 0.11 pads the head and the tail of a long signal separately: the right padding is
    computed from the samples of the first frame that needs it on (for ``"reflect"`` and
    ``"symmetric"`` this differs from padding the whole signal when that piece is shorter than
    the padding, e.g. ``hop_length > n_fft``). The left piece is always long enough to agree.
    """
    p, n = geometry.pad, y.shape[-1]
    if p == 0:
        return y
    widths = [(0, 0)] * (y.ndim - 1)
    tail, count = geometry.first_tail_frame(n), geometry.n_frames(n)
    if tail <= geometry.head_frames or tail >= count:  # short signal, or no frame needs it
        return np.pad(y, widths + [(p, p)], mode=pad_mode)
    left = np.pad(y, widths + [(p, 0)], mode=pad_mode)[..., :p]
    piece = y[..., geometry.frame_start(tail) :]
    right = np.pad(piece, widths + [(0, p)], mode=pad_mode)[..., piece.shape[-1] :]
    return np.concatenate([left, y, right], axis=-1)


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
        The signal; leading axes are channels or batch, the last axis is time.
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
        ``t * hop_length`` (:class:`dsp.FrameGeometry`).
    pad_mode : str
        Padding for ``center=True``: "constant" (zeros), "edge", "linear_ramp", "reflect" or
        "symmetric".
    dtype : complex dtype or None
        Output type; default complex64 for float32 input and complex128 for float64.
    precision : {"float64", "float64-bounded", "float32"}
        Precision of the DFT. ``"float64"`` (default; ``"float64-bounded"`` is the same for the
        STFT): float64 window and double-precision DFT with librosa's FFT library,
        bit-identical to librosa. ``"float32"``: single-precision window and DFT, about twice
        as fast; each value is then within ``1e-5 * max|D|`` of the float64 result.

    Returns
    -------
    D : np.ndarray [shape=(..., 1 + n_fft // 2, n_frames), complex]
        ``n_frames = 1 + (n + 2 * pad - n_fft) // hop_length`` (eq. F2), in Fortran order as
        librosa's (each frame's spectrum contiguous).

    Raises
    ------
    ParameterError
        For bad audio (empty, not floating point, not finite, time on the wrong axis), bad
        lengths, ``win_length > n_fft``, a default hop of 0, an unknown window or pad mode,
        ``center=False`` with a signal shorter than ``n_fft``, or an output larger than memory.

    Warns
    -----
    DspWarning
        With ``center=True`` and a signal shorter than ``n_fft``.

    Notes
    -----
    Eq. S1 (``docs/conventions.md``); :func:`stft_reference` is the definition in code. The
    window is float64 and the DFT runs in double precision also for float32 input; the result
    is then rounded to complex64. The FFT is ``scipy.fft`` when SciPy is installed (as librosa's),
    else ``numpy.fft``. Frames are transformed in cache-sized blocks, on up to
    ``min(CPUs, 4)`` threads for long signals; only the frames that overhang an end of the
    signal are built from a padded copy of that end.

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
    geometry = FrameGeometry(n_fft=n_fft, hop_length=hop_length, center=center)
    check_layout(y, n_fft)
    out_dtype = complex_dtype(y, dtype)
    check_stft_memory(y, geometry, out_dtype.itemsize)
    precision = check_precision(precision)
    fft_window = stft_window(window, win_length, n_fft)
    pad_mode = check_framing(y, n_fft=n_fft, center=center, pad_mode=pad_mode)
    check_range(y, fft_window, out_dtype)
    return stft_blocked(
        y,
        geometry=geometry,
        window=fft_window,
        pad_mode=pad_mode,
        dtype=out_dtype,
        precision=precision,
    )


def resolve_stft_lengths(n_fft: Any, hop_length: Any, win_length: Any) -> tuple[int, int, int]:
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


def check_layout(y: np.ndarray, n_fft: int) -> None:
    """Refuse audio whose time axis is plainly not the last one (soundfile's ``(n, channels)``).

    A ``(441000, 2)`` array read as 441000 channels of 2 samples would need hundreds of GiB;
    it is refused when the last axis is shorter than a frame and the one before it is not.
    """
    if y.ndim >= 2 and y.shape[-1] < n_fft <= y.shape[-2]:
        raise ParameterError(
            f"y.shape={y.shape}: the last axis is time, and it holds {y.shape[-1]} samples "
            f"(fewer than n_fft={n_fft}) while the axis before it holds {y.shape[-2]}. "
            "Did you mean y.T? dsp expects (channels, n); soundfile.read gives (n, channels)"
        )


def check_range(y: np.ndarray, window: np.ndarray, dtype: np.dtype) -> None:
    """Refuse samples so large that the STFT could overflow ``dtype``: ``|D| <= sum|w| max|y|``.

    Audio is near 1 (or 32768, unscaled); this refuses only values near the float range, whose
    spectrum would silently be ``inf`` (librosa returns it).
    """
    peak = max(float(y.max()), -float(y.min()))
    limit = float(np.finfo(dtype).max) / max(float(np.abs(window).sum()), 1.0)
    if peak > limit:
        raise ParameterError(
            f"y reaches {peak:.3g}: its STFT could exceed the range of {dtype} (samples up to "
            f"{limit:.3g} are safe with this window); scale y toward [-1, 1]"
        )


def check_stft_memory(y: np.ndarray, geometry: FrameGeometry, itemsize: int) -> None:
    """Refuse, before allocating anything, an STFT whose window, output (``itemsize`` bytes a
    value) and one frame of engine buffers per channel exceed the machine's memory."""
    n_fft, channels = geometry.n_fft, float(np.prod(y.shape[:-1], dtype=np.float64))
    count = max(1, (y.shape[-1] + 2 * geometry.pad - n_fft) // geometry.hop_length + 1)
    nbytes = 16.0 * n_fft + channels * ((1 + n_fft // 2) * count * itemsize + 30.0 * n_fft)
    check_memory(f"n_fft={n_fft} with y.shape={y.shape}", nbytes)


def check_framing(y: np.ndarray, *, n_fft: int, center: Any, pad_mode: Any) -> Any:
    """Check that ``y`` (checked audio) can be framed; return the checked ``pad_mode``.

    Centred: ``pad_mode`` must be supported, and a signal shorter than ``n_fft`` warns.
    Not centred: a signal shorter than ``n_fft`` is an error (:meth:`FrameGeometry.n_frames`).
    """
    n = y.shape[-1]
    if not check_bool("center", center):
        FrameGeometry(n_fft=n_fft, hop_length=1, center=False).n_frames(n)
        return pad_mode
    pad_mode = check_pad_mode(pad_mode)
    if n < n_fft:
        warn(
            f"n_fft={n_fft} is larger than the signal (length {n}); frames are mostly padding",
            stacklevel=4,
        )
    return pad_mode


def stft_window(window: WindowSpec, win_length: int, n_fft: int) -> np.ndarray:
    """The periodic float64 window of ``win_length`` samples, zero-padded to ``n_fft``, centred."""
    fft_window = get_window(window, win_length, fftbins=True)
    return fft_window if win_length == n_fft else pad_center(fft_window, size=n_fft)


def complex_dtype(y: np.ndarray, dtype: Any) -> np.dtype:
    """The STFT's output type: ``dtype`` if complex, else librosa's default for ``y``."""
    if dtype is None:
        return np.result_type(y.dtype, np.complex64)
    try:
        dtype = np.dtype(dtype)
    except (TypeError, ValueError, SyntaxError):  # np.dtype("01") parses "01" as Python
        raise ParameterError(f"dtype={dtype!r} is not a NumPy dtype") from None
    if dtype.kind != "c":
        raise ParameterError(f"dtype={dtype} must be a complex type (complex64 or complex128)")
    return dtype


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
    check_memory(f"n_fft={n_fft}", 8.0 * 2 * (1 + n_fft // 2))  # the grid and its temporary
    return np.fft.rfftfreq(n_fft, d=1.0 / sr)
