"""The axes of a spectrogram figure: which value sits where, and which cell fills each pixel.

An axis maps a value ``v`` (seconds, Hz) to a *fraction* ``p`` of its length, 0 at the left or
bottom edge and 1 at the right or top edge; a tick at ``v`` is drawn ``p * length`` pixels along.
Cells (frames, bins, bands) are centred on their values, as librosa.display draws them:

- ``time``: frame ``t`` is centred at :math:`t H / F_s`; the axis runs from half a frame before
  frame 0 to half a frame after the last one (eq. S3 of ``docs/conventions.md``).
- ``linear``/``hz``/``fft``: bin ``k`` is centred at :math:`k F_s / N`, from half a bin below
  0 Hz to half a bin above the top bin.
- ``log``: the same range, on matplotlib's ``symlog`` scale with base 2, linear below
  :math:`T = 65.4` Hz (C2) and ``linscale`` 0.5, so 0 Hz has a place:
  :math:`y(f) = c f / T` for :math:`|f| \\le T`, :math:`y(f) = \\mathrm{sign}(f) (c +
  \\log_2(|f| / T))` beyond, with :math:`c = 0.5 / (1 - 1/2)`. Rows are resampled.
- ``mel``: the ``n_mels`` bands tile the mel scale from ``fmin`` to ``fmax`` in equal rows:
  :math:`p = (m(f) - m(f_{min})) / (m(f_{max}) - m(f_{min}))`. Each row is drawn within half a
  row of its filter's centre; librosa instead puts band ``i`` at ``mel_frequencies(n)[i]`` on
  a ``symlog`` axis, which moves a tick by at most one row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..mel import hz_to_mel
from .ticks import HZ_STEPS, format_number, format_time, nice_ticks, power_of_two_ticks
from .ticks import time_ticks as _time_ticks

__all__ = ["Axis", "X_AXES", "Y_AXES", "LOG_LINTHRESH", "MEL_LINTHRESH", "make_axis"]

X_AXES = ("time", "frames", None)
Y_AXES = ("linear", "hz", "fft", "log", "mel", "frames", None)
#: The note C2 in Hz: the linear threshold of librosa's log-frequency axis.
LOG_LINTHRESH = 440.0 * 2.0 ** ((36 - 69) / 12)
_LOG_LINSCALE = 0.5
#: The linear threshold of librosa's mel axis: where its power-of-two ticks start (512 Hz).
MEL_LINTHRESH = 1000.0
#: Fewest pixels between two ticks of a linear frequency axis (at most 9 intervals).
_PX_PER_TICK = 36


def _symlog(f: np.ndarray) -> np.ndarray:
    c = _LOG_LINSCALE / (1 - 0.5)
    a = np.abs(f)
    safe = np.maximum(a, LOG_LINTHRESH)
    return np.where(
        a <= LOG_LINTHRESH, c * f / LOG_LINTHRESH, np.sign(f) * (c + np.log2(safe / LOG_LINTHRESH))
    )


def _symlog_inverse(y: np.ndarray) -> np.ndarray:
    c = _LOG_LINSCALE / (1 - 0.5)
    a = np.abs(y)
    return np.where(a <= c, y * LOG_LINTHRESH / c, np.sign(y) * LOG_LINTHRESH * 2.0 ** (a - c))


@dataclass(frozen=True)
class Axis:
    """One axis: its kind, the number of cells along it, its range and how values map to it."""

    kind: str | None
    n: int
    vmin: float  # value at fraction 0
    vmax: float  # value at fraction 1
    label: str
    htk: bool = False
    cell: float = 1.0  # value step between cell centres (linear/log: bin width)

    def short_label(self) -> str:
        """The label without its explanation (``"Hz (mel scale)"``), for a short axis."""
        name, _, rest = self.label.partition(" (")
        unit, _, scale = rest.rstrip(")").partition(", ")
        return f"{unit} ({scale})" if scale else (unit or name)

    def fraction(self, values: np.ndarray) -> np.ndarray:
        """Fraction of the axis length at which each value lies (0 low end, 1 high end)."""
        v = np.asarray(values, dtype=np.float64)
        if self.kind == "log":
            lo, hi = _symlog(np.array([self.vmin, self.vmax]))
            return (_symlog(v) - lo) / (hi - lo)
        if self.kind == "mel":
            lo, hi = hz_to_mel(np.array([self.vmin, self.vmax]), htk=self.htk)
            return (hz_to_mel(v, htk=self.htk) - lo) / (hi - lo)
        return (v - self.vmin) / (self.vmax - self.vmin)

    def pixel_cells(self, length: int) -> np.ndarray:
        """For pixels ``0 .. length - 1`` (from the low end), the first cell each one covers.

        Consecutive pixels covering several cells take their maximum (see
        :func:`dsp.viz._raster.pool`); a pixel inside one cell shows that cell.
        """
        if self.kind == "log":
            lo, hi = _symlog(np.array([self.vmin, self.vmax]))
            edges = _symlog_inverse(lo + (hi - lo) * np.arange(length) / length)
            starts = np.floor(edges / self.cell + 0.5).astype(np.int64)
            return np.clip(starts, 0, self.n - 1)
        return np.arange(length, dtype=np.int64) * self.n // length  # uniform cells

    def ticks(self, length: int) -> list[tuple[float, float, str]]:
        """``(value, fraction, label)`` of each tick, for an axis ``length`` pixels long."""
        if self.kind is None:
            return []
        span = self.vmax - self.vmin
        if self.kind == "time":
            values = _time_ticks(self.vmin, self.vmax)
            step = float(np.diff(values).min()) if values.size > 1 else span
            labels = [format_time(v, span, step) for v in values]
        elif self.kind in ("log", "mel"):
            thresh = LOG_LINTHRESH if self.kind == "log" else MEL_LINTHRESH
            values = power_of_two_ticks(self.vmin, self.vmax, linthresh=thresh)
            if values.size < 2:
                values = nice_ticks(self.vmin, self.vmax, nbins=5)
            labels = [f"{v:g}" for v in values]
        else:
            nbins = int(np.clip(length // _PX_PER_TICK, 1, 9))
            steps = (1.0, 2.0, 5.0, 10.0) if self.kind == "frames" else HZ_STEPS
            values = nice_ticks(self.vmin, self.vmax, nbins=nbins, steps=steps)
            step = float(np.diff(values).min()) if values.size > 1 else span
            labels = [format_number(v, step) for v in values]
        # Every axis starts half a cell below 0 (s, Hz, frames): no tick is put there.
        kept = [(v, t) for v, t in zip(values, labels, strict=True) if v >= 0]
        fractions = self.fraction(np.array([v for v, _ in kept]))
        return [(float(v), float(p), t) for (v, t), p in zip(kept, fractions, strict=True)]


def make_axis(
    kind: str | None,
    n: int,
    *,
    sr: float,
    hop_length: int,
    n_fft: int,
    fmin: float,
    fmax: float,
    htk: bool,
) -> Axis:
    """The axis of ``kind`` for ``n`` cells (arguments already checked by the caller)."""
    if kind == "time":
        step = hop_length / sr
        span = (n - 0.5) * step
        unit = "s" if span <= 60 else ("m:ss" if span <= 3600 else "h:mm:ss")
        return Axis("time", n, -step / 2, span, f"Time ({unit})", cell=step)
    if kind in ("linear", "hz", "fft", "log"):
        width = sr / n_fft
        label = "Frequency (Hz, log scale)" if kind == "log" else "Frequency (Hz)"
        name = "log" if kind == "log" else "linear"
        return Axis(name, n, -width / 2, (n - 0.5) * width, label, cell=width)
    if kind == "mel":
        scale = "HTK mel" if htk else "mel"
        return Axis("mel", n, fmin, fmax, f"Frequency (Hz, {scale} scale)", htk=htk)
    if kind == "frames":
        return Axis("frames", n, -0.5, n - 0.5, "Frames")
    return Axis(None, n, -0.5, n - 0.5, "")
