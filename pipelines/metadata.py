"""Metadata stage: one value per field (title, published, modified, authors, editor, source)
from every candidate, with its provenance counted.

The candidates were read from the page in the page reader (``pipelines.text.metadata``); this
stage adds the ones from the text (lines the boilerplate stage took out, a dated lead) and
from the crawl (the sitemap or feed date), and what the run learns per site: the title
affixes a site adds to every title and the date lines every page of it repeats.

Stats: ``meta/<field>/<kind>`` (which kind of candidate won), ``meta/<field>/missing``,
``meta/<field>/disagree`` (candidates of the best kinds gave different values),
``meta/rejected/<field>/<reason>`` (values turned away: placeholders, ids, markup, the site's
own name, top-bar dates, dates after the fetch).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from itemadapter import ItemAdapter

from pipelines.extract import NotAnArticle
from pipelines.stores.paths import store_path
from pipelines.stores.site_metadata import SiteMetadataStore
from pipelines.text.metadata import (
    Candidate, SiteKnowledge, join_authors, line_field_candidates, parse_date, resolve, text_candidates,
)
from pipelines.text.normalise import is_chinese_text
from pipelines.text.ruby import MIN_GROUPS, remove_flattened_pinyin


class MetadataStage:
    def __init__(
        self, stats: Any, default_zone: str, site_zones: dict[str, str], min_pages: int = 3, store: SiteMetadataStore | None = None
    ) -> None:
        self.stats = stats
        self.default_zone = default_zone
        self.site_zones = site_zones
        self.min_pages = min_pages
        self.store = store
        # what earlier runs learned per site (META_PERSIST): a scheduled run sees few pages of each
        self.sites: dict[str, SiteKnowledge] = store.load(min_pages) if store else {}
        self.changed: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any) -> "MetadataStage":
        zone = crawler.settings.get("NEWS_TIMEZONE")
        try:
            ZoneInfo(zone)
        except Exception:
            raise ValueError(f"NEWS_TIMEZONE: not an IANA zone name: {zone!r}") from None
        min_pages = crawler.settings.getint("META_SITE_MIN_PAGES")
        if min_pages < 2:
            raise ValueError(f"META_SITE_MIN_PAGES must be at least 2, got {min_pages}")
        sites = getattr(crawler.spider, "sites", []) if crawler.spider else []
        # (in Redis mode each worker learns over its own run: the knowledge is not shared)
        persist = crawler.settings.getbool("META_PERSIST") and not crawler.settings.get("REDIS_URL")
        store = SiteMetadataStore(store_path(crawler.settings, "site_metadata")) if persist else None
        return cls(crawler.stats, zone, {s.name: s.timezone for s in sites if s.timezone}, min_pages, store)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        site = adapter.get("site") or ""
        meta = adapter.get("page_meta")
        text = adapter.get("text") or ""
        extra: list[Candidate] = line_field_candidates(adapter.get("line_fields") or {}) + text_candidates(text)
        hint = adapter.get("date_hint")
        if hint and (iso := parse_date(hint)):
            # a sitemap or feed entry's date, else htmldate's from markup and URL
            extra.append(Candidate("published", "feed" if adapter.get("discovered_via") in ("sitemap", "feed") else "markup", iso))
        knowledge = self.sites.setdefault(site, SiteKnowledge(self.min_pages))
        if meta is not None and knowledge.observe(meta, adapter.get("canonical_url") or adapter.get("url") or ""):
            self.changed.add(site)
        zone = self.site_zones.get(site, self.default_zone)
        # (a Chinese title is one even when little text was kept: "…决议__…公报_中国政府网")
        chinese = is_chinese_text(text) or is_chinese_text(adapter.get("title") or (meta.title_tag if meta is not None else None) or "")
        found = resolve(meta, extra, knowledge, adapter.get("fetched_at"), zone, adapter.get("title"), chinese)
        adapter["page_meta"] = adapter["line_fields"] = None
        # Without an article_pattern, a page is news only with evidence of a publication date:
        # a date line, date markup or URL, or a sitemap/feed entry. About pages have none.
        if adapter.get("url_is_article") is None and not (found.dated or adapter.get("discovered_via") in ("sitemap", "feed")):
            raise NotAnArticle("no publication date: not a news article")
        title = found.title  # (the extractor's title was a candidate: None when it is the site's name)
        if title:
            # A title is short: annotate it when the body was annotated.
            title, _ = remove_flattened_pinyin(title, min_groups=1 if adapter.get("pinyin_in_text") else MIN_GROUPS)
        adapter["pinyin_in_text"] = None
        adapter["title"] = title
        adapter["published"] = found.published
        adapter["modified"] = found.modified
        adapter["authors"] = found.authors
        adapter["author"] = join_authors(found.authors)
        adapter["editor"] = found.editor
        adapter["source"] = found.source
        self._count(found)
        return item

    def close_spider(self) -> None:
        if self.store is not None and self.changed:
            self.store.save(self.sites, self.changed)
            self.changed.clear()

    def _count(self, found: Any) -> None:
        for name in ("title", "published", "modified", "authors", "editor", "source"):
            kind = found.provenance.get(name)
            self.stats.inc_value(f"meta/{name}/{kind}" if kind else f"meta/{name}/missing")
        for name in found.disagreements:
            self.stats.inc_value(f"meta/{name}/disagree")
        for key, n in found.rejected.items():
            self.stats.inc_value(f"meta/rejected/{key}", n)
