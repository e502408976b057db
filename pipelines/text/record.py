"""The article's record beyond its text: Markdown, images, keywords, section, description.

Scrapy-free; runs in the page readers with extraction. ``read_record`` reads the parsed
page before extraction changes the tree; ``finish_record`` places what it read against
the article's extracted lines. (Flattened pinyin is removed from the fields in the crawl
process, by the record stage: its dictionaries stay out of the workers.) The full path (pipelines/text/article_html.py) and the site
profiles' fast path (pipelines/text/profile.py) call both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from pipelines.text.page_walk import PageWalk
from pipelines.text.images import ImageCandidate, image_candidates, og_image, place_images
from pipelines.text.structure import LineMarks, line_marks, render_markdown
from pipelines.text.taxonomy import PageTerms, meta_values, page_terms, scan_page


@dataclass(frozen=True)
class RecordReading:
    images: list[ImageCandidate]
    cover: str | None  # og:image
    marks: LineMarks | None  # None: Markdown not wanted
    terms: PageTerms


def read_record(tree: etree._Element, url: str, title: str | None, markdown: bool, walk: PageWalk | None = None) -> RecordReading:
    """What the page says beyond its text, read before extraction changes the tree. ``walk``:
    ``scan_page(tree)`` when the caller shares it (one walk for every reader below)."""
    walk = walk if walk is not None else scan_page(tree)
    meta = meta_values(tree, walk.metas)
    return RecordReading(image_candidates(tree, url, walk), og_image(meta, url), line_marks(tree, walk.headings) if markdown else None,
                         page_terms(tree, url, title, meta, walk))


# RECORD_FIELDS off: the fields were not read (null, unlike [] for "read, none found")
NOT_READ: dict[str, Any] = {"markdown": None, "images": None, "keywords": None, "section": None, "description": None, "meta_keywords": None}


def finish_record(reading: RecordReading | None, lines: list[str]) -> dict[str, Any]:
    """The record fields of an article whose text is ``lines`` (``reading`` None: not read)."""
    if reading is None:
        return dict(NOT_READ)
    placed = place_images(reading.images, lines, reading.cover)
    return {
        "markdown": render_markdown(lines, reading.marks, placed) if reading.marks is not None else None,
        "images": [p.as_field() for p in placed],
        "keywords": reading.terms.keywords,
        "section": reading.terms.section,
        "description": reading.terms.description,
        "meta_keywords": reading.terms.meta_keywords,  # (not a field: the template stage learns generic ones)
    }
