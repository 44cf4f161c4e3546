"""The stage-by-stage diff: each convention's chain against its reference, deviations computed
by hand in the test, invariants of the table, errors and the ``dsp diff`` command."""

from __future__ import annotations

import dataclasses
import itertools
import math

import kaldi_native_fbank as knf
import librosa
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from transformers import WhisperFeatureExtractor

import dsp
from dsp import DspWarning, ParameterError
from dsp.cli import main
from dsp.compat import _convention_stages as stages
from dsp.compat.convention_diff import STAGES
from dsp.compat.presets import PRESETS

NAMES = list(PRESETS)
#: The chains run in float64 from the stage definitions; the references round to float32
#: (~1e-7 relative) or compute in float32 (knf, torch): 1e-5 of the maximum is a margin of ~100.
CHAIN_RTOL = 1e-5
#: A deviation recomputed in the test from the same float64 operations in another order.
HAND_RTOL = 1e-9


def _audio(n=16000 * 2, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 16000
    return 0.1 * np.sin(2 * np.pi * 440 * t) + 0.01 * rng.standard_normal(n)


def _chain(name, y, dither=None):
    c = PRESETS[name]
    if dither is not None:
        c = dataclasses.replace(c, dither=dither)
    return stages.run(y, c, stages.sizes_of(c, c.sr))


def _close(ours, ref, what):
    assert ours.shape == ref.shape, what
    np.testing.assert_allclose(ours, ref, rtol=0, atol=CHAIN_RTOL * np.abs(ref).max(), err_msg=what)


def test_chains_reproduce_their_references():
    y16 = _audio()
    y22 = librosa.resample(y16, orig_sr=16000, target_sr=22050)
    ref = librosa.power_to_db(librosa.feature.melspectrogram(y=y22, sr=22050))
    _close(_chain("librosa", y22)["normalisation"].T, ref, "librosa")
    extractor = WhisperFeatureExtractor(feature_size=80)
    ref = extractor._np_extract_fbank_features(y16.astype(np.float32)[None], "cpu")[0]
    _close(_chain("whisper", y16)["normalisation"].T, ref, "whisper")
    options = knf.FbankOptions()
    options.frame_opts.dither = 0.0
    fbank = knf.OnlineFbank(options)
    fbank.accept_waveform(16000, (y16 * 32768).astype(np.float32))
    fbank.input_finished()
    ref = np.array([fbank.get_frame(i) for i in range(fbank.num_frames_ready)])
    _close(_chain("kaldi", y16, dither=0.0)["normalisation"], ref, "kaldi")
    spec = (
        torch.stft(
            torch.from_numpy(y16),
            400,
            200,
            window=torch.hann_window(400, dtype=torch.float64),
            center=True,
            pad_mode="reflect",
            return_complex=True,
        ).abs()
        ** 2
    )
    with pytest.warns(DspWarning, match="4 of n_mels=128"):  # as torchaudio warns
        chain = _chain("torchaudio", y16)
    _close(chain["power"].T, spec.numpy(), "torchaudio power")


def test_identical_conventions_show_no_difference():
    for name in NAMES:
        diff = dsp.compare(_audio(8000), 16000, a=name, b=name)
        assert [row.stage for row in diff.rows] == list(STAGES)
        for row in diff.rows:
            assert row.differences == () and row.max_abs == 0.0, (name, row)


def test_stages_that_agree_show_zero_and_those_that_differ_are_listed():
    for a, b in itertools.permutations(NAMES, 2):
        diff = dsp.compare(_audio(8000), 16000, a=a, b=b)
        da, db = PRESETS[a].describe(), PRESETS[b].describe()
        for row in diff.rows:
            differing = {k for k, v in da[row.stage].items() if db[row.stage][k] != v}
            assert {name for name, _, _ in row.differences} == differing, (a, b, row.stage)
            if not differing:
                assert row.max_abs == 0.0, (a, b, row.stage)


@settings(max_examples=15)  # each example runs two chains of 8 stages
@given(
    st.sampled_from(NAMES),
    st.sampled_from(NAMES),
    st.integers(0, 2**16),
    st.integers(2048, 12000),
    st.sampled_from([16000, 22050]),
)
def test_deviation_invariants(a, b, seed, n, sr):
    y = np.random.default_rng(seed).standard_normal(n) * 0.1
    diff = dsp.compare(y, sr, a=a, b=b)
    assert [row.stage for row in diff.rows] == list(STAGES)
    for row in diff.rows:
        if not row.differences:
            assert row.max_abs == 0.0 and row.relative == 0.0, (a, b, row)
        elif not math.isnan(row.max_abs):
            assert row.max_abs >= 0 and np.isfinite(row.relative), (a, b, row)
    if a == b:
        assert all(row.max_abs == 0.0 for row in diff.rows)


def test_framing_deviation_librosa_vs_whisper_is_the_padding():
    y = _audio(22050)  # at librosa's rate already: no resampling
    diff = dsp.compare(y, 22050, a="librosa", b="whisper")
    row = dict((r.stage, r) for r in diff.rows)["framing"]
    # Only the edge frames differ: zeros (librosa) against the reflected signal (whisper).
    zeros = np.pad(y, 1024)
    reflect = np.pad(y, 1024, mode="reflect")
    expected = max(
        np.abs(librosa.util.frame(reflect - zeros, frame_length=2048, hop_length=512)).max(), 0.0
    )
    assert math.isclose(row.max_abs, expected, rel_tol=HAND_RTOL)
    assert [n for n, _, _ in row.differences][0] == "pad mode"  # measured first, shapes after


def test_filterbank_deviation_librosa_vs_torchaudio_by_hand():
    y = _audio(22050)
    diff = dsp.compare(y, 22050, a="librosa", b="torchaudio")
    row = dict((r.stage, r) for r in diff.rows)["filterbank"]
    power = np.abs(librosa.stft(y, n_fft=2048, hop_length=512, pad_mode="constant")) ** 2
    slaney = librosa.filters.mel(sr=22050, n_fft=2048, n_mels=128, dtype=np.float64)
    htk = librosa.filters.mel(
        sr=22050, n_fft=2048, n_mels=128, htk=True, norm=None, dtype=np.float64
    )
    expected = np.abs((htk - slaney) @ power).max()
    assert math.isclose(row.max_abs, expected, rel_tol=1e-6)  # librosa's stft: complex128 sums
    assert math.isclose(row.relative, expected / (slaney @ power).max(), rel_tol=1e-6)


def test_dither_is_the_only_difference_between_kaldi_and_torchaudio_kaldi():
    y = _audio(16000)
    diff = dsp.compare(y, 16000, a="kaldi", b="torchaudio-kaldi")
    changed = [row for row in diff.rows if row.differences]
    assert [row.stage for row in changed] == ["framing"]
    assert changed[0].differences == (("dither", 1.0, 0.0),)
    # a's frames carry N(0, 1) noise (seed 0), then both remove the mean and pre-emphasise.
    n_frames = 1 + (16000 - 400) // 160
    noise = np.random.default_rng(0).standard_normal((n_frames, 400))
    noise -= noise.mean(axis=1, keepdims=True)
    noise[:, 1:] -= 0.97 * noise[:, :-1]
    noise[:, 0] *= 0.03
    assert math.isclose(changed[0].max_abs, np.abs(noise).max(), rel_tol=HAND_RTOL)


def test_resamples_to_the_first_conventions_rate_and_prints():
    diff = dsp.compare(_audio(44100), 44100, a="whisper", b="kaldi")
    assert diff.sr == 16000
    text = str(diff)
    for stage in STAGES:
        assert stage in text
    for word in ("povey", "pre-emphasis", "triangles in", "shape"):
        assert word in text
    markdown = diff.to_markdown().splitlines()
    assert len(markdown) == 2 + sum(max(1, len(r.differences)) for r in diff.rows)
    assert repr(diff) == text


def test_errors():
    with pytest.raises(ParameterError, match="'htk' is not known"):
        dsp.compare(_audio(), 16000, a="htk")
    with pytest.raises(ParameterError, match="mono"):
        dsp.compare(np.zeros((2, 16000)), 16000)
    with pytest.raises(ParameterError, match="fewer than one frame"):
        dsp.compare(np.zeros(100), 16000, a="kaldi")
    with pytest.raises(ParameterError, match="sr="):
        dsp.compare(_audio(), -1.0)


def test_command(tmp_path, capsys):
    path = tmp_path / "x.wav"
    dsp.write_wav(path, _audio().astype(np.float32), 16000)
    assert main(["diff", str(path), "--a", "librosa", "--b", "kaldi"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("librosa vs kaldi") and "filterbank" in out
    assert main(["diff", str(path), "--a", "whisper", "--b", "torchaudio", "--markdown"]) == 0
    assert capsys.readouterr().out.startswith("| stage |")
    assert main(["diff", str(tmp_path / "missing.wav")]) == 2
    assert "dsp: error:" in capsys.readouterr().err


def test_the_docs_show_the_current_table():
    """docs/five-conventions.md quotes librosa vs whisper on the example sound: still true."""
    from pathlib import Path

    from dsp.examples import example_audio

    y, sr = example_audio()
    table = dsp.compare(y, sr, a="librosa", b="whisper").to_markdown()
    page = Path(__file__).resolve().parent.parent / "docs" / "five-conventions.md"
    assert table in page.read_text(encoding="utf-8")
