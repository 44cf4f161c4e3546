"""From cells to pixels: max-pooling a dB spectrogram onto the plot grid, and painting a scene.

**Pooling.** The plot is ``height x width`` pixels whatever the number of frames and bins.
Pixel ``j`` along an axis starts in cell :math:`c_j` (``Axis.pixel_cells``); it shows

.. math:: P_j = \\max\\{S_c : c_j \\le c < c_{j+1}\\}  \\text{ if } c_{j+1} > c_j,
          \\quad P_j = S_{c_j} \\text{ otherwise,}

so when there are more cells than pixels every cell lands in exactly one pixel and the loudest
wins (a click one frame long stays visible in a 30-minute picture), and when there are fewer,
each cell is repeated over the pixels it covers. ``np.maximum.reduceat`` computes exactly this.
As the colour map rises with dB, pooling dB values and pooling colours give the same picture.

**Painting.** A figure is a list of rectangles, images and text lines in pixel coordinates (the
*scene*, :mod:`dsp.viz._scene`); :func:`paint` draws it into an RGB array for PNG, with dsp's
bitmap font (:mod:`dsp.viz._font`), and :mod:`dsp.viz._svg` writes the same scene as SVG.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._font import render_text
from ._scene import Image, Rect, Scene, Text

__all__ = ["pool", "ColumnPool", "PooledColumns", "paint", "text_box"]


def pool(data: np.ndarray, row_cells: np.ndarray, column_cells: np.ndarray) -> np.ndarray:
    """Max-pool ``data`` (``(n_rows, n_columns)``) onto pixels starting at the given cells.

    Returns ``(len(row_cells), len(column_cells))``, row 0 the lowest pixel row.

    Examples
    --------
    >>> import numpy as np
    >>> data = np.array([[0.0, 5.0, 1.0, 2.0, 9.0, 3.0]])
    >>> pool(data, np.array([0]), np.array([0, 3])).tolist()   # 6 frames into 2 pixels
    [[5.0, 9.0]]
    >>> pool(data[:, :2], np.array([0, 0]), np.array([0, 0, 1, 1])).tolist()  # upsampled
    [[0.0, 0.0, 5.0, 5.0], [0.0, 0.0, 5.0, 5.0]]
    """
    columns = np.maximum.reduceat(data, column_cells, axis=1)
    return np.maximum.reduceat(columns, row_cells, axis=0)


@dataclass(frozen=True)
class PooledColumns:
    """A spectrogram of ``n_frames`` frames whose frames are already max-pooled onto the plot's
    ``values.shape[1]`` pixel columns (uniform cells :math:`c_j = \\lfloor j n / w \\rfloor`):
    what :func:`dsp.specshow` accepts in place of the frames for a sound too long to hold."""

    values: np.ndarray
    n_frames: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape[0], self.n_frames


class ColumnPool:
    """The column step of :func:`pool` over frames that arrive in blocks, in order.

    ``add`` each block of frames ``(n_rows, k)``; ``result()`` then equals
    ``np.maximum.reduceat(S, cells, axis=1)`` of the whole ``S`` with the uniform cells
    :math:`c_j = \\lfloor j n / w \\rfloor` of a time axis, holding only ``(n_rows, w)`` values.
    Needs ``n_frames >= width`` (fewer frames than pixels are small enough to keep).

    Examples
    --------
    >>> S = np.arange(14.0).reshape(1, 14) % 5
    >>> columns = ColumnPool(1, 14, 4, S.dtype)
    >>> for a in range(0, 14, 3):
    ...     columns.add(S[:, a : a + 3])
    >>> cells = np.arange(4) * 14 // 4
    >>> bool(np.array_equal(columns.result().values, np.maximum.reduceat(S, cells, axis=1)))
    True
    """

    def __init__(self, n_rows: int, n_frames: int, width: int, dtype: np.dtype) -> None:
        if n_frames < width:
            raise ValueError(f"{n_frames} frames for {width} columns: nothing to pool")
        self.n_frames, self.seen = n_frames, 0
        self.cells = np.arange(width, dtype=np.int64) * n_frames // width
        self.values = np.full((n_rows, width), -np.inf, dtype=dtype)

    def add(self, block: np.ndarray) -> None:
        a, b = self.seen, self.seen + block.shape[1]
        if b == a:
            return
        # the columns frames a .. b - 1 fall in, and where each starts inside the block
        first = int(np.searchsorted(self.cells, a, side="right")) - 1
        last = int(np.searchsorted(self.cells, b - 1, side="right")) - 1
        starts = np.concatenate(([0], self.cells[first + 1 : last + 1] - a))
        part = np.maximum.reduceat(block, starts, axis=1)
        np.maximum(self.values[:, first : last + 1], part, out=self.values[:, first : last + 1])
        self.seen = b

    def result(self) -> PooledColumns:
        if self.seen != self.n_frames:
            raise ValueError(f"{self.seen} frames added of {self.n_frames}")
        return PooledColumns(self.values, self.n_frames)


def text_box(text: Text) -> tuple[int, int, int, int]:
    """``(left, top, width, height)`` in pixels of a text line as :func:`paint` draws it."""
    mask_h, mask_w = 9 * text.scale, max(6 * len(text.text) - 1, 0) * text.scale
    along = {"start": 0, "middle": mask_w // 2, "end": mask_w}[text.anchor]
    if text.vertical:  # reads bottom to top; (x, y) = (left of the line, anchor point)
        return text.x, text.y - mask_w + along, mask_h, mask_w
    return text.x - along, text.y, mask_w, mask_h


def _put(
    canvas: np.ndarray,
    top: int,
    left: int,
    block: np.ndarray,
    mask: np.ndarray | None,
    colour: tuple[int, int, int] | None = None,
) -> None:
    """Copy ``block`` (or ``colour`` where ``mask``) into ``canvas``, clipped to its edges."""
    h, w = (mask if mask is not None else block).shape[:2]
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + h, canvas.shape[0]), min(left + w, canvas.shape[1])
    if y0 >= y1 or x0 >= x1:
        return
    window = canvas[y0:y1, x0:x1]
    if mask is None:
        window[...] = block[y0 - top : y1 - top, x0 - left : x1 - left]
    else:
        window[mask[y0 - top : y1 - top, x0 - left : x1 - left]] = colour


def paint(scene: Scene) -> np.ndarray:
    """The scene as an RGB array ``(scene.height, scene.width, 3)``, dtype uint8."""
    canvas = np.empty((scene.height, scene.width, 3), dtype=np.uint8)
    canvas[...] = scene.background
    for item in scene.items:
        if isinstance(item, Rect):
            block = np.broadcast_to(np.array(item.colour, dtype=np.uint8), (item.h, item.w, 3))
            _put(canvas, item.y, item.x, block, None)
        elif isinstance(item, Image):
            pixels = item.pixels if item.pixels.ndim == 3 else item.pixels[..., np.newaxis]
            _put(canvas, item.y, item.x, np.broadcast_to(pixels, (*pixels.shape[:2], 3)), None)
        elif isinstance(item, Text):
            mask = render_text(item.text, item.scale)
            if item.vertical:
                mask = np.rot90(mask)  # counter-clockwise: the line reads bottom to top
            left, top, _, _ = text_box(item)
            _put(canvas, top, left, np.empty(0), mask, item.colour)
    return canvas
