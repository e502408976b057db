"""Record benchmark: images, keywords and section against labels, ours vs GNE and trafilatura.

    .venv/bin/python bench/record.py DIR [DIR ...] [--json OUT] [--details]

DIR is a folder in the shared extraction layout (html/<id>.html, meta.jsonl) with
``fields/<id>.json`` labels (written by reading each page; keys in ../LABELS.md:
``images`` [{url, caption}], ``keywords``, ``section``, ``shows_page``). Pages without a
label file are skipped; images are scored only on pages whose label has them. Every
extractor reads the same bytes in the same run:

  ours         the crawl's chain (bench/extraction.py ``Ours``: decode, the stages, template
               models warmed on the host's pages): images, keywords, section
  gne          GeneralNewsExtractor().extract(html, host=page URL)["images"]
  trafilatura  bare_extraction(include_images=True, include_tables=True): the <graphic>
               elements of its body

Image URLs: label and output resolved against the page's URL (the bench URL when the
dataset has none, as for the labels' relative URLs) and compared without the scheme.
Precision and recall are pooled over all pages (every image counts once); pages whose
label has images and pages where an extractor output images are counted too.
Captions: of the true-positive images whose label has a caption, the share where ours
gives the same caption (whitespace and NFKC aside).
Keywords and section: share of the pages that show them (non-empty label) where ours has
exactly the label's list (keywords as a set); and, over the pages that show none, the
share where ours still gives some (meta keywords count there: informational).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))  # after the project: bench/export.py must not hide the export package

import trafilatura  # noqa: E402

from extraction import Ours, Page, load_dataset  # noqa: E402
from crawler.offline import DropItem  # noqa: E402
from pipelines.text.charset import decode_body  # noqa: E402

_WS = re.compile(r"\s+")


def url_key(url: str, base: str) -> str:
    """An image URL as compared: absolute, without scheme and fragment."""
    absolute = urljoin(base, url.strip())
    return re.sub(r"^https?:", "", absolute.split("#", 1)[0])


def norm(text: str | None) -> str:
    return _WS.sub(" ", unicodedata.normalize("NFKC", text or "")).strip().lower()


@dataclass
class ImageScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    pages: int = 0  # pages with at least one image output
    per_page: dict[str, tuple[int, int, int]] = field(default_factory=dict)

    def add(self, page_id: str, predicted: list[str], gold: list[str]) -> None:
        p, g = set(predicted), set(gold)
        tp, fp, fn = len(p & g), len(p - g), len(g - p)
        self.tp, self.fp, self.fn = self.tp + tp, self.fp + fp, self.fn + fn
        self.pages += bool(p)
        self.per_page[page_id] = (tp, fp, fn)

    def summary(self) -> dict:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"P": round(precision, 4), "R": round(recall, 4), "F1": round(f1, 4), "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "pages_with_output": self.pages}


def gne_images(page: Page) -> list[str]:
    from gne import GeneralNewsExtractor

    html = decode_body(page.html, {}, page.url).text
    try:
        result = GeneralNewsExtractor().extract(html, host=page.url)
    except Exception:  # GNE raises on pages it cannot read (no body, odd markup)
        return []
    return [str(u) for u in result.get("images") or []]


def trafilatura_images(page: Page) -> list[str]:
    html = decode_body(page.html, {}, page.url).text
    doc = trafilatura.bare_extraction(html, url=page.url, include_images=True, include_tables=True, include_comments=False, with_metadata=False)
    if doc is None or doc.body is None:
        return []
    return [g.get("src") for g in doc.body.iter("graphic") if g.get("src")]


def load_labels(folder: Path, pages: list[Page]) -> list[tuple[Page, dict]]:
    out = []
    for page in pages:
        path = folder / "fields" / f"{page.id}.json"
        if path.exists():
            out.append((page, json.loads(path.read_text(encoding="utf-8"))))
    return out


def run(folder: Path, details: bool) -> dict:
    pages = load_dataset(folder)
    labelled = load_labels(folder, pages)
    ours = Ours(cold=False)
    ours.warm(pages)
    scores = {"ours": ImageScore(), "gne": ImageScore(), "trafilatura": ImageScore()}
    timings = {name: 0.0 for name in scores}
    captions_right = captions_total = 0
    kw = {"shown": 0, "right": 0, "none_shown": 0, "given_anyway": 0, "wrong": []}
    sec = {"shown": 0, "right": 0, "none_shown": 0, "given_anyway": 0, "wrong": []}
    for page, label in labelled:
        gold_images = [url_key(i["url"], page.url) for i in label.get("images") or []]
        gold_caption = {url_key(i["url"], page.url): i.get("caption") for i in label.get("images") or []}
        start = time.perf_counter()
        try:
            item = ours.chain.page(page.html, {}, page.url, site=page.host, url_is_article=label.get("shows_page") is not False or None)
        except DropItem:
            item = None
        timings["ours"] += time.perf_counter() - start
        for field_name, tally, as_set in (("keywords", kw, True), ("section", sec, False)):
            gold = [norm(t) for t in label.get(field_name) or []]
            got = [norm(t) for t in (getattr(item, field_name) if item else [])]
            if gold:
                tally["shown"] += 1
                right = set(got) == set(gold) if as_set else got == gold
                tally["right"] += right
                if not right:
                    tally["wrong"].append({"id": page.id, "label": gold, "ours": got})
            else:
                tally["none_shown"] += 1
                tally["given_anyway"] += bool(got)
        if "images" not in label:
            continue  # the set's labels have no images
        ours_images = [url_key(i["url"], page.url) for i in (item.images if item else [])]
        scores["ours"].add(page.id, ours_images, gold_images)
        for image in item.images if item else []:
            key = url_key(image["url"], page.url)
            if key in gold_caption and gold_caption[key]:
                captions_total += 1
                captions_right += norm(image["caption"]) == norm(gold_caption[key])
        for name, fn in (("gne", gne_images), ("trafilatura", trafilatura_images)):
            start = time.perf_counter()
            found = fn(page)
            timings[name] += time.perf_counter() - start
            scores[name].add(page.id, [url_key(u, page.url) for u in found], gold_images)
    result = {
        "pages_labelled": len(labelled),
        "images": {name: s.summary() for name, s in scores.items()},
        "captions": {"right": captions_right, "labelled": captions_total,
                     "share": round(captions_right / captions_total, 4) if captions_total else None},
        "keywords": {"pages_showing": kw["shown"], "right": kw["right"], "share": round(kw["right"] / kw["shown"], 4) if kw["shown"] else None,
                     "pages_showing_none": kw["none_shown"], "given_anyway": kw["given_anyway"]},
        "section": {"pages_showing": sec["shown"], "right": sec["right"], "share": round(sec["right"] / sec["shown"], 4) if sec["shown"] else None,
                    "pages_showing_none": sec["none_shown"], "given_anyway": sec["given_anyway"]},
        "seconds": {k: round(v, 2) for k, v in timings.items()},
    }
    if details:
        result["image_pages"] = {name: {pid: v for pid, v in s.per_page.items() if v[1] or v[2]} for name, s in scores.items()}
        result["keywords"]["wrong"] = kw["wrong"]
        result["section"]["wrong"] = sec["wrong"]
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="+", type=Path)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--details", action="store_true", help="per-page image errors and the wrong keywords/sections")
    args = ap.parse_args()
    out = {}
    for folder in args.dirs:
        result = run(folder, args.details)
        out[folder.name] = result
        print(f"== {folder.name}: {result['pages_labelled']} labelled pages")
        print(f"{'images':<12} {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'fp':>5} {'fn':>5} {'pages':>6} {'sec':>6}")
        for name, s in result["images"].items():
            print(f"{name:<12} {s['P']:>6.3f} {s['R']:>6.3f} {s['F1']:>6.3f} {s['tp']:>5} {s['fp']:>5} {s['fn']:>5} {s['pages_with_output']:>6} {result['seconds'][name]:>6.1f}")
        c = result["captions"]
        print(f"captions right: {c['right']}/{c['labelled']}")
        for name in ("keywords", "section"):
            r = result[name]
            print(f"{name}: right on {r['right']}/{r['pages_showing']} pages that show them; given on {r['given_anyway']}/{r['pages_showing_none']} pages that show none")
        if args.details:
            print(json.dumps({k: result[k] for k in ("image_pages",)}, ensure_ascii=False))
            for name in ("keywords", "section"):
                for w in result[name]["wrong"]:
                    print(name, "WRONG", json.dumps(w, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
