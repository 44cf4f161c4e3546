"""Run every benchmark and write ``benchmarks/RESULTS.md``: ``python -m benchmarks``.

Options: ``--quick`` (a 2-s and a 5-s signal, few runs: a smoke test, minutes become seconds),
``--out PATH`` (default ``benchmarks/RESULTS.md``), ``--skip-design`` (no engine-variant
measurements). Progress goes to stderr. The full run takes several minutes.
"""

from __future__ import annotations

import argparse
import compileall
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


def run_all(*, quick: bool = False, skip_design: bool = False, log: Any = sys.stderr) -> str:
    """Every measurement; the report as Markdown."""
    import dsp

    compileall.compile_dir(os.path.dirname(dsp.__file__), quiet=1)  # as an installed package
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
        results["chunks"] = design.chunk_identity(
            *((600, range(3, 600, 64)) if quick else ()))
        results["floor"] = design.fft_floor(seconds, runs_design)
    command = "python -m benchmarks" + (" --quick" if quick else "")
    return render(machine(), timing, memory, startup, results, command)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-design", action="store_true")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("RESULTS.md"))
    args = parser.parse_args(argv)
    report = run_all(quick=args.quick, skip_design=args.skip_design)
    args.out.write_text(report)
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
