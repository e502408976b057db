"""The warc spider end to end: our own archive read back, wget's and Common Crawl's WARCs,
with a tripwire server that counts any connection a request would make."""

from __future__ import annotations

import json
import os
import socketserver
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import ROOT, read_dump
from tests.warc_fixtures import wget_warc

sys.path.insert(0, str(ROOT / "samples"))
from serve import sites_file_for  # noqa: E402


class Tripwire:
    """A TCP server that counts connections: every proxy and port a request could use."""

    def __init__(self) -> None:
        self.connections = 0
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer.connections += 1
                self.request.sendall(b"HTTP/1.1 500 Tripwire\r\nContent-Length: 0\r\n\r\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tripwire():
    wire = Tripwire()
    yield wire
    wire.close()


def run_spider(spider: str, workdir: Path, args: list[str], settings: list[str] = (), proxy_port: int | None = None, timeout: int = 300):
    """`scrapy crawl <spider>` in a subprocess over workdir/dumps and workdir/<state>; returns
    (returncode, log, articles, duplicates, manifest)."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, *[x for a in args for x in ("-a", a)],
           "-s", f"DUMPS_DIR={workdir / 'dumps'}", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO"]
    for s in settings:
        cmd += ["-s", s]
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.pop("REDIS_URL", None)
    if proxy_port is not None:  # any request that escaped would go here
        for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            env[var] = f"http://127.0.0.1:{proxy_port}"
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    folder = workdir / "dumps" / spider
    dumps = sorted(p for p in folder.glob("*.jsonl") if not p.name.endswith(".duplicates.jsonl"))
    articles = [row for d in dumps for row in read_dump(d)]
    dups = [json.loads(line) for p in folder.glob("*.duplicates.jsonl") for line in p.read_text(encoding="utf-8").splitlines()]
    manifests = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.manifest.json"))]
    return proc.returncode, proc.stdout + proc.stderr, articles, dups, (manifests[-1] if manifests else None)


def _tripwired_sites(tmp_path: Path, tripwire: Tripwire) -> Path:
    """The sample sites file with its proxy pointed at the tripwire: reading must not need it."""
    path = tmp_path / "sites-tripwire.toml"
    path.write_text(sites_file_for(tripwire.port), encoding="utf-8")
    return path


def test_archive_round_trip_rotated_and_without_a_request(tmp_path, sample_server, tripwire):
    """Sample crawl with ARCHIVE_ENABLED (small files: rotation), then the warc spider on its
    archive: the same article ids, texts and reposts, and no connection to anything."""
    live_dir, warc_dir = tmp_path / "live", tmp_path / "rebuild"
    sites = tmp_path / "sites.toml"
    sites.write_text(sites_file_for(sample_server.port), encoding="utf-8")
    rc, log, live, live_dups, manifest = run_spider(
        "news", live_dir, [f"sites={sites}"], [f"STATE_DIR={live_dir / 'state'}", "ARCHIVE_ENABLED=True", "ARCHIVE_MAX_BYTES=30000"])
    assert rc == 0, log[-3000:]
    assert len(live) >= 9
    folder = live_dir / "dumps" / "news"
    files = sorted(folder.glob("*.warc.gz"))
    assert len(files) >= 3, "ARCHIVE_MAX_BYTES=30000 rotates the ~100 KB archive"
    assert not list(folder.glob("*.part")), "finished archives only"
    # The manifest lists every file with its real record count (counted here by warcio).
    listed = {a["file"]: a for a in manifest["archive"]}
    assert set(listed) == {f.name for f in files}
    for f in files:
        with f.open("rb") as fh:
            types = [r.rec_type for r in ArchiveIterator(fh)]
        assert listed[f.name]["records"] == len(types)
        assert listed[f.name]["responses"] == types.count("response")
        assert types[0] == "warcinfo"
    assert sum(a["responses"] for a in manifest["archive"]) == manifest["stats"]["response_received_count"]

    rc, log, rebuilt, dups, manifest2 = run_spider(
        "warc", warc_dir, [f"warc={folder}", f"sites={_tripwired_sites(tmp_path, tripwire)}"],
        [f"STATE_DIR={warc_dir / 'state'}"], proxy_port=tripwire.port)
    assert rc == 0, log[-3000:]
    assert tripwire.connections == 0
    assert manifest2["stats"].get("faults/no_record") is None
    assert {a["id"]: a["text"] for a in rebuilt} == {a["id"]: a["text"] for a in live}
    for key in ("title", "published", "author", "source", "site", "canonical_url", "encoding"):
        assert {a["id"]: a[key] for a in rebuilt} == {a["id"]: a[key] for a in live}, key
    assert sorted((d["id"], d["duplicate_of"]) for d in dups) == sorted((d["id"], d["duplicate_of"]) for d in live_dups)
    # Judged as the crawl judged them: our metadata records say which pages were list pages,
    # and which dates sitemaps and feeds gave.
    for key in ("candidates_fetched", "articles_extracted", "articles"):  # (dedup counts follow arrival order)
        assert {n: s[key] for n, s in manifest2["sites"].items()} == {n: s[key] for n, s in manifest["sites"].items()}, key
    stats = manifest2["stats"]
    # Multi-page stories joined as live: their later pages read by URL from the file set.
    assert {a["id"]: a["pages"] for a in rebuilt} == {a["id"]: a["pages"] for a in live}
    assert stats.get("multipage/joined") == manifest["stats"].get("multipage/joined") >= 1
    assert stats["warc/pages_by_url"] >= 1 and stats["warc/index/records"] >= stats["warc/pages_by_url"]
    assert stats["warc/files"] == len(files)
    assert stats["warc/records/response"] == manifest["stats"]["response_received_count"]


def test_a_story_page_the_archive_lacks(tmp_path, sample_server, tripwire):
    """A multi-page story whose last page is not in the archive: the request for it fails
    (faults/no_record) without a connection, and the story is dumped with the pages it has,
    flagged multipage-incomplete, as the live crawl does when a page fails. The story's
    other pages are read by URL from the file set (warc/pages_by_url)."""
    live_dir, warc_dir = tmp_path / "live", tmp_path / "rebuild"
    sites = tmp_path / "sites.toml"
    sites.write_text(sites_file_for(sample_server.port), encoding="utf-8")
    rc, log, live, _, _ = run_spider("news", live_dir, [f"sites={sites}"], [f"STATE_DIR={live_dir / 'state'}", "ARCHIVE_ENABLED=True"])
    assert rc == 0, log[-3000:]
    story = max(live, key=lambda a: len(a["pages"]))
    assert len(story["pages"]) >= 3
    missing = story["pages"][-1]
    kept = tmp_path / "kept"
    kept.mkdir()
    for f in sorted((live_dir / "dumps" / "news").glob("*.warc.gz")):
        data = f.read_bytes()
        with f.open("rb") as fh:
            it = ArchiveIterator(fh)
            members = [(it.get_record_offset(), rec.rec_headers.get_header("WARC-Target-URI")) for rec in it]
        ends = [o for o, _ in members[1:]] + [len(data)]
        (kept / f.name).write_bytes(b"".join(data[o:end] for (o, url), end in zip(members, ends) if url != missing))
    rc, log, rebuilt, _, manifest = run_spider("warc", warc_dir, [f"warc={kept}", f"sites={_tripwired_sites(tmp_path, tripwire)}"],
                                               [f"STATE_DIR={warc_dir / 'state'}"], proxy_port=tripwire.port)
    assert rc == 0, log[-3000:]
    assert tripwire.connections == 0
    stats = manifest["stats"]
    assert stats["faults/no_record"] == 1 and stats["multipage/incomplete"] == 1
    assert stats["warc/pages_by_url"] >= len(story["pages"]) - 2
    got = {a["url"]: a for a in rebuilt}[story["url"]]
    assert got["pages"] == story["pages"][:-1] and "multipage-incomplete" in got["warnings"]
    assert story["text"].startswith(got["text"][:200]) and len(got["text"]) < len(story["text"])
    assert {a["id"] for a in rebuilt} == {a["id"] for a in live}


def test_a_request_without_a_record_fails_and_is_counted():
    """The warc spider's only http(s) handler answers from the record a request carries."""
    import asyncio

    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from crawler.archive import WarcDownloadHandler
    from crawler.faults import Fault, fault_kind

    handler = WarcDownloadHandler(get_crawler())
    with pytest.raises(Fault) as err:
        asyncio.run(handler.download_request(Request("http://www.cnmn.test/")))
    assert fault_kind(err.value) == "no_record"


def test_bad_arguments_and_settings_stop_the_start(tmp_path):
    rc, log, *_ = run_spider("warc", tmp_path, [f"warc={tmp_path / 'missing.warc.gz'}", f"sites={ROOT / 'sites.toml'}"])
    assert rc != 0 and "warc: no such file or folder" in log
    (tmp_path / "x.warc.gz").write_bytes(b"")
    rc, log, *_ = run_spider("warc", tmp_path, [f"warc={tmp_path / 'x.warc.gz'}", "hosts=some"])
    assert rc != 0 and "hosts: only 'all'" in log
    rc, log, *_ = run_spider("warc", tmp_path, [f"warc={tmp_path / 'x.warc.gz'}", "hosts=all"], ["WARC_MAX_RECORD_BYTES=0"])
    assert rc != 0 and "WARC_MAX_RECORD_BYTES" in log


def test_archive_settings_are_checked_at_start_up():
    from scrapy.exceptions import NotConfigured
    from scrapy.utils.test import get_crawler

    from crawler.archive import ArchiveMiddleware

    with pytest.raises(NotConfigured):
        ArchiveMiddleware.from_crawler(get_crawler(settings_dict={"ARCHIVE_ENABLED": False}))
    with pytest.raises(ValueError, match="ARCHIVE_MAX_BYTES"):
        ArchiveMiddleware.from_crawler(get_crawler(settings_dict={"ARCHIVE_ENABLED": True, "ARCHIVE_MAX_BYTES": 0}))
    with pytest.raises(ValueError, match="ARCHIVE_MAX_BYTES"):
        ArchiveMiddleware.from_crawler(get_crawler(settings_dict={"ARCHIVE_ENABLED": True, "ARCHIVE_MAX_BYTES": "lots"}))
    with pytest.raises(ValueError, match="ARCHIVE_ENABLED"):
        ArchiveMiddleware.from_crawler(get_crawler(settings_dict={"ARCHIVE_ENABLED": "maybe"}))


def _warc_urls(path: Path) -> list[str]:
    """The target URIs of the response records in a WARC file."""
    with open(path, "rb") as fh:
        return [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fh) if r.rec_type == "response"]


def test_wget_warc_gives_the_live_crawls_articles(tmp_path, sample_server, sample_crawl, family, tripwire):
    """wget's WARC of the sample sites through the warc spider: every article of the live crawl
    that wget fetched, with the same id and text, nothing else, and the reposts linked alike."""
    starts = ["http://www.cnmn.test/", "http://www.luan.test/xwzx/index.htm", "http://hk.cnmn.test/"]
    starts += [p.url for p in family.placements() if p.site.host == "news.alu-portal.test"]  # (a sitemap-only site)
    warc = wget_warc(sample_server.port, tmp_path / "wget", starts)
    rc, log, articles, dups, manifest = run_spider(
        "warc", tmp_path, [f"warc={warc}", f"sites={_tripwired_sites(tmp_path, tripwire)}"], [f"STATE_DIR={tmp_path / 'state'}"],
        proxy_port=tripwire.port)
    assert rc == 0, log[-3000:]
    assert tripwire.connections == 0
    live = {a["id"]: a for a in sample_crawl.articles}
    got = {a["id"]: a for a in articles}
    assert set(got) <= set(live), "no page becomes an article that the live crawl did not dump"
    urls = {a["url"] for a in articles} | {d["url"] for d in dups}
    expected = {i for i, a in live.items() if a["url"] in urls}
    assert expected == set(got) and len(got) >= 7
    assert all(got[i]["text"] == live[i]["text"] for i in got)
    assert dups and all(d["duplicate_of"] in got for d in dups)
    assert manifest["stats"]["warc/skipped/http_status"] >= 1  # the samples' 404 pages
    # Pages the live crawl reads for links only (a site's home, list and section pages with
    # their pagers) are list pages from the archive too; a list at an article-like URL is
    # told by its items, as in the live crawl.
    read = {u for u in (f"http://hk.cnmn.test{x}" for x in ("/", "/news/list_3.html", "/news/node_1021.htm", "/news/node_1021_2.htm"))}
    assert read <= set(_warc_urls(warc))
    assert not read & {a["url"] for a in articles}
    assert "Dropped http://hk.cnmn.test/news/focus.html: list page" in log
    assert not any(f"Dropped {u}:" in log for u in read), "read for links only, never judged as an article"


def test_cc_news_file_with_one_site_per_host(tmp_path, family, tripwire):
    """A CC-NEWS-layout file read with -a hosts=all: each host is its own site; the PDF, the
    redirect and the cut record are skipped and counted, the articles come out."""
    from tests.warc.test_reader import _common_crawl_file

    path = tmp_path / "CC-NEWS-20240301100000-00000.warc.gz"
    expect = _common_crawl_file(path, family)
    rc, log, articles, dups, manifest = run_spider("warc", tmp_path, [f"warc={path}", "hosts=all"], [f"STATE_DIR={tmp_path / 'state'}"],
                                                   proxy_port=tripwire.port)
    assert rc == 0, log[-3000:]
    assert tripwire.connections == 0
    stats = manifest["stats"]
    # the same article at two hosts: one is dumped, the other is its repost
    assert len(articles) == 1 and len(dups) == 1 and dups[0]["duplicate_of"] == articles[0]["id"]
    assert {a["url"] for a in articles} | {d["url"] for d in dups} == {u for u, outcome in expect.items() if outcome in ("page", "offsite")}
    assert {a["site"] for a in articles} <= {"www.cnmn.test", "other.example.org"}
    assert set(manifest["sites"]) == {"www.cnmn.test", "other.example.org"}
    assert stats["warc/skipped/not_html"] == 1 and stats["warc/skipped/truncated"] == 1 and stats["warc/skipped/http_status"] == 1
    assert "Skipped WARC record" in log and "[truncated]" in log


def test_distributed_workers_share_the_files(tmp_path, sample_server, redis_server):
    """Two warc workers on one Redis: each archive file is read by one of them, and together
    they dump every article of the crawl once."""
    from crawler.archive import WarcFileClaims
    import redis

    server = redis.Redis.from_url(redis_server)
    a = WarcFileClaims(server, "t", "job", 60, "worker-a")
    b = WarcFileClaims(server, "t", "job", 60, "worker-b")
    assert a.claim(Path("/x/1.warc.gz")) and not b.claim(Path("/x/1.warc.gz")) and b.claim(Path("/x/2.warc.gz"))
    assert WarcFileClaims(server, "t", "other-job", 60, "worker-b").claim(Path("/x/1.warc.gz"))

    live_dir = tmp_path / "live"
    sites = tmp_path / "sites.toml"
    sites.write_text(sites_file_for(sample_server.port), encoding="utf-8")
    rc, log, live, live_dups, manifest = run_spider("news", live_dir, [f"sites={sites}"],
                                            [f"STATE_DIR={live_dir / 'state'}", "ARCHIVE_ENABLED=True", "ARCHIVE_MAX_BYTES=20000"])
    assert rc == 0, log[-3000:]
    folder = live_dir / "dumps" / "news"
    n_files = len(manifest["archive"])
    assert n_files >= 4
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(PYTHONPATH=str(ROOT), REDIS_URL=redis_server)
    work = tmp_path / "workers"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "warc", "-a", f"warc={folder}", "-a", f"sites={sites}",
           "-s", f"DUMPS_DIR={work}", "-s", "REDIS_PREFIX=warctest", "-s", "LOG_LEVEL=INFO"]
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    logs = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], logs[0][-2000:] + logs[1][-2000:]
    manifests = [json.loads(p.read_text(encoding="utf-8")) for p in (work / "warc").glob("*.manifest.json")]
    assert len(manifests) == 2
    assert sum(m["stats"].get("warc/files", 0) for m in manifests) == n_files
    assert sum(m["stats"].get("warc/files_claimed_elsewhere", 0) for m in manifests) == n_files
    rows = [row for p in (work / "warc").glob("*.jsonl") if not p.name.endswith(".duplicates.jsonl") for row in read_dump(p)]
    dups = [json.loads(line) for p in (work / "warc").glob("*.duplicates.jsonl") for line in p.read_text(encoding="utf-8").splitlines()]
    # Across workers the first copy of a repost kept wins (README, distributed mode): which copy
    # is dumped may differ from the one-process crawl, but every page is accounted for once.
    assert len(rows) == len(live) and len({r["id"] for r in rows}) == len(rows)
    assert sorted(r["id"] for r in rows + dups) == sorted(a["id"] for a in live + live_dups)
