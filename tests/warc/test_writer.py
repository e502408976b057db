"""RotatingWarcWriter: complete records per file, rotation by size, no finished name before
finish(), and a torn file (a killed run) still gives all its complete records."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from pipelines.warc.reader import WarcReader
from pipelines.warc.writer import HttpExchange, RotatingWarcWriter
from tests.warc_fixtures import member_offsets


def exchange(n: int, body: bytes | None = None) -> HttpExchange:
    return HttpExchange(
        url=f"http://www.cnmn.test/news/{n}.html", method="GET", request_headers=[("User-Agent", "test"), ("Accept-Encoding", "gzip")],
        status=200, reason="OK", protocol="HTTP/1.1",
        response_headers=[("Content-Type", "text/html; charset=utf-8"), ("Transfer-Encoding", "chunked")],
        body=body if body is not None else f"<html><body><p>第{n}篇</p></body></html>".encode() * 50,
        ip_address="127.0.0.1", fields={"site": "cnmn", "via": "sitemap", "lastmod": "2024-01-02"},
    )


def test_rotation_part_names_and_counts(tmp_path):
    w = RotatingWarcWriter(tmp_path, "20260101T000000Z", max_bytes=2000, software="test")
    for n in range(10):
        w.write(exchange(n))
    assert all(p.name.endswith(".warc.gz.part") for p in tmp_path.iterdir())
    listed = w.finish()
    assert w.finish() == listed  # idempotent
    files = sorted(tmp_path.glob("*.warc.gz"))
    assert [f.name for f in files] == [e["file"] for e in listed] and len(files) > 1
    assert not list(tmp_path.glob("*.part"))
    total = Counter()
    for f, entry in zip(files, listed):
        with f.open("rb") as fh:
            types = [r.rec_type for r in ArchiveIterator(fh)]
        assert types[0] == "warcinfo" and len(types) == entry["records"] and types.count("response") == entry["responses"]
        assert f.stat().st_size == entry["bytes"]
        total.update(types)
    assert total == {"warcinfo": len(files), "request": 10, "response": 10, "metadata": 10}


def test_records_read_back_with_their_metadata(tmp_path):
    w = RotatingWarcWriter(tmp_path, "run", max_bytes=1 << 30, software="test")
    ex = exchange(1)
    w.write(ex)
    w.finish()
    pages = list(WarcReader().read(sorted(tmp_path.glob("*.warc.gz"))))
    assert len(pages) == 1
    page = pages[0]
    assert page.url == ex.url and page.body == ex.body and page.fields == ex.fields
    # the body was stored de-chunked: the header says so the way Common Crawl does
    assert ("X-Crawler-Transfer-Encoding", "chunked") in page.headers


def test_a_killed_run_leaves_complete_records_in_a_part_file(tmp_path):
    w = RotatingWarcWriter(tmp_path, "run", max_bytes=1 << 30, software="test")
    for n in range(5):
        w.write(exchange(n))
    part = next(tmp_path.glob("*.part"))  # never finished: no .warc.gz name
    assert not list(tmp_path.glob("*.warc.gz"))
    data = part.read_bytes()
    response_start, metadata_start = member_offsets(part)[-2:]  # the last exchange: request, response, metadata
    part.write_bytes(data[: (response_start + metadata_start) // 2])  # the kill tore its response record
    counts: Counter[str] = Counter()
    pages = list(WarcReader(count=lambda k: counts.update([k])).read([part]))
    assert [p.url for p in pages] == [exchange(n).url for n in range(4)]
    assert counts["skipped/truncated"] == 1
