"""Multi-page articles (issue 18): real `scrapy crawl news` runs of the sample family on 127.0.0.1.

The family has three stories spread over pages: luan's in GBK and traditional script
(content_201_2.htm), the aggregator's in GBK behind a lying header (?page=2), cnmn's in simplified script
(index_1.html) whose last page's 下一页 loops back to the first; each has a 下一篇 link with
rel="next" to the next article, and the aluportal reposts cnmn's story on one page.
"""

from __future__ import annotations

import json
import time

import pytest
from scrapy.utils.test import get_crawler

from crawler.items import Article
from pipelines.incremental import UrlStateStage
from pipelines.stores.heal import rebuild_store
from pipelines.stores.url_state import UrlStateStore
from tests.conftest import read_dump, run_crawl


def stories(family):
    return [p for p in family.placements() if p.pages > 1]


def later_pages(family) -> set[str]:
    return {p.page_url(k) for p in stories(family) for k in range(2, p.pages + 1)}


def this_run(result) -> list[dict]:
    """The articles of the run's own dump (the dumps folder holds the earlier runs' too)."""
    return read_dump(result.dumps[-1])


def manifest_stats(result) -> dict:
    dump = result.dumps[-1]
    return json.loads(dump.with_name(dump.name.replace(".jsonl", ".manifest.json")).read_text(encoding="utf-8"))["stats"]


def test_the_family_has_stories_in_three_forms_both_scripts_and_gbk(family):
    forms = {(p.page_form, p.site.encoding, p.site.template in ("luan", "cnmnhk")) for p in stories(family)}
    assert {f for f, _, _ in forms} == {"suffix", "query", "index"}
    assert any(enc == "gbk" for _, enc, _ in forms) and {hant for _, _, hant in forms} == {True, False}


def test_each_story_is_dumped_once_joined_in_page_order(sample_crawl, family):
    got = sample_crawl.by_url()
    for p in stories(family):
        row = got[p.url]
        assert row["pages"] == [p.page_url(k) for k in range(1, p.pages + 1)], p.url
        # every paragraph in order; the lead repeated atop each page and the pager lines only once / never
        assert row["text"].split("\n") == p.expected_paragraphs(), p.url
        assert row["canonical_url"] == p.url and row["title"] == p.article.title
        assert not {"multipage-incomplete", "multipage-truncated"} & set(row["warnings"])
    for row in sample_crawl.articles:
        if row["url"] not in {p.url for p in stories(family)}:
            assert row["pages"] == [row["url"]]


def test_no_later_page_is_dumped_alone(sample_crawl, family):
    urls = [a["url"] for a in sample_crawl.articles]
    assert not set(urls) & later_pages(family)
    assert len(urls) == len({p.url for p in family.placements() if not p.repost_of})
    # cnmn's sitemap lists a later page: recognised, sent to its first page
    assert "index_1.html is a later page of http://www.cnmn.test/news/2023/0213/1002/index.html" in sample_crawl.log


def test_next_article_links_are_not_joined_and_the_loop_is_stopped(sample_crawl):
    got = sample_crawl.by_url()
    luan = got["http://www.luan.test/xwzx/2014-09/11/content_201.htm"]
    nxt = got["http://www.luan.test/xwzx/2011-09/16/content_202.htm"]  # its 下一篇, rel="next"
    assert nxt["url"] not in luan["pages"] and nxt["text"][:30] not in luan["text"]
    stats = manifest_stats(sample_crawl)
    assert stats["multipage/joined"] == 3 and stats["multipage/pages"] == 8  # 3 + 2 + 3
    assert stats["multipage/loop"] == 1  # cnmn's last page leads back to its first
    assert stats["multipage/later_page_alone"] >= 1
    assert "multipage/incomplete" not in stats and "multipage/max_pages" not in stats


def test_the_one_page_repost_of_a_story_is_linked_to_it(sample_crawl):
    story = sample_crawl.by_url()["http://www.cnmn.test/news/2023/0213/1002/index.html"]
    dump = sample_crawl.dumps[0]
    dups = [json.loads(l) for l in dump.with_name(dump.name.replace(".jsonl", ".duplicates.jsonl")).read_text(encoding="utf-8").splitlines()]
    repost = next(d for d in dups if d["url"] == "http://news.alu-portal.test/a/20230213/3001.shtml")
    assert repost["duplicate_of"] == story["id"]


def test_a_failed_page_dumps_the_story_flagged_and_later_runs_complete_skip_and_revisit_it(tmp_path, live_family):
    family, server = live_family
    story = next(p for p in stories(family) if p.page_form == "suffix")  # luan, GBK
    host, broken = story.site.host, story.page_path(2)
    respond = family.respond
    family.respond = lambda h, path: (404, "text/html", b"gone") if (h, path) == (host, broken) else respond(h, path)
    sites = tmp_path / "sites.toml"
    from tests.conftest import sites_file_for
    sites.write_text(sites_file_for(server.port), encoding="utf-8")

    first = run_crawl(tmp_path, sites)
    assert first.returncode == 0, first.log[-2000:]
    row = first.by_url()[story.url]
    assert row["pages"] == [story.url] and "multipage-incomplete" in row["warnings"]
    assert row["text"].split("\n") == story.page_paragraphs(1)
    assert manifest_stats(first)["multipage/incomplete"] == 1
    assert "failed: http_404; the 1 pages read are dumped, flagged multipage-incomplete" in first.log

    family.respond = respond  # the page is back: the next run fetches the story again and completes it
    second = run_crawl(tmp_path, sites)
    assert second.returncode == 0, second.log[-2000:]
    assert len(second.dumps) == 2 and [a["url"] for a in this_run(second)] == [story.url]  # the rest is not due
    row = this_run(second)[0]
    assert row["revision"] is True and row["id"] == first.by_url()[story.url]["id"]
    assert row["pages"] == [story.page_url(k) for k in range(1, 4)] and row["text"].split("\n") == story.expected_paragraphs()
    assert not row["warnings"]

    third = run_crawl(tmp_path, sites)  # the whole group is skipped
    assert third.returncode == 0 and len(third.dumps) == 3 and this_run(third) == []
    assert f"Joined 3 pages of {story.url}" not in third.log and "is a later page of" not in third.log
    stats = manifest_stats(third)
    assert stats.get("incremental/skipped_recent", 0) + stats.get("incremental/skipped_lastmod", 0) >= 9

    fourth = run_crawl(tmp_path, sites, "REVISIT_AFTER=0")  # a revisit: page 1 again, and its pager
    assert fourth.returncode == 0 and len(fourth.dumps) == 4 and this_run(fourth) == []
    assert f"Joined 3 pages of {story.url}" in fourth.log
    assert manifest_stats(fourth)["dedup/already_dumped"] >= 1


def test_max_pages_cuts_a_story_and_flags_it(tmp_path, sample_sites):
    result = run_crawl(tmp_path, sample_sites, "MULTIPAGE_MAX_PAGES=2")
    assert result.returncode == 0, result.log[-2000:]
    row = result.by_url()["http://www.luan.test/xwzx/2014-09/11/content_201.htm"]
    assert len(row["pages"]) == 2 and "multipage-truncated" in row["warnings"]
    assert manifest_stats(result)["multipage/max_pages"] == 2  # luan's and cnmn's three-page stories
    assert not {a["url"] for a in result.articles} & {"http://www.luan.test/xwzx/2014-09/11/content_201_3.htm"}


@pytest.mark.parametrize("value", ["1", "many"])
def test_a_bad_max_pages_fails_at_start_up_naming_the_setting(tmp_path, sample_sites, value):
    result = run_crawl(tmp_path, sample_sites, f"MULTIPAGE_MAX_PAGES={value}", timeout=60)
    assert result.returncode != 0 and "MULTIPAGE_MAX_PAGES must be a whole number >= 2" in result.log
    assert result.articles == []


def test_multipage_config_reads_its_settings():
    from crawler.multipage import MultipageConfig

    from scrapy.settings import Settings

    defaults = Settings()
    defaults.setmodule("crawler.settings")
    assert MultipageConfig.from_settings(defaults) == MultipageConfig(True, 20)
    got = MultipageConfig.from_settings(get_crawler(settings_dict={"MULTIPAGE_MAX_PAGES": "5", "MULTIPAGE_ENABLED": False}).settings)
    assert got == MultipageConfig(False, 5)
    for bad in ("0", "2.5", None):
        with pytest.raises(ValueError, match="MULTIPAGE_MAX_PAGES"):
            MultipageConfig.from_settings(get_crawler(settings_dict={"MULTIPAGE_MAX_PAGES": bad}).settings)


# -- the URL state of a story: every page, in SQLite and in its Redis twin, and after healing ------

PAGES = ["http://www.luan.test/a/content_9.htm", "http://www.luan.test/a/content_9_2.htm", "http://www.luan.test/a/content_9_3.htm"]


def story_item(**kw) -> Article:
    return Article(id="0123456789abcdef", url=PAGES[0], canonical_url=PAGES[0], content_hash="a" * 40,
                   etag='"e1"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT", pages=list(PAGES), **kw)


def record(store, item: Article) -> None:
    stage = UrlStateStage(store, get_crawler().stats)
    stage.process_item(item)
    assert stage.commit("run.jsonl", None) == 3


@pytest.fixture(params=["sqlite", "redis"])
def url_store(request, tmp_path):
    if request.param == "sqlite":
        store = UrlStateStore(tmp_path / "urls.sqlite").open()
    else:
        import redis

        from pipelines.stores.redis_state import RedisUrlStateStore

        store = RedisUrlStateStore(redis.Redis.from_url(request.getfixturevalue("redis_server")), "t", 3600).open()
    yield store
    store.close()


def test_every_page_of_a_dumped_story_is_in_the_url_state(url_store):
    record(url_store, story_item())
    for page in PAGES:
        state = url_store.get(page)
        assert state.article_id == "0123456789abcdef" and state.canonical_url == PAGES[0] and state.dump == "run.jsonl"
        assert state.etag is None and state.last_modified is None  # a revisit fetches page 1 whole
        assert time.time() - state.fetched_at < 60


def test_an_incomplete_story_is_left_due_for_a_revisit(url_store):
    record(url_store, story_item(warnings=["multipage-incomplete"]))
    assert all(url_store.get(page).fetched_at == 0.0 for page in PAGES)


def test_healing_rebuilds_the_url_state_of_every_page(tmp_path):
    dump = tmp_path / "20260101T000000Z.jsonl"
    rows = [
        {"id": "0123456789abcdef", "url": PAGES[0], "canonical_url": PAGES[0], "content_hash": "a" * 40,
         "fetched_at": "2026-01-01T00:00:00+00:00", "warnings": [], "pages": PAGES},
        {"id": "fedcba9876543210", "url": "http://www.luan.test/a/content_8.htm", "fetched_at": "2026-01-01T00:00:00+00:00",
         "warnings": ["multipage-incomplete"], "pages": ["http://www.luan.test/a/content_8.htm"]},
        {"id": "1111111111111111", "url": "http://www.luan.test/a/old.htm", "fetched_at": "2026-01-01T00:00:00+00:00"},  # before `pages`
    ]
    dump.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    built = rebuild_store("urls", tmp_path / "urls.sqlite", [dump], "test")
    assert built.rows == 5
    store = UrlStateStore(tmp_path / "urls.sqlite").open()
    try:
        assert [store.get(p).article_id for p in PAGES] == ["0123456789abcdef"] * 3
        assert store.get(PAGES[2]).fetched_at > 0
        assert store.get("http://www.luan.test/a/content_8.htm").fetched_at == 0.0
        assert store.get("http://www.luan.test/a/old.htm").article_id == "1111111111111111"
    finally:
        store.close()
