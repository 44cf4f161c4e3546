"""A figure as data: rectangles, images and lines of text at pixel positions.

The layout is computed once (:mod:`dsp.viz.figure`); the PNG painter (:mod:`dsp.viz._raster`)
and the SVG writer (:mod:`dsp.viz._svg`) both draw this same list, so the two files agree to the
pixel on where everything is. Coordinates are pixels from the top-left corner, ``x`` to the
right and ``y`` down. ``role`` names what an item is (``"plot"``, ``"x-tick"``,
``"y-tick-label"``, ``"colorbar"``, ...): the SVG writer turns it into a ``class`` attribute,
and tests look items up by it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Rect", "Image", "Text", "Scene", "INK", "PAPER"]

#: Colours of text, axes and background.
INK, PAPER = (0, 0, 0), (255, 255, 255)


@dataclass(frozen=True)
class Rect:
    """A filled rectangle ``w`` x ``h`` pixels with its top-left corner at ``(x, y)``."""

    x: int
    y: int
    w: int
    h: int
    role: str
    colour: tuple[int, int, int] = INK
    value: float | None = None  # the number a tick mark stands for


@dataclass(frozen=True, eq=False)
class Image:
    """A raster (``(h, w, 3)`` or ``(h, w)`` uint8) shown pixel for pixel at ``(x, y)``."""

    x: int
    y: int
    pixels: np.ndarray
    role: str

    @property
    def w(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def h(self) -> int:
        return int(self.pixels.shape[0])


@dataclass(frozen=True)
class Text:
    """One line of text. Horizontal: ``y`` is the top of the line, ``x`` the anchor
    (``start``/``middle``/``end`` of the line). Vertical (reading upwards): ``x`` is the left of
    the rotated line and ``y`` the anchor. ``value`` is the number a tick label stands for."""

    x: int
    y: int
    text: str
    role: str
    anchor: str = "start"
    vertical: bool = False
    scale: int = 2
    colour: tuple[int, int, int] = INK
    value: float | None = None


@dataclass
class Scene:
    """Everything drawn in a figure of ``width`` x ``height`` pixels, in drawing order."""

    width: int
    height: int
    title: str = ""
    background: tuple[int, int, int] = PAPER
    items: list[Rect | Image | Text] = field(default_factory=list)

    def find(self, role: str) -> list[Rect | Image | Text]:
        """The items with this role, in drawing order."""
        return [item for item in self.items if item.role == role]
