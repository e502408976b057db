"""Reposts across sites and runs, in real crawls of the sample family."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SampleFamily, SampleServer, run_crawl, sites_file_for


@pytest.fixture
def live_family():
    """A family of our own, served by our own server: these tests change what is published."""
    family = SampleFamily()
    with SampleServer(0, family) as server:
        yield family, server


def duplicates(dump):
    path = dump.with_name(dump.name.replace(".jsonl", ".duplicates.jsonl"))
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_mark_mode_keeps_reposts_with_duplicate_of(tmp_path, sample_server, family):
    sites = tmp_path / "sites.toml"
    sites.write_text(sites_file_for(sample_server.port), encoding="utf-8")
    result = run_crawl(tmp_path, sites, "DEDUP_MODE=mark")
    assert result.returncode == 0, result.log[-2000:]
    rows = result.by_url()
    assert set(rows) == {p.url for p in family.placements()}
    ids = {p.article.slug: rows[p.url]["id"] for p in family.placements() if not p.repost_of}
    for p in family.placements():
        assert rows[p.url]["duplicate_of"] == (ids[p.repost_of] if p.repost_of else None), p.url


def test_a_repost_published_tomorrow_is_caught_by_the_persistent_index(tmp_path, live_family):
    family, server = live_family
    reposts = {}
    for site in family.sites.values():
        reposts[site.host] = [p for p in site.placements if p.repost_of]
        site.placements = [p for p in site.placements if not p.repost_of]
    sites = tmp_path / "sites.toml"
    sites.write_text(sites_file_for(server.port), encoding="utf-8")

    first = run_crawl(tmp_path, sites)  # today: originals only
    assert first.returncode == 0, first.log[-2000:]
    original_ids = {row["url"]: row["id"] for row in first.articles}

    for host, extra in reposts.items():  # tomorrow: the mirror and the aggregator repost them
        family.sites[host].placements[:0] = extra
    second = run_crawl(tmp_path, sites)  # a new process, the same STATE_DIR
    assert second.returncode == 0, second.log[-2000:]
    new_dump = second.dumps[-1]
    new_urls = {json.loads(l)["url"] for l in new_dump.read_text(encoding="utf-8").splitlines()}
    repost_urls = {p.url for extra in reposts.values() for p in extra}
    assert not new_urls & repost_urls
    recs = {r["url"]: r for r in duplicates(new_dump)}
    by_slug = {p.article.slug: p.url for p in family.placements() if not p.repost_of}
    for extra in reposts.values():
        for p in extra:
            assert recs[p.url]["duplicate_of"] == original_ids[by_slug[p.repost_of]]
