"""Streaming STFT and spectrogram: frames as audio arrives, identical to the offline transform.

The push / flush protocol, the latency and the identity are described in :mod:`dsp.streaming`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._engine.config import current
from .._stream_frames import SampleBuffer, check_chunk
from .._stream_plan import PushPlan
from .._validation import warn
from ..errors import ParameterError
from ..framing import FrameGeometry
from ..spectrum import check_layout, check_range

if TYPE_CHECKING:
    from ..transforms import Spectrogram

__all__ = ["StftStream", "SpectrogramStream"]


class StftStream:
    """The complex STFT of a signal arriving in chunks (:meth:`Spectrogram.stft_stream`).

    Parameters
    ----------
    spectrogram : dsp.Spectrogram
        Frame geometry, window, pad mode and precision.

    Attributes
    ----------
    latency : int
        ``geometry.lookahead``: samples past frame ``t``'s centre ``t * hop`` (with
        ``center=True``) that must arrive before the frame is returned.
    frames_out : int
        Frames returned so far.

    Notes
    -----
    ``push`` cuts the piece of signal that holds the completed frames (padding included) and
    computes them with the offline engine's operations, decided once at the first push
    (:class:`dsp._stream_plan.PushPlan`: window, FFT, block buffers; the engine's threads for
    a long push), so each frame is computed as offline; no per-frame Python loop. Memory:
    ``O(n_fft + len(chunk))`` samples.

    librosa equivalent: none (``librosa.stream`` frames without centring and does not match
    ``librosa.stft``); the concatenated output is ``librosa.stft(y, ...)``.

    Examples
    --------
    >>> import numpy as np
    >>> from dsp import Spectrogram, stft
    >>> y = np.random.default_rng(0).standard_normal(5000).astype(np.float32)
    >>> stream = Spectrogram(n_fft=512, hop_length=128).stft_stream()
    >>> parts = [stream.push(c) for c in np.array_split(y, 7)] + [stream.flush()]
    >>> bool(np.array_equal(np.concatenate(parts, axis=-1), stft(y, n_fft=512, hop_length=128)))
    True
    """

    def __init__(self, spectrogram: Spectrogram) -> None:
        from ..transforms import Spectrogram

        if not isinstance(spectrogram, Spectrogram):
            raise ParameterError(
                f"spectrogram={spectrogram!r} must be a dsp.Spectrogram (use its .stream())"
            )
        self.spectrogram = spectrogram
        self.geometry: FrameGeometry = spectrogram.geometry
        self.uncentred = FrameGeometry(
            n_fft=self.geometry.n_fft, hop_length=self.geometry.hop_length, center=False
        )
        self.n_bins = 1 + self.geometry.n_fft // 2
        self.latency = self.geometry.lookahead
        self.reset()

    def reset(self) -> None:
        """Forget the signal: the next push starts a new one (channel shape and dtype too)."""
        self._buffer = SampleBuffer(self.geometry, self.spectrogram.pad_mode)
        self._lead: tuple[int, ...] | None = None
        self._dtype: np.dtype | None = None
        self.frames_out, self.closed = 0, False
        self._plan: PushPlan | None = None

    # -- the public protocol ---------------------------------------------------------------
    def push(self, chunk: np.ndarray) -> np.ndarray:
        """Append ``chunk`` ``(..., k)`` and return the frames it completes ``(..., bins, m)``.

        Raises
        ------
        ParameterError
            After :meth:`flush` (call :meth:`reset`), for a chunk that is not floating point,
            has another channel shape or dtype than the first, or holds NaN or infinity. The
            stream is then unchanged and can take the next chunk.
        """
        if self.closed:
            raise ParameterError("push() after flush(): the signal has ended; call reset()")
        chunk = check_chunk(chunk, self._lead, self._dtype)
        if self._lead is None:
            if chunk.shape[-1] == 0:
                return self._empty(chunk.shape[:-1], chunk.dtype)
            self._lead, self._dtype = chunk.shape[:-1], chunk.dtype
        elif chunk.shape[-1] == 0:
            return self._empty(self._lead, chunk.dtype)
        self._check_values(chunk)
        buffer = self._buffer.appended(chunk)
        lo, hi = self.frames_out, buffer.ready()
        out = self._emit(buffer, lo, hi, final=False)
        self._commit(buffer, hi)
        return out

    def flush(self) -> np.ndarray:
        """End the signal and return its remaining frames (those needing right padding).

        Raises ``ParameterError`` if nothing was pushed (an empty signal), or, with
        ``center=False``, if fewer than ``n_fft`` samples were; the stream stays open then.
        """
        if self.closed:
            raise ParameterError("flush() called twice: the signal has ended; call reset()")
        buffer = self._buffer
        if buffer.n == 0:
            raise ParameterError("flush() with no samples pushed: an empty signal has no frames")
        count = self.geometry.n_frames(buffer.n)  # center=False and too short: ParameterError
        assert self._lead is not None
        check_layout(np.broadcast_to(np.float32(0), self._lead + (buffer.n,)), self.geometry.n_fft)
        if self.geometry.center and buffer.n < self.geometry.n_fft:
            warn(
                f"n_fft={self.geometry.n_fft} is larger than the signal (length {buffer.n}); "
                "frames are mostly padding"
            )
        out = self._emit(buffer, self.frames_out, count, final=True)
        self._commit(buffer, count)
        self.closed = True
        return out

    # -- what the subclasses change ----------------------------------------------------------
    def _out_dtype(self, dtype: np.dtype) -> np.dtype:
        return np.result_type(dtype, np.complex64)

    def _check_values(self, chunk: np.ndarray) -> None:
        """The offline STFT's range check (``dsp.stft``), applied chunk by chunk."""
        check_range(chunk, self.spectrogram.window, self._out_dtype(chunk.dtype))

    def _plan_for(self, piece: np.ndarray) -> PushPlan:
        """The plan of every push (built at the first; the channel shape and dtype are fixed)."""
        if self._plan is None:
            spec = self.spectrogram
            self._plan = PushPlan(
                piece.shape[:-1],
                n_fft=self.geometry.n_fft,
                hop_length=self.geometry.hop_length,
                window=spec.window,
                precision=spec.precision,
                out_dtype=self._plan_dtype(piece.dtype),
                config=current(),
            )
        return self._plan

    def _plan_dtype(self, dtype: np.dtype) -> np.dtype:
        return np.result_type(dtype, np.complex64)  # the engine's STFT dtype

    def _frames(self, piece: np.ndarray) -> np.ndarray:
        """The offline computation on ``piece``'s uncentred frames ``(..., bins, m)``: the
        engine's operations (:mod:`dsp._stream_plan`; ``"float32"`` precision with NumPy's
        single-precision FFT, ``docs/streaming.md``)."""
        count = self.uncentred.n_frames(piece.shape[-1])
        return self._plan_for(piece).compute(piece, count, None, self._sink(piece, count))

    #: ``sink(shape, dtype)``: where the current push writes its frames (None: a new array).
    #: Set only for the duration of one call (:meth:`_into`), so that no reference cycle
    #: keeps a stream's buffers alive after its last use.
    sink: Any = None

    def _into(self, sink: Any, call: Any, *args: Any) -> np.ndarray:
        """``call(*args)`` (:meth:`push` or :meth:`flush`) writing its frames where ``sink``
        says: the mel stream lends the end of its pending buffer (no copy of the power)."""
        self.sink = sink
        try:
            return call(*args)
        finally:
            self.sink = None

    def _sink(self, piece: np.ndarray, count: int) -> np.ndarray | None:
        if self.sink is None:
            return None
        plan = self._plan_for(piece)
        return self.sink(piece.shape[:-1] + (self.n_bins, count), plan.out_dtype)

    def _emit(self, buffer: SampleBuffer, lo: int, hi: int, *, final: bool) -> np.ndarray:
        if hi <= lo:
            assert self._lead is not None and self._dtype is not None
            return self._empty(self._lead, self._dtype)
        return self._frames(buffer.piece(lo, hi, final=final))

    def _commit(self, buffer: SampleBuffer, frames_out: int) -> None:
        buffer.trim(frames_out)
        self._buffer, self.frames_out = buffer, max(self.frames_out, frames_out)

    def _empty(self, lead: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        return np.empty(lead + (self.n_bins, 0), dtype=self._out_dtype(dtype), order="F")

    @property
    def samples_held(self) -> int:
        """Samples (per channel) the stream holds now: ``O(n_fft + chunk)``."""
        samples = self._buffer.samples
        return 0 if samples is None else int(samples.shape[-1])


class SpectrogramStream(StftStream):
    """``|stft| ** power`` of a signal arriving in chunks (:meth:`Spectrogram.stream`).

    As :class:`StftStream`; the concatenated output equals ``spectrogram(y)`` bit for bit
    (``|D| ** power`` is computed per value, in the STFT's real dtype, as offline).

    Examples
    --------
    >>> import numpy as np
    >>> from dsp import Spectrogram
    >>> transform = Spectrogram(n_fft=512, hop_length=128, power=2.0, pad_mode="reflect")
    >>> y = np.random.default_rng(1).standard_normal((2, 3000))
    >>> stream = transform.stream()
    >>> parts = [stream.push(y[:, i : i + 100]) for i in range(0, 3000, 100)] + [stream.flush()]
    >>> bool(np.array_equal(np.concatenate(parts, axis=-1), transform(y)))
    True
    """

    def _out_dtype(self, dtype: np.dtype) -> np.dtype:
        return np.result_type(dtype, np.float32)

    def _check_values(self, chunk: np.ndarray) -> None:
        if self.spectrogram.precision == "float32":  # offline goes through dsp.stft
            check_range(chunk, self.spectrogram.window, np.result_type(chunk, np.complex64))

    #: Set by :class:`MelStream` in ``"float32"`` precision: the engine's fast mel takes the
    #: power in float32 from a complex64 spectrum whatever the input dtype.
    single_power = False

    def _plan_dtype(self, dtype: np.dtype) -> np.dtype:
        """``|X|``'s dtype: the STFT's real dtype (float32 for :attr:`single_power`)."""
        if self.single_power:
            return np.dtype(np.float32)
        return np.result_type(dtype, np.float32)

    def _frames(self, piece: np.ndarray) -> np.ndarray:
        count, power = self.uncentred.n_frames(piece.shape[-1]), self.spectrogram.power
        out = self._plan_for(piece).compute(piece, count, power, self._sink(piece, count))
        return _finite(out, power)


def _finite(out: np.ndarray, power: float) -> np.ndarray:
    from ..transforms import check_finite

    return check_finite(out, power)
