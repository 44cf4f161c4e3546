"""A scene as SVG 1.1 text: text stays text, rasters are embedded PNGs (``data:`` URIs).

Rectangles become ``<rect>``, images ``<image>`` holding a base64 PNG shown pixel for pixel
(``image-rendering: pixelated``, so a browser does not blur the cells), and text ``<text>`` in
a sans-serif font sized so that its capitals are as tall as the bitmap font's
(:data:`CAP_FRACTION` of the font size). Each element's ``class`` is the item's role and a tick
label carries its number in ``data-value``, so the file can be read back by a program.
"""

from __future__ import annotations

import base64

from ._font import CAP_HEIGHT
from ._png import encode_png
from ._scene import Image, Rect, Scene, Text

__all__ = ["CAP_FRACTION", "FONT_FAMILY", "to_svg", "font_size"]


def escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as XML entities (``xml.sax.saxutils.escape``, whose import pulls
    in ``urllib``: 28 ms of ``import dsp``)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(value: str) -> str:
    """An XML attribute value, escaped, in double quotes (``xml.sax.saxutils.quoteattr``'s
    output for a value without quotes; a quote inside becomes ``&quot;``)."""
    escaped = escape(value).replace('"', "&quot;")
    for char, entity in (("\n", "&#10;"), ("\r", "&#13;"), ("\t", "&#9;")):
        escaped = escaped.replace(char, entity)
    return f'"{escaped}"'


#: Height of a capital letter as a fraction of the font size, for common sans-serif fonts.
CAP_FRACTION = 0.72
FONT_FAMILY = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif"


def font_size(scale: int) -> float:
    """The SVG font size (px) whose capitals match the bitmap font at ``scale``."""
    return round(CAP_HEIGHT * scale / CAP_FRACTION, 1)


def _colour(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _text(item: Text) -> str:
    cap = CAP_HEIGHT * item.scale
    if item.vertical:
        where = f'transform="translate({item.x + cap},{item.y}) rotate(-90)"'
    else:
        where = f'x="{item.x}" y="{item.y + cap}"'
    value = "" if item.value is None else f' data-value="{item.value:g}"'
    fill = "" if item.colour == (0, 0, 0) else f' fill="{_colour(item.colour)}"'
    return (
        f'<text class={quoteattr(item.role)} {where} text-anchor="{item.anchor}" '
        f'font-size="{font_size(item.scale):g}"{fill}{value}>{escape(item.text)}</text>'
    )


def _image(item: Image) -> str:
    data = base64.b64encode(encode_png(item.pixels)).decode("ascii")
    return (
        f'<image class={quoteattr(item.role)} x="{item.x}" y="{item.y}" width="{item.w}" '
        f'height="{item.h}" preserveAspectRatio="none" '
        f'style="image-rendering:pixelated;image-rendering:crisp-edges" '
        f'xlink:href="data:image/png;base64,{data}"/>'
    )


def _rect(item: Rect) -> str:
    value = "" if item.value is None else f' data-value="{item.value:g}"'
    return (
        f'<rect class={quoteattr(item.role)} x="{item.x}" y="{item.y}" width="{item.w}" '
        f'height="{item.h}" fill="{_colour(item.colour)}"{value}/>'
    )


def to_svg(scene: Scene) -> str:
    """The SVG document of a scene (UTF-8 text, standalone, no external references)."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'version="1.1" width="{scene.width}" height="{scene.height}" '
        f'viewBox="0 0 {scene.width} {scene.height}">',
        f"<title>{escape(scene.title)}</title>",
        f'<rect class="background" width="100%" height="100%" fill="{_colour(scene.background)}"/>',
        f'<g font-family={quoteattr(FONT_FAMILY)} shape-rendering="crispEdges">',
    ]
    for item in scene.items:
        if isinstance(item, Rect):
            lines.append(_rect(item))
        elif isinstance(item, Image):
            lines.append(_image(item))
        else:
            lines.append(_text(item))
    lines += ["</g>", "</svg>", ""]
    return "\n".join(lines)
