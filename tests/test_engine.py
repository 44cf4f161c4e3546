"""The blocked engine: bit-identity with the reference STFT and librosa, block invariance.

The engine is a backend: every float64 result is compared bit for bit with the readable
reference (:func:`dsp.spectrum.stft_reference`, and the projection librosa makes), for any FFT
block size, thread count and batch size, and with librosa itself. The bounded mode's chunks are
fixed by the frame count; tests force small chunks (multiples of ``chunk_align``, at least
``chunk_min_frames``) to exercise several BLAS calls per signal. Settings change through
``engine_config``, never by patching module globals.
"""

from __future__ import annotations

import warnings

import librosa
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import PAD_MODES, make_signal, stft_params

import dsp
from dsp import ParameterError
from dsp._engine import banded as _banded
from dsp._engine import blocked as _engine
from dsp._engine import frames as _frames
from dsp._engine import schedule as _schedule
from dsp._engine.config import EngineConfig, engine_config
from dsp.filterbank import mel_filterbank
from dsp.spectrum import stft_reference, stft_window

#: Fast mode: float32 DFT and a banded product; the promise is 1e-5 of the maximum (about 100
#: float32 ulps of the largest value: log2(n_fft) butterfly roundings plus the mel sums) for
#: ``power >= 1``. Below 1, ``|X| ** power`` magnifies the error of near-zero bins: the
#: bound becomes ``FAST_RTOL ** power`` of the maximum.
FAST_RTOL = 1e-5
#: Bounded mode where the BLAS kernel sums a chunk's columns otherwise than the whole product
#: (OpenBLAS Haswell): a float32 dot product of up to a few hundred non-zero terms, summed in
#: another order, moved by up to 8 float32 ulps (benchmarks/results/blas_parity.md): 2e-6.
BOUNDED_RTOL = 2e-6


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
        n_fft=n_fft,
        hop_length=hop,
        center=center,
        pad_mode=draw(st.sampled_from(PAD_MODES)),
        sr=draw(st.sampled_from([8000, 16000, 22050, 44100])),
        n_mels=draw(st.one_of(st.integers(1, 128), st.just(128))),
        power=draw(st.sampled_from([2.0, 2.0, 1.0, 0.5, 1.5])),
        block=draw(st.integers(1, 70)),
        threads=draw(st.integers(1, 3)),
    )


def _engine_kwargs(p: dict) -> dict:
    geometry = dsp.FrameGeometry(n_fft=p["n_fft"], hop_length=p["hop_length"], center=p["center"])
    return dict(
        geometry=geometry,
        pad_mode=p["pad_mode"],
        window=stft_window("hann", p["n_fft"], p["n_fft"]),
    )


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
    geometry = dsp.FrameGeometry(n_fft=n_fft, hop_length=hop, center=params["center"])
    kw = dict(geometry=geometry, window=window, pad_mode=params["pad_mode"], dtype=D.dtype)
    blocked = _engine.stft_blocked(y, block_frames=block, n_threads=threads, **kw)
    reference = quiet(stft_reference, y, **params)
    np.testing.assert_array_equal(blocked, reference, err_msg=f"{block=} {threads=}")
    np.testing.assert_array_equal(blocked, D)
    assert blocked.flags.f_contiguous == D.flags.f_contiguous


@given(engine_params(), st.sampled_from([1 << 16, 1 << 20, 1 << 40]))
def test_mel_any_block_thread_and_batch_is_librosa(params, batch_bytes):
    """Few frames: one projection chunk, any FFT block size, threads and batch budget."""
    expected = _librosa_mel(params)
    basis = _basis(params)
    kw = dict(
        power=params["power"],
        mel_basis=basis,
        block_frames=params["block"],
        n_threads=params["threads"],
        **_engine_kwargs(params),
    )
    M = _engine.mel_blocked(params["y"], **kw)
    np.testing.assert_array_equal(M, expected, err_msg=f"{params['block']=} {params['threads']=}")
    # The default precision is the reference composed: librosa's contraction of |D| ** power.
    D = quiet(
        stft_reference,
        params["y"],
        n_fft=params["n_fft"],
        hop_length=params["hop_length"],
        center=params["center"],
        pad_mode=params["pad_mode"],
    )
    np.testing.assert_array_equal(M, _engine.dense_project(basis, np.abs(D) ** params["power"]))
    with engine_config(batch_bytes=batch_bytes):
        bounded = _engine.mel_blocked(params["y"], precision="float64-bounded", **kw)
    np.testing.assert_array_equal(bounded, M)  # one chunk: the same call


@settings(max_examples=10)
@given(engine_params(min_frames=2600, max_frames=3400), st.sampled_from([1024, 1280]))
def test_bounded_mode_chunks(params, chunk):
    """Several BLAS calls per signal (chunks of 1024 or 1280 frames), several batches: the same
    bits for any block, thread count and batch; within BOUNDED_RTOL of librosa (identical on
    the kernels that sum a chunk as the whole product, not asserted here: the BLAS varies).
    The default precision, one call, is librosa's on every kernel.
    """
    channels = int(np.prod(params["y"].shape[:-1]))
    n_bins = 1 + params["n_fft"] // 2
    assume(params["n_mels"] == 1 or chunk * channels * n_bins * params["n_mels"] >= 2**21)
    expected = _librosa_mel(params)
    basis = _basis(params)
    chunk = chunk if params["n_mels"] > 1 else None  # matrix-vector products: never chunked
    kw = dict(
        power=params["power"],
        mel_basis=basis,
        precision="float64-bounded",
        chunk_frames=chunk,
        **_engine_kwargs(params),
    )
    with engine_config(batch_bytes=1 << 18):
        M = _engine.mel_blocked(
            params["y"], block_frames=params["block"], n_threads=params["threads"], **kw
        )
    whole_batch = _engine.mel_blocked(params["y"], block_frames=10**6, n_threads=1, **kw)
    np.testing.assert_array_equal(M, whole_batch, err_msg=f"{chunk=} {params['block']=}")
    np.testing.assert_array_equal(
        _engine.mel_blocked(
            params["y"], **_engine_kwargs(params), power=params["power"], mel_basis=basis
        ),
        expected,
    )
    np.testing.assert_allclose(M, expected, rtol=0, atol=BOUNDED_RTOL * expected.max())


@given(engine_params(max_frames=600))
def test_fast_mode_within_tolerance_and_block_invariant(params):
    expected = _librosa_mel(params)
    basis = _basis(params)
    kw = dict(power=params["power"], mel_basis=basis, precision="float32", **_engine_kwargs(params))
    M = _engine.mel_blocked(
        params["y"], block_frames=params["block"], n_threads=params["threads"], **kw
    )
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
    geometry = dsp.FrameGeometry(
        n_fft=n_fft, hop_length=params["hop_length"] or win // 4, center=params["center"]
    )
    kw = dict(
        geometry=geometry,
        dtype=D.dtype,
        window=stft_window(params["window"], win, n_fft),
        pad_mode=params["pad_mode"],
        precision="float32",
    )
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
    # docs/conventions.md (parity): the fast mode's dB within 1e-3 dB of librosa's.
    np.testing.assert_allclose(
        dsp.power_to_db(fast), librosa.power_to_db(expected), rtol=0, atol=1e-3
    )
    np.testing.assert_array_equal(dsp.stft(y), librosa.stft(y))


def test_fft_library_is_librosas():
    """The float64 DFT is scipy.fft's (librosa's FFT library), written out here."""
    import scipy.fft

    y = make_signal(3, (2, 20000), np.float32, "sines")
    padded = np.pad(y, [(0, 0), (256, 256)])
    frames = np.lib.stride_tricks.sliding_window_view(padded, 512, axis=-1)[:, ::128]
    window = stft_window("hann", 512, 512)
    expected = np.swapaxes(scipy.fft.rfft(frames * window, axis=-1), -1, -2).astype(np.complex64)
    np.testing.assert_array_equal(dsp.stft(y, n_fft=512), expected)
    with engine_config(scipy_min_samples=0):  # the fast mode's scipy path, on a short signal
        fast = dsp.melspectrogram(y=y, sr=16000, n_fft=512, precision="float32")
    reference = librosa.feature.melspectrogram(y=y, sr=16000, n_fft=512)
    np.testing.assert_allclose(fast, reference, rtol=0, atol=FAST_RTOL * reference.max())


@pytest.mark.parametrize("library", ["auto", "scipy"])
def test_forced_scipy_and_auto_give_scipys_bits(library):
    import scipy.fft

    y = make_signal(4, (3, 5000), np.float64, "noise")
    geometry = dsp.FrameGeometry(n_fft=227, hop_length=50, center=False)  # 227: a prime
    frames = np.lib.stride_tricks.sliding_window_view(y, 227, axis=-1)[:, ::50]
    window = stft_window("hann", 227, 227)
    expected = np.swapaxes(scipy.fft.rfft(frames * window, axis=-1), -1, -2)
    with engine_config(fft_library=library):
        D = _engine.stft_blocked(
            y, geometry=geometry, window=window, pad_mode="constant", dtype=np.dtype(np.complex128)
        )
    np.testing.assert_array_equal(D, expected)


@settings(max_examples=100)
@given(st.integers(1, 2500), st.integers(0, 2**16))
def test_numpy_fft_is_called_only_where_it_gives_scipys_bits(n, seed):
    """The claim behind fft_library="auto" (dsp._fftlib), checked in the running environment."""
    import scipy.fft

    from dsp._fftlib import fft_module, numpy_matches_scipy

    x = make_signal(seed, (3, n), np.float64, "noise")
    if numpy_matches_scipy():
        assert fft_module() is np.fft
        np.testing.assert_array_equal(np.fft.rfft(x, axis=-1), scipy.fft.rfft(x, axis=-1))
    else:  # elsewhere scipy.fft itself is called
        assert fft_module() is scipy.fft


def test_engine_config_is_scoped():
    assert _engine_config_now() == EngineConfig()
    with engine_config(max_threads=1, batch_bytes=4096) as config:
        assert config.max_threads == 1 and _engine_config_now().batch_bytes == 4096
    assert _engine_config_now() == EngineConfig()


def _engine_config_now() -> EngineConfig:
    from dsp._engine.config import current

    return current()


def _owner(a: np.ndarray) -> np.ndarray:
    while a.base is not None:
        a = a.base
    return a


def test_frames_are_views_except_the_padded_ends():
    y = make_signal(1, (50_000,), np.float32, "noise")
    geometry = dsp.FrameGeometry(n_fft=2048, hop_length=512)
    source = _frames.FrameSource(y, geometry, "reflect")
    (_, head), (t_a, interior), (t_b, tail) = source.segments
    assert (t_a, t_b) == (geometry.head_frames, geometry.first_tail_frame(y.size)) == (2, 96)
    assert np.shares_memory(interior, y) and not np.shares_memory(head, y)
    assert _owner(head).size + _owner(tail).size < 4 * 2048  # two short padded pieces
    whole = dsp.frame(
        dsp.center_pad(y, n_fft=2048, pad_mode="reflect"), frame_length=2048, hop_length=512
    )
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
    config = EngineConfig()
    assert _engine.min_chunk_frames(1025, 128, config) % config.chunk_align == 0
    assert _engine.min_chunk_frames(1025, 1, config) == 0


def test_block_buffers_are_capped_by_frames_and_channels():
    """Many channels or a huge n_fft: fewer frames per block, never more than exist (issue 9:
    a (1024, 22050) batch and a 2-frame STFT of n_fft = 2**26 stay near librosa's memory)."""
    config = EngineConfig()
    assert _engine.block_frames_for(2048, 1, "float64", 10_000, config) >= 32
    assert _engine.block_frames_for(2048, 1, "float64", 5, config) == 5
    assert _engine.block_frames_for(2048, 1024, "float64", 44, config) == 1
    assert _engine.block_frames_for(2**26, 1, "float64", 2, config) == 1
    for channels, n_fft in [(1, 2048), (16, 512), (1024, 2048), (1, 2**20)]:
        block = _engine.block_frames_for(n_fft, channels, "float64", 10**6, config)
        assert block == 1 or block * 30 * n_fft * channels <= config.block_limit_bytes


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
