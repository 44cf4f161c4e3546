"""The figures and sound examples of ``docs/mfcc.md`` and ``docs/inversion.md``.

:data:`FIGURES` maps each figure name to a function ``f(plt) -> Figure``;
``docs/make_figures.py`` merges it into its own list and draws it with its style::

    python docs/make_figures.py dct_basis mfcc_steps deltas overlap_add griffinlim mel_inversion

Run as a script, this file also writes the sound examples the pages link to (small 16-bit WAV
files under ``docs/audio/``, committed like the figures)::

    python docs/toolbox_figures.py          # the WAV files
    python docs/toolbox_figures.py --all    # the WAV files and the figures

Everything is computed with ``dsp`` from the built-in example sound or a synthetic signal.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import dsp

#: Figure name -> function ``f(plt) -> Figure``.
FIGURES: dict[str, Callable[[Any], Any]] = {}
AUDIO_DIR = Path(__file__).resolve().parent / "audio"
SR, N_FFT, HOP, N_MELS = 22050, 2048, 512, 128
#: The sound examples cover the first 4 s of the example sound (tone, then the chirp), written
#: at half the rate as 16-bit WAV (88 KB each): small enough to commit.
SECONDS = 4.0
AUDIO_SR = 11025


def figure(name: str) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    def register(func: Callable[[Any], Any]) -> Callable[[Any], Any]:
        FIGURES[name] = func
        return func

    return register


def _example() -> np.ndarray:
    y, sr = dsp.example_audio()
    assert sr == SR
    return y[: int(SECONDS * SR)]


def _mel_db(y: np.ndarray) -> np.ndarray:
    return dsp.power_to_db(dsp.melspectrogram(y=y, sr=SR, n_fft=N_FFT, hop_length=HOP), ref=np.max)


def _show(ax: Any, data: np.ndarray, title: str, label: str = "dB", **kwargs: Any) -> None:
    seconds = data.shape[-1] * HOP / SR
    image = ax.imshow(
        data,
        origin="lower",
        aspect="auto",
        extent=(0, seconds, 0, data.shape[0]),
        interpolation="nearest",
        **kwargs,
    )
    ax.set_title(title)
    ax.set_xlabel("time (s)")
    ax.figure.colorbar(image, ax=ax, label=label, pad=0.01)


@figure("dct_basis")
def dct_basis(plt: Any) -> Any:
    """The first DCT-II basis vectors over 40 bands, and a log-mel column and its smooth part."""
    n = 40
    C = dsp.dct_matrix(n, norm="ortho")
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
    for k in range(5):
        left.plot(C[k] + 0.5 * k, label=f"k = {k}")
    left.set(title="DCT-II basis vectors (orthonormal), offset", xlabel="mel band j", yticks=[])
    left.legend(loc="upper right", fontsize=7, ncol=5)
    y, sr = dsp.example_audio()
    column = dsp.power_to_db(dsp.melspectrogram(y=y, sr=sr, n_mels=n))[:, 40]
    for keep, style in ((n, "k-"), (13, "C1-"), (5, "C2--")):
        coefficients = dsp.dct(column, norm="ortho")
        coefficients[keep:] = 0
        label = "log-mel column" if keep == n else f"first {keep} coefficients"
        right.plot(dsp.idct(coefficients, norm="ortho"), style, label=label)
    right.set(title="one frame of the vibrato tone (t = 0.93 s)", xlabel="mel band", ylabel="dB")
    right.legend(fontsize=7)
    return fig


@figure("mfcc_steps")
def mfcc_steps(plt: Any) -> Any:
    """Log-mel spectrogram -> 20 MFCCs -> the envelope they keep (mfcc_to_mel)."""
    y = _example()
    log_mel = dsp.power_to_db(dsp.melspectrogram(y=y, sr=SR))
    M = dsp.mfcc(S=log_mel, n_mfcc=20)
    smooth = dsp.power_to_db(dsp.mfcc_to_mel(M, n_mels=N_MELS))
    fig, axes = plt.subplots(3, 1, figsize=(9, 7.5))
    top = log_mel.max()
    _show(axes[0], log_mel, "log-power mel spectrogram, 128 bands", vmin=top - 80, vmax=top)
    limit = np.abs(M[1:]).max()
    _show(
        axes[1],
        M,
        "20 MFCCs (coefficient 0 at the bottom, off the colour scale)",
        label="value",
        cmap="coolwarm",
        vmin=-limit,
        vmax=limit,
    )
    _show(
        axes[2],
        smooth,
        "mfcc_to_mel: what 20 coefficients keep (the envelope)",
        vmin=top - 80,
        vmax=top,
    )
    for ax in axes[::2]:
        ax.set_ylabel("mel band")
    axes[1].set_ylabel("coefficient")
    return fig


@figure("deltas")
def deltas(plt: Any) -> Any:
    """A coefficient track, its delta and delta-delta (width 9)."""
    y = _example()
    M = dsp.mfcc(y=y, sr=SR)
    t = np.arange(M.shape[-1]) * HOP / SR
    fig, axes = plt.subplots(3, 1, figsize=(9, 5), sharex=True)
    series = (M[1], dsp.delta(M)[1], dsp.delta(M, order=2)[1])
    names = ("MFCC 1", "delta (slope over 9 frames)", "delta-delta (curvature)")
    for ax, values, name in zip(axes, series, names, strict=True):
        ax.plot(t, values)
        ax.axhline(0, color="0.7", lw=0.8)
        ax.set_ylabel(name, fontsize=8)
    axes[-1].set_xlabel("time (s)")
    axes[0].set_title("MFCC 1 over the tone and the chirp: the deltas peak where it changes (2 s)")
    return fig


@figure("overlap_add")
def overlap_add(plt: Any) -> Any:
    """Hann windows at hop n_fft / 4 and their square sum; the failing cases of NOLA."""
    n_fft = 64
    fig, axes = plt.subplots(1, 3, figsize=(10, 3), sharey=True)
    cases = (
        (16, "hann", "hop = n_fft / 4: NOLA holds"),
        (64, "hann", "hop = n_fft: zero at every frame start"),
        (80, "boxcar", "hop > n_fft: gaps"),
    )
    for ax, (hop, window, title) in zip(axes, cases, strict=True):
        w = dsp.get_window(window, n_fft)
        for t in range(6):
            ax.plot(np.arange(n_fft) + t * hop, w**2, color="0.6", lw=0.8)
        envelope = dsp.window_sumsquare(window=window, n_frames=6, hop_length=hop, n_fft=n_fft)
        ax.plot(envelope, "C3", label="sum of squared windows")
        ax.set(title=title, xlabel="sample")
    axes[0].legend(fontsize=7, loc="lower center")
    return fig


def _spectral_convergence(y: np.ndarray, S: np.ndarray) -> float:
    rebuilt = np.abs(dsp.stft(y, n_fft=N_FFT, hop_length=HOP))
    return float(np.linalg.norm(rebuilt - S) / np.linalg.norm(S))


@figure("griffinlim")
def griffinlim(plt: Any) -> Any:
    """Spectral convergence against iterations: classic (momentum 0) and fast (0.99)."""
    y = _example()[: 2 * SR]
    S = np.abs(dsp.stft(y, n_fft=N_FFT, hop_length=HOP))
    iterations = [1, 2, 4, 8, 16, 32, 64]
    fig, ax = plt.subplots(figsize=(6, 3.2))
    for momentum, style in ((0.0, "o-"), (0.99, "s-")):
        sc = [
            _spectral_convergence(
                dsp.griffinlim(S, n_iter=k, hop_length=HOP, momentum=momentum, random_state=0), S
            )
            for k in iterations
        ]
        ax.plot(iterations, sc, style, label=f"momentum = {momentum}")
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="iterations",
        ylabel="|| |STFT(y)| - S || / || S ||",
        title="Griffin-Lim on the vibrato tone (2 s)",
    )
    ax.set_xticks(iterations, [str(k) for k in iterations])
    ax.legend()
    return fig


@figure("mel_inversion")
def mel_inversion(plt: Any) -> Any:
    """The spectrogram, the one mel_to_stft rebuilds from 128 mel bands, and from 32."""
    y = _example()
    S = np.abs(dsp.stft(y, n_fft=N_FFT, hop_length=HOP))
    fig, axes = plt.subplots(3, 1, figsize=(9, 7.5))
    top = dsp.amplitude_to_db(S, ref=np.max)
    _show(axes[0], top[:400], "|STFT|, bins 0-400 (0-4.3 kHz)", vmin=-80, vmax=0)
    for ax, n_mels in zip(axes[1:], (128, 32), strict=True):
        M = dsp.melspectrogram(S=S**2, sr=SR, n_fft=N_FFT, n_mels=n_mels)
        rebuilt = dsp.mel_to_stft(M, sr=SR, n_fft=N_FFT)
        db = dsp.amplitude_to_db(rebuilt, ref=np.max(S))
        _show(ax, db[:400], f"mel_to_stft from {n_mels} mel bands", vmin=-80, vmax=0)
    for ax in axes:
        ax.set_ylabel("FFT bin")
    return fig


def write_audio(out_dir: Path = AUDIO_DIR) -> list[Path]:
    """The sound examples: the original, Griffin-Lim from |STFT|, mel and MFCC inversions."""
    y = _example()
    S = np.abs(dsp.stft(y, n_fft=N_FFT, hop_length=HOP))
    M = dsp.melspectrogram(y=y, sr=SR)
    M32 = dsp.melspectrogram(y=y, sr=SR, n_mels=32)
    common = dict(hop_length=HOP, random_state=0, length=len(y))
    sounds = {
        "original": y,
        "griffinlim_stft": dsp.griffinlim(S, n_iter=64, **common),
        "mel_128": dsp.mel_to_audio(M, sr=SR, n_iter=64, **common),
        "mel_32": dsp.mel_to_audio(M32, sr=SR, n_iter=64, **common),
        "mfcc_20": dsp.mfcc_to_audio(dsp.mfcc(y=y, sr=SR), sr=SR, n_iter=64, **common),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, sound in sounds.items():
        sound = dsp.resample(sound.astype(np.float32), orig_sr=SR, target_sr=AUDIO_SR)
        sound = 0.9 * sound / np.abs(sound).max()
        path = out_dir / f"{name}.wav"
        dsp.write_wav(path, sound, AUDIO_SR, subtype="pcm16")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_audio():
        print(f"wrote {path}")
    if "--all" in sys.argv[1:]:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from make_figures import render  # type: ignore[import-not-found]

        for path in render(list(FIGURES)):
            print(f"wrote {path}")
