"""dsp.audio: the WAV reader against soundfile, scipy and librosa; the writer; the arguments.

Oracles: soundfile (libsndfile) and scipy.io.wavfile read the same files the tests write, and
``librosa.load(path, sr=None)`` gives the bit-identical reference for mono mixdown, offset and
duration (``sr=None`` keeps the file's rate; the default ``sr=22050`` resamples, tested below
and in ``test_resampling.py``). Every comparison is exact (``assert_array_equal``): the scaling
is by powers of two.
"""

from __future__ import annotations

import io
import os
import struct
import warnings

import librosa
import numpy as np
import pytest
import scipy.io.wavfile
import soundfile as sf

from dsp.errors import DspWarning, ParameterError
from dsp.io._atomic import atomic_write
from dsp.io.audio import SUBTYPES, AudioInfo, info, load, write_wav

SR = 8000
N = 1001  # odd, so 8-bit and 24-bit data chunks have odd sizes and need a pad byte
#: soundfile subtype name -> dsp subtype name.
SF_SUBTYPES = {
    "PCM_U8": "pcm8",
    "PCM_16": "pcm16",
    "PCM_24": "pcm24",
    "PCM_32": "pcm32",
    "FLOAT": "float32",
    "DOUBLE": "float64",
}


def _samples(channels: int, sf_subtype: str, seed: int = 0) -> np.ndarray:
    """(n, channels) data for soundfile, including both ends of the range."""
    rng = np.random.default_rng(seed)
    if sf_subtype in ("PCM_16", "PCM_U8"):
        data = rng.integers(-(2**15), 2**15, size=(N, channels), dtype=np.int16)
        data[:2] = [[-(2**15)], [2**15 - 1]]
    elif sf_subtype in ("PCM_24", "PCM_32"):
        data = rng.integers(-(2**31), 2**31, size=(N, channels), dtype=np.int32)
        data[:2] = [[-(2**31)], [2**31 - 1]]
    else:
        data = rng.uniform(-1.5, 1.5, size=(N, channels))  # float files may exceed [-1, 1]
        data[0] = 1e-30  # a tiny value survives, float is stored as is
    return data


@pytest.fixture(scope="module")
def sf_files(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str, int], str]:
    """Files written by soundfile: every subtype, plain WAV and WAVEX, 1, 2 and 10 channels."""
    folder = tmp_path_factory.mktemp("sf")
    files = {}
    for container in ("WAV", "WAVEX"):
        for sf_subtype in SF_SUBTYPES:
            for channels in (1, 2, 10):
                path = str(folder / f"{container}_{sf_subtype}_{channels}.wav")
                sf.write(path, _samples(channels, sf_subtype), SR, sf_subtype, format=container)
                files[container, sf_subtype, channels] = path
    return files


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("container", ["WAV", "WAVEX"])
@pytest.mark.parametrize("sf_subtype", list(SF_SUBTYPES))
def test_load_equals_soundfile(sf_files, sf_subtype, container, dtype):
    for channels in (1, 2, 10):
        path = sf_files[container, sf_subtype, channels]
        expected, expected_sr = sf.read(path, dtype=np.dtype(dtype).name, always_2d=False)
        y, sr = load(path, sr=None, mono=False, dtype=dtype)
        assert sr == expected_sr == SR
        assert y.dtype == dtype
        np.testing.assert_array_equal(y, expected.T, err_msg=f"{path=}")
        layout = info(path)
        assert (layout.subtype, layout.channels, layout.frames) == (
            SF_SUBTYPES[sf_subtype],
            channels,
            N,
        )
        assert layout.extensible == (container == "WAVEX")


@pytest.mark.filterwarnings("ignore::scipy.io.wavfile.WavFileWarning")  # PEAK chunk skipped
@pytest.mark.parametrize("sf_subtype", ["PCM_U8", "PCM_16", "PCM_32", "FLOAT", "DOUBLE"])
def test_load_equals_scipy(sf_files, sf_subtype):
    """A second independent reader: scipy returns the raw stored values, we scale them."""
    path = sf_files["WAV", sf_subtype, 2]
    _, raw = scipy.io.wavfile.read(path)
    bits = {"PCM_U8": 8, "PCM_16": 16, "PCM_32": 32}.get(sf_subtype)
    if sf_subtype == "PCM_U8":
        expected = (raw.astype(np.float64) - 128) / 2**7
    elif bits:
        expected = raw.astype(np.float64) / 2 ** (bits - 1)
    else:
        expected = raw.astype(np.float64)
    y, _ = load(path, sr=None, mono=False, dtype=np.float64)
    np.testing.assert_array_equal(y, expected.T)


@pytest.mark.parametrize(
    ("mono", "offset", "duration"),
    [
        (True, 0.0, None),
        (False, 0.0, None),
        (True, 0.0101, 0.0333),
        (False, 0.05, 10.0),
        (True, 0.0, 0.0),
        (True, N / SR, None),
    ],
)
@pytest.mark.parametrize("channels", [1, 2, 10])
def test_load_equals_librosa(sf_files, channels, mono, offset, duration):
    """Bit for bit, including the float32 mixdown of 10 channels (summation order matters)."""
    path = sf_files["WAV", "PCM_24", channels]
    expected, expected_sr = librosa.load(path, sr=None, mono=mono, offset=offset, duration=duration)
    y, sr = load(path, sr=None, mono=mono, offset=offset, duration=duration)
    assert sr == expected_sr
    assert y.shape == expected.shape
    np.testing.assert_array_equal(y, expected)


class _CountingReader(io.BytesIO):
    """A file object that counts the bytes handed out."""

    bytes_read = 0

    def read(self, size=-1):
        block = super().read(size)
        self.bytes_read += len(block)
        return block

    def readinto(self, buffer):
        count = super().readinto(buffer)
        self.bytes_read += count
        return count


#: Header bytes the parser may read: the 64-byte format sniff, RIFF header + chunk headers + the
#: fmt payload (<= 64).
HEADER_READ_BOUND = 64 + 12 + 8 + 64 + 8


def test_offset_and_duration_read_only_the_needed_bytes(tmp_path):
    path = tmp_path / "long.wav"
    write_wav(path, np.zeros((2, 10 * SR), dtype=np.float32), SR, subtype="pcm16")
    reader = _CountingReader(path.read_bytes())
    y, _ = load(reader, sr=None, mono=False, offset=5.0, duration=0.1)
    needed = y.shape[1] * 2 * 2
    assert y.shape == (2, 800)
    assert needed <= reader.bytes_read <= needed + HEADER_READ_BOUND


def test_info_reads_the_header_only(tmp_path):
    path = tmp_path / "h.wav"
    write_wav(path, np.zeros(SR, dtype=np.float32), SR)
    reader = _CountingReader(path.read_bytes())
    described = info(reader)
    assert reader.bytes_read <= HEADER_READ_BOUND + 12  # + the fact chunk header
    assert described == AudioInfo("float32", SR, 1, SR, 1.0, False)
    assert "float32" in str(described) and "1.000 s" in str(described)


def test_unknown_chunks_and_pad_bytes_are_skipped(tmp_path):
    """JUNK (odd size, padded) before fmt, LIST between fmt and data, cue after data."""
    samples = bytes(range(7))  # 7 frames of 8-bit mono: odd data chunk
    fmt = struct.pack("<4sIHHIIHH", b"fmt ", 16, 1, 1, SR, SR, 1, 8)
    body = (
        b"WAVE"
        + b"JUNK"
        + struct.pack("<I", 3)
        + b"abc\0"
        + fmt
        + b"LIST"
        + struct.pack("<I", 4)
        + b"INFO"
        + b"data"
        + struct.pack("<I", 7)
        + samples
        + b"\0"
        + b"cue "
        + struct.pack("<I", 4)
        + bytes(4)
    )
    path = tmp_path / "chunks.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    y, _ = load(path, sr=None)
    np.testing.assert_array_equal(y, (np.arange(7) - 128) / 128)
    np.testing.assert_array_equal(y, sf.read(path, dtype="float32")[0])


def test_trailing_partial_frame_is_ignored_like_soundfile(tmp_path):
    path = tmp_path / "partial.wav"
    write_wav(path, np.full((2, 5), 0.25), SR, subtype="pcm16")
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, 40, 5 * 4 - 1)  # data size: 4 frames and 3 bytes
    path.write_bytes(bytes(data))
    y, _ = load(path, sr=None, mono=False)
    assert y.shape == (2, 4) == sf.read(path)[0].T.shape


def test_default_sr_resamples_like_librosa_load(tmp_path):
    """librosa.load's default: 22050 Hz through soxr's HQ preset, sample for sample."""
    path = tmp_path / "r.wav"
    write_wav(path, np.random.default_rng(3).uniform(-0.5, 0.5, (2, 3001)), SR, subtype="pcm16")
    expected, expected_sr = librosa.load(path)
    y, sr = load(path)
    assert sr == expected_sr == 22050
    np.testing.assert_array_equal(y, expected)
    y_hq, _ = load(path, res_type="soxr_hq", mono=False, dtype=np.float64)
    np.testing.assert_array_equal(y_hq, librosa.load(path, mono=False, dtype=np.float64)[0])
    assert load(path, sr=SR)[1] == SR


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sr": 0}, r"sr=0 must be positive"),
        ({"res_type": "kaiser_best"}, r"res_type='kaiser_best' is not supported"),
        ({"mono": "yes"}, r"mono='yes' must be True or False"),
        ({"offset": -1.0}, r"offset=-1.0 must be non-negative"),
        ({"offset": 1.0}, r"offset=1.0 s \(frame 8000\) is past the end"),
        ({"duration": -0.5}, r"duration=-0.5 must be non-negative"),
        ({"dtype": np.int16}, r"dtype=int16 must be float32 or float64"),
        ({"dtype": "nonsense"}, r"dtype='nonsense' is not a NumPy dtype"),
    ],
)
def test_load_argument_errors(tmp_path, kwargs, match):
    path = tmp_path / "a.wav"
    write_wav(path, np.zeros(100), SR)
    with pytest.raises(ParameterError, match=match):
        load(path, **{"sr": None, **kwargs})


def test_missing_file_is_an_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.wav", sr=None)


@pytest.mark.parametrize("subtype", SUBTYPES)
@pytest.mark.parametrize("channels", [1, 3])
def test_write_wav_round_trip_on_the_grid(tmp_path, subtype, channels):
    """Samples on the b-bit grid come back bit for bit, through dsp and through soundfile."""
    bits = int(subtype.lstrip("pcmfloat"))
    rng = np.random.default_rng(channels)
    if subtype.startswith("pcm"):
        q = rng.integers(-(2 ** (bits - 1)), 2 ** (bits - 1), size=(channels, N))
        q[:, :2] = [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1]
        y = q / 2.0 ** (bits - 1)
    else:
        y = rng.standard_normal((channels, N)).astype(f"float{bits}")
    y = y[0] if channels == 1 else y
    path = tmp_path / f"{subtype}.wav"
    write_wav(path, y, SR, subtype=subtype)
    back, sr = load(path, sr=None, mono=False, dtype=np.float64)
    assert sr == SR
    np.testing.assert_array_equal(back, y)
    np.testing.assert_array_equal(sf.read(path, always_2d=False)[0].T, y)


@pytest.mark.parametrize("subtype", ["pcm8", "pcm16", "pcm24", "pcm32"])
def test_write_wav_rounds_half_to_even_and_clips_with_a_warning(tmp_path, subtype):
    bits = int(subtype[3:])
    step = 2.0 ** -(bits - 1)
    y = np.array([0.5 * step, 1.5 * step, 2.0, -3.0])
    with pytest.warns(DspWarning, match=rf"2 samples outside \[-1, 1\) were clipped .*{subtype}"):
        write_wav(tmp_path / "c.wav", y, SR, subtype=subtype)
    back, _ = load(tmp_path / "c.wav", sr=None, dtype=np.float64)
    np.testing.assert_array_equal(back, [0.0, 2 * step, 1 - step, -1.0])


def test_write_wav_replaces_atomically_and_keeps_umask_permissions(tmp_path):
    path = tmp_path / "x.wav"
    write_wav(path, np.zeros(10), SR)
    write_wav(path, np.ones(20) * 0.5, SR)
    assert load(path, sr=None)[0].shape == (20,)
    assert sorted(os.listdir(tmp_path)) == ["x.wav"]
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


def test_atomic_write_leaves_the_old_file_on_failure(tmp_path):
    path = tmp_path / "keep.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="midway"), atomic_write(path) as f:
        f.write(b"partial new content")
        raise RuntimeError("midway")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["keep.bin"]


def test_write_wav_into_a_missing_directory_is_an_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_wav(tmp_path / "no" / "x.wav", np.zeros(10), SR)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("y", "sr", "subtype", "match"),
    [
        (np.zeros((1, 2, 3)), SR, "float32", r"y.shape=\(1, 2, 3\) must be \(n,\) or \(channels"),
        (np.zeros(4, dtype=np.int16), SR, "float32", r"y.dtype=int16 is not audio"),
        (np.array([0.0, np.nan]), SR, "float32", r"y is not finite everywhere"),
        (np.zeros(4), 0, "float32", r"sr=0 must be a positive integer"),
        (np.zeros(4), 8000.5, "float32", r"sr=8000.5 must be a positive integer"),
        (np.zeros(4), 2**31, "float32", r"sr=2147483648 is larger than a WAV file can store"),
        (np.zeros(4), SR, "mp3", r"subtype='mp3' is not one of"),
        (np.zeros((2000, 4)), SR, "float32", r"y has 2000 channels .* Is y transposed"),
    ],
)
def test_write_wav_argument_errors(tmp_path, y, sr, subtype, match):
    with pytest.raises(ParameterError, match=match):
        write_wav(tmp_path / "e.wav", y, sr, subtype=subtype)
    assert os.listdir(tmp_path) == []


def test_mixdown_of_infinite_float_samples_is_quiet(tmp_path):
    """inf + -inf is NaN and 3e38 + 3e38 overflows, without a RuntimeWarning (which ``-W error``
    would turn into an exception). librosa.load refuses non-finite audio when it mixes down;
    dsp.load returns what the file holds and leaves the check to the analysis (check_audio)."""
    path = tmp_path / "inf.wav"
    big = np.float32(3e38)
    write_wav(path, np.array([[0.0, big, 1.0], [0.0, big, -1.0]], dtype=np.float32), SR)
    data = bytearray(path.read_bytes())
    data[-24:-16] = struct.pack("<ff", np.inf, -np.inf)  # first frame: +inf left, -inf right
    path.write_bytes(bytes(data))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, _ = load(path, sr=None)
    with np.errstate(all="ignore"):
        expected = np.mean(sf.read(path, dtype="float32")[0].T, axis=0)
    assert np.isnan(y[0]) and np.isinf(y[1]) and y[2] == 0
    np.testing.assert_array_equal(y, expected)
