"""The sites file: valid files load, malformed ones stop the run naming site and key."""

from __future__ import annotations

import subprocess
import sys

import pytest

from crawler.sites import SitesFileError, load_sites
from tests.conftest import ROOT

GOOD = """
[[site]]
name = "a"
start_urls = ["https://news.example.cn/"]
sitemaps = ["https://news.example.cn/sitemap.xml"]
article_pattern = '/\\d{4}/\\d{2}/'
max_depth = 2
download_delay = 1.5
timezone = "Asia/Hong_Kong"

[[site]]
name = "b"
feeds = ["http://b.example.com.cn/rss.xml"]
allowed_domains = ["example.com.cn"]
"""


def write(tmp_path, text):
    p = tmp_path / "sites.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_valid_file_loads_with_defaults(tmp_path):
    a, b = load_sites(write(tmp_path, GOOD))
    assert a.allowed_domains == ("news.example.cn",)
    assert a.is_article_url("https://news.example.cn/2023/02/x.html") is True
    assert a.is_article_url("https://news.example.cn/list/") is False
    assert (a.max_depth, a.download_delay, a.timezone) == (2, 1.5, "Asia/Hong_Kong")
    assert b.is_article_url("http://b.example.com.cn/x") is None
    assert b.owns("http://www.example.com.cn/a") and not b.owns("http://example.org/")


@pytest.mark.parametrize(
    "body, site, key",
    [
        ('[[site]]\nname = "x"\nstart_urls = "ftp://x.cn/"\n', "x", "start_urls"),
        ('[[site]]\nname = "x"\nstart_urls = ["file:///etc/passwd"]\n', "x", "start_urls"),
        ('[[site]]\nname = "x"\nstart_urls = ["http://x.cn/"]\narticle_pattern = "([a-"\n', "x", "article_pattern"),
        ('[[site]]\nname = "x"\nstart_urls = ["http://x.cn/"]\nmax_depth = "3"\n', "x", "max_depth"),
        ('[[site]]\nname = "x"\nstart_urls = ["http://x.cn/"]\ndownload_delay = -1\n', "x", "download_delay"),
        ('[[site]]\nname = "x"\nstart_urls = ["http://x.cn/"]\nallowed_domains = ["y.cn"]\n', "x", "allowed_domains"),
        ('[[site]]\nname = "x"\nstart_urls = ["http://x.cn/"]\nstart_url = ["http://x.cn/"]\n', "x", "start_url"),
        ('[[site]]\nname = "x"\n', "x", "start_urls"),
        ('[[site]]\nname = "x"\nstart_urls = ["http://x.cn/"]\ntimezone = "Mars/Base"\n', "x", "timezone"),
        ('[[site]]\nstart_urls = ["http://x.cn/"]\n', "#1", "name"),
    ],
)
def test_malformed_site_names_site_and_key(tmp_path, body, site, key):
    with pytest.raises(SitesFileError) as err:
        load_sites(write(tmp_path, body))
    assert site in str(err.value) and repr(key) in str(err.value)


def test_duplicate_names_and_bad_toml(tmp_path):
    with pytest.raises(SitesFileError, match="'name' is used by two sites"):
        load_sites(write(tmp_path, '[[site]]\nname="x"\nfeeds=["http://x.cn/f"]\n[[site]]\nname="x"\nfeeds=["http://y.cn/f"]\n'))
    with pytest.raises(SitesFileError, match="not valid TOML"):
        load_sites(write(tmp_path, "[[site]\n"))


def test_crawl_with_malformed_file_stops_at_once(tmp_path):
    bad = write(tmp_path, '[[site]]\nname = "broken"\nstart_urls = ["http://127.0.0.1:9/"]\nmax_depth = -4\n')
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"sites={bad}", "-s", f"DUMPS_DIR={tmp_path / 'd'}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode != 0
    assert "site 'broken': key 'max_depth'" in proc.stderr
    assert "Spider opened" not in proc.stderr
