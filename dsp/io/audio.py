"""Reading and writing sound files: :func:`load`, :func:`info`, :func:`write_wav`.

WAV (RIFF, RIFX, RF64/BW64; PCM of 1 to 32 bits, IEEE float, mu-law, A-law, plain or
WAVE_FORMAT_EXTENSIBLE) and AIFF/AIFC are read by hand (:mod:`dsp.io._wav`, :mod:`dsp.io._aiff`,
:mod:`dsp.io._pcm`), equal to ``soundfile.read`` sample for sample. FLAC, Ogg Vorbis/Opus, MP3
and the other formats libsndfile knows go through the optional ``soundfile`` backend
(``pip install dsp[formats]``). The format is recognised by the file's content, not its name.
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

from .._validation import (
    check_audio,
    check_bool,
    check_positive_int,
    check_real_number,
    check_sr,
    warn,
)
from ..errors import ParameterError
from ..resampling import _check_res_type, resample
from . import _pcm, _soundfile, _wav
from ._atomic import atomic_write
from ._reader import check_dtype, native_layout, read_native, warn_missing
from ._source import open_source

__all__ = ["load", "info", "write_wav", "AudioInfo", "SUBTYPES"]

#: The sample encodings :func:`write_wav` can write.
SUBTYPES = tuple(_pcm.SUBTYPE_BITS)
_Source = str | bytes | os.PathLike[str] | BinaryIO


@dataclass(frozen=True)
class AudioInfo:
    """What :func:`info` reports about a sound file.

    Attributes
    ----------
    subtype : str
        Sample encoding: dsp's name for WAV/AIFF (``"pcm16"``, ``"pcm12"``, ``"float32"``,
        ``"ulaw"``, ...), libsndfile's for the other formats (``"VORBIS"``, ``"PCM_16"``, ...).
    sr : int
        Sample rate in Hz.
    channels : int
        Number of channels.
    frames : int
        Samples per channel.
    duration : float
        ``frames / sr`` seconds.
    extensible : bool
        Whether a WAV header is WAVE_FORMAT_EXTENSIBLE.
    format : str
        The container: ``"WAV"``, ``"RIFX"``, ``"RF64"``, ``"AIFF"``, ``"AIFC"``, ``"FLAC"``,
        ``"OGG"``, ``"MP3"``, ...
    """

    subtype: str
    sr: int
    channels: int
    frames: int
    duration: float
    extensible: bool
    format: str = "WAV"

    def __str__(self) -> str:
        container = f"{self.format} (extensible)" if self.extensible else self.format
        return (
            f"format    {container}, {self.subtype}\n"
            f"rate      {self.sr} Hz\n"
            f"channels  {self.channels}\n"
            f"frames    {self.frames}\n"
            f"duration  {self.duration:.3f} s"
        )


def info(path: _Source) -> AudioInfo:
    """Describe a sound file from its header alone (no samples are read).

    Parameters
    ----------
    path : str, bytes, os.PathLike or binary file object
        The sound file (a regular file, or a file object with ``read`` and ``seek``).

    Returns
    -------
    AudioInfo
        Format, encoding, sample rate, channels, frames and duration.

    Raises
    ------
    AudioFormatError
        If the file is not a readable sound file (the message says which field is wrong and
        where), is a FIFO or device, or needs the soundfile backend that is not installed.
    ParameterError
        If ``path`` is neither a path nor a seekable binary file object.
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
    with open_source(path) as (f, size):
        layout, found = native_layout(f, size)
        if layout is None:
            fmt, subtype, sr, channels, frames = _soundfile.backend_info(f, found)
            return AudioInfo(
                subtype=subtype,
                sr=sr,
                channels=channels,
                frames=frames,
                duration=frames / sr,
                extensible=False,
                format=fmt,
            )
    return AudioInfo(
        subtype=layout.subtype,
        sr=layout.sr,
        channels=layout.channels,
        frames=layout.frames,
        duration=layout.frames / layout.sr,
        extensible=layout.extensible,
        format=layout.container,
    )


def load(
    path: _Source,
    *,
    sr: float | None = 22050,
    mono: bool = True,
    offset: float = 0.0,
    duration: float | None = None,
    dtype: Any = np.float32,
    res_type: str = "auto",
) -> tuple[np.ndarray, float]:
    """Read a sound file as floating-point samples, resampled to ``sr``, as ``librosa.load``.

    Only the header and the requested frames are read: ``offset`` and ``duration`` seek, they do
    not load the whole file.

    Parameters
    ----------
    path : str, bytes, os.PathLike or binary file object (with ``read`` and ``seek``)
        The sound file: WAV or AIFF (read by dsp), or FLAC, Ogg, MP3, ... (with the soundfile
        backend, ``pip install dsp[formats]``). The format is recognised by content.
    sr : number > 0 or None
        Target sample rate (default 22050 Hz, librosa's); ``None`` keeps the file's own rate.
    mono : bool
        Mix several channels down to one by averaging them (``np.mean`` over channels).
    offset : float >= 0
        Start reading this many seconds in (frame ``int(offset * sr_native)``).
    duration : None or float >= 0
        Read at most this many seconds (``int(duration * sr_native)`` frames); ``None`` reads to
        the end.
    dtype : float32 or float64
        Floating-point type of the samples.
    res_type : str
        Resampler, see :func:`dsp.resample`: ``"auto"`` (``"soxr_hq"`` if the soxr package is
        installed, as librosa, else dsp's own ``"dsp_hq"``), ``"dsp_hq"``, ``"soxr_hq"``, ...

    Returns
    -------
    y : np.ndarray [shape=(n,) or (channels, n)]
        Samples in [-1, 1) for PCM; one row per channel unless ``mono`` (or the file has one).
    sr : int or float
        The sample rate of ``y`` in Hz.

    Raises
    ------
    AudioFormatError
        If the file is corrupt, in an encoding dsp cannot read, a FIFO or device, or needs the
        soundfile backend that is not installed (the message says what to install).
    ParameterError
        If ``offset`` is past the end of the file or an argument is invalid.
    OSError
        If the file cannot be opened.

    Warns
    -----
    DspWarning
        If the file's data chunk is cut short (the frames present are returned).

    See Also
    --------
    info : the header alone.
    write_wav : the inverse.
    dsp.resample : the resampling step.

    Notes
    -----
    Integer PCM in ``w``-byte containers is scaled as libsndfile scales it,
    :math:`y = q / 2^{8w-1}` (8-bit WAV is unsigned: :math:`y = (q - 128) / 2^7`); see
    :mod:`dsp.io._pcm`. Steps, in librosa's order: read, mix down (``mono``), resample.

    librosa equivalent: ``librosa.load(path, sr=sr, mono=mono, offset=offset,
    duration=duration, dtype=dtype, res_type=res_type)``, bit for bit when soxr is installed
    (``res_type="auto"`` is then soxr's HQ, librosa's default). Deviations: an ``offset`` past
    the end is a :class:`ParameterError`; non-finite float samples are returned as stored (the
    mixdown of +inf and -inf is NaN) when no resampling is asked, where librosa's mixdown
    raises: the analysis functions reject them.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> t = np.arange(16000) / 16000
    >>> stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.zeros_like(t)]) * 0.5
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "a.wav")
    ...     write_wav(path, stereo, 16000)
    ...     y, sr = load(path, sr=None)
    ...     y2, _ = load(path, sr=None, mono=False, offset=0.25, duration=0.5)
    ...     y3, sr3 = load(path, res_type="dsp_hq")
    >>> y.shape, y.dtype, sr, y2.shape, y3.shape, sr3
    ((16000,), dtype('float32'), 16000, (2, 8000), (22050,), 22050)
    >>> bool(np.allclose(y, stereo.mean(axis=0), atol=1e-7))
    True
    """
    if sr is not None:
        check_sr(sr)
    check_bool("mono", mono)
    offset = check_real_number("offset", offset, nonnegative=True)
    if duration is not None:
        duration = check_real_number("duration", duration, nonnegative=True)
    out_dtype = check_dtype(dtype)
    _check_res_type(res_type)

    with open_source(path) as (f, size):
        layout, found = native_layout(f, size)
        if layout is None:
            frames, sr_native = _soundfile.backend_read(f, found, offset, duration, out_dtype)
        else:
            sr_native = layout.sr
            first = offset * layout.sr  # a float: 1e308 s must not overflow int()
            if first >= layout.frames + 1:
                raise ParameterError(
                    f"offset={offset} s (frame {first:.0f}) is past the end of the file "
                    f"({layout.frames} frames, {layout.frames / layout.sr:.6g} s)"
                )
            start = int(first)
            count = layout.frames - start
            if duration is not None:
                count = min(count, int(min(duration * layout.sr, count)))
            warn_missing(layout)
            frames = read_native(f, layout, start, count, out_dtype)
    y = frames.T  # librosa's layout (channels, n): a view, as soundfile's .T is in librosa
    if frames.shape[1] == 1:
        y = frames[:, 0]
    elif mono:
        with np.errstate(over="ignore", invalid="ignore"):  # float files may hold inf
            y = np.mean(y, axis=tuple(range(y.ndim - 1)))  # librosa.to_mono, same order
    if sr is None or sr == sr_native or y.shape[-1] == 0:
        return y, (sr_native if sr is None else sr)
    return resample(y, orig_sr=sr_native, target_sr=sr, res_type=res_type), sr


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
        If ``y`` is not finite floating-point audio of 1 or 2 dimensions, holds values beyond
        float32's range for ``subtype="float32"``, has more than 1024
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
    ...     print(os.path.getsize(path), load(path, sr=None)[0])
    52 [ 0.   0.5 -0.5 -1. ]
    """
    y = check_audio(y)
    if y.ndim > 2:
        raise ParameterError(f"y.shape={y.shape} must be (n,) or (channels, n)")
    sr = check_positive_int("sr", sr)
    if isinstance(subtype, str) and subtype == "float32" and y.dtype.itemsize > 4:
        big = np.abs(y) > np.finfo(np.float32).max
        if big.any():
            index = np.unravel_index(int(np.argmax(big)), y.shape)
            raise ParameterError(
                f"y[{', '.join(map(str, index))}]={float(y[index])!r} is beyond float32's range "
                f"(+-{np.finfo(np.float32).max:.4g}): it would be stored as inf; scale y or "
                "write subtype='float64'"
            )
    if sr > _wav.MAX_SAMPLE_RATE:
        raise ParameterError(f"sr={sr} is larger than a WAV file can store")
    if not isinstance(subtype, str) or subtype not in _pcm.SUBTYPE_BITS:
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
