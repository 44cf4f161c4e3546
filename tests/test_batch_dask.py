"""dsp.batch on a real Dask LocalCluster of 2 worker processes.

The cluster's outputs must be byte-identical to the local pool's, through the Client itself and
through its concurrent.futures interface; a worker killed (SIGKILL) in the middle of a clip must
cost neither a clip nor a duplicate: Dask reruns the task elsewhere, the atomic write leaves no
partial file, and the manifest has exactly one row per clip.
"""

from __future__ import annotations

import os
from pathlib import Path

import distributed  # in the test extra (dask[distributed]): installed in CI
import numpy as np
import pytest
from test_batch import KillOnce, energy, make_tree, manifest, reusing_memory, tree

import dsp
from dsp import batch
from dsp.batch._run import TaskSizer
from dsp.cli import main


@pytest.fixture(scope="module")
def client():
    # distributed's nanny sets OMP/OPENBLAS/MKL_NUM_THREADS=1 in *this* process's environment
    # (its pre-spawn-environ) and leaves them: later tests' subprocesses would then run BLAS on
    # one thread while this process runs it on two, and a BLAS product may round differently.
    environ = dict(os.environ)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=40,
        ) as cluster,
        distributed.Client(cluster) as dask_client,
    ):
        yield dask_client
    os.environ.clear()
    os.environ.update(environ)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("dask") / "data"
    return root, make_tree(root, n=10)


def test_cluster_outputs_equal_the_local_pool(client, data, tmp_path):
    root, keys = data
    for fmt, jobs in (("npy", 2), ("shards", 1)):  # jobs=1 gives the pool's bytes (test_batch)
        runs = {  # the local pool, the Client, and the Client's concurrent.futures interface
            "local": {"jobs": jobs},
            "client": {"executor": client},
            "executor": {"executor": client.get_executor(), "chunksize": 3},
        }
        reports = {
            name: batch.extract(
                root,
                tmp_path / f"{name}-{fmt}",
                transform=energy,
                sr=None,
                format=fmt,
                shard_size=4,
                **options,
            )
            for name, options in runs.items()
        }
        failed = {name: [r["key"] for r in reports[name].failed] for name in ("local", "client")}
        assert failed["local"] == failed["client"] == ["cars/broken"]
        outputs = {name: tree(tmp_path / f"{name}-{fmt}") for name in runs}
        assert outputs["client"] == outputs["local"] == outputs["executor"]
        assert reports["executor"].total == len(keys)


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(client, data, tmp_path):
    root, keys = data
    good = [k for k in keys if k != "cars/broken"]
    victim_key = good[len(good) // 2]
    y, _ = dsp.load(root / f"{victim_key}.wav", sr=None)
    killer = KillOnce(y.shape[-1], str(tmp_path / "struck"))
    report = batch.extract(root, tmp_path / "out", transform=killer, sr=None, executor=client)
    assert (tmp_path / "struck").exists(), "the worker was not killed"
    rows = manifest(tmp_path / "out")
    assert [r["key"] for r in rows] == keys  # one row per clip: none lost, none doubled
    assert [r["key"] for r in report.failed] == ["cars/broken"]
    batch.extract(root, tmp_path / "reference", transform=killer, sr=None, jobs=1)
    assert tree(tmp_path / "out") == tree(tmp_path / "reference")
    client.wait_for_workers(2, timeout=60)  # the nanny restarted it for the next tests


def test_cluster_workers_keep_freed_memory_but_a_callers_executor_does_not(client, data, tmp_path):
    """Tasks on a Dask worker set its allocator (reuse_freed_memory) once per worker process;
    on an executor of the caller's other than Dask (here threads of this process) nothing is
    changed."""
    import concurrent.futures as cf

    from dsp.batch import _worker

    root, keys = data
    good = [k for k in keys if k != "cars/broken"]
    batch.extract(root, tmp_path / "dask", transform=reusing_memory, sr=None, executor=client)
    before = _worker._REUSING[0]
    with cf.ThreadPoolExecutor(2) as threads:
        batch.extract(root, tmp_path / "threads", transform=reusing_memory, sr=None,
                      executor=threads)  # fmt: skip
    assert _worker._REUSING[0] == before != os.getpid()
    for name, expected in (("dask", 1.0), ("threads", 0.0)):
        found = [float(np.load(tmp_path / name / f"{k}.npy")[0]) for k in good]
        assert found == [expected] * len(good), name


def test_command_on_a_scheduler_address(client, data, tmp_path, capsys):
    root, keys = data
    address = client.scheduler.address  # tcp://127.0.0.1:PORT, as a real cluster's
    args = ["batch", str(root), "--sr", "native", "--feature", "stft", "--n-fft", "256"]
    assert main([*args, "-o", str(tmp_path / "cluster"), "--dask", address]) == 1
    assert main([*args, "-o", str(tmp_path / "local"), "--jobs", "1"]) == 1  # the broken clip
    assert f"{len(keys)} clips: {len(keys) - 1} with features" in capsys.readouterr().out
    assert tree(tmp_path / "cluster") == tree(tmp_path / "local")


def test_command_on_its_own_local_cluster(data, tmp_path, capsys):
    """``--dask local`` starts a LocalCluster of --jobs workers, gives the local pool's bytes and
    leaves this process's environment as it was (the nanny sets OPENBLAS_NUM_THREADS=1 in it)."""
    root, keys = data
    before = dict(os.environ)
    args = ["batch", str(root), "--sr", "native", "--feature", "stft", "--n-fft", "256"]
    assert main([*args, "-o", str(tmp_path / "cluster"), "--dask", "local", "--jobs", "2"]) == 1
    assert dict(os.environ) == before
    assert main([*args, "-o", str(tmp_path / "local"), "--jobs", "1"]) == 1
    assert f"{len(keys)} clips: {len(keys) - 1} with features" in capsys.readouterr().out
    assert tree(tmp_path / "cluster") == tree(tmp_path / "local")


@pytest.mark.parametrize(
    "clips, workers, durations, expected",
    [
        (1000, 2, [], 1),  # nothing done yet: one clip
        (1000, 2, [10.0] * 4, 16),  # 160 s of 10-s clips
        (1000, 2, [30.0, 30.0], 5),
        (1000, 2, [3600.0], 1),  # an hour-long recording a task
        (1000, 2, [0.5] * 3, 16),  # at most MAX_AUTO_CHUNK
        (200, 2, [10.0], 12),  # every worker gets 8 tasks of the run or more
        (20, 2, [10.0], 1),
        (0, 4, [10.0], 1),
    ],
)
def test_the_automatic_task_size(clips, workers, durations, expected):
    """The naive rule: the largest size up to 16 whose audio (at the mean duration) is at most
    160 s and that gives every worker 8 tasks of the run; one clip before any is done. Failed
    clips (no duration) do not count."""
    sizer = TaskSizer(clips, workers)
    sizer.record({"status": "failed", "duration": ""})
    for seconds in durations:
        sizer.record({"status": "ok", "duration": f"{seconds:.6f}"})
    mean = sum(durations) / len(durations) if durations else None
    fits = [
        k
        for k in range(1, 17)
        if mean is not None and k * mean <= batch.TASK_AUDIO_SECONDS and clips // k >= 8 * workers
    ]
    assert sizer.size() == expected == max([1, *fits])


def test_long_recordings_go_one_a_task_and_short_clips_many(tmp_path):
    """Run-level: 10-s clips end up in tasks of several clips; long ones in tasks of one."""
    import numpy as np

    for name, seconds, count in (("short", 10.0, 200), ("long", 200.0, 20)):
        root = tmp_path / name
        root.mkdir()
        y = np.zeros(int(seconds * 100), dtype=np.float32)
        for i in range(count):
            dsp.write_wav(root / f"{i:04d}.wav", y, 100)
        report = batch.extract(root, tmp_path / f"{name}-out", transform=energy, sr=None, jobs=1)
        assert report.ok and report.computed == count
        if name == "short":  # 4 one-clip tasks (the window), then 16 clips a task
            assert report.tasks == 4 + -(-(count - 4) // 16), report.tasks
        else:
            assert report.tasks == count


@pytest.mark.bench
def test_the_benchmark_runs_and_writes_its_report(tmp_path, monkeypatch):
    """benchmarks/batch.py on 8 clips of 1 s, one round (no timing is asserted)."""
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1]))
    from benchmarks import batch as bench

    monkeypatch.setattr(bench, "RESULTS", tmp_path / "batch.md")
    bench.main(["--clips", "8", "--rounds", "1", "--seconds", "1"])
    report = (tmp_path / "batch.md").read_text()
    assert "| dsp on Dask |" in report and "| librosa |" in report and "## Targets" in report
    assert "| reuse_freed_memory() (the pool's workers) |" in report and "Start-up" in report
