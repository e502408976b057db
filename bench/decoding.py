"""Decoding benchmark: our decode_body against Scrapy's response.text, in one run.

    .venv/bin/python bench/decoding.py [DATASET_DIR ...] [--json OUT]

Datasets are folders in the shared extraction layout (html/<id>.html); default:
every folder under ../shared/extraction. Each page is served by simulated servers:

  honest     the true charset in the Content-Type header
  silent     no charset anywhere but the page's own <meta>
  gbk-lied   the page re-encoded to GB18030, still declared UTF-8 (header and meta)
  utf8-gbk   UTF-8 bytes, header says gbk
  latin1     UTF-8 bytes, header says ISO-8859-1

The truth is the page's text decoded with its true codec. A page counts as
decoded right when the decoder returns exactly that text. The torture corpus
(tests/fixtures/charset) is run as its own group against its expected codec.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scrapy.http import HtmlResponse  # noqa: E402

from pipelines.text.charset import decode_body  # noqa: E402

DEFAULT_SHARED = ROOT.parent / "shared" / "extraction"
META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", re.I)


def true_text(raw: bytes) -> tuple[str, str] | None:
    """The stored page's text and codec: strict UTF-8, else its meta charset, strictly."""
    try:
        return raw.decode("utf-8").lstrip("\ufeff"), "utf-8"
    except UnicodeDecodeError:
        pass
    m = META_CHARSET.search(raw[:4096])
    if m:
        label = m.group(1).decode("ascii", "replace").lower()
        codec = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs"}.get(label, label)
        try:
            return raw.decode(codec), codec
        except (UnicodeDecodeError, LookupError):
            return None
    return None


def variants(raw: bytes, text: str, codec: str) -> dict[str, tuple[bytes, str | None]]:
    out: dict[str, tuple[bytes, str | None]] = {
        "honest": (raw, f"text/html; charset={codec}"),
        "silent": (raw, "text/html"),
    }
    if codec == "utf-8" and any(ord(c) > 127 for c in text):
        out["gbk-lied"] = (text.encode("gb18030"), "text/html; charset=utf-8")
        out["utf8-gbk"] = (raw, "text/html; charset=gbk")
        out["latin1"] = (raw, "text/html; charset=ISO-8859-1")
    return out


def scrapy_text(body: bytes, content_type: str | None, url: str) -> str:
    headers = {"Content-Type": content_type} if content_type else {}
    return HtmlResponse(url=url, body=body, headers=headers).text


def ours_text(body: bytes, content_type: str | None, url: str) -> str:
    headers = {"Content-Type": content_type} if content_type else {}
    return decode_body(body, headers, url).text


def run(datasets: list[Path]) -> dict:
    groups: dict[str, dict] = {}
    timing = {"ours": 0.0, "scrapy": 0.0, "bytes": 0}
    # Cost split by whether the declaration was honest (the common case) or a lie.
    split = {"honest": [0.0, 0.0, 0], "lying": [0.0, 0.0, 0]}

    def record(group: str, ours_ok: bool, scrapy_ok: bool, page: str) -> None:
        g = groups.setdefault(group, {"pages": 0, "ours_right": 0, "scrapy_right": 0, "scrapy_only": [], "ours_only": 0})
        g["pages"] += 1
        g["ours_right"] += ours_ok
        g["scrapy_right"] += scrapy_ok
        if scrapy_ok and not ours_ok:
            g["scrapy_only"].append(page)
        if ours_ok and not scrapy_ok:
            g["ours_only"] += 1

    def measure(body: bytes, ctype: str | None, url: str, kind: str = "lying") -> tuple[str, str]:
        t0 = time.perf_counter()
        ours = ours_text(body, ctype, url)
        t1 = time.perf_counter()
        theirs = scrapy_text(body, ctype, url)
        t2 = time.perf_counter()
        timing["ours"] += t1 - t0
        timing["scrapy"] += t2 - t1
        timing["bytes"] += len(body)
        split[kind][0] += t1 - t0
        split[kind][1] += t2 - t1
        split[kind][2] += len(body)
        return ours, theirs

    torture = ROOT / "tests" / "fixtures" / "charset"
    for case in sorted(p for p in torture.iterdir() if p.is_dir()):
        want = json.loads((case / "expected.json").read_text(encoding="utf-8"))
        if "encoding" not in want or want.get("dropped") == "any" or "mixed-encoding" in want.get("warnings", []):
            continue  # no single right codec for these
        info = json.loads((case / "info.json").read_text(encoding="utf-8"))
        body = (case / "body.html").read_bytes()
        truth = body.decode(want["encoding"], errors="replace")
        if want["encoding_source"] == "bom":
            truth = body[3:].decode("utf-8")
        ours, theirs = measure(body, info["headers"].get("Content-Type"), info["url"])
        record("torture", ours.lstrip("\ufeff") == truth, theirs.lstrip("\ufeff") == truth, case.name)

    for ds in datasets:
        pages = sorted((ds / "html").glob("*.html")) if (ds / "html").is_dir() else sorted(ds.rglob("*.html"))
        for page in pages:
            raw = page.read_bytes()
            found = true_text(raw)
            if found is None:
                continue
            text, codec = found
            url = f"http://bench.invalid/{page.stem}.html"
            for name, (body, ctype) in variants(raw, text, codec).items():
                truth = text if body is raw or name != "gbk-lied" else body.decode("gb18030")
                ours, theirs = measure(body, ctype, url, "honest" if name in ("honest", "silent") else "lying")
                record(f"{ds.name}/{name}", ours.lstrip("\ufeff") == truth, theirs.lstrip("\ufeff") == truth, page.name)
    mb = timing["bytes"] / 1e6
    return {
        "groups": groups,
        "ours_mb_per_s": mb / timing["ours"] if timing["ours"] else None,
        "scrapy_mb_per_s": mb / timing["scrapy"] if timing["scrapy"] else None,
        "megabytes": mb,
        "mb_per_s_by_server": {
            k: {"ours": v[2] / 1e6 / v[0], "scrapy": v[2] / 1e6 / v[1], "megabytes": v[2] / 1e6} for k, v in split.items() if v[0]
        },
    }


def print_table(result: dict) -> None:
    print(f"{'group':<40} {'pages':>6} {'ours':>6} {'scrapy':>7} {'ours only':>10} {'scrapy only':>12}")
    total = {"pages": 0, "ours_right": 0, "scrapy_right": 0, "ours_only": 0, "scrapy_only": 0}
    for name, g in sorted(result["groups"].items()):
        print(f"{name:<40} {g['pages']:>6} {g['ours_right']:>6} {g['scrapy_right']:>7} {g['ours_only']:>10} {len(g['scrapy_only']):>12}")
        for k in ("pages", "ours_right", "scrapy_right", "ours_only"):
            total[k] += g[k]
        total["scrapy_only"] += len(g["scrapy_only"])
    print(f"{'TOTAL':<40} {total['pages']:>6} {total['ours_right']:>6} {total['scrapy_right']:>7} {total['ours_only']:>10} {total['scrapy_only']:>12}")
    print(f"decode cost over {result['megabytes']:.1f} MB: ours {result['ours_mb_per_s']:.1f} MB/s, "
          f"scrapy response.text {result['scrapy_mb_per_s']:.1f} MB/s "
          f"(ratio {result['ours_mb_per_s'] / result['scrapy_mb_per_s']:.2f})")
    for kind, v in result["mb_per_s_by_server"].items():
        print(f"  {kind:<7} servers ({v['megabytes']:.0f} MB): ours {v['ours']:.1f} MB/s, scrapy {v['scrapy']:.1f} MB/s")
    result["total"] = total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", nargs="*", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    datasets = args.datasets or sorted(p for p in DEFAULT_SHARED.iterdir() if p.is_dir())
    result = run(datasets)
    print_table(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
