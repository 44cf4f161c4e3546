"""The figure of ``docs/resampling.md``: dsp's resampler next to soxr's and scipy's.

:data:`FIGURES` maps the figure name to a function ``f(plt) -> Figure``; ``docs/make_figures.py``
merges it into its own list and draws it with its style::

    python docs/make_figures.py resampling_response

The responses are measured, not computed from formulas: tones resampled from 44100 to 22050 Hz
by each method, their level read where they land (``benchmarks/resampling.py``'s
``response``). Drawing it needs soxr and scipy besides matplotlib.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

#: Figure name -> function ``f(plt) -> Figure``.
FIGURES: dict[str, Callable[[Any], Any]] = {}
ORIG, TARGET = 44100, 22050


def _response_figure(plt: Any) -> Any:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks.resampling import METHODS, response

    fig, (full, passband) = plt.subplots(
        1, 2, figsize=(10, 3.8), gridspec_kw={"width_ratios": [3, 2]}
    )
    styles = {"dsp_hq": ("C0", "-"), "soxr HQ": ("C1", "--"), "scipy polyphase": ("C2", ":")}
    nyquist = TARGET / 2
    for name, method in METHODS.items():
        freqs, levels = response(method, ORIG, TARGET, points=500)
        color, line = styles[name]
        full.plot(freqs / 1000, np.maximum(levels, -200), color=color, linestyle=line, label=name)
        inside = freqs < 0.98 * nyquist
        passband.plot(freqs[inside] / 1000, levels[inside], color=color, linestyle=line, label=name)
    full.axvline(nyquist / 1000, color="0.5", linewidth=0.8)
    full.text(nyquist / 1000, 8, " new Nyquist (11.025 kHz)", fontsize=8, color="0.3")
    full.axhline(-120, color="0.5", linewidth=0.8, linestyle="--")
    full.text(0.2, -117, "-120 dB: the issue's limit for aliases", fontsize=8, color="0.3")
    full.set(
        title="44100 -> 22050 Hz: the level of a tone after resampling",
        xlabel="input tone (kHz); above 11.025 kHz, measured at its alias",
        ylabel="dB (floored at -200)",
        ylim=(-205, 15),
    )
    full.legend(loc="lower left", fontsize=8)
    passband.axvspan(0.9 * nyquist / 1000, nyquist / 1000, color="0.9")
    passband.axhline(0.01, color="0.5", linewidth=0.8, linestyle="--")
    passband.axhline(-0.01, color="0.5", linewidth=0.8, linestyle="--")
    passband.set(
        title="the passband, zoomed (limit: +-0.01 dB)",
        xlabel="tone (kHz)",
        ylabel="dB",
        ylim=(-0.05, 0.02),
    )
    return fig


FIGURES["resampling_response"] = _response_figure
