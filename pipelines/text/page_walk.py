"""What the record reader reads of the whole page (pipelines/text/record.py), read once.

Scrapy-free. The record's readers need, from the whole page: its pictures and links
(images.py), its meta tags, headings and quotes (taxonomy.py, structure.py), the short body
texts with a keywords or breadcrumb cue, the elements whose class or id marks a tag,
breadcrumb or section box, and the links with a ``rel`` (taxonomy.py).

What made that cost 3 ms a page was not the XPaths but lxml's element proxies: every element
an XPath or a walk hands to Python, a text node's parent included, gets a Python object made
through lxml.html's class lookup (a Python call), and freed again when the reader is done
with it, to be made anew by the next one. So the walk first makes the tree's proxies once,
in a list (``nodes``, the same list the hard-wrap joiner walks next: it uses this one), and
keeps them alive while the readers run; every XPath below then finds its elements made. On
the throughput bench's pages (about 700 nodes), ``//body//text()`` costs 0.38 ms with its
parents made fresh and 0.23 ms with them alive, a walk 0.23 and 0.03 ms.

The lists are those of the XPaths and ``tree.iter(tag)`` the readers used, in the same order:
``cue_texts`` the text nodes of ``//body//text()`` that pass the cue test, outside scripts and
styles; ``marked`` the elements of ``//@class|//@id`` that pass the mark test; ``rel_links``
``//a[@rel]``; ``anchors`` every ``<a>`` (the pictures' chrome test indexes their hrefs). The XPaths cover the whole document, which can hold more than the tree (a page
of two <html> documents parses into two top-level elements); the pictures, meta tags and
headings are the tree's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from lxml import etree

_HEADING_OR_QUOTE = ("h1", "h2", "h3", "h4", "h5", "h6", "blockquote")
_BODY_TEXTS = etree.XPath("//body//text()")
_CLASS_OR_ID = etree.XPath("//@class|//@id")
_REL_LINKS = etree.XPath("//a[@rel]")
_NOT_SHOWN = ("script", "style")
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden")  # (lower-cased)


class CueText(NamedTuple):
    text: str
    element: etree._Element  # the element whose text (or tail) it is
    is_tail: bool

    @property
    def owner(self) -> etree._Element | None:
        """The element that holds the text: the element itself, or its parent for a tail."""
        return self.element.getparent() if self.is_tail else self.element


@dataclass
class PageWalk:
    nodes: list[etree._Element] = field(default_factory=list)  # list(tree.iter()): every node's proxy, kept alive
    images: list[etree._Element] = field(default_factory=list)  # <img>, in document order
    metas: list[etree._Element] = field(default_factory=list)  # <meta>
    headings: list[etree._Element] = field(default_factory=list)  # h1-h6 and blockquote
    anchors: list[etree._Element] | None = None  # every <a>, when the tree is the whole document (else None)
    rel_links: list[etree._Element] = field(default_factory=list)  # <a rel=...>
    cue_texts: list[CueText] = field(default_factory=list)
    marked: list[tuple[etree._Element, str]] = field(default_factory=list)  # (element, "class id")


def walk_page(
    tree: etree._Element, cue: re.Pattern[str], cue_hint: re.Pattern[str], max_cue_text: int, mark: re.Pattern[str], mark_hint: re.Pattern[str]
) -> PageWalk:
    """What the record readers read of the whole page. A body text is a cue text when it is at
    most ``max_cue_text`` characters and ``cue`` finds something in it; an element is marked
    when ``mark`` finds something in its class or its id. The hints are fast first tests:
    ``cue_hint`` finds something in every text ``cue`` does, ``mark_hint`` in the lower-cased
    value of every class or id ``mark`` does."""
    walk = PageWalk(nodes=list(tree.iter()))  # (first: the proxies every XPath below then finds)
    walk.images = list(tree.iter("img"))
    walk.metas = list(tree.iter("meta"))
    walk.headings = list(tree.iter(*_HEADING_OR_QUOTE))
    if _whole_document(tree):
        walk.anchors = list(tree.iter("a"))
        walk.rel_links = [a for a in walk.anchors if a.get("rel") is not None]
    else:
        walk.rel_links = _REL_LINKS(tree)
    for node in _BODY_TEXTS(tree):
        if len(node) <= max_cue_text and cue_hint.search(node) and cue.search(node):
            element = node.getparent()
            owner = element.getparent() if node.is_tail else element
            if owner is not None and owner.tag not in _NOT_SHOWN:
                walk.cue_texts.append(CueText(str(node), element, node.is_tail))
    seen: set[etree._Element] = set()
    for value in _CLASS_OR_ID(tree):
        if mark_hint.search(value.lower()) and mark.search(value):
            element = value.getparent()
            if element not in seen:
                seen.add(element)
                walk.marked.append((element, (element.get("class") or "") + " " + (element.get("id") or "")))
    return walk


def _whole_document(tree: etree._Element) -> bool:
    """The tree is its document's only element at the top (what ``//`` reads is the tree's)."""
    root = tree.getroottree().getroot()
    return tree is root and not any(isinstance(top.tag, str) for top in (*root.itersiblings(preceding=True), *root.itersiblings()))


def in_hidden_box(el: etree._Element) -> bool:
    """The element is inside a hidden box (a pop-up's QR code, a template's spare picture)."""
    for box in (el, *el.iterancestors()):
        style = box.get("style")
        if style and _HIDDEN.search(style.lower()):
            return True
    return False
