"""Per-site health against previous manifests (crawler.extensions.DumpFinalizer.check_health)."""

from __future__ import annotations

import json
from collections import Counter

from scrapy.utils.test import get_crawler

import crawler.settings as project
from crawler.extensions import DumpFinalizer


def manifest(folder, run, articles, median_len, flagged=0.0):
    site = {"articles": articles, "articles_extracted": articles, "candidates_fetched": articles,
            "median_text_length": median_len, "flagged_share": flagged}
    (folder / f"{run}.manifest.json").write_text(json.dumps({"sites": {"a": site}}), encoding="utf-8")


def finalizer():
    keys = ("HEALTH_HISTORY_RUNS", "HEALTH_MIN_LENGTH_RATIO", "HEALTH_MAX_FLAGGED_JUMP")
    crawler = get_crawler(settings_dict={k: getattr(project, k) for k in keys})
    crawler.stats.open_spider()
    return DumpFinalizer(crawler)


def test_quiet_runs_do_not_dilute_the_usual_text_length(tmp_path):
    manifest(tmp_path, "r1", 5, 1000)
    manifest(tmp_path, "r2", 0, 0)  # a quiet incremental run: nothing new, no lengths
    manifest(tmp_path, "r3", 0, 0)
    warnings = finalizer().check_health(tmp_path, Counter(a=1), {"a": [300]}, Counter())
    assert warnings == {"a": ["median text length 300 (usually 1000)"]}


def test_a_healthy_site_gets_no_warning(tmp_path):
    manifest(tmp_path, "r1", 5, 1000, 0.1)
    manifest(tmp_path, "r2", 0, 0)
    assert finalizer().check_health(tmp_path, Counter(a=2), {"a": [900, 1100]}, Counter(a=0)) == {}


def test_a_jump_in_flagged_items_is_reported(tmp_path):
    manifest(tmp_path, "r1", 5, 1000, 0.0)
    manifest(tmp_path, "r2", 0, 0, 0.0)
    warnings = finalizer().check_health(tmp_path, Counter(a=4), {"a": [1000] * 4}, Counter(a=2))
    assert warnings == {"a": ["50% of items flagged (usually 0%)"]}
