"""The torture corpus: raw bytes + headers through decode -> extract -> strip -> fingerprint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem

from tests.conftest import build_stages, page_item, process

CASES = sorted(p for p in (Path(__file__).parent.parent / "fixtures" / "charset").iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def stages():
    return build_stages()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case, stages):
    crawler, chain = stages
    body = (case / "body.html").read_bytes()
    info = json.loads((case / "info.json").read_text(encoding="utf-8"))
    want = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    decoded, item = page_item(body, info["headers"], info["url"])
    if "encoding" in want:
        assert (decoded.encoding, decoded.source) == (want["encoding"], want["encoding_source"])
    before = dict(crawler.stats.get_stats())
    if want.get("dropped"):
        with pytest.raises(DropItem) as exc:
            process(chain, item)
        if want["dropped"] != "any":
            assert type(exc.value).__name__ == want["dropped"]
        return
    out = process(chain, item)
    assert sorted(out.warnings) == sorted(want["warnings"])
    assert out.title == want["title"]
    if "text" in want:
        assert out.text == want["text"]
        assert "\ufffd" not in want["text"]
    else:
        assert out.text.startswith(want["text_startswith"])
    after = crawler.stats.get_stats()
    for key, stat in (("ruby_markup_removed", "ruby/markup_removed"), ("pinyin_removed", "ruby/pinyin_removed")):
        if key in want:
            assert after.get(stat, 0) - before.get(stat, 0) == want[key]


def test_the_common_han_file_is_what_common_han_computes():
    # The file spares every process OpenCC's s2t/s2hk dictionaries; it must not drift from
    # the definition (GB2312 level 1 and its traditional forms).
    from pipelines.text.charset import COMMON_HAN, common_han

    assert COMMON_HAN == common_han()
    assert len(COMMON_HAN) > 5000
