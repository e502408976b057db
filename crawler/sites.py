"""The sites file: one ``[[site]]`` TOML table per site, validated at start-up.

A malformed file stops the run before any request, with an error naming the
site and the key (``SitesFileError``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_URL_KEYS = ("start_urls", "sitemaps", "feeds")
_KNOWN_KEYS = {
    "name", "start_urls", "sitemaps", "feeds", "allowed_domains", "article_pattern",
    "follow_pattern", "deny_pattern", "max_depth", "download_delay", "timezone", "proxy", "outlet",
}


class SitesFileError(ValueError):
    """The sites file cannot be used; the message names the site and the key."""


@dataclass(frozen=True)
class SiteConfig:
    name: str
    start_urls: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    article_pattern: re.Pattern[str] | None = None
    follow_pattern: re.Pattern[str] | None = None
    deny_pattern: re.Pattern[str] | None = None
    max_depth: int = 3
    download_delay: float | None = None
    timezone: str | None = None
    proxy: str | None = None
    outlet: tuple[str, ...] = ()  # names of the outlet this site is (for telling originals from reposts)
    hosts: frozenset[str] = field(default_factory=frozenset)

    def owns(self, url: str) -> bool:
        """True when url is on one of this site's domains (or their subdomains)."""
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)

    def is_article_url(self, url: str) -> bool | None:
        """True/False when article_pattern decides; None when extraction must decide."""
        if self.article_pattern is None:
            return None
        return bool(self.article_pattern.search(url))


def _fail(where: str, key: str, problem: str) -> SitesFileError:
    return SitesFileError(f"{where}: key {key!r} {problem}")


def _http_url(value: Any, where: str, key: str) -> str:
    if not isinstance(value, str):
        raise _fail(where, key, f"must hold URL strings, got {value!r}")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _fail(where, key, f"must hold http(s) URLs with a host, got {value!r}")
    return value


def _regex(value: Any, where: str, key: str) -> re.Pattern[str] | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _fail(where, key, f"must be a regular expression string, got {value!r}")
    try:
        return re.compile(value)
    except re.error as exc:
        raise _fail(where, key, f"is not a valid regular expression ({exc})") from None


def parse_site(raw: Any, index: int, default_max_depth: int = 3) -> SiteConfig:
    where = f"site #{index + 1}"
    if not isinstance(raw, dict):
        raise SitesFileError(f"{where}: must be a [[site]] table")
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise _fail(where, "name", f"must be a short name of letters, digits, '_', '.', '-', got {name!r}")
    where = f"site {name!r}"
    unknown = sorted(set(raw) - _KNOWN_KEYS)
    if unknown:
        raise _fail(where, unknown[0], f"is not a known key (known: {', '.join(sorted(_KNOWN_KEYS))})")

    lists: dict[str, tuple[str, ...]] = {}
    for key in _URL_KEYS:
        value = raw.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise _fail(where, key, f"must be a list of URLs, got {value!r}")
        lists[key] = tuple(_http_url(v, where, key) for v in value)
    if not any(lists.values()):
        raise _fail(where, "start_urls", "is empty and so are 'sitemaps' and 'feeds': nothing to crawl")

    hosts = frozenset((urlsplit(u).hostname or "").lower() for v in lists.values() for u in v)
    domains = raw.get("allowed_domains")
    if domains is None:
        domains = sorted(hosts)
    if not isinstance(domains, list) or not all(isinstance(d, str) and d and "/" not in d and ":" not in d for d in domains):
        raise _fail(where, "allowed_domains", f"must be a list of bare domain names, got {domains!r}")
    domains = [d.lower().lstrip(".") for d in domains]
    outside = [h for h in hosts if not any(h == d or h.endswith("." + d) for d in domains)]
    if outside:
        raise _fail(where, "allowed_domains", f"does not cover the host {outside[0]!r} of the site's own URLs")

    max_depth = raw.get("max_depth", default_max_depth)
    if not isinstance(max_depth, int) or isinstance(max_depth, bool) or not 0 <= max_depth <= 20:
        raise _fail(where, "max_depth", f"must be an integer from 0 to 20, got {max_depth!r}")
    delay = raw.get("download_delay")
    if delay is not None and (isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= 3600):
        raise _fail(where, "download_delay", f"must be a number of seconds from 0 to 3600, got {delay!r}")
    tz = raw.get("timezone")
    if tz is not None:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise _fail(where, "timezone", f"must be an IANA zone name such as 'Asia/Shanghai', got {tz!r}") from None
    proxy = raw.get("proxy")
    if proxy is not None:
        _http_url(proxy, where, "proxy")
    outlet = raw.get("outlet", [])
    if isinstance(outlet, str):
        outlet = [outlet]
    if not isinstance(outlet, list) or not all(isinstance(o, str) and o.strip() for o in outlet):
        raise _fail(where, "outlet", f"must be a name or a list of names, got {outlet!r}")

    return SiteConfig(
        name=name,
        start_urls=lists["start_urls"],
        sitemaps=lists["sitemaps"],
        feeds=lists["feeds"],
        allowed_domains=tuple(domains),
        article_pattern=_regex(raw.get("article_pattern"), where, "article_pattern"),
        follow_pattern=_regex(raw.get("follow_pattern"), where, "follow_pattern"),
        deny_pattern=_regex(raw.get("deny_pattern"), where, "deny_pattern"),
        max_depth=max_depth,
        download_delay=float(delay) if delay is not None else None,
        timezone=tz,
        proxy=proxy,
        outlet=tuple(outlet),
        hosts=hosts,
    )


def load_sites(path: str | Path, default_max_depth: int = 3) -> list[SiteConfig]:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SitesFileError(f"{path}: sites file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise SitesFileError(f"{path}: not valid TOML ({exc})") from None
    extra = sorted(set(data) - {"site"})
    if extra:
        raise SitesFileError(f"{path}: unknown top-level key {extra[0]!r}; sites are [[site]] tables")
    raw_sites = data.get("site")
    if not isinstance(raw_sites, list) or not raw_sites:
        raise SitesFileError(f"{path}: no [[site]] tables")
    sites = [parse_site(raw, i, default_max_depth) for i, raw in enumerate(raw_sites)]
    seen: set[str] = set()
    for s in sites:
        if s.name in seen:
            raise SitesFileError(f"{path}: site {s.name!r}: key 'name' is used by two sites")
        seen.add(s.name)
    return sites
