"""Render every figure of the docs from the library: ``python docs/make_figures.py``.

Each figure is computed with ``dsp`` on deterministic input (the built-in example sound of
``dsp.examples`` and a few synthetic signals). Plain spectrograms are drawn by
:func:`dsp.specshow`, so the pages show the picture the ``dsp`` command gives; the others are
drawn with matplotlib, which is a ``docs`` extra, never a runtime dependency. The PNGs are
committed under ``docs/figures/`` so the pages read well on a code-hosting site; rerun this
script after changing the library or a figure.

Usage::

    python docs/make_figures.py              # every figure, into docs/figures/
    python docs/make_figures.py stft windows # only these
    python docs/make_figures.py --list       # the names

:data:`FIGURES` maps each figure name to the function drawing it; ``tests/test_docs.py`` checks
that it matches the PNGs the pages reference. matplotlib is imported only when drawing, so the
list can be read with numpy and dsp alone.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import dsp
from dsp.examples import EXAMPLE_EVENTS, example_audio

FIGURE_DIR = Path(__file__).resolve().parent / "figures"
#: Figure name -> function ``f(plt) -> Figure``; the PNG is ``figures/<name>.png``.
FIGURES: dict[str, Callable[[Any], Any]] = {}

CMAP = "magma"
SR = 22050
N_FFT, HOP = 2048, 512
STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.constrained_layout.use": True,
    "image.cmap": CMAP,
    "lines.linewidth": 1.2,
}
# Labels for the events of the example sound, and where (s) to put them above a picture: the
# chord and the noise burst share a centre, so the chord is labelled at its start.
EVENT_LABELS = (
    ("tone + vibrato", 1.0),
    ("chirp", 2.75),
    ("clicks", 4.5),
    ("chord", 5.0),
    ("noise", 5.5),
)


def figure(name: str) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    """Register a figure-drawing function under ``name``."""

    def register(func: Callable[[Any], Any]) -> Callable[[Any], Any]:
        FIGURES[name] = func
        return func

    return register


# --------------------------------------------------------------------------------- helpers


def _example() -> tuple[np.ndarray, int]:
    y, sr = example_audio()
    assert sr == SR
    return y, sr


def _time_extent(n_frames: int, *, sr: int, hop: int) -> tuple[float, float]:
    """x extent of an image whose column t is centred at t * hop / sr (eq. S3)."""
    half = hop / sr / 2
    return -half, (n_frames - 1) * hop / sr + half


def _show_linear(
    ax: Any,
    S_db: np.ndarray,
    *,
    sr: int,
    n_fft: int,
    hop: int,
    vmin: float | None = None,
    vmax: float | None = None,
) -> Any:
    """A linear-frequency spectrogram, low frequencies at the bottom, axes in s and Hz."""
    half_bin = sr / n_fft / 2
    t0, t1 = _time_extent(S_db.shape[-1], sr=sr, hop=hop)
    top = (S_db.shape[0] - 1) * sr / n_fft + half_bin
    image = ax.imshow(
        S_db,
        origin="lower",
        aspect="auto",
        interpolation="nearest",
        extent=(t0, t1, -half_bin, top),
        vmin=vmin,
        vmax=vmax,
    )
    ax.set_xlabel("time (s)")
    ax.set_ylabel("frequency (Hz)")
    return image


def _mel_ticks(ax: Any, *, n_mels: int, sr: int, fmax: float | None = None) -> None:
    """Label a mel-band axis (band i spans [i, i+1)) with the Hz of the band centres."""
    fmax = sr / 2 if fmax is None else fmax
    centres = dsp.mel_frequencies(n_mels + 2, fmin=0.0, fmax=fmax)[1:-1]
    ticks = [f for f in (0, 250, 500, 1000, 2000, 4000, 8000) if f <= centres[-1]]
    where = (
        np.interp(
            dsp.hz_to_mel(np.array(ticks, dtype=float)), dsp.hz_to_mel(centres), np.arange(n_mels)
        )
        + 0.5
    )
    ax.set_yticks(where, [f"{f:g}" if f < 1000 else f"{f // 1000:g}k" for f in ticks])
    ax.set_ylabel("mel band centre (Hz)")


def _show_mel(
    ax: Any,
    M_db: np.ndarray,
    *,
    sr: int,
    hop: int,
    vmin: float | None = None,
    vmax: float | None = None,
) -> Any:
    t0, t1 = _time_extent(M_db.shape[-1], sr=sr, hop=hop)
    image = ax.imshow(
        M_db,
        origin="lower",
        aspect="auto",
        interpolation="nearest",
        extent=(t0, t1, 0, M_db.shape[0]),
        vmin=vmin,
        vmax=vmax,
    )
    _mel_ticks(ax, n_mels=M_db.shape[0], sr=sr)
    ax.set_xlabel("time (s)")
    return image


def _colorbar(fig: Any, image: Any, ax: Any, label: str = "dB") -> Any:
    bar = fig.colorbar(image, ax=ax, pad=0.01, fraction=0.04)
    bar.set_label(label)
    return bar


def _label_events(ax: Any) -> None:
    for (start, end, _), (label, where) in zip(EXAMPLE_EVENTS, EVENT_LABELS, strict=True):
        assert start <= where <= end, label
        ax.annotate(
            label,
            xy=(where, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=8,
        )


def _db_spectrum(spectrum: np.ndarray, n_fft: int) -> np.ndarray:
    """20 log10 |W| of a zero-padded DFT, normalised to 0 dB at its peak."""
    magnitude = np.abs(np.fft.fft(spectrum, n_fft))
    return 20 * np.log10(np.maximum(magnitude / magnitude.max(), 1e-12))


# --------------------------------------------------------------------------------- figures


@figure("overview")
def overview(plt: Any) -> Any:
    y, sr = _example()
    S_db = dsp.amplitude_to_db(np.abs(dsp.stft(y)), ref=np.max)
    M_db = dsp.power_to_db(dsp.melspectrogram(y=y, sr=sr), ref=np.max)
    fig, axes = plt.subplots(
        3, 2, figsize=(8, 7.2), gridspec_kw={"height_ratios": [1, 2, 2], "width_ratios": [1, 0.018]}
    )
    wave, spec, mel = axes[:, 0]
    spec.sharex(wave)
    mel.sharex(wave)
    t = np.arange(y.size) / sr
    wave.plot(t, y, lw=0.4, color="0.2")
    wave.set_ylabel("amplitude")
    wave.set_title("waveform y: the built-in example sound (dsp.examples)", pad=14)
    _label_events(wave)
    axes[0, 1].axis("off")
    image = _show_linear(spec, S_db, sr=sr, n_fft=N_FFT, hop=HOP)
    fig.colorbar(image, cax=axes[1, 1]).set_label("dB (re max)")
    spec.set_title("spectrogram: amplitude_to_db(np.abs(stft(y)), ref=np.max)")
    image = _show_mel(mel, M_db, sr=sr, hop=HOP)
    fig.colorbar(image, cax=axes[2, 1]).set_label("dB (re max)")
    mel.set_title("mel spectrogram: power_to_db(melspectrogram(y=y, sr=sr), ref=np.max)")
    wave.set_xlim(-HOP / sr / 2, y.size / sr)
    wave.tick_params(labelbottom=False)
    spec.tick_params(labelbottom=False)
    spec.set_xlabel("")
    return fig


@figure("framing")
def framing(plt: Any) -> Any:
    y, sr = _example()
    n_fft, hop = 2048, 512
    y = y[: 2 * sr]
    padded = dsp.center_pad(y, n_fft=n_fft)
    frames = dsp.frame(padded, frame_length=n_fft, hop_length=hop)
    show = 6
    fig, axes = plt.subplots(2, 1, figsize=(8, 5.6), gridspec_kw={"height_ratios": [1.3, 1]})
    ax = axes[0]
    stop = (show - 1) * hop + n_fft
    n = np.arange(stop) - n_fft // 2  # sample index in the original signal
    ax.plot(n, padded[:stop], lw=0.5, color="0.2")
    ax.axvspan(-n_fft // 2, 0, color="tab:blue", alpha=0.12)
    ax.text(
        -n_fft // 4,
        0.6,
        "centre padding\nn_fft // 2 zeros",
        ha="center",
        fontsize=8,
        color="tab:blue",
    )
    colors = plt.get_cmap("viridis")(np.linspace(0, 0.85, show))
    for t in range(show):
        start = t * hop - n_fft // 2
        level = -0.55 - 0.09 * t
        ax.plot(
            [start, start + n_fft - 1], [level, level], color=colors[t], lw=3, solid_capstyle="butt"
        )
        ax.plot([t * hop], [level], "o", ms=4, color=colors[t])
        ax.text(start + n_fft + 30, level, f"frame {t}", va="center", fontsize=7, color=colors[t])
    ax.set_xlim(-n_fft // 2 - 50, stop - n_fft // 2 + 500)
    ax.set_ylim(-1.15, 0.95)
    ax.set_xlabel("sample index n of the original signal (frame t is centred at t * hop_length)")
    ax.set_ylabel("amplitude")
    ax.set_title(f"frames of n_fft={n_fft} samples, hop_length={hop}, center=True")
    ax = axes[1]
    offset = 0.9
    k = np.arange(n_fft)
    for t in range(show):
        ax.plot(k, frames[:, t] - offset * t, lw=0.5, color=colors[t])
        ax.text(
            n_fft + 20, -offset * t, f"frames[:, {t}]", va="center", fontsize=7, color=colors[t]
        )
    ax.set_xlim(0, n_fft + 260)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlabel("sample index within the frame")
    ax.set_title("dsp.frame(...) returns them as columns: shape (n_fft, n_frames)")
    return fig


@figure("windowing")
def windowing(plt: Any) -> Any:
    y, sr = _example()
    n_fft = 2048
    t = 22  # frame 22: 0.51 s, inside the vibrato tone
    frames = dsp.frame(dsp.center_pad(y, n_fft=n_fft), frame_length=n_fft, hop_length=HOP)
    window = dsp.get_window("hann", n_fft)
    ms = (np.arange(n_fft) - n_fft // 2) / sr * 1000
    fig, axes = plt.subplots(1, 3, figsize=(9, 2.8), sharex=True)
    axes[0].plot(ms, frames[:, t], lw=0.6, color="0.2")
    axes[0].set_title(f"frame {t} (ends cut abruptly)")
    axes[1].plot(ms, window, color="tab:orange")
    axes[1].set_title("periodic Hann window")
    axes[2].plot(ms, frames[:, t] * window, lw=0.6, color="0.2")
    axes[2].plot(ms, window * np.abs(frames[:, t]).max(), "--", lw=0.8, color="tab:orange")
    axes[2].set_title("windowed frame (tapers to 0)")
    for ax in axes:
        ax.set_xlabel("time from frame centre (ms)")
    axes[0].set_ylabel("amplitude")
    return fig


@figure("windows")
def windows(plt: Any) -> Any:
    n = 64
    specs = [
        ("boxcar", "boxcar"),
        ("hann", "hann"),
        ("hamming", "hamming"),
        ("blackman", "blackman"),
        (("kaiser", 8.0), "kaiser, beta=8"),
    ]
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    zoom = 32
    bins = (np.arange(n * zoom) - n * zoom // 2) / zoom
    for spec, label in specs:
        w = dsp.get_window(spec, n)
        axes[0].plot(np.arange(n), w, label=label)
        axes[1].plot(bins, np.fft.fftshift(_db_spectrum(w, n * zoom)), label=label, lw=0.9)
    axes[0].set_xlabel("sample n")
    axes[0].set_ylabel("w[n]")
    axes[0].set_title(f"windows, N={n} (periodic)")
    axes[0].legend(fontsize=7, loc="lower center")
    axes[1].set_xlim(-10, 10)
    axes[1].set_ylim(-120, 5)
    axes[1].set_xlabel("frequency offset from the tone (DFT bins)")
    axes[1].set_ylabel("dB (re peak)")
    axes[1].set_title("their spectra: main lobe width vs side lobes")
    return fig


@figure("periodic")
def periodic(plt: Any) -> Any:
    n = 16
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.0))
    ax = axes[0]
    ax.plot(
        np.arange(n + 1),
        dsp.get_window("hann", n + 1, fftbins=False),
        "o-",
        color="0.6",
        ms=3,
        label=f"symmetric, N+1={n + 1}",
    )
    ax.plot(
        np.arange(n),
        dsp.get_window("hann", n),
        "o",
        color="tab:orange",
        ms=5,
        label=f"periodic, N={n}: the same, last dropped",
    )
    ax.plot(
        np.arange(n),
        dsp.get_window("hann", n, fftbins=False),
        "x",
        color="tab:blue",
        ms=5,
        label=f"symmetric, N={n}",
    )
    ax.set_xlabel("sample n")
    ax.set_ylabel("w[n]")
    ax.set_title("periodic vs symmetric Hann")
    ax.legend(fontsize=7, loc="lower center")
    ax = axes[1]
    hop = n // 4
    length = 6 * n
    for fftbins, color, label in (
        (True, "tab:orange", "periodic"),
        (False, "tab:blue", "symmetric"),
    ):
        w = dsp.get_window("hann", n, fftbins=fftbins)
        total = np.zeros(length + n)
        for start in range(0, length, hop):
            total[start : start + n] += w
        ax.plot(np.arange(n, length), total[n:length], color=color, label=label)
    ax.set_xlabel("sample")
    ax.set_ylabel("sum of shifted windows")
    ax.set_title(f"overlap-add, hop N/4 = {hop}: periodic sums to 2")
    ax.legend(fontsize=7)
    return fig


@figure("leakage")
def leakage(plt: Any) -> Any:
    n = 64
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), sharey=True)
    for ax, cycles in zip(axes, (10.0, 10.5), strict=True):
        x = np.cos(2 * np.pi * cycles * np.arange(n) / n)
        for spec, color in (
            ("boxcar", "tab:blue"),
            ("hann", "tab:orange"),
            ("blackman", "tab:green"),
        ):
            w = dsp.get_window(spec, n)
            magnitude = np.abs(np.fft.rfft(w * x))
            level = 20 * np.log10(np.maximum(magnitude / magnitude.max(), 1e-12))
            ax.plot(np.arange(n // 2 + 1), level, "o-", ms=3, color=color, label=spec)
        ax.axvline(cycles, color="0.5", lw=0.8, ls=":")
        where = "on bin 10" if cycles == int(cycles) else "between bins"
        ax.set_title(f"{cycles:g} cycles per frame: {where}")
        ax.set_xlabel("DFT bin k")
        ax.set_ylim(-130, 5)
    axes[0].set_ylabel("dB (re peak)")
    axes[1].legend(fontsize=7)
    return fig


#: Plot size of the plain spectrograms drawn by dsp.specshow (the figure adds its axes).
PLOT_W, PLOT_H = 640, 280


@figure("spectrogram")
def spectrogram(plt: Any) -> Any:
    """A plain spectrogram: drawn by dsp itself, the same picture ``dsp stft`` writes."""
    y, sr = _example()
    D = dsp.stft(y)
    S_db = dsp.amplitude_to_db(np.abs(D), ref=np.max)
    return dsp.specshow(
        S_db,
        sr=sr,
        hop_length=HOP,
        y_axis="linear",
        width=PLOT_W,
        height=PLOT_H,
        colorbar_label="dB (re max)",
        title="S_db = amplitude_to_db(np.abs(stft(y)), ref=np.max)",
    )


@figure("tradeoff")
def tradeoff(plt: Any) -> Any:
    y, sr = _example()
    start, stop, fmax = 3.9, 5.6, 2000.0
    segment = y[int(start * sr) : int(stop * sr)]
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.4), sharey=True)
    for ax, n_fft in zip(axes, (256, 1024, 4096), strict=True):
        hop = 64
        S_db = dsp.amplitude_to_db(
            np.abs(dsp.stft(segment, n_fft=n_fft, hop_length=hop)), ref=np.max
        )
        image = _show_linear(ax, S_db, sr=sr, n_fft=n_fft, hop=hop, vmin=-80, vmax=0)
        ax.set_ylim(0, fmax)
        ax.set_title(f"n_fft={n_fft}: {1000 * n_fft / sr:.0f} ms, {sr / n_fft:.1f} Hz/bin")
        ticks = np.arange(4.0, 5.61, 0.4)
        ax.set_xticks(ticks - start, [f"{x:.1f}" for x in ticks])
    for ax in axes[1:]:
        ax.set_ylabel("")
    _colorbar(fig, image, axes[-1], "dB (re max)")
    return fig


@figure("linear_vs_db")
def linear_vs_db(plt: Any) -> Any:
    y, sr = _example()
    S = dsp.spectrogram(y, n_fft=N_FFT, hop_length=HOP, power=2.0)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), sharey=True)
    image = _show_linear(axes[0], S / S.max(), sr=sr, n_fft=N_FFT, hop=HOP, vmin=0, vmax=1)
    axes[0].set_title("power S / S.max() on a linear colour scale")
    _colorbar(fig, image, axes[0], "power (re max)")
    image = _show_linear(axes[1], dsp.power_to_db(S, ref=np.max), sr=sr, n_fft=N_FFT, hop=HOP)
    axes[1].set_title("power_to_db(S, ref=np.max): top_db=80 keeps 80 dB")
    axes[1].set_ylabel("")
    _colorbar(fig, image, axes[1], "dB (re max)")
    return fig


@figure("db_curve")
def db_curve(plt: Any) -> Any:
    S = np.logspace(-14, 0, 400)  # power, max 1
    fig, ax = plt.subplots(figsize=(7, 3.4))
    ax.semilogx(
        S,
        dsp.power_to_db(S, top_db=None),
        lw=2.4,
        color="tab:blue",
        label="power_to_db(S, top_db=None): floor at 10 log10(amin) = -100 dB",
    )
    ax.semilogx(
        S,
        dsp.power_to_db(S),
        color="tab:orange",
        label="power_to_db(S): also floored at max - top_db = -80 dB",
    )
    ax.semilogx(
        S,
        dsp.power_to_db(0.01 * S, ref=np.max),
        "--",
        color="tab:green",
        label="power_to_db(0.01 * S, ref=np.max): the peak becomes 0 dB",
    )
    ax.axvline(1e-10, color="0.5", ls=":", lw=0.8)
    ax.annotate(
        "amin = 1e-10",
        xy=(1e-10, -40),
        xytext=(4e-13, -30),
        fontsize=8,
        arrowprops={"arrowstyle": "->", "color": "0.4"},
    )
    ax.set_xlabel("power S (linear, log axis)")
    ax.set_ylabel("dB")
    ax.set_ylim(-110, 10)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title("decibels: 10 log10(max(amin, S) / ref), then the top_db floor")
    return fig


@figure("mel_scale")
def mel_scale(plt: Any) -> Any:
    f = np.linspace(0, 11025, 1000)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    ax = axes[0]
    for htk, color, label in (
        (False, "tab:blue", "Slaney (default)"),
        (True, "tab:orange", "HTK: 2595 log10(1 + f/700)"),
    ):
        m = dsp.hz_to_mel(f, htk=htk)
        ax.plot(f, m / dsp.hz_to_mel(8000.0, htk=htk), color=color, label=label)
    ax.plot(f, f / 8000, ":", color="0.5", label="linear (Hz)")
    ax.axvline(1000, color="0.6", lw=0.8, ls="--")
    ax.text(1080, 0.05, "1 kHz: Slaney turns\nfrom linear to log", fontsize=7)
    ax.set_ylim(0, 1.4)
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("mel / mel(8 kHz)")
    ax.set_title("hz_to_mel, both scales scaled to 1 at 8 kHz")
    ax.legend(fontsize=7, loc="upper left")
    ax = axes[1]
    n_mels = 24
    for row, (htk, color, label) in enumerate(
        ((False, "tab:blue", "Slaney"), (True, "tab:orange", "HTK"))
    ):
        centres = dsp.mel_frequencies(n_mels, fmin=0.0, fmax=8000.0, htk=htk)
        ax.plot(centres, np.full(n_mels, row), "|", ms=14, mew=1.5, color=color)
        ax.text(8150, row, label, va="center", fontsize=8, color=color)
    ax.plot(np.linspace(0, 8000, n_mels), np.full(n_mels, -1), "|", ms=14, mew=1.5, color="0.5")
    ax.text(8150, -1, "linear", va="center", fontsize=8, color="0.5")
    ax.set_ylim(-1.8, 1.8)
    ax.set_xlim(-100, 9200)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlabel("frequency (Hz)")
    ax.set_title(f"mel_frequencies({n_mels}, fmax=8000): equal steps in mel")
    return fig


@figure("filterbank")
def filterbank(plt: Any) -> Any:
    sr, n_fft, n_mels = SR, N_FFT, 16
    freqs = dsp.fft_frequencies(sr=sr, n_fft=n_fft)
    fig, axes = plt.subplots(2, 1, figsize=(9, 5.0), sharex=True)
    colors = plt.get_cmap("viridis")(np.linspace(0, 0.9, n_mels))
    for ax, norm, title, ylabel in (
        (axes[0], None, "norm=None: triangles of height 1", "weight"),
        (
            axes[1],
            "slaney",
            'norm="slaney": each triangle scaled by 2 / (f_{i+2} - f_i) (unit area)',
            "weight (1/Hz)",
        ),
    ):
        basis = dsp.mel_filterbank(sr=sr, n_fft=n_fft, n_mels=n_mels, norm=norm)
        for i in range(n_mels):
            ax.plot(freqs, basis[i], color=colors[i], lw=1.0)
            ax.fill_between(freqs, basis[i], color=colors[i], alpha=0.15, lw=0)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
    edges = dsp.mel_frequencies(n_mels + 2, fmin=0.0, fmax=sr / 2)
    axes[0].plot(edges[1:-1], np.ones(n_mels), "v", ms=4, color="0.3", label="band centres f_{i+1}")
    axes[0].legend(fontsize=7, loc="upper right")
    axes[1].set_xlabel("frequency (Hz)")
    axes[1].set_xlim(0, sr / 2)
    fig.suptitle(f"mel_filterbank(sr={sr}, n_fft={n_fft}, n_mels={n_mels})", fontsize=10)
    return fig


@figure("projection")
def projection(plt: Any) -> Any:
    y, sr = _example()
    S = dsp.spectrogram(y, power=2.0)
    B = dsp.mel_filterbank(sr=sr, n_fft=N_FFT)
    M = dsp.melspectrogram(S=S, sr=sr)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.5))
    peak_one = B / B.max(axis=1, keepdims=True)
    image = axes[0].imshow(
        peak_one,
        origin="lower",
        aspect="auto",
        interpolation="antialiased",
        cmap="Greys",
        extent=(0, sr / 2, 0, B.shape[0]),
    )
    axes[0].set_xlabel("frequency (Hz)")
    axes[0].set_ylabel("mel band m")
    axes[0].set_title(f"B {B.shape} (rows scaled to peak 1)", fontsize=9)
    _colorbar(fig, image, axes[0], "weight / row max")
    image = _show_linear(axes[1], dsp.power_to_db(S, ref=np.max), sr=sr, n_fft=N_FFT, hop=HOP)
    axes[1].set_title(f"S {S.shape}: power spectrogram", fontsize=9)
    _colorbar(fig, image, axes[1], "dB (re max)")
    image = _show_mel(axes[2], dsp.power_to_db(M, ref=np.max), sr=sr, hop=HOP)
    axes[2].set_title(f"M = B S {M.shape}: mel spectrogram", fontsize=9)
    _colorbar(fig, image, axes[2], "dB (re max)")
    fig.suptitle(
        "the mel projection: every column of S is multiplied by B "
        "(S and M shown in dB for display)",
        fontsize=10,
    )
    return fig


@figure("mel_spectrogram")
def mel_spectrogram(plt: Any) -> Any:
    """A plain mel spectrogram, drawn by dsp itself (``dsp mel`` writes the same picture)."""
    y, sr = _example()
    M_db = dsp.power_to_db(dsp.melspectrogram(y=y, sr=sr, n_mels=128), ref=np.max)
    return dsp.specshow(
        M_db,
        sr=sr,
        hop_length=HOP,
        y_axis="mel",
        width=PLOT_W,
        height=PLOT_H,
        colorbar_label="dB (re max)",
        title="power_to_db(melspectrogram(y=y, sr=sr, n_mels=128), ref=np.max)",
    )


@figure("stages")
def stages(plt: Any) -> Any:
    y, sr = _example()
    transform = dsp.MelSpectrogram(sr=sr, ref=np.max)
    st = transform.stages(y)
    t = 22  # 0.51 s: the vibrato tone, 220 Hz and its harmonics
    n_fft = transform.n_fft
    ms = (np.arange(n_fft) - n_fft // 2) / sr * 1000
    freqs = dsp.fft_frequencies(sr=sr, n_fft=n_fft)
    bands = np.arange(transform.mel_basis.shape[0])
    fig, axes = plt.subplots(2, 3, figsize=(10.5, 5.6))
    ax = axes[0, 0]
    ax.plot(ms, st["frames"][:, t], lw=0.5, color="0.2")
    ax.set_title(f'"frames"[:, {t}]  ({n_fft} samples)')
    ax.set_xlabel("time from frame centre (ms)")
    ax.set_ylabel("amplitude")
    ax = axes[0, 1]
    ax.plot(ms, st["windowed"][:, t], lw=0.5, color="0.2")
    ax.set_title('"windowed"[:, t]: times the Hann window')
    ax.set_xlabel("time from frame centre (ms)")
    ax = axes[0, 2]
    magnitude = np.abs(st["spectrum"][:, t])
    ax.plot(freqs, 20 * np.log10(np.maximum(magnitude, 1e-6)), lw=0.7)
    ax.set_xlim(0, 5000)
    ax.set_title('|"spectrum"[:, t]| (1025 bins)')
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("magnitude (dB)")
    ax = axes[1, 0]
    ax.plot(freqs, st["power"][:, t], lw=0.7)
    ax.set_xlim(0, 5000)
    ax.set_title('"power"[:, t] = |spectrum|**2')
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("power")
    ax = axes[1, 1]
    ax.bar(bands, st["mel"][:, t], width=1.0, color="tab:purple")
    ax.set_title('"mel"[:, t] = mel_basis @ power')
    ax.set_xlabel("mel band (128 bands, 0 to 11 kHz)")
    ax.set_ylabel("power")
    ax = axes[1, 2]
    ax.bar(bands, st["db"][:, t] + 80, width=1.0, bottom=-80, color="tab:red")
    ax.set_ylim(-82, 2)
    ax.set_title('"db"[:, t] = power_to_db(mel)')
    ax.set_xlabel("mel band")
    ax.set_ylabel("dB (re max)")
    fig.suptitle(
        f"MelSpectrogram.stages(y): one frame (t={t}, "
        f"{dsp.frames_to_time(t, sr=sr, hop_length=HOP):.2f} s) through every stage",
        fontsize=10,
    )
    return fig


@figure("cnn_input")
def cnn_input(plt: Any) -> Any:
    y, sr = _example()
    S_db = dsp.power_to_db(dsp.melspectrogram(y=y, sr=sr), ref=np.max)
    x = dsp.to_cnn_input(S_db, normalize="standard")  # (1, 128, 259)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), sharey=False)
    for ax, origin, title in (
        (axes[0], "upper", "as an image library shows x[0]: row 0 on top (upside down)"),
        (axes[1], "lower", "for people: flip the display, low frequencies at the bottom"),
    ):
        image = ax.imshow(x[0], origin=origin, aspect="auto", interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("width: frame index t")
        ax.set_ylabel("height: mel band row")
    _colorbar(fig, image, axes[1], "standardised value (mean 0, std 1)")
    fig.suptitle(
        f"to_cnn_input(S_db, normalize='standard'): shape {x.shape}, {x.dtype}", fontsize=10
    )
    return fig


def conv2d_same(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """2-D cross-correlation (what a CNN layer computes) of an odd kernel, edge-padded so the
    output has the image's shape; the vectorised form of the loop on docs/cnn.md."""
    kh, kw = kernel.shape
    padded = np.pad(image, ((kh // 2, kh // 2), (kw // 2, kw // 2)), mode="edge")
    patches = np.lib.stride_tricks.sliding_window_view(padded, kernel.shape)
    return np.einsum("ijkl,kl->ij", patches, kernel)


@figure("cnn_edges")
def cnn_edges(plt: Any) -> Any:
    y, sr = _example()
    S_db = dsp.power_to_db(dsp.melspectrogram(y=y, sr=sr), ref=np.max)
    x = dsp.to_cnn_input(S_db, normalize="standard")[0]
    along_time = np.array([[-1.0, 0.0, 1.0]] * 3) / 3  # responds to vertical edges: onsets
    along_freq = along_time.T  # responds to horizontal edges: steady tones
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.2), sharey=True)
    panels = (
        (x, "input x[0] (standardised)", CMAP),
        (np.abs(conv2d_same(x, along_time)), "|x * [-1 0 1] along time|: onsets, clicks", "Greys"),
        (np.abs(conv2d_same(x, along_freq)), "|x * [-1 0 1] along frequency|: tones", "Greys"),
    )
    for ax, (data, title, cmap) in zip(axes, panels, strict=True):
        vmax = None if cmap == CMAP else np.percentile(data, 99.5)
        image = ax.imshow(
            data,
            origin="lower",
            aspect="auto",
            interpolation="nearest",
            cmap=cmap,
            vmin=None if cmap == CMAP else 0,
            vmax=vmax,
            extent=(*_time_extent(data.shape[1], sr=sr, hop=HOP), 0, data.shape[0]),
        )
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("time (s)")
        _colorbar(fig, image, ax, "standardised value" if cmap == CMAP else "|response|")
    _mel_ticks(axes[0], n_mels=128, sr=sr)
    return fig


# --------------------------------------------------------------------------------- main


def _figures_of(relative: str) -> dict[str, Callable[[Any], Any]]:
    """The ``FIGURES`` of another drawing script next to this one, loaded from its path."""
    import importlib.util

    path = Path(__file__).resolve().parent / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.FIGURES


# The pages whose figures are drawn by scripts of their own: five-conventions.md (issue 14),
# resampling.md (issue 10), mfcc.md and inversion.md (issue 13), deep-learning.md (issue 16:
# drawing them trains the example's seeded full run once, which needs torch, about a minute).
for _script in (
    "convention_figures.py",
    "resampling_figures.py",
    "toolbox_figures.py",
    "examples/cnn_pictures.py",
):
    FIGURES.update(_figures_of(_script))


def render(names: list[str], out_dir: Path = FIGURE_DIR) -> list[Path]:
    """Draw the named figures into ``out_dir`` and return the paths written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with plt.style.context("default"), plt.rc_context(STYLE):
        for name in names:
            fig = FIGURES[name](plt)
            path = out_dir / f"{name}.png"
            if isinstance(fig, dsp.Figure):  # drawn by dsp.specshow, without matplotlib
                fig.save(path)
                written.append(path)
                continue
            # No "Software" stamp: the same input gives the same bytes.
            fig.savefig(path, metadata={"Software": None})
            plt.close(fig)
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="figures to draw (default: all)")
    parser.add_argument("--out", type=Path, default=FIGURE_DIR, help="output directory")
    parser.add_argument("--list", action="store_true", help="print the figure names and exit")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(FIGURES))
        return 0
    unknown = sorted(set(args.names) - set(FIGURES))
    if unknown:
        parser.error(f"unknown figure(s) {unknown}; known: {list(FIGURES)}")
    for path in render(args.names or list(FIGURES), args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
