"""One run per STATE_DIR, and state that heals (crawler/state.py), in real crawls of the sample sites."""

from __future__ import annotations

import json
import random
import re
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from crawler.extensions import sibling
from pipelines.stores.heal import FILES
from tests.conftest import ROOT, crawl_command, hold_back_tomorrow, read_dump, run_crawl, sites_file_for

SLOW = ("DOWNLOAD_DELAY=0.4", "RANDOMIZE_DOWNLOAD_DELAY=False", "CONCURRENT_REQUESTS_PER_DOMAIN=1")


def start_slow_crawl(workdir: Path, sites: Path, *settings: str) -> subprocess.Popen:
    """A crawl that takes a few seconds, returned once it holds the lock on workdir/state."""
    cmd, env = crawl_command(workdir, sites, *SLOW, *settings)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lock = workdir / "state" / "run.lock"
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        try:
            if json.loads(lock.read_text(encoding="utf-8") or "{}").get("pid") == proc.pid:
                return proc
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"the first crawl never took the lock: {proc.communicate()[1][-2000:]}")


def test_an_overlapping_run_exits_3_and_writes_nothing(tmp_path, sample_sites, family):
    first = start_slow_crawl(tmp_path, sample_sites, "DOWNLOAD_DELAY=1")  # still going when the second has started
    news = tmp_path / "dumps" / "news"
    second = run_crawl(tmp_path, sample_sites)
    assert first.poll() is None, "the first run should still be going: the test did not overlap"
    assert second.returncode == 3, second.log[-2000:]
    lines = [l for l in second.log.splitlines() if "Another run holds" in l]
    assert len(lines) == 1 and f"pid {first.pid} on " in lines[0], second.log[-2000:]
    assert "Traceback" not in second.log and "response_received_count" not in second.log  # nothing fetched
    assert first.wait(timeout=120) == 0, first.stderr.read()[-2000:]

    dumps = sorted(p for p in news.glob("*.jsonl") if not p.name.endswith(".duplicates.jsonl"))
    assert len(dumps) == 1 and not list(news.glob("*.part"))
    run = dumps[0].name.split(".")[0]
    assert {p.name.split(".")[0] for p in news.iterdir()} == {run}, "the locked-out run wrote to the dump folder"
    urls = [row["url"] for row in read_dump(dumps[0])]
    assert len(urls) == len(set(urls)) == len([p for p in family.placements() if not p.repost_of])


def test_with_lock_wait_the_second_run_waits_then_dumps_nothing_twice(tmp_path, sample_sites, family):
    first = start_slow_crawl(tmp_path, sample_sites)
    second = run_crawl(tmp_path, sample_sites, "LOCK_WAIT=120")
    assert first.wait(timeout=10) == 0  # it had to end before the second could start
    assert second.returncode == 0, second.log[-2000:]
    assert "Another run holds" not in second.log
    urls = [a["url"] for a in second.articles]
    assert len(second.dumps) == 2 and len(urls) == len(set(urls)) == len([p for p in family.placements() if not p.repost_of])


def test_kill_9_of_the_lock_holder_lets_the_next_run_proceed(tmp_path, sample_sites, family):
    first = start_slow_crawl(tmp_path, sample_sites)
    first.send_signal(signal.SIGKILL)
    first.wait()
    second = run_crawl(tmp_path, sample_sites)
    assert second.returncode == 0, second.log[-2000:]
    assert "Another run holds" not in second.log
    assert {a["url"] for a in second.articles} == {p.url for p in family.placements() if not p.repost_of}


@pytest.mark.parametrize("value", ["soon", "-1", "nan"])
def test_a_bad_lock_wait_stops_the_run_at_start_up_naming_the_setting(tmp_path, sample_sites, value):
    result = run_crawl(tmp_path, sample_sites, f"LOCK_WAIT={value}")
    assert result.returncode == 1
    assert "LOCK_WAIT must be" in result.log
    assert not (tmp_path / "dumps").exists()


# -- state that heals ------------------------------------------------------------------------------

STORES = ("reposts.sqlite", "urls.sqlite", "templates.sqlite", "site_metadata.sqlite")


def damage(path: Path, how: str) -> None:
    """What a full disk, a bad copy or a crash during a backup does to a store file."""
    assert path.exists() and not path.with_name(path.name + "-wal").exists(), "the run left its WAL uncheckpointed"
    data = bytearray(path.read_bytes())
    if how == "scribbled":  # pages 2 and 3 overwritten with noise; the header still says SQLite
        noise = random.Random(16).randbytes(2 * 4096)
        data[4096 : 3 * 4096] = noise[: len(data[4096 : 3 * 4096])]
        path.write_bytes(bytes(data))
    elif how == "truncated":
        path.write_bytes(bytes(data[: len(data) // 2]))
    elif how == "deleted":
        path.unlink()
    elif how == "other-version":
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE meta SET value = 'an older algorithm'")
        conn.close()


@pytest.mark.parametrize("how", ["scribbled", "truncated", "deleted", "other-version"])
def test_damaged_stores_are_rebuilt_from_the_dumps_and_the_next_run_dumps_only_new_articles(tmp_path, live_family, how):
    family, server = live_family
    reposts, new_article, publish_tomorrow = hold_back_tomorrow(family)
    sites = tmp_path / "sites.toml"
    sites.write_text(sites_file_for(server.port), encoding="utf-8")
    first = run_crawl(tmp_path, sites)
    assert first.returncode == 0, first.log[-2000:]
    dumped = {row["url"]: row["id"] for row in first.articles}

    for name in STORES:
        damage(tmp_path / "state" / name, how)
    publish_tomorrow()  # reposts of yesterday's stories, and one new article
    second = run_crawl(tmp_path, sites)
    assert second.returncode == 0, second.log[-3000:]

    new_dump = second.dumps[-1]
    assert [row["url"] for row in read_dump(new_dump)] == [new_article.url]  # no URL twice, no repost
    recs = {r["url"]: r["duplicate_of"] for r in map(json.loads, sibling(new_dump, ".duplicates.jsonl").read_text().splitlines())}
    by_slug = {p.article.slug: p.url for p in family.placements() if not p.repost_of}
    assert recs == {p.url: dumped[by_slug[p.repost_of]] for extra in reposts.values() for p in extra}
    # The rebuilt URL state skipped yesterday's articles: none was fetched and found in the index again.
    assert "'dedup/already_dumped'" not in second.log
    assert "'incremental/skipped_recent'" in second.log
    manifest = json.loads(sibling(new_dump, ".manifest.json").read_text(encoding="utf-8"))
    expected_state = "missing" if how == "deleted" else how.replace("scribbled", "unreadable").replace("truncated", "unreadable")
    # (a deleted site_metadata store is simply learned again: nothing in the dumps to recover)
    rebuilt = ("reposts", "urls", "templates") + (() if how == "deleted" else ("site_metadata",))
    assert {k: v.split(":")[0] for k, v in manifest["state_rebuilt"].items()} == dict.fromkeys(rebuilt, expected_state)
    for store in rebuilt:
        assert manifest["stats"][f"state/rebuilt/{store}"] == 1
        assert re.search(rf"WARNING: State store {store} was {expected_state}.*rebuilt from 1 finished dumps", second.log)
    if how != "deleted":
        assert len(list((tmp_path / "state").glob("reposts.sqlite.broken-*"))) == 1  # kept for a post-mortem

    third = run_crawl(tmp_path, sites)  # healed for good: nothing to rebuild, nothing new
    assert third.returncode == 0 and "State store" not in third.log
    assert read_dump(third.dumps[-1]) == []


def state_command(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    cmd, env = crawl_command(workdir, Path("unused"))
    cmd = cmd[:3] + ["state", *args] + [a for pair in zip(cmd[7::2], cmd[8::2]) for a in pair]  # the same -s settings
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_state_command_checks_rebuilds_and_describes_the_stores(tmp_path, sample_sites, family):
    first = run_crawl(tmp_path, sample_sites)
    assert first.returncode == 0
    check = state_command(tmp_path, "check")
    assert check.returncode == 0 and check.stdout.count(" fine ") == len(FILES), check.stdout + check.stderr

    damage(tmp_path / "state" / "reposts.sqlite", "scribbled")
    check = state_command(tmp_path, "check")
    assert check.returncode == 1
    assert re.search(r"^reposts +unreadable.*rebuild needed", check.stdout, re.M), check.stdout

    holder = start_slow_crawl(tmp_path / "other", sample_sites, "DOWNLOAD_DELAY=3")  # a run on another state
    try:
        locked = state_command(tmp_path / "other", "rebuild")  # its state cannot be rebuilt under it
        assert holder.poll() is None, "the crawl ended before the rebuild was tried: the test did not overlap"
        assert locked.returncode == 3 and f"pid {holder.pid} on " in locked.stdout, locked.stdout + locked.stderr[-2000:]
        rebuild = state_command(tmp_path, "rebuild", "reposts")  # ... and does not stop one of this state
        assert rebuild.returncode == 0, rebuild.stdout + rebuild.stderr
        assert re.search(r"^reposts +rebuilt \(unreadable.*\) from 1 dumps: 9 rows", rebuild.stdout, re.M), rebuild.stdout
    finally:
        holder.kill()
        holder.wait()
    assert state_command(tmp_path, "check").returncode == 0

    stats = state_command(tmp_path, "stats")
    assert stats.returncode == 0, stats.stderr
    rows = {line.split()[0]: line.split()[1:] for line in stats.stdout.splitlines() if line.startswith("www.") or line[:1].isalpha() and "bytes" not in line}
    originals = Counter(p.site.host for p in family.placements() if not p.repost_of)
    for host, n in originals.items():
        urls, indexed = (int(v.replace(",", "")) for v in rows[host][:2])
        assert indexed == n and urls >= n, stats.stdout  # (a multi-page article has a URL per page)
    assert "cnmn" in rows and int(rows["cnmn"][3].replace(",", "")) > 0  # its template model's lines
