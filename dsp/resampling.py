"""Changing the sample rate: :func:`resample` and the block-wise :class:`BlockResampler`.

Resampling from ``orig_sr`` to ``target_sr`` keeps every frequency below the lower of the two
Nyquist frequencies and removes everything above it (which would otherwise alias, or appear as
images). The result has ``ceil(n * target_sr / orig_sr)`` samples; output sample ``j`` is the
band-limited signal at time ``j / target_sr``. The methods (``res_type``):

==============  ==================================================================================
``"auto"``      the default: ``"soxr_hq"`` when the ``soxr`` package is installed (librosa's
                default, so ``dsp.load`` then equals ``librosa.load`` sample for sample), else
                ``"dsp_hq"``
``"dsp_hq"``    dsp's own, NumPy only: flat to 0.91 of the lower Nyquist frequency, zero from it
                on (see ``docs/resampling.md``); cut into blocks, it gives the same samples
``"soxr_hq"``   the ``soxr`` package (also ``soxr_vhq``, ``soxr_mq``, ``soxr_lq``, ``soxr_qq``):
                ``pip install dsp[soxr]``
``"polyphase"`` scipy's ``resample_poly`` (librosa's ``"polyphase"``), rewritten in NumPy
``"fft"``       scipy's ``resample`` (librosa's ``"fft"`` / ``"scipy"``), rewritten in NumPy
==============  ==================================================================================
"""

from __future__ import annotations

import concurrent.futures
import importlib.util
import math
import os
from typing import Any

import numpy as np

from . import _resample_scipy
from ._engine import resample_blocks as _blocks
from ._memory import check_memory, format_bytes
from ._validation import check_audio, check_real_number
from .errors import ParameterError

__all__ = ["resample", "BlockResampler", "RES_TYPES", "default_res_type"]

_SOXR = ("soxr_vhq", "soxr_hq", "soxr_mq", "soxr_lq", "soxr_qq")
#: Every accepted ``res_type``.
RES_TYPES = ("auto", "dsp_hq", *_SOXR, "polyphase", "fft", "scipy")


def default_res_type() -> str:
    """What ``res_type="auto"`` means here: ``"soxr_hq"`` if ``soxr`` is installed, else
    ``"dsp_hq"``."""
    return "soxr_hq" if importlib.util.find_spec("soxr") is not None else "dsp_hq"


def _check_res_type(res_type: Any) -> str:
    if not isinstance(res_type, str) or res_type not in RES_TYPES:
        raise ParameterError(f"res_type={res_type!r} is not supported; use one of {RES_TYPES}")
    return default_res_type() if res_type == "auto" else res_type


def _integer_rate(name: str, value: float, res_type: str) -> int:
    if value != int(value) or value > 2**31:
        raise ParameterError(
            f"{name}={value!r}: res_type={res_type!r} needs integer sample rates up to 2**31 "
            "(use a soxr res_type for other rates)"
        )
    return int(value)


#: Largest working set of one FFT block ("dsp_hq") or tap matrix ("polyphase"): rate pairs
#: beyond it (ratios of hundreds and more, or coprime rates) are refused, not swapped through.
MAX_KERNEL_BYTES = 2**28


def _check_ratio(orig: int, target: int, method: str) -> None:
    g = math.gcd(orig, target)
    up, down = target // g, orig // g
    if method == "dsp_hq":
        need = _blocks.block_bytes(orig, target, 1)
    else:  # polyphase: the (J, up) tap matrix, J = (2 * 10 * max + (up - 1) * down) / up
        need = 8.0 * up * ((20 * max(up, down) + (up - 1) * down) // up + 2)
    if need > MAX_KERNEL_BYTES:
        raise ParameterError(
            f"orig_sr={orig} -> target_sr={target} reduces to {up}/{down}: res_type={method!r} "
            f"would need {format_bytes(need)} per block for so extreme a ratio (use res_type="
            "'fft' or a soxr res_type)"
        )


#: Largest rate ratio (either way) handed to soxr. Beyond it soxr's filter design runs for
#: minutes or crashes (measured with soxr 1.1 on 16 samples: 8000 -> 1e-6 Hz hangs, 1 -> 7e5 Hz
#: hangs or segfaults, "soxr_qq" needs ~5 s at 2**16); real rate pairs stay far below it.
MAX_SOXR_RATIO = 2.0**16


def _check_soxr_ratio(orig_sr: float, target_sr: float, quality: str) -> None:
    ratio = max(orig_sr / target_sr, target_sr / orig_sr)
    if not ratio <= MAX_SOXR_RATIO:
        raise ParameterError(
            f"orig_sr={orig_sr!r} -> target_sr={target_sr!r} is a ratio of {ratio:.3g}: "
            f"res_type={quality!r} (soxr) handles ratios up to {MAX_SOXR_RATIO:.0f} (beyond it "
            "soxr hangs or crashes); resample in two steps, or use res_type='fft'"
        )


def _soxr(y2: np.ndarray, orig_sr: float, target_sr: float, quality: str) -> np.ndarray:
    _check_soxr_ratio(orig_sr, target_sr, quality)
    try:
        import soxr
    except ImportError as err:
        raise ParameterError(
            f"res_type={quality!r} needs the soxr package: pip install dsp[soxr] "
            "(or use res_type='dsp_hq', which needs nothing more)"
        ) from err
    rows = [soxr.resample(row, orig_sr, target_sr, quality=quality) for row in y2]
    return np.stack(rows)


#: Threads for the blocks of a long signal (NumPy's FFT releases the GIL; the blocks are
#: independent, so the samples do not depend on the split). Set to 1 for one thread.
THREADS = min(2, os.cpu_count() or 1)
#: Input samples (all channels) below which one thread does it all: starting a thread costs more.
THREAD_MIN_SAMPLES = 2**21


def _inner_blocks(d: Any, y2: np.ndarray, lo: int, hi: int, full: np.ndarray) -> None:
    """Blocks ``lo .. hi - 1``, read from ``y2`` in place, into ``full``; on long signals, the
    second half in a worker thread while this one does the first."""

    def run(first: int, stop: int) -> None:
        view = y2[:, first * d.hop_in - d.margin_in :]
        _blocks.resample_blocks(d, view, stop - first, out=full[:, first:stop])

    if THREADS < 2 or (hi - lo) * d.n_in * y2.shape[0] < THREAD_MIN_SAMPLES:
        run(lo, hi)
        return
    middle = (lo + hi) // 2
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        second = pool.submit(run, middle, hi)
        run(lo, middle)
        second.result()


def _dsp_hq(y2: np.ndarray, orig: int, target: int) -> np.ndarray:
    """The whole signal through the block grid of :class:`BlockResampler`, without copying it.

    Block ``b`` covers input samples ``[b * hop_in - margin, b * hop_in - margin + n_in)``: the
    blocks inside the signal are read from ``y2`` directly; only the first and last few, which
    reach past its ends, are copied into zero-padded buffers. Same blocks, same samples as
    feeding :class:`BlockResampler`.
    """
    d = _blocks.design(orig, target)
    channels, n = y2.shape
    n_out = -(-n * d.up // d.down)
    n_blocks = -(-n_out // d.hop_out)

    full = np.empty((channels, n_blocks, d.hop_out), dtype=y2.dtype)

    def padded(first: int, stop: int) -> None:
        start = first * d.hop_in - d.margin_in
        buffer = np.zeros((channels, (stop - first - 1) * d.hop_in + d.n_in), dtype=y2.dtype)
        lo, hi = max(start, 0), min(start + buffer.shape[1], n)
        if hi > lo:
            buffer[:, lo - start : hi - start] = y2[:, lo:hi]
        _blocks.resample_blocks(d, buffer, stop - first, out=full[:, first:stop])

    inner_lo = min(-(-d.margin_in // d.hop_in), n_blocks)
    inner_hi = min(n_blocks, (n + d.margin_in - d.n_in) // d.hop_in + 1)
    inner_hi = max(inner_lo, inner_hi)
    if inner_lo > 0:
        padded(0, inner_lo)
    if inner_hi > inner_lo:
        _inner_blocks(d, y2, inner_lo, inner_hi, full)
    if n_blocks > inner_hi:
        padded(inner_hi, n_blocks)
    return full.reshape(channels, -1)[:, :n_out]


def resample(
    y: np.ndarray,
    *,
    orig_sr: float,
    target_sr: float,
    res_type: str = "auto",
    axis: int = -1,
) -> np.ndarray:
    """Resample a signal from ``orig_sr`` to ``target_sr`` Hz.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n, ...)], float32 or float64, finite
        The signal; ``axis`` is time, every other axis is a channel.
    orig_sr, target_sr : number > 0
        Sample rates in Hz (integers for ``"dsp_hq"`` and ``"polyphase"``).
    res_type : str
        One of :data:`RES_TYPES` (see the module docstring); ``"auto"`` is ``"soxr_hq"`` when
        soxr is installed, else ``"dsp_hq"``.
    axis : int
        The time axis.

    Returns
    -------
    np.ndarray [shape=(..., ceil(n * target_sr / orig_sr), ...)]
        The resampled signal, same dtype as ``y`` (``y`` itself if the rates are equal).

    Raises
    ------
    ParameterError
        If ``y`` is not finite float audio, a rate is not positive, ``res_type`` is unknown, or
        a soxr ``res_type`` is asked for without the soxr package installed.

    Notes
    -----
    ``"dsp_hq"`` multiplies the spectrum by a response that is exactly 1 up to
    :math:`f_p = 0.91 f_{low}` and exactly 0 from :math:`f_s = f_{low}` on
    (:math:`f_{low} = \\min(f_{orig}, f_{target}) / 2`), falling between them as one minus the
    normalised integral of a Kaiser window (:math:`\\beta = 11`); the spectrum is taken of
    overlapping blocks of the signal (overlap-save), over two threads for long signals
    (:data:`THREADS`). See ``docs/resampling.md``.

    librosa equivalent: ``librosa.resample(y, orig_sr=orig_sr, target_sr=target_sr,
    res_type=res_type, axis=axis)`` (identical for the soxr names, within 1e-6 for
    ``"polyphase"`` and ``"fft"``; ``"dsp_hq"`` has no librosa counterpart).

    Examples
    --------
    >>> import numpy as np
    >>> sr = 44100
    >>> y = np.sin(2 * np.pi * 1000 * np.arange(sr) / sr).astype(np.float32)
    >>> y_22k = resample(y, orig_sr=sr, target_sr=22050, res_type="dsp_hq")
    >>> y_22k.shape, y_22k.dtype
    ((22050,), dtype('float32'))
    >>> t = np.arange(22050) / 22050
    >>> bool(np.abs(y_22k - np.sin(2 * np.pi * 1000 * t))[2000:-2000].max() < 1e-5)
    True
    """
    y = check_audio(y)
    orig = check_real_number("orig_sr", orig_sr, positive=True)
    target = check_real_number("target_sr", target_sr, positive=True)
    method = _check_res_type(res_type)
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise ParameterError(f"axis={axis!r} must be an integer")
    if not -y.ndim <= axis < y.ndim:
        raise ParameterError(f"axis={axis} is out of range for y.ndim={y.ndim}")
    if orig == target:
        return y
    n = y.shape[axis]
    exact_out = n * target / orig
    if not math.isfinite(exact_out) or exact_out > 2**62:
        raise ParameterError(
            f"orig_sr={orig_sr!r} -> target_sr={target_sr!r} would turn {n} samples into "
            f"{exact_out:.3g}: beyond any memory"
        )
    n_out = math.ceil(exact_out)
    rows = y.size // max(n, 1)
    # the output and one working copy of it, refused before anything is allocated
    check_memory(
        f"orig_sr={orig_sr!r} -> target_sr={target_sr!r} on {n} samples",
        2.0 * n_out * rows * y.dtype.itemsize,
    )
    moved = np.moveaxis(y, axis, -1)
    y2 = moved.reshape(-1, n)
    if method in _SOXR:
        out = _soxr(y2, orig_sr, target_sr, method)
    else:
        up_rate = _integer_rate("target_sr", target, method) if method != "fft" else 0
        down_rate = _integer_rate("orig_sr", orig, method) if method != "fft" else 0
        if method == "dsp_hq":
            _check_ratio(down_rate, up_rate, method)
            out = _dsp_hq(y2, down_rate, up_rate)
        elif method == "polyphase":
            _check_ratio(down_rate, up_rate, method)
            g = math.gcd(up_rate, down_rate)
            out = _resample_scipy.resample_poly(y2, up_rate // g, down_rate // g)
        else:  # fft, scipy
            out = _resample_scipy.resample_fft(y2, n_out)
    if out.shape[-1] != n_out:  # librosa's fix_length: zero-pad or trim to ceil(n * ratio)
        fixed = np.zeros((out.shape[0], n_out), dtype=out.dtype)
        fixed[:, : min(n_out, out.shape[-1])] = out[:, :n_out]
        out = fixed
    out = np.asarray(out, dtype=y.dtype).reshape(*moved.shape[:-1], n_out)
    return np.moveaxis(out, -1, axis)


class BlockResampler:
    """dsp's ``"dsp_hq"`` resampler fed block by block (for streams and long files).

    Feed the input in pieces of any size with :meth:`process` and end with :meth:`flush`: the
    concatenated outputs equal ``resample(y, orig_sr=..., target_sr=..., res_type="dsp_hq")``
    of the whole input bit for bit, whatever the cut, because the filter's blocks sit on a fixed
    grid of absolute sample positions.

    Parameters
    ----------
    orig_sr, target_sr : int > 0
        Integer sample rates in Hz.
    channels : int > 0
        Number of channels; blocks have shape ``(channels, n)`` (or ``(n,)`` for 1 channel).
    dtype : float32 or float64
        Computation and output type.

    Attributes
    ----------
    latency : int
        At most this many input samples are held back: an output sample is returned once the
        input reaches ``latency`` samples past it (one FFT block minus its overlap margin).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.random.default_rng(0).standard_normal(50_000)
    >>> r = BlockResampler(orig_sr=48000, target_sr=22050, channels=1, dtype=np.float64)
    >>> pieces = [r.process(y[i : i + 7001]) for i in range(0, y.size, 7001)] + [r.flush()]
    >>> whole = resample(y, orig_sr=48000, target_sr=22050, res_type="dsp_hq")
    >>> bool(np.array_equal(np.concatenate(pieces), whole))
    True
    """

    def __init__(
        self, *, orig_sr: int, target_sr: int, channels: int = 1, dtype: Any = np.float32
    ) -> None:
        orig = _integer_rate(
            "orig_sr", check_real_number("orig_sr", orig_sr, positive=True), "dsp_hq"
        )
        target = _integer_rate(
            "target_sr", check_real_number("target_sr", target_sr, positive=True), "dsp_hq"
        )
        _check_ratio(orig, target, "dsp_hq")
        if (
            isinstance(channels, bool)
            or not isinstance(channels, (int, np.integer))
            or channels < 1
        ):
            raise ParameterError(f"channels={channels!r} must be a positive integer")
        try:
            self.dtype = np.dtype(dtype)
        except (TypeError, ValueError, SyntaxError):  # np.dtype("01") parses it as Python
            raise ParameterError(f"dtype={dtype!r} must be float32 or float64") from None
        if self.dtype not in (np.float32, np.float64):
            raise ParameterError(f"dtype={dtype!r} must be float32 or float64")
        self.orig_sr, self.target_sr, self.channels = orig, target, int(channels)
        self._design = _blocks.design(orig, target)
        d = self._design
        # the held-back samples and a block of each channel, refused before they exist
        check_memory(f"channels={channels}", 2.0 * self.channels * d.n_in * self.dtype.itemsize)
        self.latency = d.n_in - d.margin_in
        self._pending = np.zeros((self.channels, d.margin_in), dtype=self.dtype)
        self._samples_in = 0
        self._samples_out = 0
        self._one_d = self.channels == 1

    def _shape(self, out: np.ndarray) -> np.ndarray:
        return out[0] if self.channels == 1 and self._one_d else out

    def process(self, block: np.ndarray) -> np.ndarray:
        """Take the next ``(channels, n)`` input samples; return the outputs now complete."""
        block = np.asarray(block)
        self._one_d = block.ndim == 1
        x = block.reshape(1, -1) if block.ndim == 1 else block
        if x.ndim != 2 or x.shape[0] != self.channels:
            raise ParameterError(
                f"block.shape={block.shape} must be ({self.channels}, n)"
                + (" or (n,)" if self.channels == 1 else "")
            )
        if x.shape[1]:
            check_audio(x, "block")
        d = self._design
        self._pending = np.concatenate([self._pending, x.astype(self.dtype, copy=False)], axis=1)
        self._samples_in += x.shape[1]
        n_blocks = (
            0
            if self._pending.shape[1] < d.n_in
            else ((self._pending.shape[1] - d.n_in) // d.hop_in + 1)
        )
        out = (
            _blocks.resample_blocks(d, self._pending, n_blocks)
            if n_blocks
            else (np.zeros((self.channels, 0), dtype=self.dtype))
        )
        self._pending = self._pending[:, n_blocks * d.hop_in :].copy()
        self._samples_out += out.shape[1]
        return self._shape(out)

    def flush(self) -> np.ndarray:
        """Return the remaining outputs (the input is taken as zero after its end)."""
        d = self._design
        total = -(-self._samples_in * d.up // d.down)
        remaining = total - self._samples_out
        if remaining <= 0:
            return self._shape(np.zeros((self.channels, 0), dtype=self.dtype))
        n_blocks = -(-remaining // d.hop_out)
        padded = np.zeros((self.channels, (n_blocks - 1) * d.hop_in + d.n_in), dtype=self.dtype)
        padded[:, : self._pending.shape[1]] = self._pending
        out = _blocks.resample_blocks(d, padded, n_blocks)[:, :remaining]
        self._samples_out = total
        self._pending = self._pending[:, :0]
        return self._shape(out)
