"""``dsp.specshow``: a spectrogram figure with axes, ticks, title and a dB colour bar.

A figure is laid out once, in pixels, as a :class:`~dsp.viz._scene.Scene`, and saved from it
as PNG (text drawn with dsp's bitmap font) or SVG (text as text, the picture as an embedded
PNG). Its plot has a fixed size, ``width`` x ``height`` pixels, whatever the length of the
sound: frames and bins are max-pooled onto pixels (:mod:`dsp.viz._raster`), so a 30-minute
recording gives a picture as small as a 6-second one, and a click one frame long stays visible.
Where each tick goes is defined in :mod:`dsp.viz._axes` and :mod:`dsp.viz.ticks`.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from .._validation import (
    check_array,
    check_bool,
    check_positive_int,
    check_real_number,
    check_sr,
    warn,
)
from ..errors import ParameterError
from ..io._atomic import atomic_write
from ._axes import X_AXES, Y_AXES, Axis, make_axis
from ._layout import BAR_WIDTH, layout
from ._png import encode_png
from ._raster import PooledColumns, paint, pool
from ._scene import Rect, Scene, Text
from ._svg import to_svg
from .colormap import COLORMAPS, colorize
from .image import _check_db, db_to_uint8

__all__ = ["Figure", "specshow", "MAX_SIDE"]

#: Largest plot side in pixels (a bound on memory and file size).
MAX_SIDE = 8192


class Figure:
    """A spectrogram figure made by :func:`specshow`; save it with :meth:`save`.

    Attributes
    ----------
    scene : Scene
        Everything drawn, in pixel coordinates.
    plot : (left, top, width, height)
        Where the spectrogram raster sits.
    x_axis, y_axis : Axis
        The axes (their ``fraction`` maps values to positions).
    vmin, vmax : float
        The dB range of the colours (and of the colour bar).
    frames_per_column : float
        Frames pooled into each pixel column (< 1 when frames are repeated).
    """

    def __init__(
        self,
        scene: Scene,
        plot: tuple[int, int, int, int],
        x_axis: Axis,
        y_axis: Axis,
        vmin: float,
        vmax: float,
        frames_per_column: float,
    ) -> None:
        self.scene, self.plot, self.x_axis, self.y_axis = scene, plot, x_axis, y_axis
        self.vmin, self.vmax, self.frames_per_column = vmin, vmax, frames_per_column

    @property
    def width(self) -> int:
        return self.scene.width

    @property
    def height(self) -> int:
        return self.scene.height

    def ticks(self, role: str) -> list[tuple[float, int, str]]:
        """``(value, pixel, label)`` of the ticks of ``"x"``, ``"y"`` or ``"colorbar"``.

        The pixel is the column (x) or row (y, colour bar) of the tick mark in the figure; the
        label is ``""`` for a tick whose label was left out so that its neighbours do not
        touch."""
        if role not in ("x", "y", "colorbar"):
            raise ParameterError(f"role={role!r} is not one of ('x', 'y', 'colorbar')")
        marks = self.scene.find(f"{role}-tick")
        labels = {
            t.value: t.text for t in self.scene.find(f"{role}-tick-label") if isinstance(t, Text)
        }
        out = []
        for mark in marks:
            assert isinstance(mark, Rect) and mark.value is not None
            pixel = mark.x if role == "x" else mark.y
            out.append((mark.value, pixel, labels.get(mark.value, "")))
        return out

    def to_array(self) -> np.ndarray:
        """The figure as an RGB array ``(height, width, 3)``, dtype uint8 (the PNG's pixels)."""
        return paint(self.scene)

    def to_png(self) -> bytes:
        """The bytes of the PNG file."""
        return encode_png(self.to_array())

    def to_svg(self) -> str:
        """The text of the SVG file."""
        return to_svg(self.scene)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the figure as ``.png`` or ``.svg`` (by the extension), atomically."""
        extension = os.path.splitext(os.fspath(path))[1].lower()
        if extension not in (".png", ".svg"):
            raise ParameterError(f"path={os.fspath(path)!r} must end in .png or .svg")
        data = self.to_png() if extension == ".png" else self.to_svg().encode("utf-8")
        with atomic_write(path) as f:
            f.write(data)

    def _repr_png_(self) -> bytes:  # shown inline by Jupyter
        return self.to_png()


def _check_axis(name: str, value: Any, choices: tuple[str | None, ...]) -> str | None:
    if value is not None and not isinstance(value, str) or value not in choices:
        raise ParameterError(f"{name}={value!r} is not one of {choices}")
    return value


def specshow(
    data: np.ndarray | PooledColumns,
    *,
    x_axis: str | None = "time",
    y_axis: str | None = None,
    sr: float = 22050,
    hop_length: int = 512,
    n_fft: int | None = None,
    fmin: float | None = None,
    fmax: float | None = None,
    htk: bool = False,
    cmap: str = "cubehelix",
    vmin: float | None = None,
    vmax: float | None = None,
    title: str | None = None,
    colorbar: bool = True,
    colorbar_label: str = "dB",
    width: int = 1200,
    height: int = 480,
) -> Figure:
    """Draw a dB spectrogram as a figure with time and frequency axes and a dB colour bar.

    Low frequencies are at the bottom, time runs left to right. The plot is ``width`` x
    ``height`` pixels whatever the data's shape: when there are more frames (or bins) than
    pixels, each pixel shows the loudest cell it covers, and the title says how many frames
    each pixel column pools.

    Parameters
    ----------
    data : np.ndarray [shape=(n_rows, n_frames)], real
        A dB spectrogram, row 0 the lowest frequency (``amplitude_to_db(np.abs(stft(y)))``,
        ``power_to_db(melspectrogram(y=y, sr=sr))``). Complex input is shown as its magnitude,
        with a :class:`~dsp.DspWarning`. For a sound too long to hold, a
        :class:`dsp.viz._raster.PooledColumns` (what ``dsp mel x.wav -o x.png`` passes): its
        frames already max-pooled onto the ``width`` columns, block by block
        (:class:`~dsp.viz._raster.ColumnPool`); that gives the same picture, but for the colour
        range's floor, taken from the pooled values unless ``vmin`` is given.
    x_axis : {"time", "frames", None}
        ``"time"``: seconds (``m:ss`` beyond a minute, ``h:mm:ss`` beyond an hour), frame ``t``
        centred at ``t * hop_length / sr``. ``None``: no ticks.
    y_axis : {"linear", "hz", "fft", "log", "mel", "frames", None}
        ``"linear"`` (``"hz"``, ``"fft"``): Hz, bin ``k`` at ``k * sr / n_fft``. ``"log"``: the
        same bins on a logarithmic Hz axis. ``"mel"``: rows are mel bands from ``fmin`` to
        ``fmax``, ticks at the Hz they stand for. ``None``: no ticks.
    sr : number > 0
        Sample rate of the sound (Hz).
    hop_length : int > 0
        Samples between frames.
    n_fft : int > 0 or None
        FFT size of a linear or log axis; ``None`` infers ``2 * (n_rows - 1)``.
    fmin, fmax : float or None
        Frequency range of a mel axis (default 0 and ``sr / 2``), as given to the filterbank.
    htk : bool
        The mel axis uses the HTK mel scale instead of Slaney's.
    cmap : {"cubehelix", "gray"}
        Colours (see :func:`dsp.cubehelix`).
    vmin, vmax : float or None
        dB range of the colours; default: the largest finite value, and 80 dB below it (or the
        smallest finite value, if closer).
    title : str or None
        A line above the plot.
    colorbar : bool
        Draw the dB colour bar.
    colorbar_label : str
        The colour bar's label.
    width, height : int > 0
        Size of the plot (the spectrogram itself) in pixels, at most :data:`MAX_SIDE`.

    Returns
    -------
    Figure
        ``fig.save("x.png")`` or ``fig.save("x.svg")``; ``fig.to_array()`` gives the pixels.

    Raises
    ------
    ParameterError
        If ``data`` is not a non-empty 2-D real array without NaN, or an argument is invalid.

    Notes
    -----
    A value ``v`` on an axis from ``v_0`` to ``v_1`` sits at the fraction
    :math:`p = (g(v) - g(v_0)) / (g(v_1) - g(v_0))` of its length, with :math:`g(v) = v` for
    time and linear Hz, librosa's base-2 ``symlog`` for ``"log"``, and the mel scale
    :math:`m(f)` for ``"mel"`` (:mod:`dsp.viz._axes`). Pixel :math:`j` shows the maximum of the
    cells it covers (:mod:`dsp.viz._raster`); colours are
    :math:`\\mathrm{round}(255 \\cdot \\mathrm{clip}((S - v_{min}) / (v_{max} - v_{min}), 0, 1))`
    looked up in the colour map.

    librosa equivalent: ``librosa.display.specshow(data, x_axis=..., y_axis=..., sr=sr,
    hop_length=hop_length)`` plus ``fig.colorbar``. Same tick values and positions for time,
    linear and log axes up to a minute; longer time axes tick on whole clock steps; a mel axis is
    drawn on the mel scale itself, where librosa uses a ``symlog`` Hz axis and places band ``i``
    at ``mel_frequencies(n_mels)[i]`` (ticks differ by at most one row). dsp returns a
    :class:`Figure` instead of drawing into matplotlib axes; ``x_axis`` defaults to ``"time"``.

    Examples
    --------
    >>> import numpy as np
    >>> import dsp
    >>> sr = 22050
    >>> y = np.sin(2 * np.pi * 440 * np.arange(2 * sr) / sr)
    >>> M_db = dsp.power_to_db(dsp.melspectrogram(y=y, sr=sr), ref=np.max)
    >>> fig = dsp.specshow(M_db, sr=sr, y_axis="mel", title="440 Hz", width=400, height=200)
    >>> [label for _, _, label in fig.ticks("y")]
    ['0', '512', '1024', '2048', '4096', '8192']
    >>> fig.to_array().shape == (fig.height, fig.width, 3)
    True
    """
    frames = None
    if isinstance(data, PooledColumns):  # a long sound, pooled onto the columns in blocks
        frames = data.n_frames
        data = data.values
        if data.ndim != 2 or data.shape[1] != width or not 0 < width <= frames:
            raise ParameterError(
                f"pooled data of shape {data.shape} for {frames} frames: it must have "
                f"width={width} columns, at most one per frame"
            )
    S = check_array("data", data)  # ragged lists and masked arrays: ParameterError
    if S.dtype.kind == "c":
        warn("data is complex: showing its magnitude", stacklevel=3)
        S = np.abs(S)
    S = _check_db(S, "data")
    if S.ndim != 2:
        raise ParameterError(f"data.shape={S.shape} must be (n_rows, n_frames)")
    x_axis = _check_axis("x_axis", x_axis, X_AXES)
    y_axis = _check_axis("y_axis", y_axis, Y_AXES)
    sr = float(check_sr(sr))
    hop_length = check_positive_int("hop_length", hop_length)
    n_rows, n_frames = S.shape if frames is None else (S.shape[0], frames)
    if n_fft is None:
        n_fft = max(2 * (n_rows - 1), 1)
    n_fft = check_positive_int("n_fft", n_fft)
    if y_axis in ("linear", "hz", "fft", "log") and n_fft // 2 + 1 != n_rows:
        raise ParameterError(
            f"n_fft={n_fft} gives {n_fft // 2 + 1} frequency bins, but data has {n_rows} rows"
        )
    fmin = 0.0 if fmin is None else check_real_number("fmin", fmin, nonnegative=True)
    fmax = sr / 2 if fmax is None else check_real_number("fmax", fmax, positive=True)
    if y_axis == "mel" and not fmin < fmax:
        raise ParameterError(f"fmin={fmin} must be smaller than fmax={fmax}")
    htk, colorbar = check_bool("htk", htk), check_bool("colorbar", colorbar)
    if not isinstance(cmap, str) or cmap not in COLORMAPS:
        raise ParameterError(f"cmap={cmap!r} is not one of {COLORMAPS}")
    for name, value in (("title", title), ("colorbar_label", colorbar_label)):
        if (value is not None or name == "colorbar_label") and not isinstance(value, str):
            raise ParameterError(f"{name}={value!r} must be a string")
    width, height = check_positive_int("width", width), check_positive_int("height", height)
    for side, pixels in (("width", width), ("height", height)):
        if pixels > MAX_SIDE:
            raise ParameterError(f"{side}={pixels} must be at most {MAX_SIDE} pixels")
    finite = S[np.isfinite(S)]
    if finite.size == 0 and (vmin is None or vmax is None):
        raise ParameterError("data has no finite value to take the colour range from")
    top = float(finite.max()) if vmax is None else check_real_number("vmax", vmax)
    low = max(float(finite.min()), top - 80.0) if vmin is None else check_real_number("vmin", vmin)
    if low >= top:  # a constant picture: a 1 dB range around it
        if vmin is not None and vmax is not None:
            raise ParameterError(f"vmin={vmin} must be smaller than vmax={vmax}")
        low, top = (low - 1.0, top) if vmin is None else (low, low + 1.0)

    kwargs: dict[str, Any] = {
        "sr": sr,
        "hop_length": hop_length,
        "n_fft": n_fft,
        "fmin": fmin,
        "fmax": fmax,
        "htk": htk,
    }
    x = make_axis(x_axis, n_frames, **kwargs)
    y = make_axis(y_axis, n_rows, **kwargs)
    columns = x.pixel_cells(width) if frames is None else np.arange(width)  # pooled already
    pooled = pool(S, y.pixel_cells(height), columns)[::-1]
    levels = colorize(db_to_uint8(pooled, vmin=low, vmax=top), cmap)
    bar = None
    if colorbar:
        ramp = np.linspace(top, low, height)[:, np.newaxis].repeat(BAR_WIDTH, axis=1)
        bar = colorize(db_to_uint8(ramp, vmin=low, vmax=top), cmap)
    ratio = n_frames / width
    title = title or ""
    if ratio > 1:
        few, many = math.floor(ratio), math.ceil(ratio)
        each = f"{few}" if few == many else f"{few}-{many}"
        note = f"{n_frames} frames, max of {each} per pixel column"
        title = f"{title}\n({note})" if title else note
    scene, plot = layout(levels, bar, x, y, low, top, title, colorbar_label)
    return Figure(scene, plot, x, y, low, top, ratio)
