"""The docs cannot rot: every Python code block in ``docs/*.md`` runs, and the site builds.

- Every fenced ``python`` block of a page runs, in page order, in one namespace per page (a
  block sees the names earlier blocks defined). The code-block tests need only numpy and dsp.
- A block whose title says it needs a package (``python title="needs torch"``, ``python
  title="needs librosa"``) runs when that package is installed, in a *copy* of the page's
  namespace, so later blocks cannot come to depend on it; without the package it does not run
  and ``test_blocks_needing_a_package`` is skipped, naming the blocks.
- Every ``\\tag{...}`` equation label of the pages and every equation label the docstrings of
  ``dsp/`` cite is defined in ``docs/conventions.md``.
- ``docs/make_figures.py``'s figure list, the committed PNGs and the figures the pages show are
  the same set.
- ``mkdocs build --strict`` succeeds (skipped without the ``docs`` extra: mkdocs and
  pymdown-extensions) and the built pages load nothing from the network.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
# The pages a learner walks through: each explains a stage with code and pictures.
TOUR = (
    "index",
    "explainer",
    "framing",
    "windows",
    "stft",
    "decibels",
    "mel-scale",
    "filterbank",
    "pipeline",
    "cnn",
)

FENCE = re.compile(
    r"^(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
TITLE = re.compile(r'title="(?P<title>[^"]*)"')
NEEDS = re.compile(r"^needs (?P<module>[A-Za-z_][\w.]*)")
FIGURE = re.compile(r"!\[[^\]]*\]\(figures/(?P<name>[^)\s]+)\.png\)")
TAG = re.compile(r"\\tag\{(?P<label>[^}]+)\}")
# "eq. S1", "eqs. M1, M2", "eq. F2 in", "(formulas W1-W6 of ...)" in the package's docstrings.
CITED = re.compile(
    r"(?:\b[Ee]qs?\.|\bformulas)\s+(?P<labels>[A-Z]\d+(?:\s*(?:,|-|and)\s*[A-Z]\d+)*)"
)


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # line of the first code line, 1-based
    code: str
    needs: str | None  # a module the block needs beyond numpy and dsp, or None


def code_blocks(page: Path) -> list[Block]:
    """The Python blocks of a Markdown page, in order."""
    text = page.read_text(encoding="utf-8")
    blocks = []
    for match in FENCE.finditer(text):
        info = match["info"].strip()
        if info.split(" ", 1)[0].lower() not in ("python", "py"):
            continue
        title = TITLE.search(info)
        needs = NEEDS.match(title["title"]) if title else None
        line = text.count("\n", 0, match.start("body")) + 1
        blocks.append(Block(page, line, match["body"], needs["module"] if needs else None))
    return blocks


def _run(block: Block, namespace: dict) -> None:
    # Pad with blank lines so that a traceback names the Markdown file and its line.
    source = "\n" * (block.line - 1) + block.code
    exec(compile(source, str(block.page), "exec"), namespace)  # noqa: S102


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module.split(".")[0]) is not None


@pytest.mark.parametrize("page", [p for p in PAGES if code_blocks(p)], ids=lambda p: p.name)
def test_code_blocks_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a block that writes a file writes it here
    namespace: dict = {"__name__": f"docs.{page.stem}"}
    for block in code_blocks(page):
        if block.needs is None:
            _run(block, namespace)
        elif _installed(block.needs):
            _run(block, dict(namespace))
        # else: reported by test_blocks_needing_a_package, below


NEEDED = sorted({b.needs for page in PAGES for b in code_blocks(page) if b.needs})


@pytest.mark.parametrize("module", NEEDED)
def test_blocks_needing_a_package(module: str) -> None:
    """Says which blocks did not run for want of a package (they run in the test above)."""
    blocks = [
        f"{b.page.name}:{b.line}" for page in PAGES for b in code_blocks(page) if b.needs == module
    ]
    if not _installed(module):
        pytest.skip(f"{module} is not installed: did not run {', '.join(blocks)}")


def test_tour_pages_have_code_and_figures() -> None:
    for stem in TOUR:
        page = DOCS / f"{stem}.md"
        assert page.exists(), f"{page} is missing"
        text = page.read_text(encoding="utf-8")
        assert any(b.needs is None for b in code_blocks(page)), f"{page.name}: no code to run"
        assert FIGURE.search(text), f"{page.name}: no figure"


def _make_figures_list() -> list[str]:
    spec = importlib.util.spec_from_file_location("make_figures", DOCS / "make_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # imports numpy and dsp only; matplotlib when drawing
    return list(module.FIGURES)


def test_figures_listed_committed_and_shown() -> None:
    listed = set(_make_figures_list())
    committed = {p.stem for p in (DOCS / "figures").glob("*.png")}
    shown = {m["name"] for page in PAGES for m in FIGURE.finditer(page.read_text("utf-8"))}
    assert listed == committed, (
        f"make_figures.py and docs/figures/ differ: only listed {sorted(listed - committed)}, "
        f"only committed {sorted(committed - listed)}; run python docs/make_figures.py"
    )
    assert shown == listed, (
        f"pages and make_figures.py differ: shown but not made {sorted(shown - listed)}, "
        f"made but not shown {sorted(listed - shown)}"
    )


def _labels(text: str) -> set[str]:
    labels = set()
    for match in CITED.finditer(text):
        for part in re.split(r"\s*(?:,|and)\s*", match["labels"]):
            first, _, last = part.partition("-")
            if last:  # a range such as W1-W6
                letter = first.strip()[0]
                lo, hi = int(first.strip()[1:]), int(last.strip()[1:])
                labels |= {f"{letter}{i}" for i in range(lo, hi + 1)}
            else:
                labels.add(first.strip())
    return labels


def test_equation_labels_defined_once_in_conventions() -> None:
    defined = TAG.findall((DOCS / "conventions.md").read_text("utf-8"))
    duplicated = sorted({label for label in defined if defined.count(label) > 1})
    assert not duplicated, f"conventions.md defines {duplicated} more than once"
    cited = set()
    for path in sorted((ROOT / "dsp").glob("*.py")):
        cited |= _labels(path.read_text("utf-8"))
    for page in PAGES:
        cited |= set(TAG.findall(page.read_text("utf-8")))
    assert cited, "no equation label found: the patterns are out of date"
    missing = sorted(cited - set(defined))
    assert not missing, f"labels used but not defined in docs/conventions.md: {missing}"


@pytest.mark.skipif(
    not (_installed("mkdocs") and _installed("pymdownx")),
    reason="needs the docs extra (mkdocs, pymdown-extensions)",
)
def test_site_builds_strict_and_offline(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(ROOT / "mkdocs.yml"),
            "--site-dir",
            str(site),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    loads = re.compile(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="((?:https?:)?//[^"]*)"')
    for html in site.rglob("*.html"):
        external = loads.findall(html.read_text("utf-8"))
        assert not external, f"{html.relative_to(site)} loads from the network: {external}"
    for stem in TOUR:  # every figure and the math renderer are in the site
        page = (site / f"{stem}.html").read_text("utf-8")
        assert "assets/katex/katex.min.js" in page, stem
        for name in FIGURE.findall((DOCS / f"{stem}.md").read_text("utf-8")):
            assert (site / "figures" / f"{name}.png").exists(), name
