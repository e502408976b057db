"""The mixed crawl: the sample family plus every fault endpoint of tests/fault_server.py.

Every good article comes out exactly as in the crawl without faults, every fault is
counted under its kind with its outcome, and nothing partial or binary reaches the dump.
"""

from __future__ import annotations

import json
import re
import unicodedata
from urllib.parse import quote

import pytest

from tests.fault_server import ARTICLES, CLOSED_HOST, EXTRACTED, FAULTS, HOST, FaultServer, sites_file
from tests.conftest import run_crawl

# Short waits so the suite stays quick; the defaults are 30 s timeout and 1 s backoff base.
FAST_FAULTS = ("DOWNLOAD_TIMEOUT=2", "RETRY_TIMES=2", "RETRY_BACKOFF_BASE=0.2", "RETRY_BACKOFF_MAX=5")


@pytest.fixture(scope="module")
def fault_server():
    with FaultServer(0) as server:
        yield server


@pytest.fixture(scope="module")
def mixed_crawl(tmp_path_factory, fault_server):
    workdir = tmp_path_factory.mktemp("mixed_crawl")
    sites = workdir / "sites.toml"
    sites.write_text(sites_file(fault_server.port), encoding="utf-8")
    result = run_crawl(workdir, sites, *FAST_FAULTS, timeout=240)
    manifest = json.loads(next((workdir / "dumps" / "news").glob("*.manifest.json")).read_text(encoding="utf-8"))
    return result, manifest, workdir


def test_the_run_ends_cleanly(mixed_crawl):
    result, manifest, _ = mixed_crawl
    assert result.returncode == 0, result.log[-3000:]
    assert manifest["exit_status"] == 0
    assert "Traceback" not in result.log
    assert manifest["stats"]["finish_reason"] == "finished"


def test_every_good_article_is_dumped_as_without_faults(mixed_crawl, sample_crawl):
    result, _, _ = mixed_crawl
    faulty = result.by_url()
    clean = sample_crawl.by_url()
    assert clean, "the clean crawl dumped nothing"
    for url, row in clean.items():
        assert url in faulty, f"lost with faults around: {url}"
        got = {k: v for k, v in faulty[url].items() if k != "fetched_at"}
        want = {k: v for k, v in row.items() if k != "fetched_at"}
        assert got == want, url


def test_fault_pages_with_an_article_are_extracted_exactly(mixed_crawl):
    rows = mixed_crawl[0].by_url()
    for url, article in EXTRACTED.items():
        assert url in rows, f"not extracted: {url}"
        assert rows[url]["text"] == "\n".join(article.paragraphs), url
        assert rows[url]["title"] == article.title, url
        assert rows[url]["published"] == article.published, url


def test_skipped_faults_leave_nothing_in_the_dump(mixed_crawl):
    rows = mixed_crawl[0].by_url()
    fault_urls = {u for u in rows if "/fault/" in u or CLOSED_HOST in u}
    assert fault_urls == set(EXTRACTED), sorted(fault_urls ^ set(EXTRACTED))
    skipped = [f for f in FAULTS if f.outcome == "skipped" and f.path.startswith("/fault/")]
    for f in skipped:
        assert f"http://{HOST}{quote(f.path)}" not in rows


def test_every_fault_is_counted_under_its_kind(mixed_crawl):
    _, manifest, _ = mixed_crawl
    stats = manifest["stats"]
    missing = [f"{f.path} -> faults/{f.kind}" for f in FAULTS if f.kind and not stats.get(f"faults/{f.kind}")]
    assert not missing, missing
    # The two pages that failed once and then served their article were retried, then recovered.
    assert stats["faults/recovered"] >= 2
    assert stats["faults/retried"] >= 2
    # Each skipped fault page is one skip; sitemaps and feeds are read, not skipped.
    assert stats["faults/skipped"] >= sum(1 for f in FAULTS if f.outcome == "skipped" and not f.path.endswith(".xml"))
    by_kind = manifest["sites"]["cnmn"]["errors_by_kind"]
    assert by_kind["http_500"] == 1 and by_kind["timeout"] == 1 and by_kind["too_large"] == 1


def test_429_with_retry_after_is_honoured(mixed_crawl):
    result, manifest, _ = mixed_crawl
    stats = manifest["stats"]
    assert stats["retry/reason_count/http_429"] >= 1
    # A Retry-After beyond RETRY_BACKOFF_MAX is not waited for: given up at once, said why.
    assert re.search(r"Giving up \S+throttled-429-long\.html: 429 with Retry-After 86400 s", result.log)


def test_limits_stop_the_bomb_and_the_huge_page_early(mixed_crawl):
    result, manifest, _ = mixed_crawl
    # The bomb is inflated only up to DOWNLOAD_MAXSIZE (16 MiB), not to its 64 MiB.
    inflated = re.search(r"gzip-bomb\.html.*?(\d+) B decompressed so far", result.log)
    assert inflated and int(inflated.group(1)) <= 16 * 1024 * 1024 + 1024 * 1024
    # The streamed 20 MiB page is cancelled at the limit; the crawl process stayed small.
    assert manifest["stats"]["faults/too_large"] == 1
    assert manifest["stats"]["memusage/max"] < 1024 * 1024 * 1024


def test_no_item_carries_binary_or_control_characters(mixed_crawl):
    for row in mixed_crawl[0].articles:
        text = row["title"] + row["text"]
        assert "\ufffd" not in text, row["url"]
        bad = [c for c in text if unicodedata.category(c) == "Cc" and c not in "\n\t"]
        assert not bad, (row["url"], bad[:5])


def test_hostile_xml_is_read_without_entities(mixed_crawl):
    _, manifest, _ = mixed_crawl
    stats = manifest["stats"]
    assert stats["faults/xml_entities_ignored"] == 1
    assert stats["faults/sitemap_loop"] == 1
    # The broken dates of the feed do not stop its links from being followed.
    assert stats["faults/feed_bad_date"] == 2
    assert stats["news/feed_urls"] >= 3


def test_fault_articles_are_distinct(mixed_crawl):
    """The fault articles are no reposts of the samples (or the comparison above would be moot)."""
    rows = mixed_crawl[0].by_url()
    assert all(rows[u].get("duplicate_of") in (None, "") for u in EXTRACTED)
    assert len({a.paragraphs[0] for a in ARTICLES.values()}) == len(ARTICLES)


@pytest.mark.parametrize("header, expected", [
    (b"120", 120.0),
    (b"Mon, 23 Nov 2026 12:02:00 GMT", 120.0),  # an HTTP date, two minutes after "now"
    (b"Mon, 23 Nov 2026 11:00:00 GMT", 0.0),  # in the past: retry at once
    (b"soon", None),
    (None, None),
])
def test_retry_after_header_forms(header, expected):
    from datetime import datetime, timezone

    from crawler.middlewares import _retry_after_seconds

    now = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc).timestamp()
    assert _retry_after_seconds(header, now) == expected
