"""Per-site template learning: lines a site repeats on many of its pages are boilerplate.

Scrapy-free. A line (whitespace-collapsed, NFKC) that occurs on at least
``min_pages`` distinct pages of one site is template for that site: its promo,
its disclaimer wording, a recurring sidebar, even when no pattern knows them.
Pages are counted by their text, so the same article under two URLs counts
once and a sentence quoted by two reposts is not enough.

The model persists in SQLite (``SiteTemplateStore``) so later runs start warm.
It records its algorithm version and refuses a store built by another.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.stores.meta import connect_stamped

ALGORITHM = "site-template/2 line=nfkc+ws+masked(url,digits) blake2b-64"
_WS = re.compile(r"\s+")
# The variable parts of a template line: a reprint notice naming the page's own URL
# (转载请保留原文链接：http://…/view.php?aid=7957), a view counter, an id, a date. Masked in
# line keys, so every copy of the line counts as the same line. Numbers are masked only in
# short Chinese lines and lines that name a URL: a long sentence that differs only in its
# numbers is more likely a daily price report than a template, and a short Latin line with a
# number is more likely an item of a numbered list ("3) Blade Runner (4K)").
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'，。、；）)】]+")
_DIGITS = re.compile(r"\d+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_NOT_WORD = re.compile(r"[#\W_]+")
_SHORT_LINE = 40


def _key(nfkc: str) -> int:
    return int.from_bytes(hashlib.blake2b(_WS.sub(" ", nfkc).strip().encode("utf-8"), digest_size=8).digest(), "big", signed=True)


def _line_key(nfkc: str) -> int:
    masked, urls = _URL.subn("#", nfkc)
    if urls or (len(masked) <= _SHORT_LINE and _HAN.search(masked)):
        masked = _DIGITS.sub("#", masked)
    if len(_NOT_WORD.sub("", masked)) < 4:
        return _key(nfkc)  # nothing but variable parts (a bare URL, a date): the line itself
    return _key(masked)


def line_key(line: str) -> int:
    return _line_key(unicodedata.normalize("NFKC", line))


def line_keys(lines: list[str]) -> list[int]:
    """``line_key`` of every line, with one NFKC call for all of them."""
    normalised = unicodedata.normalize("NFKC", "\n".join(lines)).split("\n")
    if len(normalised) != len(lines):
        return [line_key(line) for line in lines]
    return [_line_key(n) for n in normalised]


def page_key(lines: list[str]) -> int:
    """The page's identity: its whole text, variable parts included."""
    return _key(unicodedata.normalize("NFKC", "\n".join(lines)))


def text_keys(lines: list[str]) -> tuple[int, list[int]]:
    """(``page_key``, ``line_keys``) of a page's lines, from one NFKC call: the stage
    observes and strips the same lines."""
    normalised = unicodedata.normalize("NFKC", "\n".join(lines))
    parts = normalised.split("\n")
    if len(parts) != len(lines):
        return page_key(lines), [line_key(line) for line in lines]
    return _key(normalised), [_line_key(n) for n in parts]


def split_template_lines(lines: list[str], template: list[bool]) -> tuple[list[str], list[str]]:
    """(kept lines, removed lines) of a page whose lines are flagged ``template``.
    Never removes every line of a page."""
    kept = [line for line, t in zip(lines, template) if not t]
    if not kept:
        return lines, []
    return kept, [line for line, t in zip(lines, template) if t]


@dataclass
class SiteTemplateModel:
    """Line -> number of distinct pages, per site; bounded in size per site."""

    min_pages: int = 3
    max_lines_per_site: int = 200_000
    counts: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    seen_pages: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    dirty: set[str] = field(default_factory=set)
    # per site, the keys counted on min_pages pages: built from counts on first use, then kept
    # up to date by observe (counts only grow, and pruning drops only lines seen once)
    _template: dict[str, set[int]] = field(default_factory=dict, repr=False)

    def observe(self, site: str, lines: list[str], keys: tuple[int, list[int]] | None = None) -> bool:
        """Count the lines of one page; False when this text was already counted.
        ``keys``: ``text_keys(lines)`` when the caller has them."""
        pk, line_keys_ = keys if keys is not None else text_keys(lines)
        pages = self.seen_pages[site]
        if pk in pages:
            return False
        pages.add(pk)
        counts = self.counts[site]
        template = self._template.get(site)
        for key in {k for line, k in zip(lines, line_keys_) if line.strip()}:
            counts[key] = n = counts.get(key, 0) + 1
            if n == self.min_pages and template is not None:
                template.add(key)
        if len(counts) > self.max_lines_per_site:
            # Forget lines seen once: template lines recur, so they survive the pruning.
            for key in [k for k, n in counts.items() if n <= 1]:
                del counts[key]
        self.dirty.add(site)
        return True

    def template_keys(self, site: str) -> frozenset[int]:
        """The keys of the site's template lines now (a copy: the page reader sends it to a worker)."""
        template = self._template.get(site)
        if template is None:
            template = self._template[site] = {k for k, n in self.counts.get(site, {}).items() if n >= self.min_pages}
        return frozenset(template)

    def is_template(self, site: str, line: str) -> bool:
        return self.counts.get(site, {}).get(line_key(line), 0) >= self.min_pages

    def strip(self, site: str, lines: list[str], keys: list[int] | None = None) -> tuple[list[str], list[str]]:
        """(kept lines, removed lines). Never removes every line of a page.
        ``keys``: ``line_keys(lines)`` when the caller has them."""
        counts = self.counts.get(site, {})
        return split_template_lines(lines, [counts.get(key, 0) >= self.min_pages for key in (keys if keys is not None else line_keys(lines))])


_TABLES = (
    "CREATE TABLE IF NOT EXISTS lines (site TEXT NOT NULL, key INTEGER NOT NULL, pages INTEGER NOT NULL, PRIMARY KEY (site, key)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS pages (site TEXT NOT NULL, key INTEGER NOT NULL, PRIMARY KEY (site, key)) WITHOUT ROWID",
)


class TemplateStoreError(RuntimeError):
    """The template store is corrupt or was built by another algorithm."""


class SiteTemplateStore:
    """SQLite persistence of a SiteTemplateModel (STATE_DIR/templates.sqlite)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        return connect_stamped(self.path, ALGORITHM, _TABLES, TemplateStoreError)

    def load(self, min_pages: int, max_lines_per_site: int = 200_000) -> SiteTemplateModel:
        model = SiteTemplateModel(min_pages=min_pages, max_lines_per_site=max_lines_per_site)
        try:
            conn = self._connect()
            with conn:
                for site, key, pages in conn.execute("SELECT site, key, pages FROM lines"):
                    model.counts[site][key] = pages
                for site, key in conn.execute("SELECT site, key FROM pages"):
                    model.seen_pages[site].add(key)
            conn.close()
        except sqlite3.DatabaseError as exc:
            raise TemplateStoreError(f"{self.path}: unreadable template store ({exc}); move it away to start over") from exc
        return model

    def save(self, model: SiteTemplateModel) -> None:
        conn = self._connect()
        with conn:  # one transaction: a crash leaves the previous model, never half of this one
            for site in sorted(model.dirty):
                conn.execute("DELETE FROM lines WHERE site=?", (site,))
                conn.execute("DELETE FROM pages WHERE site=?", (site,))
                conn.executemany("INSERT INTO lines VALUES (?, ?, ?)", ((site, k, n) for k, n in model.counts[site].items()))
                conn.executemany("INSERT INTO pages VALUES (?, ?)", ((site, k) for k in model.seen_pages[site]))
        conn.close()
        model.dirty.clear()
