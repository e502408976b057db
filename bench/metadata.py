"""Metadata benchmark: title, published, authors, editor and source against labels read off
real pages, for ours, trafilatura, GNE and htmldate, field by field and page by page.

    .venv/bin/python bench/metadata.py DIR [DIR ...] [--json OUT] [--cold] [--show N]

DIR is a folder in the shared layout with labels: html/<id>.html, fields/<id>.json (the
labelling rules: bench/data/LABELS.md), optional meta.jsonl (url, host). Pages whose label
says ``shows_page: false`` (list pages) are left out.

  ours         the crawl's own chain (decode, extraction, boilerplate, metadata stages); each
               host's pages pass once first so the per-site knowledge (title affixes, repeated
               date lines) is learned as over a crawl of the site (--cold: without)
  trafilatura  trafilatura.bare_extraction(with_metadata=True): title, date, author
  gne          gne.GeneralNewsExtractor().extract(): title, author, publish_time
  htmldate     htmldate.find_date(extensive_search=True, original_date=True): the day

Accuracy is over the pages that show the field (label not empty). ``published`` is scored
twice: the day, and the minute on pages that show a time. ``authors`` is right when the set
of names is the label's (an anchor's author string is split into names the same way as
ours). On pages that show no author, ``authors_clean`` is the share where nothing is given.
Listed per dataset: the pages where an anchor is right and we are wrong.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))  # after the project: bench/export.py must not hide the export package

import htmldate  # noqa: E402
import trafilatura  # noqa: E402

from extraction import Ours, Page, load_dataset  # noqa: E402
from crawler.offline import DropItem  # noqa: E402
from pipelines.text.charset import decode_body  # noqa: E402
from pipelines.text.metadata import parse_date, person_names  # noqa: E402

FIELDS = ("title", "published_day", "published_minute", "authors", "editor", "source")
ANCHOR_FIELDS = {
    "trafilatura": ("title", "published_day", "published_minute", "authors"),
    "gne": ("title", "published_day", "published_minute", "authors"),
    "htmldate": ("published_day",),
}
_PUNCT = re.compile(r"[\s\"'“”‘’《》<>「」『』]+")


def key(text: str | None) -> str:
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text or "")).lower()


def names_key(names: list[str]) -> frozenset[str]:
    return frozenset(key(n) for n in names if key(n))


def pages_folder(folder: Path) -> Path:
    """Where a set's pages (html, gold) are: the folder itself, or the one its ``pages_from`` file
    names (a set of labels only, for pages of a shared benchmark)."""
    pointer = folder / "pages_from"
    return (folder / pointer.read_text(encoding="utf-8").strip()).resolve() if pointer.exists() else folder


def load_labels(folder: Path) -> dict[str, dict]:
    out = {}
    for path in sorted((folder / "fields").glob("*.json")):
        label = json.loads(path.read_text(encoding="utf-8"))
        if label.get("shows_page", True) is not False:
            out[path.stem] = label
    return out


# -- predictions: {field: value} per extractor ------------------------------------------------

def ours_fields(ours: Ours, page: Page) -> dict:
    try:
        item = ours.chain.page(page.html, {}, page.url, site=page.host, url_is_article=True)
    except DropItem:
        return {}
    return {"title": item.title, "published": item.published, "authors": list(item.authors or []), "editor": item.editor, "source": item.source}


def trafilatura_fields(page: Page) -> dict:
    html = decode_body(page.html, {}, page.url).text
    try:
        doc = trafilatura.bare_extraction(html, url=page.url, with_metadata=True, include_comments=False)
    except Exception:  # the anchor's failure is its own
        doc = None
    if doc is None:
        return {}
    return {"title": doc.title, "published": doc.date, "authors": _split(doc.author)}


def gne_fields(page: Page) -> dict:
    from gne import GeneralNewsExtractor

    html = decode_body(page.html, {}, page.url).text
    try:
        got = GeneralNewsExtractor().extract(html)
    except Exception:  # the anchor's failure is its own
        return {}
    return {"title": got.get("title"), "published": parse_date(got.get("publish_time") or ""), "authors": _split(got.get("author"))}


def htmldate_fields(page: Page) -> dict:
    html = decode_body(page.html, {}, page.url).text
    try:
        day = htmldate.find_date(html, url=page.url, extensive_search=True, original_date=True)
    except Exception:  # the anchor's failure is its own
        day = None
    return {"published": day}


def _split(author: str | None) -> list[str]:
    return person_names(author).names if author else []


# -- scoring ----------------------------------------------------------------------------------

def local_time(value: str | None) -> str | None:
    """An ISO value as the page shows it: labels give China's local time (UTC+8, as in Taiwan
    and Hong Kong), so a value with another offset is moved there before it is compared."""
    iso = parse_date(value or "") if value else None
    if iso and re.search(r"[+-]\d{2}:\d{2}$", iso):
        shown = datetime.fromisoformat(iso).astimezone(timezone(timedelta(hours=8)))
        return shown.isoformat()
    return iso


def judge(label: dict, pred: dict) -> dict[str, bool | None]:
    """True/False per field the page shows; None where the label has nothing to score."""
    out: dict[str, bool | None] = {f: None for f in FIELDS}
    out["authors_clean"] = None
    if label.get("title"):
        out["title"] = key(pred.get("title")) == key(label["title"])
    gold_date = label.get("published")
    ours_date = local_time(pred.get("published"))
    if gold_date:
        out["published_day"] = bool(ours_date) and ours_date[:10] == gold_date[:10]
        if len(gold_date) >= 16:
            out["published_minute"] = bool(ours_date) and len(ours_date) >= 16 and ours_date[:10] == gold_date[:10] and ours_date[11:16] == gold_date[11:16]
    gold_authors = names_key(label.get("authors") or [])
    if gold_authors:
        out["authors"] = names_key(pred.get("authors") or []) == gold_authors
    elif "authors" in label:
        out["authors_clean"] = not pred.get("authors")
    for name in ("editor", "source"):
        if label.get(name):
            if name == "editor":
                out[name] = names_key((pred.get(name) or "").split()) == names_key(label[name].split())
            else:
                out[name] = key(pred.get(name)) == key(label[name])
    return out


def evaluate(folder: Path, cold: bool, anchors: bool = True) -> dict:
    labels = load_labels(folder)
    pages = [p for p in load_dataset(pages_folder(folder)) if p.id in labels]
    if not pages:  # a folder with labels but no gold text (list pages only) is loaded by its html
        pages = []
    ours = Ours(cold=True, overrides={"TEMPLATE_ENABLED": False})
    if not cold:  # each host's pages once, as a crawl of the site teaches the metadata stage
        for page in pages:
            ours_fields(ours, page)
    extractors = {"ours": lambda p: ours_fields(ours, p)}
    if anchors:
        extractors.update(trafilatura=trafilatura_fields, gne=gne_fields, htmldate=htmldate_fields)
    per_page: dict[str, dict] = {}
    totals: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    before = dict(ours.chain.crawler.stats.get_stats())
    for page in pages:
        label = labels[page.id]
        row = {"label": {k: label.get(k) for k in ("title", "published", "authors", "editor", "source")}}
        for name, run in extractors.items():
            pred = run(page)
            verdict = judge(label, pred)
            row[name] = {"pred": pred, "right": verdict}
            for f, ok in verdict.items():
                if ok is not None and (name == "ours" or f in ANCHOR_FIELDS[name] or f == "authors_clean" and "authors" in ANCHOR_FIELDS[name]):
                    totals[name][f].append(ok)
        per_page[page.id] = row
    table = {name: {f: {"accuracy": round(sum(v) / len(v), 3), "pages": len(v)} for f, v in fields.items()} for name, fields in totals.items()}
    behind = []
    for pid, row in per_page.items():
        for name in ANCHOR_FIELDS if anchors else ():
            for f in ANCHOR_FIELDS[name]:
                if row[name]["right"].get(f) and row["ours"]["right"].get(f) is False:
                    behind.append({"page": pid, "field": f, "anchor": name, "label": _label_of(row["label"], f),
                                   "ours": _pred_of(row["ours"]["pred"], f), "anchor_value": _pred_of(row[name]["pred"], f)})
    return {"pages": len(pages), "table": table, "behind_an_anchor": behind, "won_by": won_by(before, ours.chain.crawler.stats.get_stats()), "per_page": per_page}


def won_by(before: dict, after: dict) -> dict[str, dict[str, int]]:
    """Per field, how many pages of the scored pass each kind of candidate won (the metadata
    stage's ``meta/<field>/<kind>`` stats; ``missing``: none)."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for key, n in after.items():
        parts = key.split("/")
        if len(parts) == 3 and parts[0] == "meta" and parts[1] != "rejected" and parts[2] != "disagree":
            if n - before.get(key, 0):
                out[parts[1]][parts[2]] = n - before.get(key, 0)
    return {f: dict(sorted(kinds.items(), key=lambda kv: -kv[1])) for f, kinds in out.items()}


def _label_of(label: dict, f: str):
    return label.get("published") if f.startswith("published") else label.get(f)


def _pred_of(pred: dict, f: str):
    return pred.get("published") if f.startswith("published") else pred.get(f)


def print_table(name: str, result: dict, show: int) -> None:
    print(f"\n== {name}: {result['pages']} labelled article pages")
    cols = ("ours", "trafilatura", "gne", "htmldate")
    print(f"{'field':<18}" + "".join(f"{c:>13}" for c in cols) + f"{'pages':>7}")
    for f in FIELDS + ("authors_clean",):
        cells, n = [], 0
        for c in cols:
            cell = result["table"].get(c, {}).get(f)
            cells.append(f"{cell['accuracy']:>13.3f}" if cell else f"{'—':>13}")
            n = max(n, cell["pages"] if cell else 0)
        print(f"{f:<18}" + "".join(cells) + f"{n:>7}")
    for f, kinds in result.get("won_by", {}).items():
        print(f"  {f} won by: " + ", ".join(f"{k} {n}" for k, n in kinds.items()))
    behind = result["behind_an_anchor"]
    print(f"pages where an anchor is right and ours is wrong: {len(behind)}")
    for b in behind[:show]:
        print(f"  {b['page']:<24} {b['field']:<16} {b['anchor']:<11} label={b['label']!r} ours={b['ours']!r} {b['anchor']}={b['anchor_value']!r}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="+", type=Path)
    ap.add_argument("--json", type=Path, help="write the tables, the pages behind an anchor and every page's values here")
    ap.add_argument("--cold", action="store_true", help="no per-site learning pass")
    ap.add_argument("--show", type=int, default=40, help="list at most this many pages behind an anchor per dataset")
    args = ap.parse_args()
    import logging

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    logging.getLogger("htmldate").setLevel(logging.ERROR)
    results = {}
    for folder in args.dirs:
        results[folder.name] = evaluate(folder, args.cold)
        print_table(folder.name, results[folder.name], args.show)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
