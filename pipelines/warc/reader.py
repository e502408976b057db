"""Read WARC files written by anyone (us, wget, Common Crawl, CC-NEWS, Heritrix), streaming.

Scrapy-free. ``WarcReader.read(paths)`` yields one ``WarcPage`` per usable response
record: an HTTP 200 response with an HTML payload on a host the caller wants, its body
as stored (de-chunked; a ``Content-Encoding`` is left for the caller to undo, as a
downloader would). Every other record is counted (``records/<type>``), and every
response or revisit record that does not become a page is reported with its reason
(``skipped/<reason>``, see ``SKIP_REASONS``). Damage costs the damaged record only: a
bad gzip member or an unparseable record is skipped and reading resumes at the next
gzip member (or, in an uncompressed file, at the next ``WARC/1.`` line).

Memory is bounded by one record (``max_record_bytes``) plus a payload-digest index of
the pages read, which resolves ``revisit`` records to their original's body when the
original is in the same file set (earlier, or later: those are resolved at the end).

``WarcReader.index_urls(paths)`` is a first, streaming pass over the records' headers:
a ``UrlIndex`` of where each URL's response record is (16 bytes a record), so that a page
the caller asks for by URL (the later pages of a multi-page article) is read at its offset
with ``page_at``, as revisits read their originals.
"""

from __future__ import annotations

import glob
import hashlib
import logging
import os
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from w3lib.url import safe_url_string
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader

logger = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b\x08"
WARC_LINE = b"\nWARC/1."
HTML_TYPES = ("text/html", "application/xhtml+xml")
METADATA_PREFIX = "zhnews-"  # our own metadata records (pipelines/warc/writer.py)

SKIP_REASONS = {
    "offsite": "a host no site of the sites file owns",
    "not_http": "not an http(s) capture (dns:, whois:, metadata URIs)",
    "http_status": "HTTP status other than 200 (redirects, errors, 304)",
    "not_html": "payload is not HTML (WARC-Identified-Payload-Type or Content-Type)",
    "too_large": "record over the size limit; its body is never held",
    "truncated": "record shorter than its Content-Length, or cut by its crawler (WARC-Truncated)",
    "bad_gzip": "gzip member that does not inflate; reading resumes at the next member",
    "bad_record": "record that does not parse as WARC; reading resumes at the next record",
    "revisit_unresolved": "revisit whose original is not in the files read",
    "not_modified": "revisit of a 304 (server-not-modified profile): nothing to read",
    "unreadable_file": "file that cannot be opened",
}


@dataclass
class WarcPage:
    url: str
    status: int
    protocol: str
    headers: list[tuple[str, str]]
    body: bytes
    date: str  # WARC-Date of the capture
    record_id: str
    path: str
    offset: int | None  # of the record (its gzip member); None inside a whole-file gzip
    fields: dict[str, str] = field(default_factory=dict)  # our metadata record's fields
    revisit_of: str | None = None  # the original's WARC-Record-ID when resolved from a revisit


@dataclass
class Skip:
    reason: str
    path: str
    offset: int | None
    url: str | None
    detail: str


def expand_paths(spec: str) -> list[Path]:
    """``PATH[,PATH...]``: files, folders (their ``*.warc``/``*.warc.gz``, recursively) or
    globs, in sorted order. Raises ValueError naming a path that gives no file."""
    out: list[Path] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        part = os.path.expanduser(part)
        if any(c in part for c in "*?["):
            found = sorted(Path(p) for p in glob.glob(part, recursive=True) if Path(p).is_file())
        elif Path(part).is_dir():
            found = sorted(p for p in Path(part).rglob("*") if p.is_file() and p.name.endswith((".warc", ".warc.gz")))
        elif Path(part).is_file():
            found = [Path(part)]
        else:
            raise ValueError(f"warc: no such file or folder: {part}")
        if not found:
            raise ValueError(f"warc: {part} holds no WARC file (*.warc, *.warc.gz)")
        out.extend(p.resolve() for p in found)
    if not out:
        raise ValueError("warc: no path given (-a warc=PATH[,PATH...])")
    return list(dict.fromkeys(out))


class _Member:
    """The inflated bytes of one gzip member starting at ``start``; EOF at the member's end.
    ``end`` is where the next member starts (once ``complete``)."""

    def __init__(self, fh: Any, start: int) -> None:
        fh.seek(start)
        self.fh = fh
        self.start = start
        self.z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self.tail = b""
        self.fed = 0
        self.file_ended = False

    @property
    def complete(self) -> bool:
        return self.z.eof

    @property
    def end(self) -> int:
        return self.start + self.fed - len(self.z.unused_data)

    def read(self, n: int = -1) -> bytes:
        n = n if n and n > 0 else 1 << 20
        while not self.z.eof:
            if self.tail:
                data, self.tail = self.tail, b""
            else:
                data = self.fh.read(1 << 16)
                self.fed += len(data)
                if not data:
                    self.file_ended = True
                    return b""
            out = self.z.decompress(data, n)  # raises zlib.error on a damaged member
            self.tail = self.z.unconsumed_tail
            if out:
                return out
        return b""


class _Resync(Exception):
    """Read on from the next record start after ``start`` (an uncompressed file whose
    record ran into the next one)."""

    def __init__(self, start: int) -> None:
        self.start = start


def _scan(fh: Any, start: int, marker: bytes) -> int | None:
    """Offset of the next record start at or after ``start``, or None."""
    fh.seek(start)
    pos, tail = start, b""
    while True:
        chunk = fh.read(1 << 20)
        if not chunk:
            return None
        data = tail + chunk
        i = data.find(marker)
        if i >= 0:
            at = pos - len(tail) + i
            return at + 1 if marker == WARC_LINE else at
        tail = data[-(len(marker) - 1):]
        pos += len(chunk)


def _dechunk(body: bytes) -> bytes:
    from io import BytesIO

    return ChunkedDataReader(BytesIO(body)).read()  # falls back to the bytes as they are when not chunked


class WarcReader:
    def __init__(
        self,
        wants: Callable[[str], bool] = lambda url: True,
        max_record_bytes: int = 16 * 1024 * 1024,
        count: Callable[[str], None] | None = None,
        on_skip: Callable[[Skip], None] | None = None,
    ) -> None:
        self.wants = wants
        self.max = max_record_bytes
        self._count = count or (lambda key: None)
        self._on_skip = on_skip or (lambda skip: None)
        self.index: dict[str, tuple[str, int, str]] = {}  # payload digest -> (path, offset, record id)
        self.pending_revisits: list[dict[str, Any]] = []

    # -- outcomes --------------------------------------------------------------

    def skip(self, reason: str, path: str, offset: int | None, url: str | None, detail: str) -> None:
        self._count(f"skipped/{reason}")
        self._on_skip(Skip(reason, path, offset, url, detail))

    # -- files -------------------------------------------------------------------

    def read(self, paths: Iterable[Path | str]) -> Iterator[WarcPage]:
        for path in paths:
            yield from self.read_file(path)
        yield from self.resolve_pending()

    def read_file(self, path: Path | str) -> Iterator[WarcPage]:
        path = str(path)
        try:
            fh = open(path, "rb")
        except OSError as exc:
            self.skip("unreadable_file", path, None, None, str(exc))
            return
        self._count("files")
        with fh:
            gz = fh.read(3) == GZIP_MAGIC
            size = os.fstat(fh.fileno()).st_size
            offset: int | None = 0
            damaged = False  # inside a damaged stretch: reported once
            pending: WarcPage | None = None  # a page waits for the metadata record that may follow it
            while offset is not None and offset < size:
                stream = _Member(fh, offset) if gz else fh
                fh.seek(offset)
                it = ArchiveIterator(stream)
                rec_offset: int | None = offset
                reported = False
                try:
                    for n, rec in enumerate(it):
                        rec_offset = (offset if n == 0 else None) if gz else it.offset
                        page, reported = self._record(rec, it, path, rec_offset, gz)
                        damaged = False
                        if rec.rec_type == "metadata" and pending is not None and pending.fields is None:
                            refers = rec.rec_headers.get_header("WARC-Refers-To") or rec.rec_headers.get_header("WARC-Concurrent-To")
                            if refers == pending.record_id:
                                pending.fields = page or {}
                                yield pending
                                pending = None
                            continue
                        if isinstance(page, WarcPage):
                            if pending is not None:
                                pending.fields = pending.fields or {}
                                yield pending
                            page.fields = None  # filled by a metadata record that follows, if any
                            pending = page
                    if not gz:
                        offset = None
                    elif stream.complete:
                        offset = stream.end
                    else:  # the file ends inside this member
                        if not reported:
                            self.skip("truncated", path, rec_offset, None, "the file ends inside a gzip member")
                        offset = None
                except _Resync as resync:
                    offset = _scan(fh, resync.start, WARC_LINE)
                except Exception as exc:  # damage: this record is lost, not the run
                    at = rec_offset if rec_offset is not None else offset
                    if not damaged:
                        reason = "bad_gzip" if isinstance(exc, zlib.error) else "bad_record"
                        self.skip(reason, path, at, None, f"{type(exc).__name__}: {str(exc).strip()[:200]}")
                    damaged = True
                    offset = _scan(fh, at + 1, GZIP_MAGIC if gz else WARC_LINE)
            if pending is not None:
                pending.fields = pending.fields or {}
                yield pending

    # -- records -----------------------------------------------------------------

    def _record(self, rec: Any, it: ArchiveIterator, path: str, offset: int | None, gz: bool) -> tuple[Any, bool]:
        """(a WarcPage, our metadata fields, or None; whether an outcome was reported).
        The record is read to its end here, so that a damaged member or a wrong length
        is charged to this record before anything of it is handed on."""
        rtype = rec.rec_type
        self._count(f"records/{rtype}")
        result: Any = None
        if rtype in ("response", "revisit"):
            result = self._response(rec, path, offset)
        elif rtype == "metadata":
            result = self._metadata_fields(rec)
        errors = it.err_count
        it.read_to_end()  # the gzip trailer (CRC) and the blank lines after the record
        if it.err_count > errors:
            # Content-Length was wrong: the record ran into the next one.
            url = rec.rec_headers.get_header("WARC-Target-URI")
            self.skip("truncated", path, offset, url, "record length does not match its Content-Length")
            if not gz and offset is not None:
                raise _Resync(offset + 1)
            return None, True
        return result, rtype in ("response", "revisit")

    def _metadata_fields(self, rec: Any) -> dict[str, str] | None:
        if (rec.rec_headers.get_header("Content-Type") or "") != "application/warc-fields" or (rec.length or 0) > 65536:
            return None
        fields = {}
        for line in rec.raw_stream.read(65536).decode("utf-8", "replace").splitlines():
            key, sep, value = line.partition(":")
            if sep and key.startswith(METADATA_PREFIX):
                fields[key[len(METADATA_PREFIX):].strip()] = value.strip()
        return fields or None

    def _response(self, rec: Any, path: str, offset: int | None) -> WarcPage | None:
        h = rec.rec_headers
        url = _target(rec)
        if not url.startswith(("http://", "https://")):
            self.skip("not_http", path, offset, url, f"target {url[:80]!r}")
            return None
        if not self.wants(url):
            self.skip("offsite", path, offset, url, "no site owns its host")
            return None
        http = rec.http_headers
        if not http:
            self.skip("bad_record", path, offset, url, "no HTTP headers")
            return None
        if rec.rec_type == "revisit":
            return self._revisit(rec, url, path, offset)
        return self._page(url, http, rec, path, offset)

    def _page(self, url: str, http: Any, rec: Any, path: str, offset: int | None, body: bytes | None = None,
              revisit_of: str | None = None) -> WarcPage | None:
        h = rec.rec_headers
        try:
            status = int(http.get_statuscode() or 0)
        except ValueError:
            status = 0
        if status != 200:
            self.skip("http_status", path, offset, url, f"HTTP {status or http.statusline[:40]!r}")
            return None
        identified = (h.get_header("WARC-Identified-Payload-Type") or "").lower()
        ctype = (http.get_header("Content-Type") or "").lower()
        declared = identified or ctype
        if declared and not any(t in declared for t in HTML_TYPES):
            self.skip("not_html", path, offset, url, f"payload {declared[:60]}")
            return None
        cut = h.get_header("WARC-Truncated")
        if cut and body is None:
            self.skip("truncated", path, offset, url, f"cut by its crawler (WARC-Truncated: {cut})")
            return None
        if body is None:
            if (rec.length or 0) > self.max:
                self.skip("too_large", path, offset, url, f"{rec.length} bytes > {self.max}")
                return None
            body = rec.raw_stream.read(self.max + 1)
            missing = getattr(rec.raw_stream, "limit", 0)
            if missing > 0:
                self.skip("truncated", path, offset, url, f"record ends {missing} bytes before its Content-Length")
                return None
        headers = [(k, v) for k, v in http.headers if k.lower() != "transfer-encoding"]
        if (http.get_header("Transfer-Encoding") or "").lower() == "chunked":
            body = _dechunk(body)
        self._count("pages")
        page = WarcPage(
            url=url, status=status, protocol=http.protocol or "HTTP/1.1", headers=headers, body=body,
            date=h.get_header("WARC-Date") or "", record_id=h.get_header("WARC-Record-ID") or "",
            path=path, offset=offset, revisit_of=revisit_of,
        )
        digest = h.get_header("WARC-Payload-Digest")
        if digest and offset is not None and revisit_of is None:
            self.index.setdefault(digest, (path, offset, page.record_id))
        return page

    # -- revisits ------------------------------------------------------------------

    def _revisit(self, rec: Any, url: str, path: str, offset: int | None) -> WarcPage | None:
        h = rec.rec_headers
        if "server-not-modified" in (h.get_header("WARC-Profile") or ""):
            self.skip("not_modified", path, offset, url, "revisit of a 304")
            return None
        digest = h.get_header("WARC-Payload-Digest")
        if digest and digest in self.index:
            return self._resolve(rec, url, rec.http_headers, digest, path, offset)
        # The original may come later in the file set: kept (without a body) until the end.
        self.pending_revisits.append({"rec": _Detached(rec), "url": url, "http": rec.http_headers, "digest": digest, "path": path, "offset": offset})
        return None

    def _resolve(self, rec: Any, url: str, http: Any, digest: str, path: str, offset: int | None) -> WarcPage | None:
        opath, ooffset, oid = self.index[digest]
        original = self._original(opath, ooffset)
        if original is None:
            self.skip("revisit_unresolved", path, offset, url, f"original {oid} could not be read again")
            return None
        body, ohttp = original
        if len(body) > self.max:
            self.skip("too_large", path, offset, url, f"original over {self.max} bytes")
            return None
        self._count("revisits_resolved")
        # A revisit record may hold the HTTP headers of its own capture; else the original's.
        return self._page(url, http if http and http.get_statuscode() else ohttp, rec, path, offset, body=body, revisit_of=oid)

    def _record_at(self, path: str, offset: int, read: Callable[[Any], Any]) -> Any:
        """``read(record)`` for the record at ``offset`` of ``path`` (a gzip member's start, or
        a record's in an uncompressed file); None when it cannot be read there."""
        try:
            with open(path, "rb") as fh:
                gz = fh.read(3) == GZIP_MAGIC
                stream = _Member(fh, offset) if gz else fh
                fh.seek(offset)
                for rec in ArchiveIterator(stream):
                    return read(rec)
        except Exception:
            return None
        return None

    def _original(self, path: str, offset: int) -> tuple[bytes, Any] | None:
        def body(rec: Any) -> tuple[bytes, Any] | None:
            if rec.rec_type != "response":
                return None
            return rec.raw_stream.read(self.max + 1), rec.http_headers

        return self._record_at(path, offset, body)

    # -- pages by URL ------------------------------------------------------------------

    def index_urls(self, paths: Iterable[Path | str]) -> "UrlIndex":
        """Where the response records of ``paths`` are, by URL: one streaming pass over the
        records' headers (payloads are skipped, not held). Only captures that can be pages are
        indexed (http(s), HTTP 200, not cut by their crawler); revisits are not. Damage is
        stepped over without a report: the reading pass reports it."""
        names: list[str] = []
        keys, places = array("Q"), array("q")
        for number, path in enumerate(paths):
            names.append(str(path))
            for offset, rec in _headers(str(path)):
                if rec.rec_type != "response" or rec.rec_headers.get_header("WARC-Truncated"):
                    continue
                url = _target(rec)
                if not url.startswith(("http://", "https://")) or not rec.http_headers:
                    continue
                if (rec.http_headers.get_statuscode() or "").strip() != "200":
                    continue
                keys.append(url_key(url))
                places.append((number << UrlIndex.OFFSET_BITS) | (UrlIndex.NO_OFFSET if offset is None else offset))
        return UrlIndex(names, keys, places)

    def page_at(self, path: str, offset: int, url: str) -> WarcPage | None:
        """The page of the response record of ``url`` at ``offset`` (from ``index_urls``),
        judged like any record (host wanted, HTML, size, whole); None when it is not a page
        (its reason reported as a skip) or not that URL's record."""
        def page(rec: Any) -> WarcPage | None:
            if rec.rec_type != "response" or _normal(_target(rec)) != _normal(url):
                return None
            found = self._response(rec, path, offset)
            if found is not None:
                found.fields = {}
            return found

        return self._record_at(path, offset, page)

    def resolve_pending(self) -> Iterator[WarcPage]:
        pending, self.pending_revisits = self.pending_revisits, []
        for p in pending:
            if p["digest"] and p["digest"] in self.index:
                page = self._resolve(p["rec"], p["url"], p["http"], p["digest"], p["path"], p["offset"])
                if page is not None:
                    page.fields = {}
                    yield page
            else:
                self.skip("revisit_unresolved", p["path"], p["offset"], p["url"], "its original is not in the files read")


class _Detached:
    """What a revisit needs of its record once the file has moved on: headers and length."""

    def __init__(self, rec: Any) -> None:
        self.rec_headers = rec.rec_headers
        self.length = rec.length


# -- the URL index -----------------------------------------------------------------------


class UrlIndex:
    """URL -> (path, offset) of its response record in a file set, for reading a page on
    demand. Two sorted numpy arrays: a 64-bit hash of the normalised URL, and the file's
    number and the record's offset packed in one integer: 16 bytes a record (1.6 MB per
    100,000 records), whatever the URLs' length. The first capture of a URL in the file
    set's order wins; a hash collision costs a page (``page_at`` checks the URL), never a
    wrong one. A record inside a whole-file gzip has no offset of its own: its URL is known
    to be in the archive (``in``) but cannot be read on demand (``locate`` gives None)."""

    OFFSET_BITS = 44  # offsets up to 16 TiB; up to 2**19 files
    NO_OFFSET = (1 << OFFSET_BITS) - 1

    def __init__(self, paths: list[str], keys: array, places: array) -> None:
        self.paths = paths
        k = np.frombuffer(keys, dtype=np.uint64) if len(keys) else np.empty(0, dtype=np.uint64)
        v = np.frombuffer(places, dtype=np.int64) if len(places) else np.empty(0, dtype=np.int64)
        order = np.argsort(k, kind="stable")
        self.keys, self.places = k[order], v[order]

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def nbytes(self) -> int:
        return self.keys.nbytes + self.places.nbytes

    def _place(self, url: str) -> int | None:
        key = np.uint64(url_key(url))
        i = int(np.searchsorted(self.keys, key))
        if i < len(self.keys) and self.keys[i] == key:
            return int(self.places[i])
        return None

    def __contains__(self, url: object) -> bool:
        return isinstance(url, str) and self._place(url) is not None

    def locate(self, url: str) -> tuple[str, int] | None:
        place = self._place(url)
        if place is None:
            return None
        offset = place & self.NO_OFFSET
        if offset == self.NO_OFFSET:
            return None
        return self.paths[place >> self.OFFSET_BITS], offset


def _normal(url: str) -> str:
    """A URL as a request for it is written (Scrapy's ``safe_url_string``), without its fragment."""
    return safe_url_string(url.split("#", 1)[0])


def url_key(url: str) -> int:
    return int.from_bytes(hashlib.blake2b(_normal(url).encode("utf-8"), digest_size=8).digest(), "little")


def _target(rec: Any) -> str:
    url = rec.rec_headers.get_header("WARC-Target-URI") or ""
    if url.startswith("<") and url.endswith(">"):
        url = url[1:-1]  # WARC/1.0 drafts wrote the URI in angle brackets
    return url


def _headers(path: str) -> Iterator[tuple[int | None, Any]]:
    """(offset or None, record) of each record of a WARC file, its headers parsed; the payload
    is skipped by the iterator as it moves on. Offsets as ``WarcReader.read_file`` gives them:
    a gzip member's start for its first record, None after it; a record's start when the file
    is not compressed. A damaged stretch is skipped to the next member or record."""
    try:
        fh = open(path, "rb")
    except OSError:
        return
    with fh:
        gz = fh.read(3) == GZIP_MAGIC
        size = os.fstat(fh.fileno()).st_size
        offset: int | None = 0
        while offset is not None and offset < size:
            stream = _Member(fh, offset) if gz else fh
            fh.seek(offset)
            it = ArchiveIterator(stream)
            at = offset
            try:
                for n, rec in enumerate(it):
                    if not gz:
                        at = it.offset
                    yield ((offset if n == 0 else None) if gz else at), rec
                offset = stream.end if gz and stream.complete else None
            except Exception:  # damage: on from the next member or record
                offset = _scan(fh, at + 1, GZIP_MAGIC if gz else WARC_LINE)
