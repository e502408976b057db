"""The Article item: the JSONL schema in code.

``article.schema.json`` next to this file is the same schema for consumers; a
test keeps the two in step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from importlib import resources
from typing import Any


@dataclass
class Article:
    # identity
    id: str | None = None  # stable: derived from canonical_url
    url: str = ""  # the URL fetched (after redirects)
    canonical_url: str | None = None  # rel=canonical / og:url on the same site, else the normalised URL
    site: str = ""  # the sites-file name
    domain: str = ""  # host of url
    # content
    title: str | None = None
    text: str | None = None  # paragraphs joined by "\n"
    published: str | None = None  # ISO 8601, with offset when the time is known
    modified: str | None = None  # ISO 8601: the update time the page gives (更新时间, dateModified)
    authors: list[str] = field(default_factory=list)  # the people credited as writers, roles dropped
    author: str | None = None  # the authors joined (a space between Chinese names): kept for compatibility
    editor: str | None = None  # 责任编辑 / 編輯
    source: str | None = None  # the original outlet the page names (来源, 稿源, 转载自)
    language: str | None = None  # "zh", "en", ...
    script: str | None = None  # "hans", "hant", or None for non-Chinese text
    # fetch
    fetched_at: str = ""  # ISO 8601 UTC
    http_status: int = 0
    encoding: str | None = None  # codec used to decode the body
    encoding_source: str | None = None  # bom | header | meta | detected
    # quality and identity of the text
    warnings: list[str] = field(default_factory=list)  # e.g. "charset-overridden", "undecodable-bytes"
    content_hash: str | None = None  # sha1 of normalise_for_matching(text)
    duplicate_of: str | None = None  # id of the kept article this one reposts
    revision: bool = False  # a changed version of an article dumped in an earlier run
    pages: list[str] = field(default_factory=list)  # every page the text was joined from, in order (one for most articles)
    # the article as data beyond its text (pipelines/text/record.py); all None when RECORD_FIELDS is off (not read)
    markdown: str | None = None  # text with its structure: ## subheadings, lists, tables, > quotes, ![caption](url); None when RECORD_MARKDOWN is off
    images: list[dict] | None = field(default_factory=list)  # the article's own pictures in order: {url, alt, caption, cover}
    keywords: list[str] | None = field(default_factory=list)  # the 关键词/标签/Tags line or tag links, else meta keywords
    section: list[str] | None = field(default_factory=list)  # the breadcrumb path, outermost first, without 首页 and the site name
    description: str | None = None  # meta/og description, unless it is the site's generic one

    # transient, never exported: what the pipeline stages pass on to each other
    html: str | None = None  # the decoded page (offline tools; a crawl sends `extraction` instead)
    extraction: tuple | None = None  # the page reader's extraction result (crawler.reading), applied by ExtractStage
    discovered_via: str | None = None  # link | sitemap | feed
    url_is_article: bool | None = None  # the site's article_pattern verdict; None without a pattern
    page_meta: Any = None  # the page's metadata candidates (pipelines.text.metadata.PageMetadata)
    line_fields: dict[str, str] | None = None  # metadata the boilerplate stage found in the text's lines
    pinyin_in_text: bool | None = None  # the body carried flattened pinyin: the title is cleaned the same way
    date_hint: str | None = None  # date from markup/URL/sitemap: evidence of a dated article
    etag: str | None = None  # response validators, kept in the URL state
    last_modified: str | None = None
    revisit: bool = False  # fetched again because REVISIT_AFTER passed (a change makes a revision)
    matching_text: str | None = None  # normalise_for_matching(text), computed once for hash and dedup
    alternative_text: str | None = None  # a second extraction of a suspect page; the boilerplate stage chooses
    prepared: Any = None  # the stages' pure work, done ahead by the page reader (pipelines.text.prepared.Prepared)
    meta_keywords: list[str] | None = None  # <meta name="keywords">'s terms: the template stage learns each site's generic ones


TRANSIENT_FIELDS = frozenset(
    {"html", "extraction", "discovered_via", "url_is_article", "page_meta", "line_fields", "pinyin_in_text", "date_hint", "etag", "last_modified", "revisit", "matching_text", "alternative_text",
     "prepared", "meta_keywords"}
)
EXPORTED_FIELDS = [f.name for f in fields(Article) if f.name not in TRANSIENT_FIELDS]


def article_schema() -> dict[str, Any]:
    """The committed JSON Schema of one dump line."""
    text = resources.files("crawler").joinpath("article.schema.json").read_text(encoding="utf-8")
    return json.loads(text)
