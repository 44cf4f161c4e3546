"""A small CNN learns to tell four kinds of sound apart from dsp's spectrograms, on a CPU.

One command, from nothing::

    python docs/examples/cnn_sounds.py --out run/            # 1-2 minutes on a laptop CPU
    python docs/examples/cnn_sounds.py --out run/ --quick    # ~25 s: fewer clips and epochs
    python docs/examples/cnn_sounds.py --out run/ --models mel   # ~25 s: the mel model only

It (1) makes a labelled dataset in code (voice, engine, bird, noise: ``sounds.py``) and writes
it as WAV files; (2) turns them into features with the ``dsp batch`` command, twice: the mel
spectrogram (64 bands) and the linear one (257 FFT bins), both in dB on the same frames;
(3) loads the ``.npy`` files as a PyTorch ``Dataset``; (4) trains the same small CNN on the mel
and on the linear spectrogram, and a 1-D CNN of the same size on the raw waveform; (5) prints
held-out accuracies and the mel model's confusion matrix, writes ``results.json`` and draws the
pictures (``cnn_pictures.py``: spectrograms per class, the first layer's filters, occlusion maps).
Seeded: the same ``--seed`` gives the same numbers. Needs ``pip install -e ".[examples]"``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from sounds import CLASSES, MAX_SECONDS, SR, write_dataset  # sounds.py, next to this file
from torch import nn
from torch.utils.data import DataLoader, Dataset

import dsp

N_FFT, HOP, N_MELS = 512, 256, 64  # 32 ms frames every 16 ms at 16 kHz
N_FRAMES = 1 + int(MAX_SECONDS * SR) // HOP  # the longest clip's frames (center=True)
N_SAMPLES = int(MAX_SECONDS * SR)
TEST_FRACTION = 0.25
FULL = {"clips": 100, "epochs": 12}  # clips per class, passes over the training set
QUICK = {"clips": 40, "epochs": 8}


# ----------------------------------------------------------------- features: the dsp command


def dsp_batch(wav_dir: str, out_dir: str, feature: str, jobs: int) -> None:
    """Run ``dsp batch`` on the WAV folder: one ``.npy`` per clip and ``manifest.csv``."""
    command = [
        sys.executable,
        "-m",
        "dsp",
        "batch",
        wav_dir,
        "-o",
        out_dir,
        "--feature",
        feature,
        "--sr",
        str(SR),
        "--n-fft",
        str(N_FFT),
        "--hop-length",
        str(HOP),
        "--jobs",
        str(jobs),
        "--no-progress",
    ]
    if feature == "mel":
        command += ["--n-mels", str(N_MELS)]
    print("$", " ".join(["dsp", *command[3:]]))
    subprocess.run(command, check=True)


# ---------------------------------------------------------------------- datasets over files


def read_manifest(feature_dir: str) -> list[tuple[str, int]]:
    """``(key, label index)`` of every clip ``dsp batch`` computed; the folder is the label."""
    with open(os.path.join(feature_dir, "manifest.csv"), newline="") as f:
        rows = [row for row in csv.DictReader(f) if row["status"] == "ok"]
    return [(row["key"], CLASSES.index(row["key"].split("/")[0])) for row in rows]


class SpectrogramDataset(Dataset):
    """The ``.npy`` files of ``dsp batch`` as ``(x, label)``: ``x`` is ``(1, bins, N_FRAMES)``.

    Shorter clips are padded on the right with their own floor (the quietest dB value), then
    each image is standardised (mean 0, std 1) by :func:`dsp.to_cnn_input`."""

    def __init__(self, feature_dir: str, items: list[tuple[str, int]]) -> None:
        self.keys = [key for key, _ in items]
        self.labels = torch.tensor([label for _, label in items])
        images = []
        for key in self.keys:
            S_db = np.load(os.path.join(feature_dir, key + ".npy"))[:, :N_FRAMES]
            padded = np.full((S_db.shape[0], N_FRAMES), S_db.min(), dtype=np.float32)
            padded[:, : S_db.shape[1]] = S_db
            images.append(dsp.to_cnn_input(padded, normalize="standard"))
        self.x = torch.from_numpy(np.stack(images))  # small: keep it all in memory

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.x[i], self.labels[i]


class WaveformDataset(SpectrogramDataset):
    """The WAV files themselves as ``(1, N_SAMPLES)``, zero-padded, scaled to std 1."""

    def __init__(self, wav_dir: str, items: list[tuple[str, int]]) -> None:
        self.keys = [key for key, _ in items]
        self.labels = torch.tensor([label for _, label in items])
        x = np.zeros((len(items), 1, N_SAMPLES), dtype=np.float32)
        for i, key in enumerate(self.keys):
            y, _ = dsp.load(os.path.join(wav_dir, key + ".wav"), sr=None)
            x[i, 0, : y.size] = y[:N_SAMPLES] / (y.std() + 1e-8)
        self.x = torch.from_numpy(x)


def split(items: list[tuple[str, int]], seed: int) -> tuple[list, list]:
    """A held-out split, the same fraction of every class, drawn with ``seed``."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in range(len(CLASSES)):
        mine = [item for item in items if item[1] == label]
        order = rng.permutation(len(mine))
        n_test = round(TEST_FRACTION * len(mine))
        test += [mine[i] for i in order[:n_test]]
        train += [mine[i] for i in order[n_test:]]
    return train, test


# --------------------------------------------------------------------------------- models


class SpectrogramCNN(nn.Module):
    """Three conv blocks on the ``(1, bins, frames)`` image, then a linear layer.

    The first layer's 16 filters are 5x5 (big enough to look at). Before the classifier the
    maps are averaged down to 8 frequency bands x 1 (time is pooled away, coarse frequency is
    kept), so the model has the same size on 64 mel bands as on 257 linear bins."""

    def __init__(self, n_classes: int = len(CLASSES)) -> None:
        super().__init__()
        # one block a line: convolution, batch norm, ReLU, pooling
        # fmt: off
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 5, padding=2), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.AdaptiveAvgPool2d((8, 1)),
        )
        # fmt: on
        self.classify = nn.Linear(32 * 8, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classify(self.features(x).flatten(1))


class WaveformCNN(nn.Module):
    """The same three blocks in 1-D on the samples: the first layer's 16 filters are 64
    samples long with a stride of 16 (a learned filterbank), and about as many weights."""

    def __init__(self, n_classes: int = len(CLASSES)) -> None:
        super().__init__()
        # fmt: off
        self.features = nn.Sequential(
            nn.Conv1d(1, 16, 64, stride=16), nn.BatchNorm1d(16), nn.ReLU(), nn.MaxPool1d(4),
            nn.Conv1d(16, 32, 9, padding=4), nn.BatchNorm1d(32), nn.ReLU(), nn.MaxPool1d(4),
            nn.Conv1d(32, 32, 9, padding=4), nn.BatchNorm1d(32), nn.ReLU(),
            nn.AdaptiveAvgPool1d(8),
        )
        # fmt: on
        self.classify = nn.Linear(32 * 8, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classify(self.features(x).flatten(1))


def n_weights(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# ------------------------------------------------------------------------ train, evaluate


def train(model: nn.Module, data: Dataset, epochs: int, seed: int) -> nn.Module:
    torch.manual_seed(seed)
    loader = DataLoader(
        data, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(seed)
    )
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(epochs):
        for x, label in loader:
            optimiser.zero_grad()
            nn.functional.cross_entropy(model(x), label).backward()
            optimiser.step()
    return model.eval()


@torch.no_grad()
def confusion(model: nn.Module, data: SpectrogramDataset) -> np.ndarray:
    """``C[i, j]``: test clips of class ``i`` the model called class ``j``."""
    predicted = model(data.x).argmax(1).numpy()
    C = np.zeros((len(CLASSES), len(CLASSES)), dtype=int)
    np.add.at(C, (data.labels.numpy(), predicted), 1)
    return C


@torch.no_grad()
def occlusion(
    model: nn.Module, x: torch.Tensor, label: int, patch: int = 8, stride: int = 4
) -> np.ndarray:
    """How much the probability of ``label`` drops when a ``patch`` x ``patch`` square of the
    image is blanked (set to 0, the image's mean), averaged over the squares covering each
    cell: shape ``(bins, frames)``; large where the evidence is."""
    _, bins, frames = x.shape
    base = model(x[None]).softmax(1)[0, label]
    corners = [
        (r, c)
        for r in range(0, bins - patch + 1, stride)
        for c in range(0, frames - patch + 1, stride)
    ]
    blanked = x.repeat(len(corners), 1, 1, 1)
    for i, (r, c) in enumerate(corners):
        blanked[i, :, r : r + patch, c : c + patch] = 0.0
    drop = (base - model(blanked).softmax(1)[:, label]).numpy()
    total, count = np.zeros((bins, frames)), np.zeros((bins, frames))
    for d, (r, c) in zip(drop, corners, strict=True):
        total[r : r + patch, c : c + patch] += d
        count[r : r + patch, c : c + patch] += 1
    return total / np.maximum(count, 1)


# ---------------------------------------------------------------------------------- run


@dataclass
class Result:
    """What a run measured, and what the pictures need (NumPy only)."""

    seed: int
    clips_per_class: int
    epochs: int
    accuracy: dict[str, float] = field(default_factory=dict)
    weights: dict[str, int] = field(default_factory=dict)
    confusion: dict[str, list[list[int]]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # wall clock, per step
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # this process + dsp batch
    examples: dict[str, np.ndarray] = field(default_factory=dict)  # class -> mel dB, unpadded
    filters: np.ndarray | None = None  # (16, 5, 5): the mel model's first layer
    occlusions: list[tuple[str, str, np.ndarray, np.ndarray]] = field(default_factory=list)

    def summary(self) -> dict:
        keep = (
            "seed",
            "clips_per_class",
            "epochs",
            "accuracy",
            "weights",
            "confusion",
            "seconds",
            "cpu_seconds",
        )
        return {k: getattr(self, k) for k in keep} | {
            "classes": list(CLASSES),
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "machine": platform.platform(),
            "processor": platform.processor() or platform.machine(),
        }


def run(
    out: str,
    *,
    quick: bool = False,
    seed: int = 0,
    jobs: int = 2,
    threads: int = 1,
    models: tuple[str, ...] = ("mel", "linear", "waveform"),
    clips: int | None = None,
    epochs: int | None = None,
) -> Result:
    """The whole example into the folder ``out``; returns what it measured.

    ``clips`` (per class) and ``epochs`` override the sizes of the full or ``quick`` run."""
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    size = dict(QUICK if quick else FULL)
    size.update({k: v for k, v in (("clips", clips), ("epochs", epochs)) if v is not None})
    result = Result(seed, size["clips"], size["epochs"])
    clock, cpu = time.perf_counter(), _cpu()

    def lap(name: str) -> None:
        nonlocal clock, cpu
        result.seconds[name] = round(time.perf_counter() - clock, 2)
        result.cpu_seconds[name] = round(_cpu() - cpu, 2)
        clock, cpu = time.perf_counter(), _cpu()

    wav_dir = os.path.join(out, "wav")
    written = {
        os.path.relpath(path, wav_dir)[: -len(".wav")].replace(os.sep, "/")
        for path, _ in write_dataset(wav_dir, size["clips"], seed=seed)
    }
    lap("make the WAV files")
    for feature, folder in (("mel", "mel"), ("stft", "linear")):
        dsp_batch(wav_dir, os.path.join(out, folder), feature, jobs)
    lap("dsp batch (mel and linear)")

    # only this run's clips (a folder reused from a bigger run may hold more)
    items = [item for item in read_manifest(os.path.join(out, "mel")) if item[0] in written]
    if len(items) != len(written):
        raise RuntimeError(f"dsp batch gave features for {len(items)} of {len(written)} clips")
    train_items, test_items = split(items, seed)
    for name in models:
        make: type[SpectrogramDataset]
        if name == "waveform":
            make, folder = WaveformDataset, wav_dir
        else:
            make, folder = SpectrogramDataset, os.path.join(out, name)
        train_data, test_data = make(folder, train_items), make(folder, test_items)
        torch.manual_seed(seed)  # the same initial weights whatever ran before
        model = WaveformCNN() if name == "waveform" else SpectrogramCNN()
        train(model, train_data, size["epochs"], seed)
        C = confusion(model, test_data)
        result.accuracy[name] = round(float(np.trace(C) / C.sum()), 3)
        result.weights[name] = n_weights(model)
        result.confusion[name] = C.tolist()
        if name == "mel":
            _pictures_data(result, model, test_data, os.path.join(out, "mel"))
        lap(f"train and test: {name}")
    result.seconds["total"] = round(sum(result.seconds.values()), 2)
    result.cpu_seconds["total"] = round(sum(result.cpu_seconds.values()), 2)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(result.summary(), f, indent=1)
    return result


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished children (dsp batch)."""
    me, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def _pictures_data(
    result: Result, model: nn.Module, test: SpectrogramDataset, mel_dir: str
) -> None:
    """Keep what the pictures need: one spectrogram per class, the filters, occlusion maps."""
    assert isinstance(model, SpectrogramCNN)
    first = model.features[0]
    assert isinstance(first, nn.Conv2d)
    result.filters = first.weight.detach().numpy()[:, 0].copy()
    with torch.no_grad():
        predicted = model(test.x).argmax(1).numpy()
    for label, name in enumerate(CLASSES):
        mine = [i for i in range(len(test)) if test.labels[i] == label]
        i = next((i for i in mine if predicted[i] == label), mine[0])  # a correct one if any
        S_db = np.load(os.path.join(mel_dir, test.keys[i] + ".npy"))
        result.examples[name] = S_db
        attribution = occlusion(model, test.x[i], label)[:, : S_db.shape[1]]
        result.occlusions.append((name, CLASSES[predicted[i]], S_db, attribution))


def report(result: Result) -> str:
    """The accuracies side by side and the mel model's confusion matrix, as text."""
    chance = 1 / len(CLASSES)
    lines = [
        f"held-out accuracy (seed {result.seed}, {result.clips_per_class} clips per class, "
        f"{TEST_FRACTION:.0%} held out, {result.epochs} epochs; chance {chance:.2f}):"
    ]
    for name, accuracy in result.accuracy.items():
        lines.append(f"  {name:9s} {accuracy:.3f}   ({result.weights[name]} weights)")
    if "mel" in result.confusion:
        lines.append("confusion matrix of the mel model (rows: true class, columns: predicted):")
        lines.append("  " + " " * 8 + "".join(f"{c:>8s}" for c in CLASSES))
        for name, row in zip(CLASSES, result.confusion["mel"], strict=True):
            lines.append(f"  {name:8s}" + "".join(f"{n:8d}" for n in row))
    for name, table in (("wall-clock", result.seconds), ("CPU", result.cpu_seconds)):
        lines.append(f"{name} seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in table.items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder for the WAVs, features, results")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK['clips']} clips per class, {QUICK['epochs']} epochs "
        f"(default {FULL['clips']}, {FULL['epochs']})",
    )
    parser.add_argument("--seed", type=int, default=0, help="dataset, split and training seed")
    parser.add_argument("--jobs", type=int, default=2, help="dsp batch worker processes")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument(
        "--models",
        default="mel,linear,waveform",
        help="which inputs to train on (default mel,linear,waveform; the pictures need mel)",
    )
    parser.add_argument("--figures", help="folder for the pictures (default OUT/figures)")
    parser.add_argument("--no-figures", action="store_true", help="do not draw the pictures")
    args = parser.parse_args(argv)
    models = tuple(args.models.split(","))
    unknown = set(models) - {"mel", "linear", "waveform"}
    if unknown:
        parser.error(f"--models: unknown {sorted(unknown)}; choose from mel, linear, waveform")
    result = run(
        args.out,
        quick=args.quick,
        seed=args.seed,
        jobs=args.jobs,
        threads=args.threads,
        models=models,
    )
    print(report(result))
    if not args.no_figures and "mel" in models:
        import cnn_pictures

        for path in cnn_pictures.draw_all(
            result, args.figures or os.path.join(args.out, "figures")
        ):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
