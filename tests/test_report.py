"""The run report (report/render.py, `scrapy report`): from the manifests of real sample runs,
rendered in a real headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from PIL import Image

from report.render import MAX_COLUMNS, columns, load_runs, render
from tests.chromium import Chromium, chromium_path
from tests.conftest import ROOT, run_crawl, sites_file_for

# Every run dumps every article it finds (no URL state, no index across runs), so the charts
# show each site's yield run by run, as a site's daily new articles would.
FULL_RUNS = ("INCREMENTAL_ENABLED=False", "DEDUP_PERSIST=False")


@pytest.fixture
def redesign_series(tmp_path, live_family):
    """Five real runs of the sample sites: cnmn publishes one article fewer in run 2; luan's
    redesign in run 4 leaves its pages without an article (runs 4 and 5)."""
    family, server = live_family
    sites = tmp_path / "sites.toml"
    sites.write_text(sites_file_for(server.port), encoding="utf-8")
    cnmn = family.sites["www.cnmn.test"]
    for n in range(1, 6):
        held = cnmn.placements.pop() if n == 2 else None
        family.sites["www.luan.test"].broken = n >= 4
        result = run_crawl(tmp_path, sites, *FULL_RUNS)
        assert result.returncode == 0, result.log[-2000:]
        if held is not None:
            cnmn.placements.append(held)
    return tmp_path / "dumps" / "news"


def scrapy_report(folder, out):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "scrapy", "report", str(folder), "-o", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_report_shows_a_redesigned_sites_collapse_in_chromium(tmp_path, redesign_series):
    out = tmp_path / "report.html"
    made = scrapy_report(redesign_series, out)
    assert made.returncode == 0, made.stderr[-2000:]
    assert "5 runs" in made.stdout
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page and "http://" not in page and "https://" not in page  # self-contained
    if chromium_path() is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/chromium.sh should have installed it")
        pytest.skip("chromium is not installed (tests/run.sh installs the Debian package when it can)")

    browser = Chromium(tmp_path)
    try:
        browser.open(out.as_uri())
        assert browser.console_errors() == []
        assert browser.requests() == [out.as_uri()], "the report fetched something besides itself"
        # luan comes first among the sites that need attention, for its health warning
        assert browser.evaluate("document.querySelector('#attention a').textContent") == "luan"
        why = browser.evaluate("document.querySelector('#attention tr:nth-child(2) td:nth-child(2)').textContent")
        assert "no articles extracted from 3 candidate pages" in why
        # the drawn line of luan's articles: three runs at its usual yield, then at zero
        chart = "#site-luan figure[data-metric=articles]"
        points = browser.evaluate(f"""(() => {{
            const p = document.querySelector('{chart} path[data-series=articles]');
            const m = p.getScreenCTM();
            const n = 5, len = p.getTotalLength(), out = [];
            for (let i = 0; i < n; i++) {{
                const q = p.getPointAtLength(len * i / (n - 1)).matrixTransform(m);
                out.push([q.x, q.y]);
            }}
            return out;
        }})()""")
        xs, ys = [x for x, _ in points], [y for _, y in points]
        assert xs == sorted(xs)
        assert max(ys[:3]) < min(ys[3:]) - 30, f"no drop drawn: screen y of the five runs {ys}"
        box = browser.evaluate(f"(() => {{ const r = document.querySelector('{chart} svg').getBoundingClientRect(); "
                               "return {x: r.x, y: r.y + window.scrollY, width: r.width, height: r.height}; })()")
        browser.evaluate("window.scrollTo(0, 0)")
        shot = browser.screenshot(tmp_path / "report.png")
        detail = browser.screenshot(tmp_path / "luan-articles.png", clip=box)
        assert browser.console_errors() == []
    finally:
        browser.close()

    image = Image.open(shot).convert("RGB")
    assert len(image.getcolors(1 << 20) or ()) > 20, "the screenshot is blank"
    # In the chart's own pixels: the blue line is high on the left and on the floor on the right.
    chart_px = Image.open(detail).convert("RGB")
    w, h = chart_px.size
    blue = [(x, y) for x in range(w) for y in range(h) if _near(chart_px.getpixel((x, y)), (0x1F, 0x6F, 0xB4))]
    left = [y for x, y in blue if x < w * 0.3]
    right = [y for x, y in blue if x > w * 0.85]
    assert left and right and max(left) < min(right), "the articles line does not fall in the picture"
    if os.environ.get("REPORT_SCREENSHOT"):  # README's picture: REPORT_SCREENSHOT=docs/report.png
        shutil.copy(shot, os.environ["REPORT_SCREENSHOT"])


def _near(a, b, tol=60):
    return sum(abs(x - y) for x, y in zip(a, b)) < tol


def test_old_and_unreadable_manifests(tmp_path):
    (tmp_path / "20260101T000000Z.manifest.json").write_text(json.dumps({"sites": {"a": {"articles": 4}}}))  # an old, thin one
    (tmp_path / "20260102T000000Z.manifest.json").write_text("{torn")
    (tmp_path / "20260103T000000Z.manifest.json").write_text(json.dumps(
        {"exit_status": 0, "state_rebuilt": {"reposts": "unreadable: malformed"},
         "sites": {"a": {"articles": 0, "errors": 2, "errors_by_kind": {"http_404": 2}}, "b": {"articles": 1}}}))
    report = load_runs(tmp_path)
    assert [r.name for r in report.runs] == ["20260101T000000Z", "20260103T000000Z"]
    assert report.unreadable[0][0] == "20260102T000000Z.manifest.json"
    page = render(report)
    assert "Unreadable manifests, skipped: 20260102T000000Z.manifest.json" in page
    assert "reposts: unreadable: malformed" in page
    assert "2 errors in the last run (http_404 2)" in page
    assert "not in the last run" not in page and "b" in page  # a site new in the last run


def test_many_runs_are_drawn_in_bounded_columns_that_keep_a_one_run_drop():
    values = [50.0] * 1000
    values[637] = 0.0
    cols = columns(values)
    assert len(cols) == MAX_COLUMNS
    assert min(lo for lo, _ in cols) == 0.0 and max(hi for _, hi in cols) == 50.0
    assert columns([1.0, 2.0]) == [(1.0, 1.0), (2.0, 2.0)]
