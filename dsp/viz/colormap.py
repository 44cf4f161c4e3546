"""Colour maps for spectrogram pictures, computed from a published formula (no data files).

dsp's map is Green's (2011) cubehelix with parameters chosen here (``start=0, rotations=0.6,
hue=2.2``): black, purple, red, orange, pale yellow, with brightness rising linearly from black
to white, so the picture keeps its meaning when printed in grey.
"""

from __future__ import annotations

import numpy as np

from .._memory import check_memory
from .._validation import check_array, check_choice, check_positive_int, check_real_number
from ..errors import ParameterError

__all__ = ["COLORMAPS", "LUMINANCE_WEIGHTS", "cubehelix", "colorize"]

#: Colour maps :func:`colorize` knows: dsp's cubehelix and plain grey levels.
COLORMAPS = ("cubehelix", "gray")
#: The luminance weights of Green's construction (R, G, B).
LUMINANCE_WEIGHTS = (0.30, 0.59, 0.11)
_LEVELS = 255


def cubehelix(
    n: int = _LEVELS + 1,
    *,
    start: float = 0.0,
    rotations: float = 0.6,
    hue: float = 2.2,
    gamma: float = 1.0,
) -> np.ndarray:
    """Green's cubehelix colour map: a helix around the grey diagonal of the RGB cube.

    Parameters
    ----------
    n : int > 0
        Number of colours.
    start : float
        Starting hue (1 = red, 2 = green, 3 = blue; periodic with period 3).
    rotations : float
        Turns of the helix from black to white (sign gives the direction).
    hue : float >= 0
        Amplitude of the helix (saturation); 0 gives grey levels.
    gamma : float > 0
        Brightness exponent.

    Returns
    -------
    np.ndarray [shape=(n, 3), dtype=float64]
        RGB in [0, 1], from black (row 0) to white (row n - 1).

    Notes
    -----
    For :math:`\\lambda` from 0 to 1, with :math:`\\ell = \\lambda^\\gamma`,
    :math:`\\phi = 2\\pi(s/3 + r\\lambda)` and :math:`a = h \\ell (1 - \\ell) / 2`::

        R = l + a (-0.14861 cos(phi) + 1.78277 sin(phi))
        G = l + a (-0.29227 cos(phi) - 0.90649 sin(phi))
        B = l + a ( 1.97294 cos(phi))

    The deviation from grey has zero luminance (weights 0.30 R + 0.59 G + 0.11 B), so the
    perceived brightness is :math:`\\ell`: it rises monotonically, and the picture reads correctly
    in greyscale. Values are clipped to [0, 1]; dsp's defaults (``start=0, rotations=0.6,
    hue=2.2``: black, purple, red, orange, pale yellow) never clip.

    References
    ----------
    D. A. Green, "A colour scheme for the display of astronomical intensity images",
    Bulletin of the Astronomical Society of India 39 (2011) 289-295, arXiv:1108.5083.

    Examples
    --------
    >>> import numpy as np
    >>> colours = cubehelix(5)
    >>> colours.shape, colours[0].tolist(), colours[-1].tolist()
    ((5, 3), [0.0, 0.0, 0.0], [1.0, 1.0, 1.0])
    """
    n = check_positive_int("n", n)
    check_memory(f"n={n}", 8.0 * 3 * 4 * n)  # the (n, 3) table and its temporaries
    start = check_real_number("start", start)
    rotations = check_real_number("rotations", rotations)
    hue = check_real_number("hue", hue, nonnegative=True)
    gamma = check_real_number("gamma", gamma, positive=True)
    lam = np.linspace(0.0, 1.0, n)
    light = lam**gamma
    phi = 2 * np.pi * (start / 3 + rotations * lam)
    amplitude = hue * light * (1 - light) / 2
    cos, sin = np.cos(phi), np.sin(phi)
    rgb = light[:, np.newaxis] + amplitude[:, np.newaxis] * np.stack(
        [-0.14861 * cos + 1.78277 * sin, -0.29227 * cos - 0.90649 * sin, 1.97294 * cos], axis=1
    )
    return np.clip(rgb, 0.0, 1.0)


def colorize(levels: np.ndarray, colormap: str = "cubehelix") -> np.ndarray:
    """Turn 8-bit levels into colours (``"cubehelix"``) or keep them grey (``"gray"``).

    Parameters
    ----------
    levels : np.ndarray [shape=(...), dtype=uint8]
    colormap : {"cubehelix", "gray"}

    Returns
    -------
    np.ndarray [dtype=uint8]
        ``levels.shape + (3,)`` RGB for ``"cubehelix"``; ``levels`` itself for ``"gray"``.

    Raises
    ------
    ParameterError
        If ``levels`` is not uint8 or ``colormap`` is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> colorize(np.array([0, 255], dtype=np.uint8)).tolist()
    [[0, 0, 0], [255, 255, 255]]
    """
    levels = check_array("levels", levels)
    if levels.dtype != np.uint8:
        raise ParameterError(f"levels dtype={levels.dtype} must be uint8")
    check_choice("colormap", colormap, COLORMAPS)
    if colormap == "gray":
        return levels
    if colormap != "cubehelix":
        raise ParameterError(f"colormap={colormap!r} is not one of {COLORMAPS}")
    table = np.rint(cubehelix() * _LEVELS).astype(np.uint8)
    return table[levels]
