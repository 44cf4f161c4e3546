"""``dsp demo``: the main job on the built-in example sound."""

from __future__ import annotations

import argparse
import os
from typing import Any

import numpy as np

from ..cnn import to_cnn_input
from ..db import amplitude_to_db, power_to_db
from ..examples import EXAMPLE_EVENTS, example_audio
from ..io.audio import write_wav
from ..pipeline import melspectrogram
from ..spectrum import stft
from ..viz.figure import specshow
from ._common import save_npy

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add ``demo`` to the ``dsp`` sub-command parsers."""
    demo = commands.add_parser(
        "demo",
        help="the main job on a built-in example sound",
        description="Write the built-in example sound (a tone with vibrato, a chirp, clicks, a "
        "chord, a noise burst) as WAV, figures of its linear and mel spectrograms (time and "
        "Hz axes, dB colour bar) and the CNN input array.",
    )
    demo.add_argument(
        "-o",
        "--output",
        default="dsp-demo",
        metavar="DIR",
        help="directory to write into, created if missing (default: dsp-demo)",
    )
    demo.set_defaults(run=run)


def run(args: argparse.Namespace) -> None:
    os.makedirs(args.output, exist_ok=True)
    y, sr = example_audio()
    print(f"dsp demo: the built-in example sound, {y.size / sr:.2f} s at {sr} Hz")
    for start, end, what in EXAMPLE_EVENTS:
        print(f"  {start:3.1f} - {end:3.1f} s  {what}")

    def wrote(name: str, what: str) -> None:
        print(f"wrote {os.path.join(args.output, name):<{len(args.output) + 24}}  {what}")

    write_wav(os.path.join(args.output, "example.wav"), y, sr)
    wrote("example.wav", f"the sound: {y.size} samples, float32 WAV")
    linear = amplitude_to_db(np.abs(stft(y)), ref=np.max)
    mel = power_to_db(melspectrogram(y=y, sr=sr), ref=np.max)
    figures = (
        (
            "example_stft.png",
            linear,
            "linear",
            "linear-frequency dB, {} bins",
            "spectrogram: amplitude_to_db(np.abs(stft(y)), ref=np.max)",
        ),
        (
            "example_mel.png",
            mel,
            "mel",
            "mel dB, {} bands",
            "mel spectrogram: power_to_db(melspectrogram(y=y, sr=sr), ref=np.max)",
        ),
    )
    for name, S_db, y_axis, rows, title in figures:
        figure = specshow(S_db, sr=sr, y_axis=y_axis, title=title, colorbar_label="dB (re max)")
        figure.save(os.path.join(args.output, name))
        wrote(
            name,
            f"{rows.format(S_db.shape[0])} x {S_db.shape[1]} frames, "
            f"{figure.width} x {figure.height} px figure",
        )
    cnn = to_cnn_input(mel)
    save_npy(os.path.join(args.output, "example_cnn_input.npy"), cnn)
    wrote(
        "example_cnn_input.npy", f"CNN input (channel, mel bands, frames): {cnn.dtype} {cnn.shape}"
    )
