"""Streaming transforms (dsp.streaming): the concatenated stream equals the offline transform.

Three ways: against the offline transform (bit for bit, hypothesis drawing the parameters and
the chunk boundaries) and librosa; against a naive definition (pad, frame, DFT per frame) in
this file; by invariants (latency, bounded memory, errors leave the stream usable).
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import warnings
import weakref
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dsp
from dsp._engine.config import engine_config
from dsp.errors import DspWarning, ParameterError
from dsp.transforms import MelSpectrogram, Spectrogram
from tests.strategies import PAD_MODES, make_signal

#: A naive float64 DFT and the engine's agree to a few ulps of the largest value times the
#: number of terms summed (n_fft): rounding of two different summation orders.
NAIVE_RTOL: dict[type, float] = {np.float32: 1e-5, np.float64: 1e-10}

#: Small engine chunks so that a short signal spans several projection calls.
SMALL_CHUNKS = dict(chunk_min_frames=8, chunk_bytes=1, chunk_align=8, fast_chunk_frames=5)


def run_stream(stream: Any, y: np.ndarray, cuts: list[int]) -> np.ndarray:
    """Push ``y`` split at ``cuts`` (sorted sample indices, repeats give empty chunks)."""
    edges = [0, *sorted(cuts), y.shape[-1]]
    parts = [stream.push(y[..., a:b]) for a, b in zip(edges[:-1], edges[1:], strict=False)]
    parts.append(stream.flush())
    for part in parts:
        assert part.shape[:-1] == parts[-1].shape[:-1] and part.dtype == parts[-1].dtype
    return np.concatenate(parts, axis=-1)


def quiet(function: Any, *args: Any) -> Any:
    """Call ``function(*args)`` with the short-signal DspWarning silenced (tested below)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DspWarning)
        return function(*args)


def both(
    offline: Any, stream: Any, y: np.ndarray, cuts: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """``(stream output, offline output)``; if offline refuses ``y`` (a layout that looks like
    ``(n, channels)``), the stream must refuse it too, at flush."""
    try:
        expected = quiet(offline, y)
    except ParameterError:
        with pytest.raises(ParameterError):
            quiet(run_stream, stream, y, cuts)
        return expected_none, expected_none
    return quiet(run_stream, stream, y, cuts), expected


expected_none = np.zeros(0)


@st.composite
def stream_cases(draw: st.DrawFn, max_n_fft: int = 300) -> dict:
    n_fft = draw(st.integers(1, max_n_fft))
    center = draw(st.booleans())
    hop = draw(st.integers(1, max(1, 3 * n_fft // 2)))
    n = draw(st.integers(n_fft if not center else 1, 4 * n_fft + 3 * hop + 50))
    lead = draw(st.sampled_from([(), (2,), (2, 1)]))
    cuts = draw(st.lists(st.integers(0, n), max_size=12))
    if draw(st.booleans()):  # runs of one-sample chunks
        start = draw(st.integers(0, n))
        cuts += list(range(start, min(n, start + 40)))
    return dict(
        n_fft=n_fft,
        hop_length=hop,
        center=center,
        pad_mode=draw(st.sampled_from(PAD_MODES)),
        n=n,
        lead=lead,
        dtype=draw(st.sampled_from([np.float32, np.float64])),
        precision=draw(st.sampled_from(["float64", "float64-bounded", "float32"])),
        cuts=cuts,
        seed=draw(st.integers(0, 2**16)),
    )


def signal(case: dict) -> np.ndarray:
    return make_signal(case["seed"], case["lead"] + (case["n"],), case["dtype"])


def spectrogram(case: dict, **kw: Any) -> Spectrogram:
    keys = ("n_fft", "hop_length", "center", "pad_mode", "precision")
    return Spectrogram(**{k: case[k] for k in keys}, **kw)


@settings(max_examples=60)
@given(case=stream_cases())
def test_spectrogram_stream_equals_offline(case: dict) -> None:
    transform, y = spectrogram(case, power=2.0), signal(case)
    got, expected = both(transform, transform.stream(), y, case["cuts"])
    assert got.dtype == expected.dtype and np.array_equal(got, expected)


@settings(max_examples=40)
@given(case=stream_cases())
def test_stft_stream_equals_offline(case: dict) -> None:
    transform, y = spectrogram(case), signal(case)
    got, expected = both(transform.stft, transform.stft_stream(), y, case["cuts"])
    assert got.dtype == expected.dtype and np.array_equal(got, expected)


@settings(max_examples=40)
@given(case=stream_cases(max_n_fft=128), n_mels=st.integers(1, 20))
def test_mel_stream_equals_offline_over_many_chunks(case: dict, n_mels: int) -> None:
    """With tiny projection chunks the stream makes many projection calls: each must be the
    engine's own (bounded and float32 modes make the same calls offline)."""
    kw = {k: case[k] for k in ("n_fft", "hop_length", "center", "pad_mode")}
    precision = "float32" if case["precision"] == "float32" else "float64-bounded"
    y = signal(case)
    with engine_config(**SMALL_CHUNKS):
        transform = quiet(lambda: MelSpectrogram(sr=8000, n_mels=n_mels, precision=precision, **kw))
        got, expected = both(transform, transform.stream(), y, case["cuts"])
    assert got.dtype == expected.dtype and np.array_equal(got, expected)


@settings(max_examples=30)
@given(case=stream_cases(max_n_fft=256))
def test_mel_stream_equals_default_precision(case: dict) -> None:
    """The default float64 precision: one BLAS call offline; the stream's calls are the same
    ones while the signal has fewer than two projection chunks (thousands of frames)."""
    kw = {k: case[k] for k in ("n_fft", "hop_length", "center", "pad_mode")}
    transform, y = quiet(lambda: MelSpectrogram(sr=8000, n_mels=32, **kw)), signal(case)
    assert transform.stream().chunk_frames >= 1024
    got, expected = both(transform, transform.stream(), y, case["cuts"])
    assert np.array_equal(got, expected)


IDENTITY_SCRIPT = r"""
import json, sys
import numpy as np
from threadpoolctl import threadpool_info
from dsp.transforms import MelSpectrogram
rng = np.random.default_rng(7)
out = {"kernel": [i.get("architecture") for i in threadpool_info() if i["internal_api"] ==
       "openblas"]}
for lead, dtype in [((), np.float32), ((2,), np.float32), ((), np.float64)]:
    y = rng.standard_normal(lead + (300_000,)).astype(dtype)
    t = MelSpectrogram(sr=16000, n_fft=512, hop_length=64, n_mels=64)  # 4688 frames
    s = t.stream()
    parts = [s.push(c) for c in np.array_split(y, 37, axis=-1)] + [s.flush()]
    got = np.concatenate(parts, axis=-1)
    bounded = MelSpectrogram(sr=16000, n_fft=512, hop_length=64, n_mels=64,
                             precision="float64-bounded")(y)
    offline = t(y)
    key = f"{lead}-{np.dtype(dtype).name}"
    out[key] = {"bounded": bool(np.array_equal(got, bounded)),
                "float64": bool(np.array_equal(got, offline)),
                "offline_bounded_equal": bool(np.array_equal(bounded, offline)),
                "max_rel": float(np.max(np.abs(got - offline)) / offline.max())}
print(json.dumps(out))
"""


@pytest.mark.parametrize("coretype", [None, "Haswell"])
def test_mel_stream_identity_per_blas_kernel(coretype: str | None) -> None:
    """Several projection chunks (4688 frames, chunks of 4096... joined: 2 calls per signal
    with the default config) in a fresh process per BLAS kernel: the stream always equals the
    bounded mode; it equals the default float64 mode exactly where the offline bounded mode
    does (the BLAS rounds a column alike in both shapes), else within a few float32 ulps."""
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    script = IDENTITY_SCRIPT.replace("300_000", "700_000")  # > 2 chunks of 4096 frames
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout)
    for key, value in result.items():
        if key == "kernel":
            continue
        assert value["bounded"], (coretype, key, value)
        assert value["float64"] == value["offline_bounded_equal"], (coretype, key, value)
        assert value["max_rel"] <= 2e-6, (coretype, key, value)  # A1's bound for bounded mode


def naive_power(y: np.ndarray, n_fft: int, hop: int, pad_mode: str) -> np.ndarray:
    """|DFT of each windowed frame of the centre-padded signal|^2, one frame at a time."""
    p = n_fft // 2
    padded = np.pad(y.astype(np.float64), (p, p), mode=pad_mode)  # type: ignore[call-overload]
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)  # periodic Hann
    k = np.arange(n_fft // 2 + 1)[:, None] * np.arange(n_fft)[None, :]
    basis = np.exp(-2j * np.pi * k / n_fft)
    cols = [
        basis @ (window * padded[t * hop : t * hop + n_fft])
        for t in range(1 + (len(y) + 2 * p - n_fft) // hop)
    ]
    return np.abs(np.array(cols).T) ** 2


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stream_matches_naive_definition(dtype: type) -> None:
    y = make_signal(3, (3000,), dtype)
    stream = Spectrogram(n_fft=128, hop_length=50, power=2.0, pad_mode="constant").stream()
    got = run_stream(stream, y, [1, 2, 3, 500, 501, 1777])
    expected = naive_power(y, 128, 50, "constant")
    assert np.allclose(got, expected, rtol=0, atol=NAIVE_RTOL[dtype] * 128 * expected.max())


def test_stream_matches_librosa() -> None:
    librosa = pytest.importorskip("librosa")
    y = make_signal(5, (2, 9000), np.float32)
    stream = MelSpectrogram(sr=16000, n_fft=400, hop_length=160, pad_mode="reflect").stream()
    got = run_stream(stream, y, list(range(0, 9000, 333)))
    expected = librosa.feature.melspectrogram(
        y=y, sr=16000, n_fft=400, hop_length=160, pad_mode="reflect"
    )
    assert np.array_equal(got, expected)


@pytest.mark.parametrize("pad_mode", PAD_MODES)
@pytest.mark.parametrize("n_fft,hop", [(64, 16), (65, 16), (16, 40)])
def test_latency(pad_mode: str, n_fft: int, hop: int) -> None:
    """Frame t is returned by the push that brings the signal to t*hop + lookahead samples
    (reflect/symmetric: and pad + 1 / pad samples for the left padding), not later."""
    transform = Spectrogram(n_fft=n_fft, hop_length=hop, pad_mode=pad_mode)
    stream = transform.stream()
    geometry = dsp.FrameGeometry(n_fft=n_fft, hop_length=hop)
    y = make_signal(1, (600,), np.float64)
    arrival = []
    for i in range(600):
        arrival += [i + 1] * stream.push(y[i : i + 1]).shape[-1]
    left = {"reflect": geometry.pad + 1, "symmetric": geometry.pad}.get(pad_mode, 0)
    expected = [max(t * hop + geometry.lookahead, left) for t in range(len(arrival))]
    assert arrival == expected and stream.latency == geometry.lookahead == n_fft - n_fft // 2
    assert len(arrival) == geometry.first_tail_frame(600)


def test_mel_latency_exact_and_low() -> None:
    transform = MelSpectrogram(sr=8000, n_fft=64, hop_length=16, n_mels=8)
    y = make_signal(2, (5000,), np.float32)
    with engine_config(**SMALL_CHUNKS):
        exact, low = transform.stream(), transform.stream(exact=False)
        c = exact.chunk_frames
        assert c is not None
        got_exact = [exact.push(y[i : i + 16]).shape[-1] for i in range(0, 5000, 16)]
    got_low = [low.push(y[i : i + 16]).shape[-1] for i in range(0, 5000, 16)]
    g = transform.geometry
    done = [g.frames_complete(min(i + 16, 5000)) for i in range(0, 5000, 16)]
    assert np.cumsum(got_low).tolist() == done  # no delay beyond the look-ahead
    assert np.cumsum(got_exact).tolist() == [max(0, (k - c) // c * c) for k in done]
    assert exact.latency == g.lookahead + (2 * c - 1) * 16 and low.latency == g.lookahead
    low_all = np.concatenate([np.zeros((8, 0), np.float32)] + [low.flush()], axis=-1)
    assert low_all.shape[0] == 8


def test_low_latency_mel_is_close() -> None:
    y = make_signal(4, (40000,), np.float32)
    transform = MelSpectrogram(sr=16000, n_fft=512, hop_length=128)
    got = run_stream(transform.stream(exact=False), y, list(range(0, 40000, 1000)))
    expected = transform(y)
    # float32 products of two shapes: a few ulps of the column's largest terms
    assert np.allclose(got, expected, rtol=0, atol=8 * np.finfo(np.float32).eps * expected.max())


def test_errors_leave_stream_usable() -> None:
    transform = Spectrogram(n_fft=64, hop_length=16, pad_mode="reflect")
    y = make_signal(0, (2, 1000), np.float32)
    stream = transform.stream()
    parts = [stream.push(y[:, :300])]
    bad = [
        (y[:1, 300:400], "channel shape"),
        (y[:, 300:400].astype(np.float64), "dtype"),
        (np.where(np.arange(100) == 7, np.nan, y[:, 300:400]).astype(np.float32), "non-finite"),
        (y[:, 300:400].astype(np.int16), "floating-point"),
        (y[:, 300:400].tolist(), "numpy.ndarray"),
    ]
    for chunk, words in bad:
        with pytest.raises(ParameterError, match=words):
            stream.push(chunk)
    parts += [stream.push(y[:, 300:]), stream.flush()]
    assert np.array_equal(np.concatenate(parts, axis=-1), transform(y))
    with pytest.raises(ParameterError, match="after flush"):
        stream.push(y[:, :10])
    with pytest.raises(ParameterError, match="twice"):
        stream.flush()
    stream.reset()  # a new signal, with another channel shape and dtype
    z = make_signal(9, (700,), np.float64)
    assert np.array_equal(run_stream(stream, z, [5, 6, 7]), transform(z))


def test_empty_and_short_signals() -> None:
    transform = Spectrogram(n_fft=64, hop_length=16)
    stream = transform.stream()
    assert stream.push(np.zeros(0, np.float32)).shape == (33, 0)
    with pytest.raises(ParameterError, match="no samples"):
        stream.flush()
    y = make_signal(0, (20,), np.float32)
    stream.push(y)
    with pytest.warns(DspWarning, match="larger than the signal"):
        got = stream.flush()
    with pytest.warns(DspWarning):
        assert np.array_equal(got, transform(y))
    uncentred = Spectrogram(n_fft=64, hop_length=16, center=False).stream()
    uncentred.push(y)
    with pytest.raises(ParameterError, match="n_fft=64"):
        uncentred.flush()


def test_overflow_is_an_error_not_inf() -> None:
    stream = Spectrogram(n_fft=64, hop_length=16, power=40.0).stream()
    with pytest.raises(ParameterError, match="power=40"):
        stream.push(np.full(200, 1e3, np.float32))
    assert stream.frames_out == 0 and stream.samples_held == 0  # unchanged


def test_memory_is_bounded() -> None:
    """The stream holds at most about n_fft + chunk samples, never the signal."""
    transform = MelSpectrogram(sr=16000, n_fft=512, hop_length=160, pad_mode="reflect")
    stream = transform.stream()
    rng = np.random.default_rng(0)
    held = []
    for _ in range(400):
        stream.push(rng.standard_normal(1000).astype(np.float32))
        held.append(stream.power.samples_held)
    assert max(held) <= 512 + 1000 + 160
    pending = stream._held  # power frames waiting for their projection chunk
    assert stream.chunk_frames is not None and pending < 2 * stream.chunk_frames


@settings(max_examples=30)
@given(case=stream_cases(max_n_fft=256))
def test_threaded_pushes_equal_offline(case: dict) -> None:
    """Every push of two blocks or more split over two threads (blocks of one frame): the
    STFT, power and mel outputs are the offline ones, bit for bit."""
    transform, y = spectrogram(case, power=2.0), signal(case)
    kw = {k: case[k] for k in ("n_fft", "hop_length", "center", "pad_mode")}
    precision = "float32" if case["precision"] == "float32" else "float64-bounded"
    threads = dict(thread_min_samples=1, max_threads=2, min_block_transforms=1, cache_bytes=1)
    with engine_config(**threads, **SMALL_CHUNKS):
        mel = quiet(lambda: MelSpectrogram(sr=8000, n_mels=8, precision=precision, **kw))
        results = [
            both(transform, transform.stream(), y, case["cuts"]),
            both(transform.stft, transform.stft_stream(), y, case["cuts"]),
            both(mel, mel.stream(), y, case["cuts"]),
        ]
    for got, expected in results:
        assert got.dtype == expected.dtype and np.array_equal(got, expected)


def test_stream_is_freed_with_its_last_reference() -> None:
    """A stream holds no reference cycle (the mel stream lends its buffer to the power stream
    for one call only): it is freed, buffers included, as soon as its last reference goes."""
    transform = MelSpectrogram(n_fft=2048, hop_length=512)
    gc.disable()
    try:
        stream = transform.stream()
        stream.push(make_signal(0, (44100,), np.float32))
        stream.flush()
        alive = weakref.ref(stream)
        del stream
        assert alive() is None
    finally:
        gc.enable()
