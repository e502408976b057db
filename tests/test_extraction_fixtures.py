"""Real Chinese news pages (raw bytes) through the crawl's whole stage chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.offline import build_stage_chain

CASES = sorted(p for p in (Path(__file__).parent / "fixtures" / "extraction").iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def chain():
    return build_stage_chain()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_real_page(case, chain):
    info = json.loads((case / "info.json").read_text(encoding="utf-8"))
    want = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    # No article_pattern: the page must also pass as an article on its own merits.
    item = chain.page((case / "body.html").read_bytes(), info["headers"], info["url"], site=case.name)
    lines = item.text.split("\n")
    for para in want["paragraphs"]:
        assert para in lines, f"body paragraph missing: {para[:40]}"
    for bad in want["must_not"]:
        assert not any(bad in line for line in lines), f"boilerplate left: {bad[:40]}"
    for name, value in want["fields"].items():
        assert getattr(item, name) == value, name
    assert item.title == want["title"]
    assert item.published and item.script == "hans" and "\ufffd" not in item.text
