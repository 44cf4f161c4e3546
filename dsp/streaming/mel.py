"""The streaming mel spectrogram: the spectrogram stream's frames, projected as offline.

The push / flush protocol is :mod:`dsp.streaming`'s; the projection chunks that keep it
identical to the offline engine are described on :class:`MelStream`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._engine.blocked import dense_project, min_chunk_frames
from .._engine.config import current
from .._engine.schedule import grid
from .._validation import check_bool
from ..errors import ParameterError
from .spectral import SpectrogramStream, _finite

if TYPE_CHECKING:
    from ..transforms import MelSpectrogram

__all__ = ["MelStream"]


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
        from ..transforms import MelSpectrogram

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
