"""Throughput benchmark: a full crawl against bare trafilatura on the same pages, in one run.

    .venv/bin/python bench/throughput.py [--mix crawl|unique] [--pages N] [--scale 10] [--json OUT]

It builds N article pages (default 2,000) and serves them on 127.0.0.1.
--mix unique (default): real Chinese news text (../shared/corpora/cnews_dev.txt)
rendered into the sample sites' templates, and real pages from ../shared/extraction
served as they are; at least 1,000 of them are distinct articles (the rest are the
same texts under new URLs, which the repost index catches), all on one host.
--mix crawl: pages as a crawl reads them, many per site from a few layouts. Each real
Chinese page of ../shared/extraction (magic_html_article zh, gne_unlabeled_zh) is a
layout: the paragraphs of its article block are replaced by another article's text
(../shared/corpora), its title, date lines and chrome stay; each layout is a site of
its own host, with at most 100 pages (at least 20 layouts); 10% of the pages are the
real pages served as they are. The JSON's "mix" says which: layouts,
pages_per_layout_max, unique_pages. Then, in the same run:

  crawl        `scrapy crawl news` over a sitemap of the N pages (no politeness
               delay, loopback HTTP), with extraction workers (EXTRACT_WORKERS=auto) and
               site profiles on (PROFILES_ENABLED=True); the fast-path share is printed
  crawl+archive  the crawl with ARCHIVE_ENABLED=True (every response also written to WARC)
  crawl-noprof the crawl with PROFILES_ENABLED=False (every page through the full path):
               the profile crawl's dump must agree with it page by page (text F1 >= 0.98 on
               >= 95% of the pages in both dumps, the same pages accounted for, as many kept)
  crawl-1      the same crawl with extraction in the crawl process (EXTRACT_WORKERS=0):
               its dump must hold exactly the same articles
  crawl-fast   the crawl with EXTRACT_FAST=True (trafilatura without its readability/
               justext comparison: faster, less accurate on Chinese pages)
  crawl-record-off  the full path (profiles off) with RECORD_FIELDS=False: what the record
               fields (markdown, images, keywords, section, description) cost is the
               profiles-off crawl's CPU per page over this one's (the "record cost" ratio)
  ceiling      Scrapy alone with bare trafilatura.extract in the same number of worker
               processes (no link finding, no stages, no state): the most a Scrapy crawl
               that runs trafilatura can do on this machine
  bare         a single-process loop of trafilatura.extract over the same HTML bytes
  stages       our decode -> extract -> strip stages alone, in one process

and reports pages/s, the ratio to bare, CPU milliseconds per page (all, then split:
the crawl process alone, from /proc/<pid>/stat utime+stime, and its worker processes), and the crawl's peak RSS (crawl process + workers, sampled from /proc)
at N and at scale x N pages.

    .venv/bin/python bench/throughput.py --record-cost ROUNDS [--mix crawl] [--pages N] [--json OUT]

runs only the record fields' cost, for a loaded machine: ROUNDS pairs of full-path crawls
(PROFILES_ENABLED=False) with RECORD_FIELDS off and on, the order swapped every round, each
pair's on/off ratio of CPU per page (all, crawl process, workers), and the median; then the
page reader's work (crawler/reading.read_page, in this process) on every distinct page read
with the fields off and on in turn, the order swapped every page: the workers' ratio without
the crawl's noise.
"""

from __future__ import annotations

import argparse
import gc
import html as htmllib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "samples"))

from serve import SampleArticle, SampleFamily  # noqa: E402

HOST = "bench.test"


def corpus_articles(limit: int) -> list[SampleArticle]:
    out = []
    path = SHARED / "corpora" / "cnews_dev.txt"
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if "\t" not in line:
            continue
        _, text = line.split("\t", 1)
        sentences = [s + "。" for s in text.split("。") if s.strip()]
        if len(sentences) < 4:
            continue
        title = sentences[0][:24].rstrip("。，")
        paras = tuple("".join(sentences[k : k + 3]) for k in range(1, len(sentences), 3))
        out.append(SampleArticle(f"c{i}", title, "2023-03-02T14:05:00+08:00", "中国有色网", "记者", "编辑", paras))
        if len(out) >= limit:
            break
    return out


def real_pages() -> list[bytes]:
    pages = []
    for folder in ("magic_html_article", "scrapinghub_aeb"):
        for f in sorted((SHARED / "extraction" / folder / "html").glob("*.html")):
            pages.append(f.read_bytes())
    for f in sorted((SHARED / "extraction" / "gne_unlabeled_zh" / "article_pages").glob("*.html")):
        pages.append(f.read_bytes())
    return pages


def build_pages(n: int) -> list[bytes]:
    family = SampleFamily()
    site = family.sites["www.cnmn.test"]
    templates = [family.sites[h] for h in family.sites]
    articles = corpus_articles(n)
    reals = real_pages()
    distinct: list[bytes] = []
    for k, art in enumerate(articles):
        s = templates[k % len(templates)]
        placement = type(site.placements[0])(site=s, path=f"/a/{k}.html", article=art)
        s.placements = [placement] + site.placements[:3]
        distinct.append(family.article_page(placement).encode("utf-8", errors="xmlcharrefreplace"))
    distinct += reals
    return [distinct[i % len(distinct)] for i in range(n)]


# -- --mix crawl: pages from a few layouts per site, as a real crawl reads them -------------

MAX_PAGES_PER_LAYOUT = 100
REAL_SHARE = 0.10  # real pages served as they are
_BLOCK_TAGS = {"p", "div", "td", "li", "section", "article", "span", "font"}
_HAN_RUN = None


def _han(text: str) -> int:
    global _HAN_RUN
    if _HAN_RUN is None:
        import re

        _HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
    return sum(map(len, _HAN_RUN.findall(text)))


def layout_pages() -> list[tuple[str, bytes]]:
    """The Chinese real pages a layout can be made from: (name, bytes)."""
    out = []
    meta = SHARED / "extraction" / "magic_html_article" / "meta.jsonl"
    for line in meta.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("lang_guess") == "zh":
            out.append((row["id"][:12], (SHARED / "extraction" / "magic_html_article" / "html" / f"{row['id']}.html").read_bytes()))
    for f in sorted((SHARED / "extraction" / "gne_unlabeled_zh" / "article_pages").glob("*.html")):
        out.append((f.stem[:12], f.read_bytes()))
    return out


class Layout:
    """A real page as a template: the paragraphs of its article block are slots for another
    article's paragraphs; its title, date lines, chrome and everything outside the block stay.

    The block is the element whose paragraph-like children (leaf blocks with 30+ Han characters,
    mostly not link text) hold the most Han text; those children are the slots."""

    def __init__(self, name: str, body: bytes) -> None:
        import lxml.html

        from pipelines.text.charset import decode_body

        self.name = name
        text = decode_body(body, {"content-type": "text/html"}, "http://bench.test/").text.replace("\x00", "")
        self.tree = lxml.html.document_fromstring(text)
        groups: dict = {}
        for el in self.tree.iter(*_BLOCK_TAGS):
            if any(child.tag in _BLOCK_TAGS - {"span", "font"} for child in el):
                continue  # not a leaf block
            content = el.text_content()
            han = _han(content)
            links = sum(_han(a.text_content()) for a in el.iter("a"))
            if han >= 30 and links * 3 < han:
                groups.setdefault(el.getparent(), []).append((el, han))
        self.slots = []
        if groups:
            parent = max(groups, key=lambda g: sum(h for _, h in groups[g]))
            self.slots = [el for el, _ in groups[parent]]

    def render(self, paragraphs: list[str]) -> bytes:
        import copy
        import re

        import lxml.html

        tree = copy.deepcopy(self.tree)
        slots = [tree.getroottree().xpath(self.tree.getroottree().getpath(el))[0] for el in self.slots]
        # the article's paragraphs in the slots, one each; the rest after the last slot
        for i, el in enumerate(slots):
            tail = el.tail
            for child in list(el):
                el.remove(child)
            el.text = paragraphs[i] if i < len(paragraphs) else None
            el.tail = tail
            if i >= len(paragraphs):
                el.getparent().remove(el) if el.getparent() is not None else None
        last = slots[min(len(slots), len(paragraphs)) - 1]
        for para in reversed(paragraphs[len(slots):]):
            extra = lxml.html.Element(last.tag)
            extra.text = para
            last.addnext(extra)
        html = lxml.html.tostring(tree, encoding="unicode", doctype="<!DOCTYPE html>")
        # served as UTF-8: the page's own charset declaration would now be wrong
        html = re.sub(r"(<meta[^>]+charset\s*=\s*[\"']?)[\w-]+", r"\1utf-8", html, flags=re.I)
        return html.encode("utf-8", errors="xmlcharrefreplace")


def corpus_bodies(limit: int) -> list[list[str]]:
    """``limit`` distinct article bodies (paragraphs of three sentences) from the corpus: each
    article once, then first halves joined to other articles' second halves (distinct texts,
    none contained in another)."""
    articles = [a.paragraphs for a in corpus_articles(10**6)]
    bodies = [list(p) for p in articles]
    r = 1
    while len(bodies) < limit:
        for k, paras in enumerate(articles):
            other = articles[(k + 131 * r) % len(articles)]
            bodies.append(list(paras[: max(1, len(paras) // 2)]) + list(other[len(other) // 2 :]))
        r += 1
    return bodies[:limit]


def build_crawl_mix(n: int) -> tuple[list[bytes], dict]:
    """N pages as a crawl reads them: 10% real pages served as they are, the rest from layouts
    (real Chinese pages whose article block gets other articles' text), each layout used for at
    most MAX_PAGES_PER_LAYOUT pages (more only when N needs it, as the scaled run does)."""
    layouts = [lay for lay in (Layout(name, body) for name, body in layout_pages()) if len(lay.slots) >= 2]
    reals = real_pages()
    n_real = round(n * REAL_SHARE)
    n_templated = n - n_real
    per_layout = max(1, -(-n_templated // MAX_PAGES_PER_LAYOUT))  # layouts needed at the cap
    used = layouts[: max(min(len(layouts), 20), min(len(layouts), per_layout))]
    bodies = corpus_bodies(n_templated)
    # each layout is a site of its own (its own host, template model and profile), as in a crawl
    templated = [(f"layout{k % len(used)}.test", used[k % len(used)].render(bodies[k])) for k in range(n_templated)]
    real = [("real.test", reals[k % len(reals)]) for k in range(n_real)]
    # interleaved as a sitemap of many sites would list them
    pages, step = [], max(1, round(n / max(1, n_real)))
    ti = ri = 0
    for i in range(n):
        if ri < n_real and (i % step == step - 1 or ti >= n_templated):
            pages.append(real[ri]); ri += 1
        else:
            pages.append(templated[ti]); ti += 1
    per = -(-n_templated // len(used))
    mix = {"name": "crawl", "layouts": len(used), "pages_per_layout_max": per, "unique_pages": len({b for _, b in pages}),
           "real_pages": n_real, "layouts_available": len(layouts)}
    return pages, mix


def build_unique_mix(n: int) -> tuple[list[tuple[str, bytes]], dict]:
    """Today's pages: every article in its own rendering, all on one host."""
    pages = build_pages(n)
    return [(HOST, b) for b in pages], {"name": "unique", "layouts": None, "pages_per_layout_max": None, "unique_pages": len(set(pages))}


MIXES = {"crawl": build_crawl_mix, "unique": build_unique_mix}


def page_urls(pages: list[tuple[str, bytes]]) -> list[str]:
    return [f"http://{host}/a/{i}.html" for i, (host, _) in enumerate(pages)]


def _sitemap(urls: list[str]) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(f"<url><loc>{u}</loc></url>" for u in urls) + "</urlset>").encode()


class BenchServer:
    """Serves (host, page) pairs as http://<host>/a/<i>.html through a proxy on 127.0.0.1;
    each host's /sitemap.xml lists its pages, and http://bench.test/sitemap.xml lists them all
    (the ceiling crawl reads that one)."""

    def __init__(self, pages: list[tuple[str, bytes]]) -> None:
        urls = page_urls(pages)
        self.hosts = sorted({h for h, _ in pages})
        sitemaps = {h: _sitemap([u for u, (ph, _) in zip(urls, pages) if ph == h]) for h in self.hosts}
        sitemaps[HOST] = _sitemap(urls) if HOST not in sitemaps else sitemaps[HOST]

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                host, _, path = self.path.split("://", 1)[-1].partition("/")
                path = "/" + path
                if path == "/sitemap.xml" and host in sitemaps:
                    body, ctype, status = sitemaps[host], "application/xml", 200
                elif (path.startswith("/a/") and path[3:-5].isdigit() and int(path[3:-5]) < len(pages)
                      and pages[int(path[3:-5])][0] == host):
                    body, ctype, status = pages[int(path[3:-5])][1], "text/html; charset=utf-8", 200
                else:
                    body, ctype, status = b"", "text/plain", 404
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def tree_usage(pid: int, cpu: dict[int, float]) -> int:
    """RSS in bytes of a process and all its descendants, from /proc; records each one's
    CPU seconds so far in ``cpu`` (cumulative counters: the last sample of a pid counts)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            cpu[p] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            pass
        stack.extend(children.get(p, []))
    return total


def watch(cmd: list[str], env: dict[str, str]) -> tuple[int, float, int, float, float]:
    """Run a crawl; (returncode, seconds, peak RSS of its process tree, CPU seconds of the tree,
    CPU seconds of the crawl process alone: the tree's rest is its worker processes)."""
    # The log goes to a file, not a pipe: an unread pipe that fills up would stall the crawl.
    with tempfile.TemporaryFile() as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
        peak, cpu = 0, {}
        while proc.poll() is None:
            peak = max(peak, tree_usage(proc.pid, cpu))
            time.sleep(0.2)
        elapsed = time.perf_counter() - t0
        if proc.returncode != 0:
            log.seek(0)
            print(log.read().decode("utf-8", errors="replace")[-3000:], file=sys.stderr)
    return proc.returncode, elapsed, peak, sum(cpu.values()), cpu.get(proc.pid, 0.0)


def crawl_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy") and k != "REDIS_URL"}


def crawl(port: int, n: int, workers: str, workdir: Path, *settings: str, hosts: tuple[str, ...] = (HOST,)) -> dict:
    sites = workdir / "sites.toml"
    sites.write_text(
        # Links are extracted from every page as in any crawl, but followed only to the bench's
        # own pages: the real pages' other links point at pages this server does not have, and
        # thousands of 404s would measure nothing but the server.
        "".join(
            f'[[site]]\nname = "{host.split(".")[0]}"\nsitemaps = ["http://{host}/sitemap.xml"]\n'
            f'article_pattern = \'/a/\\d+\\.html$\'\nfollow_pattern = \'/a/\\d+\\.html$\'\nproxy = "http://127.0.0.1:{port}"\n\n'
            for host in hosts
        ),
        encoding="utf-8",
    )
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"sites={sites}", "-s", f"DUMPS_DIR={workdir / 'dumps'}",
           "-s", f"STATE_DIR={workdir / 'state'}", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
           "-s", "CONCURRENT_REQUESTS=32", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=32", "-s", "LOG_LEVEL=WARNING",
           "-s", f"EXTRACT_WORKERS={workers}"]
    for setting in settings:
        cmd += ["-s", setting]
    returncode, elapsed, peak, cpu, own = watch(cmd, crawl_env())
    dump = next((workdir / "dumps" / "news").glob("*Z.jsonl"))
    rows = [json.loads(line) for line in dump.read_text(encoding="utf-8").splitlines()]
    dups_file = dump.with_name(dump.name.replace(".jsonl", ".duplicates.jsonl"))
    dups = [json.loads(line) for line in dups_file.read_text(encoding="utf-8").splitlines()] if dups_file.exists() else []
    manifest = dump.with_name(dump.name.replace(".jsonl", ".manifest.json"))
    stats = json.loads(manifest.read_text(encoding="utf-8")).get("stats", {}) if manifest.exists() else {}
    profile = {k.split("/", 1)[1]: v for k, v in stats.items() if k.startswith("profile/")}
    # pages whose stage did its own work although the worker had done it (pipelines/text/prepared.py)
    stale = {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("prepared/stale/")}
    # Which copy of a repost is kept depends on arrival order; what must not differ is that
    # every page is accounted for (in the dump or the duplicates file) and as many are kept.
    return {"pages": n, "seconds": round(elapsed, 2), "pages_per_s": round(n / elapsed, 2), "peak_rss_mb": round(peak / 2**20),
            "cpu_ms_per_page": round(1000 * cpu / n, 1), "crawl_process_cpu_ms_per_page": round(1000 * own / n, 1),
            "workers_cpu_ms_per_page": round(1000 * (cpu - own) / n, 1), "articles": len(rows), "urls": sorted(r["url"] for r in rows + dups),
            "returncode": returncode, "profile": profile, "prepared_stale": stale, "texts": {r["url"]: r["text"] for r in rows}}


def agreement(a: dict, b: dict) -> dict:
    """Page by page, the texts of two crawls' dumps (pages in both): share with shingle F1 >= 0.98."""
    from pipelines.text.profile import shingle_f1

    common = sorted(set(a["texts"]) & set(b["texts"]))
    f1 = [shingle_f1(a["texts"][u], b["texts"][u]) for u in common]
    same = a["urls"] == b["urls"] and a["articles"] == b["articles"]
    # The dumps do not say which pages took the fast path; every page that differs is counted
    # against it (a full-path page reads the same in both crawls), so this share is a floor.
    fast = a["profile"].get("fast", 0)
    differ = sum(f < 0.98 for f in f1)
    return {"pages_compared": len(common), "share_f1_098": round(sum(f >= 0.98 for f in f1) / max(1, len(f1)), 4),
            "fast_path_share_f1_098_floor": round(1 - differ / fast, 4) if fast else None,
            "mean_f1": round(sum(f1) / max(1, len(f1)), 4), "same_articles": same,
            "passed": same and len(common) > 0 and sum(f >= 0.98 for f in f1) >= 0.95 * len(f1)}


def ceiling(port: int, n: int, workers: int) -> dict:
    """Scrapy with nothing but bare trafilatura.extract in ``workers`` processes (this file's
    ``--scrapy-trafilatura`` mode, in a subprocess without the project's settings)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--scrapy-trafilatura", str(port), str(n), str(workers)]
    returncode, elapsed, peak, cpu, own = watch(cmd, crawl_env())
    return {"pages": n, "seconds": round(elapsed, 2), "pages_per_s": round(n / elapsed, 2), "peak_rss_mb": round(peak / 2**20),
            "cpu_ms_per_page": round(1000 * cpu / n, 1), "crawl_process_cpu_ms_per_page": round(1000 * own / n, 1),
            "workers_cpu_ms_per_page": round(1000 * (cpu - own) / n, 1), "returncode": returncode}


def _bare_extract(body: bytes) -> int:
    import trafilatura

    text = trafilatura.extract(body.decode("utf-8", errors="replace"), include_comments=False, include_tables=True)
    return len(text or "")


def scrapy_trafilatura(port: int, n: int, workers: int) -> int:
    """The ceiling crawl: Scrapy fetches the sitemap's pages (same concurrency, no delay) and
    awaits bare trafilatura.extract in a pool of spawned processes; items are counted, not kept."""
    import asyncio
    import logging
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import scrapy
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.sitemap import Sitemap

    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    proxy = f"http://127.0.0.1:{port}"

    class BareSpider(scrapy.Spider):
        name = "bare"

        async def start(self):
            yield scrapy.Request(f"http://{HOST}/sitemap.xml", meta={"proxy": proxy}, callback=self.parse_sitemap)

        def parse_sitemap(self, response):
            for entry in Sitemap(response.body):
                yield scrapy.Request(entry["loc"], meta={"proxy": proxy})

        async def parse(self, response):
            chars = await asyncio.get_running_loop().run_in_executor(pool, _bare_extract, response.body)
            self.crawler.stats.inc_value("bare/extracted" if chars else "bare/empty")
            yield {"url": response.url, "chars": chars}

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    process = CrawlerProcess({
        "LOG_LEVEL": "WARNING", "CONCURRENT_REQUESTS": 32, "CONCURRENT_REQUESTS_PER_DOMAIN": 32, "DOWNLOAD_DELAY": 0,
        "CONCURRENT_ITEMS": 4, "TELNETCONSOLE_ENABLED": False, "ROBOTSTXT_OBEY": False,
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    })
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler)
    process.start()
    pool.shutdown()
    done = crawler.stats.get_value("response_received_count", 0)
    return 0 if done >= n else 1


def bare(pages: list[bytes]) -> dict:
    import trafilatura

    texts = [p.decode("utf-8", errors="replace") for p in pages]
    t0 = time.perf_counter()
    for t in texts:
        trafilatura.extract(t, include_comments=False, include_tables=True)
    elapsed = time.perf_counter() - t0
    return {"pages_per_s": round(len(pages) / elapsed, 2), "seconds": round(elapsed, 2)}


def stages(pages: list[bytes]) -> dict:
    from crawler.offline import DropItem, build_stage_chain

    chain = build_stage_chain()
    t0 = time.perf_counter()
    for i, p in enumerate(pages):
        try:
            chain.page(p, {"Content-Type": "text/html; charset=utf-8"}, f"http://{HOST}/a/{i}.html", site="bench", url_is_article=True)
        except DropItem:
            pass
    elapsed = time.perf_counter() - t0
    return {"pages_per_s": round(len(pages) / elapsed, 2), "seconds": round(elapsed, 2)}


RECORD_OFF = "RECORD_FIELDS=False"
_CPU_KEYS = ("cpu_ms_per_page", "crawl_process_cpu_ms_per_page", "workers_cpu_ms_per_page")


def cost_ratio(on: dict, off: dict) -> dict:
    """on/off of CPU ms per page: all, the crawl process, the workers."""
    return {key: round(on[key] / off[key], 4) if off.get(key) else None for key in _CPU_KEYS}


def record_paired(served: list[tuple[str, bytes]]) -> dict:
    """The page reader's work (read_page: decode, parse, links, pager, extraction, the stages'
    worker share) on every distinct page, in this process, with the record fields off and on
    in turn, the order swapped every page: both readings of a page run moments apart, so the
    machine's load falls on both alike. CPU ms per page (process time) each way and on/off."""
    import re

    from scrapy.settings import Settings

    from crawler.links import SiteLinks
    from crawler.reading import read_page
    from pipelines.extract import extract_config

    settings = Settings()
    settings.setmodule("crawler.settings")
    on = extract_config(settings)
    settings.set("RECORD_FIELDS", False)
    off = extract_config(settings)
    links = SiteLinks([], allow=re.compile(r"/a/\d+\.html$"))
    distinct = list({body: url for url, (_, body) in zip(page_urls(served), served)}.items())
    gc.collect()
    gc.freeze()  # as the page-reader workers do at start (pipelines/text/extract_pool.py)
    spent = {"on": 0.0, "off": 0.0}
    for n, (body, url) in enumerate(distinct):
        for name in (("off", "on") if n % 2 else ("on", "off")):
            t0 = time.process_time()
            read_page(body, "text/html; charset=utf-8", url, links, on if name == "on" else off, True)
            spent[name] += time.process_time() - t0
    return {"pages": len(distinct), "on_cpu_ms_per_page": round(1000 * spent["on"] / len(distinct), 2),
            "off_cpu_ms_per_page": round(1000 * spent["off"] / len(distinct), 2),
            "ratio": round(spent["on"] / spent["off"], 4)}


def record_cost(args: argparse.Namespace) -> int:
    """--record-cost ROUNDS: the record fields' cost on the full path, crawled off and on."""
    import statistics

    served, mix = MIXES[args.mix](args.pages)
    print(f"{args.pages} pages, mix {args.mix} ({mix['unique_pages']} distinct), {sum(len(b) for _, b in served) / 2**20:.0f} MB of HTML; "
          f"record fields off and on, {args.record_cost} rounds, full path (profiles off)")
    server = BenchServer(served)
    rounds = []
    try:
        for r in range(args.record_cost):
            row = {}
            for name in (("off", "on") if r % 2 == 0 else ("on", "off")):
                settings = ["PROFILES_ENABLED=False"] + ([RECORD_OFF] if name == "off" else [])
                with tempfile.TemporaryDirectory() as d:
                    row[name] = crawl(server.port, args.pages, "auto", Path(d), *settings, hosts=tuple(server.hosts))
                row[name].pop("urls"), row[name].pop("texts")
            row["ratio"] = cost_ratio(row["on"], row["off"])
            rounds.append(row)
            print(f"round {r + 1}: " + "; ".join(
                f"{k} {row[k]['cpu_ms_per_page']:.1f} ms/page (crawl process {row[k]['crawl_process_cpu_ms_per_page']:.1f}, "
                f"workers {row[k]['workers_cpu_ms_per_page']:.1f}, {row[k]['articles']} articles)" for k in ("off", "on"))
                + f"; on/off {row['ratio']['cpu_ms_per_page']:.3f} (crawl process {row['ratio']['crawl_process_cpu_ms_per_page']:.3f}, "
                  f"workers {row['ratio']['workers_cpu_ms_per_page']:.3f})")
    finally:
        server.stop()
    median = {key: round(statistics.median(r["ratio"][key] for r in rounds), 4) for key in _CPU_KEYS}
    paired = record_paired(served)
    print(f"median on/off over {len(rounds)} rounds: all {median['cpu_ms_per_page']:.3f}, crawl process "
          f"{median['crawl_process_cpu_ms_per_page']:.3f}, workers {median['workers_cpu_ms_per_page']:.3f}")
    print(f"page reader in this process, {paired['pages']} distinct pages read both ways in turn: off {paired['off_cpu_ms_per_page']:.2f}, "
          f"on {paired['on_cpu_ms_per_page']:.2f} ms/page, on/off {paired['ratio']:.3f}")
    write_json(args.json, {"mix": mix, "record_cost": {"rounds": rounds, "median_ratio": median, "page_reader_paired": paired}})
    return 0


def main() -> int:
    if sys.argv[1:2] == ["--scrapy-trafilatura"]:
        return scrapy_trafilatura(*map(int, sys.argv[2:5]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--scale", type=int, default=10, help="also crawl scale x N pages for the memory curve (0: skip)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--mix", choices=sorted(MIXES), default="unique",
                        help="crawl: a few layouts per site, 10%% real pages (as a crawl reads them); "
                             "unique: every article in its own rendering")
    parser.add_argument("--record-cost", type=int, default=0, metavar="ROUNDS",
                        help="only the record fields' cost: ROUNDS pairs of full-path crawls with RECORD_FIELDS off and on")
    args = parser.parse_args()
    if args.record_cost:
        return record_cost(args)
    result: dict = {}
    served, mix = MIXES[args.mix](args.pages)
    result["mix"] = mix
    pages = [body for _, body in served]
    print(f"{args.pages} pages, mix {args.mix} ({mix['unique_pages']} distinct, layouts {mix['layouts']}, "
          f"at most {mix['pages_per_layout_max']} pages per layout), {sum(map(len, pages)) / 2**20:.0f} MB of HTML")
    server = BenchServer(served)
    hosts = tuple(server.hosts)
    try:
        with tempfile.TemporaryDirectory() as a:
            result["crawl"] = crawl(server.port, args.pages, "auto", Path(a), "PROFILES_ENABLED=True", hosts=hosts)
        with tempfile.TemporaryDirectory() as e:
            result["crawl_profiles_off"] = crawl(server.port, args.pages, "auto", Path(e), "PROFILES_ENABLED=False", hosts=hosts)
        with tempfile.TemporaryDirectory() as f:
            # the full path without the record fields: what they cost is crawl_profiles_off / this
            result["crawl_record_off"] = crawl(server.port, args.pages, "auto", Path(f), "PROFILES_ENABLED=False", RECORD_OFF, hosts=hosts)
        with tempfile.TemporaryDirectory() as d:
            # every response also written to WARC (bench/warc.py reads it back)
            result["crawl_archive"] = crawl(server.port, args.pages, "auto", Path(d), "ARCHIVE_ENABLED=True", hosts=hosts)
        with tempfile.TemporaryDirectory() as b, tempfile.TemporaryDirectory() as c:
            result["crawl_one_process"] = crawl(server.port, args.pages, "0", Path(b), hosts=hosts)
            result["crawl_fast"] = crawl(server.port, args.pages, "auto", Path(c), "EXTRACT_FAST=True", hosts=hosts)
        result["ceiling_scrapy_trafilatura"] = ceiling(server.port, args.pages, os.cpu_count() or 1)
    finally:
        server.stop()
    result["bare_trafilatura"] = bare(pages)
    result["stages_one_process"] = stages(pages)
    same = (result["crawl"]["urls"] == result["crawl_one_process"]["urls"]
            and result["crawl"]["articles"] == result["crawl_one_process"]["articles"])
    result["same_output_as_one_process"] = same
    result["profiles_vs_full_path"] = agreement(result["crawl"], result["crawl_profiles_off"])
    result["record_cost"] = cost_ratio(result["crawl_profiles_off"], result["crawl_record_off"])
    if args.scale:
        big, result["mix_scaled"] = MIXES[args.mix](args.pages * args.scale)
        server = BenchServer(big)
        try:
            with tempfile.TemporaryDirectory() as c:
                result["crawl_scaled"] = crawl(server.port, len(big), "auto", Path(c), hosts=tuple(server.hosts))
        finally:
            server.stop()
    b = result["bare_trafilatura"]["pages_per_s"]
    result["bare_trafilatura"]["cpu_ms_per_page"] = round(1000 / b, 1)
    print(f"{'run':<44} {'pages/s':>8} {'vs bare':>8} {'CPU ms/page':>12} {'crawl proc':>10} {'workers':>8} {'peak RSS':>9}")
    for name in ("crawl", "crawl_profiles_off", "crawl_record_off", "crawl_archive", "crawl_one_process", "crawl_fast", "crawl_scaled", "ceiling_scrapy_trafilatura", "bare_trafilatura",
                 "stages_one_process"):
        if name in result:
            r = result[name]
            rss = f"{r['peak_rss_mb']} MB" if "peak_rss_mb" in r else ""
            cpu = f"{r['cpu_ms_per_page']:.1f}" if "cpu_ms_per_page" in r else ""
            own = f"{r['crawl_process_cpu_ms_per_page']:.1f}" if "crawl_process_cpu_ms_per_page" in r else ""
            workers = f"{r['workers_cpu_ms_per_page']:.1f}" if "workers_cpu_ms_per_page" in r else ""
            label = f"{name} ({r['pages']} pages)" if "pages" in r else name
            print(f"{label:<44} {r['pages_per_s']:>8.1f} {r['pages_per_s'] / b:>7.2f}x {cpu:>12} {own:>10} {workers:>8} {rss:>9}")
    prof = result["crawl"]["profile"]
    offered = prof.get("fast", 0) + prof.get("full", 0)
    print(f"profiles: fast path {prof.get('fast', 0)}/{offered} article pages ({prof.get('fast', 0) / max(1, offered):.0%}), "
          f"audits {prof.get('audit', 0)}, disagreed {prof.get('audit_disagreed', 0)} "
          f"({prof.get('audit_disagreed', 0) / max(1, prof.get('audit', 0)):.1%}), learned {prof.get('learned', 0)}, "
          f"relearned {prof.get('relearned', 0)}, guards "
          + ", ".join(f"{k.split('/', 1)[1]} {v}" for k, v in sorted(prof.items()) if k.startswith("guard/")))
    ag = result["profiles_vs_full_path"]
    print(f"profiles vs full path, page by page: {ag['pages_compared']} pages, text F1 >= 0.98 on {ag['share_f1_098']:.1%} "
          f"(mean {ag['mean_f1']:.4f}; of the fast-path pages at least {ag['fast_path_share_f1_098_floor'] or 0:.1%}), "
          f"same articles kept: {ag['same_articles']} -> {'pass' if ag['passed'] else 'FAIL'}")
    ceiling_pps = result["ceiling_scrapy_trafilatura"]["pages_per_s"]
    print(f"crawl vs ceiling (same run): {result['crawl']['pages_per_s'] / ceiling_pps:.2f}x; "
          f"profiles off: {result['crawl_profiles_off']['pages_per_s'] / ceiling_pps:.2f}x")
    rc = result["record_cost"]
    print(f"record fields' cost on the full path (profiles off / record off, CPU per page): all {rc['cpu_ms_per_page']:.3f}, "
          f"crawl process {rc['crawl_process_cpu_ms_per_page']:.3f}, workers {rc['workers_cpu_ms_per_page']:.3f}")
    print("stage work redone in the crawl process (prepared/stale), crawl: "
          + (", ".join(f"{k} {v}" for k, v in sorted(result["crawl"]["prepared_stale"].items())) or "none"))
    print(f"articles in the dump: workers {result['crawl']['articles']}, one process {result['crawl_one_process']['articles']}; "
          f"same pages accounted for and as many kept: {same}")
    for r in result.values():
        if isinstance(r, dict):
            r.pop("urls", None)
            r.pop("texts", None)
    write_json(args.json, result)
    return 0 if same and result["profiles_vs_full_path"]["passed"] else 1


def write_json(path: Path | None, result: dict) -> None:
    """--json OUT: the bench's results, as printed."""
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
