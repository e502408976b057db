"""Site profiles, Scrapy-free (pipelines/text/profile.py): locators, block lines, learning, the fast path."""

from __future__ import annotations

from collections import deque

import pytest

from pipelines.text.article_html import ExtractConfig, parse_html
from pipelines.text.extract_pool import extract_page
from pipelines.text.profile import (
    Observation, Plan, ProfileBook, ProfileReport, block_lines, describe, fast_extract, find_blocks, locator_of, read_with_plan,
    shingle_f1, url_shape,
)

CONFIG = ExtractConfig(include_tables=True, favor_precision=True)
SENTENCES = [
    "今年以来，全省有色金属行业坚持稳中求进工作总基调，主要产品产量保持增长，企业效益持续改善。",
    "电解铝企业加快节能降碳改造，吨铝综合交流电耗同比下降，清洁能源使用比例明显提高。",
    "再生铝产业规模不断扩大，回收体系逐步完善，一批重点项目建成投产并形成新的增长点。",
    "铜加工企业积极开拓新能源汽车和储能市场，高端产品占比提升，出口订单保持稳定。",
    "行业协会表示，下一步将加强运行监测和政策引导，推动产业向高端化、智能化、绿色化发展。",
    "多家企业负责人认为，原材料价格波动仍是当前经营面临的主要风险，需要加强套期保值管理。",
]


def article(k: int, block: str = '<div class="content" id="content_{n}">{body}</div>', paras: int = 4) -> str:
    body = "".join(f"<p>{SENTENCES[(k + i) % len(SENTENCES)]}{SENTENCES[(k + i + 2) % len(SENTENCES)]}</p>" for i in range(paras))
    return (
        f"<html><head><title>行业快讯第{k}期_有色资讯网</title><meta name='keywords' content='有色'></head><body>"
        f"<div class='nav'><a href='/'>首页</a> <a href='/news/'>新闻</a></div>"
        f"<div class='main'><h1>行业快讯第{k}期</h1><div class='info'>2024-03-0{1 + k % 9} 10:00 来源：有色资讯网</div>"
        + block.format(n=10000 + k, body=body)
        + "<div class='share'>分享到：<a href='#'>微信</a> <a href='#'>微博</a></div></div>"
        "<div class='footer'>版权所有 有色资讯网 京ICP备12345678号</div></body></html>"
    )


def read(book: ProfileBook, k: int, html: str, site: str = "s", known: bool = True):
    url = f"http://www.s.test/news/2024/{k}.html"
    plan = book.plan(site, url, known)
    result, report = read_with_plan(html, url, CONFIG, known, parse_html(html), 0, plan, extract_page)
    if report.fast_text is not None and result[0] == "ok":
        report.audit_f1 = shingle_f1(report.fast_text, result[1].text)
    events = book.report(site, url, result[0], report)
    return result, report, events


def test_a_locator_masks_numbered_ids_and_finds_the_block_on_another_page():
    first, second = parse_html(article(1)), parse_html(article(2))
    block = first.xpath("//div[@class='content']")[0]
    locator = locator_of(block)
    assert describe(locator) == "body > div.main > div#content_#.content"
    found = find_blocks(second, locator)
    assert len(found) == 1 and found[0].get("id") == "content_10002"
    assert find_blocks(parse_html(article(3, '<section class="text">{body}</section>')), locator) == []


def test_block_lines_split_at_blocks_and_br_and_skip_scripts_recommendations_and_link_lists():
    tree = parse_html(
        "<html><body><div id='a'>导语文字<p>第一段<b>加粗</b>文字</p>第二段<br>第三段<script>var x=1;</script>"
        "<div class='xgxw'><a href='/1'>相关新闻一</a></div><ul><li><a href='/2'>铜价回落市场观望情绪浓厚</a> 2024-01-01</li>"
        "<li><a href='/3'>铝锭库存连续三周下降</a> 2024-01-02</li></ul><table><tr><td>单元格</td></tr></table></div></body></html>"
    )
    assert block_lines(tree.xpath("//div[@id='a']")[0]) == ["导语文字", "第一段加粗文字", "第二段", "第三段", "单元格"]


def test_url_shapes_mask_digits_and_keep_query_keys():
    assert url_shape("http://a.test/news/2014/1027/1001.html") == "/news/#/#/#.html"
    assert url_shape("http://a.test/show.aspx?id=12&page=2") == "/show.aspx?id&page"


def test_a_site_is_learned_after_n_agreeing_pages_then_read_fast_with_the_full_paths_text():
    book = ProfileBook(min_pages=3, audit_every=100)
    for k in range(3):
        result, report, events = read(book, k, article(k))
        assert report.path == "full" and report.observation is not None
        assert describe(report.observation.locator) == "body > div.main > div#content_#.content"
        assert ("learned" in events) == (k == 2)
    for k in range(3, 8):
        html = article(k)
        result, report, events = read(book, k, html)
        assert report.path == "fast" and events == ["fast"]
        full = extract_page(html, f"http://www.s.test/news/2024/{k}.html", CONFIG, True)
        assert result[1].text == full[1].text  # the same lines as trafilatura's
        assert result[1].title == full[1].title and result[1].metadata == full[1].metadata
        assert result[1].canonical_url == full[1].canonical_url and result[1].date == full[1].date


def test_fewer_than_n_pages_or_disagreeing_pages_are_never_trusted():
    book = ProfileBook(min_pages=3, audit_every=100)
    for k in range(2):
        read(book, k, article(k))
    assert book.fast_profile("s") is None
    # Pages where the full path's text lies mostly outside the block never agree.
    loc = (("body", "", ""), ("div", "", "x"))
    for _ in range(5):
        book._learn(book.site("t"), Observation(loc, total=500, missing=100, cut=(), kept=(1, 2), paragraphs=4, dated=True))
    assert book.fast_profile("t") is None


def test_guards_send_unusual_pages_to_the_full_path():
    book = ProfileBook(min_pages=3, audit_every=100)
    for k in range(3):
        read(book, k, article(k))
    # The block is gone (a redesign): full path, counted by reason; no page lost.
    result, report, events = read(book, 10, article(10, '<section class="text">{body}</section>'))
    assert report.path == "full" and report.guard == "block_missing" and "guard/block_missing" in events
    assert result[0] == "ok" and "电解铝" in result[1].text or "有色" in result[1].text
    # The block holds far less than the site's articles do.
    result, report, events = read(book, 11, article(11, paras=1).replace(SENTENCES[(11 + 2) % 6], ""))
    assert report.path == "full" and report.guard == "too_short"


def test_a_failed_audit_forgets_the_block_and_the_site_is_relearned():
    book = ProfileBook(min_pages=3, audit_every=2)
    for k in range(3):
        read(book, k, article(k))
    paths = [read(book, k, article(k))[1].path for k in range(3, 7)]
    assert paths == ["fast", "audit", "fast", "audit"]
    # A page whose block now holds a teaser while the article moved elsewhere.
    teaser = '<div class="content" id="content_{n}"><p>本期导读：' + SENTENCES[0] * 4 + "</p></div><div class='article'>{body}</div>"
    events = []
    for k in range(7, 20):
        html = article(k, teaser, paras=5)
        _, report, got = read(book, k, html)
        events += got
    assert "audit_disagreed" in events
    assert "relearned" in events
    confident = book.site("s").confident()
    assert confident and describe(confident[0].locator) != "body > div.main > div#content_#.content"


def test_without_an_article_pattern_only_the_sites_article_url_shapes_take_the_fast_path():
    book = ProfileBook(min_pages=3, audit_every=100)
    for k in range(3):
        read(book, k, article(k), known=False)
    assert book.plan("s", "http://www.s.test/news/2024/99.html", False).profile is not None
    assert book.plan("s", "http://www.s.test/list_2.html", False).profile is None  # never seen as an article
    for _ in range(3):
        book.report("s", "http://www.s.test/news/2024/list.html", "not_article", None)
    assert book.plan("s", "http://www.s.test/news/2024/list.html", False).profile is None


def test_the_book_round_trips_through_json():
    book = ProfileBook(min_pages=3, audit_every=100)
    for k in range(4):
        read(book, k, article(k))
    again = ProfileBook(min_pages=3, audit_every=100)
    again.load_site("s", book.site_to_json("s"))
    assert again.fast_profile("s") == book.fast_profile("s")
    assert again.site("s").records.keys() == book.site("s").records.keys()


def test_fast_extract_never_changes_the_tree():
    book = ProfileBook(min_pages=3, audit_every=100)
    for k in range(3):
        read(book, k, article(k))
    tree = parse_html(article(5))
    from lxml import etree

    before = etree.tostring(tree)
    found, guard, _ = fast_extract(tree, "http://www.s.test/news/2024/5.html", CONFIG, True, book.fast_profile("s"))
    assert found is not None and guard is None
    assert etree.tostring(tree) == before


def test_bad_book_parameters_are_refused():
    with pytest.raises(ValueError, match="min_pages"):
        ProfileBook(min_pages=1)
    with pytest.raises(ValueError, match="audit_every"):
        ProfileBook(audit_every=0)
    _ = (deque, ProfileReport, Plan)
