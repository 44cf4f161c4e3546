"""librosa's ``"polyphase"`` and ``"fft"`` resamplers (scipy's ``resample_poly`` and
``resample``), rewritten from their definitions in NumPy (used by :mod:`dsp.resampling`).

``polyphase``: upsample by ``up`` (insert ``up - 1`` zeros), filter with the FIR
``h = up * firwin(2 * 10 * max(up, down) + 1, 1 / max(up, down), window=("kaiser", 5.0))``,
keep every ``down``-th sample, aligned so that output ``n`` is centred on input time
``n * down / up``::

    y[n] = sum_k x[k] h[n * down - k * up + half_len],   half_len = 10 * max(up, down)

Writing ``n = q * up + r`` and ``k = q * down + j`` makes the tap index ``r * down - j * up +
half_len`` independent of ``q``: the whole filtering is one matrix product of a strided view
of ``x`` (rows ``q``, columns ``j``) with a ``(J, up)`` matrix of taps.

``fft``: the DFT of the whole signal, cut (or zero-padded) to the output's bins, back-transformed
at the new length, scaled by ``num / n``; an unpaired Nyquist bin is doubled when cutting and
halved when padding, as scipy does.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

__all__ = ["firwin_kaiser", "resample_poly", "resample_fft"]


def firwin_kaiser(numtaps: int, cutoff: float, beta: float) -> np.ndarray:
    """scipy's ``firwin(numtaps, cutoff, window=("kaiser", beta))``: windowed sinc, unit DC gain.

    ``cutoff`` is relative to the Nyquist frequency; ``h[i] = c sinc(c (i - (numtaps - 1) / 2))
    w[i]`` with ``w`` the symmetric Kaiser window, then divided by ``sum(h)``.
    """
    m = np.arange(numtaps) - (numtaps - 1) / 2.0
    h = cutoff * np.sinc(cutoff * m) * np.kaiser(numtaps, beta)
    return h / h.sum()


@lru_cache(maxsize=16)
def _tap_matrix(up: int, down: int) -> tuple[np.ndarray, int]:
    half_len = 10 * max(up, down)
    h = firwin_kaiser(2 * half_len + 1, 1.0 / max(up, down), 5.0) * up
    j_min = -(half_len // up)
    j_max = ((up - 1) * down + half_len) // up
    j = np.arange(j_min, j_max + 1)[:, None]
    index = np.arange(up)[None, :] * down - j * up + half_len
    valid = (index >= 0) & (index < h.size)
    taps = np.where(valid, h[np.clip(index, 0, h.size - 1)], 0.0)
    return taps, j_min


def resample_poly(x: np.ndarray, up: int, down: int) -> np.ndarray:
    """scipy's ``resample_poly(x, up, down, axis=-1)`` for 2-D ``x`` (rows are signals), float64."""
    g = math.gcd(up, down)
    up, down = up // g, down // g
    n = x.shape[-1]
    n_out = -(-n * up // down)
    taps, j_min = _tap_matrix(up, down)
    n_rows = -(-n_out // up)
    before = -j_min
    after = max(0, (n_rows - 1) * down + taps.shape[0] - before - n)
    padded = np.zeros((x.shape[0], before + n + after))
    padded[:, before : before + n] = x
    windows = np.lib.stride_tricks.sliding_window_view(padded, taps.shape[0], axis=-1)
    y = windows[:, : (n_rows - 1) * down + 1 : down] @ taps
    return y.reshape(x.shape[0], -1)[:, :n_out]


def resample_fft(x: np.ndarray, num: int) -> np.ndarray:
    """scipy's ``resample(x, num, axis=-1)`` (no window) for 2-D real ``x``, in float64."""
    n = x.shape[-1]
    m = min(num, n)
    spectrum = np.fft.rfft(x.astype(np.float64), axis=-1)[..., : m // 2 + 1]
    if m % 2 == 0 and num != n:  # the unpaired bin at m / 2
        spectrum[..., m // 2] *= 2.0 if num < n else 0.5
    return np.fft.irfft(spectrum * (num / n), n=num, axis=-1)
