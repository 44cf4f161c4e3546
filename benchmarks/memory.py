"""Peak memory of one case, measured in a fresh process (run as ``python -m benchmarks.memory``).

In the child: import the side's library, run the case once on 1 s of audio (lazy imports,
BLAS and FFT buffers), make the input, then reset the resident high-water mark
(``/proc/self/clear_refs``) and run the case once. The increase of ``VmHWM`` over the resident
size before the run is the case's peak memory; the output array stays alive, so it is included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import numpy as np

from ._common import DURATIONS, signal
from .cases import cases

__all__ = ["measure", "run_memory"]


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def _child(case_name: str, seconds: float, side: str) -> dict[str, Any]:
    case = next(c for c in cases() if c.name == case_name)
    func = case.ours if side == "ours" else case.ref
    func(case.prepare(signal(1.0)))  # warm-up: imports, buffers
    x = case.prepare(signal(seconds))
    exact = _reset_peak()
    before = _status_kib("VmRSS")
    out = func(x)
    peak = _status_kib("VmHWM")
    return dict(
        increase=(peak - before) * 1024, out_bytes=int(np.asarray(out).nbytes), exact_reset=exact
    )


def measure(case_name: str, seconds: float, side: str) -> dict[str, Any]:
    """Run :func:`_child` in a fresh interpreter; its JSON result."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.memory", case_name, repr(seconds), side],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_memory(
    durations: dict[str, float] | None = None, only: list[str] | None = None, log: Any = sys.stderr
) -> list[dict[str, Any]]:
    """One row per (length, case): peak increase of ours and of librosa, and the output size."""
    rows = []
    for label, seconds in (durations or DURATIONS).items():
        for case in cases():
            if only and case.name not in only:
                continue
            print(f"memory {label:>7} {case.name}", file=log, flush=True)
            ours, ref = measure(case.name, seconds, "ours"), measure(case.name, seconds, "ref")
            rows.append(
                dict(
                    length=label,
                    case=case.name,
                    ours=ours["increase"],
                    ref=ref["increase"],
                    out_bytes=ours["out_bytes"],
                    ref_out_bytes=ref["out_bytes"],
                    exact_reset=ours["exact_reset"] and ref["exact_reset"],
                )
            )
    return rows


if __name__ == "__main__":
    name, secs, which = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    print(json.dumps(_child(name, secs, which)))
