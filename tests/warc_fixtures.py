"""WARC files for the tests, made by real writers: wget against the sample server, and
files in Common Crawl's and CC-NEWS's layout written byte by byte from the WARC spec
(not by warcio, the library the reader uses). Damaged copies are made by cutting and
overwriting the bytes of real files."""

from __future__ import annotations

import gzip
import hashlib
import base64
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest


def wget_or_skip() -> str:
    path = shutil.which("wget")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("wget is not installed: tests/run.sh should have installed it (.ci/wget.sh)")
        pytest.skip("wget is not installed (tests/run.sh installs the Debian package when it can)")
    return path


def wget_warc(port: int, dest: Path, urls: list[str], *extra: str, recursive: bool = True) -> Path:
    """``wget --warc-file`` through the sample server (its sites are reached as a proxy).
    Returns the .warc.gz (or .warc with --no-warc-compression)."""
    wget = wget_or_skip()
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [wget, "-q", "--tries=1", "--timeout=20", f"--warc-file={dest / 'crawl'}", f"--directory-prefix={dest / 'files'}",
           "-e", "use_proxy=on", "-e", f"http_proxy=http://127.0.0.1:{port}", *extra]
    if recursive:
        cmd += ["--recursive", "--level=3", "-e", "robots=on"]
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    proc = subprocess.run(cmd + urls, env=env, capture_output=True, text=True, timeout=300)
    # wget exits 8 when some page answered 404 (the samples link to missing pages on purpose)
    assert proc.returncode in (0, 8), proc.stderr[-2000:]
    out = dest / ("crawl.warc" if "--no-warc-compression" in extra else "crawl.warc.gz")
    assert out.exists() and out.stat().st_size > 0
    return out


# -- Common Crawl / CC-NEWS layout, by the spec -------------------------------------------------


def _digest(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def spec_record(fields: list[tuple[str, str]], block: bytes, version: str = "WARC/1.0", compress: bool = True) -> bytes:
    """One WARC record (header lines, CRLF, block, CRLF CRLF), as its own gzip member."""
    head = version + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields) + f"Content-Length: {len(block)}\r\n\r\n"
    raw = head.encode("utf-8") + block + b"\r\n\r\n"
    return gzip.compress(raw) if compress else raw


def _rid() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def common_crawl_capture(url: str, body: bytes, content_type: str = "text/html; charset=utf-8", status: str = "200 OK",
                         identified: str | None = "text/html", date: str = "2024-03-01T10:00:00Z", warcinfo: str = "",
                         truncated: str | None = None, with_metadata: bool = True, request_line_version: bool = True) -> list[bytes]:
    """request + response (+ metadata) records of one capture, as Common Crawl writes them:
    the payload stored decoded, Content-Encoding/Transfer-Encoding/Content-Length masked with
    an ``X-Crawler-`` prefix, WARC-Identified-Payload-Type from content detection."""
    host = url.split("/")[2]
    path = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else "/"
    req_id, resp_id = _rid(), _rid()
    req_block = (f"GET {path}" + (" HTTP/1.1" if request_line_version else " ") + f"\r\nHost: {host}\r\n"
                 "User-Agent: CCBot/2.0 (https://commoncrawl.org/faq/)\r\nAccept-Encoding: br,gzip\r\nConnection: Keep-Alive\r\n\r\n").encode()
    records = [spec_record([
        ("WARC-Type", "request"), ("WARC-Date", date), ("WARC-Record-ID", req_id),
        ("Content-Type", "application/http; msgtype=request"), ("WARC-Warcinfo-ID", warcinfo),
        ("WARC-IP-Address", "192.0.2.10"), ("WARC-Target-URI", url), ("WARC-Block-Digest", _digest(req_block)),
    ], req_block)]
    http_head = (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nX-Crawler-Content-Encoding: gzip\r\n"
                 f"X-Crawler-Content-Length: {len(body) // 3}\r\nContent-Length: {len(body)}\r\nServer: nginx\r\n\r\n").encode()
    resp_fields = [
        ("WARC-Type", "response"), ("WARC-Date", date), ("WARC-Record-ID", resp_id),
        ("Content-Type", "application/http; msgtype=response"), ("WARC-Warcinfo-ID", warcinfo),
        ("WARC-Concurrent-To", req_id), ("WARC-IP-Address", "192.0.2.10"), ("WARC-Target-URI", url),
        ("WARC-Payload-Digest", _digest(body)), ("WARC-Block-Digest", _digest(http_head + body)),
    ]
    if identified:
        resp_fields.append(("WARC-Identified-Payload-Type", identified))
    if truncated:
        resp_fields.append(("WARC-Truncated", truncated))
    records.append(spec_record(resp_fields, http_head + body))
    if with_metadata:
        meta = b"fetchTimeMs: 212\r\ncharset-detected: UTF-8\r\nlanguages-cld2: {\"reliable\":true,\"languages\":[{\"code\":\"zh\"}]}\r\n"
        records.append(spec_record([
            ("WARC-Type", "metadata"), ("WARC-Date", date), ("WARC-Record-ID", _rid()), ("WARC-Refers-To", resp_id),
            ("Content-Type", "application/warc-fields"), ("WARC-Warcinfo-ID", warcinfo), ("WARC-Target-URI", url),
        ], meta))
    return records


def warcinfo_record(filename: str, description: str) -> tuple[str, bytes]:
    rid = _rid()
    block = (f"isPartOf: {description}\r\npublisher: Common Crawl\r\nsoftware: Apache Nutch 1.19 (modified)\r\n"
             "format: WARC File Format 1.0\r\nconformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.0/\r\n").encode()
    return rid, spec_record([("WARC-Type", "warcinfo"), ("WARC-Date", "2024-03-01T09:59:00Z"), ("WARC-Record-ID", rid),
                             ("WARC-Filename", filename), ("Content-Type", "application/warc-fields")], block)


def member_offsets(path: Path) -> list[int]:
    """Start offsets of the gzip members of a per-record-gzip WARC (found by inflating, not guessing)."""
    import zlib

    data = path.read_bytes()
    offsets, pos = [], 0
    while pos < len(data):
        offsets.append(pos)
        z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        z.decompress(data[pos:])
        pos = len(data) - len(z.unused_data)
    return offsets
