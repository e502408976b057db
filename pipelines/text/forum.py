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


# A byline's element among a post's own parts (Discuz! 6's td.postauthor, Discuz! X's div.authi,
# vBulletin's and phpBB's a.username, Tieba's p_author_name, Flarum's PostUser-name)
_AUTHOR_PART = re.compile(r"author(?!ity)|user-?_?name|(?<![a-z])uname|poster|authi|PostUser", re.I)
_PROFILE_HREF = re.compile(r"[?&]uid=\d|/(?:u|user|users|member|members|space|people|home|profile)/|space-uid-|mod=space|space\.php", re.I)
_MAX_LEVELS = 8  # how far up from the post body its own container is looked for


def post_author(post: lxml.html.HtmlElement) -> str | None:
    """The writer of the thread's first post: the link to a profile in a byline of the post's
    own container (the nearest ancestor of its body that holds one before the body and no
    second post). None when the engine's markup shows none."""
    marks = {(post.tag, post.get("class"))}
    el = post
    for _ in range(_MAX_LEVELS):
        el = el.getparent()
        if el is None:
            return None
        if sum(1 for x in el.iter(post.tag) if (x.tag, x.get("class")) in marks) > 1:
            return None  # (up past the post: its container holds the replies too)
        for part in el.iter():
            if part is post:
                break  # (a byline after the body is a reply's, or the post's footer)
            if not isinstance(part.tag, str) or not _AUTHOR_PART.search(" ".join(filter(None, (part.get("class"), part.get("id"))))):
                continue
            # (the link to the writer's profile: not the part's buttons, "只看该作者", nor its "发表于 …")
            pick = next((a for a in part.iter("a") if _PROFILE_HREF.search(a.get("href") or "") and _WS.sub("", a.text_content())), None)
            if pick is None:
                continue
            name = _WS.sub(" ", pick.text_content()).strip()
            if 1 <= len(name) <= 40:
                return name
    return None
