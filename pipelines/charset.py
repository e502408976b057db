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
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

import charset_normalizer
import opencc
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

# Aliases w3lib does not resolve; all are GBK in practice.
_EXTRA_ALIASES = {"x-gbk": "gb18030", "x_gbk": "gb18030", "cp936": "gb18030", "ms936": "gb18030", "windows-936": "gb18030"}
# Candidates tried when a declaration fails, in order of prior likelihood on Chinese sites.
_FALLBACKS = ("utf-8", "gb18030", "big5hkscs")
_SAMPLE = 64 * 1024  # bytes scored per candidate; whole pages are decoded once chosen

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN1_SOUP = re.compile(r"[\u00c0-\u00ff][\u0080-\u00bf]")


def _common_han() -> frozenset[str]:
    """The Han characters news text is made of: GB2312 level 1 (the 3,755 most frequent
    characters, rows 16-55) and their traditional forms. Text decoded with the wrong
    codec is mostly made of the other 17,000."""
    level1 = []
    for row in range(0xB0, 0xD8):
        for cell in range(0xA1, 0xFF):
            try:
                level1.append(bytes((row, cell)).decode("gb2312"))
            except UnicodeDecodeError:
                continue  # the few empty cells at the end of row 55
    simplified = "".join(level1)
    traditional = opencc.OpenCC("s2t").convert(simplified) + opencc.OpenCC("s2hk").convert(simplified)
    return frozenset(simplified + traditional)


COMMON_HAN = _common_han()


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


def text_plausibility(text: str) -> float:
    """0..1: how much ``text`` looks like real text rather than a wrong decode.

    Counts the non-ASCII characters that are what news text is made of (common
    Han characters, CJK and full-width punctuation, kana, hangul, accented
    Latin letters not followed by UTF-8 continuation soup) against everything
    else (U+FFFD, rare Han produced by reading bytes with the wrong codec,
    C1 controls, private use).
    """
    good = bad = 0
    for ch in text:
        cp = ord(ch)
        if cp < 0x80:
            continue
        if ch in COMMON_HAN:
            good += 1
        elif ch == "\ufffd" or 0x80 <= cp < 0xA0 or 0xE000 <= cp <= 0xF8FF:
            bad += 2
        elif _HAN.match(ch):
            bad += 0.5  # a rare character: a few are normal, a page of them is mojibake
        elif 0x3000 <= cp <= 0x30FF or 0xFF00 <= cp <= 0xFFEF or 0x2000 <= cp <= 0x206F or 0xAC00 <= cp <= 0xD7AF:
            good += 1
        elif unicodedata.category(ch)[0] in "LNPSZ":
            good += 0.5
        else:
            bad += 1
    bad += 2 * len(_LATIN1_SOUP.findall(text))
    if good + bad == 0:
        return 1.0
    return good / (good + bad)


def _score(sample: bytes, codec: str) -> tuple[float, int]:
    errors = strict_errors(sample, codec)
    text = sample.decode(codec, errors="replace")
    return text_plausibility(text), errors


def _acceptable(plausibility: float, errors: int, size: int) -> bool:
    return errors == 0 and plausibility >= 0.9


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

    sample = body[:_SAMPLE]
    is_ascii = sample.isascii()
    if declared:
        codec, source = declared[0]
        if is_ascii and _is_ascii_compatible(codec):
            return DecodedBody(body.decode(codec, errors="replace"), codec, source, codec)
        plaus, errors = _score(sample, codec)
        if _acceptable(plaus, errors, len(sample)) and strict_errors(body, codec) == 0:
            return DecodedBody(body.decode(codec), codec, source, codec)

    # The first declaration failed (or there was none): weigh every candidate.
    candidates: list[tuple[str, str]] = list(declared[1:])
    candidates += [(c, "detected") for c in _FALLBACKS]
    guess = charset_normalizer.from_bytes(sample).best() if not is_ascii else None
    if guess is not None:
        g = resolve_charset(guess.encoding)
        if g:
            candidates.append((g, "detected"))
    seen: set[str] = {declared[0][0]} if declared else set()
    scored = []
    for order, (codec, source) in enumerate(candidates):
        if codec in seen:
            continue
        seen.add(codec)
        plaus, errors = _score(sample, codec)
        rate = errors / max(1, len(sample) / 1024)
        scored.append((errors == 0, plaus - min(rate, 5) * 0.1, -order, codec, source))
    if declared:
        codec0 = declared[0][0]
        plaus0, errors0 = _score(sample, codec0)
        scored.append((errors0 == 0, plaus0 - min(errors0 / max(1, len(sample) / 1024), 5) * 0.1, 1, codec0, declared[0][1]))
    scored.sort(reverse=True)
    _, _, _, codec, source = scored[0]
    warnings: list[str] = []
    if declared and codec != declared[0][0]:
        warnings.append("charset-overridden")
        if source != "meta":
            source = "detected"
    elif not declared:
        source = "detected"
    text, recovered, lost = decode_mixed(body, codec)
    if recovered:
        warnings.append("mixed-encoding")
    if lost:
        warnings.append("undecodable-bytes")
    return DecodedBody(text, codec, source, declared[0][0] if declared else None, tuple(warnings))


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


def _is_ascii_compatible(codec: str) -> bool:
    try:
        return "a".encode(codec) == b"a"
    except LookupError:
        return False
