"""Benchmark floors, pinned next to a hash of the data they were measured on.

They run when ../shared (the benchmark data) is beside the clone, as in CI. A
floor is raised when we get better and never lowered silently: if the data
changes, the hash check fails first and the floors must be re-measured.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.append(str(ROOT / "bench"))  # after the project: bench/export.py must not hide the export package

needs_shared = pytest.mark.skipif(not (SHARED / "extraction").is_dir(), reason="benchmark data ../shared not beside the clone")

# dataset -> (sha256 of its pages and gold, floors measured on them). "regressions": pages
# where our recall is < 0.6 and >= 0.3 below bare trafilatura's (bench/extraction.py).
# "negatives_dumped": pages with an empty gold (lists) we dump in the crawl's auto mode.
# Both are ceilings.
EXTRACTION_FLOORS = {
    "magic_html_article[zh]": ("8a906b40", {"F1": 0.97, "P": 0.95}),
    "magic_html_article": ("17c07b58", {"F1": 0.90, "regressions": 0, "negatives_dumped": 0}),
    "scrapinghub_aeb": ("83c047fc", {"F1": 0.970, "regressions": 0}),
    "gne_zh": ("fe997161", {"F1": 0.95, "P": 0.95, "regressions": 0}),  # bench/data: our own gold
    "zh_news_more": ("27f6b339", {"F1": 0.985, "P": 0.985, "regressions": 0}),  # 0.989 / 0.990 measured
    # one negative still dumped: douban__1 (a list of short reviews; we ship the series' info card)
    "zh_forum_blog": ("29dd9534", {"F1": 0.89, "regressions": 0, "negatives_dumped": 1}),  # 0.896 measured
    # held out: 26 forum/blog/Q&A pages labelled in session 8 before any work on them (22 of one
    # Discuz! 6 forum, GBK); 0.983 at the session's start
    "zh_forum_blog_2": ("fd7e3586", {"F1": 0.98, "P": 0.98, "regressions": 0}),  # 0.987 / 0.984 measured
    "zh_lists": ("3d7ceee5", {"negatives_dumped": 0}),  # 20 list, section and index pages
    # Taiwan and Hong Kong pages: setn__1 still gives a related list, as trafilatura does (its
    # story is one <div> per paragraph, which the paragraph evidence does not read)
    "zh_news_wide": ("dcea2d1e", {"F1": 0.92, "regressions": 0}),  # 0.927 measured
}
DATASETS = {name: ROOT / "bench" / "data" / name for name in ("gne_zh", "zh_news_more", "zh_forum_blog", "zh_forum_blog_2", "zh_lists", "zh_news_wide")}
CEILINGS = ("regressions", "negatives_dumped")
DEDUP_FLOORS = {"recall_every_variant": 0.99, "precision": 0.995}


def data_hash(pages) -> str:
    h = hashlib.sha256()
    for p in sorted(pages, key=lambda p: p.id):
        h.update(p.id.encode())
        h.update(hashlib.sha256(p.html).digest())
        h.update(hashlib.sha256(p.gold.encode("utf-8")).digest())
    return h.hexdigest()[:8]


@pytest.mark.parametrize("name", list(EXTRACTION_FLOORS))
def test_extraction_floor(name):
    from extraction import Ours, evaluate, load_dataset, run_trafilatura

    folder = name.split("[")[0]
    path = DATASETS.get(folder, SHARED / "extraction" / folder)
    if not path.is_dir():
        pytest.skip("benchmark data ../shared not beside the clone")
    pages = load_dataset(path)
    if "[" in name:
        lang = name.split("[")[1].rstrip("]")
        pages = [p for p in pages if p.lang == lang]
    pinned, floors = EXTRACTION_FLOORS[name]
    assert data_hash(pages) == pinned, f"{name}: benchmark data changed; re-measure the floors"
    ours = Ours(cold=False)
    ours.warm(pages)
    extractors = {"ours": ours}
    if "regressions" in floors:
        extractors["trafilatura"] = run_trafilatura
    result = evaluate(folder, pages, extractors, None)[folder]["ours"]
    for metric, floor in floors.items():
        if metric in CEILINGS:
            assert len(result[metric]) <= floor, f"{name}: {metric}: {result[metric]}"
        else:
            assert result[metric] >= floor, f"{name}: {metric} {result[metric]} below the floor {floor}"


@needs_shared
def test_dedup_floor():
    from dedup import DEFAULT_CORPUS, Ours, drop_corpus_duplicates, load_corpus, run_suite

    if not DEFAULT_CORPUS.exists():
        pytest.skip("no corpus")
    assert hashlib.sha256(DEFAULT_CORPUS.read_bytes()).hexdigest()[:8] == "ee6a6d1f", "corpus changed; re-measure"
    docs, _ = drop_corpus_duplicates(load_corpus(DEFAULT_CORPUS, 300))
    result = run_suite(docs, Ours())
    assert min(result["per_variant_recall"].values()) >= DEDUP_FLOORS["recall_every_variant"], result["per_variant_recall"]
    assert result["precision"] >= DEDUP_FLOORS["precision"], result["false_positives"]


# Metadata floors (bench/metadata.py: share of the labelled pages that show a field with ours right),
# pinned next to a hash of the pages and their labels.
METADATA_FLOORS = {
    "gne_zh": ("c2f78e95", {"title": 0.98, "published_day": 0.98, "published_minute": 0.98, "authors": 0.95, "editor": 0.97, "source": 0.95}),
    "zh_news_more": ("fd93a836", {"title": 0.98, "published_day": 0.97, "published_minute": 0.97, "authors": 0.95, "editor": 0.97, "source": 0.95}),
    "zh_forum_blog": ("4060cdda", {"title": 0.97, "published_day": 0.95, "published_minute": 0.97, "authors": 0.95, "editor": 0.95, "source": 0.95}),
    # the 52 Chinese pages of magic_html_article (pages in ../shared, labels here): held out until
    # session 8, when its first measurement showed misses that were then fixed
    "zh_magic_fields": ("000ebfc1", {"title": 0.95, "published_day": 0.97, "published_minute": 0.97, "authors": 0.8, "editor": 0.95, "source": 0.88}),
    # Taiwan and Hong Kong pages, added in session 6; its misses were read and fixed, so a dev set now
    "zh_news_wide": ("46f51ab4", {"title": 0.97, "published_day": 0.97, "published_minute": 0.97, "authors": 0.9, "editor": 0.95, "source": 0.95}),
    # held out (session 8); no page shows an editor or a source
    "zh_forum_blog_2": ("33bdfcc5", {"title": 0.96, "published_day": 1.0, "published_minute": 1.0, "authors": 0.95}),
}


def labels_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted((folder / "fields").glob("*.json")) + sorted((folder / "html").glob("*.html")):
        h.update(path.name.encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:8]


@pytest.mark.parametrize("name", list(METADATA_FLOORS))
def test_metadata_floor(name):
    from metadata import evaluate

    folder = ROOT / "bench" / "data" / name
    pinned, floors = METADATA_FLOORS[name]
    assert labels_hash(folder) == pinned, f"{name}: labelled data changed; re-measure the floors"
    table = evaluate(folder, cold=False, anchors=False)["table"]["ours"]
    for field, floor in floors.items():
        assert table[field]["accuracy"] >= floor, f"{name}: {field} {table[field]} below the floor {floor}"
