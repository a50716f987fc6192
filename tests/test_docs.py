"""The documentation site builds with --strict, and no page links outside the repository."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_readme import PAGES, ROOT

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
"""A Markdown link or image: [text](target)."""
FENCE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)


def links(page: Path) -> list[str]:
    """The link targets of a page, outside its code blocks."""
    return LINK.findall(FENCE.sub("", page.read_text(encoding="utf-8")))


def test_docs_build_strictly(tmp_path: Path) -> None:
    """Broken links or anchors, pages missing from the nav, a missing include or an API
    name mkdocstrings cannot find all fail the build."""
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
    )
    assert build.returncode == 0, build.stderr
    benchmarks = (tmp_path / "benchmarks" / "index.html").read_text(encoding="utf-8")
    assert "LoCoMo, five conversations" in benchmarks  # benchmarks/RESULTS.md, included
    reference = (tmp_path / "reference" / "index.html").read_text(encoding="utf-8")
    assert "search_user_memories" in reference


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_links_stay_in_the_repository(page: Path) -> None:
    """A relative link names a file of the repository; a page of the site only one of the
    site, so it works both on GitHub and in the built site. Nothing names ../shared."""
    text = page.read_text(encoding="utf-8")
    for elsewhere in ("../shared", "shared/eval"):
        assert elsewhere not in text, f"{elsewhere}: the docs point at files a clone does not have"
    site = ROOT / "docs"
    for target in links(page):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # a web address, or an anchor of this page
        path = (page.parent / target.split("#")[0]).resolve()
        assert path.is_file(), f"{target} is not a file of the repository"
        assert path.is_relative_to(ROOT), f"{target} is outside the repository"
        if page.is_relative_to(site):
            assert path.is_relative_to(site), f"{target} is not a page of the site"


def test_readme_links_every_page() -> None:
    """The landing page leads to every page of the site but the home page."""
    readme = {target.split("#")[0] for target in links(ROOT / "README.md")}
    pages = {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md") if p.name != "index.md"}
    assert pages <= readme, f"README.md does not link {sorted(pages - readme)}"
