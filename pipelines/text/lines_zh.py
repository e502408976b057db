"""Classify the lines of extracted Chinese news text: body, or which boilerplate.

Scrapy-free. Metadata found in boilerplate lines (source, author, editor,
publication time) is returned as fields, so it leaves the text but is kept.
Simplified and traditional text alike: lines are matched in simplified form.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from pipelines.text import patterns_zh as P
from pipelines.text.article_html import text_weight
from pipelines.text.normalise import HAN_RUN, ScriptConverter, count_chars, is_chinese_text, sentence_weight
from pipelines.text.ruby import MIN_GROUPS, remove_flattened_pinyin

_WS = re.compile(r"\s+")
_BULLET = re.compile(r"^[-*•·●◆■▪►>]+\s*")
_TRIM = " \t\u3000|｜·•-—:：,，;；()（）[]【】"


@dataclass
class LineVerdict:
    kind: str | None  # None: body text
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class StripResult:
    text: str
    title: str | None
    removed: Counter[str] = field(default_factory=Counter)  # lines removed per kind
    chars_removed: int = 0
    pinyin_removed: int = 0
    fields: dict[str, str] = field(default_factory=dict)  # source, author, editor, published


class BoilerplateClassifier:
    def __init__(self, converter: ScriptConverter | None = None) -> None:
        self.converter = converter or ScriptConverter()

    def _normalise(self, line: str) -> str:
        norm = self.converter.t2s.convert(unicodedata.normalize("NFKC", line)).strip()
        return _BULLET.sub("", norm)  # "- 附件:" and "· 分享到" are the same cues

    def _normalise_lines(self, lines: list[str]) -> list[str]:
        """``_normalise`` of every line with one NFKC and one OpenCC call for the whole text
        (per-line calls cost more than the conversion; neither crosses a line break)."""
        converted = self.converter.t2s.convert(unicodedata.normalize("NFKC", "\n".join(lines))).split("\n")
        if len(converted) != len(lines):
            return [self._normalise(line) for line in lines]
        return [_BULLET.sub("", c.strip()) for c in converted]

    def _field(self, pattern: re.Pattern[str], norm: str, original: str) -> str | None:
        m = pattern.search(norm)
        if not m:
            return None
        value = m.group(1)
        # Report the value in the page's own script when the conversion kept offsets.
        nfkc = unicodedata.normalize("NFKC", original).strip()
        if len(nfkc) == len(norm):
            value = nfkc[m.start(1) : m.end(1)]
        value = value.strip(_TRIM)
        return value or None

    def classify(self, line: str, norm: str | None = None) -> LineVerdict:
        """The kind of one line; ``norm`` is its ``_normalise`` when the caller has it."""
        if norm is None:
            norm = self._normalise(line)
        if not norm:
            return LineVerdict("empty")
        for kind, pattern, max_len in P.LINE_PATTERNS:
            if (max_len is None or len(norm) <= max_len) and pattern.search(norm):
                return LineVerdict(kind, self._fields(kind, norm, line))
        cues = P.META_CUES.findall(norm)
        if len(norm) <= 120 and (len(cues) >= 2 or (cues and P.META_CUES.match(norm) and len(norm) <= 60 and not norm.endswith("。"))):
            # A metadata header, unless it reads like a sentence (ends with 。 and has no colon cue).
            return LineVerdict("meta", self._fields("meta", norm, line))
        return LineVerdict(None)

    def _fields(self, kind: str, norm: str, original: str) -> dict[str, str]:
        out: dict[str, str] = {}
        if kind in ("meta", "editor"):
            for name, pattern in (("source", P.FIELD_SOURCE), ("author", P.FIELD_AUTHOR), ("editor", P.FIELD_EDITOR)):
                value = self._field(pattern, norm, original)
                if value:
                    out[name] = value
            m = P.FIELD_DATETIME.search(norm)
            if m:
                out["datetime"] = "|".join(g or "" for g in m.groups())
        elif kind in ("keywords", "breadcrumb"):
            out[kind] = original  # parsed into the keywords / section fields (pipelines/text/taxonomy.py)
        elif kind == "byline":
            nfkc = unicodedata.normalize("NFKC", original).strip().strip("()（）")
            value = re.sub(r"^(?:文|记者|記者|作者|撰文|通讯员|通訊員|摄影|攝影|图|圖|文图|文圖|图文|圖文)[\s/:：]+", "", nfkc).strip()
            if value:
                out["author"] = value
        return out

    def strip(self, text: str, title: str | None = None, lines_too: bool = True) -> StripResult:
        """Remove pinyin readings and boilerplate lines; collect their metadata.
        ``lines_too=False``: only the title repeat and pinyin (for non-Chinese text)."""
        text, pinyin = remove_flattened_pinyin(text)
        if title:
            # A title is short: annotate it when the body was annotated.
            title, more = remove_flattened_pinyin(title, min_groups=1 if pinyin else MIN_GROUPS)
            pinyin += more
        result = StripResult(text="", title=title, pinyin_removed=pinyin)
        kept: list[str] = []
        title_key = _WS.sub("", title or "")
        lines = [line for line in (_EDIT_LINK.sub("", _WS.sub(" ", raw).strip()) for raw in text.split("\n")) if line]
        norms = self._normalise_lines(lines) if lines_too else [None] * len(lines)
        for line, norm in zip(lines, norms):
            if title_key and not kept and _WS.sub("", line) == title_key:
                result.removed["title"] += 1
                result.chars_removed += len(line)
                continue
            verdict = self.classify(line, norm) if lines_too else LineVerdict(None)
            if verdict.kind is None:
                kept.append(line)
                continue
            result.removed[verdict.kind] += 1
            result.chars_removed += len(line)
            for name, value in verdict.fields.items():
                result.fields.setdefault(name, value)
        kept, teasers = drop_teaser_runs(kept) if lines_too else (kept, 0)
        if teasers:
            result.removed["teasers"] += teasers
            result.chars_removed += 0  # counted by line only: the lines are gone
        result.text = "\n".join(kept)
        return result


_MIN_BODY_SENTENCES = 20  # Han characters of body sentences a candidate needs to be taken for them
_SHORT_TEXT_WEIGHT = 120  # words: below this, precision mode's stripped text is checked against the other
_SUBSTANTIAL_LINE = 8  # words: shorter lines are labels (发布于, 分享, 举报, a user name)


def _clearly_more(other_sentences: int, sentences: int) -> bool:
    return other_sentences >= _MIN_BODY_SENTENCES and other_sentences > 2 * sentences


def _substance(text: str) -> int:
    """The weight of the text's lines of substance: UI labels and user names left out."""
    return sum(w for w in (text_weight(line) for line in text.split("\n")) if w >= _SUBSTANTIAL_LINE)


def strip_article(
    classifier: BoilerplateClassifier, text: str, title: str | None, alternative: str | None
) -> tuple[StripResult, str | None]:
    """The boilerplate stage's work on an extracted article: (what is left, the fallback taken:
    None, or the kind of evidence for which trafilatura's default-mode ``alternative`` text was
    taken instead). A Chinese boilerplate classifier: other languages' lines pass untouched
    (their copyright lines are part of the article, as the English gold standards have them).

    The safety net's second half, decided on the stripped texts: precision mode's text was
    suspect (short, or missing the page's paragraphs) and default mode's came along. The other
    is the article when
    - most of the first is boilerplate by this classifier (a disclaimer, the footer, a comment
      count: ``boilerplate_evidence``) or what is left of it has next to no body sentences (a
      channel list, a ranking: ``sentence_evidence``), and the other has clearly more body
      sentences;
    - or what is left of the first is short and the other has at least three times as much
      text in lines of substance as the first had before stripping (``default_mode``: no UI
      labels counted).
    Default mode's extra teasers, comments and chrome never replace a short article."""
    # (precision mode may have kept only an English footer of a Chinese page: the other tells)
    chinese = is_chinese_text(text) or bool(alternative and is_chinese_text(alternative))
    result = classifier.strip(text, title, lines_too=chinese)
    if not (alternative and chinese):
        return result, None
    kept = text_weight(result.text)
    sentences = sentence_weight(result.text)
    mostly_boilerplate = kept * 2 <= text_weight(text)
    no_body = sentences * 2 < kept or not kept
    short = kept < _SHORT_TEXT_WEIGHT
    if not (mostly_boilerplate or no_body or short):
        return result, None
    other = classifier.strip(alternative, title)
    if (mostly_boilerplate or no_body) and _clearly_more(sentence_weight(other.text), sentences):
        return other, "boilerplate_evidence" if mostly_boilerplate else "sentence_evidence"
    if short and _substance(other.text) >= 3 * max(1, text_weight(text)):
        return other, "default_mode"
    return result, None


_CUE_CHARS = re.compile(r"[来來源时時间間编編作者文日期年稿记記\d]")
_EDIT_LINK = re.compile(r"\s*\[(?:编辑|編輯|edit|编辑源代码|編輯原始碼)\]$", re.I)  # wiki section headers
_SENTENCE_END = tuple("。！？!?.」”\"』）)…:：；;摄")  # a caption ends with its photographer (摄)


def drop_teaser_runs(lines: list[str], min_run: int = 3) -> tuple[list[str], int]:
    """Remove runs of cut-off teasers: 3+ consecutive lines of near-equal length,
    most of them stopping mid-sentence, as related-article blocks truncate their
    summaries at a fixed width. Real paragraphs do not come in equal lengths.

    Unless the rest of the text stops mid-sentence as well: then the lines are the
    author's own (a blog's hard-wrapped lines between photos, pauses as spaces, no
    sentence ends), of which runs of equal length are only the longer stretches."""
    drop = [False] * len(lines)
    # Fixed-width truncation is counted in characters: only CJK-dominant lines qualify.
    cjk = [count_chars(HAN_RUN, line) * 2 > len(line) for line in lines]
    i = 0
    while i < len(lines):
        if not cjk[i]:
            i += 1
            continue
        lo = hi = len(lines[i])
        j = i + 1
        while j < len(lines) and lo >= 30 and cjk[j]:
            n = len(lines[j])
            if max(hi, n) - min(lo, n) > max(6, 0.1 * max(hi, n)):
                break
            lo, hi = min(lo, n), max(hi, n)
            j += 1
        run = lines[i:j]
        cut = sum(not line.rstrip().endswith(_SENTENCE_END) for line in run)
        if len(run) >= min_run and lo >= 30 and cut * 3 >= len(run) * 2:
            for k in range(i, j):
                drop[k] = True
            i = j
        else:
            i += 1
    if any(drop) and _hard_wrapped([line for line, d, c in zip(lines, drop, cjk) if c and not d]):
        return lines, 0
    kept = [line for line, d in zip(lines, drop) if not d]
    return kept, len(lines) - len(kept)


_MIN_WRAPPED_LINES = 5  # lines of prose outside the runs that tell the text's own style
_WRAPPED_LINE = 15  # characters: shorter lines are labels and captions, not prose


def _hard_wrapped(others: list[str]) -> bool:
    """The text outside the teaser runs stops mid-sentence too: most of its lines of prose
    end without a sentence end (an article's paragraphs end with one, teasers do not). List
    items and table rows (trafilatura's "- " and "|") are no prose: a ranking is no style."""
    prose = [line for line in others if len(line) >= _WRAPPED_LINE and not line.startswith(("- ", "* ", "|"))]
    cut = sum(not line.rstrip().endswith(_SENTENCE_END) for line in prose)
    return len(prose) >= _MIN_WRAPPED_LINES and cut * 3 >= len(prose) * 2
