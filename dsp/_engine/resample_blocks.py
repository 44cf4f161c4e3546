"""dsp's own band-limited resampler: a fixed frequency response applied by FFT blocks.

The design (see ``docs/resampling.md`` for the derivation):

* the rates reduce to ``target/orig = l/m`` (``gcd`` taken out);
* the filter is defined by its frequency response, exactly 1 below the passband edge
  ``f_p = PASS * f_low``, exactly 0 from the stopband edge ``f_s = STOP * f_low`` on
  (``f_low`` = the lower Nyquist frequency), and between them one minus the normalised running
  integral of a Kaiser window of shape ``BETA``:
  ``H(f) = 1 - int_0^u w(s) ds / int_0^1 w(s) ds``, ``u = (|f| - f_p) / (f_s - f_p)``;
* its impulse response is ``2 f_c sinc(2 f_c t) * W(t)`` where ``W`` is the (inverse) Fourier
  transform of that Kaiser window: its main lobe ends at ``t_0 = sqrt(BETA**2 + pi**2) /
  (pi (f_s - f_p))``; beyond ``MARGIN * t_0`` the kernel is below the rejection target;
* a block of ``N = m k`` input samples is transformed (``rfft``), its bins below ``f_s`` are
  multiplied by ``H`` and placed in a spectrum of ``N' = l k`` output bins, and transformed back
  (``irfft``): that resamples the block. Overlap-save: each block overlaps its neighbours by
  ``margin`` input samples on each side and only the middle outputs are kept, so the result is
  the linear (not circular) filtering of the whole signal, up to the kernel's tail beyond
  ``margin`` (below -130 dB).

Blocks sit on a fixed grid of absolute positions (block ``b`` starts at input sample
``b * hop_in - margin``), so cutting the input into any pieces (:class:`BlockResampler`) gives
exactly the same blocks and hence bit-identical samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = ["Design", "design", "resample_blocks", "BATCH_SAMPLES"]

#: Passband edge, stopband edge (fractions of the lower Nyquist frequency), Kaiser shape.
PASS, STOP, BETA = 0.91, 1.0, 11.0
#: Kept kernel half-length, in main-lobe half-widths ``t_0`` of the transition window.
MARGIN = 2.5
#: Input block length, at least this many times the two margins it overlaps.
BLOCK_FACTOR = 24
#: Samples (input + output, all channels) transformed per FFT call: the temporaries of one call
#: stay in cache. Every block is still transformed on its own, so the batch does not change a bit.
BATCH_SAMPLES = 2**18
#: NumPy 2 lets the FFTs write into a given array (``out=``).
_FFT_OUT = int(np.__version__.split(".")[0]) >= 2


@dataclass(frozen=True)
class Design:
    """The block geometry and frequency response for one rate pair (sizes in samples)."""

    up: int  # l
    down: int  # m
    n_in: int  # N, input samples per block
    n_out: int  # N', output samples per block
    margin_in: int  # input samples overlapped on each side of a block
    hop_in: int  # input samples between block starts
    hop_out: int  # output samples each block contributes
    keep_from: int  # first kept output inside a block (= margin_in * up / down)
    response: np.ndarray  # H at the rfft bins 0 .. n_bins - 1 (float64)

    def response_as(self, dtype: np.dtype) -> np.ndarray:
        return self.response.astype(dtype)


def _transition(u: np.ndarray) -> np.ndarray:
    """``1 - F(u)``, ``F`` the normalised running integral of a Kaiser window on [0, 1]."""
    grid = np.linspace(0.0, 1.0, 8193)
    w = np.i0(BETA * np.sqrt(1.0 - (2.0 * grid - 1.0) ** 2)) / np.i0(BETA)
    cumulative = np.concatenate([[0.0], np.cumsum((w[1:] + w[:-1]) / 2.0)])
    cumulative /= cumulative[-1]
    return 1.0 - np.interp(np.clip(u, 0.0, 1.0), grid, cumulative)


def _fast_length(n: int) -> int:
    """The smallest integer >= n of the form 2**a, 3 * 2**a or 5 * 2**a (fast FFT factors)."""
    return min(base << max(0, (math.ceil(n / base) - 1).bit_length()) for base in (1, 3, 5))


def _geometry(orig_sr: int, target_sr: int) -> tuple[int, int, int, int, float, float]:
    """``(up, down, margin_in, k, f_pass, f_stop)``: the block sizes, without any array."""
    g = math.gcd(orig_sr, target_sr)
    up, down = target_sr // g, orig_sr // g
    f_low = min(orig_sr, target_sr) / 2.0
    f_pass, f_stop = PASS * f_low, STOP * f_low
    t0 = math.sqrt(BETA**2 + math.pi**2) / (math.pi * (f_stop - f_pass))  # seconds
    margin_in = down * math.ceil(MARGIN * t0 * orig_sr / down)
    k = _fast_length(math.ceil(BLOCK_FACTOR * 2 * margin_in / down))
    return up, down, margin_in, k, f_pass, f_stop


def block_bytes(orig_sr: int, target_sr: int, channels: int) -> float:
    """Bytes the buffers of one FFT block take (complex input and output spectra, real output,
    for float64; the response), computed from the sizes alone."""
    up, down, _, k, _, _ = _geometry(orig_sr, target_sr)
    return float(channels * (8 * up * k + 16 * (up * k // 2 + down * k // 2 + 2)) + 8 * down * k)


@lru_cache(maxsize=32)
def design(orig_sr: int, target_sr: int) -> Design:
    """Block geometry and response for integer rates ``orig_sr -> target_sr``."""
    up, down, margin_in, k, f_pass, f_stop = _geometry(orig_sr, target_sr)
    n_in, n_out = down * k, up * k
    hop_in = n_in - 2 * margin_in
    freqs = np.arange(min(n_in, n_out) // 2 + 1) * (orig_sr / n_in)
    response = _transition((freqs - f_pass) / (f_stop - f_pass))
    n_bins = int(np.count_nonzero(response))  # H is 0 from the first bin at or past f_stop
    return Design(
        up=up,
        down=down,
        n_in=n_in,
        n_out=n_out,
        margin_in=margin_in,
        hop_in=hop_in,
        hop_out=hop_in // down * up,
        keep_from=margin_in // down * up,
        response=response[:n_bins],
    )


def resample_blocks(
    d: Design, x: np.ndarray, n_blocks: int, out: np.ndarray | None = None
) -> np.ndarray:
    """Resample ``n_blocks`` consecutive blocks of ``x`` (shape ``(channels, samples)``).

    ``x[:, 0]`` is the first sample of the first block, and ``x`` holds at least
    ``(n_blocks - 1) * hop_in + n_in`` samples. Returns ``(channels, n_blocks * hop_out)``
    outputs in ``x``'s dtype (float32 is computed in single precision); with ``out`` (shape
    ``(channels, n_blocks, hop_out)``), writes them there instead and returns ``out``.
    """
    channels = x.shape[0]
    given = out is not None
    if out is None:
        out = np.empty((channels, n_blocks, d.hop_out), dtype=x.dtype)
    # rfft with norm="forward" divides by N; irfft (default norm) divides by N'; so H carries N'
    # and a tone keeps its amplitude. These two norms are NumPy's single-precision paths for
    # float32 (the others compute in float64 and cost 2-4x).
    h = (d.response * d.n_out).astype(x.dtype)
    n_bins = h.size
    view = np.lib.stride_tricks.sliding_window_view(x, d.n_in, axis=-1)[:, :: d.hop_in]
    complex_type = np.result_type(x.dtype, np.complex64)
    batch = max(1, BATCH_SAMPLES // (channels * (d.n_in + d.n_out)))
    # Buffers reused by every batch: a fresh multi-megabyte array per FFT call costs page
    # faults (the allocator returns large blocks to the system), which on a busy machine cost
    # as much as the transforms.
    bins = np.empty((channels, batch, d.n_in // 2 + 1), dtype=complex_type)
    spectrum = np.zeros((channels, batch, d.n_out // 2 + 1), dtype=complex_type)
    block = np.empty((channels, batch, d.n_out), dtype=x.dtype)
    for start in range(0, n_blocks, batch):
        k = min(batch, n_blocks - start)
        rows = view[:, start : start + k]
        if _FFT_OUT:
            np.fft.rfft(rows, axis=-1, norm="forward", out=bins[:, :k])
        else:  # NumPy 1.x: no out argument
            bins[:, :k] = np.fft.rfft(rows, axis=-1, norm="forward")
        np.multiply(bins[:, :k, :n_bins], h, out=spectrum[:, :k, :n_bins])
        if _FFT_OUT:
            np.fft.irfft(spectrum[:, :k], n=d.n_out, axis=-1, out=block[:, :k])
        else:
            block[:, :k] = np.fft.irfft(spectrum[:, :k], n=d.n_out, axis=-1)
        out[:, start : start + k] = block[:, :k, d.keep_from : d.keep_from + d.hop_out]
    return out if given else out.reshape(channels, -1)
