"""Time every case against librosa in this process: paired, alternated runs; and deviations."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from ._common import DURATIONS, deviation, paired, signal
from .cases import Case, cases

__all__ = ["run_timing", "RUNS"]

#: Timed pairs per signal length (after one warm-up each): at least 5, more where runs are short
#: (librosa's times are heavy-tailed here: large fresh arrays fault in huge pages).
RUNS = {"10 s": 21, "10 min": 11, "60 min": 5}


def _deviation(case: Case, x: Any) -> dict[str, Any]:
    ours, ref = case.ours(x), case.ref(x)
    result = deviation(ours, ref)
    result["out_bytes"] = int(np.asarray(ours).nbytes)
    return result


def run_timing(
    durations: dict[str, float] | None = None,
    runs: dict[str, int] | None = None,
    only: list[str] | None = None,
    log: Any = sys.stderr,
) -> list[dict[str, Any]]:
    """One row per (length, case): times, ratio to librosa, deviation from librosa."""
    rows = []
    for label, seconds in (durations or DURATIONS).items():
        y = signal(seconds)
        for case in cases():
            if only and case.name not in only:
                continue
            x = case.prepare(y)
            print(f"timing {label:>7} {case.name}", file=log, flush=True)
            dev = _deviation(case, x)
            timed = paired(
                lambda c=case, x=x: c.ours(x),
                lambda c=case, x=x: c.ref(x),
                (runs or RUNS).get(label, 5),
            )
            rows.append(
                dict(
                    length=label,
                    case=case.name,
                    ours_label=case.ours_label,
                    contract=case.contract,
                    **timed,
                    **dev,
                )
            )
            del x
    return rows
