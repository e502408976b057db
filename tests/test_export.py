"""`scrapy export`: the resolution rules, shards, schema, incremental runs and crash safety, on
dumps written here line by line; read back with pyarrow and DuckDB (real packages).
The same rules over real sample crawls and a distributed run: tests/test_export_crawl.py."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crawler.items import article_schema
from export.corpus import ExportError, ExportOptions, export_corpus
from export.schema import arrow_schema
from tests.conftest import ROOT


def article(n: int, fetched_at: str, text: str = "正文", *, site: str = "a", duplicate_of: str | None = None,
            published: str | None = "2024-05-01", script: str | None = "hans") -> dict:
    url = f"http://{site}.test/{n}.html"
    return {"id": f"{n:016x}", "url": url, "canonical_url": url, "site": site, "domain": f"{site}.test",
            "title": f"标题{n}", "text": text, "published": published, "author": None, "editor": None, "source": None,
            "language": "zh", "script": script, "fetched_at": fetched_at, "http_status": 200, "encoding": "utf-8",
            "encoding_source": "header", "warnings": [], "content_hash": "0" * 40, "duplicate_of": duplicate_of,
            "revision": False, "pages": [url]}


def write_dump(dumps: Path, name: str, rows: list, spider: str = "news") -> Path:
    folder = dumps / spider
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.jsonl"
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows), encoding="utf-8")
    return path


def export(dumps: Path, out: Path, **kw):
    return export_corpus(dumps, ExportOptions(out=out, **kw), article_schema())


def rows_of(out: Path) -> dict[str, dict]:
    table = pq.read_table(out / "data")
    rows = table.to_pylist()
    assert len({r["id"] for r in rows}) == len(rows), "an id twice in the export"
    return {r["id"]: r for r in rows}


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file()}


T1, T2, T3 = "2026-01-01T08:00:00+00:00", "2026-01-02T08:00:00+00:00", "2026-01-03T08:00:00+00:00"
A, B, C, D = (f"{n:016x}" for n in (1, 2, 3, 4))


def test_latest_revision_wins_and_reposts_are_left_out_or_marked(tmp_path):
    dumps = tmp_path / "dumps"
    write_dump(dumps, "20260101T080000Z", [article(1, T1, "第一版"), article(2, T1), article(3, T1, site="b", duplicate_of=A)])
    write_dump(dumps, "20260102T080000Z", [article(1, T2, "第二版")])
    # A WARC re-extraction run, started later, of a page fetched earlier: fetched_at decides, not the run.
    write_dump(dumps, "20260103T080000Z", [article(1, T1, "旧的重读")], spider="warc")
    result = export(dumps, tmp_path / "out")
    rows = rows_of(tmp_path / "out")
    assert set(rows) == {A, B}
    assert rows[A]["text"] == "第二版" and rows[A]["fetched_at"] == T2
    assert result.rows == 2 and result.reposts_left_out == 1 and result.superseded == 2 and result.lines_read == 5

    export(dumps, tmp_path / "all", with_duplicates=True)
    rows = rows_of(tmp_path / "all")
    assert set(rows) == {A, B, C} and rows[C]["duplicate_of"] == A

    # A repost whose original is not in the export keeps its original's id.
    export(dumps, tmp_path / "b-only", with_duplicates=True, sites=("b",))
    assert {i: r["duplicate_of"] for i, r in rows_of(tmp_path / "b-only").items()} == {C: A}


def test_the_row_kept_does_not_depend_on_arrival_order(tmp_path):
    """Same fetched_at in two runs: the later run wins; same run: the later line. Whatever order
    the files were written (mtimes) or listed in."""
    first = [article(1, T1, "甲"), article(1, T1, "乙")]
    second = [article(1, T1, "丙"), article(2, T1, "丁")]
    results = []
    for order in ((0, 1), (1, 0)):
        dumps = tmp_path / f"dumps{order[0]}"
        files = [("20260101T080000Z", first), ("20260101T080000Z-w2", second)]
        for i in order:  # written in a different order each time
            write_dump(dumps, *files[i])
            time.sleep(0.01)
        export(dumps, tmp_path / f"out{order[0]}")
        results.append({i: r["text"] for i, r in rows_of(tmp_path / f"out{order[0]}").items()})
    assert results[0] == results[1] == {A: "丙", B: "丁"}


def test_bad_lines_are_skipped_counted_and_named(tmp_path, caplog):
    dumps = tmp_path / "dumps"
    no_time = article(3, T1)
    no_time["fetched_at"] = None
    wrong_type = article(4, T1)
    wrong_type["http_status"] = "two hundred"
    write_dump(dumps, "20260101T080000Z", [article(1, T1), "{torn", json.dumps(no_time), json.dumps(wrong_type), "[1, 2]"])
    result = export(dumps, tmp_path / "out")
    assert set(rows_of(tmp_path / "out")) == {A}
    assert result.bad_lines == {"unreadable line": 3, "does not fit the schema": 1}
    assert "20260101T080000Z.jsonl:2 [unreadable line" in caplog.text


def test_shards_are_bounded_and_the_schema_follows_the_json_schema(tmp_path):
    dumps = tmp_path / "dumps"
    write_dump(dumps, "20260101T080000Z", [article(n, T1, "长" * 2000) for n in range(1, 26)])
    result = export(dumps, tmp_path / "rows", max_rows=10)
    shards = json.loads((tmp_path / "rows" / "export.json").read_text())["shards"]
    assert [s["rows"] for s in shards] == [10, 10, 5] and result.shards == 3
    export(dumps, tmp_path / "bytes", max_bytes=20_000)  # ~6 KB of text a row
    shards = json.loads((tmp_path / "bytes" / "export.json").read_text())["shards"]
    assert len(shards) > 3 and sum(s["rows"] for s in shards) == 25
    for shard in shards:
        f = pq.ParquetFile(tmp_path / "bytes" / shard["file"])
        assert f.schema_arrow == arrow_schema(article_schema())
        assert f.metadata.row_group(0).column(0).compression == "ZSTD"
        assert f.metadata.num_rows * 6_000 <= 20_000 + 6_100  # the bound, give or take the last row


def test_a_field_added_to_the_json_schema_is_exported_with_its_type(tmp_path):
    """Colleagues add fields (authors, images as a list of structs ...): the Arrow schema is
    derived at run time, lists stay lists, and older dumps without the field read as null."""
    schema = article_schema()
    schema["properties"]["authors"] = {"type": "array", "items": {"type": "string"}}
    schema["properties"]["images"] = {"type": "array", "items": {"type": "object", "properties": {
        "url": {"type": "string"}, "alt": {"type": ["string", "null"]}, "caption": {"type": ["string", "null"]},
        "cover": {"type": "boolean"}}}}
    schema["properties"]["word_count"] = {"type": ["integer", "null"]}
    arrow = arrow_schema(schema)
    assert arrow.field("images").type == pa.list_(pa.struct([("url", pa.string()), ("alt", pa.string()),
                                                              ("caption", pa.string()), ("cover", pa.bool_())]))
    dumps = tmp_path / "dumps"
    new = article(2, T1) | {"authors": ["王明", "李华"], "word_count": 812,
                            "images": [{"url": "http://a.test/1.jpg", "alt": "图", "caption": None, "cover": True}]}
    write_dump(dumps, "20260101T080000Z", [article(1, T1), new])
    export_corpus(dumps, ExportOptions(out=tmp_path / "out"), schema)
    con = duckdb.connect()
    got = con.execute(f"SELECT id, authors, images[1].url, images[1].cover, word_count, typeof(images) "
                      f"FROM read_parquet('{tmp_path}/out/data/*.parquet') ORDER BY id").fetchall()
    assert got == [(A, None, None, None, None, "STRUCT(url VARCHAR, alt VARCHAR, caption VARCHAR, cover BOOLEAN)[]"),
                   (B, ["王明", "李华"], "http://a.test/1.jpg", True, 812, "STRUCT(url VARCHAR, alt VARCHAR, caption VARCHAR, cover BOOLEAN)[]")]
    card = (tmp_path / "out" / "README.md").read_text()
    assert "| `images` | `list<item: struct<url: string, alt: string, caption: string, cover: bool>>` |" in card


def test_incremental_export_adds_only_new_runs_and_a_rerun_changes_nothing(tmp_path):
    dumps, out = tmp_path / "dumps", tmp_path / "out"
    write_dump(dumps, "20260101T080000Z", [article(1, T1, "第一版"), article(2, T1)])
    export(dumps, out)
    # The old dump is archived away: the incremental export must not need it.
    (dumps / "news" / "20260101T080000Z.jsonl").rename(tmp_path / "archived.jsonl")
    write_dump(dumps, "20260102T080000Z", [article(1, T2, "第二版"), article(3, T2, site="b"), article(4, T2, duplicate_of=B)])
    result = export(dumps, out, since="last")
    assert result.written and result.dumps_added == 1 and result.superseded == 1
    rows = rows_of(out)
    assert {i: r["text"] for i, r in rows.items()} == {A: "第二版", B: "正文", C: "正文"}
    record = json.loads((out / "export.json").read_text())
    assert list(record["dumps"]) == ["news/20260101T080000Z.jsonl", "news/20260102T080000Z.jsonl"]
    assert record["last_run"] == "20260102T080000Z" and record["counts"]["site"] == {"a": 2, "b": 1}

    before = snapshot(out)
    again = export(dumps, out, since="last")
    assert not again.written and snapshot(out) == before
    # A full export over the same dumps as recorded is nothing new either.
    (tmp_path / "archived.jsonl").rename(dumps / "news" / "20260101T080000Z.jsonl")
    full = tmp_path / "full"
    export(dumps, full)
    assert {i: r["text"] for i, r in rows_of(full).items()} == {A: "第二版", B: "正文", C: "正文"}
    before = snapshot(full)
    assert not export(dumps, full).written and snapshot(full) == before

    # --since RUN: of the dumps not yet exported, only the runs after RUN.
    write_dump(dumps, "20260103T080000Z", [article(5, T3)])
    write_dump(dumps, "20260104T080000Z", [article(6, T3)])
    export(dumps, out, since="20260103T080000Z")
    assert set(rows_of(out)) == {A, B, C, f"{6:016x}"}

    with pytest.raises(ExportError, match="with_duplicates"):
        export(dumps, out, since="last", with_duplicates=True)


def test_jsonl_holds_the_same_rows(tmp_path):
    dumps = tmp_path / "dumps"
    write_dump(dumps, "20260101T080000Z", [article(1, T1), article(2, T1, published=None, script=None)])
    write_dump(dumps, "20260102T080000Z", [article(1, T2, "新")])
    export(dumps, tmp_path / "pq")
    export(dumps, tmp_path / "jl", format="jsonl", since="last")  # no previous export: every dump
    lines = [json.loads(l) for p in sorted((tmp_path / "jl" / "data").glob("*.jsonl")) for l in p.read_text().splitlines()]
    assert {r["id"]: r for r in lines} == rows_of(tmp_path / "pq")
    assert list(lines[0]) == list(article_schema()["properties"])
    n = duckdb.sql(f"SELECT count(*) FROM read_json_auto('{tmp_path}/jl/data/*.jsonl', format='newline_delimited')").fetchall()[0][0]
    assert n == 2


def test_a_killed_export_leaves_the_previous_export_intact(tmp_path):
    dumps, out = tmp_path / "dumps", tmp_path / "out"
    write_dump(dumps, "20260101T080000Z", [article(1, T1)])
    export(dumps, out)
    before = snapshot(out)
    write_dump(dumps, "20260102T080000Z", [article(n, T2, "文" * 500) for n in range(2, 40_002)])
    cmd = [sys.executable, "-m", "scrapy", "export", str(out), "--max-rows", "1000", "-s", f"DUMPS_DIR={dumps}"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".out.tmp-*/data/part-00002.parquet")):  # well into pass 2
        assert proc.poll() is None, "the export ended before it could be killed: make the dump bigger"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert snapshot(out) == before, "the previous export changed"
    assert set(rows_of(out)) == {A}
    # The next export clears the killed one's leftovers and finishes.
    result = export(dumps, out, since="last")
    assert result.rows == 40_001 and not list(tmp_path.glob(".out.tmp-*"))


def test_a_swap_killed_between_its_two_renames_is_put_back(tmp_path):
    """Where renameat2 cannot exchange, the swap is two renames; a kill between them leaves
    `.OUT.old` and no OUT, which the next export restores before anything else."""
    dumps, out = tmp_path / "dumps", tmp_path / "out"
    write_dump(dumps, "20260101T080000Z", [article(1, T1)])
    export(dumps, out)
    out.rename(tmp_path / ".out.old")
    write_dump(dumps, "20260102T080000Z", [article(2, T2)])
    assert export(dumps, out, since="last").dumps_added == 1
    assert set(rows_of(out)) == {A, B} and not (tmp_path / ".out.old").exists()


def test_an_incremental_export_without_its_index_is_refused(tmp_path):
    dumps, out = tmp_path / "dumps", tmp_path / "out"
    write_dump(dumps, "20260101T080000Z", [article(1, T1)])
    export(dumps, out)
    (out / "export.sqlite").unlink()
    write_dump(dumps, "20260102T080000Z", [article(1, T2, "新")])
    before = snapshot(out)
    with pytest.raises(ExportError, match="export.sqlite is missing"):
        export(dumps, out, since="last")
    assert snapshot(out) == before and not list(tmp_path.glob(".out.tmp-*"))
