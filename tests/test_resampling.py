"""dsp.resample and BlockResampler: librosa's methods reproduced, dsp's own held to its spec.

Oracles: librosa.resample (live: soxr for the soxr names, scipy for "polyphase" and "fft");
the definition of band-limited resampling (tones in the passband come out as the same tones at
the new rate, tones beyond the lower Nyquist frequency do not come out at all); invariants (length
``ceil(n * target / orig)``, dtype, channels independent, linearity, any block split = whole).
The specification is checked by tone sweeps, as an audio engineer measures a resampler.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import librosa
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsp.errors import ParameterError
from dsp.resampling import RES_TYPES, BlockResampler, default_res_type, resample

#: The rate pairs of the specification (issue 10).
PAIRS = [(44100, 22050), (48000, 22050), (22050, 16000), (16000, 22050), (8000, 44100)]
#: Passband: flat within this many dB up to PASS_EDGE x the lower Nyquist frequency.
PASS_DB, PASS_EDGE = 0.01, 0.9
#: Stopband: aliases (down) and images (up) at most this many dB below the tone.
STOP_DB = -120.0
#: Tolerance of the NumPy rewrites of scipy's resamplers (the issue's 1e-6; float64 is far
#: closer, float32 differs by the rounding of the two float32 computations, a few eps).
SCIPY_TOL64 = 1e-6
SCIPY_TOL32 = 8 * np.finfo(np.float32).eps


def tone_level_db(y: np.ndarray, sr: float, freq: float) -> np.ndarray:
    """Amplitude of the component at ``freq`` in each row of ``y``, in dB re amplitude 1.

    A naive single-bin DFT with a Kaiser window (beta 20: sidelobes below -180 dB, so a full
    scale tone elsewhere cannot leak into the measurement).
    """
    n = y.shape[-1]
    window = np.kaiser(n, 20.0)
    phasor = np.exp(-2j * np.pi * freq * np.arange(n) / sr)
    amplitude = np.abs((y * window) @ phasor) / (window.sum() / 2)
    return 20 * np.log10(np.maximum(amplitude, 1e-30))


def _tones(freqs: np.ndarray, sr: int, seconds: float, dtype) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return np.cos(2 * np.pi * freqs[:, None] * t).astype(dtype)


def _steady(y: np.ndarray, sr: int) -> np.ndarray:
    """Drop 0.1 s at each end: the filter's edge transients are not part of the tone."""
    edge = int(0.1 * sr)
    return y[..., edge:-edge]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("orig", "target"), PAIRS)
def test_dsp_hq_meets_the_specification_by_tone_sweeps(orig, target, dtype):
    low_nyquist = min(orig, target) / 2
    rng = np.random.default_rng(orig + target)
    # Passband: tones up to 0.9 of the lower Nyquist frequency keep their level.
    passband = np.concatenate(
        [np.linspace(20, PASS_EDGE * low_nyquist, 24), rng.uniform(20, PASS_EDGE * low_nyquist, 8)]
    )
    y = resample(
        _tones(passband, orig, 0.6, dtype), orig_sr=orig, target_sr=target, res_type="dsp_hq"
    )
    assert y.dtype == dtype
    steady = _steady(y.astype(np.float64), target)
    levels = [tone_level_db(steady[i], target, f) for i, f in enumerate(passband)]
    assert np.max(np.abs(levels)) <= PASS_DB, f"{orig}->{target}: {np.max(np.abs(levels))} dB"
    if target < orig:  # aliases of tones between 1.05 and 1.9 x the target Nyquist frequency
        tones = np.linspace(1.05, 1.9, 30) * target / 2
        tones = tones[tones < orig / 2]
        y = resample(
            _tones(tones, orig, 0.6, dtype), orig_sr=orig, target_sr=target, res_type="dsp_hq"
        )
        steady = _steady(y.astype(np.float64), target)
        worst = max(tone_level_db(steady[i], target, target - f) for i, f in enumerate(tones))
    else:  # images of in-band tones, at orig - f and orig + f (below the new Nyquist)
        y = _steady(
            resample(
                _tones(passband, orig, 0.6, dtype),
                orig_sr=orig,
                target_sr=target,
                res_type="dsp_hq",
            ).astype(np.float64),
            target,
        )
        images = [
            (i, image)
            for i, f in enumerate(passband)
            for image in (orig - f, orig + f)
            if image < target / 2
        ]
        worst = max(tone_level_db(y[i], target, image) for i, image in images)
    assert worst <= STOP_DB, f"{orig}->{target}: alias/image at {worst:.1f} dB"


@pytest.mark.parametrize(("orig", "target"), PAIRS)
def test_dsp_hq_of_a_band_limited_signal_is_that_signal_at_the_new_rate(orig, target):
    """The definition: sampling sum_k a_k cos(2 pi f_k t + p_k) at the new rate (f_k in the
    passband), away from the ends where the signal starts and stops."""
    rng = np.random.default_rng(1)
    freqs = rng.uniform(0, 0.9 * min(orig, target) / 2, 12)
    amps, phases = rng.uniform(0, 0.1, 12), rng.uniform(0, 2 * np.pi, 12)

    def signal(sr: int, n: int) -> np.ndarray:
        t = np.arange(n) / sr
        return (amps[:, None] * np.cos(2 * np.pi * freqs[:, None] * t + phases[:, None])).sum(0)

    n = orig // 2
    y = resample(signal(orig, n), orig_sr=orig, target_sr=target, res_type="dsp_hq")
    assert y.shape == (math.ceil(n * target / orig),)
    expected = signal(target, y.size)
    edge = target // 20
    np.testing.assert_allclose(y[edge:-edge], expected[edge:-edge], rtol=0, atol=1e-6)


@given(
    pair=st.sampled_from(PAIRS + [(11025, 22050), (22050, 11025), (44100, 48000), (3, 7)]),
    n=st.integers(1, 40_000),
    cuts=st.lists(st.integers(0, 40_000), max_size=6),
    channels=st.integers(1, 3),
    dtype=st.sampled_from([np.float32, np.float64]),
)
@settings(max_examples=30, deadline=None)
def test_any_block_split_gives_the_whole_signal_bit_for_bit(pair, n, cuts, channels, dtype):
    orig, target = pair
    y = np.random.default_rng(n).standard_normal((channels, n)).astype(dtype)
    whole = resample(y, orig_sr=orig, target_sr=target, res_type="dsp_hq")
    stream = BlockResampler(orig_sr=orig, target_sr=target, channels=channels, dtype=dtype)
    edges = [0, *sorted(c for c in cuts if c < n), n]
    pieces = [stream.process(y[:, a:b]) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    pieces.append(stream.flush())
    assert all(p.dtype == dtype for p in pieces)
    np.testing.assert_array_equal(np.concatenate(pieces, axis=-1), whole)


@pytest.mark.parametrize(("orig", "target"), PAIRS)
def test_block_resampler_latency_is_as_stated(orig, target):
    """After ``k`` input samples, every output up to input time ``k - latency`` is out."""
    stream = BlockResampler(orig_sr=orig, target_sr=target, channels=1, dtype=np.float64)
    y = np.random.default_rng(0).standard_normal(4 * stream.latency)
    emitted = 0
    for k in range(0, y.size, 997):
        emitted += stream.process(y[k : k + 997]).size
        fed = min(k + 997, y.size)
        assert emitted >= math.floor((fed - stream.latency) * target / orig)
    assert emitted < math.ceil(y.size * target / orig)  # but not everything before flush
    rest = stream.flush()
    assert rest.ndim == 1 and emitted + rest.size == math.ceil(y.size * target / orig)
    assert stream.flush().size == 0  # flushing twice adds nothing


@pytest.mark.parametrize("res_type", ["soxr_vhq", "soxr_hq", "soxr_mq", "soxr_lq", "soxr_qq"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_soxr_names_equal_librosa_exactly(res_type, dtype):
    y = np.random.default_rng(3).standard_normal((2, 5001)).astype(dtype)
    for orig, target in PAIRS:
        expected = librosa.resample(y, orig_sr=orig, target_sr=target, res_type=res_type)
        got = resample(y, orig_sr=orig, target_sr=target, res_type=res_type)
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, expected)


@given(
    orig=st.sampled_from([8000, 11025, 16000, 22050, 44100, 48000, 7, 1000]),
    target=st.sampled_from([8000, 16000, 22050, 44100, 3, 999]),
    n=st.integers(1, 3000),
    res_type=st.sampled_from(["polyphase", "fft", "scipy"]),
    dtype=st.sampled_from([np.float32, np.float64]),
    axis=st.sampled_from([0, -1]),
)
@settings(max_examples=40, deadline=None)
def test_polyphase_and_fft_reproduce_librosa(orig, target, n, res_type, dtype, axis):
    y = np.random.default_rng(n).uniform(-1, 1, (n, 2) if axis == 0 else (2, n)).astype(dtype)
    expected = librosa.resample(y, orig_sr=orig, target_sr=target, res_type=res_type, axis=axis)
    got = resample(y, orig_sr=orig, target_sr=target, res_type=res_type, axis=axis)
    assert got.dtype == dtype and got.shape == expected.shape
    scale = max(1.0, float(np.abs(expected).max()))
    tol = SCIPY_TOL64 if dtype == np.float64 else SCIPY_TOL32 * scale * 4
    np.testing.assert_allclose(got, expected, rtol=0, atol=tol, err_msg=f"{orig}->{target}")


def test_auto_is_soxr_hq_when_soxr_is_installed_and_dsp_hq_without(monkeypatch):
    y = np.random.default_rng(0).standard_normal(3000)
    assert default_res_type() == "soxr_hq"
    np.testing.assert_array_equal(
        resample(y, orig_sr=16000, target_sr=22050),
        librosa.resample(y, orig_sr=16000, target_sr=22050),
    )
    monkeypatch.setitem(sys.modules, "soxr", None)
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    assert default_res_type() == "dsp_hq"
    np.testing.assert_array_equal(
        resample(y, orig_sr=16000, target_sr=22050),
        resample(y, orig_sr=16000, target_sr=22050, res_type="dsp_hq"),
    )
    with pytest.raises(
        ParameterError,
        match=r"res_type='soxr_hq' needs the soxr package: pip "
        r"install dsp\[soxr\]",
    ):
        resample(y, orig_sr=16000, target_sr=22050, res_type="soxr_hq")


def test_invariants_multichannel_axis_linearity_and_identity():
    rng = np.random.default_rng(5)
    y = rng.standard_normal((2, 3, 4001))
    out = resample(y, orig_sr=48000, target_sr=22050, res_type="dsp_hq")
    assert out.shape == (2, 3, math.ceil(4001 * 22050 / 48000))
    for i in range(2):
        for j in range(3):
            np.testing.assert_array_equal(
                out[i, j], resample(y[i, j], orig_sr=48000, target_sr=22050, res_type="dsp_hq")
            )
    moved = resample(
        np.moveaxis(y, -1, 1), orig_sr=48000, target_sr=22050, res_type="dsp_hq", axis=1
    )
    np.testing.assert_array_equal(np.moveaxis(moved, 1, -1), out)
    a, b = y[0, 0], y[1, 2]
    combined = resample(2 * a - b, orig_sr=48000, target_sr=22050, res_type="dsp_hq")
    separate = 2 * resample(a, orig_sr=48000, target_sr=22050, res_type="dsp_hq") - resample(
        b, orig_sr=48000, target_sr=22050, res_type="dsp_hq"
    )
    np.testing.assert_allclose(combined, separate, rtol=0, atol=1e-12)
    assert resample(y, orig_sr=22050, target_sr=22050) is y


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"res_type": "kaiser_best"}, r"res_type='kaiser_best' is not supported; use one of"),
        ({"res_type": None}, r"res_type=None is not supported"),
        ({"orig_sr": 0}, r"orig_sr=0 must be positive"),
        ({"target_sr": -1}, r"target_sr=-1 must be positive"),
        ({"target_sr": float("nan")}, r"target_sr=nan must be finite"),
        ({"target_sr": 22050.5, "res_type": "dsp_hq"}, r"target_sr=22050.5: .* integer"),
        ({"target_sr": 22050.5, "res_type": "polyphase"}, r"integer sample rates"),
        (
            {"orig_sr": 100003, "target_sr": 99991, "res_type": "polyphase"},
            r"res_type='polyphase' would need .* per block",
        ),
        (
            {"orig_sr": 1, "target_sr": 2000, "res_type": "dsp_hq"},
            r"reduces to 2000/1: .* would need",
        ),
        (
            {"orig_sr": 1, "target_sr": 1.5e13, "res_type": "soxr_hq"},
            r"target_sr=15000000000000.0 on 100 samples would need .* of memory",
        ),
        ({"axis": 2}, r"axis=2 is out of range for y.ndim=1"),
        ({"axis": 0.5}, r"axis=0.5 must be an integer"),
    ],
)
def test_argument_errors(kwargs, match):
    args = {"orig_sr": 44100, "target_sr": 22050, "res_type": "dsp_hq", **kwargs}
    with pytest.raises(ParameterError, match=match):
        resample(np.zeros(100), **args)


def test_bad_audio_and_bad_blocks():
    with pytest.raises(ParameterError, match=r"y.dtype=int16 is not audio"):
        resample(np.zeros(10, dtype=np.int16), orig_sr=2, target_sr=1)
    stream = BlockResampler(orig_sr=2, target_sr=1, channels=2)
    with pytest.raises(ParameterError, match=r"block.shape=\(3, 5\) must be \(2, n\)"):
        stream.process(np.zeros((3, 5)))
    with pytest.raises(ParameterError, match=r"block is not finite everywhere"):
        stream.process(np.array([[0.0, np.nan], [0.0, 0.0]]))
    with pytest.raises(ParameterError, match=r"channels=0 must be a positive integer"):
        BlockResampler(orig_sr=2, target_sr=1, channels=0)
    with pytest.raises(ParameterError, match=r"dtype=.*int.* must be float32 or float64"):
        BlockResampler(orig_sr=2, target_sr=1, dtype=np.int32)


def test_res_types_are_documented():
    import dsp.resampling

    for name in RES_TYPES:
        assert f'"{name}"' in dsp.resampling.__doc__ or name in (
            "soxr_vhq",
            "soxr_mq",
            "soxr_lq",
            "soxr_qq",
            "scipy",
        )


@pytest.mark.bench
def test_the_benchmark_runs_and_writes_its_table(tmp_path):
    """benchmarks/resampling.py on a 1-s signal (no timing is asserted, only the report)."""
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    from benchmarks import resampling as bench

    out = tmp_path / "resampling.md"
    bench.main(["--seconds", "1", "--runs", "1", "--output", str(out)])
    text = out.read_text()
    assert text.count("\n| ") == 1 + len(PAIRS)  # header row and one row per pair
    assert "dsp_hq passband dB" in text and "Load average" in text


def test_two_threads_give_the_same_samples_as_one(monkeypatch):
    """Long signals split their blocks over two threads; the blocks are independent."""
    import dsp.resampling

    y = np.random.default_rng(9).standard_normal((2, 200_000)).astype(np.float32)
    monkeypatch.setattr(dsp.resampling, "THREAD_MIN_SAMPLES", 1)
    monkeypatch.setattr(dsp.resampling, "THREADS", 2)
    threaded = resample(y, orig_sr=44100, target_sr=22050, res_type="dsp_hq")
    monkeypatch.setattr(dsp.resampling, "THREADS", 1)
    single = resample(y, orig_sr=44100, target_sr=22050, res_type="dsp_hq")
    np.testing.assert_array_equal(threaded, single)
