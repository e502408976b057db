"""Pager reading and page joining (pipelines/text/pager.py), on parsed pages as read_page parses them."""

from __future__ import annotations

import pytest

from pipelines.text.metadata import Candidate, PageMetadata
from pipelines.text.article_html import ExtractedArticle, parse_html
from pipelines.text.pager import is_pager_line, join_pages, join_texts, page_number, read_pager

BASE = "http://news.example.cn"


@pytest.mark.parametrize("first, url, n", [
    ("/x/content_12345.htm", "/x/content_12345_2.htm", 2),
    ("/x/12345.html", "/x/12345-3.html", 3),
    ("/x/1002/index.html", "/x/1002/index_1.html", 1),  # page 2, as the URL writes it
    ("/x/1002/", "/x/1002/index_2.html", 2),
    ("/x/1002/", "/x/1002/2/", 2),
    ("/x/123.html", "/x/123/page/2", 2),
    ("/show.php?id=5", "/show.php?id=5&page=2", 2),
    ("/show.php?id=5&p=1", "/show.php?id=5&p=3", 3),
    ("/n/2001.html", "/n/2001.html?pn=2", 2),
    ("/a/c_5_1.htm", "/a/c_5_2.htm", 2),  # a first page that carries its own number
])
def test_page_urls_of_a_story(first, url, n):
    assert page_number(BASE + first, BASE + url) == n


@pytest.mark.parametrize("first, url", [
    ("/x/content_201.htm", "/x/content_202.htm"),  # the next article, not a page
    ("/x/content_201.htm", "/x/content_201.htm"),  # itself
    ("/show.php?id=5", "/show.php?id=6&page=2"),  # another article's page
    ("/show.php?id=5", "/show.php?id=5&sort=new"),  # not a page parameter
    ("/x/content_201.htm", "/y/content_201_2.htm"),  # another folder
    ("/a/c_5.htm", "/a/c_6.htm"),
])
def test_other_urls_are_not_pages(first, url):
    assert page_number(BASE + first, BASE + url) is None
    assert page_number(BASE + first, "http://other.example.cn" + url) is None


def page(body: str, head: str = "") -> object:
    return parse_html(f"<html><head>{head}</head><body><div class='article'><p>正文第一段，内容足够长。</p></div>{body}</body></html>")


def test_first_page_finds_its_next_page_in_each_pager_form():
    u = BASE + "/x/content_201.htm"
    for pager in (
        '上一页 1 <a href="content_201_2.htm">2</a> <a href="content_201_3.htm">3</a> <a href="content_201_2.htm">下一页</a>',
        '[1] [<a href="content_201_2.htm">2</a>] [<a href="content_201_2.htm">下一頁</a>]',
        '第1页 <a href="content_201_2.htm">第2页</a> 共2页',
        '<a href="content_201_2.htm">2</a>',  # numbers only: the next number
    ):
        got = read_pager(page(pager), u)
        assert got is not None and got.next_url == BASE + "/x/content_201_2.htm" and got.first_url is None, pager
    got = read_pager(page("", '<link rel="next" href="?page=2">'), BASE + "/show.php")
    assert got.next_url == BASE + "/show.php?page=2"


def test_next_article_links_are_never_pages():
    u = BASE + "/x/content_201.htm"
    body = ('下一篇：<a href="content_202.htm">山西铝业召开安全生产工作会议</a> <a rel="next" href="content_202.htm">下一篇</a>'
            ' <a href="content_202.htm">下一页</a> <a href="content_200.htm">上一篇</a>')
    assert read_pager(page(body), u) is None
    assert read_pager(page(body), BASE + "/x/content_202.htm") is None  # and no page is taken for a later page


def test_list_pagination_of_another_url_is_not_this_articles():
    body = '<a href="/news/index_2.html">2</a> <a href="/news/index_2.html">下一页</a>'
    assert read_pager(page(body), BASE + "/news/2023/1004.html") is None


def test_a_later_page_reached_alone_names_its_first_page():
    body = '<a href="content_201_2.htm">上一页</a> <a href="content_201.htm">1</a> <a href="content_201_2.htm">2</a> 3 下一页'
    got = read_pager(page(body), BASE + "/x/content_201_3.htm")
    assert got.first_url == BASE + "/x/content_201.htm" and got.next_url is None
    assert got.story_urls >= {BASE + "/x/content_201.htm", BASE + "/x/content_201_2.htm"}
    # Followed from the first page, the same page is page 3 of the story and ends it.
    got = read_pager(page(body), BASE + "/x/content_201_3.htm", BASE + "/x/content_201.htm", 3)
    assert got.first_url is None and got.next_url is None
    # index form: index_1.html is page 2 of .../index.html
    body = '<a href="index.html">第1页</a> 第2页 <a href="index_2.html">第3页</a> <a href="index_2.html">下一页</a>'
    got = read_pager(page(body), BASE + "/x/1002/index_1.html")
    assert got.first_url == BASE + "/x/1002/index.html"


def test_a_looping_pager_points_back_to_a_page_read():
    body = '<a href="index.html">第1页</a> <a href="index_1.html">第2页</a> 第3页 <a href="index.html">下一页</a>'
    got = read_pager(page(body), BASE + "/x/1002/index_2.html", BASE + "/x/1002/index.html", 3)
    assert got.next_url == BASE + "/x/1002/index.html"  # the spider's seen set stops it


def test_pages_without_a_pager():
    assert read_pager(page("<a href='/'>首页</a> <a href='/about.html'>关于我们</a>"), BASE + "/x/content_201.htm") is None
    assert read_pager(None, BASE + "/x/content_201.htm") is None


@pytest.mark.parametrize("line", ["上一页 1 2 3 下一页", "[1] [2] [下一页]", "第2页 共3页", "上一頁 1 2 下一頁", "1 2 3"])
def test_pager_lines(line):
    assert is_pager_line(line)


@pytest.mark.parametrize("line", ["2014", "第2页的内容是这样的。", "下一篇：铝价上涨", "共有3家企业参加"])
def test_text_lines_are_not_pager_lines(line):
    assert not is_pager_line(line)


def test_join_keeps_order_drops_pagers_and_lines_of_every_page_once():
    texts = ["导语一句。\n第一段。\n上一页 1 2 3 下一页", "导语一句。\n第二段。\n[1] [2] [下一页]", "导语一句。\n第三段。\n第3页 共3页"]
    assert join_texts(texts) == "导语一句。\n第一段。\n第二段。\n第三段。"
    # a line on two of three pages is text, kept where it is
    assert join_texts(["甲。", "乙。\n丙。", "丙。\n丁。"]) == "甲。\n乙。\n丙。\n丙。\n丁。"


def test_join_pages_keeps_the_first_pages_metadata():
    first_meta = PageMetadata([Candidate("authors", "headline_line", "王明")])
    one = ExtractedArticle("标题", "第一段。", "2024-01-01", "http://a/1.htm", "zh", 1, fallbacks=("a",), metadata=first_meta)
    two = ExtractedArticle("标题(2)", "第二段。", None, "http://a/1_2.htm", "zh", 2, fallbacks=("a", "b"), metadata=PageMetadata())
    got = join_pages([one, two])
    assert (got.title, got.date, got.canonical_url, got.metadata) == ("标题", "2024-01-01", "http://a/1.htm", first_meta)
    assert got.text == "第一段。\n第二段。" and got.link_lines_removed == 3 and got.fallbacks == ("a", "b")
    assert got.alternative is None


def test_join_pages_leaves_unread_record_fields_unread():
    """RECORD_FIELDS off: the pages' fields are null (not read), and so are the story's."""
    unread = dict(markdown=None, images=None, keywords=None, section=None, description=None)
    pages = [ExtractedArticle("标题", f"第{n}段。", None, f"http://a/1_{n}.htm", "zh", **unread) for n in (1, 2)]
    got = join_pages(pages)
    assert (got.markdown, got.images, got.keywords, got.section, got.description) == (None,) * 5
    read = [ExtractedArticle("标题", "第一段。", None, "http://a/1.htm", "zh", keywords=["铝"], images=[]),
            ExtractedArticle("标题", "第二段。", None, "http://a/1_2.htm", "zh", keywords=["铜"], images=[])]
    assert join_pages(read).keywords == ["铝", "铜"] and join_pages(read).images == []
