"""Downloader middlewares."""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import NotConfigured
from scrapy.utils.httpobj import urlparse_cached


class SiteProxyMiddleware:
    """Route every request for a site's hosts through the site's ``proxy``.

    Host-based rather than per-request so that requests Scrapy makes by itself
    (robots.txt, redirects) take the same route. Runs before RobotsTxtMiddleware.
    """

    def __init__(self, proxies: dict[str, str]) -> None:
        self.proxies = proxies

    @classmethod
    def from_crawler(cls, crawler: Any) -> "SiteProxyMiddleware":
        sites = getattr(crawler.spider, "sites", None) or []
        proxies = {}
        for site in sites:
            if site.proxy:
                for domain in site.allowed_domains:
                    proxies[domain] = site.proxy
        if not proxies:
            raise NotConfigured("no site sets a proxy")
        return cls(proxies)

    def process_request(self, request: Any) -> None:
        if "proxy" in request.meta:
            return None
        host = (urlparse_cached(request).hostname or "").lower()
        while host:
            proxy = self.proxies.get(host)
            if proxy:
                request.meta["proxy"] = proxy
                return None
            host = host.partition(".")[2]
        return None
