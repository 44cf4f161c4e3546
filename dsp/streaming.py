"""Streaming transforms: frames as audio arrives, identical to the offline transform.

``stream = transform.stream()`` returns an object whose ``push(chunk)`` returns the frames that
chunk completes, ``(..., n_bins or n_mels, k)`` with ``k >= 0``, and whose ``flush()`` returns
the rest once the signal has ended (the frames that need right padding: with ``center=True``
the padding of ``"reflect"`` and the other modes is known only then). The concatenation along
the last axis equals ``transform(y)`` bit for bit, whatever the chunking (see the page
``docs/streaming.md`` for where the mel projection's identity holds).

Latency (eq. F2 of ``docs/conventions.md``): frame ``t`` covers samples
``[t*hop - pad, t*hop - pad + n_fft)``, so it is returned by the push that brings the signal to
``t*hop + lookahead`` samples, ``lookahead = n_fft - pad`` (:attr:`FrameGeometry.lookahead`;
``n_fft // 2`` rounded up when centred). ``"reflect"`` padding also needs ``pad + 1`` samples
before the first frame. The mel stream adds its projection chunks (:class:`MelStream`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._engine.blocked import dense_project, min_chunk_frames
from ._engine.config import current
from ._engine.schedule import grid
from ._stream_frames import SampleBuffer, check_chunk
from ._stream_plan import PushPlan
from ._validation import check_bool, warn
from .errors import ParameterError
from .framing import FrameGeometry
from .spectrum import check_layout, check_range

if TYPE_CHECKING:
    from .transforms import MelSpectrogram, Spectrogram

__all__ = ["StftStream", "SpectrogramStream", "MelStream"]


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
        from .transforms import Spectrogram

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
    from .transforms import check_finite

    return check_finite(out, power)


class MelStream:
    """The mel spectrogram of a signal arriving in chunks (:meth:`MelSpectrogram.stream`).

    Parameters
    ----------
    transform : dsp.MelSpectrogram
        The offline transform; its precision and constants are used.
    exact : bool
        True (default): project the mel filterbank over the same chunks of frames as the
        offline engine's bounded mode, so the output equals ``transform(y)`` bit for bit (see
        Notes). False: project each push's frames at once (no added latency; within a few
        float32 ulps of the offline result, the BLAS rounding of another product shape).

    Attributes
    ----------
    chunk_frames : int or None
        Frames per projection call (``None``: one call at :meth:`flush`, for ``n_mels = 1``).
    latency : int
        Samples past a frame's centre that may arrive before it is returned, at most:
        ``lookahead`` when ``exact=False``, ``lookahead + (2 * chunk_frames - 1) * hop``
        when exact (a chunk is projected once the next one is complete: the engine joins a
        short last chunk to the one before).

    Notes
    -----
    ``M[..., m, t] = sum_f B[m, f] S[..., f, t]`` (eq. P2) with ``S`` from
    :class:`SpectrogramStream`. A BLAS product's rounding of a column can depend on the
    product's shape, so the exact stream makes the engine's calls: chunks
    ``[j c, (j + 1) c)`` of frames (``c`` from :func:`dsp._engine.blocked.min_chunk_frames`, 1024
    at ``n_fft = 2048``; ``fast_chunk_frames`` in ``"float32"`` precision), the last one
    joined to the remainder. That is ``precision="float64-bounded"``'s computation on every
    BLAS; it equals the default ``"float64"`` (one call over all frames) where the BLAS kernel
    rounds each column alike in both (``docs/streaming.md`` lists where).

    librosa equivalent: none; the output is ``librosa.feature.melspectrogram(y=y, ...)``.

    Examples
    --------
    >>> import numpy as np
    >>> from dsp import MelSpectrogram
    >>> transform = MelSpectrogram(sr=16000, n_fft=512, hop_length=160, n_mels=40)
    >>> y = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
    >>> stream = transform.stream()
    >>> parts = [stream.push(c) for c in np.array_split(y, 10)] + [stream.flush()]
    >>> bool(np.array_equal(np.concatenate(parts, axis=-1), transform(y)))
    True
    """

    def __init__(self, transform: MelSpectrogram, *, exact: bool = True) -> None:
        from .transforms import MelSpectrogram

        if not isinstance(transform, MelSpectrogram):
            raise ParameterError(
                f"transform={transform!r} must be a dsp.MelSpectrogram (use its .stream())"
            )
        self.transform = transform
        self.exact = check_bool("exact", exact)
        self.power = SpectrogramStream(transform.spectrogram)
        self.n_bins, self.n_mels = transform.mel_basis.shape[1], transform.mel_basis.shape[0]
        self.geometry = transform.geometry
        self.fast = transform.precision == "float32"
        config = current()
        if self.fast:
            self.chunk_frames: int | None = config.fast_chunk_frames  # channels: first push
            self._project: Any = transform.mel_scale.banded
            self.power.single_power = True
        else:
            self.chunk_frames = min_chunk_frames(self.n_bins, self.n_mels, config) or None
        hop, look, c = self.geometry.hop_length, self.geometry.lookahead, self.chunk_frames
        #: None: frames are returned only by flush() (exact, n_mels = 1).
        self.latency: int | None = look
        if self.exact:
            self.latency = None if c is None else look + (2 * c - 1) * hop
        self.reset()

    def reset(self) -> None:
        """Forget the signal: the next push starts a new one."""
        self.power.reset()
        self._pending: np.ndarray | None = None
        self._held, self._first = 0, 0  # frames pending; index of the first pending frame
        self.closed = False

    @property
    def frames_out(self) -> int:
        """Frames returned so far."""
        return self._first

    def push(self, chunk: np.ndarray) -> np.ndarray:
        """Append ``chunk`` ``(..., k)``; return the mel frames now final ``(..., n_mels, m)``.

        Errors as :meth:`StftStream.push` (the stream is unchanged after one).
        """
        S = self.power._into(self._reserve, self.power.push, chunk)
        return self._take(S, final=False)

    def flush(self) -> np.ndarray:
        """End the signal; return every remaining mel frame."""
        S = self.power._into(self._reserve, self.power.flush)
        self.closed = True
        return self._take(S, final=True)

    def _chunk(self, lead: tuple[int, ...]) -> int | None:
        if self.fast and self.chunk_frames is not None:  # as dsp._engine.blocked._mel_fast
            channels = int(np.prod(lead, dtype=np.int64))
            limit = current().block_limit_bytes // (8 * self.n_bins * channels)
            return max(1, min(self.chunk_frames, limit))
        return self.chunk_frames

    def _reserve(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """Room for the next ``shape[-1]`` power frames after the pending ones: one
        Fortran-ordered buffer, as the engine's power buffer (grown only when a push brings
        more than it holds). The power stream writes its frames there (:meth:`StftStream._into`);
        they count as pending once the push has succeeded (:meth:`_take`)."""
        k, held, buf = shape[-1], self._held, self._pending
        fits = buf is not None and buf.shape[:-1] == shape[:-1] and buf.dtype == dtype
        if buf is None or not fits or buf.shape[-1] < held + k:
            cap = max(held + k, 2 * (self._chunk(shape[:-2]) or 0) + k)
            new = np.empty(shape[:-1] + (cap,), dtype=dtype, order="F")
            if buf is not None and held:
                new[..., :held] = buf[..., :held]
            self._pending = buf = new
        return buf[..., held : held + k]

    def _take(self, S: np.ndarray, *, final: bool) -> np.ndarray:
        self._held += S.shape[-1]  # S was written in place (_reserve)
        c = self._chunk(S.shape[:-2])
        if not self.exact or final:
            n = self._held  # final: the last chunk, the remainder joined to it
        elif c is None:
            n = 0
        else:
            n = max(0, (self._held - c) // c * c)  # whole chunks with a full chunk after them
        if n == 0:
            return np.empty(S.shape[:-2] + (self.n_mels, 0), dtype=self._dtype(S))
        assert self._pending is not None
        held = self._pending
        pieces = [(0, n)]  # not exact: one call
        if self.exact and c is not None:  # the engine's grid (self._first is a multiple of c)
            pieces = grid(n, c) if final else [(i, i + c) for i in range(0, n, c)]
        out = [self._project_chunk(held[..., a:b]) for a, b in pieces]
        rest = self._held - n
        if rest:  # move the rest to the front (np handles the overlap)
            held[..., :rest] = held[..., n : self._held]
        self._held = rest
        self._first += n
        return out[0] if len(out) == 1 else np.concatenate(out, axis=-1)

    def _dtype(self, S: np.ndarray) -> np.dtype:
        """The offline output type: the input's real type combined with the filterbank's."""
        real = (
            S.dtype if self.power._dtype is None else np.result_type(self.power._dtype, np.float32)
        )
        return np.result_type(real, self.transform.mel_basis.dtype)

    def _project_chunk(self, S: np.ndarray) -> np.ndarray:
        """One projection call on ``S`` ``(..., n_bins, k)``, laid out as the engine's."""
        basis = self.transform.mel_basis
        power = self.transform.spectrogram.power
        if self.fast:  # frames as rows, float32, as the engine's power buffer
            rows = np.ascontiguousarray(np.swapaxes(S, -1, -2))
            out = np.zeros(S.shape[:-2] + (self.n_mels, S.shape[-1]), self._dtype(S))
            with np.errstate(over="ignore", invalid="ignore"):
                self._project(rows, out)
        else:
            with np.errstate(over="ignore", invalid="ignore"):
                out = dense_project(basis, np.asfortranarray(S))
        return _finite(out, power)
