"""The fields around the text: every candidate for title, dates, authors, editor and source,
with where it came from, and one resolver per field.

Scrapy-free. ``read_metadata`` reads one parsed page (before extraction changes the tree) in
the page-reader worker: JSON-LD, meta tags, ``<time>``, the metadata line under the headline,
the page's other short blocks, bylines, the URL. ``resolve`` then chooses per field from those
candidates, the lines the boilerplate stage found inside the text (``text_line``), what the
site teaches over the run (``SiteKnowledge``: title affixes and date lines every page repeats)
and the fetch time. Each result says which kind of candidate won and whether others disagreed,
so a user who doubts a date can see where it came from.

Why not the first date found: a site's top bar (``2024年06月18日 星期二``) comes before the
headline in the page and is the day the page was served; JSON-LD, the meta tags and the line
under the headline all give the real date.
"""

from __future__ import annotations

import json
import hashlib
import re
import unicodedata
from bisect import bisect_right
from itertools import islice
from html import unescape
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import lxml.html
from lxml import etree

from pipelines.text.forum import post_author
from pipelines.text.ruby import remove_flattened_pinyin

_WS = re.compile(r"\s+")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]")  # zero-width and soft-hyphen characters

# --- candidates -------------------------------------------------------------------------

# Dates are chosen by a vote of the kinds of candidate; for people and sources a kind earlier in
# PEOPLE_KINDS wins over a later one. A date's votes: each kind that gives the day adds its weight once (a comment thread's twenty
# dates are one kind); a line that names its date (发布时间：, 发表于) weighs more than a bare
# one, and a bare date in some block of the page least.
DATE_WEIGHTS = {"headline_line": 3.0, "jsonld": 3.0, "meta": 3.0, "text_line": 1.5, "time": 2.0, "lead": 2.0, "block": 0.5, "url": 1.0, "feed": 1.0, "markup": 1.0}
CUE_WEIGHT = 1.5
PEOPLE_KINDS = ("post", "headline_line", "text_line", "byline", "lead", "jsonld", "element", "account", "block", "meta")


@dataclass(frozen=True)
class Candidate:
    field: str  # published | modified | title | authors | editor | source
    kind: str  # where it came from (the keys of DATE_WEIGHTS, PEOPLE_KINDS; titles: h1, jsonld, og, title_tag)
    value: str  # dates: ISO 8601 (a day, or a date-time with or without offset); else the raw text
    line: str | None = None  # the page line it was read from (site-level checks: a top bar)
    weekday: bool = False  # the line also names the weekday (星期二): how top bars show "today"
    cue: bool = False  # a date the line names as the publication's (发布时间：, 发表于)

    def __post_init__(self) -> None:
        # Plain strings: lxml's XPath strings keep their tree alive, and a story's candidates
        # travel pickled (worker results, JOBDIR's disk queue).
        object.__setattr__(self, "value", str(self.value))
        if self.line is not None:
            object.__setattr__(self, "line", str(self.line))


@dataclass
class PageMetadata:
    """Every candidate the page offers, in the order found within each kind."""

    candidates: list[Candidate] = field(default_factory=list)
    site_names: tuple[str, ...] = ()  # og:site_name, application-name: never an author or a title
    title_tag: str | None = None
    blog: bool = False  # a blog's page: its site's name is the blogger's (never a title, may be the author)
    forum: bool = False  # a forum thread's page (its engine's post markup): the board's lines credit no editor

    def of(self, name: str) -> list[Candidate]:
        return [c for c in self.candidates if c.field == name]


# Dates -------------------------------------------------------------------------------------
_DATE_TEXT = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)\s*日?"
    # (a half of the day before the time, a weekday before it: "2024年5月20日週一 下午2:05"; a
    # weekday alone before a time stays out: a top bar's clock is no publication)
    r"(?:\s*(?:T|\s|&nbsp;)?\s*(?:(?:星期|週|周|礼拜|禮拜)[一二三四五六日天]\s*(?=上午|下午|中午|晚上|凌晨|早上))?(?:上午|下午|中午|晚上|凌晨|早上)?\s*(?:(?:HKT|CST|TWT|BJT)\s*)?(\d{1,2})\s*[:：时時]\s*(\d{2})(?:\s*[:：分]\s*(\d{2})(?:\.\d{1,9})?)?)?"
    r"(?:\s*(Z|[+-]\d{2}:?\d{2})(?!\d))?"
)
# A blog template's English date: "Dec 28 Sat 2013 00:28" (pixnet), "December 28, 2013 at 10:28 pm", "28 Dec 2013"
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_EN_MONTH = r"((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)\.?"
_EN_DAY_NAME = r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|MON|TUE|WED|THU|FRI|SAT|SUN)[a-zA-Z]*\.?,?\s+)?"
_EN_DATE = re.compile(
    r"(?<![A-Za-z])(?:" + _EN_MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+" + _EN_DAY_NAME + r"((?:19|20)\d{2})"
    r"|(\d{1,2})(?:st|nd|rd|th)?\s+" + _EN_MONTH + r",?\s+((?:19|20)\d{2}))(?![\d])"
    r"(?:,?\s+(?:at\s+)?(\d{1,2}):(\d{2})(?:\s*([apAP])\.?[mM]\.?)?)?"
)
_COMPACT_DATE = re.compile(r"^((?:19|20)\d{2})(\d{2})(\d{2})(?:T?(\d{2})(\d{2})(\d{2})?)?$")
_WEEKDAY = re.compile(r"星期[一二三四五六日天]|礼拜[一二三四五六日天]|禮拜[一二三四五六日天]|周[一二三四五六日]|週[一二三四五六日]|\b(?:Mon|Tues?|Wed|Thu(?:rs)?|Fri|Sat|Sun)(?:day)?\b", re.I)
# Which date a metadata line gives: the cue just before it. "发布时间：… 更新时间：…" has both.
_MODIFIED_CUE = re.compile(r"(?:更新|修改|修订|最后编辑|最後編輯|编辑于|編輯於|updated?|modified)[^\d]{0,6}$", re.I)
_PUBLISHED_CUE = re.compile(r"(?:(?<!北京)(?<!当地)(?<!當地)时间|(?<!北京)(?<!當地)時間|日期|发布|發佈|發布|发表|發表|发稿|發稿|刊发|刊發|出版|posted|published)[^\d]{0,6}$", re.I)
_NOT_PUBLISHED_CUE = re.compile(r"(?:截止|截至|下载|下載|访问|訪問|登录|登錄|注册|註冊|到期|有效期|活动|活動|报名|報名|成立|创建于|建站)[^\d]{0,6}$")


def _iso(y: int, mo: int, d: int, h: str | None = None, mi: str | None = None, s: str | None = None, off: str | None = None) -> str | None:
    try:
        day = date(y, mo, d)
    except ValueError:
        return None
    if h is None or h == "":
        return day.isoformat()
    try:
        hh, mm, ss = int(h), int(mi or 0), int(s or 0)
        datetime(y, mo, d, hh, mm, ss)
    except ValueError:
        return day.isoformat()
    out = f"{day.isoformat()}T{hh:02d}:{mm:02d}:{ss:02d}"
    if off:
        out += "+00:00" if off == "Z" else (off if ":" in off else f"{off[:3]}:{off[3:]}")
    return out


_PM = re.compile(r"\s*(?:pm|p\.m\.)(?![a-z])", re.I)
_AFTERNOON = re.compile(r"(?:下午|晚上)\s*$")


def _text_iso(m: re.Match, text: str) -> str | None:
    """A _DATE_TEXT match as ISO; "2014.12.13 01:06 pm" is 13:06."""
    hour = m[4]
    if hour and int(hour) < 12 and (_PM.match(text, m.end()) or _AFTERNOON.search(text, m.start(), m.start(4))):
        hour = str(int(hour) + 12)
    return _iso(int(m[1]), int(m[2]), int(m[3]), hour, m[5], m[6], m[7])


def parse_date(text: str) -> str | None:
    """The first date (and time, offset) in ``text`` as ISO 8601, or None."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    m = _COMPACT_DATE.match(text)
    if m:
        return _iso(int(m[1]), int(m[2]), int(m[3]), m[4], m[5], m[6])
    m = _DATE_TEXT.search(text)
    if not m:
        return None
    return _text_iso(m, text)


# After a cue only: "发布时间：18-03-08 23:16" (two-digit year), and "10-08 12:00" (no year: the
# page's other dates or the fetch give it; how portals print today's stories).
_SHORT_YEAR_DATE = re.compile(r"(?<![\d-])(\d{2})-(\d{1,2})-(\d{1,2})(?![\d-])(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_NO_YEAR_DATE = re.compile(r"(?<![\d\-/年.])(\d{1,2})[-/月](\d{1,2})日?\s+(\d{1,2}):(\d{2})(?![\d:])")
# Lines that list other pages' dates: navigation, related and ranked items.
_NAV_LINE = re.compile(r"上一篇|下一篇|上一条|下一条|相关|相關|推荐|推薦|热门|熱門|精华|精華|排行|阅读更多|更多|往期|专题|專題|友情链接|友情鏈接")
_SHORT_DATE_LINE = 40  # a line this short that holds a date is a date line, cue or not


# A shown time's zone named after it: "08:05 GMT", "10:00 UTC+8", "(GMT+08:00)"
_NAMED_ZONE = re.compile(r"\s*\(?(?:GMT|UTC)(?:\s*([+-])(\d{1,2})(?::?(\d{2}))?)?(?![A-Za-z])")


def _zoned(value: str, norm: str, end: int) -> str:
    """``value`` (a date-time without offset) with the GMT/UTC zone the line names after it."""
    if "T" not in value or value[19:] or not (z := _NAMED_ZONE.match(norm, end)):
        return value
    if not z[1]:
        return value + "+00:00"
    hours = int(z[2])
    return value + (f"{z[1]}{hours:02d}:{z[3] or '00'}" if hours <= 14 else "")


def dates_in_line(line: str, year_hint: int | None = None) -> list[tuple[str, str, bool]]:
    """(field, ISO date, named by a cue) for each date of a metadata line: ``modified`` after an update cue,
    nothing after cues that name other dates (截止, 下载), else ``published``. A date inside
    a sentence or a navigation line is not the page's: only dates after a cue, with a time,
    or in a short line count."""
    norm = unicodedata.normalize("NFKC", line)
    if _NAV_LINE.search(norm):
        return []
    out = []
    for m in _DATE_TEXT.finditer(norm):
        value = _text_iso(m, norm)
        if not value:
            continue
        value = _zoned(value, norm, m.end())
        before = norm[max(0, m.start() - 12) : m.start()]
        if _NOT_PUBLISHED_CUE.search(before):
            continue
        modified = bool(_MODIFIED_CUE.search(before))
        cue = bool(_PUBLISHED_CUE.search(before))
        if not (modified or cue or m[4] or len(norm) <= _SHORT_DATE_LINE):
            continue
        out.append(("modified" if modified else "published", value, cue or modified))
    if not out:
        for m in _EN_DATE.finditer(norm):
            month, day, year = (m[1], m[2], m[3]) if m[1] else (m[5], m[4], m[6])
            hour = m[7]
            if hour and m[9] and m[9].lower() == "p" and int(hour) < 12:
                hour = str(int(hour) + 12)
            before = norm[max(0, m.start() - 12) : m.start()]
            cue = bool(_PUBLISHED_CUE.search(before))
            if (cue or hour or len(norm) <= _SHORT_DATE_LINE) and (value := _iso(int(year), _MONTHS[month[:3].lower()], int(day), hour, m[8])):
                out.append(("modified" if _MODIFIED_CUE.search(before) else "published", _zoned(value, norm, m.end()), cue))
    if not out:
        for m in _SHORT_YEAR_DATE.finditer(norm):
            before = norm[max(0, m.start() - 12) : m.start()]
            # Without a cue, a two-digit year shows the day only as a short line's date and time
            # ("24-5-13 17:07" under a Weibo post's account): never day-month-year on these sites.
            alone = m[4] is not None and len(norm) <= _SHORT_DATE_LINE and len(m[0]) >= 0.5 * len(norm)
            cue = bool(_PUBLISHED_CUE.search(before))
            if (alone or cue) and (value := _iso(2000 + int(m[1]), int(m[2]), int(m[3]), m[4], m[5], m[6])):
                if m[4] is None and (t := re.search(r"(?<![\d:])(\d{1,2}):(\d{2})(?![\d:])", norm[m.end():])):
                    value = _iso(2000 + int(m[1]), int(m[2]), int(m[3]), t[1], t[2])
                out.append(("published", value, cue))
        if not out and year_hint and len(norm) <= _SHORT_DATE_LINE + 20:
            for m in _NO_YEAR_DATE.finditer(norm):
                if value := _iso(year_hint, int(m[1]), int(m[2]), m[3], m[4]):
                    before = norm[max(0, m.start() - 12) : m.start()]
                    out.append(("published", value, bool(_PUBLISHED_CUE.search(before))))
    return out


# A dated lead: 【看中国2005年07月03日报道】, 本报北京3月5日电, 新华社北京3月5日电（记者 张三）
_LEAD_DATE = re.compile(
    r"^[【\[(（]?[^】\]）)。]{0,30}?(?:((?:19|20)\d{2})年)?(\d{1,2})月(\d{1,2})日(?:\s*(\d{1,2})[:：时](\d{2}))?[^】\]）)。]{0,12}?(?:报道|報道|电|電|讯|訊)"
)
# A dispatch's credit without a month: "（中央社記者溫貴香台北21日電）", "（中央社記者王明、李華華盛頓20日專電）"
_DISPATCH_CREDIT = re.compile(
    r"^[(（【]?[\u4e00-\u9fff]{1,6}?(?:記者|记者)((?:[\u4e00-\u9fff·]{2,3}、)*[\u4e00-\u9fff·]{2,3})[\u4e00-\u9fff]{2,4}(?:\d{1,2}月)?\d{1,2}日(?:專|专)?[電电]"
)
# A lead's credit in brackets after 讯/电 and no date: "本站讯（职工通讯员 李琴雯 刘会）", "本报讯（记者 张三）"
_LEAD_CREDIT = re.compile(r"^[^\s(（]{0,12}?(?:讯|訊)\s*[(（]([^()（）]{2,60})[)）]")
# A WeChat post reposted, its credit line first: "原创： 路闻卓立编译 人民币交易与研究"
_ORIGINAL_BY = re.compile(r"^(?:原创|原創)\s*[:：]\s*(\S.{1,38})$")
# A repost's origin in its opening lines: "本文分享自华为云社区《Karmada…》，作者：…"
_SHARED_FROM = re.compile(r"^本文(?:分享|转载|轉載|转|轉|摘|选|選)自\s*([^\s，,。、《》“”\"：:]{2,20})")
# Names in brackets right after the dispatch, no role: "新华社北京5月19日电（刘艺、杨吉）"
_LEAD_NAMES = re.compile(r"\s*[(（]((?:[\u4e00-\u9fff·]{2,3}[、\s])*[\u4e00-\u9fff·]{2,3})[)）]")
_LEAD_REPORTER = re.compile(r"(?:记者|記者)\s*([\u4e00-\u9fff·]{2,4}(?:[、\s]+[\u4e00-\u9fff·]{2,4}){0,3})")

_URL_DATE = (
    re.compile(r"/((?:19|20)\d{2})[/_-]([01]?\d)[/_-]([0-3]?\d)(?:/|[^\d])"),
    re.compile(r"/((?:19|20)\d{2})[/_-]?([01]\d)/?([0-3]\d)(?=/|_|\.|[a-z])"),
    re.compile(r"[/_t]((?:19|20)\d{2})([01]\d)([0-3]\d)(?=[_/.\d]|$)"),
)


def url_date(url: str) -> str | None:
    path = urlsplit(url).path
    for pattern in _URL_DATE:
        m = pattern.search(path)
        if m:
            value = _iso(int(m[1]), int(m[2]), int(m[3]))
            if value:
                return value
    return None


# JSON-LD and meta tags ---------------------------------------------------------------------
_LD_JSON = etree.XPath("//script[@type='application/ld+json' or @type='application/json+ld']/text()")
_META = etree.XPath("//meta[@content][@name or @property or @itemprop or @http-equiv]")
_META_PUBLISHED = {
    "article:published_time", "og:article:published_time", "og:published_time", "article:published", "publishdate",
    "publish-date", "publish_date", "pubdate", "pub_date", "publishtime", "publish_time", "publication_date",
    "date", "dc.date", "dc.date.issued", "dc.date.created", "dcterms.created", "dcterms.issued", "sailthru.date",
    "datepublished", "originalpublicationdate", "article.published", "og:release_date", "release_date",
    "weibo:article:create_at", "firstpublishedtime", "ptime", "createdate", "create_date", "created",
    "parsely-pub-date", "cxenseparse:recs:publishtime", "bt:pubdate", "citation_publication_date", "apub:time",
    "og:time", "article:publish_time", "publishdate_time", "mediapublishtime", "articledate",
}
_META_MODIFIED = {
    "article:modified_time", "og:updated_time", "og:article:modified_time", "datemodified", "lastmodifiedtime",
    "dc.date.modified", "dcterms.modified", "weibo:article:update_at", "article:modified", "modified", "dateupdate",
}
_META_AUTHOR = {"author", "byl", "dc.creator", "article:author", "sailthru.author", "parsely-author", "citation_author"}
_META_SITE_NAME = {"og:site_name", "application-name", "apple-mobile-web-app-title", "site_name", "sitename", "sourcename"}
_META_SOURCE = {"source", "mediaid", "og:article:source", "article:source"}


def _ld_objects(data: object):
    if isinstance(data, list):
        for x in data:
            yield from _ld_objects(x)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
            if isinstance(data.get(key), (list, dict)):
                yield from _ld_objects(data[key])


def _ld_names(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return [name] if isinstance(name, str) and (value.get("@type") in (None, "Person") or isinstance(value.get("@type"), list)) else []
    if isinstance(value, list):
        return [n for v in value for n in _ld_names(v)]
    return []


def _jsonld(tree: lxml.html.HtmlElement) -> list[Candidate]:
    out: list[Candidate] = []
    for raw in _LD_JSON(tree):
        try:
            data = json.loads(str(raw).strip().rstrip(";"), strict=False)
        except ValueError:
            continue
        for obj in _ld_objects(data):
            for key, name in (("datePublished", "published"), ("dateCreated", "published"), ("dateModified", "modified")):
                value = obj.get(key)
                if isinstance(value, str) and (iso := parse_date(value)):
                    out.append(Candidate(name, "jsonld", iso))
            for key in ("headline", "name"):
                value = obj.get(key)
                if isinstance(value, str) and value.strip() and obj.get("@type") in ("NewsArticle", "Article", "BlogPosting", "ReportageNews", "AnalysisNewsArticle", "OpinionNewsArticle", "DiscussionForumPosting", "WebPage") and key == "headline":
                    # (entities escaped twice: "review &#8211; shoots for the moon")
                    out.append(Candidate("title", "jsonld", _WS.sub(" ", unescape(value)).strip()))
            for name in _ld_names(obj.get("author")):
                out.append(Candidate("authors", "jsonld", name))
    return out


_HANDLE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{2,39}$")
_LINKS = etree.XPath("//a[@href]")


def _shown_names(tree: lxml.html.HtmlElement, cands: list[Candidate]) -> list[Candidate]:
    """JSON-LD's or a meta tag's author given as a username ("m0_66248056"), as the page shows
    the writer: the name its links to that user's page carry ("我有一些感想……")."""
    handles = {c.value for c in cands if c.field == "authors" and _HANDLE.match(c.value)}
    if not handles:
        return cands
    shown: dict[str, str] = {}
    for a in _LINKS(tree):
        tail = (a.get("href") or "").split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        if tail in handles and tail not in shown:
            name = _WS.sub(" ", _text(a) or a.get("title") or "").strip(" :：")
            if name and name != tail and len(name) <= 30 and not _HANDLE.match(name):
                shown[tail] = name
    return [Candidate(c.field, c.kind, shown[c.value]) if c.field == "authors" and c.value in shown else c for c in cands]


def _metas(tree: lxml.html.HtmlElement) -> tuple[list[Candidate], list[str]]:
    out: list[Candidate] = []
    site_names: list[str] = []
    for el in _META(tree):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv") or "").strip().lower()
        value = _WS.sub(" ", el.get("content") or "").strip()
        if not value:
            continue
        if key in _META_PUBLISHED:
            if iso := parse_date(value):
                out.append(Candidate("published", "meta", iso))
        elif key in _META_MODIFIED:
            if iso := parse_date(value):
                out.append(Candidate("modified", "meta", iso))
        elif key in _META_AUTHOR:
            out.append(Candidate("authors", "meta", value))
        elif key == "og:title":
            out.append(Candidate("title", "og", value))
        elif key in _META_SITE_NAME:
            site_names.append(value)
        elif key in _META_SOURCE and not value.isdigit():
            out.append(Candidate("source", "meta", value))
    return out, site_names


_TIME_ELEMENTS = etree.XPath(
    "//time[@datetime] | //*[@itemprop='datePublished' or @itemprop='dateModified'][@datetime or @content]"
)


def _times(tree: lxml.html.HtmlElement) -> list[Candidate]:
    out = []
    for el in _TIME_ELEMENTS(tree):
        iso = parse_date(el.get("datetime") or el.get("content") or "")
        if iso:
            out.append(Candidate("modified" if el.get("itemprop") == "dateModified" else "published", "time", iso))
    return out


# Lines: the headline's neighbours and the page's other short blocks --------------------------
_LONG_PARAGRAPH = 200  # the body has begun: the headline's metadata line comes before it

# Byline elements by their class, id or itemprop (author, writer, byline, Discuz's authi, a
# forum's username); "authority" is not one.
_AUTHOR_ELEMENT_NAME = re.compile(r"author(?!ity)|byline|writer|authi|user-?_?name|nick-?name|poster", re.I)
_SOURCE_ELEMENT_NAME = re.compile(r"(?<![a-z])source(?!s?-?(?:map|code))", re.I)
_ITEMPROP_NAME = etree.XPath(".//meta[@itemprop='name']/@content | .//*[@itemprop='name'][not(self::meta)]")


_VISIBLE_TEXT = etree.XPath(".//text()[not(parent::script or parent::style or parent::noscript)]")


def _text(el: lxml.html.HtmlElement) -> str:
    """The element's text as shown: without the scripts that counters and widgets inline, and
    with a space between its parts (a metadata line's spans: "发布时间：10-08" "12:00")."""
    parts = _VISIBLE_TEXT(el) if el.find(".//script") is not None or el.find(".//style") is not None else el.itertext()
    return _WS.sub(" ", " ".join(parts)).strip()


_SPACED_SEP = re.compile(r"\s+(?:@|::|[|｜]|[-–—])\s+")  # (a blog's name between " @ " and " :: ")


def find_headline_element(tree: lxml.html.HtmlElement, title_hints: list[str]) -> lxml.html.HtmlElement | None:
    """The element showing the headline: an <h1> (or h2/h3, or an element whose class names a
    title) whose text is one of the page's titles, or starts one. None when none matches."""
    keys = [_key(t) for t in title_hints if t and len(_key(t)) >= 4 and not _names_a_site(t)]
    exact = [_key(t) for t in title_hints if t and len(_key(t)) >= 4 and _names_a_site(t)]  # (shown whole, or not at all)
    # What a title adds after its headline is the site's ("… :: 痞客邦 PIXNET ::"): its logo's <h1>
    # shows no headline.
    site_parts: set[str] = set()
    for t in title_hints:
        parts = [_key(p).strip(_TRIM) for p in title_affixes(t)[0] + _SPACED_SEP.split(t)[1:]] if t else []
        if parts and len(_key(_TITLE_SEP.split(t)[0])) >= 4:  # ("_《網絡主播行為規范》…": no headline before it)
            longest = max(map(len, [_key(p) for p in _SPACED_SEP.split(t) + _TITLE_SEP.split(t)]))
            site_parts.update(p for p in parts if len(p) < longest)  # (the longest part is the headline: "Opinion | …")
    # A title cut short and given the site's suffix ("…三成企業加碼辦 - 台視新聞") starts the
    # headline the page shows in full.
    heads = [h for t in title_hints if t and _TITLE_SEP.search(t) and len(h := _key(_TITLE_SEP.split(t)[0])) >= 8]
    fallback = None
    for tag in ("h1", "h2", "h3"):  # (without any title to match, the first <h1> is the headline)
        for el in tree.iter(tag):
            t = _key(_text(el))
            if len(t) < 4 or t.strip(_TRIM) in site_parts:
                continue
            if any(_same_headline(t, k) for k in keys) or t in exact or _continues_title(t, heads):
                return el
            if tag == "h1" and fallback is None and len(t) <= 120 and not keys:
                fallback = el
    linked = None
    for el in _TITLE_CLASS(tree):
        t = _key(_text(el))
        if len(t) >= 4 and (any(_same_headline(t, k) for k in keys) or t in exact or _continues_title(t, heads)):
            if len(_key(_unlinked_text(el))) >= 4:
                return el
            linked = linked if linked is not None else el  # (a list's item linking to the page: the headline if no other)
    return linked if linked is not None else fallback


def _names_a_site(title: str) -> bool:
    """A <title> of a few characters and no separator ("南生论坛") names the site, not an
    article: a heading that starts with it is the logo's or a sidebar's."""
    return len(_key(title)) <= 6 and not _TITLE_SEP.search(title)


def _headline_text(headline: lxml.html.HtmlElement, title_hints: list[str]) -> str:
    """The headline element's text; the part of it that a title shows when the element holds
    more (a "播报文章" audio button inside <h1>, after the <span> with the headline)."""
    whole = _text(headline)
    keys = [_key(t) for t in title_hints if t and len(_key(t)) >= 4]
    if any(k.startswith(_key(whole)) for k in keys):
        return whole
    for el in headline.iterdescendants():
        if isinstance(el.tag, str) and len(t := _key(_text(el))) >= 4 and any(k.startswith(t) for k in keys):
            return _text(el)
    return whole


def _continues_title(shown: str, heads: list[str]) -> bool:
    """The element shows a headline the title cut short: its text goes on from a title's head,
    and what follows is no date or metadata line (a block of the headline with its byline)."""
    return any(shown.startswith(h) and not _RAW_DATE.search(shown[len(h) :]) and not _RAW_LABEL.search(shown[len(h) :]) for h in heads)


def _lone_h1(tree: lxml.html.HtmlElement, title_hints: list[str]) -> lxml.html.HtmlElement | None:
    """The page's one <h1>, when no title it has is shown in its body (a blog's <title> left from
    another article: "Kruskal+LCA算法详解-CSDN博客" over <h1>NOIP2013货车运输</h1>)."""
    if not any(t and len(_key(t)) >= 4 for t in title_hints):
        return None
    h1s = [el for el in tree.iter("h1") if len(_key(_text(el))) >= 4]
    body = tree.find("body")
    if len(h1s) != 1 or body is None or len(_key(_text(h1s[0]))) > 120:
        return None
    shown = _key(body.text_content())
    heads = [_key(_TITLE_SEP.split(t)[0]) for t in title_hints if t and not _names_a_site(t)]
    return None if any(len(h) >= 4 and h in shown for h in heads) else h1s[0]


# (any case: "ArticleTit", "News_page_tittle", "Heading")
_TITLE_CLASS = etree.XPath(
    "//body//*[contains(translate(@class,'TIL','til'),'tit') or contains(translate(@id,'TIL','til'),'tit')"
    " or contains(translate(@class,'HDING','hding'),'heading') or contains(translate(@id,'HDING','hding'),'heading')]"
    "[string-length(normalize-space()) <= 200]"
)


_HEADINGS = etree.XPath(
    "//body//*[self::h1 or self::h2 or self::h3 or contains(translate(@class,'TIL','til'),'tit') or contains(translate(@id,'TIL','til'),'tit')]"
)


def _first_heading(tree: lxml.html.HtmlElement, site_names: tuple[str, ...]) -> str | None:
    """Without an element that shows the page's titles: the first heading of the body (a
    heading tag, or a class or id naming a title: "innerBigNewsTitle", "News_page_tittle"), its
    text outside links (a linked heading is a list's item, a breadcrumb's links are not the
    headline). For sites whose every <title> is the site's name."""
    site_keys = {_key(n) for n in site_names}
    for el in _HEADINGS(tree):
        text = _unlinked_text(el).strip(_TRIM)
        if 6 <= len(_key(text)) <= 80 and _key(text) not in site_keys:
            return text
    return None


_ANY_HEADING = etree.XPath(
    "//body//*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6"
    " or contains(translate(@class,'TIL','til'),'tit') or contains(translate(@id,'TIL','til'),'tit')]"
)
_DATED_HEADING_CHARS = 200  # the text after a heading read for its date line


def _unlinked_text(el: lxml.html.HtmlElement) -> str:
    return _WS.sub(" ", "".join(t for t in _VISIBLE_TEXT(el) if not any(a.tag == "a" for a in _ancestors_to(t, el)))).strip()


def _dated_heading(tree: lxml.html.HtmlElement, site_names: tuple[str, ...]) -> lxml.html.HtmlElement | None:
    """The heading right above the article's labelled date line ("<h5>标题</h5><div>发布时间：
    2019-05-18 来源：…</div>"): the headline, whatever its tag, where <title> names only the
    site or its section. Dated headings of one shape (tag and class) are a teaser list's items."""
    site_keys = {_key(n) for n in site_names}
    headings = _ANY_HEADING(tree)
    marked = set(headings)
    dated: list[tuple[tuple, lxml.html.HtmlElement]] = []
    for el in headings[:60]:
        text = _unlinked_text(el)
        if not 6 <= len(_key(text)) <= 80 or _key(text) in site_keys:
            continue
        after: list[str] = []  # the next three texts, up to the next heading
        for n, nxt in enumerate(_following(el)):
            if n > 30 or len(after) >= 3 or sum(map(len, after)) > _DATED_HEADING_CHARS or nxt in marked:
                break
            if isinstance(nxt.tag, str) and nxt.tag not in _SKIP_TAGS and (nxt.text or "").strip():
                after.append(nxt.text.strip())
        line = " ".join(after)[:_DATED_HEADING_CHARS]
        found = dates_in_line(line)
        if any(cue for _, _, cue in found) or (found and labelled_values(line)) or _tile_dates(after):
            dated.append(((el.tag, el.get("class")), el))
    shapes = Counter(shape for shape, _ in dated)
    return next((el for shape, el in dated if shapes[shape] == 1), None)


# A date shown as a tile, its parts on lines of their own: "2019" "09/07" "19:02", "21" "2024年02月"
_TILE_YEAR = re.compile(r"((?:19|20)\d{2})(?:\s*[-/.年]\s*(\d{1,2})\s*月?)?")
_TILE_MONTH_DAY = re.compile(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_TILE_DAY = re.compile(r"(\d{1,2})\s*日?")
_TILE_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def _tile_date(parts: list[str]) -> str | None:
    """The date of a tile's parts (a year, with its month or not; a month and day, or a day;
    a time), None unless they are all parts and make one whole date."""
    year = month = day = None
    clock: tuple[str, str, str | None] | None = None
    for part in parts:
        p = unicodedata.normalize("NFKC", part).strip()
        if (m := _TILE_YEAR.fullmatch(p)) and year is None:
            year, month = int(m[1]), int(m[2]) if m[2] else month
        elif (m := _TILE_MONTH_DAY.fullmatch(p)) and day is None:
            month, day = int(m[1]), int(m[2])
        elif (m := _TILE_TIME.fullmatch(p)) and clock is None:
            clock = (m[1], m[2], m[3])
        elif (m := _TILE_DAY.fullmatch(p)) and day is None:
            day = int(m[1])
        else:
            return None
    if year is None or month is None or day is None:
        return None
    return _iso(year, month, day, *(clock or (None, None, None)))


def _tile_dates(lines: list[str]) -> list[Candidate]:
    """Dates shown as tiles among the headline's lines: runs of two or three parts, each with
    the index of its first line."""
    out: list[tuple[int, Candidate]] = []
    i = 0
    while i < len(lines):
        for n in (3, 2):
            run = lines[i : i + n]
            if len(run) == n and (iso := _tile_date(run)):
                out.append((i, Candidate("published", "headline_line", iso, line=" ".join(run))))
                i += n
                break
        else:
            i += 1
    return out


def _ancestors_to(text: object, top: lxml.html.HtmlElement):
    el = text.getparent()
    while el is not None:
        yield el
        if el is top:
            return
        el = el.getparent()


def _same_headline(shown: str, title: str) -> bool:
    """The element shows the title, or the title is the element's text with the site's affixes."""
    return shown == title or title.startswith(shown) or shown.startswith(title) or (len(shown) >= 8 and shown in title)


_DASHES = str.maketrans("‐‑‒–—―−", "-------")  # (an <h1>'s en dash is its <title>'s hyphen)


def _key(text: str) -> str:
    return _WS.sub("", unicodedata.normalize("NFKC", text or "")).translate(_DASHES)


def _line_candidates(text: str, kind: str, year_hint: int | None = None) -> list[Candidate]:
    """Dates and people in one short block of the page."""
    out: list[Candidate] = []
    wd = bool(_WEEKDAY.search(text))
    labelled = labelled_values(text)
    # A date on a line that also names the source, the author or the editor is the
    # article's metadata line, cue or not ("2020-11-23 10:22 出处：快科技 作者：宪瑞").
    meta_line = bool(labelled) and len(text) <= 120
    for name, iso, cue in dates_in_line(text, year_hint if kind == "headline_line" else None):
        out.append(Candidate(name, kind, iso, line=text, weekday=wd, cue=cue or meta_line))
    for name, value in labelled:
        out.append(Candidate(name, kind, value, line=text))
    if kind == "headline_line" and not labelled:
        if m := _OWN_BLOG.match(unicodedata.normalize("NFKC", text).strip()):
            out.append(Candidate("authors", kind, m.group(1), line=text))  # "my38778570 的个人博客": the blogger
        elif _OUTLET_LINE.match(text):
            out.append(Candidate("source", kind, text, line=text))  # "新华社", "南方都市报" under the headline
        elif m := _ACCOUNT_BY_DATE.match(unicodedata.normalize("NFKC", text).strip()):
            # "原创 GameForce 2019-09-04 22:18:34", "2019-05-17 · 苏皖城市报道": the account that
            # posted, named beside the date without a label (self-media platforms, blogs, forums)
            name = m.group(1) or m.group(2)
            # (cue: named after the date, as a platform prints its account; a related story's
            # title comes before its date)
            out.append(Candidate("source" if _OUTLET_LINE.match(name) else "authors", "account", name, line=text, cue=m.group(2) is not None))
    return out


_DAY_AND_TIME = r"(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?:[ap]m|[AP]M))?)?"
_ACCOUNT_BY_DATE = re.compile(
    r"^(?:(?:原创|原創)\s*[:：]?\s+)?(\d{0,4}[^\s\d:：|｜·•]{2,20})\s*[·•|｜]?\s*" + _DAY_AND_TIME + r"(?:\s.*)?$"
    # (after the portal's own address: "http://ent.QQ.com 2009年11月09日11:30 腾讯音乐 我要评论(0)")
    r"|^(?:https?://\S+\s+)?" + _DAY_AND_TIME + r"\s*[·•|｜]?\s*([^\s\d:：|｜·•]{2,20})(?:\s+(?:我要评论|評論|评论|分享|收藏|打印|列印|举报|舉報).*)?$"
)


# A link under the headline to the writer's own blog or space
_OWN_BLOG = re.compile(r"^([^\s的]{2,30})\s*的(?:个人|個人)?(?:博客|部落格|专栏|專欄|空间|空間|主页|主頁)$")
# A line under the headline that is only an outlet's name.
_OUTLET_LINE = re.compile(r"^[\u4e00-\u9fff]{2,10}(?:通讯社|通訊社|新闻社|新聞社|社|日报|日報|晚报|晚報|时报|時報|报|報|网|網|电视台|電視台|广播电台|廣播電台|周刊|週刊|杂志|雜誌)$")


# "作者：茉莉", "记者 张三", "来源：新华社", "责任编辑：王五": value up to the next label or the end.
_LABELS = {
    "authors": r"作者|撰文|撰稿|执笔|執筆|文字|记者|記者|通讯员|通訊員|发帖人|發帖人|楼主|樓主|博主|文\s*/|文/|文：",
    "editor": r"责任编辑|責任編輯|责编|責編|编辑|編輯|值班编辑|值班編輯|实习编辑|實習編輯|选稿|選稿",
    "source": r"(?:信息|稿件|文章|新闻|新聞|内容|內容|本文)?(?:来源|來源)|稿源|出处|出處|转载自|轉載自",
}
_NEXT_LABEL = (
    r"(?=\s*(?:作者|撰文|记者|記者|通讯员|通訊員|来源|來源|稿源|出处|出處|责任编辑|責任編輯|责编|(?<!責任)編輯|(?<!责任)编辑|发布|發布|發佈|时间|時間|日期|"
    r"浏览|瀏覽|阅读|閱讀|点击|點擊|評論|评论|字号|字號|分享|打印|收藏|关注|關注|分类|分類|栏目|欄目|标签|標籤|人气|人氣|查看|访问|訪問)"
    r"|\s+\d|\s{2,}|\s*[|｜【\[]|(?<=\S)\s*(?:(?:19|20)\d{2}[-/.年])|$)"
)
_LABELLED = [
    (name, re.compile(r"(?:^|[\s(（【\[〔|｜/:：]|本报|本報|特约|特約|见习|見習|实习|實習|首席)(?:" + labels + r")\s*(?:[:：︱丨|｜—/／╱]|\s)\s*(.{1,60}?)" + _NEXT_LABEL))
    for name, labels in _LABELS.items()
] + [
    # "来源CSDN | 作者魏星": a label run into its short value, the next one after a bar (not a
    # bare 编辑 or 文字: "编辑计划表", "编辑推荐" are links, "文字大小" a button)
    (name, re.compile(r"(?:^|[\s|｜])(?:" + labels + r")(?![:：\s])([^\s|｜:：]{2,20}?)(?=\s*[|｜]|\s*$)"))
    for name, labels in {**_LABELS, "authors": r"作者|撰文|撰稿|记者|記者", "editor": r"责任编辑|責任編輯|责编|責編"}.items()
] + [
    # An op-ed's closing bio: "●作者李武忠，新北市，經濟系教授。" (not "作者為台大教授，")
    ("authors", re.compile(r"(?:^|[●■◆▲◎★※\s(（])(?:作者|筆者|笔者)\s*[:：]?\s*(?![為为是係系現现曾])([\u4e00-\u9fff·]{2,4})[，,]")),
    # "本报记者张三", "聯合報 記者林宸誼／即時報導": a reporter's name follows 记者 without a colon
    ("authors", re.compile(r"(?:记者|記者|通讯员|通訊員)\s*(" + r"[\u4e00-\u9fff·]{2,5}(?:[\s、]+[\u4e00-\u9fff·]{2,5}){0,3}" + r")(?=[\s／/╱)）〕】]|报道|報導|報道|报导|$)")),
    # A forum's thread starter marked beside the name: "小诺抓 (楼主) 10月前"
    ("authors", re.compile(r"(?:^|\s)([^\s()（）:：]{2,20}?)\s*[(（]\s*(?:楼主|樓主)\s*[)）]")),
    # A licensed repost's origin when an outlet licensed it: "本文为百略网授权网易财经《亦观察》发布",
    # "本文由虎嗅网授权转载" (a writer licenses too: "本文为康斯坦丁授权…" names the author)
    ("source", re.compile(r"(?:^|[\s(（【])本文(?:为|為|由|经|經)\s*([^\s，,。、《》“”:：]{1,18}?(?:网|網|报|報|社|台|杂志|雜誌|周刊|週刊|传媒|傳媒|新闻|新聞|媒体|媒體))\s*(?:独家|獨家)?(?:授权|授權)")),
    # A compilation's credit closing the text: "(综合整理自澎湃新闻、智东西、雷锋网等)"
    ("source", re.compile(r"^[(（【\[]?(?:综合整理自|綜合整理自|整理自|综合自|綜合自|编译自|編譯自)\s*([^()（）【】\[\]]{2,40}?)[)）】\]]?$")),
    # "中央社 澎湖縣28日電", "新华社北京3月5日电": the agency whose dispatch it is
    ("source", re.compile(r"(?:^|[\s(（【〔])([\u4e00-\u9fff]{1,6}(?:社|报|報|网|網|台|新闻|新聞))\s*[\u4e00-\u9fff]{2,6}?(?:\d{1,2}月)?\d{1,2}日[电電]")),
    # "澎湃新闻记者 段彦超", "聯合報 記者…": the outlet the reporter writes for
    ("source", re.compile(r"(?:^|[\s(（【〔])([\u4e00-\u9fff]{1,8}(?:报|報|社|网|網|台|新闻|新聞|日报|日報|周刊|週刊))\s*[/／╱]?\s*(?:记者|記者)")),
]
_LABELLED_START = re.compile(r"^(?:" + _LABELS["authors"] + r")\s*[:：]?\s*")
_DISCUZ_POSTED = re.compile(r"^(\S{1,30})\s+(?:发表于|發表於)\s")


_PHOTO_CREDIT = re.compile(r"(?:摄|攝|摄影|攝影|供图|供圖)\s*$|图片来源|圖片來源|资料图|資料圖|图/|圖/|^图\s|^圖\s")


def _trim(value: str) -> str:
    """The value without the punctuation around it; a closing bracket stays when the value
    opened it ("21世纪经济报道(广州)")."""
    out = value.strip(_TRIM)
    for opening, closing in (("(", ")"), ("（", "）"), ("《", "》")):
        if out.count(opening) > out.count(closing) and value.rstrip(" \t").endswith(closing):
            out += closing
    return out


def labelled_values(text: str) -> list[tuple[str, str]]:
    norm = unicodedata.normalize("NFKC", text).strip()
    out = []
    photo = bool(_PHOTO_CREDIT.search(norm))  # "中新社记者 贾天勇 摄": the photographer, not the writer
    authors: list[str] = []
    editors: list[str] = []
    for name, pattern in _LABELLED:
        if name == "authors":
            # "本报记者 王明 通讯员 李华": every role's names, in the line's order
            if not photo:
                authors.extend(v for m in pattern.finditer(norm) if (v := _trim(m.group(1))) and v not in authors)
            continue
        if name == "editor":
            # "编辑：倪仕轩 责任编辑：林涛": each credits an editor (the first form that reads any)
            if not editors:
                editors.extend(v for m in pattern.finditer(norm) if (v := _trim(m.group(1))) and v not in editors)
            continue
        if any(n == name for n, _ in out):
            continue
        for m in pattern.finditer(norm):
            value = _trim(m.group(1))
            if value:
                out.append((name, value))
                break
    if editors:
        out.insert(0, ("editor", " ".join(editors)))
    if authors:
        out.insert(0, ("authors", " ".join(authors)))
    m = _DISCUZ_POSTED.match(norm)
    if m:
        out.append(("authors", m.group(1)))
    return out


_SKIP_TAGS = frozenset(("script", "style", "noscript", "textarea", "template", "select", "option"))
_INLINE_TAGS = frozenset(("span", "a", "em", "font", "b", "strong", "i", "small", "time", "label", "cite", "u", "abbr", "sup", "sub", "img", "br"))
_BYLINE_MARKER = re.compile(r"author(?!ity)|byline|writer|authi|user-?_?name|(?<![a-z])uname|nick-?name|poster|editor|(?<![a-z])source(?!s?-?(?:map|code))", re.I)
_ZONE_LINES = 40  # the headline's metadata lines: at most this many text-bearing elements after it
_ZONE_CHARS = 500  # ... and this much text: more is the body (or a summary box) already


def _following(headline: lxml.html.HtmlElement):
    """The elements after the headline in document order (its own descendants left out)."""
    el = headline
    while el is not None:
        sibling = el.getnext()
        while sibling is not None:
            yield from sibling.iter()
            sibling = sibling.getnext()
        el = el.getparent()


def _preceding(headline: lxml.html.HtmlElement):
    """The elements before the headline, nearest first (its ancestors left out)."""
    el = headline
    while el is not None:
        sibling = el.getprevious()
        while sibling is not None:
            yield from reversed(list(sibling.iter()))
            sibling = sibling.getprevious()
        el = el.getparent()


def _zone(headline: lxml.html.HtmlElement) -> tuple[list[lxml.html.HtmlElement], list[lxml.html.HtmlElement]]:
    """The elements holding the text between the headline and the body (its metadata lines),
    and the byline elements among them (a class that names an author, a username, a source)."""
    out: list[lxml.html.HtmlElement] = []
    bylines: list[lxml.html.HtmlElement] = []
    chars = 0
    skip: set = set()  # (elements, not their ids: lxml makes a new proxy, with a reused id, per access)
    for el in _following(headline):
        if not isinstance(el.tag, str):
            continue
        if el.tag in _SKIP_TAGS or el.getparent() in skip:
            skip.add(el)
            continue
        if el.attrib and _is_byline(el):
            bylines.append(el)
        for piece, owner in ((el.text, el), (el.tail, el.getparent())):
            size = len(piece.strip()) if piece else 0
            if not size or owner is None:
                continue
            chars += size
            if size > _LONG_PARAGRAPH or chars > _ZONE_CHARS or len(out) >= _ZONE_LINES:
                return out, bylines  # the body has begun
            out.append(owner)
    return out, bylines


def _above(headline: lxml.html.HtmlElement, limit: int = 3) -> list[lxml.html.HtmlElement]:
    """The nearest elements with text above the headline (a date some sites print there)."""
    out: list[lxml.html.HtmlElement] = []
    for n, el in enumerate(_preceding(headline)):
        if n > 200 or len(out) >= limit:
            break
        if isinstance(el.tag, str) and el.tag not in _SKIP_TAGS and (el.text or "").strip():
            out.append(el)
    return out


# The page's other lines with a date or a label, read off the markup with plain string search:
# walking every element of a big page, or one regular expression of many alternatives, costs
# more than the extraction's own work.
_RAW_LABELS = (
    "作者", "来源", "來源", "编辑", "編輯", "责编", "責編", "记者", "記者", "发布", "發布", "發佈", "发表", "發表", "稿源",
    "出处", "出處", "撰文", "执笔", "執筆", "楼主", "樓主", "博主", "更新", "时间", "時間", "日期",
    "整理自", "综合自", "綜合自", "编译自", "編譯自", "授权", "授權",
)
_RAW_LABEL = re.compile("|".join(_RAW_LABELS))  # (literal alternatives: one fast scan)
# (and a two-digit year with its time: "24-5-13 17:07" under a Weibo post's account)
_RAW_DATE = re.compile(r"[12][90]\d\d\s*[-/.年]\s*\d|(?<![\d.:/-])\d\d-\d{1,2}-\d{1,2}\s+\d{1,2}:\d\d")
_RAW_OPAQUE = re.compile(r"<(script|style|noscript|textarea|template)\b|<!--", re.I)
_RAW_EDGE = re.compile(r"<(?:/?(?:div|p|li|td|th|tr|table|tbody|ul|ol|dd|dt|dl|h[1-6]|section|article|header|footer|body|nav|aside|form)\b|br\b|hr\b)[^>]*>", re.I)
_RAW_TAG = re.compile(r"<[^>]*>")


def _opaque_ranges(html: str, start: int) -> list[tuple[int, int]]:
    """Where scripts, styles and comments stand: no line is read there."""
    out = []
    pos = start
    while (m := _RAW_OPAQUE.search(html, pos)) is not None:
        if m.group(1):
            close = re.compile(r"</" + m.group(1) + r"\s*>", re.I).search(html, m.end())
            end = close.end() if close else len(html)
        else:
            end = html.find("-->", m.end())
            end = end + 3 if end >= 0 else len(html)
        out.append((m.start(), end))
        pos = end
    return out


def page_lines(html: str, limit: int = 400) -> list[str]:
    """The short lines of the page (text between two block boundaries) that hold a date or a
    metadata label, in page order."""
    if not html:
        return []
    head_end = html.find("</head")
    body = max(0, head_end)
    positions = {m.start() for m in _RAW_DATE.finditer(html, body)}
    positions.update(m.start() for m in _RAW_LABEL.finditer(html, body))
    if not positions:
        return []
    opaque = _opaque_ranges(html, body)
    opaque_starts = [a for a, _ in opaque]
    found = [(m.start(), m.end()) for m in _RAW_EDGE.finditer(html, body)]
    edges = [a for a, _ in found]
    ends = [b for _, b in found]
    out: list[str] = []
    seen: set[int] = set()
    for pos in sorted(positions):
        k = bisect_right(opaque_starts, pos) - 1
        if k >= 0 and pos < opaque[k][1]:
            continue
        e = bisect_right(edges, pos)
        start = ends[e - 1] if e > 0 else body
        end = edges[e] if e < len(edges) else len(html)
        # A script or a comment ends the line ("（责任编辑：刘洋）<!--百度统计…--><script>…"), and
        # one before it starts it.
        if k + 1 < len(opaque_starts) and opaque_starts[k + 1] < end:
            end = opaque_starts[k + 1]
        if k >= 0 and opaque[k][1] > start:
            start = opaque[k][1]
        if start in seen:
            continue
        if end - start > 3000:
            seen.add(start)
            continue  # a long paragraph
        if html.rfind("<", start, pos) > html.rfind(">", start, pos):
            continue  # inside a tag's attributes (data-tooltip="发布于 …"): the line's text may follow
        seen.add(start)
        line = _WS.sub(" ", unescape(_RAW_TAG.sub(" ", html[start:end]))).strip()
        if 2 <= len(line) <= _LONG_PARAGRAPH:
            out.append(line)
            if len(out) >= limit:
                break
    return out


_RAW_OPAQUE_BLOCK = re.compile(r"<(script|style|noscript|textarea|template)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_SENTENCE_END = re.compile(r"[。！？!?；;]$")
_ABOVE_BODY_WINDOW = 20000  # characters of markup read back from the body's first line
_ABOVE_BODY_LINES = 8  # texts looked at above it


def heading_above_body(html: str, body: list[str]) -> str | None:
    """The short line right above the article's first line, past its date and byline lines and
    its rows of buttons and pictures: where a site whose <title>, og:title and headings name only
    the site shows the headline (a bare ``<td>标题</td>``, ``<div class="tt26">``). None when the
    text above is a link (a list's item, a breadcrumb), a sentence, or not found."""
    if not html or not body:
        return None
    head_end = max(0, html.find("</head"))
    pos = -1
    for line in body[:3]:
        probe = line.strip()[:12]
        if len(_key(probe)) >= 6 and (pos := html.find(probe, head_end)) >= 0:
            break
    if pos < 0:
        return None
    chunk = _RAW_OPAQUE_BLOCK.sub(" ", html[max(head_end, pos - _ABOVE_BODY_WINDOW) : pos])
    segments = _RAW_EDGE.split(chunk)[:-1]  # (the last one opens the body's own block)
    looked = 0
    for segment in reversed(segments):
        text = _WS.sub(" ", unescape(_RAW_TAG.sub(" ", segment))).strip()
        if len(_key(text)) < 6:
            continue  # pictures, buttons (小 中 大), labels (字級大小：)
        looked += 1
        if looked > _ABOVE_BODY_LINES:
            return None
        if dates_in_line(text) or labelled_values(text):
            continue  # the headline's date and byline lines
        if "<a " in segment.lower() or len(_key(text)) > 80 or _SENTENCE_END.search(text):
            return None
        return text.strip(_TRIM) or None
    return None


def add_heading_above_body(meta: PageMetadata | None, html: str, body: list[str]) -> None:
    """Once the body is known: the line above it as a title candidate (``above_body``), for a
    page whose headings show no headline."""
    if meta is None or any(c.field == "title" and c.kind in ("h1", "dated_heading", "lone_h1") for c in meta.candidates):
        return
    if text := heading_above_body(html, body):
        meta.candidates.append(Candidate("title", "above_body", text))


_BLOG_URL = re.compile(r"^[a-z]+://(?:[^/]*\bblogs?\b[^/]*|[^/]+/blogs?)(?:/|$)", re.I)  # blog.51cto.com, x.pixnet.net/blog


def _domain_name(url: str) -> list[str]:
    """The site's name in its host ("sina" of finance.sina.cn): an account "sina_mobile" is the site's."""
    labels = (urlsplit(url).hostname or "").split(".")
    labels = [x for x in labels if x not in ("www", "com", "cn", "net", "org", "gov", "edu", "hk", "tw", "co")]
    return [labels[-1]] if labels and len(labels[-1]) >= 3 and labels[-1].isalpha() else []


def read_metadata(
    tree: lxml.html.HtmlElement, url: str, title_hints: list[str] | None = None, html: str | None = None,
    post: lxml.html.HtmlElement | None = None,
) -> PageMetadata:
    """Every metadata candidate of one page. Call before extraction changes the tree. ``html``:
    the page the tree was parsed from (serialised from the tree when not given); ``post``: a
    forum thread's first post (``pipelines.text.forum.first_post``), whose writer it names."""
    meta = PageMetadata()
    cands = meta.candidates
    if post is not None:
        meta.forum = True
        if name := post_author(post):
            cands.append(Candidate("authors", "post", name, cue=True))  # (a username: taken whole)
    metas, site_names = _metas(tree)
    structured = _shown_names(tree, _jsonld(tree) + metas) + _times(tree)
    if iso := url_date(url):
        structured.append(Candidate("published", "url", iso))
    years = [int(c.value[:4]) for c in structured if c.field in ("published", "modified")]
    year_hint = years[0] if years else None
    head_title = _WS.sub(" ", tree.findtext(".//title") or "").strip()
    meta.title_tag = head_title or None
    hints = [c.value for c in metas if c.field == "title"] + [head_title] + list(title_hints or [])
    headline = find_headline_element(tree, hints)
    headline_kind = "h1"
    named = [h for h in hints if h and len(_key(h)) >= 4]
    if headline is not None and headline.tag == "h1" and named and all(_names_a_site(h) and _key(h) != _key(_text(headline)) for h in named):
        headline_kind = "lone_h1"  # (the page's first <h1> where every title names only the site: "南生论坛")
    if headline is None and (headline := _lone_h1(tree, hints)) is not None:
        keys = [_key(h) for h in hints if h and len(_key(h)) >= 4]
        # (one a title names after all, skipped as the site's part of it, is shown as before)
        headline_kind = "h1" if any(_same_headline(_key(_text(headline)), k) for k in keys) else "lone_h1"
    # The part <title> adds after the headline that the headline element does not show
    # ("_网易新闻") is the site's name: never an author, never the headline.
    suffixes, _ = title_affixes(head_title)
    shown = _key(_text(headline)) if headline is not None else ""
    meta.blog = bool(_BLOG_URL.search(url or ""))
    meta.site_names = tuple(dict.fromkeys(
        site_names + [x for x in suffixes[-1:] if 2 <= len(x) <= 20 and not shown.endswith(_key(x))] + _domain_name(url)
    ))
    seen: set[str] = set()
    zone: list[lxml.html.HtmlElement] = []
    bylines: list[lxml.html.HtmlElement] = []
    if headline is None and (dated := _dated_heading(tree, meta.site_names)) is not None:
        # (a heading no title names, above the article's date line: its lines are the headline's)
        headline = dated
        cands.append(Candidate("title", "dated_heading", _unlinked_text(dated)))
    elif headline is not None:
        cands.append(Candidate("title", headline_kind, _headline_text(headline, hints)))
    if headline is not None:
        zone, bylines = _zone(headline)
        zone_lines: list[str] = []
        at: list[int] = []  # where each line's candidates begin
        for el in zone:
            for line in _line_of(el):
                if line not in seen:
                    seen.add(line)
                    zone_lines.append(line)
                    at.append(len(cands))
                    cands.extend(_line_candidates(line, "headline_line", year_hint))
        for i, tile in reversed(_tile_dates(zone_lines)):
            cands.insert(at[i], tile)  # (in the lines' order: a related list's dates come after it)
        for el in _above(headline):
            # Just above the headline some sites print the date; a weekday there is a top bar's.
            for line in _line_of(el):
                cands.extend(c for c in _line_candidates(line, "block") if c.field in ("published", "modified"))
    elif heading := _first_heading(tree, meta.site_names):
        cands.append(Candidate("title", "heading", heading))
    cands.extend(structured)
    if head_title:
        cands.append(Candidate("title", "title_tag", head_title))
    if html is None:
        html = etree.tostring(tree, encoding="unicode", method="html")
    for line in page_lines(html):
        if line not in seen:
            seen.add(line)
            cands.extend(_line_candidates(line, "block"))
    # Byline elements (author, username, editor, source classes) among the headline's lines
    # and their children; a schema.org author anywhere.
    if 'itemprop="author"' in html or "itemprop='author'" in html:
        bylines += [el for el in _ITEMPROP_AUTHOR(tree) if el not in bylines]
    inner = {p for el in bylines for p in el.iterancestors()}
    for el in dict.fromkeys(bylines):
        if el in inner and el.get("itemprop") != "author":
            continue  # the name's own element inside it is read instead (not the badges beside it)
        cands.extend(_byline_element(el))
    return meta


_ITEMPROP_AUTHOR = etree.XPath("//*[@itemprop='author'][not(self::meta)]")


def _is_byline(el: lxml.html.HtmlElement) -> bool:
    marker = " ".join(filter(None, (el.get("class"), el.get("id"), el.get("itemprop"), el.get("rel"))))
    return bool(marker) and bool(_BYLINE_MARKER.search(marker) or el.get("itemprop") == "author")


def _line_of(el: lxml.html.HtmlElement) -> list[str]:
    """The metadata line an element's text belongs to: its own block's text (an inline span's
    parent: "发布时间：" and "10-08 12:00" are spans of one line), and the element's alone when
    the block is longer than a line."""
    owner = el
    while owner.tag in _INLINE_TAGS and owner.getparent() is not None:
        owner = owner.getparent()
    own = _text(el)
    line = _text(owner) if owner is not el else own
    out = [line] if len(line) <= _LONG_PARAGRAPH else []
    if own != line and len(own) <= _LONG_PARAGRAPH:
        out.append(own)
    return out


# A self-media account with its platform's badge: the outlet that posted, not a writer
_PLATFORM_ACCOUNT = re.compile(r"^(\S.{0,19}?)\s*(?:企鹅号|企鵝號|头条号|頭條號|百家号|百家號|大风号|大風號|网易号|網易號|搜狐号|搜狐號|一点号|一點號|澎湃号|澎湃號|公众号|公眾號)$")
# WeChat's markup for the official account that published the post (rich_media_meta_nickname, js_name)
_ACCOUNT_MARKUP = re.compile(r"rich_media_meta_nickname|(?<![a-z])js_name(?![a-z_])")


def _byline_element(el: lxml.html.HtmlElement) -> list[Candidate]:
    """What an element whose class names a byline (author, username, editor, source) says."""
    marker = " ".join(filter(None, (el.get("class"), el.get("id"), el.get("itemprop"), el.get("rel"))))
    named = _ITEMPROP_NAME(el)
    if named:  # schema.org Person: its name, not the avatar's and the bio's text
        first = named[0]
        t = _WS.sub(" ", first if isinstance(first, str) else _text(first)).strip()
    else:
        t = _text(el)
    if not 2 <= len(t) <= 60:
        return []
    labelled = labelled_values(t)
    if labelled:
        return [Candidate(name, "element", value) for name, value in labelled]
    if m := _PLATFORM_ACCOUNT.match(t):
        return [Candidate("source", "element", m.group(1))]  # "扬眼 企鹅号": a media account on a portal
    if any(_ACCOUNT_MARKUP.search(" ".join(filter(None, (a.get("class"), a.get("id"))))) for a in (el, *islice(el.iterancestors(), 3))):
        return [Candidate("source", "element", t)]  # a WeChat post's official account (公众号)
    if _SOURCE_ELEMENT_NAME.search(marker) and not _AUTHOR_ELEMENT_NAME.search(marker):
        # (an outlet's name is short: "苹果发布新iPhone 11：配6种颜色" in a video's source box is a title)
        return [] if dates_in_line(t) or len(t) > 20 or re.search(r"[：:，,。！？!?]", t) else [Candidate("source", "element", t)]
    if "editor" in marker.lower() and not _AUTHOR_ELEMENT_NAME.search(marker):
        return [Candidate("editor", "element", t)]
    if not dates_in_line(t):
        # A forum poster named by digits (a QQ number) links to the poster's profile: a username.
        handle = t.isdigit() and any(_PROFILE_LINK.search(a.get("href") or "") for a in el.iter("a"))
        return [Candidate("authors", "element", t, cue=handle)]
    # "鹿小町 发布于 2020-12-30 19:24": the name before the date
    m = re.match(r"^(\S{2,30}?)\s*(?:发布于|發佈於|发表于|發表於|于|於|·)?\s*(?:19|20)\d{2}[-/.年]", t)
    return [Candidate("authors", "element", m.group(1))] if m else []




_PROFILE_LINK = re.compile(r"[?&]uid=\d|/(?:u|user|users|member|members|space|people|home)/|space-uid-|mod=space", re.I)
_NAME = r"[\u4e00-\u9fff·]{2,5}"
# "澎湃新闻记者 段彦超 廖艳", "《棱镜》作者 周纯", "文/石佳": a byline line at the top or the end.
_BYLINE_LINE = re.compile(r"^.{0,12}?(?:记者|記者|作者|撰文|执笔|執筆|通讯员|通訊員|评论员|評論員|文\s*/\s*[图圖]|[图圖]\s*/\s*文|文\s*[/丨｜]|文：|文:)\s*[/:：]?\s*(" + _NAME + r"(?:[\s、，,&＆]+" + _NAME + r"){0,3})$")
# "…一年5折回购。(李楠)": the reporter in brackets closing the last paragraph (Sina, Xinhua).
# "石佳/中国青年报": the writer and the outlet, on the line under the headline or the text's first
_NAME_AND_OUTLET = re.compile(r"^(" + _NAME + r"(?:[\s、]+" + _NAME + r"){0,2})\s*[/／|｜]\s*([\u4e00-\u9fff]{2,10}(?:报|報|社|网|網|台|新闻|新聞|周刊|週刊|杂志|雜誌))$")
# Taiwan's and Hong Kong's credit: the names, then where they reported from, at the top or
# closing the text: "（劉利貞／綜合外電報導）", "（民視新聞陳韻平、郭文海台北報導）", "金名/高雄報導"
_NAME_SHORT = r"[\u4e00-\u9fff·]{2,4}?"
_REPORTED_CREDIT = re.compile(
    r"(?:^|\s|(?P<open>[(（【]))(?:[\u4e00-\u9fff]{1,6}?(?:新聞|新闻|日報|日报|晚報|晚报|報|报|社|電視|电视|台|網|网)\s*[/／╱]?)?\s*"
    r"(?P<role>(?:记者|記者|文|作者|通讯员|通訊員)\s*[/／╱:：]?\s*)?"
    r"(?P<names>" + _NAME_SHORT + r"(?:[、\s]+" + _NAME_SHORT + r"){0,3}?)\s*(?P<slash>[/／╱])?\s*"
    r"(?:綜合外電|综合外电|綜合|综合|即時|即时|[\u4e00-\u9fff]{2})?(?:報導|报道|報道|报导)\s*[)）】]?$"
)
_CLOSING_NAME = re.compile(r"[(（]\s*(?:(?:记者|記者|文\s*/\s*[图圖]|[图圖]\s*/\s*文|文|作者|通讯员|通訊員)\s*[/:：]?\s*)?(" + _NAME + r"(?:[\s、]+" + _NAME + r"){0,2})\s*[)）]$")


_KANA = re.compile(r"[\u3040-\u30ff]")


def text_candidates(text: str) -> list[Candidate]:
    """Candidates from the article text itself: a dated lead and a reporter named in it, a
    byline line at its top or end, a reporter's name closing it."""
    out: list[Candidate] = []
    if len(_KANA.findall((text or "")[:2000])) > 20:
        return out  # Japanese: "(福井)" closing a line is a place, and no Chinese byline form applies
    lines = [unicodedata.normalize("NFKC", line).strip() for line in (text or "").split("\n") if line.strip()]
    for line in lines[:6] + lines[-5:]:
        if len(line) <= 30 and (m := _BYLINE_LINE.match(line)):
            out.append(Candidate("authors", "byline", m.group(1), line=line))
        elif len(line) <= 40 and line in lines[:3] and (m := _ORIGINAL_BY.match(line)):
            out.append(Candidate("authors", "byline", m.group(1), line=line))  # the writer, then roles and the account
        elif len(line) <= 30 and (m := _NAME_AND_OUTLET.match(line)):
            out.append(Candidate("authors", "byline", m.group(1), line=line))
            out.append(Candidate("source", "byline", m.group(2), line=line))
    for line in reversed(lines[-3:]):
        if m := _CLOSING_NAME.search(line[-40:]):
            out.append(Candidate("authors", "byline", m.group(1), line=line[-40:]))
            break
    for line in dict.fromkeys(lines[:6] + lines[-5:]):
        m = _REPORTED_CREDIT.search(line[-40:])
        # ("台中 嘉义 綜合報導" names places: a credit has brackets, a role or a slash)
        if m and (m["open"] or m["role"] or m["slash"]):
            out.append(Candidate("authors", "byline", m["names"], line=line[-40:]))
    for line in lines[:6]:
        if m := _SHARED_FROM.match(line):
            out.append(Candidate("source", "byline", m.group(1), line=line[: m.end()]))
            break
    for line in (text or "").split("\n")[:2]:
        norm = unicodedata.normalize("NFKC", line).strip()
        if (m := _LEAD_CREDIT.match(norm)) and (names := [v for n, v in labelled_values(m.group(1)) if n == "authors"]):
            out.append(Candidate("authors", "lead", names[0], line=norm[: m.end()]))  # "本站讯（职工通讯员 李琴雯 刘会）"
            break
        if m := _DISPATCH_CREDIT.match(norm):
            out.append(Candidate("authors", "lead", m.group(1), line=norm[: m.end()]))
            break
        m = _LEAD_DATE.match(norm)
        if m:
            out.append(Candidate("published", "lead", "|".join(g or "" for g in m.groups()), line=norm[: m.end()]))
            r = _LEAD_REPORTER.search(norm[: m.end() + 30]) or _LEAD_NAMES.match(norm, m.end())
            if r:
                out.append(Candidate("authors", "lead", r.group(1)))
            break
    return out


def line_field_candidates(fields: dict[str, str]) -> list[Candidate]:
    """The boilerplate stage's fields from lines inside the text (meta, byline, editor lines)."""
    out = []
    for name, value in fields.items():
        if name == "datetime":
            y, mo, d, h, mi, s = value.split("|")
            iso = _iso(int(y), int(mo), int(d), h or None, mi or None, s or None)
            if iso:
                out.append(Candidate("published", "text_line", iso))
        elif name == "author":
            out.append(Candidate("authors", "text_line", value))
        elif name in ("editor", "source"):
            out.append(Candidate(name, "text_line", value))
    return out


# --- cleaning ---------------------------------------------------------------------------

_PINYIN_PAREN = re.compile(r"\(\s*[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüê\s']{1,12}\)", re.I)
_VALUE_STOP = re.compile(
    r"(?:本文|本站|本网|本網|声明|聲明|免责|免責|举报|舉報|返回|校对|校對|审核|審核|终审|終審|监制|監製|推荐|推薦|[)）\]】]|点击|點擊|浏览|瀏覽|阅读|閱讀|评论|評論|(?:发布|發布|發佈)(?=[于於时時日:：]|\s*\d)|时间|時間|日期|来源|來源|责任编辑|責任編輯|编辑|編輯|字号|字號|分享|打印|收藏|"
    r"人气|人氣|查看|访问|訪問|热度|熱度|次数|次數|栏目|欄目|分类|分類|标签|標籤|关键词|關鍵詞|更新|发表于|發表於|\d{4}[-/.年]|[|｜【\[<>])"
)
_ROLES = (
    r"责任编辑|責任編輯|值班编辑|值班編輯|实习编辑|實習編輯|整合|执笔|執筆|本报特约记者|本報特約記者|本报记者|本報記者|特约记者|特約記者|见习记者|見習記者|实习记者|實習記者|首席记者|首席記者|记者|記者|"
    r"特约通讯员|特約通訊員|通讯员|通訊員|实习生|實習生|特约评论员|特約評論員|评论员|評論員|特约撰稿人|特約撰稿人|撰稿人|撰稿|撰文|编译|編譯|"
    r"编辑|編輯|责编|責編|主笔|主筆|作者|摄影|攝影|摄像|攝像|供图|供圖|图文|圖文|文图|文圖|综合|綜合|整理|即时报道|即時報導|即時報道|报道|報道|报导|報導|"
    r"楼主|樓主|博主|发帖人|發帖人|By|by"
)
_ROLE_WORD = re.compile(r"(?:" + _ROLES + r")")
_ROLE_SLASH = re.compile(r"(?:^|(?<=\s))(?:文|图|圖|摄|攝|图片|圖片|视频|視頻)\s*[/／╱:：]\s*|\s*[/／╱]\s*(?:文|图|圖|摄|攝)(?=\s|$)")
# "记者 赖淑敏 台北报导", "記者楊正海╱即時報導": where and how it was reported, after the names
_REPORTED_FROM = re.compile(r"(?:^|(?<=[\s/／╱]))[\u4e00-\u9fff]{0,4}(?:报道|報導|報道|报导)(?=[\s/／╱)）】]|$)")
_NAME_SPLIT = re.compile(r"[、，,;；/／╱|｜&＆]+|\s+(?:and|und|et|和|与|與|及)\s+|\s+")
_PLACEHOLDERS = {
    "佚名", "匿名", "未知", "管理员", "管理員", "admin", "administrator", "本站", "本网", "本網", "小编", "小編", "网友", "網友",
    "编辑部", "編輯部", "本报", "本報", "本刊", "网站", "網站",  # (责任编辑：网站编辑: the site's desk, no one) "unknown", "anonymous", "guest", "游客", "遊客", "站长", "站長", "webmaster", "root", "系统", "系統",
    "null", "none", "undefined", "name", "email", "author", "editor", "全部", "暂无", "暫無", "暂无简介", "新闻中心", "新聞中心", "综合", "綜合", "网络", "網絡", "互联网", "互聯網", "原创", "原創", "转载", "轉載", "作者", "来源", "來源",
}
_SOFTWARE = re.compile(r"discuz|comsenz|powered|phpwind|wordpress|dedecms|dede|phpcms|empirecms|帝国|帝國|\bteam\b|\bui\b|\bcms\b|动易|動易|织梦|織夢", re.I)
_OUTLET_END = re.compile(r"(?:发布|發布|快讯|快訊|中文站|新媒体|新媒體|通讯社|通訊社|网|網|报|報|社|台|集团|集團|中心|公司|杂志|雜誌|频道|頻道|新闻|新聞|网站|網站|客户端|客戶端|编辑部|編輯部|日报|日報|晚报|晚報|时报|時報|周刊|週刊|在线|在線|官网|官網|政府|委员会|委員會|办公室|辦公室|局|厅|廳|部|院|署|协会|協會)(?:[A-Za-z]{2,8})?$")
_HTMLISH = re.compile(r"[<>=\"{}]|://|www\.|\.(?:com|cn|net|org|gov|edu|html?|php|asp)\b|@", re.I)
# An id, not a name: "L_104485", digits alone, a hash. (A forum's "ddos8919" is a username.)
_ID_LIKE = re.compile(r"^[A-Za-z]{0,2}[_-]\d{3,}$|^\d+$|^[0-9a-f]{12,}$", re.I)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_TRIM = " \t\u3000|｜·•-—:：,，;；()（）[]【】<>《》\"'“”‘’.。!！?？*"


_UI_WORDS = re.compile(r"文章|更多|全部|最近|相关|相關|关注|關注|粉丝|粉絲|简介|簡介|登录|登錄|注册|註冊|评论|評論|收藏|分享|首页|首頁|大小|字体|字體|列印|打印|发表|發表|发布|發布|发帖|發帖|回复|回覆|楼主|樓主")
_STAFF_CODE_ALONE = re.compile(r"^[A-Z]{1,4}\d{2,6}$")
_STAFF_CODE = re.compile(r"(?<=[\u4e00-\u9fff])\s*[_\s]\s*[A-Z]{1,4}\d{2,}\b")  # 杨倩_NF4425, 韩保林 PK155


_ENCLOSING = {"【": "】", "[": "]", "(": ")", "（": "）", "〔": "〕"}


def clean_value(value: str) -> str:
    """A field's raw text with ruby readings, flattened pinyin, staff codes and the next label cut off."""
    value = _STAFF_CODE.sub("", _INVISIBLE.sub("", unicodedata.normalize("NFKC", value or ""))).strip()
    if value[:1] in _ENCLOSING and value.endswith(_ENCLOSING[value[0]]):
        value = value[1:-1]  # "【聯合晚報╱記者楊正海╱即時報導】": the whole credit in brackets
    value = _PINYIN_PAREN.sub("", value)
    value, _ = remove_flattened_pinyin(value, min_groups=1)
    for m in _VALUE_STOP.finditer(value):
        if m.group() in ")）" and re.search(r"[(（][^)）]*$", value[: m.start()]):
            continue  # "21世纪经济报道(广州)": a bracket closing its own opening is the value's
        if m.start() == 0 and m.group() in ("本站", "本网", "本網"):
            continue  # "来源：本站": the site's own story, a value
        value = value[: m.start()]  # (a label right after the label: no value)
        break
    return _trim(_WS.sub(" ", value))


@dataclass
class Names:
    names: list[str]
    rejected: list[str]  # reasons, one per value turned away


def person_names(raw: str, site_names: tuple[str, ...] = (), account: bool = False) -> Names:
    """The people a byline names: roles read and dropped, split into names, and everything
    that is not a person's name turned away with its reason. ``account``: the value is one
    account's name, taken whole ("苏皖城市报道" names an account; it is no role after a place)."""
    rejected: list[str] = []
    if _HTMLISH.search(raw or "") and not _CJK.search(raw or ""):
        return Names([], ["markup_or_url"])
    value = clean_value(raw)
    if not account:
        value = _ROLE_SLASH.sub(" ", _REPORTED_FROM.sub(" ", value))
        value = _ROLE_WORD.sub(" ", value)
    names: list[str] = []
    site_keys = {_key(s).lower() for s in site_names if s}
    parts = [p for p in (part.strip(_TRIM) for part in ([value] if account else _NAME_SPLIT.split(value))) if p]
    for part in parts:
        if m := _AFFILIATION.match(part):
            part = m.group(1)  # "武汉大学历史学院郭伦": the writer after the school
        reason = _not_a_name(part, site_keys)
        if reason == "id" and account and part.isdigit() and 5 <= len(part) <= 12:
            reason = None  # an account named by its number
        if reason is None and len(parts) > 1 and len(_CJK.findall(part)) > 4 and "·" not in part:
            reason = "not_a_name"  # among several names, a longer run is the sentence after them
        if reason:
            rejected.append(reason)
            continue
        if part not in names:
            names.append(part)
    # "記者:陳麗雯李新.周玉蔻領表 將與朱立倫PK黨魁 國民黨LIVE": a related story's headline run into
    # the byline; what is left between its long runs is no name either.
    if names and sum(r in ("not_a_name", "too_long") for r in rejected) >= max(2, len(names)):
        rejected += ["sentence"] * len(names)
        names = []
    # "John Smith" was split at its space: Latin names are rejoined word by word, each between
    # the separators ("Lisa Kaczke and Trevor Mitchell": two names).
    if names and all(not _CJK.search(n) for n in names):
        kept = set(names)
        groups = [g.split() for g in _LATIN_NAME_SPLIT.split(value)]
        names = [
            " ".join(g) for g in groups
            if g and len(g) <= 4 and any(w.strip(_TRIM) in kept for w in g)
            and all(w.strip(_TRIM) in kept or _INITIAL.fullmatch(w) for w in g)  # ("Sarah E. Needleman")
        ]
    return Names(names, rejected)


_INITIAL = re.compile(r"[A-Z]\.?")
_LATIN_NAME_SPLIT = re.compile(r"\s*(?:[、，,;；/／|｜&＆]|\s(?:and|und|et)\s)\s*")


_AFFILIATION = re.compile(
    r"^[\u4e00-\u9fff]{2,16}(?:大学|大學|学院|學院|研究院|研究所|研究中心|医院|醫院|公司|集团|集團|新闻|新聞)([\u4e00-\u9fff]{2,3})$"
)


def _not_a_name(part: str, site_keys: set[str]) -> str | None:
    low = part.lower()
    if low in _PLACEHOLDERS or part in _PLACEHOLDERS:
        return "placeholder"
    if _HTMLISH.search(part):
        return "markup_or_url"
    if _ID_LIKE.match(part):
        return "id"
    if _UI_WORDS.search(part):
        return "ui_text"  # "最近文章", "全部": a widget's words beside a byline
    if part[-1] in "摄攝" and len(part) >= 3:
        return "photographer"  # "張新偉攝": the picture's credit
    if _SOFTWARE.search(part):
        return "software"
    key = _key(part).lower()
    if key in site_keys or any(key and (key in s or s in key) for s in site_keys if len(s) >= 2):
        return "site_name"
    cjk = len(_CJK.findall(part))
    if cjk == 1 and len(part) == 1:
        return "too_short"  # 文, 图: a role left of "文/图"
    if cjk:
        if _OUTLET_END.search(part.split("-")[0]) and cjk >= 3:
            return "outlet"  # (and "香港電台-財經": an outlet's desk)
        if cjk > 12 or len(part) > 20:
            return "too_long"
        if re.search(r"\d", part) and cjk >= len(part) - 4:
            return "digits"
    else:
        if len(part) > 40 or len(part) < 2:
            return "too_long" if len(part) > 40 else "too_short"
    return None


_UI_SOURCE = re.compile(r"投诉|投訴|举报|舉報|内容|內容|播报|播報|分享|收藏|评论|評論|打印|列印|订阅|訂閱")  # a button's word
_SOURCE_PLACEHOLDERS = {"网络", "網絡", "网络整理", "網絡整理", "互联网", "互聯網", "未知", "佚名", "不详", "不詳"}


def clean_source(raw: str) -> str | None:
    value = re.sub(r"^[于於]\s*", "", clean_value(raw))  # "来源于网络"
    if _CJK.search(value) and " " in value and not re.match(r"^\S+\s*[(（]", value):
        value = value.split(" ")[0]  # "长江网 调整字体", "新浪科技 酷勤网 收集": the outlet, then the page's tools
    if value in _SOURCE_PLACEHOLDERS or _UI_SOURCE.fullmatch(value):
        return None
    # (本站 is a source: the site's own story)
    if not value or _HTMLISH.search(value) and not _CJK.search(value) or len(value) > 40:
        return None
    return value


# --- titles -----------------------------------------------------------------------------

# "标题_动态焦点", "标题 - 新浪财经", "标题|中国有色网", "【专题】标题"
_TITLE_SEP = re.compile(r"\s*(?:_{1,2}|\|{1,2}|｜|\s[-–—]{1,2}\s|\s@\s|\s::\s|--|-(?=[^-]{2,16}$))\s*")  # (" @ ": a blog's name)


def title_affixes(title: str) -> tuple[list[str], list[str]]:
    """(suffixes, prefix) a title could carry: the parts after its separators, and the part
    before the first one. Counted per site: the ones every page has are the site's."""
    parts = [p.strip() for p in _TITLE_SEP.split(title)]
    if len(parts) < 2:
        return [], []
    return parts[1:], parts[:1]


_SECTION_NAME = re.compile(r"^[\u4e00-\u9fffA-Za-z·]{2,12}$|^(?=.*[、《])[\u4e00-\u9fffA-Za-z·、《》]{4,16}$")  # (…_原文、翻译及赏析, …_《深海余烬》小说在线阅读)


def strip_title(title: str, known_affixes: set[str], site_names: tuple[str, ...], chinese: bool) -> str:
    """The headline without the site's name and the section affixes the site adds to every title.
    A part only this article has stays: a part goes when the site is known to add it (learned
    over the site's pages, or named by og:site_name), or when it is a short ``_``/``|`` suffix
    on a Chinese title (no Chinese headline uses those as punctuation)."""
    title = _WS.sub(" ", title).strip()
    site_keys = {_key(s) for s in site_names if s}
    for _ in range(4):
        parts = _TITLE_SEP.split(title)
        if len(parts) < 2:
            break
        seps = _TITLE_SEP.findall(title)
        last, head = parts[-1].strip(), title[: title.rfind(seps[-1])].strip() if seps else title
        first = parts[0].strip()
        if _key(last) in known_affixes or _key(last) in site_keys or any(_key(last) and _key(last) in s for s in site_keys):
            title = head
            continue
        if chinese and len(_key(head)) >= (2 if re.search("[、《]", last) else 5) and seps[-1].strip() in ("_", "__", "|", "||", "｜") and _SECTION_NAME.match(last):
            title = head  # "…_动态焦点", "…|中国有色网": a section or site name, not a headline's part
            continue
        if chinese and len(_key(head)) >= 8 and 2 <= len(last) <= 20 and seps[-1].strip() in ("__", "||") and _CJK.search(last):
            title = head  # "…的决议__2007年第23号国务院公报": a doubled separator closes the headline
            continue
        if chinese and len(_key(head)) >= 8 and 2 <= len(last) <= 16 and seps[-1].strip() in ("-", "--") and _CJK.search(last):
            title = head  # "标题-纪检", "标题-EDN 电子技术设计": a hyphen before a short name ends no headline
            continue
        if _key(first) in known_affixes or _key(first) in site_keys:
            title = title[len(first) :].lstrip()
            title = _TITLE_SEP.sub("", title, count=1) if _TITLE_SEP.match(title) else title
            continue
        break
    m = re.match(r"^[【\[]([^】\]]{1,8})[】\]]\s*(.{5,})$", title)
    if m and _key(m.group(1)) in known_affixes:
        title = m.group(2)
    return title.strip()


# --- resolution -------------------------------------------------------------------------

@dataclass
class SiteKnowledge:
    """What a run learns about one site's pages: the title affixes its titles share and the
    date lines every page repeats (a top bar's "today"). Kept by the metadata stage."""

    min_pages: int = 3
    affix_pages: Counter[str] = field(default_factory=Counter)
    line_pages: Counter[str] = field(default_factory=Counter)
    pages: set[int] = field(default_factory=set)  # pages observed, by a stable hash of their URL: each counts once

    def observe(self, meta: PageMetadata, page: str) -> bool:
        """Count one page's title affixes and dated lines; False for a page counted before."""
        key = int.from_bytes(hashlib.blake2b(page.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big", signed=True)
        if key in self.pages:
            return False
        self.pages.add(key)
        affixes: set[str] = set()
        for c in meta.candidates:
            if c.field == "title" and c.kind in ("title_tag", "h1", "og"):
                sufs, pres = title_affixes(c.value)
                affixes.update(_key(a) for a in sufs + pres if a)
                if c.kind != "h1":
                    affixes.add(_key(c.value))  # the whole <title> on every page: the site's, no headline
        for a in affixes:
            self.affix_pages[a] += 1
        for line in {c.line for c in meta.candidates if c.field in ("published", "modified") and c.line}:
            self.line_pages[line] += 1
        return True

    @property
    def affixes(self) -> set[str]:
        return {a for a, n in self.affix_pages.items() if n >= self.min_pages}

    def repeated_line(self, line: str | None) -> bool:
        return bool(line) and self.line_pages[line] >= self.min_pages


@dataclass
class Resolved:
    title: str | None = None
    published: str | None = None
    modified: str | None = None
    authors: list[str] = field(default_factory=list)
    editor: str | None = None
    source: str | None = None
    provenance: dict[str, str] = field(default_factory=dict)  # field -> kind of the winning candidate
    disagreements: list[str] = field(default_factory=list)  # fields whose candidates disagreed
    rejected: Counter[str] = field(default_factory=Counter)  # "<field>/<reason>" -> values turned away
    dated: bool = False  # some date candidate exists at all: evidence of dated news


_OFFSET = re.compile(r"[+-]\d{2}:\d{2}$")  # (every date candidate is _iso's: "Z" is written +00:00)


def _with_zone(iso: str, zone: str) -> str:
    """A date-time without an offset is in the site's zone; with one, it is kept as given."""
    if "T" not in iso or _OFFSET.search(iso):
        return iso
    return datetime.fromisoformat(iso).replace(tzinfo=ZoneInfo(zone)).isoformat()


def _lead_iso(value: str, year_hint: int | None) -> str | None:
    y, mo, d, h, mi = value.split("|")
    year = int(y) if y else year_hint
    if not year:
        return None
    return _iso(year, int(mo), int(d), h or None, mi or None)


def _fetched(fetched_at: str | None) -> datetime | None:
    if not fetched_at:
        return None
    try:
        dt = datetime.fromisoformat(fetched_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    return None if dt.year < 1995 else dt  # offline tools stamp the epoch: no fetch time known


def _resolve_date(
    name: str, cands: list[Candidate], site: SiteKnowledge | None, fetched: datetime | None, zone: str, out: Resolved, year_hint: int | None
) -> str | None:
    alive: list[tuple[Candidate, str]] = []
    # A shown two-digit-year date ("24-5-13 17:07") that markup's reader took day first
    # (htmldate: 2013-05-24): the same digits, not another date.
    misread = {
        _iso(2000 + int(m[3]), int(m[2]), int(m[1]))
        for c in cands if c.line and c.kind in ("block", "headline_line")
        for m in _SHORT_YEAR_DATE.finditer(unicodedata.normalize("NFKC", c.line))
        if 1 <= int(m[3]) <= 31
    }
    for c in cands:
        iso = _lead_iso(c.value, year_hint) if c.kind == "lead" else c.value
        if not iso:
            continue
        if c.kind == "markup" and iso in misread:
            out.rejected[f"{name}/misread"] += 1
            continue
        day = date.fromisoformat(iso[:10])
        if day.year < 1990:
            out.rejected[f"{name}/too_old"] += 1
            continue
        if fetched is not None and day > (fetched + timedelta(days=1)).date():
            out.rejected[f"{name}/after_fetch"] += 1
            continue
        if c.weekday and c.kind in ("block", "headline_line") and "T" not in iso:
            # "2024年06月18日 星期二": how a top bar shows the day the page was served
            if fetched is None or day >= (fetched - timedelta(days=1)).date() or c.kind == "block":
                out.rejected[f"{name}/today_line"] += 1
                continue
        # A day every page of the site repeats on the same line is its chrome's (a top bar, a
        # footer); a time to the minute on several pages is several stories of that minute.
        if site is not None and c.kind in ("block", "headline_line") and "T" not in iso and site.repeated_line(c.line):
            out.rejected[f"{name}/site_line"] += 1
            continue
        alive.append((c, iso))
    if not alive:
        return None
    # The vote: per day, each kind's best weight once; more votes win, then a date with a time.
    votes: dict[str, dict[str, float]] = defaultdict(dict)
    for c, iso in alive:
        weight = DATE_WEIGHTS.get(c.kind, 0.5) + (CUE_WEIGHT if c.cue else 0.0)
        kinds = votes[iso[:10]]
        kinds[c.kind] = max(kinds.get(c.kind, 0.0), weight)
    timed = {iso[:10] for _, iso in alive if "T" in iso}
    day = max(votes, key=lambda d: (sum(votes[d].values()), d in timed))
    # The value: the day's best-weighted candidate; its time from another when it has none.
    weight = lambda c: DATE_WEIGHTS.get(c.kind, 0.5) + (CUE_WEIGHT if c.cue else 0.0)  # noqa: E731
    best_c, best = max(((c, iso) for c, iso in alive if iso[:10] == day), key=lambda t: (weight(t[0]), "T" in t[1]))
    if "T" in best and not _OFFSET.search(best):
        # A shown time is in the site's zone; markup that dates the day in another zone, at
        # another hour, names the instant ("May 10, 2024 2:52 PM" beside JSON-LD's
        # 2024-05-10T21:52:25+00:00 on a site outside the configured zone). The same clock time
        # with another offset is the markup's mistake (libertytimes: "08:19" and 08:19:35+00:00).
        local = datetime.fromisoformat(best).replace(tzinfo=ZoneInfo(zone)).utcoffset()
        exact = [
            (c, iso) for c, iso in alive
            if iso[:10] == day and c.kind in ("jsonld", "meta", "time") and _OFFSET.search(iso) and iso[11:16] != best[11:16]
            and datetime.fromisoformat(iso).utcoffset() != local
        ]
        if exact:
            best_c, best = exact[0]
    if "T" not in best:
        best = next((iso for c, iso in alive if iso[:10] == day and "T" in iso), best)
    strong = {iso[:10] for c, iso in alive if c.kind in ("headline_line", "jsonld", "meta", "text_line", "time") or c.cue}
    if len(strong) > 1:
        out.disagreements.append(name)
    out.provenance[name] = best_c.kind
    return _with_zone(best, zone)


def _first_kind_order(cands: list[Candidate], kinds: tuple[str, ...]) -> list[Candidate]:
    order = {k: i for i, k in enumerate(kinds)}
    return sorted(cands, key=lambda c: order.get(c.kind, len(order)))


def resolve(
    meta: PageMetadata | None,
    extra: list[Candidate],
    site: SiteKnowledge | None,
    fetched_at: str | None,
    zone: str,
    fallback_title: str | None = None,
    chinese: bool = True,
) -> Resolved:
    """One value per field from all candidates (the page's, ``extra`` from the text and the
    crawl), with the kind that won each and the fields whose candidates disagreed."""
    cands = (meta.candidates if meta else []) + list(extra)
    site_names = meta.site_names if meta else ()
    out = Resolved()
    # Evidence of dated news: any publication date but a top bar's "today" (about pages have those)
    out.dated = any(c.field == "published" and not (c.weekday and c.kind == "block") for c in cands)
    fetched = _fetched(fetched_at)
    years = [int(c.value[:4]) for c in cands if c.field == "published" and c.kind != "lead" and c.value[:4].isdigit()]
    year_hint = years[0] if years else (fetched.year if fetched else None)
    out.published = _resolve_date("published", [c for c in cands if c.field == "published"], site, fetched, zone, out, year_hint)
    out.modified = _resolve_date("modified", [c for c in cands if c.field == "modified"], site, fetched, zone, out, year_hint)
    if out.modified and out.published and out.modified[:19] < out.published[:19]:
        out.modified = None  # a "modified" before the publication is a misread line
    out.title = _resolve_title(cands, site, site_names, fallback_title, chinese, out)
    # (a personal site's owner: JSON-LD and the byline element agree on the domain's name, "regengya")
    owner = {c.value for c in cands if c.field == "authors" and c.kind == "jsonld"} & {c.value for c in cands if c.field == "authors" and c.kind == "element"}
    not_authors = () if meta is not None and meta.blog else tuple(n for n in site_names if n not in owner)
    out.authors, outlet_bylines = _resolve_authors(cands, not_authors, out)
    # (a thread page's lines outside the post are the board's: "版主/编辑：" lists its moderators)
    out.editor = _resolve_editor([c for c in cands if c.field == "editor" and not (meta is not None and meta.forum and c.kind == "block")], site_names, out)
    out.source = _resolve_source([c for c in cands if c.field == "source"] + outlet_bylines, out)
    return out


def _resolve_authors(cands: list[Candidate], not_authors: tuple[str, ...], out: Resolved) -> tuple[list[str], list[Candidate]]:
    """The names of the best kind's byline that names people; and the bylines that name an
    outlet instead, as source candidates. ``not_authors``: the site's own names (none on a blog,
    whose site name is its blogger's: "史蒂文的家_藍天" is og:site_name and the author)."""
    # An outlet the page names as the source is no author (<meta name="author" content="参考消息">).
    outlets = tuple(c.value for c in cands if c.field == "source")
    # <meta name="author"> often names who put the page online: the editor the page credits
    # ("严玉洁" of 责任编辑：严玉洁, "青网校园崔宁宁" of 编辑：崔宁宁) is no writer.
    meta_authors = any(c.field == "authors" and c.kind == "meta" for c in cands)
    editors = {_key(n) for c in cands if c.field == "editor" for n in person_names(c.value).names} if meta_authors else set()
    outlet_bylines: list[Candidate] = []
    for cand in _first_kind_order([c for c in cands if c.field == "authors"], PEOPLE_KINDS):
        if cand.kind == "meta" and any(_key(clean_value(cand.value)).endswith(e) for e in editors if len(e) >= 2):
            out.rejected["authors/editor"] += 1
            continue
        if cand.kind == "account" and not _dates_the_article(cand.line, out.published, day_shown=cand.cue):
            continue  # "私募部分个股现买点 2015/07/04": a related story's title and date
        handle = cand.kind in ("element", "post") and cand.cue  # (a username linked to its profile)
        names = person_names(cand.value, not_authors + outlets, account=cand.kind == "account" or handle)
        if cand.kind == "account" and names.names and _site_channel(cand.value, not_authors):
            names = Names([], ["site_name"])  # "新浪娱乐" on 新浪网, "腾讯音乐" on 腾讯网: the site's channel
        if not names.names and ("outlet" in names.rejected or cand.kind == "account" and "site_name" in names.rejected):
            if cand.kind != "meta":  # (a meta author naming the publisher is the site's, not a source)
                # "香港電台-財經" as byline, "2019-09-05 11:10 游民星空[整理]": the source
                outlet_bylines.append(Candidate("source", cand.kind, cand.value, line=cand.line))
        if cand.kind == "block":
            # A line anywhere in the page ("…判終身監禁 記者追案促司法破除沉痾": 記者 in a
            # headline) credits a person's name, not an account's long name.
            long = [n for n in names.names if len(_CJK.findall(n)) > 4 and "·" not in n]
            names = Names([n for n in names.names if n not in long], names.rejected + ["not_a_name"] * len(long))
        for reason in names.rejected:
            out.rejected[f"authors/{reason}"] += 1
        if names.names:
            out.provenance["authors"] = cand.kind
            return names.names, outlet_bylines
    return [], outlet_bylines


def _site_channel(name: str, site_names: tuple[str, ...]) -> bool:
    """The name opens with the site's Chinese name (two characters at least)."""
    key = _key(name)
    return any(len(k) >= 3 and _CJK.match(k) and key[:2] == k[:2] and key != k for k in map(_key, site_names))


def _resolve_source(sources: list[Candidate], out: Resolved) -> str | None:
    # Outlets' names alone on lines under the headline: one is the source ("新华社"); several are
    # a list (newsletters to subscribe to, partner sites).
    alone = [c for c in sources if c.kind == "headline_line" and c.line == c.value]
    if len({c.value for c in alone}) > 2:
        sources = [c for c in sources if c not in alone]
        out.rejected["source/outlet_list"] += len(alone)
    for cand in _first_kind_order(sources, PEOPLE_KINDS):
        value = clean_source(cand.value)
        if value is None:
            out.rejected["source/not_a_source"] += 1
            continue
        out.provenance["source"] = cand.kind
        return value
    return None


def _dates_the_article(line: str | None, published: str | None, day_shown: bool = False) -> bool:
    """The line gives the article's publication, to the minute the article shows (the account
    beside that date posted it; a related story's line shows only its day). ``day_shown``: the
    line may show the day alone ("2019-05-17 · 苏皖城市报道" under a headline timed in markup)."""
    if not (line and published):
        return False
    shown = published[:16] if "T" in published else published[:10]
    return any(iso[:16] == shown or (day_shown and "T" not in iso and iso == published[:10]) for _, iso, _ in dates_in_line(line))


def _resolve_editor(cands: list[Candidate], site_names: tuple[str, ...], out: Resolved) -> str | None:
    """The editors' names: the best kind's, then any other editor line's names ("编辑|禤志杰"
    above "责编|陈梦莹", "编辑 刘晓阳" in the text and "责任编辑：姚立伟" under it: each credits
    one editor of the article)."""
    names: list[str] = []
    for cand in _first_kind_order(cands, PEOPLE_KINDS):
        if names and cand.kind not in _EDITOR_LINE_KINDS:
            continue  # (a meta tag restates the line's editor or names the site's desk)
        found = person_names(cand.value, site_names)
        for reason in found.rejected:
            out.rejected[f"editor/{reason}"] += 1
        if not found.names and not names and _STAFF_CODE_ALONE.match(clean_value(cand.value)):
            found.names.append(clean_value(cand.value))  # "责任编辑：NF051": the desk's code is its only credit
        if found.names and not names:
            out.provenance["editor"] = cand.kind
        names.extend(n for n in found.names if n not in names)
    return " ".join(names) or None


_EDITOR_LINE_KINDS = ("headline_line", "text_line", "byline", "element", "account", "block")


# How a website names itself: 新聞網, 全球資訊網, 在线, 门户网站, 首页
_SITE_NAME_WORD = re.compile(r"(?:[网網]|网站|網站|在线|在線|门户|門戶|首页|首頁)$")


def _resolve_title(
    cands: list[Candidate], site: SiteKnowledge | None, site_names: tuple[str, ...], fallback: str | None, chinese: bool, out: Resolved
) -> str | None:
    titles = {c.kind: _INVISIBLE.sub("", c.value) for c in reversed([c for c in cands if c.field == "title"])}
    affixes = site.affixes if site else set()
    # A title that is the site's name (a logo in <h1>) is no headline.
    site_keys = {_key(s) for s in site_names if s}
    cleaned: dict[str, str] = {}
    for kind, value in titles.items():
        t = strip_title(value, affixes, site_names, chinese)
        if len(_key(t)) >= 2 and _key(t) not in site_keys and _key(t) not in affixes:
            cleaned[kind] = t
    if cleaned.get("above_body") and not any(k in cleaned for k in ("h1", "dated_heading", "lone_h1")):
        # A <title> that is a website's name ("中國廣播公司全球資訊網") when the page shows its
        # headline only above the body: the site's name, not this article's.
        for k in ("jsonld", "og", "title_tag"):
            if k in cleaned and _SITE_NAME_WORD.search(cleaned[k]) and not _TITLE_SEP.search(titles[k]):
                del cleaned[k]
                out.rejected["title/site_name"] += 1
    h1, og, tag, ld = cleaned.get("h1"), cleaned.get("og"), cleaned.get("title_tag"), cleaned.get("jsonld")
    others = [t for t in (ld, og, tag) if t]
    heading = cleaned.get("heading")
    pick, kind = None, None
    if not h1 and (shown := cleaned.get("dated_heading") or cleaned.get("lone_h1")):
        # right above the article's date line, or the one <h1> where the body shows no other title
        pick, kind = shown, "dated_heading" if cleaned.get("dated_heading") else "lone_h1"
    elif h1 and (not others or any(_key(h1) in _key(o) or _key(o) in _key(h1) for o in others)):
        pick, kind = h1, "h1"
    elif heading and any(_key(o).startswith(_key(heading)) and len(_key(heading)) >= 0.6 * len(_key(o)) for o in others):
        pick, kind = heading, "heading"  # the body's heading, without what <title> adds (" 东区办事处_中山网")
    else:
        for k in ("jsonld", "og", "title_tag", "heading", "above_body"):
            if cleaned.get(k):
                pick, kind = cleaned[k], k
                break
    if pick is None and fallback:
        pick, kind = strip_title(_INVISIBLE.sub("", fallback), affixes, site_names, chinese), "extraction"
        if _key(pick) in site_keys or _key(pick) in affixes:
            out.rejected["title/site_name"] += 1  # (the extractor's title is the <title> the site gives every page)
            pick = None
    if pick is None:
        return None
    # <h1> with a badge after the headline (精华, 置顶, 原创): the agreeing shorter title.
    for other in others:
        rest = _key(pick)[len(_key(other)) :] if _key(pick).startswith(_key(other)) else None
        if rest and len(rest) <= 4 and len(_key(other)) >= 5:
            pick = other
            break
    # og:title and <title> often carry the suffix; when <h1> has the same headline without it,
    # the shorter agreeing form is the headline.
    for other in others:
        if other != pick and _key(other) and _key(pick).startswith(_key(other)) and len(_key(other)) >= 5:
            rest = _key(pick)[len(_key(other)) :]
            if rest and _key(rest) in affixes:
                pick = other
    keys = {_key(t) for t in cleaned.values()}
    if len(keys) > 1 and not all(_key(pick) in k for k in keys):
        out.disagreements.append("title")
    out.provenance["title"] = kind
    return pick


def join_authors(names: list[str]) -> str | None:
    """``author`` as before: the names joined (a space between Chinese names, as bylines print
    them; ", " between others)."""
    if not names:
        return None
    return (" " if all(_CJK.search(n) for n in names) else ", ").join(names)
