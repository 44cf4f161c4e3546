"""Time to first result: a fresh process imports the library and computes one mel spectrogram.

Each command runs as its own process, timed from spawn to exit (wall time) with its peak
resident memory from ``os.wait4``, both taken by a small launcher process. The audio is 1 s of
a 440 Hz sine made with ``np.sin`` (no ``numpy.random``, whose import alone costs several MiB).
Commands are alternated, repeated, and reported as medians, against ``python -c "import numpy"``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import numpy as np

__all__ = ["COMMANDS", "run_startup"]

_SINE = "y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050).astype(np.float32)"
COMMANDS = {
    "python -c 'import numpy'": "import numpy",
    "dsp: import + melspectrogram of 1 s": (
        f"import numpy as np, dsp; {_SINE}; dsp.melspectrogram(y=y, sr=22050)"
    ),
    "librosa: import + melspectrogram of 1 s": (
        f"import numpy as np, librosa; {_SINE}; librosa.feature.melspectrogram(y=y, sr=22050)"
    ),
}


#: Spawns ``python -c code`` and reports its wall time, exit code and peak RSS (KiB) as JSON.
#: It runs in a small launcher process (``python -S``): a child's ``ru_maxrss`` includes the
#: resident size of the process it was spawned from, which must be smaller than what is measured.
_LAUNCHER = (
    "import json, os, sys, time\n"
    "start = time.perf_counter()\n"
    "pid = os.posix_spawn(sys.executable, [sys.executable, '-c', sys.argv[1]], os.environ)\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "print(json.dumps([time.perf_counter() - start, os.waitstatus_to_exitcode(status),"
    " usage.ru_maxrss]))\n"
)


def _run(code: str) -> tuple[float, int]:
    """Wall seconds and peak resident bytes of a fresh ``python -c code``."""
    proc = subprocess.run(
        [sys.executable, "-S", "-c", _LAUNCHER, code], capture_output=True, text=True, check=True
    )
    elapsed, exit_code, max_kib = json.loads(proc.stdout)
    if exit_code:
        raise RuntimeError(f"{code!r} failed with exit code {exit_code}")
    return elapsed, max_kib * 1024  # Linux reports KiB


def run_startup(repeats: int = 9, log: Any = sys.stderr) -> list[dict[str, Any]]:
    """One row per command: median wall time and peak RSS, and their ratios to numpy's."""
    for code in COMMANDS.values():  # warm the file cache
        _run(code)
    samples: dict[str, list[tuple[float, int]]] = {name: [] for name in COMMANDS}
    for i in range(repeats):
        print(f"startup run {i + 1}/{repeats}", file=log, flush=True)
        for name, code in COMMANDS.items():
            samples[name].append(_run(code))
    base_wall = float(np.median([s[0] for s in samples["python -c 'import numpy'"]]))
    base_rss = float(np.median([s[1] for s in samples["python -c 'import numpy'"]]))
    rows = []
    for name, values in samples.items():
        wall = np.array([s[0] for s in values])
        rss = np.array([s[1] for s in values], dtype=float)
        rows.append(
            dict(
                name=name,
                wall=float(np.median(wall)),
                wall_lo=float(wall.min()),
                wall_hi=float(wall.max()),
                rss=float(np.median(rss)),
                wall_ratio=float(np.median(wall)) / base_wall,
                rss_ratio=float(np.median(rss)) / base_rss,
                repeats=repeats,
            )
        )
    return rows
