"""One walk over a parsed page for the record reader (pipelines/text/record.py).

Scrapy-free. The record's readers need, from the whole page: its pictures (images.py), its
meta tags, headings and quotes (taxonomy.py, structure.py), the short body texts with a
keywords or breadcrumb cue, the elements whose class or id marks a tag, breadcrumb or
section box, and the links with a ``rel`` (taxonomy.py). Each was a walk or an XPath of its
own. On the throughput bench's pages (about 600 elements and 440 texts) a walk in Python
costs 0.4 ms, and every XPath that hands back text or attribute nodes costs as much again
(each node becomes a Python string with its parent element), so all of them are read in one
walk, which looks at a text or an attribute only when a cheap test lets it through.

What the walk gives is what the XPaths and ``tree.iter(tag)`` gave, in the same order:
``cue_texts`` are the text nodes of ``//body//text()`` that pass the cue test, outside scripts
and styles, in document order (a tail after its element's descendants), ``marked`` the
elements of ``//@class|//@id`` that pass the mark test, ``rel_links`` ``//a[@rel]``: these
three over the whole document, which can hold more than the tree (a page of two <html>
documents parses into two top-level elements); the pictures, meta tags and headings are the
tree's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import chain
from typing import Iterator, NamedTuple

from lxml import etree

_HEADING_OR_QUOTE = frozenset(("h1", "h2", "h3", "h4", "h5", "h6", "blockquote"))
_NOT_SHOWN = ("script", "style")


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
    nodes: list[etree._Element] = field(default_factory=list)  # every node of the tree, as list(tree.iter())
    images: list[etree._Element] = field(default_factory=list)  # <img>, in document order
    metas: list[etree._Element] = field(default_factory=list)  # <meta>
    headings: list[etree._Element] = field(default_factory=list)  # h1-h6 and blockquote
    rel_links: list[etree._Element] = field(default_factory=list)  # <a rel=...>
    cue_texts: list[CueText] = field(default_factory=list)
    marked: list[tuple[etree._Element, str]] = field(default_factory=list)  # (element, "class id")


def walk_page(
    tree: etree._Element, cue: re.Pattern[str], cue_hint: re.Pattern[str], max_cue_text: int, mark: re.Pattern[str], mark_hint: re.Pattern[str]
) -> PageWalk:
    """The page's record inputs in one walk. A body text is a cue text when it is at most
    ``max_cue_text`` characters and ``cue`` finds something in it; an element is marked when
    ``mark`` finds something in its class or its id. The hints are fast first tests: ``cue_hint``
    finds something in every text ``cue`` does, ``mark_hint`` in the lower-cased value of every
    class or id ``mark`` does."""
    walk = PageWalk()
    found: list[tuple[tuple[float, int], CueText]] = []
    body = body_end = None  # while in a body: the body, and the node after its subtree (None: the end)
    own, own_end = False, None  # in the tree's subtree, and the node after it
    for i, node in enumerate(_document(tree)):
        if body is not None and node is body_end:
            body = None
        if own and node is own_end:
            own = False
        elif node is tree:
            own, own_end = True, _after(tree)
        in_body = body is not None
        if own:
            walk.nodes.append(node)
        tag = node.tag
        if isinstance(tag, str):
            if not own:
                pass
            elif tag == "img":
                walk.images.append(node)
            elif tag == "meta":
                walk.metas.append(node)
            elif tag in _HEADING_OR_QUOTE:
                walk.headings.append(node)
            if tag == "a" and node.get("rel") is not None:
                walk.rel_links.append(node)
            elif tag == "body" and not in_body:
                body, body_end, in_body = node, _after(node), True
            cls, eid = node.get("class"), node.get("id")
            if (cls and mark_hint.search(cls.lower()) and mark.search(cls)) or (eid and mark_hint.search(eid.lower()) and mark.search(eid)):
                walk.marked.append((node, (cls or "") + " " + (eid or "")))
            if in_body:
                text = node.text
                if text and len(text) <= max_cue_text and tag not in _NOT_SHOWN and cue_hint.search(text) and cue.search(text):
                    found.append(((i + 0.5, 0), CueText(text, node, False)))
        if in_body and node is not body:  # (the tail of a node inside the body; the body's own is not)
            tail = node.tail
            if tail and len(tail) <= max_cue_text and cue_hint.search(tail) and cue.search(tail):
                parent = node.getparent()
                if parent is not None and parent.tag not in _NOT_SHOWN:
                    # after the node's descendants, an inner node's tail before an outer one's
                    found.append(((i + sum(1 for _ in node.iterdescendants()) + 0.75, -i), CueText(tail, node, True)))
    found.sort(key=lambda kv: kv[0])
    walk.cue_texts = [c for _, c in found]
    return walk


def _document(tree: etree._Element) -> Iterator[etree._Element]:
    """Every node of the tree's document in document order (its top-level nodes' subtrees)."""
    root = tree.getroottree().getroot()
    tops = [*reversed(list(root.itersiblings(preceding=True))), root, *root.itersiblings()]
    return tops[0].iter() if len(tops) == 1 else chain.from_iterable(top.iter() for top in tops)


def _after(el: etree._Element) -> etree._Element | None:
    """The first node after ``el``'s subtree in document order."""
    while el is not None:
        nxt = el.getnext()
        if nxt is not None:
            return nxt
        el = el.getparent()
    return None
