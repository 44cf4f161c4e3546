"""librosa's NNLS: scipy's L-BFGS-B on blocks of columns, for ``dsp.nnls(solver="auto")``.

The mel filterbank has more columns than rows, so ``min_{X >= 0} ||A X - B||`` has many
minimisers and where a solver stops decides which one it returns. To return what
``librosa.util.nnls`` returns, this module calls the optimiser librosa calls (scipy's
L-BFGS-B, ``scipy.optimize.fmin_l_bfgs_b``) on the same problem: the same objective (the mean,
not the sum, of the squared errors, which scales scipy's stopping tests), the same start, the
same blocks of columns, the same options. Each choice below was measured against librosa 0.11
(outputs compared bit for bit, ``tests/test_mel_inverse.py``). SciPy is optional: without it
``dsp.nnls`` uses the projected gradient solver of :mod:`dsp.mel_inverse`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

import numpy as np

from . import _memory
from .errors import ParameterError

__all__ = ["scipy_optimize", "lbfgsb_nnls", "block_columns", "BLOCK_BYTES"]

#: Columns are solved in blocks of about this many bytes of ``B`` (librosa's block size:
#: ``BLOCK_BYTES // (rows * A.itemsize)`` columns, measured).
BLOCK_BYTES = 1 << 18


def scipy_optimize() -> ModuleType | None:
    """``scipy.optimize`` if SciPy is installed, else None (imported on first use)."""
    try:
        return importlib.import_module("scipy.optimize")
    except ImportError:
        return None


def _objective(
    x: np.ndarray, shape: tuple[int, ...], A: np.ndarray, B: np.ndarray
) -> tuple[float, np.ndarray]:
    """``f(X) = ||A X - B||^2 / (2 N)`` and its gradient ``A^T (A X - B) / N``, N = B.size.

    ``np.einsum(..., optimize=True)`` rather than ``@``: both are the same products, but einsum
    hands BLAS the operands in the layout that gives librosa's bits (``@`` differs in the last
    bit for some block widths, and L-BFGS-B's line search can amplify that).
    """
    X = x.reshape(shape)
    diff = np.einsum("mf,...ft->...mt", A, X, optimize=True) - B
    scale = 1.0 / B.size
    value = scale * 0.5 * np.sum(diff**2)
    gradient = scale * np.einsum("mf,...mt->...ft", A, diff, optimize=True)
    return float(value), gradient.ravel()


def block_columns(A: np.ndarray, B: np.ndarray) -> int:
    """Columns per L-BFGS-B problem: librosa's, fewer where its workspace would not fit.

    L-BFGS-B with ``m`` correction pairs and ``n`` unknowns allocates ``(2 m + 5) n + 11 m^2
    + 8 m`` doubles. With ``m = A.shape[1]`` (librosa's choice) and few mel bands, librosa's
    block needs more memory than the machine has (37 bands, float32: 23 GiB) and it raises
    ``MemoryError``; here the block is halved until the workspace fits in physical memory.
    """
    rows = int(np.prod(B.shape[:-1]))
    columns = max(1, BLOCK_BYTES // (rows * A.itemsize))
    m = A.shape[1]
    per_column = (2 * m + 5) * (m * rows // A.shape[0]) * 8  # unknowns of one column, in bytes
    limit = _memory.memory_limit()
    while columns > 1 and columns * per_column + (11 * m * m + 8 * m) * 8 > limit:
        columns //= 2
    return min(columns, B.shape[-1])


def lbfgsb_nnls(
    A: np.ndarray, B: np.ndarray, *, max_iter: int | None, tol: float | None
) -> np.ndarray:
    """``argmin_{X >= 0} ||A X - B||`` as librosa computes it (see the module docstring).

    ``B`` is ``(m,)`` or ``(..., m, k)``. A vector goes to ``scipy.optimize.nnls`` (exact
    active-set solver, float64), as librosa does; a matrix starts from ``max(pinv(A) B, 0)``
    computed in ``A``'s dtype on all columns, then each block of columns (all leading axes
    together) is one L-BFGS-B problem with bounds ``X >= 0`` and ``m = A.shape[1]`` correction
    pairs; the result has ``A``'s dtype. ``max_iter`` and ``tol`` override scipy's
    ``maxiter`` (15000) and ``pgtol`` (1e-5, on the gradient of the mean squared error).
    """
    optimize = scipy_optimize()
    if optimize is None:
        raise ParameterError(
            "solver='scipy' needs SciPy: pip install 'dsp[scipy]' (or use solver='projected')"
        )
    options: dict[str, float] = {}
    if max_iter is not None:
        options["maxiter"] = max_iter
    if tol is not None:
        options["pgtol"] = tol
    if B.ndim == 1:
        kwargs = {} if max_iter is None else {"maxiter": max_iter}
        return np.asarray(optimize.nnls(A, B, **kwargs)[0])
    start = np.einsum("fm,...mt->...ft", np.linalg.pinv(A), B, optimize=True)
    np.maximum(start, 0, out=start)
    X = np.empty(B.shape[:-2] + (A.shape[1], B.shape[-1]), dtype=A.dtype)
    step = block_columns(A, B)
    for first in range(0, B.shape[-1], step):
        block = B[..., first : first + step]
        x0 = start[..., first : first + step]
        solution, _, _ = optimize.fmin_l_bfgs_b(
            _objective,
            x0,
            args=(x0.shape, A, block),
            bounds=[(0, None)] * x0.size,
            m=A.shape[1],
            **options,
        )
        X[..., first : first + step] = solution.reshape(x0.shape)
    return X
