"""`scrapy export` over real crawls of the sample family (a revision and reposts across runs)
and over a distributed run's files, checked row by row against the dumps; read back with
pyarrow and DuckDB."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import duckdb
import pyarrow.parquet as pq

from crawler.items import article_schema
from tests.conftest import ROOT, hold_back_tomorrow, read_dump, run_crawl
from serve import sites_file_for  # noqa: E402 (samples/ is on sys.path)

FIELDS = list(article_schema()["properties"])


def scrapy_export(dumps: Path, out: Path, *args: str) -> str:
    cmd = [sys.executable, "-m", "scrapy", "export", str(out), *args, "-s", f"DUMPS_DIR={dumps}"]
    proc = subprocess.run(cmd, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    return proc.stdout


def latest_rows(dumps: Path) -> dict[str, dict]:
    """What the export must hold, worked out here from the dumps themselves: per id, the row
    latest by fetched_at, then run, then line (every line validated against the schema)."""
    best: dict[str, tuple[tuple, dict]] = {}
    for dump in sorted(dumps.glob("*/*.jsonl")):
        if dump.name.endswith(".duplicates.jsonl"):
            continue
        for line, row in enumerate(read_dump(dump), 1):
            key = (datetime.fromisoformat(row["fetched_at"]), dump.name, line)
            if row["id"] not in best or key > best[row["id"]][0]:
                best[row["id"]] = (key, row)
    return {aid: {f: row.get(f) for f in FIELDS} for aid, (_, row) in best.items()}


def exported(out: Path) -> dict[str, dict]:
    rows = pq.read_table(out / "data").to_pylist()
    assert len({r["id"] for r in rows}) == len(rows), "an id twice in the export"
    return {r["id"]: r for r in rows}


def dumped_non_articles(family, dumps: Path) -> set[str]:
    """URLs of the family's pages that are no articles (lists, topics, about pages) in any dump."""
    urls = {row["url"] for dump in dumps.glob("*/*.jsonl") for row in read_dump(dump)}
    return {f"http://{host}{quote(path)}" for host, site in family.sites.items() for path in site.extra_pages} & urls


def test_export_of_sample_crawls_follows_the_rules_row_by_row(tmp_path, live_family):
    family, server = live_family
    reposts, held_back, publish = hold_back_tomorrow(family)
    sites = tmp_path / "sites.toml"
    sites.write_text(sites_file_for(server.port), encoding="utf-8")
    dumps, out = tmp_path / "dumps", tmp_path / "corpus"

    first = run_crawl(tmp_path, sites, "DEDUP_MODE=mark")
    assert first.returncode == 0, first.log[-2000:]
    # Today's lists are short (four teasers in each script edition): still no article among them.
    assert not dumped_non_articles(family, dumps)
    scrapy_export(dumps, out)
    assert exported(out) == {aid: row for aid, row in latest_rows(dumps).items() if not row["duplicate_of"]}

    # Tomorrow: the reposts of today's stories and the held-back article are published, and one
    # of today's articles is corrected (dated in the sitemap, as in tests/test_dedup_crawl.py).
    publish()
    cnmn = family.sites["www.cnmn.test"]
    changed = cnmn.placements[0]
    article = changed.article
    changed.article = type(article)(**{**vars(article), "paragraphs": article.paragraphs[:-1] + (article.paragraphs[-1] + "（本文已更正）",)})
    changed.modified = (datetime.now(timezone.utc) + timedelta(seconds=1)).isoformat(timespec="seconds")
    second = run_crawl(tmp_path, sites, "DEDUP_MODE=mark", "REVISIT_AFTER=0")
    assert second.returncode == 0, second.log[-2000:]
    assert len(second.dumps) == 2
    assert not dumped_non_articles(family, dumps)

    printed = scrapy_export(dumps, out, "--since")
    assert "from 1 dumps added" in printed
    expected = latest_rows(dumps)
    rows = exported(out)
    # Every article once, at its latest revision; reposts left out.
    assert rows == {aid: row for aid, row in expected.items() if not row["duplicate_of"]}
    revised = [r for r in rows.values() if r["url"] == changed.url]
    assert len(revised) == 1 and revised[0]["revision"] is True and revised[0]["text"].endswith("（本文已更正）")
    reposted = {p.url for ps in reposts.values() for p in ps}
    assert reposted and not reposted & {r["url"] for r in rows.values()}
    assert held_back.url in {r["url"] for r in rows.values()}
    # The incremental export is the full export of the same dumps.
    scrapy_export(dumps, tmp_path / "full")
    assert exported(tmp_path / "full") == rows

    # With the reposts: each once, with the id of its original, which is in the export.
    scrapy_export(dumps, tmp_path / "with-dups", "--with-duplicates")
    with_dups = exported(tmp_path / "with-dups")
    assert with_dups == expected
    marked = {r["url"]: r["duplicate_of"] for r in with_dups.values() if r["duplicate_of"]}
    assert set(marked) == reposted
    assert all(original in rows for original in marked.values())
    # Only the aggregator: its reposts keep their originals' ids, which are not in this export.
    scrapy_export(dumps, tmp_path / "agg", "--with-duplicates", "--sites", "aluportal")
    agg = exported(tmp_path / "agg")
    assert agg == {aid: row for aid, row in expected.items() if row["site"] == "aluportal"}
    agg_marked = [r for r in agg.values() if r["duplicate_of"]]
    assert agg_marked and all(r["duplicate_of"] not in agg for r in agg_marked)

    # DuckDB reads the export as an analyst would; the card's counts are the data's.
    con = duckdb.connect()
    per_site = dict(con.execute(f"SELECT site, count(*) FROM read_parquet('{out}/data/*.parquet') GROUP BY site").fetchall())
    record = json.loads((out / "export.json").read_text())
    assert per_site == record["counts"]["site"] and sum(per_site.values()) == len(rows)
    pages = con.execute(f"SELECT typeof(pages), len(pages) FROM read_parquet('{out}/data/*.parquet') WHERE url = ?",
                        [revised[0]["url"]]).fetchall()
    assert pages == [("VARCHAR[]", 1)]
    card = (out / "README.md").read_text(encoding="utf-8")
    assert 'load_dataset("parquet", data_files="data/*.parquet"' in card
    assert f"{len(rows):,} articles" in card and "| cnmn |" in card
    for name in (second.dumps[0].stem, second.dumps[1].stem):
        assert f"`{name}`" in card
    assert [f.name for f in pq.read_schema(next((out / "data").glob("*.parquet")))] == FIELDS


def test_export_of_a_distributed_run_reads_every_workers_files(tmp_path, slow_sites, redis_server, sample_crawl):
    from tests.test_distributed import slug_of, start_worker

    server, sites = slow_sites
    workers = [start_worker(tmp_path, sites, redis_server, n) for n in range(2)]
    assert [w.wait(timeout=240) for w in workers] == [0, 0]
    dumps = tmp_path / "dumps"
    files = sorted((dumps / "news").glob("*.jsonl"))
    assert sum(1 for f in files if not f.name.endswith(".duplicates.jsonl")) == 2, "one dump per worker"
    scrapy_export(dumps, tmp_path / "corpus", "--format", "jsonl")
    lines = [json.loads(l) for p in sorted((tmp_path / "corpus" / "data").glob("*.jsonl")) for l in p.read_text().splitlines()]
    rows = {r["id"]: r for r in lines}
    assert len(rows) == len(lines)
    assert rows == {aid: row for aid, row in latest_rows(dumps).items() if not row["duplicate_of"]}
    # Every story of the one-process crawl once (which copy of a repost the workers kept may differ).
    slugs = slug_of(server.family)
    assert sorted(slugs[r["url"]] for r in rows.values()) == sorted(slugs[a["url"]] for a in sample_crawl.articles)
    record = json.loads((tmp_path / "corpus" / "export.json").read_text())
    assert len(record["dumps"]) == 2 and all("-" in name for name in record["dumps"])
    n = duckdb.sql(f"SELECT count(DISTINCT id) FROM read_json_auto('{tmp_path}/corpus/data/*.jsonl', "
                   "format='newline_delimited')").fetchall()[0][0]
    assert n == len(rows)


from tests.test_distributed import slow_sites  # noqa: E402,F401 (the fixture, shared)
