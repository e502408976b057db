"""Site profiles in the crawl: which pages take the fast path, and learning from the rest.

The page reader (crawler/reading.py) asks ``SiteProfiles.plan`` for every article
candidate and hands the plan to the worker with the page; when the page comes back it
reports the outcome here. The profiles themselves (``ProfileBook``, Scrapy-free, in
pipelines/text/profile.py) live in this process, one writer, persisted in
``STATE_DIR/profiles.sqlite`` (in Redis in distributed mode) when the spider closes.

Audits compare the fast and full texts as the dump would hold them: both are stripped of
boilerplate lines (the boilerplate stage's classifier) and of the site's template lines
(the template stage's model) before their shingle F1 is taken.

Stats: ``profile/fast``, ``profile/full``, ``profile/guard/<reason>``, ``profile/audit``,
``profile/audit_disagreed``, ``profile/learned``, ``profile/relearned``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pipelines.stores.profiles import ProfileStore, RedisProfileStore
from pipelines.text.profile import AUDIT_MIN_F1, Plan, ProfileBook, ProfileReport, audit_f1, describe
from pipelines.stores.paths import store_path

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProfileSettings:
    enabled: bool
    min_pages: int
    audit_every: int

    @classmethod
    def from_settings(cls, settings: Any) -> "ProfileSettings":
        """PROFILES_ENABLED, PROFILE_MIN_PAGES, PROFILE_AUDIT_EVERY; a bad value stops the start."""
        try:
            enabled = settings.getbool("PROFILES_ENABLED")
        except ValueError:
            raise ValueError(f"PROFILES_ENABLED must be a boolean, got {settings.get('PROFILES_ENABLED')!r}") from None
        values = {}
        for name, low in (("PROFILE_MIN_PAGES", 2), ("PROFILE_AUDIT_EVERY", 1)):
            raw = settings.get(name)
            try:
                value = int(raw)
                if str(raw).strip() != str(value):
                    raise ValueError
            except (TypeError, ValueError):
                raise ValueError(f"{name} must be an integer >= {low}, got {raw!r}") from None
            if value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {raw!r}")
            values[name] = value
        return cls(enabled, values["PROFILE_MIN_PAGES"], values["PROFILE_AUDIT_EVERY"])


class SiteProfiles:
    def __init__(self, crawler: Any, book: ProfileBook, store: Any) -> None:
        self.crawler = crawler
        self.book = book
        self.store = store
        self._cleaner: Any = None
        self._loaded_store = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> "SiteProfiles | None":
        """None when PROFILES_ENABLED is off."""
        s = crawler.settings
        config = ProfileSettings.from_settings(s)
        if not config.enabled:
            return None
        book = ProfileBook(config.min_pages, config.audit_every)
        if s.get("REDIS_URL"):
            from pipelines.stores.redis_state import shared_state

            state = shared_state(crawler)
            store: Any = RedisProfileStore(state.client, state.prefix)
        else:
            # (crawler/state.py checked the file at start-up and rebuilt it if it was damaged)
            store = ProfileStore(store_path(s, "profiles"))
        return cls(crawler, book, store)

    def _loaded(self) -> None:
        # On the first page, not at start-up: crawler/state.py heals the stores after the spider is built.
        if not self._loaded_store and self.store is not None:
            self._loaded_store = True
            self.store.load(self.book)
            if getattr(self.store, "dropped_other_version", False):
                logger.warning("Site profiles in Redis were of another version: relearned from this run's pages")

    def plan(self, site: str, url: str, known_article: bool) -> Plan:
        self._loaded()
        return self.book.plan(site, url, known_article)

    def report(self, site: str, url: str, extraction: tuple[Any, ...] | None, report: ProfileReport | None) -> None:
        if extraction is None:
            return
        outcome = extraction[0]
        if report is not None and report.fast_text is not None and outcome == "ok":
            report.audit_f1 = round(audit_f1(report.fast_text, extraction[1].text, lambda t: self._clean(site, t)), 4)
        stats = self.crawler.stats
        for event in self.book.report(site, url, outcome, report):
            stats.inc_value(f"profile/{event}")
            if event == "audit_disagreed":
                logger.info("Site %s: the fast path disagreed with the full path on %s (F1 %.2f < %.2f): block %s forgotten, "
                            "relearning", site, url, report.audit_f1, AUDIT_MIN_F1, describe(report.locator or ()))
            elif event in ("learned", "relearned"):
                logger.info("Site %s: profile %s after %d agreeing pages", site, event, self.book.min_pages)

    def _clean(self, site: str, text: str) -> str:
        """The text as the boilerplate and template stages leave it (for audits only)."""
        if self._cleaner is None:
            from pipelines.text.lines_zh import BoilerplateClassifier
            from pipelines.text.normalise import ScriptConverter

            self._cleaner = BoilerplateClassifier(ScriptConverter())
        text = self._cleaner.strip(text).text
        template = getattr(self.crawler, "template_stage", None)
        if template is not None:
            text = "\n".join(template.model.strip(site, text.split("\n"))[0])
        return text

    def close(self) -> None:
        if self.store is not None and self.book.dirty:
            self.store.save(self.book)
