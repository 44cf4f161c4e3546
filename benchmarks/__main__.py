"""Run every benchmark and write ``benchmarks/RESULTS.md``: ``python -m benchmarks``.

Options: ``--quick`` (a 2-s and a 5-s signal, few runs: a smoke test, minutes become seconds),
``--out PATH`` (default ``benchmarks/RESULTS.md``; the raw measurements go next to it as
``.json``), ``--skip-design`` (no engine-variant measurements), ``--render JSON`` (rewrite the
report from saved measurements, measuring nothing). Progress goes to stderr. The full run takes
about 20 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import sys
from pathlib import Path
from typing import Any

from . import design
from ._common import machine
from .memory import run_memory
from .report import render
from .startup import run_startup
from .timing import run_timing

__all__ = ["main", "run_all"]


def run_all(
    *, quick: bool = False, skip_design: bool = False, log: Any = sys.stderr
) -> dict[str, Any]:
    """Every measurement, as the keyword arguments of :func:`benchmarks.report.render`."""
    import dsp

    compileall.compile_dir(os.path.dirname(dsp.__file__), quiet=1)  # as an installed package
    steal_start = _cpu_times()
    durations = {"2 s": 2.0, "5 s": 5.0} if quick else None
    runs = {"2 s": 2, "5 s": 2} if quick else None
    timing = run_timing(durations, runs, log=log)
    memory = run_memory(durations, log=log)
    startup = run_startup(repeats=2 if quick else 9, log=log)
    results: dict[str, list[dict[str, Any]]] = {}
    if not skip_design:
        print("design measurements", file=log, flush=True)
        seconds, runs_design = (5.0, 2) if quick else (600.0, 5)
        results["variants"] = design.threads_and_blocks(seconds, runs_design)
        results["spin"] = design.blas_spin(2 if quick else 7)
        results["blas"] = design.blas_threads((431,) if quick else (431, 25841), 2 if quick else 7)
        results["chunks"] = design.chunk_identity(*((600, range(3, 600, 64)) if quick else ()))
        results["floor"] = design.fft_floor(seconds, runs_design)
    command = "python -m benchmarks" + (" --quick" if quick else "")
    info = machine()
    steal_end = _cpu_times()
    if steal_start and steal_end:
        total = sum(steal_end) - sum(steal_start)
        info["CPU steal during the run"] = f"{100 * (steal_end[7] - steal_start[7]) / total:.0f}%"
    return dict(
        machine=info, timing=timing, memory=memory, startup=startup, design=results, command=command
    )


def _cpu_times() -> list[int] | None:
    """The ``cpu`` line of ``/proc/stat`` (user ... steal), or None off Linux."""
    try:
        with open("/proc/stat") as stat:
            return [int(v) for v in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-design", action="store_true")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("RESULTS.md"))
    parser.add_argument("--render", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.render:
        measurements = json.loads(args.render.read_text())
    else:
        measurements = run_all(quick=args.quick, skip_design=args.skip_design)
        args.out.with_suffix(".json").write_text(json.dumps(measurements, indent=1))
    args.out.write_text(render(**measurements))
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
