"""URL-state stage: remember what each kept article's URL gave, for the next runs.

The last stage. It notes url, canonical URL, id, content hash, fetch time, ETag
and Last-Modified of every article that leaves the pipeline, one row per page of a
multi-page article (so a later page reached on its own is known too); the dump finaliser
writes them to STATE_DIR/urls.sqlite once the dump is in place (``commit``).
The incremental-fetch middleware (crawler.middlewares) reads them.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured

from pipelines.stores.redis_state import shared_state
from pipelines.stores.url_state import UrlState, UrlStateStore
from pipelines.stores.paths import store_path


def url_state_path(settings: Any) -> Path:
    return store_path(settings, "urls")


def open_url_states(crawler: Any) -> Any:
    """The per-URL state store: STATE_DIR/urls.sqlite, or Redis in distributed mode."""
    if crawler.settings.get("REDIS_URL"):
        return shared_state(crawler).url_states()
    return UrlStateStore(url_state_path(crawler.settings)).open()


class UrlStateStage:
    def __init__(self, store: UrlStateStore, stats: Any) -> None:
        self.store = store
        self.stats = stats
        self.pending: dict[str, list[UrlState]] = {}  # article id -> its pages' states (committed with the dump)
        self.non_articles: dict[str, UrlState] = {}  # url -> state of a page that is not an article

    @classmethod
    def from_crawler(cls, crawler: Any) -> "UrlStateStage":
        if not crawler.settings.getbool("INCREMENTAL_ENABLED"):
            raise NotConfigured("INCREMENTAL_ENABLED is off")
        stage = cls(open_url_states(crawler), crawler.stats)
        crawler.url_state_stage = stage  # the dump finaliser commits through it
        crawler.signals.connect(stage.item_dropped, signal=signals.item_dropped)
        return stage

    def item_dropped(self, item: Any, response: Any, exception: BaseException, spider: Any = None) -> None:
        """Remember pages that are not articles (about, tag, error pages): still fetched, since
        a tag page may list new articles, but not counted as article candidates by the health check."""
        if type(exception).__name__ != "NotAnArticle":
            return
        url = ItemAdapter(item).get("url")
        if url:
            self.non_articles[url] = UrlState(url, "", "", "", time.time(), None, None, "(not an article)")

    def process_item(self, item: Any) -> Any:
        a = ItemAdapter(item)
        pages = list(dict.fromkeys([a["url"], *(a.get("pages") or [])]))
        fetched_at, etag, last_modified = time.time(), a.get("etag"), a.get("last_modified")
        incomplete = "multipage-incomplete" in (a.get("warnings") or [])
        if len(pages) > 1 or incomplete:
            # A revisit refetches the first page and follows the pager again: page 1 unchanged
            # (a 304) says nothing about the later pages, so no validators are kept.
            etag = last_modified = None
        if incomplete:
            fetched_at = 0.0  # due for a revisit at the next run, which fetches the whole story again
        self.pending[a["id"]] = [
            UrlState(url=page, canonical_url=a.get("canonical_url") or a["url"], article_id=a["id"],
                     content_hash=a.get("content_hash") or "", fetched_at=fetched_at, etag=etag,
                     last_modified=last_modified, dump="")
            for page in pages
        ]
        return item

    def text_changed(self, article_id: str, content_hash: str) -> None:
        states = self.pending.get(article_id)
        if states is not None:
            self.pending[article_id] = [UrlState(**{**vars(s), "content_hash": content_hash}) for s in states]

    def commit(self, dump: str, dumped_ids: set[str] | None) -> int:
        rows = [UrlState(**{**vars(s), "dump": dump}) for aid, states in self.pending.items() if dumped_ids is None or aid in dumped_ids for s in states]
        self.store.record(list(self.non_articles.values()) + rows)
        self.non_articles.clear()
        self.stats.set_value("incremental/urls_recorded", len(rows))
        self.pending.clear()
        return len(rows)
