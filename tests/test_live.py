"""``dsp live``: raw PCM on stdin to a scrolling terminal spectrogram (pipes and pseudo-terminals).

Against the offline transform (the rows' dB values), by invariants (one text row per frame, one
cell per band, Ctrl-C and end of input end cleanly), and the palette against its definition.
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from dsp.cli.live import LivePipeline, palette_index
from dsp.db import power_to_db
from dsp.transforms import MelSpectrogram

CELL = re.compile(rb"\x1b\[48;5;(\d+)m ")

#: The live stream projects each push's frames (``exact=False``): a few float32 ulps of the
#: mel values, i.e. 10 log10(1 + 8 eps) ~ 4e-6 dB; 1e-4 dB leaves room for the dB rounding.
DB_ATOL = 1e-4


def chirp(sr: int, seconds: float) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    return 0.5 * np.sin(2 * np.pi * (200 + 1500 * t) * t)


def read_all(fd: int, proc: subprocess.Popen, timeout: float = 60.0) -> bytes:
    out, end = b"", time.monotonic() + timeout
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # the pty's other side closed
                break
            if not data:
                break
            out += data
        elif proc.poll() is not None:
            break
    return out


def run_live(argv: list[str], data: bytes) -> tuple[bytes, bytes, int]:
    """``dsp live`` with ``data`` on a pipe as stdin and a pseudo-terminal as stdout."""
    master, slave = pty.openpty()
    env = dict(os.environ, COLUMNS="50")
    proc = subprocess.Popen(
        [sys.executable, "-m", "dsp", "live", *argv],
        stdin=subprocess.PIPE, stdout=slave, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    os.close(slave)
    assert proc.stdin is not None and proc.stderr is not None
    proc.stdin.write(data)
    proc.stdin.close()
    out = read_all(master, proc)
    code = proc.wait(timeout=60)
    os.close(master)
    return out, proc.stderr.read(), code


def test_pipe_to_terminal_one_row_per_frame() -> None:
    sr, hop = 8000, 320
    y = chirp(sr, 1.5)
    out, err, code = run_live(
        ["--sr", "8000", "--n-mels", "40"], (y * 32767).astype("<i2").tobytes()
    )
    assert code == 0 and b"8000 Hz" in err
    rows = [r for r in out.split(b"\n") if r.strip()]
    assert len(rows) == 1 + len(y) // hop  # every frame, the right-padded ones too
    for row in rows:
        cells = CELL.findall(row)
        assert len(cells) == 40 and all(16 <= int(c) <= 255 for c in cells)
        assert row.rstrip(b"\r").endswith(b"\x1b[0m")
    # the chirp's loudest band moves right (higher) over time
    peaks = [int(np.argmax([int(c) for c in CELL.findall(r)])) for r in rows[2:-2]]
    assert peaks[-1] > peaks[0]


@pytest.mark.parametrize("fmt,channels", [("s16le", 1), ("f32le", 2)])
def test_pipeline_equals_offline(fmt: str, channels: int) -> None:
    sr = 16000
    x = np.stack([chirp(sr, 1.0), 0.1 * chirp(sr, 1.0)[::-1]][:channels], axis=1)
    if fmt == "s16le":
        pcm = (x * 32767).astype("<i2")
        y = pcm.astype(np.float32) / 32768
    else:
        pcm = x.astype("<f4")
        y = pcm.astype(np.float32)
    y = y.mean(axis=1, dtype=np.float32) if channels > 1 else y[:, 0]
    data = pcm.tobytes()
    pipeline = LivePipeline(sr=sr, channels=channels, fmt=fmt, n_fft=512, hop_length=160,
                            n_mels=32, db_range=80.0)  # fmt: skip
    rows, dbs = [], []
    cuts = [0, 1, 3, 1000, 1001, 7777, 20001, len(data)]  # partial samples included
    for a, b in zip(cuts[:-1], cuts[1:], strict=False):
        rows.append(pipeline.feed(data[a:b]))
        dbs.append(pipeline.db)
    rows.append(pipeline.end())
    dbs.append(pipeline.db)
    got = np.concatenate(dbs, axis=-1)
    transform = MelSpectrogram(sr=sr, n_fft=512, hop_length=160, n_mels=32, precision="float32")
    expected = power_to_db(transform(y), ref=1.0, top_db=None)
    assert got.shape == expected.shape and sum(r.shape[0] for r in rows) == got.shape[1]
    assert np.allclose(got, expected, rtol=0, atol=DB_ATOL)


def test_ctrl_c_ends_cleanly() -> None:
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dsp", "live", "--sr", "8000"],
        stdin=subprocess.PIPE, stdout=slave, stderr=subprocess.PIPE,
    )  # fmt: skip
    os.close(slave)
    assert proc.stdin is not None
    proc.stdin.write(np.zeros(8000, "<i2").tobytes())
    proc.stdin.flush()
    out = b""
    while out.count(b"\n") < 5:  # rows are drawn while the input is still open
        ready, _, _ = select.select([master], [], [], 30)
        assert ready, "no row drawn before end of input"
        out += os.read(master, 65536)
    proc.send_signal(signal.SIGINT)
    out += read_all(master, proc, timeout=30)
    code = proc.wait(timeout=30)
    proc.stdin.close()
    os.close(master)
    assert code == 0 and out.rstrip().endswith(b"\x1b[0m")


def test_terminal_stdin_is_refused() -> None:
    master, slave = pty.openpty()
    proc = subprocess.run(
        [sys.executable, "-m", "dsp", "live"], stdin=slave, capture_output=True, timeout=60
    )
    os.close(slave)
    os.close(master)
    assert proc.returncode == 2 and b"pipe audio into it" in proc.stderr


def test_bad_options() -> None:
    for argv in (["--channels", "0"], ["--range", "0"], ["--sr", "0"], ["--format", "s24le"]):
        proc = subprocess.run(
            [sys.executable, "-m", "dsp", "live", *argv], input=b"", capture_output=True,
            timeout=60,
        )  # fmt: skip
        assert proc.returncode == 2, argv


def test_palette_index_matches_definition() -> None:
    rgb = np.array([[0, 0, 0], [255, 255, 255], [128, 128, 128], [255, 0, 0], [0, 95, 135]])
    # xterm: 16 + 36 r + 6 g + b over the steps (0, 95, 135, 175, 215, 255); greys 232 + (v-8)/10
    assert palette_index(rgb).tolist() == [16, 231, 244, 196, 16 + 6 * 1 + 2]
