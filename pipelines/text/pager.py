"""Multi-page articles: does this article page continue, where, and how the pages join.

Scrapy-free. ``read_pager`` is given the tree ``crawler.reading.read_page`` already parsed
(before extraction prunes it), so a page is still parsed once. It looks only at short
links (pager tokens are short) and ``rel`` links, selected in C, and keeps a link as a
page of the story only when

- its text is a pager token (下一页 / 下一頁 / next, 上一页, 首页, ``2``, ``[2]``, ``第2页``)
  or its ``rel`` is next/prev, and
- its URL is the first page's URL with a page marker: ``content_12345_2.htm``,
  ``index_1.html`` (for ``.../index.html`` or ``.../``), ``12345-2.html``, ``12345/2.html``,
  ``/page/2``, or a page parameter (``?page=2``, ``&p=2``, ``pn``, ``pageno``, ...) with
  the rest of the query unchanged.

So 下一篇 / 上一篇 ("next article") links, whose text is a title or an article word and
whose URL is another article's, are never pages; list pagination only reaches here when
a list page passed as an article, and the spider stops a story at the first page that
does not read as one. ``join_pages`` joins the pages' extractions into one article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urljoin, urlsplit

from lxml import etree

from pipelines.text.article_html import ExtractedArticle
from pipelines.text.record import NOT_READ
from pipelines.text.structure import join_markdown

# Query parameters that number pages (compared lower-case).
PAGE_PARAMS = frozenset(
    {"page", "p", "pg", "pn", "pno", "pageno", "page_no", "pagenum", "pagenumber", "pageindex", "page_index",
     "curpage", "cur_page", "currentpage", "cp", "ipage", "paging", "part"}
)
# The only candidates, selected in C (most of a page's links never reach Python): links with a
# next/prev rel, and links with short text holding a pager word, an arrow or nothing but a number.
_REL = "contains(@rel, 'next') or contains(@rel, 'prev') or contains(@rel, 'first')"
_LOW = "translate(., 'NEXTPRVIOUSF', 'nextprviousf')"
_CANDIDATES = etree.XPath(
    f"//a[@href][{_REL} or (string-length(normalize-space(.)) <= 12 and ("
    "contains(., '页') or contains(., '頁') or contains(., '»') or contains(., '›') or contains(., '>')"
    " or contains(., '«') or contains(., '‹') or contains(., '<')"
    f" or contains({_LOW}, 'next') or contains({_LOW}, 'prev') or contains({_LOW}, 'first')"
    " or (translate(normalize-space(.), '0123456789[]【】 ', '') = '' and translate(., '0123456789', '') != .)))]"
    f" | //link[@href][{_REL}]"
)
_TEXT = etree.XPath("normalize-space(.)")
_STRIP = " \t\u3000[]【】()（）<>《》«»‹›|·:："
_NEXT = frozenset({"下一页", "下页", "下一頁", "下頁", "后页", "後頁", "后一页", "後一頁", "next", "nextpage", "next page", "»", "›", ">", ">>", "下一页>", "下一页>>"})
_PREV = frozenset({"上一页", "上页", "上一頁", "上頁", "前页", "前頁", "前一页", "前一頁", "prev", "previous", "«", "‹", "<", "<<"})
_FIRST = frozenset({"首页", "首頁", "第一页", "第一頁", "first"})
_NUMBER = re.compile(r"^(?:第\s*)?(\d{1,3})\s*(?:页|頁)?$")
# A path's extension, and the page markers that may stand before it.
_EXT = re.compile(r"(\.[A-Za-z]{2,6})?$")
_MARK = re.compile(r"(?:[_-]|/(?:page[_/-]?|p)?)(\d{1,3})/?")
_OWN_MARK = re.compile(r"^(.*?)([_-])([01])$")
_PAGE_TOKEN = r"(?:上一?[页頁]|下一?[页頁]|[首尾末][页頁]|第\s*\d{1,3}\s*[页頁]|共\s*\d{1,3}\s*[页頁]|\d{1,3}|next|prev)"
# A text line that is nothing but a pager ("上一页 1 2 3 下一页", "[1] [2] [下一页]", "第2页 共3页").
PAGER_LINE = re.compile(rf"^[\s\[\]【】|·.…<>«»‹›/:：]*(?:{_PAGE_TOKEN}[\s\[\]【】|·.…<>«»‹›/:：]*)+$", re.I)
_HAS_PAGE_WORD = re.compile(r"[页頁]|next|prev|^\D*\d{1,3}\D+\d{1,3}", re.I)


@dataclass(frozen=True)
class Pager:
    """What a page's pager says about the story the page belongs to."""

    next_url: str | None = None  # the page after this one (may be a page already read: a loop)
    first_url: str | None = None  # set when this page is a later page of a story: its first page
    story_urls: frozenset[str] = frozenset()  # the story's pages this page links to (not stories of their own)


def _split_query(query: str) -> tuple[list[tuple[str, str]], list[str]]:
    rest, pages = [], []
    for k, v in parse_qsl(query, keep_blank_values=True):
        (pages if k.lower() in PAGE_PARAMS else rest).append(v if k.lower() in PAGE_PARAMS else (k, v))
    return rest, pages


def page_number(first: str, url: str) -> int | None:
    """The page number ``url`` carries as a later page of the story whose first page is
    ``first`` (as written in the URL: ``index_1.html`` says 1), or None when it is not one."""
    a, b = urlsplit(first), urlsplit(url)
    if a.netloc.lower() != b.netloc.lower() or (a.path == b.path and a.query == b.query):
        return None
    if a.path == b.path:  # ?page=2, &p=2
        rest_a, pages_a = _split_query(a.query)
        rest_b, pages_b = _split_query(b.query)
        if rest_a != rest_b or len(pages_b) != 1 or not pages_b[0].isdigit() or len(pages_b[0]) > 3:
            return None
        if pages_a and pages_a[0] == pages_b[0]:
            return None
        return int(pages_b[0])
    if a.query != b.query:
        return None
    path = a.path
    stems = []
    if path.endswith("/"):
        stems += [(path.rstrip("/"), ""), (path + "index", None)]  # .../12345/2/ or .../12345/index_1.html
    else:
        ext = _EXT.search(path).group(0)
        stem = path[: len(path) - len(ext)]
        stems.append((stem, ext))
        if stem.endswith("/index"):
            stems.append((stem[: -len("/index")], ext))  # .../index.html -> .../2.html
        own = _OWN_MARK.match(stem)  # a first page that carries its own number: content_5_1.htm
        if own:
            stems.append((own.group(1), ext))
    for stem, ext in stems:
        if not b.path.startswith(stem):
            continue
        tail = b.path[len(stem):]
        if ext is None:
            ext = _EXT.search(tail).group(0)
        middle = tail[: len(tail) - len(ext)] if ext and tail.endswith(ext) else tail  # .../123/page/2
        m = _MARK.fullmatch(middle)
        if m:
            return int(m.group(1))
    return None


def _first_candidates(url: str) -> list[str]:
    """The URLs ``url`` would be a later page of: its page marker (path or query) removed."""
    parts = urlsplit(url)
    out = []
    rest, pages = _split_query(parts.query)
    if pages:
        query = "&".join(f"{k}={v}" if v else k for k, v in rest)
        out.append(parts._replace(query=query).geturl())
    ext = _EXT.search(parts.path).group(0)
    stem = parts.path[: len(parts.path) - len(ext)]
    m = re.search(r"(?:[_-]|/(?:page[_/-]?|p)?)\d{1,3}/?$", stem)
    if m:
        base = stem[: m.start()]
        if base.endswith("/"):
            out.append(parts._replace(path=base).geturl())
        else:
            out.append(parts._replace(path=base + ext).geturl())
            if base.endswith("/index"):
                out.append(parts._replace(path=base[: -len("index")]).geturl())
    return out


def _kind(text: str, rel: str) -> tuple[str, int] | None:
    """('next'|'prev'|'first'|'number', n) for a pager link, None for any other link."""
    t = text.strip(_STRIP).lower()
    if t in _NEXT or (not t and text.strip() in _NEXT):
        return "next", 0
    if t in _PREV or (not t and text.strip() in _PREV):
        return "prev", 0
    if t in _FIRST:
        return "first", 1
    m = _NUMBER.match(t)
    if m:
        return "number", int(m.group(1))
    rels = rel.lower().split()
    if "next" in rels:
        return "next", 0
    if "prev" in rels or "previous" in rels:
        return "prev", 0
    if "first" in rels:
        return "first", 1
    return None


def pager_links(tree: etree._Element, url: str) -> list[tuple[str, int, str]]:
    """The page's pager-like links: (kind, number, absolute URL without fragment)."""
    out = []
    for el in _CANDIDATES(tree):
        if el.tag == "a":
            kind = _kind(_TEXT(el), el.get("rel") or "")
        else:
            rels = (el.get("rel") or "").lower().split()
            kind = ("next", 0) if "next" in rels else ("prev", 0) if ("prev" in rels or "previous" in rels) else None
        if kind is None:
            continue
        try:
            href = urljoin(url, el.get("href").strip()).split("#", 1)[0]
        except ValueError:
            continue
        if href.startswith(("http://", "https://")):
            out.append((kind[0], kind[1], href))
    return out


def read_pager(tree: etree._Element | None, url: str, first: str | None = None, position: int = 1) -> Pager | None:
    """What the pager of ``url`` (parsed as ``tree``) says, or None for a page of its own.

    ``first``: the story's first page when the spider is following one (``position`` is then
    this page's place in it); None for a page reached by itself, which may be a first page
    or a later page reached on its own (then ``first_url`` names its first page).
    """
    if tree is None:
        return None
    links = pager_links(tree, url)
    if not links:
        return None
    own = url.split("#", 1)[0]
    if first is None:
        # A later page reached by itself: the pager links back to the URL without its marker.
        for candidate in _first_candidates(own):
            if page_number(candidate, own) is None:
                continue
            if any(kind in ("first", "prev", "number") and link == candidate for kind, _, link in links):
                story = frozenset(link for _, _, link in links if link == candidate or page_number(candidate, link) is not None)
                return Pager(first_url=candidate, story_urls=story | {own})
        first = own
    story = [(kind, n, link) for kind, n, link in links if link == first or page_number(first, link) is not None]
    story = [s for s in story if s[2] != own]
    if not story:
        return None
    next_url = next((link for kind, _, link in story if kind == "next"), None)
    if next_url is None:
        next_url = next((link for kind, n, link in story if kind == "number" and n == position + 1), None)
    return Pager(next_url=next_url, story_urls=frozenset(link for _, _, link in story) | {first})


def is_pager_line(line: str) -> bool:
    return bool(PAGER_LINE.match(line)) and bool(_HAS_PAGE_WORD.search(line))


def join_texts(texts: list[str]) -> str:
    """The pages' texts as one: pager lines out, and a line found on every page (the repeated
    title, lead or notice) kept only where the first page has it."""
    pages = [[line for line in text.split("\n") if line.strip() and not is_pager_line(line)] for text in texts]
    common: set[str] = set()
    if len(pages) > 1:
        common = set(pages[0]).intersection(*(set(p) for p in pages[1:]))
    out = list(pages[0])
    for page in pages[1:]:
        out.extend(line for line in page if line not in common)
    return "\n".join(out)


def join_records(pages: list[ExtractedArticle]) -> dict:
    """The record fields of a story: every page's pictures (one cover: the first page's),
    Markdown and keywords in page order; the first page's section and description (later
    pages repeat them or lack them). The Markdown follows the joined text in the record stage.
    Fields the pages did not read (RECORD_FIELDS off) stay unread."""
    if pages[0].images is None:
        return dict(NOT_READ)
    images, urls = [], set()
    for n, page in enumerate(pages):
        for image in page.images:
            if image["url"] not in urls:
                urls.add(image["url"])
                images.append({**image, "cover": image["cover"] and n == 0})
    return {
        "markdown": join_markdown([p.markdown for p in pages]),
        "images": images,
        "keywords": list(dict.fromkeys(k for p in pages for k in p.keywords)),
        "section": first_of(p.section for p in pages) or [],
        "description": first_of(p.description for p in pages),
        "meta_keywords": pages[0].meta_keywords,
    }


def first_of(values):
    return next((v for v in values if v), None)


def join_pages(pages: list[ExtractedArticle]) -> ExtractedArticle:
    """One article from its pages' extractions, in page order: the first page's title, date,
    author, canonical URL and metadata lines, and the joined text."""
    first = pages[0]
    if len(pages) == 1:
        return replace(first, text=join_texts([first.text]))
    alternatives = [p.alternative or p.text for p in pages]
    return replace(
        first,
        **join_records(pages),
        text=join_texts([p.text for p in pages]),
        link_lines_removed=sum(p.link_lines_removed for p in pages),
        fallbacks=tuple(dict.fromkeys(f for p in pages for f in p.fallbacks)),
        alternative=join_texts(alternatives) if any(p.alternative for p in pages) else None,
    )
