"""The layout of a spectrogram figure: where the plot, ticks, labels, colour bar and title go.

All sizes are pixels. Around the ``width`` x ``height`` plot: tick marks ``_TICK`` long, tick
labels ``_PAD`` beyond them, axis labels, a colour bar ``_BAR`` wide ``2 * _GAP`` to the right,
the title above, ``_MARGIN`` at the edges. Text is dsp's bitmap font at scale ``_S`` (a line
is 18 pixels high, a character 12 wide). Labels that would touch are thinned (every k-th kept),
an axis label longer than its axis is shortened (``Hz (mel scale)``) or left out, a title
wraps between words, and margins grow so that no text leaves the figure.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._axes import Axis
from ._font import CAP_HEIGHT, LINE_HEIGHT, text_size
from ._scene import Image, Rect, Scene, Text
from .ticks import format_number, nice_ticks

__all__ = ["BAR_WIDTH", "layout"]

_S = 2  # font scale
_TICK, _PAD, _GAP, _MARGIN, _BAR = 6, 4, 10, 12, 20
#: Width of the colour bar in pixels.
BAR_WIDTH = _BAR


def _label_w(texts: list[str]) -> int:
    return max((text_size(t, _S)[0] for t in texts), default=0)


def _thin(positions: list[int], sizes: list[int], gap: int) -> list[int]:
    """Indices of every k-th label, the smallest k for which neighbours keep ``gap`` pixels
    between them (``positions`` are label centres along the axis, ``sizes`` their extents)."""
    for k in range(1, len(positions) + 1):
        kept = list(range(0, len(positions), k))
        if all(
            abs(positions[b] - positions[a]) - (sizes[a] + sizes[b]) / 2 >= gap
            for a, b in zip(kept, kept[1:], strict=False)
        ):
            return kept
    return []


def _fitting(labels: list[str], room: int) -> str:
    """The first of ``labels`` at most ``room`` pixels long, or ``""``."""
    return next((t for t in labels if t and text_size(t, _S)[0] <= room), "")


def _wrap(title: str, room: int) -> list[str]:
    """Split ``title`` at its newlines, then between words so each line fits ``room`` pixels
    (a single word longer than that keeps its own line)."""
    per_line = max((room + 1) // (_S * 6), 1)
    lines: list[str] = []
    for paragraph in title.split("\n") if title else []:
        current = ""
        for word in paragraph.split(" "):
            if current and len(current) + 1 + len(word) > per_line:
                lines.append(current)
                current = word
            else:
                current = f"{current} {word}" if current else word
        lines.append(current)
    return lines


def layout(
    levels: np.ndarray,
    bar: np.ndarray | None,
    x: Axis,
    y: Axis,
    vmin: float,
    vmax: float,
    title: str,
    bar_label: str,
) -> tuple[Scene, tuple[int, int, int, int]]:
    """Place the plot, axes, ticks, labels, colour bar and title; sizes in pixels."""
    height, width = levels.shape[:2]
    line, cap = LINE_HEIGHT * _S, CAP_HEIGHT * _S
    # ticks: (value, offset of the mark from the plot's left or top edge, label)
    xt = [(v, min(int(p * width), width - 1), t) for v, p, t in x.ticks(width)]
    yt = [(v, height - 1 - min(int(p * height), height - 1), t) for v, p, t in y.ticks(height)]
    ct: list[tuple[float, int, str]] = []
    if bar is not None:
        dbs = nice_ticks(vmin, vmax, nbins=int(np.clip(height // 36, 1, 8)))
        step = float(dbs[1] - dbs[0]) if dbs.size > 1 else vmax - vmin
        ct = [
            (float(v), height - 1 - min(int((v - vmin) / (vmax - vmin) * height), height - 1),
             format_number(v, step))
            for v in dbs
        ]  # fmt: skip
    x_kept = _thin([o for _, o, _ in xt], [_label_w([t]) for *_, t in xt], 2 * _GAP)
    y_kept = _thin([o for _, o, _ in yt], [line] * len(yt), 2)
    c_kept = _thin([o for _, o, _ in ct], [line] * len(ct), 2)
    y_label = _fitting([y.label, y.short_label()], height + line)
    bar_text = _fitting([bar_label, bar_label.partition(" (")[0]], height + line)
    x_label = x.label if xt or x.kind is not None else ""

    left = _MARGIN + (line + _GAP if y_label else 0)
    left += _label_w([yt[i][2] for i in y_kept]) + _PAD + _TICK
    for i in x_kept:  # the first x labels must not stick out on the left
        left = max(left, _MARGIN + _label_w([xt[i][2]]) // 2 - xt[i][1])
    left = max(left, _MARGIN + (_label_w([x_label]) - width) // 2)
    right_edge = left + width + _MARGIN
    if bar is not None:
        right_edge += 2 * _GAP + _BAR + _TICK + _PAD + _label_w([ct[i][2] for i in c_kept])
        right_edge += _GAP + line if bar_text else 0
    for i in x_kept:
        right_edge = max(right_edge, left + xt[i][1] + _label_w([xt[i][2]]) // 2 + 1 + _MARGIN)
    right_edge = max(right_edge, left + (width + _label_w([x_label])) // 2 + 1 + _MARGIN)
    lines = _wrap(title, right_edge - 2 * _MARGIN)
    top = _MARGIN + (len(lines) * line + _GAP if lines else 0)
    bottom = _TICK + _PAD + (line if x_kept else 0) + (_GAP + line if x_label else 0) + _MARGIN
    fig_w = max([right_edge] + [_label_w([t]) + 2 * _MARGIN for t in lines])

    scene = Scene(fig_w, top + height + bottom, title=title)
    add = scene.items.append
    add(Image(left, top, levels, "plot"))
    _frame(add, left, top, width, height, "frame")
    for i, (value, offset, text) in enumerate(xt):
        add(Rect(left + offset, top + height + 1, 1, _TICK, "x-tick", value=value))
        if i in x_kept:
            add(Text(left + offset, top + height + 1 + _TICK + _PAD, text, "x-tick-label",
                     "middle", value=value))  # fmt: skip
    for i, (value, offset, text) in enumerate(yt):
        add(Rect(left - 1 - _TICK, top + offset, _TICK, 1, "y-tick", value=value))
        if i in y_kept:
            add(Text(left - 1 - _TICK - _PAD, top + offset - cap // 2, text, "y-tick-label",
                     "end", value=value))  # fmt: skip
    if x_label:
        add(Text(left + width // 2, scene.height - _MARGIN - line, x_label, "x-label", "middle"))
    if y_label:
        add(Text(_MARGIN, top + height // 2, y_label, "y-label", "middle", vertical=True))
    if bar is not None:
        bx = left + width + 2 * _GAP
        add(Image(bx, top, bar, "colorbar"))
        _frame(add, bx, top, _BAR, height, "colorbar-frame")
        for i, (value, offset, text) in enumerate(ct):
            add(Rect(bx + _BAR + 1, top + offset, _TICK, 1, "colorbar-tick", value=value))
            if i in c_kept:
                add(Text(bx + _BAR + 1 + _TICK + _PAD, top + offset - cap // 2, text,
                         "colorbar-tick-label", value=value))  # fmt: skip
        if bar_text:
            add(Text(fig_w - _MARGIN - line, top + height // 2, bar_text, "colorbar-label",
                     "middle", vertical=True))  # fmt: skip
    for i, text in enumerate(lines):
        half = _label_w([text]) // 2
        cx = min(max(left + width // 2, _MARGIN + half), fig_w - _MARGIN - half - 1)
        add(Text(cx, _MARGIN + i * line, text, "title", "middle"))
    return scene, (left, top, width, height)


def _frame(add: Any, left: int, top: int, width: int, height: int, role: str) -> None:
    """A one-pixel line just outside each side of a ``width`` x ``height`` box."""
    add(Rect(left - 1, top - 1, width + 2, 1, role))
    add(Rect(left - 1, top + height, width + 2, 1, role))
    add(Rect(left - 1, top, 1, height, role))
    add(Rect(left + width, top, 1, height, role))
