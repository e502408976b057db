"""The record reader's one walk gives what the XPaths and tree walks it replaced gave, in order."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from pipelines.text.article_html import parse_html
from pipelines.text.taxonomy import _BOX_MARK, _CUE, _MAX_CUE_TEXT, scan_page

ROOT = Path(__file__).resolve().parent.parent.parent
PAGES = sorted((ROOT / "bench" / "data" / "gne_zh" / "html").glob("*.html")) + sorted((ROOT / "bench" / "data" / "zh_news_more" / "html").glob("*.html"))

_BODY_TEXTS = etree.XPath("//body//text()")
_CLASS_OR_ID = etree.XPath("//@class|//@id")
_RELS = etree.XPath("//a[@rel]")

TRICKY = [
    # a tail after its element's descendants: <span>…<a>首页</a></span> &gt; comes after 首页
    "<html><body><div><span>当前位置：<a href='/'>首页</a></span> &gt; <a href='/n'>新闻</a> &gt; 正文</div></body></html>",
    # script and style texts, a comment's tail, a text right in the body
    "<html><body>首页 &gt; 新闻<script>var a = '首页>';</script><!-- 关键词 -->标签：铝<style>.tag{}</style>"
    "<p class='Tag-list' id='crumb'>Tags: <a rel='tag' href='/t/1'>铝</a></p></body></html>",
    # two documents in one page (parse_html reads the second into the body, as a browser does)
    "<html><head><meta name='keywords' content='铝'></head><body><h1>标题</h1><img src='/a.jpg'></body></html>"
    "<html><body><div class='BreadcrumbNav'>首页 &gt; 公报</div><img src='/b.jpg'><a rel='tag' href='/t'>铜</a></body></html>",
    # a long text is no cue text; an upper-case mark is not a box mark
    "<html><body><p>" + "首页" * 150 + "</p><div class='TAG'>TAG</div><div id='position'>位置</div></body></html>",
]


def expected(tree):
    cues = []
    for node in _BODY_TEXTS(tree):
        if len(node) <= _MAX_CUE_TEXT and _CUE.search(node):
            owner = node.getparent().getparent() if node.is_tail else node.getparent()
            if owner is not None and owner.tag not in ("script", "style"):
                cues.append((str(node), node.getparent(), node.is_tail))
    marked, seen = [], set()
    for attr in _CLASS_OR_ID(tree):
        if _BOX_MARK.search(attr) and attr.getparent() not in seen:
            el = attr.getparent()
            seen.add(el)
            marked.append((el, (el.get("class") or "") + " " + (el.get("id") or "")))
    return {
        "cue_texts": cues, "marked": marked, "rel_links": _RELS(tree), "images": list(tree.iter("img")), "metas": list(tree.iter("meta")),
        "headings": list(tree.iter("h1", "h2", "h3", "h4", "h5", "h6", "blockquote")), "nodes": list(tree.iter()),
    }


def walked(tree):
    walk = scan_page(tree)
    return {
        "cue_texts": [(c.text, c.element, c.is_tail) for c in walk.cue_texts], "marked": walk.marked, "rel_links": walk.rel_links,
        "images": walk.images, "metas": walk.metas, "headings": walk.headings, "nodes": walk.nodes,
    }


@pytest.mark.parametrize("html", TRICKY, ids=range(len(TRICKY)))
def test_walk_gives_what_the_xpaths_gave(html):
    tree = parse_html(html)
    assert walked(tree) == expected(tree)


def test_walk_gives_what_the_xpaths_gave_on_real_pages():
    assert len(PAGES) >= 100
    for path in PAGES:
        tree = parse_html(path.read_bytes().decode("utf-8", errors="replace"))
        assert walked(tree) == expected(tree), path.name


def test_two_documents_in_one_page():
    # Markup after an early </html> is read into the body, as a browser does (parse_html, since
    # 162f733): the second document's picture and links are the tree's own too.
    tree = parse_html(TRICKY[2])
    got = walked(tree)
    assert [c[0] for c in got["cue_texts"]] == ["标题", "首页 > 公报"] and [el.get("class") for el, _ in got["marked"]] == ["BreadcrumbNav"]
    assert [img.get("src") for img in got["images"]] == ["/a.jpg", "/b.jpg"] and len(got["rel_links"]) == 1
