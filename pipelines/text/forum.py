"""A forum thread's first post (楼主), told by the markup of the forum software that made it.

Scrapy-free. A thread page holds the opening post and its replies in one repeated
structure; extractors (trafilatura, readability) weigh text and take the replies with the
post, or a footer when the post is one short line in a cell. The post bodies of the forum
engines that run most forums carry the engine's own class or id, the same on every site
that runs it (Discuz! powers most Chinese forums): the first of them is the post, however
short, and the thread's article (the bench's gold rule: the 楼主 post, never the replies).
Names of one engine only, never a site's or a generic ``content``: a news page's
``post-content`` or ``entry-content`` is no thread.
"""

from __future__ import annotations

import copy
import re

import lxml.html
from lxml import etree

# Post bodies, per engine (class tokens or id prefixes they write on every post):
#   Discuz! X / 7 (td.t_f#postmessage_<pid>), vBulletin (#post_message_<id>), phpwind
#   (div.tpc_content, #read_tpc), Baidu Tieba (div.d_post_content#post_content_<id>), Flarum
#   (div.Post-body), Discourse (div.cooked), XenForo (div.bbWrapper inside article.message-body),
#   phpBB (div.content in div.postbody, or in prosilver's div#post_content<id> there), NodeBB
#   ([component="post/content"]), Invision Community ([data-role="commentContent"]).
_POST_BODY = etree.XPath(
    "//body//*["
    "starts-with(@id, 'postmessage_') or starts-with(@id, 'post_message_') or @id = 'read_tpc'"
    " or starts-with(@id, 'post_content_')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' tpc_content ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' d_post_content ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' Post-body ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' cooked ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' bbWrapper ')"
    " or (contains(concat(' ', normalize-space(@class), ' '), ' content ')"
    "     and (contains(concat(' ', normalize-space(../@class), ' '), ' postbody ')"
    "          or contains(concat(' ', normalize-space(../../@class), ' '), ' postbody ')))"
    " or @component = 'post/content' or @data-role = 'commentContent'"
    "]"
)
_WS = re.compile(r"\s+")


def first_post(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The first forum post body of the page that has text, or None (no forum engine's
    post markup: not a thread, or a forum this module does not know)."""
    for el in _POST_BODY(tree):
        if _WS.sub("", el.text_content()):
            return el
    return None


def post_document(post: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """A document whose body is a copy of the post alone, for the extractor to read."""
    doc = lxml.html.document_fromstring("<html><head></head><body></body></html>")
    holder = doc.body.makeelement("article")
    body = copy.deepcopy(post)
    body.tail = None
    if body.tag in ("td", "th"):  # (Discuz!'s post is a layout cell: no table row to write)
        body.tag = "div"
    holder.append(body)
    doc.body.append(holder)
    return doc


_BLOCK_TAGS = ("p", "div", "br", "li", "tr", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "table")


def post_lines(post: lxml.html.HtmlElement) -> str:
    """The post's visible text, one line per block, for a post the extractor returns nothing
    for (one short line, an emoji or a tag). Scripts and styles left out."""
    post = copy.deepcopy(post)
    for el in list(post.iter("script", "style", "noscript", "textarea", "template")):
        if el is not post:
            el.drop_tree()
    for el in post.iter(*_BLOCK_TAGS):
        el.tail = "\n" + (el.tail or "")
        if el.tag != "br":
            el.text = "\n" + (el.text or "")
    lines = (_WS.sub(" ", line).strip() for line in post.text_content().split("\n"))
    return "\n".join(line for line in lines if line)
