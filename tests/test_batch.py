"""dsp.batch.extract and ``dsp batch``: many clips to features, on a local process pool.

Oracles: each stored array against the feature computed directly on the clip (by dsp and, for
mel and stft, by librosa: the contract is bit-identity); the layout against a key computed by
hand from the file names; byte-identity of whole output trees across worker counts and chunk
sizes; resumption checked by which files a rerun rewrites (modification times) and by
corrupting, deleting and changing things between runs.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import tarfile
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dsp
from dsp import batch
from dsp.batch._features import FEATURES
from dsp.batch._manifest import FIELDS
from dsp.cli import main

#: Clip rates of the test tree: mixed, as datasets are.
RATES = (8000, 16000, 22050)
TIMEOUT_S = 120


def energy(y: np.ndarray, sr: int) -> np.ndarray:
    """A cheap transform: mean square of 10-ms frames (picklable, defined at module level)."""
    hop = sr // 100
    n = y.shape[-1] // hop
    return np.mean(np.square(y[..., : n * hop].reshape(*y.shape[:-1], n, hop)), axis=-1)


class KillOnce:
    """A transform that kills its own (worker) process when it meets a clip of ``victim_size``
    samples (the test clips' sizes differ): the first time only if ``marker`` is a path (a file
    made with O_EXCL records the kill), every time if it is None. Never run it in-process."""

    def __init__(self, victim_size: int, marker: str | None) -> None:
        self.victim_size, self.marker = victim_size, marker

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:
        if y.shape[-1] == self.victim_size:
            try:
                if self.marker is not None:
                    os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                pass
            else:
                os.kill(os.getpid(), signal.SIGKILL)
        return energy(y, sr)


def tone(seconds: float, sr: int, freq: float, seed: int) -> np.ndarray:
    t = np.arange(round(seconds * sr)) / sr
    noise = np.random.default_rng(seed).uniform(-0.05, 0.05, t.size)
    return (0.5 * np.sin(2 * np.pi * freq * t) + noise).astype(np.float32)


def make_tree(root: Path, n: int = 6, corrupt: bool = True) -> list[str]:
    """``n`` short clips at mixed rates in nested folders (one stereo), plus decoys; the keys."""
    keys = []
    for i in range(n):
        key = f"{'birds' if i % 2 else 'cars/night'}/clip{i:02d}"
        path = root / f"{key}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        y = tone(0.3 + 0.05 * i, RATES[i % 3], 300.0 + 100 * i, i)
        dsp.write_wav(path, np.stack([y, -y]) if i == 3 else y, RATES[i % 3])
        keys.append(key)
    if corrupt:
        (root / "cars" / "broken.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunkjunk")
        keys.append("cars/broken")
    (root / "notes.txt.bak").write_text("not audio")
    (root / ".hidden.wav").write_bytes(b"AppleDouble junk")
    return sorted(keys)


def tree(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def manifest(out: Path) -> list[dict[str, str]]:
    with open(out / "manifest.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("batch") / "data"
    return root, make_tree(root)


def test_outputs_mirror_the_tree_and_equal_the_transform(clips, tmp_path):
    root, keys = clips
    report = batch.extract(root, tmp_path / "out", transform=energy, sr=None, jobs=1)
    assert (report.total, report.computed, report.skipped) == (len(keys), len(keys), 0)
    assert [row["key"] for row in report.failed] == ["cars/broken"]
    stored = sorted(str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*.npy"))
    assert stored == sorted(f"{k}.npy" for k in keys if k != "cars/broken")
    for key in keys:
        if key == "cars/broken":
            continue
        y, sr = dsp.load(root / f"{key}.wav", sr=None)
        np.testing.assert_array_equal(
            np.load(tmp_path / "out" / f"{key}.npy"), energy(y, sr), err_msg=key
        )


def test_manifest_names_every_clip(clips, tmp_path):
    root, keys = clips
    batch.extract(root, tmp_path, transform=energy, sr=None, jobs=1)
    rows = manifest(tmp_path)
    assert tuple(rows[0]) == FIELDS
    assert [r["key"] for r in rows] == keys
    for row in rows:
        path = Path(row["path"])
        assert path == root / f"{row['key']}.wav"
        if row["key"] == "cars/broken":
            assert row["status"] == "failed" and row["error"].startswith("AudioFormatError")
            assert row["output"] == "" and row["shape"] == ""
            continue
        info = dsp.info(path)
        assert row["status"] == "ok" and row["error"] == ""
        assert int(row["sample_rate"]) == info.sr
        assert float(row["duration"]) == pytest.approx(info.frames / info.sr, abs=1e-6)
        array = np.load(tmp_path / row["output"])
        assert row["shape"] == "x".join(map(str, array.shape))
        assert int(row["size"]) == path.stat().st_size
        assert int(row["mtime_ns"]) == path.stat().st_mtime_ns


def test_bytes_identical_whatever_the_workers(clips, tmp_path):
    root, _ = clips
    for fmt in ("npy", "shards"):
        outs = []
        for jobs, chunksize in ((1, 1), (2, 3)):
            out = tmp_path / f"{fmt}-{jobs}-{chunksize}"
            batch.extract(
                root,
                out,
                transform=energy,
                sr=None,
                jobs=jobs,
                chunksize=chunksize,
                format=fmt,
                shard_size=3,
            )
            outs.append(tree(out))
        assert outs[0] == outs[1], fmt


def test_shards_hold_the_npy_outputs_in_sorted_order(clips, tmp_path):
    root, keys = clips
    batch.extract(root, tmp_path / "npy", transform=energy, sr=None, jobs=1)
    batch.extract(
        root, tmp_path / "tar", transform=energy, sr=None, jobs=1, format="shards", shard_size=3
    )
    names = sorted(p.name for p in (tmp_path / "tar").glob("*.tar"))
    assert names == [f"shard-{i:06d}.tar" for i in range(-(-len(keys) // 3))]
    rows = {r["key"]: r for r in manifest(tmp_path / "tar")}
    for index, name in enumerate(names):
        expected = [k for k in keys[3 * index : 3 * index + 3] if k != "cars/broken"]
        with tarfile.open(tmp_path / "tar" / name) as tar:
            members = tar.getmembers()
            assert [m.name for m in members] == [f"{k}.npy" for k in expected]
            for member, key in zip(members, expected, strict=True):
                assert (member.mtime, member.uid, member.mode) == (0, 0, 0o644)
                data = tar.extractfile(member).read()
                assert data == (tmp_path / "npy" / f"{key}.npy").read_bytes(), key
                assert rows[key]["output"] == name


def test_rerun_skips_what_is_done_and_redoes_the_rest(clips, tmp_path):
    root, keys = clips
    out = tmp_path / "out"
    batch.extract(root, out, transform=energy, sr=None, jobs=1)
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*.npy")}
    again = batch.extract(root, out, transform=energy, sr=None, jobs=1)
    assert (again.computed, again.skipped) == (1, len(keys) - 1)  # only the failed clip again
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.npy")} == stamps
    # a truncated output, a deleted output, a deleted manifest row and a changed input: redone
    good = [k for k in keys if k != "cars/broken"]
    (out / f"{good[0]}.npy").write_bytes((out / f"{good[0]}.npy").read_bytes()[:-4])
    (out / f"{good[1]}.npy").unlink()
    rows = [r for r in manifest(out) if r["key"] != good[2]]
    with open(out / "manifest.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        f.write("cars/x,half a line cut by a ki")  # a row a kill cut short
    y, sr = dsp.load(root / f"{good[3]}.wav", sr=None)
    dsp.write_wav(root / f"{good[3]}.wav", y[::-1].copy(), sr)
    try:
        third = batch.extract(root, out, transform=energy, sr=None, jobs=1)
        assert (third.computed, third.skipped) == (5, len(keys) - 5)
        y2, _ = dsp.load(root / f"{good[3]}.wav", sr=None)
        np.testing.assert_array_equal(np.load(out / f"{good[3]}.npy"), energy(y2, sr))
    finally:
        dsp.write_wav(root / f"{good[3]}.wav", y, sr)
    fourth = batch.extract(root, out, transform=energy, sr=None, jobs=1)
    assert fourth.computed == 2  # the restored input, and the failed clip
    reference = batch.extract(root, tmp_path / "reference", transform=energy, sr=None, jobs=1)
    assert tree(out) == tree(tmp_path / "reference") and reference.computed == len(keys)
    # other parameters: everything again
    other = batch.extract(root, out, transform=batch.feature("stft", n_fft=256), sr=None, jobs=1)
    assert other.computed == len(keys)


def test_rerun_of_shards_rewrites_only_incomplete_shards(clips, tmp_path):
    root, keys = clips
    out = tmp_path / "out"
    batch.extract(root, out, transform=energy, sr=None, jobs=1, format="shards", shard_size=2)
    full = tree(out)
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.tar")}
    broken_shard = f"shard-{keys.index('cars/broken') // 2:06d}.tar"
    (out / "shard-000000.tar").unlink()
    again = batch.extract(
        root, out, transform=energy, sr=None, jobs=1, format="shards", shard_size=2
    )
    assert again.computed == 4 and again.skipped == len(keys) - 4
    for name, stamp in stamps.items():
        if name not in ("shard-000000.tar", broken_shard):
            assert (out / name).stat().st_mtime_ns == stamp, name
    assert tree(out) == full


#: A transform slow enough to be killed mid-run, in a module of its own (the child process
#: need not import this test module and librosa).
SLOW_MODULE = """
import time
import numpy as np

def slow_energy(y, sr):
    time.sleep(0.05)
    hop = sr // 100
    n = y.shape[-1] // hop
    return np.mean(np.square(y[: n * hop].reshape(n, hop)), axis=-1)
"""
KILL_SCRIPT = """
import sys
sys.path.insert(0, {helpers!r})
from dsp import batch
from slow_transform import slow_energy
batch.extract({root!r}, {out!r}, transform=slow_energy, sr=None, jobs={jobs})
"""


def test_a_killed_run_leaves_no_partial_file_and_a_rerun_finishes(tmp_path, monkeypatch):
    jobs = 2
    root = tmp_path / "data"
    keys = make_tree(root, n=16, corrupt=False)
    out = tmp_path / "out"
    (tmp_path / "slow_transform.py").write_text(SLOW_MODULE)
    script = KILL_SCRIPT.format(helpers=str(tmp_path), root=str(root), out=str(out), jobs=jobs)
    child = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline and child.poll() is None:
        if (out / "manifest.csv").exists() and len(manifest(out)) >= 5:
            break
        time.sleep(0.01)
    os.killpg(child.pid, signal.SIGKILL)  # the parent and its workers, mid-run
    child.wait()
    rows = {r["key"] for r in manifest(out) if r["status"] == "ok"}
    assert 5 <= len(rows) < len(keys)
    for path in out.rglob("*.npy"):  # every file present is whole
        assert np.load(path).ndim == 1, path
    monkeypatch.syspath_prepend(tmp_path)  # for this process and the pool's
    from slow_transform import slow_energy

    finish = batch.extract(root, out, transform=slow_energy, sr=None, jobs=jobs)
    assert finish.ok and finish.computed <= len(keys) - len(rows) + jobs
    reference = tmp_path / "reference"
    batch.extract(root, reference, transform=slow_energy, sr=None, jobs=1)
    assert tree(out) == tree(reference)  # no temporary left, nothing lost or doubled


def test_a_pool_worker_killed_mid_run_is_replaced(clips, tmp_path):
    root, keys = clips
    victim = "cars/night/clip02"
    y, _ = dsp.load(root / f"{victim}.wav", sr=None)
    killer = KillOnce(y.shape[-1], str(tmp_path / "struck"))
    report = batch.extract(root, tmp_path / "out", transform=killer, sr=None, jobs=2)
    assert (tmp_path / "struck").exists(), "the worker was not killed"
    assert [r["key"] for r in report.failed] == ["cars/broken"]
    assert [r["key"] for r in manifest(tmp_path / "out")] == keys
    batch.extract(root, tmp_path / "reference", transform=killer, sr=None, jobs=1)  # struck
    assert tree(tmp_path / "out") == tree(tmp_path / "reference")
    # a clip that kills its worker every time fails alone; the others are all there
    always = KillOnce(y.shape[-1], None)
    report = batch.extract(root, tmp_path / "always", transform=always, sr=None, jobs=2)
    failed = {r["key"]: r["error"] for r in report.failed}
    assert sorted(failed) == ["cars/broken", victim]
    assert failed[victim].startswith("worker failed: ")
    assert len(list((tmp_path / "always").rglob("*.npy"))) == len(keys) - 2


def test_inputs_files_folders_and_lists(clips, tmp_path):
    root, keys = clips
    good = [k for k in keys if k != "cars/broken"]
    (tmp_path / "list.txt").write_text(
        "# clips\n\n" + "\n".join(str(root / f"{k}.wav") for k in good[:2]) + "\n"
    )
    lists = tmp_path / "lists"
    lists.mkdir()
    with open(lists / "clips.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["label", "path"])
        writer.writerows([["x", os.path.relpath(root / f"{k}.wav", lists)] for k in good[2:4]])
    found = batch.find_clips([tmp_path / "list.txt", lists / "clips.csv"])
    assert [c.key for c in found] == sorted(good[:4])  # relative to the common folder
    found = batch.find_clips([root / "birds", root / "cars"])
    assert [c.key for c in found] == keys
    found = batch.find_clips([root / f"{good[0]}.wav", root / f"{good[0]}.wav"])
    assert [(c.key, c.path) for c in found] == [
        (good[0].split("/")[-1], str(root / f"{good[0]}.wav"))
    ]


def test_input_errors(tmp_path):
    with pytest.raises(dsp.ParameterError, match="does not exist"):
        batch.find_clips([tmp_path / "nothing"])
    with pytest.raises(dsp.ParameterError, match="no audio files"):
        batch.find_clips([tmp_path])
    y = tone(0.1, 8000, 440, 0)
    dsp.write_wav(tmp_path / "x.wav", y, 8000)
    dsp.write_wav(tmp_path / "x.aiff", y, 8000)
    with pytest.raises(dsp.ParameterError, match="would both be saved as 'x'"):
        batch.find_clips([tmp_path])
    (tmp_path / "x.aiff").unlink()
    dsp.write_wav(tmp_path / "x_1.wav", y, 8000)
    dsp.write_wav(tmp_path / "x.1.wav", y, 8000)
    with pytest.raises(dsp.ParameterError, match="would both be saved"):
        batch.find_clips([tmp_path])  # one shard member name, x_1.npy
    (tmp_path / "bad.csv").write_text("file\nx.wav\n")
    with pytest.raises(dsp.ParameterError, match="'path' column"):
        batch.find_clips([tmp_path / "bad.csv"])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(format="zip"), "format='zip'"),
        (dict(shard_size=0), "shard_size=0"),
        (dict(jobs=0), "jobs=0"),
        (dict(chunksize=-1), "chunksize=-1"),
        (dict(transform=42), "transform=42"),
        (dict(transform="spectrum"), "feature='spectrum' is not a feature"),
        (dict(sr=-5), "sr=-5"),
        (dict(mono="yes"), "mono='yes'"),
        (dict(executor=object()), "executor=.* must be a concurrent.futures.Executor"),
    ],
)
def test_argument_errors(clips, tmp_path, kwargs, match):
    root, _ = clips
    with pytest.raises(dsp.ParameterError, match=match):
        batch.extract(root, tmp_path, **{"transform": energy, "jobs": 1, **kwargs})
    assert not (tmp_path / "manifest.csv").exists()


def test_two_runs_cannot_share_an_output(clips, tmp_path):
    root, _ = clips
    from dsp.batch._manifest import Manifest

    with Manifest(str(tmp_path)), pytest.raises(dsp.ParameterError, match="another dsp batch"):
        batch.extract(root, tmp_path, transform=energy, sr=None, jobs=1)


def test_an_executor_of_yours_is_used_and_left_running(clips, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    root, _ = clips
    with ThreadPoolExecutor(3) as pool:
        batch.extract(root, tmp_path / "a", transform=energy, sr=None, executor=pool)
        assert pool.submit(sum, [1, 2]).result() == 3
    batch.extract(root, tmp_path / "b", transform=energy, sr=None, jobs=1)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_the_features_that_exist_equal_their_functions(tmp_path):
    import librosa  # here, not at the top: Dask workers import this module for its transforms

    y16 = tone(1.0, 16000, 440.0, 7)
    (tmp_path / "in").mkdir()
    dsp.write_wav(tmp_path / "in" / "a.wav", y16, 16000)
    for name, spec in FEATURES.items():
        missing = [n for n in spec.needs if getattr(dsp, n, None) is None]
        if missing:
            with pytest.raises(dsp.ParameterError, match=f"needs dsp.{missing[0]}"):
                batch.feature(name)
            continue
        out = tmp_path / name
        assert batch.extract(tmp_path / "in", out, transform=name, sr=None, jobs=1).ok
        got = np.load(out / "a.npy")
        if name == "mel":
            expected = dsp.power_to_db(dsp.melspectrogram(y=y16, sr=16000), ref=np.max)
            reference = librosa.power_to_db(
                librosa.feature.melspectrogram(y=y16, sr=16000), ref=np.max
            )
            np.testing.assert_array_equal(got, reference)
        elif name == "stft":
            expected = dsp.amplitude_to_db(np.abs(dsp.stft(y16)), ref=np.max)
            np.testing.assert_array_equal(
                got, librosa.amplitude_to_db(np.abs(librosa.stft(y16)), ref=np.max)
            )
        elif name == "mfcc":
            expected = dsp.mfcc(y=y16, sr=16000)
        elif name == "whisper":
            expected = dsp.whisper_log_mel(y16, sr=16000)
        else:
            expected = dsp.kaldi_fbank(y16 * 32768.0, sample_frequency=16000)
        np.testing.assert_array_equal(got, expected, err_msg=name)


def test_presets_equal_the_preset_itself(tmp_path):
    from dsp.compat import presets

    (tmp_path / "in").mkdir()
    for name, convention in presets.PRESETS.items():
        if name in FEATURES:
            continue  # the feature of that name wins (whisper: the same function)
        sr = convention.sr or 22050
        y = tone(1.0, sr, 440.0, 3)
        dsp.write_wav(tmp_path / "in" / "a.wav", y, sr)
        out = tmp_path / name
        with warnings.catch_warnings():
            # torchaudio's defaults (128 mels, n_fft 400) leave empty filters: a DspWarning
            warnings.simplefilter("ignore", dsp.DspWarning)
            assert batch.extract(tmp_path / "in", out, transform=name, jobs=1).ok, name
            expected = convention(y)
        np.testing.assert_array_equal(np.load(out / "a.npy"), expected, err_msg=name)


@st.composite
def mel_options(draw: st.DrawFn) -> dict:
    n_fft = draw(st.sampled_from([256, 400, 512, 1023]))
    return dict(
        n_fft=n_fft,
        hop_length=draw(st.integers(64, n_fft)),
        n_mels=draw(st.integers(8, 40)),
        fmin=draw(st.floats(0.0, 500.0)),
        htk=draw(st.booleans()),
        top_db=draw(st.sampled_from([None, 60.0, 80.0])),
    )


@settings(max_examples=10)
@given(params=mel_options())
def test_mel_feature_equals_librosa_for_drawn_parameters(clips, tmp_path_factory, params):
    import librosa

    root, keys = clips
    out = tmp_path_factory.mktemp("mel")
    assert batch.extract(
        root / "birds", out, transform=batch.feature("mel", **params), sr=None, jobs=1
    ).ok
    for path in sorted((root / "birds").glob("*.wav")):
        y, sr = librosa.load(path, sr=None)
        mel = {k: v for k, v in params.items() if k != "top_db"}
        expected = librosa.power_to_db(
            librosa.feature.melspectrogram(y=y, sr=sr, **mel), ref=np.max, top_db=params["top_db"]
        )
        np.testing.assert_array_equal(
            np.load(out / f"{path.stem}.npy"), expected, err_msg=f"{params=}"
        )


def run_cli(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dsp", "batch", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )


def test_command_equals_dsp_mel_and_reports_failures(clips, tmp_path):
    root, keys = clips
    done = run_cli(
        root,
        "-o",
        tmp_path / "out",
        "--sr",
        "native",
        "--n-mels",
        "40",
        "--jobs",
        "2",
        "--progress",
    )
    assert done.returncode == 1, done.stderr
    assert "dsp: failed: " in done.stderr and "broken.wav: AudioFormatError" in done.stderr
    assert "clips/s" in done.stderr and "ETA" in done.stderr
    assert f"{len(keys)} clips: {len(keys) - 1} with features" in done.stdout
    key = "cars/night/clip02"  # at 22050 Hz: dsp mel reads it at its own rate
    assert (
        main(["mel", str(root / f"{key}.wav"), "--n-mels", "40", "-o", str(tmp_path / "one.npy")])
        == 0
    )
    # the same array (dsp mel writes long outputs column by column, so its .npy may be
    # Fortran-ordered where batch's is C-ordered: compare the arrays, dtype included)
    one, batch = np.load(tmp_path / "one.npy"), np.load(tmp_path / "out" / f"{key}.npy")
    assert one.dtype == batch.dtype and np.array_equal(one, batch)
    again = run_cli(root / "birds", "-o", tmp_path / "birds", "--sr", "native", "--no-progress")
    assert again.returncode == 0 and again.stderr == ""


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--feature", "nope"], "feature='nope' is not a feature"),
        (["--jobs", "0"], "jobs=0"),
        (["--n-fft", "0"], "n_fft=0"),
    ],
)
def test_command_usage_errors(clips, tmp_path, args, match, capsys):
    root, _ = clips
    assert main(["batch", str(root), "-o", str(tmp_path / "out"), *args]) == 2
    assert match in capsys.readouterr().err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_dask_missing_names_the_install_command(clips, tmp_path, capsys, monkeypatch):
    root, _ = clips
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    assert main(["batch", str(root), "-o", str(tmp_path), "--dask", "local", "--sr", "native"]) == 2
    assert "pip install 'dsp[dask]'" in capsys.readouterr().err


def test_npy_checks_read_the_header(tmp_path):
    from dsp.batch._manifest import npy_matches

    buffer = io.BytesIO()
    np.save(buffer, np.zeros((3, 4), np.float32))
    (tmp_path / "a.npy").write_bytes(buffer.getvalue())
    assert npy_matches(str(tmp_path / "a.npy"), "3x4")
    assert not npy_matches(str(tmp_path / "a.npy"), "4x3")
    (tmp_path / "a.npy").write_bytes(buffer.getvalue() + b"x")
    assert not npy_matches(str(tmp_path / "a.npy"), "3x4")
    (tmp_path / "a.npy").write_bytes(b"\x93NUMPY garbage")
    assert not npy_matches(str(tmp_path / "a.npy"), "3x4")
    assert not npy_matches(str(tmp_path / "missing.npy"), "3x4")


def reusing_memory(y: np.ndarray, sr: int) -> np.ndarray:
    """A transform reporting whether its process has set :func:`reuse_freed_memory`."""
    from dsp.batch import _worker

    return np.array([float(_worker._REUSING[0] == os.getpid())])


def test_worker_processes_keep_freed_memory_and_the_caller_does_not(clips, tmp_path):
    """Our pool's workers set the allocator once each; ``jobs=1`` runs in the caller's process
    and leaves its allocator alone."""
    from dsp.batch import _worker

    root, keys = clips
    before = _worker._REUSING[0]
    batch.extract(root, tmp_path / "pool", transform=reusing_memory, sr=None, jobs=2)
    batch.extract(root, tmp_path / "here", transform=reusing_memory, sr=None, jobs=1)
    good = [k for k in keys if k != "cars/broken"]
    assert [float(np.load(tmp_path / "pool" / f"{k}.npy")[0]) for k in good] == [1.0] * len(good)
    assert [float(np.load(tmp_path / "here" / f"{k}.npy")[0]) for k in good] == [0.0] * len(good)
    assert _worker._REUSING[0] == before != os.getpid()


#: Run in a fresh process: the page faults of allocating and freeing 24 MB of arrays of
#: 1-4 MB (a clip's working set), ten times, before and after reuse_freed_memory().
_FAULTS = """
import platform, resource, sys
import numpy as np
from dsp.batch import reuse_freed_memory

def faults():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        arrays = [np.ones(size // 8) for size in (4 << 20, 1 << 20, 3 << 20, 2 << 20) * 3]
        del arrays
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

faults()
default = faults()
applied = reuse_freed_memory()
faults()  # the first round after the change may still fault the heap in
print(platform.libc_ver()[0], applied, default, faults())
"""


def test_reuse_freed_memory_ends_the_page_faults_of_each_clip():
    """glibc by default returns freed arrays to the system and faults them in again (24 MB is
    6144 pages a round); after reuse_freed_memory() the heap keeps them. Other C libraries:
    it says it did nothing."""
    done = subprocess.run([sys.executable, "-c", _FAULTS], capture_output=True, text=True,
                          check=True)  # fmt: skip
    libc, applied, default, reusing = done.stdout.split()
    if libc != "glibc":
        assert applied == "False"
        return
    assert applied == "True"
    pages = 10 * 24 * (1 << 20) // 4096
    assert int(default) > pages // 2, done.stdout  # at least half the pages faulted again
    assert int(reusing) < pages // 100, done.stdout


def test_outputs_are_synced_once_not_one_by_one(clips, tmp_path, monkeypatch):
    """A clip's .npy is renamed into place without an fsync; the run ends with one os.sync."""
    root, keys = clips
    calls: list[str] = []
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append("fsync"))
    monkeypatch.setattr(os, "sync", lambda: calls.append("sync"))
    report = batch.extract(root, tmp_path / "out", transform=energy, sr=None, jobs=1)
    assert report.computed == len(keys)
    # the manifest's rewrites (opening, closing) are durable; the clips are not
    assert calls == ["fsync", "sync", "fsync"]
    assert sorted(p.name for p in (tmp_path / "out").rglob("*.tmp")) == []
    rerun = batch.extract(root, tmp_path / "out", transform=energy, sr=None, jobs=1)
    assert rerun.computed == 1  # the broken clip only, which writes no output
    assert calls[3:] == ["fsync", "sync", "fsync"]


@pytest.mark.parametrize("library", ["no mallopt", "CDLL(None) refused", "mallopt says no"])
def test_reuse_freed_memory_elsewhere_changes_nothing(monkeypatch, library):
    """Another C library (macOS: no mallopt; Windows: no CDLL(None); musl: a mallopt that
    answers 0): False, and nothing fails."""
    import ctypes
    from types import SimpleNamespace

    def refusing(param: int, value: int) -> int:  # a C function's stand-in (takes argtypes)
        return 0

    def cdll(name: object, *args: object, **kwargs: object) -> object:
        if library == "CDLL(None) refused":
            raise TypeError("LoadLibrary() argument 1 must be str, not None")
        return SimpleNamespace() if library == "no mallopt" else SimpleNamespace(mallopt=refusing)

    monkeypatch.setattr(ctypes, "CDLL", cdll)
    assert batch.reuse_freed_memory() is False


def test_command_summary_says_one_clip_in_the_singular(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    dsp.write_wav(tmp_path / "in" / "a.wav", tone(0.5, 8000, 440.0, 0), 8000)
    assert main(["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--jobs", "1"]) == 0
    assert "dsp batch: 1 clip: 1 with features" in capsys.readouterr().out
