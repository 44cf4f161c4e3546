"""From a dB spectrogram to a picture: a fixed dB range -> [0, 1] -> 256 levels -> colours -> PNG.

The mapping is affine and invertible up to the 8-bit quantisation::

    u = clip((S_db - vmin) / (vmax - vmin), 0, 1)      # [vmin, vmax] -> [0, 1]
    L = round(255 * u)                                   # -> uint8 level
    S_db ~= vmin + L / 255 * (vmax - vmin)               # the inverse, within half a level

The default range is the ``top_db`` window below the maximum, the same window
:func:`dsp.power_to_db` keeps, so a ``power_to_db(..., ref=np.max)`` spectrogram fills the
whole scale. Colours come from Green's (2011) cubehelix, whose brightness rises linearly with
the level; the picture puts low frequencies at the bottom.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_array, check_positive_int, check_real_number
from ..errors import ParameterError
from ._png import write_png
from .colormap import COLORMAPS, colorize, cubehelix

__all__ = [
    "LEVELS",
    "COLORMAPS",
    "db_limits",
    "db_to_uint8",
    "uint8_to_db",
    "cubehelix",
    "colorize",
    "spectrogram_image",
    "write_png",
]

#: The largest 8-bit level; levels run 0..LEVELS.
LEVELS = 255


def _check_db(S_db: Any, name: str = "S_db") -> np.ndarray:
    S_db = check_array(name, S_db)  # ragged lists and masked arrays: ParameterError
    if S_db.dtype.kind not in "fiu" or S_db.size == 0:
        raise ParameterError(
            f"{name} (dtype={S_db.dtype}, shape={S_db.shape}) must be non-empty real numbers"
        )
    if np.isnan(S_db).any():
        index = tuple(int(i) for i in np.argwhere(np.isnan(S_db))[0])
        raise ParameterError(f"{name} has a NaN at index {index}")
    return S_db


def db_limits(
    S_db: np.ndarray, *, top_db: float = 80.0, vmax: float | None = None
) -> tuple[float, float]:
    """The dB range a picture shows: ``(vmax - top_db, vmax)``, ``vmax`` the loudest value.

    Parameters
    ----------
    S_db : np.ndarray [shape=(..., n_bins, n_frames)]
        A dB spectrogram (no NaN).
    top_db : float > 0
        Width of the range in dB.
    vmax : float or None
        Top of the range; ``None`` takes the largest finite value of ``S_db``.

    Returns
    -------
    (vmin, vmax) : tuple of float

    Raises
    ------
    ParameterError
        If ``S_db`` is empty, has a NaN or no finite value, or ``top_db``/``vmax`` are invalid.

    Examples
    --------
    >>> import numpy as np
    >>> db_limits(np.array([[-100.0, -20.0], [0.0, -np.inf]]))
    (-80.0, 0.0)
    """
    S_db = _check_db(S_db)
    top_db = check_real_number("top_db", top_db, positive=True)
    if vmax is None:
        finite = S_db[np.isfinite(S_db)]
        if finite.size == 0:
            raise ParameterError("S_db has no finite value to take the maximum of")
        vmax = float(finite.max())
    vmax = check_real_number("vmax", vmax)
    return vmax - top_db, vmax


def _check_range(vmin: Any, vmax: Any) -> tuple[float, float]:
    vmin = check_real_number("vmin", vmin)
    vmax = check_real_number("vmax", vmax)
    if not vmin < vmax:
        raise ParameterError(f"vmin={vmin} must be smaller than vmax={vmax}")
    return vmin, vmax


def db_to_uint8(S_db: np.ndarray, *, vmin: float, vmax: float) -> np.ndarray:
    """Map dB values to 8-bit levels: ``vmin`` -> 0, ``vmax`` -> 255, clipped outside.

    Parameters
    ----------
    S_db : np.ndarray [shape=(...)]
        dB values (no NaN; -inf maps to 0).
    vmin, vmax : float, vmin < vmax
        The dB range, e.g. from :func:`db_limits`.

    Returns
    -------
    np.ndarray [shape=S_db.shape, dtype=uint8]

    Raises
    ------
    ParameterError
        If ``S_db`` has a NaN or the range is empty or not finite.

    Notes
    -----
    :math:`L = \\mathrm{round}(255 \\cdot \\mathrm{clip}((S - v_{min}) / (v_{max} - v_{min}),
    0, 1))`; :func:`uint8_to_db` is the inverse, exact to half a level,
    :math:`(v_{max} - v_{min}) / 510` dB, inside the range.

    Examples
    --------
    >>> import numpy as np
    >>> db_to_uint8(np.array([-90.0, -80.0, -40.0, 0.0, 5.0]), vmin=-80.0, vmax=0.0)
    array([  0,   0, 128, 255, 255], dtype=uint8)
    """
    S_db = _check_db(S_db)
    vmin, vmax = _check_range(vmin, vmax)
    unit = np.clip((S_db.astype(np.float64) - vmin) / (vmax - vmin), 0.0, 1.0)
    return np.rint(unit * LEVELS).astype(np.uint8)


def uint8_to_db(levels: np.ndarray, *, vmin: float, vmax: float) -> np.ndarray:
    """The inverse of :func:`db_to_uint8`: 8-bit levels back to dB.

    Parameters
    ----------
    levels : np.ndarray [dtype=uint8]
        Levels 0..255 (e.g. read back from a greyscale PNG).
    vmin, vmax : float, vmin < vmax
        The range the levels were made with.

    Returns
    -------
    np.ndarray [shape=levels.shape, dtype=float64]
        :math:`v_{min} + L / 255 \\cdot (v_{max} - v_{min})`.

    Raises
    ------
    ParameterError
        If ``levels`` is not uint8 or the range is invalid.

    Examples
    --------
    >>> import numpy as np
    >>> uint8_to_db(np.array([0, 128, 255], dtype=np.uint8), vmin=-80.0, vmax=0.0)
    array([-80.        , -39.84313725,   0.        ])
    """
    levels = check_array("levels", levels)
    if levels.dtype != np.uint8:
        raise ParameterError(f"levels dtype={levels.dtype} must be uint8")
    vmin, vmax = _check_range(vmin, vmax)
    return vmin + levels.astype(np.float64) * ((vmax - vmin) / LEVELS)


def spectrogram_image(
    S_db: np.ndarray,
    *,
    top_db: float = 80.0,
    vmax: float | None = None,
    colormap: str = "cubehelix",
    min_width: int = 800,
    min_height: int = 400,
    max_zoom: int = 8,
) -> np.ndarray:
    """A picture of a dB spectrogram: low frequencies at the bottom, time left to right.

    Parameters
    ----------
    S_db : np.ndarray [shape=(n_bins, n_frames)]
        A dB spectrogram, row 0 the lowest frequency (as :func:`dsp.stft` and
        :func:`dsp.melspectrogram` produce it).
    top_db : float > 0
        dB range shown below ``vmax``; quieter values are black.
    vmax : float or None
        The loudest dB shown (white); ``None`` takes the maximum of ``S_db``.
    colormap : {"cubehelix", "gray"}
        Colours, or grey levels.
    min_width, min_height : int > 0
        The picture is enlarged by whole factors (each pixel repeated) until it is at least this
        wide and high, so a short clip is not a few pixels wide.
    max_zoom : int > 0
        Largest enlargement factor on either axis.

    Returns
    -------
    np.ndarray [dtype=uint8]
        ``(height, width, 3)`` RGB, or ``(height, width)`` for ``"gray"``; ready for
        :func:`write_png`.

    Raises
    ------
    ParameterError
        If ``S_db`` is not 2-D, or any argument is invalid.

    Examples
    --------
    >>> import numpy as np
    >>> S_db = np.linspace(-80.0, 0.0, 128 * 100).reshape(128, 100)
    >>> picture = spectrogram_image(S_db)
    >>> picture.shape, picture.dtype
    ((512, 800, 3), dtype('uint8'))
    >>> picture[-1, 0].tolist(), picture[0, -1].tolist()  # bottom left quiet, top right loud
    ([0, 0, 0], [255, 255, 255])
    """
    S_db = _check_db(S_db)
    if S_db.ndim != 2:
        raise ParameterError(
            f"S_db.shape={S_db.shape} must be (n_bins, n_frames): pick one channel first"
        )
    sizes = [
        check_positive_int(name, value)
        for name, value in (
            ("min_height", min_height),
            ("min_width", min_width),
            ("max_zoom", max_zoom),
        )
    ]
    vmin, vmax = db_limits(S_db, top_db=top_db, vmax=vmax)
    levels = db_to_uint8(S_db[::-1], vmin=vmin, vmax=vmax)
    for axis, minimum in enumerate(sizes[:2]):
        zoom = min(max(1, -(-minimum // S_db.shape[axis])), sizes[2])
        levels = np.repeat(levels, zoom, axis=axis)
    return colorize(levels, colormap)
