"""The benchmark cases: what is timed on each side, and the contract it is held to.

Each :class:`Case` turns the signal into its input (``prepare``, not timed), then times
``ours`` (dsp, or a peer library) against ``ref`` (librosa 0.11) on that input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._common import HOP, N_FFT, N_MELS, SEED, SR

__all__ = ["Case", "cases", "mel_shape"]


@dataclass(frozen=True)
class Case:
    """One benchmark case.

    ``contract``: "identical" (np.array_equal with librosa), a tolerance such as "1e-5 of max",
    or "peer" (another library: its deviation is reported, not promised).
    """

    name: str
    ours_label: str
    contract: str
    ours: Callable[[Any], Any]
    ref: Callable[[Any], Any]
    prepare: Callable[[np.ndarray], Any] = lambda y: y
    modules: tuple[str, ...] = ("dsp",)


def mel_shape(n_samples: int) -> tuple[int, int]:
    return (N_MELS, 1 + n_samples // HOP)


def _power_input(y: np.ndarray) -> np.ndarray:
    """A seeded power spectrogram of the mel's shape (exponential values, float32)."""
    rng = np.random.default_rng(SEED + 1)
    return rng.standard_exponential(mel_shape(y.shape[-1]), dtype=np.float32)


def _dsp() -> Any:
    import dsp

    return dsp


def _librosa() -> Any:
    import librosa

    return librosa


def _lib_stft(y: np.ndarray) -> np.ndarray:
    return _librosa().stft(y, n_fft=N_FFT, hop_length=HOP)


def _lib_mel(y: np.ndarray) -> np.ndarray:
    return _librosa().feature.melspectrogram(y=y, sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS)


def _lib_db(S: np.ndarray) -> np.ndarray:
    return _librosa().power_to_db(S)


def _dsp_mel(precision: str) -> Callable[[np.ndarray], np.ndarray]:
    return lambda y: _dsp().melspectrogram(
        y=y, sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS, precision=precision
    )


def _scipy_stft(y: np.ndarray) -> np.ndarray:
    from scipy.signal import ShortTimeFFT
    from scipy.signal.windows import hann

    # Frame t centred on sample t * HOP and zero padding, as librosa; phase_shift=None keeps the
    # plain DFT of each windowed frame (the default shifts the phase to the frame's centre).
    sft = ShortTimeFFT(hann(N_FFT, sym=False), hop=HOP, fs=SR, mfft=N_FFT, phase_shift=None)
    return sft.stft(y, p0=0, p1=1 + y.shape[-1] // HOP)


def _torch_stft(y: np.ndarray) -> np.ndarray:
    import torch

    window = torch.hann_window(N_FFT, periodic=True, dtype=torch.float32)
    D = torch.stft(
        torch.from_numpy(y),
        N_FFT,
        hop_length=HOP,
        window=window,
        center=True,
        pad_mode="constant",
        return_complex=True,
    )
    return D.numpy()


def _torch_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def cases() -> list[Case]:
    """Every case, in report order (torch only when it is installed)."""
    out = [
        Case(
            "stft",
            "dsp.stft",
            "identical",
            lambda y: _dsp().stft(y, n_fft=N_FFT, hop_length=HOP),
            _lib_stft,
        ),
        Case(
            "stft, fast mode",
            'dsp.stft(precision="float32")',
            "1e-5 of max",
            lambda y: _dsp().stft(y, n_fft=N_FFT, hop_length=HOP, precision="float32"),
            _lib_stft,
        ),
        Case(
            "stft, scipy peer",
            "scipy.signal.ShortTimeFFT",
            "peer",
            _scipy_stft,
            _lib_stft,
            modules=("scipy.signal",),
        ),
    ]
    if _torch_available():
        out.append(
            Case(
                "stft, torch peer",
                "torch.stft (complex64)",
                "peer",
                _torch_stft,
                _lib_stft,
                modules=("torch",),
            )
        )
    out += [
        Case("melspectrogram", "dsp.melspectrogram", "identical", _dsp_mel("float64"), _lib_mel),
        Case(
            "melspectrogram, bounded mode",
            'dsp.melspectrogram(precision="float64-bounded")',
            "identical or 2e-6 of max (BLAS)",
            _dsp_mel("float64-bounded"),
            _lib_mel,
        ),
        Case(
            "melspectrogram, fast mode",
            'dsp.melspectrogram(precision="float32")',
            "1e-5 of max",
            _dsp_mel("float32"),
            _lib_mel,
        ),
        Case(
            "power_to_db",
            "dsp.power_to_db",
            "identical",
            lambda S: _dsp().power_to_db(S),
            _lib_db,
            prepare=_power_input,
        ),
        Case(
            "chain to dB",
            "power_to_db(melspectrogram(y))",
            "identical",
            lambda y: _dsp().power_to_db(_dsp_mel("float64")(y)),
            lambda y: _lib_db(_lib_mel(y)),
        ),
        Case(
            "chain to dB, fast mode",
            'power_to_db(melspectrogram(y, precision="float32"))',
            "1e-3 dB",
            lambda y: _dsp().power_to_db(_dsp_mel("float32")(y)),
            lambda y: _lib_db(_lib_mel(y)),
        ),
    ]
    return out
