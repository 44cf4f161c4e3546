"""Dataset throughput: clips per second of ``dsp.batch`` against librosa in a process pool.

``python -m benchmarks.batch [--clips 1000] [--rounds 3] [--seconds 10]`` writes
``benchmarks/results/batch.md``. The work, the same on both sides: load a 16-bit WAV clip at
one of four rates (16, 22.05, 44.1, 48 kHz) resampled to 22050 Hz, its mel spectrogram in dB
(n_fft 2048, hop 512, 128 mels, ``ref=np.max``) and a ``.npy`` file per clip.

- dsp: ``dsp.batch.extract(..., jobs=2)`` (its pool of 2 processes), default and fast mode;
- librosa: a ``ProcessPoolExecutor`` of 2 processes running ``librosa.load(path, sr=22050)``
  (soxr HQ), ``melspectrogram``, ``power_to_db`` and ``np.save`` per clip;
- dsp on a Dask ``LocalCluster`` of 2 single-threaded worker processes (started beforehand;
  its start-up time is reported apart), against dsp's local pool.

Every run starts its own pool (the pool's start-up, librosa's import in its workers included)
and writes to a fresh folder. The cases run in a rotating order in each round; the table gives
the median clips per second and the median of the per-round ratios, with min and max.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from dsp.batch._run import MAX_AUTO_CHUNK, TASK_AUDIO_SECONDS

from ._common import machine, table

RATES = (16000, 22050, 44100, 48000)
TARGET_SR = 22050
RESULTS = Path(__file__).resolve().parent / "results" / "batch.md"


def make_clips(folder: Path, n: int, seconds: float) -> list[Path]:
    """``n`` seeded clips (a tone in noise), 16-bit, at the four rates in turn."""
    import dsp

    paths = []
    for i in range(n):
        sr = RATES[i % len(RATES)]
        rng = np.random.default_rng(i)
        t = np.arange(int(seconds * sr)) / sr
        y = 0.3 * np.sin(2 * np.pi * (200 + 5 * i) * t) + rng.uniform(-0.1, 0.1, t.size)
        path = folder / f"rate{sr}" / f"clip{i:05d}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        dsp.write_wav(path, y, sr, subtype="pcm16")
        paths.append(path)
    return paths


def librosa_clip(job: tuple[str, str]) -> None:
    """One clip the librosa way (runs in a pool worker)."""
    import librosa

    path, out = job
    y, sr = librosa.load(path, sr=TARGET_SR)
    S_db = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr), ref=np.max)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    np.save(out, S_db)


def run_librosa(root: Path, out: Path, paths: list[Path]) -> None:
    from dsp.batch._run import one_thread_blas

    jobs = [(str(p), str(out / p.relative_to(root).with_suffix(".npy"))) for p in paths]
    context = multiprocessing.get_context("forkserver")
    with one_thread_blas(), cf.ProcessPoolExecutor(2, mp_context=context) as pool:
        list(pool.map(librosa_clip, jobs, chunksize=4))


def timed(run: Callable[[Path], object], scratch: Path) -> float:
    out = scratch / "out"
    start = time.perf_counter()
    run(out)
    elapsed = time.perf_counter() - start
    shutil.rmtree(out)
    return elapsed


def _one_process(job: tuple[list[str], str, int]) -> tuple[float, float]:
    """Seconds per clip of dsp (``extract(jobs=1)``) and of librosa (:func:`librosa_clip`) in
    this one worker process, medians of alternated rounds after a warm-up of each."""
    paths, out, rounds = job
    from dsp import batch

    mel = batch.feature("mel")
    librosa_clip((paths[0], os.path.join(out, "warm.npy")))
    batch.extract(paths[:2], os.path.join(out, "warm"), transform=mel, sr=TARGET_SR, jobs=1)
    ours, theirs = [], []
    for r in range(rounds):
        start = time.perf_counter()
        batch.extract(paths, os.path.join(out, f"dsp{r}"), transform=mel, sr=TARGET_SR, jobs=1)
        ours.append((time.perf_counter() - start) / len(paths))
        start = time.perf_counter()
        for i, path in enumerate(paths):
            librosa_clip((path, os.path.join(out, f"librosa{r}", f"{i}.npy")))
        theirs.append((time.perf_counter() - start) / len(paths))
    return statistics.median(ours), statistics.median(theirs)


def one_process(paths: list[Path], scratch: Path, clips: int = 100) -> tuple[float, float]:
    """:func:`_one_process` on ``clips`` clips in a worker with BLAS on one thread."""
    from dsp.batch._run import one_thread_blas

    out = scratch / "one-process"
    context = multiprocessing.get_context("forkserver")
    with one_thread_blas(), cf.ProcessPoolExecutor(1, mp_context=context) as pool:
        result = pool.submit(_one_process, ([str(p) for p in paths[:clips]], str(out), 3))
        per_clip = result.result()
    shutil.rmtree(out)
    return per_clip


def startup(scratch: Path, rounds: int = 3) -> tuple[float, float]:
    """Seconds of a whole run on 8 clips of 1 s (pool start, imports in the workers, the
    clips), dsp's and librosa's, medians of alternated rounds."""
    from dsp import batch

    few = scratch / "few"
    paths = make_clips(few, 8, 1.0)
    mel = batch.feature("mel")
    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(timed(lambda out: batch.extract(few, out, transform=mel, sr=TARGET_SR,
                                                    jobs=2), scratch))  # fmt: skip
        theirs.append(timed(lambda out: run_librosa(few, out, paths), scratch))
    shutil.rmtree(few)
    return statistics.median(ours), statistics.median(theirs)


_FAULTS = """
import json, resource, sys
from dsp import batch
from dsp.batch import reuse_freed_memory
paths, out, reuse = json.loads(sys.argv[1])
if reuse:
    reuse_freed_memory()
mel = batch.feature("mel")
batch.extract(paths[:4], out + "-warm", transform=mel, sr=22050, jobs=1)
before = resource.getrusage(resource.RUSAGE_SELF)
batch.extract(paths, out, transform=mel, sr=22050, jobs=1)
after = resource.getrusage(resource.RUSAGE_SELF)
n = len(paths)
print(json.dumps([(after.ru_minflt - before.ru_minflt) / n,
                  (after.ru_stime - before.ru_stime) / n, (after.ru_utime - before.ru_utime) / n]))
"""


def page_faults(paths: list[Path], scratch: Path, clips: int = 100, rounds: int = 3) -> dict:
    """Page faults, system and user seconds per clip of ``extract(jobs=1)`` in a fresh process
    with glibc's default allocator and after :func:`reuse_freed_memory` (what the pool's
    workers do), alternated; medians."""
    import json
    import subprocess
    import sys

    found: dict[bool, list[list[float]]] = {False: [], True: []}
    for r in range(rounds):
        for reuse in (False, True) if r % 2 == 0 else (True, False):
            out = str(scratch / f"faults-{r}-{reuse}")
            arg = json.dumps([[str(p) for p in paths[:clips]], out, reuse])
            done = subprocess.run([sys.executable, "-c", _FAULTS, arg], capture_output=True,
                                  text=True, check=True, env=dict(os.environ,
                                  OPENBLAS_NUM_THREADS="1"))  # fmt: skip
            found[reuse].append(json.loads(done.stdout.strip().splitlines()[-1]))
            shutil.rmtree(out)
            shutil.rmtree(out + "-warm")
    return {
        reuse: [statistics.median(run[i] for run in runs) for i in range(3)]
        for reuse, runs in found.items()
    }


def parent_cpu(paths: list[Path], scratch: Path, clips: int = 200) -> float:
    """CPU seconds of the calling process per task of our own 2-process pool, one clip a task
    (submitting, collecting, the manifest row): time taken from the workers when they use every
    core."""
    import resource

    from dsp import batch

    mel = batch.feature("mel")
    before = resource.getrusage(resource.RUSAGE_SELF)
    report = batch.extract([str(p) for p in paths[:clips]], scratch / "parent", transform=mel,
                           sr=TARGET_SR, jobs=2, chunksize=1)  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_SELF)
    shutil.rmtree(scratch / "parent")
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return used / max(report.tasks, 1)


def deviation(root: Path, paths: list[Path], scratch: Path) -> float:
    """Max |dB difference| between dsp's and librosa's outputs on one clip per rate."""
    import dsp

    worst = 0.0
    for path in paths[: len(RATES)]:
        librosa_clip((str(path), str(scratch / "ref.npy")))
        y, sr = dsp.load(path, sr=TARGET_SR)
        ours = dsp.power_to_db(dsp.melspectrogram(y=y, sr=sr), ref=np.max)
        worst = max(worst, float(np.max(np.abs(ours - np.load(scratch / "ref.npy")))))
    return worst


def main(argv: list[str] | None = None) -> None:
    import distributed

    from dsp import batch

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        root = scratch / "data"
        paths = make_clips(root, args.clips, args.seconds)
        mel, fast = batch.feature("mel"), batch.feature("mel", precision="float32")
        start = time.perf_counter()
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=40,
        )
        client = distributed.Client(cluster)
        cluster_start = time.perf_counter() - start
        cases: dict[str, Callable[[Path], object]] = {
            "dsp": lambda out: batch.extract(root, out, transform=mel, sr=TARGET_SR, jobs=2),
            "dsp fast mode": lambda out: batch.extract(
                root, out, transform=fast, sr=TARGET_SR, jobs=2
            ),
            "librosa": lambda out: run_librosa(root, out, paths),
            "dsp on Dask": lambda out: batch.extract(
                root, out, transform=mel, sr=TARGET_SR, executor=client
            ),
            "dsp on Dask, 1 clip a task": lambda out: batch.extract(
                root, out, transform=mel, sr=TARGET_SR, executor=client, chunksize=1
            ),
        }
        tasks: dict[str, int] = {}  # tasks each dsp case submitted, in its last run

        def keeping(name: str, run: Callable[[Path], Any]) -> Callable[[Path], None]:
            return lambda out: tasks.__setitem__(name, run(out).tasks)

        cases = {name: keeping(name, run) if name.startswith("dsp") else run
                 for name, run in cases.items()}  # fmt: skip
        times: dict[str, list[float]] = {name: [] for name in cases}
        names = list(cases)
        for r in range(args.rounds):
            order = names[r % len(names) :] + names[: r % len(names)]
            for name in order if r % 2 == 0 else order[::-1]:
                times[name].append(timed(cases[name], scratch))
                print(
                    f"round {r + 1}: {name}: {args.clips / times[name][-1]:.1f} clips/s", flush=True
                )
            if r == 0:
                worst = deviation(root, paths, scratch)
                single = one_process(paths, scratch)
                starts = startup(scratch)
                faults = page_faults(paths, scratch)
                per_task = parent_cpu(paths, scratch)
            # after every round: a run cut short still leaves the rounds it finished
            write_report(
                args, r + 1, times, tasks, cluster_start, worst, single, starts, faults,
                per_task, load_before, os.getloadavg(),
            )  # fmt: skip
        client.close()
        cluster.close()


def _ratio(a: list[float], b: list[float]) -> str:
    ratios = [x / y for x, y in zip(a, b, strict=True)]
    return f"**{statistics.median(ratios):.2f}** [{min(ratios):.2f}, {max(ratios):.2f}]"


def write_report(
    args: argparse.Namespace,
    rounds: int,
    times: dict[str, list[float]],
    tasks: dict[str, int],
    cluster_start: float,
    worst: float,
    single: tuple[float, float],
    starts: tuple[float, float],
    faults: dict,
    per_task: float,
    load_before: tuple[float, ...],
    load_after: tuple[float, ...],
) -> None:
    n = args.clips
    rate = {name: n / statistics.median(t) for name, t in times.items()}
    rows = []
    for name, t in times.items():
        vs_librosa = _ratio(times["librosa"], t)  # > 1: faster than librosa
        rows.append([name, f"{rate[name]:.1f}", f"{statistics.median(t):.1f}", vs_librosa])
    overhead = [d / p - 1 for d, p in zip(times["dsp on Dask"], times["dsp"], strict=True)]
    overhead1 = [
        d / p - 1 for d, p in zip(times["dsp on Dask, 1 clip a task"], times["dsp"], strict=True)
    ]
    default_tasks = tasks["dsp on Dask"]
    extra_tasks = tasks["dsp on Dask, 1 clip a task"] - default_tasks
    per_task_ms = 2e3 * statistics.median(
        [
            (d1 - d) / max(extra_tasks, 1)
            for d1, d in zip(times["dsp on Dask, 1 clip a task"], times["dsp on Dask"], strict=True)
        ]
    )
    speedup = statistics.median(
        [lib / d for lib, d in zip(times["librosa"], times["dsp"], strict=True)]
    )
    speedup_fast = statistics.median(
        [lib / d for lib, d in zip(times["librosa"], times["dsp fast mode"], strict=True)]
    )
    # The runs themselves keep both cores busy (a load average of 2 to 3 after): other jobs
    # show in the load average before the first run.
    noisy = load_before[0] > 1.0
    lines = [
        "# Dataset throughput: dsp.batch against librosa in a process pool",
        "",
        f"Generated by `python -m benchmarks.batch --clips {n} --rounds {args.rounds} "
        f"--seconds {args.seconds:g}` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; "
        "do not edit by hand.",
        "",
        f"{n} clips of {args.seconds:g} s, 16-bit WAV at 16, 22.05, 44.1 and 48 kHz in turn; "
        "each is loaded resampled to 22050 Hz, turned into a 128-band mel spectrogram in dB "
        "(n_fft 2048, hop 512, ref=max) and saved as .npy. Two worker processes on every "
        "side; each run starts its own pool (librosa's import in its workers included). "
        f"Medians of {rounds} rounds (of {args.rounds} asked), the cases in rotating order in "
        "each round; ratios are per round, with min and max.",
        "",
        "## Machine",
        "",
        table(
            ["", ""],
            list(machine().items())
            + [["load average before / after", f"{load_before[0]:.1f} / {load_after[0]:.1f}"]],
        ),
        "",
        "## Targets",
        "",
        table(
            ["case", "target", "measured", "met?"],
            [
                [
                    "dsp.batch against librosa in a 2-process pool",
                    ">= 2x the clips/s",
                    f"{speedup:.2f}x (fast mode {speedup_fast:.2f}x)",
                    "**met**"
                    if speedup >= 2
                    else ("**met in fast mode only**" if speedup_fast >= 2 else "**missed**"),
                ],
                [
                    "Dask LocalCluster (2 workers) against the local pool",
                    "<= 15% more time",
                    f"{100 * statistics.median(overhead):+.1f}% (the default task size, "
                    f"{default_tasks} tasks for {n} clips; 1 clip a task: "
                    f"{100 * statistics.median(overhead1):+.1f}%)",
                    "**met**" if statistics.median(overhead) <= 0.15 else "**missed**",
                ],
            ],
        ),
        "",
        "## Clips per second",
        "",
        table(["case", "clips/s", "seconds per run", "speed over librosa [min, max]"], rows),
        "",
        f"In one process (one worker, BLAS on one thread, {min(n, 100)} clips, median of 3 "
        f"alternated rounds): dsp {1e3 * single[0]:.1f} ms a clip, librosa "
        f"{1e3 * single[1]:.1f} ms ({single[1] / single[0]:.2f}x). The largest steps, the "
        "float64 FFT, soxr's resampling and the mel product, are the same library calls on "
        "both sides (that is what makes the default mode identical), so this is the most the "
        "default mode can gain on the work itself in the caller's process. In a pool, dsp's "
        "workers also keep the memory a clip frees for the next clip "
        "(`dsp.batch.reuse_freed_memory`, glibc's `mallopt`), and a task carries several "
        "clips; librosa's pool runs as its users run it, with glibc's defaults and "
        "`chunksize=4`. Start-up, a whole run on 8 clips of "
        f"1 s (the pool, the imports in its workers, the clips): dsp {starts[0]:.2f} s, "
        f"librosa {starts[1]:.2f} s.",
        "",
        table(
            [
                "dsp, one process, 100 clips",
                "page faults a clip",
                "system time a clip",
                "user time a clip",
            ],
            [
                [
                    label,
                    f"{faults[reuse][0]:.0f}",
                    f"{1e3 * faults[reuse][1]:.2f} ms",
                    f"{1e3 * faults[reuse][2]:.2f} ms",
                ]
                for label, reuse in (
                    ("glibc's default allocator", False),
                    ("reuse_freed_memory() (the pool's workers)", True),
                )
            ],
        ),  # fmt: skip
        "",
        f"The LocalCluster's own start-up (not in its rows): {cluster_start:.1f} s. Dask's "
        f"cost per task, from the 1-clip-a-task row against the default ({default_tasks} "
        f"tasks against {n}), 2 workers: {per_task_ms:.1f} ms. The local pool's cost per task "
        "in the calling process (its CPU time over a run of 200 clips, one a task: submitting, "
        f"collecting, the manifest row): {1e3 * per_task:.2f} ms. Tasks of the local pool's runs: "
        f"{tasks['dsp']} (the default task size: about "
        f"{TASK_AUDIO_SECONDS:g} s of audio a task, at most {MAX_AUTO_CHUNK} clips). "
        f"Largest difference between dsp's and librosa's dB outputs on one clip per rate: "
        f"{worst:.3g} dB (dsp.load's default resampler is soxr HQ when the soxr package is "
        "installed, librosa's default; the mel spectrogram and dB steps are bit-identical).",
    ]
    if noisy:
        lines += [
            "",
            f"**Caution:** other jobs were running when this started (load average "
            f"{load_before[0]:.1f} on {len(os.sched_getaffinity(0))} cores): absolute clips/s "
            "are low and the ratios noisy; rerun on an idle machine for firm numbers.",
        ]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
