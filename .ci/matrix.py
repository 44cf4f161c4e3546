"""The compatibility matrix: the parity tests in every environment the contract claims.

Runs ``python -m pytest -m parity`` (the librosa comparisons of the numeric stages, marked in
``tests/conftest.py``) with the ``matrix`` hypothesis profile (derandomised, fewer examples) in
each configuration

    environment x OPENBLAS_CORETYPE (default, Haswell, Sandybridge) x BLAS threads (1, 2, 4)

and prints ONE line per configuration, e.g.
``matrix: numpy 1.23.2 / scipy 1.13.1 / py3.11 / Haswell / 2 threads: 38 passed (24 s, cpu 22 s)``
(wall time, and the CPU time of the run, which does not depend on what else the machine does).

Environments:

- ``newest``: the interpreter that runs this script (``.ci/run`` runs it from the venv made by
  the README's test command: Python 3.11 and the newest numpy and scipy it installs);
- ``oldest``: a new venv of the same Python (3.11) with the oldest numpy the project declares
  (``numpy>=X`` in pyproject.toml: the declared minimum is the one tested);
- ``py3.13``: a new Python 3.13 venv (3.12 if 3.13 is absent) with the newest numpy and scipy
  (scipy 1.18 needs Python >= 3.12);
- ``numpy==X`` (not run by default): a new venv of the same Python with that numpy, e.g.
  ``numpy==2.2.6`` for the OpenBLAS 0.3.2x of numpy 2.0-2.3.

The new venvs get only what the parity tests import: numpy, and the ``scipy``, ``librosa``,
``pytest`` and ``hypothesis`` requirements of pyproject's ``test`` extra. The tests run from
the source tree (``python -m pytest`` puts it on ``sys.path``), so dsp itself is not installed.

A configuration fails if a test fails or errors, if nothing ran, if any test was skipped, or if
BLAS does not report the requested kernel and thread count (``OPENBLAS_CORETYPE`` ignored). The
script exits 1 if any configuration failed or could not run, and prints each failure's pytest
summary at the end. Logs go to a temporary folder (``--logs`` keeps them somewhere).

``OPENBLAS_NUM_THREADS`` is capped at the core count by OpenBLAS, so the thread count is also
set with threadpoolctl (``DSP_TEST_BLAS_THREADS``, see tests/conftest.py): 4 threads really are
4 on a 2-core machine.

Usage: ``python .ci/matrix.py [--envs newest,oldest,py3.13] [--coretypes ...] [--threads ...]
[--budget SECONDS] [--logs DIR] [--jobs N] [--venvs DIR]``.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
CORETYPES = ("default", "Haswell", "Sandybridge")
THREADS = (1, 2, 4)
#: Requirements of the test extra that the parity tests import (the rest is for other tests).
PARITY_REQUIREMENTS = ("scipy", "librosa", "pytest", "hypothesis")
#: pytest's closing counts, e.g. "19 passed, 2 failed, 469 deselected in 7.36s".
COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)")
CONFIG_TIMEOUT = 20 * 60  # seconds: one configuration that hangs must not eat CI's 90 minutes


@dataclass
class Env:
    name: str
    python: str  # the interpreter that runs pytest
    label: str = ""  # "numpy 1.23.2 / scipy 1.13.1 / py3.11"
    setup_error: str = ""


@dataclass
class Result:
    line: str
    ok: bool
    log: Path | None = None
    details: list[str] = field(default_factory=list)


def pyproject() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def declared_numpy_minimum() -> str:
    for requirement in pyproject()["project"]["dependencies"]:
        match = re.fullmatch(r"\s*numpy\s*>=\s*([\w.]+)\s*(?:,.*)?", requirement)
        if match:
            return match[1]
    raise SystemExit("matrix: pyproject.toml declares no numpy>=X")


def parity_requirements() -> list[str]:
    extra = pyproject()["project"]["optional-dependencies"]["test"]
    name = re.compile(r"^\s*([A-Za-z0-9_.-]+)")
    picked = [r for r in extra if (m := name.match(r)) and m[1].lower() in PARITY_REQUIREMENTS]
    if len(picked) != len(PARITY_REQUIREMENTS):
        raise SystemExit(f"matrix: the test extra lacks one of {PARITY_REQUIREMENTS}: {extra}")
    return picked


def find_python(versions: tuple[str, ...]) -> str | None:
    """The first working interpreter for these versions ("3.13", "3.12"): pyenv's, or on PATH."""
    for version in versions:
        candidates = sorted(
            glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python"))
        )
        candidates += sorted(glob.glob(f"/root/.pyenv/versions/{version}.*/bin/python"))
        candidates = candidates[::-1] + [shutil.which(f"python{version}") or ""]
        for candidate in filter(None, candidates):
            done = run([candidate, "-c", "import sys; print(sys.version_info[:2])"])
            if done.returncode == 0 and done.stdout.strip() == str(
                tuple(map(int, version.split(".")))
            ):
                return candidate
    return None


def cpu_seconds() -> float:
    """User + system CPU time of the finished child processes (a load-independent cost)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_measured(
    cmd: list[str], cwd: Path, env: dict[str, str], timeout: float, log: Path
) -> tuple[int, float]:
    """Run cmd with its output in log; its exit code (-1: timed out) and CPU seconds."""
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                code = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                code = -1
                break
            time.sleep(0.2)
        proc.returncode = code  # reaped here: Popen must not wait for it again
    return code, usage.ru_utime + usage.ru_stime


def run(
    cmd: list[str],
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)


def describe(env: Env) -> None:
    """Fill env.label from the environment's own versions (or env.setup_error)."""
    code = (
        "import sys, numpy, scipy, librosa; "
        "print(f'numpy {numpy.__version__} / scipy {scipy.__version__} / "
        "py{sys.version_info[0]}.{sys.version_info[1]}')"
    )
    done = run([env.python, "-c", code])
    if done.returncode:
        env.setup_error = f"cannot import numpy/scipy/librosa: {done.stderr.strip()[-300:]}"
    else:
        env.label = done.stdout.strip()


def make_venv(env: Env, base_python: str | None, pins: list[str], where: Path) -> None:
    if base_python is None:
        env.setup_error = "interpreter not found"
        return
    venv = where / env.name
    if (venv / "bin" / "python").exists():  # --venvs: made by an earlier run
        env.python = str(venv / "bin" / "python")
        describe(env)
        print(f"matrix: reusing the {env.name} venv ({env.label or env.setup_error})", flush=True)
        return
    started = time.monotonic()
    done = run([base_python, "-m", "venv", str(venv)])
    python = str(venv / "bin" / "python")
    if done.returncode == 0:
        done = run([python, "-m", "pip", "install", "-q", *pins, *parity_requirements()])
    if done.returncode:
        env.setup_error = f"pip install {' '.join(pins)} failed: {done.stderr.strip()[-500:]}"
        return
    env.python = python
    describe(env)
    print(
        f"matrix: made the {env.name} venv ({env.label or env.setup_error}) "
        f"in {time.monotonic() - started:.0f} s",
        flush=True,
    )


def parity_files() -> list[str]:
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from conftest import PARITY_MODULES  # type: ignore[import-not-found]  # the one list
    finally:
        sys.path.pop(0)
    files = [
        f"tests/{name}.py" for name in PARITY_MODULES if (ROOT / "tests" / f"{name}.py").exists()
    ]
    if not files:
        raise SystemExit(f"matrix: none of the parity modules {PARITY_MODULES} exists")
    return files


def header_check(log: str, coretype: str, threads: int) -> list[str]:
    """Problems with the BLAS the run reports in its header (the conftest's 'blas:' lines)."""
    blas = [line for line in log.splitlines() if line.startswith("blas: ")]
    if not blas:
        return ["the run reported no BLAS library (is threadpoolctl installed?)"]
    # numpy's BLAS: librosa's and dsp's matrix products run there
    numpy_blas = next((line for line in blas if line.startswith("blas: numpy ")), blas[0])
    problems = []
    if coretype != "default" and f" {coretype} ".lower() not in numpy_blas.lower():
        problems.append(f"OPENBLAS_CORETYPE={coretype} not honoured: {numpy_blas}")
    if not re.search(rf" threads={threads}\b", numpy_blas):
        problems.append(f"asked for {threads} BLAS threads: {numpy_blas}")
    return problems


def run_config(env: Env, coretype: str, threads: int, logs: Path, timeout: float) -> Result:
    name = f"{env.label or env.name} / {coretype} / {threads} thread{'s' if threads > 1 else ''}"
    if env.setup_error:
        return Result(f"matrix: {name}: NOT RUN ({env.setup_error.splitlines()[0]})", False)
    environ = dict(
        os.environ,
        CI="true",
        HYPOTHESIS_PROFILE="matrix",
        OPENBLAS_NUM_THREADS=str(threads),
        DSP_TEST_BLAS_THREADS=str(threads),
        PYTHONPATH=str(ROOT),
        PYTHONDONTWRITEBYTECODE="1",
    )
    environ.pop("OPENBLAS_CORETYPE", None)
    if coretype != "default":
        environ["OPENBLAS_CORETYPE"] = coretype
    log_path = logs / f"{env.name}-{coretype}-{threads}.log"
    started = time.monotonic()
    cmd = [env.python, "-m", "pytest", "-m", "parity", *parity_files()]
    returncode, cpu = run_measured(cmd, ROOT, environ, timeout, log_path)
    seconds = time.monotonic() - started
    output = log_path.read_text(errors="replace")
    closing = [line for line in output.splitlines() if COUNT.search(line) and " in " in line]
    counts = (
        {
            kind.rstrip("s") if kind.startswith("error") else kind: int(n)
            for n, kind in COUNT.findall(closing[-1])
        }
        if closing
        else {}
    )
    problems = header_check(output, coretype, threads)
    if coretype == "default":  # name the kernel OpenBLAS picked for this CPU
        blas = re.search(r"^blas: numpy \S+ \S+ (\S+) threads=", output, re.MULTILINE)
        name = name.replace("/ default /", f"/ default ({blas[1] if blas else '?'}) /")
    if returncode == -1:
        problems.append(f"timed out after {timeout:.0f} s")
    if not counts.get("passed"):
        problems.append("no test passed")
    if counts.get("skipped"):
        problems.append(f"{counts['skipped']} skipped")
    summary = (
        ", ".join(f"{n} {kind}" for kind, n in counts.items() if kind != "deselected")
        or "no result"
    )
    ok = returncode == 0 and not problems
    line = f"matrix: {name}: {summary} ({seconds:.0f} s, cpu {cpu:.0f} s)"
    if not ok:
        line += " FAILED" + (f": {'; '.join(problems)}" if problems else "")
    details = []
    if not ok:
        start = next(
            (i for i, text in enumerate(output.splitlines()) if "short test summary info" in text),
            None,
        )
        details = output.splitlines()[start:] if start is not None else output.splitlines()[-30:]
    return Result(line, ok, log_path, details)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--envs", default="newest,oldest,py3.13")
    parser.add_argument("--coretypes", default=",".join(CORETYPES))
    parser.add_argument("--threads", default=",".join(map(str, THREADS)))
    parser.add_argument(
        "--budget",
        type=float,
        default=60 * 60,
        help="seconds for the whole matrix: a configuration that would end later is not run",
    )
    parser.add_argument("--logs", type=Path, default=None)
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="configurations run at once (results do not depend on it)",
    )
    parser.add_argument(
        "--venvs", type=Path, default=None, help="keep the new venvs here and reuse those found"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    logs = args.logs or Path(tempfile.mkdtemp(prefix="dsp-matrix-logs-"))
    logs.mkdir(parents=True, exist_ok=True)
    venvs = args.venvs or Path(tempfile.mkdtemp(prefix="dsp-matrix-venvs-"))
    venvs.mkdir(parents=True, exist_ok=True)
    files = parity_files()
    minimum = declared_numpy_minimum()
    print(f"matrix: parity tests of {', '.join(files)}; logs in {logs}", flush=True)

    envs = []
    for name in args.envs.split(","):
        if name == "newest":
            env = Env("newest", sys.executable)
            describe(env)
        elif name == "oldest":
            env = Env("oldest", "")
            make_venv(env, sys.executable, [f"numpy=={minimum}"], venvs)
        elif name.startswith("numpy=="):  # another numpy on the same Python
            env = Env(name.replace("==", "-"), "")
            make_venv(env, sys.executable, [name], venvs)
        elif name.startswith("py3."):
            env = Env(name, "")
            make_venv(env, find_python((name[2:], "3.13", "3.12")), [], venvs)
        else:
            raise SystemExit(f"matrix: unknown environment {name!r}")
        envs.append(env)

    configs = [
        (env, coretype, threads)
        for env in envs
        for coretype in args.coretypes.split(",")
        for threads in map(int, args.threads.split(","))
    ]
    longest = [60.0]  # seconds: the longest configuration so far (at least a minute)
    lock = threading.Lock()

    def one(config: tuple[Env, str, int]) -> Result:
        env, coretype, threads = config
        left = args.budget - (time.monotonic() - started)
        if left < 1.5 * longest[0]:  # it would not finish inside the budget
            plural = "s" if threads > 1 else ""
            result = Result(
                f"matrix: {env.label or env.name} / {coretype} / {threads} thread{plural}: "
                f"NOT RUN ({left:.0f} s left of the {args.budget:.0f} s budget)",
                False,
            )
        else:
            t0 = time.monotonic()
            result = run_config(env, coretype, threads, logs, timeout=min(left, CONFIG_TIMEOUT))
            longest[0] = max(longest[0], time.monotonic() - t0)
        with lock:
            print(result.line, flush=True)
        return result

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(one, configs))
    if args.venvs is None:
        shutil.rmtree(venvs, ignore_errors=True)

    failed = [r for r in results if not r.ok]
    for result in failed:
        if result.log is None:  # not run: its line says why
            continue
        print(f"\n{result.line}\n  log: {result.log}")
        print("\n".join(f"  {text}" for text in result.details))
    minutes = (time.monotonic() - started) / 60
    print(
        f"matrix: {len(results) - len(failed)} of {len(results)} configurations passed "
        f"in {minutes:.1f} min (cpu {cpu_seconds() / 60:.1f} min)",
        flush=True,
    )
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
