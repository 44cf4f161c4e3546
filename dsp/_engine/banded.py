"""The banded mel product of the fast mode: each group of filters times only the bins it touches.

A mel filter is a triangle over a few FFT bins: at 128 mels and ``n_fft = 2048`` about 98.5% of
the dense ``(n_mels x n_bins)`` matrix is zero. Consecutive filters are grouped, and each group
``[a, b)`` is multiplied only with the span of bins ``[lo, hi)`` where some of its filters are
non-zero::

    M[..., a:b, t] = B[a:b, lo:hi] @ S[..., t, lo:hi]^T

Omitted terms are exact zeros, so the result is the dense product up to summation order (the
last bits of float32). The groups minimise ``sum (CALL_COST + (b - a) * (hi - lo))``, the
multiply-adds per frame plus a fixed cost per BLAS call, by dynamic programming over the filters.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["filter_spans", "plan_groups", "banded_project", "CALL_COST", "MAX_GROUP"]

#: The cost of one BLAS call, in multiply-adds per frame: a few microseconds per call, over a
#: chunk of a few hundred frames at tens of GFLOP/s.
CALL_COST = 400
#: Filters per group at most (bounds the planning work: ``n_mels * MAX_GROUP`` steps).
MAX_GROUP = 32


def filter_spans(mel_basis: np.ndarray) -> np.ndarray:
    """``(n_mels, 2)`` ints: ``[lo, hi)`` of each filter's non-zero bins (``lo == hi``: none)."""
    nonzero = mel_basis != 0
    any_bin = nonzero.any(axis=1)
    n_bins = mel_basis.shape[1]
    lo = np.where(any_bin, nonzero.argmax(axis=1), 0)
    hi = np.where(any_bin, n_bins - nonzero[:, ::-1].argmax(axis=1), 0)
    return np.stack([lo, hi], axis=1)


def plan_groups(spans: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Groups ``(a, b, lo, hi)`` of consecutive non-empty filters, minimising the cost above."""
    rows = [i for i in range(len(spans)) if spans[i, 1] > spans[i, 0]]
    best = [0.0] + [np.inf] * len(rows)
    choice = [0] * (len(rows) + 1)
    for j in range(1, len(rows) + 1):
        lo, hi = np.inf, -np.inf
        for i in range(j - 1, max(-1, j - 1 - MAX_GROUP), -1):
            if rows[j - 1] - rows[i] >= MAX_GROUP:
                break
            lo, hi = min(lo, spans[rows[i], 0]), max(hi, spans[rows[i], 1])
            cost = best[i] + CALL_COST + (rows[j - 1] + 1 - rows[i]) * (hi - lo)
            if cost < best[j]:
                best[j], choice[j] = cost, i
    groups = []
    j = len(rows)
    while j > 0:
        i = choice[j]
        a, b = rows[i], rows[j - 1] + 1
        groups.append(
            (
                a,
                b,
                int(spans[a:b, 0][spans[a:b, 1] > spans[a:b, 0]].min()),
                int(spans[a:b, 1].max()),
            )
        )
        j = i
    return groups[::-1]


def banded_project(mel_basis: np.ndarray) -> Callable[[np.ndarray, np.ndarray], None]:
    """A function ``project(S, out)``: ``out[..., m, t] = sum_f B[m, f] S[..., t, f]``.

    ``S`` is ``(..., n_frames, n_bins)`` float32 (frames as rows); ``out`` ``(..., n_mels,
    n_frames)`` must be zero on the rows of all-zero filters (they are not written).
    """
    groups = plan_groups(filter_spans(mel_basis))
    blocks = [
        np.ascontiguousarray(mel_basis[a:b, lo:hi], dtype=np.float32) for a, b, lo, hi in groups
    ]

    def project(S: np.ndarray, out: np.ndarray) -> None:
        direct = out.dtype == np.float32
        for (a, b, lo, hi), block in zip(groups, blocks, strict=True):
            part = np.swapaxes(S[..., lo:hi], -1, -2)
            if direct:
                np.matmul(block, part, out=out[..., a:b, :])
            else:
                out[..., a:b, :] = np.matmul(block, part)

    return project
