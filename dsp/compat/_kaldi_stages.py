"""Kaldi's own stages, where they differ from librosa's: frames, windows, mel scale, mel banks.

Used by :mod:`dsp.compat.kaldi` (``kaldi_fbank``, ``kaldi_mfcc``) and
:mod:`dsp.compat.convention_diff`.
Kaldi's definitions (``feature-window.cc``, ``mel-computations.cc``), written from the formulas:

- **frames** (``snip_edges=True``): ``1 + (n - L) // H`` frames starting at ``t H``, none if
  ``n < L``; ``snip_edges=False``: ``(n + H // 2) // H`` frames starting at
  ``t H + H // 2 - L // 2``, samples outside ``[0, n)`` mirrored (``-1 -> 0``, ``n -> n - 1``:
  NumPy's ``"symmetric"`` padding);
- **windows** are *symmetric* (denominator ``L - 1``), ``a = 2 pi / (L - 1)``: hanning
  ``0.5 - 0.5 cos(a i)``; hamming ``0.54 - 0.46 cos(a i)``; povey ``(0.5 - 0.5 cos(a i))^0.85``;
  sine ``sin(a i / 2)``; blackman ``c - 0.5 cos(a i) + (0.5 - c) cos(2 a i)`` (``c = 0.42``);
  rectangular ``1``;
- **mel scale** ``mel(f) = 1127 ln(1 + f / 700)`` (the natural-log form of HTK's);
- **mel banks**: ``num_bins`` triangles with edges equally spaced in *mel* between ``low_freq``
  and ``high_freq``, each *linear in mel* (not in Hz), peak 1, no area normalisation, over
  the FFT bins ``0 .. N/2 - 1`` (the Nyquist bin gets no weight).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._memory import check_memory
from .._validation import check_real_number
from ..errors import ParameterError
from ..windows import get_window

__all__ = [
    "WINDOW_TYPES",
    "kaldi_frame_geometry",
    "kaldi_frames",
    "kaldi_window",
    "kaldi_hz_to_mel",
    "kaldi_mel_banks",
    "kaldi_lifter",
]

#: Kaldi's ``--window-type`` values.
WINDOW_TYPES = ("povey", "hamming", "hanning", "rectangular", "blackman", "sine")
#: The floor Kaldi puts under energies before a log: ``std::numeric_limits<float>::epsilon()``.
FLOAT_EPS = float(np.finfo(np.float32).eps)


def kaldi_frame_geometry(
    n: int, *, frame_length: int, frame_shift: int, snip_edges: bool
) -> tuple[int, int]:
    """``(n_frames, first_sample)``: Kaldi's frame count and the start of frame 0."""
    if snip_edges:
        count = 0 if n < frame_length else 1 + (n - frame_length) // frame_shift
        return count, 0
    return (n + frame_shift // 2) // frame_shift, frame_shift // 2 - frame_length // 2


def kaldi_frames(
    y: np.ndarray, *, frame_length: int, frame_shift: int, snip_edges: bool
) -> np.ndarray:
    """The frames of ``y`` ``(..., n)`` as a view ``(..., n_frames, frame_length)``."""
    n = y.shape[-1]
    count, first = kaldi_frame_geometry(
        n, frame_length=frame_length, frame_shift=frame_shift, snip_edges=snip_edges
    )
    if count == 0:
        return np.zeros(y.shape[:-1] + (0, frame_length), dtype=y.dtype)
    if not snip_edges:  # mirror the samples the first and last frames reach outside [0, n)
        left = max(0, -first)
        right = max(0, first + (count - 1) * frame_shift + frame_length - n)
        y = np.pad(y, [(0, 0)] * (y.ndim - 1) + [(left, right)], mode="symmetric")
        first += left
    windows = np.lib.stride_tricks.sliding_window_view(y, frame_length, axis=-1)
    return windows[..., first::frame_shift, :][..., :count, :]


def kaldi_window(window_type: str, frame_length: int, *, blackman_coeff: float = 0.42) -> Any:
    """Kaldi's window of ``frame_length`` samples (symmetric; formulas in the module doc)."""
    if not isinstance(window_type, str) or window_type not in WINDOW_TYPES:
        raise ParameterError(f"window_type={window_type!r} must be one of {WINDOW_TYPES}")
    blackman_coeff = check_real_number("blackman_coeff", blackman_coeff)
    if frame_length == 1:  # Kaldi divides by L - 1; a one-sample window is 1
        return np.ones(1)
    a = 2.0 * np.pi / (frame_length - 1)
    i = np.arange(frame_length)
    if window_type == "povey":
        return (0.5 - 0.5 * np.cos(a * i)) ** 0.85
    if window_type == "sine":
        return np.sin(0.5 * a * i)
    if window_type == "blackman":
        return blackman_coeff - 0.5 * np.cos(a * i) + (0.5 - blackman_coeff) * np.cos(2 * a * i)
    # hanning, hamming and rectangular are librosa's symmetric windows (get_window, eq. W1).
    name = {"hanning": "hann", "hamming": "hamming", "rectangular": "boxcar"}[window_type]
    return get_window(name, frame_length, fftbins=False)


def kaldi_hz_to_mel(f: Any) -> Any:
    """Kaldi's mel scale ``1127 ln(1 + f / 700)`` (equal to HTK's ``2595 log10(1 + f/700)``
    up to the rounding of the constant)."""
    return 1127.0 * np.log1p(np.asarray(f, dtype=np.float64) / 700.0)


def kaldi_mel_banks(
    *,
    num_bins: int,
    padded_length: int,
    sample_frequency: float,
    low_freq: float,
    high_freq: float,
    allow_empty: bool = False,
) -> np.ndarray:
    """Kaldi's mel filterbank ``(num_bins, padded_length // 2 + 1)``, float64.

    ``high_freq <= 0`` means ``nyquist + high_freq``. Band ``b`` has mel edges
    ``m_b, m_{b+1}, m_{b+2}`` with ``m_j = mel(low) + j (mel(high) - mel(low)) / (num_bins + 1)``;
    bin ``k`` (frequency ``k fs / N``, mel ``m``) gets ``(m - m_b) / (m_{b+1} - m_b)`` on the
    rising side, ``(m_{b+2} - m) / (m_{b+2} - m_{b+1})`` on the falling side, and 0 outside
    the open interval ``(m_b, m_{b+2})`` and for ``k = N/2``. A band covering no bin is an
    error, as in Kaldi, unless ``allow_empty``.
    """
    nyquist = 0.5 * sample_frequency
    high = high_freq if high_freq > 0 else nyquist + high_freq
    if not 0.0 <= low_freq < nyquist:
        raise ParameterError(
            f"low_freq={low_freq} must be in [0, sample_frequency / 2 = {nyquist})"
        )
    if not low_freq < high <= nyquist:
        raise ParameterError(
            f"high_freq={high_freq} (= {high} Hz) must lie in (low_freq={low_freq}, "
            f"{nyquist}]; 0 or a negative value counts from the Nyquist frequency"
        )
    # rising, falling, the weights and the mask: four (num_bins, padded_length / 2) arrays
    check_memory(
        f"num_bins={num_bins} with an FFT of {padded_length} points",
        4.0 * 8 * num_bins * (padded_length // 2 + 1),
    )
    mel_low, mel_high = kaldi_hz_to_mel(low_freq), kaldi_hz_to_mel(high)
    edges = mel_low + np.arange(num_bins + 2) * ((mel_high - mel_low) / (num_bins + 1))
    n_half = padded_length // 2
    mel = kaldi_hz_to_mel(np.arange(n_half) * (sample_frequency / padded_length))
    left, centre, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (mel - left) / (centre - left)
    falling = (right - mel) / (right - centre)
    weights = np.where(mel <= centre, rising, falling)
    outside = (mel <= left) | (mel >= right)
    weights[outside] = 0.0
    empty = np.flatnonzero(outside.all(axis=1))
    if empty.size and not allow_empty:  # Kaldi: "You may have set --num-mel-bins too large"
        raise ParameterError(
            f"num_mel_bins={num_bins} is too large for a {padded_length}-point FFT between "
            f"{low_freq} and {high} Hz: bin {int(empty[0])} covers no FFT bin"
        )
    return np.concatenate([weights, np.zeros((num_bins, 1))], axis=1)


def kaldi_lifter(num_ceps: int, cepstral_lifter: float) -> np.ndarray:
    """Kaldi's cepstral lifter ``1 + (Q / 2) sin(pi i / Q)``, ``i = 0 .. num_ceps - 1``
    (all ones for ``Q = 0``)."""
    if cepstral_lifter == 0:
        return np.ones(num_ceps)
    i = np.arange(num_ceps)
    return 1.0 + 0.5 * cepstral_lifter * np.sin(np.pi * i / cepstral_lifter)
