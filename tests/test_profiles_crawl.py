"""Site profiles in real crawls (crawler/profiles.py): a site that changes its template halfway
through a crawl is relearned, and no page is lost or garbled against a crawl without profiles."""

from __future__ import annotations

import json
import sys

import pytest

from tests.conftest import ROOT, run_crawl

sys.path.insert(0, str(ROOT / "samples"))

from redesign import RedesignFamily  # noqa: E402
from serve import SampleServer  # noqa: E402

from pipelines.text.profile import shingle_f1  # noqa: E402

# One page at a time, in sitemap order, as the counts below assume: a page's plan (fast or full
# path) is made when its reading starts, from what the pages already read have taught. With
# CONCURRENT_REQUESTS=1 alone Scrapy still downloads ahead while earlier pages wait for the
# reader (up to 5 MB of responses), so on a loaded machine many pages were planned before the
# profile was learned (profile/fast < 6), and the new layout could be learned before any page
# had shown the old profile lost ("learned" twice, no "relearned"). A scraper slot of one byte
# makes the engine send no request while a page is being read.
SETTINGS = ("PROFILES_ENABLED=True", "PROFILE_MIN_PAGES=3", "PROFILE_AUDIT_EVERY=4", "CONCURRENT_REQUESTS=1", "EXTRACT_WORKERS=1",
            "SCRAPER_SLOT_MAX_ACTIVE_SIZE=1")


def sites_file(tmp_path, port: int):
    path = tmp_path / "sites.toml"
    path.write_text(
        f'[[site]]\nname = "redesign"\nsitemaps = ["http://www.redesign.test/sitemap.xml"]\n'
        f"article_pattern = '/news/\\d+/\\d+\\.html$'\nproxy = \"http://127.0.0.1:{port}\"\n",
        encoding="utf-8",
    )
    return path


def stats_of(result) -> dict:
    manifest = result.dumps[0].with_name(result.dumps[0].name.replace(".jsonl", ".manifest.json"))
    return json.loads(manifest.read_text(encoding="utf-8"))["stats"]


@pytest.fixture(scope="module")
def redesign_crawls(tmp_path_factory):
    family = RedesignFamily(articles=30, redesign_from=16)
    with SampleServer(0, family) as server:
        on_dir, off_dir = tmp_path_factory.mktemp("profiles_on"), tmp_path_factory.mktemp("profiles_off")
        on = run_crawl(on_dir, sites_file(on_dir, server.port), *SETTINGS)
        off = run_crawl(off_dir, sites_file(off_dir, server.port), *SETTINGS, "PROFILES_ENABLED=False")
    assert on.returncode == 0, on.log[-3000:]
    assert off.returncode == 0, off.log[-3000:]
    return family, on, off


def test_a_redesigned_site_is_relearned_and_read_fast_before_and_after(redesign_crawls):
    family, on, _ = redesign_crawls
    stats = stats_of(on)
    assert stats["profile/learned"] >= 2 and stats["profile/relearned"] >= 1, stats
    assert stats["profile/guard/block_missing"] >= 1  # the old block is gone on the new pages
    assert stats["profile/fast"] >= 6  # (of 30: 3 + 3 learning pages, audits, one guard)
    assert stats["profile/audit"] >= 2 and not stats.get("profile/audit_disagreed")
    assert "profile relearned" in on.log


def test_no_page_is_lost_or_garbled_against_the_full_path(redesign_crawls):
    family, on, off = redesign_crawls
    site = family.sites["www.redesign.test"]
    assert sorted(on.by_url()) == sorted(off.by_url()) == sorted(p.url for p in site.placements)
    for url, row in on.by_url().items():
        assert shingle_f1(row["text"], off.by_url()[url]["text"]) >= 0.98, url
        placement = next(p for p in site.placements if p.url == url)
        # Every paragraph, and nothing of the page's chrome.
        assert row["text"].split("\n") == list(placement.expected_paragraphs()), url
        for field in ("title", "published", "source", "canonical_url"):
            assert row[field] == off.by_url()[url][field], (url, field)


def test_the_profile_is_in_the_state_dir_and_scrapy_state_shows_it(redesign_crawls):
    import subprocess

    _, on, _ = redesign_crawls
    workdir = on.dumps[0].parent.parent.parent
    assert (workdir / "state" / "profiles.sqlite").exists()
    shown = subprocess.run(
        [sys.executable, "-m", "scrapy", "state", "profiles", "-s", f"STATE_DIR={workdir / 'state'}", "-s", f"DUMPS_DIR={workdir / 'dumps'}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert "redesign" in shown.stdout and "section#text_#.article-text" in shown.stdout, shown.stdout


@pytest.mark.parametrize("setting,value", [("PROFILE_MIN_PAGES", "1"), ("PROFILE_AUDIT_EVERY", "often"), ("PROFILES_ENABLED", "maybe")])
def test_bad_profile_settings_stop_the_start_naming_the_setting(tmp_path, sample_sites, setting, value):
    result = run_crawl(tmp_path, sample_sites, f"{setting}={value}", timeout=120)
    assert result.returncode == 1
    assert setting in result.log
    assert not result.dumps


def test_the_sample_crawl_with_profiles_dumps_the_same_articles(tmp_path, sample_sites, sample_crawl):
    # The sample sites have 2-4 articles each: with a profile after 2 pages, some are read fast.
    result = run_crawl(tmp_path, sample_sites, "PROFILES_ENABLED=True", "PROFILE_MIN_PAGES=2", "PROFILE_AUDIT_EVERY=100")
    assert result.returncode == 0, result.log[-3000:]
    assert sorted(result.by_url()) == sorted(sample_crawl.by_url())
    for url, row in result.by_url().items():
        assert shingle_f1(row["text"], sample_crawl.by_url()[url]["text"]) >= 0.98, url
    assert stats_of(result)["profile/full"] >= 1
