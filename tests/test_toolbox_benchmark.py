"""The toolbox benchmark (issue 13) runs on a tiny input and writes its report; no timing is
asserted. Marked ``bench`` like ``tests/test_benchmarks.py`` (``python -m pytest -m bench``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import toolbox  # noqa: E402

pytestmark = pytest.mark.bench


def test_toolbox_benchmark_writes_its_table(tmp_path: Path) -> None:
    out = tmp_path / "toolbox.md"
    toolbox.main(["--seconds", "1", "--runs", "1", "--output", str(out)])
    text = out.read_text()
    for name in ("dct", "mfcc", "delta", "istft", "griffinlim", "mel_to_stft", "mel_to_audio"):
        assert f"| {name}" in text
    assert "identical" in text  # istft and griffinlim are bit-identical to librosa
    assert "mel_to_stft residual" in text
