"""Every format soundfile writes, read by dsp equal to ``soundfile.read``; detection by content.

WAV and AIFF are dsp's own readers; FLAC, Ogg Vorbis, Ogg Opus, MP3, CAF, AU and W64 go through
the optional soundfile backend. The files are made in the test by soundfile itself (so CI needs
no binary fixtures) and named with the wrong extension, to show that detection reads bytes.
"""

from __future__ import annotations

import io
import sys

import librosa
import numpy as np
import pytest
import soundfile as sf

import dsp
from dsp.errors import AudioFormatError
from dsp.io.audio import info, load

#: (soundfile format, subtype, sample rate, dsp's format name in info(), decoded by dsp itself)
FORMATS = [
    ("WAV", "PCM_16", 8000, "WAV", True),
    ("WAV", "ULAW", 8000, "WAV", True),
    ("WAV", "ALAW", 8000, "WAV", True),
    ("WAVEX", "PCM_24", 8000, "WAV", True),
    ("RF64", "FLOAT", 8000, "RF64", True),
    ("AIFF", "PCM_16", 8000, "AIFF", True),
    ("AIFF", "PCM_S8", 8000, "AIFF", True),
    ("AIFF", "PCM_24", 8000, "AIFF", True),
    ("AIFF", "FLOAT", 8000, "AIFC", True),
    ("AIFF", "DOUBLE", 8000, "AIFC", True),
    ("AIFF", "ULAW", 8000, "AIFC", True),
    ("FLAC", "PCM_16", 8000, "FLAC", False),
    ("FLAC", "PCM_24", 44100, "FLAC", False),
    ("OGG", "VORBIS", 44100, "OGG", False),
    ("OGG", "OPUS", 48000, "OGG", False),
    ("MP3", "MPEG_LAYER_III", 44100, "MP3", False),
    ("CAF", "PCM_16", 8000, "CAF", False),
    ("AU", "PCM_16", 8000, "AU", False),
    ("W64", "PCM_16", 8000, "W64", False),
]


def _write(tmp_path, container, subtype, sr, channels=2, seconds=0.5):
    t = np.arange(int(sr * seconds)) / sr
    y = np.stack([0.5 * np.sin(2 * np.pi * 440 * t), 0.25 * np.sin(2 * np.pi * 1000 * t)])
    path = tmp_path / f"audio_{container}_{subtype}.dat"  # a name that says nothing
    sf.write(path, y[:channels].T, sr, subtype=subtype, format=container)
    return path


@pytest.mark.parametrize(
    ("container", "subtype", "sr", "name", "native"),
    FORMATS,
    ids=[f"{c}-{s}" for c, s, *_ in FORMATS],
)
def test_every_format_equals_soundfile(tmp_path, container, subtype, sr, name, native):
    path = _write(tmp_path, container, subtype, sr)
    expected, expected_sr = sf.read(path, dtype="float32", always_2d=True)
    y, got_sr = load(path, sr=None, mono=False)
    assert got_sr == expected_sr == sr
    np.testing.assert_array_equal(y, expected.T)
    described = info(path)
    assert (described.format, described.sr, described.channels, described.frames) == (
        name,
        sr,
        2,
        expected.shape[0],
    )
    assert described.duration == expected.shape[0] / sr
    # offset and duration seek in every format
    part, _ = load(path, sr=None, mono=False, offset=0.1, duration=0.2)
    start = int(0.1 * sr)
    np.testing.assert_array_equal(part, expected[start : start + int(0.2 * sr)].T)
    # from a file object too
    with open(path, "rb") as f:
        np.testing.assert_array_equal(load(f, sr=None, mono=False)[0], expected.T)


@pytest.mark.parametrize("container", ["FLAC", "OGG"])
def test_default_load_equals_librosa_load(tmp_path, container):
    """The closing sentence of the issue: ``dsp.load(x)`` is ``librosa.load(x)``."""
    path = _write(tmp_path, container, "PCM_16" if container == "FLAC" else "VORBIS", 44100)
    expected, expected_sr = librosa.load(path)
    y, sr = dsp.load(path)
    assert sr == expected_sr == 22050
    np.testing.assert_array_equal(y, expected)


def test_without_soundfile_the_error_names_the_format_and_the_extra(tmp_path, monkeypatch):
    path = _write(tmp_path, "FLAC", "PCM_16", 8000)
    monkeypatch.setitem(sys.modules, "soundfile", None)  # import soundfile -> ImportError
    for call in (lambda: load(path), lambda: info(path)):
        with pytest.raises(
            AudioFormatError,
            match=r"this is a FLAC file; .* pip install "
            r"dsp\[formats\]",
        ):
            call()
    # WAV and AIFF need nothing more
    wav = _write(tmp_path, "AIFF", "PCM_16", 8000)
    assert load(wav, sr=None)[1] == 8000


@pytest.mark.parametrize(
    ("head", "name"),
    [
        (b"fLaC" + bytes(60), "FLAC"),
        (b"OggS" + bytes(24) + b"OpusHead" + bytes(28), "Ogg Opus"),
        (b"OggS" + bytes(24) + b"\x01vorbis" + bytes(29), "Ogg Vorbis"),
        (b"ID3\x04" + bytes(60), "MP3"),
        (b"\xff\xfb\x90\x00" + bytes(60), "MP3"),
    ],
)
def test_undecodable_content_is_an_audio_format_error_naming_the_format(head, name):
    """libsndfile's failures become AudioFormatError, never another exception."""
    with pytest.raises(AudioFormatError, match=rf"{name.split()[0]}"):
        load(io.BytesIO(head), sr=None)
    with pytest.raises(AudioFormatError, match=rf"{name.split()[0]}"):
        info(io.BytesIO(head))


def test_a_44100_hz_20_s_file_gives_librosa_shapes(tmp_path):
    """The explainer's numbers: 20 s at 44.1 kHz, loaded at 22050 Hz -> (128, 862) mel frames."""
    path = tmp_path / "song.wav"
    t = np.arange(20 * 44100) / 44100
    dsp.write_wav(path, 0.5 * np.sin(2 * np.pi * 440 * t), 44100, subtype="pcm16")
    for res_type in ("auto", "dsp_hq"):
        y, sr = dsp.load(path, res_type=res_type)
        assert (y.shape, sr) == ((441000,), 22050)
        assert dsp.melspectrogram(y=y, sr=sr).shape == (128, 862)
