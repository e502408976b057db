"""Site profiles: learn where a site keeps its article, then read its pages without trafilatura.

Scrapy-free. Two halves:

- In the worker (pure functions of one page). On the full path, ``observe`` finds the
  lowest element holding the extracted text (walking up from the page's largest block of
  sibling paragraphs until it covers 90% of the text) and describes it by its *locator*:
  the path of tag + id + class from ``<html>``, digits masked (``div#content_#``), table
  parts as ``div`` (layout tables are unwrapped before extraction). With the locator go
  the block's lines the full path cut (masked line keys, as the template model keys
  them), the lines it kept, and the weight of the full path's text that is outside the
  block. On the fast path, ``fast_extract`` finds the block by a confident locator,
  takes its lines (block children and ``<br>``-separated text, recommendation blocks and
  scripts skipped), drops the profile's cut lines and link-text lines, reads the metadata
  as the full path does (title, dates, canonical URL, metadata lines, author) and skips
  trafilatura, whole-tree pruning and the evidence checks. A page outside the site's
  usual shape takes the full path (``guard``).
- In the crawl process (one writer), ``ProfileBook`` counts observations per site and
  locator. A locator is confident when its last ``min_pages`` pages all agree: the block's
  lines, less the lines cut on two of them or more, give the full path's text (line
  weight error <= 2% on every page). It hands the worker a small ``Plan`` per page (the
  site's confident locators, or nothing but learning), sends 1 in ``audit_every`` fast
  pages through both paths, and forgets a locator whose audit disagrees (shingle F1 < 0.9);
  the site relearns from its next pages.

URL shapes (path with digit runs masked, query keys) of pages that were articles and of
pages that were not tell, without an ``article_pattern``, which pages may take the fast
path: only those whose shape was an article's ``min_pages`` times and never a list's.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable
from urllib.parse import parse_qsl, urlsplit

from lxml import etree

from pipelines.stores.site_template import line_keys
from pipelines.text.article_html import (
    RECOMMEND_CLASS_ID, SOFT_404, ExtractConfig, ExtractedArticle, headline, in_aside, og_title, page_lang,
    link_texts, coverage, is_link_line, find_canonical, structured_date, text_weight,
)
from pipelines.text.forum import first_post
from pipelines.text.metadata import add_heading_above_body, read_metadata
from pipelines.text.normalise import is_chinese_text
from pipelines.text.record import finish_record, read_record

ALGORITHM = "site-profile/1 locator=tag+id+class(digits masked, table parts as div) lines=blocks+br keys=site-template/2"

Step = tuple[str, str, str]  # tag, id, class (digit runs masked)
Locator = tuple[Step, ...]

_WS = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")
_TABLE_PARTS = frozenset(("table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption"))
# Elements that end a line of text (trafilatura's paragraphs: p, headings, list items, cells ...)
_LINE_BREAKING = frozenset((
    "p", "div", "section", "article", "header", "footer", "aside", "main", "nav", "ul", "ol", "li", "dl", "dt", "dd",
    "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "center", "figure", "figcaption", "address", "hr",
    "fieldset", "details", "summary", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption",
))
# Never text of the article (trafilatura drops them too).
_SKIPPED = frozenset((
    "script", "style", "noscript", "textarea", "button", "select", "option", "input", "form", "iframe", "object",
    "embed", "svg", "template", "head", "title", "meta", "link", "video", "audio", "canvas", "map", "aside", "nav", "menu",
    "footer",
))
# Lists and boxes that are mostly link text (related articles with their dates): skipped, as
# trafilatura's link-density test drops them.
_LINK_BOXES = frozenset(("ul", "ol", "dl", "div", "section", "table"))
_LINK_BOX_SHARE = 0.5
AGREEMENT_MAX_ERROR = 0.02  # line-weight error of a learning page against the full path
BLOCK_MIN_COVERAGE = 0.9  # the block holds at least this share of the full path's text
AUDIT_MIN_F1 = 0.9  # below this shingle F1 between the fast and full texts, the locator is forgotten
MAX_CONFIDENT = 4  # confident locators per site (a site may have a few article layouts)
MAX_CANDIDATES = 16  # locators being learned per site (least seen forgotten first)
MAX_SHAPES = 64  # URL shapes remembered per site and kind
MAX_LEVELS_UP = 3  # levels above the largest paragraph run where the article's block is looked for


# -- locators ------------------------------------------------------------------------------


def _mask(value: str | None) -> str:
    return _DIGITS.sub("#", _WS.sub(" ", value).strip()) if value else ""


def step_of(el: Any) -> Step:
    tag = el.tag
    return ("div" if tag in _TABLE_PARTS else tag, _mask(el.get("id")), _mask(el.get("class")))


def locator_of(el: Any) -> Locator:
    steps = []
    while el is not None and el.getparent() is not None:  # up to (not including) <html>
        steps.append(step_of(el))
        el = el.getparent()
    return tuple(reversed(steps))


def find_blocks(tree: Any, locator: Locator) -> list[Any]:
    """The elements at the end of the locator's path (every branch that matches each step)."""
    current = [tree]
    for step in locator:
        tag = step[0]
        current = [
            c for el in current for c in el
            if isinstance(c.tag, str) and (c.tag == tag or (tag == "div" and c.tag in _TABLE_PARTS)) and step_of(c) == step
        ]
        if not current:
            return []
    return current


def describe(locator: Locator) -> str:
    """``body > div.main > div#article_content.content``: a locator as a user reads it."""
    parts = []
    for tag, id_, cls in locator:
        parts.append(tag + (f"#{id_}" if id_ else "") + "".join(f".{c}" for c in cls.split()))
    return " > ".join(parts)


def url_shape(url: str) -> str:
    """``/news/#/#/#.html?id``: the URL's path with digit runs masked, and its query keys."""
    parts = urlsplit(url)
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return _DIGITS.sub("#", parts.path or "/") + ("?" + "&".join(keys) if keys else "")


# -- the block's lines -------------------------------------------------------------------------


def _skipped(el: Any) -> bool:
    if el.tag in _SKIPPED:
        return True
    marks = (el.get("class") or "") + " " + (el.get("id") or "")
    if marks != " " and RECOMMEND_CLASS_ID.search(marks) is not None:
        return True
    if el.tag in _LINK_BOXES:
        anchors = el.findall(".//a")
        if len(anchors) >= 2:
            text = len(_WS.sub("", el.text_content()))
            linked = sum(len(_WS.sub("", a.text_content())) for a in anchors)
            return text > 0 and linked >= _LINK_BOX_SHARE * text
    return False


def block_lines(block: Any) -> list[str]:
    """The block's text as lines: one per block-level element and per ``<br>``-separated run,
    whitespace collapsed. Scripts, forms and recommendation blocks (by class/id, as pruned
    before extraction) are skipped. The tree is not changed."""
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            text = _WS.sub(" ", "".join(buf)).strip()
            buf.clear()
            if text:
                out.append(text)

    def walk(el: Any) -> None:
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or _skipped(child):  # comments, processing instructions, skipped blocks
                if child.tail:
                    buf.append(child.tail)
                continue
            if tag == "br":
                flush()
            elif tag in _LINE_BREAKING:
                flush()
                if child.text:
                    buf.append(child.text)
                walk(child)
                flush()
            else:
                if child.text:
                    buf.append(child.text)
                walk(child)
            if child.tail:
                buf.append(child.tail)

    if block.text:
        buf.append(block.text)
    walk(block)
    flush()
    return out


def _chinese(lines: list[str]) -> bool:
    return is_chinese_text("".join(lines))


def without_link_lines(lines: list[str], links: frozenset[str]) -> list[str]:
    """The full path's link-line filter: on Chinese text, lines that are a link's text go."""
    if not _chinese(lines):
        return lines
    return [line for line in lines if not is_link_line(line, links)]


def _weight(lines: Iterable[str]) -> int:
    return sum(text_weight(line) for line in lines)


# -- learning, in the worker (full path) ----------------------------------------------------------

_PARAGRAPH_PARENTS = etree.XPath("//*[p or br][not(self::script or self::style or self::head)]")


def _paragraph_parent(tree: Any) -> Any:
    """The element holding the page's largest run of sibling paragraphs (as
    ``article_html.paragraph_block`` weighs them), or None."""
    best, best_weight = None, 0
    for parent in _PARAGRAPH_PARENTS(tree):
        weight = text_weight(parent.text or "")
        for child in parent:
            if child.tag == "p":
                weight += text_weight(child.text_content())
            if child.tail:
                weight += text_weight(child.tail)
        if weight > best_weight and not in_aside(parent):
            best, best_weight = parent, weight
    return best


@dataclass(frozen=True)
class Observation:
    """What the full path says about one page's block (worker -> crawl process)."""

    locator: Locator
    total: int  # weight of the full path's text
    missing: int  # weight of the full path's lines that are not lines of the block
    cut: tuple[tuple[int, int], ...]  # (line key, weight) of the block's lines the full path cut
    kept: tuple[int, ...]  # line keys of the block's lines the full path kept
    paragraphs: int
    dated: bool


def observe(tree: Any, text: str, dated: bool) -> Observation | None:
    """The locator of the block that holds ``text`` (the full path's output) in ``tree`` (as
    the full path left it: pruned, bare text wrapped), or None when no block holds 90% of it."""
    full = [line for line in text.split("\n") if line]
    if not full:
        return None
    el = _paragraph_parent(tree)
    # A few levels at most: each level reads the subtree again (on a page where no block holds
    # the text, walking up to <body> cost more than the fast path saves on another).
    for _ in range(MAX_LEVELS_UP):
        if el is None or el.tag in ("body", "html"):
            return None
        lines = block_lines(el)
        covered = coverage("\n".join(lines), full)
        if covered >= BLOCK_MIN_COVERAGE:
            break
        el = el.getparent()
    else:
        return None
    # Up while the parent holds more of the text (a metadata line above the body): the same
    # element on every page, whatever share of a short or long article that line is.
    for _ in range(MAX_LEVELS_UP):
        if covered >= 1.0:
            break
        parent = el.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        parent_lines = block_lines(parent)
        parent_covered = coverage("\n".join(parent_lines), full)
        if parent_covered <= covered:
            break
        el, lines, covered = parent, parent_lines, parent_covered
    lines = without_link_lines(lines, link_texts(tree))
    if not lines:
        return None
    in_full, in_block = set(full), set(lines)
    keys = line_keys(lines)
    cut = tuple((k, text_weight(line)) for line, k in zip(lines, keys) if line not in in_full)
    kept = tuple(k for line, k in zip(lines, keys) if line in in_full)
    missing = _weight(line for line in full if line not in in_block)
    return Observation(locator_of(el), _weight(full), missing, cut, kept, len(full), dated)


# -- the fast path, in the worker ----------------------------------------------------------------


@dataclass(frozen=True)
class FastProfile:
    """A site's confident locators (most recently useful first) and its usual shape."""

    locators: tuple[tuple[Locator, frozenset[int]], ...]  # (locator, keys of the lines to cut)
    min_weight: int
    max_weight: int
    needs_date: bool  # every learning page had a date in its markup or URL


@dataclass(frozen=True)
class Plan:
    """What the crawl process asks of the worker for one page."""

    profile: FastProfile | None  # None: full path (and learning)
    audit: bool = False  # also run the full path, ship its result, compare the two
    observe: bool = True  # report the full path's block (learning)


@dataclass
class ProfileReport:
    """What the worker did with a plan (worker -> crawl process)."""

    path: str  # "fast" | "full" | "audit"
    guard: str | None = None  # why a page offered the fast path took the full one
    locator: Locator | None = None  # the locator that served (fast, audit)
    observation: Observation | None = None
    fast_text: str | None = None  # audits: the fast path's text, to compare with the full path's
    audit_f1: float | None = None  # set by the crawl process (audit_f1) before it reports the page


SHORT_FACTOR = 0.3  # text under this share of the shortest learning page's: the full path decides
LONG_FACTOR = 3.0  # over this many times the longest's: likewise


def fast_extract(
    tree: Any, url: str, config: ExtractConfig, known_article: bool, profile: FastProfile, html: str | None = None
) -> tuple[ExtractedArticle | None, str | None, Locator | None]:
    """(article, None, locator) from the profile's block, or (None, guard, locator or None)
    when the page is not of the site's usual shape. The tree is not changed. ``html``: the page
    the tree was read from (its metadata lines are read off it)."""
    block, locator, cuts, ambiguous = None, None, frozenset(), False
    for loc, loc_cuts in profile.locators:
        found = find_blocks(tree, loc)
        if len(found) == 1:
            block, locator, cuts = found[0], loc, loc_cuts
            break
        ambiguous = ambiguous or len(found) > 1
    if block is None:
        return None, "block_ambiguous" if ambiguous else "block_missing", None
    links = link_texts(tree)
    lines = without_link_lines(block_lines(block), links)
    if cuts:
        lines = [line for line, k in zip(lines, line_keys(lines)) if k not in cuts]
    if not lines:
        return None, "empty_block", locator
    weight = _weight(lines)
    if weight < SHORT_FACTOR * profile.min_weight or (not known_article and weight < config.min_text_chars):
        return None, "too_short", locator
    if weight > LONG_FACTOR * profile.max_weight:
        return None, "too_long", locator
    date_hint = structured_date(tree, url)
    if profile.needs_date and date_hint is None:
        return None, "no_date", locator
    lang = page_lang(tree)
    head_title = tree.findtext(".//title") or ""
    og = og_title(tree)
    title = headline(tree, og, known_article)
    if not title and not known_article:
        return None, "no_title", locator
    if SOFT_404.search(head_title) or SOFT_404.search(title or ""):
        return None, "soft_404", locator
    metadata = read_metadata(tree, url, [str(og)] if og else None, html, first_post(tree))
    add_heading_above_body(metadata, html, lines)
    return ExtractedArticle(
        title=title,
        text="\n".join(lines),
        date=date_hint,
        canonical_url=find_canonical(tree, url),
        html_lang=lang,
        structured_date=date_hint,
        metadata=metadata,
        **finish_record(read_record(tree, url, title, config.markdown) if config.record else None, lines),
    ), None, locator


_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]|[^\W\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")


def _bag(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    if len(tokens) < n:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def shingle_f1(a: str, b: str, n: int = 4) -> float:
    """F1 of the bags of 4-token shingles (one token per CJK character): the extraction
    bench's page score (bench/extraction.py score_page), symmetric."""

    x, y = _bag(a, n), _bag(b, n)
    if not x and not y:
        return 1.0
    common = sum((x & y).values())
    if not common:
        return 0.0
    p, r = common / sum(x.values()), common / sum(y.values())
    return 2 * p * r / (p + r)


def audit_f1(fast_text: str, full_text: str, clean: Callable[[str], str] = lambda t: t) -> float:
    """How well an audited page's fast text agrees with its full path's: shingle F1 of the two
    once ``clean``ed (the crawl process strips boilerplate and template lines, as the stages
    will: the full path's text may carry the page's chrome, which the dump never holds)."""
    return shingle_f1(clean(fast_text), clean(full_text))


# -- the book, in the crawl process ----------------------------------------------------------------


@dataclass
class LocatorRecord:
    locator: Locator
    window: deque  # the last min_pages observations
    confident: bool = False
    cuts: frozenset[int] = frozenset()
    pages: int = 0  # observations ever
    min_weight: int = 0
    max_weight: int = 0
    dated: int = 0  # agreeing pages with a date in markup or URL
    agreeing: int = 0
    fast_pages: int = 0
    last_used: int = 0  # the site's page counter when it last served or was confirmed

    def shape(self, obs: Observation) -> None:
        self.min_weight = min(self.min_weight, obs.total) if self.agreeing else obs.total
        self.max_weight = max(self.max_weight, obs.total)
        self.agreeing += 1
        self.dated += obs.dated


def window_cuts(window: Iterable[Observation]) -> frozenset[int]:
    """Line keys the full path cut on two pages of the window or more, and kept on none."""
    cut_on: Counter = Counter()
    kept: set[int] = set()
    for obs in window:
        cut_on.update({k for k, _ in obs.cut})
        kept.update(obs.kept)
    return frozenset(k for k, n in cut_on.items() if n >= 2 and k not in kept)


def page_error(obs: Observation, cuts: frozenset[int]) -> float:
    """Line-weight error of the fast path on a learning page, with these cuts."""
    if obs.total <= 0:
        return 1.0
    wrong = obs.missing + sum(w for k, w in obs.cut if k not in cuts)
    return wrong / obs.total


@dataclass
class SiteBook:
    records: dict[Locator, LocatorRecord] = field(default_factory=dict)
    article_shapes: Counter = field(default_factory=Counter)
    list_shapes: Counter = field(default_factory=Counter)
    pages: int = 0  # pages reported
    offered: int = 0  # pages offered the fast path (the audit counter)
    lost: bool = False  # a confident locator failed an audit or missed a page's block since the last one was learned
    learned: int = 0  # locators that became confident
    relearned: int = 0  # ... after the site's earlier one stopped fitting (lost)
    invalidated: int = 0  # locators forgotten after a failed audit

    def confident(self) -> list[LocatorRecord]:
        return sorted((r for r in self.records.values() if r.confident), key=lambda r: -r.last_used)


class ProfileBook:
    """Every site's profile: learned from full-path observations, one writer (the crawl process)."""

    def __init__(self, min_pages: int = 5, audit_every: int = 10) -> None:
        if min_pages < 2:
            raise ValueError(f"min_pages must be at least 2, got {min_pages}")
        if audit_every < 1:
            raise ValueError(f"audit_every must be at least 1, got {audit_every}")
        self.min_pages = min_pages
        self.audit_every = audit_every
        self.sites: dict[str, SiteBook] = {}
        self.dirty: set[str] = set()

    def site(self, name: str) -> SiteBook:
        book = self.sites.get(name)
        if book is None:
            book = self.sites[name] = SiteBook()
        return book

    def fast_profile(self, name: str) -> FastProfile | None:
        book = self.sites.get(name)
        records = book.confident() if book is not None else []
        if not records:
            return None
        return FastProfile(
            locators=tuple((r.locator, r.cuts) for r in records),
            min_weight=min(r.min_weight for r in records),
            max_weight=max(r.max_weight for r in records),
            needs_date=all(r.dated == r.agreeing for r in records),
        )

    def plan(self, name: str, url: str, known_article: bool) -> Plan:
        """The plan for one article candidate of a site."""
        book = self.site(name)
        profile = self.fast_profile(name)
        if profile is not None and not known_article:
            shape = url_shape(url)  # without an article_pattern: only the site's article URL shapes
            if book.article_shapes[shape] < self.min_pages or book.list_shapes[shape]:
                profile = None
        if profile is None:
            return Plan(None)
        book.offered += 1
        return Plan(profile, audit=book.offered % self.audit_every == 0)

    def report(self, name: str, url: str, outcome: str, report: ProfileReport | None) -> list[str]:
        """Learn from one page's outcome ("ok" article, "not_article", "error") and what the
        worker did; returns the events to count (stat keys below ``profile/``)."""
        book = self.site(name)
        book.pages += 1
        self.dirty.add(name)
        events: list[str] = []
        shape = url_shape(url)
        if outcome == "ok":
            _bump(book.article_shapes, shape)
        elif outcome == "not_article":
            _bump(book.list_shapes, shape)
        if report is None:
            return events
        events.append("fast" if report.path == "fast" else "full")
        if report.guard:
            events.append(f"guard/{report.guard}")
            if report.guard in ("block_missing", "block_ambiguous"):
                book.lost = True
        if report.path == "fast" and report.locator in book.records:
            record = book.records[report.locator]
            record.fast_pages += 1
            record.last_used = book.pages
        if report.path == "audit":
            events.append("audit")
            record = book.records.get(report.locator) if report.locator else None
            if report.audit_f1 is not None and report.audit_f1 < AUDIT_MIN_F1 and record is not None:
                events.append("audit_disagreed")
                record.confident = False
                record.window.clear()
                record.cuts = frozenset()
                book.invalidated += 1
                book.lost = True
        if report.observation is not None and outcome == "ok":
            events += self._learn(book, report.observation)
        return events

    def _learn(self, book: SiteBook, obs: Observation) -> list[str]:
        record = book.records.get(obs.locator)
        if record is None:
            if len(book.records) >= MAX_CANDIDATES:
                # Forget the least useful candidate that is not confident.
                spare = sorted((r for r in book.records.values() if not r.confident), key=lambda r: (r.pages, r.last_used))
                if not spare:
                    return []
                del book.records[spare[0].locator]
            record = book.records[obs.locator] = LocatorRecord(obs.locator, deque(maxlen=self.min_pages))
        record.pages += 1
        record.last_used = book.pages
        record.window.append(obs)
        cuts = window_cuts(record.window)
        agree = len(record.window) >= self.min_pages and all(page_error(o, cuts) <= AGREEMENT_MAX_ERROR for o in record.window)
        events = []
        if page_error(obs, cuts if record.confident else window_cuts(record.window)) <= AGREEMENT_MAX_ERROR:
            record.shape(obs)
        if agree:
            if record.confident:
                record.cuts = cuts
            else:
                record.confident, record.cuts = True, cuts
                book.learned += 1
                events.append("learned")
                if book.lost:
                    book.relearned += 1
                    events.append("relearned")
                book.lost = False
                confident = book.confident()
                for extra in confident[MAX_CONFIDENT:]:
                    extra.confident = False
        return events

    # -- persistence: plain JSON per site ---------------------------------------------------------

    def site_to_json(self, name: str) -> dict:
        book = self.sites[name]
        return {
            "pages": book.pages, "offered": book.offered, "lost": book.lost, "learned": book.learned,
            "relearned": book.relearned, "invalidated": book.invalidated,
            "article_shapes": dict(book.article_shapes), "list_shapes": dict(book.list_shapes),
            "locators": [
                {
                    "locator": [list(s) for s in r.locator], "confident": r.confident, "cuts": sorted(r.cuts), "pages": r.pages,
                    "agreeing": r.agreeing, "min_weight": r.min_weight, "max_weight": r.max_weight, "dated": r.dated,
                    "fast_pages": r.fast_pages, "last_used": r.last_used,
                    "window": [[o.total, o.missing, [list(c) for c in o.cut], list(o.kept), o.paragraphs, o.dated] for o in r.window],
                }
                for r in book.records.values()
            ],
        }

    def load_site(self, name: str, data: dict) -> None:
        book = SiteBook(
            pages=data["pages"], offered=data["offered"], lost=data["lost"], learned=data["learned"],
            relearned=data["relearned"], invalidated=data["invalidated"],
            article_shapes=Counter(data["article_shapes"]), list_shapes=Counter(data["list_shapes"]),
        )
        for r in data["locators"]:
            locator = tuple(tuple(s) for s in r["locator"])
            window = deque(
                (Observation(locator, t, m, tuple(tuple(c) for c in cut), tuple(kept), p, d) for t, m, cut, kept, p, d in r["window"]),
                maxlen=self.min_pages,
            )
            book.records[locator] = LocatorRecord(
                locator, window, r["confident"], frozenset(r["cuts"]), r["pages"], r["min_weight"], r["max_weight"], r["dated"],
                r["agreeing"], r["fast_pages"], r["last_used"],
            )
        self.sites[name] = book


def _bump(counter: Counter, key: str) -> None:
    counter[key] += 1
    if len(counter) > MAX_SHAPES:
        for k, _ in counter.most_common()[MAX_SHAPES // 2 :]:
            del counter[k]


# -- the worker's entry point ----------------------------------------------------------------------


def read_with_plan(
    html: str, url: str, config: ExtractConfig, known_article: bool, tree: Any, ruby_removed: int, plan: Plan,
    full: Any,
) -> tuple[tuple[Any, ...], ProfileReport]:
    """One article candidate, by the plan: the fast path when the profile's block is there
    and the page has the site's shape, else (and on audits, also) ``full(html, url, config,
    known_article, tree, ruby_removed)``, the full path, which consumes the tree."""
    fast, guard, locator = (None, None, None)
    if plan.profile is not None and tree is not None:
        fast, guard, locator = fast_extract(tree, url, config, known_article, plan.profile, html)
        if fast is not None and not plan.audit:
            return ("ok", fast, ruby_removed), ProfileReport("fast", locator=locator)
    result = full(html, url, config, known_article, tree=tree, ruby_removed=ruby_removed)
    report = ProfileReport("audit" if fast is not None else "full", guard=guard, locator=locator)
    if result[0] == "ok":
        found = result[1]
        if fast is not None:
            report.fast_text = fast.text  # compared by the crawl process, after the stages' cleaning
        # Learning needs the tree the full path left (the page's own, pruned), and a text the
        # boilerplate stage will not swap for another (a safety net's alternative).
        if plan.observe and tree is not None and not found.fallbacks and found.alternative is None:
            report.observation = observe(tree, found.text, found.structured_date is not None)
    return result, report


__all__ = [
    "ALGORITHM", "FastProfile", "Locator", "Observation", "Plan", "ProfileBook", "ProfileReport", "block_lines", "describe",
    "fast_extract", "find_blocks", "locator_of", "observe", "read_with_plan", "shingle_f1", "url_shape",
]
