"""Tell list pages from articles when no article_pattern says which is which.

Scrapy-free. A list, topic, tag or search page whose items carry a date and a
teaser (``标题 2010-09-27 正文开头…``) has too little link text for the link-share
test, so this module looks for what such a page cannot hide:

- its items: three or more sibling elements of the same shape (tag and first class name),
  each led by a link to another page and holding a date or a teaser;
- what the extractor kept is those items: most of the extracted text lies inside
  them (a related-news list under an article is a small part of its text);
- and at least one more cue from the text: lines led by the page's own link
  texts, teaser endings (…, 【详细】), many distinct dates, item chrome repeated
  line after line, no publication date of its own.

About pages (关于我们 and the like) are named by their title and have no date of
their own, or little text.

Portal front pages and rankings show their headlines in no one list: picture cards
whose caption is the picture's alt text, label links before headlines (``棱镜| 标题``),
ranking tables (rank, headline, count). ``headline_list_evidence`` reads the text
the page would ship instead: no body sentences, and its lines are the page's own
headlines (its link texts and picture alts).

``list_page_evidence`` and ``headline_list_evidence`` are called by
``extract_article`` for pages not known to be articles; they return the reason a
page is not an article, or None.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import lxml.html

from pipelines.text.normalise import is_chinese_text, sentence_weight

_WS = re.compile(r"\s+")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

# Elements a list is made of; <p> too (teaser lists built of paragraphs), safe because an
# item must be led by its link.
_ITEM_TAGS = ("li", "div", "tr", "tbody", "dl", "dd", "dt", "p", "article", "section", "table")
# A list: at least this many sibling items of the same shape. Three, not five: a site's short
# lists (a script edition's four teasers, a new topic's first items) are lists as well, and the
# coverage and cue tests below keep an article's related-news list out.
MIN_ITEMS = 3
# A list this short is one only when no item outweighs the others together: three sibling
# blocks of a layout, one of them the article, are no list.
_LONG_LIST = 5
MIN_COVERAGE = 0.5  # share of the extracted text that lies inside the items
_MAX_TEXT_BEFORE_LINK = 8  # weight of an item's text before its headline link (a number, a tag)
_MIN_HEADLINE = 4  # weight of a headline link's text
_MIN_TEASER = 10  # weight of an item's text outside its links that makes it a teaser

# Dates as list items show them: 2010-09-27, 2010/9/27, 2010.09.27, 2010年9月27日, 9月27日,
# 09-27 10:30, 2019-12, today's 10:30, and relative times (30分钟前, 昨天 10:30).
_DATE = re.compile(
    r"(?<!\d)(?:(?:19|20)\d\d[-/.年]\d{1,2}(?:[-/.月]\d{1,2}日?)?"
    r"|\d{1,2}月\d{1,2}日|\d{1,2}-\d{1,2}\s+\d{1,2}:\d\d|(?<![\d:])[0-2]?\d:[0-5]\d(?![\d:])"
    r"|\d+\s*(?:秒|分钟|小时|天)前|(?:昨天|前天|今天)\s*\d{1,2}:\d\d)"
)
_FULL_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)|(?<!\d)(\d{1,2})月(\d{1,2})日")
# A teaser cut short: an ellipsis or a "read more" link at the end of the line ([详细], 更多>>, >>).
_TEASER_END = re.compile(
    r"(?:…|\.\.\.|。。。|⋯)\s*$|(?:[【\[［(（]\s*(?:详细|详情|詳細|詳情|全文|阅读全文|閱讀全文|更多|查看全文)\s*[】\]］)）]"
    r"|(?:详细|詳細|阅读全文|閱讀全文|查看全文|全文|更多)\s*(?:>>|»|>|》)|(?:>>|»|》》|＞＞))\s*$"
)
# About pages: their title says so.
_ABOUT_TITLE = re.compile(
    r"^(?:关于|關於)(?:我们|我們|本站|本网|本網|网站|網站)|^(?:本站|本网|网站|網站|公司|集团|集團|企业|企業|学会|協會|协会)(?:简介|簡介|介绍|介紹)$"
    r"|^(?:联系|聯繫|聯絡)(?:我们|我們)$|^about(?: us)?$",
    re.I,
)
_TITLE_SEPARATORS = re.compile(r"\s*(?:[_|｜\-–—]|\s[-–—]\s)\s*")


def _weight(text: str) -> int:
    """One per CJK character, one per four other characters, whitespace not counted."""
    text = _WS.sub("", text)
    cjk = sum(len(run) for run in _CJK_RUN.findall(text))
    return cjk + (len(text) - cjk) // 4


# trafilatura writes a table row as "| · | 标题 | 2011-09-20 |" and list items as "- 标题":
# the separators and bullets are no part of the items' texts.
_CELL_SEPARATORS = re.compile(r"\s*\|\s*")
_LEADING_BULLETS = re.compile(r"^[\s·•●◆■▪►*\-]+")


def _item_line(line: str) -> str:
    return _LEADING_BULLETS.sub("", _CELL_SEPARATORS.sub(" ", line)).strip()


def _norm(text: str) -> str:
    return _WS.sub("", text)


def _is_page_link(a: lxml.html.HtmlElement) -> bool:
    href = (a.get("href") or "").strip().lower()
    return bool(href) and not href.startswith(("#", "javascript:", "mailto:"))


@dataclass
class ListItems:
    """The repeated items found in a page: how many, the largest group, and their texts."""

    count: int = 0  # nested lists count twice: a size, not a census
    largest: int = 0
    dated: int = 0
    teasers: int = 0
    texts: str = ""  # every item's text, whitespace removed, separated by NUL


def _headline_link(item: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The item's first substantial link to another page, when little text comes before it."""
    before = 0
    for el in item.iter():
        if el.tag == "a" and _is_page_link(el):
            text = el.text_content()
            if _weight(text.strip()) >= _MIN_HEADLINE:
                return el if before <= _MAX_TEXT_BEFORE_LINK else None
            before += _weight(text)
            if before > _MAX_TEXT_BEFORE_LINK:
                return None
            continue
        if el is not item and isinstance(el.tag, str):
            before += _weight((el.text or "").strip())
        elif el is item:
            before += _weight((el.text or "").strip())
        if before > _MAX_TEXT_BEFORE_LINK:
            return None
    return None


_DIGITS = re.compile(r"\d+")


def _shape_class(cls: str | None) -> str:
    """The class that tells an item's shape: its first class name, numbers left out. Blog
    engines give every post its own classes (``post-6665 post … tag-369 category-math``)."""
    first = (cls or "").split(maxsplit=1)
    return _DIGITS.sub("#", first[0]) if first else ""


def list_items(tree: lxml.html.HtmlElement) -> ListItems:
    """Sibling elements of the same tag and class, three or more, each led by a link to
    another page and holding a date or a teaser."""
    found = ListItems()
    texts: list[str] = []
    for parent in tree.iter():
        if not isinstance(parent.tag, str) or len(parent) < MIN_ITEMS:
            continue
        groups: dict[tuple[str, str], list[lxml.html.HtmlElement]] = {}
        for child in parent:
            if child.tag in _ITEM_TAGS:
                groups.setdefault((child.tag, _shape_class(child.get("class"))), []).append(child)
        for members in groups.values():
            if len(members) < MIN_ITEMS:
                continue
            rich = []
            weights = []
            dated = teasers = 0
            for item in members:
                link = _headline_link(item)
                if link is None:
                    continue
                text = item.text_content()
                weight = _weight(text)
                link_weight = sum(_weight(a.text_content()) for a in item.iter("a"))
                has_date = bool(_DATE.search(text))
                has_teaser = weight - link_weight >= _MIN_TEASER
                if has_date or has_teaser:
                    rich.append(item)
                    weights.append(weight)
                    dated += has_date
                    teasers += has_teaser
            if len(rich) < MIN_ITEMS or len(rich) * 5 < len(members) * 3:  # most of the group
                continue
            if len(rich) < _LONG_LIST and 2 * max(weights) > sum(weights):
                continue  # a few blocks, one of them holding the rest: a layout (header, article, footer)
            texts.extend(_norm(item.text_content()) for item in rich)
            found.count += len(rich)
            found.largest = max(found.largest, len(rich))
            found.dated += dated
            found.teasers += teasers
    found.texts = "\0".join(texts)
    return found


def _led_by_link(line: str, link_texts: frozenset[str]) -> bool:
    """The line starts with one of the page's link texts (a headline, not a word)."""
    for n in range(min(len(line), 80), 3, -1):
        head = line[:n]
        if head in link_texts and _weight(head) >= _MIN_HEADLINE:
            return True
    return False


def distinct_dates(lines: list[str]) -> int:
    found = set()
    for line in lines:
        for m in _FULL_DATE.finditer(line):
            if m.group(1):
                found.add((int(m.group(1)), int(m.group(2)), int(m.group(3))))
            else:
                found.add((0, int(m.group(4)), int(m.group(5))))
    return len(found)


def _page_title(tree: lxml.html.HtmlElement) -> list[str]:
    """The first segment of <title>, and the page's first h1/h2."""
    out = []
    title = _WS.sub(" ", tree.findtext(".//title") or "").strip()
    if title:
        out.append(_TITLE_SEPARATORS.split(title)[0].strip())
    for tag in ("h1", "h2"):
        for h in tree.iter(tag):
            out.append(_WS.sub(" ", h.text_content()).strip())
            break
    return [t for t in out if t]


def list_page_evidence(
    tree: lxml.html.HtmlElement, text_lines: list[str], link_texts: frozenset[str], has_own_date: bool
) -> str | None:
    """Why the page is a list (or about) page and not an article, or None.

    ``tree``: the page as ``article_html.parse_html`` built it (pruning of recommendation
    blocks may have run; extraction has not changed it). ``text_lines``: the extracted body
    lines, link lines included. ``link_texts``: the texts of the page's links.
    ``has_own_date``: a publication date of the page itself was found (markup, URL, 时间 line).
    """
    lines = [l for l in (_item_line(_WS.sub(" ", x)) for x in text_lines) if l]
    total = sum(_weight(l) for l in lines)
    if any(_ABOUT_TITLE.search(t) for t in _page_title(tree)) and (not has_own_date or total < 600):
        return "about page: its title names it" + ("" if has_own_date else ", no date of its own")
    if not lines or not total:
        return None
    cut = sum(1 for l in lines if _TEASER_END.search(l))
    if cut >= 2 and cut == len(lines):  # a portal's blocks of teasers, in no one list
        return f"list page: all {cut} lines are teasers cut short"
    items = list_items(tree)
    if items.largest < MIN_ITEMS:
        return None
    inside = sum(_weight(l) for l in lines if _norm(l) and _norm(l) in items.texts)
    coverage = inside / total
    if coverage < MIN_COVERAGE:
        return None
    cues = []
    if coverage >= 0.9 and len(items.texts) >= 2 * sum(len(_norm(l)) for l in lines):
        cues.append("the text is a part of the list")
    led = sum(1 for l in lines if _led_by_link(l, link_texts))
    if led >= 3 and led * 2 >= len(lines):
        cues.append(f"{led} of {len(lines)} lines start with a link")
    teasers = cut
    if teasers >= 3 and teasers * 4 >= len(lines):
        cues.append(f"{teasers} teaser endings")
    dates = distinct_dates(lines)
    if dates >= 4:
        cues.append(f"{dates} distinct dates")
    repeated = sum(n for n in Counter(lines).values() if n >= 5)
    if repeated * 3 >= len(lines):
        cues.append(f"{repeated} lines of repeated item chrome")
    if not cues:  # no own date is a weak cue: it only adds to the others
        return None
    if not has_own_date:
        cues.append("no date of its own")
    return (
        f"list page: {items.largest} repeated link+{'date' if items.dated >= items.teasers else 'teaser'} items "
        f"hold {coverage:.0%} of the text; " + ", ".join(cues)
    )


# A headline list: the text has fewer Han characters in body sentences than this (a brief of
# one sentence has more), and this share of its weight lies in lines that are headlines.
_MAX_HEADLINE_LIST_SENTENCES = 20
_MIN_HEADLINE_SHARE = 2 / 3
_HEADLINE_COVER = 0.6  # a line is a headline when the page's headlines cover this much of it


def _covered_weight(line: str, starting: dict[str, list[str]]) -> int:
    """The weight of the parts of ``line`` that are one of the headlines (``starting``: the
    headlines by their first two characters, longest first)."""
    covered = []
    end = 0  # the end of the covered part so far
    for i in range(len(line) - 1):
        for h in starting.get(line[i : i + 2], ()):
            if line.startswith(h, i):
                if i + len(h) > end:
                    covered.append(line[max(i, end) : i + len(h)])
                    end = i + len(h)
                break
    return _weight("".join(covered))


def headline_list_evidence(tree: lxml.html.HtmlElement, lines: list[str], link_texts: frozenset[str]) -> str | None:
    """Why the text the page would ship is a list of its headlines, or None.

    ``lines``: that text (link lines removed). Chinese text only: it reads as no article when it
    has next to no body sentences and most of its weight is in lines that are the page's
    headlines: a link text or a picture's alt text (four words or more) covers most of the line,
    what is left being a label, a rank, a count or a stray code (``棱镜| 标题``, ``| 1标题 |
    146513 |``, a video card's caption and its hidden id)."""
    text = "\n".join(lines)
    if not lines or not is_chinese_text(text) or sentence_weight(text) >= _MAX_HEADLINE_LIST_SENTENCES:
        return None
    alts = (_WS.sub(" ", str(a)).strip() for a in tree.xpath("//img/@alt"))
    starting: dict[str, list[str]] = {}
    for h in sorted({h for h in (*link_texts, *alts) if _weight(h) >= _MIN_HEADLINE}, key=len, reverse=True):
        starting.setdefault(h[:2], []).append(h)
    total = in_headlines = count = 0
    for line in dict.fromkeys(lines):  # (a table header above every ranking is one line of chrome)
        weight = _weight(line)
        total += weight
        if weight and _covered_weight(line, starting) >= _HEADLINE_COVER * weight:
            in_headlines += weight
            count += 1
    if count < 3 or in_headlines < _MIN_HEADLINE_SHARE * total:
        return None
    return f"list page: {count} lines are the page's headlines ({in_headlines / total:.0%} of the text), no body sentences"
