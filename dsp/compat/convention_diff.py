"""Where two mel-spectrogram conventions part ways: a stage-by-stage diff (:func:`compare`).

A model trained on one system's features and fed another's degrades silently. :func:`compare`
runs the stages of two named conventions (:mod:`dsp.compat.presets`) side by side on the same audio
and reports, for every stage (resample, framing, window, FFT, power, filterbank, log/dB,
normalisation), the parameters that differ and the deviation that difference causes *at that
stage* when everything before it is made equal: stage ``k`` of convention ``b`` is fed the
output of ``a``'s stages ``1 .. k-1`` and compared with ``a``'s stage ``k``. Parameters that
change an array's shape (sample rate, frame length, hop, FFT size, number of bands, framing
mode, layout) are listed as shape changes; the deviation is measured with ``a``'s sizes.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_audio, check_real_number
from ..errors import DspWarning, ParameterError
from . import _convention_stages as st
from .presets import Convention, get_preset

__all__ = ["compare", "ConventionDiff", "StageDiff", "STAGES"]

#: The stages compared, in pipeline order.
STAGES = ("resample", "framing", "window", "FFT", "power", "filterbank", "log/dB", "normalisation")
#: Parameters that change the shape of a stage's output (reported, not measured).
_SHAPE = {"sr", "frame length", "hop", "framing", "last frame dropped", "n_fft", "n_mels", "layout"}


@dataclass(frozen=True)
class StageDiff:
    """One row of a :class:`ConventionDiff`: a stage, what differs, and what it does."""

    stage: str
    differences: tuple[tuple[str, Any, Any], ...]
    max_abs: float
    relative: float
    #: The differing parameters that change shapes (listed, not measured).
    shape_params: frozenset[str] = frozenset()

    @property
    def shape_only(self) -> bool:
        """True when every difference only changes shapes (nothing to measure)."""
        return all(name in self.shape_params for name, _, _ in self.differences)


@dataclass(frozen=True)
class ConventionDiff:
    """The result of :func:`compare`: one :class:`StageDiff` per stage; prints as a table."""

    a: str
    b: str
    sr: float
    rows: tuple[StageDiff, ...]

    def table(self) -> list[list[str]]:
        """Header and rows as text cells."""
        lines = [["stage", "parameter", self.a, self.b, "deviation", "relative"]]
        for row in self.rows:
            if not row.differences:
                lines.append([row.stage, "(same)", "", "", "0", "0"])
                continue
            for i, (name, va, vb) in enumerate(row.differences):
                measured = i == 0 and not row.shape_only
                lines.append(
                    [
                        row.stage if i == 0 else "",
                        name,
                        _text(va),
                        _text(vb),
                        f"{row.max_abs:.3g}"
                        if measured
                        else ("shape" if name in row.shape_params else ""),
                        f"{row.relative:.3g}" if measured else "",
                    ]
                )
        return lines

    def to_markdown(self) -> str:
        """The table in Markdown."""
        head, *body = (
            ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |"] for r in self.table()
        )
        return "\n".join(head + ["|" + "---|" * 6] + [line for r in body for line in r])

    def __str__(self) -> str:
        lines = self.table()
        widths = [max(len(r[i]) for r in lines) for i in range(len(lines[0]))]
        text = [
            "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
            for r in lines
        ]
        text.insert(1, "  ".join("-" * w for w in widths))
        title = (
            f"{self.a} vs {self.b} at {self.sr:g} Hz: deviation = max |b - a| of each "
            f"stage's output with everything before it made equal ({self.a}'s sizes); "
            f"relative = deviation / max |a|"
        )
        return "\n".join([title, *text])

    __repr__ = __str__


def _text(value: Any) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.4g}"
    return "none" if value is None else str(value)


def _deviation(b: np.ndarray, a: np.ndarray) -> tuple[float, float]:
    if b.shape != a.shape or a.size == 0:
        return float("nan"), float("nan")
    diff = float(np.abs(b - a).max())
    scale = float(np.abs(a).max())
    return diff, diff / scale if scale > 0 else (0.0 if diff == 0 else float("inf"))


def _differences(a: Convention, b: Convention, shape: set[str]) -> dict[str, list[Any]]:
    """Per stage, the differing ``(name, a value, b value)``: measured first, then shapes."""
    da, db = a.describe(), b.describe()
    out = {}
    for stage in STAGES:
        found = [(k, v, db[stage][k]) for k, v in da[stage].items() if db[stage][k] != v]
        out[stage] = sorted(found, key=lambda d: d[0] in shape)
    return out


def compare(y: np.ndarray, sr: float, *, a: str = "librosa", b: str = "whisper") -> ConventionDiff:
    """Compare two conventions stage by stage on the audio ``y``.

    Parameters
    ----------
    y : np.ndarray [shape=(n,), real floating point]
        Mono audio on the ``[-1, 1]`` scale (each convention applies its own input scale).
    sr : float > 0
        Its sample rate; it is resampled to ``a``'s rate first when they differ.
    a, b : str
        Names of :data:`dsp.compat.presets.PRESETS`: ``"librosa"``, ``"torchaudio"``, ``"whisper"``,
        ``"kaldi"``, ``"torchaudio-kaldi"``.

    Returns
    -------
    ConventionDiff
        Prints as a table: per stage, each differing parameter with its two values, and the
        deviation ``max |b_k - a_k|`` (and over ``max |a_k|``) of stage ``k``'s output when
        both are fed ``a``'s stages ``1 .. k-1``, with ``a``'s sizes; "shape" marks a
        parameter that only changes sizes.

    Raises
    ------
    ParameterError
        For unknown names, bad audio, or audio too short for ``a``'s frames.

    Notes
    -----
    With ``A_k``, ``B_k`` the two conventions' stage functions and ``x_0`` the audio at
    ``a``'s rate, ``x_k = A_k(x_{k-1})``; the deviation of stage ``k`` is
    ``max |B_k(x_{k-1}) - A_k(x_{k-1})|``. Stages are computed in float64 from their
    definitions (``dsp.compat._convention_stages``); a stage whose parameters all agree shows 0.
    Quantities tied to the input scale are carried over in ``a``'s units (Kaldi's dither of
    1.0 is one int16 step: ``1 / 32768`` on ``[-1, 1]`` audio); a clamp in dB is applied in
    the units of ``a``'s log.

    librosa equivalent: none.

    Examples
    --------
    >>> import numpy as np
    >>> sr = 16000
    >>> y = 0.1 * np.sin(2 * np.pi * 440.0 * np.arange(sr) / sr)
    >>> diff = compare(y, sr, a="torchaudio", b="whisper")
    >>> [row.stage for row in diff.rows if row.differences]
    ['framing', 'filterbank', 'log/dB', 'normalisation']
    """
    ca, cb = get_preset(a), get_preset(b)
    y = check_audio(y)
    if y.ndim != 1:
        raise ParameterError(f"y must be mono (1-D) for compare, got shape {y.shape}")
    sr = check_real_number("sr", sr, positive=True)
    if ca.sr is not None and sr != ca.sr:
        from ..resampling import resample  # only when needed

        y = resample(y, orig_sr=sr, target_sr=ca.sr)
        sr = float(ca.sr)
    sizes = st.sizes_of(ca, sr)
    if y.shape[-1] < sizes["frame_length"]:
        raise ParameterError(
            f"y has {y.shape[-1]} samples, fewer than one frame of {a} "
            f"({sizes['frame_length']} samples at {sr:g} Hz)"
        )
    with warnings.catch_warnings():  # a design with empty filters is reported as it is
        warnings.simplefilter("ignore", DspWarning)
        x, b_out = _stages(y, ca, cb, sizes)
    # Between centred and snipped framing a pad mode has no counterpart: a shape difference.
    shape = _SHAPE | ({"pad mode"} if ca.framing != cb.framing else set())
    differences = _differences(ca, cb, shape)
    rows = []
    for stage in STAGES:
        max_abs, relative = _deviation(b_out[stage], x[stage])
        found = differences[stage]
        rows.append(
            StageDiff(
                stage,
                tuple(found),
                max_abs,
                relative,
                frozenset(n for n, _, _ in found if n in shape),
            )
        )
    return ConventionDiff(a, b, sr, tuple(rows))


def _stages(
    y: np.ndarray, ca: Convention, cb: Convention, sizes: st.Sizes
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """``a``'s stage outputs, and ``b``'s stage ``k`` fed ``a``'s stage ``k - 1``."""
    x = st.run(y, ca, sizes)
    same_framing = ca.framing == cb.framing
    # b's dither is in b's input units (Kaldi's 1.0 is one int16 step): rescale it to a's.
    cb_frames = dataclasses.replace(cb, dither=cb.dither * ca.input_scale / cb.input_scale)
    b_out = {
        "resample": np.asarray(y, dtype=np.float64) * cb.input_scale,
        "framing": st.frames(
            x["resample"],
            cb_frames,
            sizes,
            framing=ca.framing,
            pad_mode=None if same_framing else ca.pad_mode,
            drop_last=ca.drop_last,
        ),
        "window": x["framing"] * st.window(cb, sizes["frame_length"]),
        "FFT": st.fft(x["window"], cb, sizes["n_fft"]),
        "power": st.power(x["FFT"], cb),
        "filterbank": x["power"] @ st.filterbank(cb, sizes).T,
        "log/dB": st.log(x["filterbank"], cb),
        "normalisation": st.normalise(x["log/dB"], cb, ca.log),
    }
    return x, b_out
