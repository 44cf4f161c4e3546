"""Spectrograms are images: the step from a dB spectrogram to a 2-D CNN input tensor.

A CNN for images takes ``(channels, height, width)``. A mel spectrogram in dB is a one-channel
image of height ``n_mels`` and width ``n_frames``; this module adds the channel axis, optionally
rescales, and hands back a C-contiguous float32 array that ``torch.from_numpy`` wraps without
copying.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_choice, check_real_array
from .errors import ParameterError

__all__ = ["to_cnn_input", "NORMALIZATIONS"]

#: Above this magnitude, values are scaled by a power of two before normalising, so that a span
#: or a sum of squares cannot overflow float64 (the result is the same: both are scale-free).
_PRESCALE_ABOVE = 1e150

#: What ``to_cnn_input(normalize=...)`` accepts.
NORMALIZATIONS = (None, "minmax", "standard")


def to_cnn_input(S_db: np.ndarray, *, normalize: str | None = None) -> np.ndarray:
    """Turn a dB spectrogram ``(..., n_mels, n_frames)`` into a CNN input ``(..., 1, n_mels,
    n_frames)``.

    Parameters
    ----------
    S_db : np.ndarray [shape=(..., n_mels, n_frames), real]
        A spectrogram, usually in dB (e.g. ``power_to_db(melspectrogram(...), ref=np.max)``).
        Leading axes are batch (or audio channels).
    normalize : {None, "minmax", "standard"}
        None (default): values as they are. ``"minmax"``: each image scaled to ``[0, 1]``.
        ``"standard"``: each image shifted and scaled to mean 0, standard deviation 1.
        "Each image" is each ``(n_mels, n_frames)`` matrix; a constant image becomes zeros.

    Returns
    -------
    x : np.ndarray [shape=(..., 1, n_mels, n_frames), dtype=float32, C-contiguous]

    Raises
    ------
    ParameterError
        If ``S_db`` has fewer than 2 dimensions, is empty, complex, masked or not finite, if
        ``normalize`` is unknown, or if ``normalize=None`` and a value lies beyond float32's
        range (it would become inf). Integers are read as float64, float16 as float32.

    Notes
    -----
    Row 0 is the lowest mel band: an image library shows it at the *top*, so flip the
    height axis for display only (``dsp.image`` does), never for the network.

    ``minmax``: ``(x - min) / (max - min)``; ``standard``: ``(x - mean) / std``, per image,
    computed in float64 and then rounded to float32.

    librosa equivalent: none; with torch,
    ``torch.tensor(S_db).unsqueeze(-3)`` (a copy) instead of ``torch.from_numpy(x)`` (none).

    Examples
    --------
    >>> import numpy as np
    >>> S_db = np.zeros((128, 862), dtype=np.float32)
    >>> x = to_cnn_input(S_db)
    >>> x.shape, x.dtype, x.flags.c_contiguous
    ((1, 128, 862), dtype('float32'), True)
    """
    S_db = check_real_array("S_db", S_db)
    if S_db.ndim < 2:
        raise ParameterError(f"S_db.shape={S_db.shape} must be (..., n_mels, n_frames)")
    if S_db.size == 0:
        raise ParameterError(f"S_db is empty (shape={S_db.shape})")
    check_choice("normalize", normalize, NORMALIZATIONS)
    with np.errstate(invalid="ignore"):
        low, high = S_db.min(), S_db.max()
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ParameterError("S_db is not finite everywhere (did power_to_db get top_db=None?)")
    limit = float(np.finfo(np.float32).max)
    if normalize is None and not -limit <= low <= high <= limit:
        raise ParameterError(
            f"S_db ranges over [{low:.6g}, {high:.6g}], beyond float32's +-{limit:.3g}: the "
            "CNN input would hold inf; pass normalize='minmax' or 'standard', or rescale"
        )
    if normalize is None:
        return np.array(S_db[..., np.newaxis, :, :], dtype=np.float32, order="C")

    # Statistics in float64: in float32 a span or a sum of squares near 3.4e38 overflows.
    x = np.array(S_db[..., np.newaxis, :, :], dtype=np.float64, order="C")
    largest = max(abs(float(low)), abs(float(high)))
    if largest > _PRESCALE_ABOVE:  # both normalisations are scale-free: divide by a power of 2
        x = np.ldexp(x, -int(np.frexp(largest)[1]))
    axes = (-2, -1)
    if normalize == "minmax":
        low_image = x.min(axis=axes, keepdims=True)
        span = x.max(axis=axes, keepdims=True) - low_image
        x -= low_image
    else:
        x -= x.mean(axis=axes, keepdims=True)
        span = x.std(axis=axes, keepdims=True)
    np.divide(x, span, out=x, where=span > 0)
    return x.astype(np.float32)
