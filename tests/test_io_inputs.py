"""What may be passed as a sound file, and the clear errors for everything else (issue 9, inputs).

A FIFO with no writer used to make ``dsp info`` and ``dsp mel`` wait forever; ``load(None)``,
``load(3)``, text-mode files, objects without ``seek`` and ``/proc`` files gave raw
TypeError/OSError; a file name that is not UTF-8 ended in a UnicodeEncodeError. Each case is
tested in process and, for the command, in a subprocess bounded by a timeout. FIFOs and device
nodes are made in a temp dir, never under /dev.
"""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import time_limit

from dsp.errors import AudioFormatError, ParameterError
from dsp.io.audio import info, load, write_wav
from dsp.io.blocks import read_blocks
from dsp.resampling import MAX_SOXR_RATIO, resample

#: Generous bound on one call (2 cores shared with other jobs); a real answer takes milliseconds.
CALL_TIMEOUT_S = 30

#: Seconds a refused input may take in a subprocess (it is milliseconds; a hang is forever).
TIMEOUT_S = 60


@pytest.fixture
def wav_path(tmp_path):
    path = tmp_path / "ok.wav"
    write_wav(path, np.zeros(800), 8000, subtype="pcm16")
    return path


@pytest.fixture(scope="module")
def wav_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("any") / "stereo.wav"
    # 16 frames: an absurd but legal sr (2**31 Hz) still makes only millions of samples
    write_wav(path, np.full((2, 16), 0.25), 8000, subtype="pcm16")
    return path


@pytest.fixture
def fifo(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    path = tmp_path / "pipe.wav"
    os.mkfifo(path)
    return path


def test_a_fifo_without_writer_is_refused_at_once(fifo):
    for call in (load, info):
        with pytest.raises(
            AudioFormatError,
            match=r"pipe.wav' is a FIFO \(named pipe\), not a "
            r"regular file",
        ):
            call(fifo)


@pytest.mark.parametrize("command", [["info"], ["mel", "-o", "out.npy"]])
def test_the_command_on_a_fifo_ends_with_exit_2(fifo, tmp_path, command):
    args = [sys.executable, "-m", "dsp", command[0], str(fifo), *command[1:]]
    done = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT_S, cwd=tmp_path)
    assert done.returncode == 2
    assert "is a FIFO (named pipe), not a regular file" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(AudioFormatError, match=r"is a directory, not a regular file"):
        load(tmp_path)


def test_a_device_node_is_refused(tmp_path):
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except (PermissionError, AttributeError, OSError):
        pytest.skip("cannot make a device node here (needs root)")
    with pytest.raises(AudioFormatError, match=r"is a character device, not a regular file"):
        info(node)


@pytest.mark.parametrize(
    ("source", "match"),
    [
        (None, r"path=None must be a file path or a binary file object .*\(got NoneType\)"),
        (3, r"path=3 must be a file path or a binary file object .*\(got int\)"),
        (True, r"path=True must be a file path"),
        (2.5, r"path=2.5 must be a file path"),
        ([b"RIFF"], r"must be a file path or a binary file object"),
        (io.StringIO("RIFF"), r"is a text-mode file: open it with open\(path, 'rb'\)"),
        ("bad\0name.wav", r"is not a usable path"),
    ],
)
def test_things_that_are_not_files(source, match):
    for call in (load, info):
        with pytest.raises(ParameterError, match=match):
            call(source)


def test_a_text_mode_file_object_is_refused(wav_path):
    with open(wav_path) as f, pytest.raises(ParameterError, match=r"text-mode file"):
        load(f)


class _NoSeek:
    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size)


class _Unseekable(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False


def test_objects_that_cannot_seek_are_refused(wav_path):
    with pytest.raises(
        ParameterError,
        match=r"must be a file path or a binary file object with "
        r"read\(\) and seek\(\) \(got _NoSeek\)",
    ):
        load(_NoSeek(wav_path.read_bytes()))
    with pytest.raises(ParameterError, match=r"cannot seek: pass a path or a seekable file"):
        load(_Unseekable())


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="no /proc")
def test_proc_files_are_an_audio_format_error():
    """A /proc file is regular, but reports size 0 and cannot seek to its end."""
    for call in (load, info):
        with pytest.raises(AudioFormatError, match=r"/proc/self/status' is not a sound file"):
            call("/proc/self/status")


def _undecodable_name(tmp_path) -> bytes:
    name = os.path.join(os.fsencode(tmp_path), b"caf\xe9.wav")  # Latin-1, not UTF-8
    try:
        with open(name, "wb"):
            pass
    except (OSError, UnicodeError):
        pytest.skip("the file system refuses non-UTF-8 names")
    os.remove(name)
    return name


def test_a_name_that_is_not_utf8_reads_and_errs_cleanly(tmp_path):
    name = _undecodable_name(tmp_path)
    write_wav(os.fsdecode(name), np.zeros(80), 8000)  # write_wav takes str paths
    assert load(name, sr=None)[0].shape == (80,)
    assert info(os.fsdecode(name)).frames == 80  # the surrogate-escaped str form works too
    with open(name, "wb") as f:
        f.write(b"not audio at all")
    with pytest.raises(AudioFormatError):
        load(name)


def test_the_command_prints_a_non_utf8_name_safely(tmp_path):
    name = _undecodable_name(tmp_path)
    write_wav(os.fsdecode(name), np.zeros(80), 8000)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, "-m", "dsp", "info", name], capture_output=True, timeout=TIMEOUT_S, env=env
    )
    assert done.returncode == 0, done.stderr
    assert b"caf\\xe9.wav" in done.stdout  # shown escaped, never a UnicodeEncodeError
    assert b"Traceback" not in done.stderr


def test_write_wav_refuses_values_beyond_float32(tmp_path):
    """float64 1e39 would be stored as inf in a float32 file: refused, naming the sample."""
    y = np.zeros(10)
    y[3] = 1e39
    with pytest.raises(ParameterError, match=r"y\[3\]=1e\+39 is beyond float32's range"):
        write_wav(tmp_path / "x.wav", y, 8000)
    assert os.listdir(tmp_path) == []
    write_wav(tmp_path / "x.wav", y, 8000, subtype="float64")  # float64 holds it
    assert load(tmp_path / "x.wav", sr=None, dtype=np.float64)[0][3] == 1e39


#: Values of every kind a caller might pass by mistake.
ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.binary(max_size=8),
    st.just(np.float32(22050.0)),
    st.just(np.array([1.0, 2.0])),
    st.just([22050]),
    st.just(object()),
    st.just(np.int16),
    st.just("float32"),
    st.just(complex(1, 1)),
)
LOAD_PARAMS = ("sr", "mono", "offset", "duration", "dtype", "res_type")


@given(name=st.sampled_from(LOAD_PARAMS), value=ANYTHING)
@settings(max_examples=200, deadline=None)
def test_any_value_of_any_load_parameter_is_a_result_or_a_parameter_error(wav_file, name, value):
    """load, open_blocks and resample with one parameter replaced by anything: a result or a
    ParameterError (AudioFormatError is one), never another exception, NaN or a hang."""
    try:
        with time_limit(CALL_TIMEOUT_S):
            y, sr = load(wav_file, **{name: value})
    except ParameterError:
        return
    assert np.isfinite(y).all() and sr > 0


@pytest.mark.parametrize("res_type", ["soxr_hq", "soxr_qq"])
@pytest.mark.parametrize(
    "orig_sr, target_sr", [(8000, 8.341431206416013e-253), (8000, 1e-6), (1, 7e5), (1, 2**17)]
)
def test_a_rate_ratio_soxr_cannot_do_is_refused_at_once(wav_file, orig_sr, target_sr, res_type):
    """soxr hangs for minutes or crashes beyond a ratio of about 2**18 (8000 -> 1e-6 Hz, 1 ->
    7e5 Hz, found by the property test below): refused, naming both rates, before soxr runs."""
    assert max(orig_sr / target_sr, target_sr / orig_sr) > MAX_SOXR_RATIO
    y = np.ones((2, 16), dtype=np.float32)
    with time_limit(CALL_TIMEOUT_S), pytest.raises(ParameterError, match="orig_sr=.*target_sr="):
        resample(y, orig_sr=orig_sr, target_sr=target_sr, res_type=res_type)
    with time_limit(CALL_TIMEOUT_S), pytest.raises(ParameterError, match="soxr"):
        load(wav_file, sr=8000 * target_sr / orig_sr, res_type=res_type)


def test_the_largest_soxr_ratio_still_resamples():
    """The bound refuses nothing soxr does well: 2**16 up and down, in well under a second."""
    y = np.ones(16, dtype=np.float32)
    with time_limit(CALL_TIMEOUT_S):
        up = resample(y, orig_sr=1, target_sr=MAX_SOXR_RATIO, res_type="soxr_hq")
        down = resample(
            np.ones(2**17, np.float32), orig_sr=MAX_SOXR_RATIO, target_sr=1, res_type="soxr_hq"
        )
    assert up.shape == (16 * 2**16,) and down.shape == (2,)


@given(name=st.sampled_from(["orig_sr", "target_sr", "res_type", "axis"]), value=ANYTHING)
@settings(max_examples=200, deadline=None)
def test_any_value_of_any_resample_parameter_is_a_result_or_a_parameter_error(name, value):
    args = {"orig_sr": 16000, "target_sr": 8000, "res_type": "dsp_hq", "axis": -1, name: value}
    try:
        with time_limit(CALL_TIMEOUT_S):
            y = resample(np.ones((2, 300), dtype=np.float32), **args)
    except ParameterError:
        return
    assert np.isfinite(y).all() and y.dtype == np.float32


@given(name=st.sampled_from(["block_frames", "offset", "duration", "dtype"]), value=ANYTHING)
@settings(max_examples=100, deadline=None)
def test_any_value_of_any_block_reader_parameter(wav_file, name, value):
    try:
        with time_limit(CALL_TIMEOUT_S):
            blocks = list(read_blocks(wav_file, **{name: value}))
    except ParameterError:
        return
    assert all(np.isfinite(block).all() for block in blocks)
