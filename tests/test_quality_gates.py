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
sys.path.insert(0, str(ROOT / "bench"))

pytestmark = pytest.mark.skipif(not (SHARED / "extraction").is_dir(), reason="benchmark data ../shared not beside the clone")

# dataset -> (sha256 of its pages and gold, floors measured on them)
EXTRACTION_FLOORS = {
    "magic_html_article[zh]": ("8a906b40", {"F1": 0.97, "P": 0.95}),
    "scrapinghub_aeb": ("83c047fc", {"F1": 0.970}),
}
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
    from extraction import Ours, evaluate, load_dataset

    folder = name.split("[")[0]
    pages = load_dataset(SHARED / "extraction" / folder)
    if "[" in name:
        lang = name.split("[")[1].rstrip("]")
        pages = [p for p in pages if p.lang == lang]
    pinned, floors = EXTRACTION_FLOORS[name]
    assert data_hash(pages) == pinned, f"{name}: benchmark data changed; re-measure the floors"
    ours = Ours(cold=False)
    ours.warm(pages)
    result = evaluate(folder, pages, {"ours": ours}, None)[folder]["ours"]
    for metric, floor in floors.items():
        assert result[metric] >= floor, f"{name}: {metric} {result[metric]} below the floor {floor}"


def test_dedup_floor():
    from dedup import DEFAULT_CORPUS, Ours, drop_corpus_duplicates, load_corpus, run_suite

    if not DEFAULT_CORPUS.exists():
        pytest.skip("no corpus")
    assert hashlib.sha256(DEFAULT_CORPUS.read_bytes()).hexdigest()[:8] == "ee6a6d1f", "corpus changed; re-measure"
    docs, _ = drop_corpus_duplicates(load_corpus(DEFAULT_CORPUS, 300))
    result = run_suite(docs, Ours())
    assert min(result["per_variant_recall"].values()) >= DEDUP_FLOORS["recall_every_variant"], result["per_variant_recall"]
    assert result["precision"] >= DEDUP_FLOORS["precision"], result["false_positives"]
