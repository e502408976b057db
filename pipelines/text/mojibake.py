"""Find and repair text that was decoded with the wrong codec.

Three shapes are common on Chinese pages:
- UTF-8 bytes read as GBK: "浼佷笟鏂伴椈" (repairable: encode gb18030, decode utf-8);
- UTF-8 bytes read as Latin-1/cp1252: "ä¼ä¸" (repairable: encode cp1252/latin-1, decode utf-8);
- GBK bytes read as UTF-8, or U+FFFD written back as GBK: "锟斤拷", "�" (lost: flag only).
A line is repaired only when the re-decode is strict and clearly more plausible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipelines.text.charset import text_plausibility
from pipelines.text.normalise import count_chars

_KUNKAO = re.compile(r"锟斤拷|烫烫烫|屯屯屯")
# Bytes lost in a conversion: "確?;顒尤〉脤嵭?" (確保活動取得實效) - a '?' where a character's
# bytes were dropped, then the next byte read as ';'. Prose never writes "?;" between Han characters.
_LOST_BYTES = re.compile(r"[\u3400-\u9fff]\?;[\u3400-\u9fff]")
_LATIN1_SOUP = re.compile(r"[\u00c0-\u00ff][\u0080-\u00bf\u2018-\u203a\u0152-\u0192]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


@dataclass(frozen=True)
class MojibakeReport:
    text: str
    repaired_lines: int = 0
    garbage_share: float = 0.0  # share of characters that are still garbage after repair
    lost_bytes: int = 0  # places where a conversion dropped bytes: unrepairable, however few

    @property
    def suspected(self) -> bool:
        return self.garbage_share > 0.05 or self.lost_bytes > 0


def _try(line: str, encode_as: str, decode_as: str) -> str | None:
    try:
        return line.encode(encode_as).decode(decode_as)
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None


def repair_line(line: str) -> str | None:
    """The repaired line, or None when the line is fine or cannot be repaired."""
    if not _NON_ASCII.search(line):
        return None
    before = text_plausibility(line)
    if before >= 0.97 and not _LATIN1_SOUP.search(line):
        return None
    for enc, dec in (("gb18030", "utf-8"), ("cp1252", "utf-8"), ("latin-1", "utf-8")):
        fixed = _try(line, enc, dec)
        if fixed and fixed != line and text_plausibility(fixed) >= max(0.9, before + 0.2):
            return fixed
    return None


def garbage_chars(line: str) -> float:
    """How many characters of ``line`` are garbage (an estimate)."""
    bad = line.count("\ufffd") + 3 * len(_KUNKAO.findall(line)) + 2 * len(_LATIN1_SOUP.findall(line))
    non_ascii = count_chars(_NON_ASCII_RUN, line)
    if non_ascii:
        # Real Chinese text scores >= 0.96; text read with the wrong codec 0.4-0.75.
        plaus = text_plausibility(line)
        bad += non_ascii * max(0.0, 0.9 - plaus) / 0.9
    return min(bad, len(line))


def check_text(text: str) -> MojibakeReport:
    """Repair what can be repaired line by line, and measure what stays garbage."""
    lost = len(_LOST_BYTES.findall(text)) if "?;" in text else 0
    if "\ufffd" not in text and not _KUNKAO.search(text) and text_plausibility(text) >= 0.97:
        return MojibakeReport(text, lost_bytes=lost)  # clean text, the common case: no per-line work
    lines = text.split("\n")
    repaired = 0
    for i, line in enumerate(lines):
        fixed = repair_line(line)
        if fixed is not None:
            lines[i] = fixed
            repaired += 1
    out = "\n".join(lines)
    total = max(1, len(out))
    return MojibakeReport(out, repaired, sum(garbage_chars(l) for l in lines) / total, lost)
