"""dsp.image, dsp.colormap, dsp._png: the dB -> level mapping and its inverse, the colour map,
the picture's orientation, and PNG files decoded by an independent reader (Pillow)."""

from __future__ import annotations

import math
import os
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from dsp.errors import ParameterError
from dsp.viz._png import encode_png
from dsp.viz.colormap import LUMINANCE_WEIGHTS, colorize, cubehelix
from dsp.viz.image import (
    LEVELS,
    db_limits,
    db_to_uint8,
    spectrogram_image,
    uint8_to_db,
    write_png,
)

#: Float rounding in the affine map and its inverse: a few ulps of values up to ~1e3 dB.
DB_ROUND_OFF = 1e-9
#: Green's cubehelix keeps luminance = lambda exactly in real numbers; the printed 5-digit
#: coefficients make the zero-luminance deviation vanish only to ~1e-5 of its amplitude.
LUMINANCE_TOL = 1e-5


def test_db_limits_default_is_the_top_db_window_below_the_maximum():
    S_db = np.array([[-120.0, -3.0], [7.5, -np.inf]])
    assert db_limits(S_db) == (-72.5, 7.5)
    assert db_limits(S_db, top_db=10.0, vmax=0.0) == (-10.0, 0.0)


@pytest.mark.parametrize(
    ("S_db", "kwargs", "match"),
    [
        (np.array([]), {}, r"S_db \(dtype=float64, shape=\(0,\)\) must be non-empty"),
        (np.array(["a"]), {}, r"S_db \(dtype=<U1, shape=\(1,\)\) must be non-empty real"),
        (np.array([[0.0, np.nan]]), {}, r"S_db has a NaN at index \(0, 1\)"),
        (np.array([-np.inf]), {}, r"S_db has no finite value"),
        (np.zeros(3), {"top_db": 0.0}, r"top_db=0.0 must be positive"),
        (np.zeros(3), {"vmax": np.inf}, r"vmax=inf must be finite"),
    ],
)
def test_db_limits_errors(S_db, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        db_limits(S_db, **kwargs)


def test_db_to_uint8_endpoints_rounding_and_clipping():
    S_db = np.array([-np.inf, -81.0, -80.0, -40.0, -0.1, 0.0, 3.0])
    np.testing.assert_array_equal(
        db_to_uint8(S_db, vmin=-80.0, vmax=0.0), [0, 0, 0, 128, 255, 255, 255]
    )


@given(
    vmin=st.floats(-300.0, 100.0),
    width=st.floats(1e-3, 300.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_uint8_to_db_inverts_db_to_uint8_within_half_a_level(vmin, width, seed):
    vmax = vmin + width
    S_db = np.random.default_rng(seed).uniform(vmin, vmax, 1000)
    S_db[:2] = vmin, vmax
    levels = db_to_uint8(S_db, vmin=vmin, vmax=vmax)
    back = uint8_to_db(levels, vmin=vmin, vmax=vmax)
    half_level = (vmax - vmin) / (2 * LEVELS)
    assert np.max(np.abs(back - S_db)) <= half_level + DB_ROUND_OFF
    every_level = np.arange(LEVELS + 1, dtype=np.uint8)
    roundtrip = db_to_uint8(uint8_to_db(every_level, vmin=vmin, vmax=vmax), vmin=vmin, vmax=vmax)
    np.testing.assert_array_equal(roundtrip, every_level)


@pytest.mark.parametrize(
    ("function", "values", "vmin", "vmax", "match"),
    [
        (db_to_uint8, np.zeros(2), 0.0, 0.0, r"vmin=0.0 must be smaller than vmax=0.0"),
        (db_to_uint8, np.zeros(2), 0.0, np.nan, r"vmax=nan must be finite"),
        (db_to_uint8, np.array([np.nan]), 0.0, 1.0, r"S_db has a NaN at index \(0,\)"),
        (uint8_to_db, np.zeros(2, dtype=np.int16), 0.0, 1.0, r"levels dtype=int16 must be uint8"),
        (uint8_to_db, np.zeros(2, dtype=np.uint8), 1.0, 0.0, r"vmin=1.0 must be smaller than"),
    ],
)
def test_mapping_errors(function, values, vmin, vmax, match):
    with pytest.raises(ParameterError, match=match):
        function(values, vmin=vmin, vmax=vmax)


def _naive_cubehelix(lam: float, start: float, rotations: float, hue: float, gamma: float):
    """Green (2011), eq. 2, one colour at a time."""
    light = lam**gamma
    phi = 2 * math.pi * (start / 3 + 1 + rotations * lam)
    a = hue * light * (1 - light) / 2
    r = light + a * (-0.14861 * math.cos(phi) + 1.78277 * math.sin(phi))
    g = light + a * (-0.29227 * math.cos(phi) - 0.90649 * math.sin(phi))
    b = light + a * (1.97294 * math.cos(phi))
    return [min(max(c, 0.0), 1.0) for c in (r, g, b)]


@pytest.mark.parametrize(
    "params", [(0.0, 0.6, 2.2, 1.0), (0.5, -1.5, 1.0, 1.0), (2.0, 1.0, 3.0, 0.5)]
)
def test_cubehelix_equals_the_naive_formula(params):
    start, rotations, hue, gamma = params
    ours = cubehelix(33, start=start, rotations=rotations, hue=hue, gamma=gamma)
    naive = [_naive_cubehelix(lam, *params) for lam in np.linspace(0, 1, 33)]
    np.testing.assert_allclose(ours, naive, rtol=0, atol=1e-12)


def test_dsp_cubehelix_is_unclipped_with_brightness_rising_linearly():
    colours = cubehelix()
    lam = np.linspace(0, 1, LEVELS + 1)
    assert colours.shape == (256, 3)
    np.testing.assert_array_equal(colours[[0, -1]], [[0, 0, 0], [1, 1, 1]])
    np.testing.assert_allclose(colours @ LUMINANCE_WEIGHTS, lam, atol=LUMINANCE_TOL)
    table = colorize(np.arange(256, dtype=np.uint8)).astype(float)
    assert np.all(np.diff(table @ LUMINANCE_WEIGHTS) > 0)  # still monotone after 8-bit rounding


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": 0}, r"n=0 must be a positive integer"),
        ({"hue": -1.0}, r"hue=-1.0 must be non-neg"),
        ({"gamma": 0.0}, r"gamma=0.0 must be positive"),
        ({"start": "red"}, r"start='red' must be"),
    ],
)
def test_cubehelix_errors(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        cubehelix(**kwargs)


def test_colorize_gray_and_errors():
    levels = np.array([[0, 7], [200, 255]], dtype=np.uint8)
    assert colorize(levels, "gray") is levels
    assert colorize(levels).shape == (2, 2, 3)
    with pytest.raises(ParameterError, match=r"colormap='viridis' is not one of"):
        colorize(levels, "viridis")
    with pytest.raises(ParameterError, match=r"levels dtype=float64 must be uint8"):
        colorize(levels.astype(float))


def test_spectrogram_image_puts_low_frequencies_at_the_bottom_and_zooms():
    S_db = np.full((10, 300), -80.0)
    S_db[0] = 0.0  # only the lowest frequency bin is loud
    picture = spectrogram_image(S_db, colormap="gray", min_width=600, min_height=100, max_zoom=10)
    assert picture.shape == (100, 600)  # zoom 10 x 2
    assert np.all(picture[-10:] == 255) and np.all(picture[:-10] == 0)
    capped = spectrogram_image(S_db, min_height=1000, max_zoom=4)
    assert capped.shape == (40, 900, 3)  # height zoom 100 capped at 4; width zoom ceil(800/300)


@pytest.mark.parametrize(
    ("S_db", "kwargs", "match"),
    [
        (np.zeros((2, 3, 4)), {}, r"S_db.shape=\(2, 3, 4\) must be \(n_bins, n_frames\)"),
        (np.zeros((3, 4)), {"min_width": 0}, r"min_width=0 must be a positive integer"),
        (np.zeros((3, 4)), {"max_zoom": 1.5}, r"max_zoom=1.5 must be a positive integer"),
        (np.zeros((3, 4)), {"colormap": "jet"}, r"colormap='jet' is not one of"),
    ],
)
def test_spectrogram_image_errors(S_db, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        spectrogram_image(S_db, **kwargs)


SHAPES = [(1, 1), (2, 3), (17, 33), (64, 1), (1, 70)]


def _image(shape, channels, kind, seed=0):
    full = (*shape, channels) if channels > 1 else shape
    if kind == "random":
        return np.random.default_rng(seed).integers(0, 256, full, dtype=np.uint8)
    ramp = (np.arange(np.prod(full)) * 7 % 256).astype(np.uint8).reshape(full)
    return np.repeat(ramp[:1], shape[0], axis=0) if kind == "repeated rows" else ramp


@pytest.mark.parametrize("kind", ["random", "ramp", "repeated rows"])
@pytest.mark.parametrize(("channels", "mode"), [(1, "L"), (3, "RGB"), (4, "RGBA")])
@pytest.mark.parametrize("shape", SHAPES)
def test_write_png_decodes_with_pillow(tmp_path, shape, channels, mode, kind):
    image = _image(shape, channels, kind)
    path = tmp_path / "x.png"
    write_png(path, image)
    with Image.open(path) as decoded:
        decoded.verify()  # chunk CRCs and structure
    with Image.open(path) as decoded:
        assert decoded.mode == mode and decoded.size == (shape[1], shape[0])
        np.testing.assert_array_equal(np.asarray(decoded), image)


def _filter_types(png: bytes, height: int, row_bytes: int) -> set[int]:
    """Filter byte of each scanline, read from the IDAT chunk (single IDAT, as we write)."""
    (length,) = struct.unpack(">I", png[33:37])
    assert png[37:41] == b"IDAT"
    raw = zlib.decompress(png[41 : 41 + length])
    return {raw[row * (row_bytes + 1)] for row in range(height)}


def test_write_png_uses_each_filter_where_it_pays(tmp_path):
    """Noise keeps None, a horizontal ramp takes Sub, repeated rows take Up; Pillow agrees."""
    noise = np.random.default_rng(1).integers(0, 256, (4, 64), dtype=np.uint8)
    ramp = (
        np.tile(np.arange(64, dtype=np.uint8) * 3, (4, 1))
        + np.arange(4, dtype=np.uint8)[:, None] * 50
    )
    noise_rows = np.repeat(noise[:1], 4, axis=0)
    picture = np.concatenate([noise, ramp, noise_rows])
    write_png(tmp_path / "f.png", picture)
    png = (tmp_path / "f.png").read_bytes()
    assert _filter_types(png, 12, 64) == {0, 1, 2}
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "f.png")), picture)


@pytest.mark.parametrize(
    ("image", "match"),
    [
        (np.zeros((2, 2)), r"image dtype=float64 must be uint8"),
        ([[0, 1]], r"image dtype=list must be uint8"),
        (np.zeros((2, 2, 2), dtype=np.uint8), r"image.shape=\(2, 2, 2\) must be \(height, width"),
        (np.zeros(4, dtype=np.uint8), r"image.shape=\(4,\) must be"),
        (np.zeros((0, 5), dtype=np.uint8), r"image.shape=\(0, 5\) is empty"),
    ],
)
def test_write_png_errors_leave_no_file(tmp_path, image, match):
    with pytest.raises(ParameterError, match=match):
        write_png(tmp_path / "bad.png", image)
    assert os.listdir(tmp_path) == []


def test_encode_png_is_what_write_png_writes(tmp_path):
    image = _image((17, 33), 3, "random")
    write_png(tmp_path / "x.png", image)
    assert encode_png(image) == (tmp_path / "x.png").read_bytes()
    with pytest.raises(ParameterError, match=r"image dtype=float64 must be uint8"):
        encode_png(np.zeros((2, 2)))
