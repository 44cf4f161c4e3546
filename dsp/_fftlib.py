"""The FFT library: the one librosa uses, so that the same transform gives the same bits.

librosa 0.11 computes its STFT with ``scipy.fft`` (``librosa.get_fftlib()``). dsp depends only
on NumPy, so it computes what ``scipy.fft`` computes when SciPy is installed, and uses
``numpy.fft`` when it is not. Importing ``scipy.fft`` costs about 28 MiB and doubles the time
to a first result, so where the two libraries are known to give the same bits (NumPy 2.0-2.4
with SciPy <= 1.17: both run the same pocketfft code; ``docs/conventions.md``, where the
environment enters) NumPy's is called and SciPy is not imported. Anywhere else (NumPy 1.x,
SciPy 1.18, any version not measured) ``scipy.fft`` itself is called.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import re
from types import ModuleType

import numpy as np

__all__ = ["fft_module", "scipy_fft", "numpy_matches_scipy", "LIBRARIES"]

#: ``EngineConfig.fft_library`` values: librosa's rule, or one library forced.
LIBRARIES = ("auto", "scipy", "numpy")

_FOUND: dict[str, ModuleType | None] = {}


def scipy_fft() -> ModuleType | None:
    """``scipy.fft`` if SciPy is installed, else None (imported once, on first use)."""
    if "scipy" not in _FOUND:
        found = importlib.util.find_spec("scipy") is not None
        _FOUND["scipy"] = importlib.import_module("scipy.fft") if found else None
    return _FOUND["scipy"]


_VERSION_LINE = re.compile(r"""^version\s*=\s*['"]([^'"]+)['"]""", re.MULTILINE)


@functools.cache  # read once
def _scipy_version() -> str | None:
    """SciPy's version without importing SciPy: the ``version = "..."`` line of its
    ``scipy/version.py`` (a few microseconds), else the package metadata (``importlib.metadata``
    costs about 30 ms of imports, a third of ``import dsp``)."""
    spec = importlib.util.find_spec("scipy")
    if spec is None:
        return None
    for folder in spec.submodule_search_locations or ():
        try:
            with open(os.path.join(folder, "version.py"), encoding="utf-8") as f:
                found = _VERSION_LINE.search(f.read())
        except OSError:
            continue
        if found:
            return found.group(1)
    from importlib import metadata

    try:
        return metadata.version("scipy")
    except metadata.PackageNotFoundError:
        return None


@functools.cache  # the versions do not change while the process runs; fft_module asks often
def numpy_matches_scipy() -> bool:
    """Whether ``numpy.fft`` gives ``scipy.fft``'s bits here (measured version pairs only)."""
    version = np.lib.NumpyVersion
    if not version("2.0.0") <= np.__version__ < version("2.5.0"):
        return False
    scipy_version = _scipy_version()
    return scipy_version is not None and version(scipy_version) < "1.18.0"


def fft_module(library: str = "auto") -> ModuleType:
    """The module whose ``rfft`` the float64 STFT calls (see the module docstring).

    ``"auto"``: ``numpy.fft`` if SciPy is absent or gives the same bits, else ``scipy.fft``;
    ``"scipy"`` / ``"numpy"``: that library (``"scipy"`` raises ImportError without SciPy).
    """
    if library == "numpy" or (
        library == "auto" and (_scipy_version() is None or numpy_matches_scipy())
    ):
        return np.fft
    module = scipy_fft()
    if module is None:
        if library == "scipy":
            raise ImportError("fft_library='scipy' but SciPy is not installed")
        return np.fft
    return module
