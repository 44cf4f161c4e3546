"""Refuse a computation whose arrays cannot fit in memory, before allocating any of them.

An absurd size (``n_fft=2**31``, ``n_mels=10**7``) would otherwise end in a raw
``MemoryError`` after minutes of swapping, or in an ``IndexError`` deep inside NumPy. The
public functions estimate the bytes they are about to allocate and call :func:`check_memory`.
"""

from __future__ import annotations

import os

from .errors import ParameterError

__all__ = ["check_memory", "memory_limit", "format_bytes"]


def memory_limit() -> int:
    """The machine's physical memory in bytes (2**62 where the OS does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # not POSIX
        return 1 << 62


def format_bytes(nbytes: float) -> str:
    """``1536`` -> ``'1.5 KiB'``; binary units up to EiB, beyond that in powers of two."""
    value = float(nbytes)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if value < 1024 or unit == "EiB":
            break
        value /= 1024
    if value >= 1024:
        return f"about 2**{float(nbytes).hex().split('p+')[-1]} bytes"
    return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"


def check_memory(what: str, nbytes: float) -> None:
    """Raise ``ParameterError`` if ``nbytes`` exceeds the machine's physical memory.

    ``what`` names the parameters responsible, e.g. ``"n_fft=2147483648"``.
    """
    limit = memory_limit()
    if nbytes > limit:
        raise ParameterError(
            f"{what} would need {format_bytes(nbytes)} of memory, more than this machine has "
            f"({format_bytes(limit)})"
        )
