import sqlite3

import pytest

from pipelines.stores.site_template import SiteTemplateModel, SiteTemplateStore, TemplateStoreError

PROMO = "本频道由中国有色金属工业协会信息部协办"


def page(n: int, *extra: str) -> list[str]:
    return [f"第{n}篇文章的正文，讲述了第{n}件事情的来龙去脉。", *extra]


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
