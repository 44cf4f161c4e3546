"""Engine settings in one object: block sizes, chunk rules, memory budget, thread thresholds.

The engine reads :func:`current` once per call (in the calling thread) and passes the values
down. Tests and benchmarks change settings for a block of code with :func:`engine_config`
instead of patching module globals::

    with engine_config(batch_bytes=1 << 18, chunk_min_frames=256):
        M = melspectrogram(y=y, precision="float64-bounded")

The setting is a :class:`contextvars.ContextVar`, so it is local to the thread (and asyncio
task) that sets it. Every default is a measurement (``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

__all__ = ["EngineConfig", "current", "engine_config"]


@dataclass(frozen=True)
class EngineConfig:
    """The engine's tunable sizes (all in frames, samples or bytes)."""

    #: Cache the working set of one FFT block (windowed frames, spectrum, power) should fit:
    #: the 1 MiB L2 of a current x86 or ARM core and its share of L3. Blocks of 32 to 128
    #: frames at ``n_fft = 2048`` measured best.
    cache_bytes: int = 2 << 20
    #: Transforms (frames x channels) per FFT call at least, to amortise each call's fixed
    #: cost; never more than :attr:`block_limit_bytes` of buffers, nor more frames than exist.
    min_block_transforms: int = 32
    #: Buffers of one FFT block at most (a huge ``n_fft`` or many channels: fewer frames).
    block_limit_bytes: int = 64 << 20
    #: Bounded-memory float64 mode (``precision="float64-bounded"``): one projection call per
    #: chunk of at least ``chunk_min_frames`` frames and ``chunk_bytes`` of float32 power,
    #: starting at multiples of ``chunk_align`` frames (a multiple of every BLAS kernel's unroll).
    chunk_bytes: int = 4 << 20
    chunk_min_frames: int = 1024
    chunk_align: int = 256
    #: Bounded mode's working memory: the larger of ``work_bytes`` and twice the output, less
    #: ``work_overhead`` for per-thread buffers; ``batch_bytes`` overrides the power held at once.
    work_bytes: int = 128 << 20
    work_overhead: int = 16 << 20
    batch_bytes: int | None = None
    #: Frames per banded projection call in float32 mode (the chunk's power stays in cache).
    fast_chunk_frames: int = 128
    #: Windowed samples (frames x n_fft x channels) from which a second thread pays.
    thread_min_samples: int = 1 << 22
    #: At most this many threads (measured on 2 cores; more would mostly wait on memory).
    max_threads: int = 4
    #: float32 mode: windowed samples from which ``scipy.fft`` (10-30% faster in single
    #: precision, 27 MiB to import) replaces NumPy's FFT.
    scipy_min_samples: int = 1 << 24
    #: The FFT library of the float64 (librosa) precisions (:mod:`dsp._fftlib`): ``"auto"``
    #: computes ``scipy.fft``'s bits when SciPy is installed (calling NumPy's FFT where the two
    #: are known to agree), else ``numpy.fft``'s; ``"scipy"`` / ``"numpy"`` force one.
    fft_library: str = "auto"


#: The default is shared, and safe to share: EngineConfig is frozen.
_CURRENT: ContextVar[EngineConfig] = ContextVar(
    "dsp_engine_config",
    default=EngineConfig(),  # noqa: B039
)


def current() -> EngineConfig:
    """The settings in force in this thread."""
    return _CURRENT.get()


@contextmanager
def engine_config(**changes: Any) -> Iterator[EngineConfig]:
    """Use ``EngineConfig`` with ``changes`` inside the ``with`` block (this thread only)."""
    token = _CURRENT.set(replace(current(), **changes))
    try:
        yield _CURRENT.get()
    finally:
        _CURRENT.reset(token)
