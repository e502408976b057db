"""Extraction safety nets (issue 14): legacy layouts keep every paragraph, known articles are
never dropped for their form, and a page's chrome is not shipped as its article."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.offline import DropItem, build_stage_chain
from pipelines.text.article_html import ExtractConfig, NotArticleReason, extract_article, is_link_line, own_post, paragraph_block, parse_html, parse_lenient, reveal_read_more, unwrap_attachment_links

ROOT = Path(__file__).resolve().parents[2]
LEGACY = ROOT / "tests" / "fixtures" / "legacy_layouts"
LEGACY_CASES = json.loads((LEGACY / "expected.json").read_text(encoding="utf-8"))
GNE = ROOT / "bench" / "data" / "gne_zh"
CONFIG = ExtractConfig(include_tables=True, favor_precision=True)


@pytest.fixture(scope="module")
def chain():
    return build_stage_chain({"TEMPLATE_ENABLED": False})


@pytest.mark.parametrize("name", sorted(LEGACY_CASES))
def test_legacy_layout_keeps_every_paragraph(chain, name):
    case = LEGACY_CASES[name]
    body = (LEGACY / f"{name}.html").read_bytes()
    item = chain.page(body, {"content-type": f"text/html; charset={case['charset']}"},
                      "http://www.example.test/news/2011-09/16/content_1.htm", url_is_article=True)
    lines = item.text.split("\n")
    # every paragraph, the first one included, each a line of its own, in order, nothing else
    assert lines == case["paragraphs"], name
    assert item.title == case["title"]


def test_known_article_without_title_takes_its_first_heading(chain):
    html = "<html><head><meta charset='utf-8'></head><body><div class='nav'><a href='/'>首页</a></div>" \
           "<h1>山西铝厂完成年度生产任务</h1><div class='art'>" + "".join(
               f"<p>第{i}段：今年以来，山西铝厂全体干部职工攻坚克难，提前完成了全年各项生产经营任务，产量创历史新高。</p>" for i in range(3)
           ) + "</div></body></html>"
    item = chain.page(html.encode(), {}, "http://www.example.test/a/1.html", url_is_article=True)
    assert item.title == "山西铝厂完成年度生产任务"
    assert item.text.startswith("第0段")


def test_known_article_without_any_title_keeps_a_null_title(chain):
    html = "<html><body><div class='art'>" + "".join(
        f"<p>第{i}段：今年以来，山西铝厂全体干部职工攻坚克难，提前完成了全年各项生产经营任务，产量创历史新高。</p>" for i in range(3)
    ) + "</div><div>版权所有 示例网</div></body></html>"
    item = chain.page(html.encode(), {}, "http://www.example.test/a/2.html", url_is_article=True)
    assert item.title is None and "第2段" in item.text
    # Auto mode (no article_pattern) still needs a title to call a page an article.
    with pytest.raises(DropItem, match="no title"):
        chain.page(html.encode(), {}, "http://www.example.test/a/2.html", date_hint="2020-01-01")


def test_fragment_refused_by_trafilaturas_loader_is_parsed_leniently(chain):
    # A blog export: one block, no <html>/<head> (the loader wants a whole document).
    fragment = "<div class='post'><div class='content'><p>" + "</p><p>".join(
        f"第{i}段：这是一个没有html和head的页面片段，很多博客和论坛导出的页面就是这样的，但它仍然是一篇完整的文章。" for i in range(3)
    ) + "</p></div></div>"
    assert parse_html(fragment) is None and parse_lenient(fragment) is not None
    found = extract_article(fragment, "http://www.example.test/b/1.html", CONFIG, known_article=True)
    assert found.text.count("\n") == 2 and "lenient_parse" in found.fallbacks
    stats = chain.crawler.stats
    before = stats.get_value("extract/fallback/lenient_parse", 0)
    chain.page(fragment.encode(), {"content-type": "text/html; charset=utf-8"}, "http://www.example.test/b/1.html", url_is_article=True)
    assert stats.get_value("extract/fallback/lenient_parse") == before + 1


def test_an_article_after_an_early_document_end_is_read(chain):
    # gov.cn's gazette template closes the document after its header; libxml2 would drop the rest
    html = "<html><head><meta charset='utf-8'><title>关于批准发行特别国债的决议_中国政府网</title></head><body>" \
           "<div class='header'><a href='/'>首页</a> | <a href='/gb'>简</a> | <a href='/big5'>繁</a></div></html><!--end header-->" \
           "<div class='content'><h1>关于批准发行特别国债的决议</h1>" + "".join(
               f"<p>第{i}段：第十届全国人民代表大会常务委员会第二十八次会议，听取了财政部部长代表国务院对议案作的说明，并对议案进行了审议。</p>"
               for i in range(3)
           ) + "</div></body></html>"
    assert "第2段" in parse_html(html).text_content()
    item = chain.page(html.encode(), {}, "http://www.example.test/gongbao/1.htm", url_is_article=True)
    assert item.text.startswith("第0段") and "第2段" in item.text


def _gold(page_id: str) -> list[str]:
    return (GNE / "gold" / f"{page_id}.txt").read_text(encoding="utf-8").split("\n")


@pytest.mark.parametrize("page_id", ["163__1", "163__7"])
def test_comment_ranking_is_not_shipped_as_the_article(chain, page_id):
    """Real 163.com pages: precision mode picks the most-commented list (跟贴排行); the page's
    paragraphs are the evidence that makes the extractor take default mode's article."""
    stats = chain.crawler.stats
    before = stats.get_value("extract/fallback/default_mode_evidence", 0) + stats.get_value("extract/fallback/default_mode", 0)
    item = chain.page((GNE / "html" / f"{page_id}.html").read_bytes(), {}, f"http://www.163.com/{page_id}.html", url_is_article=True)
    gold = _gold(page_id)
    assert gold[0][:30] in item.text and gold[-1][:30] in item.text
    assert "跟贴排行" not in item.text
    after = stats.get_value("extract/fallback/default_mode_evidence", 0) + stats.get_value("extract/fallback/default_mode", 0)
    assert after == before + 1


def test_disclaimer_is_not_shipped_as_the_article(chain):
    """Real hexun.com page: precision mode keeps only the 免责声明; the boilerplate stage sees
    that and takes default mode's text, which holds the one-paragraph story."""
    stats = chain.crawler.stats
    before = stats.get_value("extract/fallback/boilerplate_evidence", 0)
    item = chain.page((GNE / "html" / "hexun__1.html").read_bytes(), {}, "http://www.hexun.com/1.html", url_is_article=True)
    assert _gold("hexun__1")[0] in item.text.split("\n")
    assert "免责声明" not in item.text
    assert stats.get_value("extract/fallback/boilerplate_evidence") == before + 1


def test_paragraph_evidence_ignores_scripts_and_link_lists():
    tree = parse_html(
        "<html><body><div id='ads'>" + "<p><script>var x = 'ad';</script>var m3_u = location.protocol;</p>" * 20 + "</div>"
        "<ul>" + "<li><p><a href='/x'>一条很长的相关新闻标题在这里出现</a></p></li>" * 20 + "</ul>"
        "<div id='art'><p>正文第一段，记者从市政府获悉。</p><p>正文第二段，全市共完成投资。</p></div></body></html>"
    )
    assert paragraph_block(tree) == ["正文第一段，记者从市政府获悉。", "正文第二段，全市共完成投资。"]


FORMS = ROOT / "tests" / "fixtures" / "page_forms"
FORM_CASES = json.loads((FORMS / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(n for n, c in FORM_CASES.items() if c["kind"] == "article"))
@pytest.mark.parametrize("known", [True, None], ids=["article_pattern", "auto"])
def test_page_form_article_is_shipped_whole(chain, name, known):
    """Issue 23's article forms (short briefs beside a long disclaimer, a ranking before the body,
    hard-wrapped forum posts), in GB2312, GBK, Big5 and UTF-8 bytes: every paragraph, whole and in
    order, none of the chrome; with an article_pattern and on the page's own merits."""
    case = FORM_CASES[name]
    body = (FORMS / f"{name}.html").read_bytes()
    item = chain.page(body, {"content-type": f"text/html; charset={case['charset']}"},
                      "http://www.example.test/news/2011-09/16/content_1.htm", url_is_article=known)
    lines = item.text.split("\n")
    want = case["paragraphs"]
    start = lines.index(want[0])
    assert lines[start : start + len(want)] == want, name
    assert len(lines) <= len(want) + 1  # at most the headline again (tables reorder it)
    for bad in case["must_not"]:
        assert not any(bad in line for line in lines), bad
    assert item.title == case["title"] and "\ufffd" not in item.text


@pytest.mark.parametrize("name", sorted(n for n, c in FORM_CASES.items() if c["kind"] == "list"))
def test_page_form_list_is_not_an_article(chain, name):
    """Teaser lists (``...``, ``…``, ``[详细]``, ``>>`` endings; traditional script with ruby) and a
    section page with a pager: not articles on their own merits."""
    case = FORM_CASES[name]
    body = (FORMS / f"{name}.html").read_bytes()
    with pytest.raises(DropItem, match="^list page"):
        chain.page(body, {"content-type": f"text/html; charset={case['charset']}"}, "http://www.example.test/news/node_1021.htm")


def test_link_lines_are_link_texts_list_items_and_ranked_headlines():
    links = frozenset({"社会", "单日流入资金最多个股", "男子高速逆行被查 称导航让走的", "华能国际"})
    for line in ("社会", "- 社会", "• 单日流入资金最多个股", "1 男子高速逆行被查 称导航让走的 评论18564条", "03. 男子高速逆行被查 称导航让走的 (2021-06-18)",
                 "| 1男子高速逆行被查 称导航让走的 | 169524 |"):
        assert is_link_line(line, links), line
    for line in ("华能国际10月28日晚间公告，公司前三季度净利润同比增长12.3%。", "社会各界纷纷表示支持", "- 社会保障体系进一步完善"):
        assert not is_link_line(line, links), line


def test_a_rank_and_a_count_glued_to_a_headline_are_item_chrome():
    """163.com's 跟贴排行 writes rank, count and headline in one run ("- 1 63675 标题" as
    "- 163675标题"), netease's 新闻排行榜 rank and headline ("| 13人伪造… | 146513 |"), and a
    headline may start with digits itself ("20多岁妈妈…")."""
    links = frozenset({"成龙参观张北草原天路当地下通知封路？官方回应", "20多岁妈妈6.5万卖掉双胞胎儿子:还信用卡 买手机", "3人伪造老干妈印章冒充经理与腾讯签合同 已被刑拘"})
    for line in ("- 163675成龙参观张北草原天路当地下通知封路？官方回应", "- 81537720多岁妈妈6.5万卖掉双胞胎儿子:还信用卡 买手机",
                 "| 13人伪造老干妈印章冒充经理与腾讯签合同 已被刑拘 | 146513 |", "20多岁妈妈6.5万卖掉双胞胎儿子:还信用卡 买手机"):
        assert is_link_line(line, links), line
    for line in ("2013年成龙参观张北草原天路当地下通知封路？官方回应后游客增多。", "13人伪造老干妈印章，警方已立案侦查。"):
        assert not is_link_line(line, links), line


def test_a_ranking_after_the_article_is_no_part_of_it(chain):
    """Real 163.com page (gne_zh 163__2): its 跟贴排行 and 点击排行 lines leave the text."""
    item = chain.page((GNE / "html" / "163__2.html").read_bytes(), {}, "http://www.163.com/163__2.html", url_is_article=True)
    assert "成龙参观张北草原天路" not in item.text and "毕业生考研被在校生指责" not in item.text
    assert all(line in item.text for line in _gold("163__2") if line)


def _boilerplate_stage(chain):
    from pipelines.boilerplate import BoilerplateStage

    return next(s for s in chain.stages if isinstance(s, BoilerplateStage))


def _strip(chain, text: str, alternative: str | None, title: str):
    from crawler.items import Article

    item = Article(url="http://www.example.test/a/1.html", site="t", domain="www.example.test", fetched_at="1970-01-01T00:00:00+00:00",
                   http_status=200, text=text, alternative_text=alternative, title=title, url_is_article=True)
    return _boilerplate_stage(chain).process_item(item).text


BRIEF = ["华能国际10月28日晚间公告，公司前三季度实现营业收入1812亿元，同比增长5.2%；净利润86.3亿元，同比增长12.3%。",
         "公司表示，业绩增长主要得益于燃料成本下降和新能源装机规模扩大。"]
DISCLAIMER = ("免责声明：本文仅代表作者个人观点，与本网无关。其原创性以及文中陈述文字和内容未经本站证实，对本文以及其中全部或者部分内容、"
              "文字的真实性、完整性、及时性本站不作任何保证或承诺，请读者仅作参考，并请自行核实相关内容。投资者据此操作，风险自担。")


def test_short_brief_is_chosen_after_stripping_over_a_disclaimer_and_a_channel_list(chain):
    """Precision mode kept the disclaimer and the channel names, default mode the brief among
    chrome: what is left of each after stripping decides, however short the brief."""
    stats = chain.crawler.stats
    before = stats.get_value("extract/fallback/boilerplate_evidence", 0) + stats.get_value("extract/fallback/sentence_evidence", 0)
    channels = "\n".join(["社会", "娱乐", "生活", "探索", "单日流入资金最多个股"])
    text = _strip(chain, DISCLAIMER + "\n" + channels, "登录\n" + "\n".join(BRIEF) + "\n" + DISCLAIMER, "华能国际前三季度净利润同比增长12.3%")
    assert BRIEF[0] in text.split("\n") and BRIEF[1] in text.split("\n")
    assert "免责声明" not in text and "探索" not in text
    after = stats.get_value("extract/fallback/boilerplate_evidence", 0) + stats.get_value("extract/fallback/sentence_evidence", 0)
    assert after == before + 1


def test_text_without_body_sentences_gives_way_to_one_with_them(chain):
    """Precision mode kept a list of short non-link lines (not boilerplate by any pattern):
    default mode's text has the body sentences, so it is the article."""
    stats = chain.crawler.stats
    before = stats.get_value("extract/fallback/sentence_evidence", 0)
    listing = "\n".join(["财经要闻 股市直播", "基金净值 理财产品", "行情中心 数据中心", "新股日历 研报中心"])
    text = _strip(chain, listing, listing + "\n" + "\n".join(BRIEF), "华能国际前三季度净利润同比增长12.3%")
    assert text.split("\n")[-2:] == BRIEF
    assert stats.get_value("extract/fallback/sentence_evidence") == before + 1


def test_ranking_before_the_body_is_removed_and_the_body_kept(chain):
    ranked = "\n".join(f"{i} 热门新闻标题第{i}条 评论{n}条" for i, n in enumerate((18564, 9821, 7632, 5410, 3377), 1))
    body = ["本报讯（记者 李明）昨日，我市召开老旧小区改造工作推进会，正式启动老旧小区改造三年行动。",
            "据介绍，此次改造将重点解决小区基础设施老化、配套设施不全、管理机制缺失等问题。"]
    assert _strip(chain, ranked + "\n" + "\n".join(body), None, "我市启动老旧小区改造三年行动").split("\n") == body
    # precision mode kept the ranking alone: default mode's ranking and body are the article
    assert _strip(chain, ranked, ranked + "\n" + "\n".join(body), "我市启动老旧小区改造三年行动").split("\n") == body


def test_a_short_article_with_sentences_keeps_precision_modes_text(chain):
    text = _strip(chain, "\n".join(BRIEF), "\n".join(["相关新闻"] + BRIEF + ["某某网友评论：说得好，支持一下。"] * 3), "华能国际")
    assert text.split("\n") == BRIEF



# A hijacked shop page (bench/data/zh_lists/yangfan__1): junk markup in raw-text elements
# (<xmp>, <noframes>) inside a box placed off the screen, a category menu, a footer.
_JUNK = '<xmp id="w6w9l"><object id="w6w9l"><tt id="w6w9l"><output id="w6w9l"></output></tt></object></xmp><noframes id="w6w9l"><button id="w6w9l"></button></noframes>'
OFFSCREEN_SPAM = (
    '<html><head><meta charset="utf-8"><title>椅凳類_邯鄲市揚帆電子有限責任公司</title></head><body>'
    f'<div style="position:fixed;left:-9000px;top:-9000px;">{_JUNK * 12}</div>'
    '<div class="nav" style="width:1200px;position:relative;left:-600px;margin-left:-620px">'
    + "".join(f'<a href="/c/{i}.html">椅凳類商品第{i}款</a> ' for i in range(20))
    + '</div><div class="foot">服務熱線: 0310-5514011</div></body></html>'
)


def test_a_box_placed_off_the_screen_is_no_text():
    """What no reader sees is no text (trafilatura kept the junk markup as the page's text); a
    centred layout's negative offsets are on the screen (the menu is read, and refused)."""
    url = "http://www.example.test/category/7.html"
    found = extract_article(OFFSCREEN_SPAM, url, CONFIG, known_article=True)
    assert found.text == "服務熱線: 0310-5514011"
    with pytest.raises(NotArticleReason, match=r"list page \(\d+% of the text is link text\)"):
        extract_article(OFFSCREEN_SPAM, url, CONFIG, known_article=False)


FORUM = ROOT / "bench" / "data" / "zh_forum_blog"


def _forum_page(chain, page_id: str, **kw):
    meta = {r["id"]: r for r in map(json.loads, (FORUM / "meta.jsonl").read_text(encoding="utf-8").splitlines())}
    body = (FORUM / "html" / f"{page_id}.html").read_bytes()
    return chain.page(body, {}, meta[page_id]["url"], site=page_id, **kw)


def _forum_gold(page_id: str) -> list[str]:
    return (FORUM / "gold" / f"{page_id}.txt").read_text(encoding="utf-8").strip().split("\n")


@pytest.mark.parametrize("page_id", ["zhihu__1", "zhihu__2"])
def test_a_qa_page_ships_its_own_answer_not_the_others(chain, page_id):
    """Real zhihu answer pages: both trafilatura modes read on past 更多回答 into the other
    answers, and on zhihu__2 precision mode keeps only those (the featured answer is short)."""
    item = _forum_page(chain, page_id, url_is_article=True)
    lines = item.text.split("\n")
    gold = _forum_gold(page_id)
    assert lines[0] == gold[0] and gold[-1] in lines
    assert "更多回答" not in item.text and len(lines) <= len(gold) + 1


def test_own_post_ends_at_the_other_answers():
    question, answer, other = "这次地震有多大？", "震感范围广，震级较大。", "这是另一位答主的回答。"
    assert own_post(f"{question}\n{answer}\n更多回答\n{other}") == f"{question}\n{answer}"
    assert own_post(f"{answer}\n查看全部 56 個回答\n{other}") == answer  # (traditional script)
    assert own_post(f"更多回答\n{other}") == other  # a heading that opens the text only goes
    assert own_post(f"{answer}\n我想看更多回答。\n{other}") == f"{answer}\n我想看更多回答。\n{other}"  # a sentence is no heading


def test_a_posts_attachment_is_part_of_the_post(chain):
    """Real forum post (bbscloud__2): one line and an attachment link (商标审查标准.pdf 10.12MB).
    trafilatura drops a paragraph that is one link, and link lines leave Chinese text: we shipped
    the line alone (a regression against trafilatura)."""
    item = _forum_page(chain, "bbscloud__2", url_is_article=True)
    assert item.text.split("\n") == _forum_gold("bbscloud__2") == ["商标的资料", "商标审查标准.pdf 10.12MB"]


def test_only_links_named_after_a_file_are_attachments():
    tree = parse_html(
        "<html><body><p><a href='/d?id=1'>实施细则.DOCX</a></p><p><a href='/d?id=2'>年报.pdf (2.5 MB)</a></p>"
        "<p><a href='/a/3.html'>关于印发实施细则的通知</a></p><p><a href='/a/4.html'>下载PDF</a></p></body></html>"
    )
    assert unwrap_attachment_links(tree) == 2
    assert [a.text for a in tree.iter("a")] == ["关于印发实施细则的通知", "下载PDF"]
    assert [p.text_content() for p in tree.iter("p")][:2] == ["实施细则.DOCX", "年报.pdf (2.5 MB)"]


_STORY = ["廉署就機場三跑項目貪污案加控一名項目分判商東主三項貪污罪名，涉賄款二百七十萬元，他今日在東區裁判法院應訊。",
          "被加控罪名的男子是三跑項目填料供應運輸分判商東主，他今天被加控兩項向代理人提供利益，以及一項串謀向代理人提供利益罪名。",
          "廉署去年八月中採取執法行動，拘捕多人就三跑項目分判合約涉嫌貪污，經調查後再有人被起訴，案件押後至五月再訊。",
          "廉署就三跑項目分判合約貪污案先後起訴共十人，包括該分判商東主及一名機管局前總經理，其餘案件仍在審理之中。"]


def _read_more_page(button: str, hidden_style: str = "display:none;") -> str:
    # the story's second half in a hidden box after the button's box, and its last part in a
    # hidden box after a second button inside it (a story continued in steps)
    return ("<html><head><meta charset='utf-8'><title>機場三跑貪污案 廉署加控一分判商東主三罪</title></head><body>"
            "<div id='nav'><a href='/'>首頁</a> <a href='/hk'>港聞</a></div><section class='single-article'>"
            f"<h1>機場三跑貪污案 廉署加控一分判商東主三罪</h1><p>{_STORY[0]}</p><p>{_STORY[1]}</p>"
            f"<div class='load'><p>{button}</p></div><div class='rest' style='{hidden_style}'><p>{_STORY[2]}</p>"
            f"<div class='load'><p>{button}</p></div></div><div class='rest' style='{hidden_style}'><p>{_STORY[3]}</p></div>"
            "</section><div style='display:none'><p>登入後可收藏文章</p></div></body></html>")


@pytest.mark.parametrize("button", ["- 閱讀更多 -", "阅读全文", "展开全文∨", "点击查看全文", "Read more"])
def test_a_story_behind_a_read_more_button_is_one_story(button):
    found = extract_article(_read_more_page(button), "http://www.example.test/hk/article/1.html", CONFIG, known_article=True)
    assert found.text.split("\n") == _STORY


def test_hidden_boxes_without_a_read_more_button_stay_hidden():
    # no button: the hidden boxes are what the page hides (trafilatura drops them)
    found = extract_article(_read_more_page("分享到微信"), "http://www.example.test/hk/article/1.html", CONFIG, known_article=True)
    assert found.text.split("\n") == _STORY[:2] + ["分享到微信"]
    # a button's hidden sibling with next to no text (a login box, a menu) is not revealed
    tree = parse_html("<html><body><article><p>" + _STORY[0] + "</p><a>阅读全文</a><div style='display: none'>登入</div></article></body></html>")
    assert reveal_read_more(tree) == 0 and tree.xpath("//a/text()") == ["阅读全文"]


WIDE = ROOT / "bench" / "data" / "zh_news_wide"


def test_paragraphs_neither_mode_holds_are_the_article(chain):
    """A legacy page's story as <br>-separated text in a <span> the parser put outside the <p>
    it sat in (ftv__1): both trafilatura modes take a heading or a related list; the page's
    paragraphs, found without trafilatura, are shipped, and the fallback is counted."""
    stats = chain.crawler.stats
    before = stats.get_value("extract/fallback/paragraph_evidence", 0)
    item = chain.page((WIDE / "html" / "ftv__1.html").read_bytes(), {}, "http://news.ftv.com.tw/NewsContent.aspx?sno=2014C01L08M1",
                      url_is_article=True)
    assert item.text.split("\n") == (WIDE / "gold" / "ftv__1.txt").read_text(encoding="utf-8").strip().split("\n")
    assert stats.get_value("extract/fallback/paragraph_evidence") == before + 1


# KaTeX's markup for one formula: a MathML copy with the TeX source for screen readers (hidden
# by KaTeX's stylesheet) beside the rendering a reader sees, aria-hidden (csdn__1's markup lost
# that attribute: there trafilatura read all three).
_KATEX = ('<span class="katex"><span class="katex-mathml"><math><semantics><mrow><msup><mi>x</mi><mn>2</mn></msup>'
          '<mo>−</mo><mn>1</mn></mrow><annotation encoding="application/x-tex">x^2-1</annotation></semantics></math></span>'
          '<span class="katex-html" aria-hidden="true"><span class="base"><span class="mord mathnormal">x</span>'
          '<span class="msupsub"><span class="mord mtight">2</span></span><span class="mbin">−</span>'
          '<span class="mord">1</span></span></span></span>')
_LIMIT_STORY = ["我们要求函数 " + _KATEX + " 在自变量无限接近一时的极限，这就是本文要讨论的第一个问题。",
                "当我们画出这个函数的图像后会发现，它在这一点附近的取值越来越接近二，所以极限存在并且等于二。",
                "有一些特别的函数，其在某一点处的值存在然而极限不存在，左极限和右极限相等才算有极限。"]


@pytest.mark.parametrize("katex", [_KATEX, _KATEX.replace(' aria-hidden="true"', "")])
def test_a_formula_is_read_once_not_with_its_mathml_copy(katex):
    html = ("<html><head><meta charset='utf-8'><title>极限入门</title></head><body><article><h1>极限入门</h1>"
            + "".join(f"<p>{p.replace(_KATEX, katex)}</p>" for p in _LIMIT_STORY) + "</article></body></html>")
    found = extract_article(html, "http://blog.example.test/article/1.html", CONFIG, known_article=True)
    assert "我们要求函数 x2−1 在自变量无限接近一时的极限，这就是本文要讨论的第一个问题。" in found.text.split("\n")
    assert "x^2-1" not in found.text


def test_a_real_katex_page_holds_each_formula_once(chain):
    """csdn__1: every rendered formula came three times (MathML, TeX annotation, rendering): P
    0.63. (Two formulas the author left as $ TeX $ text stay as they are.)"""
    item = _forum_page(chain, "csdn__1", url_is_article=True)
    assert "\\dfrac" not in item.text and "x → 1 x 2 − 1" not in item.text
    assert "意思就是，当 x 无限接近 1 时，右边的那一坨东西是什么。" in item.text.split("\n")


def test_a_code_blocks_copy_button_is_not_code():
    html = ("<html><head><meta charset='utf-8'><title>解决新项目npm依赖报错</title></head><body><article>"
            "<h1>解决新项目npm依赖报错</h1><p>每次打开别人新的项目都要安装依赖，各种报错很烦，于是找到了一个检查依赖的工具。</p>"
            "<div style='position: relative;'><pre class=' language-php'><code class=' language-php'>npm i <span class='token operator'>-</span>g depcheck"
            "</code><button class='copy-code-button ui label' style='position: absolute; top: 20px; right: 1px; display: none;'>Copy</button></pre></div>"
            "<p>安装以后在项目目录里运行它，就能找到缺失的依赖，再逐个安装即可，整个过程不到一分钟。</p>"
            "<pre><code>depcheck</code></pre><button>复制代码</button></article></body></html>")
    found = extract_article(html, "https://blog.example.test/articles/77685", CONFIG, known_article=True)
    assert "npm i -g depcheck" in found.text.split("\n") and "depcheck" in found.text.split("\n")
    assert "Copy" not in found.text and "复制代码" not in found.text


def test_a_real_code_blocks_copy_button_is_not_code(chain):
    """learnku__2: every code block ended in its copy button's label (npm i -g depcheckCopy)."""
    item = _forum_page(chain, "learnku__2", url_is_article=True)
    assert "npm i -g depcheck" in item.text.split("\n") and "Copy" not in item.text


_POST = ["作者的理念：南生系列的产品只考虑业务，不考虑基础服务，拒绝重复的工作，每个基础功能只开发一次。",
         "每次开发一个新的项目总是需要考虑用户登录、注册、用户角色、用户权限等基础的功能，有点繁琐。",
         "不同时间写的代码逻辑还不一样，想维护更新这些基础服务时才发现有几十个项目需要一起更新。",
         "南生运营就是为了解决以上问题而生的，它拥有自己的管理界面，并且对外提供统一的基础服务。"]


def _editor_page(rendered_twice: bool = True) -> str:
    """An editor widget as nansheng__2's (mavon-editor): the Markdown source in a <pre> beside
    the rendering, and the rendering again in a read-mode box."""
    source = "<br>".join(["> " + _POST[0], "## 痛点分析", "1. " + _POST[1], "2. " + _POST[2], "![](http://img.example.test/1.png)", _POST[3]])
    rendered = (f"<blockquote><p>{_POST[0]}</p></blockquote><h2>痛点分析</h2><ol><li>{_POST[1]}</li><li>{_POST[2]}</li></ol>"
                f"<p><img src='http://img.example.test/1.png'></p><p>{_POST[3]}</p>")
    read_mode = f"<div class='v-note-read-model'><div class='v-note-read-content'>{rendered}</div></div>" if rendered_twice else ""
    return ("<html><head><meta charset='utf-8'><title>南生运营的设计理念</title></head><body><main><h1>南生运营的设计理念</h1>"
            "<div class='v-note-wrapper markdown-body'><div class='v-note-panel'><div class='v-note-edit'>"
            f"<div class='content-input-wrapper'><pre class='auto-textarea-block'>{source}</pre><textarea></textarea></div></div>"
            f"<div class='v-note-show'><div class='v-show-content'>{rendered}</div></div></div>{read_mode}</div></main></body></html>")


@pytest.mark.parametrize("rendered_twice", [True, False])
def test_an_editor_widgets_post_is_read_once_as_rendered(rendered_twice):
    found = extract_article(_editor_page(rendered_twice), "http://bbs.example.test/detail/122", CONFIG, known_article=True)
    assert [l.lstrip("- ") for l in found.text.split("\n") if l not in ("南生运营的设计理念", "痛点分析")] == _POST
    assert "##" not in found.text and "](http" not in found.text


def test_a_real_editor_widget_page_holds_its_post_once(chain):
    """nansheng__2: the post four times (Markdown source, preview, hidden HTML, read mode): P 0.33."""
    item = _forum_page(chain, "nansheng__2", url_is_article=True)
    assert item.text.count("拒绝重复的工作") == 1 and "](http" not in item.text


def test_a_paragraph_an_article_repeats_stays_twice():
    # the same paragraph twice in one story (163__1's body does this) is the story's, not a copy
    para = "地方政府对于拥抱互联网的热情并不止于会议内容和领导考察行程，批量的引导基金、政策优惠正等待着曾经在夹缝中闪转腾挪的网络精英们，" * 2
    other = "近日，一张合影在互联网圈流传，被认为是地方政府与新兴企业关系转变的标志，业内人士对此评价不一，但普遍认为这是积极的信号。"
    html = ("<html><head><meta charset='utf-8'><title>八部委如何玩转互联网</title></head><body><article><h1>八部委如何玩转互联网</h1>"
            f"<p>{para}</p><p>{other}</p><p>{para}</p></article></body></html>")
    found = extract_article(html, "http://money.example.test/15/0521/05/A.html", CONFIG, known_article=True)
    assert [l for l in found.text.split("\n") if l != "八部委如何玩转互联网"] == [para, other, para]


_GUIDE = ["每次开发一个新的项目总是需要考虑用户登录、注册、用户角色、用户权限等基础的功能，有点繁琐。",
          "南生运营就是为了解决以上问题而生的，它拥有自己的管理界面，并且对外提供统一的基础服务。",
          "基础服务的代码逻辑在一个项目里面，每个功能的核心逻辑只有一套，维护起来也非常方便。"]


def _anchored_page(anchor: str) -> str:
    """A blog post whose headings carry anchors (CSDN's and Markdown renderers' markup), with a
    table of contents linking to them."""
    toc = "".join(f"<li><a href='#_{i}'>{h}</a></li>" for i, h in enumerate(["痛点分析", "解决痛点", "如何维护"]))
    body = "".join(f"<h2>{anchor.format(i=i)}{h}</h2><p>{p}</p>" for i, (h, p) in enumerate(zip(["痛点分析", "解决痛点", "如何维护"], _GUIDE)))
    return ("<html><head><meta charset='utf-8'><title>南生运营的设计理念</title></head><body>"
            f"<div class='toc'><h3>目录</h3><ul>{toc}</ul></div><article><h1>南生运营的设计理念</h1>{body}</article></body></html>")


@pytest.mark.parametrize("anchor", ["<a id='_{i}'></a>", "<a name='_{i}' class='reference-link'></a>", "<a href='#_{i}' class='anchorific'>#</a> "])
def test_headings_with_anchors_stay(anchor):
    """trafilatura deletes a short block whose links have no text (an anchor target), and a
    heading that a table of contents links to read as a line of a link list."""
    found = extract_article(_anchored_page(anchor), "https://blog.example.test/article/details/1", CONFIG, known_article=True)
    lines = [l.strip() for l in found.text.split("\n")]
    assert lines[lines.index("痛点分析"):] == ["痛点分析", _GUIDE[0], "解决痛点", _GUIDE[1], "如何维护", _GUIDE[2]]
