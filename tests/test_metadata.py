"""The metadata stage (pipelines/metadata.py) on items as the crawl hands them over: the page's
candidates read in the page reader, the text the extraction kept."""

from __future__ import annotations

import lxml.html
from scrapy.utils.test import get_crawler

from crawler.items import Article
from pipelines.metadata import MetadataStage
from pipelines.text.metadata import read_metadata

GAZETTE = (
    "<html><head><title>全国人民代表大会常务委员会关于批准财政部发行特别国债购买外汇的决议__2007年第23号国务院公报_中国政府网</title>"
    "<meta name='firstpublishedtime' content='2007-08-20'></head><body><div>|简|繁|</div></body></html>"
)


def test_a_chinese_title_loses_the_sites_affixes_when_the_text_kept_is_short():
    # The extraction kept only a language switch and a link (a real page of gov.cn): the title is still Chinese, and its
    # doubled separator and the site's name after it are still no part of the headline.
    stats = get_crawler().stats
    stage = MetadataStage(stats, "Asia/Shanghai", {})
    url = "https://www.gov.cn/gongbao/content/2007/content_1.htm"
    item = Article(url=url, site="govcn", text="|\n简\n|\n繁\n|\n|\n|\n|\nhttps://www.gov.cn/", title=None, fetched_at="2024-01-01T00:00:00+00:00", url_is_article=True)
    item.page_meta = read_metadata(lxml.html.fromstring(GAZETTE), url, html=GAZETTE)
    got = stage.process_item(item)
    assert got.title == "全国人民代表大会常务委员会关于批准财政部发行特别国债购买外汇的决议"
    assert got.published == "2007-08-20"
    assert stats.get_value("meta/title/title_tag") == 1


def test_a_title_that_is_the_sites_name_on_every_page_is_no_title():
    # pts.org.tw: <title>公共電視台 新聞網</title> on every page and the headline in a bare <td>;
    # the extractor's title is that <title> too. Once the site's pages show it, it is no headline.
    stats = get_crawler().stats
    stage = MetadataStage(stats, "Asia/Taipei", {}, min_pages=3)
    titles = []
    for n in range(4):
        url = f"http://news.pts.org.tw/detail.php?NEENO={n}"
        html = (f"<html><head><title>公共電視台 新聞網</title></head><body><table><tr><td>第{n}則新聞的標題在這裡</td></tr></table>"
                "<div class='Page'>" + "中風年齡越來越年輕，醫師建議有家族病史的高危險群到醫院詳細檢查。" * 6 + "</div></body></html>")
        item = Article(url=url, site="pts", text="中風年齡越來越年輕。" * 10, title="公共電視台 新聞網",
                       fetched_at="2024-01-01T00:00:00+00:00", url_is_article=True)
        item.page_meta = read_metadata(lxml.html.fromstring(html), url, html=html)
        titles.append(stage.process_item(item).title)
    assert titles[0] == "公共電視台 新聞網" and titles[-1] is None
    assert stats.get_value("meta/rejected/title/site_name") >= 1
