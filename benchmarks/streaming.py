"""Streaming: chunked vs offline time, ``dsp live``'s real-time factor, ``dsp mel``'s memory.

``python -m benchmarks.streaming [--seconds 60] [--runs 5] [--lengths 60,1800,7200]`` writes
``benchmarks/results/streaming.md``:

- **time**: ``MelSpectrogram()(y)`` (and ``Spectrogram``) on a seeded float32 white-noise
  signal against pushing the same signal in 1-s chunks through ``.stream()`` and ``flush()``
  (paired runs alternated ABBA, medians, the ratio of each pair: median, min, max);
- **live**: the whole ``dsp live`` computation (:class:`dsp.cli.live.LivePipeline`: 16-bit
  PCM bytes -> mel stream -> dB -> palette rows; terminal output excluded) on 16 kHz audio in
  40 ms reads, as seconds of computing per second of audio (the real-time factor);
- **memory**: the peak resident memory (``ru_maxrss``) of ``python -m dsp mel x.wav -o x.npy``
  in a fresh process for 44.1 kHz stereo 16-bit WAVs of each length (written block by block in
  a temporary folder and deleted), minus that of ``python -m dsp mel --help`` (the interpreter
  with dsp's command loaded), and the run's time as a multiple of real time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from ._common import machine, paired, signal, table

RESULTS = Path(__file__).resolve().parent / "results" / "streaming.md"

_RSS = """
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
elapsed = time.perf_counter() - start
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, elapsed, code)
"""


def streamed(transform: Any, y: np.ndarray, chunk: int) -> np.ndarray:
    stream = transform.stream()
    parts = [stream.push(y[i : i + chunk]) for i in range(0, y.shape[-1], chunk)]
    parts.append(stream.flush())
    return np.concatenate(parts, axis=-1)


def time_ratio(seconds: float, runs: int) -> list[list[str]]:
    from dsp.transforms import MelSpectrogram, Spectrogram

    y, rows = signal(seconds), []
    transforms: list[tuple[str, Any]] = [
        ("MelSpectrogram()", MelSpectrogram()),
        ("Spectrogram(power=2)", Spectrogram(power=2.0)),
    ]
    for name, transform in transforms:
        assert np.array_equal(streamed(transform, y, 22050), transform(y))
        r = paired(partial(streamed, transform, y, 22050), partial(transform, y), runs)
        rows.append(
            [
                name,
                f"{seconds:g} s",
                f"{r['ref']:.3f} s",
                f"{r['ours']:.3f} s",
                f"**{r['ratio']:.2f}** [{r['lo']:.2f}, {r['hi']:.2f}]",
                "identical",
            ]
        )
    return rows


def live_rtf(seconds: float, runs: int) -> list[str]:
    from dsp.cli.live import LivePipeline

    sr = 16000
    pcm = (signal(seconds, sr) * 32767).astype("<i2").tobytes()
    read = 2 * sr // 25

    def once() -> float:
        p = LivePipeline(sr=sr, channels=1, fmt="s16le", n_fft=1024, hop_length=sr // 25,
                         n_mels=128, db_range=80.0)  # fmt: skip
        start = time.perf_counter()
        for i in range(0, len(pcm), read):
            p.feed(pcm[i : i + read])
        p.end()
        return time.perf_counter() - start

    times = sorted(once() for _ in range(runs))
    median = times[len(times) // 2]
    return [f"{seconds:g} s at 16 kHz, 40 ms reads", f"{median:.3f} s", f"{median / seconds:.4f}"]


def write_wav_blocks(path: str, seconds: float, sr: int = 44100, channels: int = 2) -> None:
    """A 16-bit PCM WAV of seeded noise, written 10 s at a time (never whole in memory)."""
    n = int(seconds * sr)
    data_bytes = n * channels * 2
    rng = np.random.default_rng(1)
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE")
        f.write(b"fmt " + struct.pack("<IHHIIHH", 16, 1, channels, sr, sr * channels * 2,
                                      channels * 2, 16))  # fmt: skip
        f.write(b"data" + struct.pack("<I", data_bytes))
        for start in range(0, n, 10 * sr):
            k = min(10 * sr, n - start)
            f.write(rng.integers(-3000, 3000, (k, channels), dtype=np.int16).tobytes())


def peak_rss(argv: list[str]) -> tuple[int, float]:
    done = subprocess.run([sys.executable, "-c", _RSS, *argv], capture_output=True, text=True,
                          check=True)  # fmt: skip
    rss, elapsed, code = done.stdout.split()
    if int(code) != 0:
        raise RuntimeError(f"{argv} failed")
    return int(rss), float(elapsed)


def memory(lengths: list[float], runs: int) -> tuple[list[list[str]], int]:
    base = sorted(peak_rss([sys.executable, "-m", "dsp", "mel", "--help"])[0] for _ in range(3))[1]
    rows = []
    with tempfile.TemporaryDirectory(dir=os.environ.get("DSP_BENCH_TMP")) as tmp:
        for seconds in lengths:
            wav, out = os.path.join(tmp, "x.wav"), os.path.join(tmp, "x.npy")
            write_wav_blocks(wav, seconds)
            size = os.path.getsize(wav)
            results = [
                peak_rss([sys.executable, "-m", "dsp", "mel", wav, "-o", out, "--no-progress"])
                for _ in range(runs if seconds <= 1800 else 1)
            ]
            rss = sorted(r[0] for r in results)[len(results) // 2]
            elapsed = sorted(r[1] for r in results)[len(results) // 2]
            shape = np.load(out, mmap_mode="r").shape
            rows.append(
                [
                    _length(seconds),
                    f"{size / 2**20:.0f} MiB",
                    f"{shape}",
                    f"{rss / 2**20:.0f} MiB",
                    f"**{(rss - base) / 2**20:.0f} MiB**",
                    f"{elapsed:.1f} s ({seconds / elapsed:.0f}x real time)",
                    str(len(results)),
                ]
            )
            os.remove(wav)
            os.remove(out)
            print(json.dumps(rows[-1]), flush=True)
    return rows, base


def _length(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lengths", default="60,1800,7200")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    lengths = [float(s) for s in args.lengths.split(",") if s]
    free = shutil.disk_usage(tempfile.gettempdir()).free
    need = max(lengths) * 44100 * 4 * 2.2
    if need > free:
        raise SystemExit(f"needs {need / 2**30:.1f} GiB free in {tempfile.gettempdir()}")
    load = os.getloadavg()[0]
    times = time_ratio(args.seconds, args.runs)
    live = live_rtf(args.seconds, args.runs)
    mem, base = memory(lengths, max(1, args.runs // 2))
    info = machine()
    lines = [
        "# Streaming: time, live real-time factor, memory of `dsp mel` against file length",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()) + ".",
        f"Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC. Load average at the start: "
        f"{load:.1f} on {os.cpu_count()} cores (other jobs were running: times are noisy, "
        "ratios of alternated pairs less so). Generated by `python -m benchmarks.streaming`.",
        "",
        "## Streaming in 1-s chunks against the offline transform",
        "",
        "Float32 white noise at 22050 Hz, n_fft 2048, hop 512, 128 mels; the stream is pushed "
        "22050 samples at a time, then flushed; its output is checked identical first. Ratio: "
        f"stream / offline, median [min, max] of {args.runs} alternated pairs (target <= 1.3).",
        "",
        table(["transform", "signal", "offline", "stream, 1-s chunks", "ratio", "output"], times),
        "",
        "Where the time goes (cProfile of the stream): each push runs the engine once on its "
        "~43 frames, a fixed cost of about 0.5-1 ms (the engine's plan: frame views, FFT "
        "selection, buffers) that the offline call pays once; offline also runs 2 threads from "
        "4M windowed samples on, which 43-frame pushes cannot use. The mel stream projects in "
        "the engine's 1024-frame chunks (the price of bit-identity, see docs/streaming.md): "
        "two BLAS calls for 60 s instead of one, and on this loaded machine a call of 256 to "
        "4096 frames costs about the same ~55 ms. The target of 1.3 is not met here.",
        "",
        "## `dsp live`'s pipeline",
        "",
        "PCM bytes to palette rows (terminal writes excluded), n_fft 1024, hop 640, 128 mels, "
        f"float32 precision; median of {args.runs} runs. Real-time factor: compute time / "
        "audio time (below 1 keeps up with a microphone).",
        "",
        table(["input", "time", "real-time factor"], [live]),
        "",
        "## Peak memory of `dsp mel x.wav -o x.npy` against file length",
        "",
        "44.1 kHz stereo 16-bit WAV of noise, default options (resampled to 22050 Hz with soxr "
        "HQ block by block, mono mix, n_fft 2048, hop 512, 128 mels, dB with ref=max and "
        f"top_db=80). Baseline: `python -m dsp mel --help` peaks at {base / 2**20:.0f} MiB. "
        "Peak RSS of a fresh process (`ru_maxrss` of the child); median of the runs.",
        "",
        table(["length", "WAV", "output", "peak RSS", "above baseline", "time", "runs"], mem),
        "",
    ]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
