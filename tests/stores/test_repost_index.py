"""RepostIndex on real text: every repost variant, the hard negatives, persistence and parameters."""

from __future__ import annotations

import random
import sqlite3
import tomllib
from pathlib import Path

import opencc
import pytest

from pipelines.text.lines_zh import BoilerplateClassifier
from pipelines.text.normalise import normalise_for_matching
from pipelines.stores.repost_index import IndexMismatch, RepostIndex, fingerprint

ARTICLES = Path(__file__).resolve().parents[2] / "samples" / "articles"


def body(slug: str) -> list[str]:
    data = tomllib.loads((ARTICLES / f"{slug}.toml").read_text(encoding="utf-8"))
    return [l for l in data["body"].splitlines() if l.strip()]


def fp(lines: list[str]):
    return fingerprint(normalise_for_matching("\n".join(lines)))


ORIGINAL = body("shanxi-satisfaction")
FOOTER_A = ["如需了解更多信息,请登录中国有色网了解更多信息。", "中国有色网声明:本网所有内容的版权均属于作者或页面内声明的版权人。"]
FOOTER_B = ["免责声明：本站信息仅供参考，不构成投资建议。", "铝业门户 版权所有 © 2008-2023"]


def edit(lines: list[str], share: float, seed: int = 7) -> list[str]:
    text = list("\n".join(lines))
    rng = random.Random(seed)
    han = [i for i, c in enumerate(text) if "\u4e00" <= c <= "\u9fff"]
    for i in rng.sample(han, int(share * len(text))):
        text[i] = "铝" if text[i] != "铝" else "铜"
    return "".join(text).split("\n")


VARIANTS = {
    "footer swap": ORIGINAL + FOOTER_B,
    "traditional": opencc.OpenCC("s2t").convert("\n".join(ORIGINAL)).split("\n"),
    "dateline added": ["本报讯（记者 王明）" + ORIGINAL[0]] + ORIGINAL[1:],
    "last paragraph dropped": ORIGINAL[:-1],
    "1% edits": edit(ORIGINAL, 0.01),
    "3% edits": edit(ORIGINAL, 0.03),
    "new title line": ["山西铝业：群众路线教育实践活动成效显著"] + ORIGINAL,
    "combination": opencc.OpenCC("s2t").convert("\n".join(["本报讯（记者 王明）" + ORIGINAL[0]] + edit(ORIGINAL, 0.02)[1:-1])).split("\n"),
}


@pytest.fixture
def index(tmp_path):
    idx = RepostIndex(tmp_path / "reposts.sqlite").open()
    idx.add("orig", fp(ORIGINAL + FOOTER_A))
    yield idx
    idx.close()


@pytest.mark.parametrize("name", list(VARIANTS))
def test_every_variant_is_caught(index, name):
    match = index.find(fp(VARIANTS[name]))
    assert match is not None and match.article_id == "orig", name


def test_same_topic_articles_are_not_duplicates(tmp_path):
    # Seeds 000 and 001: the same outlet, the same campaign (创先争优), different articles.
    idx = RepostIndex(None).open()
    idx.add("a", fp(body("shanxi-chuangxian")))
    assert idx.find(fp(body("chalco-deepen"))) is None
    idx.add("b", fp(body("chalco-safety-meeting")))
    assert idx.find(fp(body("recycled-aluminium"))) is None


def test_short_articles_sharing_a_site_template_are_kept_apart():
    """Raw, their long shared footer makes them look alike; dedup runs on stripped text."""
    footer = [
        "中国有色网声明:本网所有内容的版权均属于作者或页面内声明的版权人。",
        "凡注明文章来源为“中国有色金属报”或 “中国有色网”的文章,均为中国有色网原创或者是合作机构授权同意发布的文章。",
        "如需转载,转载方必须与中国有色网联系,签署授权协议,取得转载授权;",
        "凡本网注明“来源:XXX”的文章,均转载自其它媒体,转载目的在于传递更多信息,并不构成投资建议,仅供读者参考。",
        "若据本文章操作,所有后果读者自负,中国有色网概不负任何责任。",
    ]
    a = ["今日长江现货铝价每吨上涨120元，成交活跃。"] + footer
    b = ["今日南储现货铜价每吨下跌80元，下游观望。"] + footer
    raw = RepostIndex(None).open()
    raw.add("a", fp(a))
    assert raw.find(fp(b)) is not None  # the classic false positive, on unstripped text
    clf = BoilerplateClassifier()
    stripped = RepostIndex(None).open()
    stripped.add("a", fp(clf.strip("\n".join(a)).text.split("\n")))
    assert stripped.find(fp(clf.strip("\n".join(b)).text.split("\n"))) is None


def test_kept_texts_persist_only_once_committed(tmp_path):
    path = tmp_path / "reposts.sqlite"
    idx = RepostIndex(path).open()
    idx.add("orig", fp(ORIGINAL))
    idx.close()  # a crash before the dump was finalised: nothing committed
    idx = RepostIndex(path).open()
    assert idx.find(fp(ORIGINAL)) is None
    idx.add("orig", fp(ORIGINAL))
    idx.commit("run1", "run1.jsonl")
    idx.close()
    again = RepostIndex(path).open()
    match = again.find(fp(VARIANTS["3% edits"]))
    assert match is not None and match.article_id == "orig" and not match.pending
    assert again.committed_runs() == {"run1"}


def test_store_refuses_other_parameters(tmp_path):
    path = tmp_path / "reposts.sqlite"
    RepostIndex(path).open().close()
    with sqlite3.connect(path) as conn:
        conn.execute("""UPDATE meta SET value=replace(value, '"bands": 32', '"bands": 9') WHERE key='params'""")
    with pytest.raises(IndexMismatch, match="built with"):
        RepostIndex(path).open()
