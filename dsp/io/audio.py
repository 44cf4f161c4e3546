"""Reading and writing WAV files: :func:`load`, :func:`info`, :func:`write_wav`.

A hand-written RIFF/WAVE reader (:mod:`dsp.io._wav`) and sample codec (:mod:`dsp.io._pcm`): integer
PCM of 8, 16, 24 and 32 bits, IEEE float of 32 and 64 bits, plain or WAVE_FORMAT_EXTENSIBLE.
Corrupt or unsupported files raise :class:`~dsp.errors.AudioFormatError`, whose message names
the field, its value and its byte offset. The reader never reads more bytes than it needs and
never allocates more than the file holds (a 44-byte file cannot ask for gigabytes).

Arrays use librosa's layout: ``(n,)`` for one channel, ``(channels, n)`` for several.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np

from .._validation import check_audio, check_positive_int, check_real_number, check_sr, warn
from ..errors import ParameterError
from . import _pcm, _wav
from ._atomic import atomic_write

__all__ = ["load", "info", "write_wav", "AudioInfo", "SUBTYPES"]

#: The sample encodings :func:`write_wav` can write (and :func:`load` can read).
SUBTYPES = tuple(_pcm.SUBTYPE_BITS)
_Source = str | os.PathLike[str] | BinaryIO


@dataclass(frozen=True)
class AudioInfo:
    """What :func:`info` reports about a WAV file.

    Attributes
    ----------
    subtype : str
        Sample encoding, one of :data:`SUBTYPES` (``"pcm16"``, ``"float32"``, ...).
    sr : int
        Sample rate in Hz.
    channels : int
        Number of channels.
    frames : int
        Samples per channel.
    duration : float
        ``frames / sr`` seconds.
    extensible : bool
        Whether the header is WAVE_FORMAT_EXTENSIBLE.
    """

    subtype: str
    sr: int
    channels: int
    frames: int
    duration: float
    extensible: bool

    def __str__(self) -> str:
        container = "WAV (extensible)" if self.extensible else "WAV"
        return (
            f"format    {container}, {self.subtype}\n"
            f"rate      {self.sr} Hz\n"
            f"channels  {self.channels}\n"
            f"frames    {self.frames}\n"
            f"duration  {self.duration:.3f} s"
        )


def _with_file(source: _Source, action: Any) -> Any:
    if hasattr(source, "read") and hasattr(source, "seek"):
        return action(source)
    with open(os.fspath(source), "rb") as f:  # type: ignore[arg-type]
        return action(f)


def info(path: _Source) -> AudioInfo:
    """Describe a WAV file from its header alone (no samples are read).

    Parameters
    ----------
    path : str, os.PathLike or binary file object
        The WAV file.

    Returns
    -------
    AudioInfo
        Encoding, sample rate, channels, frames and duration.

    Raises
    ------
    AudioFormatError
        If the file is not a readable WAV file (the message says which field is wrong and where).
    OSError
        If the file cannot be opened.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "tone.wav")
    ...     write_wav(path, np.zeros((2, 8000)), 16000, subtype="pcm16")
    ...     print(info(path))
    format    WAV, pcm16
    rate      16000 Hz
    channels  2
    frames    8000
    duration  0.500 s
    """
    layout = _with_file(path, _wav.parse_wav)
    return AudioInfo(
        subtype=layout.subtype,
        sr=layout.sr,
        channels=layout.channels,
        frames=layout.frames,
        duration=layout.frames / layout.sr,
        extensible=layout.extensible,
    )


def load(
    path: _Source,
    *,
    sr: float | None = None,
    mono: bool = True,
    offset: float = 0.0,
    duration: float | None = None,
    dtype: Any = np.float32,
) -> tuple[np.ndarray, int]:
    """Read a WAV file as floating-point samples, as ``librosa.load(path, sr=None)`` does.

    Only the header and the requested frames are read: ``offset`` and ``duration`` seek, they do
    not load the whole file.

    Parameters
    ----------
    path : str, os.PathLike or binary file object (with ``read`` and ``seek``)
        The WAV file.
    sr : None or number > 0
        ``None`` (the default) keeps the file's own rate. Any other value must equal the file's
        rate: resampling is not supported yet.
    mono : bool
        Mix several channels down to one by averaging them (``np.mean`` over channels).
    offset : float >= 0
        Start reading this many seconds in (frame ``int(offset * sr)``).
    duration : None or float >= 0
        Read at most this many seconds (``int(duration * sr)`` frames); ``None`` reads to the end.
    dtype : float32 or float64
        Floating-point type of the samples.

    Returns
    -------
    y : np.ndarray [shape=(n,) or (channels, n)]
        Samples in [-1, 1) for PCM; one row per channel unless ``mono`` (or the file has one).
    sr : int
        The file's sample rate in Hz.

    Raises
    ------
    AudioFormatError
        If the file is corrupt or in an encoding dsp cannot read (the message names the field,
        its value and its byte offset).
    ParameterError
        If ``sr`` differs from the file's rate, ``offset`` is past the end of the file, or an
        argument is invalid.
    OSError
        If the file cannot be opened.

    See Also
    --------
    info : the header alone.
    write_wav : the inverse.

    Notes
    -----
    Integer PCM with ``b`` bits is scaled as libsndfile scales it, :math:`y = q / 2^{b-1}`
    (8-bit is unsigned: :math:`y = (q - 128) / 2^7`); see :mod:`dsp.io._pcm`.

    librosa equivalent: ``librosa.load(path, sr=None, mono=mono, offset=offset,
    duration=duration, dtype=dtype)``, bit for bit. Deviations: the default ``sr=None`` keeps the
    file's rate, where librosa's default ``sr=22050`` resamples; a WAV whose ``data`` chunk
    declares more bytes than the file holds is an error here, where libsndfile silently reads what
    is there; an ``offset`` past the end is a :class:`ParameterError`; non-finite float samples
    are returned as stored (the mixdown of +inf and -inf is NaN), where librosa's mixdown raises:
    the analysis functions reject them.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> t = np.arange(16000) / 16000
    >>> stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.zeros_like(t)]) * 0.5
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "a.wav")
    ...     write_wav(path, stereo, 16000)
    ...     y, sr = load(path)
    ...     y2, _ = load(path, mono=False, offset=0.25, duration=0.5)
    >>> y.shape, y.dtype, sr, y2.shape
    ((16000,), dtype('float32'), 16000, (2, 8000))
    >>> bool(np.allclose(y, stereo.mean(axis=0), atol=1e-7))
    True
    """
    if sr is not None:
        check_sr(sr)
    if not isinstance(mono, (bool, np.bool_)):
        raise ParameterError(f"mono={mono!r} must be True or False")
    offset = check_real_number("offset", offset, nonnegative=True)
    if duration is not None:
        duration = check_real_number("duration", duration, nonnegative=True)
    try:
        out_dtype = np.dtype(dtype)
    except TypeError as err:
        raise ParameterError(f"dtype={dtype!r} is not a NumPy dtype") from err
    if out_dtype not in (np.float32, np.float64):
        raise ParameterError(f"dtype={out_dtype} must be float32 or float64")

    def read(f: BinaryIO) -> tuple[_wav.WavLayout, np.ndarray]:
        layout = _wav.parse_wav(f)
        if sr is not None and sr != layout.sr:
            raise ParameterError(
                f"sr={sr} differs from the file's rate {layout.sr} Hz and resampling is not "
                "supported yet: pass sr=None to keep the file's rate"
            )
        start = int(offset * layout.sr)
        if start > layout.frames:
            raise ParameterError(
                f"offset={offset} s (frame {start}) is past the end of the file "
                f"({layout.frames} frames, {layout.frames / layout.sr:.6g} s)"
            )
        count = layout.frames - start
        if duration is not None:
            count = min(count, int(duration * layout.sr))
        raw = _wav.read_frames(f, layout, start, count)
        return layout, raw

    layout, raw = _with_file(path, read)
    frames = _pcm.decode(raw, layout.subtype, layout.channels, out_dtype)
    y = frames.T  # librosa's layout (channels, n): a view, as soundfile's .T is in librosa
    if layout.channels == 1:
        y = frames[:, 0]
    elif mono:
        with np.errstate(over="ignore", invalid="ignore"):  # float files may hold inf
            y = np.mean(y, axis=tuple(range(y.ndim - 1)))  # librosa.to_mono, same order
    return y, layout.sr


def write_wav(
    path: str | os.PathLike[str], y: np.ndarray, sr: int, *, subtype: str = "float32"
) -> None:
    """Write samples to a WAV file, atomically (a failure never leaves a partial file).

    Parameters
    ----------
    path : str or os.PathLike
        Destination; its directory must exist. An existing file is replaced.
    y : np.ndarray [shape=(n,) or (channels, n)], floating point, finite
        Samples; one row per channel.
    sr : int > 0
        Sample rate in Hz.
    subtype : str
        Sample encoding: ``"float32"`` (default, lossless for float32 input), ``"float64"``,
        ``"pcm16"``, ``"pcm24"``, ``"pcm32"`` or ``"pcm8"``.

    Raises
    ------
    ParameterError
        If ``y`` is not finite floating-point audio of 1 or 2 dimensions, has more than 1024
        channels, ``sr`` is not a positive integer, ``subtype`` is unknown, or the file would
        exceed the 4 GiB limit of RIFF.
    OSError
        If the file cannot be written.

    Warns
    -----
    DspWarning
        If PCM samples outside [-1, 1) had to be clipped.

    Notes
    -----
    PCM with ``b`` bits stores :math:`q = \\mathrm{clip}(\\mathrm{round}(y \\cdot 2^{b-1}),
    -2^{b-1}, 2^{b-1} - 1)` (round half to even), the exact inverse of :func:`load` on the b-bit
    grid. Float subtypes use format tag 3 with a ``fact`` chunk.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> y = np.array([0.0, 0.5, -0.5, -1.0], dtype=np.float32)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "x.wav")
    ...     write_wav(path, y, 8000, subtype="pcm16")
    ...     print(os.path.getsize(path), load(path)[0])
    52 [ 0.   0.5 -0.5 -1. ]
    """
    y = check_audio(y)
    if y.ndim > 2:
        raise ParameterError(f"y.shape={y.shape} must be (n,) or (channels, n)")
    sr = check_positive_int("sr", sr)
    if sr > _wav.MAX_SAMPLE_RATE:
        raise ParameterError(f"sr={sr} is larger than a WAV file can store")
    if subtype not in _pcm.SUBTYPE_BITS:
        raise ParameterError(f"subtype={subtype!r} is not one of {SUBTYPES}")
    frames = y.reshape(1, -1).T if y.ndim == 1 else y.T
    channels = frames.shape[1]
    if channels > _wav.MAX_CHANNELS:
        raise ParameterError(
            f"y has {channels} channels (shape={y.shape}); WAV files here hold at most "
            f"{_wav.MAX_CHANNELS}. Is y transposed? The layout is (channels, n)."
        )
    header = _wav.wav_header(subtype, channels, sr, frames.shape[0])
    if header is None:
        raise ParameterError(
            f"y.shape={y.shape} as {subtype} exceeds the 4 GiB limit of a RIFF/WAVE file"
        )
    data, clipped = _pcm.encode(frames, subtype)
    if clipped:
        warn(f"{clipped} samples outside [-1, 1) were clipped to fit subtype={subtype!r}")
    with atomic_write(path) as f:
        f.write(header)
        f.write(data)
        if len(data) & 1:
            f.write(b"\0")
