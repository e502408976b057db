"""Write a crawl's exchanges to WARC files (ISO 28500, WARC/1.1), rotating by size.

Scrapy-free: ``crawler/archive.py`` feeds it what the downloader sent and received.
Each record is its own gzip member (as Common Crawl and wget write them), written
whole and flushed, so a file holds complete records up to the last one written.
Files are ``<run>.<NNNNN>.warc.gz.part`` while the run goes on; ``finish()`` renames
them to ``<run>.<NNNNN>.warc.gz``, so a finished name never hides a torn file.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

# Our own metadata record: what the spider knew about a page when it asked for it
# (how it was found, sitemap/feed dates, listing pages). Re-extraction reads it back,
# so a page read from our archive is judged exactly as it was when crawled.
METADATA_PREFIX = "zhnews-"


@dataclass
class HttpExchange:
    """One request and the response to it, as they went over the wire."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    status: int
    reason: str
    protocol: str
    response_headers: list[tuple[str, str]]
    body: bytes
    ip_address: str | None = None
    fields: dict[str, str] | None = None  # written as a metadata record (METADATA_PREFIX + key)


@dataclass
class ArchiveFile:
    path: Path  # the .part path while writing
    records: int = 0
    responses: int = 0
    bytes: int = 0

    @property
    def final(self) -> Path:
        return self.path.with_name(self.path.name[: -len(".part")])


class RotatingWarcWriter:
    """``write(exchange)`` appends request, response and metadata records to the current
    file; a file that has reached ``max_bytes`` is closed and the next one started."""

    def __init__(self, folder: Path, run: str, max_bytes: int, software: str, compress_level: int = 6) -> None:
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be > 0, got {max_bytes!r}")
        self.folder = folder
        self.run = run
        self.max_bytes = max_bytes
        self.software = software
        self.level = compress_level
        self.files: list[ArchiveFile] = []
        self._fh = None
        self._finished: list[dict] | None = None

    # -- records ---------------------------------------------------------------

    def _member(self, build) -> bytes:
        """One record as one gzip member: warcio writes it uncompressed, we compress it
        (level 6: warcio's own gzip is level 9, several times slower for 5% less)."""
        raw = BytesIO()
        build(WARCWriter(raw, gzip=False, warc_version="1.1"))
        deflater = zlib.compressobj(self.level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        return deflater.compress(raw.getvalue()) + deflater.flush()

    def _open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        current = ArchiveFile(self.folder / f"{self.run}.{len(self.files):05d}.warc.gz.part")
        self.files.append(current)
        self._fh = current.path.open("wb")
        info = {
            "software": self.software,
            "format": "WARC File Format 1.1",
            "conformsTo": "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "isPartOf": self.run,
        }
        self._append([self._member(lambda w: w.write_record(w.create_warcinfo_record(current.final.name, info)))], 0)

    def _append(self, members: list[bytes], responses: int) -> None:
        current = self.files[-1]
        data = b"".join(members)
        self._fh.write(data)
        self._fh.flush()  # complete records reach the OS before the next one starts
        current.records += len(members)
        current.responses += responses
        current.bytes += len(data)

    def write(self, ex: HttpExchange) -> int:
        """Append one exchange; returns the bytes written."""
        if self._finished is not None:
            raise RuntimeError("archive already finished")
        if self._fh is None or self.files[-1].bytes >= self.max_bytes:
            self._close_current()
            self._open()
        path = ex.url.split("/", 3)[3] if ex.url.count("/") >= 3 else ""
        host = ex.url.split("/")[2] if "//" in ex.url else ""
        req_headers = [("Host", host)] + [(k, v) for k, v in ex.request_headers if k.lower() != "host"]
        resp_headers = [
            # Scrapy hands on the body de-chunked: say so, as Common Crawl does.
            ("X-Crawler-Transfer-Encoding", v) if k.lower() == "transfer-encoding" else (k, v)
            for k, v in ex.response_headers
        ]
        ids: dict[str, str] = {}

        def response(w: WARCWriter) -> None:
            rec = w.create_warc_record(
                ex.url, "response", payload=BytesIO(ex.body), length=len(ex.body),
                http_headers=StatusAndHeaders(f"{ex.status} {ex.reason}".strip(), resp_headers, protocol=ex.protocol or "HTTP/1.1"),
                warc_headers_dict={"WARC-IP-Address": ex.ip_address} if ex.ip_address else None,
            )
            ids["response"] = rec.rec_headers.get_header("WARC-Record-ID")
            ids["date"] = rec.rec_headers.get_header("WARC-Date")
            w.write_record(rec)

        def request(w: WARCWriter) -> None:
            rec = w.create_warc_record(
                ex.url, "request", payload=BytesIO(b""), length=0,
                http_headers=StatusAndHeaders(f"{ex.method} /{path} HTTP/1.1", req_headers, is_http_request=True),
                warc_headers_dict={"WARC-Concurrent-To": ids["response"], "WARC-Date": ids["date"]},
            )
            w.write_record(rec)

        def metadata(w: WARCWriter) -> None:
            block = "".join(f"{METADATA_PREFIX}{k}: {v}\r\n" for k, v in (ex.fields or {}).items()).encode("utf-8")
            rec = w.create_warc_record(
                ex.url, "metadata", payload=BytesIO(block), length=len(block), warc_content_type="application/warc-fields",
                warc_headers_dict={"WARC-Refers-To": ids["response"], "WARC-Date": ids["date"]},
            )
            w.write_record(rec)

        response_member = self._member(response)  # first: the request record refers to its id
        members = [self._member(request), response_member]  # request first, as Common Crawl orders them
        if ex.fields:
            members.append(self._member(metadata))
        before = self.files[-1].bytes
        self._append(members, 1)
        return self.files[-1].bytes - before

    # -- the end of the run -------------------------------------------------------

    def _close_current(self) -> None:
        if self._fh is not None:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            self._fh = None

    def finish(self) -> list[dict]:
        """Close, fsync and rename every file to its finished name. Idempotent; returns
        one entry per file: name, records, responses, bytes."""
        if self._finished is None:
            self._close_current()
            for f in self.files:
                os.replace(f.path, f.final)
            self._finished = [{"file": f.final.name, "records": f.records, "responses": f.responses, "bytes": f.bytes} for f in self.files]
        return self._finished
