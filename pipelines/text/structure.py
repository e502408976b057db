"""The article as Markdown: its text lines with their structure, and its pictures in place.

Scrapy-free. The Markdown is built from the article's text lines, never from a second
extraction: each line of ``text`` is one Markdown line, marked as what it was in the page
(a subheading ``## ``, a quote ``> ``; list items ``- `` and table rows ``| … |`` come so
from trafilatura's text already), with the rest escaped, so Markdown stripped of its markup
is the text again. Pictures (pipelines/text/images.py) stand on lines of their own,
``![caption](url)``, before the line they preceded in the page.

The stages strip lines from ``text`` after the page is read (boilerplate, templates,
mojibake repair, the dump's late template pass). ``align_markdown`` applies the same to
the Markdown: it keeps the Markdown line of every line ``text`` still has, in order, and
drops the others; a line it cannot find (a repaired one) is written plain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from pipelines.text.images import PlacedImage

_WS = re.compile(r"\s+")
# Elements whose text becomes a marked line: headings, and paragraphs of block quotes.
_MARKED = ("h1", "h2", "h3", "h4", "h5", "h6", "blockquote")
_MAX_HEADING = 80  # characters: a longer "heading" is a styled paragraph
# Characters that are markup anywhere in a line, and at its start only.
_INLINE = re.compile(r"([\\`*_\[\]<>&~])")
_LINE_START = re.compile(r"^([#>+=!|-])")
_ORDERED = re.compile(r"^(\d{1,9})([.)])")
_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_LIST_ITEM = re.compile(r"^- ")
_TABLE_ROW = re.compile(r"^\|.*\|\s*$")
_IMAGE_LINE = re.compile(r"^!\[((?:[^\]\\]|\\.)*)\]\(<?([^)>]*)>?\)$")
_HEADING_LINE = re.compile(r"^(#{2,4}) ")


@dataclass(frozen=True)
class LineMarks:
    """What some of the page's texts are: line -> heading level, and quoted lines."""

    headings: dict[str, int]
    quotes: frozenset[str]


def line_marks(tree: etree._Element, elements: list[etree._Element] | None = None) -> LineMarks:
    """Headings and quoted paragraphs of the page, by their text (read before extraction).
    ``elements``: the page's h1-h6 and blockquote elements when a walk has them."""
    headings: dict[str, int] = {}
    quotes: set[str] = set()
    for el in elements if elements is not None else tree.iter(*_MARKED):
        if el.tag == "blockquote":
            parts = el.findall(".//p") or [el]
            quotes.update(t for t in (_WS.sub(" ", p.text_content()).strip() for p in parts) if t)
        else:
            text = _WS.sub(" ", el.text_content()).strip()
            if text and len(text) <= _MAX_HEADING:
                headings.setdefault(text, max(2, min(4, int(el.tag[1]))))
    return LineMarks(headings, frozenset(quotes))


def escape(text: str) -> str:
    """A text line as a Markdown paragraph that renders as the same text."""
    text = _INLINE.sub(r"\\\1", text)
    m = _ORDERED.match(text)
    if m:
        return m.group(1) + "\\" + text[len(m.group(1)):]
    return _LINE_START.sub(r"\\\1", text)


def unescape(text: str) -> str:
    return _UNESCAPE.sub(r"\1", text)


def _escape_inline(text: str) -> str:
    return _INLINE.sub(r"\\\1", text)


def markdown_line(line: str, marks: LineMarks | None) -> str:
    """One text line as its Markdown line."""
    if _TABLE_ROW.match(line):
        return "|" + _escape_inline(line[1:])  # cells keep their bars; "|---|" rows stay rows
    if _LIST_ITEM.match(line):
        return "- " + escape(line[2:])
    if marks is not None:
        level = marks.headings.get(line)
        if level:
            return "#" * level + " " + _escape_inline(line).replace("#", "\\#")
        if line in marks.quotes:
            return "> " + escape(line)
    return escape(line)


def image_line(image: PlacedImage | dict) -> str:
    caption = image.caption if isinstance(image, PlacedImage) else image.get("caption")
    alt = image.alt if isinstance(image, PlacedImage) else image.get("alt")
    url = image.url if isinstance(image, PlacedImage) else image["url"]
    label = _WS.sub(" ", caption or alt or "").strip()
    url = url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")
    return "![" + _escape_inline(label) + "](" + url + ")"


def plain_of(md_line: str) -> str | None:
    """The text line a Markdown line stands for; None for a picture."""
    if "\\" not in md_line and not md_line.startswith(("![", "#", "> ")):
        return md_line  # a plain paragraph, a list item or a table row without escapes
    if md_line.startswith("![") and _IMAGE_LINE.match(md_line):
        return None
    if md_line.startswith("|"):
        return "|" + unescape(md_line[1:])
    if md_line.startswith("- "):
        return "- " + unescape(md_line[2:])
    m = _HEADING_LINE.match(md_line)
    if m:
        return unescape(md_line[len(m.group(0)):])
    if md_line.startswith("> "):
        return unescape(md_line[2:])
    return unescape(md_line)


def _kind(md_line: str) -> str:
    if _IMAGE_LINE.match(md_line):
        return "image"
    if md_line.startswith("|"):
        return "table"
    if md_line.startswith("- "):
        return "list"
    if md_line.startswith("> "):
        return "quote"
    return "block"


def join_lines(md_lines: list[str]) -> str:
    """Markdown lines as a document: table rows, list items and quote lines of a run stay
    together; every other line is a paragraph of its own."""
    out: list[str] = []
    previous = None
    for line in md_lines:
        kind = _kind(line)
        if out:
            if kind == previous and kind in ("table", "list"):
                out.append("\n")
            elif kind == previous == "quote":
                out.append("\n>\n")
            else:
                out.append("\n\n")
        out.append(line)
        previous = kind
    return "".join(out)


def split_lines(markdown: str) -> list[str]:
    """The Markdown lines of a document ``join_lines`` wrote (blank and bare ``>`` lines out)."""
    return [line for line in markdown.split("\n") if line.strip() and line.strip() != ">"]


def render_markdown(lines: list[str], marks: LineMarks | None, images: list[PlacedImage]) -> str:
    """The article's lines and its placed pictures as Markdown."""
    md: list[str] = []
    queue = sorted(images, key=lambda p: p.line)
    i = 0
    for n, line in enumerate(lines):
        while i < len(queue) and queue[i].line <= n:
            md.append(image_line(queue[i]))
            i += 1
        md.append(markdown_line(line, marks))
    md.extend(image_line(p) for p in queue[i:])
    return join_lines(md)


_SEARCH_AHEAD = 400  # Markdown lines looked through for one text line


def align_markdown(markdown: str | None, text: str) -> str | None:
    """The Markdown with only the lines ``text`` has, in its order. Pictures stay where they
    were among the kept lines (once each); a text line not found is written as a plain paragraph."""
    if markdown is None:
        return None
    md = split_lines(markdown)
    plains = [plain_of(line) for line in md]
    # A picture stands once (a story's pages repeat their lead picture; images lists it once).
    seen: set[str] = set()
    for j, plain in enumerate(plains):
        if plain is None:
            if md[j] in seen:
                plains[j] = ""  # matches no text line: dropped
            seen.add(md[j])
    out: list[str] = []
    pos = 0
    for line in text.split("\n"):
        if not line.strip():
            continue
        end = min(len(md), pos + _SEARCH_AHEAD)
        at = next((j for j in range(pos, end) if plains[j] == line), None)
        if at is None:
            out.append(markdown_line(line, None))
            continue
        out.extend(md[j] for j in range(pos, at) if plains[j] is None)  # pictures between
        out.append(md[at])
        pos = at + 1
    out.extend(md[j] for j in range(pos, len(md)) if plains[j] is None)
    return join_lines(out)


def join_markdown(pages: list[str | None]) -> str | None:
    """The pages' Markdown as one (``align_markdown`` then follows the joined text)."""
    parts = [p for p in pages if p]
    return "\n\n".join(parts) if parts else None
