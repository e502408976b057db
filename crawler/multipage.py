"""Multi-page articles in the crawl: the setting, and a story while its pages are fetched.

The spider (crawler/spiders/news.py) reads a first page, sees from its pager
(pipelines/text/pager.py) that the article goes on, and fetches the following pages one
after the other, carrying a ``Story`` in the requests' ``cb_kwargs``. When the pager ends
(or loops back, or MULTIPAGE_MAX_PAGES is reached, or a page fails) the story becomes one
``Article``: the first page's item with the joined extraction and ``pages``. The stages
then see one story: the template model, the fingerprint and dedup read the joined text,
and the URL state records every page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crawler.items import Article
from pipelines.text.pager import join_pages


@dataclass(frozen=True)
class MultipageConfig:
    enabled: bool = True
    max_pages: int = 20

    @classmethod
    def from_settings(cls, settings: Any) -> "MultipageConfig":
        raw = settings.get("MULTIPAGE_MAX_PAGES")
        try:
            max_pages = int(raw)
        except (TypeError, ValueError):
            raise ValueError(f"MULTIPAGE_MAX_PAGES must be a whole number >= 2, got {raw!r}") from None
        if max_pages < 2 or str(raw).strip() not in (str(max_pages), f"{max_pages}.0"):
            raise ValueError(f"MULTIPAGE_MAX_PAGES must be a whole number >= 2, got {raw!r}")
        return cls(enabled=settings.getbool("MULTIPAGE_ENABLED"), max_pages=max_pages)


@dataclass
class Story:
    """A multi-page article whose pages are being fetched."""

    head: Article  # the first page's item (url, fetch data, its extraction)
    depth: int  # the first page's depth: later pages' links are followed from there
    pages: list[str] = field(default_factory=list)  # URLs read, in page order
    extractions: list[tuple[Any, ...]] = field(default_factory=list)  # their ("ok", found, n_ruby)
    warnings: list[str] = field(default_factory=list)  # the pages' decoding warnings
    seen: set[str] = field(default_factory=set)  # every URL requested for this story, no fragment (loop detection)

    @classmethod
    def start(cls, head: Article, depth: int) -> "Story":
        story = cls(head, depth)
        story.add(head.url, head.extraction, head.warnings)
        return story

    def add(self, url: str, extraction: tuple[Any, ...], warnings: list[str]) -> None:
        self.pages.append(url)
        self.extractions.append(extraction)
        self.mark_requested(url)
        self.warnings.extend(w for w in warnings if w not in self.warnings)

    def mark_requested(self, url: str) -> bool:
        """Note that ``url`` is requested for this story; False when it was already (a loop)."""
        key = url.split("#", 1)[0]
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def article(self, *flags: str) -> Article:
        """The story as one item. ``flags``: multipage-incomplete, multipage-truncated."""
        item = self.head
        item.extraction = ("ok", join_pages([e[1] for e in self.extractions]), sum(e[2] for e in self.extractions))
        item.pages = list(self.pages)
        item.warnings = self.warnings + [f for f in flags if f not in self.warnings]
        return item
