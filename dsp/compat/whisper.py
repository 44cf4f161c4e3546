"""Whisper's log-mel input: the features OpenAI's Whisper speech models are trained on.

Whisper (openai/whisper, ``audio.py``) feeds its encoder a log-mel spectrogram of 16 kHz audio
made with fixed choices: a 400-sample (25 ms) periodic Hann window, a 160-sample (10 ms) hop,
centred frames with *reflect* padding, the last frame dropped, power 2, Slaney mel filters
(librosa's, 0-8000 Hz), then a log10 with its own floor and dynamic-range clamp and a fixed
affine rescaling. Every stage is dsp's own (:func:`dsp.melspectrogram`); this module holds only
Whisper's choices and its log/normalisation step (``docs/five-conventions.md``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from .._engine.blocked import check_precision
from .._memory import check_memory
from .._validation import check_audio, check_positive_int, check_real_number
from ..errors import ParameterError
from ..filterbank import mel_filterbank
from ..pipeline import melspectrogram, spectrogram
from ._kaldi_features import PROJECT_WORK as _PROJECT_WORK

__all__ = [
    "whisper_log_mel",
    "whisper_normalize",
    "WHISPER_SR",
    "WHISPER_N_FFT",
    "WHISPER_HOP",
    "WHISPER_CHUNK_SAMPLES",
]

#: Whisper's fixed framing: 16 kHz audio, 25 ms window, 10 ms hop, 30-s chunks (3000 frames).
WHISPER_SR, WHISPER_N_FFT, WHISPER_HOP = 16000, 400, 160
WHISPER_CHUNK_SAMPLES = 30 * WHISPER_SR
#: ``log10`` floor (a power of 1e-10 is -10 in log10) and the dynamic range kept (8 decades).
_LOG_FLOOR, _DYNAMIC_RANGE = 1e-10, 8.0


def _pad(y: np.ndarray, padding: Any) -> np.ndarray:
    """Apply the ``padding`` option of :func:`whisper_log_mel` to checked audio ``y``."""
    if padding is None:
        return y
    n = y.shape[-1]
    if isinstance(padding, str):
        if padding != "30s":
            raise ParameterError(
                f"padding={padding!r} must be None, '30s' (pad or trim to 30 s) or a number of "
                "zero samples to append"
            )
        if n >= WHISPER_CHUNK_SAMPLES:
            return y[..., :WHISPER_CHUNK_SAMPLES]
        extra = WHISPER_CHUNK_SAMPLES - n
    else:
        if isinstance(padding, bool) or not isinstance(padding, (int, np.integer)) or padding < 0:
            raise ParameterError(
                f"padding={padding!r} must be None, '30s' or a non-negative integer"
            )
        extra = int(padding)
    check_memory(
        f"padding={padding!r}", 4.0 * y.dtype.itemsize * (y.size // max(n, 1)) * (n + extra)
    )
    return np.pad(y, [(0, 0)] * (y.ndim - 1) + [(0, extra)])


def whisper_normalize(M: np.ndarray) -> np.ndarray:
    """Whisper's log and normalisation of a power mel spectrogram, in place when possible.

    Parameters
    ----------
    M : np.ndarray [shape=(..., n_mels, n_frames), real floating point]
        Power mel spectrogram (non-negative).

    Returns
    -------
    np.ndarray [shape=(..., n_mels, n_frames)]
        ``(max(L, max(L) - 8) + 4) / 4`` with ``L = log10(max(M, 1e-10))``, the maximum taken
        per signal (over the last two axes). Same dtype as ``M``.

    Notes
    -----
    The clamp keeps 8 decades (80 dB) below the loudest value; ``(L + 4) / 4`` maps the usual
    range of speech to about ``[-1, 1]``. openai-whisper takes the maximum over the whole
    tensor it is given (one clip in practice); transformers takes it per clip, as here.

    librosa equivalent: none (``(np.maximum(L, L.max() - 8) + 4) / 4`` with
    ``L = np.log10(np.maximum(M, 1e-10))``).

    Examples
    --------
    >>> import numpy as np
    >>> whisper_normalize(np.array([[1.0, 1e-3, 1e-12]]))
    array([[ 1.  ,  0.25, -1.  ]])
    """
    L = np.empty(M.shape, dtype=M.dtype)  # C order whatever the layout of M
    np.maximum(M, _LOG_FLOOR, out=L)
    np.log10(L, out=L)
    peak = L.max(axis=(-2, -1), keepdims=True)
    np.maximum(L, peak - _DYNAMIC_RANGE, out=L)
    L += 4.0
    L /= 4.0
    return L


def whisper_log_mel(
    y: np.ndarray,
    *,
    sr: float = WHISPER_SR,
    n_mels: int = 80,
    padding: str | int | None = None,
    precision: str = "float64",
) -> np.ndarray:
    """The log-mel spectrogram Whisper models take as input.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n), real floating point]
        Audio at 16 kHz, on the ``[-1, 1]`` scale.
    sr : 16000
        The sample rate of ``y``; Whisper is defined at 16 kHz only (resample first).
    n_mels : int > 0
        80 (Whisper tiny ... large-v2) or 128 (large-v3); other values follow the same recipe.
    padding : None, "30s" or int >= 0
        None (default): the signal as it is. ``"30s"``: zero-pad or trim to 30 s (480000
        samples) first, as the model's input (``whisper.pad_or_trim``; transformers'
        ``WhisperFeatureExtractor`` default): 3000 frames. An integer: append that many zero
        samples first (openai-whisper's ``log_mel_spectrogram(..., padding=N)``).
    precision : {"float64", "float32"}
        float64 (default): double-precision DFT (:func:`dsp.spectrogram`), within ``1e-6`` of
        the references. float32: :func:`dsp.melspectrogram`'s fast mode, about 2x faster and
        within about ``1e-4`` (a single-precision DFT resolves bands 80 dB below a frame's
        peak only to ~1e-3 of their power).

    Returns
    -------
    features : np.ndarray [shape=(..., n_mels, n_frames)]
        ``n_frames = (n + padding) // 160`` (3000 with ``padding="30s"``); float32 for float32
        input, float64 for float64. Values lie in ``[max - 2, max]`` with ``max <= (log10 of
        the peak power + 4) / 4``.

    Raises
    ------
    ParameterError
        For ``sr != 16000``, a bad ``n_mels`` or ``padding``, and bad audio (as
        :func:`dsp.stft`).

    Notes
    -----
    With ``B`` the Slaney-normalised Slaney-scale filterbank of ``n_mels`` bands over
    0-8000 Hz for ``n_fft = 400`` and ``S = |stft(y)|^2`` (periodic Hann, hop 160, centred,
    reflect padding), the last frame dropped (the projection ``B S`` runs in chunks small
    enough that BLAS keeps each in the calling thread)::

        M = B S,   L = log10(max(M, 1e-10)),   features = (max(L, max(L) - 8) + 4) / 4

    openai-whisper equivalent: ``whisper.log_mel_spectrogram(audio, n_mels, padding)``;
    transformers: ``WhisperFeatureExtractor(feature_size=n_mels)(y, sampling_rate=16000)``
    (with ``padding="30s"``). Both agree with this within ``1e-5``
    (``tests/test_whisper.py``).

    librosa equivalent: none; the filterbank is ``librosa.filters.mel(sr=16000, n_fft=400,
    n_mels=n_mels)``.

    Examples
    --------
    >>> import numpy as np
    >>> y = 0.1 * np.sin(2 * np.pi * 440.0 * np.arange(16000) / 16000).astype(np.float32)
    >>> features = whisper_log_mel(y)
    >>> features.shape, features.dtype
    ((80, 100), dtype('float32'))
    >>> whisper_log_mel(y, padding="30s").shape
    (80, 3000)
    """
    y = check_audio(y)
    if check_real_number("sr", sr, positive=True) != WHISPER_SR:
        raise ParameterError(
            f"sr={sr!r}: Whisper's features are defined at {WHISPER_SR} Hz; resample y first"
        )
    n_mels = check_positive_int("n_mels", n_mels)
    precision = check_precision(precision)
    y = _pad(y, padding)
    if y.shape[-1] < WHISPER_HOP:  # n // 160 frames once the last is dropped: none
        raise ParameterError(
            f"y has {y.shape[-1]} samples after padding={padding!r}: Whisper's features need "
            f"at least {WHISPER_HOP} (one hop)"
        )
    if precision == "float32":  # the fast engine: single-precision DFT, banded product
        M = melspectrogram(
            y=y,
            sr=WHISPER_SR,
            n_fft=WHISPER_N_FFT,
            hop_length=WHISPER_HOP,
            pad_mode="reflect",
            n_mels=n_mels,
            fmax=WHISPER_SR / 2,
            precision=precision,
        )
        return whisper_normalize(M[..., :-1])
    check_precision(precision)
    S = spectrogram(y, n_fft=WHISPER_N_FFT, hop_length=WHISPER_HOP, pad_mode="reflect", power=2.0)
    return whisper_normalize(_project(_filters(n_mels), S[..., :-1]))


@lru_cache(maxsize=4)
def _filters(n_mels: int) -> np.ndarray:
    """Whisper's filterbank, transposed: ``librosa.filters.mel(sr=16000, n_fft=400, n_mels)``."""
    basis = mel_filterbank(sr=WHISPER_SR, n_fft=WHISPER_N_FFT, n_mels=n_mels)
    return np.ascontiguousarray(basis.T)


def _project(basis_t: np.ndarray, S: np.ndarray) -> np.ndarray:
    """``basis_t.T @ S`` over the frames in calls of at most ``_PROJECT_WORK`` multiply-adds
    (each in the calling thread: see ``dsp.compat._kaldi_features``), written as ``(..., T,
    n_mels)`` and returned as its transposed view ``(..., n_mels, T)``."""
    frames = np.swapaxes(S, -1, -2)  # (..., T, n_bins): C-contiguous rows for the STFT's layout
    out = np.empty(frames.shape[:-1] + (basis_t.shape[1],), dtype=S.dtype)
    step = max(8, _PROJECT_WORK // basis_t.size)
    for a in range(0, frames.shape[-2], step):
        np.matmul(frames[..., a : a + step, :], basis_t, out=out[..., a : a + step, :])
    return np.swapaxes(out, -1, -2)
