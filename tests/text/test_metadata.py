"""The metadata candidates and their resolution, on pages shaped like the real ones that broke
the first-found rule (bench/data: top bars, section suffixes, folded bylines, placeholders)."""

from __future__ import annotations

import lxml.html
import pytest

from pipelines.text.metadata import (
    Candidate, SiteKnowledge, dates_in_line, join_authors, labelled_values, person_names, read_metadata, resolve, strip_title,
    text_candidates,
)

BODY = "<p>" + "铝价周内震荡上行，现货升水扩大，下游采购谨慎，库存继续下降。" * 8 + "</p>"


def page(head: str = "", top: str = "", under: str = "", body: str = BODY, title: str = "铝价的中国式分级_动态焦点_中国有色网",
         h1: str = "铝价的中国式分级_动态焦点") -> lxml.html.HtmlElement:
    return lxml.html.fromstring(
        f"<html><head><title>{title}</title>{head}</head><body><div class='top'>{top}</div>"
        f"<h1>{h1}</h1><div class='info'>{under}</div><div class='content'>{body}</div></body></html>"
    )


def resolved(tree, url="http://www.cnmn.test/news/a.html", extra=(), site=None, fetched="2024-06-18T02:00:00+00:00"):
    return resolve(read_metadata(tree, url), list(extra), site, fetched, "Asia/Shanghai")


def test_a_top_bars_today_never_wins_over_the_pages_own_dates():
    tree = page(
        head='<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2005-05-04T07:27:08+08:00"}</script>'
        '<meta name="publishdate" content="2005-05-04">',
        top="<span>2024年06月18日 星期二</span>",
        under='<span class="time">2005-05-04 07:27:08</span>',
    )
    got = resolved(tree)
    assert got.published == "2005-05-04T07:27:08+08:00"
    assert got.provenance["published"] == "headline_line"
    assert got.rejected["published/today_line"] >= 1


def test_only_a_top_bar_date_gives_no_date_and_no_evidence_of_news():
    got = resolved(page(top="<span>2024年06月18日 星期二</span>"), url="http://www.cnmn.test/about.html")
    assert got.published is None and not got.dated


def test_a_date_after_the_fetch_and_dates_in_sentences_and_navigation_are_not_the_publication():
    under = "<span>发布时间：2031-01-01</span>"
    body = "<p>" + "2018年3月20日，第十三届全国人大一次会议表决通过了监察法。" * 6 + "</p><div>上一篇：今日股市行情分析--2019年8月19日</div>"
    got = resolved(page(under=under, body=body), fetched="2024-06-18T02:00:00+00:00")
    assert got.published is None
    assert got.rejected["published/after_fetch"] >= 1
    assert dates_in_line("上一篇 : 今日股市行情分析--2019年8月19日") == []


def test_comment_dates_under_a_short_post_lose_to_the_posts_own_time():
    comments = "".join(f"<div>用户{i}2021-01-01 10:3{i}:38</div>" for i in range(3))
    tree = page(under=comments + '<time datetime="2020-12-30 19:24:15">发布于 2020-12-30 19:24:15</time>', body="<p>短帖。</p>")
    assert resolved(tree).published == "2020-12-30T19:24:15+08:00"


def test_times_keep_their_offset_and_a_bare_day_takes_the_time_of_an_agreeing_candidate():
    tree = page(head='<meta property="article:published_time" content="2019-09-07T05:02:00Z">', under="<span>2019-09-07</span>")
    assert resolved(tree).published == "2019-09-07T05:02:00+00:00"


def test_modified_is_read_from_its_cue_and_never_precedes_the_publication():
    got = resolved(page(under="<span>发布时间：2019-09-07 09:25 更新时间：2019-09-08 10:00</span>"))
    assert (got.published, got.modified) == ("2019-09-07T09:25:00+08:00", "2019-09-08T10:00:00+08:00")
    got = resolved(page(under="<span>发布时间：2019-09-07 09:25 更新时间：2019-09-01 10:00</span>"))
    assert got.modified is None


def test_two_digit_years_and_yearless_times_after_the_headline():
    assert dates_in_line("发布时间：18-03-08 23:16") == [("published", "2018-03-08T23:16:00", True)]
    tree = page(head='<meta name="publishdate" content="2019-10-08">', under="<span>10-08 12:00</span>")
    assert resolved(tree).published == "2019-10-08T12:00:00+08:00"


def test_a_dated_lead_dates_a_page_without_markup():
    extra = text_candidates("【看中国2005年07月03日报道】（记者茉莉）昨日……")
    got = resolve(None, extra, None, None, "Asia/Shanghai")
    assert got.published == "2005-07-03" and got.provenance["published"] == "lead"
    assert got.authors == ["茉莉"]


def test_section_suffixes_in_h1_and_title_are_stripped_and_the_headline_kept():
    assert resolved(page()).title == "铝价的中国式分级"
    # a part only this article has stays: "_" inside a blog title with digits and brackets
    assert strip_title("新竹尖石_美樹營地賞楓 (2)", set(), (), True) == "新竹尖石_美樹營地賞楓 (2)"
    assert strip_title("中华人民共和国监察法-纪检", set(), (), True) == "中华人民共和国监察法"
    assert strip_title("关于批准发行特别国债的决议__2007年第23号国务院公报", set(), (), True) == "关于批准发行特别国债的决议"


def test_a_site_suffix_is_learned_over_the_sites_pages():
    site = SiteKnowledge(min_pages=3)
    titles = ["央行降准释放长期资金 - 财经频道", "股市午后震荡走高 - 财经频道", "人民币汇率小幅上涨 - 财经频道"]
    for n, t in enumerate(titles):
        site.observe(read_metadata(page(title=t, h1=t), f"http://s.test/{n}.html"), f"http://s.test/{n}.html")
    got = resolved(page(title="新能源车销量创新高 - 财经频道", h1="新能源车销量创新高 - 财经频道"), site=site)
    assert got.title == "新能源车销量创新高"
    # a part that is no section name (digits, a sentence) stays on a page alone
    assert resolved(page(title="新能源车销量创新高 | 一季度同比增长32%", h1="新能源车销量创新高 | 一季度同比增长32%")).title.endswith("32%")


def test_a_byline_folded_into_the_metadata_line_loses_its_neighbours_and_pinyin():
    got = resolved(page(under="<span>2005-05-04 07:27 作者：佚名點(diǎn)擊:次 来源：中国有色网</span>"))
    assert got.authors == [] and got.rejected["authors/placeholder"] >= 1
    assert got.source == "中国有色网"
    got = resolved(page(under="<span>作者: 王建國點擊:1234次</span>"))
    assert got.authors == ["王建國"]


@pytest.mark.parametrize(
    "raw, names",
    [
        ("记者 张三 李四 通讯员 王五", ["张三", "李四", "王五"]),
        ("記者 王明 通訊員 李華", ["王明", "李華"]),
        ("文/图 刘明", ["刘明"]),
        ("执笔/叨叨姐、胡一刀&李小飞刀", ["叨叨姐", "胡一刀", "李小飞刀"]),
        ("上報快訊／范姜佳鈺", ["范姜佳鈺"]),
        ("John Smith", ["John Smith"]),
        ("Discuz! Team and Comsenz UI Team", []),
        ("L_104485", []),
        ('size="20"', []),
        ("www.yunnan.cn,云南日报报业集团,云南网", []),
        ("佚名", []),
        ("网站编辑", []),
        ("admin", []),
    ],
)
def test_names_are_people(raw, names):
    assert person_names(raw).names == names


def test_the_sites_own_names_are_no_authors():
    tree = page(head='<meta name="author" content="网易"><meta property="og:site_name" content="网易新闻">', title="标题很长的一篇新闻_网易新闻",
                h1="标题很长的一篇新闻")
    got = resolved(tree)
    assert got.authors == [] and got.rejected["authors/site_name"] == 1


def test_an_outlet_named_as_source_is_no_author_and_roles_give_the_names():
    tree = page(head='<meta name="author" content="参考消息">', under="<span>来源：参考消息</span>")
    assert resolved(tree).authors == []
    got = resolved(page(under="<span>本报记者 王明 通讯员 李华</span>"))
    assert got.authors == ["王明", "李华"] and join_authors(got.authors) == "王明 李华"


def test_every_editor_line_credits_its_editor_and_a_link_named_editor_is_none():
    body = BODY + "<p>编辑|禤志杰</p><p>责编|陈梦莹</p><p>校对|黄慧敏</p>"
    got = resolved(page(body=body, under="<span>2019-08-13 14:07</span><a href='/plan'>编辑计划表</a>"))
    assert got.editor == "禤志杰 陈梦莹"
    got = resolved(page(body=BODY + "<p>摄影/张艳 编辑/苏芳</p>", under="<a href='/plan'>编辑推荐</a>"))
    assert got.editor == "苏芳"


def test_a_photographers_credit_is_no_byline():
    got = resolved(page(under="<p>资料图：市民在寒冷天气中出行。中新社记者 贾天勇 摄</p>"))
    assert got.authors == []


def test_the_text_closing_with_the_reporters_name_or_a_name_and_outlet_line():
    got = resolve(None, text_candidates("第一段。\n第二段，一年5折回购。(李楠)"), None, None, "Asia/Shanghai")
    assert got.authors == ["李楠"]
    got = resolve(None, text_candidates("石佳/中国青年报\n正文第一段。"), None, None, "Asia/Shanghai")
    assert (got.authors, got.source) == (["石佳"], "中国青年报")


def test_credits_with_roles_closing_the_text_or_under_a_summary():
    got = resolve(None, text_candidates("第一段。\n让金融更好地满足人民需要。(文/图 刘玺东 易赛楠)"), None, None, "Asia/Shanghai")
    assert got.authors == ["刘玺东", "易赛楠"]
    summary = "\n".join(f"要点{i}：数据行业整顿。" for i in range(4))
    got = resolve(None, text_candidates(summary + "\n《棱镜》作者 周纯\n正文第一段。"), None, None, "Asia/Shanghai")
    assert got.authors == ["周纯"]


def test_the_account_beside_the_articles_date_posted_it_a_related_storys_title_did_not():
    got = resolved(page(under="<p>原创 GameForce 2019-09-04 22:18:34</p><span>举报</span>"))
    assert got.authors == ["GameForce"] and got.provenance["authors"] == "account"
    got = resolved(page(under="<p>2015-07-04 08:44:22 来源: 网易财经</p><ul><li>私募部分个股现买点 2015/07/04</li></ul>"))
    assert got.authors == [] and got.source == "网易财经"


def test_an_account_named_after_the_day_under_the_headline_is_taken_whole():
    # "2019-05-17 · 苏皖城市报道" under a headline timed to the second in markup: the day is the
    # article's, and the account's name ends in 报道 without being "reported from 苏皖城市"
    head = '<meta property="article:published_time" content="2019-05-17T20:33:49+08:00">'
    got = resolved(page(head=head, under="<p>2019-05-17 · 苏皖城市报道</p>"))
    assert got.authors == ["苏皖城市报道"] and got.provenance["authors"] == "account"
    # a title before a day only is a related story's line, as before
    got = resolved(page(head=head, under="<p>来源: 网易财经</p><ul><li>私募部分个股现买点 2019/05/17</li></ul>"))
    assert got.authors == []


def test_a_two_digit_year_alone_with_its_time_is_year_month_day():
    assert dates_in_line("24-5-13 17:07") == [("published", "2024-05-13T17:07:00", False)]
    assert dates_in_line("发布时间：18-03-08 23:16") == [("published", "2018-03-08T23:16:00", True)]
    assert dates_in_line("24-5-13") == []  # no time, no cue: a score, a range
    assert dates_in_line("共有 12-3-4 5:06 的比分出现在这一场很长的比赛的记录里面") == []


def test_the_heading_above_the_articles_date_line_is_the_headline_whatever_its_tag():
    # <title> names the section ("新闻动态--中国地理学会官网"), the breadcrumb is an <h3>
    tree = lxml.html.fromstring(
        "<html><head><title>新闻动态--中国地理学会官网</title></head><body>"
        "<div class='title_la'><h3>首页 - 新闻动态</h3></div>"
        "<h5>2019年中国人文地理学术年会在重庆•西南大学成功举行！</h5>"
        "<div class='ly'><b>发布时间：2019-05-18</b> <i>来源：中国地理学会</i></div>" + BODY +
        "<h4>联系我们</h4><h5>中国地理学会</h5></body></html>"
    )
    got = resolved(tree)
    assert got.title == "2019年中国人文地理学术年会在重庆•西南大学成功举行！" and got.provenance["title"] == "dated_heading"
    # headings of one shape, each above its date line, are a teaser list: none is the headline
    items = "".join(f"<h5>第{n}条新闻的标题在这里</h5><div>发布时间：2019-05-1{n}</div>" for n in range(1, 4))
    tree = lxml.html.fromstring(f"<html><head><title>新闻动态--中国地理学会官网</title></head><body>{items}{BODY}</body></html>")
    assert resolved(tree).provenance.get("title") != "dated_heading"


@pytest.mark.parametrize("text, names", [
    ("第一段。\n羅布斯塔則主要作為即溶咖啡原料。（劉利貞／綜合外電報導）", ["劉利貞"]),
    ("第一段。\n每月都虧10萬多元。（民視新聞陳韻平、郭文海台北報導）", ["陳韻平", "郭文海"]),
    ("新頭殼newtalk2014.10.24 金名/高雄報導\n2014高雄電影節今日開幕。", ["金名"]),
    ("第一段。\n台中 嘉義 綜合報導", []),  # places, not people: no bracket, role or slash
])
def test_taiwans_credits_name_the_reporters_then_where_they_reported_from(text, names):
    assert resolve(None, text_candidates(text), None, None, "Asia/Shanghai").authors == names


def test_a_bracketed_credit_a_twelve_hour_time_and_a_list_of_outlets_under_the_headline():
    under = (
        '<div class="story_bady_info_author"><span>2014.12.13 01:06 pm</span> <a>【聯合晚報╱記者楊正海╱即時報導】</a></div>'
        "<ul><li>訂閱電子報</li><li>聯合電子報</li><li>一周大事電子報</li></ul>"
    )
    got = resolved(page(under=under), fetched=None)
    assert got.published == "2014-12-13T13:06:00+08:00"
    assert got.authors == ["楊正海"] and got.source == "聯合晚報"
    assert person_names("記者賴淑敏 蔣龍祥 台北報導").names == ["賴淑敏", "蔣龍祥"]


def test_hong_kong_pages_buttons_zones_and_agencies_are_no_names():
    tree = page(
        head='<script type="application/ld+json">{"@type":"NewsArticle","author":"香港經濟日報HKET"}</script>',
        h1="\u200b港鐵分享利潤歸入算式", title="港鐵分享利潤歸入算式",
        under="<p>2023-04-14 HKT 21:06</p><p>2023-04-14 列印 文字大小</p>",
    )
    got = resolved(tree)
    assert got.title == "港鐵分享利潤歸入算式"
    assert got.published == "2023-04-14T21:06:00+08:00"
    assert got.authors == []
    got = resolved(page(under="<p>2018-02-28 14:31 中央社 澎湖縣28日電</p>"))
    assert got.source == "中央社" and got.authors == []
    assert resolved(page(head='<meta name="articleDate" content="20230329">')).published == "2023-03-29"
    assert person_names("陳麗雯李新.周玉蔻領表 將與朱立倫PK黨魁 國民黨LIVE 陳麗雯朱立倫宣布參選黨魁").names == []


def test_a_blogs_name_after_an_at_sign_is_no_part_of_the_title_and_its_blogger_the_author():
    tree = page(head='<meta property="og:site_name" content="史蒂文的家_藍天"><meta name="author" content="史蒂文的家_藍天 (stevenhgm)">',
                title="新竹尖石_美樹營地賞楓 (2) @ 史蒂文的家_藍天 :: 痞客邦 ::", h1="新竹尖石_美樹營地賞楓 (2) @ 史蒂文的家")
    got = resolved(tree, url="http://stevenhgm.pixnet.net/blog/post/39926056")
    assert got.title == "新竹尖石_美樹營地賞楓 (2)" and got.authors == ["史蒂文的家_藍天"]
    assert resolved(tree, url="http://news.example.test/a/39926056").authors == []  # a news site's own name


def test_a_site_whose_titles_are_its_name_gives_the_first_heading_of_the_body():
    tree = lxml.html.fromstring(
        "<html><head><title>風傳媒 一個新媒體</title><meta property='og:site_name' content='風傳媒 一個新媒體'></head><body>"
        "<h3><a href='/a.html'>另一則新聞的標題在這裡</a></h3><p class='crumb'><a href='/'>首頁</a></p>"
        "<h3 class='innerBigNewsTitle'>油價跌跌不休 重挫歐美股市</h3><div>" + BODY + "</div></body></html>"
    )
    got = resolved(tree)
    assert got.title == "油價跌跌不休 重挫歐美股市" and got.provenance["title"] == "heading"


def test_the_bodys_heading_without_what_the_title_adds_after_it():
    tree = lxml.html.fromstring(
        "<html><head><title>顺德区大良街道党工委委员一行到众创金融街开展调研工作 东区办事处_中山网</title></head><body>"
        "<div class='news_title'>顺德区大良街道党工委委员一行到众创金融街开展调研工作</div>" + BODY + "</body></html>"
    )
    assert resolved(tree).title == "顺德区大良街道党工委委员一行到众创金融街开展调研工作"


def test_a_title_every_page_of_a_site_shows_is_the_sites_name():
    site = SiteKnowledge(min_pages=3)
    for i in range(3):
        tree = lxml.html.fromstring(
            f"<html><head><title>公共電視台 新聞網</title></head><body><div class='news_tit'>第{i}則新聞的標題文字</div>{BODY}</body></html>"
        )
        meta = read_metadata(tree, f"http://news.pts.test/{i}.html")
        site.observe(meta, f"http://news.pts.test/{i}.html")
    assert resolve(meta, [], site, None, "Asia/Taipei").title == "第2則新聞的標題文字"


def test_a_writer_after_the_school_and_a_reporter_noun_in_a_headline():
    assert person_names("武汉大学历史学院郭伦").names == ["郭伦"]
    body = BODY + "<ul><li>美國知名律師殺妻兒判終身監禁 記者追案促司法破除沉痾</li></ul>"
    assert resolved(page(body=body)).authors == []


def test_the_site_beside_the_date_is_the_source_and_a_video_title_is_none():
    tree = page(title="逆水寒再按照这个速度研发下去|游民星空", h1="逆水寒再按照这个速度研发下去",
                under="<span>2019-09-05 11:10 游民星空[整理]</span>")
    got = resolved(tree)
    assert got.source == "游民星空" and got.authors == []
    got = resolved(page(under="<span>2019-09-11 01:53</span><span id='J_Video_Source'>苹果发布新iPhone 11：配6种颜色</span>"))
    assert got.source is None
    got = resolved(page(under="<p>华为云开发者联盟 2022-11-23 11:30:33 博主文章分类： 程序员之家</p>"))
    assert got.authors == ["华为云开发者联盟"]
    got = resolved(page(under="<p>TNW中文站 2016年10月14日07:17 我要分享 腾讯微博</p>"))
    assert got.authors == [] and got.source == "TNW中文站"


@pytest.mark.parametrize("under, authors, source", [
    ("<p>2024-05-20 13:15 来源：央视新闻客户端 作者：青网新闻张毅</p>", ["张毅"], "央视新闻客户端"),  # a desk before the name
    ("<p>2024-05-22 00:21</p><span class='author'>香港電台-財經</span>", [], "香港電台-財經"),  # an outlet's desk: the source
    ("<p>2024-05-13 09:16 来源：光明网-《光明日报》</p>", [], "光明网-《光明日报》"),
    ("<p>2024-05-13 09:16 来源：投诉</p>", [], None),  # a button's word
])
def test_bylines_that_name_desks_outlets_and_buttons(under, authors, source):
    got = resolved(page(under=under))
    assert (got.authors, got.source) == (authors, source)


def test_an_account_named_after_the_sites_domain_is_the_site():
    tree = page(head='<meta name="author" content="sina_mobile">')
    assert resolved(tree, url="https://finance.sina.cn/2005-08-26/detail-1.html").authors == []


def test_a_date_line_whose_tooltip_repeats_it_is_read_from_its_text():
    body = BODY + '<div class="ContentItem-time"><a href="/a"><span data-tooltip="发布于 2024-04-03 09:55">发布于 2024-04-03 09:55</span></a>・IP 属地重庆</div>'
    tree = page(body=body, under="", head='<meta itemprop="dateCreated" content="2024-04-03">')
    assert resolved(tree).published == "2024-04-03T09:55:00+08:00"


def test_a_script_or_comment_ends_a_credit_line():
    # sxrb.com: the editor's line runs into a statistics comment and script in the same <div>
    script = "<script>var _hmt = _hmt || [];" + "(function() { var hm = document.createElement('script'); })();" * 60 + "</script>"
    body = BODY + f'<div class="editer"> （责任编辑：刘洋）<!--百度统计开始 2017年1月25日 diver-->{script}</div>'
    assert resolved(page(body=body)).editor == "刘洋"


def test_forum_posters_are_read_from_the_first_posts_author_element():
    tree = page(
        title="求助：铝材报价 - 论坛", h1="求助：铝材报价",
        under='<div class="authi"><a class="xw1" href="space-uid-1.html">前程往事</a></div><em>发表于 2011-5-3 10:20</em>',
        body='<div class="t_f">' + "请问各位最近的铝材报价是多少，谢谢大家的回复。" * 12 + "</div>",
    )
    got = resolved(tree)
    assert got.authors == ["前程往事"] and got.published == "2011-05-03T10:20:00+08:00"


@pytest.mark.parametrize("poster, href, authors", [
    ("1657811359", "home.php?mod=space&uid=144122", ["1657811359"]),  # a QQ number as username
    ("1657811359", "#", []),  # digits that link to no profile: an id
    ("L_104485", "home.php?mod=space&uid=144122", []),  # letters and an underscore: an id still
])
def test_a_forum_poster_named_by_digits_is_a_username_when_it_links_to_the_profile(poster, href, authors):
    tree = page(
        title="游戏全屏问题 - 论坛", h1="游戏全屏问题",
        under=f'<div class="authi"><a class="xw1" href="{href}">{poster}</a></div><em>发表于 2024-5-18 19:27:00</em>',
        body='<div class="t_f">' + "请问各位游戏全屏的问题怎么解决，谢谢大家的回复。" * 12 + "</div>",
    )
    assert resolved(tree).authors == authors


def test_a_meta_author_naming_the_pages_editor_is_no_writer():
    # chinadaily: <meta name="author" content="严玉洁"> and 【责任编辑：严玉洁】 under the text
    got = resolved(page(head='<meta name="author" content="严玉洁">', body=BODY + "<p>【责任编辑：严玉洁】</p>"))
    assert got.authors == [] and got.editor == "严玉洁" and got.rejected["authors/editor"] == 1
    got = resolved(page(head='<meta name="author" content="青网校园崔宁宁">', under="<p>编辑：崔宁宁</p>"))
    assert got.authors == []
    # a meta author the page credits as nothing else is still the writer
    assert resolved(page(head='<meta name="author" content="王明">', under="<p>编辑：崔宁宁</p>")).authors == ["王明"]


@pytest.mark.parametrize("under, source", [
    # a portal's channel named after its address and the time, a button after it
    ("<div>http://ent.QQ.com 2009年11月09日11:30 腾讯音乐 我要评论(0)</div>", "腾讯音乐"),
    ("<div>http://www.sina.com.cn 2009年11月09日13:48 新浪娱乐</div>", "新浪娱乐"),
    ("<h4><span>原创：</span><span>39健康网</span><span>2024-04-23 12:27:25</span></h4>", "39健康网"),
])
def test_the_sites_channel_or_an_outlet_beside_the_date_is_the_source(under, source):
    got = resolved(page(title="曹方新碟发布会创意无限_大陆新闻_娱乐_腾讯网" if "QQ" in under else "爱戴掀起红盖头_影音娱乐_新浪网",
                        h1="曹方新碟发布会创意无限" if "QQ" in under else "爱戴掀起红盖头", under=under))
    assert got.source == source and got.authors == []


def test_a_poster_is_no_outlet():
    assert resolved(page(under="<div>2019-09-04 10:20</div><div>海报</div>")).source is None


@pytest.mark.parametrize("line, want", [
    ("Dec 28 Sat 2013 00:28", [("published", "2013-12-28T00:28:00", False)]),  # a pixnet blog's date spans
    ("Posted on December 28, 2013 at 10:28 pm", [("published", "2013-12-28T22:28:00", True)]),
    ("Updated: Jan 3, 2014", [("modified", "2014-01-03", False)]),
    ("I may 12 2013 go there", []),  # a verb is no month
])
def test_a_blog_templates_english_date(line, want):
    assert dates_in_line(line) == want


def test_a_logos_heading_that_a_title_names_after_its_headline_shows_no_headline():
    tree = lxml.html.fromstring(
        "<html><head><title>新竹尖石_美樹營地賞楓 (2) @ 史蒂文的家_藍天 :: 痞客邦 PIXNET ::</title></head><body>"
        "<h1><a href='/'>痞客邦 PIXNET</a></h1><h1>史蒂文的家_藍天</h1><ul><li class='publish'><span>Dec </span><span>28 </span>"
        "<span>Sat </span><span>2013 </span><span>00:28</span></li><li class='title'><h2>新竹尖石_美樹營地賞楓 (2)</h2></li></ul>"
        + BODY + "<p>#1 小鳳 於 2013/12/28 10:28</p></body></html>"
    )
    got = resolved(tree, url="https://steven.pixnet.net/blog/post/1")
    assert got.title == "新竹尖石_美樹營地賞楓 (2)" and got.provenance["title"] == "h1"
    assert got.published == "2013-12-28T00:28:00+08:00"


@pytest.mark.parametrize("lead, names", [
    ("（中央社記者溫貴香台北21日電）行政院今天拍板。", ["溫貴香"]),
    ("（中央社記者王明、李華台北20日專電）美國今天宣布。", ["王明", "李華"]),
    ("（中央社台北21日電）行政院今天拍板。", []),  # the agency alone: no reporter
])
def test_a_dispatch_credit_without_a_month_names_its_reporters(lead, names):
    got = resolve(None, text_candidates(lead + "\n第二段的文字在这里。"), None, None, "Asia/Taipei")
    assert got.authors == names


def test_an_answerers_uname_under_the_question_is_the_author():
    # Baidu Zhidao: the answer under the question names its answerer in a "…-uname" span
    tree = page(
        title="中国地震预警网，他的预告精准到什么地步？_百度知道", h1="中国地震预警网，他的预告精准到什么地步？",
        under='<div><a href="https://zhidao.baidu.com/usercenter?uid=f70240"><span class="wgt-replyer-all-uname"> 青灯教育笔记 </span></a>'
        "<span>2021-10-19</span></div>",
    )
    assert resolved(tree).authors == ["青灯教育笔记"]


def test_the_one_h1_is_the_headline_when_the_body_shows_none_of_the_titles():
    # a CSDN blog saved with another article's <title>
    tree = page(
        title="Kruskal+LCA算法详解-CSDN博客", h1="NOIP2013货车运输",
        under='<a class="follow-nickName" href="https://blog.csdn.net/moon_sky1999">Xiao____Q</a>',
    )
    got = resolved(tree, url="https://blog.csdn.net/moon_sky1999/article/details/52744845")
    assert got.title == "NOIP2013货车运输" and got.provenance["title"] == "lone_h1"
    assert got.authors == ["Xiao____Q"]
    # the body shows the title: the title's headline, as before ("…_动态焦点" pages keep theirs)
    tree = page(title="铝价的中国式分级_中国有色网", h1="有色金属行情", body="<h2>铝价的中国式分级</h2>" + BODY)
    assert resolved(tree).title == "铝价的中国式分级"


def test_a_link_to_the_writers_own_blog_under_the_headline_names_the_writer():
    tree = page(
        title="window系统设置代理 | Laravel China 社区", h1="window系统设置代理",
        head='<meta name="author" content="Summer">',
        under='<a href="https://learnku.com/blog/Seven777777"><img src="a.jpg"> my38778570 的个人博客 </a><span>/ 187</span>',
    )
    assert resolved(tree, url="https://learnku.com/articles/86852").authors == ["my38778570"]


def test_a_reposts_opening_line_names_where_it_was_shared_from():
    text = "摘要：在 Karmada 最新版本 v1.3中，跨集群故障迁移特性支持优雅故障迁移。\n本文分享自华为云社区《Karmada跨集群优雅故障迁移特性解析》，作者：Karmada。\n第一段。"
    assert resolve(None, text_candidates(text), None, None, "Asia/Shanghai").source == "华为云社区"


def test_a_government_publishing_account_is_no_writer_and_a_posting_verb_still_ends_a_name():
    # thepaper's 澎湃号: the account "中国广州发布" beside its follow button
    got = resolved(page(under='<div class="author"><span>中国广州发布</span> <span>关注</span></div>'))
    assert got.authors == []
    assert person_names("张三 发布于 2020-01-01").names == ["张三"]
    assert person_names("李四 发布 2020-1-1").names == ["李四"]


@pytest.mark.parametrize("text, authors", [
    ("原创： 路闻卓立编译 人民币交易与研究\n随着低增长、低利率成为常态。", ["路闻卓立"]),  # a WeChat post on Sina
    ("原创 张三\n正文第一段。", []),  # a badge without its colon credits no one
])
def test_a_reposted_posts_original_credit_names_the_writer(text, authors):
    assert resolve(None, text_candidates(text), None, None, "Asia/Shanghai").authors == authors


def test_markup_in_another_zone_names_the_instant_a_shown_time_leaves_to_the_site():
    head = '<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2024-05-10T21:52:25+00:00"}</script>'
    got = resolved(page(head=head, under="<p>Published May 10, 2024 2:52 PM</p>", h1="Fed holds rates", title="Fed holds rates"))
    assert got.published == "2024-05-10T21:52:25+00:00"
    # the same clock time with a wrong offset is the markup's mistake: the shown time, in the site's zone
    head = '<meta property="article:published_time" content="2018-07-31T08:19:35+00:00">'
    assert resolved(page(head=head, under="<p>2018-07-31 08:19</p>")).published == "2018-07-31T08:19:00+08:00"


@pytest.mark.parametrize("byline, names", [
    ("Lisa Kaczke and Trevor Mitchell", ["Lisa Kaczke", "Trevor Mitchell"]),
    ("Sarah E. Needleman", ["Sarah E. Needleman"]),
    ("By John Smith, Jane Doe", ["John Smith", "Jane Doe"]),
])
def test_latin_names_are_read_between_their_separators(byline, names):
    assert person_names(byline).names == names


def test_candidates_are_plain_picklable_strings():
    import pickle

    tree = page(head='<script type="application/ld+json">{"@type":"NewsArticle","headline":"铝价","author":{"@type":"Person","name":"张三"}}</script>')
    meta = read_metadata(tree, "http://s.test/2024/0618/1.html")
    assert all(type(c.value) is str for c in meta.candidates)
    assert pickle.loads(pickle.dumps(meta)) == meta
    assert Candidate("published", "url", "2024-06-18") in meta.candidates


def _above_body_page(title: str, above: str) -> tuple[str, list[str]]:
    lead = "受強烈大陸冷氣團影響，明天白天北部低溫約只有13、14度，南部約17到19度。"
    html = (
        f"<html><head><title>{title}</title><meta property='og:title' content='-公視新聞網'><meta property='og:site_name' content='公視新聞網'></head><body>"
        "<table><tr><td><a href='/'>首頁</a> <a href='/life'>生活</a></td></tr>"
        f"<tr>{above}</tr><tr><td><div id='fb-root'></div><script>var a = '<td>x</td>';</script></td></tr>"
        f"<tr><td><p class='Page'><img src='a.jpg'>{lead}</p><p>{lead}</p></td></tr></table></body></html>"
    )
    return html, [lead, lead]


def test_a_headline_shown_only_above_the_body_wins_over_a_title_that_is_the_websites_name():
    from pipelines.text.article_html import parse_html
    from pipelines.text.metadata import add_heading_above_body, heading_above_body

    html, body = _above_body_page("公共電視台 新聞網", "<td align='left'>中風年輕化 劉泰英14歲孫子腦溢血</td>")
    assert heading_above_body(html, body) == "中風年輕化 劉泰英14歲孫子腦溢血"
    meta = read_metadata(parse_html(html), "http://news.pts.test/detail.php?NEENO=1", html=html)
    add_heading_above_body(meta, html, body)
    got = resolve(meta, [], None, None, "Asia/Taipei")
    assert got.title == "中風年輕化 劉泰英14歲孫子腦溢血"
    assert got.provenance["title"] == "above_body" and got.rejected["title/site_name"] == 1
    # Past its date line, its button row and its label: still the headline above the body.
    html, body = _above_body_page("中國廣播公司全球資訊網", "<td><div class='tt26'>強烈大陸冷氣團明發威 愈晚愈冷</div>"
                                  "<div class='tt27'>2014/12/11 18:58 報導</div><a href='#'>小</a> <a href='#'>大</a><div>字級大小：</div></td>")
    assert heading_above_body(html, body) == "強烈大陸冷氣團明發威 愈晚愈冷"
    # A link (a list's item, a breadcrumb) or a sentence right above the body is no headline.
    assert heading_above_body(*_above_body_page("x", "<td><a href='/n/2'>另一則新聞的標題在這裡</a></td>")) is None
    assert heading_above_body(*_above_body_page("x", "<td>這是一個很長的句子，並不是標題。</td>")) is None


def test_a_title_that_is_a_headline_is_kept_over_the_line_above_the_body():
    from pipelines.text.article_html import parse_html
    from pipelines.text.metadata import add_heading_above_body

    html, body = _above_body_page("強烈大陸冷氣團明發威 愈晚愈冷", "<td>節目表與即時新聞</td>")
    meta = read_metadata(parse_html(html), "http://news.pts.test/detail.php?NEENO=1", html=html)
    add_heading_above_body(meta, html, body)
    assert resolve(meta, [], None, None, "Asia/Taipei").title == "強烈大陸冷氣團明發威 愈晚愈冷"


def test_a_heading_that_goes_on_from_a_cut_title_is_the_headline_not_a_list_item_linking_to_the_page():
    head = "年終平均1.38月 羨慕!科技業最高30個月 尾牙最期待藝人五月天 三成企業加碼辦"
    full = head + "\u3000年終比去年多1.8天 獎金太低54%擬離職"
    tree = lxml.html.fromstring(
        f"<html><head><title>{head} - 台視新聞</title></head><body>"
        f"<dl><dd class='PostTitle'><a href='/a.htm'>{head}</a></dd><dd class='PostTitle'><a href='/b.htm'>另一則新聞</a></dd></dl>"
        f"<div id='Heading'>{full}</div><div>2014/12/12</div>{BODY}</body></html>"
    )
    assert resolved(tree, url="http://www.ttv.test/a.htm").title == full.replace("\u3000", " ")
    # A block with the headline and its byline list goes on with metadata, not with the headline.
    tree = lxml.html.fromstring(
        f"<html><head><title>{head}-中国科普网</title></head><body><div class='detil-new-title'><div>{head}</div>"
        f"<ul><li>来源：新华社</li><li>2023-12-01 14:43</li></ul></div>{BODY}</body></html>"
    )
    assert resolved(tree, url="http://www.kepu.test/a.htm").title == head


def test_a_shown_time_keeps_the_gmt_or_utc_zone_its_line_names():
    assert dates_in_line("By Sherif Saed, Wednesday, 20 November 2019 08:05 GMT") == [("published", "2019-11-20T08:05:00+00:00", False)]
    assert dates_in_line("Published May 21, 2024 4:41 PM GMT-4") == [("published", "2024-05-21T16:41:00-04:00", True)]
    assert dates_in_line("2019-11-20 08:05 (UTC+08:00)")[0][1] == "2019-11-20T08:05:00+08:00"
    assert dates_in_line("发布时间：2019-11-20 08:05 来源：新华社")[0][1] == "2019-11-20T08:05:00"  # (no zone named: the site's)


def test_an_h1_with_an_en_dash_agrees_with_the_titles_hyphen_and_json_ld_entities_are_read():
    h1 = "Star Wars Jedi: Fallen Order review – shoots for the moon, lands among the stars"
    tree = lxml.html.fromstring(
        "<html><head><title>Star Wars Jedi: Fallen Order review - shoots for the moon, lands among the stars - VG247</title>"
        '<script type="application/ld+json">{"@type":"NewsArticle","headline":"Star Wars Jedi: Fallen Order review &#8211; shoots"}</script>'
        f"</head><body><h1 class='title'>{h1}</h1><p>By Sherif Saed, Wednesday, 20 November 2019 08:05 GMT</p>{BODY}</body></html>"
    )
    meta = read_metadata(tree, "http://www.vg247.test/review")
    assert any(c.kind == "jsonld" and c.value.endswith("review – shoots") for c in meta.of("title"))
    got = resolve(meta, [], None, None, "Asia/Shanghai", chinese=False)
    assert got.title == h1 and got.provenance["title"] == "h1"
    assert got.published == "2019-11-20T08:05:00+00:00"


def test_a_title_that_names_only_the_site_matches_no_sidebar_heading_and_the_one_h1_is_the_headline():
    tree = lxml.html.fromstring(
        "<html><head><title>南生论坛</title></head><body><div class='logo'>南生论坛</div>"
        "<h1>南生运营的理念（商用）</h1><div class='author'>马亮南生</div>" + BODY +
        "<ul><li><h4 class='ant-list-item-meta-title'><span>南生论坛SpringBoot版本</span></h4></li></ul></body></html>"
    )
    got = resolved(tree, url="http://www.nansheng.test/article/2")
    assert got.title == "南生运营的理念（商用）" and got.provenance["title"] == "lone_h1"
    # A short title that is the article's own, shown whole, is still its headline.
    tree = lxml.html.fromstring(f"<html><head><title>商标审查标准</title></head><body><h2>商标审查标准</h2>{BODY}</body></html>")
    assert resolved(tree, url="http://patent.bbscloud.test/info/1").title == "商标审查标准"


def test_a_platform_account_and_a_wechat_official_account_are_the_source_not_the_writer():
    tree = page(under="<div><a class='author' href='//new.qq.test/omn/author/5183008'><div>扬眼</div><span class='qiehao'>企鹅号</span></a></div>",
                body=BODY + "<p>扬子晚报记者 张楠</p>")
    got = resolved(tree, extra=text_candidates("正文。\n扬子晚报记者 张楠"))
    assert got.source == "扬眼" and got.authors == ["张楠"]
    wechat = page(h1="三星 Galaxy S20 系列手机正式发布", title="三星 Galaxy S20 系列手机正式发布", under=(
        "<span class='rich_media_meta rich_media_meta_nickname' id='profileBt'><a href='javascript:void(0);' id='js_name'>"
        "<strong class='profile_nickname'>爱否科技</strong></a></span>"))
    got = resolved(wechat, url="https://mp.weixin.qq.test/s/abc")
    assert got.source == "爱否科技" and got.authors == []


def test_a_compilations_closing_credit_names_its_sources():
    got = resolved(page(body=BODY + "<p><strong>(综合整理自澎湃新闻、智东西、雷锋网等)</strong></p>"))
    assert got.source == "澎湃新闻、智东西、雷锋网等"


def test_a_forums_thread_starter_marked_beside_a_name_is_the_author():
    tree = lxml.html.fromstring(
        "<html><head><title>南生论坛</title></head><body><div class='topic'><p>今天面试又挂了，大家有什么建议吗？</p></div>"
        "<div class='comment'><span class='ant-comment-content-author-name'><a class='username'> 小诺抓 <span> (楼主)</span>"
        "<small class='time'>10月前</small></a></span><p>谢谢大家</p></div></body></html>"
    )
    assert resolved(tree, url="http://www.nansheng.test/topic/1").authors == ["小诺抓"]


def test_a_leads_bracketed_credit_after_xun_names_its_writers():
    got = text_candidates("本站讯（职工通讯员 李琴雯 刘会）为深入推进党建与业务工作紧密结合，弘扬我院中药特色。\n第二段。")
    assert [(c.kind, c.value) for c in got if c.field == "authors"] == [("lead", "李琴雯 刘会")]
    got = text_candidates("本报讯（记者叶婉）近日，“心成长”青少年心理健康服务项目在北京市青年宫正式启动。")
    assert [c.value for c in got if c.field == "authors"] == ["叶婉"]
    assert not [c for c in text_candidates("本报讯（2024年5月17日）近日，项目启动。") if c.field == "authors"]


def test_a_licensed_reposts_origin_is_its_source():
    body = BODY + "<p><font>本文为百略网授权网易财经《亦观察》发布，转载请注明出处。本文仅为作者观点，不代表网易立场。</font></p>"
    assert resolved(page(body=body)).source == "百略网"
    assert labelled_values("本文由虎嗅网授权转载")[0] == ("source", "虎嗅网")
    assert not labelled_values("版权所有 未经授权禁止转载")
    # A writer licenses their column too: then the name is the author's, not a source.
    assert not [v for n, v in labelled_values("本文为康斯坦丁授权网易财经《亦观察》发布") if n == "source"]


def test_a_username_in_json_ld_is_read_as_the_name_the_pages_links_to_that_user_show():
    tree = lxml.html.fromstring(
        '<html><head><title>微积分入门（真的很入门）-CSDN博客</title><script type="application/ld+json">'
        '{"@type":"BlogPosting","headline":"微积分入门（真的很入门）","author":{"@type":"Person","name":"m0_66248056"}}</script></head>'
        "<body><h1>微积分入门（真的很入门）</h1><a class='profile-href' href='https://blog.csdn.test/m0_66248056'>"
        f"<img src='a.jpg'><span class='profile-name'> 我有一些感想 </span></a>{BODY}</body></html>"
    )
    assert resolved(tree, url="https://blog.csdn.test/m0_66248056/article/details/1").authors == ["我有一些感想"]


def test_markup_times_with_fractions_keep_their_offset_and_afternoon_times_are_read():
    from pipelines.text.metadata import parse_date

    assert parse_date("2024-05-20T06:05:02.000Z") == "2024-05-20T06:05:02+00:00"
    assert parse_date("2024-05-20T06:05:02.123+08:00") == "2024-05-20T06:05:02+08:00"
    assert dates_in_line("2024年5月20日週一 下午2:05")[0][1] == "2024-05-20T14:05:00"
    assert dates_in_line("2024年5月20日 上午9:05")[0][1] == "2024-05-20T09:05:00"
    assert dates_in_line("2024年06月18日 星期二 10:25")[0][1] == "2024-06-18"  # (a top bar's clock stays a day)
    tree = page(head='<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2024-05-20T06:05:02.000Z"}</script>',
                under="<div>2024年5月20日週一 下午2:05</div>")
    assert resolved(tree, fetched="2024-06-18T02:00:00+00:00").published == "2024-05-20T06:05:02+00:00"  # (the instant: 14:05 in Taipei)


def test_a_headline_element_holding_a_button_gives_the_headline_part_and_every_editor_of_a_line_is_read():
    tree = page(title="37岁丁俊晖身价过亿，住英国富人区_360快资讯",
                h1="<span class='article__title'>37岁丁俊晖身价过亿，住英国富人区</span><div class='article-audio'>"
                   "<div class='article-audio-btn'>播报文章</div><div class='article-audio-tip'>语音播报文章，释放双眼</div></div>")
    assert resolved(tree).title == "37岁丁俊晖身价过亿，住英国富人区"
    assert labelled_values("编辑：倪仕轩 责任编辑：林涛") == [("editor", "倪仕轩 林涛")]
    assert labelled_values("选稿：许文杰") == [("editor", "许文杰")]
    assert strip_title("第二章 失乡号的船长 _《深海余烬》小说在线阅读", set(), (), True) == "第二章 失乡号的船长"


def test_a_dispatchs_bracketed_names_a_columns_role_and_a_personal_sites_owner_are_authors():
    got = text_candidates("新华社北京5月19日电（刘艺、杨吉）近日，国家发展改革委印发通知。")
    assert [(c.kind, c.value) for c in got if c.field == "authors"] == [("lead", "刘艺、杨吉")]
    assert [c.value for c in text_candidates("文丨政能亮特约评论员 韩涵\n正文第一段。") if c.field == "authors"][:1] == ["韩涵"]
    # Japanese text: "(福井)" closing a line is a place, and no Chinese byline form applies.
    assert text_candidates("グルメ界隈に名を馳せる人たちの食スケジュールと食費を全解剖するこの企画です。\n2/15 夜「織々屋」(福井)") == []
    tree = lxml.html.fromstring(
        '<html><head><title>广智救我 - 热梗鸭</title><script type="application/ld+json">{"@type":"BlogPosting","author":{"@type":"Person","name":"regengya"}}</script>'
        f"</head><body><h1>广智救我</h1><div class='meta'><span class='author'>regengya</span> 2024-08-25 22:37</div>{BODY}</body></html>"
    )
    assert resolved(tree, url="https://www.regengya.test/index.php/2024/08/25/x/").authors == ["regengya"]
    assert strip_title("夜雨_原文、翻译及赏析", set(), (), True) == "夜雨"
