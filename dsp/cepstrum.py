"""Mel-frequency cepstral coefficients (MFCCs) and their inversion back to a mel spectrogram.

A log-mel spectrum is smooth across bands, and neighbouring bands are strongly correlated. The
DCT (:mod:`dsp.cosine`) re-expresses each column as a sum of cosines over the band axis: the
first few coefficients describe the spectral envelope (the vocal tract, the timbre), the later
ones the fine ripple, and the coefficients are nearly decorrelated. Keeping the first
``n_mfcc`` of them gives the MFCCs (``docs/mfcc.md``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._memory import check_memory
from ._validation import (
    check_positive_int,
    check_real_array,
    check_real_number,
    first_true_index,
    warn,
)
from .cosine import _MATRIX_MAX, DctNorm, DctType, _matrix, dct, idct
from .db import db_to_power, power_to_db
from .errors import ParameterError
from .mel_inverse import mel_to_audio
from .pipeline import melspectrogram

__all__ = ["mfcc", "mfcc_to_mel", "mfcc_to_audio"]


def _check_cepstral_args(dct_type: Any, norm: Any, lifter: Any) -> tuple[Any, Any, float]:
    if (
        not isinstance(dct_type, (int, np.integer))
        or isinstance(dct_type, bool)
        or (dct_type not in (1, 2, 3))
    ):
        raise ParameterError(f"dct_type={dct_type!r} must be 1, 2 or 3")
    if not (norm is None or (isinstance(norm, str) and norm == "ortho")):
        raise ParameterError(f"norm={norm!r} must be None or 'ortho'")
    lifter = check_real_number("lifter", lifter, nonnegative=True)
    return int(dct_type), norm, lifter


def _lifter_weights(lifter: float, n: int, dtype: np.dtype) -> np.ndarray:
    """``w_i = 1 + (lifter / 2) sin(pi i / lifter)`` for ``i = 1 .. n``, in ``dtype``.

    Computed as librosa does (in ``dtype``, so that float32 rounds the same way) wherever that
    is finite. Where it is not, the same values stably: a ``lifter`` below ``eps / 2`` puts
    every weight within ``eps / 4`` of 1, so each rounds to exactly 1 (librosa's
    ``pi i / lifter`` would overflow and give NaN); a ``lifter`` beyond ``dtype``'s range is
    ``1 + (pi i / 2) sinc(i / lifter)`` in float64, which tends to ``1 + pi i / 2``.
    """
    if lifter < float(np.finfo(dtype).eps) / 2:
        return np.ones(n, dtype=dtype)
    with np.errstate(all="ignore"):
        sine = np.sin(np.pi * np.arange(1, 1 + n, dtype=dtype) / lifter)
        weights = 1 + (lifter / 2) * sine
    if np.isfinite(weights).all():
        return weights
    index = np.arange(1, 1 + n, dtype=np.float64)
    return (1 + (np.pi * index / 2) * np.sinc(index / lifter)).astype(dtype)


def _check_bands(name: str, value: Any) -> np.ndarray:
    """A finite real array of at least 2 dimensions ``(..., bands, frames)``."""
    array = check_real_array(name, value)
    if array.ndim < 2 or array.size == 0:
        raise ParameterError(
            f"{name}.shape={array.shape} must be (..., n_bands, n_frames), non-empty"
        )
    if not np.isfinite(array).all():
        index = first_true_index(~np.isfinite(array))
        raise ParameterError(f"{name} is not finite everywhere: {name}[{index}]={array[index]}")
    return array


def mfcc(
    *,
    y: np.ndarray | None = None,
    sr: float = 22050,
    S: np.ndarray | None = None,
    n_mfcc: int = 20,
    dct_type: DctType = 2,
    norm: DctNorm = "ortho",
    lifter: float = 0,
    mel_norm: Any = "slaney",
    **mel_kwargs: Any,
) -> np.ndarray:
    """Mel-frequency cepstral coefficients: the DCT of a log-power mel spectrogram.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)] or None
        Audio. Give exactly one of ``y`` and ``S``.
    sr : float > 0
        Sample rate, Hz.
    S : np.ndarray [shape=(..., n_mels, n_frames)] or None
        A log-power mel spectrogram (dB), e.g. ``power_to_db(melspectrogram(...))``.
    n_mfcc : int > 0
        Coefficients kept (the first ``n_mfcc`` rows of the DCT).
    dct_type : {1, 2, 3}
        DCT type, see :func:`dct`.
    norm : {None, "ortho"}
        DCT scaling, see :func:`dct`.
    lifter : float >= 0
        Cepstral liftering: if > 0, coefficient ``i`` (from 1) is multiplied by
        ``1 + (lifter / 2) sin(pi i / lifter)``, raising the higher coefficients (HTK uses
        22). Any value is computed without overflow: a lifter below half the dtype's ``eps``
        changes nothing (every weight rounds to 1), and a huge one gives the limit
        ``1 + pi i / 2``.
    mel_norm : {"slaney", None} or float > 0
        ``norm`` of the mel filterbank (:func:`dsp.mel_filterbank`).
    **mel_kwargs
        Passed to :func:`dsp.melspectrogram` (``n_fft``, ``hop_length``, ``n_mels``, ``fmin``,
        ``fmax``, ``htk``, ``window``, ``center``, ``pad_mode``, ``power``, ...).

    Returns
    -------
    M : np.ndarray [shape=(..., n_mfcc, n_frames)]
        In the dtype of the log-mel spectrogram (float32 for float32 audio).

    Raises
    ------
    ParameterError
        For neither or both of ``y`` and ``S``, a bad ``n_mfcc``, ``dct_type``, ``norm`` or
        ``lifter``, an ``S`` that is not a finite real ``(..., n_mels, n_frames)`` array, and
        whatever :func:`dsp.melspectrogram` rejects.

    Warns
    -----
    DspWarning
        If ``n_mfcc`` exceeds the number of mel bands (only ``n_mels`` rows are returned).

    Notes
    -----
    With ``L = power_to_db(melspectrogram(y))`` (eq. X4, ``docs/conventions.md``)::

        M[..., i, t] = DCT_type(L[..., :, t])[i],   i = 0 .. n_mfcc - 1
        liftered:  M[..., i, t] *= 1 + (lifter / 2) sin(pi (i + 1) / lifter)

    The first ``n_mfcc`` rows of :func:`dct_matrix` are applied to every frame in float64;
    the result is rounded to the spectrogram's dtype, and liftered in that dtype as librosa
    does (where librosa's ``sin(pi (i + 1) / lifter)`` would overflow, the same weights are
    computed stably: see ``lifter``). The dB reference of ``power_to_db`` is
    1.0 and ``top_db`` 80 over the whole array (all channels), as in librosa.

    librosa equivalent: ``librosa.feature.mfcc(y=y, sr=sr, S=S, n_mfcc=..., dct_type=...,
    norm=..., lifter=..., mel_norm=..., **kwargs)`` (within ``1e-6`` of the largest
    coefficient: the DCT is computed differently).

    Examples
    --------
    >>> sr = 22050
    >>> y = np.sin(2 * np.pi * 440.0 * np.arange(sr) / sr).astype(np.float32)
    >>> M = mfcc(y=y, sr=sr, n_mfcc=13)
    >>> M.shape, M.dtype
    ((13, 44), dtype('float32'))
    """
    n_mfcc = check_positive_int("n_mfcc", n_mfcc)
    kind, scaling, lifter = _check_cepstral_args(dct_type, norm, lifter)
    if S is None:
        S = power_to_db(melspectrogram(y=y, sr=sr, norm=mel_norm, **mel_kwargs))
    elif y is not None:
        raise ParameterError("give exactly one of y (audio) and S (a log-power mel spectrogram)")
    S = _check_bands("S", S)
    n_mels = S.shape[-2]
    if kind == 1 and n_mels < 2:
        raise ParameterError(f"dct_type=1 needs at least 2 mel bands, S has {n_mels}")
    if n_mfcc > n_mels:
        warn(f"n_mfcc={n_mfcc} exceeds the {n_mels} mel bands; returning {n_mels} coefficients")
        n_mfcc = n_mels
    if n_mels <= _MATRIX_MAX:
        M = (_matrix(kind, n_mels, scaling)[:n_mfcc] @ S.astype(np.float64)).astype(S.dtype)
    else:
        M = dct(S, type=kind, norm=scaling, axis=-2)[..., :n_mfcc, :]
    if lifter > 0:
        M *= _lifter_weights(lifter, n_mfcc, M.dtype)[:, None]
    return M


def mfcc_to_mel(
    mfcc: np.ndarray,
    *,
    n_mels: int = 128,
    dct_type: DctType = 2,
    norm: DctNorm = "ortho",
    ref: float = 1.0,
    lifter: float = 0,
) -> np.ndarray:
    """Invert MFCCs to an approximate mel power spectrogram.

    The coefficients dropped by :func:`mfcc` are taken as zero: the result is the smooth
    spectral envelope that the kept coefficients describe.

    Parameters
    ----------
    mfcc : np.ndarray [shape=(..., n_mfcc, n_frames)]
        MFCCs.
    n_mels : int > 0
        Mel bands to reconstruct (the ``n_mels`` of the forward transform).
    dct_type, norm, lifter
        As used by :func:`mfcc`; the liftering is undone first.
    ref : float > 0
        The power that 0 dB stands for (:func:`dsp.db_to_power`).

    Returns
    -------
    M : np.ndarray [shape=(..., n_mels, n_frames)]
        Mel power spectrogram, in the dtype of ``mfcc``.

    Raises
    ------
    ParameterError
        For a bad ``mfcc`` array, ``n_mels``, ``dct_type``, ``norm``, ``ref`` or ``lifter``.

    Warns
    -----
    DspWarning
        If a lifter weight is (nearly) zero, which the division amplifies without bound.

    Notes
    -----
    ``L = idct(mfcc / w, type=dct_type, n=n_mels, axis=-2, norm=norm)`` with the lifter
    weights ``w_i = 1 + (lifter / 2) sin(pi i / lifter)`` (plus the dtype's ``tiny``), and
    ``M = db_to_power(L, ref=ref)`` (eq. X5).

    librosa equivalent: ``librosa.feature.inverse.mfcc_to_mel(mfcc, n_mels=..., dct_type=...,
    norm=..., ref=..., lifter=...)``.

    Examples
    --------
    >>> sr = 22050
    >>> y = np.random.default_rng(0).standard_normal(sr).astype(np.float32)
    >>> mfcc_to_mel(mfcc(y=y, sr=sr), n_mels=128).shape
    (128, 44)
    """
    coefficients = _check_bands("mfcc", mfcc)
    n_mels = check_positive_int("n_mels", n_mels)
    per_band = coefficients.size // max(coefficients.shape[-2], 1)
    check_memory(f"n_mels={n_mels}", 4.0 * 8 * per_band * n_mels)  # idct's and dB's arrays
    kind, scaling, lifter = _check_cepstral_args(dct_type, norm, lifter)
    check_real_number("ref", ref, positive=True)
    if lifter > 0:
        weights = _lifter_weights(lifter, coefficients.shape[-2], coefficients.dtype)
        if np.any(np.abs(weights) < np.finfo(weights.dtype).eps):
            warn(f"lifter={lifter} gives a weight of (nearly) zero; undoing it amplifies noise")
        coefficients = coefficients / (weights + np.finfo(coefficients.dtype).tiny)[:, None]
    log_mel = idct(coefficients, type=kind, n=n_mels, axis=-2, norm=scaling)
    return db_to_power(log_mel, ref=ref)


def mfcc_to_audio(
    mfcc: np.ndarray,
    *,
    n_mels: int = 128,
    dct_type: DctType = 2,
    norm: DctNorm = "ortho",
    ref: float = 1.0,
    lifter: float = 0,
    **kwargs: Any,
) -> np.ndarray:
    """Audio whose MFCCs approximate ``mfcc``: :func:`mfcc_to_mel`, then mel inversion.

    Parameters
    ----------
    mfcc : np.ndarray [shape=(..., n_mfcc, n_frames)]
        MFCCs.
    n_mels, dct_type, norm, ref, lifter
        As :func:`mfcc_to_mel`.
    **kwargs
        Passed to :func:`dsp.mel_to_audio` (``sr``, ``n_fft``, ``hop_length``, ``n_iter``,
        ``length``, ``random_state``, ...).

    Returns
    -------
    y : np.ndarray [shape=(..., n)]

    Raises
    ------
    ParameterError
        As :func:`mfcc_to_mel` and :func:`dsp.mel_to_audio`.

    Notes
    -----
    ``y = mel_to_audio(mfcc_to_mel(mfcc, ...), **kwargs)``: the envelope survives, the fine
    harmonic structure (pitch) does not; the result sounds whispered.

    librosa equivalent: ``librosa.feature.inverse.mfcc_to_audio(mfcc, n_mels=..., ...)``.

    Examples
    --------
    >>> y = np.random.default_rng(0).standard_normal(8000).astype(np.float32)
    >>> M = mfcc(y=y, sr=8000, n_fft=256, hop_length=64, n_mels=32)
    >>> mfcc_to_audio(M, n_mels=32, sr=8000, n_fft=256, hop_length=64, n_iter=2).shape
    (8000,)
    """
    mel = mfcc_to_mel(mfcc, n_mels=n_mels, dct_type=dct_type, norm=norm, ref=ref, lifter=lifter)
    return mel_to_audio(mel, **kwargs)
