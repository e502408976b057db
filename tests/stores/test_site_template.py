import sqlite3

import pytest

from pipelines.stores.site_template import SiteTemplateModel, SiteTemplateStore, TemplateStoreError

PROMO = "本频道由中国有色金属工业协会信息部协办"


def page(n: int, *extra: str) -> list[str]:
    # pages differ in words, not only in numbers (numbers are masked in short lines)
    return [f"这是{chr(0x4E00 + 7 * n)}字开头的一篇文章的正文，讲述了一件事情的来龙去脉。", *extra]


def test_a_line_on_k_distinct_pages_is_template():
    m = SiteTemplateModel(min_pages=3)
    m.observe("cnmn", page(1, PROMO))
    m.observe("cnmn", page(2, PROMO))
    assert not m.is_template("cnmn", PROMO)
    m.observe("cnmn", page(3, PROMO))
    assert m.is_template("cnmn", PROMO)
    assert m.strip("cnmn", page(4, PROMO)) == (page(4), [PROMO])
    assert not m.is_template("other-site", PROMO)


def test_the_same_text_under_two_urls_counts_once():
    m = SiteTemplateModel(min_pages=2)
    assert m.observe("s", page(1, PROMO)) is True
    assert m.observe("s", page(1, PROMO)) is False
    assert not m.is_template("s", PROMO)


def test_a_sentence_quoted_by_two_reposts_is_not_taken():
    quote = "“教育实践活动有期限，加强作风建设无尽期。”"
    m = SiteTemplateModel(min_pages=3)
    m.observe("s", page(1, quote))
    m.observe("s", page(2, quote))
    assert m.strip("s", page(3, quote)) == (page(3, quote), [])


def test_never_strips_a_whole_page():
    m = SiteTemplateModel(min_pages=2)
    for n in range(3):
        m.observe("s", [PROMO, f"x{n}"])
    assert m.strip("s", [PROMO]) == ([PROMO], [])


def test_store_round_trip_starts_the_next_run_warm(tmp_path):
    store = SiteTemplateStore(tmp_path / "templates.sqlite")
    m = SiteTemplateModel(min_pages=3)
    for n in range(3):
        m.observe("cnmn", page(n, PROMO))
    store.save(m)
    warm = SiteTemplateStore(tmp_path / "templates.sqlite").load(min_pages=3)
    assert warm.is_template("cnmn", PROMO)
    assert warm.observe("cnmn", page(0, PROMO)) is False  # pages already counted stay counted


def test_store_refuses_another_algorithm_and_is_loud_when_corrupt(tmp_path):
    path = tmp_path / "templates.sqlite"
    SiteTemplateStore(path).save(SiteTemplateModel())
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value='site-template/0' WHERE key='algorithm'")
    with pytest.raises(TemplateStoreError, match="built by"):
        SiteTemplateStore(path).load(min_pages=3)
    bad = tmp_path / "corrupt.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(TemplateStoreError, match="unreadable"):
        SiteTemplateStore(bad).load(min_pages=3)


def test_a_line_that_differs_only_in_its_url_or_number_is_one_template_line():
    """A reprint notice naming each page's own URL, a view counter: variable parts masked."""
    m = SiteTemplateModel(min_pages=3)
    notice = "本文來源於網絡，由本站整理發佈，轉載請保留原文鏈接：http://www.example.test/view.php?aid={}"
    for n in range(1, 4):
        m.observe("s", page(n, notice.format(7950 + n), f"浏览次数：{100 * n + 7}"))
    kept, removed = m.strip("s", page(9, notice.format(7957), "浏览次数：4321"))
    assert kept == page(9) and len(removed) == 2
    # a long sentence that differs only in its numbers stays (a daily price report)
    report = "今日长江现货市场铝锭价格报{}元/吨，较上一交易日上涨{}元/吨，市场成交较为活跃，下游企业按需采购。"
    for n in range(1, 4):
        m.observe("s", page(10 + n, report.format(18000 + n, n)))
    assert m.strip("s", page(20, report.format(18100, 9)))[1] == []
