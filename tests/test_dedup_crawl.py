"""Reposts across sites and runs, in real crawls of the sample family."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from tests.conftest import hold_back_tomorrow, run_crawl, sites_file_for


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
    """Two runs; between them the server publishes a new article and two reposts of
    articles dumped in the first run. The second dump holds exactly the new article."""
    family, server = live_family
    reposts, new_article, publish_tomorrow = hold_back_tomorrow(family)
    sites = tmp_path / "sites.toml"
    sites.write_text(sites_file_for(server.port), encoding="utf-8")

    first = run_crawl(tmp_path, sites)  # today: originals only
    assert first.returncode == 0, first.log[-2000:]
    original_ids = {row["url"]: row["id"] for row in first.articles}

    assert new_article.url not in original_ids
    publish_tomorrow()  # the mirror and the aggregator repost them
    second = run_crawl(tmp_path, sites)  # a new process, the same STATE_DIR
    assert second.returncode == 0, second.log[-2000:]
    new_dump = second.dumps[-1]
    new_urls = [json.loads(l)["url"] for l in new_dump.read_text(encoding="utf-8").splitlines()]
    assert new_urls == [new_article.url]
    recs = {r["url"]: r for r in duplicates(new_dump)}
    by_slug = {p.article.slug: p.url for p in family.placements() if not p.repost_of}
    for extra in reposts.values():
        for p in extra:
            assert recs[p.url]["duplicate_of"] == original_ids[by_slug[p.repost_of]]


def test_sigkill_mid_run_leaves_no_phantom_index_entries(tmp_path, sample_server, family):
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    sites = tmp_path / "sites.toml"
    sites.write_text(sites_file_for(sample_server.port), encoding="utf-8")
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"sites={sites}", "-s", f"DUMPS_DIR={tmp_path / 'dumps'}",
           "-s", f"STATE_DIR={tmp_path / 'state'}", "-s", "DOWNLOAD_DELAY=0.4", "-s", "AUTOTHROTTLE_ENABLED=False",
           "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-s", "RANDOMIZE_DOWNLOAD_DELAY=False"]
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    part = None
    while time.time() < deadline:
        parts = list((tmp_path / "dumps" / "news").glob("*.jsonl.part")) if (tmp_path / "dumps" / "news").exists() else []
        if parts and parts[0].stat().st_size > 0:
            part = parts[0]
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert part is not None, "the crawl never wrote an item"
    assert not list((tmp_path / "dumps" / "news").glob("*Z.jsonl")), "killed before finishing: no finished dump"

    second = run_crawl(tmp_path, sites)  # the next scheduled run
    assert second.returncode == 0, second.log[-2000:]
    # Nothing the killed run saw suppresses anything: every original is in the finished dump.
    assert {a["url"] for a in second.articles} == {p.url for p in family.placements() if not p.repost_of}
    for line in part.read_text(encoding="utf-8").splitlines()[:-1]:
        json.loads(line)  # every complete line of the torn .part still parses


def test_crash_between_dump_rename_and_index_commit_is_recovered(tmp_path, sample_server, family):
    import sqlite3

    sites = tmp_path / "sites.toml"
    sites.write_text(sites_file_for(sample_server.port), encoding="utf-8")
    first = run_crawl(tmp_path, sites)
    assert first.returncode == 0 and len(first.articles) == 9
    run = first.dumps[0].name.split(".")[0]
    with sqlite3.connect(tmp_path / "state" / "reposts.sqlite") as conn:  # the commit that never happened
        conn.execute("DELETE FROM bands")
        conn.execute("DELETE FROM docs")
        conn.execute("DELETE FROM runs WHERE run=?", (run,))
    second = run_crawl(tmp_path, sites)
    assert second.returncode == 0, second.log[-2000:]
    assert "re-indexed it from the dump" in second.log
    assert "'dedup/recovered': 9" in second.log
    new = [d for d in second.dumps if d.name.split(".")[0] != run]
    assert new and new[0].read_text(encoding="utf-8") == "", "articles already in a dump were written again"


def manifest_of(result):
    dump = result.dumps[-1]
    return json.loads(dump.with_name(dump.name.replace(".jsonl", ".manifest.json")).read_text(encoding="utf-8"))


def test_a_site_that_stops_yielding_is_flagged_and_a_dead_run_exits_2(tmp_path, live_family):
    family, server = live_family
    sites = tmp_path / "sites.toml"
    sites.write_text(sites_file_for(server.port), encoding="utf-8")
    assert run_crawl(tmp_path, sites).returncode == 0
    second = run_crawl(tmp_path, sites)  # nothing new: every known article skipped, and no false alarm
    assert all(not s["health_warnings"] for s in manifest_of(second)["sites"].values())
    assert "'incremental/skipped_recent'" in second.log
    family.sites["www.luan.test"].broken = True  # the site's template changed: no article on its pages
    third = run_crawl(tmp_path, sites, "REVISIT_AFTER=0")
    assert third.returncode == 0  # a broken site is a warning, not a failed run
    sites_now = manifest_of(third)["sites"]
    assert sites_now["luan"]["health_warnings"] == ["no articles extracted from 3 candidate pages (usually 3)"]
    assert sites_now["cnmn"]["health_warnings"] == []
    assert "'incremental/not_modified'" in third.log  # unchanged pages answered 304 to the conditional GET

    dead = tmp_path / "dead.toml"  # nothing answers on port 9
    dead.write_text('[[site]]\nname = "gone"\nstart_urls = ["http://127.0.0.1:9/"]\n', encoding="utf-8")
    result = run_crawl(tmp_path / "dead", dead, "RETRY_TIMES=0")
    assert result.returncode == 2
    assert "Run failed: no site reachable" in result.log


def test_incremental_runs_dump_only_new_articles_and_revisions(tmp_path, live_family):
    family, server = live_family
    cnmn = family.sites["www.cnmn.test"]
    held_back = cnmn.placements.pop()  # published tomorrow
    sites = tmp_path / "sites.toml"
    sites.write_text(sites_file_for(server.port), encoding="utf-8")
    first = run_crawl(tmp_path, sites)
    assert held_back.url not in {a["url"] for a in first.articles}

    cnmn.placements.append(held_back)
    changed = cnmn.placements[0]  # and this one is corrected
    article = changed.article
    changed.article = type(article)(**{**vars(article), "paragraphs": article.paragraphs[:-1] + (article.paragraphs[-1] + "（本文已更正）",)})
    # The CMS dates the correction in its sitemap; a lastmod not newer than the last fetch would
    # skip the URL (incremental/skipped_lastmod), whichever path (sitemap or link) reaches it first.
    # Whole seconds, rounded up: a lastmod truncated to the second of the first fetch is not newer.
    changed.modified = (datetime.now(timezone.utc) + timedelta(seconds=1)).isoformat(timespec="seconds")
    second = run_crawl(tmp_path, sites, "REVISIT_AFTER=0")
    assert second.returncode == 0, second.log[-2000:]
    rows = {a["url"]: a for a in second.articles if a["url"] not in {r["url"] for r in first.articles} or a.get("revision")}
    new_dump = [json.loads(l) for l in second.dumps[-1].read_text(encoding="utf-8").splitlines()]
    assert {r["url"]: r["revision"] for r in new_dump} == {held_back.url: False, changed.url: True}
    assert new_dump[[r["url"] for r in new_dump].index(changed.url)]["text"].endswith("（本文已更正）")




def test_jobdir_resume_after_sigkill_loses_nothing_and_duplicates_nothing(tmp_path, sample_server, family):
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT, read_dump

    sites = tmp_path / "sites.toml"
    sites.write_text(sites_file_for(sample_server.port), encoding="utf-8")
    jobdir = tmp_path / "job"
    common = ["-s", f"JOBDIR={jobdir}", "-s", "DOWNLOAD_DELAY=0.4", "-s", "RANDOMIZE_DOWNLOAD_DELAY=False",
              "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"sites={sites}", "-s", f"DUMPS_DIR={tmp_path / 'dumps'}",
           "-s", f"STATE_DIR={tmp_path / 'state'}", "-s", "AUTOTHROTTLE_ENABLED=False", *common]
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    news = tmp_path / "dumps" / "news"
    deadline = time.time() + 60
    while time.time() < deadline:
        parts = list(news.glob("*.jsonl.part")) if news.exists() else []
        if parts and parts[0].stat().st_size > 0:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    resumed = run_crawl(tmp_path, sites, f"JOBDIR={jobdir}")  # the same job, resumed
    assert resumed.returncode == 0, resumed.log[-2000:]
    urls = [row["url"] for dump in sorted(news.glob("*Z.jsonl")) for row in read_dump(dump)]
    assert len(urls) == len(set(urls)), "an article was written to two dumps"
    assert set(urls) == {p.url for p in family.placements() if not p.repost_of}
    assert not list(news.glob("*.part"))


def test_jobdir_resume_after_sigkill_with_requests_queued_loses_nothing(tmp_path, family):
    """Killed while requests wait in the JOBDIR disk queue (one site's server hangs, few
    concurrent requests): the dead run's queue files have no valid size (queuelib writes it at
    close), so a resume over them popped stale requests in place of its own and lost articles."""
    import os
    import signal
    import subprocess
    import threading
    import time

    from serve import SampleFamily, SampleServer

    from tests.conftest import ROOT, crawl_command, read_dump, run_crawl

    release = threading.Event()

    class Hanging(SampleFamily):
        def respond(self, host: str, path: str):
            if host in ("news.alu-portal.test", "hk.cnmn.test"):
                release.wait(60)  # the killed run waits here with the other sites' requests queued
            return super().respond(host, path)

    with SampleServer(0, Hanging()) as server:
        sites = tmp_path / "sites.toml"
        sites.write_text(sites_file_for(server.port), encoding="utf-8")
        job = (f"JOBDIR={tmp_path / 'job'}", "DOWNLOAD_DELAY=0.4", "RANDOMIZE_DOWNLOAD_DELAY=False",
               "CONCURRENT_REQUESTS_PER_DOMAIN=1")
        cmd, env = crawl_command(tmp_path, sites, *job, "CONCURRENT_REQUESTS=4")
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        news = tmp_path / "dumps" / "news"
        deadline = time.time() + 60
        queued: list = []
        while time.time() < deadline and not queued:
            time.sleep(0.05)
            queued = [p for p in (tmp_path / "job" / "requests.queue").rglob("*") if p.is_file() and p.stat().st_size]
        time.sleep(2)  # the other sites' pages go on being read and dumped
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        release.set()
        assert queued, "the killed run had no request waiting in its disk queue: nothing tested"

        resumed = run_crawl(tmp_path, sites, *job)
        assert resumed.returncode == 0, resumed.log[-2000:]
    urls = [row["url"] for dump in sorted(news.glob("*Z.jsonl")) for row in read_dump(dump)]
    assert len(urls) == len(set(urls)), "an article was written to two dumps"
    assert set(urls) == {p.url for p in family.placements() if not p.repost_of}
    assert "'jobdir/killed_queue_dropped': 1" in resumed.log
