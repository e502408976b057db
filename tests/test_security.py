"""The security pass (README "Security"): one test per promise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import XmlResponse
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from crawler.sites import SitesFileError, load_sites
from crawler.spiders.news import NewsSpider
from tests.conftest import ROOT, run_crawl
from tests.fault_server import CLOSED_HOST, HOST
from tests.test_faults import fault_server, mixed_crawl  # noqa: F401 (shared module fixtures)


def test_robots_txt_is_obeyed(mixed_crawl, fault_server):  # noqa: F811
    _, manifest, _ = mixed_crawl
    # closed.test forbids everything: its robots.txt was read, its page never asked for.
    assert fault_server.family.hits.get(f"//{CLOSED_HOST}/robots.txt") == 1
    assert f"//{CLOSED_HOST}/news/1.html" not in fault_server.family.hits
    assert manifest["sites"]["closed"]["errors_by_kind"] == {"robots_disallowed": 1}
    # The sample site's Disallow: /admin/ holds too.
    assert manifest["sites"]["cnmn"]["errors_by_kind"]["robots_disallowed"] == 1


def test_offsite_requests_and_redirects_are_filtered(mixed_crawl, fault_server):  # noqa: F811
    result, manifest, _ = mixed_crawl
    # /fault/away.html redirects to elsewhere.test: refused, never requested.
    assert "elsewhere.test" not in fault_server.family.hosts_asked
    assert manifest["stats"]["faults/offsite_redirect"] == 1
    assert all(r["domain"].endswith(".test") and r["domain"] != "elsewhere.test" for r in result.articles)


def test_no_file_data_or_ftp_requests(mixed_crawl, tmp_path):  # noqa: F811
    _, manifest, _ = mixed_crawl
    # Redirects to file:// and ftp:// are refused before any handler sees them...
    assert manifest["stats"]["faults/redirect_bad_scheme"] == 2
    assert not any("file" in k or "ftp" in k for k in manifest["stats"] if k.startswith("downloader/request_method"))
    # ...the sites file cannot name such URLs...
    for url in ("file:///etc/passwd", "data:text/html,<p>x</p>", "ftp://127.0.0.1/x", "s3://bucket/key"):
        path = tmp_path / "sites.toml"
        path.write_text(f'[[site]]\nname = "x"\nstart_urls = ["{url}"]\n', encoding="utf-8")
        with pytest.raises(SitesFileError, match="start_urls"):
            load_sites(path)
    # ...and the handlers for them are switched off all the same.
    handlers = get_project_settings().getdict("DOWNLOAD_HANDLERS")
    assert all(handlers.get(s, "missing") is None for s in ("file", "data", "ftp", "s3"))


def _spider(tmp_path: Path) -> NewsSpider:
    sites = tmp_path / "sites.toml"
    sites.write_text(f'[[site]]\nname = "cnmn"\nstart_urls = ["http://{HOST}/"]\n', encoding="utf-8")
    # Parsing only, no crawl: no reactor, and no run-level extensions (the STATE_DIR lock, the dump finaliser).
    settings = {**dict(get_project_settings()), "TWISTED_REACTOR_ENABLED": False, "EXTENSIONS": {}}
    crawler = get_crawler(NewsSpider, settings)
    crawler.spider = NewsSpider.from_crawler(crawler, sites=str(sites))
    return crawler.spider


@pytest.mark.parametrize("kind", ["sitemap", "feed"])
def test_xml_is_parsed_without_resolving_entities(tmp_path, monkeypatch, kind):
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER", encoding="utf-8")
    doctype = f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}"><!ENTITY a "aaaaaaaaaa">]>'
    if kind == "sitemap":
        body = (f'<?xml version="1.0"?>{doctype}<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<url><loc>http://{HOST}/news/&xxe;.html</loc></url><url><loc>http://{HOST}/news/ok.html</loc></url></urlset>")
    else:
        body = (f'<?xml version="1.0"?>{doctype}<rss version="2.0"><channel>'
                f"<item><link>http://{HOST}/news/&xxe;.html</link></item><item><link>http://{HOST}/news/ok.html</link></item></channel></rss>")
    spider = _spider(tmp_path)
    url = f"http://{HOST}/{kind}.xml"
    response = XmlResponse(url, body=body.encode(), request=Request(url, meta={"site": "cnmn"}))
    parse = spider.parse_sitemap if kind == "sitemap" else spider.parse_feed
    urls = [r.url for r in parse(response)]
    assert f"http://{HOST}/news/ok.html" in urls
    assert not any("SECRET" in u for u in urls), urls
    assert spider.crawler.stats.get_value("faults/xml_entities_ignored") == 1


def test_telnet_and_remote_control_are_off(mixed_crawl):  # noqa: F811
    result, manifest, _ = mixed_crawl
    settings = get_project_settings()
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
    # And in a real crawl: no console was started, nothing listens.
    assert "Telnet console listening" not in result.log
    assert "TelnetConsole" not in result.log.split("Enabled extensions:")[1].split("]")[0]


def _tree(root: Path) -> set[Path]:
    skip = {".git", ".venv", "__pycache__", ".pytest_cache"}
    return {p for p in root.rglob("*") if not skip & set(p.relative_to(root).parts)}


def test_the_sites_file_cannot_write_outside_dumps_and_state(tmp_path, sample_server):
    # Names that look like paths are refused outright...
    for name in ("../../etc", "/tmp/x", "a/b", "..", ""):
        path = tmp_path / "bad.toml"
        path.write_text(f'[[site]]\nname = "{name}"\nstart_urls = ["http://{HOST}/"]\n', encoding="utf-8")
        with pytest.raises(SitesFileError, match="name"):
            load_sites(path)
    # ...and a crawl with path-like URLs writes only under DUMPS_DIR and STATE_DIR.
    work = tmp_path / "work"
    work.mkdir()
    sites = work / "sites.toml"
    sites.write_text(
        '[[site]]\nname = "cnmn.x-1"\n'
        f'start_urls = ["http://{HOST}/", "http://{HOST}/../../../../tmp/escape.html", "http://{HOST}/%2e%2e/%2e%2e/state"]\n'
        f'proxy = "{sample_server.proxy}"\n',
        encoding="utf-8",
    )
    repo_before = _tree(ROOT)
    result = run_crawl(work, sites)
    assert result.returncode == 0, result.log[-2000:]
    assert result.articles, "the crawl dumped nothing"
    written = {p.relative_to(work) for p in _tree(work)} - {Path("sites.toml")}
    assert written and all(p.parts[0] in ("dumps", "state") for p in written), sorted(map(str, written))
    assert _tree(ROOT) - repo_before == set()
    assert not Path("/tmp/escape.html").exists()
    assert json.loads(next((work / "dumps" / "news").glob("*.manifest.json")).read_text())["exit_status"] == 0
