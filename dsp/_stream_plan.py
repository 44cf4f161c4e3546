"""A stream's computation, decided once: frame -> window -> FFT -> ``|.| ** power`` (private).

The offline engine (:mod:`dsp._engine.blocked`) decides at every call what to compute with:
the window as the FFT wants it, the FFT function, the block size and each block's buffers.
A stream pushes the same kind of piece again and again (one channel shape, one dtype, one
precision), so :class:`PushPlan` decides once, at the first push, and a push only frames its
piece of signal, windows, transforms and reduces it, a block of frames at a time:

* ``"float64"`` precisions: ``x = frame * window`` in float64, ``X = rfft(x)`` (complex128,
  librosa's FFT library), cast to the STFT dtype, then ``|X| ** power`` in its real dtype;
* ``"float32"``: ``x = frame * (N window)`` in float32, NumPy's single-precision
  ``rfft(x, norm="forward")`` (``docs/streaming.md``), then ``|X| ** power``.

These are the engine's operations on the engine's buffer layouts, and each frame is computed
alone (element-wise steps round each value alone; the FFT transforms each row alone), so the
bits depend neither on where a push or a block starts nor on the thread that computes it.

Threads: a push runs the offline engine's threads by the offline rule
(:func:`dsp._engine.schedule.n_threads_for` on the push's windowed samples: a second thread
from ``thread_min_samples``, 4M). A 1-s push (88k windowed samples at ``n_fft = 2048``) is a
millisecond of work and runs in the pushing thread: sharing it with a kept worker thread was
no faster on the 2-core test machine with a core free, and slower with the cores busy
(``benchmarks/results/streaming.md``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._engine.blocked import block_frames_for
from ._engine.config import EngineConfig
from ._engine.frames import fft_window, rfft_for
from ._engine.schedule import grid, n_threads_for, run_threads
from ._memory import check_memory

__all__ = ["PushPlan", "frames_view"]

Block = tuple[int, int]
Buffers = tuple[np.ndarray, np.ndarray, np.ndarray]


def frames_view(piece: np.ndarray, n_fft: int, hop: int, count: int) -> np.ndarray:
    """Frames ``t = 0 .. count - 1`` of ``piece`` (last axis), ``piece[..., t*hop : t*hop +
    n_fft]``, as a read-only view ``(..., count, n_fft)``."""
    step = piece.strides[-1]
    # one frame (or none): the hop never moves, and 10**30 samples of it overflow a stride
    hop_stride = hop * step if count > 1 else step
    return np.lib.stride_tricks.as_strided(
        piece,
        shape=piece.shape[:-1] + (count, n_fft),
        strides=piece.strides[:-1] + (hop_stride, step),
        writeable=False,
    )


class PushPlan:
    """What each push of one stream computes with, decided once.

    Parameters
    ----------
    lead : tuple of int
        The channel shape (``chunk.shape[:-1]``).
    n_fft, hop_length : int
        The frame geometry (frames are taken uncentred from the pieces).
    window : np.ndarray [shape=(n_fft,)]
        The float64 window.
    precision : str
        The engine precision (``"float64"``, ``"float64-bounded"`` or ``"float32"``).
    out_dtype : np.dtype
        Complex: the STFT is cast to it. Real: ``|X|`` is taken in it, from ``X`` cast to the
        complex type of the same precision (the engine's STFT dtype; ``"float32"`` precision:
        float32 from complex64, or float64 from complex128).
    config : EngineConfig
        The engine settings in force at the first push (block size, FFT library, threads).
    """

    def __init__(
        self,
        lead: tuple[int, ...],
        *,
        n_fft: int,
        hop_length: int,
        window: np.ndarray,
        precision: str,
        out_dtype: np.dtype,
        config: EngineConfig,
    ) -> None:
        self.lead, self.n_fft, self.hop = lead, n_fft, hop_length
        self.n_bins = 1 + n_fft // 2
        self.channels = int(np.prod(lead, dtype=np.int64))
        self.exact = precision != "float32"
        self.out_dtype = out_dtype
        self.config = config
        # float32: NumPy's FFT whatever the size (work 0 is below scipy_min_samples).
        self.window = fft_window(window, precision, 0, config)
        self.fft = rfft_for(precision, 0, config)
        self.narrow_dtype = np.result_type(out_dtype, np.complex64)
        self.block = block_frames_for(n_fft, self.channels, precision, 1 << 30, config)
        self._buffers: Buffers | None = None

    def _new_buffers(self) -> Buffers:
        """One thread's block buffers: frames, spectrum, narrow (Fortran, as the engine's);
        room for two blocks, as :func:`~dsp._engine.schedule.grid` joins a short remainder
        to the last block (a 43-frame push is one block, not 34 + 9)."""
        real = np.float64 if self.exact else np.float32
        cplx = np.complex128 if self.exact else np.complex64
        size = 2 * self.block
        frames = np.empty(self.lead + (size, self.n_fft), dtype=real)
        spectrum = np.empty(self.lead + (size, self.n_bins), dtype=cplx)
        narrow = np.empty(self.lead + (self.n_bins, size), dtype=self.narrow_dtype, order="F")
        return frames, spectrum, narrow

    def compute(
        self, piece: np.ndarray, count: int, power: float | None, out: np.ndarray | None = None
    ) -> np.ndarray:
        """Frames ``[0, count)`` of ``piece`` (uncentred, hop ``hop_length``): the STFT
        ``(..., n_bins, count)`` if ``power`` is None, else ``|STFT| ** power``, written in
        ``out`` if given (``out_dtype``, Fortran-contiguous), else in a new Fortran array."""
        if out is None:  # refused as offline if it cannot fit (the stream stays unchanged)
            nbytes = float(self.channels) * self.n_bins * count * self.out_dtype.itemsize
            check_memory(f"a push of {count} frames with n_fft={self.n_fft}", nbytes)
            out = np.empty(self.lead + (self.n_bins, count), dtype=self.out_dtype, order="F")
        frames = frames_view(piece, self.n_fft, self.hop, count)

        def task(blocks: Sequence[Block], buffers: Buffers) -> None:
            """Frames ``blocks`` into ``out``: the engine's steps (``_power_filler``)."""
            buf_frames, buf_spectrum, narrow = buffers
            for lo, hi in blocks:
                x = buf_frames[..., : hi - lo, :]
                np.multiply(frames[..., lo:hi, :], self.window, out=x, casting="same_kind")
                spec = self.fft(x, buf_spectrum[..., : hi - lo, :])
                if power is None:
                    out[..., lo:hi] = np.swapaxes(spec, -1, -2)
                    continue
                narrow[..., : hi - lo] = np.swapaxes(spec, -1, -2)
                part = out[..., lo:hi]
                np.abs(narrow[..., : hi - lo], out=part)
                with np.errstate(over="ignore"):  # overflow is reported by the caller
                    part **= power  # the engine's (and librosa's) ``abs(D) ** power``

        blocks = grid(count, self.block)
        threads = n_threads_for(count * self.n_fft * self.channels, self.config)
        if threads == 1 or len(blocks) == 1:
            if self._buffers is None:
                self._buffers = self._new_buffers()
            task(blocks, self._buffers)
        else:  # a long push: the offline engine's threads, each with its own buffers
            run_threads(lambda run: task(run, self._new_buffers()), blocks, threads)
        return out
