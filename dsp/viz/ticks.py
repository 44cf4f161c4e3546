"""Where the ticks of a figure go and what they say: seconds, m:ss, Hz, dB.

Three rules, each the one :func:`librosa.display.specshow` (through matplotlib) follows, so the
same spectrogram gets the same tick values in both:

- **Nice numbers** (:func:`nice_ticks`, matplotlib's ``MaxNLocator``): the step is the
  smallest :math:`s = m \\cdot 10^k`, with the mantissa ``m`` from a short list, such that at most
  ``nbins`` steps cover the axis, :math:`s \\ge (v_{max} - v_{min}) / n_{bins}`; the ticks are the
  multiples of ``s`` inside the axis. Time uses the mantissas 1, 1.5, 5, 6, 10 and 10 bins; a
  linear Hz axis 1, 2, 2.5, 5, 10 and at most 9 bins.
- **Powers of two** (:func:`power_of_two_ticks`) for the log and mel frequency axes: 0 Hz and
  :math:`2^k` Hz from the largest power of two below the axis' linear threshold (65.4 Hz, the
  note C2, for a log axis; 1000 Hz for a mel axis), so a mel axis reads 0, 512, 1024, 2048,
  4096, 8192.
- **Clock time** (:func:`time_ticks`): up to a minute the ticks are nice numbers of seconds
  (``0.5``, ``1``, ``1.5``); beyond, they fall on whole clock steps (10 s, 1 min, 5 min, ...)
  labelled ``m:ss`` (``h:mm:ss`` beyond an hour). Here dsp departs from librosa, whose
  decimal steps make a 30-minute axis read 0:00, 8:20, 16:40, 25:00.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = [
    "TIME_STEPS",
    "HZ_STEPS",
    "CLOCK_STEPS",
    "nice_ticks",
    "time_ticks",
    "format_time",
    "format_number",
    "power_of_two_ticks",
]

#: Step mantissas of the time axis (librosa's ``MaxNLocator(steps=[1, 1.5, 5, 6, 10])``).
TIME_STEPS = (1.0, 1.5, 5.0, 6.0, 10.0)
#: Step mantissas of linear axes (matplotlib's default ``AutoLocator``).
HZ_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)
#: Steps, in seconds, of a time axis longer than a minute: clock-friendly intervals.
CLOCK_STEPS = (
    1,
    2,
    5,
    10,
    15,
    20,
    30,
    60,
    120,
    300,
    600,
    900,
    1200,
    1800,
    3600,
    7200,
    10800,
    21600,
    43200,
    86400,
)
#: Relative slack when deciding whether a tick lies on the axis (float rounding of k * step).
_EDGE = 1e-9


def _multiples(step: float, vmin: float, vmax: float) -> np.ndarray:
    slack = _EDGE * (vmax - vmin)
    first = math.ceil((vmin - slack) / step)
    last = math.floor((vmax + slack) / step)
    return np.arange(first, last + 1) * step


def nice_ticks(
    vmin: float, vmax: float, *, nbins: int = 9, steps: Sequence[float] = HZ_STEPS
) -> np.ndarray:
    """Multiples of the smallest nice step that covers ``[vmin, vmax]`` in ``nbins`` steps.

    Parameters
    ----------
    vmin, vmax : float, vmin < vmax
        The axis range.
    nbins : int > 0
        The largest number of intervals between ticks.
    steps : sequence of float in [1, 10]
        The allowed mantissas of the step, increasing.

    Returns
    -------
    np.ndarray [shape=(n_ticks,)]
        The ticks inside ``[vmin, vmax]``, increasing; at least two when the range allows.

    Notes
    -----
    :math:`s = \\min\\{m 10^k \\ge (v_{max} - v_{min}) / n_{bins}\\}`, ticks :math:`j s` with
    :math:`v_{min} \\le j s \\le v_{max}`; if fewer than two fit, the next smaller step is used.
    librosa equivalent: the ticks of ``matplotlib.ticker.MaxNLocator(nbins, steps=steps)``
    inside the view limits.

    Examples
    --------
    >>> nice_ticks(-5.4, 11030.4).tolist()
    [0.0, 2000.0, 4000.0, 6000.0, 8000.0, 10000.0]
    >>> nice_ticks(-0.0116, 6.0024, nbins=10, steps=TIME_STEPS).tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    """
    raw = (vmax - vmin) / nbins
    scale = 10.0 ** math.floor(math.log10(raw))
    candidates = sorted({m * scale * f for m in steps for f in (0.1, 1.0, 10.0)})
    index = next(i for i, s in enumerate(candidates) if s >= raw * (1 - _EDGE))
    for step in candidates[index::-1]:
        ticks = _multiples(step, vmin, vmax)
        if ticks.size >= 2:
            return ticks + 0.0  # no negative zero
    return ticks + 0.0


def time_ticks(tmin: float, tmax: float, *, nbins: int = 10) -> np.ndarray:
    """Tick times (s) for an axis from ``tmin`` to ``tmax`` seconds.

    Up to 60 s: :func:`nice_ticks` with :data:`TIME_STEPS`, as librosa. Longer: multiples of the
    smallest of :data:`CLOCK_STEPS` with at most ``nbins`` intervals.

    Examples
    --------
    >>> time_ticks(-0.0116, 6.0024).tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    >>> [format_time(t, 1800.0) for t in time_ticks(0.0, 1800.0)]
    ['0:00', '5:00', '10:00', '15:00', '20:00', '25:00', '30:00']
    """
    span = tmax - tmin
    if span <= 60:
        return nice_ticks(tmin, tmax, nbins=nbins, steps=TIME_STEPS)
    step = next((s for s in CLOCK_STEPS if s * nbins >= span), None)
    if step is None:  # days: fall back to nice multiples of a day
        return nice_ticks(tmin / 86400, tmax / 86400, nbins=nbins) * 86400
    return _multiples(float(step), tmin, tmax) + 0.0


def format_number(value: float, step: float) -> str:
    """``value`` with as many decimals as ``step`` needs, trailing zeros dropped.

    Examples
    --------
    >>> [format_number(v, 0.5) for v in (0.0, 0.5, 1.0, 12.5)]
    ['0', '0.5', '1', '12.5']
    >>> format_number(-80.0, 10.0), format_number(2500.0, 2500.0)
    ('-80', '2500')
    """
    decimals = max(0, -math.floor(math.log10(abs(step)) + 1e-9)) if step else 0
    for extra in range(3):  # 1.5, 0.25: one or two more digits than the step's magnitude
        if abs(round(step, decimals + extra) - step) <= 1e-9 * abs(step):
            decimals += extra
            break
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_time(seconds: float, span: float, step: float | None = None) -> str:
    """A time tick label: seconds up to a one-minute ``span``, ``m:ss`` up to an hour, then
    ``h:mm:ss``.

    Examples
    --------
    >>> format_time(1.5, 6.0, 0.5), format_time(150.0, 600.0), format_time(5400.0, 7200.0)
    ('1.5', '2:30', '1:30:00')
    """
    if span > 3600:
        whole = round(seconds)
        return f"{whole // 3600:d}:{whole // 60 % 60:02d}:{whole % 60:02d}"
    if span > 60:
        whole = round(seconds)
        return f"{whole // 60:d}:{whole % 60:02d}"
    return format_number(seconds, step if step else span / 10)


def power_of_two_ticks(vmin: float, vmax: float, *, linthresh: float) -> np.ndarray:
    """0 and the powers of two from the largest one at most ``linthresh``, inside the axis.

    Notes
    -----
    librosa equivalent: the ticks of ``matplotlib.ticker.SymmetricalLogLocator`` on a
    ``symlog`` axis with ``base=2`` (librosa's log and mel frequency axes), inside the view.

    Examples
    --------
    >>> power_of_two_ticks(-13.1, 11171.9, linthresh=1000.0).tolist()
    [0.0, 512.0, 1024.0, 2048.0, 4096.0, 8192.0]
    """
    first = math.floor(math.log2(linthresh))
    last = math.floor(math.log2(max(vmax, 2.0**first)))
    ticks = [0.0] + [2.0**k for k in range(first, last + 1)]
    return np.array([t for t in ticks if vmin <= t <= vmax])
