"""The record beyond the text (markdown, images, keywords, section, description) through the
crawl's whole stage chain, and the Markdown parsed by a real CommonMark parser."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from crawler.offline import DropItem, build_stage_chain

FIXTURES = sorted(p for p in (Path(__file__).parent / "fixtures" / "record").iterdir() if p.is_dir())
ROOT = Path(__file__).resolve().parent.parent
# Dev sets with pages: the committed ones, and the shared ones beside the worktree (CI has them).
DEV_SETS = [ROOT / "bench" / "data" / name for name in ("gne_zh", "zh_news_more", "zh_forum_blog", "zh_news_wide", "zh_lists")] + [
    ROOT.parent / "shared" / "extraction" / name for name in ("magic_html_article", "scrapinghub_aeb", "trafilatura_eval_cjk")
]
_TABLE_RULE = re.compile(r"^\|[\s:|-]*-[\s:|-]*\|?\s*$")
_PARSER = MarkdownIt("commonmark").enable("table")


def text_of_markdown(markdown: str) -> tuple[str, int]:
    """(the text a CommonMark parser reads from ``markdown``, pictures left out, whitespace and
    table bars dropped; the number of pictures)."""
    out, pictures = [], 0
    for token in _PARSER.parse(markdown):
        if token.type != "inline":
            continue
        for child in token.children or []:
            if child.type in ("text", "code_inline"):
                out.append(child.content)
            elif child.type == "image":
                pictures += 1
    return re.sub(r"[\s|]", "", "".join(out)), pictures


def text_of_text(text: str) -> str:
    """The same reading of ``text``: its list markers and table rules are markup there too."""
    lines = [line[2:] if line.startswith("- ") else line for line in text.split("\n") if not _TABLE_RULE.match(line)]
    return re.sub(r"[\s|]", "", "".join(lines))


def assert_markdown_matches(item) -> None:
    read, pictures = text_of_markdown(item.markdown)
    assert read == text_of_text(item.text), item.url
    assert pictures == len(item.images), item.url


@pytest.fixture(scope="module")
def chain():
    return build_stage_chain()


@pytest.mark.parametrize("case", FIXTURES, ids=[c.name for c in FIXTURES])
def test_record_fields(case, chain):
    info = json.loads((case / "info.json").read_text(encoding="utf-8"))
    want = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    item = chain.page((case / "body.html").read_bytes(), info["headers"], info["url"], site=case.name)
    assert item.images == want["images"]
    assert item.keywords == want["keywords"]
    assert item.section == want["section"]
    assert item.description == want["description"]
    md_lines = item.markdown.split("\n")
    for line in want["markdown_lines"]:
        assert line in md_lines, line
    for cue in want["not_in_text"]:
        assert cue not in item.text and cue not in item.markdown, cue
    assert_markdown_matches(item)
    for field in (item.text, item.markdown, *item.keywords, *item.section, item.description):
        assert "\ufffd" not in field


def test_keywords_line_leaves_the_text_for_the_field(chain):
    """The 关键词 line the page reader did not see as a keywords box (plain text in the body) is
    removed by the boilerplate stage and its terms become the field; its Markdown line goes too."""
    body = ("<html><head><title>某地举行春季植树活动</title></head><body><div class='content'>"
            "<p>发布时间：2024-03-12 09:00</p>"
            "<p>3月12日，某地干部群众一千余人来到城郊荒山，开展春季义务植树活动，共栽下各类苗木三千余株，为城市增添新绿。</p>"
            "<p>活动现场，工作人员向参与者讲解了苗木栽种和养护知识，大家分工协作，挖坑、扶苗、培土、浇水，干劲十足。</p>"
            "<p>关键字: 植树 生态 绿化</p></div></body></html>").encode("utf-8")
    item = chain.page(body, {"Content-Type": "text/html; charset=utf-8"}, "https://news.example.cn/a/1.html", site="plain")
    assert item.keywords == ["植树", "生态", "绿化"]
    assert "关键字" not in item.text and "关键字" not in item.markdown
    assert_markdown_matches(item)


def test_markdown_off():
    chain = build_stage_chain({"RECORD_MARKDOWN": False})
    case = FIXTURES[0]
    info = json.loads((case / "info.json").read_text(encoding="utf-8"))
    item = chain.page((case / "body.html").read_bytes(), info["headers"], info["url"], site=case.name)
    assert item.markdown is None and item.images and item.section


def test_record_fields_off(monkeypatch):
    """RECORD_FIELDS off: the five fields are null (not read, unlike [] for none found), the
    page's record is never read, the keywords line's terms stay out of the field, and the text
    is the same as with the fields on."""
    case = next(c for c in FIXTURES if "keywords" in (c / "body.html").read_text(encoding="utf-8", errors="replace").lower())
    info = json.loads((case / "info.json").read_text(encoding="utf-8"))
    on = build_stage_chain().page((case / "body.html").read_bytes(), info["headers"], info["url"], site=case.name)
    assert on.keywords and on.images is not None

    def not_to_be_read(*args, **kwargs):
        raise AssertionError("read_record called with RECORD_FIELDS off")

    monkeypatch.setattr("pipelines.text.article_html.read_record", not_to_be_read)
    chain = build_stage_chain({"RECORD_FIELDS": False})
    off = chain.page((case / "body.html").read_bytes(), info["headers"], info["url"], site=case.name)
    assert (off.markdown, off.images, off.keywords, off.section, off.description) == (None,) * 5
    assert off.text == on.text and off.title == on.title
    assert not [k for k in chain.crawler.stats.get_stats() if k.startswith("record/")]
    # a keywords line in the text: removed from the text as before, its terms not made a field
    body = ("<html><head><title>某地举行春季植树活动</title></head><body><div class='content'>"
            "<p>发布时间：2024-03-12 09:00</p><p>3月12日，某地干部群众一千余人来到城郊荒山，开展春季义务植树活动，共栽下各类苗木三千余株，为城市增添新绿。</p>"
            "<p>活动现场，工作人员向参与者讲解了苗木栽种和养护知识，大家分工协作，挖坑、扶苗、培土、浇水，干劲十足。</p>"
            "<p>关键字: 植树 生态 绿化</p></div></body></html>").encode("utf-8")
    item = chain.page(body, {"Content-Type": "text/html; charset=utf-8"}, "https://news.example.cn/a/1.html", site="plain")
    assert "关键字" not in item.text and item.keywords is None


def test_generic_description_is_learned_per_site():
    """A description the site gives every page is its generic one: null once it is seen on
    TEMPLATE_MIN_PAGES of the site's pages; a page's own description stays."""
    chain = build_stage_chain({"TEMPLATE_MIN_PAGES": 2})
    got = []
    for n, own in enumerate((False, False, True)):
        description = f"第{n}篇的摘要：本市交通建设取得新进展" if own else "示例新闻网是本市权威新闻网站"
        body = (f"<html><head><title>本市交通建设第{n}篇报道</title><meta name='description' content='{description}'></head><body>"
                f"<p>发布时间：2024-03-1{n} 09:00</p><p>第{n}篇：本市今年将新建道路二十条，改造老旧小区道路一百余条，"
                f"进一步完善城市路网结构，方便市民出行，这是第{n}篇不同的报道内容。</p>"
                f"<p>交通部门表示，项目建设期间将合理安排施工时间，减少对周边居民出行的影响，第{n}次发布。</p></body></html>").encode("utf-8")
        item = chain.page(body, {"Content-Type": "text/html; charset=utf-8"}, f"https://www.city.example.cn/a/{n}.html", site="city")
        got.append(item.description)
    assert got[0] == "示例新闻网是本市权威新闻网站"  # one page: not known as generic yet (the dump's final pass fixes it)
    assert got[1] is None
    assert got[2] == "第2篇的摘要：本市交通建设取得新进展"
    assert chain.crawler.stats.get_value("template/generic_descriptions") == 1


def test_generic_meta_keywords_are_learned_per_site():
    """Meta keywords the site gives every page are its generic ones: an article whose keywords
    are that list gets none once the list is seen on TEMPLATE_MIN_PAGES of the site's pages; a
    page's own meta keywords, and keywords the page shows (a 关键词 line), stay."""
    chain = build_stage_chain({"TEMPLATE_MIN_PAGES": 2})

    def page(n: int, keywords: str, shown: str = "") -> list[str]:
        body = (f"<html><head><title>本市交通建设第{n}篇报道</title><meta name='keywords' content='{keywords}'></head><body>"
                f"<p>发布时间：2024-03-1{n} 09:00</p><p>第{n}篇：本市今年将新建道路二十条，改造老旧小区道路一百余条，"
                f"进一步完善城市路网结构，方便市民出行，这是第{n}篇不同的报道内容。</p>"
                f"<p>交通部门表示，项目建设期间将合理安排施工时间，减少对周边居民出行的影响，第{n}次发布。</p>{shown}</body></html>").encode("utf-8")
        return chain.page(body, {"Content-Type": "text/html; charset=utf-8"}, f"https://www.city.example.cn/a/{n}.html", site="city").keywords

    generic = "示例新闻网,本市新闻,交通"
    assert page(0, generic) == ["示例新闻网", "本市新闻", "交通"]  # one page: not known as generic yet (the dump's final pass fixes it)
    assert page(1, generic) == []
    assert page(2, "道路建设,路网") == ["道路建设", "路网"]
    assert page(3, generic, "<p>关键词：道路 施工</p>") == ["道路", "施工"]
    assert page(4, generic) == []
    assert chain.crawler.stats.get_value("template/generic_keywords") == 2


def _dev_pages():
    for folder in DEV_SETS:
        html = folder / "html"
        if html.is_dir():
            for path in sorted(html.glob("*.html")):
                yield folder.name, path


@pytest.mark.parametrize("dataset", sorted({d for d, _ in _dev_pages()}))
def test_markdown_reads_as_the_text_on_dev_sets(dataset, chain):
    """Every article of the dev sets: Markdown parsed by markdown-it reads as its text, and
    shows one picture per entry of images."""
    checked = pages = 0
    for name, path in _dev_pages():
        if name != dataset:
            continue
        pages += 1
        try:
            item = chain.page(path.read_bytes(), {}, f"http://{dataset}.bench.invalid/{path.stem}.html", site=dataset, url_is_article=True)
        except DropItem:
            continue
        assert_markdown_matches(item)
        checked += 1
    assert checked >= min(5, pages)
