"""The record of one mel-spectrogram convention (:class:`Convention`); the named ones are
in :mod:`dsp.compat.presets`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Convention"]


@dataclass(frozen=True)
class Convention:
    """Every choice one system makes on the way from audio to a (log) mel spectrogram.

    Sizes are in samples at ``sr``. ``framing`` is ``"centre"`` (pad ``frame_length // 2`` on
    both sides with ``pad_mode``, frame ``t`` centred on sample ``t * hop``) or ``"snip"``
    (Kaldi's ``snip_edges``: only frames inside the signal). ``fft_placement`` is where a frame
    shorter than ``n_fft`` sits: ``"centre"`` (librosa's window padding) or ``"start"`` (Kaldi:
    zeros appended). ``mel_scale`` is ``"slaney"``, ``"htk"`` (``2595 log10(1 + f/700)``) or
    ``"kaldi"`` (``1127 ln(1 + f/700)``); ``triangles`` are drawn linear in ``"hz"`` or in
    ``"mel"``. ``log`` is ``"db"`` (``10 log10``), ``"log10"``, ``"ln"`` or None, floored at
    ``log_floor``; ``dynamic_range_db`` clamps at the maximum minus that many dB, then
    ``(x + offset) / scale``.
    """

    name: str
    system: str
    dsp_function: str
    sr: int | None
    input_scale: float
    frame_length: int
    hop_length: int
    framing: str
    pad_mode: str | None
    drop_last: bool
    dither: float
    remove_dc: bool
    preemphasis: float
    window: str
    window_periodic: bool
    n_fft: int
    fft_placement: str
    power: float
    n_mels: int
    fmin: float
    fmax: float | None
    mel_scale: str
    triangles: str
    filter_norm: str | None
    log: str | None
    log_floor: float
    dynamic_range_db: float | None
    offset: float
    scale: float
    layout: str
    mel_spectrogram: dict[str, Any] | None = field(default=None, compare=False)
    notes: str = ""

    def __call__(self, y: Any, **overrides: Any) -> Any:
        """The convention's features of audio ``y`` (``[-1, 1]`` scale, at :attr:`sr`), in
        its own layout, computed by :attr:`dsp_function`; ``overrides`` go to that function.

        Examples
        --------
        >>> import numpy as np
        >>> y = np.random.default_rng(0).standard_normal(16000).astype(np.float32) * 0.1
        >>> from dsp.compat.presets import PRESETS
        >>> PRESETS["whisper"](y).shape, PRESETS["kaldi"](y).shape
        ((80, 100), (98, 23))
        """
        from ..pipeline import melspectrogram
        from .kaldi import kaldi_fbank  # imported here: the pipeline imports this module
        from .presets import preset_kwargs
        from .whisper import whisper_log_mel

        if self.name == "whisper":
            return whisper_log_mel(y, **overrides)
        if self.name in ("kaldi", "torchaudio-kaldi"):
            floor = {"energy_floor": 1.0} if self.name == "torchaudio-kaldi" else {}
            overrides = {"dither": self.dither, **floor, **overrides}
            return kaldi_fbank(y * self.input_scale, **overrides)
        kwargs = {**preset_kwargs(self.name), **overrides}
        db = {k: kwargs.pop(k) for k in ("ref", "amin", "top_db") if k in kwargs}
        M = melspectrogram(y=y, **kwargs)
        if self.log is None:
            return M
        from ..db import power_to_db

        return power_to_db(M, **db)

    def describe(self) -> dict[str, dict[str, Any]]:
        """The convention's parameters grouped by stage, in pipeline order."""
        return {
            "resample": {"sr": self.sr or "any", "input scale": self.input_scale},
            "framing": {
                "frame length": self.frame_length,
                "hop": self.hop_length,
                "framing": self.framing,
                "pad mode": self.pad_mode,
                "last frame dropped": self.drop_last,
                "dither": self.dither,
                "DC removed": self.remove_dc,
                "pre-emphasis": self.preemphasis,
            },
            "window": {"window": self.window, "periodic": self.window_periodic},
            "FFT": {"n_fft": self.n_fft, "frame placed": self.fft_placement},
            "power": {"power": self.power},
            "filterbank": {
                "n_mels": self.n_mels,
                "fmin": self.fmin,
                "fmax": self.fmax if self.fmax is not None else "sr/2",
                "mel scale": self.mel_scale,
                "triangles in": self.triangles,
                "filter norm": self.filter_norm,
            },
            "log/dB": {"log": self.log, "floor": self.log_floor},
            "normalisation": {
                "dynamic range (dB)": self.dynamic_range_db,
                "offset": self.offset,
                "scale": self.scale,
                "layout": self.layout,
            },
        }
