"""Shared fixtures: the sample server on 127.0.0.1 and real crawls of it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "samples"))

from serve import SampleFamily, SampleServer, sites_file_for  # noqa: E402

from crawler.items import article_schema  # noqa: E402


@dataclass
class CrawlResult:
    returncode: int
    log: str
    dumps: list[Path]
    articles: list[dict]

    def by_url(self) -> dict[str, dict]:
        return {a["url"]: a for a in self.articles}


def read_dump(path: Path) -> list[dict]:
    """Parse a JSONL dump, validating every line against the committed schema."""
    validator = jsonschema.Draft202012Validator(article_schema())
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        row = json.loads(line)
        errors = sorted(validator.iter_errors(row), key=str)
        assert not errors, f"{path.name}:{n}: {errors[0].message}"
        rows.append(row)
    return rows


def crawl_command(workdir: Path, sites: Path, *settings: str) -> tuple[list[str], dict[str, str]]:
    """(argv, environment) of `scrapy crawl news` over workdir/dumps and workdir/state;
    later ``settings`` ("NAME=value") win over the defaults here."""
    cmd = [
        sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"sites={sites}",
        "-s", f"DUMPS_DIR={workdir / 'dumps'}", "-s", f"STATE_DIR={workdir / 'state'}",
        "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO",
    ]
    for s in settings:
        cmd += ["-s", s]
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.pop("REDIS_URL", None)  # one-process crawls, whatever the developer's shell has set
    env["PYTHONPATH"] = str(ROOT)
    return cmd, env


def run_crawl(workdir: Path, sites: Path, *settings: str, timeout: int = 180, args: tuple[str, ...] = ()) -> CrawlResult:
    """Run `scrapy crawl news` in a subprocess (a fresh reactor each time), in workdir.
    ``settings`` are `-s` values; ``args`` other command-line arguments (`-O out.jsonl`)."""
    dumps_dir = workdir / "dumps"
    cmd, env = crawl_command(workdir, sites, *settings)
    cmd += args
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    dumps = sorted(p for p in dumps_dir.glob("news/*.jsonl") if not p.name.endswith(".duplicates.jsonl"))
    articles = [row for d in dumps for row in read_dump(d)]
    return CrawlResult(proc.returncode, proc.stdout + proc.stderr, dumps, articles)


@pytest.fixture(scope="session")
def sample_server():
    """The sample family, read-only, shared by the tests that do not change it."""
    with SampleServer(0) as server:
        yield server


@pytest.fixture
def sample_sites(tmp_path, sample_server) -> Path:
    path = tmp_path / "sites.toml"
    path.write_text(sites_file_for(sample_server.port), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def sample_crawl(tmp_path_factory, sample_server) -> CrawlResult:
    """One full crawl of the sample family, shared by the assertions on its dump."""
    workdir = tmp_path_factory.mktemp("sample_crawl")
    sites = workdir / "sites.toml"
    sites.write_text(sites_file_for(sample_server.port), encoding="utf-8")
    result = run_crawl(workdir, sites)
    assert result.returncode == 0, result.log[-3000:]
    return result


@pytest.fixture(scope="session")
def family() -> SampleFamily:
    return SampleFamily()


@pytest.fixture
def live_family():
    """A family of our own, served by our own server: for tests that change what is published."""
    family = SampleFamily()
    with SampleServer(0, family) as server:
        yield family, server


def hold_back_tomorrow(family: SampleFamily):
    """Today every site publishes its originals, less one luan article. Returns (reposts by host,
    that article, publish): publish() puts tomorrow's pages up, the reposts of today's stories
    (on the mirror and the aggregator) and the held-back article."""
    reposts = {}
    for site in family.sites.values():
        reposts[site.host] = [p for p in site.placements if p.repost_of]
        site.placements = [p for p in site.placements if not p.repost_of]
    luan = family.sites["www.luan.test"]
    new_article = luan.placements.pop()

    def publish() -> None:
        for host, extra in reposts.items():
            family.sites[host].placements[:0] = extra
        luan.placements.insert(0, new_article)

    return reposts, new_article, publish


def build_stages(settings: dict | None = None):
    """The text stages as a crawl builds them (crawler.offline)."""
    from crawler.offline import build_stage_chain

    chain = build_stage_chain(settings)
    return chain.crawler, chain.stages


def process(stages, item):
    for stage in stages:
        item = stage.process_item(item)
    return item


def page_item(body: bytes, headers: dict, url: str):
    """An Article as the spider makes it from raw bytes and headers."""
    from crawler.items import Article
    from pipelines.text.charset import decode_body

    decoded = decode_body(body, headers, url)
    return decoded, Article(
        url=url, site=url.rsplit("/", 1)[-1], domain=url.split("/")[2],  # one site per fixture fetched_at="2026-01-01T00:00:00+00:00", http_status=200,
        encoding=decoded.encoding, encoding_source=decoded.source, warnings=list(decoded.warnings), html=decoded.text,
    )


@pytest.fixture
def redis_server(tmp_path):
    """A real redis-server on a free 127.0.0.1 port, empty, for one test (.ci/run installs it)."""
    from tests.local_redis import start_local_redis

    try:
        proc, port = start_local_redis(tmp_path)
    except FileNotFoundError:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed: tests/run.sh should have installed it")
        pytest.skip("redis-server is not installed (tests/run.sh installs the Debian package when it can)")
    except RuntimeError:
        pytest.fail("redis-server did not start")
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)
