"""Kaldi fbank and MFCC: kaldi-native-fbank (live, hypothesis), a per-frame loop, invariants."""

from __future__ import annotations

import kaldi_native_fbank as knf
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dsp
from dsp import DspWarning, ParameterError
from dsp.compat.kaldi import INT16_SCALE

#: The issue's target: within 1e-4 of the maximum of kaldi-native-fbank's output. knf computes
#: in float32 (relative error ~1e-6 on the log values), dsp in float64.
KNF_RTOL = 1e-4
#: The loop oracle below computes the same float64 steps in another order (scalar sums).
LOOP_RTOL = 1e-9
EPS32 = float(np.finfo(np.float32).eps)
WINDOWS = ["povey", "hamming", "hanning", "rectangular", "blackman", "sine"]


def _knf(y, *, mfcc=False, **opts):
    """kaldi-native-fbank's features of ``y`` with the options given (Kaldi names)."""
    o = knf.MfccOptions() if mfcc else knf.FbankOptions()
    f, m = o.frame_opts, o.mel_opts
    f.dither = opts.pop("dither", 0.0)
    for ours, (target, name) in {
        "sample_frequency": (f, "samp_freq"),
        "frame_length": (f, "frame_length_ms"),
        "frame_shift": (f, "frame_shift_ms"),
        "preemphasis_coefficient": (f, "preemph_coeff"),
        "remove_dc_offset": (f, "remove_dc_offset"),
        "window_type": (f, "window_type"),
        "round_to_power_of_two": (f, "round_to_power_of_two"),
        "blackman_coeff": (f, "blackman_coeff"),
        "snip_edges": (f, "snip_edges"),
        "num_mel_bins": (m, "num_bins"),
        "low_freq": (m, "low_freq"),
        "high_freq": (m, "high_freq"),
    }.items():
        if ours in opts:
            setattr(target, name, opts.pop(ours))
    for name, value in opts.items():  # use_energy, energy_floor, raw_energy, ...
        setattr(o, name, value)
    extractor = knf.OnlineMfcc(o) if mfcc else knf.OnlineFbank(o)
    extractor.accept_waveform(f.samp_freq, np.asarray(y, dtype=np.float32))
    extractor.input_finished()
    frames = [extractor.get_frame(i) for i in range(extractor.num_frames_ready)]
    return np.array(frames).reshape(len(frames), extractor.dim)


def _signal(seed, n, kind, level=3000.0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    if kind == "noise":
        y = rng.standard_normal(n)
    elif kind == "sines":
        y = np.sin(2 * np.pi * rng.uniform(0.001, 0.45, 3)[:, None] * t).sum(axis=0)
    else:  # speech-like: bursts of a tone in silence, plus a DC offset
        y = np.sin(2 * np.pi * 0.02 * t) * (np.sin(2 * np.pi * t / 4000) > 0) + 0.3
    # A noise floor 40 dB down, as in any recording: knf's float32 FFT errs by about 1e-7 of a
    # frame's peak in every bin, so a band 100 dB below the peak (a pure tone) would be off by
    # more than the target in knf itself.
    y = y + 0.01 * rng.standard_normal(n)
    return (level * y).astype(np.float32)


@st.composite
def kaldi_options(draw, mfcc=False):
    fs = draw(st.sampled_from([8000.0, 16000.0, 22050.0, 44100.0]))
    opts = dict(
        sample_frequency=fs,
        frame_length=draw(st.sampled_from([20.0, 25.0, 32.0])),
        frame_shift=draw(st.sampled_from([10.0, 12.5, 20.0])),
        preemphasis_coefficient=draw(st.sampled_from([0.0, 0.5, 0.97, 1.0])),
        remove_dc_offset=draw(st.booleans()),
        window_type=draw(st.sampled_from(WINDOWS)),
        round_to_power_of_two=draw(st.booleans()),
        blackman_coeff=draw(st.sampled_from([0.42, 0.5])),
        snip_edges=draw(st.booleans()),
        num_mel_bins=draw(st.integers(3, 23 if fs == 8000.0 else 40)),
        low_freq=draw(st.sampled_from([0.0, 20.0, 64.0, 100.0])),
        high_freq=draw(st.sampled_from([0.0, -400.0, fs / 2 - 100.0])),
        use_energy=draw(st.booleans()),
        energy_floor=draw(st.sampled_from([0.0, 1.0, 1e6])),
        raw_energy=draw(st.booleans()),
        htk_compat=draw(st.booleans()),
    )
    if mfcc:
        # The DCT spreads each band's error over every cepstrum: keep away from the bands that
        # knf's float32 FFT cannot resolve (0 Hz with full pre-emphasis; the fbank test covers
        # them with a tolerance derived from eps32).
        opts["low_freq"] = max(opts["low_freq"], 20.0)
        opts["preemphasis_coefficient"] = min(opts["preemphasis_coefficient"], 0.97)
        opts["num_ceps"] = draw(st.integers(1, opts["num_mel_bins"]))
        opts["cepstral_lifter"] = draw(st.sampled_from([0.0, 22.0, 10.5]))
    else:
        opts["use_log_fbank"] = draw(st.booleans())
        opts["use_power"] = draw(st.booleans())
    if int(fs * opts["frame_length"] / 1000) % 2:  # Kaldi's real FFT needs an even length
        opts["round_to_power_of_two"] = True
    n = draw(st.integers(int(0.05 * fs), int(0.4 * fs)))
    return opts, _signal(
        draw(st.integers(0, 2**16)), n, draw(st.sampled_from(["noise", "sines", "bursts"]))
    )


def _online_edge(n, opts):
    """True when knf's last frame differs from offline Kaldi's by construction: knf (an online
    extractor) mirrors the last frame inside its buffer, which starts at that frame; when the
    frame sticks out of the signal by more than the part inside it (an odd frame length
    centred on the last sample), the mirror reflects twice. Offline Kaldi
    (compute-fbank-feats), torchaudio and dsp mirror the whole signal."""
    if opts["snip_edges"]:
        return False
    fs = opts["sample_frequency"]
    length, shift = int(fs * opts["frame_length"] / 1000), int(fs * opts["frame_shift"] / 1000)
    start = ((n + shift // 2) // shift - 1) * shift + shift // 2 - length // 2
    return start + length - n > n - start


def _close_to_knf(ours, ref, opts, n):
    assert ours.shape == ref.shape, opts
    if _online_edge(n, opts):
        ours, ref = ours[:-1], ref[:-1]
    atol = KNF_RTOL * (np.abs(ref).max() or 1.0)
    if opts.get("use_log_fbank", False) and ref.size:
        # knf's float32 FFT resolves a bin only to about eps32 times the frame's peak amplitude,
        # so a log band far below the peak is off by about eps32 * (peak / band) in knf itself:
        # that, where it exceeds the target (bands 60 dB or more below the frame's peak).
        n = opts["num_mel_bins"]
        bands = ref[..., :n] if opts["htk_compat"] else ref[..., -n:]
        per_amplitude = 2.0 if opts["use_power"] else 1.0
        below = (bands.max(axis=-1, keepdims=True) - ref) / per_amplitude
        atol = np.maximum(atol, EPS32 * np.exp(np.minimum(below, 30.0)))
    excess = np.abs(ours.astype(np.float64) - ref) - atol
    if ref.size and excess.max() > 0:
        i = np.unravel_index(int(excess.argmax()), ref.shape)
        raise AssertionError(
            f"{opts}: at {i} dsp {ours[i]} knf {ref[i]}, tolerance "
            f"{np.broadcast_to(atol, ref.shape)[i]:.3g}"
        )


@given(kaldi_options())
def test_fbank_matches_kaldi_native_fbank(case):
    opts, y = case
    _close_to_knf(dsp.kaldi_fbank(y, dither=0.0, **opts), _knf(y, **opts), opts, len(y))


@given(kaldi_options(mfcc=True))
def test_mfcc_matches_kaldi_native_fbank(case):
    opts, y = case
    _close_to_knf(dsp.kaldi_mfcc(y, dither=0.0, **opts), _knf(y, mfcc=True, **opts), opts, len(y))


def test_defaults_match_kaldi_native_fbank_on_long_audio():
    y = _signal(1, 16000 * 20, "bursts")
    defaults = dict(snip_edges=True)
    _close_to_knf(dsp.kaldi_fbank(y, dither=0.0), _knf(y), defaults, len(y))
    _close_to_knf(dsp.kaldi_mfcc(y, dither=0.0), _knf(y, mfcc=True), defaults, len(y))


# ------------------------------------------------------------------ the loop oracle


def _loop_fbank(y, *, fs=16000, n_bins=23, low=20.0, coeff=0.97, num_ceps=None, lifter=22.0):
    """Kaldi's fbank (and MFCC) for the default options, one frame and one bin at a time."""
    y = np.asarray(y, dtype=np.float64)
    length, shift = int(fs * 0.025), int(fs * 0.010)
    n_fft = 1 << (length - 1).bit_length()
    mel = lambda f: 1127.0 * np.log(1.0 + f / 700.0)  # noqa: E731
    step = (mel(fs / 2) - mel(low)) / (n_bins + 1)
    rows = []
    for t in range(1 + (len(y) - length) // shift):
        x = list(y[t * shift : t * shift + length])
        mean = sum(x) / length
        x = [v - mean for v in x]
        x = [x[0] * (1 - coeff)] + [x[i] - coeff * x[i - 1] for i in range(1, length)]
        x = [
            v * (0.5 - 0.5 * np.cos(2 * np.pi * i / (length - 1))) ** 0.85 for i, v in enumerate(x)
        ]
        k = np.arange(n_fft // 2 + 1)[:, None]
        spectrum = np.exp(-2j * np.pi * k * np.arange(length) / n_fft) @ np.array(x)
        power = spectrum.real**2 + spectrum.imag**2
        energies = []
        for b in range(n_bins):
            left, centre, right = (mel(low) + (b + j) * step for j in range(3))
            total = 0.0
            for i in range(n_fft // 2):
                m = mel(i * fs / n_fft)
                if left < m < right:
                    w = (
                        (m - left) / (centre - left)
                        if m <= centre
                        else (right - m) / (right - centre)
                    )
                    total += w * power[i]
            energies.append(np.log(max(total, np.finfo(np.float32).eps)))
        if num_ceps is None:
            rows.append(energies)
            continue
        ceps = []
        for c in range(num_ceps):
            norm = np.sqrt((1.0 if c == 0 else 2.0) / n_bins)
            value = sum(
                norm * np.cos(np.pi * c * (j + 0.5) / n_bins) * e for j, e in enumerate(energies)
            )
            ceps.append(value * (1 + lifter / 2 * np.sin(np.pi * c / lifter)))
        rows.append(ceps)
    return np.array(rows)


@pytest.mark.parametrize(
    "kind, coeff, low", [("noise", 0.97, 20.0), ("sines", 0.97, 0.0), ("bursts", 1.0, 20.0)]
)
def test_fbank_and_mfcc_match_a_per_frame_loop(kind, coeff, low):
    y = _signal(3, 1600, kind).astype(np.float64)
    ref = _loop_fbank(y, coeff=coeff, low=low)
    ours = dsp.kaldi_fbank(y, dither=0.0, preemphasis_coefficient=coeff, low_freq=low)
    np.testing.assert_allclose(ours, ref, rtol=LOOP_RTOL, atol=0)
    ref = _loop_fbank(y, num_ceps=13)
    ours = dsp.kaldi_mfcc(y, dither=0.0, use_energy=False)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=LOOP_RTOL * np.abs(ref).max())


# ------------------------------------------------------------------ invariants


@settings(max_examples=30)
@given(
    st.integers(1, 20000),
    st.sampled_from([25.0, 20.0]),
    st.sampled_from([10.0, 7.0]),
    st.booleans(),
)
def test_frame_count(n, length_ms, shift_ms, snip):
    y = np.ones(n, dtype=np.float32)
    length, shift = int(16 * length_ms), int(16 * shift_ms)
    expected = (
        (1 + (n - length) // shift if n >= length else 0) if snip else ((n + shift // 2) // shift)
    )
    if expected == 0:
        with pytest.warns(DspWarning, match="shorter than one frame"):
            out = dsp.kaldi_fbank(
                y, frame_length=length_ms, frame_shift=shift_ms, snip_edges=snip, dither=0.0
            )
    else:
        out = dsp.kaldi_fbank(
            y, frame_length=length_ms, frame_shift=shift_ms, snip_edges=snip, dither=0.0
        )
    assert out.shape == (expected, 23)


@pytest.mark.parametrize("n", [1000, 1003, 1120, 4001])
def test_snip_edges_false_mirrors_the_whole_signal(n):
    """Offline Kaldi (and torchaudio): frame t starts at t H + H/2 - L/2 of the signal mirrored
    about its ends (symmetric padding), also where knf's online buffer differs."""
    y = _signal(8, n, "noise")
    length_ms = 25.0625  # 401 samples: an odd length, the case knf's buffer gets wrong
    ours = dsp.kaldi_fbank(y, dither=0.0, frame_length=length_ms, snip_edges=False)
    left = 401 // 2 - 80
    padded = np.pad(y, (left, 401), mode="symmetric")
    ref = dsp.kaldi_fbank(padded, dither=0.0, frame_length=length_ms, snip_edges=True)
    assert ours.shape[0] == (n + 80) // 160
    np.testing.assert_array_equal(ours, ref[: ours.shape[0]])


def test_scaling_the_input_shifts_the_log_features():
    y = _signal(5, 8000, "noise")
    shift = 2 * np.log(8.0)  # power scales by 8**2
    np.testing.assert_allclose(
        dsp.kaldi_fbank(8 * y, dither=0.0), dsp.kaldi_fbank(y, dither=0.0) + shift, atol=1e-4
    )


def test_int16_input_and_the_float_scale():
    pcm = (_signal(6, 8000, "sines", level=1.0) * 10000).astype(np.int16)
    as_float = pcm.astype(np.float32) / INT16_SCALE  # [-1, 1] audio
    np.testing.assert_array_equal(
        dsp.kaldi_fbank(pcm, dither=0.0), dsp.kaldi_fbank(as_float * INT16_SCALE, dither=0.0)
    )


def test_multichannel_is_per_channel_and_dtypes():
    y = np.stack([_signal(s, 6000, "noise") for s in range(3)])
    out = dsp.kaldi_fbank(y, dither=0.0, use_energy=True)
    assert out.shape == (3, 36, 24) and out.dtype == np.float32
    for c in range(3):
        np.testing.assert_array_equal(out[c], dsp.kaldi_fbank(y[c], dither=0.0, use_energy=True))
    assert dsp.kaldi_mfcc(y[0].astype(np.float64), dither=0.0).dtype == np.float64


def test_dither_is_seeded_and_matches_kaldi_statistically():
    y = np.zeros(16000 * 5, dtype=np.float32)  # silence: only the dither is left
    a, b = dsp.kaldi_fbank(y, seed=1), dsp.kaldi_fbank(y, seed=1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, dsp.kaldi_fbank(y, seed=2))
    ref = _knf(y, dither=1.0)  # Gaussian noise of standard deviation 1 in every frame
    # 498 frames: the mean log energy of each band has a standard error below 0.03 nats.
    np.testing.assert_allclose(a.mean(axis=0), ref.mean(axis=0), atol=0.15)


def test_mfcc_energy_replaces_c0_and_htk_compat_moves_it_last():
    y = _signal(7, 8000, "noise")
    plain = dsp.kaldi_mfcc(y, dither=0.0, use_energy=False)
    energy = dsp.kaldi_mfcc(y, dither=0.0)
    np.testing.assert_array_equal(plain[:, 1:], energy[:, 1:])
    htk = dsp.kaldi_mfcc(y, dither=0.0, use_energy=False, htk_compat=True)
    np.testing.assert_allclose(htk[:, -1], plain[:, 0] * np.sqrt(2), rtol=1e-6)
    np.testing.assert_array_equal(htk[:, :-1], plain[:, 1:])


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(window_type="hann"), "window_type='hann'"),
        (dict(dither=-1.0), "dither=-1.0"),
        (dict(preemphasis_coefficient=1.5), "preemphasis_coefficient=1.5"),
        (dict(num_mel_bins=2), "num_mel_bins=2"),
        (dict(num_mel_bins=0), "num_mel_bins=0"),
        (dict(num_mel_bins=200), "num_mel_bins=200 is too large"),
        (dict(low_freq=9000.0), "low_freq=9000.0"),
        (dict(high_freq=10.0), "high_freq=10.0"),
        (dict(high_freq=9000.0), "high_freq=9000.0"),
        (dict(frame_length=0.01), "frame_length=0.01"),
        (dict(frame_shift=0.0), "frame_shift=0.0"),
        (dict(sample_frequency=0), "sample_frequency=0"),
        (dict(energy_floor=-1.0), "energy_floor=-1.0"),
        (dict(frame_length=25.0625, round_to_power_of_two=False), "odd FFT length"),
    ],
)
def test_bad_options(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        dsp.kaldi_fbank(np.ones(4000, dtype=np.float32), **kwargs)


def test_bad_input_and_mfcc_options():
    with pytest.raises(ParameterError, match="dtype"):
        dsp.kaldi_fbank(np.ones(4000, dtype=np.int32))
    with pytest.raises(ParameterError, match="num_ceps=30"):
        dsp.kaldi_mfcc(np.ones(4000, dtype=np.float32), num_ceps=30)
    with pytest.raises(ParameterError, match="cepstral_lifter=-1"):
        dsp.kaldi_mfcc(np.ones(4000, dtype=np.float32), cepstral_lifter=-1.0)
