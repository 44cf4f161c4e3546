"""The benchmark code runs on tiny inputs and writes a report (no timing is asserted).

Marked ``bench``: the default ``python -m pytest`` deselects these (they start fresh processes
and take about a minute); ``.ci/run`` runs them with ``python -m pytest -m bench``.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import __main__ as entry  # noqa: E402
from benchmarks import _common, design, memory, report, startup, timing  # noqa: E402
from benchmarks.cases import cases  # noqa: E402

pytestmark = pytest.mark.bench

TINY = {"tiny": 0.5}


def test_every_case_runs_and_meets_its_contract():
    y = _common.signal(0.5)
    for case in cases():
        x = case.prepare(y)
        dev = _common.deviation(case.ours(x), case.ref(x))
        if case.contract == "identical":
            assert dev["identical"], case.name
        elif case.contract == "1e-5 of max":
            assert dev["max_rel"] <= 1e-5, case.name


def test_paired_timing_and_deviation_rows():
    rows = timing.run_timing(TINY, {"tiny": 1}, only=["stft", "melspectrogram"], log=io.StringIO())
    assert [r["case"] for r in rows] == ["stft", "melspectrogram"]
    assert all(r["identical"] and r["ratio"] > 0 and r["lo"] <= r["hi"] for r in rows)


def test_memory_in_a_fresh_process():
    rows = memory.run_memory(TINY, only=["melspectrogram"], log=io.StringIO())
    (row,) = rows
    assert row["out_bytes"] == _common.N_MELS * (1 + int(0.5 * _common.SR) // _common.HOP) * 4
    assert row["ours"] >= 0 and row["ref"] >= 0


def test_startup_rows():
    rows = startup.run_startup(repeats=1, log=io.StringIO())
    assert [r["name"] for r in rows] == list(startup.COMMANDS)
    assert rows[0]["wall_ratio"] == pytest.approx(1.0)


def test_design_measurements_and_report(tmp_path):
    results = {
        "variants": design.threads_and_blocks(seconds=1.0, runs=1)[:2],
        "spin": design.blas_spin(repeats=1),
        "blas": design.blas_threads(frames=(50,), repeats=1),
        "chunks": design.chunk_identity(total=300, widths=range(3, 300, 97)),
        "floor": design.fft_floor(seconds=1.0, runs=1),
    }
    y = _common.signal(0.5)
    timing_rows = [
        dict(
            length="10 min",
            case=c.name,
            ours_label=c.ours_label,
            contract=c.contract,
            ours=0.1,
            ref=0.3,
            ratio=0.3,
            lo=0.2,
            hi=0.4,
            runs=1,
            **_common.deviation(c.ours(c.prepare(y)), c.ref(c.prepare(y))),
        )
        for c in cases()
    ]
    memory_rows = [
        dict(
            length="60 min",
            case="melspectrogram",
            ours=100.0,
            ref=1900.0,
            out_bytes=100,
            ref_out_bytes=100,
            exact_reset=True,
        )
    ]
    startup_rows = [
        dict(
            name=name,
            wall=0.1,
            wall_lo=0.1,
            wall_hi=0.1,
            rss=2**25,
            wall_ratio=1.2,
            rss_ratio=1.3,
            repeats=1,
        )
        for name in startup.COMMANDS
    ]
    text = report.render(
        _common.machine(), timing_rows, memory_rows, startup_rows, results, "python -m benchmarks"
    )
    for heading in (
        "## Machine",
        "## Targets",
        "## Time and deviation",
        "## Peak memory",
        "## Time to first result",
        "## Why the engine",
    ):
        assert heading in text
    assert text.count("**met**") == 6  # the invented numbers meet every target


def test_command_line_writes_the_report(tmp_path, monkeypatch):
    fake = dict(
        machine={"CPU": "test"},
        timing=[],
        memory=[],
        startup=[],
        design={},
        command="python -m benchmarks --quick",
    )
    calls = []
    monkeypatch.setattr(entry, "run_all", lambda **kw: calls.append(kw) or fake)
    out = tmp_path / "RESULTS.md"
    entry.main(["--quick", "--skip-design", "--out", str(out)])
    assert calls == [dict(quick=True, skip_design=True)]
    assert "## Targets" in out.read_text() and "not measured" in out.read_text()
    rendered = tmp_path / "again.md"
    entry.main(["--render", str(out.with_suffix(".json")), "--out", str(rendered)])
    assert rendered.read_text() == out.read_text()


def test_signal_is_seeded_float32():
    a, b = _common.signal(0.1), _common.signal(0.1)
    assert a.dtype == np.float32 and np.array_equal(a, b) and a.size == round(0.1 * _common.SR)


def test_streaming_time_rows_and_wake_latency():
    """benchmarks/streaming.py's time table on a 2-s signal, one pair (no timing asserted):
    a row per transform and thread setting, the columns of its header, the output checked
    identical; and the thread wake-up it reports is a positive time."""
    from benchmarks import streaming

    rows = streaming.time_ratio(2.0, 1)
    assert len(rows) == 2 * len(streaming.THREADS)
    assert all(len(row) == len(streaming.TIME_COLUMNS) and row[-1] == "identical" for row in rows)
    assert 0 < streaming.wake_latency(20) < 1.0
    assert streaming.verdict(rows).startswith("Target (stream <= 1.3x offline): met by ")
