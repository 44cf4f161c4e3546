"""Transforms: the pipeline's stages as objects that build their constants once.

As torchaudio splits ``functional`` from ``transforms``: the math lives in the stage modules
(:mod:`dsp.spectrum`, :mod:`dsp.filterbank`, :mod:`dsp.db`); a transform checks its parameters
and builds its window, frame geometry or filterbank in the constructor, then applies them to
any number of signals. :class:`MelSpectrogram` is a :class:`Spectrogram` followed by a
:class:`MelScale`; the functional forms in :mod:`dsp.pipeline` call these objects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._engine.banded import banded_project
from ._engine.blocked import check_precision, dense_project, mel_blocked, power_blocked
from ._engine.frames import FrameSource
from ._memory import check_memory
from ._validation import check_audio, check_pad_mode, check_real_number, check_spectrogram
from .db import RefSpec, power_to_db
from .errors import ParameterError
from .filterbank import mel_filterbank
from .framing import FrameGeometry
from .spectrum import (
    check_framing,
    check_layout,
    check_stft_memory,
    resolve_stft_lengths,
    stft,
    stft_window,
)
from .windows import WindowSpec

if TYPE_CHECKING:
    from .streaming import MelStream, SpectrogramStream, StftStream

__all__ = ["Spectrogram", "MelScale", "MelSpectrogram", "STAGES"]

#: The names :meth:`MelSpectrogram.stages` returns, in pipeline order.
STAGES = ("frames", "windowed", "spectrum", "power", "mel", "db")


def check_finite(out: np.ndarray, power: float) -> np.ndarray:
    """``out`` if finite; else ``ParameterError``: finite audio gave ``inf`` (``|D| ** power``
    beyond the dtype's range: a huge ``power`` or huge samples), not a result."""
    with np.errstate(invalid="ignore"):
        largest = out.max(initial=0.0)
    if not np.isfinite(largest):
        raise ParameterError(
            f"power={power} overflows {out.dtype}: |D| ** power exceeds "
            f"{np.finfo(out.dtype).max:.3g} for this signal; use a smaller power, or scale y"
        )
    return out


class Spectrogram:
    """``|stft(y)| ** power``, with the window and frame geometry built once.

    Parameters
    ----------
    n_fft, hop_length, win_length, window, center, pad_mode, precision
        As :func:`dsp.stft`.
    power : float > 0
        Exponent of the magnitude: 1 for magnitude, 2 for power.

    Attributes
    ----------
    geometry : dsp.FrameGeometry
        Frame length, hop and centring.
    window : np.ndarray [shape=(n_fft,), float64]
        The periodic window, zero-padded to ``n_fft``.

    Notes
    -----
    ``S = |D| ** power`` (eq. P1: the absolute value first, then the power), in the STFT's real
    dtype. With the float64 precisions the complex STFT is never held whole: each block's
    power is written straight into ``S`` (Fortran order, as librosa's).

    librosa equivalent: ``np.abs(librosa.stft(y, ...)) ** power`` (identical).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.random.default_rng(0).standard_normal(4096).astype(np.float32)
    >>> Spectrogram(n_fft=512, power=2.0)(y).shape
    (257, 33)
    """

    def __init__(
        self,
        *,
        n_fft: int = 2048,
        hop_length: int | None = None,
        win_length: int | None = None,
        window: WindowSpec = "hann",
        center: bool = True,
        pad_mode: str = "constant",
        power: float = 1.0,
        precision: str = "float64",
    ) -> None:
        self.n_fft, self.hop_length, self.win_length = resolve_stft_lengths(
            n_fft, hop_length, win_length
        )
        self.geometry = FrameGeometry(n_fft=self.n_fft, hop_length=self.hop_length, center=center)
        check_memory(f"n_fft={self.n_fft}", 16.0 * self.n_fft)  # the window, and its copy
        self.center = self.geometry.center
        self.pad_mode = check_pad_mode(pad_mode) if self.center else pad_mode
        self.power = check_real_number("power", power, positive=True)
        self.precision = check_precision(precision)
        self.window_spec = window
        self.window = stft_window(window, self.win_length, self.n_fft)

    def check(self, y: Any, itemsize: int = 8) -> np.ndarray:
        """Validate audio ``y`` for this transform (values, layout, length, memory)."""
        y = check_audio(y)
        check_layout(y, self.n_fft)
        check_stft_memory(y, self.geometry, itemsize)
        check_framing(y, n_fft=self.n_fft, center=self.center, pad_mode=self.pad_mode)
        return y

    def stft(self, y: np.ndarray) -> np.ndarray:
        """The complex STFT of ``y`` with this transform's parameters (:func:`dsp.stft`)."""
        return stft(
            y,
            n_fft=self.n_fft,
            hop_length=self.hop_length,
            window=self.window,
            center=self.center,
            pad_mode=self.pad_mode,
            precision=self.precision,
        )

    def frames(self, y: np.ndarray) -> np.ndarray:
        """The frames of the padded signal, ``(..., n_fft, n_frames)`` (a copy)."""
        source = FrameSource(self.check(y), self.geometry, self.pad_mode)
        return np.swapaxes(source.all_frames(), -1, -2)

    def __call__(self, y: np.ndarray) -> np.ndarray:
        """``|stft(y)| ** power`` ``(..., 1 + n_fft // 2, n_frames)``."""
        if self.precision == "float32":
            with np.errstate(over="ignore"):
                return check_finite(np.abs(self.stft(y)) ** self.power, self.power)
        y = self.check(y)
        S = power_blocked(
            y, geometry=self.geometry, window=self.window, pad_mode=self.pad_mode, power=self.power
        )
        return check_finite(S, self.power)

    def stream(self) -> SpectrogramStream:
        """A streaming form: ``push(chunk)`` / ``flush()`` give frames identical to ``self(y)``
        (:class:`dsp.streaming.SpectrogramStream`)."""
        from .streaming import SpectrogramStream

        return SpectrogramStream(self)

    def stft_stream(self) -> StftStream:
        """A streaming complex STFT, identical to ``self.stft(y)`` (:mod:`dsp.streaming`)."""
        from .streaming import StftStream

        return StftStream(self)

    @property
    def nbytes(self) -> int:
        """Bytes held by the transform's arrays."""
        return int(self.window.nbytes)


class MelScale:
    """The mel projection ``M = B S``, with the filterbank ``B`` built once.

    Parameters
    ----------
    sr, n_fft, n_mels, fmin, fmax, htk, norm, dtype
        As :func:`dsp.mel_filterbank` (``dtype`` is the filterbank's).
    precision : {"float64", "float64-bounded", "float32"}
        ``"float32"`` also plans the banded product that :class:`MelSpectrogram` uses in its
        fast mode; a spectrogram passed to this object is always projected densely.

    Attributes
    ----------
    mel_basis : np.ndarray [shape=(n_mels, 1 + n_fft // 2)]
        The filterbank.

    Notes
    -----
    ``M[..., m, t] = sum_f B[m, f] S[..., f, t]`` (eq. P2), computed with librosa's own
    contraction (one BLAS call); the result has the type of ``S`` and ``B`` combined.

    librosa equivalent: ``librosa.feature.melspectrogram(S=S, sr=sr, ...)`` (identical).

    Examples
    --------
    >>> import numpy as np
    >>> S = np.ones((257, 10), dtype=np.float32)
    >>> MelScale(sr=16000, n_fft=512, n_mels=40)(S).shape
    (40, 10)
    """

    def __init__(
        self,
        *,
        sr: float = 22050,
        n_fft: int = 2048,
        n_mels: int = 128,
        fmin: float = 0.0,
        fmax: float | None = None,
        htk: bool = False,
        norm: Any = "slaney",
        dtype: Any = np.float32,
        precision: str = "float64",
    ) -> None:
        self.mel_basis = mel_filterbank(
            sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk, norm=norm, dtype=dtype
        )
        self.sr, self.n_fft, self.n_mels = sr, n_fft, self.mel_basis.shape[0]
        self.precision = check_precision(precision)
        self.banded = banded_project(self.mel_basis) if self.precision == "float32" else None

    def __call__(self, S: Any) -> np.ndarray:
        """``mel_basis @ S`` for a power or magnitude spectrogram ``(..., 1 + n_fft//2, n)``."""
        S = check_spectrogram("S", S)
        n_bins = self.mel_basis.shape[1]
        if S.ndim < 2 or S.shape[-2] != n_bins:
            raise ParameterError(
                f"S.shape={S.shape} does not match n_fft={self.n_fft}: a spectrogram for this "
                f"n_fft has {n_bins} frequency rows (S.shape[-2])"
            )
        with np.errstate(over="ignore", invalid="ignore"):
            return self.finite(dense_project(self.mel_basis, S))

    def finite(self, M: np.ndarray, power: float | None = None) -> np.ndarray:
        """``M`` if finite; else ``ParameterError``: the projection of a finite spectrogram
        (``|D| ** power``) exceeds ``M``'s dtype (a huge ``power``, or the huge unit-area
        weights of a tiny ``sr``)."""
        with np.errstate(invalid="ignore"):
            largest = M.max(initial=0.0)
        if not np.isfinite(largest):
            what = "S" if power is None else f"power={power} overflows {M.dtype}: |D| ** power"
            raise ParameterError(
                f"{what} times the mel filterbank (weights up to "
                f"{float(self.mel_basis.max()):.3g}, sr={self.sr}) exceeds "
                f"{np.finfo(M.dtype).max:.3g}; use a smaller power, a larger sr, norm=None, "
                "or scale the input"
            )
        return M

    @property
    def nbytes(self) -> int:
        """Bytes held by the filterbank (and the banded plan's blocks)."""
        return 2 * int(self.mel_basis.nbytes) if self.banded else int(self.mel_basis.nbytes)


class MelSpectrogram:
    """A mel spectrogram transform: a :class:`Spectrogram` then a :class:`MelScale`.

    The window and the filterbank are computed in the constructor, so calling the object on
    many signals repeats only the per-signal work. :meth:`stages` returns every intermediate
    of the pipeline by name.

    Parameters
    ----------
    sr, n_fft, hop_length, win_length, window, center, pad_mode, power
        As :func:`dsp.melspectrogram` (``hop_length`` defaults to 512, as librosa's).
    n_mels, fmin, fmax, htk, norm, dtype
        As :func:`dsp.mel_filterbank`.
    precision : {"float64", "float64-bounded", "float32"}
        As :func:`dsp.melspectrogram`.
    ref, amin, top_db
        As :func:`dsp.power_to_db`, for the ``"db"`` stage.

    Attributes
    ----------
    spectrogram : Spectrogram
        The first stage (``power`` as given).
    mel_scale : MelScale
        The second stage.
    window, mel_basis : np.ndarray
        The two stages' constants.

    Notes
    -----
    ``M = B |stft(y)| ** power`` (eq. P2). In the default precision ``self(y)`` is literally
    ``self.mel_scale(self.spectrogram(y))`` (without re-checking the intermediate); in
    ``"float64-bounded"`` and ``"float32"`` the two stages are fused into one block loop
    (``dsp._engine``).

    librosa equivalent: ``librosa.feature.melspectrogram(y=y, sr=sr, ...)`` (identical).

    Examples
    --------
    >>> import numpy as np
    >>> transform = MelSpectrogram(sr=16000, n_fft=512, hop_length=160, n_mels=40)
    >>> y = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
    >>> transform(y).shape
    (40, 101)
    >>> {name: a.shape for name, a in transform.stages(y).items()}  # doctest: +NORMALIZE_WHITESPACE
    {'frames': (512, 101), 'windowed': (512, 101), 'spectrum': (257, 101),
     'power': (257, 101), 'mel': (40, 101), 'db': (40, 101)}
    """

    def __init__(
        self,
        *,
        sr: float = 22050,
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
        ref: RefSpec = 1.0,
        amin: float = 1e-10,
        top_db: float | None = 80.0,
        precision: str = "float64",
    ) -> None:
        self.spectrogram = Spectrogram(
            n_fft=n_fft,
            hop_length=hop_length,
            win_length=win_length,
            window=window,
            center=center,
            pad_mode=pad_mode,
            power=power,
            precision=precision,
        )
        self.mel_scale = MelScale(
            sr=sr,
            n_fft=self.spectrogram.n_fft,
            n_mels=n_mels,
            fmin=fmin,
            fmax=fmax,
            htk=htk,
            norm=norm,
            dtype=dtype,
            precision=precision,
        )
        self.ref, self.amin, self.top_db = ref, amin, top_db
        self.sr, self.precision = self.mel_scale.sr, self.spectrogram.precision
        self.window, self.mel_basis = self.spectrogram.window, self.mel_scale.mel_basis
        spec = self.spectrogram
        self.n_fft, self.hop_length, self.win_length = spec.n_fft, spec.hop_length, spec.win_length
        self.center, self.pad_mode, self.power = spec.center, spec.pad_mode, spec.power
        self.geometry, self.window_spec = spec.geometry, spec.window_spec

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> MelSpectrogram:
        """The transform of a named front end (``dsp.compat.presets``), ``overrides`` applied."""
        from .compat.presets import preset_kwargs

        return cls(**{**preset_kwargs(name), **overrides})

    def __call__(self, y: np.ndarray) -> np.ndarray:
        """The mel spectrogram of ``y`` ``(..., n)`` -> ``(..., n_mels, n_frames)``."""
        spec, mel = self.spectrogram, self.mel_scale
        if self.precision == "float64":
            S = spec(y)  # checked finite
            with np.errstate(over="ignore", invalid="ignore"):
                return mel.finite(dense_project(mel.mel_basis, S), spec.power)
        y = spec.check(y)
        with np.errstate(over="ignore", invalid="ignore"):
            M = mel_blocked(
                y,
                geometry=spec.geometry,
                window=spec.window,
                pad_mode=spec.pad_mode,
                power=spec.power,
                mel_basis=mel.mel_basis,
                precision=self.precision,
                banded=mel.banded,
            )
        return mel.finite(M, spec.power)

    def stages(self, y: np.ndarray) -> dict[str, np.ndarray]:
        """Every intermediate of the pipeline for audio ``y``, by name, in order.

        Returns
        -------
        dict
            ``frames`` ``(..., n_fft, n_frames)``: the (padded) signal cut into frames;
            ``windowed`` ``(..., n_fft, n_frames)``: each frame times the window (float64);
            ``spectrum`` ``(..., 1 + n_fft // 2, n_frames)``: the complex STFT;
            ``power``: ``|spectrum| ** power``; ``mel`` ``(..., n_mels, n_frames)``: equal
            to ``self(y)`` in every precision (in ``"float64"`` it is also exactly
            ``mel_scale(power)``); ``db``: ``power_to_db(mel, ref, amin, top_db)``.
        """
        spectrum = self.spectrogram.stft(y)  # validates y and the framing first
        frames = self.spectrogram.frames(y)
        mel = self(y)
        return {
            "frames": frames,
            "windowed": frames * self.window[:, np.newaxis],
            "spectrum": spectrum,
            "power": np.abs(spectrum) ** self.spectrogram.power,
            "mel": mel,
            "db": power_to_db(mel, ref=self.ref, amin=self.amin, top_db=self.top_db),
        }

    def stream(self, *, exact: bool = True) -> MelStream:
        """A streaming form: ``push(chunk)`` / ``flush()`` give frames identical to ``self(y)``
        (:class:`dsp.streaming.MelStream`; ``exact=False``: lower latency, a few ulps apart)."""
        from .streaming import MelStream

        return MelStream(self, exact=exact)

    @property
    def nbytes(self) -> int:
        """Bytes held by the two stages' constants."""
        return self.spectrogram.nbytes + self.mel_scale.nbytes
