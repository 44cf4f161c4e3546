"""The optional ``soundfile`` backend: FLAC, Ogg Vorbis/Opus, MP3, CAF, AU, W64 (``dsp[formats]``).

dsp reads WAV and AIFF itself; every other format goes through libsndfile (the ``soundfile``
package). Without the package, the error names the format found in the file and the command
that installs it. Whatever libsndfile says about a file it cannot decode becomes an
:class:`~dsp.errors.AudioFormatError`.
"""

from __future__ import annotations

from typing import Any, BinaryIO

import numpy as np

from ..errors import AudioFormatError

__all__ = ["backend_info", "backend_open", "backend_read", "guarded", "INSTALL"]

INSTALL = "pip install dsp[formats]"


def _soundfile(found: str) -> Any:
    try:
        import soundfile
    except (ImportError, OSError) as err:  # OSError: the package is there, libsndfile is not
        raise AudioFormatError(
            f"this is a {found} file; dsp reads WAV and AIFF itself and other formats through "
            f"the soundfile package, which is not installed: {INSTALL}"
        ) from err
    return soundfile


def _open(f: BinaryIO, found: str) -> Any:
    sf = _soundfile(found)
    f.seek(0)
    try:
        return sf.SoundFile(f)
    except Exception as err:  # libsndfile errors come as several types
        raise AudioFormatError(f"cannot decode this {found} file: {err}") from err


def backend_info(f: BinaryIO, found: str) -> tuple[str, str, int, int, int]:
    """``(format, subtype, sr, channels, frames)`` as libsndfile reports them."""
    with _open(f, found) as sfile:
        return sfile.format, sfile.subtype, sfile.samplerate, sfile.channels, sfile.frames


def backend_read(
    f: BinaryIO, found: str, start_seconds: float, duration: float | None, dtype: np.dtype
) -> tuple[np.ndarray, int]:
    """Frames as ``(frames, channels)`` from ``int(offset * sr)`` on, and the rate."""
    with _open(f, found) as sfile:
        sr = sfile.samplerate
        start = int(min(start_seconds * sr, 2.0**62))  # 1e308 s would overflow int()
        count = -1 if duration is None else int(min(duration * sr, 2.0**62))
        try:
            if start:
                if sfile.frames and start > sfile.frames:
                    raise AudioFormatError(
                        f"offset={start_seconds} s (frame {start}) is past the end of the file "
                        f"({sfile.frames} frames)"
                    )
                sfile.seek(start)
            frames = sfile.read(frames=count, dtype=dtype.name, always_2d=True)
        except AudioFormatError:
            raise
        except Exception as err:
            raise AudioFormatError(f"cannot decode this {found} file: {err}") from err
    return frames, sr


def backend_open(f: BinaryIO, found: str) -> Any:
    """An open ``soundfile.SoundFile`` (a context manager) for block reading."""
    return _open(f, found)


def guarded(found: str, action: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a SoundFile method; whatever libsndfile raises becomes an AudioFormatError."""
    try:
        return action(*args, **kwargs)
    except Exception as err:
        raise AudioFormatError(f"cannot decode this {found} file: {err}") from err
