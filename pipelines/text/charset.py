"""Decode a page's bytes with a charset that is checked against the bytes.

Scrapy trusts BOM, then the HTTP header, then ``<meta>``, and guesses only
when nothing is declared; it never checks a declaration. Chinese sites often
lie (a GBK page served as UTF-8, a UTF-8 page with a gbk meta), so here every
declaration is verified: a strict decode must succeed and the text must look
like text. A declaration that fails is overridden by the best-scoring
candidate (charset-normalizer's guess among them), and the override is recorded.

Pure and Scrapy-free: ``decode_body(body, headers, url)``.
"""

from __future__ import annotations

import codecs
import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import charset_normalizer
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

from pipelines.text.normalise import HAN, opencc_converter

# Aliases w3lib does not resolve; all are GBK in practice.
_EXTRA_ALIASES = {"x-gbk": "gb18030", "x_gbk": "gb18030", "cp936": "gb18030", "ms936": "gb18030", "windows-936": "gb18030"}
# Candidates tried when a declaration fails, in order of prior likelihood on Chinese sites.
_FALLBACKS = ("utf-8", "gb18030", "big5hkscs")
_MULTIBYTE = frozenset({"utf-8", "gb18030", "big5hkscs", "big5", "gbk", "gb2312", "euc_jp", "shift_jis", "cp932", "euc_kr", "cp949", "utf-16", "utf-32"})
_SAMPLE = 64 * 1024  # bytes given to charset-normalizer (its cost grows with the input)
_ACCEPT = 0.9  # plausibility a declared charset must reach

_BELOW_UTF8_LEAD = bytes(range(0xC2))  # deleting these leaves the UTF-8 lead bytes
_ASCII_RUNS = re.compile(r"[\x00-\x7f]+")
# UTF-8 read as Latin-1/cp1252: a lead byte as Ã..ï, then a continuation byte as C1,
# Latin-1 or one of cp1252's 0x80-0x9F printables (€ ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ).
_LATIN1_SOUP = re.compile(
    "[\u00c2-\u00ef][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
_LATIN1_LEAD = re.compile("[\u00c2-\u00ef]")


def common_han() -> frozenset[str]:
    """The Han characters news text is made of: GB2312 level 1 (the 3,755 most frequent
    characters, rows 16-55) and their traditional forms. Text decoded with the wrong
    codec is mostly made of the other 17,000. (Computed here; loaded from COMMON_HAN_FILE.)"""
    level1 = []
    for row in range(0xB0, 0xD8):
        for cell in range(0xA1, 0xFF):
            try:
                level1.append(bytes((row, cell)).decode("gb2312"))
            except UnicodeDecodeError:
                continue  # the few empty cells at the end of row 55
    simplified = "".join(level1)
    traditional = opencc_converter("s2t").convert(simplified) + opencc_converter("s2hk").convert(simplified)
    return frozenset(simplified + traditional)


# common_han() as a file: computing it loads OpenCC's s2t and s2hk dictionaries (42 MB that
# stay taken) into every process that decodes, the extraction workers included.
# tests/test_charset_corpus.py checks that the file is what common_han() computes.
COMMON_HAN_FILE = Path(__file__).with_name("common_han.txt")
COMMON_HAN = frozenset(COMMON_HAN_FILE.read_text(encoding="utf-8").strip())


@dataclass(frozen=True)
class DecodedBody:
    text: str
    encoding: str  # Python codec name actually used
    source: str  # bom | header | meta | detected
    declared: str | None = None  # what the page declared (first of header/meta), resolved
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def overridden(self) -> bool:
        return "charset-overridden" in self.warnings


def resolve_charset(name: str | None) -> str | None:
    """Map a declared charset label to the Python codec that decodes it right."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    if label in _EXTRA_ALIASES:
        return _EXTRA_ALIASES[label]
    resolved = resolve_encoding(label)
    if resolved:
        return resolved
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _header(headers: Mapping[str, object], name: str) -> str | None:
    for key, value in headers.items():
        k = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if k.lower() == name:
            if isinstance(value, list):
                value = value[0] if value else None
            if isinstance(value, bytes):
                return value.decode("latin-1")
            return None if value is None else str(value)
    return None


_MAX_ERROR_RUNS = 200  # past this many bad runs a page is garbage; stop walking it


def strict_errors(data: bytes, codec: str) -> int:
    """Number of undecodable byte runs when decoding ``data`` with ``codec`` (capped)."""
    errors, pos = 0, 0
    while errors < _MAX_ERROR_RUNS:
        try:
            data[pos:].decode(codec)
            return errors
        except UnicodeDecodeError as exc:
            errors += 1
            pos += exc.end
        except LookupError:
            return _MAX_ERROR_RUNS
    return errors


@functools.lru_cache(maxsize=1 << 16)  # pure, and pages share most of their characters
def _char_weight(ch: str) -> tuple[float, float]:
    """(good, bad) weight of one non-ASCII character."""
    cp = ord(ch)
    if ch in COMMON_HAN:
        return 1.0, 0.0
    if ch == "\ufffd" or 0x80 <= cp < 0xA0:
        return 0.0, 2.0
    if 0xE000 <= cp <= 0xF8FF:
        return 0.0, 0.5  # private use: icon fonts use it, and so do some wrong GB18030 decodes
    if HAN.match(ch):
        return 0.0, 0.5  # a rare character: a few are normal, a page of them is mojibake
    if 0x3000 <= cp <= 0x30FF or 0xFF00 <= cp <= 0xFFEF or 0x2000 <= cp <= 0x206F or 0xAC00 <= cp <= 0xD7AF:
        return 1.0, 0.0
    category = unicodedata.category(ch)
    if category[0] in "LNPSZ":
        return 0.5, 0.0
    if category[0] == "M":
        return 0.0, 0.0  # combining marks and variation selectors (☺︎) say nothing either way
    return 0.0, 1.0


def text_plausibility(text: str) -> float:
    """0..1: how much ``text`` looks like real text rather than a wrong decode.

    Weighs the non-ASCII characters: common Han characters, CJK and full-width
    punctuation, kana, hangul and letters are good; U+FFFD, C1 controls,
    private use and rare Han characters (what bytes read with the wrong codec
    turn into) are bad, and so is UTF-8 read as cp1252 ("Ã©", "â€™").
    """
    good = bad = 0.0
    counts = Counter(_ASCII_RUNS.sub("", text))  # one C-level pass; HTML is mostly ASCII
    for ch, n in counts.items():  # distinct characters: a page has a few thousand at most
        g, b = _char_weight(ch)
        good += g * n
        bad += b * n
    if _LATIN1_LEAD.search(text):  # a possible UTF-8 lead byte read as Latin-1
        bad += 2 * len(_LATIN1_SOUP.findall(text))
    if good + bad == 0:
        return 1.0
    return good / (good + bad)


def _decode_scored(body: bytes, codec: str) -> tuple[str, float, int]:
    """(text, plausibility, strict error runs) of ``body`` decoded with ``codec``."""
    try:
        text = body.decode(codec)
        errors = 0
    except UnicodeDecodeError:
        errors = strict_errors(body, codec)
        text = body.decode(codec, errors="replace")
    except LookupError:
        return "", 0.0, _MAX_ERROR_RUNS
    return text, text_plausibility(text), errors


def decode_body(body: bytes, headers: Mapping[str, object] | None = None, url: str = "") -> DecodedBody:
    """Decode a page, verifying its declared charset against the bytes.

    Order: BOM (trusted), then the HTTP header, then ``<meta>``. A declaration
    is kept when a strict decode succeeds and the text is plausible; otherwise
    the best candidate among the other declaration, UTF-8, GB18030, Big5-HKSCS
    and charset-normalizer's guess wins and the item is flagged
    ``charset-overridden``. Bytes no candidate decodes cleanly are replaced
    (U+FFFD) and flagged ``undecodable-bytes``; never an exception.
    """
    headers = headers or {}
    bom_codec, bom = read_bom(body)
    if bom_codec:
        codec = resolve_charset(bom_codec) or bom_codec
        return DecodedBody(body[len(bom) :].decode(codec, errors="replace"), codec, "bom", codec)

    declared: list[tuple[str, str]] = []
    header_codec = resolve_charset(http_content_type_encoding(_header(headers, "content-type") or "") or _raw_charset(_header(headers, "content-type")))
    if header_codec:
        declared.append((header_codec, "header"))
    meta_codec = resolve_charset(html_body_declared_encoding(body) or _raw_meta_charset(body))
    if meta_codec:
        declared.append((meta_codec, "meta"))

    if declared:
        codec, source = declared[0]
        if body.isascii() and _is_ascii_compatible(codec):
            return DecodedBody(body.decode(codec), codec, source, codec)
        if codec == "utf-8":
            # Non-ASCII bytes that validate as UTF-8 are UTF-8: no other codec's text does that.
            try:
                return DecodedBody(body.decode("utf-8"), codec, source, codec)
            except UnicodeDecodeError:
                pass
        else:
            text, plaus, errors = _decode_scored(body, codec)
            if errors == 0 and plaus >= _ACCEPT and not _is_clearly_utf8(body):
                return DecodedBody(text, codec, source, codec)
    elif body.isascii():
        return DecodedBody(body.decode("ascii"), "utf-8", "detected")

    # The first declaration failed, or there was none. Valid UTF-8 with non-ASCII
    # content is almost never anything else: take it first.
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and text_plausibility(text) >= 0.5:
        return _overridden("utf-8", text, declared, ())

    # Then weigh every candidate: the other declaration, GB18030, Big5-HKSCS, charset-normalizer's guess.
    candidates: list[str] = [c for c, _ in declared[1:]] + list(_FALLBACKS)
    guess = charset_normalizer.from_bytes(body[:_SAMPLE]).best()
    if guess is not None and resolve_charset(guess.encoding):
        candidates.append(resolve_charset(guess.encoding))
    if declared:
        candidates.append(declared[0][0])
    scored = []
    for order, codec in enumerate(dict.fromkeys(candidates)):
        _, plaus, errors = _decode_scored(body, codec)
        rate = errors / max(1.0, len(body) / 1024)
        # Single-byte codecs decode any bytes into "letters"; on an override, a clean
        # multi-byte CJK decode that reads as text is the better explanation.
        clean_cjk = codec in _MULTIBYTE and errors == 0 and plaus >= 0.5
        scored.append((clean_cjk, errors == 0, plaus - min(rate, 5) * 0.1, -order, codec))
    scored.sort(reverse=True)
    codec = scored[0][-1]
    text, recovered, lost = decode_mixed(body, codec)
    warnings = (("mixed-encoding",) if recovered else ()) + (("undecodable-bytes",) if lost else ())
    return _overridden(codec, text, declared, warnings)


def _overridden(codec: str, text: str, declared: list[tuple[str, str]], warnings: tuple[str, ...]) -> DecodedBody:
    """The result when the first declaration was not used as it was."""
    first = declared[0][0] if declared else None
    if first == codec:  # the declaration was right after all; its bytes are just partly broken
        return DecodedBody(text, codec, declared[0][1], first, warnings)
    source = next((src for c, src in declared if c == codec and src == "meta"), "detected")
    flags = ("charset-overridden",) if declared else ()
    return DecodedBody(text, codec, source, first, flags + warnings)


def decode_mixed(body: bytes, codec: str) -> tuple[str, int, int]:
    """Decode with ``codec``; runs of bytes it cannot decode are tried as GB18030
    (a GBK paragraph pasted into a UTF-8 page), else replaced with U+FFFD.
    Returns (text, runs recovered, runs lost)."""
    if codec != "utf-8":
        return body.decode(codec, errors="replace"), 0, strict_errors(body, codec)
    parts: list[str] = []
    recovered = lost = pos = 0
    while True:
        try:
            parts.append(body[pos:].decode("utf-8"))
            break
        except UnicodeDecodeError as exc:
            start, end = pos + exc.start, pos + exc.end
            parts.append(body[pos:start].decode("utf-8"))
            if recovered + lost >= _MAX_ERROR_RUNS:
                lost += 1
                parts.append(body[start:].decode("utf-8", errors="replace"))
                break
            run_end = start
            while run_end < len(body) and body[run_end] >= 0x80:
                run_end += 1
            try:
                text = body[start:run_end].decode("gb18030")
            except UnicodeDecodeError:
                text = None
            if text is not None and text_plausibility(text) >= 0.8:
                recovered += 1
                parts.append(text)
                pos = run_end
            else:
                lost += 1
                parts.append("\ufffd")
                pos = end
    return "".join(parts), recovered, lost


_CHARSET_PARAM = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)


def _raw_charset(content_type: str | None) -> str | None:
    """The charset parameter as written, for labels w3lib does not know (x-gbk)."""
    if not content_type:
        return None
    m = _CHARSET_PARAM.search(content_type)
    return m.group(1) if m else None


def _raw_meta_charset(body: bytes) -> str | None:
    m = re.search(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", body[:4096], re.I)
    return m.group(1).decode("ascii", "replace") if m else None


def _is_clearly_utf8(body: bytes) -> bool:
    """Valid UTF-8 with enough multi-byte sequences that chance cannot explain it."""
    # GBK text passes as UTF-8 by chance at about 0.1 per character; an English page with a
    # nbsp and a © under a gbk header is far more often a misconfigured UTF-8 page.
    if len(body.translate(None, _BELOW_UTF8_LEAD)) < 2:
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _is_ascii_compatible(codec: str) -> bool:
    try:
        return "a".encode(codec) == b"a"
    except LookupError:
        return False
