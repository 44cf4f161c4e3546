"""The stages of a :class:`dsp.compat.presets.Convention`, each a function of the previous output.

Written so that any stage of one convention can be fed the output of another convention's
earlier stages (:func:`dsp.compare`). Everything is float64; frames are rows ``(T, L)``, mel
spectra ``(T, n_mels)``. Sizes are passed in explicitly (the caller decides whose sizes hold);
the other choices come from the convention.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..filterbank import mel_filterbank
from ..windows import get_window
from ._convention import Convention
from ._kaldi_stages import WINDOW_TYPES, kaldi_frames, kaldi_mel_banks, kaldi_window

__all__ = [
    "Sizes",
    "sizes_of",
    "frames",
    "window",
    "fft",
    "power",
    "filterbank",
    "log",
    "normalise",
    "run",
]

#: The shape-setting sizes of a pipeline: sample rate, frame length, hop, FFT size, bands.
Sizes = dict[str, Any]


def fft_size(c: Convention, frame_length: int) -> int:
    """The FFT size ``c`` uses for frames of ``frame_length``: Kaldi's next power of two
    (``round_to_power_of_two``), else the frame length itself."""
    if c.n_fft != c.frame_length:
        return 1 << (frame_length - 1).bit_length()
    return frame_length


def sizes_of(c: Convention, sr: float) -> Sizes:
    """``c``'s own sizes at sample rate ``sr`` (its sample counts scaled by ``sr / c.sr``)."""
    factor = sr / c.sr if c.sr else 1.0
    length = max(1, int(round(c.frame_length * factor)))
    return dict(
        sr=sr,
        frame_length=length,
        hop_length=max(1, int(round(c.hop_length * factor))),
        n_fft=fft_size(c, length),
        n_mels=c.n_mels,
    )


def frames(
    y: np.ndarray,
    c: Convention,
    s: Sizes,
    *,
    framing: str | None = None,
    pad_mode: str | None = None,
    drop_last: bool | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Cut ``y`` into frames ``(T, L)`` by ``c``'s rules (or the ``framing``, ``pad_mode``,
    ``drop_last`` given) with sizes ``s``, then dither, remove the DC offset and
    pre-emphasise as ``c`` does."""
    length, hop = s["frame_length"], s["hop_length"]
    framing = framing or c.framing
    drop_last = c.drop_last if drop_last is None else drop_last
    if framing == "centre":
        mode: Any = pad_mode or c.pad_mode or "constant"
        padded = np.pad(y, (length // 2, length // 2), mode=mode)
        x = np.lib.stride_tricks.sliding_window_view(padded, length)[::hop]
    else:
        x = kaldi_frames(y, frame_length=length, frame_shift=hop, snip_edges=True)
    x = np.array(x[:-1] if drop_last else x, dtype=np.float64)
    if c.dither:
        x += c.dither * np.random.default_rng(seed).standard_normal(x.shape)
    if c.remove_dc:
        x -= x.mean(axis=-1, keepdims=True)
    if c.preemphasis:
        x[:, 1:] -= c.preemphasis * x[:, :-1]
        x[:, 0] *= 1.0 - c.preemphasis
    return x


def window(c: Convention, length: int) -> np.ndarray:
    """``c``'s window of ``length`` samples (Kaldi's symmetric ones, or a dsp window)."""
    if c.window in WINDOW_TYPES:
        return np.asarray(kaldi_window(c.window, length))
    return get_window(c.window, length, fftbins=c.window_periodic)


def fft(windowed: np.ndarray, c: Convention, n_fft: int) -> np.ndarray:
    """The DFT of each windowed frame, zero-padded to ``n_fft`` where ``c`` places it:
    ``"start"`` (zeros after) or ``"centre"`` (as librosa's window padding)."""
    extra = n_fft - windowed.shape[-1]
    left = extra // 2 if c.fft_placement == "centre" else 0
    padded = np.pad(windowed, [(0, 0), (left, extra - left)])
    return np.fft.rfft(padded, axis=-1)


def power(spectrum: np.ndarray, c: Convention) -> np.ndarray:
    """``|X| ** c.power``."""
    return np.abs(spectrum) ** c.power


def filterbank(c: Convention, s: Sizes) -> np.ndarray:
    """``c``'s filterbank design ``(n_mels, n_fft // 2 + 1)`` for the sizes ``s``."""
    nyquist = s["sr"] / 2
    fmax = nyquist if c.fmax is None else min(c.fmax, nyquist)
    if c.triangles == "mel":
        return kaldi_mel_banks(
            num_bins=s["n_mels"],
            padded_length=s["n_fft"],
            sample_frequency=s["sr"],
            low_freq=c.fmin,
            high_freq=fmax,
            allow_empty=True,
        )
    return mel_filterbank(
        sr=s["sr"],
        n_fft=s["n_fft"],
        n_mels=s["n_mels"],
        fmin=c.fmin,
        fmax=fmax,
        htk=c.mel_scale != "slaney",
        norm=c.filter_norm,
        dtype=np.float64,
    )


def log(M: np.ndarray, c: Convention) -> np.ndarray:
    """``c``'s log: ``10 log10``, ``log10`` or ``ln`` of ``max(M, floor)``, or none."""
    if c.log is None:
        return M.copy()
    floored = np.maximum(M, c.log_floor)
    if c.log == "db":
        return 10.0 * np.log10(floored)
    return np.log10(floored) if c.log == "log10" else np.log(floored)


def normalise(L: np.ndarray, c: Convention, units: str | None) -> np.ndarray:
    """``c``'s clamp to its dynamic range, then ``(x + offset) / scale``; the values are in
    ``units`` (a log kind, or None for linear power)."""
    out = L.copy()
    if c.dynamic_range_db is not None and out.size:
        span = c.dynamic_range_db
        peak = out.max()
        if units is None:
            np.maximum(out, peak * 10.0 ** (-span / 10.0), out=out)
        else:
            per_db = {"db": 1.0, "log10": 0.1, "ln": np.log(10.0) / 10.0}[units]
            np.maximum(out, peak - span * per_db, out=out)
    return (out + c.offset) / c.scale


def run(y: np.ndarray, c: Convention, s: Sizes) -> dict[str, np.ndarray]:
    """Every stage's output for ``c`` with sizes ``s``, by stage name, in order."""
    x = np.asarray(y, dtype=np.float64) * c.input_scale
    out: dict[str, np.ndarray] = {"resample": x}
    out["framing"] = frames(x, c, s)
    out["window"] = out["framing"] * window(c, s["frame_length"])
    out["FFT"] = fft(out["window"], c, s["n_fft"])
    out["power"] = power(out["FFT"], c)
    out["filterbank"] = out["power"] @ filterbank(c, s).T
    out["log/dB"] = log(out["filterbank"], c)
    out["normalisation"] = normalise(out["log/dB"], c, c.log)
    return out
