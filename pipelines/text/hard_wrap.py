"""Hard-wrapped text: runs of fixed-width lines that continue each other are one paragraph.

Scrapy-free. Forum and blog posts pasted from a BBS or a word processor keep the
author's line breaks: every line 30-40 characters, each in its own ``<p>`` or after a
``<br>``, often inside ``<font>`` in a table cell. trafilatura then sees hundreds of short
blocks and prunes most of them, and the lines it keeps look like a run of cut-off teasers
(equal lengths, no sentence end) to the boilerplate classifier. Joined into the paragraphs
they are, they read as the article they are.

A container's run is hard-wrapped when it has at least ``MIN_LINES`` lines, most of them
"full" (their display width near the run's widest, a CJK character counting two as a
fixed-width editor counts it) and most of them ending without a sentence end. Inside such
a run, a line continues into the next unless the next one opens a paragraph (an indent or
a list marker), or the line ends a sentence without filling the width (a paragraph's last
line). Blank lines (an empty ``<p>``, ``<br><br>``) always end a paragraph.
"""

from __future__ import annotations

import re
import unicodedata

import lxml.html

from pipelines.text.normalise import HAN_RUN, count_chars

MIN_LINES = 6
_MIN_WIDTH, _MAX_WIDTH = 40, 120  # display width of the run's full lines (20-60 CJK characters)
_FULL = 0.8  # a line at least this share of the run's width is full
_MIN_FULL_SHARE = 0.6  # share of the run's lines that are full
_MAX_LINK_SHARE = 0.2  # a run of headlines is a list, not a text
_SENTENCE_END = tuple("。！？!?」』”\"…；;:：")
# A paragraph's first line: indented (full-width or no-break spaces, or two spaces), or a
# list or section marker (一、 2. （3） •).
_OPENS_PARAGRAPH = re.compile(r"^(?:[\u3000\xa0]|  |[（(]?[一二三四五六七八九十\d]{1,3}[、.．)）](?!\d)|[-*•·●◆■▪►])")
_NO_SPACE = re.compile(r"\s+")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")
# Blocks a line of a <p> run may not hold (then it is no line but a section of the page).
_BLOCK_TAGS = {"p", "div", "table", "ul", "ol", "li", "blockquote", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6", "pre"}


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _continues(lines: list[str], width: int) -> list[bool]:
    """For each line but the last: does the next line continue it?"""
    out = []
    for line, following in zip(lines, lines[1:]):
        stripped = line.rstrip()
        if not stripped or not following.strip() or _OPENS_PARAGRAPH.match(following.lstrip("\r\n\t")):
            out.append(False)
            continue
        full = display_width(stripped) >= _FULL * width
        out.append(full or not stripped.endswith(_SENTENCE_END))
    return out


def _run_width(lines: list[str]) -> int | None:
    """The run's wrap width when its lines are hard-wrapped, else None."""
    texts = [l.strip() for l in lines if l.strip()]
    if len(texts) < MIN_LINES:
        return None
    # Chinese text: English and other alphabetic texts are wrapped at word boundaries, and
    # their runs of similar paragraphs or short items read well apart.
    joined = "".join(texts)
    if count_chars(HAN_RUN, joined) * 2 < len(_NO_SPACE.sub("", joined)):
        return None
    widths = sorted(display_width(t) for t in texts)
    width = widths[int(0.9 * (len(widths) - 1))]  # the widest, but for a stray long line
    if not _MIN_WIDTH <= width <= _MAX_WIDTH:
        return None
    full = sum(w >= _FULL * width for w in widths)
    cut = sum(not t.endswith(_SENTENCE_END) for t in texts)
    if full < _MIN_FULL_SHARE * len(texts) or cut * 2 < len(texts):
        return None
    if max(widths) > 2 * width:  # a real paragraph among them: not one wrapped text
        return None
    return width


def _glue(left: str, right: str) -> str:
    """What goes between two joined lines: nothing between CJK, a space between words."""
    if left and right and _ASCII_WORD.match(left[-1]) and _ASCII_WORD.match(right[0]):
        return " "
    return ""


def _line_paragraphs(parent: lxml.html.HtmlElement) -> list[list[lxml.html.HtmlElement]]:
    """Runs of consecutive ``<p>`` children holding one line each (no blocks inside)."""
    runs: list[list[lxml.html.HtmlElement]] = [[]]
    for child in parent:
        is_line = child.tag == "p" and not any(d.tag in _BLOCK_TAGS for d in child.iterdescendants())
        if is_line and not (child.tail or "").strip():
            runs[-1].append(child)
        else:
            if is_line:
                runs[-1].append(child)
            runs.append([])
    return [run for run in runs if len(run) >= MIN_LINES]


def _join_p_run(run: list[lxml.html.HtmlElement]) -> int:
    lines = [p.text_content() for p in run]
    linked = sum(len(a.text_content().strip()) for p in run for a in p.iter("a"))
    if linked > _MAX_LINK_SHARE * sum(len(l.strip()) for l in lines):
        return 0
    width = _run_width(lines)
    if width is None:
        return 0
    joined = 0
    head = run[0]
    for p, goes_on in zip(run[1:], _continues(lines, width)):
        if not goes_on:
            head = p
            continue
        # Move p's content to the end of head, then drop p.
        last = head[-1] if len(head) else None
        text = (p.text or "").strip()
        if last is not None:
            last.tail = (last.tail or "").rstrip()
            last.tail += _glue(last.tail or last.text_content(), text) + text
        else:
            head.text = (head.text or "").rstrip()
            head.text += _glue(head.text, text) + text
        for child in list(p):
            head.append(child)
        if len(head):
            head[-1].tail = (head[-1].tail or "").rstrip() or None
        p.drop_tree()
        joined += 1
    return joined


def _join_br_lines(parent: lxml.html.HtmlElement) -> int:
    """Lines of ``parent``'s own text separated by ``<br>`` children: the ``<br>`` between a
    line and the one that continues it is removed, and the two texts are joined."""
    brs = [c for c in parent if c.tag == "br"]
    if len(brs) + 1 < MIN_LINES:
        return 0
    # The lines: the text up to the first <br>, then each <br>'s tail (inline children
    # between two <br> make the line more than text: such containers are left alone).
    children = list(parent)
    if any(c.tag != "br" and isinstance(c.tag, str) for c in children):
        return 0
    lines = [parent.text or ""] + [br.tail or "" for br in brs]
    width = _run_width(lines)
    if width is None:
        return 0
    joined = 0
    for i, goes_on in enumerate(_continues(lines, width)):
        if not goes_on:
            continue
        br = brs[i]
        prev = brs[i - 1] if i else None
        left = (prev.tail if prev is not None else parent.text) or ""
        right = (br.tail or "").strip()
        left = left.rstrip()
        merged = left + _glue(left, right) + right
        if prev is not None:
            prev.tail = merged
        else:
            parent.text = merged
        br.tail = None
        parent.remove(br)
        brs[i] = prev  # type: ignore[assignment]  # the next line's left side is the merged text
        joined += 1
    return joined


def join_hard_wrapped(tree: lxml.html.HtmlElement, nodes: list[lxml.html.HtmlElement] | None = None) -> int:
    """Join hard-wrapped lines into paragraphs in place; returns how many line breaks went.
    ``nodes``: ``list(tree.iter())`` when the caller has it (the record reader's walk)."""
    joined = 0
    for parent in nodes if nodes is not None else list(tree.iter()):
        if not isinstance(parent.tag, str) or len(parent) < MIN_LINES - 1 or parent.tag in ("script", "style", "head"):
            continue
        for run in _line_paragraphs(parent):
            joined += _join_p_run(run)
        joined += _join_br_lines(parent)
    return joined
