"""Checking the SQLite stores and rebuilding them from finished dumps (pipelines/stores/heal.py), on real files."""

from __future__ import annotations

import json
import logging

from pipelines.stores.heal import check_store, finished_dumps, heal
from pipelines.stores.repost_index import RepostIndex, fingerprint
from pipelines.stores.url_state import UrlStateStore
from pipelines.text.normalise import ScriptConverter

TEXT = "中铝山西企业深入开展党的群众路线教育实践活动，把满意写在员工群众的心坎上。" * 4


def row(n, url, text=TEXT, **kw):
    return {"id": f"{n:016x}", "url": url, "canonical_url": url, "text": text, "content_hash": f"h{n}",
            "fetched_at": "2026-11-23T16:48:41+00:00", "duplicate_of": None, **kw}


def write_dump(folder, run, rows, extra=""):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{run}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows) + extra, encoding="utf-8")


def test_missing_stores_are_rebuilt_only_when_there_are_dumps(tmp_path):
    assert heal(tmp_path / "state", tmp_path / "dumps", ["reposts", "urls", "templates"]) == []  # a first run
    assert not (tmp_path / "state" / "reposts.sqlite").exists()


def test_the_index_and_url_state_are_rebuilt_from_every_finished_dump(tmp_path, caplog):
    dumps = tmp_path / "dumps"
    write_dump(dumps, "20261101T000000Z", [row(1, "http://a.test/1"), row(2, "http://b.test/2", "另一篇完全不同的文章，讲的是铝价走势和有色金属市场的变化。" * 4)])
    write_dump(dumps, "20261102T000000Z", [row(3, "http://c.test/3", duplicate_of=f"{1:016x}"),  # mark mode: a repost
                                           row(1, "http://a.test/1", content_hash="h1-revised")],  # a revision
               extra="{torn line\n")
    (dumps / "20261103T000000Z.jsonl.part").write_text(json.dumps(row(9, "http://z.test/9")) + "\n")  # never finished
    assert [d.name for d in finished_dumps(dumps)] == ["20261101T000000Z.jsonl", "20261102T000000Z.jsonl"]
    with caplog.at_level(logging.WARNING):
        rebuilt = heal(tmp_path / "state", dumps, ["reposts", "urls"])
    assert [(r.store, r.reason, r.rows, r.dumps, r.bad_lines) for r in rebuilt] == [("reposts", "missing", 3, 2, 1), ("urls", "missing", 3, 2, 1)]
    assert "skipped 20261102T000000Z.jsonl line 3" in caplog.text

    index = RepostIndex(tmp_path / "state" / "reposts.sqlite").open()
    traditional = ScriptConverter().normalise_for_matching("中鋁山西企業深入開展黨的群眾路線教育實踐活動，把滿意寫在員工群眾的心坎上。" * 4)
    assert index.find(fingerprint(traditional)).article_id == f"{1:016x}"
    assert index.committed_runs() == {"20261101T000000Z", "20261102T000000Z"}
    urls = UrlStateStore(tmp_path / "state" / "urls.sqlite").open()
    assert urls.get("http://a.test/1").content_hash == "h1-revised"  # the later dump wins
    assert urls.get("http://a.test/1").dump == "20261102T000000Z.jsonl"
    assert urls.get("http://z.test/9") is None
    for store in ("reposts", "urls", "templates"):
        assert check_store(store, tmp_path / "state" / f"{store}.sqlite").state == ("missing" if store == "templates" else "ok")


def test_a_scribbled_store_is_moved_aside_and_rebuilt(tmp_path):
    dumps = tmp_path / "dumps"
    write_dump(dumps, "20261101T000000Z", [row(1, "http://a.test/1")])
    heal(tmp_path / "state", dumps, ["urls"])
    path = tmp_path / "state" / "urls.sqlite"
    path.write_bytes(path.read_bytes()[:100] + b"\xff" * (path.stat().st_size - 100))
    status = check_store("urls", path)
    assert status.state == "unreadable" and status.needs_rebuild(have_dumps=False)
    [rebuilt] = heal(tmp_path / "state", dumps, ["urls"])
    assert rebuilt.reason.startswith("unreadable") and rebuilt.moved_to.name.startswith("urls.sqlite.broken-")
    assert check_store("urls", path).state == "ok"
    assert rebuilt.moved_to.read_bytes().endswith(b"\xff" * 100)  # the old file is kept as it was
