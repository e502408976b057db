"""Read a fetched page once, off the reactor: decode, parse, links, article.

The spider hands every HTML response to a ``PageReader``. In a worker process
(``EXTRACT_WORKERS``; in the crawl process when 0) ``read_page`` decodes the body
with a verified charset, parses it once, reads the followable links from that tree
and, when the page may be an article, gives the same tree to extraction. Only the
small result comes back: the reactor thread never parses a page, the worker gets
the page as bytes (no text to encode and pickle), and the links no longer cost a
second parse (they were 16% of the crawl's CPU with Scrapy's LinkExtractor).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import AbstractSet, Any

from crawler.links import PageLink, SiteLinks
from crawler.profiles import SiteProfiles
from pipelines.text.article_html import ExtractConfig, parse_html
from pipelines.text.charset import decode_body
from pipelines.extract import extract_config
from pipelines.text.extract_pool import ExtractPool, WorkerCrashed, extract_page
from pipelines.text.pager import Pager, read_pager
from pipelines.text.prepared import Prepared, prepare_article
from pipelines.text.profile import Plan, ProfileReport, read_with_plan
from pipelines.text.ruby import strip_ruby_markup

logger = logging.getLogger(__name__)


@dataclass
class PageReading:
    encoding: str
    encoding_source: str
    declared: str | None
    warnings: list[str]  # decoding warnings, and "nul-bytes" when stray NULs were dropped
    links: list[PageLink] = field(default_factory=list)
    # extract_page's result when the page may be an article, else None
    extraction: tuple[Any, ...] | None = None
    # what the page's pager says (multi-page articles), read when the page may be an article
    pager: Pager | None = None
    # what the worker did with the site profile's plan (fast or full path, guard, what it learned)
    profile: ProfileReport | None = None
    # the stages' pure work on the extracted article (pipelines.text.prepared), when extracted
    prepared: Prepared | None = None

    @property
    def overridden(self) -> bool:
        return "charset-overridden" in self.warnings


def read_page(
    body: bytes, content_type: str, url: str, links: SiteLinks | None, config: ExtractConfig | None,
    known_article: bool, story: tuple[str, int] | None = None, plan: Plan | None = None,
    template_lines: AbstractSet[int] = frozenset(), crash_marker: str = "",
) -> PageReading:
    """One page, read once. ``links``: the site's link rules, None when links are not wanted
    (depth reached). ``config``: extraction settings, None when the page is not an article.
    ``story``: (first page URL, this page's position) when the page is a later page of a
    multi-page article being followed; its pager is read when ``config`` is set.
    ``plan``: the site profile's plan for the page (crawler/profiles.py), None without one.
    ``template_lines``: the site's template line keys now (for ``prepare_article``)."""
    decoded = decode_body(body, {"content-type": content_type}, url)
    text, warnings = decoded.text, list(decoded.warnings)
    if "\x00" in text:
        # Stray NUL bytes (broken CMS output): dropped, the page is read without them.
        text = text.replace("\x00", "")
        warnings.append("nul-bytes")
    reading = PageReading(decoded.encoding, decoded.source, decoded.declared, warnings)
    if crash_marker and crash_marker in text:
        os._exit(70)  # fault injection for tests: a poisoned page that kills its worker
    html, n_ruby = strip_ruby_markup(text) if config is not None else (text, 0)
    tree = parse_html(html)
    if links is not None:
        # Before extraction, which prunes the tree. Without a tree (trafilatura's loader
        # refused the page) the link finder parses it its own way.
        reading.links = links.extract(html, url, root=tree)
    if config is not None:
        # Also before extraction prunes the tree: the pager is often outside the article block.
        reading.pager = read_pager(tree, url, *(story or (None, 1)))
        if plan is None:
            reading.extraction = extract_page(html, url, config, known_article, tree=tree, ruby_removed=n_ruby)
        else:
            reading.extraction, reading.profile = read_with_plan(html, url, config, known_article, tree, n_ruby, plan, extract_page)
        if reading.extraction[0] == "ok":
            found = reading.extraction[1]
            try:
                reading.prepared = prepare_article(found.text, found.title, found.alternative, found.html_lang, template_lines)
            except Exception:  # the stages do the work themselves, and report what fails there
                logger.debug("Preparing %s failed; left to the stages", url, exc_info=True)
    return reading


class PageReader:
    """Reads pages in a pool of worker processes (or in this process), awaited by the spider,
    so downloads go on meanwhile."""

    def __init__(self, config: ExtractConfig, pool: ExtractPool | None, crawler: Any, profiles: SiteProfiles | None = None) -> None:
        self.config = config
        self.pool = pool
        self.crawler = crawler  # its stats exist once the crawl starts, after the spider is built
        self.profiles = profiles  # PROFILES_ENABLED: the site profiles, learned and used here

    @classmethod
    def from_crawler(cls, crawler: Any) -> "PageReader":
        s = crawler.settings
        raw_workers = s.get("EXTRACT_WORKERS")
        workers = (os.cpu_count() or 1) if raw_workers in (None, "", "auto") else int(raw_workers)
        if workers < 0:
            raise ValueError(f"EXTRACT_WORKERS must be 'auto' or a number >= 0, got {raw_workers!r}")
        # trafilatura warns "discarding data" for every list page; the extraction stage reports
        # and counts that outcome itself (NotAnArticle), so its own warnings would only be noise.
        logging.getLogger("trafilatura").setLevel(logging.ERROR)
        config = extract_config(s)
        profiles = SiteProfiles.from_crawler(crawler)  # (a bad PROFILE_* value stops the start here)
        pool = None
        if workers:
            pool = ExtractPool(workers, s.get("EXTRACT_CRASH_MARKER") or "", preload=(__name__,))
            pool.start()
        return cls(config, pool, crawler, profiles)

    async def read(
        self, body: bytes, content_type: str, url: str, links: SiteLinks | None, article: bool, known_article: bool,
        story: tuple[str, int] | None = None, site: str | None = None,
    ) -> PageReading:
        """Raises WorkerCrashed when the page kills a worker twice (counted, logged).
        ``site``: the page's site, for its profile (None: no profile, the full path)."""
        config = self.config if article else None
        plan = self.profiles.plan(site, url, known_article) if self.profiles and site and config and not story else None
        template = getattr(self.crawler, "template_stage", None)  # (None: TEMPLATE_ENABLED off)
        lines = template.model.template_keys(site) if template is not None and site and config else frozenset()
        if self.pool is None:  # (the crash marker is a worker fault: it never kills the crawl process)
            reading = read_page(body, content_type, url, links, config, known_article, story, plan, lines)
        else:
            try:
                reading = await self.pool.run(read_page, body, content_type, url, links, config, known_article, story, plan, lines)
            except WorkerCrashed:
                self.crawler.stats.inc_value("extract/error/WorkerCrashed")
                logger.error("Extraction worker crashed on %s twice: page dropped", url)
                raise
            finally:
                self.crawler.stats.set_value("extract/worker_restarts", self.pool.restarts)
        if plan is not None:
            self.profiles.report(site, url, reading.extraction, reading.profile)
        return reading

    def close(self) -> None:
        if self.profiles is not None:
            self.profiles.close()
        if self.pool is not None:
            self.pool.close()
