"""The blocked engine: block invariance, bit-identity with librosa, the fast mode's tolerance.

Block invariance: any FFT block size, thread count and batch size gives the output of the
one-block, one-thread computation, bit for bit (and that output is librosa's). The dense
projection's chunks are fixed by the frame count; tests force small chunks (multiples of
``CHUNK_ALIGN``, at least ``CHUNK_MIN_FRAMES``) to exercise several BLAS calls per signal.
"""

from __future__ import annotations

import warnings

import librosa
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import PAD_MODES, make_signal, stft_params

import dsp
from dsp import ParameterError
from dsp._engine import banded as _banded
from dsp._engine import blocked as _engine
from dsp._engine import frames as _frames
from dsp._engine import schedule as _schedule
from dsp.filterbank import mel_filterbank
from dsp.spectrum import stft_window

#: Fast mode: float32 DFT and a banded product; the promise is 1e-5 of the maximum (about 100
#: float32 ulps of the largest value: log2(n_fft) butterfly roundings plus the mel sums) for
#: ``power >= 1``. Below 1, ``|X| ** power`` magnifies the error of near-zero bins: the
#: bound becomes ``FAST_RTOL ** power`` of the maximum.
FAST_RTOL = 1e-5


def quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


@st.composite
def engine_params(draw: st.DrawFn, min_frames: int = 1, max_frames: int = 300) -> dict:
    """A signal and STFT + mel parameters, the frame count between the two bounds."""
    n_fft = draw(st.one_of(st.integers(16, 512), st.sampled_from([16, 255, 256, 511, 512])))
    long = min_frames > 300  # keep long signals short in samples: small hops
    hop = draw(st.integers(1, min(64, n_fft // 2)) if long else st.integers(1, 2 * n_fft))
    center = draw(st.booleans())
    frames = draw(st.integers(min_frames, max_frames))
    n = max(n_fft, (frames - 1) * hop + (1 if center else n_fft))
    lead = draw(st.sampled_from([(), (), (2,), (2, 2)]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    kind = draw(st.sampled_from(["noise", "noise", "sines", "impulses"]))
    return dict(
        y=make_signal(draw(st.integers(0, 2**32 - 1)), lead + (n,), dtype, kind),
        n_fft=n_fft, hop_length=hop, center=center, pad_mode=draw(st.sampled_from(PAD_MODES)),
        sr=draw(st.sampled_from([8000, 16000, 22050, 44100])),
        n_mels=draw(st.one_of(st.integers(1, 128), st.just(128))),
        power=draw(st.sampled_from([2.0, 2.0, 1.0, 0.5, 1.5])),
        block=draw(st.integers(1, 70)), threads=draw(st.integers(1, 3)),
    )


def _engine_kwargs(p: dict) -> dict:
    return dict(n_fft=p["n_fft"], hop_length=p["hop_length"], center=p["center"],
                pad_mode=p["pad_mode"], window=stft_window("hann", p["n_fft"], p["n_fft"]))


def _basis(p: dict) -> np.ndarray:
    return quiet(mel_filterbank, sr=p["sr"], n_fft=p["n_fft"], n_mels=p["n_mels"])


def _librosa_mel(p: dict) -> np.ndarray:
    keys = ("sr", "n_fft", "hop_length", "center", "pad_mode", "n_mels", "power")
    return quiet(librosa.feature.melspectrogram, y=p["y"], **{k: p[k] for k in keys})


@given(stft_params(exact_only=True, max_n_fft=512), st.integers(1, 70), st.integers(1, 3))
def test_stft_any_block_and_thread_count_is_librosa(params, block, threads):
    y = params.pop("y")
    n_fft, win = params["n_fft"], params["win_length"] or params["n_fft"]
    hop = params["hop_length"] or win // 4
    D = quiet(librosa.stft, y, **params)
    window = stft_window(params["window"], win, n_fft)
    kw = dict(n_fft=n_fft, hop_length=hop, window=window, center=params["center"],
              pad_mode=params["pad_mode"], dtype=D.dtype)
    blocked = _engine.stft_blocked(y, block_frames=block, n_threads=threads, **kw)
    one_block = _engine.stft_blocked(y, block_frames=D.shape[-1], n_threads=1, **kw)
    np.testing.assert_array_equal(blocked, one_block, err_msg=f"{block=} {threads=}")
    np.testing.assert_array_equal(blocked, D)
    assert blocked.flags.f_contiguous == D.flags.f_contiguous


@given(engine_params(), st.sampled_from([1 << 16, 1 << 20, 1 << 40]))
def test_mel_any_block_thread_and_batch_is_librosa(params, batch_bytes):
    """Few frames: one projection chunk, any FFT block size, threads and batch budget."""
    expected = _librosa_mel(params)
    basis = _basis(params)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_engine, "BATCH_BYTES", batch_bytes)
        M = _engine.mel_blocked(params["y"], power=params["power"], mel_basis=basis,
                                block_frames=params["block"], n_threads=params["threads"],
                                **_engine_kwargs(params))
    np.testing.assert_array_equal(M, expected, err_msg=f"{params['block']=} {params['threads']=}")


@given(engine_params(min_frames=2600, max_frames=3400), st.sampled_from([1024, 1280]))
def test_mel_projection_chunks_are_librosa(params, chunk):
    """Several dense BLAS calls per signal (chunks of 1024 or 1280 frames), several batches.

    What makes a chunk's product librosa's: an aligned start and at least 2**21 multiply-adds
    (far from OpenBLAS's small-matrix kernels, ``M*N*K <= 100**3``); the engine's own chunks,
    at least 4 MiB of power, are larger still. ``n_mels = 1`` is never chunked.
    """
    channels = int(np.prod(params["y"].shape[:-1]))
    n_bins = 1 + params["n_fft"] // 2
    assume(params["n_mels"] == 1 or chunk * channels * n_bins * params["n_mels"] >= 2**21)
    expected = _librosa_mel(params)
    basis = _basis(params)
    chunk = chunk if params["n_mels"] > 1 else None  # matrix-vector products: never chunked
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_engine, "BATCH_BYTES", 1 << 18)
        M = _engine.mel_blocked(params["y"], power=params["power"], mel_basis=basis,
                                block_frames=params["block"], n_threads=params["threads"],
                                chunk_frames=chunk, **_engine_kwargs(params))
    np.testing.assert_array_equal(M, expected, err_msg=f"{chunk=} {params['block']=}")


@given(engine_params(max_frames=600))
def test_fast_mode_within_tolerance_and_block_invariant(params):
    expected = _librosa_mel(params)
    basis = _basis(params)
    kw = dict(power=params["power"], mel_basis=basis, precision="float32",
              **_engine_kwargs(params))
    M = _engine.mel_blocked(params["y"], block_frames=params["block"],
                            n_threads=params["threads"], **kw)
    one_block = _engine.mel_blocked(params["y"], block_frames=10**6, n_threads=1, **kw)
    np.testing.assert_array_equal(M, one_block)
    assert M.dtype == expected.dtype and M.shape == expected.shape
    scale = max(float(np.abs(expected).max()), np.finfo(np.float32).tiny)
    tolerance = FAST_RTOL ** min(1.0, params["power"])
    np.testing.assert_allclose(M, expected, rtol=0, atol=tolerance * scale)


@given(stft_params(exact_only=True, max_n_fft=512), st.integers(1, 70), st.integers(1, 3))
def test_fast_stft_within_tolerance_and_block_invariant(params, block, threads):
    y = params.pop("y")
    D = quiet(librosa.stft, y, **params)
    fast = quiet(dsp.stft, y, precision="float32", **params)
    assert fast.dtype == D.dtype and fast.shape == D.shape
    np.testing.assert_allclose(fast, D, rtol=0, atol=FAST_RTOL * max(np.abs(D).max(), 1e-30))
    n_fft, win = params["n_fft"], params["win_length"] or params["n_fft"]
    kw = dict(n_fft=n_fft, hop_length=params["hop_length"] or win // 4, dtype=D.dtype,
              window=stft_window(params["window"], win, n_fft), center=params["center"],
              pad_mode=params["pad_mode"], precision="float32")
    np.testing.assert_array_equal(
        _engine.stft_blocked(y, block_frames=block, n_threads=threads, **kw),
        _engine.stft_blocked(y, block_frames=D.shape[-1], n_threads=1, **kw),
    )


def test_public_api_fast_mode_and_long_signal_threads():
    """A 3-minute signal: two threads, several batches and chunks, through the public API."""
    sr = 22050
    y = make_signal(7, (180 * sr,), np.float32, "noise")
    expected = librosa.feature.melspectrogram(y=y, sr=sr)
    np.testing.assert_array_equal(dsp.melspectrogram(y=y, sr=sr), expected)
    transform = dsp.MelSpectrogram(sr=sr, precision="float32")
    fast = transform(y)
    np.testing.assert_allclose(fast, expected, rtol=0, atol=FAST_RTOL * expected.max())
    # PARITY.md: the fast mode's dB within 1e-3 dB of librosa's (after the top_db floor).
    np.testing.assert_allclose(dsp.power_to_db(fast), librosa.power_to_db(expected), rtol=0,
                               atol=1e-3)
    np.testing.assert_array_equal(dsp.stft(y), librosa.stft(y))


def test_scipy_fft_gives_the_same_bits(monkeypatch):
    pytest.importorskip("scipy")
    y = make_signal(3, (2, 20000), np.float32, "sines")
    monkeypatch.setattr(_frames, "SCIPY_MIN_SAMPLES", 0)
    monkeypatch.setattr(_frames, "SCIPY_PRECISIONS", ("float64", "float32"))
    np.testing.assert_array_equal(dsp.stft(y, n_fft=512), librosa.stft(y, n_fft=512))
    expected = librosa.feature.melspectrogram(y=y, sr=16000, n_fft=512)
    np.testing.assert_array_equal(dsp.melspectrogram(y=y, sr=16000, n_fft=512), expected)
    fast = dsp.melspectrogram(y=y, sr=16000, n_fft=512, precision="float32")
    np.testing.assert_allclose(fast, expected, rtol=0, atol=FAST_RTOL * expected.max())


def _owner(a: np.ndarray) -> np.ndarray:
    while a.base is not None:
        a = a.base
    return a


def test_frames_are_views_except_the_padded_ends():
    y = make_signal(1, (50_000,), np.float32, "noise")
    source = _frames.FrameSource(y, n_fft=2048, hop_length=512, center=True, pad_mode="reflect")
    (_, head), (_, interior), (_, tail) = source.segments
    assert np.shares_memory(interior, y) and not np.shares_memory(head, y)
    assert _owner(head).size + _owner(tail).size < 4 * 2048  # two short padded pieces
    whole = dsp.frame(dsp.center_pad(y, n_fft=2048, pad_mode="reflect"), frame_length=2048,
                      hop_length=512)
    np.testing.assert_array_equal(np.swapaxes(source.all_frames(), -1, -2), whole)


def test_banded_product_touches_every_nonzero_weight():
    basis = mel_filterbank(sr=22050, n_fft=2048, n_mels=128)
    groups = _banded.plan_groups(_banded.filter_spans(basis))
    covered = np.zeros(basis.shape, dtype=bool)
    for a, b, lo, hi in groups:
        covered[a:b, lo:hi] = True
    assert covered[basis != 0].all()
    assert sum((b - a) * (hi - lo) for a, b, lo, hi in groups) < basis.size / 10


def test_schedule_pieces():
    assert _schedule.grid(10, 4) == [(0, 4), (4, 10)]
    assert _schedule.grid(8, 4) == [(0, 4), (4, 8)]
    assert _schedule.grid(3, 4) == [(0, 3)]
    assert _schedule.grid_exact(2, 9, 3) == [(2, 5), (5, 8), (8, 9)]
    assert _schedule.batches([(0, 4), (4, 8), (8, 14)], 8) == [[(0, 4), (4, 8)], [(8, 14)]]
    assert _engine.min_chunk_frames(1025) % _engine.CHUNK_ALIGN == 0
    assert _engine.min_chunk_frames(1025, n_mels=1) == 0


def test_thread_errors_reach_the_caller():
    def task(run):
        if 3 in run:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        _schedule.run_threads(task, [0, 1, 2, 3], 2)


def test_bad_precision():
    y = np.zeros(4096, dtype=np.float32)
    with pytest.raises(ParameterError, match=r"precision='float16' must be one of"):
        dsp.melspectrogram(y=y, precision="float16")
    with pytest.raises(ParameterError, match=r"precision=None must be one of"):
        dsp.stft(y, precision=None)
