"""Files in blocks: dsp.filestream.stream_file and ``dsp mel`` / ``dsp stft`` to .npy in blocks.

Against the offline path (load the whole file, transform, convert to dB: the command's own
offline code and dsp.load), bit for bit; by invariants (memory flat in the file's length,
the progress bar's content, atomic output).
"""

from __future__ import annotations

import argparse
import os
import tracemalloc
from typing import Any

import numpy as np
import pytest

from dsp import load, write_wav
from dsp._engine.config import engine_config
from dsp.cli import main
from dsp.cli._longfile import Progress
from dsp.cli.spectrogram import _to_db
from dsp.errors import ParameterError
from dsp.filestream import stream_file
from dsp.transforms import MelSpectrogram, Spectrogram


@pytest.fixture(scope="module")
def stereo(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("long") / "stereo.wav")
    rng = np.random.default_rng(0)
    n = 44100 * 6 + 123
    y = rng.uniform(-1, 1, (2, n)) * np.linspace(0, 1, n) ** 2
    write_wav(path, y.astype(np.float32), 44100, subtype="pcm16")
    return path


@pytest.mark.parametrize("sr", [None, 22050, 16000])
@pytest.mark.parametrize("res_type", ["auto", "dsp_hq"])
@pytest.mark.parametrize("mono", [True, False])
def test_stream_file_equals_offline(stereo: str, sr: int | None, res_type: str, mono: bool) -> None:
    for transform in (MelSpectrogram(n_fft=1024, pad_mode="reflect"), Spectrogram(n_fft=512)):
        blocks = list(
            stream_file(stereo, transform, sr=sr, mono=mono, res_type=res_type, block_frames=30001)
        )
        assert all(b.shape[-1] > 0 for b in blocks)
        expected = transform(load(stereo, sr=sr, mono=mono, res_type=res_type)[0])
        assert np.array_equal(np.concatenate(blocks, axis=-1), expected)


def test_stream_file_refuses_unblockable_resampler(stereo: str) -> None:
    with pytest.raises(ParameterError, match="block by block"):
        next(stream_file(stereo, Spectrogram(), sr=16000, res_type="fft"))


def offline(path: str, kind: str, options: dict) -> np.ndarray:
    """The command's offline computation: load the whole file, transform, dB."""
    ns = argparse.Namespace(
        kind=kind, n_fft=2048, hop_length=None, win_length=None, window="hann", center=True,
        pad_mode="constant", ref=np.max, top_db=80.0, amin=None, power=2.0, n_mels=128,
        fmin=0.0, fmax=None, htk=False, norm="slaney",
    )  # fmt: skip
    for key, value in options.items():
        setattr(ns, key, value)
    y, sr = load(
        path, sr=options.get("sr", 22050), mono=options.get("channel") is None,
        offset=options.get("offset", 0.0), duration=options.get("duration"),
        res_type=options.get("res_type", "auto"),
    )  # fmt: skip
    if options.get("channel") is not None:
        y = y[options["channel"]]
    return _to_db(ns, y, int(sr))


CASES = [
    ("mel", [], {}),
    ("stft", [], {}),
    ("mel", ["--sr", "native", "--power", "1", "--top-db", "none"], dict(sr=None, power=1.0,
                                                                          top_db=None)),
    ("mel", ["--res-type", "dsp_hq", "--channel", "1", "--ref", "0.5"],
     dict(res_type="dsp_hq", channel=1, ref=0.5)),
    ("stft", ["--offset", "1.5", "--duration", "2", "--n-fft", "512", "--pad-mode", "reflect",
              "--amin", "1e-3", "--top-db", "40"],
     dict(offset=1.5, duration=2.0, n_fft=512, pad_mode="reflect", amin=1e-3, top_db=40.0)),
    ("mel", ["--sr", "8000", "--no-center", "--hop-length", "100"],
     dict(sr=8000, center=False, hop_length=100)),
]  # fmt: skip


@pytest.mark.parametrize("kind,argv,options", CASES)
def test_command_npy_equals_offline(
    stereo: str, tmp_path: Any, kind: str, argv: list[str], options: dict, capsys: Any
) -> None:
    out = str(tmp_path / "x.npy")
    assert main([kind, stereo, "-o", out, "--no-progress", *argv]) == 0
    got, expected = np.load(out), offline(stereo, kind, options)
    assert got.dtype == expected.dtype == np.float32
    assert np.array_equal(got, expected)
    captured = capsys.readouterr()
    assert captured.err == "" and f"shape {got.shape}" in captured.out
    assert os.listdir(tmp_path) == ["x.npy"]  # no temporary file left


def _numpy1_ref_power(ref_value: Any) -> Any:
    """``ref_value ** 2`` as NumPy 1.x computes it: a float32 scalar is squared in float64."""
    return np.float64(ref_value) ** 2


@pytest.mark.parametrize("kind,argv,options", [("stft", [], {}), ("mel", ["--power", "1"], {})])
def test_block_reference_power_is_amplitude_to_dbs(
    stereo: str, tmp_path: Any, kind: str, argv: list[str], options: dict, monkeypatch: Any
) -> None:
    """Magnitudes in dB (``ref=np.max``): the block path squares the reference with
    ``dsp.db._ref_power``, as ``amplitude_to_db`` does, not with ``np.square``. They agree on
    NumPy 2 (both float32 for a float32 peak) but not on NumPy 1.x (librosa's ``ref ** 2`` is
    float64 there); that casting is simulated here on any NumPy."""
    import dsp.cli._longfile as longfile
    import dsp.db

    monkeypatch.setattr(dsp.db, "_ref_power", _numpy1_ref_power)
    monkeypatch.setattr(longfile, "_ref_power", _numpy1_ref_power, raising=False)
    out = str(tmp_path / "x.npy")
    assert main([kind, stereo, "-o", out, "--no-progress", "--top-db", "none", *argv]) == 0
    expected = offline(stereo, kind, {"top_db": None, "power": 1.0, **options})
    assert np.array_equal(np.load(out), expected.astype(np.float32))


def test_progress_bar(stereo: str, tmp_path: Any, capsys: Any) -> None:
    assert main(["mel", stereo, "-o", str(tmp_path / "x.npy"), "--progress"]) == 0
    err = capsys.readouterr().err
    last = err.rstrip("\n").split("\r")[-1]
    assert last.startswith("100% [" + "#" * 30 + "]") and "x real time" in last
    assert "elapsed" in last and "left" in last and err.endswith("\n")


def test_progress_line_arithmetic() -> None:
    class Sink:
        def write(self, text: str) -> None: ...
        def flush(self) -> None: ...

    bar = Progress(total=1000, sr=100.0, out=Sink(), enabled=True)  # type: ignore[arg-type]
    bar.start = 0.0
    line = bar.line(250, now=2.0)  # a quarter of 10 s of audio in 2 s
    assert line.startswith("\r 25% [" + "#" * 7 + "." * 23 + "]")
    assert "0:02 elapsed, 0:06 left, 1.2x real time" in line
    assert Progress.clock(3725) == "1:02:05"


def test_bad_options_fail_before_work(stereo: str, tmp_path: Any, capsys: Any) -> None:
    out = str(tmp_path / "x.npy")
    assert main(["mel", stereo, "-o", out, "--top-db", "-3"]) != 0
    assert main(["mel", stereo, "-o", out, "--channel", "5"]) != 0
    assert main(["mel", stereo, "-o", out, "--power", "3"]) != 0
    assert os.listdir(tmp_path) == []
    assert "top_db" in capsys.readouterr().err


FIGURE_CASES = [
    ("mel", "x.png", ["--width", "100"]),  # 517 frames onto 100 columns: pooled in blocks
    ("stft", "x.svg", ["--width", "150", "--top-db", "40"]),
    ("mel", "x.png", []),  # fewer frames than the 1200 columns: the array itself
]


@pytest.mark.parametrize("kind,name,argv", FIGURE_CASES)
def test_command_figure_equals_offline(
    stereo: str, tmp_path: Any, kind: str, name: str, argv: list[str], monkeypatch: Any
) -> None:
    """A figure made in blocks (frames pooled onto the pixel columns as they come) is the
    figure of the whole array, byte for byte, and no temporary file is left behind."""
    import dsp.cli.spectrogram as command

    blocks, whole = tmp_path / "blocks", tmp_path / "whole"
    blocks.mkdir(), whole.mkdir()
    assert main([kind, stereo, "-o", str(blocks / name), "--no-progress", *argv]) == 0
    monkeypatch.setattr(command, "can_stream", lambda args: False)  # the offline path
    assert main([kind, stereo, "-o", str(whole / name), "--no-progress", *argv]) == 0
    assert (blocks / name).read_bytes() == (whole / name).read_bytes()
    assert os.listdir(blocks) == [name]


def _peak_bytes(path: str, out: str) -> int:
    tracemalloc.start()
    try:
        with engine_config(chunk_min_frames=64, chunk_bytes=1, chunk_align=64):
            assert main(["mel", path, "-o", out, "--no-progress"]) == 0
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_flat_in_length(tmp_path: Any) -> None:
    """Peak Python/NumPy allocations do not grow with the file: 20 s and 80 s of stereo, with
    projection chunks of 64 frames so that both are past the mel stream's plateau (two chunks
    held; with the default 1024-frame chunks the plateau, about 30 MB, is reached at 100 s)."""
    peaks = []
    for seconds in (20, 80):
        path = str(tmp_path / f"{seconds}.wav")
        y = np.random.default_rng(seconds).uniform(-0.5, 0.5, (2, 44100 * seconds))
        write_wav(path, y.astype(np.float32), 44100, subtype="pcm16")
        del y
        peaks.append(_peak_bytes(path, str(tmp_path / "x.npy")))
    # 4x the audio: the whole-file path needs 4x (60 MiB more); blocks stay within 2 MiB
    assert peaks[1] < peaks[0] + (2 << 20), peaks
    for seconds in (20, 80):  # a figure: the same blocks, then columns pooled in blocks
        peaks.append(_peak_bytes(str(tmp_path / f"{seconds}.wav"), str(tmp_path / "x.png")))
    assert peaks[3] < peaks[2] + (2 << 20), peaks
