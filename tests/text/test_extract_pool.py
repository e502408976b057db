"""Extraction in worker processes: same output as in-process, and a poisoned page costs itself only."""

from __future__ import annotations

import gc

from pipelines.text.extract_pool import ExtractPool
from tests.conftest import run_crawl, sites_file_for


def test_workers_give_the_same_dump_as_one_process(tmp_path, sample_server, sample_crawl):
    sites = tmp_path / "sites.toml"
    sites.write_text(sites_file_for(sample_server.port), encoding="utf-8")
    inline = run_crawl(tmp_path, sites, "EXTRACT_WORKERS=0")
    assert inline.returncode == 0
    strip = lambda rows: {r["url"]: {k: v for k, v in r.items() if k != "fetched_at"} for r in rows}  # noqa: E731
    assert strip(inline.articles) == strip(sample_crawl.articles)  # the session crawl used the worker pool


def test_a_page_that_kills_its_worker_costs_that_page_alone(tmp_path, sample_server, family):
    poisoned = next(p for p in family.placements() if p.article.slug == "luan-coal-safety")
    sites = tmp_path / "sites.toml"
    sites.write_text(sites_file_for(sample_server.port), encoding="utf-8")
    # The last paragraph: teaser lists quote an article's opening, and must not carry the marker.
    result = run_crawl(tmp_path, sites, "EXTRACT_WORKERS=2", f"EXTRACT_CRASH_MARKER={poisoned.article.paragraphs[-1][:12]}")
    assert result.returncode == 0, result.log[-2000:]
    expected = {p.url for p in family.placements() if not p.repost_of} - {poisoned.url}
    assert {a["url"] for a in result.articles} == expected
    assert "'extract/error/WorkerCrashed': 1" in result.log
    assert "extraction worker died" in result.log.lower()


def test_workers_import_their_jobs_modules_and_freeze_what_is_alive_at_start():
    """Full collections in the workers no longer traverse the modules' objects every page
    (gc.freeze after start-up), and the jobs' modules are among the frozen ones."""
    counts = {}
    for preload in ((), ("crawler.reading",)):
        pool = ExtractPool(1, preload=preload)
        try:
            counts[preload] = pool._executor().submit(gc.get_freeze_count).result(timeout=120)
        finally:
            pool.close()
    assert counts[()] > 10_000  # extraction's own modules (trafilatura, lxml, the patterns)
    assert counts[("crawler.reading",)] > counts[()] + 10_000  # the page reader's (Scrapy's settings, the link finder)
