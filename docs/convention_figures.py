"""The figures of ``docs/five-conventions.md``: one sound through five conventions.

:data:`FIGURES` maps each figure name to a function ``f(plt) -> Figure``; ``docs/make_figures.py``
merges it into its own list and draws them with its style::

    python docs/make_figures.py conventions_spectrograms conventions_filterbanks

Everything is computed with ``dsp`` (the presets of :mod:`dsp.compat.presets`,
:func:`dsp.kaldi_fbank`,
:func:`dsp.whisper_log_mel`) on the built-in example sound; matplotlib only draws.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import dsp
from dsp.compat.presets import PRESETS
from dsp.examples import example_audio

#: Figure name -> function ``f(plt) -> Figure``.
FIGURES: dict[str, Callable[[Any], Any]] = {}


def _figure(name: str) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    def register(func: Callable[[Any], Any]) -> Callable[[Any], Any]:
        FIGURES[name] = func
        return func

    return register


def _sound() -> dict[int, np.ndarray]:
    """The example sound at 22050 Hz (librosa's rate) and at 16 kHz (everyone else's)."""
    from dsp.resampling import resample

    y, sr = example_audio()
    return {sr: y, 16000: resample(y, orig_sr=sr, target_sr=16000)}


def _panels() -> list[tuple[str, np.ndarray, float, str]]:
    """(title, features as (bands, frames), hop in seconds, colour-bar label) per convention."""
    audio = _sound()
    y22, y16 = audio[22050], audio[16000]
    with warnings.catch_warnings():  # 128 HTK bands on 201 bins: 4 empty, as in torchaudio
        warnings.simplefilter("ignore", dsp.DspWarning)
        torchaudio = dsp.MelSpectrogram.preset("torchaudio")
    return [
        (
            "librosa: power_to_db(melspectrogram(y)), 22050 Hz, 128 Slaney bands",
            PRESETS["librosa"](y22),
            512 / 22050,
            "dB (ref 1)",
        ),
        (
            "torchaudio MelSpectrogram(): 128 HTK bands, no norm; power, shown in dB",
            dsp.power_to_db(torchaudio(y16)),
            200 / 16000,
            "dB (ref 1)",
        ),
        (
            "Whisper: whisper_log_mel(y), 80 bands, (log10 + 4) / 4",
            dsp.whisper_log_mel(y16),
            0.01,
            "(log10 + 4) / 4",
        ),
        (
            "Kaldi fbank: kaldi_fbank(y * 32768), 23 bands, dither 1",
            dsp.kaldi_fbank(y16 * 32768).T,
            0.01,
            "ln (int16 scale)",
        ),
        (
            "torchaudio.compliance.kaldi: the same with dither 0",
            dsp.kaldi_fbank(y16 * 32768, dither=0.0).T,
            0.01,
            "ln (int16 scale)",
        ),
    ]


@_figure("conventions_spectrograms")
def conventions_spectrograms(plt: Any) -> Any:
    panels = _panels()
    fig, axes = plt.subplots(len(panels), 1, figsize=(8, 11), sharex=True)
    for ax, (title, features, hop, label) in zip(axes, panels, strict=True):
        seconds = features.shape[-1] * hop
        image = ax.imshow(
            features,
            origin="lower",
            aspect="auto",
            interpolation="nearest",
            extent=(0, seconds, 0, features.shape[0]),
        )
        ax.set_title(title, loc="left")
        ax.set_ylabel("band")
        fig.colorbar(image, ax=ax, pad=0.01, fraction=0.04).set_label(label)
    axes[-1].set_xlabel("time (s)")
    return fig


def _kaldi_banks() -> np.ndarray:
    from dsp.compat._kaldi_stages import kaldi_mel_banks

    return kaldi_mel_banks(
        num_bins=23, padded_length=512, sample_frequency=16000, low_freq=20.0, high_freq=0.0
    )


@_figure("conventions_filterbanks")
def conventions_filterbanks(plt: Any) -> Any:
    with warnings.catch_warnings():  # torchaudio's 128 bands on 201 bins: 4 empty, as there
        warnings.simplefilter("ignore", dsp.DspWarning)
        banks = [
            (
                "librosa: 128 Slaney bands, area 1 (22050 Hz, n_fft 2048)",
                22050,
                2048,
                dsp.mel_filterbank(sr=22050, n_fft=2048),
            ),
            (
                "torchaudio: 128 HTK bands, peak 1 (n_fft 400)",
                16000,
                400,
                dsp.mel_filterbank(sr=16000, n_fft=400, htk=True, norm=None),
            ),
            (
                "Whisper: 80 Slaney bands to 8 kHz, area 1 (n_fft 400)",
                16000,
                400,
                dsp.mel_filterbank(sr=16000, n_fft=400, n_mels=80),
            ),
            (
                "Kaldi: 23 bands 20 Hz - 8 kHz, triangles in mel, peak 1 (n_fft 512)",
                16000,
                512,
                _kaldi_banks(),
            ),
        ]
    fig = plt.figure(figsize=(8, 9))
    grid = fig.add_gridspec(5, 1)
    for i, (title, sr, n_fft, basis) in enumerate(banks):
        ax = fig.add_subplot(grid[i])
        freqs = np.arange(basis.shape[1]) * sr / n_fft
        step = max(1, basis.shape[0] // 32)  # all 23 of Kaldi's, one in 4 of 128
        for row in basis[::step]:
            ax.plot(freqs, row, linewidth=0.8)
        ax.set_xlim(0, 8000)
        ax.set_title(title + ("" if step == 1 else f", one in {step} shown"), loc="left")
        ax.set_ylabel("weight")
    ax.set_xlabel("frequency (Hz)")
    ax = fig.add_subplot(grid[4])
    from dsp.compat._kaldi_stages import kaldi_window

    n = np.arange(400)
    ax.plot(n, dsp.get_window("hann", 400), label="periodic Hann (librosa, torchaudio, Whisper)")
    ax.plot(n, kaldi_window("povey", 400), label="povey = symmetric Hann ** 0.85 (Kaldi)")
    ax.plot(
        n, kaldi_window("hamming", 400), label="symmetric Hamming (Kaldi option)", linestyle=":"
    )
    ax.set_title("the windows over 400 samples (25 ms at 16 kHz)", loc="left")
    ax.set_xlabel("sample")
    ax.legend(loc="lower center", fontsize=8)
    return fig
