"""Safe defaults of crawler/settings.py, as Scrapy sees them."""

from scrapy.utils.project import get_project_settings


def test_safe_defaults(monkeypatch):
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    s = get_project_settings()
    assert s.getbool("ROBOTSTXT_OBEY") is True
    assert s.getbool("TELNETCONSOLE_ENABLED") is False
    assert s.getbool("REMOTE_CONTROL_ENABLED") is False
    assert 0 < s.getint("DOWNLOAD_WARNSIZE") < s.getint("DOWNLOAD_MAXSIZE") <= 64 * 1024 * 1024
    handlers = s.getdict("DOWNLOAD_HANDLERS")
    assert all(handlers.get(scheme, "missing") is None for scheme in ("file", "s3", "ftp", "data"))
    assert s.getbool("AUTOTHROTTLE_ENABLED") is True
    assert "contact" in s.get("USER_AGENT")
    assert s.get("FEED_EXPORT_ENCODING") == "utf-8"
