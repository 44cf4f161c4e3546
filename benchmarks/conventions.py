"""Whisper and Kaldi features: dsp against the reference implementations, time and deviation.

``python -m benchmarks.conventions [--quick]`` writes ``benchmarks/results/conventions.md``:

- Whisper's log-mel of 30 s (the model's input): :func:`dsp.whisper_log_mel` against
  transformers' NumPy ``WhisperFeatureExtractor`` path (the extractor built directly, no
  download) and against openai-whisper's formula run with torch (CPU);
- Kaldi fbank and MFCC (default options, ``dither=0``): :func:`dsp.kaldi_fbank` /
  :func:`dsp.kaldi_mfcc` against kaldi-native-fbank on 10 s and 60 s of 16 kHz audio. knf's
  Python API hands out one frame per call: its time is given with that loop (what a user pays)
  and without it (``accept_waveform`` + ``input_finished``, the C++ work alone).

Paired, alternated runs (``benchmarks._common.paired``), medians; ratios are dsp / reference
(lower is faster). Deviations: max |dsp - reference|, absolute and over max |reference|.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from ._common import deviation, machine, paired, table

__all__ = ["main", "run"]

OUT = Path(__file__).resolve().parent / "results" / "conventions.md"
SR = 16000


def _speech_like(seconds: float, seed: int = 20240) -> np.ndarray:
    """Seeded test audio on [-1, 1]: tones in bursts over a noise floor 40 dB down."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    bursts = (np.sin(2 * np.pi * 0.7 * t) > 0) * np.sin(2 * np.pi * 220 * t * (1 + 0.1 * t / 30))
    y = 0.1 * bursts + 0.001 * rng.standard_normal(t.size)
    return y.astype(np.float32)


def _knf(y: np.ndarray, mfcc: bool, frames: bool = True) -> Any:
    import kaldi_native_fbank as knf

    options = knf.MfccOptions() if mfcc else knf.FbankOptions()
    options.frame_opts.dither = 0.0
    extractor = knf.OnlineMfcc(options) if mfcc else knf.OnlineFbank(options)
    extractor.accept_waveform(SR, y)
    extractor.input_finished()
    if not frames:
        return extractor
    return np.array([extractor.get_frame(i) for i in range(extractor.num_frames_ready)])


def _torch_whisper(y: np.ndarray) -> np.ndarray:
    import librosa
    import torch

    audio = torch.from_numpy(y)
    stft = torch.stft(audio, 400, 160, window=torch.hann_window(400), return_complex=True)
    magnitudes = stft[..., :-1].abs() ** 2
    filters = torch.from_numpy(librosa.filters.mel(sr=SR, n_fft=400, n_mels=80))
    log_spec = torch.clamp(filters @ magnitudes, min=1e-10).log10()
    log_spec = torch.maximum(log_spec, log_spec.max() - 8.0)
    return ((log_spec + 4.0) / 4.0).numpy()


def _row(label: str, ours: Any, ref: Any, result: dict[str, float], dev: dict[str, Any]) -> list:
    return [
        label,
        f"{result['ours'] * 1e3:.1f}",
        f"{result['ref'] * 1e3:.1f}",
        f"**{result['ratio']:.2f}** [{result['lo']:.2f}, {result['hi']:.2f}]",
        f"{1 / result['ratio']:.1f}x",
        f"{dev['max_abs']:.2e}",
        f"{dev['max_rel']:.2e}",
    ]


def run(quick: bool = False, log: Any = sys.stderr) -> str:
    """Measure everything; return the Markdown report."""
    from transformers import WhisperFeatureExtractor

    import dsp

    load_start = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    runs = 3 if quick else 9
    header = [
        "case",
        "dsp (ms)",
        "reference (ms)",
        "ratio dsp/ref [min, max]",
        "speed-up",
        "max abs dev",
        "max dev / max",
    ]
    rows = []

    y30 = _speech_like(30.0)
    extractor = WhisperFeatureExtractor(feature_size=80)
    for precision in ("float64", "float32"):
        ours = lambda p=precision: dsp.whisper_log_mel(y30, padding="30s", precision=p)  # noqa: E731
        ref = lambda: extractor._np_extract_fbank_features(y30[None], "cpu")[0]  # noqa: E731
        print(f"whisper {precision} vs transformers ...", file=log)
        result = paired(ours, ref, runs)
        rows.append(
            _row(
                f"Whisper 30 s, 80 mels, precision={precision} vs transformers NumPy",
                None,
                None,
                result,
                deviation(ours(), ref()),
            )
        )
    print("whisper vs torch ...", file=log)
    ours = lambda: dsp.whisper_log_mel(y30, padding="30s")  # noqa: E731
    result = paired(ours, lambda: _torch_whisper(y30), runs)
    rows.append(
        _row(
            "Whisper 30 s, 80 mels vs openai-whisper formula (torch CPU float32)",
            None,
            None,
            result,
            deviation(ours(), _torch_whisper(y30)),
        )
    )

    for seconds in (10.0,) if quick else (10.0, 60.0):
        y = _speech_like(seconds) * np.float32(32768.0)  # Kaldi's int16 scale
        for mfcc, name in ((False, "fbank"), (True, "MFCC")):
            func = dsp.kaldi_mfcc if mfcc else dsp.kaldi_fbank
            ours = lambda f=func, y=y: f(y, dither=0.0)  # noqa: E731
            print(f"kaldi {name} {seconds:g} s ...", file=log)
            dev = deviation(ours(), _knf(y, mfcc))
            result = paired(ours, lambda y=y, m=mfcc: _knf(y, m), runs)
            rows.append(
                _row(
                    f"Kaldi {name} {seconds:g} s vs knf (with its get_frame loop)",
                    None,
                    None,
                    result,
                    dev,
                )
            )
            result = paired(ours, lambda y=y, m=mfcc: _knf(y, m, frames=False), runs)
            rows.append(
                _row(f"Kaldi {name} {seconds:g} s vs knf (C++ work alone)", None, None, result, dev)
            )

    load_end = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    info = machine()
    for name in ("transformers", "kaldi_native_fbank"):
        module = __import__(name)
        info[name] = getattr(module, "__version__", "installed")
    lines = [
        "# Conventions: dsp against transformers, openai-whisper's formula and kaldi-native-fbank",
        "",
        f"Written by `python -m benchmarks.conventions{' --quick' if quick else ''}` on "
        f"{datetime.date.today().isoformat()}. {runs} paired, alternated runs per case after a "
        "warm-up; times are medians; the ratio is dsp / reference per pair (lower is faster), "
        "with its range. Deviation: max |dsp - reference|, absolute and over max |reference| "
        "(Whisper features are on the (log10 + 4) / 4 scale; Kaldi's are natural logs).",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()) + ".",
        "",
        f"Load average (1 min) {load_start:.1f} at the start and {load_end:.1f} at the end: the "
        "machine was shared with other jobs; paired ratios are robust to that, absolute times "
        "are not.",
        "",
        "Audio: seeded tone bursts over a noise floor 40 dB down, 16 kHz; Kaldi input scaled by "
        "32768 (its int16 scale); Kaldi options at their defaults with `dither=0`.",
        "",
        table(header, rows),
        "",
        "Targets (issue 14): Whisper within 1e-5 absolute of the references and at least 5x "
        "faster than transformers' NumPy extractor on 30 s; Kaldi within 1e-4 of the maximum "
        "of kaldi-native-fbank's output and at most 1.5x its time.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.conventions")
    parser.add_argument("--quick", action="store_true", help="fewer runs, 10 s only")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    report = run(quick=args.quick)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
