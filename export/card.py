"""The dataset card of an export (OUT/README.md): what is in it and how to load it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from export.schema import describe_fields

_RUNS_LISTED = 30  # the card names this many runs at most; export.json lists every dump


def write_card(path: Path, record: dict[str, Any], json_schema: dict[str, Any]) -> None:
    fmt = record["format"]
    pattern = f"data/*.{fmt}"
    loader = "parquet" if fmt == "parquet" else "json"
    duck = f"read_parquet('{pattern}')" if fmt == "parquet" else f"read_json_auto('{pattern}', format='newline_delimited')"
    pandas = ("pd.read_parquet('data/')" if fmt == "parquet"
              else "pd.concat(pd.read_json(p, lines=True) for p in sorted(glob.glob('data/*.jsonl')))")
    runs = sorted({rel.split("/", 1)[1][: -len(".jsonl")] for rel in record["dumps"]})
    counts = record["counts"]
    lines = [
        "---",
        "configs:",
        "- config_name: default",
        f"  data_files: \"{pattern}\"",
        "---",
        "",
        "# zh-news-corpus export",
        "",
        f"{record['rows']:,} articles, one row each: the latest revision of every article id in "
        f"{len(record['dumps'])} dumps ({len(runs)} runs), "
        + ("reposts included, each with `duplicate_of` (the id of the article it reposts, which may be "
           "outside this export)." if record["with_duplicates"] else "reposts left out.")
        + (f" Sites: {', '.join(record['sites'])}." if record["sites"] else ""),
        "",
        f"Written by `scrapy export` at {record['exported_at']}, {len(record['shards'])} "
        f"{'zstd Parquet' if fmt == 'parquet' else 'JSON Lines'} shards in `data/`. `export.json` lists every "
        "dump included, the shards and the export's history; `export.sqlite` is the index the next "
        "`scrapy export --since last` builds on.",
        "",
        "## Load it",
        "",
        "```python",
        "from datasets import load_dataset",
        f"ds = load_dataset(\"{loader}\", data_files=\"{pattern}\", split=\"train\")",
        "```",
        "",
        "```python",
        "import duckdb",
        f"duckdb.sql(\"SELECT site, count(*) FROM {duck} GROUP BY site\").show()",
        "```",
        "",
        "```python",
        *(["import glob"] if fmt != "parquet" else []),
        "import pandas as pd",
        f"df = {pandas}",
        "```",
        "",
        "Timestamps are ISO 8601 strings, as in the dumps: `fetched_at` in UTC, `published` a date or a "
        "date-time with the page's own offset (cast with `CAST(fetched_at AS TIMESTAMPTZ)` in DuckDB or "
        "`pd.to_datetime(df.fetched_at)`). Lists (`warnings`, `pages`, ...) are lists.",
        "",
        "## Runs included",
        "",
    ]
    shown = runs if len(runs) <= _RUNS_LISTED else runs[: _RUNS_LISTED // 2] + ["…"] + runs[-_RUNS_LISTED // 2:]
    lines += [f"{len(runs)} runs, from `{runs[0]}` to `{runs[-1]}`:" if runs else "No runs.", ""]
    lines += [f"- `{r}`" if r != "…" else f"- … ({len(runs) - _RUNS_LISTED} more in `export.json`)" for r in shown]
    for key, title in (("site", "site"), ("year", "year published"), ("script", "script")):
        lines += ["", f"## Articles per {title}", "", f"| {key} | articles |", "|---|---|"]
        lines += [f"| {k} | {v:,} |" for k, v in counts.get(key, {}).items()]
    lines += ["", "## Fields", "", "| field | Arrow type | meaning |", "|---|---|---|"]
    lines += [f"| `{name}` | `{kind}` | {desc.replace('|', '/')} |" for name, kind, desc in describe_fields(json_schema)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
