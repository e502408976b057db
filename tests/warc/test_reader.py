"""WarcReader on WARCs written by wget (against the sample server) and in Common Crawl's
layout (written by the spec), and on real files damaged by cutting and overwriting bytes:
every record has one counted outcome, and the records around a damaged one are read."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import pytest

from pipelines.warc.reader import SKIP_REASONS, WarcReader, expand_paths
from tests.warc_fixtures import common_crawl_capture, member_offsets, spec_record, warcinfo_record, wget_warc

SAMPLE_STARTS = ["http://www.cnmn.test/", "http://www.luan.test/xwzx/index.htm", "http://hk.cnmn.test/"]


def read(paths, **kw):
    counts: Counter[str] = Counter()
    skips = []
    reader = WarcReader(count=counts.update and (lambda k: counts.update([k])), on_skip=skips.append, **kw)
    pages = list(reader.read([Path(p) for p in paths]))
    return pages, counts, skips


@pytest.fixture(scope="module")
def wget_files(sample_server, tmp_path_factory):
    """wget's WARC of the sample sites (gzip per record), the same uncompressed, and a second
    wget run deduplicated against the first one's CDX (revisit records)."""
    base = tmp_path_factory.mktemp("wget")
    gz = wget_warc(sample_server.port, base / "gz", SAMPLE_STARTS, "--warc-cdx")
    plain = wget_warc(sample_server.port, base / "plain", SAMPLE_STARTS, "--no-warc-compression")
    again = wget_warc(sample_server.port, base / "again", ["http://www.cnmn.test/news/2014/1027/1001.html", "http://www.luan.test/xwzx/2014-09/11/content_201.htm"],
                      f"--warc-dedup={base / 'gz' / 'crawl.cdx'}", recursive=False)
    return {"gz": gz, "plain": plain, "revisits": again}


def test_wget_warc_is_read_whole(wget_files):
    pages, counts, skips = read([wget_files["gz"]])
    urls = {p.url for p in pages}
    assert "http://www.cnmn.test/news/2014/1027/1001.html" in urls
    assert "http://www.luan.test/xwzx/2014-09/11/content_201.htm" in urls
    # every response record has one outcome: a page or a counted skip
    assert counts["records/response"] == counts["pages"] + sum(v for k, v in counts.items() if k.startswith("skipped/"))
    assert {s.reason for s in skips} <= {"http_status", "not_html"}  # the samples' 404s, robots.txt, the PDF
    assert any(s.reason == "not_html" and s.url.endswith(".pdf") for s in skips)
    assert all(p.status == 200 and b"<html" in p.body.lower() for p in pages)
    plain_pages, plain_counts, _ = read([wget_files["plain"]])
    assert {p.url for p in plain_pages} == urls
    assert plain_counts["records/response"] == counts["records/response"]


def test_revisits_resolve_to_the_original_in_the_file_set(wget_files):
    pages, counts, skips = read([wget_files["gz"], wget_files["revisits"]])
    revisits = [p for p in pages if p.revisit_of]
    assert counts["records/revisit"] == 2 and counts["revisits_resolved"] == 2 and len(revisits) == 2
    originals = {p.url: p.body for p in pages if not p.revisit_of}
    assert all(p.body == originals[p.url] for p in revisits)
    # The original later in the file set: resolved at the end.
    pages, counts, _ = read([wget_files["revisits"], wget_files["gz"]])
    assert counts["revisits_resolved"] == 2
    # Alone, the revisits have nothing to point at: skipped and counted.
    pages, counts, skips = read([wget_files["revisits"]])
    assert pages == [] and counts["skipped/revisit_unresolved"] == 2
    assert [s.reason for s in skips] == ["revisit_unresolved"] * 2


def test_truncated_file_loses_only_its_last_record(wget_files, tmp_path):
    whole, _, _ = read([wget_files["gz"]])
    data = wget_files["gz"].read_bytes()
    starts = member_offsets(wget_files["gz"])
    # Cut inside the member of the last page's response record (a copy that stopped early).
    last = max(p.offset for p in whole)
    nxt = min(o for o in starts if o > last)
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: last + (nxt - last) // 2])
    pages, counts, skips = read([cut])
    assert {p.url for p in pages} == {p.url for p in whole if p.offset < last}
    assert [s.reason for s in skips if s.reason == "truncated"] == ["truncated"]


def test_bad_gzip_member_is_skipped_and_the_next_members_are_read(wget_files, tmp_path):
    whole, _, _ = read([wget_files["gz"]])
    victim = sorted(whole, key=lambda p: p.offset)[len(whole) // 2]
    data = bytearray(wget_files["gz"].read_bytes())
    starts = member_offsets(wget_files["gz"])
    end = min(o for o in starts if o > victim.offset)
    mid = victim.offset + (end - victim.offset) // 2
    data[mid : mid + 64] = b"\x00" * 64  # a damaged sector in the middle of the compressed record
    bad = tmp_path / "bad.warc.gz"
    bad.write_bytes(bytes(data))
    pages, counts, skips = read([bad])
    assert {p.url for p in pages} == {p.url for p in whole} - {victim.url}
    assert counts["skipped/bad_gzip"] == 1
    assert [s.offset for s in skips if s.reason == "bad_gzip"] == [victim.offset]


def test_uncompressed_warc_with_a_cut_record_and_garbage(wget_files, tmp_path):
    whole, _, _ = read([wget_files["plain"]])
    ordered = sorted(whole, key=lambda p: p.offset)
    victim, after = ordered[3], ordered[4]
    data = wget_files["plain"].read_bytes()
    # 500 bytes of the victim's body are lost: its Content-Length now runs into the next record.
    body_at = data.index(b"\r\n\r\n", data.index(b"HTTP/1.1", victim.offset)) + 4
    damaged = data[:body_at + 100] + data[body_at + 600 :]
    # and garbage between two later records
    at = damaged.index(b"WARC/1.", damaged.index(after.url.encode()) + 1)
    damaged = damaged[:at] + b"\x00garbage that is no record\r\n" * 20 + damaged[at:]
    bad = tmp_path / "bad.warc"
    bad.write_bytes(damaged)
    pages, counts, skips = read([bad])
    reasons = Counter(s.reason for s in skips)
    assert reasons["truncated"] == 1 and reasons["bad_record"] == 1
    assert {p.url for p in pages} == {p.url for p in whole} - {victim.url}


def test_records_over_the_size_limit_are_skipped(wget_files):
    whole, _, _ = read([wget_files["gz"]])
    limit = sorted(len(p.body) for p in whole)[len(whole) // 2]
    pages, counts, skips = read([wget_files["gz"]], max_record_bytes=limit + 400)
    big = [s for s in skips if s.reason == "too_large"]
    assert big and len(pages) + len(big) == len(whole)
    assert all(len(p.body) <= limit + 400 for p in pages)


def _common_crawl_file(path: Path, family) -> dict[str, str]:
    """A Common Crawl-style WARC (WARC/1.0, gzip per record, warcinfo + request/response/metadata
    per capture) of sample pages and the cases the reader must sort out. URL -> expected outcome."""
    info_id, info = warcinfo_record(path.name, "CC-MAIN-2024-10")
    article = next(p for p in family.placements() if p.site.host == "www.cnmn.test")
    body = family.article_page(article).encode("utf-8")
    expect = {article.url: "page"}
    records = [info]
    records += common_crawl_capture(article.url, body, warcinfo=info_id)
    records += common_crawl_capture("http://www.cnmn.test/files/report.pdf", b"%PDF-1.4\n" + b"x" * 300, content_type="text/html",
                                    identified="application/pdf", warcinfo=info_id)
    expect["http://www.cnmn.test/files/report.pdf"] = "not_html"
    records += common_crawl_capture("http://other.example.org/news/1.html", body, warcinfo=info_id)
    expect["http://other.example.org/news/1.html"] = "offsite"
    records += common_crawl_capture("http://www.cnmn.test/news/cut.html", body[: len(body) // 2], warcinfo=info_id, truncated="length")
    expect["http://www.cnmn.test/news/cut.html"] = "truncated"
    records += common_crawl_capture("http://www.cnmn.test/old.html", b"", status="301 Moved Permanently", warcinfo=info_id)
    expect["http://www.cnmn.test/old.html"] = "http_status"
    path.write_bytes(b"".join(records))
    return expect


def test_common_crawl_layout(tmp_path, family):
    path = tmp_path / "CC-MAIN-20240301095900-00000.warc.gz"
    expect = _common_crawl_file(path, family)
    pages, counts, skips = read([path], wants=lambda url: "cnmn.test" in url)
    outcomes = {p.url: "page" for p in pages} | {s.url: s.reason for s in skips}
    assert outcomes == expect
    assert counts["records/warcinfo"] == 1 and counts["records/request"] == counts["records/response"] == counts["records/metadata"] == 5
    page = pages[0]
    assert page.date == "2024-03-01T10:00:00Z" and dict(page.headers)["Content-Type"].startswith("text/html")


def test_cc_news_layout_with_its_quirks(tmp_path, family):
    """CC-NEWS (StormCrawler): WARC/1.0, gzip per record, request and response records without
    metadata, request lines without an HTTP version (commoncrawl/news-crawl#34)."""
    info_id, info = warcinfo_record("CC-NEWS-20240301100000-00000.warc.gz", "CC-NEWS")
    records = [info]
    expected = set()
    for p in family.placements():
        body = family.article_page(p).encode(p.site.encoding, errors="xmlcharrefreplace")
        ctype = f"text/html; charset={p.site.header_charset}" if p.site.header_charset else "text/html"
        records += common_crawl_capture(p.url, body, content_type=ctype, identified=None, warcinfo=info_id,
                                        with_metadata=False, request_line_version=False)
        expected.add(p.url)
    path = tmp_path / "CC-NEWS-20240301100000-00000.warc.gz"
    path.write_bytes(b"".join(records))
    pages, counts, skips = read([path])
    assert {p.url for p in pages} == expected
    assert counts["records/response"] == len(expected)
    assert not [s for s in skips if s.reason != "bad_record"] and counts["skipped/bad_record"] == 0


def test_whole_file_gzip_and_paths(tmp_path, wget_files):
    """A plain WARC gzip'd as a whole (one member) reads the same; folders and globs expand."""
    whole = tmp_path / "d" / "crawl.warc.gz"
    whole.parent.mkdir()
    whole.write_bytes(gzip.compress(wget_files["plain"].read_bytes()))
    pages, counts, _ = read([whole])
    plain, _, _ = read([wget_files["plain"]])
    assert [p.url for p in pages] == [p.url for p in plain]
    assert expand_paths(str(tmp_path / "d")) == [whole.resolve()]
    assert expand_paths(f"{tmp_path}/d/*.warc.gz,{wget_files['plain']}") == [whole.resolve(), wget_files["plain"].resolve()]
    with pytest.raises(ValueError, match="no such file"):
        expand_paths(str(tmp_path / "nothing.warc"))
    with pytest.raises(ValueError, match="no WARC file"):
        expand_paths(str(tmp_path / "*.none"))


def test_unreadable_file_is_counted():
    pages, counts, skips = read(["/nonexistent/x.warc.gz"])
    assert pages == [] and counts["skipped/unreadable_file"] == 1
    assert set(SKIP_REASONS) >= {s.reason for s in skips}


def test_url_index_finds_each_page_at_its_offset(wget_files, tmp_path):
    """index_urls: one pass over the headers; page_at reads the same page as the full read,
    in gzip-per-record and uncompressed files; a whole-file gzip is indexed but not seekable;
    a damaged member costs its own URL only."""
    for name in ("gz", "plain"):
        whole, _, _ = read([wget_files[name]])
        reader = WarcReader()
        index = reader.index_urls([wget_files[name]])
        assert len(index) >= len(whole) and index.nbytes == 16 * len(index)
        for page in whole:
            path, offset = index.locate(page.url + "#frag")  # (the fragment is no part of the key)
            again = reader.page_at(path, offset, page.url)
            assert (again.url, again.body, again.headers) == (page.url, page.body, page.headers)
        assert reader.page_at(path, offset, "http://www.cnmn.test/other.html") is None  # another URL's record
        assert index.locate("http://www.cnmn.test/never-archived.html") is None
        assert "http://www.cnmn.test/never-archived.html" not in index
    # gzip'd as a whole: the URLs are known to be archived, not readable at an offset
    one = tmp_path / "whole.warc.gz"
    one.write_bytes(gzip.compress(wget_files["plain"].read_bytes()))
    index = WarcReader().index_urls([one])
    url = "http://www.luan.test/xwzx/2014-09/11/content_201.htm"
    assert url in index and index.locate(url) is None
    # a damaged member: that URL is lost, the rest are indexed
    whole, _, _ = read([wget_files["gz"]])
    victim = sorted(whole, key=lambda p: p.offset)[len(whole) // 2]
    data = bytearray(wget_files["gz"].read_bytes())
    end = min(o for o in member_offsets(wget_files["gz"]) if o > victim.offset)
    mid = victim.offset + (end - victim.offset) // 2
    data[mid : mid + 64] = b"\x00" * 64
    bad = tmp_path / "bad.warc.gz"
    bad.write_bytes(bytes(data))
    index = WarcReader().index_urls([bad])
    assert victim.url not in index
    assert all(p.url in index for p in whole if p.url != victim.url)
