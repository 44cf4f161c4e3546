"""MkDocs hooks: a source page per ``dsp`` module, and links to the source that work in both places.

The pages link to the code they explain as ``[dsp/stft.py](../dsp/stft.py)``: a path relative
to ``docs/``, so the link works when the Markdown is read on a code-hosting site. That file is
outside the site, so while building, :func:`on_files` adds a generated page ``source/stft.md``
showing the module's source (listed in the nav by :func:`on_config`), and
:func:`on_page_markdown` points such links at it. Every other
link is left to MkDocs' own checks (``mkdocs build --strict`` fails on a broken one).
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

PACKAGE = Path(__file__).resolve().parent.parent / "dsp"
SOURCE_DIR = "source"
NAV_SECTION = "Source code"
# ](../dsp/name.py) or ](../dsp/name.py#anchor): a Markdown link to a module of the package
# (the anchor is dropped: the generated page has none).
SOURCE_LINK = re.compile(r"\]\(\.\./dsp/(?P<module>[\w/]+)\.py(?P<anchor>#[^)]*)?\)")


def _modules() -> list[Path]:
    """The package's public modules (``__init__`` and those not starting with ``_``), in
    public sub-packages too (``dsp/io/audio.py``)."""

    def public(p: Path) -> bool:
        parts = p.relative_to(PACKAGE).parts
        return all(not d.startswith("_") for d in parts[:-1]) and (
            parts[-1] == "__init__.py" or not parts[-1].startswith("_")
        )

    return [p for p in sorted(PACKAGE.rglob("*.py")) if public(p)]


def _key(path: Path) -> str:
    """``io/audio`` for ``dsp/io/audio.py``: the page's name under ``source/``."""
    return path.relative_to(PACKAGE).with_suffix("").as_posix()


def _source_page(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    fence = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", text)), default=0))
    name = f"dsp/{_key(path)}.py"
    return (
        f"# {name}\n\n"
        f"The source of `{name}`, as built into this site.\n\n"
        f"{fence}python\n{text}{fence}\n"
    )


def _index_page(modules: list[Path]) -> str:
    lines = [
        "# Source code",
        "",
        "Every module of the package, one stage per module "
        "(`dsp/__init__.py` is the table of contents).",
        "",
    ]
    lines += [f"- [dsp/{_key(p)}.py]({_key(p)}.md)" for p in modules]
    return "\n".join(lines) + "\n"


def on_config(config: Any) -> Any:
    """Fill the nav's "Source code" section with one entry per module."""
    pages: list[Any] = [f"{SOURCE_DIR}/index.md"]
    pages += [{f"dsp/{_key(p)}.py": f"{SOURCE_DIR}/{_key(p)}.md"} for p in _modules()]
    for i, item in enumerate(config.nav or []):
        if isinstance(item, dict) and NAV_SECTION in item:
            config.nav[i] = {NAV_SECTION: pages}
    return config


def on_files(files: Files, config: Any) -> Files:
    modules = _modules()
    files.append(File.generated(config, f"{SOURCE_DIR}/index.md", content=_index_page(modules)))
    for path in modules:
        files.append(
            File.generated(config, f"{SOURCE_DIR}/{_key(path)}.md", content=_source_page(path))
        )
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    here = posixpath.dirname(page.file.src_uri)

    def relink(match: re.Match[str]) -> str:
        target = f"{SOURCE_DIR}/{match['module']}.md"
        if files.get_file_from_path(target) is None:
            return match[0]  # not a public module: let MkDocs report the broken link
        return f"]({posixpath.relpath(target, here or '.')})"

    return SOURCE_LINK.sub(relink, markdown)
