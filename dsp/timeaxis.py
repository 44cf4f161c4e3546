"""The time axis: sample indices, frame indices and seconds, converted as librosa does.

Frame ``t`` of a centred STFT is centred on sample ``t * hop_length``; without centring it
starts there and is centred ``n_fft // 2`` samples later, which is what the ``n_fft`` argument
of these functions adds (:meth:`dsp.FrameGeometry.frames_to_samples` is the same map for a
given geometry). ``docs/conventions.md``, frame times (eq. S3). Unlike librosa's, these refuse
NaN, infinities and indices beyond 2**62 instead of returning garbage integers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import check_array, check_positive_int, check_sr
from .errors import ParameterError

__all__ = [
    "frames_to_samples",
    "samples_to_frames",
    "frames_to_time",
    "time_to_frames",
    "samples_to_time",
    "time_to_samples",
]

#: Sample and frame indices beyond this are refused (int64 holds 2**63; a product such as
#: ``frames * hop_length`` must not wrap around). 2**62 samples are 3 million years at 48 kHz.
INDEX_LIMIT = 2**62


def _indices(name: str, values: Any) -> np.ndarray:
    """Real, finite values (frame or sample indices, times) as an array; else ParameterError."""
    array = check_array(name, values)  # ragged lists and masked arrays: ParameterError
    if array.dtype.kind in "iu" and array.dtype.itemsize < 8:
        array = array.astype(np.int64)  # int8 times * 22050 would overflow in int8
    if array.dtype.kind not in "iuf":
        raise ParameterError(f"{name} must be real numbers, got dtype {array.dtype}")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ParameterError(f"{name} must be finite, got {_first_bad(array)}")
    return array


def _first_bad(array: np.ndarray) -> str:
    bad = array[~np.isfinite(array)] if array.ndim else array
    return repr(float(np.ravel(bad)[0]))


def _check_range(name: str, scaled: np.ndarray, source: np.ndarray) -> None:
    """Refuse results beyond :data:`INDEX_LIMIT` (int64 would wrap or truncate garbage)."""
    with np.errstate(over="ignore", invalid="ignore"):
        worst = np.max(np.abs(scaled.astype(np.float64)), initial=0.0)
    if not worst < INDEX_LIMIT:
        raise ParameterError(
            f"{name} gives sample or frame indices beyond 2**62 (largest |value| "
            f"{np.max(np.abs(source.astype(np.float64)), initial=0.0):g}): not a real position"
        )


def _check_step(hop_length: int, offset: int) -> None:
    """A hop (or n_fft // 2) beyond :data:`INDEX_LIMIT` is no position either (and 2**63 does
    not even fit the int64 the products are computed in)."""
    if not (hop_length < INDEX_LIMIT and offset < INDEX_LIMIT):
        raise ParameterError(
            f"hop_length={hop_length} (or n_fft // 2 = {offset}) is beyond 2**62 samples: "
            "not a real frame step"
        )


def _frames_to_samples(frames: Any, hop_length: int, offset: int) -> Any:
    _check_step(hop_length, offset)
    frames = _indices("frames", frames)
    with np.errstate(over="ignore"):  # an overflow to inf is refused by the range check
        _check_range("frames", frames.astype(np.float64) * hop_length + offset, frames)
    return (frames.astype(np.int64) * hop_length + offset).astype(int)


def _samples_to_frames(samples: Any, hop_length: int, offset: int) -> Any:
    _check_step(hop_length, offset)
    samples = _indices("samples", samples)
    _check_range("samples", samples, samples)
    return np.asarray(np.floor((samples - offset) // hop_length), dtype=int)


def _offset(n_fft: Any) -> int:
    return 0 if n_fft is None else check_positive_int("n_fft", n_fft) // 2


def frames_to_samples(frames: Any, *, hop_length: int = 512, n_fft: int | None = None) -> Any:
    """The sample at the centre of each frame: ``t * hop_length + (n_fft // 2 or 0)`` (eq. S3).

    Parameters
    ----------
    frames : int or np.ndarray of int
        Frame indices.
    hop_length : int > 0
        Samples between frames.
    n_fft : int > 0 or None
        None for a centred STFT (frame ``t`` is centred on ``t * hop_length``); the frame
        length for ``center=False``, whose frame ``t`` starts there and is centred
        ``n_fft // 2`` samples later.

    Returns
    -------
    int or np.ndarray of int

    Raises
    ------
    ParameterError
        For non-numeric, NaN or infinite frames, or results beyond 2**62.

    Notes
    -----
    :meth:`FrameGeometry.frames_to_samples` is the same map for a given geometry.

    librosa equivalent: ``librosa.frames_to_samples(frames, hop_length=..., n_fft=...)``.

    Examples
    --------
    >>> frames_to_samples(np.arange(3), hop_length=512)
    array([   0,  512, 1024])
    """
    hop_length = check_positive_int("hop_length", hop_length)
    return _frames_to_samples(frames, hop_length, _offset(n_fft))


def samples_to_frames(samples: Any, *, hop_length: int = 512, n_fft: int | None = None) -> Any:
    """The frame of each sample: ``floor((s - (n_fft // 2 or 0)) / hop_length)``.

    Parameters and errors as :func:`frames_to_samples`; the inverse map (frame ``t`` is the
    last frame whose centre is at or before sample ``s``).

    Notes
    -----
    librosa equivalent: ``librosa.samples_to_frames(samples, hop_length=..., n_fft=...)``.

    Examples
    --------
    >>> samples_to_frames(np.array([0, 511, 512, 1500]), hop_length=512)
    array([0, 0, 1, 2])
    """
    hop_length = check_positive_int("hop_length", hop_length)
    return _samples_to_frames(samples, hop_length, _offset(n_fft))


def samples_to_time(samples: Any, *, sr: float = 22050) -> Any:
    """Seconds of each sample index: ``s / sr``.

    Notes
    -----
    librosa equivalent: ``librosa.samples_to_time(samples, sr=sr)``.

    Examples
    --------
    >>> samples_to_time(np.array([0, 11025, 22050]), sr=22050)
    array([0. , 0.5, 1. ])
    """
    sr = check_sr(sr)
    return _indices("samples", samples) / float(sr)


def time_to_samples(times: Any, *, sr: float = 22050) -> Any:
    """The sample index of each time: ``int(t * sr)``, truncated toward zero as librosa does.

    Raises
    ------
    ParameterError
        For NaN or infinite times, or ``t * sr`` beyond 2**62.

    Notes
    -----
    librosa equivalent: ``librosa.time_to_samples(times, sr=sr)``.

    Examples
    --------
    >>> time_to_samples(np.array([0.0, 0.5, 1.0]), sr=22050)
    array([    0, 11025, 22050])
    """
    sr = check_sr(sr)
    times = _indices("times", times)
    with np.errstate(over="ignore"):  # an overflow to inf is refused by the range check
        scaled = times * sr
    _check_range("times", scaled, times)
    return scaled.astype(int)


def frames_to_time(
    frames: Any, *, sr: float = 22050, hop_length: int = 512, n_fft: int | None = None
) -> Any:
    """Time in seconds of each frame's centre: ``frames_to_samples(...) / sr`` (eq. S3).

    Parameters
    ----------
    frames : int or np.ndarray of int
        Frame indices.
    sr : float > 0
        Sample rate, Hz.
    hop_length, n_fft
        As :func:`frames_to_samples` (leave ``n_fft`` None for a centred STFT).

    Returns
    -------
    float or np.ndarray of float

    Notes
    -----
    librosa equivalent: ``librosa.frames_to_time(frames, sr=sr, hop_length=..., n_fft=...)``.

    Examples
    --------
    >>> frames_to_time(np.array([0, 43, 861]), sr=22050, hop_length=512)
    array([ 0.        ,  0.99845805, 19.99238095])
    """
    sr = check_sr(sr)
    return samples_to_time(frames_to_samples(frames, hop_length=hop_length, n_fft=n_fft), sr=sr)


def time_to_frames(
    times: Any, *, sr: float = 22050, hop_length: int = 512, n_fft: int | None = None
) -> Any:
    """The frame of each time: ``samples_to_frames(time_to_samples(t, sr), ...)``.

    ``t * sr`` is truncated toward zero to a sample index (as librosa does), then mapped to
    the frame whose centre is at or before it.

    Notes
    -----
    librosa equivalent: ``librosa.time_to_frames(times, sr=sr, hop_length=..., n_fft=...)``.

    Examples
    --------
    >>> time_to_frames(np.array([0.0, 1.0, 20.0]), sr=22050, hop_length=512)
    array([  0,  43, 861])
    """
    samples = time_to_samples(times, sr=sr)
    return samples_to_frames(samples, hop_length=hop_length, n_fft=n_fft)
