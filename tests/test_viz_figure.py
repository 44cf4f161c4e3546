"""dsp.specshow: the PNG decoded by Pillow (plot area, axes, ticks, tick text where the ticks
are), the SVG parsed by the standard library, max-pooling against a loop definition, the bitmap
font, the bounded size of a 30-minute figure, and one error per validation branch."""

from __future__ import annotations

import base64
import io
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

import dsp
from dsp.errors import DspWarning, ParameterError
from dsp.viz._font import GLYPHS, render_text, text_size
from dsp.viz._raster import ColumnPool, pool, text_box
from dsp.viz._scene import Text
from dsp.viz.colormap import colorize
from dsp.viz.image import db_to_uint8

SR, HOP = 22050, 512
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
#: Text and axis lines are pure black; the colour map reaches black only at its lowest level,
#: which never occurs outside the plot and the colour bar.
INK = (0, 0, 0)


@pytest.fixture(scope="module")
def mel_db() -> np.ndarray:
    y, sr = dsp.example_audio()
    return dsp.power_to_db(dsp.melspectrogram(y=y, sr=sr), ref=np.max)


def _png(fig, tmp_path, name="f.png") -> np.ndarray:
    path = tmp_path / name
    fig.save(path)
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.mode == "RGB" and image.size == (fig.width, fig.height)
        return np.asarray(image)


def _ink(block: np.ndarray) -> np.ndarray:
    return np.all(block == INK, axis=-1)


def test_png_plot_area_axes_and_tick_text_where_the_ticks_are(mel_db, tmp_path):
    fig = dsp.specshow(mel_db, sr=SR, y_axis="mel", title="mel", width=600, height=256)
    pixels = _png(fig, tmp_path)
    np.testing.assert_array_equal(pixels, fig.to_array())
    left, top, width, height = fig.plot
    assert (width, height) == (600, 256)
    # the frame: one black line just outside the plot on all four sides
    assert _ink(pixels[top - 1, left - 1 : left + width + 1]).all()
    assert _ink(pixels[top + height, left - 1 : left + width + 1]).all()
    assert _ink(pixels[top : top + height, left - 1]).all()
    assert _ink(pixels[top : top + height, left + width]).all()
    # the plot is the spectrogram: 259 frames stretched to 600 columns, 128 bands to 256 rows
    cols = np.arange(600) * 259 // 600
    rows = np.arange(256) * 128 // 256
    expected = colorize(db_to_uint8(mel_db[rows][:, cols][::-1], vmin=-80.0, vmax=0.0))
    np.testing.assert_array_equal(pixels[top : top + height, left : left + width], expected)
    # x ticks: a 6-pixel mark under the plot, and ink of its label centred under it
    for value, x, label in fig.ticks("x"):
        assert left <= x < left + width
        assert _ink(pixels[top + height + 1 : top + height + 7, x]).all(), value
        label_rows = pixels[top + height + 11 : top + height + 11 + 18]
        half = text_size(label, 2)[0] // 2 + 1
        assert _ink(label_rows[:, x - half : x + half + 1]).any(), label
        assert not _ink(pixels[top + height + 7 : top + height + 11, x]).any()  # the gap
    assert [label for *_, label in fig.ticks("x")] == ["0", "1", "2", "3", "4", "5", "6"]
    # y ticks: a mark left of the plot and the label's ink ending just left of it
    for value, y, label in fig.ticks("y"):
        assert top <= y < top + height
        assert _ink(pixels[y, left - 7 : left - 1]).all(), value
        label_w = text_size(label, 2)[0]
        assert _ink(pixels[y - 7 : y + 8, left - 11 - label_w : left - 11]).any(), label
    assert [label for *_, label in fig.ticks("y")] == ["0", "512", "1024", "2048", "4096", "8192"]
    # low frequencies at the bottom: the tick of 0 Hz is the lowest, 8192 Hz the highest
    ys = [y for _, y, _ in fig.ticks("y")]
    assert ys == sorted(ys, reverse=True) and ys[0] == top + height - 1
    # colour bar: loudest (white) on top, quietest (black) at the bottom, ticks -80 .. 0 dB
    bar = fig.scene.find("colorbar")[0]
    np.testing.assert_array_equal(pixels[bar.y, bar.x], [255, 255, 255])
    np.testing.assert_array_equal(pixels[bar.y + bar.h - 1, bar.x], [0, 0, 0])
    labels = [label for *_, label in fig.ticks("colorbar")]
    assert (
        labels[0] == "-80"
        and labels[-1] == "0"
        and fig.ticks("colorbar")[0][1] == bar.y + bar.h - 1
    )


def test_title_and_labels_are_ink(mel_db, tmp_path):
    fig = dsp.specshow(mel_db, sr=SR, y_axis="mel", title="A title", width=400, height=200)
    pixels = _png(fig, tmp_path)
    title = fig.scene.find("title")[0]
    w, h = text_size("A title", 2)
    box = pixels[title.y : title.y + h, title.x - w // 2 : title.x - w // 2 + w]
    np.testing.assert_array_equal(_ink(box), render_text("A title", 2))
    assert fig.scene.find("x-label")[0].text == "Time (s)"
    assert fig.scene.find("y-label")[0].text == "Hz (mel scale)"  # 200 px: the short label
    tall = dsp.specshow(mel_db, sr=SR, y_axis="mel", htk=True, width=400, height=400)
    assert tall.scene.find("y-label")[0].text == "Frequency (Hz, HTK mel scale)"


def _naive_pool(S, n_pixels_rows, n_pixels_cols):
    """Loop form: pixel j covers cells [j n / P, (j + 1) n / P); it shows their maximum, or
    the cell containing it when it covers none whole."""
    n_rows, n_cols = S.shape
    out = np.empty((n_pixels_rows, n_pixels_cols))
    for i in range(n_pixels_rows):
        r0, r1 = i * n_rows // n_pixels_rows, (i + 1) * n_rows // n_pixels_rows
        for j in range(n_pixels_cols):
            c0, c1 = j * n_cols // n_pixels_cols, (j + 1) * n_cols // n_pixels_cols
            out[i, j] = S[r0 : max(r1, r0 + 1), c0 : max(c1, c0 + 1)].max()
    return out


@settings(max_examples=40)
@given(
    rows=st.integers(1, 30),
    cols=st.integers(1, 60),
    height=st.integers(1, 40),
    width=st.integers(1, 70),
    seed=st.integers(0, 2**32 - 1),
)
def test_pooling_equals_the_loop_definition(rows, cols, height, width, seed):
    S = np.random.default_rng(seed).normal(size=(rows, cols))
    row_cells = np.arange(height) * rows // height
    col_cells = np.arange(width) * cols // width
    np.testing.assert_array_equal(pool(S, row_cells, col_cells), _naive_pool(S, height, width))


@settings(max_examples=40)
@given(
    frames=st.integers(1, 300),
    width=st.integers(1, 80),
    cuts=st.lists(st.integers(0, 300), max_size=12),
    seed=st.integers(0, 2**32 - 1),
)
def test_column_pool_in_blocks_equals_the_loop_definition(frames, width, cuts, seed):
    """Frames added in any blocks (empty ones too) pool onto the columns as the whole does."""
    if frames < width:
        with pytest.raises(ValueError, match="nothing to pool"):
            ColumnPool(3, frames, width, np.dtype(np.float64))
        return
    S = np.random.default_rng(seed).normal(size=(3, frames))
    columns = ColumnPool(3, frames, width, S.dtype)
    edges = [0, *sorted(c for c in cuts if c <= frames), frames]
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        columns.add(S[:, a:b])
    pooled = columns.result()
    np.testing.assert_array_equal(pooled.values, _naive_pool(S, 3, width))
    assert pooled.shape == (3, frames)


def test_pooled_columns_draw_the_same_figure(tmp_path):
    """specshow of the columns pooled in blocks is the figure of the whole array, byte for
    byte (PNG and SVG), ticks and title included."""
    S = np.random.default_rng(1).normal(-40, 10, size=(64, 5000)).astype(np.float32)
    columns = ColumnPool(64, 5000, 300, S.dtype)
    for a in range(0, 5000, 777):
        columns.add(S[:, a : a + 777])
    kwargs = dict(sr=SR, y_axis="mel", width=300, height=120, vmin=-70.0, vmax=float(S.max()))
    whole, pooled = dsp.specshow(S, **kwargs), dsp.specshow(columns.result(), **kwargs)
    assert whole.to_png() == pooled.to_png() and whole.to_svg() == pooled.to_svg()
    assert "5000 frames" in pooled.scene.title
    with pytest.raises(ParameterError, match="width=200"):
        dsp.specshow(columns.result(), **{**kwargs, "width": 200})


def test_thirty_minutes_give_a_bounded_figure_that_keeps_a_click(tmp_path):
    n_frames = 77520  # 30 minutes at hop 512, 22050 Hz
    S = np.full((128, n_frames), -80.0, dtype=np.float32)
    click = 51234
    S[:, click] = 0.0  # one loud frame
    fig = dsp.specshow(S, sr=SR, y_axis="mel")
    assert (fig.plot[2], fig.plot[3]) == (1200, 480)
    assert "77520 frames, max of 64-65 per pixel column" in fig.scene.title
    pixels = _png(fig, tmp_path)
    assert (tmp_path / "f.png").stat().st_size < 100_000
    left, top, width, height = fig.plot
    plot = pixels[top : top + height, left : left + width]
    bright = np.flatnonzero((plot == 255).all(axis=(0, 2)))
    assert bright.tolist() == [click * width // n_frames]  # only the click's column, all of it
    labels = [label for *_, label in fig.ticks("x")]
    assert labels == ["0:00", "5:00", "10:00", "15:00", "20:00", "25:00"]
    assert fig.scene.find("x-label")[0].text == "Time (m:ss)"


def test_svg_parses_with_the_plot_the_ticks_and_the_colour_bar(mel_db, tmp_path):
    fig = dsp.specshow(mel_db, sr=SR, y_axis="mel", title="mel & <friends>", width=500, height=200)
    path = tmp_path / "f.svg"
    fig.save(path)
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    assert (int(root.get("width")), int(root.get("height"))) == (fig.width, fig.height)
    by_class: dict[str, list[ET.Element]] = {}
    for element in root.iter():
        by_class.setdefault(element.get("class", ""), []).append(element)
    (plot,) = by_class["plot"]
    left, top, width, height = fig.plot
    assert [int(plot.get(k)) for k in ("x", "y", "width", "height")] == [left, top, width, height]
    href = plot.get(f"{XLINK}href")
    assert href.startswith("data:image/png;base64,")
    with Image.open(io.BytesIO(base64.b64decode(href.split(",", 1)[1]))) as embedded:
        np.testing.assert_array_equal(
            np.asarray(embedded), _png(fig, tmp_path)[top : top + height, left : left + width]
        )
    x_labels = by_class["x-tick-label"]
    assert [e.text for e in x_labels] == ["0", "1", "2", "3", "4", "5", "6"]
    assert [float(e.get("data-value")) for e in x_labels] == [0, 1, 2, 3, 4, 5, 6]
    y_values = [float(e.get("data-value")) for e in by_class["y-tick-label"]]
    assert y_values == [0, 512, 1024, 2048, 4096, 8192]
    assert [e.text for e in by_class["y-tick-label"]] == [
        "0",
        "512",
        "1024",
        "2048",
        "4096",
        "8192",
    ]
    bar_values = [float(e.get("data-value")) for e in by_class["colorbar-tick-label"]]
    assert min(bar_values) == fig.vmin == -80.0 and max(bar_values) == fig.vmax == 0.0
    assert by_class["colorbar-label"][0].text == "dB"
    assert by_class["x-label"][0].text == "Time (s)"
    assert "Hz" in by_class["y-label"][0].text
    assert by_class["title"][0].text == "mel & <friends>"
    assert root.find(f"{SVG}title").text == "mel & <friends>"
    # tick marks sit at the same pixels as in the PNG
    marks = [int(e.get("x")) for e in by_class["x-tick"]]
    assert marks == [x for _, x, _ in fig.ticks("x")]


@pytest.mark.parametrize("y_axis", ["linear", "log"])
def test_linear_and_log_figures_put_a_tone_at_its_frequency(y_axis, tmp_path):
    n_fft, f0 = 2048, 1000.0
    y = np.sin(2 * np.pi * f0 * np.arange(SR) / SR)
    S_db = dsp.amplitude_to_db(np.abs(dsp.stft(y, n_fft=n_fft)), ref=np.max)
    fig = dsp.specshow(S_db, sr=SR, y_axis=y_axis, width=300, height=400)
    pixels = _png(fig, tmp_path)
    left, top, width, height = fig.plot
    column = pixels[top : top + height, left + width // 2].astype(int).sum(axis=1)
    loudest_row = top + int(np.argmax(column))
    expected = top + height - 1 - int(fig.y_axis.fraction(np.array([f0]))[0] * height)
    assert abs(loudest_row - expected) <= max(2, height * SR / n_fft / (SR / 2) / 2)


def test_complex_input_warns_and_shows_the_magnitude():
    D = dsp.stft(np.random.default_rng(0).normal(size=4096))
    with pytest.warns(DspWarning, match="complex"):
        fig = dsp.specshow(D, y_axis="linear", width=50, height=50)
    np.testing.assert_array_equal(
        fig.to_array(), dsp.specshow(np.abs(D), y_axis="linear", width=50, height=50).to_array()
    )


def test_font_glyphs_are_distinct_and_fit_their_cell():
    bitmaps = {}
    for char, glyph in GLYPHS.items():
        assert glyph.shape == (9, 5)
        if char.isdigit() or char.isupper():
            assert not glyph[7:].any(), char  # no descender
        if char != " ":
            assert glyph.any(), char
        bitmaps.setdefault(glyph.tobytes(), []).append(char)
    shared = [chars for chars in bitmaps.values() if len(chars) > 1]
    assert shared == [["\u2013", "\u2212"]]  # en dash and minus sign look alike, on purpose
    assert render_text("a\u4e00", 1).shape == (9, 11)  # unknown characters: a box


BAD = [
    ({"data": np.zeros((2, 3, 4))}, r"data.shape=\(2, 3, 4\) must be \(n_rows, n_frames\)"),
    ({"data": np.array([[np.nan, 0.0]])}, r"data has a NaN at index \(0, 0\)"),
    ({"data": np.array([["a"]])}, r"data \(dtype=<U1, shape=\(1, 1\)\) must be non-empty real"),
    ({"data": np.full((3, 3), -np.inf)}, r"data has no finite value"),
    ({"x_axis": "seconds"}, r"x_axis='seconds' is not one of"),
    ({"y_axis": "cqt"}, r"y_axis='cqt' is not one of"),
    ({"sr": 0}, r"sr=0 must be positive"),
    ({"hop_length": 0}, r"hop_length=0 must be a positive integer"),
    ({"y_axis": "linear", "n_fft": 1000}, r"n_fft=1000 gives 501 frequency bins, but data has 5"),
    ({"y_axis": "mel", "fmin": 5000.0, "fmax": 4000.0}, r"fmin=5000.0 must be smaller than fmax"),
    ({"fmin": -1.0}, r"fmin=-1.0 must be non-negative"),
    ({"htk": "yes"}, r"htk='yes' must be True or False"),
    ({"colorbar": 1}, r"colorbar=1 must be True or False"),
    ({"cmap": "magma"}, r"cmap='magma' is not one of"),
    ({"title": 3}, r"title=3 must be a string"),
    ({"width": 0}, r"width=0 must be a positive integer"),
    ({"height": 10_000}, r"height=10000 must be at most 8192 pixels"),
    ({"vmin": 0.0, "vmax": 0.0}, r"vmin=0.0 must be smaller than vmax=0.0"),
    ({"vmax": np.inf}, r"vmax=inf must be finite"),
]


@pytest.mark.parametrize(("kwargs", "match"), BAD, ids=[m for _, m in BAD])
def test_errors(kwargs, match):
    kwargs = {"data": np.zeros((5, 7)), **kwargs}
    with pytest.raises(ParameterError, match=match):
        dsp.specshow(kwargs.pop("data"), **kwargs)


def test_save_refuses_other_extensions_and_leaves_no_file(tmp_path):
    fig = dsp.specshow(np.zeros((5, 7)), width=20, height=20)
    with pytest.raises(ParameterError, match=r"path='.*x.jpg' must end in .png or .svg"):
        fig.save(tmp_path / "x.jpg")
    with pytest.raises(ParameterError, match=r"role='z' is not one of"):
        fig.ticks("z")
    assert list(tmp_path.iterdir()) == []


def _overlap(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


@settings(max_examples=30)
@given(
    y_axis=st.sampled_from(["linear", "log", "mel", "frames", None]),
    x_axis=st.sampled_from(["time", "frames", None]),
    n_frames=st.integers(1, 5000),
    n_fft=st.sampled_from([16, 512, 2048]),
    sr=st.sampled_from([8000, 22050, 96000]),
    width=st.integers(16, 900),
    height=st.integers(16, 500),
    title=st.text("abc XYZ 019(),.-", max_size=150),
    colorbar=st.booleans(),
)
def test_every_label_is_inside_the_figure_and_none_overlap(
    y_axis, x_axis, n_frames, n_fft, sr, width, height, title, colorbar
):
    S = np.zeros((n_fft // 2 + 1, n_frames))
    fig = dsp.specshow(S, x_axis=x_axis, y_axis=y_axis, sr=sr, n_fft=n_fft, title=title,
                       colorbar=colorbar, width=width, height=height)  # fmt: skip
    boxes = [(text_box(t), t) for t in fig.scene.items if isinstance(t, Text)]
    for (left, top, w, h), item in boxes:
        assert 0 <= left and left + w <= fig.width and 0 <= top and top + h <= fig.height, item
    for i, (a, first) in enumerate(boxes):
        for b, second in boxes[i + 1 :]:
            assert not _overlap(a, b), (first, second)
    plot = fig.plot
    for a, item in boxes:
        assert not _overlap(a, plot), item
    for _, x, _ in fig.ticks("x"):
        assert plot[0] <= x < plot[0] + plot[2]
    for _, y, _ in fig.ticks("y"):
        assert plot[1] <= y < plot[1] + plot[3]
