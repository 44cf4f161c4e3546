"""The inverse STFT: weighted overlap-add, and the window-sum-square envelope it divides by.

Each column of an STFT is the spectrum of one windowed frame. Its inverse DFT gives the
windowed frame back; multiplying by the window once more and adding the frames at their
positions (overlap-add) gives the signal times the *window-sum-square* envelope
``sum_t w[n - t H]^2``, which is then divided out. That works wherever the envelope is
non-zero: the "nonzero overlap-add" (NOLA) condition on window and hop (``docs/inversion.md``).
Phase recovery from a magnitude alone (Griffin-Lim) is in :mod:`dsp.phase`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ._fftlib import fft_module
from ._memory import check_memory
from ._validation import check_array, check_bool, check_optional_positive_int
from .errors import ParameterError
from .framing import FrameGeometry
from .spectrum import resolve_stft_lengths, stft_window
from .windows import WindowSpec

__all__ = ["istft", "window_sumsquare", "IstftPlan", "NOLA_TOLERANCE"]

#: NOLA holds when every sample of the steady state is covered by at least this fraction of the
#: envelope's peak; below it the division would amplify rounding errors by more than 1e10.
NOLA_TOLERANCE = 1e-10

#: Frames inverted per block (bounded by about 8 MiB of float64 frames).
_BLOCK_BYTES = 1 << 23


def _overlap_add(out: np.ndarray, frames: np.ndarray, hop: int, first: int) -> None:
    """Add ``frames[..., t, :]`` into ``out`` at sample ``(first + t) * hop``, in place.

    ``out`` has shape ``(..., n_blocks, hop)`` (the signal cut in hop-long blocks). A frame of
    ``n_fft <= k * hop`` samples spans ``k`` blocks; its ``m``-th hop-long piece lands in block
    ``first + t + m``. Looping over ``m`` from the last piece to the first adds, at every
    sample, the frames in increasing ``t``: the order (and the rounding) of a frame-by-frame
    loop, with ``k`` vectorised steps instead of one per frame.
    """
    count, n_fft = frames.shape[-2], frames.shape[-1]
    n_blocks = out.shape[-2]
    for m in range(-(-n_fft // hop) - 1, -1, -1):
        piece = frames[..., m * hop : min((m + 1) * hop, n_fft)]  # the last may be short
        start = first + m
        stop = min(start + count, n_blocks)
        if stop > start:
            out[..., start:stop, : piece.shape[-1]] += piece[..., : stop - start, :]


def window_sumsquare(
    *,
    window: WindowSpec,
    n_frames: int,
    hop_length: int = 512,
    win_length: int | None = None,
    n_fft: int = 2048,
    dtype: Any = np.float32,
) -> np.ndarray:
    """The envelope ``sum_t w[n - t * hop_length]^2`` of ``n_frames`` squared windows.

    Parameters
    ----------
    window : str, tuple, callable or np.ndarray
        See :func:`dsp.get_window` (periodic).
    n_frames : int > 0
        Number of frames.
    hop_length : int > 0
        Samples between frames.
    win_length : int <= n_fft or None
        Window length (default ``n_fft``), zero-padded to ``n_fft``, centred.
    n_fft : int > 0
        Frame length.
    dtype : float dtype
        Accumulation and output type.

    Returns
    -------
    np.ndarray [shape=(n_fft + hop_length * (n_frames - 1),)]

    Notes
    -----
    ``e[n] = sum_{t=0}^{T-1} w[n - tH]^2`` (eq. I2, ``docs/conventions.md``), summed frame by
    frame in ``dtype``.

    librosa equivalent: ``librosa.filters.window_sumsquare(window=..., n_frames=...,
    hop_length=..., win_length=..., n_fft=..., dtype=...)`` (identical).

    Examples
    --------
    >>> e = window_sumsquare(window="hann", n_frames=8, hop_length=4, n_fft=16)
    >>> e[12:20]  # steady state of a Hann window at 75% overlap: 1.5
    array([1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5], dtype=float32)
    """
    n_fft, hop_length, win_length = resolve_stft_lengths(n_fft, hop_length, win_length)
    n_frames = check_optional_positive_int("n_frames", n_frames) or 0
    squared = stft_window(window, win_length, n_fft) ** 2
    out_dtype = _parse_dtype(dtype)
    if out_dtype.kind != "f":
        raise ParameterError(f"dtype={dtype!r} must be a real floating-point type")
    length = n_fft + float(hop_length) * max(n_frames - 1, 0)  # float: 2**64 hops do not wrap
    check_memory(f"hop_length={hop_length} with n_frames={n_frames}", 2.0 * 8 * length)
    return _envelope(squared, n_frames, hop_length, out_dtype)


def _envelope(squared: np.ndarray, n_frames: int, hop: int, dtype: np.dtype) -> np.ndarray:
    n_fft = squared.size
    length = n_fft + hop * (n_frames - 1)
    blocks = np.zeros((-(-length // hop), hop), dtype=dtype)
    frames = np.broadcast_to(squared, (n_frames, n_fft))
    _overlap_add(blocks, frames, hop, 0)
    return blocks.reshape(-1)[:length]


def _check_nola(squared: np.ndarray, hop: int, window: Any) -> None:
    """Refuse a window and hop whose steady-state envelope has (near) zeros (NOLA fails)."""
    if hop > squared.size:  # gaps between the frames: nothing covers them (and 2**62 of
        raise ParameterError(  # padding would not fit in memory)
            f"hop_length={hop} > n_fft={squared.size} leaves samples no frame covers: the "
            "NOLA condition fails, those samples cannot be recovered"
        )
    pieces = -(-squared.size // hop)
    padded = np.zeros(pieces * hop)
    padded[: squared.size] = squared
    steady = padded.reshape(pieces, hop).sum(axis=0)  # the envelope over one hop, periodic
    if steady.min() <= NOLA_TOLERANCE * steady.max():
        n = int(np.argmin(steady))
        raise ParameterError(
            f"window={window!r} with hop_length={hop} and n_fft={squared.size} does not satisfy "
            f"the NOLA condition: the overlapped squared windows sum to {steady[n]:.3g} at "
            f"offset {n} of each hop, so those samples cannot be recovered; use a smaller "
            "hop_length or a window without zeros there"
        )


def _check_stft_matrix(stft_matrix: Any) -> np.ndarray:
    D = check_array("stft_matrix", stft_matrix)
    if D.dtype.kind not in "cf" or D.ndim < 2 or D.size == 0:
        raise ParameterError(
            f"stft_matrix (shape={D.shape}, dtype={D.dtype}) must be a non-empty complex "
            "array of shape (..., 1 + n_fft // 2, n_frames)"
        )
    if not np.isfinite(D).all():
        raise ParameterError("stft_matrix is not finite everywhere")
    return D


def _parse_dtype(dtype: Any) -> np.dtype:
    """``np.dtype(dtype)``, or a ParameterError (``np.dtype("01")`` parses "01" as Python;
    ``np.dtype("a")``, a deprecated bytes alias, warns)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            return np.dtype(dtype)
    except (TypeError, ValueError, SyntaxError, DeprecationWarning):
        raise ParameterError(f"dtype={dtype!r} is not a NumPy dtype") from None


def _real_dtype(D: np.ndarray, dtype: Any) -> np.dtype:
    if dtype is None:
        return np.dtype(np.float32 if D.dtype in (np.complex64, np.float32) else np.float64)
    out = _parse_dtype(dtype)
    if out.kind != "f":
        raise ParameterError(f"dtype={dtype!r} must be a real floating-point type")
    return out


def istft(
    stft_matrix: np.ndarray,
    *,
    hop_length: int | None = None,
    win_length: int | None = None,
    n_fft: int | None = None,
    window: WindowSpec = "hann",
    center: bool = True,
    dtype: Any = None,
    length: int | None = None,
) -> np.ndarray:
    """Inverse short-time Fourier transform: the signal whose :func:`dsp.stft` is given.

    Parameters
    ----------
    stft_matrix : np.ndarray [shape=(..., 1 + n_fft // 2, n_frames), complex]
        An STFT; leading axes are channels or batch.
    hop_length, win_length, window, center
        As given to :func:`dsp.stft` (defaults alike: ``win_length = n_fft``, ``hop_length =
        win_length // 4``).
    n_fft : int > 0 or None
        Frame length; default ``2 * (stft_matrix.shape[-2] - 1)`` (even).
    dtype : real float dtype or None
        Output type; default float32 for complex64 input, float64 for complex128.
    length : int > 0 or None
        Output length: the signal is cut or zero-padded to it (only the frames it needs are
        inverted). Default: ``n_fft + hop_length * (n_frames - 1)``, less ``2 * (n_fft // 2)``
        when centred.

    Returns
    -------
    y : np.ndarray [shape=(..., length)]

    Raises
    ------
    ParameterError
        For a non-complex or empty ``stft_matrix``, lengths that contradict its shape, bad
        lengths, and a window and hop that fail NOLA (see Notes).

    Notes
    -----
    With ``x_t = irfft(D[:, t], n_fft)`` and ``w`` the window zero-padded to ``n_fft``
    (eq. I1-I3, ``docs/conventions.md``)::

        y[n] = sum_t w[n - tH] x_t[n - tH] / sum_t w[n - tH]^2

    in padded coordinates, then ``n_fft // 2`` samples are dropped at each end when centred.
    Where the envelope is (below ``tiny``) zero, the sum is left undivided (only at the ends of
    uncentred signals: NOLA is checked for the steady state, ``min_n sum_k w[n + kH]^2 >
    1e-10 max``). For real input of :func:`dsp.stft` it is the exact inverse (to rounding).

    librosa equivalent: ``librosa.istft(stft_matrix, hop_length=..., win_length=...,
    n_fft=..., window=..., center=..., dtype=..., length=...)`` (identical in value; librosa
    does not check NOLA).

    Examples
    --------
    >>> import dsp
    >>> y = np.random.default_rng(0).standard_normal(4000)
    >>> D = dsp.stft(y, n_fft=512, hop_length=128)
    >>> bool(np.allclose(istft(D, hop_length=128, length=len(y)), y))
    True
    """
    D = _check_stft_matrix(stft_matrix)
    plan = IstftPlan(
        D.shape,
        D.dtype,
        hop_length=hop_length,
        win_length=win_length,
        n_fft=n_fft,
        window=window,
        center=center,
        dtype=dtype,
        length=length,
    )
    return plan(D)


class IstftPlan:
    """What :func:`istft` decides before it reads the data, for one shape: reusable.

    Checks the arguments, makes the window, its NOLA check and the window-sum-square envelope
    once; calling the plan on an STFT of that shape does only the transforms, the overlap-add
    and the division (:func:`dsp.griffinlim` calls it once per iteration). Raises as
    :func:`istft` does.
    """

    def __init__(
        self,
        shape: tuple[int, ...],
        complex_dtype: Any,
        *,
        hop_length: int | None,
        win_length: int | None,
        n_fft: int | None,
        window: WindowSpec,
        center: bool,
        dtype: Any,
        length: int | None,
    ) -> None:
        if n_fft is None:
            n_fft = 2 * (shape[-2] - 1)
            if n_fft == 0:
                raise ParameterError("stft_matrix has 1 frequency row: pass n_fft (1 or 2)")
        n_fft, hop, win_length = resolve_stft_lengths(n_fft, hop_length, win_length)
        if shape[-2] != 1 + n_fft // 2:
            raise ParameterError(
                f"stft_matrix.shape={shape} does not match n_fft={n_fft}: it needs "
                f"{1 + n_fft // 2} frequency rows (stft_matrix.shape[-2])"
            )
        length = check_optional_positive_int("length", length)
        geometry = FrameGeometry(n_fft=n_fft, hop_length=hop, center=check_bool("center", center))
        out_dtype = _real_dtype(np.empty(0, complex_dtype), dtype)
        fft_window = stft_window(window, win_length, n_fft)
        _check_nola(fft_window**2, hop, window)
        n_frames = shape[-1]
        if length is not None:  # only the frames that reach into the output
            n_frames = min(n_frames, -(-(length + 2 * geometry.pad) // hop))
        full = n_fft + hop * (n_frames - 1)
        out_length = length if length is not None else full - 2 * geometry.pad
        if out_length < 1:
            raise ParameterError(
                f"stft_matrix has {n_frames} frame(s): too few for n_fft={n_fft} with centring"
            )
        lead = tuple(shape[:-2])
        check_memory(
            f"length={out_length}", 2.0 * np.prod(lead) * (max(full, out_length) + n_fft) * 8
        )
        envelope = _envelope(fft_window**2, n_frames, hop, out_dtype)[geometry.pad :]
        envelope = envelope[:out_length]
        self.tail = out_length - envelope.size  # samples past the last frame: zeros
        if self.tail > 0:
            envelope = np.concatenate([envelope, np.zeros(self.tail, out_dtype)])
        self.nonzero = envelope > np.finfo(out_dtype).tiny
        self.divide_all = bool(self.nonzero.all())  # the usual case: a plain division
        self.envelope = envelope if self.divide_all else envelope[self.nonzero]
        self.geometry, self.window, self.hop, self.n_fft = geometry, fft_window, hop, n_fft
        self.n_frames, self.out_length, self.lead = n_frames, out_length, lead
        self.blocks_shape = lead + (-(-full // hop), hop)
        self.out_dtype = out_dtype
        self.irfft = fft_module().irfft
        self.per_block = max(1, _BLOCK_BYTES // (8 * n_fft * max(1, int(np.prod(lead)))))
        self._windowed: np.ndarray | None = None

    def __call__(self, D: np.ndarray) -> np.ndarray:
        """The signal ``(..., out_length)`` of ``D`` (shape and dtype as planned, unchecked)."""
        blocks = np.zeros(self.blocks_shape, dtype=self.out_dtype)
        if self._windowed is None:  # float64 windowed frames, kept for the next call
            count = min(self.per_block, self.n_frames)
            self._windowed = np.empty(self.lead + (count, self.n_fft), dtype=np.float64)
        for start in range(0, self.n_frames, self.per_block):
            stop = min(start + self.per_block, self.n_frames)
            frames = self.irfft(np.swapaxes(D[..., start:stop], -1, -2), n=self.n_fft, axis=-1)
            windowed = self._windowed[..., : stop - start, :]
            np.multiply(self.window, frames, out=windowed)  # float64, as librosa's product
            _overlap_add(blocks, windowed, self.hop, start)
        pad, n = self.geometry.pad, self.out_length
        y = blocks.reshape(self.lead + (-1,))[..., pad : pad + n]
        if self.tail > 0:
            y = np.concatenate([y, np.zeros(self.lead + (n - y.shape[-1],), self.out_dtype)], -1)
        y = np.ascontiguousarray(y)
        if self.divide_all:
            y /= self.envelope
        else:
            y[..., self.nonzero] /= self.envelope
        return y
