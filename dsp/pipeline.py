"""The pipeline, functional form: audio -> STFT -> magnitude/power -> mel filterbank.

This module composes the stages; it holds no math of its own. :func:`spectrogram` and
:func:`melspectrogram` build the transform of :mod:`dsp.transforms` for their parameters (or
reuse it from a small cache) and apply it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import numpy as np

from ._validation import check_array
from .errors import ParameterError
from .transforms import STAGES, MelScale, MelSpectrogram, Spectrogram
from .windows import WindowSpec

__all__ = ["spectrogram", "melspectrogram", "MelSpectrogram", "STAGES", "TransformCache"]


class TransformCache:
    """The transforms built for recent parameter sets, bounded by entries and by bytes.

    Keys hold each parameter's type as well as its value: ``sr=np.float32(16000)`` and
    ``sr=16000.0`` compare equal but give different filterbanks (librosa computes with the
    type it is given), and ``n_mels=True`` must be refused, not served the ``n_mels=1`` entry.
    A transform larger than ``max_bytes`` is built for its call and not kept.
    """

    def __init__(self, max_entries: int = 8, max_bytes: int = 64 << 20) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._entries: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(kind: type, params: dict[str, Any]) -> Any:
        """A hashable key of ``params`` with types, or None (an array or other unhashable)."""

        def typed(value: Any) -> Any:
            if isinstance(value, tuple):
                return (tuple, tuple(typed(v) for v in value))
            if isinstance(value, float) and value != value:  # NaN never equals itself
                return None
            return (type(value), value)

        key = (kind, tuple((name, typed(value)) for name, value in sorted(params.items())))
        try:
            hash(key)
        except TypeError:
            return None
        return key

    def get(self, kind: type, params: dict[str, Any]) -> Any:
        """The cached ``kind(**params)``, building (and keeping, if small enough) it if new."""
        key = self.key(kind, params)
        if key is not None:
            with self._lock:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    return self._entries[key]
        transform = kind(**params)
        if key is not None and transform.nbytes <= self.max_bytes:
            with self._lock:
                self._entries[key] = transform
                while (
                    len(self._entries) > self.max_entries
                    or sum(t.nbytes for t in self._entries.values()) > self.max_bytes
                ):
                    self._entries.popitem(last=False)
        return transform

    def nbytes(self) -> int:
        """Bytes held by the cached transforms."""
        with self._lock:
            return sum(t.nbytes for t in self._entries.values())

    def clear(self) -> None:
        """Forget every cached transform."""
        with self._lock:
            self._entries.clear()


#: The cache :func:`spectrogram` and :func:`melspectrogram` use.
CACHE = TransformCache()


def _parameters(arguments: dict[str, Any], *data: str) -> dict[str, Any]:
    """A function's parameters (its ``locals()`` on entry) but the ``data`` arguments: the
    keyword arguments of its transform, whose parameters have the same names and meanings."""
    return {name: value for name, value in arguments.items() if name not in data}


def spectrogram(
    y: np.ndarray,
    *,
    n_fft: int = 2048,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: WindowSpec = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    power: float = 1.0,
    precision: str = "float64",
) -> np.ndarray:
    """Magnitude (``power=1``) or power (``power=2``) spectrogram: ``|stft(y)| ** power``.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n), real floating point]
        The signal.
    n_fft, hop_length, win_length, window, center, pad_mode, precision
        As :func:`dsp.stft`.
    power : float > 0
        Exponent of the magnitude.

    Returns
    -------
    S : np.ndarray [shape=(..., 1 + n_fft // 2, n_frames)]
        float32 for float32 input, float64 for float64.

    Raises
    ------
    ParameterError
        As :func:`dsp.stft`, and for ``power <= 0``.

    Notes
    -----
    ``S = |D| ** power`` (eq. P1), by :class:`dsp.transforms.Spectrogram`.

    librosa equivalent: ``np.abs(librosa.stft(y, ...)) ** power`` (identical).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.random.default_rng(0).standard_normal(4096).astype(np.float32)
    >>> spectrogram(y, n_fft=512, power=2.0).shape
    (257, 33)
    """
    return CACHE.get(Spectrogram, _parameters(locals(), "y"))(y)


def melspectrogram(
    *,
    y: np.ndarray | None = None,
    sr: float = 22050,
    S: np.ndarray | None = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    win_length: int | None = None,
    window: WindowSpec = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    power: float = 2.0,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: float | None = None,
    htk: bool = False,
    norm: Any = "slaney",
    dtype: Any = np.float32,
    precision: str = "float64",
) -> np.ndarray:
    """Mel spectrogram of audio ``y`` or of a spectrogram ``S``.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)] or None
        Audio. Exactly one of ``y`` and ``S`` must be given.
    sr : float > 0
        Sample rate, Hz.
    S : np.ndarray [shape=(..., n_bins, n_frames)] or None
        A precomputed spectrogram ``|D| ** power``, finite and non-negative. As librosa,
        ``n_fft`` is then taken from it, ``2 * (n_bins - 1)``, unless the ``n_fft`` given
        has ``n_bins`` bins (``n_fft // 2 + 1 == n_bins``: an odd ``n_fft`` is kept).
    n_fft, hop_length, win_length, window, center, pad_mode
        As :func:`dsp.stft`; note the default hop is 512 here whatever ``n_fft`` is.
    power : float > 0
        1 for magnitude, 2 for power.
    n_mels, fmin, fmax, htk, norm, dtype
        As :func:`dsp.mel_filterbank` (``dtype`` is the filterbank's; the result has the
        type of the spectrogram and the filterbank combined: float64 for ``dtype=np.float64``).
    precision : {"float64", "float64-bounded", "float32"}
        ``"float64"`` (default): librosa's computation, bit-identical on every BLAS; holds the
        float32 power spectrogram (half of librosa's complex STFT). ``"float64-bounded"``: the
        same DFT and power, projected in chunks in bounded memory (128 MiB or twice the output);
        identical on most BLAS kernels, else within ``2e-6 * M.max()``. ``"float32"`` (fast
        mode): single-precision DFT, banded mel product, about 2x faster; within
        ``1e-5 * M.max()`` for ``power >= 1`` (``1e-5 ** power * M.max()`` below 1). Ignored
        when ``S`` is given.

    Returns
    -------
    M : np.ndarray [shape=(..., n_mels, n_frames)]

    Raises
    ------
    ParameterError
        For neither or both of ``y`` and ``S``, an ``S`` that is not a finite non-negative
        spectrogram, and everything :func:`dsp.stft` and :func:`dsp.mel_filterbank` reject.

    Notes
    -----
    ``M = B S`` with ``B = mel_filterbank(...)`` and ``S = |stft(y)| ** power`` (eq. P2), by
    :class:`dsp.MelSpectrogram`. The transform of each parameter set is cached (:data:`CACHE`:
    8 sets, 64 MiB at most).

    librosa equivalent: ``librosa.feature.melspectrogram(y=y, sr=sr, S=S, ...)`` (identical).

    Examples
    --------
    >>> import numpy as np
    >>> sr = 22050
    >>> y = np.random.default_rng(0).standard_normal(20 * sr).astype(np.float32)
    >>> M = melspectrogram(y=y, sr=sr, n_mels=128)
    >>> M.shape, M.dtype
    ((128, 862), dtype('float32'))
    """
    params = _parameters(locals(), "y", "S")
    if (y is None) == (S is None):
        raise ParameterError("give exactly one of y (audio) and S (a spectrogram)")
    if S is not None:
        S = check_array("S", S)  # ragged lists and masked arrays: ParameterError
        if S.ndim < 2 or S.shape[-2] < 2:
            raise ParameterError(
                f"S.shape={S.shape}: a spectrogram needs frequency rows (S.shape[-2] >= 2, "
                "n_fft = 2 * (rows - 1)) and a time axis"
            )
        if not isinstance(n_fft, (int, np.integer)) or n_fft // 2 + 1 != S.shape[-2]:
            n_fft = 2 * (S.shape[-2] - 1)  # librosa's rule: n_fft from S where they disagree
        scale = dict(sr=sr, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk, norm=norm, dtype=dtype)
        return CACHE.get(MelScale, dict(scale, n_fft=n_fft))(S)
    return CACHE.get(MelSpectrogram, params)(y)
