"""dsp.io.blocks: a file read in blocks is the file read whole; blocks -> BlockResampler is the
whole file resampled (the pieces the streaming issue builds on)."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st

from dsp.errors import AudioFormatError, ParameterError
from dsp.io.audio import load, write_wav
from dsp.io.blocks import open_blocks, read_blocks
from dsp.resampling import BlockResampler, resample

SR = 8000


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("blocks")
    y = np.random.default_rng(0).uniform(-0.9, 0.9, (2, 3 * SR + 17))
    paths = {}
    for name, fmt, subtype in (
        ("wav", "WAV", "PCM_24"),
        ("aiff", "AIFF", "PCM_16"),
        ("flac", "FLAC", "PCM_16"),
        ("ogg", "OGG", "VORBIS"),
    ):
        path = folder / f"x.{name}"
        sf.write(path, y.T, SR, subtype=subtype, format=fmt)
        paths[name] = path
    return paths


@given(
    name=st.sampled_from(["wav", "aiff", "flac", "ogg"]),
    block_frames=st.integers(1, 30_000),
    offset=st.sampled_from([0.0, 0.5, 1.2345, 3.0]),
    duration=st.sampled_from([None, 0.0, 0.3, 10.0]),
    dtype=st.sampled_from([np.float32, np.float64]),
)
@settings(max_examples=25, deadline=None)
def test_blocks_joined_are_the_whole_read(files, name, block_frames, offset, duration, dtype):
    block_frames = max(block_frames, 64) if name == "ogg" else block_frames  # bounded time
    expected, sr = load(
        files[name], sr=None, mono=False, offset=offset, duration=duration, dtype=dtype
    )
    with open_blocks(
        files[name], block_frames=block_frames, offset=offset, duration=duration, dtype=dtype
    ) as reader:
        assert (reader.sr, reader.channels, reader.frames) == (sr, 2, expected.shape[1])
        blocks = list(reader)
    assert all(b.shape[0] == 2 and b.shape[1] <= block_frames and b.dtype == dtype for b in blocks)
    joined = np.concatenate(blocks, axis=1) if blocks else np.zeros((2, 0), dtype)
    np.testing.assert_array_equal(joined, expected)


def test_streamed_resampling_equals_the_whole(files):
    whole, sr = load(files["wav"], sr=None, mono=False)
    expected = resample(whole, orig_sr=sr, target_sr=22050, res_type="dsp_hq")
    stream = BlockResampler(orig_sr=sr, target_sr=22050, channels=2, dtype=np.float32)
    pieces = [stream.process(block) for block in read_blocks(files["wav"], block_frames=1000)]
    np.testing.assert_array_equal(np.concatenate([*pieces, stream.flush()], axis=1), expected)


def test_block_reader_errors(tmp_path, files):
    with pytest.raises(ParameterError, match=r"block_frames=0 must be a positive integer"):
        open_blocks(files["wav"], block_frames=0)
    with pytest.raises(ParameterError, match=r"offset=9.0 s \(frame 72000\) is past the end"):
        open_blocks(files["wav"], offset=9.0)
    with pytest.raises(ParameterError, match=r"offset=9.0 s .* past the end"):
        open_blocks(files["flac"], offset=9.0)
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF" + bytes(40))
    with pytest.raises(AudioFormatError):
        list(read_blocks(bad))
    write_wav(tmp_path / "ok.wav", np.zeros(10), SR)
    reader = open_blocks(tmp_path / "ok.wav")
    reader.close()  # closing before reading is fine
