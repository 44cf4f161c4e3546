"""The per-frame engine of :mod:`dsp.compat.kaldi`: Kaldi's steps on blocks of frames, vectorised.

Frames are processed ``_BLOCK`` at a time in float64: dither, DC removal, energy,
pre-emphasis, window, FFT, power, mel projection (:mod:`dsp.compat._kaldi_stages` defines each
step).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._memory import check_memory
from .._validation import check_audio, check_bool, check_positive_int, check_real_number, warn
from ..errors import ParameterError
from ._kaldi_stages import FLOAT_EPS, kaldi_frames, kaldi_mel_banks, kaldi_window

__all__ = ["PROJECT_WORK", "check_input", "features", "options", "out_dtype"]

#: Frames per block: windowed float64 frames, their spectrum and power stay in cache.
_BLOCK = 128
#: Multiply-adds per mel projection call. OpenBLAS hands larger products (about 1e6 here) to
#: its threads, and on a busy 2-core machine a threaded call of this size was measured 10-30x
#: slower than a single-threaded one (``benchmarks/results/conventions.md``); smaller calls
#: stay in the calling thread.
PROJECT_WORK = 800_000


def check_input(y: Any) -> np.ndarray:
    if isinstance(y, np.ndarray) and y.dtype == np.int16:  # PCM as read: Kaldi's own scale
        y = y.astype(np.float32)
    return check_audio(y)


def _geometry(
    sample_frequency: Any, frame_length: Any, frame_shift: Any, round_to_power_of_two: bool
) -> tuple[int, int, int]:
    fs = check_real_number("sample_frequency", sample_frequency, positive=True)
    ms_length = check_real_number("frame_length", frame_length, positive=True)
    ms_shift = check_real_number("frame_shift", frame_shift, positive=True)
    length, shift = int(fs * 0.001 * ms_length), int(fs * 0.001 * ms_shift)  # Kaldi truncates
    if length < 1 or shift < 1:
        raise ParameterError(
            f"frame_length={frame_length} ms and frame_shift={frame_shift} ms must each span at "
            f"least one sample at sample_frequency={sample_frequency}"
        )
    padded = 1 << (length - 1).bit_length() if round_to_power_of_two else length
    # the window, a frame and its spectrum, refused before anything is allocated
    check_memory(
        f"frame_length={frame_length} ms at sample_frequency={sample_frequency} "
        f"({length} samples, an FFT of {padded})",
        8.0 * (length + 3 * padded),
    )
    if padded % 2:
        raise ParameterError(
            f"frame_length={frame_length} ms is {length} samples, an odd FFT length with "
            "round_to_power_of_two=False: Kaldi's real FFT needs an even length"
        )
    return length, shift, padded


def features(
    y: np.ndarray,
    *,
    opts: dict[str, Any],
    mel_basis: np.ndarray,
    need_energy: bool,
    use_power: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Mel energies ``(..., n_frames, num_bins)`` and log energies ``(..., n_frames)``."""
    length, shift, padded = opts["geometry"]
    frames = kaldi_frames(y, frame_length=length, frame_shift=shift, snip_edges=opts["snip_edges"])
    count = frames.shape[-2]
    if count == 0:
        warn(
            f"the signal ({y.shape[-1]} samples) is shorter than one frame ({length} samples) "
            "and snip_edges=True: no frames"
        )
    window = kaldi_window(opts["window_type"], length, blackman_coeff=opts["blackman_coeff"])
    rng = np.random.default_rng(opts["seed"]) if opts["dither"] != 0 else None
    coeff, raw = opts["preemphasis_coefficient"], opts["raw_energy"]
    basis_t = np.ascontiguousarray(mel_basis.T)
    mel = np.empty(frames.shape[:-1] + (mel_basis.shape[0],))
    energy = np.empty(frames.shape[:-1])
    for start in range(0, count, _BLOCK):
        stop = min(count, start + _BLOCK)
        x = frames[..., start:stop, :].astype(np.float64)  # (..., B, L): a copy we work in
        if rng is not None:  # w[i] += dither * N(0, 1), a fresh draw for every frame sample
            x += opts["dither"] * rng.standard_normal(x.shape)
        if opts["remove_dc_offset"]:
            x -= x.mean(axis=-1, keepdims=True)
        if need_energy and raw:  # before pre-emphasis and window
            energy[..., start:stop] = np.einsum("...i,...i->...", x, x)
        if coeff != 0:  # w[i] -= c w[i-1] for i >= 1, w[0] -= c w[0]
            x[..., 1:] -= coeff * x[..., :-1]
            x[..., 0] *= 1.0 - coeff
        x *= window
        if need_energy and not raw:
            energy[..., start:stop] = np.einsum("...i,...i->...", x, x)
        spectrum = np.fft.rfft(x, n=padded, axis=-1)
        power = spectrum.real**2
        power += spectrum.imag**2
        if not use_power:
            np.sqrt(power, out=power)
        _project(power, basis_t, mel[..., start:stop, :])
    if need_energy:
        np.log(np.maximum(energy, FLOAT_EPS, out=energy), out=energy)
        if opts["energy_floor"] > 0:
            np.maximum(energy, np.log(opts["energy_floor"]), out=energy)
    return mel, energy


def _project(power: np.ndarray, basis_t: np.ndarray, out: np.ndarray) -> None:
    """``out = power @ basis_t`` over the frame axis in calls of at most PROJECT_WORK."""
    step = max(8, PROJECT_WORK // basis_t.size)
    for a in range(0, power.shape[-2], step):
        np.matmul(power[..., a : a + step, :], basis_t, out=out[..., a : a + step, :])


_FLAGS = (
    "remove_dc_offset",
    "round_to_power_of_two",
    "snip_edges",
    "use_energy",
    "raw_energy",
    "htk_compat",
    "use_log_fbank",
    "use_power",
)


def options(y: np.ndarray, **opts: Any) -> dict[str, Any]:
    """Check the shared options; fill in the frame geometry and the mel basis."""
    for name in _FLAGS:  # strictly True/False: "False" would be true (docs/errors.md)
        if name in opts:
            opts[name] = check_bool(name, opts[name])
    if opts.get("seed") is not None:  # default_rng's own TypeError would name no parameter
        try:
            np.random.default_rng(opts["seed"])
        except (TypeError, ValueError) as err:
            raise ParameterError(f"seed={opts['seed']!r} cannot seed a generator: {err}") from None
    opts["geometry"] = _geometry(
        opts["sample_frequency"],
        opts.pop("frame_length"),
        opts.pop("frame_shift"),
        opts["round_to_power_of_two"],
    )
    for name in ("dither", "preemphasis_coefficient", "energy_floor", "low_freq", "high_freq"):
        opts[name] = check_real_number(name, opts[name])
    if opts["dither"] < 0 or opts["energy_floor"] < 0:
        raise ParameterError(
            f"dither={opts['dither']} and energy_floor={opts['energy_floor']} must be >= 0"
        )
    if not 0.0 <= opts["preemphasis_coefficient"] <= 1.0:
        raise ParameterError(
            f"preemphasis_coefficient={opts['preemphasis_coefficient']} must be in [0, 1]"
        )
    num_bins = check_positive_int("num_mel_bins", opts["num_mel_bins"])
    if num_bins < 3:
        raise ParameterError(f"num_mel_bins={num_bins} must be at least 3 (as Kaldi)")
    opts["mel_basis"] = kaldi_mel_banks(
        num_bins=num_bins,
        padded_length=opts["geometry"][2],
        sample_frequency=opts["sample_frequency"],
        low_freq=opts["low_freq"],
        high_freq=opts["high_freq"],
    )
    return opts


def out_dtype(y: np.ndarray) -> Any:
    return np.float64 if y.dtype == np.float64 else np.float32
