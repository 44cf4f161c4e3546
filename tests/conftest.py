"""Test configuration: hypothesis profiles, the ``parity`` and ``bench`` markers, BLAS threads.

Profiles (``HYPOTHESIS_PROFILE`` picks one; otherwise ``ci`` when ``CI`` is set, else ``dev``)
-------------------------------------------------------------------------------------------
``ci``: derandomised, so every CI run draws the same examples, ``max_examples=300`` per
property: every stage's librosa comparison sees 300 parameter sets. ``dev``: random draws, 25
examples, for quick local runs. ``thorough``: 1000 random examples. ``matrix``: derandomised,
``max_examples=40``: the compatibility matrix (``.ci/matrix.py``) runs the parity tests in many
configurations, so each run is light but always draws the same cases.

Markers
-------
``parity``: the comparisons with librosa of the numeric stages (STFT and windows, framing, mel
scale and filterbank, melspectrogram, dB, the chain, the engine). It is set here, so test files
need no change: on every test of a module in :data:`PARITY_MODULES` whose name contains
``librosa`` or ``reference`` (the engine against the reference implementations), on every test
of :data:`WHOLE_PARITY_MODULES`, and on tests that carry the marker themselves. ``python -m
pytest -m parity tests/...`` fails loudly if the selection misses one of the areas
:data:`PARITY_AREAS` (a renamed module or test must not silently shrink the matrix).

``bench``: tests that run the benchmark code (``tests/test_benchmarks.py``): deselected by the
default run (``-m "not bench"`` in pyproject's ``addopts``); ``.ci/run`` runs them with ``-m
bench``, on tiny inputs.

Environment
-----------
``DSP_TEST_BLAS_THREADS=N`` sets the BLAS libraries' thread count with threadpoolctl before any
test. ``OPENBLAS_NUM_THREADS`` alone is capped by OpenBLAS at the number of cores, so on a
2-core machine it cannot give 4 threads; ``openblas_set_num_threads`` is not capped. The header
of every run names the BLAS libraries, their kernel (``OPENBLAS_CORETYPE``) and threads.

With ``CI`` set, a skipped test fails the run: CI installs everything the suite needs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.register_profile("ci", max_examples=300, derandomize=True, **_COMMON)
settings.register_profile("dev", max_examples=25, **_COMMON)
settings.register_profile("thorough", max_examples=1000, **_COMMON)
settings.register_profile("matrix", max_examples=40, derandomize=True, **_COMMON)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
settings.load_profile(PROFILE)

#: Test modules holding librosa comparisons of the numeric stages, by area.
#: ``test_stft`` is the old name of ``test_spectrum``: either counts for the STFT.
PARITY_AREAS = {
    "stft": ("test_spectrum", "test_stft"),
    "windows and framing": ("test_windows", "test_framing"),
    "mel scale and filterbank": ("test_mel", "test_filterbank"),
    "melspectrogram and the chain": ("test_pipeline",),
    "dB": ("test_db",),
    "engine": ("test_engine",),
}
PARITY_MODULES = tuple(name for names in PARITY_AREAS.values() for name in names)
#: Modules that are parity tests whole: the engine (the backend, checked against librosa and
#: the reference implementations) is where BLAS kernels, threads and the FFT library enter.
WHOLE_PARITY_MODULES = ("test_engine",)

_BLAS_LIMITS: object = None  # keeps the threadpoolctl limit alive for the whole session


def _module(item: pytest.Item) -> str:
    return Path(str(item.fspath)).stem


def _is_parity(item: pytest.Item) -> bool:
    if item.get_closest_marker("parity") is not None:
        return True
    if _module(item) in WHOLE_PARITY_MODULES:
        return True
    name = item.name.lower()
    return _module(item) in PARITY_MODULES and ("librosa" in name or "reference" in name)


def pytest_configure(config: pytest.Config) -> None:
    global _BLAS_LIMITS
    threads = os.environ.get("DSP_TEST_BLAS_THREADS")
    if threads:
        import numpy  # noqa: F401  (threadpoolctl limits the BLAS libraries already loaded)
        from threadpoolctl import threadpool_limits

        try:
            import scipy.linalg  # noqa: F401
        except ImportError:
            pass
        _BLAS_LIMITS = threadpool_limits(limits=int(threads), user_api="blas")


def _blas_description() -> list[str]:
    try:
        import numpy  # noqa: F401  (loads numpy's BLAS)
        from threadpoolctl import threadpool_info
    except ImportError:
        return ["blas: threadpoolctl is not installed: BLAS kernel and threads unknown"]
    # The wheel that ships each library: numpy.libs/ holds numpy's, scipy.libs/ scipy's.
    return [
        f"blas: {Path(d['filepath']).parent.name.removesuffix('.libs')} "
        f"{d['internal_api']} {d['version']} {d.get('architecture')} threads={d['num_threads']}"
        for d in threadpool_info()
        if d["user_api"] == "blas"
    ]


def pytest_report_header(config: pytest.Config) -> list[str]:
    import numpy

    versions = f"numpy {numpy.__version__}"
    try:
        import scipy

        versions += f", scipy {scipy.__version__}"
    except ImportError:
        versions += ", no scipy"
    coretype = os.environ.get("OPENBLAS_CORETYPE") or "default"
    return [
        f"dsp test environment: {versions}; OPENBLAS_CORETYPE={coretype}; "
        f"hypothesis profile {PROFILE}",
        *_blas_description(),
    ]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    found: dict[str, int] = {}
    for item in items:
        if _module(item) == "test_benchmarks":
            item.add_marker(pytest.mark.bench)
        if _is_parity(item):
            item.add_marker(pytest.mark.parity)
            found[_module(item)] = found.get(_module(item), 0) + 1
    if config.getoption("markexpr", "") == "parity":
        missing = [
            area
            for area, names in PARITY_AREAS.items()
            if not any(found.get(name) for name in names)
        ]
        if missing:
            raise pytest.UsageError(
                f"-m parity selected no test for {', '.join(missing)} (found {found or 'none'}): "
                "a parity module or test was renamed; update PARITY_AREAS in tests/conftest.py"
            )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    if os.environ.get("CI") and skipped:
        terminalreporter.write_line(
            f"CI: {len(skipped)} test(s) skipped; CI must install what they need "
            "(see the skip reasons above)",
            red=True,
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("CI") and reporter is not None and reporter.stats.get("skipped"):
        if exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
