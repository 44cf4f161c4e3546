"""The ``dsp`` command at its edges, run for real (``python -m dsp`` in a subprocess).

Signals mid-write, FIFOs, device nodes (made with ``os.mknod`` in a temporary folder, never
under /dev), links, permissions, read-only folders, a full small file system, a closed pipe, and
option values that overflow. Every failure must be one ``dsp: error:`` line with exit status 2
(143 for SIGTERM, 141 silently for a closed pipe), and no output or temporary file left behind.

The signal tests make the write slow by running the real ``main`` in a subprocess whose output
stream sleeps after its first write; the signal then arrives mid-write, deterministically.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from dsp.io.audio import write_wav
from tests.test_atomic import small_tmpfs

#: A subprocess imports NumPy and dsp: about a second; generous for a loaded CI machine.
TIMEOUT_S = 120
SR = 22050
#: ``dsp mel`` on the 1 s test file: 128 bands x 44 frames of float32 and a 128-byte header.
MEL_NPY_BYTES = 128 + 128 * 44 * 4

#: The real ``dsp`` main, with an output stream that announces its first write and then sleeps.
SLOW_MAIN = """
import sys, time
from dsp.io import _atomic
if sys.argv[1] == "named":
    _atomic._LINKAT = None
write = _atomic._Counting.write
def slow(self, data):
    n = write(self, data)
    self.flush()
    sys.stderr.write("WRITING\\n")
    sys.stderr.flush()
    time.sleep(60)
    return n
_atomic._Counting.write = slow
from dsp.cli import main
sys.exit(main(sys.argv[2:]))
"""


def run(*args: object, **kwargs: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dsp", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        **kwargs,  # type: ignore[arg-type]
    )


def assert_one_error_line(done: subprocess.CompletedProcess, *fragments: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = [line for line in done.stderr.splitlines() if not line.startswith("dsp: warning:")]
    assert len(lines) == 1 and lines[0].startswith("dsp: error: "), done.stderr
    assert "Traceback" not in done.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert ".tmp" not in done.stderr


@pytest.fixture(scope="module")
def wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    t = np.arange(SR) / SR
    path = tmp_path_factory.mktemp("hardening") / "tone.wav"
    write_wav(path, 0.5 * np.sin(2 * np.pi * 440 * t), SR)
    return path


# --- signals mid-write -----------------------------------------------------------------------


@pytest.mark.parametrize("temporary", ["tmpfile", "named"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_signal_mid_write_leaves_no_output_and_no_temporary(wav, tmp_path, signum, temporary):
    out = tmp_path / "mel.npy"
    child = subprocess.Popen(
        [sys.executable, "-c", SLOW_MAIN, temporary, "mel", wav, "-o", out],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert child.stderr is not None
        assert child.stderr.readline() == "WRITING\n"
        child.send_signal(signum)
        child.wait(TIMEOUT_S)
        rest = child.stderr.read()
    finally:
        child.kill()
        child.wait()
    left = sorted(os.listdir(tmp_path))
    if signum == signal.SIGTERM:  # caught: the temporary is removed whichever kind it is
        assert child.returncode == 128 + 15 and "dsp: terminated" in rest, rest
        assert left == []
    elif temporary == "tmpfile":  # SIGKILL: the kernel frees the unnamed O_TMPFILE
        assert child.returncode == -signal.SIGKILL and left == []
    else:  # SIGKILL with a named temporary: left, unlocked, and removed by the next write
        assert child.returncode == -signal.SIGKILL
        assert len(left) == 1 and left[0].startswith(".mel.npy.") and left[0].endswith(".tmp")
        env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[1]))
        script = "import sys\nfrom dsp.io import _atomic\n_atomic._LINKAT = None\n"
        script += "from dsp.cli import main\nsys.exit(main(sys.argv[1:]))\n"
        again = subprocess.run(
            [sys.executable, "-c", script, "mel", wav, "-o", tmp_path / "other.npy"],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            env=env,
        )
        assert again.returncode == 0, again.stderr
        assert sorted(os.listdir(tmp_path)) == ["other.npy"]


# --- what -o names ---------------------------------------------------------------------------


def test_fifo_without_reader_fails_at_once(wav, tmp_path):
    fifo = tmp_path / "out.npy"
    os.mkfifo(fifo)
    done = run("mel", wav, "-o", fifo)  # the subprocess timeout catches a hang
    assert_one_error_line(done, "out.npy", "FIFO", "no process is reading")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_fifo_with_reader_receives_the_array(wav, tmp_path):
    fifo = tmp_path / "out.npy"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    done = run("mel", wav, "-o", fifo)
    reader.join(TIMEOUT_S)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    (data,) = got
    assert len(data) == MEL_NPY_BYTES
    assert np.load(io.BytesIO(data)).shape == (128, 44)


def test_device_node_is_written_through(wav, tmp_path):
    node = tmp_path / "null.png"  # the null device's numbers, in a temporary folder
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    done = run("mel", wav, "-o", node)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISCHR(os.stat(node).st_mode)
    assert os.listdir(tmp_path) == ["null.png"]


def test_full_device_names_the_path_and_bytes(wav, tmp_path):
    node = tmp_path / "full.npy"  # the "full" device's numbers: every write fails with ENOSPC
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    done = run("mel", wav, "-o", node)
    assert_one_error_line(
        done, f"'{node}'", "No space left on device", f"{MEL_NPY_BYTES} bytes to write"
    )
    assert stat.S_ISCHR(os.stat(node).st_mode)


def test_symlink_is_kept_and_its_target_written(wav, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "link.npy").symlink_to("data/real.npy")
    done = run("mel", wav, "-o", tmp_path / "link.npy")
    assert done.returncode == 0, done.stderr
    assert os.path.islink(tmp_path / "link.npy")
    assert (tmp_path / "data" / "real.npy").stat().st_size == MEL_NPY_BYTES


def test_permissions_and_hard_links_are_kept(wav, tmp_path):
    out = tmp_path / "out.npy"
    out.write_bytes(b"old")
    os.chmod(out, 0o604)
    os.link(out, tmp_path / "second.npy")
    done = run("mel", wav, "-o", out)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o604
    assert out.stat().st_nlink == 2 and (tmp_path / "second.npy").read_bytes() == out.read_bytes()
    assert np.load(tmp_path / "second.npy").shape == (128, 44)


def test_missing_folder_is_named(wav, tmp_path):
    done = run("mel", wav, "-o", "missing/deeper/out.png", cwd=tmp_path)
    assert_one_error_line(done, "'missing/deeper/out.png'", "the folder 'missing' does not exist")
    assert os.listdir(tmp_path) == []


def test_read_only_folder_is_named(wav, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "ro"
    with small_tmpfs(folder, "1m", "ro") as mounted:
        if not mounted:
            folder.mkdir(exist_ok=True)
            os.chmod(folder, 0o555)
        if mounted or os.geteuid() != 0:
            done = run("mel", wav, "-o", folder / "out.png")
            assert_one_error_line(done, f"cannot create a file in the folder '{folder}'")
        else:  # root ignores permissions and may not mount: simulate the kernel's EACCES
            from dsp.cli import main

            real_open = os.open

            def refuse(path, flags, *args, **kwargs):
                if flags & (os.O_CREAT | getattr(os, "O_TMPFILE", 0)):
                    raise PermissionError(13, "Permission denied", path)
                return real_open(path, flags, *args, **kwargs)

            monkeypatch.setattr(os, "open", refuse)
            code = main(["mel", str(wav), "-o", str(folder / "out.png")])
            monkeypatch.undo()
            err = capsys.readouterr().err
            assert code == 2 and f"cannot create a file in the folder '{folder}'" in err
        assert os.listdir(folder) == []


def test_full_small_file_system_names_the_path_and_bytes(wav, tmp_path):
    folder = tmp_path / "small"
    with small_tmpfs(folder, "16k") as mounted:
        limit = None
        if not mounted:  # simulated: a 16 KiB file size limit (the kernel says EFBIG)
            folder.mkdir(exist_ok=True)

            def limit() -> None:  # pragma: no cover - runs in the child
                import resource

                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (16384, 16384))

        done = run("mel", wav, "-o", folder / "out.npy", preexec_fn=limit)
        reason = "No space left on device" if mounted else "File too large"
        assert_one_error_line(
            done, f"'{folder / 'out.npy'}'", reason, f"{MEL_NPY_BYTES} bytes to write", "written"
        )
        assert os.listdir(folder) == []


def test_broken_pipe_is_quiet(wav):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone, as `| head -1` after its line
    with contextlib.closing(os.fdopen(write_end, "wb")) as stdout:
        done = subprocess.run(
            [sys.executable, "-m", "dsp", "info", str(wav)],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            timeout=TIMEOUT_S,
        )
    assert done.returncode == 128 + 13
    assert done.stderr == ""


def test_head_of_info_is_quiet(wav):
    done = subprocess.run(
        f"'{sys.executable}' -m dsp info '{wav}' | head -1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    assert done.stdout.startswith("file") and done.stdout.count("\n") == 1
    assert done.stderr == ""


# --- option values that overflow -------------------------------------------------------------


@pytest.mark.parametrize(
    "option, value, fragment",
    [  # the four of the issue, run for real
        ("--offset", "1e308", "offset=1e+308"),
        ("--duration", "1e308", None),  # legal: everything to the end of the file
        ("--amin", "1e200", "amin=1e+200"),
        ("--n-fft", str(10**30), "would need"),
    ],
)
def test_overflowing_option_values(wav, tmp_path, option, value, fragment):
    out = tmp_path / "out.npy"
    done = run("mel", wav, "-o", out, option, value)
    if fragment is None:
        assert done.returncode == 0, done.stderr
        assert np.isfinite(np.load(out)).all()
    else:
        assert_one_error_line(done, fragment)
        assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "option, value, fragment",
    [  # more of the same kind, through main() in this process (each subprocess costs ~1 s)
        ("--hop-length", str(10**30), None),  # legal: one frame
        ("--win-length", str(10**30), "win_length="),
        ("--top-db", "1e308", None),  # legal: no floor
        ("--ref", "1e308", None),  # legal: everything far below 0 dB
        ("--ref", "1e-308", None),
        ("--fmax", "1e308", "fmax=1e+308"),
        ("--window", "kaiser:1e308", None),  # legal and finite, if hardly useful
        ("--window", "gaussian:1e-300", None),
        ("--channel", str(10**30), "--channel "),
        ("--offset", "inf", "offset=inf"),
        ("--duration", "nan", "duration=nan"),
    ],
)
def test_more_extreme_option_values(wav, tmp_path, capsys, option, value, fragment):
    from dsp.cli import main

    out = tmp_path / "out.npy"
    code = main(["mel", str(wav), "-o", str(out), option, value])
    err = capsys.readouterr().err
    if fragment is None:
        assert code == 0, err
        assert np.isfinite(np.load(out)).all()
    else:
        assert code == 2 and err.startswith("dsp: error: ") and fragment in err, err
        assert err.count("\n") == 1 and os.listdir(tmp_path) == []
