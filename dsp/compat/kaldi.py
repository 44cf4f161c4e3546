"""Kaldi's filterbank and MFCC features (``compute-fbank-feats``, ``compute-mfcc-feats``).

Kaldi, and the speech toolkits built on it (k2/icefall, lhotse, ESPnet, SpeechBrain via
torchaudio's ``compliance.kaldi``, sherpa), compute features with conventions of their own:
frames that do not overhang the signal (``snip_edges``), per-frame dither, DC removal and
pre-emphasis, a *povey* window, an FFT rounded up to a power of two, a mel scale
``1127 ln(1 + f/700)`` with triangles drawn in mel, and a natural log floored at float32's
epsilon. The option names and defaults here are Kaldi's (``--frame-length`` is
``frame_length``, and so on); the stages Kaldi defines differently from librosa are in
:mod:`dsp.compat._kaldi_stages` (``docs/five-conventions.md``).

Input scale: Kaldi reads WAV files as their integer sample values, so ``y`` is expected on the
int16 scale (``[-32768, 32767]``). For audio on the ``[-1, 1]`` scale (``dsp.load``,
librosa, soundfile), pass ``y * 32768``: the log features then shift by ``ln(32768**2)`` =
20.79 (power) and dither and ``energy_floor`` keep their Kaldi meaning.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_bool, check_positive_int, check_real_number
from ..cosine import dct_matrix
from ..errors import ParameterError
from ._kaldi_features import check_input, features, options, out_dtype
from ._kaldi_stages import FLOAT_EPS, kaldi_lifter

__all__ = ["kaldi_fbank", "kaldi_mfcc", "INT16_SCALE"]

#: Multiply ``[-1, 1]`` audio by this to put it on Kaldi's int16 scale.
INT16_SCALE = 32768.0

#: The options both extractors share: checked, and completed with the frame geometry and the
#: mel basis, by ``_kaldi_features.options``.
_SHARED_OPTIONS = (
    "sample_frequency",
    "frame_length",
    "frame_shift",
    "dither",
    "seed",
    "preemphasis_coefficient",
    "remove_dc_offset",
    "window_type",
    "round_to_power_of_two",
    "blackman_coeff",
    "snip_edges",
    "num_mel_bins",
    "low_freq",
    "high_freq",
    "energy_floor",
    "raw_energy",
)


def kaldi_fbank(
    y: np.ndarray,
    *,
    sample_frequency: float = 16000.0,
    frame_length: float = 25.0,
    frame_shift: float = 10.0,
    dither: float = 1.0,
    seed: Any = 0,
    preemphasis_coefficient: float = 0.97,
    remove_dc_offset: bool = True,
    window_type: str = "povey",
    round_to_power_of_two: bool = True,
    blackman_coeff: float = 0.42,
    snip_edges: bool = True,
    num_mel_bins: int = 23,
    low_freq: float = 20.0,
    high_freq: float = 0.0,
    use_energy: bool = False,
    energy_floor: float = 0.0,
    raw_energy: bool = True,
    htk_compat: bool = False,
    use_log_fbank: bool = True,
    use_power: bool = True,
) -> np.ndarray:
    """Kaldi's log mel filterbank features (``compute-fbank-feats``), one row per frame.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)], float or int16
        Audio on the int16 scale (multiply ``[-1, 1]`` audio by :data:`INT16_SCALE` = 32768).
    sample_frequency : float > 0
        Sample rate, Hz.
    frame_length, frame_shift : float > 0
        Frame length and shift in milliseconds; samples = ``int(fs * ms / 1000)``.
    dither : float >= 0
        Standard deviation of the Gaussian noise added to every sample of every frame (Kaldi
        default 1.0; 0 turns it off, as torchaudio's ``compliance.kaldi`` default).
    seed : int, np.random.Generator or None
        Seed of the dither noise (``np.random.default_rng(seed)``); a fixed default makes the
        output reproducible.
    preemphasis_coefficient : float in [0, 1]
        ``x[i] -= c x[i-1]`` (``x[0] -= c x[0]``), after DC removal.
    remove_dc_offset : bool
        Subtract each frame's mean first.
    window_type : {"povey", "hamming", "hanning", "rectangular", "blackman", "sine"}
        Kaldi's symmetric windows; ``povey`` is ``hanning ** 0.85``.
    round_to_power_of_two : bool
        Zero-pad each frame to the next power of two for the FFT (400 -> 512).
    blackman_coeff : float
        The ``c`` of Kaldi's blackman window.
    snip_edges : bool
        True: only frames that fit in the signal. False: ``(n + shift // 2) // shift`` frames,
        frame ``t`` starting at ``t shift + shift // 2 - length // 2`` of the signal mirrored
        about its ends (``-1 -> 0``), as offline Kaldi and torchaudio.
    num_mel_bins : int >= 3
        Number of triangular bins.
    low_freq : float >= 0
        Lowest edge, Hz.
    high_freq : float
        Highest edge, Hz; ``<= 0`` counts down from the Nyquist frequency.
    use_energy : bool
        Prepend the frame's log energy (append it with ``htk_compat``).
    energy_floor : float >= 0
        Floor of the energy (not of its log) when ``> 0``.
    raw_energy : bool
        Energy before pre-emphasis and window (True) or after (False).
    htk_compat : bool
        Put the energy last, as HTK.
    use_log_fbank : bool
        ``ln(max(E, float32 eps))`` of the mel energies; False keeps them linear.
    use_power : bool
        Power spectrum (True) or magnitude.

    Returns
    -------
    feats : np.ndarray [shape=(..., n_frames, num_mel_bins + use_energy)]
        Kaldi's layout, frames as rows. float32 (float64 for float64 input).

    Raises
    ------
    ParameterError
        For bad audio or options (a negative dither, an unknown ``window_type``, band edges
        outside ``[0, nyquist]``, fewer than 3 bins, frames of zero samples).

    Warns
    -----
    DspWarning
        When the signal is shorter than one frame with ``snip_edges=True`` (no frames).

    Notes
    -----
    Per frame ``x`` (``docs/five-conventions.md``): dither, ``x -= mean(x)``, energy
    ``E0 = sum x^2``, pre-emphasis, window, FFT of ``N`` (padded) points,
    ``P_k = |X_k|^2``; then ``fbank_b = ln(max(sum_k W_bk P_k, eps))`` with ``W`` Kaldi's
    mel banks (triangles in mel ``1127 ln(1 + f/700)``, peak 1) and ``eps`` float32's epsilon;
    the energy column is ``ln(max(E0, eps))``, floored at ``ln(energy_floor)``.

    Computed in float64 (Kaldi computes in float32); within ``1e-4`` of the maximum of
    kaldi-native-fbank's output with ``dither=0`` (``tests/test_kaldi.py``), except for log
    bands 60 dB or more below a frame's peak, which knf's float32 FFT resolves only to about
    ``eps32 * peak / band``, and, with ``snip_edges=False``, a last frame sticking out of the
    signal by more than half: knf, an online extractor, mirrors it inside its buffer.

    librosa equivalent: none. torchaudio: ``torchaudio.compliance.kaldi.fbank`` (default
    ``dither=0``, ``energy_floor=1``); kaldi-native-fbank: ``OnlineFbank(FbankOptions())``.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.random.default_rng(0).standard_normal(16000) * 1000.0
    >>> feats = kaldi_fbank(y, dither=0.0)
    >>> feats.shape, feats.dtype
    ((98, 23), dtype('float64'))
    >>> kaldi_fbank(y, use_energy=True, num_mel_bins=40).shape
    (98, 41)
    """
    y = check_input(y)
    use_energy, htk_compat, use_log_fbank, use_power = (
        check_bool(n, v)
        for n, v in [
            ("use_energy", use_energy),
            ("htk_compat", htk_compat),
            ("use_log_fbank", use_log_fbank),
            ("use_power", use_power),
        ]
    )
    opts = _options(y, locals())
    mel, energy = features(
        y, opts=opts, mel_basis=opts["mel_basis"], need_energy=use_energy, use_power=use_power
    )
    if use_log_fbank:
        np.log(np.maximum(mel, FLOAT_EPS, out=mel), out=mel)
    if use_energy:
        parts = [mel, energy[..., None]] if htk_compat else [energy[..., None], mel]
        mel = np.concatenate(parts, axis=-1)
    return mel.astype(out_dtype(y), copy=False)


def kaldi_mfcc(
    y: np.ndarray,
    *,
    sample_frequency: float = 16000.0,
    frame_length: float = 25.0,
    frame_shift: float = 10.0,
    dither: float = 1.0,
    seed: Any = 0,
    preemphasis_coefficient: float = 0.97,
    remove_dc_offset: bool = True,
    window_type: str = "povey",
    round_to_power_of_two: bool = True,
    blackman_coeff: float = 0.42,
    snip_edges: bool = True,
    num_mel_bins: int = 23,
    low_freq: float = 20.0,
    high_freq: float = 0.0,
    num_ceps: int = 13,
    cepstral_lifter: float = 22.0,
    use_energy: bool = True,
    energy_floor: float = 0.0,
    raw_energy: bool = True,
    htk_compat: bool = False,
) -> np.ndarray:
    """Kaldi's MFCCs (``compute-mfcc-feats``), one row per frame.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)], float or int16
        Audio on the int16 scale (see :func:`kaldi_fbank`).
    sample_frequency, frame_length, frame_shift, dither, seed, preemphasis_coefficient,
    remove_dc_offset, window_type, round_to_power_of_two, blackman_coeff, snip_edges,
    num_mel_bins, low_freq, high_freq, energy_floor, raw_energy
        As :func:`kaldi_fbank`.
    num_ceps : int, 0 < num_ceps <= num_mel_bins
        Number of cepstra kept.
    cepstral_lifter : float >= 0
        ``Q`` of the lifter ``1 + (Q/2) sin(pi i / Q)``; 0 for none.
    use_energy : bool
        Replace ``c0`` by the frame's log energy (Kaldi's default).
    htk_compat : bool
        Put ``c0`` (or the energy) last; without ``use_energy`` ``c0`` is scaled by
        ``sqrt(2)``, as HTK.

    Returns
    -------
    mfcc : np.ndarray [shape=(..., n_frames, num_ceps)]
        float32 (float64 for float64 input).

    Raises
    ------
    ParameterError
        As :func:`kaldi_fbank`, and for ``num_ceps > num_mel_bins`` or a negative lifter.

    Notes
    -----
    ``c = lifter * (C ln(max(W P, eps)))`` with ``C`` the first ``num_ceps`` rows of the
    orthonormal DCT-II matrix ``C[k, j] = sqrt((2 - [k = 0]) / B) cos(pi k (j + 1/2) / B)``
    (``B = num_mel_bins``); then ``c_0 = ln(max(E0, eps))`` with ``use_energy``.

    librosa equivalent: none (``librosa.feature.mfcc`` uses dB, Slaney filters, no lifter
    by default). kaldi-native-fbank: ``OnlineMfcc(MfccOptions())``; torchaudio:
    ``torchaudio.compliance.kaldi.mfcc``.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.random.default_rng(0).standard_normal(16000) * 1000.0
    >>> kaldi_mfcc(y, dither=0.0).shape
    (98, 13)
    """
    y = check_input(y)
    use_energy, htk_compat = (
        check_bool(n, v) for n, v in [("use_energy", use_energy), ("htk_compat", htk_compat)]
    )
    opts = _options(y, locals())
    num_ceps = check_positive_int("num_ceps", num_ceps)
    if num_ceps > num_mel_bins:
        raise ParameterError(f"num_ceps={num_ceps} must not exceed num_mel_bins={num_mel_bins}")
    lifter = check_real_number("cepstral_lifter", cepstral_lifter, nonnegative=True)
    mel, energy = features(
        y, opts=opts, mel_basis=opts["mel_basis"], need_energy=use_energy, use_power=True
    )
    np.log(np.maximum(mel, FLOAT_EPS, out=mel), out=mel)
    dct = dct_matrix(num_mel_bins, type=2, norm="ortho")[:num_ceps]  # Kaldi's DCT matrix
    ceps = mel @ (dct.T * kaldi_lifter(num_ceps, lifter))
    if use_energy:
        ceps[..., 0] = energy
    if htk_compat:
        if not use_energy:
            ceps[..., 0] *= np.sqrt(2.0)
        ceps = np.roll(ceps, -1, axis=-1)
    return ceps.astype(out_dtype(y), copy=False)


def _options(y: np.ndarray, arguments: dict[str, Any]) -> dict[str, Any]:
    """The checked shared options, picked from a function's ``arguments``: its ``locals()``,
    taken before any of those parameters is rebound."""
    return options(y, **{name: arguments[name] for name in _SHARED_OPTIONS})
