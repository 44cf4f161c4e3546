"""Safe output (dsp.io._atomic): complete or absent, never clobbering links, devices or FIFOs.

Device nodes and FIFOs are made in a temporary folder (``os.mknod``, ``os.mkfifo``), never under
/dev. The full-disk and read-only cases mount a small tmpfs when the machine allows it (root
with CAP_SYS_ADMIN); otherwise they are simulated: a full disk with RLIMIT_FSIZE (the kernel
then answers EFBIG instead of ENOSPC), a read-only folder with chmod (or, for root, which
ignores permissions, by making ``os.open`` answer EACCES as the kernel would).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from dsp.io import _atomic
from dsp.io._atomic import atomic_write

#: Seconds a test waits for a thread or a subprocess before calling the write a hang.
HANG_S = 20


def write(path: str | os.PathLike[str], data: bytes) -> None:
    with atomic_write(path) as f:
        f.write(data)


def leftovers(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


@contextlib.contextmanager
def small_tmpfs(folder: Path, size: str, *options: str) -> Iterator[bool]:
    """Mount a tmpfs of ``size`` on ``folder``; yields False (mounting nothing) if not allowed."""
    folder.mkdir(exist_ok=True)
    opts = ",".join((f"size={size}", *options))
    try:
        command = ["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(folder)]
        mounted = subprocess.run(command, capture_output=True).returncode == 0
    except OSError:  # no mount program
        mounted = False
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], check=True)


@pytest.fixture(params=["tmpfile", "named"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both temporary-file strategies: O_TMPFILE + linkat, and the named, locked fallback."""
    if request.param == "named":
        monkeypatch.setattr(_atomic, "_LINKAT", None)
    else:
        assert _atomic._LINKAT is not None, "O_TMPFILE linking should work on Linux"
    return request.param


# --- regular files ---------------------------------------------------------------------------


def test_new_file_gets_umask_permissions_and_no_leftover(tmp_path, mode):
    old = os.umask(0o027)
    try:
        write(tmp_path / "out.bin", b"hello")
    finally:
        os.umask(old)
    assert (tmp_path / "out.bin").read_bytes() == b"hello"
    assert stat.S_IMODE(os.stat(tmp_path / "out.bin").st_mode) == 0o640
    assert os.listdir(tmp_path) == ["out.bin"]


@pytest.mark.parametrize("bits", [0o600, 0o640, 0o755, 0o444])
def test_replacing_keeps_permission_bits(tmp_path, mode, bits):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    os.chmod(target, bits)
    write(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(os.stat(target).st_mode) == bits
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("durable", [True, False])
def test_durable_flushes_before_the_rename_and_not_durable_skips_only_that(
    tmp_path, mode, monkeypatch, durable
):
    """durable (default): one fsync of the finished temporary, before it takes the name;
    durable=False: no fsync, the same complete-or-absent replacement."""
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync")
        real_fsync(fd)

    def replace(a: str, b: str) -> None:
        events.append("rename")
        real_replace(a, b)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    with atomic_write(target, durable=durable) as f:
        f.write(b"new")
    assert events == (["fsync", "rename"] if durable else ["rename"])
    assert target.read_bytes() == b"new" and leftovers(tmp_path) == []
    with pytest.raises(RuntimeError, match="boom"), atomic_write(target, durable=durable) as f:
        f.write(b"half")
        raise RuntimeError("boom")
    assert target.read_bytes() == b"new" and leftovers(tmp_path) == []


def test_failure_in_the_block_keeps_the_old_file(tmp_path, mode):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="boom"), atomic_write(target) as f:
        f.write(b"half")
        raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_symlink_is_followed_and_kept(tmp_path, mode):
    real = tmp_path / "real.bin"
    real.write_bytes(b"old")
    (tmp_path / "hop").symlink_to("real.bin")
    (tmp_path / "link").symlink_to("hop")  # a chain of two links
    write(tmp_path / "link", b"through the links")
    assert os.path.islink(tmp_path / "link") and os.path.islink(tmp_path / "hop")
    assert real.read_bytes() == b"through the links"
    assert leftovers(tmp_path) == []


def test_dangling_symlink_creates_its_target(tmp_path, mode):
    (tmp_path / "link").symlink_to("sub/made.bin")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "link", b"x")
    assert os.path.islink(tmp_path / "link")
    assert (tmp_path / "sub" / "made.bin").read_bytes() == b"x"


def test_hard_link_is_written_in_place(tmp_path, mode):
    first, second = tmp_path / "first.bin", tmp_path / "second.bin"
    first.write_bytes(b"old content, longer than the new one")
    os.link(first, second)
    inode = os.stat(first).st_ino
    write(second, b"new")
    assert first.read_bytes() == second.read_bytes() == b"new"
    assert os.stat(first).st_ino == os.stat(second).st_ino == inode
    assert os.stat(first).st_nlink == 2
    assert leftovers(tmp_path) == []


def test_hard_link_failure_in_the_block_keeps_the_old_content(tmp_path):
    first = tmp_path / "first.bin"
    first.write_bytes(b"old")
    os.link(first, tmp_path / "second.bin")
    with pytest.raises(RuntimeError), atomic_write(first) as f:
        f.write(b"half")
        raise RuntimeError
    assert first.read_bytes() == b"old"


# --- FIFOs and devices (made in tmp_path, never under /dev) ----------------------------------


def test_fifo_without_reader_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.npy"
    os.mkfifo(fifo)
    outcome: list[BaseException | None] = []

    def attempt() -> None:
        try:
            write(fifo, b"x")
            outcome.append(None)
        except BaseException as err:  # noqa: BLE001 - handed to the test thread
            outcome.append(err)

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(HANG_S)
    assert not thread.is_alive(), "writing to a FIFO without a reader hung"
    (err,) = outcome
    assert isinstance(err, OSError) and err.errno == errno.ENXIO
    assert "pipe.npy" in str(err) and "no process is reading" in str(err)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_fifo_with_reader_is_written_through(tmp_path):
    fifo = tmp_path / "pipe.npy"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    payload = bytes(range(256)) * 4096  # 1 MiB: more than a pipe buffer holds
    for _ in range(200):  # the reader must have opened its end before the writer looks
        with contextlib.suppress(OSError):
            write(fifo, payload)
            break
        threading.Event().wait(0.05)
    reader.join(HANG_S)
    assert got == [payload]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert leftovers(tmp_path) == []


def test_character_device_is_written_through_not_replaced(tmp_path):
    node = tmp_path / "null.npy"  # the null device's numbers: writes vanish
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    with atomic_write(node) as f:
        np.save(f, np.arange(10.0))
    assert stat.S_ISCHR(os.stat(node).st_mode)
    assert os.listdir(tmp_path) == ["null.npy"]


def test_symlink_to_a_device_is_kept(tmp_path):
    node = tmp_path / "null"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    (tmp_path / "out.png").symlink_to(node)
    write(tmp_path / "out.png", b"x")
    assert os.path.islink(tmp_path / "out.png") and stat.S_ISCHR(os.stat(node).st_mode)


def test_full_device_names_the_path_and_bytes(tmp_path):
    node = tmp_path / "full.bin"  # the "full" device's numbers: every write is ENOSPC
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    with pytest.raises(OSError, match=r"full\.bin.*No space left.*\(5 bytes to write, 0 written"):
        write(node, b"12345")
    assert stat.S_ISCHR(os.stat(node).st_mode)


# --- errors name the user's path -------------------------------------------------------------


def test_missing_folder_is_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"cannot write 'no/such/x.png': the folder 'no' "):
        write("no/such/x.png", b"x")
    assert os.listdir(tmp_path) == []


def test_parent_that_is_a_file(tmp_path):
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(NotADirectoryError, match=r"is not a folder"):
        write(tmp_path / "file" / "x.png", b"x")


def test_target_that_is_a_folder(tmp_path):
    with pytest.raises(IsADirectoryError, match=r"it is a folder"):
        write(tmp_path, b"x")


def test_read_only_folder_names_the_folder(tmp_path, monkeypatch):
    script = (
        "import sys\nfrom dsp.io._atomic import atomic_write\n"
        "try:\n    with atomic_write(sys.argv[1]) as f: f.write(b'x')\n"
        "except OSError as err: print(err); sys.exit(3)\n"
    )
    folder = tmp_path / "ro"
    with small_tmpfs(folder, "1m", "ro") as mounted:
        if not mounted:
            folder.mkdir(exist_ok=True)
            os.chmod(folder, 0o555)  # enough for anyone but root
        if mounted or os.geteuid() != 0:
            done = subprocess.run(
                [sys.executable, "-c", script, str(folder / "out.png")],
                capture_output=True,
                text=True,
                timeout=HANG_S * 6,
            )
            assert done.returncode == 3, done.stderr
            shown = done.stdout
        else:  # root without mount rights: the kernel's answer, simulated at os.open
            real_open = os.open

            def refuse(path, flags, *args, **kwargs):
                if flags & (os.O_CREAT | getattr(os, "O_TMPFILE", 0)):
                    raise PermissionError(errno.EACCES, "Permission denied", path)
                return real_open(path, flags, *args, **kwargs)

            monkeypatch.setattr(os, "open", refuse)
            with pytest.raises(PermissionError) as caught:
                write(folder / "out.png", b"x")
            monkeypatch.undo()
            shown = str(caught.value)
        assert os.listdir(folder) == []
    assert f"cannot write '{folder / 'out.png'}'" in shown
    assert f"cannot create a file in the folder '{folder}'" in shown
    assert ".tmp" not in shown


def test_full_disk_names_the_path_and_the_byte_counts(tmp_path, mode):
    folder = tmp_path / "small"
    with small_tmpfs(folder, "64k") as mounted:
        if not mounted:
            folder.mkdir(exist_ok=True)
        target = folder / "big.npy"
        target.write_bytes(b"old")
        script = (
            "import resource, signal, sys, numpy as np\n"
            "from dsp.io import _atomic\n"
            "if sys.argv[2] == 'named': _atomic._LINKAT = None\n"
            "if sys.argv[3] == 'limit':\n"
            "    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            "    resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))\n"
            "try:\n"
            "    with _atomic.atomic_write(sys.argv[1]) as f: np.save(f, np.zeros(40000))\n"
            "except OSError as err: print(err); sys.exit(3)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script, str(target), mode, "tmpfs" if mounted else "limit"],
            capture_output=True,
            text=True,
            timeout=HANG_S * 6,
        )
        assert done.returncode == 3, done.stderr
        # 40000 float64 and a 128-byte header: 320128 bytes did not fit in 64 KiB.
        assert f"cannot write '{target}'" in done.stdout
        assert "320128 bytes to write" in done.stdout
        assert ("No space left on device" if mounted else "File too large") in done.stdout
        assert ".tmp" not in done.stdout
        assert target.read_bytes() == b"old"
        assert leftovers(folder) == []


# --- leftovers -------------------------------------------------------------------------------


def test_stale_named_temporary_is_cleaned_but_a_live_one_is_not(tmp_path, monkeypatch):
    monkeypatch.setattr(_atomic, "_LINKAT", None)
    dead = tmp_path / ".out.npy.0123456789ab.tmp"
    dead.write_bytes(b"left by a killed writer")
    live = tmp_path / ".other.npy.ba9876543210.tmp"
    live.write_bytes(b"being written right now")
    with open(live, "rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # as a running writer holds it
        write(tmp_path / "out.npy", b"x")
        assert not dead.exists() and live.exists()
    assert _atomic.TEMPORARY_NAME.match(dead.name) and _atomic.TEMPORARY_NAME.match(live.name)


def test_stream_supports_what_writers_use(tmp_path, mode):
    """np.save (tofile on a real file), tell and seek (tarfile) work on the stream."""
    with atomic_write(tmp_path / "a.npy") as f:
        assert f.writable() and f.seekable()
        np.save(f, np.arange(1000.0))
        assert f.tell() == 128 + 8000  # the .npy header, then 1000 float64
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), np.arange(1000.0))
