"""What a page says it is about: its keywords, its section and its description.

Scrapy-free, read from the parsed page before extraction changes it.

- keywords: the terms the page shows for the article (the 关键词 / 标签 / Tags line, tag
  links), else ``<meta name="keywords">``. Shown terms come first because meta keywords
  are often the site's own list on every page.
- section: the breadcrumb path (当前位置：首页 > 新闻中心 > 集团要闻, in either script),
  without the home link, the site's name, the article's title and "正文".
- description: ``<meta name="description">`` or ``og:description``; whether it is the
  site's generic one is learned per site by the template stage (pipelines/template.py).

The keywords and breadcrumb lines are recognised by the patterns the boilerplate stage
removes them with (pipelines/text/patterns_zh.py), in simplified form.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree

from pipelines.text import patterns_zh as P

_WS = re.compile(r"\s+")
# The characters of the traditional cue words that differ from their simplified forms: enough
# to match the simplified patterns without a full conversion (関 is the Japanese form).
_CUE_T2S = str.maketrans("關関鍵詞標籤當現頁網題", "关关键词标签当现页网题")
_TERM_SPLIT = re.compile(r"\s*[,，;；、|｜/]\s*|\s+")
_CRUMB_SPLIT = re.compile(r"\s*(?:>>|>|»|›|→|＞|/|\\|-{1,2}|—|·)\s*")
_HOME = frozenset({"首页", "网站首页", "主页", "home", "首頁", "網站首頁", "主頁", "回到首页", "返回首页", "本站首页"})
_NOT_SECTION = frozenset({"正文", "正文内容", "内容", "内容页", "详情", "详细内容", "文章", "文章内容", "阅读文章", "浏览文章", "新闻正文", "詳情", "內容", "文章內容"})
_KEYWORD_TEXTS = etree.XPath(
    "//body//text()[contains(., '关键') or contains(., '關鍵') or contains(., '标签') or contains(., '標籤') or contains(., 'Tag')"
    " or contains(., 'TAG') or contains(., 'tag')][not(ancestor::script or ancestor::style)]"
)
_TAG_LINKS = etree.XPath(
    "//a[contains(concat(' ', normalize-space(@rel), ' '), ' tag ')] | //*[contains(@class, 'tag') or contains(@id, 'tag')"
    " or contains(@class, 'keyword') or contains(@id, 'keyword') or contains(@class, 'Tag') or contains(@class, 'label')]//a"
)
_TAG_MARK = re.compile(r"(?:^|[\s_-])(?:tags?|keywords?|tag-?list|tag-?box|article-?tags?|post-?tags?|news-?tags?|labels?|biaoqian)(?:$|[\s_-])", re.I)
_NOT_TAG_MARK = re.compile(r"hot|cloud|nav|menu|rank|footer|header|related|tuijian|recommend|side", re.I)
_META_KEYWORDS = etree.XPath("//meta[translate(@name, 'KEYWORDS', 'keywords')='keywords'][@content]/@content")
_DESCRIPTION = etree.XPath(
    "//meta[translate(@name, 'DESCRIPTION', 'description')='description'][@content]/@content"
    " | //meta[@property='og:description' or @name='og:description'][@content]/@content"
)
_SITE_NAME = etree.XPath("//meta[@property='og:site_name'][@content]/@content")
_CRUMB_TEXTS = etree.XPath(
    "//body//text()[contains(., '位置') or contains(., '首页') or contains(., '首頁')][not(ancestor::script or ancestor::style)]"
)
_CRUMB_BOXES = etree.XPath(
    "//*[contains(@class, 'crumb') or contains(@id, 'crumb') or contains(@class, 'Crumb') or contains(@class, 'bread')"
    " or contains(@class, 'weizhi') or contains(@id, 'weizhi') or contains(@class, 'dqwz') or contains(@class, 'curpos')"
    " or contains(@class, 'mbx') or contains(@id, 'mbx') or contains(@class, 'location') or contains(@id, 'location')"
    " or contains(@class, 'position') or contains(@id, 'position') or contains(@class, 'channel-path')]"
)
_MAX_LINE = 200
_MAX_TERM = 30
_MAX_TERMS = 30


@dataclass(frozen=True)
class PageTerms:
    keywords: list[str]
    section: list[str]
    description: str | None


def _clean(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def _cue_form(text: str) -> str:
    """NFKC and the cue words in simplified form: what the simplified patterns match."""
    return unicodedata.normalize("NFKC", _clean(text)).translate(_CUE_T2S)


def _dedupe(terms: list[str]) -> list[str]:
    out: list[str] = []
    for term in terms:
        if term and term not in out:
            out.append(term)
    return out


_NOT_TERM = re.compile(r"[<>=【】\[\]]|查看更多|更多|纠错|糾錯")


def _terms(texts: list[str]) -> list[str]:
    """Terms as fields keep them: no home link, no markup debris, no "more" links."""
    out = [t for t in texts if t and len(t) <= _MAX_TERM and not _NOT_TERM.search(t) and t.lower() not in _HOME]
    return _dedupe(out)[:_MAX_TERMS]


def split_terms(value: str) -> list[str]:
    """The terms of a keywords value: "a,b；c d" -> [a, b, c, d]."""
    terms = [t.strip(" \t\u3000:：.。") for t in _TERM_SPLIT.split(value or "")]
    return _terms(terms)


def _container(node: etree._Element, pattern: re.Pattern[str]) -> etree._Element | None:
    """The nearest element around ``node`` whose text starts with ``pattern`` (a labelled line)."""
    el = node
    while el is not None and el.tag not in ("body", "html"):
        text = _clean(el.text_content())
        if len(text) > _MAX_LINE:
            return None
        if pattern.match(_cue_form(text)):
            return el
        el = el.getparent()
    return None


def keyword_line_terms(line: str) -> list[str]:
    """The terms of a 关键词/标签/Tags line (its label removed); [] for another line."""
    m = P.KEYWORDS_LINE.match(_cue_form(line))
    return split_terms(_cue_form(line)[m.end():]) if m else []


def _shown_keywords(tree: etree._Element) -> list[str]:
    for node in _KEYWORD_TEXTS(tree):
        parent = node.getparent()
        if parent is None:
            continue
        box = _container(parent, P.KEYWORDS_LINE)
        if box is None:
            continue
        anchors = [_clean(a.text_content()) for a in box.iter("a")]
        anchors = [a for a in anchors if a and not P.KEYWORDS_LINE.match(_cue_form(a) + ":")]
        terms = _terms(anchors) if anchors else keyword_line_terms(box.text_content())
        if terms:
            return terms[:_MAX_TERMS]
    terms: list[str] = []
    for a in _TAG_LINKS(tree):
        box = a
        marked = False
        for _ in range(3):
            box = box.getparent()
            if box is None:
                break
            marks = (box.get("class") or "") + " " + (box.get("id") or "")
            if _NOT_TAG_MARK.search(marks):
                break
            if _TAG_MARK.search(marks):
                marked = True
                break
        if marked or "tag" in (a.get("rel") or "").split():
            text = _clean(a.text_content())
            if text and len(text) <= _MAX_TERM:
                terms.append(text.lstrip("#"))
    return _terms(terms)


def page_keywords(tree: etree._Element) -> list[str]:
    shown = _shown_keywords(tree)
    if shown:
        return shown
    for value in _META_KEYWORDS(tree):
        terms = split_terms(str(value)) if re.search(r"[,，;；、|]", str(value)) else split_terms(str(value).replace(" ", ","))
        if terms:
            return terms
    return []


def _site_names(tree: etree._Element) -> set[str]:
    """The site's name, as og:site_name or the last part of ``<title>`` ("标题_栏目_某某网")."""
    names = {_clean(str(v)) for v in _SITE_NAME(tree)}
    title = _clean(tree.findtext(".//title"))
    parts = [p for p in re.split(r"\s*(?:[_|｜]|\s[-–—]\s)\s*", title) if p]
    if len(parts) > 1:
        names.add(parts[-1])
    return {n for n in names if n}


def _is_home_link(a: etree._Element, page_url: str) -> bool:
    href = (a.get("href") or "").strip()
    if not href:
        return False
    try:
        parts = urlsplit(urljoin(page_url, href))
    except ValueError:
        return False
    return parts.path in ("", "/", "/index.html", "/index.htm", "/index.shtml", "/index.php", "/index.asp", "/default.htm") and not parts.query


def crumb_terms(text: str) -> list[str]:
    """The parts of a breadcrumb line ("当前位置：首页 > 新闻 > 正文"), label included."""
    return [p for p in (_clean(x) for x in _CRUMB_SPLIT.split(text)) if p]


def _crumbs(box: etree._Element, page_url: str) -> list[str]:
    parts: list[str] = []
    anchors = list(box.iter("a"))
    if anchors:
        for a in anchors:
            text = _clean(a.text_content())
            if text and not _is_home_link(a, page_url):
                parts.append(text)
        last = anchors[-1].tail or ""
        parts.extend(crumb_terms(last))
    else:
        parts = crumb_terms(box.text_content())
    return parts


def _clean_section(parts: list[str], names: set[str], title: str | None) -> list[str]:
    out: list[str] = []
    title_key = _WS.sub("", title or "")
    for part in parts:
        cue = _cue_form(part)
        m = P.BREADCRUMB_LINE.match(cue)
        if m:
            part = part[m.end():] if len(cue) == len(part) else cue[m.end():]
            cue = _cue_form(part)
        part = part.strip(" :：>»")
        if not part or cue.lower() in _HOME or part.lower() in _HOME or part in names or cue in _NOT_SECTION:
            continue
        if len(part) > _MAX_TERM or (title_key and (_WS.sub("", part) == title_key or (len(part) >= 8 and title_key.startswith(_WS.sub("", part))))):
            continue
        out.append(part)
    return _dedupe(out)


def section_from_line(line: str, title: str | None) -> list[str]:
    """The sections of a breadcrumb text line (当前位置：首页 > 新闻 > 集团要闻)."""
    return _clean_section(crumb_terms(line), set(), title)


def page_section(tree: etree._Element, page_url: str, title: str | None) -> list[str]:
    """The breadcrumb's sections, outermost first; [] without a breadcrumb."""
    names = _site_names(tree)
    boxes: list[etree._Element] = []
    for node in _CRUMB_TEXTS(tree):
        parent = node.getparent()
        if parent is None:
            continue
        if parent.tag == "a" and _clean(str(node)) in _HOME:
            parent = parent.getparent()  # <a>首页</a> &gt; <a>新闻</a>: the path around the link
            if parent is None:
                continue
        box = _container(parent, P.BREADCRUMB_LINE)
        if box is None:
            box = _container(parent, P.BREADCRUMB_PATH)
        if box is not None:
            boxes.append(box)
            break
    if not boxes:
        for box in _CRUMB_BOXES(tree):
            text = _clean(box.text_content())
            if 2 <= len(text) <= _MAX_LINE and box.find(".//a") is not None and _CRUMB_SPLIT.search(text):
                boxes.append(box)
                break
    for box in boxes:
        section = _clean_section(_crumbs(box, page_url), names, title)
        if section:
            return section
    return []


def page_description(tree: etree._Element) -> str | None:
    for value in _DESCRIPTION(tree):
        value = _clean(str(value))
        if value:
            return value
    return None


def page_terms(tree: etree._Element, page_url: str, title: str | None) -> PageTerms:
    return PageTerms(page_keywords(tree), page_section(tree, page_url, title), page_description(tree))
