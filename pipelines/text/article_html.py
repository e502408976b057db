"""Find the article in a decoded page: trafilatura plus what it does not decide.

Scrapy-free. The page is parsed once; the tree gives the canonical URL, the
page's link texts (to tell list pages and related-link lists from articles)
and then goes to trafilatura.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.html
import htmldate
import trafilatura
from trafilatura.utils import load_html
from courlan import normalize_url
from lxml import etree
from w3lib.url import canonicalize_url

from pipelines.text.forum import first_post, post_document, post_lines
from pipelines.text.hard_wrap import join_hard_wrapped
from pipelines.text.list_page import headline_list_evidence, list_page_evidence
from pipelines.text.metadata import PageMetadata, add_heading_above_body, read_metadata
from pipelines.text.normalise import count_chars, is_chinese_text, sentence_weight
from pipelines.text.patterns_zh import OTHER_ANSWERS_LINE
from pipelines.text.record import finish_record, read_record
from pipelines.text.taxonomy import scan_page

_WS = re.compile(r"\s+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_CJK_RUN = re.compile(_CJK.pattern + "+")
# Title suffixes naming the site or channel: "标题_中国有色网", "标题 - 新浪新闻", "标题|人民网"
_TITLE_SEPARATORS = re.compile(r"\s*(?:[_|｜]|\s[-–—]\s)\s*")


# Recommendation and ranking blocks that trafilatura keeps, by class/id: English words,
# and the pinyin abbreviations Chinese CMSs use (xgxw 相关新闻, tjyd 推荐阅读, rdph 热点排行 ...).
_RECOMMEND_TOKENS = (
    "recommend", "--recom", "related-", "relatedpost", "related_", "hotnews", "hot-news", "hot_news",
    "xgxw", "xgwz", "xgyd", "xgtj", "tjyd", "tuijian", "xiangguan", "rdph", "rmtj", "paihang", "remen",
    "morenews", "more-news", "more_news", "news-rank", "newsrank", "stream-item",
)
RECOMMEND_CLASS_ID = re.compile("|".join(re.escape(t) for t in _RECOMMEND_TOKENS))


def prune_recommendations(tree: lxml.html.HtmlElement) -> int:
    """Remove recommendation blocks, matched on class and id in one regex pass
    (an XPath with a contains() per token costs more than the extraction)."""
    doomed = []
    for el in tree.xpath("//*[@class or @id]"):
        if RECOMMEND_CLASS_ID.search((el.get("class") or "") + " " + (el.get("id") or "")):
            doomed.append(el)
    removed = 0
    for el in doomed:
        parent = el.getparent()
        if parent is None or el.tag in ("html", "body"):
            continue
        el.drop_tree()  # keeps its tail text, which belongs to the parent
        removed += 1
    return removed


# Boxes placed far off the screen by their own style: hidden text no reader sees. Hijacked and
# SEO-spammed pages hide link farms and junk markup this way (position:fixed;left:-9000px);
# trafilatura reads style-less trees and keeps them. Positioned boxes only, a thousand pixels
# or more out (a centred layout's margin-left:-620px or left:-600px is on the screen).
_POSITIONED = re.compile(r"(?:^|;)\s*position\s*:\s*(?:absolute|fixed)\b", re.I)
_FAR_OFF = re.compile(r"(?:^|;)\s*(?:left|top|right|bottom)\s*:\s*-\d{4,}(?:\.\d+)?px", re.I)
_STYLED = etree.XPath("//body//*[@style]")


def prune_offscreen(tree: lxml.html.HtmlElement) -> int:
    """Remove boxes their inline style places off the screen (``position:fixed;left:-9000px``)."""
    doomed = [el for el in _STYLED(tree) if _FAR_OFF.search(style := el.get("style") or "") and _POSITIONED.search(style)]
    for el in doomed:
        el.drop_tree()  # (a box inside another doomed one goes with it; its tail stays with its parent)
    return len(doomed)


# A story cut by a "read more" button: the rest is in the same article element, hidden by its
# inline style until the button is pressed (閱讀更多, 阅读全文, 展开全文, 点击查看全文, Read more).
# trafilatura drops boxes styled display:none, and so the story's second half. The button's
# text alone, with its decorations ("- 閱讀更多 -", "展开全文∨").
READ_MORE_BUTTON = re.compile(
    r"^\W*(?:(?:点击|點擊|点此|點此)?(?:阅读|閱讀|查看|展开|展開|显示|顯示|继续阅读|繼續閱讀)(?:更多|全文|全部|剩余|剩餘)(?:内容|內容)?"
    r"|继续阅读|繼續閱讀|read more|continue reading|show more)\W*$",
    re.I,
)
_HIDDEN_STYLE = re.compile(r"(?:^|;)\s*display\s*:\s*none\s*(?:!important\s*)?(?=;|$)", re.I)
_SHORT_TEXTS = etree.XPath("//body//*[not(self::script or self::style)][string-length(normalize-space()) <= 24]")
_READ_MORE_LEVELS = 3  # the button's own box and two above it: where its hidden rest sits
_HIDDEN_REST_CHARS = 50  # a hidden sibling with less text is a login box or a menu, not the story


def reveal_read_more(tree: lxml.html.HtmlElement) -> int:
    """Show the rest of a story hidden behind a "read more" button: a ``display:none`` box
    with text, a following sibling of the button or of one of its two closest boxes, loses
    that style, and the button goes (a story continued in steps has a button in each part;
    the first may reveal them all). Returns the boxes revealed."""
    revealed: set[lxml.html.HtmlElement] = set()
    pressed = []
    for button in _SHORT_TEXTS(tree):
        if not READ_MORE_BUTTON.match(_WS.sub(" ", button.text_content()).strip()):
            continue
        box, rest = button, []
        for _ in range(_READ_MORE_LEVELS):
            rest = [s for s in box.itersiblings() if s in revealed or (
                isinstance(s.tag, str) and _HIDDEN_STYLE.search(s.get("style") or "")
                and len(_WS.sub("", s.text_content())) >= _HIDDEN_REST_CHARS)]
            if rest or box.getparent() is None or box.getparent().tag == "body":
                break
            box = box.getparent()
        for hidden in rest:
            if hidden not in revealed:
                hidden.set("style", _HIDDEN_STYLE.sub("", hidden.get("style") or ""))
                revealed.add(hidden)
        if rest:
            pressed.append(button)
    for button in pressed:
        if button.getparent() is not None:
            button.drop_tree()
    return len(revealed)


# Copies of the text a reader sees once. KaTeX writes each formula twice: a MathML copy with
# the TeX source for screen readers (span.katex-mathml, hidden by its stylesheet) beside the
# rendering a reader sees (span.katex-html, aria-hidden="true" for the screen readers' sake).
# trafilatura reads no stylesheet and drops aria-hidden boxes: it kept the MathML and its TeX
# ("x 2 − 1 x^2-1"), and with the rendering where a site's markup lost the attribute, three
# times. (MathJax's rendering is glyphs drawn by CSS, without text: its copy is all there is.)
_KATEX_MATHML = etree.XPath("//body//*[contains(concat(' ', normalize-space(@class), ' '), ' katex-mathml ')]")
# A code block's copy button ("Copy", 复制代码): its label is glued to the last code line.
_CODE_BUTTONS = etree.XPath("//body//pre//button | //body//*[self::pre or self::code]/following-sibling::*[1][self::button]")
_COPY_LABEL = re.compile(r"^\W*(?:copy(?: code)?|copied!?|复制(?:代码)?|拷贝|複製(?:代碼)?)\W*$", re.I)
_HAN_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# An editor widget (mavon-editor, Editor.md, ByteMD ...) keeps the post's Markdown source in a
# <pre> or <textarea> beside its rendering, and may render it twice more (preview, read mode,
# an HTML-source box): the same Han text in disjoint boxes. A box counts from this many Han
# characters on (a repeated sentence or caption is not a copy of the post).
_COPY_MIN_HAN = 100
_COPY_SOURCE_TAGS = ("pre", "textarea", "code")
_COPY_BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "br")  # (a rendering's; a source has <br> lines)


def _han_keys(root: lxml.html.HtmlElement) -> dict[lxml.html.HtmlElement, str]:
    """Every element's Han characters, in text order, computed bottom-up in one walk."""
    keys: dict[lxml.html.HtmlElement, str] = {}
    for el in reversed(list(root.iter())):  # (children before their parent)
        if not isinstance(el.tag, str):
            continue
        parts = ["".join(_HAN_CHAR.findall(el.text or ""))] if el.tag not in ("script", "style") else []
        for child in el:
            if isinstance(child.tag, str) and child.tag not in ("script", "style"):
                parts.append(keys.get(child, ""))
            parts.append("".join(_HAN_CHAR.findall(child.tail or "")))
        keys[el] = "".join(parts)
    return keys


def _is_shown(el: lxml.html.HtmlElement) -> bool:
    """Neither the element nor a box around it is styled ``display:none`` or is a ``noscript``
    (a single-page app's server-rendered copy for readers without scripts) or ``template``."""
    return not any(box.tag in ("noscript", "template") or _HIDDEN_STYLE.search(box.get("style") or "") for box in (el, *el.iterancestors()))


def drop_text_copies(tree: lxml.html.HtmlElement) -> int:
    """Remove the copies of text a reader sees once: KaTeX formulas' MathML (their rendering
    is shown to trafilatura instead), code blocks' copy buttons, and an editor widget's extra copies of a post (its Markdown source, a second
    rendering): of disjoint boxes holding the same Han text (100 characters or more, the source
    in a ``pre``/``textarea`` or several blocks), the shown rendering with the most blocks stays.
    Returns the boxes removed."""
    doomed = list(_KATEX_MATHML(tree))
    for mathml in doomed:
        for rendering in mathml.itersiblings():
            if "katex-html" in (rendering.get("class") or "").split():
                rendering.attrib.pop("aria-hidden", None)
    doomed += [b for b in _CODE_BUTTONS(tree) if _COPY_LABEL.match(b.text_content().strip()) or b.getparent().tag == "pre"]
    body = tree.find(".//body")
    if body is not None:
        keys = _han_keys(body)
        groups: dict[str, list[lxml.html.HtmlElement]] = {}
        for el, key in keys.items():
            if len(key) >= _COPY_MIN_HAN and el is not body:
                groups.setdefault(key, []).append(el)
        for key, members in groups.items():
            if len(members) < 2:
                continue
            member_set = set(members)
            outermost = [el for el in members if not any(a in member_set for a in el.iterancestors())]
            # (a source box: its text is all in a pre/textarea, maybe wrapped in the editor's divs)
            source = {el for el in outermost if any(keys.get(s) == key for s in el.iter(*_COPY_SOURCE_TAGS))}
            blocks = {el: sum(1 for _ in el.iter(*_COPY_BLOCKS)) for el in outermost}
            copies = [el for el in outermost if el in source or blocks[el] >= 2]
            if len(copies) < 2:
                continue
            order = {el: i for i, el in enumerate(copies)}
            keep = max(copies, key=lambda el: (_is_shown(el), el not in source, blocks[el], -order[el]))
            doomed += [el for el in copies if el is not keep]
    removed = 0
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()  # (its tail text belongs to the parent and stays)
            removed += 1
    return removed


# Anchors that are no links: an anchor target (<h2><a id="_10"></a>痛点分析</h2>, how CSDN's and
# most Markdown renderers' headings are written) and a heading's permalink glyph (<a href="#x">#</a>,
# ¶). trafilatura judges a short block by its links' text: a block whose links have none is
# deleted outright, in both modes (htmlprocessing.link_density_test), so these pages lost every
# heading and every short paragraph that opens with an anchor. (An empty link that goes somewhere,
# an icon of a share or reward box, stays: that rule deleting such boxes is right.)
_PERMALINK_GLYPH = re.compile(r"^\s*[#¶§🔗]\s*$")
_MEDIA = ("img", "svg", "picture", "video", "audio", "iframe", "object", "embed", "canvas")
# A fragment of this page: "#_10", "#section-2"; not a script's "#" nor a single-page app's route ("#/u?s=x", "#!/post/1").
_IN_PAGE = re.compile(r"^#(?![/!])\S")


def _in_page(a: lxml.html.HtmlElement) -> bool:
    return bool(_IN_PAGE.match((a.get("href") or "").strip()))


def drop_empty_anchors(tree: lxml.html.HtmlElement) -> int:
    """Remove anchor targets (links without an ``href``, text or media) and in-page permalink
    glyphs (``<a href="#x">#</a>``, ``¶``); their tails stay. Returns the links removed."""
    doomed = []
    for a in _LINKS(tree):
        text = a.text_content()
        if _in_page(a) and _PERMALINK_GLYPH.match(text):
            doomed.append(a)
        elif a.get("href") is None and not text.strip() and next(a.iter(*_MEDIA), None) is None:
            doomed.append(a)
    for a in doomed:
        a.drop_tree()
    return len(doomed)


# A link to a file, named by its file name (and size): a forum post's or a notice's attachment
# (商标审查标准.pdf 10.12MB, 附件：实施细则.docx). It is part of the post, not a link list.
_ATTACHMENT_TEXT = re.compile(
    r"^[^\n]{1,120}\.(?:pdf|docx?|xlsx?|pptx?|wps|rtf|txt|csv|zip|rar|7z)(?:\s*[(（]?\s*\d[\d.,]*\s*[KMG]i?B\s*[)）]?)?$", re.I
)
_LINKS = etree.XPath("//body//a")


def unwrap_attachment_links(tree: lxml.html.HtmlElement) -> int:
    """Make attachment links plain text (trafilatura drops a paragraph that is one link, and
    link lines leave Chinese text): the file's name and size stay in the post."""
    attachments = [a for a in _LINKS(tree) if _ATTACHMENT_TEXT.match(_WS.sub(" ", a.text_content()).strip())]
    for a in attachments:
        a.drop_tag()
    return len(attachments)


@dataclass(frozen=True)
class ExtractConfig:
    include_tables: bool = False
    favor_precision: bool = False
    favor_recall: bool = False
    prune_recommendations: bool = True
    fast: bool = False  # trafilatura without its readability/justext comparison
    min_text_chars: int = 60
    max_link_share: float = 0.5
    record: bool = True  # RECORD_FIELDS: read markdown, images, keywords, section, description
    markdown: bool = True  # RECORD_MARKDOWN: build the markdown field


@dataclass
class ExtractedArticle:
    title: str | None
    text: str
    date: str | None
    canonical_url: str | None
    html_lang: str | None
    link_lines_removed: int = 0
    structured_date: str | None = None  # a date from markup or the URL (htmldate, no text search)
    fallbacks: tuple[str, ...] = ()  # safety nets taken on this page (stats extract/fallback/<kind>)
    # trafilatura's default-mode text when precision mode's was suspect (short, or missing the
    # page's paragraphs) and neither clearly won here: the boilerplate stage, which knows the
    # boilerplate lines, chooses between the two.
    alternative: str | None = None
    # every title, date and byline candidate of the page, read before extraction changes the
    # tree; the metadata stage resolves them with what the text and the site add
    metadata: PageMetadata | None = None
    # the record beyond the text (pipelines/text/record.py); None when RECORD_FIELDS is off
    markdown: str | None = None
    images: list[dict] | None = field(default_factory=list)
    keywords: list[str] | None = field(default_factory=list)
    section: list[str] | None = field(default_factory=list)
    description: str | None = None
    meta_keywords: list[str] | None = None  # <meta name="keywords">'s terms, for the template stage


class NotArticleReason(Exception):
    """Why a page is not an article (list page, no title, too short)."""

    @property
    def kind(self) -> str:
        """The reason without its measurements, for a stats key: "list page (93% …)" -> "list_page"."""
        return re.split(r"[(:]", str(self), maxsplit=1)[0].strip().lower().replace(" ", "_") or "unknown"


def text_weight(text: str) -> int:
    """Length in 'words': one per CJK character, one per four other characters."""
    cjk = count_chars(_CJK_RUN, text)
    return cjk + (len(text) - cjk) // 4


def article_id(canonical_url: str) -> str:
    return hashlib.sha1(canonical_url.encode("utf-8")).hexdigest()[:16]


def normalised_url(url: str) -> str:
    try:
        return normalize_url(canonicalize_url(url), strict=False)
    except Exception:  # courlan raises ValueError on odd inputs; the URL itself is then the best we have
        return canonicalize_url(url)


def _same_site(url: str, page_url: str) -> bool:
    a, b = urlsplit(url).hostname or "", urlsplit(page_url).hostname or ""
    strip = lambda h: h[4:] if h.startswith("www.") else h  # noqa: E731
    a, b = strip(a.lower()), strip(b.lower())
    return bool(a) and (a == b or a.endswith("." + b) or b.endswith("." + a))


def find_canonical(tree: lxml.html.HtmlElement, page_url: str) -> str:
    """rel=canonical, else og:url, when on the same site; else the normalised page URL."""
    for xpath in ('//link[@rel="canonical"]/@href', '//meta[@property="og:url"]/@content'):
        for href in tree.xpath(xpath):
            href = str(href).strip()
            if not href:
                continue
            url = urljoin(page_url, href)
            if urlsplit(url).scheme in ("http", "https") and _same_site(url, page_url):
                return normalised_url(url)
    return normalised_url(page_url)


# (a table of contents' links to the page's own headings, href="#_10", are no links to other
# pages: their lines are the headings; a bare href="#" is a script's menu item and a "#/topic"
# a single-page app's route: they count)
_OTHER_PAGE = ("not(starts-with(normalize-space(@href), '#') and string-length(normalize-space(@href)) > 1"
               " and not(starts-with(normalize-space(@href), '#/') or starts-with(normalize-space(@href), '#!')))")
_PLAIN_ANCHOR_TEXT = etree.XPath(f"//a[not(*)][{_OTHER_PAGE}]/text()")
_NESTED_ANCHORS = etree.XPath(f"//a[*][{_OTHER_PAGE}]")


def link_texts(tree: lxml.html.HtmlElement) -> frozenset[str]:
    """The texts of the page's links to other pages (plain anchors read in one XPath call)."""
    texts = {_WS.sub(" ", str(t)).strip() for t in _PLAIN_ANCHOR_TEXT(tree)}
    texts.update(_WS.sub(" ", a.text_content()).strip() for a in _NESTED_ANCHORS(tree))
    return frozenset(t for t in texts if len(t) >= 2)


# A list item's marks before its link text: trafilatura's "- " for <li>, then maybe a rank and a
# count ("3 ", "03.", "1标题", "1 63675标题", glued to a headline that may start with digits itself).
_ITEM_BULLET = re.compile(r"^[-*•·●◆■▪►]+\s*")
_ITEM_DIGITS = re.compile(r"^\d{1,8}")
_AFTER_RANK = " .、)）"
# What a ranking or list item adds after its headline: counts, dates, their units.
_ITEM_CHROME = re.compile(r"[\W\d_]|评论|評論|跟贴|跟帖|回复|回覆|阅读|閱讀|浏览|瀏覽|点击|點擊|人参与|人參與|热度|熱度|[次条條万萬]")


def is_link_line(line: str, links: frozenset[str]) -> bool:
    """A line of a link list, not of the body: a link's text, maybe marked as a list item
    ("- 社会") or ranked ("3 标题 评论18564条", "| 1标题 | 169524 |": a rank, a headline link,
    a count)."""
    if line in links:
        return True
    if line.startswith("|"):  # a table row as trafilatura writes it: | 1标题 | 169524 |
        line = _WS.sub(" ", line.replace("|", " ")).strip()
    line = _ITEM_BULLET.sub("", line, count=1)
    digits = _ITEM_DIGITS.match(line)
    # the headline after none, some or all of the leading digits ("13人伪造…": rank 1 of "3人伪造…")
    for k in range(len(digits.group()) + 1 if digits else 1):
        bare = line[k:].lstrip(_AFTER_RANK) if k else line
        if bare in links:
            return True
        for n in range(min(len(bare), 80), 3, -1):
            if bare[:n] in links:
                if not _ITEM_CHROME.sub("", bare[n:]):
                    return True
                break
    return False


def body_weight(lines: list[str], links: frozenset[str]) -> int:
    return sum(text_weight(l) for l in lines if not is_link_line(l, links))


def _lines(text: str) -> list[str]:
    return [l for l in (_WS.sub(" ", l).strip() for l in text.split("\n")) if l]


def clean_title(raw: str | None, tree: lxml.html.HtmlElement) -> str | None:
    """The headline: an <h1>/<h2> the <title> starts with, else <title> minus its site suffix."""
    head_title = _WS.sub(" ", (tree.findtext(".//title") or "")).strip()
    for tag in ("h1", "h2"):
        for h in tree.iter(tag):
            t = _WS.sub(" ", h.text_content()).strip()
            if len(t) >= 4 and head_title.startswith(t):
                return t
    candidates = [raw or "", head_title]
    for cand in candidates:
        cand = cand.strip()
        if not cand:
            continue
        parts = _TITLE_SEPARATORS.split(cand)
        if len(parts) > 1 and len(parts[0]) >= 4:
            return parts[0].strip()
        return cand
    return None


def page_lang(tree: lxml.html.HtmlElement) -> str | None:
    return tree.get("lang") or next(iter(tree.xpath("//html/@lang")), None)


def og_title(tree: lxml.html.HtmlElement) -> str | None:
    return next(iter(tree.xpath("//meta[@property='og:title']/@content")), None)


def headline(tree: lxml.html.HtmlElement, og: str | None, known_article: bool) -> str | None:
    """og:title or <title> without its site suffix; a known article with neither (a fragment, a
    bare CMS export) takes its first heading. None: no title."""
    return clean_title(str(og) if og else None, tree) or (first_heading(tree) if known_article else None)


def is_chinese_page(head_title: str, lang: str | None) -> bool:
    """A CJK <title> or a zh lang attribute: the page's metadata lines (来源/时间/编辑) are looked for."""
    return len(_CJK.findall(head_title)) >= 2 or (lang or "").lower().startswith("zh")


def first_heading(tree: lxml.html.HtmlElement) -> str | None:
    """A page without <title> or og:title (a fragment, a bare CMS export): its first heading."""
    for el in tree.iter("h1", "h2", "h3", "h4"):
        text = _WS.sub(" ", el.text_content()).strip()
        if 2 <= len(text) <= 200:
            return text
    return None


def structured_date(tree: lxml.html.HtmlElement, url: str) -> str | None:
    """A publication date from markup or the URL only: evidence that the page is dated news.
    (htmldate without its extensive text search, which costs more than the extraction.)"""
    try:
        return htmldate.find_date(tree, url=url, extensive_search=False, original_date=True, outputformat="%Y-%m-%d")
    except Exception:  # htmldate gives up on odd markup; no evidence then
        return None


_TABLE_PARTS = ("table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption")
_BLOCKS_IN_LAYOUT = ("table", "div", "h1", "h2", "h3", "h4", "form", "iframe", "ul", "ol", "section", "article")


def is_layout_table(table: lxml.html.HtmlElement) -> bool:
    """A table used for page layout rather than data: one row only, mostly links
    (a menu), or cells that hold blocks (nested tables, headings, lists, several
    paragraphs) or long prose."""
    rows = [r for r in table.iter("tr") if _owning_table(r) is table]
    if len(rows) < 2:
        return True
    text = _WS.sub("", table.text_content())
    linked = sum(len(_WS.sub("", a.text_content())) for a in table.iter("a"))
    if text and linked / len(text) > 0.5:
        return True
    for cell in table.iter("td", "th"):
        if any(True for _ in cell.iter(*_BLOCKS_IN_LAYOUT) if _ is not cell):
            return True
        if sum(1 for _ in cell.iter("p", "br")) >= 3:
            return True
        if len(cell.text_content()) > 400:
            return True
    return False


def unwrap_layout_tables(tree: lxml.html.HtmlElement) -> int:
    """Turn layout tables into plain blocks, so extraction sees paragraphs, not one giant row."""
    layout = [t for t in tree.iter("table") if is_layout_table(t)]
    for table in layout:
        # Only this table's own rows and cells: a data table nested in a layout cell stays a table.
        parts = [el for el in table.iter(*_TABLE_PARTS) if el is table or _owning_table(el) is table]
        for el in parts:
            el.tag = "div"
    return len(layout)


def _owning_table(el: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    parent = el.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


# libxml2 gives up on a text node or attribute over 10,000,000 bytes (without huge_tree) and
# drops the rest of the document: minified pages that inline megabytes of script, JSON or
# data: URIs would lose their article. Above this size those parts are cut before parsing
# (JSON-LD is kept: it carries metadata).
OVERSIZED_HTML_CHARS = 2_000_000
_BULKY_SCRIPT = re.compile(r"(<(script|style)\b(?![^>]*ld\+json)[^>]*>).*?(</\2\s*>)", re.I | re.S)
_BULKY_DATA_URI = re.compile(r"""(["'])data:[^"']{4096,}?\1""")


def shrink_oversized(html: str) -> str:
    """The page without script and style bodies or long data: URIs, when it is oversized."""
    if len(html) <= OVERSIZED_HTML_CHARS:
        return html
    html = _BULKY_SCRIPT.sub(r"\1\3", html)
    return _BULKY_DATA_URI.sub(r'\1data:,\1', html)


# libxml2 drops everything after </html> (a browser reads it into the body): a CMS template
# that closes the document after its header loses the article (gov.cn's gazette pages).
_DOCUMENT_END = re.compile(r"</(?:html|body)\s*>", re.I)


def reopen_early_end(html: str) -> str:
    """The page without its </body> and </html> when markup follows them."""
    m = _DOCUMENT_END.search(html)
    if m is None or not _DOCUMENT_END.sub("", html[m.end() :]).strip():
        return html
    return _DOCUMENT_END.sub("", html)


def _for_parser(html: str) -> str:
    return reopen_early_end(shrink_oversized(html))


def parse_html(html: str) -> lxml.html.HtmlElement | None:
    """Parse once, with trafilatura's own loader: its extraction is tuned to the trees it builds
    (lxml.html.fromstring splits paragraphs at inline links in some pages)."""
    if not html or not html.strip():
        return None
    html = _for_parser(html)
    try:
        return load_html(html)
    except (etree.ParserError, ValueError):
        return None


_LENIENT_PARSER = lxml.html.HTMLParser(recover=True, remove_comments=True, remove_pis=True, default_doctype=False)


def parse_lenient(html: str) -> lxml.html.HtmlElement | None:
    """lxml's recovering parser, for fragments trafilatura's loader refuses (a bare ``<div>``
    without ``<html>``/``<head>``, odd leading bytes). Always a whole document."""
    if not html or not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(_for_parser(html), parser=_LENIENT_PARSER)
    except (etree.ParserError, ValueError):
        return None


def parse_any(html: str) -> tuple[lxml.html.HtmlElement | None, bool]:
    """(tree, parsed leniently): trafilatura's loader, else lxml's recovering parser."""
    tree = parse_html(html)
    if tree is not None:
        return tree, False
    tree = parse_lenient(html)
    return tree, tree is not None


_BLOCKS = frozenset(("p", "div", "section", "article", "table", "ul", "ol", "blockquote", "center", "h1", "h2", "h3", "h4", "h5", "h6"))
# Containers with a block child and a non-blank text node of their own (their text or a
# child's tail): only those can hold bare paragraphs, and XPath finds them in C.
_BLOCK_PATH = etree.XPath(
    "//*[p or div or section or table or ul or ol or blockquote or center][text()[normalize-space()]]"
    "[not(self::html or self::head or self::body or self::script or self::style)]"
)


def wrap_bare_paragraphs(tree: lxml.html.HtmlElement) -> int:
    """Give bare text between blocks a ``<p>`` of its own.

    Legacy CMS pages separate paragraphs with unclosed ``<p>`` inside a cell
    (``<td><font>　　段一<p>　　段二<p>　　段三</font></td>``), and editors paste text between
    image blocks (``<div><img></div>正文一<br>…<div><img></div>正文二``). The parser makes such
    text the container's own text or a block's tail, and trafilatura (precision mode above
    all) keeps only elements, losing the first paragraph or those after images. Only text
    standing between blocks (or a block and a ``<br>``) is wrapped, so inline runs around
    links stay whole."""
    wrapped = 0
    for parent in _BLOCK_PATH(tree):
        if parent.text and parent.text.strip() and parent[0].tag in _BLOCKS:
            para = parent.makeelement("p")
            para.text, parent.text = parent.text, None
            parent.insert(0, para)
            wrapped += 1
        for child in list(parent):
            if child.tag not in _BLOCKS or not (child.tail and child.tail.strip()):
                continue
            following = child.getnext()
            if following is None or following.tag in _BLOCKS or following.tag == "br":
                para = parent.makeelement("p")
                para.text, child.tail = child.tail, None
                child.addnext(para)
                wrapped += 1
    return wrapped


# Blocks of paragraphs that are not the article however long they are: cookie and privacy
# notices, pop-ups, comment threads (跟贴, 评论 in pinyin).
_ASIDE = re.compile(r"cookie|consent|gdpr|privacy|modal|popup|comment|reply|pinglun|gentie|tie-?area", re.I)


def in_aside(el: lxml.html.HtmlElement) -> bool:
    while el is not None:
        if _ASIDE.search((el.get("class") or "") + " " + (el.get("id") or "")):
            return True
        el = el.getparent()
    return False


_PARAGRAPH_PARENTS = etree.XPath("//*[p or br][not(self::script or self::style or self::head)]")
_LONG_TEXTS = etree.XPath(
    "//body//text()[string-length() > 400][not(parent::script or parent::style or parent::noscript or parent::textarea"
    " or parent::template)][not(contains(., '</'))]"
)


def paragraph_block(tree: lxml.html.HtmlElement) -> list[str]:
    """The page's largest run of sibling paragraphs: the ``<p>`` children of one element and
    its bare text between ``<br>`` (legacy and pasted layouts), weighed by their text, link
    texts and scripts left out. Found without trafilatura, so it is the evidence that
    trafilatura's choice of node is checked against."""
    best: list[str] = []
    best_weight = 0
    for parent in _PARAGRAPH_PARENTS(tree):
        if in_aside(parent):
            continue
        paragraphs = []
        if parent.text and parent.text.strip():
            paragraphs.append(parent.text)
        for child in parent:
            if child.tag == "p" and child.find(".//script") is None:
                text = _WS.sub(" ", child.text_content()).strip()
                linked = sum(len(_WS.sub(" ", a.text_content()).strip()) for a in child.iter("a"))
                if text and 2 * linked <= len(text):
                    paragraphs.append(text)
            if child.tail and child.tail.strip():
                paragraphs.append(child.tail)
        paragraphs = [_WS.sub(" ", t).strip() for t in paragraphs]
        weight = sum(text_weight(t) for t in paragraphs)
        if weight > best_weight:
            best, best_weight = paragraphs, weight
    for text in _LONG_TEXTS(tree):  # a whole article in one text node, no <p> or <br>
        text = _WS.sub(" ", str(text)).strip()
        if text_weight(text) > best_weight:
            best, best_weight = [text], text_weight(text)
    return best


def coverage(text: str, paragraphs: list[str]) -> float:
    """Share of the paragraphs' weight whose paragraph opening is found in ``text``."""
    total = sum(text_weight(p) for p in paragraphs)
    if not total:
        return 1.0
    flat = _WS.sub("", text)
    found = sum(text_weight(p) for p in paragraphs if _WS.sub("", p)[:24] in flat)
    return found / total


_PRECISION_FALLBACK_WEIGHT = 120
# The safety net: when the page has a block of paragraphs of at least this weight and the
# extracted text holds less than half of it, trafilatura has likely taken a comment list,
# a most-read list or the footer for the article (real portal pages: 163.com, chinanews.com).
_EVIDENCE_MIN_WEIGHT = 150
_EVIDENCE_MIN_COVERAGE = 0.5
_EVIDENCE_LOST = 0.25  # neither mode's text holds more of the paragraphs than this: they are shipped,
_EVIDENCE_LOST_SIZE = 3  # unless they weigh more than this many times the larger text and it has sentences
_SHORT_BODY_WEIGHT = 300  # Chinese pages: below this weight of non-link text, default mode's text is read,
_SHORT_BODY_GAIN = 1.5  # and goes along when it has this many times as much (plus 10 words)
_EVIDENCE_LAZY_WEIGHT = 300  # non-Chinese pages: checked only below this weight of precision text
# Error pages served with status 200 ("soft 404"), whatever the URL pattern says.
SOFT_404 = re.compile(
    r"^\s*(?:404|403|500)\b|页面不存在|頁面不存在|页面(?:未找到|找不到)|找不到(?:该|您要的)?页面|您访问的页面不存在|"
    r"(?:文章|内容|页面)(?:已被?删除|不存在)|page not found|not found|this page (?:does not|doesn't) exist",
    re.I,
)


def _trafilatura(tree: lxml.html.HtmlElement, url: str, config: ExtractConfig, favor_precision: bool):
    return trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=False,  # title, date and author are read by this module, for a fifth of the cost
        include_comments=False,
        include_tables=config.include_tables,
        favor_precision=favor_precision,
        favor_recall=config.favor_recall,
        fast=config.fast,
        include_images=False,
        include_links=False,
        deduplicate=False,
    )


def _evidence(tree: lxml.html.HtmlElement) -> list[str]:
    """``paragraph_block``, when it weighs enough to judge an extraction by."""
    block = paragraph_block(tree)
    return block if sum(text_weight(p) for p in block) >= _EVIDENCE_MIN_WEIGHT else []


def _fresh_tree(html: str, config: ExtractConfig) -> lxml.html.HtmlElement | None:
    """The page parsed again and prepared as for the first run, for a second trafilatura run
    (trafilatura changes the tree it reads)."""
    fresh, _ = parse_any(html)
    if fresh is not None:
        unwrap_attachment_links(fresh)
        prune_offscreen(fresh)
        reveal_read_more(fresh)
        drop_text_copies(fresh)
        drop_empty_anchors(fresh)
        if config.prune_recommendations:
            prune_recommendations(fresh)
        wrap_bare_paragraphs(fresh)
        join_hard_wrapped(fresh)
    return fresh


def _trafilatura_text(tree: lxml.html.HtmlElement, url: str, config: ExtractConfig, favor_precision: bool) -> str:
    doc = _trafilatura(tree, url, config, favor_precision)
    return own_post((doc.text or "") if doc is not None else "")


def own_post(text: str) -> str:
    """The text up to a Q&A page's heading over its other answers (更多回答, 查看全部 56 个回答):
    the page's own question and answer, not the others' (the heading itself goes too). A heading
    that opens the text is only dropped: what follows is then all there is."""
    m = OTHER_ANSWERS_LINE.search(text)
    if m is None:
        return text
    if not text[: m.start()].strip():
        return text[m.end() :].lstrip("\n")
    return text[: m.start()].rstrip("\n")


def _is_list(lines: list[str], tree: lxml.html.HtmlElement, links: frozenset[str], config: ExtractConfig, dated: bool) -> bool:
    """The link-share and list tests of auto mode, on a candidate text's lines."""
    total = sum(text_weight(l) for l in lines) or 1
    if sum(text_weight(l) for l in lines if l in links) / total > config.max_link_share:
        return True
    return list_page_evidence(tree, lines, links, has_own_date=dated) is not None


def _precision_then_default(
    tree: lxml.html.HtmlElement, html: str, url: str, config: ExtractConfig, chinese_page: bool, links: frozenset[str],
    fallbacks: list[str],
) -> tuple[str, str | None]:
    """trafilatura's text of the prepared ``tree`` and default mode's ``alternative`` (or None):
    precision mode first, checked against the page's paragraphs, default mode on a fresh tree
    when it is suspect. The safety nets taken are appended to ``fallbacks``."""
    alternative: str | None = None
    # Chinese pages are always checked against their paragraphs (portal pages where precision
    # mode takes a ranking or the footer); other pages only when precision mode's text is short,
    # their paragraphs then read from the fresh tree the second run parses anyway: on long
    # English pages the check cost 6% of the extraction and never changed the outcome.
    evidence = _evidence(tree) if chinese_page else None
    text = _trafilatura_text(tree, url, config, config.favor_precision)
    weight = text_weight(text)
    fresh = None
    if evidence is None:
        evidence = []
        if config.favor_precision and weight < _EVIDENCE_LAZY_WEIGHT:
            fresh = _fresh_tree(html, config)
            evidence = _evidence(fresh) if fresh is not None else []
    covered = coverage(text, evidence)
    suspect = weight < _PRECISION_FALLBACK_WEIGHT or covered < _EVIDENCE_MIN_COVERAGE
    # A Chinese page whose text without its link lines is short (a brief, or a disclaimer and a
    # channel list where the brief should be): when default mode's has clearly more text that
    # is not link lines, it goes along, and the boilerplate stage, which knows the disclaimers,
    # chooses after stripping both. (Short pages where both modes agree carry no alternative:
    # site profiles learn from them.)
    short_body = chinese_page and body_weight(_lines(text), links) < _SHORT_BODY_WEIGHT
    if config.favor_precision and (suspect or short_body):
        if fresh is None:
            fresh = _fresh_tree(html, config)
        again = _trafilatura_text(fresh, url, config, False) if fresh is not None else ""
        if not again.strip():
            pass
        elif suspect and text_weight(again) > weight:
            # Precision mode sometimes keeps only a notice, or a wrong node (comments, a ranking,
            # the footer); default mode on a fresh tree then finds the article. Taken only when
            # it is clearly more, or covers clearly more of the page's paragraphs.
            again_covered = coverage(again, evidence)
            # (on a Chinese page the boilerplate stage compares the stripped texts, unless
            # precision mode found nothing at all)
            if text_weight(again) >= 3 * max(1, weight) and (not chinese_page or not text.strip()):
                text, covered = again, again_covered
                fallbacks.append("default_mode")
            elif evidence and again_covered >= covered + 0.25:
                text, covered = again, again_covered
                fallbacks.append("default_mode_evidence")
            else:
                alternative = again
        elif body_weight(_lines(again), links) >= _SHORT_BODY_GAIN * body_weight(_lines(text), links) + 10:
            alternative = again
        # Neither mode holds the page's paragraphs (a legacy page's story as <br>-separated text
        # in an inline box that the parser put outside the <p> it sat in: both modes take a
        # heading, the menu or a related list): on a Chinese page, the paragraphs, found without
        # trafilatura, are the article, when neither text has body sentences, or the paragraphs
        # are not far more than either (a block many times what both modes found is another part
        # of the page: a Q&A page's other answers, a keyword farm's hidden text).
        if chinese_page and evidence and covered < _EVIDENCE_LOST and coverage(again, evidence) < _EVIDENCE_LOST:
            found = max(text_weight(text), text_weight(again))
            if not max(sentence_weight(text), sentence_weight(again)) or text_weight("".join(evidence)) <= _EVIDENCE_LOST_SIZE * found:
                text, alternative = "\n".join(evidence), None
                fallbacks.append("paragraph_evidence")
    return text, alternative


def forum_post_text(post: lxml.html.HtmlElement, url: str, config: ExtractConfig) -> str:
    """A forum post's text: trafilatura's (default mode) of the post alone, else its blocks'
    lines (a post of one short line, an emoji or a tag, is below what trafilatura returns)."""
    return _trafilatura_text(post_document(post), url, config, False).strip() or post_lines(post)


def extract_article(
    html: str, url: str, config: ExtractConfig, known_article: bool = False, tree: lxml.html.HtmlElement | None = None
) -> ExtractedArticle:
    """Extract the article of one page, or raise NotArticleReason.

    ``known_article``: the site's article_pattern says it is one, so the list-page
    and length tests, meant for telling articles from other pages, are skipped.
    ``tree``: ``parse_html(html)`` when the caller parsed it already (it is modified).
    """
    fallbacks: list[str] = []
    if tree is None:
        tree, lenient = parse_any(html)
        if tree is None:
            raise NotArticleReason("unparseable HTML")
        if lenient:
            fallbacks.append("lenient_parse")
    canonical = find_canonical(tree, url)
    lang = page_lang(tree)
    head_title = tree.findtext(".//title") or ""
    chinese_page = is_chinese_page(head_title, lang)
    unwrap_attachment_links(tree)  # (before the link texts are read: an attachment is no link line)
    links = link_texts(tree)
    date_hint = structured_date(tree, url)
    og = og_title(tree)  # (before trafilatura, which changes the tree)
    thread_post = first_post(tree)  # (a forum thread's: its writer is the page's author)
    metadata = read_metadata(tree, url, [str(og)] if og else None, html, thread_post)
    if config.include_tables:
        unwrap_layout_tables(tree)
    prune_offscreen(tree)
    reveal_read_more(tree)
    drop_text_copies(tree)
    drop_empty_anchors(tree)
    if config.prune_recommendations:
        prune_recommendations(tree)
    wrap_bare_paragraphs(tree)
    # Pictures, headings, breadcrumb and tags: read before trafilatura changes the tree, in one
    # walk whose list of the tree's nodes then serves the hard-wrap joiner too.
    walk = scan_page(tree) if config.record else None
    record = read_record(tree, url, clean_title(str(og) if og else None, tree), config.markdown, walk) if walk else None
    join_hard_wrapped(tree, walk.nodes if walk else None)
    # The same post, unless the pruning above removed it: the steps between only take elements
    # and text away or rewrap it, so no other post body can have become the first with text.
    post = thread_post if thread_post is not None and thread_post.getroottree().getroot() is tree.getroottree().getroot() and _WS.sub("", thread_post.text_content()) else None
    if post is None and thread_post is not None:
        post = first_post(tree)
    if post is not None:
        # A forum thread: its first post is the article, whatever trafilatura would weigh
        # (the replies with it, or the footer when the post is one line in a cell).
        text, alternative = forum_post_text(post, url, config), None
        fallbacks.append("forum_first_post")
    else:
        text, alternative = _precision_then_default(tree, html, url, config, chinese_page, links, fallbacks)
    if not text.strip():
        raise NotArticleReason("no article body")
    lines = _lines(text)
    total = sum(text_weight(l) for l in lines) or 1
    linked = sum(text_weight(l) for l in lines if l in links)
    if not known_article and linked / total > config.max_link_share:
        raise NotArticleReason(f"list page ({linked / total:.0%} of the text is link text)")
    # (a forum thread is told by its engine's markup: its posts, each with a user link and a
    # date, are no list of teasers)
    if not known_article and post is None:
        # List, topic and about pages whose items carry teasers and dates (auto mode only).
        why = list_page_evidence(tree, lines, links, has_own_date=date_hint is not None)
        if why:
            raise NotArticleReason(why)
        # Default mode's text, when it came along, must pass the same tests to be chosen later.
        if alternative is not None and _is_list(_lines(alternative), tree, links, config, date_hint is not None):
            alternative = None
    # Related-article, channel and most-read lists that trafilatura keeps: lines that are a
    # link's text, as a list item or ranked with a count (is_link_line). Chinese portals only:
    # English articles list links in their bodies (sources, products).
    chinese = is_chinese_text(text)
    body = [l for l in lines if not is_link_line(l, links)] if chinese else list(lines)
    if alternative is not None:
        alt_chinese = is_chinese_text(alternative)
        alternative = "\n".join(l for l in _lines(alternative) if not (alt_chinese and is_link_line(l, links))) or None
    if not known_article and post is None:
        # A portal's picture cards, label links and ranking tables: its headlines in no one list.
        if alternative is not None and headline_list_evidence(tree, _lines(alternative), links):
            alternative = None
        why = headline_list_evidence(tree, body, links)
        if why and alternative is None:
            raise NotArticleReason(why)
    if not body and known_article:
        body = lines  # a page made of linked lines (poems, link-per-line pages): keep them
    removed = len(lines) - len(body)
    # (with default mode's text along, the boilerplate stage judges the length of its choice)
    if not known_article and alternative is None and text_weight("".join(body)) < config.min_text_chars:
        raise NotArticleReason(f"too little text ({text_weight(''.join(body))} < {config.min_text_chars})")
    title = headline(tree, og, known_article)
    if not title and not known_article:
        raise NotArticleReason("no title")
    if (SOFT_404.search(head_title) or SOFT_404.search(title or "")) and text_weight("".join(body)) < 200:
        raise NotArticleReason("error page served as 200 (soft 404)")
    if len(body) <= 3 and text_weight("".join(body)) < 60 and any(SOFT_404.search(l) for l in body):
        raise NotArticleReason("error page served as 200 (soft 404)")
    add_heading_above_body(metadata, html, body)
    return ExtractedArticle(
        title=title,
        text="\n".join(body),
        date=date_hint,  # markup/URL date, one candidate of the metadata stage's
        canonical_url=canonical,
        html_lang=lang,
        link_lines_removed=removed,
        structured_date=date_hint,
        fallbacks=tuple(fallbacks),
        alternative=alternative,
        metadata=metadata,
        **finish_record(record, body),
    )
