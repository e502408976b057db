"""What the metadata resolver learns per site outlives the run: a scheduled crawl that reads two
pages of a site a day learns its title suffix over two days."""

from __future__ import annotations

import sqlite3

import lxml.html
import pytest

from pipelines.stores.site_metadata import MAX_KEYS_PER_SITE, SiteMetadataStore, SiteMetadataStoreError
from pipelines.text.metadata import SiteKnowledge, read_metadata, resolve

BODY = "<p>" + "铝价周内震荡上行，现货升水扩大，下游采购谨慎，库存继续下降。" * 8 + "</p>"


def page_meta(n: int):
    headline = f"第{n}篇铝价分析文章的标题"
    tree = lxml.html.fromstring(
        f"<html><head><title>{headline}_动态焦点_中国有色网</title></head><body>"
        f"<div class='top'>2024年06月18日 星期二</div><h1>{headline}_动态焦点</h1>{BODY}</body></html>"
    )
    return read_metadata(tree, f"http://www.cnmn.test/news/{n}.html"), headline


def run(store: SiteMetadataStore, pages: range) -> dict[str, SiteKnowledge]:
    sites = store.load(min_pages=3)
    for n in pages:
        meta, _ = page_meta(n)
        sites.setdefault("cnmn", SiteKnowledge(3)).observe(meta, f"http://www.cnmn.test/news/{n}.html")
    store.save(sites, {"cnmn"})
    return sites


def test_affixes_learned_over_two_runs_strip_the_third_pages_title(tmp_path):
    store = SiteMetadataStore(tmp_path / "site_metadata.sqlite")
    run(store, range(2))  # day one: two pages, not yet enough
    assert "动态焦点" not in SiteMetadataStore(tmp_path / "site_metadata.sqlite").load(3)["cnmn"].affixes
    sites = run(store, range(1, 3))  # day two: page 1 again (counted once) and page 2
    assert sites["cnmn"].affix_pages["动态焦点"] == 3 and len(sites["cnmn"].pages) == 3
    meta, headline = page_meta(9)
    warm = SiteMetadataStore(tmp_path / "site_metadata.sqlite").load(3)["cnmn"]
    assert resolve(meta, [], warm, None, "Asia/Shanghai").title == headline


def test_a_store_of_another_version_or_garbage_is_refused(tmp_path):
    path = tmp_path / "site_metadata.sqlite"
    run(SiteMetadataStore(path), range(1))
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = 'site-metadata/0'")
    conn.close()
    with pytest.raises(SiteMetadataStoreError, match="built by"):
        SiteMetadataStore(path).load(3)
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(SiteMetadataStoreError):
        SiteMetadataStore(path).load(3)


def test_a_site_keeps_its_most_seen_lines_only(tmp_path):
    knowledge = SiteKnowledge(3)
    knowledge.line_pages.update({f"2024-01-01 {i:05d}": 1 for i in range(MAX_KEYS_PER_SITE + 10)})
    knowledge.line_pages["版权所有 2005-2024"] = 40
    store = SiteMetadataStore(tmp_path / "site_metadata.sqlite")
    store.save({"big": knowledge})
    loaded = store.load(3)["big"]
    assert len(loaded.line_pages) == MAX_KEYS_PER_SITE and loaded.line_pages["版权所有 2005-2024"] == 40
