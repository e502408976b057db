"""Remove ruby pinyin: as markup before extraction, and flattened into text after.

Pages converted to traditional characters by some CMS plug-ins annotate every
converted character with its reading. As ``<ruby>`` markup it must go before
any extraction path sees the HTML (trafilatura's fallbacks leak ``<rt>`` as
"企\n(\nqǐ\n)\n業"). Flattened into text ("企業(yè)開(kāi)展") no tool removes it;
here a parenthesised group is removed only when pypinyin confirms that its
syllables are readings of the characters just before it, so "蘋果公司(Apple)",
"(記者 王明)" and "(2014年)" stay.
"""

from __future__ import annotations

import re
import unicodedata


# <rt>/<rp>/<rtc> with their content; the end tag is optional in HTML.
_RUBY_ANNOTATION = re.compile(
    r"<(rt|rp|rtc)\b[^>]*>.*?(?:</\1\s*>|(?=<rt\b|<rp\b|<rtc\b|</ruby\s*>))", re.I | re.S
)
_RUBY_WRAPPER = re.compile(r"</?(?:ruby|rb)\b[^>]*>", re.I)

_SYLLABLE = r"[a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]+[1-5]?"
# Han characters, then (reading) or （reading）, 1-4 syllables separated by spaces.
_FLAT = re.compile(
    r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{1,4})[(（]\s*(" + _SYLLABLE + r"(?:\s+" + _SYLLABLE + r"){0,3})\s*[)）]"
)


def strip_ruby_markup(html: str) -> tuple[str, int]:
    """Drop ruby annotations from HTML, keep the base text. Returns (html, annotations removed)."""
    if "<r" not in html and "<R" not in html:
        return html, 0
    html, n = _RUBY_ANNOTATION.subn("", html)
    if n:
        html = _RUBY_WRAPPER.sub("", html)
    return html, n


def _plain(syllable: str) -> str:
    """Lower case, tone marks and tone numbers removed: 'Yè' -> 'ye', 'lü4' -> 'lv'."""
    s = syllable.lower().rstrip("12345").replace("ü", "v")
    s = "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))
    return s.replace("ü", "v")


def _is_reading(chars: str, syllables: list[str]) -> bool:
    # Imported here: its dictionaries take 50 MB, and the extraction workers, which only
    # strip ruby markup, never need them.
    from pypinyin import Style, pinyin

    readings = pinyin(chars, style=Style.TONE, heteronym=True, errors="ignore")
    if len(readings) != len(chars):
        return False
    for options, syl in zip(readings, syllables):
        wanted = syl.lower()
        if wanted in options:
            continue
        # Accept a toneless or tone-numbered transcription of one of the readings.
        if _plain(wanted) not in {_plain(o) for o in options}:
            return False
    return True


MIN_GROUPS = 3  # a converted page annotates dozens of characters; one or two glosses are editorial


def remove_flattened_pinyin(text: str, min_groups: int = MIN_GROUPS) -> tuple[str, int]:
    """Remove "業(yè)"-style readings confirmed by pypinyin. Returns (text, groups removed).

    Only a page with at least ``min_groups`` confirmed readings was converted with
    annotations; an isolated gloss ("滟滪(yàn yù)：即滟滪滩") is content and stays.
    """
    if "(" not in text and "（" not in text:
        return text, 0
    confirmed: list[tuple[int, int, str]] = []
    for m in _FLAT.finditer(text):
        han, syllables = m.group(1), m.group(2).split()
        base = han[-len(syllables):] if len(syllables) <= len(han) else None
        if base and _is_reading(base, syllables):
            confirmed.append((m.start(), m.end(), han))
    if len(confirmed) < min_groups:
        return text, 0
    out, pos = [], 0
    for start, end, han in confirmed:
        out.append(text[pos:start])
        out.append(han)
        pos = end
    out.append(text[pos:])
    return "".join(out), len(confirmed)
