"""The blocked engine: frame -> window -> FFT -> ``|.|**power`` -> mel, a block of frames at once.

Each block of frames is cut from the signal, windowed, transformed and reduced straight into
preallocated buffers, so neither the padded signal nor the complex STFT of the whole signal ever
exists in memory (:mod:`dsp._engine.frames` pads only the frames that overhang an end).
Blocks, chunks, batches and threads are described in :mod:`dsp._engine.schedule`; their sizes
in :class:`dsp._engine.config.EngineConfig`.

Three precisions (:data:`PRECISIONS`):

* ``"float64"`` (default): float64 window, double-precision DFT with librosa's FFT library,
  the result cast to the STFT dtype and ``abs(D) ** power`` taken in it, written into a
  Fortran-ordered power spectrogram laid out as librosa's; then librosa's own contraction
  (:func:`dense_project`), one BLAS call over the whole spectrogram. Bit-identical to librosa
  0.11 for every BLAS kernel and thread count: it is the same call on the same operands.
  Memory: the float32 power spectrogram (about half of librosa's complex STFT) and the output.
* ``"float64-bounded"``: the same DFT and power, projected a chunk at a time in bounded memory
  (:class:`EngineConfig` ``work_bytes``). Identical where the BLAS kernel sums each output
  column the same way in a chunk as in the whole product (OpenBLAS 0.3.31 SkylakeX,
  Sandybridge; MKL); elsewhere (OpenBLAS Haswell, 2-4 threads on OpenBLAS <= 0.3.30) a few
  float32 ulps apart: within ``2e-6 * M.max()``.
* ``"float32"``: single-precision DFT and power, and the banded product of
  :mod:`dsp._engine.banded`; within ``1e-5`` of the maximum of librosa's result (``power >= 1``).

Where blocks start and which thread runs them changes no output bit: element-wise steps round
each value alone and the FFT transforms each frame alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._memory import check_memory
from ..errors import ParameterError
from ..framing import FrameGeometry
from .banded import banded_project
from .config import EngineConfig, current
from .frames import FrameSource, fft_window, rfft_for, writes_out
from .schedule import batches, grid, grid_exact, n_threads_for, run_threads

__all__ = [
    "PRECISIONS",
    "check_precision",
    "block_frames_for",
    "min_chunk_frames",
    "dense_project",
    "stft_blocked",
    "power_blocked",
    "mel_blocked",
]

#: ``"float64"``: librosa's computation; ``"float64-bounded"``: the same in bounded memory;
#: ``"float32"``: single-precision fast mode.
PRECISIONS = ("float64", "float64-bounded", "float32")


def check_precision(precision: Any) -> str:
    """Return ``precision`` if it is one of :data:`PRECISIONS`, else raise ``ParameterError``."""
    if not isinstance(precision, str) or precision not in PRECISIONS:
        raise ParameterError(f"precision={precision!r} must be one of {PRECISIONS}")
    return precision


def _frame_bytes(n_fft: int, channels: int, precision: str) -> int:
    """Buffer bytes per frame of a block: float64 precisions, ``n_fft`` float64 samples, the
    complex128 spectrum (twice: the FFT's own result), its complex64 and float32 copies, about
    ``30 * n_fft``; float32: samples, complex64 spectrum and power, ``10 * n_fft``."""
    return (10 if precision == "float32" else 30) * n_fft * channels


def block_frames_for(
    n_fft: int, channels: int, precision: str, count: int, config: EngineConfig
) -> int:
    """Frames per FFT block: the block's buffers fit ``config.cache_bytes``.

    At least ``config.min_block_transforms`` transforms per call (frames x channels), but never
    more buffer than ``config.block_limit_bytes`` (a huge ``n_fft`` or thousands of channels:
    down to one frame), nor more frames than ``count``.
    """
    per_frame = _frame_bytes(n_fft, channels, precision)
    block = max(config.cache_bytes // per_frame, -(-config.min_block_transforms // channels))
    return max(1, min(block, config.block_limit_bytes // per_frame, count))


def min_chunk_frames(n_bins: int, n_mels: int, config: EngineConfig) -> int:
    """Frames per bounded-mode projection chunk; 0 means one chunk for all (``n_mels = 1``:
    a matrix-vector product, whose sums depend on its length)."""
    if n_mels < 2:
        return 0
    frames = max(config.chunk_min_frames, -(-config.chunk_bytes // (4 * n_bins)))
    return -(-frames // config.chunk_align) * config.chunk_align


def dense_project(mel_basis: np.ndarray, S: np.ndarray) -> np.ndarray:
    """``M[..., m, t] = sum_f B[m, f] S[..., f, t]`` (eq. P2): librosa's own contraction.

    NumPy hands the einsum to BLAS; with ``S`` in the STFT's (Fortran) memory layout it is the
    same BLAS call librosa makes, so the float sums are rounded identically (another layout of
    the product moves the last bit).
    """
    return np.einsum("...ft,mf->...mt", S, mel_basis, optimize=True)


class _Plan:
    """What every engine call decides first: frames, sizes, threads, window and FFT."""

    def __init__(
        self,
        y: np.ndarray,
        geometry: FrameGeometry,
        window: np.ndarray,
        pad_mode: str,
        precision: str,
        block_frames: int | None,
        n_threads: int | None,
    ) -> None:
        self.config = config = current()
        self.source = FrameSource(y, geometry, pad_mode)
        self.lead, self.n_fft = y.shape[:-1], geometry.n_fft
        self.n_bins, self.count = 1 + geometry.n_fft // 2, self.source.count
        self.channels = int(np.prod(self.lead, dtype=np.int64))
        work = self.count * self.n_fft * self.channels
        self.block = max(
            1,
            min(
                self.count,
                block_frames
                or block_frames_for(self.n_fft, self.channels, precision, self.count, config),
            ),
        )
        block_bytes = self.block * _frame_bytes(self.n_fft, self.channels, precision)
        threads = n_threads or n_threads_for(work, config)
        # Every thread holds a block's buffers: no more threads than the budget allows.
        self.threads = max(1, min(threads, config.block_limit_bytes // max(1, block_bytes)))
        self.buffer_bytes = self.threads * block_bytes + 8 * self.n_fft
        self.window = fft_window(window, precision, work, config)
        self.fft = rfft_for(precision, work, config)
        self.fft_writes_out = writes_out(self.fft)

    def spectrum_buffer(self, dtype: Any) -> np.ndarray | None:
        """A block's spectrum buffer, if the FFT writes into one (scipy.fft allocates its own)."""
        if not self.fft_writes_out:
            return None
        return np.empty(self.lead + (self.block, self.n_bins), dtype=dtype)

    def check(self, what: str, out_bytes: float) -> None:
        check_memory(what, out_bytes + self.buffer_bytes)


def stft_blocked(
    y: np.ndarray,
    *,
    geometry: FrameGeometry,
    window: np.ndarray,
    pad_mode: str,
    dtype: np.dtype,
    precision: str = "float64",
    block_frames: int | None = None,
    n_threads: int | None = None,
) -> np.ndarray:
    """The STFT ``(..., 1 + n_fft // 2, n_frames)`` in Fortran order, computed block by block."""
    plan = _Plan(y, geometry, window, pad_mode, precision, block_frames, n_threads)
    lead, n_fft, n_bins, block = plan.lead, plan.n_fft, plan.n_bins, plan.block
    plan.check(
        f"stft with n_fft={n_fft} of y.shape={y.shape}",
        float(plan.channels) * n_bins * plan.count * dtype.itemsize,
    )
    out = np.empty(lead + (n_bins, plan.count), dtype=dtype, order="F")
    exact = precision != "float32"

    def task(run: Sequence[tuple[int, int]]) -> None:
        frames = np.empty(lead + (block, n_fft), dtype=np.float64 if exact else np.float32)
        spectrum = plan.spectrum_buffer(np.complex128 if exact else np.complex64)
        for start, stop in run:
            m = stop - start
            plan.source.fill(start, stop, plan.window, frames[..., :m, :])
            spec = plan.fft(frames[..., :m, :], None if spectrum is None else spectrum[..., :m, :])
            out[..., start:stop] = np.swapaxes(spec, -1, -2)

    run_threads(task, grid_exact(0, plan.count, block), plan.threads)
    return out


def _power_filler(
    plan: _Plan, power: float, power_buf: np.ndarray, first: int
) -> Callable[[Sequence[tuple[int, int]]], None]:
    """A task filling ``power_buf[..., t - first] = |stft(y)[..., t]| ** power`` over a run of
    blocks, exactly as librosa: float64 DFT, cast to the STFT dtype, ``abs`` then ``**``."""
    lead, block, n_bins = plan.lead, plan.block, plan.n_bins
    cplx = np.result_type(power_buf.dtype, np.complex64)  # librosa's stft dtype

    def fill(run: Sequence[tuple[int, int]]) -> None:
        frames = np.empty(lead + (block, plan.n_fft), dtype=np.float64)
        spectrum = plan.spectrum_buffer(np.complex128)
        narrow = np.empty(lead + (n_bins, block), dtype=cplx, order="F")
        for lo, hi in run:
            m = hi - lo
            plan.source.fill(lo, hi, plan.window, frames[..., :m, :])
            spec = plan.fft(frames[..., :m, :], None if spectrum is None else spectrum[..., :m, :])
            narrow[..., :m] = np.swapaxes(spec, -1, -2)
            part = power_buf[..., lo - first : hi - first]
            np.abs(narrow[..., :m], out=part)
            with np.errstate(over="ignore"):  # overflow is reported by the caller
                part **= power  # the same operator as librosa's ``abs(D) ** power``

    return fill


def power_blocked(
    y: np.ndarray,
    *,
    geometry: FrameGeometry,
    window: np.ndarray,
    pad_mode: str,
    power: float,
    block_frames: int | None = None,
    n_threads: int | None = None,
) -> np.ndarray:
    """``|stft(y)| ** power`` ``(..., 1 + n_fft // 2, n_frames)``, Fortran order as librosa's,
    in the STFT's real dtype; the complex STFT is never held whole."""
    plan = _Plan(y, geometry, window, pad_mode, "float64", block_frames, n_threads)
    real = np.result_type(y.dtype, np.float32)
    plan.check(
        f"spectrogram with n_fft={plan.n_fft} of y.shape={y.shape}",
        float(plan.channels) * plan.n_bins * plan.count * real.itemsize,
    )
    out = np.empty(plan.lead + (plan.n_bins, plan.count), dtype=real, order="F")
    run_threads(
        _power_filler(plan, power, out, 0), grid_exact(0, plan.count, plan.block), plan.threads
    )
    return out


def mel_blocked(
    y: np.ndarray,
    *,
    geometry: FrameGeometry,
    window: np.ndarray,
    pad_mode: str,
    power: float,
    mel_basis: np.ndarray,
    precision: str = "float64",
    banded: Callable[[np.ndarray, np.ndarray], None] | None = None,
    block_frames: int | None = None,
    chunk_frames: int | None = None,
    n_threads: int | None = None,
) -> np.ndarray:
    """``mel_basis @ |stft(y)| ** power`` ``(..., n_mels, n_frames)``.

    ``banded`` is ``banded_project(mel_basis)`` if already built. ``block_frames``,
    ``chunk_frames`` (bounded mode: a multiple of ``chunk_align``, at least
    :func:`min_chunk_frames`) and ``n_threads`` override the automatic choices (for tests).
    """
    if precision == "float64":  # librosa's computation: the power spectrogram, one BLAS call
        S = power_blocked(
            y,
            geometry=geometry,
            window=window,
            pad_mode=pad_mode,
            power=power,
            block_frames=block_frames,
            n_threads=n_threads,
        )
        return dense_project(mel_basis, S)
    plan = _Plan(y, geometry, window, pad_mode, precision, block_frames, n_threads)
    lead, n_bins, count, block = plan.lead, plan.n_bins, plan.count, plan.block
    real = np.result_type(y.dtype, np.float32)
    out_dtype = np.result_type(real, mel_basis.dtype)
    out_bytes = float(plan.channels) * mel_basis.shape[0] * count * out_dtype.itemsize
    plan.check(f"melspectrogram with n_fft={plan.n_fft} of y.shape={y.shape}", out_bytes)
    if precision == "float32":
        return _mel_fast(plan, power, mel_basis, banded, chunk_frames, out_dtype)
    out = np.empty(lead + (mel_basis.shape[0], count), dtype=out_dtype)
    config = plan.config
    chunk = chunk_frames or min_chunk_frames(n_bins, mel_basis.shape[0], config) or count
    budget = config.batch_bytes
    if budget is None:
        budget = max(config.work_bytes, 2 * out.nbytes) - out.nbytes - config.work_overhead
    groups = batches(grid(count, chunk), budget // (n_bins * real.itemsize * plan.channels))
    size = max(group[-1][1] - group[0][0] for group in groups)
    # Fortran order, as librosa's stft matrix and its power: each frame's bins contiguous.
    power_buf = np.empty(lead + (n_bins, size), dtype=real, order="F")
    for group in groups:
        first = group[0][0]
        run_threads(
            _power_filler(plan, power, power_buf, first),
            grid_exact(first, group[-1][1], block),
            plan.threads,
        )
        for start, stop in group:  # the BLAS calls, after the FFT threads have finished
            with np.errstate(over="ignore", invalid="ignore"):  # inf power: the caller reports
                out[..., start:stop] = dense_project(
                    mel_basis, power_buf[..., start - first : stop - first]
                )
    return out


def _mel_fast(
    plan: _Plan,
    power: float,
    mel_basis: np.ndarray,
    banded: Callable[[np.ndarray, np.ndarray], None] | None,
    chunk_frames: int | None,
    out_dtype: np.dtype,
) -> np.ndarray:
    """The float32 mode: single-precision FFT and power, banded projection per chunk."""
    lead, n_bins, n_fft = plan.lead, plan.n_bins, plan.n_fft
    out = np.zeros(lead + (mel_basis.shape[0], plan.count), dtype=out_dtype)  # banded_project
    project = banded or banded_project(mel_basis)
    # A chunk's power (two chunks' worth at most) stays within the block budget.
    per_frame = 8 * n_bins * plan.channels
    chunk = chunk_frames or max(
        1, min(plan.config.fast_chunk_frames, plan.config.block_limit_bytes // per_frame)
    )
    step = min(plan.block, chunk)

    def fast_task(run: Sequence[tuple[int, int]]) -> None:
        frames = np.empty(lead + (step, n_fft), dtype=np.float32)
        spectrum = plan.spectrum_buffer(np.complex64)
        power_buf = np.empty(lead + (2 * chunk, n_bins), dtype=np.float32)
        for start, stop in run:
            for lo, hi in grid_exact(start, stop, step):
                plan.source.fill(lo, hi, plan.window, frames[..., : hi - lo, :])
                spec = plan.fft(
                    frames[..., : hi - lo, :],
                    None if spectrum is None else spectrum[..., : hi - lo, :],
                )
                part = power_buf[..., lo - start : hi - start, :]
                np.abs(spec, out=part, casting="same_kind")
                with np.errstate(over="ignore"):  # overflow is reported by the caller
                    part **= power
            with np.errstate(over="ignore", invalid="ignore"):  # inf power: the caller
                project(power_buf[..., : stop - start, :], out[..., start:stop])

    run_threads(fast_task, grid(plan.count, chunk), plan.threads)
    return out
