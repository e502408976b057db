"""Distributed mode against a real redis-server: two crawler processes, one frontier, one index."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, read_dump

from serve import SampleFamily, SampleServer, _Handler, sites_file_for  # noqa: E402 (samples/ is on sys.path)

redis = pytest.importorskip("redis")


class SlowSampleServer(SampleServer):
    """The sample family, answering each request after ``delay`` seconds, so that two
    workers really share the crawl (and one can be killed in the middle of it)."""

    def __init__(self, delay: float) -> None:
        super().__init__(0, SampleFamily())

        def do_get(handler, _delay=delay):
            time.sleep(_delay)
            _Handler.do_GET(handler)

        self.httpd.RequestHandlerClass = type("SlowHandler", (_Handler,), {"family": self.family, "do_GET": do_get})


def start_worker(workdir: Path, sites: Path, redis_url: str, n: int, *settings: str) -> subprocess.Popen:
    cmd = [
        sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"sites={sites}",
        "-s", f"DUMPS_DIR={workdir / 'dumps'}", "-s", f"STATE_DIR={workdir / f'state{n}'}",
        "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "EXTRACT_WORKERS=1",
        "-s", "CONCURRENT_REQUESTS=4", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "-s", "WORKER_TTL=3", "-s", "WORKER_MAX_IDLE_WAIT=60",
    ]
    for s in settings:
        cmd += ["-s", s]
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["PYTHONPATH"] = str(ROOT)
    env["REDIS_URL"] = redis_url  # the environment variable alone switches distributed mode on
    log = (workdir / f"worker{n}.log").open("w")
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def slug_of(family: SampleFamily) -> dict[str, str]:
    """URL -> the story it carries: a repost (same text, or its traditional version) counts as its original."""
    return {p.url: p.repost_of or p.article.slug for p in family.placements()}


def dumped(workdir: Path, *, parts: bool = False) -> list[dict]:
    folder = workdir / "dumps" / "news"
    rows = [r for d in sorted(folder.glob("*.jsonl")) if not d.name.endswith(".duplicates.jsonl") for r in read_dump(d)]
    if parts:
        for part in folder.glob("*.jsonl.part"):
            for line in part.read_text(encoding="utf-8").splitlines():
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    break  # a torn last line
    return rows


@pytest.fixture
def slow_sites(tmp_path):
    with SlowSampleServer(delay=0.3) as server:
        sites = tmp_path / "sites.toml"
        sites.write_text(sites_file_for(server.port), encoding="utf-8")
        yield server, sites


def test_two_workers_crawl_each_article_once_and_catch_reposts_across_workers(tmp_path, slow_sites, redis_server, sample_crawl):
    server, sites = slow_sites
    workers = [start_worker(tmp_path, sites, redis_server, n) for n in range(2)]
    codes = [w.wait(timeout=240) for w in workers]
    logs = [(tmp_path / f"worker{n}.log").read_text() for n in range(2)]
    assert codes == [0, 0], logs[0][-2000:] + logs[1][-2000:]
    manifests = [json.loads(m.read_text()) for m in (tmp_path / "dumps" / "news").glob("*.manifest.json")]
    assert len(manifests) == 2, "each worker writes its own dump and manifest"
    # Both really worked: the frontier was shared.
    assert all(m["stats"].get("scheduler/dequeued/redis", 0) > 0 for m in manifests)

    slugs = slug_of(server.family)
    rows = dumped(tmp_path)
    per_article: dict[str, list[str]] = {}
    for row in rows:
        per_article.setdefault(slugs[row["url"]], []).append(row["url"])
    # Each sample article exactly once in the union, reposts included: which copy is kept
    # may differ from the one-process crawl (across workers, the first one kept wins).
    expected = {slugs[r["url"]] for r in sample_crawl.articles}
    assert set(per_article) == expected
    assert all(len(urls) == 1 for urls in per_article.values()), per_article
    # Every repost is caught: each placement of an article is either its dumped copy or a
    # recorded duplicate, in one worker's duplicates file or the other's.
    dup_urls = {json.loads(line)["url"] for d in (tmp_path / "dumps" / "news").glob("*.duplicates.jsonl")
                for line in d.read_text(encoding="utf-8").splitlines()}
    reposted = [p for p in server.family.placements() if sum(slugs[q.url] == slugs[p.url] for q in server.family.placements()) > 1]
    assert reposted, "the sample family has reposts"
    for p in reposted:
        assert (p.url in dup_urls) != (p.url in {r["url"] for r in rows}), p.url
    # The shared state is in Redis, not in the workers' STATE_DIRs.
    assert not list(tmp_path.glob("state*/reposts.sqlite"))


def test_a_killed_worker_loses_nothing(tmp_path, slow_sites, redis_server, sample_crawl):
    server, sites = slow_sites
    client = redis.Redis.from_url(redis_server)
    victim = start_worker(tmp_path, sites, redis_server, 0)
    survivor = start_worker(tmp_path, sites, redis_server, 1)
    # Kill the first worker once it has requests in flight and has dumped something.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        parts = list((tmp_path / "dumps" / "news").glob("*.jsonl.part"))
        inflight = [k for k in client.scan_iter("zhnews:inflight:*") if client.hlen(k)]
        if len(inflight) == 2 and parts:
            break
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    assert survivor.wait(timeout=240) == 0, (tmp_path / "worker1.log").read_text()[-3000:]
    log = (tmp_path / "worker1.log").read_text()

    # Nothing lost: the survivor's dump plus what the victim had flushed hold every article.
    slugs = slug_of(server.family)
    rows = dumped(tmp_path, parts=True)
    got = [slugs[r["url"]] for r in rows]
    expected = {slugs[r["url"]] for r in sample_crawl.articles}
    assert set(got) == expected, (sorted(expected - set(got)), log[-3000:])
    assert len(got) == len(set(got)), f"an article twice: {sorted(got)}"

    # The next worker to start finishes the dead worker's dump (complete lines only).
    third = start_worker(tmp_path, sites, redis_server, 2)
    assert third.wait(timeout=120) == 0
    assert not list((tmp_path / "dumps" / "news").glob("*.jsonl.part"))
    assert sorted(slugs[r["url"]] for r in dumped(tmp_path)) == sorted(got)


def test_concurrent_copies_of_one_article_keep_exactly_one(redis_server):
    """The check-and-insert is atomic: 8 threads, 8 copies of one text, one index each."""
    from pipelines.text.normalise import ScriptConverter
    from pipelines.stores.redis_state import RaceLost, RedisRepostIndex
    from pipelines.stores.repost_index import fingerprint

    text = ScriptConverter().normalise_for_matching(
        "国家统计局今日发布数据显示，前三季度全国规模以上工业增加值同比增长百分之五点八，"
        "其中制造业增长百分之六点二，高技术制造业增长百分之九点六，装备制造业增长百分之七点四。" * 3
    )
    copies = [fingerprint(text + ("" if i % 2 else "。")) for i in range(8)]  # exact and near copies
    kept: list[str] = []
    barrier = threading.Barrier(8)

    def worker(i: int) -> None:
        index = RedisRepostIndex(None, client=redis.Redis.from_url(redis_server), run=f"run-{i}").open()
        barrier.wait()
        for _ in range(20):
            if index.find(copies[i], f"a{i}") is not None:
                return
            try:
                index.add(f"a{i}", copies[i])
                kept.append(f"a{i}")
                return
            except RaceLost:
                continue

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(kept) == 1, kept


def test_seen_set_and_url_state_expire(redis_server):
    from scrapy import Request

    from crawler.distributed import ExpiringDupeFilter
    from pipelines.stores.redis_state import RedisUrlStateStore
    from pipelines.stores.url_state import UrlState

    client = redis.Redis.from_url(redis_server)
    df = ExpiringDupeFilter(client, "t:seen", article_ttl=3600, listing_ttl=60)
    article = Request("http://a.test/news/1.html", meta={"article_candidate": True})
    listing = Request("http://a.test/news/", meta={"article_candidate": False})
    assert not df.request_seen(article) and df.request_seen(article)
    assert not df.request_seen(listing) and df.request_seen(listing)
    ttls = sorted(client.ttl(k) for k in client.scan_iter("t:seen:*"))
    assert len(ttls) == 2 and 0 < ttls[0] <= 120 and 0 < ttls[1] <= 7200  # every bucket expires

    store = RedisUrlStateStore(client, "t", ttl=100)
    state = UrlState("http://a.test/news/1.html", "http://a.test/news/1.html", "ab" * 8, "cd" * 20, 1.0e9, '"e"', None, "r.jsonl")
    store.record([state])
    assert store.get(state.url) == state
    assert 0 < client.ttl(store._key(state.url)) <= 100


def test_template_counts_of_two_workers_add_up(redis_server):
    from pipelines.stores.redis_state import RedisTemplateStore

    client = redis.Redis.from_url(redis_server)
    models = [RedisTemplateStore(client, "t").load(min_pages=3) for _ in range(2)]
    stores = [RedisTemplateStore(client, "t") for _ in range(2)]
    for n, (store, _) in enumerate(zip(stores, models)):
        model = store.load(min_pages=3)
        for page in range(2):  # two pages each: the footer is on four pages in all
            # body lines differ in words (numbers are masked in short template keys)
            model.observe("s", [f"正文{'甲乙丙丁'[2 * n + page]}段，内容各不相同。", "本网站所有内容版权所有，未经授权不得转载。"])
        store.save(model)
    merged = RedisTemplateStore(client, "t").load(min_pages=3)
    assert merged.is_template("s", "本网站所有内容版权所有，未经授权不得转载。")
    assert not merged.is_template("s", "正文甲段，内容各不相同。")


def test_a_dead_workers_dumped_articles_are_not_fetched_again(tmp_path):
    """Killed between flushing an article's line and settling its request, a worker leaves the
    request in flight: the worker that puts it back first reads the dead worker's dump."""
    from crawler.distributed import _dumped_urls

    part = tmp_path / "20240101T000000-w0.jsonl.part"
    part.write_text(
        json.dumps({"url": "http://a.test/1.html", "pages": ["http://a.test/1.html", "http://a.test/1_2.html"]}) + "\n"
        + json.dumps({"url": "http://a.test/2.html"}) + "\n" + '{"url": "http://a.test/3.ht',  # torn: not written
        encoding="utf-8",
    )
    assert _dumped_urls(tmp_path, "20240101T000000-w0") == {"http://a.test/1.html", "http://a.test/1_2.html", "http://a.test/2.html"}
    assert _dumped_urls(tmp_path, "20240101T000000-w9") == set()
