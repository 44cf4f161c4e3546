"""dsp's figures in a real browser: headless Chromium renders the SVG and the PNG of one figure.

The page shows the SVG (as an image) above the PNG, one CSS pixel per pixel, and Chromium takes
a screenshot. The PNG must come back pixel for pixel (the browser decodes it as Pillow does);
in the SVG the embedded spectrogram, the frame and the colour bar must sit on exactly the
pixels of the PNG, and the browser's own text must have ink where each tick label belongs.

CI installs Debian's ``chromium`` (``.ci/run``); without it this test fails in CI (``CI`` set)
and is skipped elsewhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import dsp
from dsp.viz._font import text_size

#: Chromium starts in a few seconds; generous for a loaded 2-core CI machine.
TIMEOUT_S = 180
#: A pixel counts as text ink when its brightness is below this (anti-aliased glyphs are grey).
DARK = 160
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "/usr/bin/chromium")


def _chromium() -> str:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("CI must install chromium (apt-get install -y chromium) for this test")
    pytest.skip("no chromium on this machine")


def _screenshot(page: Path, width: int, height: int, tmp: Path) -> np.ndarray:
    shot = tmp / "shot.png"
    command = [
        _chromium(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--no-first-run", "--hide-scrollbars",
        f"--user-data-dir={tmp / 'profile'}", "--force-device-scale-factor=1",
        "--default-background-color=ffffffff", f"--window-size={width},{height}",
        f"--screenshot={shot}", page.as_uri(),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S)
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    with Image.open(shot) as image:
        return np.asarray(image.convert("RGB"))


def test_chromium_shows_the_svg_and_the_png_as_dsp_draws_them(tmp_path):
    y, sr = dsp.example_audio()
    M_db = dsp.power_to_db(dsp.melspectrogram(y=y, sr=sr), ref=np.max)
    fig = dsp.specshow(M_db, sr=sr, y_axis="mel", title="mel spectrogram", width=500, height=200)
    fig.save(tmp_path / "f.svg")
    fig.save(tmp_path / "f.png")
    page = tmp_path / "page.html"
    page.write_text(
        '<!DOCTYPE html><html><body style="margin:0;background:#fff">'
        '<img src="f.svg" style="display:block"><img src="f.png" style="display:block">'
        "</body></html>"
    )
    shot = _screenshot(page, fig.width, 2 * fig.height, tmp_path)
    ours = fig.to_array()
    svg, png = shot[: fig.height], shot[fig.height :]
    np.testing.assert_array_equal(png, ours)  # the PNG, decoded by the browser

    left, top, width, height = fig.plot
    around = (slice(top - 1, top + height + 1), slice(left - 1, left + width + 1))
    np.testing.assert_array_equal(svg[around], ours[around])  # plot and frame, to the pixel
    bar = fig.scene.find("colorbar")[0]
    box = (slice(bar.y, bar.y + bar.h), slice(bar.x, bar.x + bar.w))
    np.testing.assert_array_equal(svg[box], ours[box])
    brightness = svg.astype(int).sum(axis=2) / 3
    for _, x, label in fig.ticks("x"):
        half = text_size(label, 2)[0] // 2 + 4
        below = brightness[top + height + 8 : top + height + 34, x - half : x + half + 1]
        assert (below < DARK).any(), f"no ink under the x tick {label}"
        assert (brightness[top + height + 1 : top + height + 7, x] < DARK).all()  # the mark
    for _, y_px, label in fig.ticks("y"):
        w = text_size(label, 2)[0]
        beside = brightness[y_px - 10 : y_px + 11, left - 12 - w - 8 : left - 10]
        assert (beside < DARK).any(), f"no ink left of the y tick {label}"
    title = fig.scene.find("title")[0]
    assert (brightness[title.y : title.y + 18] < DARK).any()
    assert (brightness[: top - 1, :] == 255).mean() > 0.5  # the rest is paper
