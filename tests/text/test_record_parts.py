"""The record's machinery: Markdown lines and their alignment, pictures, keywords, breadcrumbs."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from pipelines.record import without_pinyin
from pipelines.text.images import PageChrome, image_candidates, place_images
from pipelines.text.structure import LineMarks, align_markdown, markdown_line, plain_of, render_markdown, split_lines
from pipelines.text.taxonomy import keyword_line_terms, page_keywords, page_section, section_from_line

URL = "https://news.example.cn/a/2024/0305/1.html"

TRICKY = [
    "# 不是标题", "> 不是引用", "- 不是列表项，只是破折号开头", "1. 不是有序列表", "2024) 年份", "+ 加号", "=====",
    "星号*强调*和_下划线_", "[方括号](链接)", "<b>标签</b> & 实体 &amp;", "反斜杠 \\ 和 `代码`", "| 不是表格",
    "![不是图片](x)", "~波浪~", "正常的一段话。",
]


@pytest.mark.parametrize("line", TRICKY)
def test_a_text_line_survives_its_markdown(line):
    assert plain_of(markdown_line(line, None)) == line


def test_marks_make_headings_and_quotes():
    marks = LineMarks({"一、背景": 2, "C# 语言": 3}, frozenset({"引用的话"}))
    assert markdown_line("一、背景", marks) == "## 一、背景"
    assert markdown_line("C# 语言", marks) == "### C\\# 语言"
    assert markdown_line("引用的话", marks) == "> 引用的话"
    assert plain_of("### C\\# 语言") == "C# 语言"


def test_align_follows_the_stripped_text_and_keeps_pictures():
    from pipelines.text.images import PlacedImage

    lines = ["当前位置：首页 > 新闻", "第一段。", "图为现场。", "第二段。", "| 甲 | 乙 |", "|---|---|", "| 1 | 2 |", "责任编辑：王芳"]
    image = PlacedImage("https://img.example.cn/a.jpg", None, "图为现场。", True, 2, True)
    md = render_markdown(lines, None, [image])
    kept = ["第一段。", "图为现场。", "第二段（修复后）。", "| 甲 | 乙 |", "|---|---|", "| 1 | 2 |"]
    aligned = align_markdown(md, "\n".join(kept))
    got = split_lines(aligned)
    assert got == ["第一段。", "![图为现场。](https://img.example.cn/a.jpg)", "图为现场。", "第二段（修复后）。", "| 甲 | 乙 |", "|---|---|", "| 1 | 2 |"]
    assert "| 甲 | 乙 |\n|---|---|\n| 1 | 2 |" in aligned  # a table's rows stay one block


PAGE = """<html><head><title>标题</title><meta property="og:image" content="/up/b.jpg"></head><body>
<div class="logo"><img src="/img/logo.png"></div>
<div class="content">
<p>第一段正文，讲述了事情的经过和背景。</p>
<p style="text-align:center"><img src="/img/loading.gif" data-original="/up/a.jpg" alt="现场"></p>
<p style="text-align:center">▲活动现场。</p>
<p>第二段正文，记者了解到更多细节。</p>
<p><img src="/up/b.jpg" width="600" height="400"></p>
<p>第三段正文。</p>
<p><img src="/up/pixel.gif" width="1" height="1"><img src="/up/qr.jpg" alt="扫码关注"></p>
</div>
<div class="side"><a href="/a/2.html"><img src="/up/c.jpg"></a><a href="/a/2.html">另一篇新闻的标题</a></div>
<div style="display:none"><img src="/up/d.jpg"></div>
</body></html>"""


def test_pictures_lazy_captioned_in_place_chrome_left_out():
    tree = lxml.html.fromstring(PAGE)
    lines = ["第一段正文，讲述了事情的经过和背景。", "▲活动现场。", "第二段正文，记者了解到更多细节。", "第三段正文。"]
    placed = place_images(image_candidates(tree, URL), lines, "https://news.example.cn/up/b.jpg")
    assert [(p.url, p.caption, p.cover, p.line) for p in placed] == [
        ("https://news.example.cn/up/a.jpg", "▲活动现场。", False, 1),
        ("https://news.example.cn/up/b.jpg", None, True, 3),
    ]


def test_chrome_marks_are_tested_once_a_distinct_value():
    """A page's pictures share their boxes and class names: the long chrome pattern runs once a
    value, with the same answer as before for every picture."""
    page = PageChrome(lxml.html.fromstring(PAGE), URL)
    assert [page.chrome_mark(m) for m in ("share-Box ", "content pic", "share-Box ", "Banner top", "content pic")] == [True, False, True, True, False]
    assert page._chrome_marks == {"share-Box ": True, "content pic": False, "Banner top": True}


@pytest.mark.parametrize("html, want", [
    ('<div class="pos">当前位置：<a href="/">首页</a> &gt; <a href="/news/">新闻中心</a> &gt; <a href="/news/jt/">集团要闻</a></div>', ["新闻中心", "集团要闻"]),
    ('<div>當前位置：<a href="/">首頁</a> &gt;&gt; <a href="/n/">新聞中心</a> &gt;&gt; 正文</div>', ["新聞中心"]),
    ('<div class="nav"><a href="/">网易首页</a> &gt; <a href="/tech/">网易科技</a> &gt; <a href="/tech/it/">互联网</a> &gt; 正文</div>', ["网易科技", "互联网"]),
    ('<div><a href="/">人民网</a>&gt;&gt;<a href="/culture/">文化</a></div>', ["文化"]),
    ('<ul class="menu"><li><a href="/a/">要闻</a></li><li><a href="/b/">体育</a></li></ul>', []),
])
def test_breadcrumbs(html, want):
    tree = lxml.html.fromstring(f"<html><head><title>某篇文章</title></head><body>{html}<p>正文</p></body></html>")
    assert page_section(tree, URL, "某篇文章") == want


@pytest.mark.parametrize("head, html, want", [
    # a forum's board and a blog's category, named by a label before the link
    ("", '<div class="bbs-author"><span>软唐知产小傅</span><span>2020.06.09 09:37</span><span>发布于</span><a href="/section/263">社区管理</a><div>12</div></div>', ["社区管理"]),
    ("", '<div class="tags-box"><span class="label">分类专栏：</span><a href="/c/9783075"># 图论</a><span class="label">文章标签：</span><a href="/t/1">倍增</a></div>', ["图论"]),
    ("", '<p><span class="fl">博主文章分类：<a href="/u_1/category1">程序员之家</a></span></p>', ["程序员之家"]),
    ("", '<div class="tags"><span>發布時間：2022-06-24</span> <span>所屬欄目：<a href="/tag676371/">國內新聞</a></span></div>', ["國內新聞"]),
    ("", '<div class="info"><span>发表于</span><a href="/t/1">2024-4-6 20:46</a></div>', []),  # a time, not a board
    ("", '<h4>文章分類</h4><a href="/c/1">遊記</a><a href="/c/2">美食</a><a href="/c/3">露營</a><a href="/c/4">親子</a>', []),  # the sidebar's list of categories
    # a breadcrumb's first crumb whose link says it is the home page names the site
    ("", '<div id="pt"><a href="./" title="首页">反恐精英Online-官方论坛</a><em>»</em><a href="forum.php">论坛首页</a> <em>›</em> <a href="forum.php?gid=1">官方讨论区</a> <em>›</em> <a href="forum.php?fid=37">建议反馈</a></div>', ["官方讨论区", "建议反馈"]),
    # a hidden breadcrumb is not shown
    ("", '<div style="display:none"><nav class="wgt-nav"><a href="/">百度知道</a> &gt; 无分类</nav></div>', []),
    # the section the page declares, when it shows none
    ('<meta property="article:section" content="社會">', "", ["社會"]),
    ('<meta itemprop="articleSection" content="焦點">', "", ["焦點"]),
    # a channel menu's entries and an id are not a section label
    ("", '<ul class="nav"><li><a class="channel-item-ps" href="/">网页</a></li><li><a class="channel-item-news" href="/n">资讯</a></li><li><a class="channel-item-video" href="/v">视频</a></li></ul>', []),
    ("", '<div id="channel_id">1001</div>', []),
    ("", '<div class="a_Info"><span class="a_catalog"><a href="/finance/">金融市场</a></span><span class="a_source">腾讯财经</span></div>', ["金融市场"]),
])
def test_sections_beyond_breadcrumbs(head, html, want):
    tree = lxml.html.fromstring(f"<html><head><title>某篇文章</title>{head}</head><body>{html}<p>正文</p></body></html>")
    assert page_section(tree, URL, "某篇文章") == want


def test_breadcrumb_and_keyword_lines():
    assert section_from_line("您现在的位置：首页 > 新闻中心 > 正文", None) == ["新闻中心"]
    assert keyword_line_terms("關鍵詞：芯片，5G、华为") == ["芯片", "5G", "华为"]
    assert keyword_line_terms("正文里提到关键词的一句话") == []


@pytest.mark.parametrize("html, want", [
    ('<div class="key-word"><span>标签 </span><a href="/s?k=1">苹果</a><a href="/s?k=2">劳动维权</a></div>', ["苹果", "劳动维权"]),
    ('<h2>标签</h2><div class="mark"><span><a href="/t/1">现金贷</a></span><span><a href="/t/2">爬虫</a></span></div>', ["现金贷", "爬虫"]),
    ('<ul class="tag-list"><li class="tag-item"><a href="/t/a">四川</a></li><li class="tag-item"><a href="/t/b">雅安</a></li></ul>', ["四川", "雅安"]),
    ('<p>文章关键词：<a href="/t/x">苹果</a><a href="/t/y">新品</a></p>', ["苹果", "新品"]),
    ('<div class="tags"><a href="/t/1">#算法</a><a href="/t/2">#佛系#</a></div>', ["算法", "佛系"]),  # hashtags' marks
    ('<div><span>标签：</span><button type="button"><span>公告</span></button><button type="button"><span>技巧</span></button></div>', ["公告", "技巧"]),
    ('<p>一段正文</p>', ["站点", "新闻"]),  # nothing shown: meta keywords
])
def test_keywords(html, want):
    tree = lxml.html.fromstring(f"<html><head><meta name='keywords' content='站点,新闻'></head><body>{html}</body></html>")
    assert page_keywords(tree) == want


def test_flattened_pinyin_leaves_short_fields():
    assert without_pinyin("行(háng)业(yè)", short=True) == "行业"
    assert without_pinyin("滟滪(yàn yù)：即滟滪滩") == "滟滪(yàn yù)：即滟滪滩"  # one gloss in a long field is content


def test_a_tracking_pixel_outside_any_block_is_read_without_failing_the_page():
    # <head><noscript><img>: lxml keeps the picture under <head>, in no block (a real page of
    # setn.com failed its whole extraction on it)
    tree = lxml.html.fromstring(
        '<html><head><noscript><img src="http://b.example.test/p?c1=2"><span>追蹤</span></noscript></head>'
        '<body><p><img src="/a.jpg">北京天安门广场</p></body></html>'
    )
    found = image_candidates(tree, "http://news.example.test/a.html")
    assert [c.url for c in found][-1] == "http://news.example.test/a.jpg"


BASES = ["http://www.example.com/a/1.html", "https://news.example.cn/x/y/z.shtml?id=1", "http://h.test/", "http://h.test",
         "http://h.test/a//b/c.html", "http://h.test/a/./b.html", "https://h.test/a;p/b.html;q?x#y", "http://h.test/dir/"]
REFERENCES = [
    "a.jpg", "img/a.jpg", "./a.jpg", "../a.jpg", "a/../b.jpg", "a:b.jpg", "c:/x.jpg", "javascript:void(0)", "a.jpg?x", ".hidden/a.jpg",
    "a//b.jpg", "中文/图.jpg", "http://x/a/../b.jpg", "/a/./b.jpg", "/a//b.jpg", "http://x//b", "http:///b", "/a?x", "/a#f", "/a;p",
    "HTTP://x/a", "https://x", "http://x", "/", "//cdn/x.jpg", "/a b.jpg", "/a\tb", "http://[::1]/a", "/中文.jpg", "http://x:80/a",
    "http://u@x/a", "", "?x", "#y", "https://img.example.cn/2024/03/a.jpg", "/upload/2024/0305/b.png", "../../images/c.gif",
]


def test_plain_join_is_urljoin():
    """The picture URL's fast join gives urljoin's URL or leaves the reference to it, on odd
    references and on every attribute value and href of a real page."""
    from urllib.parse import urljoin

    from pipelines.text.images import _plain_join, page_base

    html = (Path(__file__).resolve().parent.parent.parent / "bench" / "data" / "gne_zh" / "html").glob("*.html")
    refs = list(REFERENCES)
    for path in sorted(html)[:10]:
        tree = lxml.html.fromstring(path.read_bytes())
        refs += [v.strip() for el in tree.iter("img", "a") for v in el.attrib.values()]
    joined = 0
    for base in BASES:
        for ref in refs:
            fast = _plain_join(page_base(base), ref)
            if fast is not None:
                joined += 1
                assert fast == urljoin(base, ref), (base, ref)
    assert joined > 1000
