"""The ``dsp`` command, run as a user runs it: ``python -m dsp`` in a subprocess.

Outputs must exist and decode (numpy for ``.npy``, Pillow for PNG) and equal librosa's pipeline
on the same samples; bad usage and bad input must give exit status 2, one ``dsp: error:`` line,
no traceback, and no output file (not even a temporary one).
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import librosa
import numpy as np
import pytest
import soundfile as sf
from PIL import Image

import dsp
from dsp.cli import main
from dsp.examples import example_audio
from dsp.io.audio import load, write_wav
from dsp.viz.image import db_limits, db_to_uint8, uint8_to_db

SR = 22050
#: A subprocess imports NumPy and dsp: about a second; generous for a loaded CI machine.
TIMEOUT_S = 120


def run(*args: str | os.PathLike[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dsp", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def stereo_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1.5 s of 16-bit stereo: a 440 Hz tone left, a 1 kHz tone and some noise right."""
    t = np.arange(round(1.5 * SR)) / SR
    noise = np.random.default_rng(0).uniform(-0.1, 0.1, t.size)
    y = np.stack([0.5 * np.sin(2 * np.pi * 440 * t), 0.3 * np.sin(2 * np.pi * 1000 * t) + noise])
    path = tmp_path_factory.mktemp("cli") / "stereo.wav"
    write_wav(path, y, SR, subtype="pcm16")
    return path


def test_mel_npy_equals_the_library_and_librosa(stereo_wav, tmp_path):
    out = tmp_path / "mel.npy"
    done = run("mel", stereo_wav, "-o", out)
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and "(128, 65)" in done.stdout
    S_db = np.load(out)
    y, sr = load(stereo_wav)
    np.testing.assert_array_equal(S_db, dsp.power_to_db(dsp.melspectrogram(y=y, sr=sr), ref=np.max))
    y_ref, sr_ref = librosa.load(stereo_wav, sr=None)
    expected = librosa.power_to_db(librosa.feature.melspectrogram(y=y_ref, sr=sr_ref), ref=np.max)
    assert S_db.dtype == expected.dtype == np.float32
    np.testing.assert_array_equal(S_db, expected)


@pytest.mark.parametrize("sf_subtype", ["PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"])
@pytest.mark.parametrize("container", ["WAV", "WAVEX"])
def test_mel_on_every_supported_format_equals_librosa(tmp_path, sf_subtype, container, capsys):
    """In process (``main``), to cover every format quickly; the subprocess path is above."""
    path = tmp_path / "in.wav"
    y = np.random.default_rng(1).uniform(-0.9, 0.9, (3000, 2))
    sf.write(path, y, 16000, sf_subtype, format=container)
    assert main(["mel", str(path), "-o", str(tmp_path / "out.npy")]) == 0
    y_ref, sr = librosa.load(path)  # 16 kHz resampled to 22050 Hz by both (soxr_hq)
    expected = librosa.power_to_db(librosa.feature.melspectrogram(y=y_ref, sr=sr), ref=np.max)
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), expected)


def test_mel_every_option_equals_librosa(stereo_wav, tmp_path):
    out = tmp_path / "mel.npy"
    done = run(
        "mel",
        stereo_wav,
        "-o",
        out,
        "--channel",
        "1",
        "--offset",
        "0.25",
        "--duration",
        "1",
        "--n-fft",
        "1024",
        "--hop-length",
        "300",
        "--win-length",
        "800",
        "--window",
        "hamming",
        "--no-center",
        "--n-mels",
        "40",
        "--fmin",
        "50",
        "--fmax",
        "8000",
        "--htk",
        "--norm",
        "none",
        "--power",
        "1",
        "--ref",
        "0.5",
        "--amin",
        "1e-4",
        "--top-db",
        "none",
    )
    assert done.returncode == 0, done.stderr
    y, sr = librosa.load(stereo_wav, sr=None, mono=False, offset=0.25, duration=1.0)
    S = librosa.feature.melspectrogram(
        y=y[1],
        sr=sr,
        n_fft=1024,
        hop_length=300,
        win_length=800,
        window="hamming",
        center=False,
        n_mels=40,
        fmin=50.0,
        fmax=8000.0,
        htk=True,
        norm=None,
        power=1.0,
    )
    expected = librosa.amplitude_to_db(S, ref=0.5, amin=1e-4, top_db=None)
    np.testing.assert_array_equal(np.load(out), expected)


#: librosa takes the Kaiser window from scipy, dsp computes its Bessel function itself: the
#: windows differ by ~1e-16, which moves dB values near the 80 dB floor by far less than this.
KAISER_DB_TOL = 1e-3


def test_stft_npy_and_window_parameter_equal_librosa(stereo_wav, tmp_path):
    out = tmp_path / "lin.npy"
    done = run("stft", stereo_wav, "-o", out, "--window", "kaiser:8", "--pad-mode", "reflect")
    assert done.returncode == 0, done.stderr
    y, _ = librosa.load(stereo_wav, sr=None)
    D = librosa.stft(y, window=("kaiser", 8.0), pad_mode="reflect")
    expected = librosa.amplitude_to_db(np.abs(D), ref=np.max)
    np.testing.assert_allclose(np.load(out), expected, rtol=0, atol=KAISER_DB_TOL)


def test_png_decodes_and_inverts_to_the_db_array(stereo_wav, tmp_path):
    png, npy = tmp_path / "mel.png", tmp_path / "mel.npy"
    assert run("mel", stereo_wav, "-o", png, "--colormap", "gray", "--bare").returncode == 0
    assert main(["mel", str(stereo_wav), "-o", str(npy)]) == 0
    S_db = np.load(npy)
    with Image.open(png) as picture:
        assert picture.mode == "L"
        pixels = np.asarray(picture)
    assert pixels.shape == (128, 65)  # --bare: one pixel per band and frame
    levels = pixels[::-1]  # undo the flip (low frequencies at the bottom)
    vmin, vmax = db_limits(S_db)
    np.testing.assert_array_equal(levels, db_to_uint8(S_db, vmin=vmin, vmax=vmax))
    half_level = (vmax - vmin) / 510
    assert np.abs(uint8_to_db(levels, vmin=vmin, vmax=vmax) - S_db).max() <= half_level + 1e-4


def test_figures_have_a_fixed_size_and_say_what_they_show(stereo_wav, tmp_path):
    """PNG and SVG figures (dsp.specshow, tested in tests/test_viz_*.py) from the command."""
    done = run("mel", stereo_wav, "-o", tmp_path / "m.svg", "--width", "400", "--height", "160")
    assert done.returncode == 0, done.stderr
    assert "figure" in done.stdout and "plot 400 x 160" in done.stdout
    root = ET.parse(tmp_path / "m.svg").getroot()
    text = {e.get("class"): e.text for e in root.iter() if e.get("class")}
    title = " ".join(e.text for e in root.iter() if e.get("class") == "title")  # wrapped
    assert "stereo.wav: mel spectrogram, 128 bands" in title
    assert text["colorbar-label"] == "dB (re max)" and text["x-label"] == "Time (s)"
    assert run("stft", stereo_wav, "-o", tmp_path / "s.png", "--y-axis", "log").returncode == 0
    with Image.open(tmp_path / "s.png") as picture:
        assert picture.mode == "RGB" and 1200 < picture.size[0] < 1600


def test_a_long_file_is_pooled_into_a_fixed_width(tmp_path):
    path = tmp_path / "long.wav"
    write_wav(path, np.zeros(SR * 150, dtype=np.float32), SR)  # 150 s, 6460 frames
    done = run("mel", path, "-o", tmp_path / "long.svg", "--width", "600")
    assert done.returncode == 0, done.stderr
    assert "6460 frames" in done.stdout and "10.8 frames per pixel column" in done.stdout
    root = ET.parse(tmp_path / "long.svg").getroot()
    assert int(root.get("width")) < 900  # the title wraps instead of widening the figure
    title = " ".join(e.text for e in root.iter() if e.get("class") == "title")
    assert "(6460 frames, max of 10-11 per pixel column)" in title
    labels = [e.text for e in root.iter() if e.get("class") == "x-tick-label"]
    seconds = [int(m) * 60 + int(ss) for m, ss in (label.split(":") for label in labels)]
    assert seconds[0] == 0 and seconds[-1] <= 150 and len(set(np.diff(seconds))) == 1
    assert seconds[1] % 10 == 0 and len(seconds) >= 4  # whole clock steps, m:ss


def test_info(stereo_wav):
    done = run("info", stereo_wav)
    assert done.returncode == 0, done.stderr
    for text in ("pcm16", "22050 Hz", "channels  2", "frames    33075", "1.500 s"):
        assert text in done.stdout


def test_demo_writes_everything_it_promises(tmp_path):
    done = run("demo", "-o", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out"
    names = ["example.wav", "example_cnn_input.npy", "example_mel.png", "example_stft.png"]
    assert sorted(os.listdir(out)) == names
    for name in names:
        assert f"{out / name}" in done.stdout
    assert "(1, 128, 259)" in done.stdout and "px figure" in done.stdout
    y, sr = load(out / "example.wav")
    np.testing.assert_array_equal(y, example_audio()[0])
    cnn = np.load(out / "example_cnn_input.npy")
    mel = dsp.power_to_db(dsp.melspectrogram(y=y, sr=sr), ref=np.max)
    np.testing.assert_array_equal(cnn, dsp.to_cnn_input(mel))
    assert cnn.flags.c_contiguous and cnn.dtype == np.float32
    for name in ("example_mel.png", "example_stft.png"):
        with Image.open(out / name) as picture:  # a 1200 x 480 plot with axes around it
            assert picture.mode == "RGB"
            assert 1200 < picture.size[0] < 1600 and 480 < picture.size[1] < 700


def test_demo_default_directory_and_console_script(tmp_path):
    done = run("demo", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(os.listdir(tmp_path / "dsp-demo")) == 4
    script = Path(sys.executable).with_name("dsp")
    if not script.exists():
        pytest.skip("dsp is not installed as a console script next to this interpreter")
    done = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=TIMEOUT_S)
    assert done.returncode == 0 and done.stdout.startswith("dsp ")


def test_help_explains_every_option():
    done = run("mel", "--help")
    assert done.returncode == 0
    for option in (
        "--n-fft",
        "--hop-length",
        "--win-length",
        "--window",
        "--n-mels",
        "--fmin",
        "--fmax",
        "--htk",
        "--norm",
        "--power",
        "--top-db",
        "--ref",
        "--channel",
        "--amin",
        "--center",
        "--pad-mode",
        "--offset",
        "--duration",
        "--colormap",
        "--bare",
        "--width",
        "--height",
        "--title",
    ):
        assert option in done.stdout
    assert all(run(cmd, "--help").returncode == 0 for cmd in ("stft", "info", "demo"))


def test_warnings_are_one_line_and_do_not_fail(tmp_path):
    path = tmp_path / "short.wav"
    write_wav(path, np.full(300, 0.5), SR)
    done = run("mel", path, "-o", tmp_path / "s.npy")
    assert done.returncode == 0
    assert done.stderr.startswith("dsp: warning: n_fft=2048 is larger than the signal")
    assert "Traceback" not in done.stderr


def _adpcm(path: Path) -> Path:
    buffer = io.BytesIO()
    sf.write(buffer, np.zeros(100), SR, "IMA_ADPCM", format="WAV")
    path.write_bytes(buffer.getvalue())
    return path


BAD = [
    ("missing file", ["mel", "{dir}/nope.wav", "-o", "{out}.png"], r"No such file or directory"),
    ("ADPCM", ["mel", "{adpcm}", "-o", "{out}.png"], r"tag=0x0011 \(IMA ADPCM\) at byte offset 20"),
    ("not a wav", ["stft", "{text}", "-o", "{out}.npy"], r"sound file .* with b'hell'"),
    ("extension", ["mel", "{wav}", "-o", "{out}.jpg"], r"--output .* must end in .png, .svg"),
    ("usage", ["mel", "{wav}", "-o", "{out}.png", "--n-fft", "big"], r"invalid int value: 'big'"),
    ("no -o", ["mel", "{wav}"], r"the following arguments are required: -o/--output"),
    ("library", ["mel", "{wav}", "-o", "{out}.png", "--n-fft", "0"], r"n_fft=0 must be a posit"),
    (
        "channel",
        ["mel", "{wav}", "-o", "{out}.npy", "--channel", "2"],
        r"--channel 2: the file "
        r"has 2 channel\(s\), numbered 0 to 1",
    ),
    ("power", ["mel", "{wav}", "-o", "{out}.npy", "--power", "3"], r"--power 3.0: must be 2"),
    ("window", ["stft", "{wav}", "-o", "{out}.png", "--window", "nonsense"], r"nonsense"),
    ("offset", ["stft", "{wav}", "-o", "{out}.png", "--offset", "9"], r"offset=9.0 s .* past"),
    ("out dir", ["mel", "{wav}", "-o", "{dir}/no/such/dir/x.png"], r"folder .*/no. does not"),
    ("command", ["spectrogram", "{wav}"], r"invalid choice: 'spectrogram'"),
    ("bare svg", ["mel", "{wav}", "-o", "{out}.svg", "--bare"], r"--bare writes a PNG raster"),
    ("width", ["mel", "{wav}", "-o", "{out}.png", "--width", "9"], r"9 px must be between 16"),
    ("no command", [], r"the following arguments are required: COMMAND"),
]


@pytest.mark.parametrize(("argv", "match"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_usage_and_bad_input_exit_2_with_one_line(stereo_wav, tmp_path, argv, match):
    text = tmp_path / "hello.wav"
    text.write_text("hello, this is not audio")
    names = {
        "dir": tmp_path,
        "out": tmp_path / "out",
        "wav": stereo_wav,
        "text": text,
        "adpcm": _adpcm(tmp_path / "adpcm.wav"),
    }
    before = sorted(os.listdir(tmp_path))
    done = run(*[arg.format(**names) for arg in argv])
    assert done.returncode == 2, done
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("dsp: error: "), done.stderr
    assert re.search(match, lines[0]), lines[0]
    assert sorted(os.listdir(tmp_path)) == before  # no output, no temporary file


def test_failure_keeps_an_existing_output_intact(stereo_wav, tmp_path):
    out = tmp_path / "keep.npy"
    out.write_bytes(b"previous result")
    done = run("mel", stereo_wav, "-o", out, "--fmin", "20000")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert out.read_bytes() == b"previous result"
    assert os.listdir(tmp_path) == ["keep.npy"]
