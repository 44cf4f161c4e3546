"""The pictures of the CNN example (``cnn_sounds.py``) and of ``docs/deep-learning.md``.

- ``dl_<class>``: one test clip's mel spectrogram per class, drawn by :func:`dsp.specshow`;
- ``dl_filters``: the 16 learned 5x5 filters of the mel model's first layer;
- ``dl_occlusion``: where the evidence is, by occlusion, laid over each clip's spectrogram.

:func:`draw_all` draws them from a run's :class:`Result`. :data:`FIGURES` maps each name to a
function ``f(plt) -> Figure`` for ``docs/make_figures.py``; importing this module needs only
numpy and dsp (torch is imported, and the seeded full run trained once, only when drawing).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

import dsp

CLASSES = ("voice", "engine", "bird", "noise")  # as in sounds.py (kept import-light)
SR, HOP = 16000, 256
HERE = os.path.dirname(os.path.abspath(__file__))


def class_spectrogram(result: Any, name: str) -> dsp.Figure:
    """A test clip of class ``name`` as the model's input, before padding and scaling."""
    return dsp.specshow(
        result.examples[name],
        x_axis="time",
        y_axis="mel",
        sr=SR,
        hop_length=HOP,
        title=f"{name}: 64 mel bands",
        width=320,
        height=150,
    )


def band_to_band(w: np.ndarray) -> float:
    """The share of a filter's variation that is from band to band, the same in every frame
    (a horizontal stripe): the variance of its row means, over its total variance. About
    4/24 = 0.17 for random weights (4 of the 24 degrees of freedom of a centred 5x5)."""
    centred = w - w.mean()
    rows = centred.mean(axis=1, keepdims=True)
    return float(np.sum(np.broadcast_to(rows, w.shape) ** 2) / np.sum(centred**2))


def filters(result: Any, plt: Any) -> Any:
    """The first layer's filters, each on its own symmetric colour scale (red +, blue -),
    titled with its number and :func:`band_to_band` share."""
    weights = result.filters
    fig, axes = plt.subplots(2, 8, figsize=(6.4, 2.1))
    for k, ax in enumerate(axes.flat):
        w = weights[k]
        limit = np.abs(w).max()
        # origin="lower": the filter's row 0 is its lowest band, as in the spectrogram
        ax.imshow(w, cmap="RdBu_r", vmin=-limit, vmax=limit, origin="lower")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{k}: {band_to_band(w):.0%}", fontsize=8, fontweight="normal")
    fig.suptitle(
        "first layer: 16 filters, 5 mel bands x 5 frames (time ->, frequency ^)\n"
        "title: number and share of variation from band to band (random weights: ~17%)",
        fontsize=8,
    )
    return fig


def occlusion(result: Any, plt: Any) -> Any:
    """Each clip's mel spectrogram in grey, and in colour where blanking it costs the model
    the most probability of the true class (the top of the occlusion map)."""
    fig, axes = plt.subplots(1, len(result.occlusions), figsize=(9, 2.3), sharey=True, dpi=80)
    for ax, (true, predicted, S_db, drop) in zip(axes, result.occlusions, strict=True):
        seconds = S_db.shape[1] * HOP / SR
        extent = (0, seconds, 0, S_db.shape[0])
        ax.imshow(S_db, origin="lower", aspect="auto", cmap="gray", extent=extent)
        top = max(drop.max(), 1e-6)
        shown = np.ma.masked_less(drop, 0.25 * top)  # the strongest evidence only
        ax.imshow(
            shown,
            origin="lower",
            aspect="auto",
            cmap="autumn_r",
            alpha=0.55,
            extent=extent,
            vmin=0,
            vmax=top,
        )
        ax.set_title(f"{true} (called {predicted})", fontsize=9)
        ax.set_xlabel("time (s)")
    axes[0].set_ylabel("mel band")
    return fig


def draw_all(result: Any, out_dir: str) -> list[str]:
    """Write every picture of ``result`` into ``out_dir`` as PNG; returns the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(out_dir, exist_ok=True)
    written = []
    for name, draw in FIGURES.items():
        path = os.path.join(out_dir, f"{name}.png")
        with plt.rc_context({"figure.dpi": 100, "figure.constrained_layout.use": True}):
            fig = draw(plt, result)
        if isinstance(fig, dsp.Figure):
            fig.save(path)
        else:
            fig.savefig(path, metadata={"Software": None})
            plt.close(fig)
        written.append(path)
    return written


@cache
def seeded_run() -> Any:
    """The full run with seed 0 (trained once per process), for ``docs/make_figures.py``."""
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    import cnn_sounds

    with tempfile.TemporaryDirectory(prefix="dsp-cnn-") as tmp:  # the results are in memory
        return cnn_sounds.run(tmp, seed=0)


def _figure(draw: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def make(plt: Any, result: Any = None) -> Any:
        return draw(result if result is not None else seeded_run(), plt)

    return make


def _class_figure(name: str) -> Callable[..., Any]:
    def draw(result: Any, plt: Any) -> dsp.Figure:
        return class_spectrogram(result, name)

    return _figure(draw)


#: Figure name -> ``f(plt, result=None) -> Figure`` (the seeded full run when no result).
FIGURES: dict[str, Callable[..., Any]] = {
    **{f"dl_{name}": _class_figure(name) for name in CLASSES},
    "dl_filters": _figure(filters),
    "dl_occlusion": _figure(occlusion),
}
