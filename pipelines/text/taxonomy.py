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
from functools import cached_property

from lxml import etree

from pipelines.text import patterns_zh as P
from pipelines.text.page_walk import PageWalk, in_hidden_box, walk_page

_WS = re.compile(r"\s+")
# The characters of the traditional cue words that differ from their simplified forms: enough
# to match the simplified patterns without a full conversion (関 is the Japanese form).
_CUE_T2S = str.maketrans("關関鍵詞標籤當現頁網題", "关关键词标签当现页网题")
_TERM_SPLIT = re.compile(r"\s*[,，;；、|｜/]\s*|\s+")
_CRUMB_SPLIT = re.compile(r"\s*(?:>>|>|»|›|→|＞|/|\\|-{1,2}|—|·)\s*")
_HOME = frozenset({"首页", "网站首页", "主页", "home", "首頁", "網站首頁", "主頁", "回到首页", "返回首页", "本站首页"})
_NOT_SECTION = frozenset({"正文", "正文内容", "内容", "内容页", "详情", "详细内容", "文章", "文章内容", "文章详情", "阅读文章", "浏览文章", "新闻正文", "詳情", "內容", "文章內容", "文章詳情"})
# The page's text nodes and class/id attributes are read in the record reader's one walk
# (pipelines/text/page_walk.py), filtered there by these patterns, and shared by the fields.
_CUE = re.compile(r"[关關标標位首>»›→＞]|tag|Tag|TAG|分类|分類|栏目|欄目|版块|版塊|板块|板塊|节点|節點|发布于|發佈於|發布於|发表于|發表於")  # a cue's first character, a Tags or a category label (no re.I: 3x faster)
_CUE_HINT = re.compile(r"[关關标標位首>»›→＞tT分栏欄版板节節发發]")  # finds something wherever _CUE does (one character set)
_SEPARATOR_CHARS = re.compile(r">|»|›|→|＞")
_KEYWORD_CUE = re.compile(r"关键|關鍵|标签|標籤|tag", re.I)
_CRUMB_CUE = re.compile(r"位置|首页|首頁")
_BOX_MARK = re.compile(r"[Tt]ag|[Kk]ey-?[Ww]ord|[Ll]abel|[Cc]rumb|[Bb]read|weizhi|dqwz|curpos|mbx|[Ll]ocation|[Pp]osition|[Cc]hannel|[Cc]atalog|[Cc]olumn|lanmu|[Cc]ategory")
# _BOX_MARK's words lower-cased: finds something in every lower-cased value _BOX_MARK matches,
# ten times faster (its character classes defeat the regex engine's literal search)
_BOX_MARK_HINT = re.compile(r"tag|key-?word|label|crumb|bread|weizhi|dqwz|curpos|mbx|location|position|channel|catalog|column|lanmu|category")
_CRUMB_MARK = re.compile(r"crumb|bread|weizhi|dqwz|curpos|mbx|location|position|channel-path", re.I)
_SECTION_MARK = re.compile(r"catalog|channel|column|lanmu|category", re.I)
_TEXT_LENGTH = etree.XPath("string-length()")
_MAX_CUE_TEXT = 200  # characters: a text node longer than a keywords or breadcrumb line is prose
_TAG_MARK = re.compile(r"(?:^|[\s_-])(?:tags?|key-?words?|tag-?list|tag-?box|article-?tags?|post-?tags?|news-?tags?|labels?|biaoqian)(?:$|[\s_-])", re.I)
_NOT_TAG_MARK = re.compile(r"hot|cloud|nav|menu|rank|footer|header|related|tuijian|recommend|side", re.I)
_MAX_LINE = 200
_WORD = re.compile(r"[^\W\d_]")  # a letter or a Han character: a label of digits is an id (channel_id 1001)
_MAX_TERM = 30
_MAX_TERMS = 30


def scan_page(tree: etree._Element) -> PageWalk:
    """The record reader's one walk over the page, with the cue and mark tests of this module."""
    return walk_page(tree, _CUE, _CUE_HINT, _MAX_CUE_TEXT, _BOX_MARK, _BOX_MARK_HINT)


def meta_values(tree: etree._Element, metas: list[etree._Element] | None = None) -> dict[str, str]:
    """The page's <meta> values by lower-cased name or property (the first non-empty one of
    each): keywords, description, og:description, og:site_name, og:image, article:section; a
    meta with only an itemprop under "itemprop:" + it (itemprop:articlesection). ``metas``: the
    page's <meta> elements when a walk has them."""
    out: dict[str, str] = {}
    for meta in metas if metas is not None else tree.iter("meta"):
        content = meta.get("content")
        key = meta.get("property") or meta.get("name") or ("itemprop:" + meta.get("itemprop", "") if meta.get("itemprop") else None)
        if key and content and content.strip():
            out.setdefault(key.strip().lower(), content)
    return out


class _Scan:
    """The page's cue texts (with a keywords or breadcrumb cue or a separator), its elements
    marked as a tag, breadcrumb or section box, and its rel links, from the page's walk."""

    def __init__(self, tree: etree._Element, walk: PageWalk | None = None) -> None:
        self.tree = tree
        walk = walk if walk is not None else scan_page(tree)
        self.cue_texts = walk.cue_texts
        self.marked = walk.marked  # (element, its class and id)
        self.rel_links = walk.rel_links

    @cached_property
    def separated_links(self) -> list[etree._Element]:
        """Links next to a text with a breadcrumb separator, in document order: the only
        links a breadcrumb can start with (the page's other links are never looked at)."""
        out: list[etree._Element] = []
        for node in self.cue_texts:
            if not _SEPARATOR_CHARS.search(node.text):
                continue
            el = node.element
            if node.is_tail:  # <a>新闻</a> &gt; <a>国内</a>
                near = [el, el.getnext()]
            else:  # <td> &gt;<a>…</a></td>, <span>&gt;</span> <a>…</a>
                near = [el[0] if len(el) else None, el.getprevious(), el.getnext()]
            for a in near:
                if a is not None and a.tag == "a" and a not in out:
                    out.append(a)
        return out


@dataclass(frozen=True)
class PageTerms:
    keywords: list[str]
    section: list[str]
    description: str | None
    meta_keywords: list[str]  # the terms of <meta name="keywords">: the template stage learns the site's generic ones


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
    texts = [t.strip("#＃ ") if t and t[0] in "#＃" else t for t in texts]  # (#算法, #佛系#: a hashtag's marks)
    out = [t for t in texts if t and len(t) <= _MAX_TERM and not _NOT_TERM.search(t) and t.lower() not in _HOME]
    return _dedupe(out)[:_MAX_TERMS]


def split_terms(value: str) -> list[str]:
    """The terms of a keywords value: "a,b；c d" -> [a, b, c, d]."""
    terms = [t.strip(" \t\u3000:：.。") for t in _TERM_SPLIT.split(value or "")]
    return _terms(terms)


def _container(node: etree._Element, *patterns: re.Pattern[str]) -> etree._Element | None:
    """The nearest element around ``node`` whose text starts with the first of ``patterns``
    (a labelled line), else with the next one, and so on: one walk up for all of them."""
    found: list[etree._Element | None] = [None] * len(patterns)
    el = node
    while el is not None and el.tag not in ("body", "html"):
        if _TEXT_LENGTH(el) > 2 * _MAX_LINE:
            break  # (measured in C: a big block's text is never built in Python)
        text = _clean(el.text_content())
        if len(text) > _MAX_LINE:
            break
        cue = _cue_form(text)
        for n, pattern in enumerate(patterns):
            if found[n] is None and pattern.match(cue):
                found[n] = el
        if found[0] is not None:
            break
        el = el.getparent()
    return next((box for box in found if box is not None), None)


def keyword_line_terms(line: str) -> list[str]:
    """The terms of a 关键词/标签/Tags line (its label removed); [] for another line."""
    m = P.KEYWORDS_LINE.match(_cue_form(line))
    return split_terms(_cue_form(line)[m.end():]) if m else []


_LABEL_ONLY = re.compile(r"^" + P.KEYWORDS_LABEL + r"\s*[:：]?$", re.I)


def _labelled_links(label: etree._Element) -> list[str]:
    """The links after an element that is nothing but the label (<span>标签</span><a>…</a><a>…</a>,
    <h2>标签</h2><div><a>…</a></div>), or its buttons (<span>标签：</span><button>…</button>)."""
    texts: list[str] = []
    for sib in label.itersiblings():
        if not isinstance(sib.tag, str):
            continue
        texts.extend(_clean(a.text_content()) for a in ([sib] if sib.tag in ("a", "button") else sib.iter("a")))
        if len(texts) >= _MAX_TERMS:
            break
    return _terms(texts)


def _shown_keywords(scan: _Scan) -> list[str]:
    for node in scan.cue_texts:
        parent = node.element
        if not _KEYWORD_CUE.search(node.text):
            continue
        if parent.tag != "a" and _LABEL_ONLY.match(_cue_form(parent.text_content())):
            terms = _labelled_links(parent) if not parent.tail or not parent.tail.strip() else []
            if terms:
                return terms
        box = _container(parent, P.KEYWORDS_LINE)
        if box is None:
            continue
        anchors = [_clean(a.text_content()) for a in box.iter("a")]
        anchors = [a for a in anchors if a and not P.KEYWORDS_LINE.match(_cue_form(a) + ":")]
        terms = _terms(anchors) if anchors else keyword_line_terms(box.text_content())
        if terms:
            return terms[:_MAX_TERMS]
    # Tag links: grouped by their outermost tag box (<ul class="tag-list"><li class="tag-item">);
    # the page's biggest box is the article's (a lone "tag" link elsewhere is a channel label).
    boxes: dict[etree._Element | None, list[str]] = {}
    claimed: set[etree._Element] = set()
    for box, marks in scan.marked:
        if not _TAG_MARK.search(marks) or _NOT_TAG_MARK.search(marks) or _not_tag_above(box):
            continue
        for a in box.iter("a"):
            text = _clean(a.text_content())
            if a not in claimed and text and len(text) <= _MAX_TERM and _within(a, box, 3):
                claimed.add(a)
                boxes.setdefault(box, []).append(text)
    for a in scan.rel_links:
        text = _clean(a.text_content())
        if "tag" in (a.get("rel") or "").split() and a not in claimed and text and len(text) <= _MAX_TERM:
            boxes.setdefault(None, []).append(text)
    boxes = {box: terms for box, terms in boxes.items() if box is None or not _one_target(box)}
    return max((_terms(t) for t in boxes.values()), key=len, default=[])


def _one_target(box: etree._Element) -> bool:
    """Every link of the box goes to one page: a promo dressed as tags ("聚合阅读"), not the
    article's tags, which each have a page of their own."""
    hrefs = [(a.get("href") or "").split("#", 1)[0] for a in box.iter("a")]
    return len(hrefs) >= 2 and len(set(hrefs)) == 1


def _within(el: etree._Element, box: etree._Element, levels: int) -> bool:
    """``el`` is at most ``levels`` levels below ``box`` (a tag box's own links, not a whole
    column's), and nothing between is a menu or a list of other things (``_NOT_TAG_MARK``)."""
    for _ in range(levels):
        el = el.getparent()
        if el is box:
            return True
        if el is None:
            return False
        marks = (el.get("class") or "") + " " + (el.get("id") or "")
        if marks.strip() and _NOT_TAG_MARK.search(marks):
            return False
    return False


def _not_tag_above(box: etree._Element) -> bool:
    """A tag box inside a hot-tags cloud, a menu or a related list is not the article's."""
    el = box.getparent()
    for _ in range(3):
        if el is None:
            return False
        marks = (el.get("class") or "") + " " + (el.get("id") or "")
        if marks.strip() and _NOT_TAG_MARK.search(marks):
            return True
        el = el.getparent()
    return False


def page_keywords(tree: etree._Element, scan: _Scan | None = None, meta: dict[str, str] | None = None) -> list[str]:
    shown = _shown_keywords(scan or _Scan(tree))
    return shown or meta_keywords(meta if meta is not None else meta_values(tree))


def meta_keywords(meta: dict[str, str]) -> list[str]:
    """The terms of <meta name="keywords"> (``meta``: the page's meta values)."""
    value = meta.get("keywords", "")
    return split_terms(value) if re.search(r"[,，;；、|]", value) else split_terms(value.replace(" ", ","))


def keywords_line(terms: list[str]) -> str:
    """A page's keywords as the line the template stage counts for its site (pipelines/template.py):
    a keywords list a site puts on TEMPLATE_MIN_PAGES of its pages is its generic one."""
    return "<meta keywords> " + "、".join(terms)


def _site_names(meta: dict[str, str]) -> set[str]:
    """The site's declared name (og:site_name, the SiteName of TRS-built government sites)."""
    return {n for n in (_clean(meta.get(k)) for k in ("og:site_name", "sitename")) if n}


# Between the links of a breadcrumb ("/" joins menu items too: it counts only in a labelled line).
_SEPARATOR = re.compile(r"^\s*(?:>>|>|»|›|→|＞)")
_SEPARATOR_END = re.compile(r"(?:>>|>|»|›|→|＞)\s*$")
_NOT_CRUMB = re.compile(r"^(?:更多|查看更多|more|下一页|上一页|下一頁|上一頁|\d{1,3})$", re.I)
_NOT_CRUMB_LINK = re.compile(r"rss|订阅|訂閱|搜索|登录|登錄|注册|註冊", re.I)  # tools beside a breadcrumb
# The breadcrumb's own label, when its colon stands apart: 您的当前位置 / 您所在的位置
_CRUMB_LABEL = re.compile(r"^(?:您|你)?(?:的|所在的|现在的|当前的)?(?:当前|现在|所在)?的?位置\s*[:：]?$")
_MAX_CRUMBS = 8  # links in a breadcrumb's box: more is a menu
_CHANNEL_HOME = re.compile(r"(?:频道|頻道|中心|栏目|欄目)$")
# Text after a breadcrumb's last link that is not a crumb: tools, script, sign-up links
_NOT_CRUMB_TEXT = re.compile(r"[|=;{}]|字号|字號|打印|申请入驻|登录|注册|var ")


def _site_crumb(text: str, names: set[str]) -> bool:
    """The first crumb names the site: its home word (网易首页), its declared name
    (og:site_name, SiteName) or a name ending in 网 (人民网, 和讯网). A channel's name
    (新闻中心, 网易科技) is a section."""
    return "首页" in _cue_form(text) or text in names or text.endswith(("网", "網"))


def crumb_terms(text: str) -> list[str]:
    """The parts of a breadcrumb line ("当前位置：首页 > 新闻 > 正文"), label included."""
    return [p for p in (_clean(x) for x in _CRUMB_SPLIT.split(text)) if p]


def _crumbs(box: etree._Element) -> list[tuple[str, etree._Element | None]]:
    """(text, its link) of each part of a breadcrumb box, in order."""
    anchors = [a for a in box.iter("a") if _clean(a.text_content()) and not _NOT_CRUMB_LINK.search(_clean(a.text_content()))]
    if not anchors:
        return [(t, None) for t in crumb_terms(box.text_content())]
    parts: list[tuple[str, etree._Element | None]] = []
    lead = _clean(box.text or "")
    if anchors[0].getparent() is box and lead:
        parts.extend((t, None) for t in crumb_terms(lead))
    for a in anchors:
        parts.append((_clean(a.text_content()), a))
    parts.extend((t, None) for t in crumb_terms(_after(anchors[-1], box)))
    return parts


def _after(a: etree._Element, box: etree._Element) -> str:
    """The text after the box's last link (the current page's crumb: "> 正文")."""
    out = [a.tail or ""]
    el = a
    while el is not None and el is not box:
        for sib in el.itersiblings():
            if isinstance(sib.tag, str) and sib.tag not in ("script", "style"):
                out.append(sib.text_content())
            out.append(sib.tail or "")
        el = el.getparent()
        if el is not None and el is not box:
            out.append(el.tail or "")
    return " > ".join(t for t in (x.strip() for x in out) if t)


def _clean_section(parts: list[tuple[str, etree._Element | None]], names: set[str], title: str | None) -> list[str]:
    out: list[str] = []
    title_key = _WS.sub("", title or "")
    # the first crumb after the label (当前位置：) may name the site
    first = next((n for n, (part, _) in enumerate(parts) if not _CRUMB_LABEL.match(_cue_form(part).strip(" :：")) and not (
        P.BREADCRUMB_LINE.match(_cue_form(part)) and not _cue_form(part)[P.BREADCRUMB_LINE.match(_cue_form(part)).end():].strip())), 0)
    for n, (part, _link) in enumerate(parts):
        cue = _cue_form(part)
        m = P.BREADCRUMB_LINE.match(cue)
        if m:
            part = part[m.end():] if len(cue) == len(part) else cue[m.end():]
            cue = _cue_form(part)
        part = part.strip(" :：>»■□◆●·")
        cue = _cue_form(part)
        if cue.endswith(("首页", "首頁")) and _CHANNEL_HOME.search(cue[:-2]):
            part = part[:-2]  # 音乐频道首页: the channel's home page is the channel
            cue = _cue_form(part)
        if not part or cue.lower() in _HOME or "首页" in cue or part in names or cue in _NOT_SECTION or _CRUMB_LABEL.match(cue):
            continue
        if _NOT_CRUMB_TEXT.search(part):
            continue
        if n == first and (_site_crumb(part, names) or _home_link(_link)):
            continue
        if len(part) > _MAX_TERM or (title_key and (_WS.sub("", part) == title_key or (len(part) >= 8 and title_key.startswith(_WS.sub("", part).rstrip(".…"))))):
            continue
        out.append(part)
    return out


def section_from_line(line: str, title: str | None) -> list[str]:
    """The sections of a breadcrumb text line (当前位置：首页 > 新闻 > 集团要闻)."""
    return _clean_section([(t, None) for t in crumb_terms(line)], set(), title)


def _separated(a: etree._Element) -> bool:
    """A link with a breadcrumb separator right after it or right before it."""
    if a.tail and a.tail.strip():
        if _SEPARATOR.match(a.tail):
            return True
    else:
        nxt = a.getnext()
        if nxt is not None and nxt.tag != "a" and _SEPARATOR.match(_clean(nxt.text_content()) or "x") and len(_clean(nxt.text_content())) <= 2:
            return True
    prev = a.getprevious()
    before = (prev.tail if prev is not None else a.getparent().text if a.getparent() is not None else "") or ""
    if not before.strip() and prev is not None and prev.tag != "a":
        before = _clean(prev.text_content()) if len(_clean(prev.text_content())) <= 2 else ""  # <span>&gt;</span> <a>要闻</a>
    return bool(_SEPARATOR_END.search(before))


def _separator_box(scan: _Scan) -> etree._Element | None:
    """The first box of a few links joined by breadcrumb separators (网易首页 > 新闻中心 > 正文)."""
    for a in scan.separated_links:
        text = _clean(a.text_content())
        if not text or _NOT_CRUMB.match(text) or not _separated(a):
            continue
        box = a.getparent()
        while box is not None and box.tag in ("span", "em", "i", "b", "strong", "li", "font", "td", "tr", "tbody") and _TEXT_LENGTH(box) <= 2 * _MAX_LINE and len(_clean(box.text_content())) <= len(text) + 4:
            box = box.getparent()  # <span><a>资讯</a> &gt; </span><span>…: the box holds the spans
        if box is None or box.tag in ("body", "html") or _TEXT_LENGTH(box) > 2 * _MAX_LINE or len(_clean(box.text_content())) > _MAX_LINE:
            continue
        anchors = [x for x in box.iter("a") if _clean(x.text_content())]
        if len(anchors) > _MAX_CRUMBS:
            continue
        if any(_NOT_CRUMB.match(_clean(x.text_content())) for x in anchors):
            continue
        return box
    return None


def _channel_before(box: etree._Element) -> list[tuple[str, etree._Element | None]]:
    """The channel's name standing as a heading link just before its breadcrumb
    (<h1><a>新闻中心</a></h1><div class="channel-path"><a>国内新闻</a> &gt; 正文)."""
    if sum(1 for _ in box.iter("a")) > 1:
        return []  # a breadcrumb of its own links names its channel itself
    prev = box.getprevious()
    while prev is not None and not isinstance(prev.tag, str):
        prev = prev.getprevious()
    if prev is None or prev.tag not in ("h1", "h2", "h3", "a", "span", "strong", "b"):
        return []
    anchors = list(prev.iter("a"))
    text = _clean(prev.text_content())
    if len(anchors) == 1 and 2 <= len(text) <= 8 and text == _clean(anchors[0].text_content()):
        return [(text, anchors[0])]
    return []


def section_label(scan: _Scan, names: set[str]) -> list[str]:
    """A page without a breadcrumb: its section's label by the headline (<span
    class="a_catalog"><a>金融市场</a></span>), when the page marks one as such."""
    labels = [el for el, marks in scan.marked if _SECTION_MARK.search(marks)]
    below: dict[etree._Element, int] | None = None
    for el in labels:
        if len(el.findall(".//a")) > 1:
            continue
        text = _clean(el.text_content())
        if 2 <= len(text) <= 10 and _WORD.search(text) and text not in names and not _site_crumb(text, names) and not _NOT_CRUMB.match(text) and "首页" not in text:
            below = below if below is not None else _marked_below(labels)  # (only when a label is worth testing)
            if not _menu_entry(el, below):
                return [text]
    return []


def _menu_entry(el: etree._Element, below: dict[etree._Element, int]) -> bool:
    """The label is one entry of a channel menu (<li><a class="channel-item-news">资讯</a></li>
    <li><a class="channel-item-video">视频</a></li>): its parent or grandparent holds two more
    elements marked as a section (``below``: how many such elements each element holds, itself
    included)."""
    box = el.getparent()
    for _ in range(2):
        if box is None or box.tag in ("body", "html"):
            return False
        if below.get(box, 0) >= 3:
            return True
        box = box.getparent()
    return False


def _marked_below(labels: list[etree._Element]) -> dict[etree._Element, int]:
    """How many of ``labels`` each element holds (itself included): one walk up from each."""
    below: dict[etree._Element, int] = {}
    for label in labels:
        for el in (label, *label.iterancestors()):
            below[el] = below.get(el, 0) + 1
    return below


def _label_box(scan: _Scan) -> etree._Element | None:
    """The box of a labelled breadcrumb (当前位置：…) or one that starts with the home link."""
    for node in scan.cue_texts:
        parent = node.element
        if not _CRUMB_CUE.search(node.text):
            continue
        if parent.tag == "a" and _clean(node.text) in _HOME:
            parent = parent.getparent()  # <a>首页</a> &gt; <a>新闻</a>: the path around the link
            if parent is None:
                continue
        box = _container(parent, P.BREADCRUMB_LINE, P.BREADCRUMB_PATH)
        if box is not None:
            return box
    return None


def _marked_box(scan: _Scan) -> etree._Element | None:
    """A box the page marks as its breadcrumb by class or id (crumb, weizhi, position, ...)."""
    for box, marks in scan.marked:
        if not _CRUMB_MARK.search(marks):
            continue
        text = _clean(box.text_content())
        if 2 <= len(text) <= _MAX_LINE and box.find(".//a") is not None and _CRUMB_SPLIT.search(text):
            return box
    return None


def page_section(tree: etree._Element, page_url: str, title: str | None, scan: _Scan | None = None, meta: dict[str, str] | None = None) -> list[str]:
    """The breadcrumb's sections, outermost first: a labelled breadcrumb, else links joined by
    separators, else a box marked as one (a hidden box is not shown: skipped); else the board or
    category a label names; else the section label by the headline; else the section the page
    declares in its meta tags; else []."""
    meta = meta if meta is not None else meta_values(tree)
    names = _site_names(meta)
    scan = scan or _Scan(tree)
    for find in (_label_box, _separator_box, _marked_box):  # cheapest and surest first
        box = find(scan)
        if box is not None and not in_hidden_box(box):
            section = _clean_section(_channel_before(box) + _crumbs(box), names, title)
            if section:
                return section
    return _category_line(scan) or section_label(scan, names) or meta_section(meta)


# A forum's board or a blog's category, named by a label before its link: 分类专栏：<a>图论</a>,
# 博主文章分类：<a>程序员之家</a>, 所属栏目：<a>国内新闻</a>, 发布于<a>社区管理</a>.
_CATEGORY_LABEL = re.compile(
    r"^(?:博主)?(?:文章|所属|所屬|本文)?(?:个人|個人)?(?:分类专栏|分類專欄|分类|分類|栏目|欄目|版块|版塊|板块|板塊|节点|節點)\s*[:：]?$"
    r"|^(?:发布|發佈|發布|发表|發表)(?:于|於|在)$"
)
_DATE_LIKE = re.compile(r"\d{1,4}\s*[-/年.:：月]\s*\d")
_MAX_CATEGORY_LINKS = 3


def _category_line(scan: _Scan) -> list[str]:
    """The board or category a label names (a forum's 发布于<a>版块</a>, a blog's 分类：<a>…</a>):
    the links in the label's own element after it, else the links right after the label's
    element, up to the next element that is not a link."""
    for node in scan.cue_texts:
        if node.is_tail or not _CATEGORY_LABEL.match(_cue_form(node.text)):
            continue
        label = node.element
        if label.tag == "a" or in_hidden_box(label):
            continue
        links = [a for a in label if a.tag == "a"]
        if not links:
            for sib in label.itersiblings():
                if not isinstance(sib.tag, str):
                    continue
                if sib.tag != "a":
                    break
                links.append(sib)
                if sib.tail and sib.tail.strip(" ,，、|"):
                    break
        if len(links) > _MAX_CATEGORY_LINKS:
            continue  # a sidebar's list of the blog's categories under its heading
        terms = [_clean(a.text_content()).strip("#＃ ") for a in links]
        terms = [t for t in terms if 2 <= len(t) <= _MAX_TERM and not _DATE_LIKE.search(t) and "首页" not in _cue_form(t)]
        if terms:
            return _dedupe(terms)
    return []


def _home_link(link: etree._Element | None) -> bool:
    """The crumb's link says it is the home page (title="首页"), however its text names the
    site (<a href="./" title="首页">反恐精英Online-官方论坛</a>)."""
    title = _cue_form(link.get("title") or "") if link is not None else ""
    return bool(title) and (title.lower() in _HOME or "首页" in title)


def meta_section(meta: dict[str, str]) -> list[str]:
    """The section the page declares: ``article:section`` or ``itemprop="articleSection"``."""
    value = _clean(meta.get("article:section") or meta.get("itemprop:articlesection"))
    return [value] if value and len(value) <= _MAX_TERM and _WORD.search(value) else []


def page_description(meta: dict[str, str]) -> str | None:
    return _clean(meta.get("description") or meta.get("og:description")) or None


def page_terms(tree: etree._Element, page_url: str, title: str | None, meta: dict[str, str] | None = None, walk: PageWalk | None = None) -> PageTerms:
    scan = _Scan(tree, walk)
    meta = meta if meta is not None else meta_values(tree)
    return PageTerms(page_keywords(tree, scan, meta), page_section(tree, page_url, title, scan, meta), page_description(meta), meta_keywords(meta))
