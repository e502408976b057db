"""End to end: a real `scrapy crawl news` of the sample family on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import re

import lxml.html
from lxml import etree

PINYIN_TONES = re.compile(r"[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]")


def template_chunks(family, placement) -> set[str]:
    """Every text node of the rendered page that is not part of the article itself."""
    status, _, body = family.respond(placement.site.host, placement.path)
    assert status == 200
    tree = lxml.html.fromstring(body.decode(placement.site.encoding))
    etree.strip_elements(tree, "rt", "rp", "script", "style", "title", with_tail=False)
    article_text = placement.expected_paragraphs() + [placement.article.title]
    chunks = set()
    for el in tree.iter():
        for piece in (el.text, el.tail):
            piece = (piece or "").strip()
            if len(piece) >= 4 and not any(piece in t for t in article_text):
                chunks.add(piece)
    return chunks


def originals(family):
    return [p for p in family.placements() if not p.repost_of]


def test_dump_holds_exactly_the_sample_articles(sample_crawl, family):
    expected = {p.url for p in originals(family)}
    got = [a["url"] for a in sample_crawl.articles]
    assert len(got) == len(set(got)), "an article was written twice"
    assert set(got) == expected
    assert len(sample_crawl.dumps) == 1


def test_reposts_go_to_the_duplicates_file(sample_crawl, family):
    ids = {a["url"]: a["id"] for a in sample_crawl.articles}
    by_slug = {p.article.slug: p for p in originals(family)}
    dup_file = sample_crawl.dumps[0].with_name(sample_crawl.dumps[0].name.replace(".jsonl", ".duplicates.jsonl"))
    records = {r["url"]: r for r in map(json.loads, dup_file.read_text(encoding="utf-8").splitlines())}
    reposts = [p for p in family.placements() if p.repost_of]
    assert set(records) == {p.url for p in reposts}
    for p in reposts:
        rec = records[p.url]
        assert rec["duplicate_of"] == ids[by_slug[p.repost_of].url]
        assert rec["similarity"] >= 0.7 and rec["reason"]


def test_no_list_about_error_or_robots_denied_pages(sample_crawl):
    urls = {a["url"] for a in sample_crawl.articles}
    for bad in (r"/news/(index_\d+\.html)?$", r"/$", r"/about\.html$", r"/tag/", r"/admin/", r"0999\.html$", r"\.pdf$", r"/xwzx/index(_\d+)?\.htm$",
                r"/news/list_\d+\.html$", r"/node_\d+(_\d+)?\.htm$", r"/big5/news/$"):
        assert not any(re.search(bad, u) for u in urls), bad
    assert "Forbidden by robots.txt" in sample_crawl.log


# Sites without an article_pattern: pages with dates and teaser text that are still not articles.
NOT_ARTICLES = (
    "http://www.cnmn.test/news/roll.html",  # teaser list, simplified, UTF-8
    "http://www.cnmn.test/zt/recycling.html",  # topic page: intro paragraph, then teaser items
    "http://hk.cnmn.test/about.html",  # about page with a founding year (成立於1998年)
    "http://hk.cnmn.test/news/focus.html",  # teaser list, traditional, ruby readings, "..." endings
    "http://www.cnmn.test/about.html",
)


def test_lists_topics_and_about_pages_are_not_articles_in_auto_mode(sample_crawl, family):
    urls = {a["url"] for a in sample_crawl.articles}
    assert not urls & set(NOT_ARTICLES)
    assert {p.url for p in originals(family)} <= urls  # and every article still is one
    for url in NOT_ARTICLES:  # the crawl reached each of them, and said why it is no article
        assert f"Dropped {url}: " in sample_crawl.log, url
    # A site's list and section pages by their URL (list_3.html, node_1021.htm and its pager) are
    # read for their links only, as the warc spider reads them from an archive.
    for path in ("/news/list_3.html", "/news/node_1021.htm", "/news/node_1021_2.htm"):
        assert f"Dropped http://hk.cnmn.test{path}:" not in sample_crawl.log


def test_titles_and_text_are_clean(sample_crawl, family):
    got = sample_crawl.by_url()
    for placement in originals(family):
        row = got[placement.url]
        assert row["title"] == placement.article.title, placement.url
        lines = row["text"].split("\n")
        assert lines == placement.expected_paragraphs(), placement.url
        for chunk in template_chunks(family, placement):
            for line in lines:
                assert chunk not in line, f"{placement.url}: boilerplate {chunk!r} left in the text"
        assert "\ufffd" not in row["text"] and "\ufffd" not in row["title"]
        assert not PINYIN_TONES.search(row["text"]), placement.url


def test_metadata_goes_into_fields(sample_crawl, family):
    got = sample_crawl.by_url()
    for placement in originals(family):
        row, art = got[placement.url], placement.article
        assert row["source"] == art.source, placement.url
        if art.editor:
            assert row["editor"] == art.editor, placement.url
        shows_author = placement.site.template in ("cnmn", "luan")  # the other templates print no author
        if shows_author:
            # Names as printed, placeholders (管理員) never: the luan template folds the byline into
            # its metadata line with the click counter ("作者: 王建國點擊:1234次").
            names = [n for n in art.author.split() if n not in ("管理員", "管理员", "佚名")]
            assert row["authors"] == names, placement.url
            assert row["author"] == (" ".join(names) or None), placement.url
        # cnmn's top bar shows the day the page was served (星期…): never the publication date.
        if "T" in art.published:
            # The page shows local time, to the minute; the item carries it with its offset.
            assert row["published"] == art.published[:16] + row["published"][16:], placement.url
            assert row["published"].endswith("+08:00")
        else:
            assert row["published"] == art.published


# The breadcrumb each template shows (the site's name and 首页 are not sections), and its keywords
# (cnmn's meta keywords are the site's own on every page: learned as generic, none).
SECTIONS = {"aluportal": ["资讯"], "cnmn": ["行业资讯"], "cnmn-2024": ["行业资讯"], "cnmnhk": ["資訊"], "luan": ["新聞中心"]}
KEYWORDS = {"aluportal": ["铝价", "电解铝", "有色金属"], "cnmn": []}


def test_record_fields_in_the_dump(sample_crawl, family):
    """markdown reads as the text in a real CommonMark parser; the aluportal pages' lazy-loaded
    lead picture is resolved; breadcrumbs and the 关键词 line are fields, not text."""
    from tests.test_record import assert_markdown_matches
    from crawler.items import Article

    got = sample_crawl.by_url()
    for placement in originals(family):
        row = got[placement.url]
        assert_markdown_matches(Article(**{k: row[k] for k in ("url", "text", "markdown", "images")}))
        assert row["section"] == SECTIONS[placement.site.template], placement.url
        assert row["keywords"] == KEYWORDS.get(placement.site.template, row["keywords"]), placement.url
        assert not any(line.startswith(("关键词", "您", "當前", "当前")) for line in row["text"].split("\n")), placement.url
        if placement.site.template == "aluportal":
            host = placement.url.split("/")[2]
            assert row["images"] == [{"url": f"http://{host}/upload/{placement.article.slug}.jpg", "alt": None, "caption": None, "cover": True}]
            assert row["markdown"].startswith(f"![](http://{host}/upload/{placement.article.slug}.jpg)\n\n")
    assert "'template/generic_keywords'" in sample_crawl.log


def test_encodings_scripts_and_identity(sample_crawl):
    got = sample_crawl.by_url()
    luan = got["http://www.luan.test/xwzx/2014-09/11/content_201.htm"]
    assert (luan["encoding"], luan["encoding_source"], luan["script"]) == ("gb18030", "header", "hant")
    portal = got["http://news.alu-portal.test/a/20230217/3002.shtml"]
    assert portal["encoding"] == "gb18030" and "charset-overridden" in portal["warnings"]
    hk = got["http://hk.cnmn.test/news/2010/1104/2001.html"]
    assert (hk["encoding_source"], hk["script"]) == ("meta", "hant")
    cnmn = got["http://www.cnmn.test/news/2014/1027/1001.html"]
    assert cnmn["canonical_url"] == "http://www.cnmn.test/news/2014/1027/1001.html"
    assert cnmn["script"] == "hans" and cnmn["language"] == "zh"
    assert len({row["id"] for row in sample_crawl.articles}) == len(sample_crawl.articles)


def test_site_template_line_is_learned_and_stripped_from_every_page(sample_crawl):
    """cnmn's channel credit matches no pattern: only the site's template model can remove it,
    and the pages emitted before the model was warm are fixed when the dump is finalised."""
    cnmn = [a for a in sample_crawl.articles if a["site"] == "cnmn"]
    assert len(cnmn) == 4
    assert not any("信息部协办" in a["text"] for a in cnmn)
    assert "'template/lines_removed'" in sample_crawl.log
    assert "'template/late_lines_removed'" in sample_crawl.log


def test_dump_is_finalised_with_manifest(sample_crawl):
    dump = sample_crawl.dumps[0]
    assert not list(dump.parent.glob("*.part")) and not list(dump.parent.glob("*.tmp"))
    manifest = json.loads(dump.with_name(dump.name.replace(".jsonl", ".manifest.json")).read_text(encoding="utf-8"))
    assert manifest["dump"]["lines"] == len(sample_crawl.articles)
    assert manifest["dump"]["sha256"] == hashlib.sha256(dump.read_bytes()).hexdigest()
    assert manifest["sites"]["cnmn"]["articles"] == 4


def test_crawl_counts_what_it_did(sample_crawl):
    log = sample_crawl.log
    for key in ("'boilerplate/lines_removed'", "'ruby/markup_removed'", "'ruby/pinyin_removed'",
                "'decode/charset_overridden'", "'item_dropped_reasons_count/NotAnArticle'", "'dedup/committed'"):
        assert key in log, key
    # A repost is dropped on arrival, or demoted when its original arrives later: crawl order decides.
    assert "'item_dropped_reasons_count/NearDuplicate'" in log or "'dedup/demoted'" in log


def test_late_template_pass_also_without_a_persisted_model(tmp_path, sample_server):
    from tests.conftest import run_crawl, sites_file_for

    sites = tmp_path / "sites.toml"
    sites.write_text(sites_file_for(sample_server.port), encoding="utf-8")
    result = run_crawl(tmp_path, sites, "TEMPLATE_PERSIST=False")
    cnmn = [a for a in result.articles if a["site"] == "cnmn"]
    assert len(cnmn) == 4 and not any("信息部协办" in a["text"] for a in cnmn)
    assert "'template/late_lines_removed'" in result.log
