"""Composite hypothesis strategies that draw *consistent* pipeline parameters.

Signals are drawn as (seed, shape, dtype, kind) and made with NumPy, which is much faster than
drawing every sample through hypothesis and still shrinks to small, readable cases.
"""

from __future__ import annotations

import contextlib
import faulthandler
import signal
from collections.abc import Iterator
from typing import Any

import numpy as np
from hypothesis import strategies as st

#: Window specifications that every stage must handle (kaiser/gaussian need i0 and exp of our
#: own and get a tolerance instead of bit-identity, see ``KAISER_GAUSS_RTOL`` in the tests).
EXACT_WINDOWS = ["hann", "hamming", "blackman", "boxcar", "rectangular", "triang", "bartlett"]
PARAM_WINDOWS = ["kaiser", "gaussian"]
PAD_MODES = ["constant", "edge", "linear_ramp", "reflect", "symmetric"]
DTYPES = [np.float32, np.float64]
#: STFT output types (``None``: librosa's default, complex64 for float32 audio).
COMPLEX_DTYPES = [None, np.complex64, np.complex128]
#: Sample rates: the usual ones and odd ones (odd sr exercises the rfftfreq bin grid).
SAMPLE_RATES = [8000, 11025, 16000, 22050, 44100, 48000, 8001, 22051, 12345]


def make_signal(seed: int, shape: tuple[int, ...], dtype: type, kind: str = "noise") -> np.ndarray:
    """A deterministic test signal: white noise, a sum of sines, an impulse train, or zeros."""
    rng = np.random.default_rng(seed)
    n = shape[-1]
    if kind == "noise":
        y = rng.standard_normal(shape)
    elif kind == "sines":
        t = np.arange(n)
        freqs = rng.uniform(0.001, 0.49, size=shape[:-1] + (3,))
        y = np.sin(2 * np.pi * freqs[..., :, None] * t).sum(axis=-2)
    elif kind == "impulses":
        y = np.zeros(shape)
        y[..., :: max(1, n // 5)] = 1.0
    else:
        y = np.zeros(shape)
    return y.astype(dtype)


@st.composite
def window_specs(draw: st.DrawFn, exact_only: bool = False) -> object:
    """A window name, or a (name, parameter) tuple for kaiser and gaussian."""
    names = EXACT_WINDOWS if exact_only else EXACT_WINDOWS + PARAM_WINDOWS
    name = draw(st.sampled_from(names))
    if name == "kaiser":
        return ("kaiser", draw(st.floats(0.0, 20.0)))
    if name == "gaussian":
        return ("gaussian", draw(st.floats(0.5, 200.0)))
    return name


@st.composite
def stft_params(
    draw: st.DrawFn, exact_only: bool = True, max_n_fft: int = 1024, with_dtype: bool = False
) -> dict:
    """Consistent STFT parameters and a signal.

    Odd and even ``n_fft``; ``win_length <= n_fft`` (or None); hops both smaller and larger
    than ``n_fft`` (or None: ``win_length // 4``, kept >= 1); centred or not with every pad mode;
    float32 and float64; 1-D, 2-D and 3-D signals whose length is around ``n_fft``. With
    ``with_dtype``, also the output ``dtype`` (None, complex64 or complex128).
    """
    n_fft = draw(st.one_of(st.integers(4, max_n_fft), st.sampled_from([256, 511, 512, 1023])))
    n_fft = min(n_fft, max_n_fft)
    win_length = draw(st.one_of(st.none(), st.integers(max(1, n_fft // 4), n_fft)))
    effective_win = win_length or n_fft
    hop_length = draw(st.one_of(st.integers(1, 2 * n_fft), st.none()))
    if hop_length is None and effective_win < 4:
        hop_length = 1
    center = draw(st.booleans())
    pad_mode = draw(st.sampled_from(PAD_MODES))
    lead = draw(st.sampled_from([(), (), (2,), (3,), (2, 2)]))
    low = n_fft if not center else max(1, n_fft // 2)
    n = draw(st.integers(low, 3 * n_fft + 50))
    dtype = draw(st.sampled_from(DTYPES))
    kind = draw(st.sampled_from(["noise", "noise", "sines", "impulses"]))
    seed = draw(st.integers(0, 2**32 - 1))
    extra = {"dtype": draw(st.sampled_from(COMPLEX_DTYPES))} if with_dtype else {}
    return dict(
        **extra,
        y=make_signal(seed, lead + (n,), dtype, kind),
        n_fft=n_fft,
        hop_length=hop_length,
        win_length=win_length,
        window=draw(window_specs(exact_only=exact_only)),
        center=center,
        pad_mode=pad_mode,
    )


@st.composite
def mel_params(draw: st.DrawFn, max_n_fft: int = 2048, max_n_mels: int = 128) -> dict:
    """Consistent filterbank parameters: ``0 <= fmin < fmax <= sr/2``, both mel scales, every
    norm (slaney, None, 1, 2, inf and other p > 0), odd and even ``n_fft``, odd sample rates,
    and the filterbank's ``dtype`` (float32 or float64)."""
    sr = draw(st.one_of(st.sampled_from(SAMPLE_RATES), st.integers(4000, 48000)))
    n_fft = draw(
        st.one_of(st.sampled_from([256, 512, 1024, 2048, 1023]), st.integers(32, max_n_fft))
    )
    n_fft = min(n_fft, max_n_fft)
    nyquist = sr / 2
    fmax = draw(st.one_of(st.none(), st.floats(1.0, nyquist)))
    top = nyquist if fmax is None else fmax
    # Keep the band at least a hundredth of a hertz wide: narrower ranges make the band
    # edges coincide in float64, which mel_filterbank rejects (tested on its own).
    fmin = draw(st.one_of(st.just(0.0), st.floats(0.0, top - 0.01)))
    norm = draw(st.one_of(st.sampled_from(["slaney", None, 1.0, 2.0, np.inf]), st.floats(0.5, 4.0)))
    return dict(
        sr=sr,
        n_fft=n_fft,
        n_mels=draw(st.integers(1, max_n_mels)),
        fmin=fmin,
        fmax=fmax,
        htk=draw(st.booleans()),
        norm=norm,
        dtype=draw(st.sampled_from(DTYPES)),
    )


class Hang(Exception):
    """A call that outlived its :func:`time_limit`."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Bound one call: a hang in Python code raises :class:`Hang` after ``seconds``; a hang
    inside C code (which no signal handler interrupts) ends the whole test run after twice
    that, printing every thread's traceback, so a hang always fails loudly, never silently."""

    def expire(signum: int, frame: Any) -> None:
        raise Hang(f"no answer after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    faulthandler.dump_traceback_later(2 * seconds, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
