"""Named conventions: how five systems turn audio into a "mel spectrogram", stage by stage.

Each :class:`Convention` records every choice a system makes, in pipeline order (input scale
and rate; framing and per-frame conditioning; window; FFT; power; filterbank; log;
normalisation), and, where the convention fits :class:`dsp.MelSpectrogram`, the keyword
arguments that reproduce it. :func:`dsp.compare` walks two of them stage by stage; the table of
all five is in ``docs/five-conventions.md``.

=====================  ===================================================================
name                   system
=====================  ===================================================================
``"librosa"``          ``librosa.feature.melspectrogram`` + ``librosa.power_to_db`` (0.11)
``"torchaudio"``       ``torchaudio.transforms.MelSpectrogram()`` defaults
``"whisper"``          openai-whisper's ``log_mel_spectrogram`` (:func:`dsp.whisper_log_mel`)
``"kaldi"``            Kaldi ``compute-fbank-feats`` defaults (:func:`dsp.kaldi_fbank`)
``"torchaudio-kaldi"`` ``torchaudio.compliance.kaldi.fbank`` defaults (no dither, energy
                       floor 1)
=====================  ===================================================================
"""

from __future__ import annotations

from typing import Any

from ..errors import ParameterError
from ._convention import Convention

__all__ = ["Convention", "PRESETS", "preset_kwargs", "get_preset"]


_HANN: dict[str, Any] = dict(
    window="hann",
    window_periodic=True,
    framing="centre",
    drop_last=False,
    fft_placement="centre",
    dither=0.0,
    remove_dc=False,
    preemphasis=0.0,
    input_scale=1.0,
    power=2.0,
    fmin=0.0,
    mel_scale="slaney",
    triangles="hz",
    filter_norm="slaney",
    offset=0.0,
    scale=1.0,
    layout="(n_mels, n_frames)",
)
_KALDI: dict[str, Any] = dict(
    sr=16000,
    input_scale=32768.0,
    frame_length=400,
    hop_length=160,
    framing="snip",
    pad_mode=None,
    drop_last=False,
    remove_dc=True,
    preemphasis=0.97,
    window="povey",
    window_periodic=False,
    n_fft=512,
    fft_placement="start",
    power=2.0,
    n_mels=23,
    fmin=20.0,
    fmax=None,
    mel_scale="kaldi",
    triangles="mel",
    filter_norm=None,
    log="ln",
    log_floor=1.1920928955078125e-07,
    dynamic_range_db=None,
    offset=0.0,
    scale=1.0,
    layout="(n_frames, n_mels)",
)


def _hann(**fields: Any) -> Convention:
    """A convention of the Hann family (``_HANN`` overridden by ``fields``), with the
    :class:`dsp.MelSpectrogram` keyword arguments that reproduce it, read off the same fields:
    one frame per FFT, ``htk`` for the HTK scale, and the dB stage's ``ref=1``, floor and range
    when there is a log."""
    c = {**_HANN, **fields}
    mel_spectrogram = dict(
        sr=c["sr"],
        n_fft=c["n_fft"],
        hop_length=c["hop_length"],
        win_length=c["frame_length"],
        window=c["window"],
        center=c["framing"] == "centre",
        pad_mode=c["pad_mode"],
        power=c["power"],
        n_mels=c["n_mels"],
        fmin=c["fmin"],
        fmax=c["fmax"],
        htk=c["mel_scale"] == "htk",
        norm=c["filter_norm"],
    )
    if c["log"] is not None:
        mel_spectrogram.update(ref=1.0, amin=c["log_floor"], top_db=c["dynamic_range_db"])
    return Convention(mel_spectrogram=mel_spectrogram, **c)


#: The named conventions, by name.
PRESETS: dict[str, Convention] = {
    c.name: c
    for c in (
        _hann(
            name="librosa",
            system="librosa 0.11: feature.melspectrogram, then power_to_db",
            dsp_function="dsp.power_to_db(dsp.melspectrogram(y=y, sr=sr))",
            sr=22050,
            frame_length=2048,
            hop_length=512,
            pad_mode="constant",
            n_fft=2048,
            n_mels=128,
            fmax=None,
            log="db",
            log_floor=1e-10,
            dynamic_range_db=80.0,
            notes="librosa.load resamples to 22050 Hz by default (soxr_hq).",
        ),
        _hann(
            name="torchaudio",
            system="torchaudio.transforms.MelSpectrogram() (2.x defaults)",
            dsp_function='dsp.MelSpectrogram.preset("torchaudio")(y)',
            sr=16000,
            frame_length=400,
            hop_length=200,
            pad_mode="reflect",
            n_fft=400,
            n_mels=128,
            fmax=None,
            mel_scale="htk",
            filter_norm=None,
            log=None,
            log_floor=0.0,
            dynamic_range_db=None,
            notes="No log: the transform returns power; users add AmplitudeToDB.",
        ),
        _hann(
            name="whisper",
            system="openai-whisper log_mel_spectrogram (audio.py)",
            dsp_function="dsp.whisper_log_mel(y)",
            sr=16000,
            frame_length=400,
            hop_length=160,
            pad_mode="reflect",
            drop_last=True,
            n_fft=400,
            n_mels=80,
            fmax=8000.0,
            log="log10",
            log_floor=1e-10,
            dynamic_range_db=80.0,
            offset=4.0,
            scale=4.0,
            notes="The preset's 'mel' stage is Whisper's M with one frame more; its 'db' stage "
            "is 10 L (L clamped): features = (db[..., :-1] / 10 + 4) / 4.",
        ),
        Convention(
            name="kaldi",
            system="Kaldi compute-fbank-feats (feature-fbank.h defaults)",
            dsp_function="dsp.kaldi_fbank(y * 32768)",
            dither=1.0,
            notes="Does not fit MelSpectrogram (pre-emphasis, DC removal, povey window, "
            "snip_edges, triangles in mel): use dsp.kaldi_fbank.",
            **_KALDI,
        ),
        Convention(
            name="torchaudio-kaldi",
            system="torchaudio.compliance.kaldi.fbank defaults",
            dsp_function="dsp.kaldi_fbank(y * 32768, dither=0.0)",
            dither=0.0,
            notes="Kaldi's options with dither=0 and energy_floor=1 (used with use_energy only); "
            "kaldi-native-fbank computes the same.",
            **_KALDI,
        ),
    )
}


def get_preset(name: str) -> Convention:
    """The :class:`Convention` called ``name`` (one of :data:`PRESETS`).

    Raises
    ------
    ParameterError
        For an unknown name.

    Examples
    --------
    >>> get_preset("whisper").hop_length
    160
    """
    if not isinstance(name, str) or name not in PRESETS:
        raise ParameterError(f"convention {name!r} is not known; use one of {list(PRESETS)}")
    return PRESETS[name]


def preset_kwargs(name: str) -> dict[str, Any]:
    """The :class:`dsp.MelSpectrogram` keyword arguments of a named convention.

    Parameters
    ----------
    name : {"librosa", "torchaudio", "whisper"}
        A convention of :data:`PRESETS` that the transform can express.

    Returns
    -------
    dict
        A fresh dict (safe to modify): ``MelSpectrogram(**preset_kwargs(name))``.

    Raises
    ------
    ParameterError
        For an unknown name, or a convention the transform cannot express (``"kaldi"``,
        ``"torchaudio-kaldi"``: use :func:`dsp.kaldi_fbank`).

    Notes
    -----
    torchaudio: ``MelSpectrogram(sample_rate=16000, n_fft=400, win_length=400,
    hop_length=200, f_min=0, f_max=sr/2, n_mels=128, window_fn=torch.hann_window, power=2,
    center=True, pad_mode="reflect", norm=None, mel_scale="htk")``: HTK scale, triangles in Hz,
    peak 1.

    librosa equivalent: ``librosa.feature.melspectrogram(y=y, **kwargs)`` for ``"librosa"``.

    Examples
    --------
    >>> kwargs = preset_kwargs("torchaudio")
    >>> kwargs["n_fft"], kwargs["hop_length"], kwargs["htk"], kwargs["norm"]
    (400, 200, True, None)
    """
    convention = get_preset(name)
    if convention.mel_spectrogram is None:
        raise ParameterError(
            f"the {name!r} convention does not fit MelSpectrogram: {convention.notes}"
        )
    return dict(convention.mel_spectrogram)
