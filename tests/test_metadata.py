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
