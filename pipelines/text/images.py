"""The article's own images: where they stand among its lines, and their captions.

Scrapy-free. ``image_candidates`` reads every ``<img>`` of the parsed page before
extraction changes the tree: its URL (lazy-load attributes resolved), alt text, caption
and the texts just before and after it. Icons, logos, QR codes, share buttons, ads and
tracking pixels are left out by their URL, markup and size. ``place_images`` then keeps
the candidates that stand among the extracted article's lines (a related-article
thumbnail stands among link titles, a sidebar ad among other blocks), and says before
which line each goes. Nothing is downloaded.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urljoin, urlsplit

from lxml import etree

from pipelines.text.page_walk import PageWalk, in_hidden_box

_WS = re.compile(r"\s+")
_PAGER_TEXT = re.compile(r"^[\s\[\]【】()（）第]*(?:\d{1,3}|下一?[页頁]|上一?[页頁]|next|prev)", re.I)  # pager links (【2】, 下一页)
_LINKS = etree.XPath("//a[@href]")

# The patterns below that run on every picture of a page are matched against lower-cased text
# without re.I: Python's case-insensitive matching of a long alternation costs four times as
# much (33 against 7.5 microseconds a URL), and a page has thirty pictures.

# Attributes lazy-loading scripts read the real URL from, in order of trust; ``src`` is then
# often a placeholder (a 1x1 gif, loading.gif, a data: URI).
LAZY_ATTRIBUTES = (
    "data-src", "data-original", "data-lazy-src", "data-original-src", "data-actualsrc", "data-lazyload",
    "data-url", "data-echo", "data-ks-lazyload", "lazy-src", "original", "file", "_src",
)
_LAZY = frozenset(LAZY_ATTRIBUTES)
_JOIN_CHANGES = re.compile(r"[?#;\[\]\s\x00-\x1f\x7f]")  # what urljoin may drop, split off or check (_plain_join)
_PLACEHOLDER = re.compile(r"^data:|blank\.|loading|lazy|placeholder|spacer|grey\.gif|pixel\.|/1x1\.|transparent")  # (lower-cased)
# Not the article's pictures, by file name or path: site chrome, share and follow buttons,
# QR codes (二维码 = erweima/ewm), ads (guanggao), counters and beacons.
_CHROME_URL = re.compile(
    r"logo|icon|favicon|avatar|qr_?code|qrcode|erweima|/ewm|ewm[_./]|share|weixin|wechat|weibo|btn|button|arrow|"
    r"qlogo|loading|spacer|pixel|beacon|tracking|/stat(?:s|istics)?[/.?]|/count[/.?]|banner|/ads?/|/adv|guanggao|/gg/|emoji|"
    r"emotion|/face/|toolbar|/skin/|/css/|/themes?/|comment|@@|nopic|no_pic|noimg|default_?(?:img|pic|avatar)|sprite|\.svg(?:$|\?)|\.ico(?:$|\?)"
)  # (lower-cased)
_CHROME_MARK = re.compile(
    r"logo|icon|avatar|qrcode|qr-code|erweima|ewm|share|weixin|wechat|weibo|toolbar|\bad\b|\bads\b|advert|banner|"
    r"guanggao|emoji|author|member|user-img|follow|video|player|play-"
)  # (lower-cased)
_CHROME_ALT = re.compile(r"二维码|二維碼|扫码|掃碼|扫一扫|掃一掃|logo|分享|广告|廣告|头像|頭像|qr ?code|^icon$")  # (lower-cased)
_PICTURE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp")
_MAX_ASPECT = 8  # a picture wider (or taller) than this many times its other side is a strip
_MIN_SIDE = 50  # pixels: a declared width or height below this is an icon, a bullet or a beacon
_SIDE = re.compile(r"\s*(\d+)\s*(?:px)?\s*$")
_STYLE_SIDE = re.compile(r"(?:^|;)\s*(?:width|height)\s*:\s*(\d+)px")
_PICTURE_QUERY = re.compile(r"\.(?:jpe?g|png|gif|webp)\b", re.I)
# The short line under a picture on Chinese sites: 图为… / 圖為… / ▲… / (新华社记者 王某 摄)
_CAPTION_CUE = re.compile(r"^[(（]?\s*(?:图|圖)\s*(?:为|為|[:：\d一二三四五六七八九十])|^[▲△↑↓▼]|^(?:上|下|左|右|组|組)图|^(?:资料|資料)(?:图|圖)|摄\s*[)）]?$|攝\s*[)）]?$|供图\s*[)）]?$|供圖\s*[)）]?$")
_CAPTION_MARK = re.compile(r"caption|desc|note|pic|img|image|photo|figure|tu|zhu|illus|legend", re.I)
_CENTERED = re.compile(r"text-align\s*:\s*center", re.I)
_MAX_CAPTION = 120  # characters: a caption is a line, not a paragraph
# Texts read on each side of an image: place_images reads the nearest one after it (the next
# one when that is its caption) and the nearest one before it.
_TEXTS_AFTER = 2
_TEXTS_BEFORE = 1
_SNIPPET = 12  # leading characters of a neighbouring text that must be found in the article
_BLOCK_TAGS = frozenset(("p", "div", "figure", "section", "article", "td", "li", "center", "table", "tr", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "dl", "dd", "dt", "ul", "ol", "body"))
_SKIP_TEXT = frozenset(("script", "style", "noscript", "template", "textarea", "select", "option"))


@dataclass(frozen=True)
class ImageCandidate:
    url: str
    alt: str | None
    caption: str | None
    caption_shown: bool  # the caption is a text line of the page (it may be a line of the article)
    after: tuple[str, ...]  # the texts that follow the image, nearest first
    before: tuple[str, ...]  # the texts that precede it, nearest first


def _clean(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def image_url(img: etree._Element, page_url: str, base: tuple[str, str, str | None] | None = None) -> str | None:
    """The picture's absolute URL: a lazy-load attribute when it has one, else ``src``, else
    the first ``srcset`` candidate. None for data: URIs and non-http(s) URLs. ``base``: the
    page URL's ``page_base``, when the caller has it."""
    src = (img.get("src") or "").strip()
    raw = ""
    if not _LAZY.isdisjoint(img.keys()):
        for name in LAZY_ATTRIBUTES:
            value = (img.get(name) or "").strip()
            if value and not value.startswith("data:") and not _PLACEHOLDER.search(value.lower()):
                raw = value
                break
    if not raw and src and not _PLACEHOLDER.search(src.lower()):
        raw = src
    if not raw:
        srcset = (img.get("data-srcset") or img.get("srcset") or "").strip()
        raw = srcset.split(",")[0].strip().split(" ")[0] if srcset else ""
    if not raw or raw.startswith("data:") or "@@" in raw:
        return None
    url = _plain_join(base or page_base(page_url), raw)
    if url is None:
        try:
            url = urljoin(page_url, raw)
        except ValueError:
            return None
    return url if url.startswith(("http://", "https://")) else None


def page_base(page_url: str) -> tuple[str, str, str | None]:
    """(scheme, host, directory) of the page URL, as urljoin reads them; empty when it does not
    parse; the directory None when urljoin would rewrite it (an empty or a dot segment)."""
    try:
        parts = urlsplit(page_url)
    except ValueError:
        return "", "", None
    if parts.scheme not in ("http", "https"):
        return "", "", None
    path = parts.path
    directory = None if "//" in path or "/." in path or path.startswith(".") else (path[: path.rfind("/") + 1] or "/")
    return parts.scheme, parts.netloc, directory


def _plain_join(base: tuple[str, str, str | None], raw: str) -> str | None:
    """``urljoin(page_url, raw)`` for the forms most pictures take, an absolute http(s) URL and
    a path from the root or from the page's directory, when nothing in them makes urljoin
    change them (a query or a fragment, parameters, dot segments, an empty segment, characters
    urlsplit drops, a bracketed host, a scheme); None for every other reference. Parsing each of
    a page's thirty pictures with urljoin cost more than reading them."""
    if not raw or _JOIN_CHANGES.search(raw):
        return None
    if raw.startswith(("http://", "https://")):  # (urljoin rebuilds it from its parts: the same string)
        host = raw.index("//") + 2
        return raw if raw[host : host + 1] not in ("", "/") else None
    if not base[0] or not base[1] or "//" in raw or "/." in raw:
        return None  # (a segment for urljoin to drop or resolve)
    if raw.startswith("/"):
        return base[0] + "://" + base[1] + raw
    if base[2] is not None and ":" not in raw and not raw.startswith("."):
        return base[0] + "://" + base[1] + base[2] + raw  # a path from the page's directory
    return None


def _side(value: str | None) -> int | None:
    m = _SIDE.match(value) if value else None
    return int(m.group(1)) if m else None


class PageChrome:
    """What the chrome test needs from the whole page, read once and only when asked for."""

    def __init__(self, tree: etree._Element, page_url: str, anchors: list[etree._Element] | None = None) -> None:
        self.tree = tree
        self.page_url = page_url
        self.anchors = anchors  # the page's <a> elements, when a walk has them
        self._chrome_marks: dict[str, bool] = {}

    def chrome_mark(self, marks: str) -> bool:
        """``_CHROME_MARK`` finds something in the lower-cased class and id ``marks``: tested once
        per distinct value on the page (its pictures share their boxes and class names, and a
        long alternation costs microseconds a value)."""
        hit = self._chrome_marks.get(marks)
        if hit is None:
            hit = self._chrome_marks[marks] = bool(_CHROME_MARK.search(marks.lower()))
        return hit

    @cached_property
    def links(self) -> dict[str, list[etree._Element]]:
        """The page's links by their href (stripped)."""
        out: dict[str, list[etree._Element]] = {}
        for a in self.anchors if self.anchors is not None else _LINKS(self.tree):
            href = a.get("href")
            if href is not None:
                out.setdefault(href.strip(), []).append(a)
        return out

    def titled(self, href: str) -> bool:
        """A link to ``href`` has a title-like text (three characters or more, not a pager
        word): a picture linking there is a thumbnail."""
        return any(_titled(a) for a in self.links.get(href, ()))


def _titled(a: etree._Element) -> bool:
    text = _clean(a.text_content())
    return len(text) >= 3 and not _PAGER_TEXT.match(text)


def is_chrome(img: etree._Element, url: str, page: PageChrome) -> bool:
    """An icon, logo, share button, QR code, ad or tracking pixel, not an article picture."""
    return chrome_url(url) or chrome_markup(img, page) or in_hidden_box(img)


def chrome_url(url: str) -> bool:
    """Site chrome by the picture's URL (logo, icon, share button, ad path, counter, ...)."""
    return bool(_CHROME_URL.search(url.split("://", 1)[-1].lower()))


def chrome_markup(img: etree._Element, page: PageChrome) -> bool:
    """Site chrome by the picture's markup, its hidden box aside: its size, its alt text, the
    class or id of the picture and two parents, a thumbnail's link."""
    width, height = _side(img.get("width")), _side(img.get("height"))
    if (width is not None and width < _MIN_SIDE) or (height is not None and height < _MIN_SIDE):
        return True
    if width and height and max(width, height) > _MAX_ASPECT * min(width, height):
        return True  # a divider or a banner strip
    style = img.get("style")
    if style:
        for m in _STYLE_SIDE.finditer(style):
            if int(m.group(1)) < _MIN_SIDE:
                return True
    alt, title = img.get("alt"), img.get("title")
    if (alt and _CHROME_ALT.search(alt.lower())) or (title and _CHROME_ALT.search(title.lower())):
        return True
    el, depth = img, 0
    while el is not None and depth < 3:
        marks = (el.get("class") or "") + " " + (el.get("id") or "")
        if marks.strip() and page.chrome_mark(marks):
            return True
        if el.tag == "a" and _thumbnail_link(el, page.page_url, page):
            return True
        el, depth = el.getparent(), depth + 1
    return False


def _thumbnail_link(a: etree._Element, page_url: str, page: PageChrome) -> bool:
    """A picture's link to another page that a title names too: a related article's or a
    topic's thumbnail (<a><img><span>标题</span></a>, or <a href=X><img></a> … <a href=X>标题</a>),
    a promo, an ad. A link to a picture (the full-size one, a viewer page given the picture's
    URL) or to nothing (a player's javascript:) is not, nor a bare link to the story's next page."""
    href = (a.get("href") or "").strip()
    if not href or href.startswith(("#", "javascript:")):
        return False
    if href.lower().split("?", 1)[0].endswith(_PICTURE_EXTENSIONS) or _PICTURE_QUERY.search(href.split("?", 1)[-1]):
        return False
    own_text = _clean(a.text_content())
    return len(own_text) >= 2 or page.titled(href)


def _texts_after(el: etree._Element, limit: int):
    """(text, its element) in document order after ``el`` (its own subtree skipped)."""
    found = 0
    node = el
    while node is not None and found < limit:
        if node.tail and node.tail.strip():
            yield node.tail, node.getparent()
            found += 1
        for sib in node.itersiblings():
            if found >= limit:
                return
            if not isinstance(sib.tag, str) or sib.tag in _SKIP_TEXT:
                if sib.tail and sib.tail.strip():
                    yield sib.tail, node.getparent()
                    found += 1
                continue
            for sub in sib.iter():
                if not isinstance(sub.tag, str):
                    if sub.tail and sub.tail.strip() and sub is not sib:
                        yield sub.tail, sub.getparent()
                        found += 1
                    continue
                if sub.tag in _SKIP_TEXT:
                    continue
                if sub.text and sub.text.strip() and not _in_skipped(sub, sib):
                    yield sub.text, sub
                    found += 1
                if sub is not sib and sub.tail and sub.tail.strip() and not _in_skipped(sub.getparent(), sib):
                    yield sub.tail, sub.getparent()
                    found += 1
                if found >= limit:
                    return
            if sib.tail and sib.tail.strip():
                yield sib.tail, node.getparent()
                found += 1
        node = node.getparent()
        if node is not None and node.tag == "body":
            return


def _in_skipped(el: etree._Element, stop: etree._Element) -> bool:
    while el is not None and el is not stop:
        if el.tag in _SKIP_TEXT:
            return True
        el = el.getparent()
    return el is not None and el.tag in _SKIP_TEXT


def _last_texts(el: etree._Element, out: list[str], limit: int) -> None:
    """The last non-blank texts inside ``el``, last first, until ``out`` holds ``limit``
    (walked from the end: only the nodes needed are touched, however big ``el`` is)."""
    for child in reversed(el):
        if len(out) >= limit:
            return
        if child.tail and child.tail.strip():
            out.append(child.tail)
        if isinstance(child.tag, str) and child.tag not in _SKIP_TEXT:
            _last_texts(child, out, limit)
    if len(out) < limit and el.text and el.text.strip():
        out.append(el.text)


def _texts_before(el: etree._Element, limit: int) -> list[str]:
    """Texts before ``el``, nearest first."""
    out: list[str] = []
    node = el
    while node is not None and len(out) < limit:
        for sib in node.itersiblings(preceding=True):
            if sib.tail and sib.tail.strip():
                out.append(sib.tail)
            if len(out) < limit and isinstance(sib.tag, str) and sib.tag not in _SKIP_TEXT:
                _last_texts(sib, out, limit)
            if len(out) >= limit:
                break
        parent = node.getparent()
        if parent is not None and parent.text and parent.text.strip() and len(out) < limit:
            out.append(parent.text)
        node = parent
        if node is not None and node.tag == "body":
            break
    return [_clean(t) for t in out[:limit]]


def _block_of(el: etree._Element) -> etree._Element | None:
    while el is not None and el.tag not in _BLOCK_TAGS:
        el = el.getparent()
    return el


def _looks_like_caption_block(el: etree._Element | None) -> bool:
    depth = 0
    while el is not None and depth < 3:
        if el.tag in ("figcaption", "center", "font", "em", "i", "small"):
            return True
        if (el.get("align") or "").lower() == "center" or _CENTERED.search(el.get("style") or ""):
            return True
        marks = (el.get("class") or "") + " " + (el.get("id") or "")
        if marks.strip() and _CAPTION_MARK.search(marks):
            return True
        if el.tag in ("p", "div", "td"):
            break
        el, depth = el.getparent(), depth + 1
    return False


def _caption(img: etree._Element, after: list[tuple[str, etree._Element]]) -> tuple[str | None, bool]:
    """(caption, shown as a line of the page): the figure's caption, else the short line under
    the picture (in the same block or the next one) when it is marked or worded as one."""
    figure = next((a for a in img.iterancestors("figure")), None)
    if figure is not None:
        cap = figure.find(".//figcaption")
        if cap is not None and _clean(cap.text_content()):
            return _clean(cap.text_content()), True
    if not after:
        return None, False
    text, owner = after[0]
    text = _clean(text)
    if not text or len(text) > _MAX_CAPTION:
        return None, False
    img_block, text_block = _block_of(img), _block_of(owner)
    near = img_block is not None and text_block is img_block or (
        text_block is not None and img_block is not None and (text_block.getprevious() is img_block or text_block.getparent() is img_block)
    )
    if near and (_CAPTION_CUE.search(text) or _looks_like_caption_block(owner)):
        return text, True
    if near and text_block is img_block and img_block.tag in ("p", "center", "td") and len(text) <= 60 and not text.endswith(("。", ".")):
        return text, True  # <p><img><br>北京天安门广场</p>: a picture and its line in one paragraph
    return None, False


def image_candidates(tree: etree._Element, page_url: str, walk: PageWalk | None = None) -> list[ImageCandidate]:
    """Every picture of the page that is not site chrome, in document order (one per URL).
    ``walk``: the page's walk, when the caller has it (its pictures)."""
    out: list[ImageCandidate] = []
    seen: set[str] = set()
    page = PageChrome(tree, page_url, walk.anchors if walk is not None else None)
    base = page_base(page_url)
    for img in walk.images if walk is not None else tree.iter("img"):
        # (is_chrome's tests, the cheap ones first: most chrome pictures are told by their markup
        # before their URL is resolved, and the hidden-box test walks up to the root)
        if chrome_markup(img, page):
            continue
        url = image_url(img, page_url, base)
        if url is None or url in seen or chrome_url(url) or in_hidden_box(img):
            continue
        seen.add(url)
        after = list(_texts_after(img, _TEXTS_AFTER))
        caption, shown = _caption(img, after)
        alt = _clean(img.get("alt") or img.get("title")) or None
        out.append(ImageCandidate(url, alt, caption, shown, tuple(_clean(t) for t, _ in after), tuple(_texts_before(img, _TEXTS_BEFORE))))
    return out


def og_image(meta: dict[str, str], page_url: str) -> str | None:
    """og:image (``meta``: the page's meta values, pipelines/text/taxonomy.py), absolute."""
    value = (meta.get("og:image") or meta.get("og:image:url") or "").strip()
    if not value or value.startswith("data:"):
        return None
    try:
        return urljoin(page_url, value)
    except ValueError:
        return None


@dataclass(frozen=True)
class PlacedImage:
    url: str
    alt: str | None
    caption: str | None
    cover: bool
    line: int  # the article line the picture stands before (len(lines): after the last)
    caption_line: bool  # the caption is article line ``line`` (the picture's line under it)

    def as_field(self) -> dict:
        return {"url": self.url, "alt": self.alt, "caption": self.caption, "cover": self.cover}


class _Lines:
    """The article's lines as one string, to find a neighbouring text's line."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = [_WS.sub(" ", line).strip() for line in lines]
        self.joined = "\n".join(self.lines)
        self.starts = []
        pos = 0
        for line in self.lines:
            self.starts.append(pos)
            pos += len(line) + 1

    def find(self, text: str) -> int | None:
        snippet = text[:_SNIPPET]
        if len(snippet) < 2 or (len(snippet) < 4 and not re.search(r"[\u3400-\u9fff]", snippet)):
            return None
        pos = self.joined.find(snippet)
        return None if pos < 0 else bisect_right(self.starts, pos) - 1


def place_images(candidates: list[ImageCandidate], lines: list[str], cover_url: str | None) -> list[PlacedImage]:
    """The candidates that stand among the article's lines, each with the line it precedes.
    A picture is the article's when the nearest text after it, or before it, is a line of the
    article (its caption aside); the lead picture above the first line counts too."""
    found = _Lines(lines)
    placed: list[PlacedImage] = []
    last = 0
    for cand in candidates:
        after = [t for t in cand.after if t]
        before = [t for t in cand.before if t]
        line = None
        caption_line = False
        if cand.caption and cand.caption_shown:
            at = found.find(cand.caption)
            if at is not None and found.lines[at] == cand.caption:
                line, caption_line = at, True
            after = after[1:] if after and after[0] == cand.caption else after
        if line is None and after:
            at = found.find(after[0])
            if at is not None:
                line = at
        if line is None and before:
            at = found.find(before[0])
            if at is not None:
                line = at + 1
        if line is None or line < last:
            continue
        last = line
        placed.append(PlacedImage(cand.url, cand.alt, cand.caption, False, line, caption_line))
    if placed:
        cover = next((i for i, p in enumerate(placed) if p.url == cover_url), 0)
        placed[cover] = PlacedImage(**{**placed[cover].__dict__, "cover": True})
    return placed
