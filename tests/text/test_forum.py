"""A forum thread's article is its first post (楼主), told by its forum engine's markup: not the
replies with it, not the footer when the post is one short line in a layout cell."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from crawler.offline import build_stage_chain
from pipelines.text.forum import first_post, post_lines

ROOT = Path(__file__).resolve().parents[2]
FORUM_BLOG = ROOT / "bench" / "data" / "zh_forum_blog"


def _thread(post_markup: str, reply_markup: str) -> str:
    return (f"<html><head><title>求助：游戏全屏显示不全 - 论坛</title></head><body><div id='nav'><a href='/'>首页</a></div>"
            f"<div id='postlist'>{post_markup}{reply_markup}</div><div id='ft'>版权所有 不良信息举报电话</div></body></html>")


@pytest.mark.parametrize("post, reply", [
    # Discuz! X: the post is a layout cell
    ("<table><tr><td class='t_f' id='postmessage_53961'><font>我的电脑分辨率是2560*1440，全屏显示不全。</font></td></tr></table>",
     "<table><tr><td class='t_f' id='postmessage_53962'>顶，同问，我也是这样。</td></tr></table>"),
    # vBulletin
    ("<div id='post_message_101'>我的电脑分辨率是2560*1440，全屏显示不全。</div>", "<div id='post_message_102'>顶，同问，我也是这样。</div>"),
    # Baidu Tieba
    ("<div class='d_post_content j_d_post_content' id='post_content_1'>我的电脑分辨率是2560*1440，全屏显示不全。</div>",
     "<div class='d_post_content j_d_post_content' id='post_content_2'>顶，同问，我也是这样。</div>"),
    # Flarum, Discourse, XenForo
    ("<div class='Post-body'><p>我的电脑分辨率是2560*1440，全屏显示不全。</p></div>", "<div class='Post-body'><p>顶，同问，我也是这样。</p></div>"),
    ("<div class='cooked'><p>我的电脑分辨率是2560*1440，全屏显示不全。</p></div>", "<div class='cooked'><p>顶，同问，我也是这样。</p></div>"),
    ("<div class='bbWrapper'>我的电脑分辨率是2560*1440，全屏显示不全。</div>", "<div class='bbWrapper'>顶，同问，我也是这样。</div>"),
    # phpBB: the body is the content div inside div.postbody
    ("<div class='postbody'><h3>求助</h3><div class='content'>我的电脑分辨率是2560*1440，全屏显示不全。</div></div>",
     "<div class='postbody'><div class='content'>顶，同问，我也是这样。</div></div>"),
    # phpBB 3 prosilver: the content div inside div#post_content<id>
    ("<div class='postbody'><div id='post_content11'><h3>求助</h3><div class='content'>我的电脑分辨率是2560*1440，全屏显示不全。</div></div></div>",
     "<div class='postbody'><div id='post_content12'><div class='content'>顶，同问，我也是这样。</div></div></div>"),
])
def test_first_post_of_each_engine(post, reply):
    tree = lxml.html.fromstring(_thread(post, reply))
    found = first_post(tree)
    assert found is not None
    assert post_lines(found) == "我的电脑分辨率是2560*1440，全屏显示不全。"


def test_first_post_skips_an_empty_body_and_ignores_generic_names():
    tree = lxml.html.fromstring(_thread("<div class='Post-body'> </div>", "<div class='Post-body'><p>第二个帖子的正文。</p></div>"))
    assert post_lines(first_post(tree)) == "第二个帖子的正文。"
    # a blog's or a news page's generic content classes are no thread
    news = "<html><body><div class='post-content'><p>正文一。</p></div><div class='entry-content content'><p>正文二。</p></div></body></html>"
    assert first_post(lxml.html.fromstring(news)) is None


def test_post_lines_one_line_per_block_without_scripts():
    post = lxml.html.fromstring("<div class='cooked'><p>第一段</p><script>var x = 1;</script>第二行<br>第三行<ul><li>条目</li></ul></div>")
    assert post_lines(post) == "第一段\n第二行\n第三行\n条目"


@pytest.fixture(scope="module")
def chain():
    return build_stage_chain({"TEMPLATE_ENABLED": False})


@pytest.mark.parametrize("page, url", [
    # Discuz! X thread, one-line post in a cell: trafilatura returns the footer
    ("csolbbs__2", "https://csolbbs.tiancity.com/forum.php?mod=viewthread&tid=38733"),
    # Discuz! X thread with 3 replies (沙发/板凳/地板): trafilatura keeps them with the post
    ("csolbbs__1", "https://csolbbs.tiancity.com/forum.php?mod=viewthread&tid=38672"),
    # Flarum discussion: the best answer (#3) is no part of the question
    ("flarum__1", "https://discuss.flarum.org.cn/d/15648"),
    # Tieba: the topic post is the tag alone; the long text is another user's reply
    ("tieba__1", "https://tieba.baidu.com/p/8057560733"),
])
def test_real_thread_ships_its_first_post_only(chain, page, url):
    item = chain.page((FORUM_BLOG / "html" / f"{page}.html").read_bytes(), {}, url, url_is_article=True)
    assert item.text == (FORUM_BLOG / "gold" / f"{page}.txt").read_text(encoding="utf-8").strip()
    assert chain.crawler.stats.get_value("extract/fallback/forum_first_post")


def test_a_thread_read_in_auto_mode_is_no_list_of_posts(chain):
    """From a sitemap or a WARC (no article_pattern): a thread's posts, each with a user link and a
    date, are no list of teasers; the first post is shipped (the list tests refused it as 'a part
    of the list' of its posts)."""
    item = chain.page((FORUM_BLOG / "html" / "csolbbs__1.html").read_bytes(), {},
                      "https://csolbbs.tiancity.com/forum.php?mod=viewthread&tid=38672", url_is_article=None, discovered_via="sitemap")
    assert item.text == (FORUM_BLOG / "gold" / "csolbbs__1.txt").read_text(encoding="utf-8").strip()


def _discuz6_post(pid: int, uid: int, name: str, status: str, text: str) -> str:
    # Discuz! 6: the writer's cell (td.postauthor: profile link, status line, buttons) beside the post body
    return (f"<table id='pid{pid}'><tr><td class='postauthor'><cite><a href='space.php?uid={uid}' id='userinfo{pid}'>{name}</a></cite>"
            f"<p class='customstatus'>{status}</p><ul><li><a href='pm.php?action=send&uid={uid}'>发短消息</a></li></ul></td>"
            f"<td class='postcontent'><div class='postinfo'>发表于 2009-10-13 15:07 <a href='viewthread.php?tid=1&authorid={uid}'>只看该作者</a></div>"
            f"<div class='t_msgfont' id='postmessage_{pid}'>{text}</div></td></tr></table>")


def test_the_first_posts_writer_is_read_from_its_engines_byline_not_a_replys_or_a_status_line():
    from pipelines.text.article_html import parse_html
    from pipelines.text.forum import post_author

    html = _thread(_discuz6_post(280093, 2311, "空空追梦", "我有一利刃，名曰鲁迅锋", "央视再战谷歌，高也因身体原因缺席演出。"),
                   _discuz6_post(280094, 77, "散光", "昔攵光 吾射不亦精乎", "顶。"))
    tree = parse_html(html)
    assert post_author(first_post(tree)) == "空空追梦"
    # Through the crawl's chain: the writer, and no editor from the board's moderator line.
    html = html.replace("<div id='postlist'>", "<div class='moderators'>版主 编辑：张书记、上肛上腺、抑扬</div><h1>央视再战谷歌</h1><div id='postlist'>")
    item = build_stage_chain({"TEMPLATE_ENABLED": False}).page(html.encode(), {"Content-Type": ["text/html; charset=utf-8"]},
                                                               "http://www.bbs.test/viewthread.php?tid=1", site="bbs", url_is_article=True)
    assert item.authors == ["空空追梦"] and item.editor is None
