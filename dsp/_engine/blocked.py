"""The blocked engine: frame -> window -> FFT -> ``|.|**power`` -> mel, a block of frames at once.

Each block of frames is cut from the signal, windowed, transformed and reduced straight into
preallocated buffers, so neither the padded signal nor the complex STFT of the whole signal ever
exists in memory (:mod:`dsp._engine.frames` pads only the frames that overhang an end).
Blocks, chunks, batches and threads are described in :mod:`dsp._engine.schedule`.

Two precisions (:data:`PRECISIONS`):

* ``"float64"`` (default): float64 window, double-precision DFT, the result cast to the STFT
  dtype and ``abs(D) ** power`` taken in it, all as librosa does; the mel projection is the
  dense BLAS product librosa makes (:func:`dense_project`), one call per chunk. Output is
  bit-identical to librosa 0.11.
* ``"float32"``: single-precision DFT and power, and the banded product of
  :mod:`dsp._engine.banded`; within ``1e-5`` of the maximum of librosa's result (``power >= 1``).

Where blocks start and which thread runs them changes no output bit: element-wise steps round
each value alone and the FFT transforms each frame alone. Chunks are fixed by the frame count
alone; for the dense product they follow the rules of :data:`CHUNK_ALIGN`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from ..errors import ParameterError
from .banded import banded_project
from .frames import FrameSource, fft_window, rfft_for
from .schedule import batches, grid, grid_exact, n_threads_for, run_threads

__all__ = [
    "PRECISIONS",
    "check_precision",
    "block_frames_for",
    "min_chunk_frames",
    "dense_project",
    "stft_blocked",
    "mel_blocked",
]

#: ``"float64"``: bit-identical to librosa; ``"float32"``: single-precision fast mode.
PRECISIONS = ("float64", "float32")

#: Cache the working set of one FFT block (windowed frames, spectrum, power) should fit: the
#: 1 MiB L2 of a current x86 or ARM server core and its share of L3 it streams from. Blocks of
#: 32 to 128 frames at ``n_fft = 2048`` measured best; smaller ones lose to the fixed cost of
#: each FFT call (``benchmarks/RESULTS.md``, engine variants).
CACHE_BYTES = 2 << 20
MIN_BLOCK_FRAMES = 32
#: One dense projection call per chunk. A BLAS call's sum for an output column must not depend on
#: the call's size, and it does for small calls (OpenBLAS: small-matrix kernels below
#: ``M*N*K = 100**3``; for float64 other code below about 400 columns) and for matrix-vector
#: products (``n_mels = 1``: never chunked); see ``benchmarks/RESULTS.md``. So chunks hold at
#: least CHUNK_MIN_FRAMES frames and CHUNK_BYTES of float32 power, and start at multiples of
#: CHUNK_ALIGN frames (a multiple of every kernel's unroll), so that a kernel's edge tile,
#: computed by other code than its full tiles, covers the same columns in librosa's
#: whole-array product and in the last chunk (which takes the remainder).
CHUNK_BYTES = 4 << 20
CHUNK_MIN_FRAMES = 1024
CHUNK_ALIGN = 256
#: Working memory of a float64-mode call: the larger of WORK_BYTES and twice the output array
#: (so an hour's mel, 76 MiB, stays under 2x its output). Beyond the output and about
#: WORK_OVERHEAD of per-thread buffers, it holds the power spectrum of a batch of chunks. Few
#: batches matter: a multi-threaded BLAS call leaves its worker thread spinning for about
#: 0.1 s, which starves the FFT threads of the next batch (``benchmarks/RESULTS.md``). Tests
#: set BATCH_BYTES to force small batches.
WORK_BYTES = 128 << 20
WORK_OVERHEAD = 16 << 20
BATCH_BYTES: int | None = None
#: Frames per projection call in float32 mode: the banded products stay small enough to run on
#: the calling thread, and the chunk's power (512 KiB at ``n_fft = 2048``) stays in cache.
FAST_CHUNK_FRAMES = 128


def check_precision(precision: Any) -> str:
    """Return ``precision`` if it is one of :data:`PRECISIONS`, else raise ``ParameterError``."""
    if not isinstance(precision, str) or precision not in PRECISIONS:
        raise ParameterError(f"precision={precision!r} must be one of {PRECISIONS}")
    return precision


def block_frames_for(n_fft: int, channels: int = 1, precision: str = "float64") -> int:
    """Frames per FFT block: the block's windowed frames and spectra fit :data:`CACHE_BYTES`.

    Per frame and channel, float64 mode: ``n_fft`` float64 windowed samples, ``1 + n_fft // 2``
    complex128 spectrum values and their complex64 and float32 copies, about ``22 * n_fft``
    bytes; float32 mode: float32 samples, complex64 spectrum and float32 power, ``10 * n_fft``.
    At least :data:`MIN_BLOCK_FRAMES`, to amortise the fixed cost of each FFT call.
    """
    per_frame = (22 if precision == "float64" else 10) * n_fft * channels
    return max(MIN_BLOCK_FRAMES, CACHE_BYTES // per_frame)


def min_chunk_frames(n_bins: int, n_mels: int = 128) -> int:
    """Frames per dense projection chunk (:data:`CHUNK_BYTES`); 0 means one chunk for all."""
    if n_mels < 2:
        return 0
    frames = max(CHUNK_MIN_FRAMES, -(-CHUNK_BYTES // (4 * n_bins)))
    return -(-frames // CHUNK_ALIGN) * CHUNK_ALIGN


def dense_project(mel_basis: np.ndarray, S: np.ndarray) -> np.ndarray:
    """``M[..., m, t] = sum_f B[m, f] S[..., f, t]`` (eq. P2): librosa's own contraction.

    NumPy hands the einsum to BLAS; with ``S`` in the STFT's (Fortran) memory layout it is the
    same BLAS call librosa makes, so the float sums are rounded identically (another layout of
    the product moves the last bit).
    """
    return np.einsum("...ft,mf->...mt", S, mel_basis, optimize=True)


def _batch_bytes(out_bytes: int) -> int:
    """Bytes of power spectrum one batch may hold (see :data:`WORK_BYTES`)."""
    if BATCH_BYTES is not None:
        return BATCH_BYTES
    return max(WORK_BYTES, 2 * out_bytes) - out_bytes - WORK_OVERHEAD


def _channels(lead: tuple[int, ...]) -> int:
    return int(np.prod(lead, dtype=np.int64))


def stft_blocked(
    y: np.ndarray, *, n_fft: int, hop_length: int, window: np.ndarray, center: bool,
    pad_mode: str, dtype: np.dtype, precision: str = "float64",
    block_frames: int | None = None, n_threads: int | None = None,
) -> np.ndarray:
    """The STFT ``(..., 1 + n_fft // 2, n_frames)`` in Fortran order, computed block by block."""
    source = FrameSource(y, n_fft=n_fft, hop_length=hop_length, center=center, pad_mode=pad_mode)
    lead, n_bins = y.shape[:-1], 1 + n_fft // 2
    out = np.empty(lead + (n_bins, source.count), dtype=dtype, order="F")
    work = source.count * n_fft * _channels(lead)
    exact = precision == "float64"
    win, fft = fft_window(window, precision, work), rfft_for(precision, work)
    block = block_frames or block_frames_for(n_fft, _channels(lead), precision)

    def task(run: list[tuple[int, int]]) -> None:
        frames = np.empty(lead + (block, n_fft), dtype=np.float64 if exact else np.float32)
        spectrum = np.empty(lead + (block, n_bins), dtype=np.complex128 if exact else np.complex64)
        for start, stop in run:
            m = stop - start
            source.fill(start, stop, win, frames[..., :m, :])
            spec = fft(frames[..., :m, :], spectrum[..., :m, :])
            out[..., start:stop] = np.swapaxes(spec, -1, -2)

    run_threads(task, grid_exact(0, source.count, block), n_threads or n_threads_for(work))
    return out


def mel_blocked(
    y: np.ndarray, *, n_fft: int, hop_length: int, window: np.ndarray, center: bool,
    pad_mode: str, power: float, mel_basis: np.ndarray, precision: str = "float64",
    banded: Callable[[np.ndarray, np.ndarray], None] | None = None,
    block_frames: int | None = None, chunk_frames: int | None = None,
    n_threads: int | None = None,
) -> np.ndarray:
    """``mel_basis @ |stft(y)| ** power`` ``(..., n_mels, n_frames)``, block by block.

    ``banded`` is ``banded_project(mel_basis)`` if already built. ``block_frames``,
    ``chunk_frames`` (float64: a multiple of :data:`CHUNK_ALIGN`, at least
    :func:`min_chunk_frames`) and ``n_threads`` override the automatic choices (for tests).
    """
    source = FrameSource(y, n_fft=n_fft, hop_length=hop_length, center=center, pad_mode=pad_mode)
    lead, n_bins, count = y.shape[:-1], 1 + n_fft // 2, source.count
    real = np.result_type(y.dtype, np.float32)
    work = count * n_fft * _channels(lead)
    block = block_frames or block_frames_for(n_fft, _channels(lead), precision)
    threads = n_threads or n_threads_for(work)
    win, fft = fft_window(window, precision, work), rfft_for(precision, work)
    if precision == "float32":
        out = np.zeros(lead + (mel_basis.shape[0], count), dtype=real)  # see banded_project
        project = banded or banded_project(mel_basis)
        chunk = chunk_frames or FAST_CHUNK_FRAMES

        def fast_task(run: list[tuple[int, int]]) -> None:
            frames = np.empty(lead + (min(block, chunk), n_fft), dtype=np.float32)
            spectrum = np.empty(lead + (min(block, chunk), n_bins), dtype=np.complex64)
            power_buf = np.empty(lead + (2 * chunk, n_bins), dtype=np.float32)
            for start, stop in run:
                for lo, hi in grid_exact(start, stop, frames.shape[-2]):
                    source.fill(lo, hi, win, frames[..., :hi - lo, :])
                    spec = fft(frames[..., :hi - lo, :], spectrum[..., :hi - lo, :])
                    _fast_power(spec, power, power_buf[..., lo - start:hi - start, :])
                project(power_buf[..., :stop - start, :], out[..., start:stop])

        run_threads(fast_task, grid(count, chunk), threads)
        return out

    out = np.empty(lead + (mel_basis.shape[0], count), dtype=real)
    chunks = grid(count, chunk_frames or min_chunk_frames(n_bins, mel_basis.shape[0]) or count)
    groups = batches(chunks, _batch_bytes(out.nbytes) // (n_bins * real.itemsize * _channels(lead)))
    size = max(group[-1][1] - group[0][0] for group in groups)
    # Fortran order, as librosa's stft matrix and its power: each frame's bins contiguous.
    power_buf = np.empty(lead + (n_bins, size), dtype=real, order="F")
    cplx = np.result_type(real, np.complex64)  # librosa's stft dtype: complex64 for float32

    def fill_power(first: int, run: list[tuple[int, int]]) -> None:
        frames = np.empty(lead + (block, n_fft), dtype=np.float64)
        spectrum = np.empty(lead + (block, n_bins), dtype=np.complex128)
        narrow = np.empty(lead + (n_bins, block), dtype=cplx, order="F")
        for lo, hi in run:
            m = hi - lo
            source.fill(lo, hi, win, frames[..., :m, :])
            narrow[..., :m] = np.swapaxes(fft(frames[..., :m, :], spectrum[..., :m, :]), -1, -2)
            part = power_buf[..., lo - first:hi - first]
            np.abs(narrow[..., :m], out=part)
            part **= power  # the same operator as librosa's ``abs(D) ** power``

    for group in groups:
        first = group[0][0]
        run_threads(partial(fill_power, first), grid_exact(first, group[-1][1], block), threads)
        for start, stop in group:  # the BLAS calls, after the FFT threads have finished
            out[..., start:stop] = dense_project(
                mel_basis, power_buf[..., start - first:stop - first]
            )
    return out


def _fast_power(spec: np.ndarray, power: float, out: np.ndarray) -> None:
    """``out = |spec| ** power`` in float32 (``abs`` then a square: faster than re^2 + im^2)."""
    np.abs(spec, out=out, casting="same_kind")
    out **= power
