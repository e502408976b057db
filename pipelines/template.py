"""Template stage: strip lines a site repeats across its pages (SiteTemplateModel).

Each article's lines are counted into its site's model, then every line the
model knows as template (seen on TEMPLATE_MIN_PAGES distinct pages) is removed.
Articles emitted before a line reached that count are fixed when the dump is
finalised (crawler.extensions.DumpFinalizer re-strips the whole dump with the
final model), so no article of a cold site leaves with a line that later pages
of the same run reveal as template.

A page's description (meta/og) is counted with its lines; one on TEMPLATE_MIN_PAGES
pages of the site is the site's generic description and becomes null. Its meta keywords
are counted the same way (as one line, ``keywords_line``): a list the site puts on
TEMPLATE_MIN_PAGES pages is its generic one, and an article whose keywords are that list
gets none.

Stats: template/lines_removed, template/chars_removed, template/site/<site>/lines_removed,
template/generic_descriptions, template/generic_keywords.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from pipelines.stores.redis_state import shared_state
from pipelines.stores.site_template import SiteTemplateModel, SiteTemplateStore, line_key, text_keys
from pipelines.stores.paths import store_path
from pipelines.text.taxonomy import keywords_line

logger = logging.getLogger(__name__)


def template_store_path(settings: Any) -> Path:
    return store_path(settings, "templates")


class TemplateStage:
    def __init__(self, model: SiteTemplateModel, store: SiteTemplateStore | None, stats: Any) -> None:
        self.model = model
        self.store = store
        self.stats = stats
        self.learning = True  # the benchmark's second pass strips without counting again

    @classmethod
    def from_crawler(cls, crawler: Any) -> "TemplateStage":
        s = crawler.settings
        if not s.getbool("TEMPLATE_ENABLED"):
            raise NotConfigured("TEMPLATE_ENABLED is off")
        min_pages = s.getint("TEMPLATE_MIN_PAGES")
        if min_pages < 2:
            raise ValueError(f"TEMPLATE_MIN_PAGES must be at least 2 (a line on one page is that page's), got {min_pages}")
        if s.get("REDIS_URL"):
            store = shared_state(crawler).templates()  # merged across workers (HINCRBY)
        else:
            store = SiteTemplateStore(template_store_path(s)) if s.getbool("TEMPLATE_PERSIST") else None
        model = store.load(min_pages, s.getint("TEMPLATE_MAX_LINES_PER_SITE")) if store else SiteTemplateModel(min_pages=min_pages)
        stage = cls(model, store, crawler.stats)
        crawler.template_stage = stage  # the dump finaliser re-strips the dump with this model
        return stage

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        site = adapter.get("site") or ""
        text = adapter.get("text") or ""
        lines = text.split("\n")
        prepared = adapter.get("prepared")
        keys = prepared and prepared.template_keys_for(text)
        if not keys:
            if prepared:
                self.stats.inc_value("prepared/stale/template")  # (a multi-page article's joined text)
            keys = text_keys(lines)  # one NFKC pass for both
        # The description and the meta keywords are counted as lines of their page: the ones
        # the site gives every page are its generic ones, learned as template lines are
        # (docs/record.md).
        description = adapter.get("description")
        meta_terms = adapter.get("meta_keywords")
        adapter["meta_keywords"] = None
        meta_line = keywords_line(meta_terms) if meta_terms else None
        extra = [line for line in (description, meta_line) if line]
        if extra:
            keys = (keys[0], [*keys[1], *map(line_key, extra)])
        if self.learning:
            self.model.observe(site, lines + extra, keys)
        kept, removed = self.model.strip(site, lines, keys[1][: len(lines)])
        if description and self.model.is_template(site, description):
            adapter["description"] = None
            self.stats.inc_value("template/generic_descriptions")
        if meta_line and adapter.get("keywords") == meta_terms and self.model.is_template(site, meta_line):
            adapter["keywords"] = []  # (the page's own keywords, shown as tags or a line, stay)
            self.stats.inc_value("template/generic_keywords")
        if removed:
            self.stats.inc_value("template/lines_removed", len(removed))
            self.stats.inc_value("template/chars_removed", sum(map(len, removed)))
            self.stats.inc_value(f"template/site/{site}/lines_removed", len(removed))
            adapter["text"] = "\n".join(kept)
        return item

    def close_spider(self) -> None:
        if self.store is not None:
            self.store.save(self.model)
