"""The page reader's share of the stages' work: the same output with it as without it."""

from __future__ import annotations

import dataclasses

from crawler.items import EXPORTED_FIELDS, Article
from crawler.offline import DropItem, build_stage_chain
from pipelines.text.article_html import ExtractConfig
from pipelines.text.extract_pool import extract_page
from pipelines.text.prepared import prepare_article

SETTINGS = {"DEDUP_ENABLED": True, "DEDUP_PERSIST": False, "TEMPLATE_MIN_PAGES": 2}


def _pages(family) -> list[tuple[str, str, str]]:
    """(site, url, html) of the sample family's articles: several per site, one template each."""
    return [(host, f"http://{host}{p.path}", family.article_page(p)) for host, site in family.sites.items() for p in site.placements]


def _run(family, prepare: bool) -> tuple[list[dict], dict]:
    chain = build_stage_chain(SETTINGS)
    template = next(s for s in chain.stages if type(s).__name__ == "TemplateStage")
    out = []
    for site, url, html in _pages(family):
        extraction = extract_page(html, url, ExtractConfig(), True)
        prepared = None
        if prepare and extraction[0] == "ok":
            found = extraction[1]
            # as the page reader does it: with the site's template lines when the page is sent
            prepared = prepare_article(found.text, found.title, found.alternative, found.html_lang, template.model.template_keys(site))
        item = Article(url=url, site=site, domain=site, fetched_at="1970-01-01T00:00:00+00:00", http_status=200,
                       encoding="utf-8", encoding_source="test", extraction=extraction, prepared=prepared, url_is_article=True)
        try:
            item = chain.process(item)
        except DropItem as drop:
            out.append({"url": url, "dropped": type(drop).__name__, "reason": str(drop)})
            continue
        out.append({name: getattr(item, name) for name in EXPORTED_FIELDS})
    stats = chain.crawler.stats.get_stats()
    return out, stats


def test_stages_give_the_same_output_with_the_readers_work_as_without(family):
    plain, plain_stats = _run(family, prepare=False)
    ahead, ahead_stats = _run(family, prepare=True)
    assert ahead == plain
    assert sum(1 for row in plain if "dropped" not in row) >= 10
    assert plain_stats.get("template/lines_removed")  # the template stage did strip lines: both paths tried
    assert plain_stats.get("dedup/kept")
    stale = {k: v for k, v in ahead_stats.items() if k.startswith("prepared/stale/")}
    # Only the first pages of a site reach the template stage before their template lines are known;
    # most pages take all of the reader's work.
    assert sum(stale.values()) < len(ahead) / 2, stale
    # single pages: the boilerplate and template stages always see the text the reader saw
    assert "prepared/stale/boilerplate" not in stale and "prepared/stale/template" not in stale
    same = {k: v for k, v in ahead_stats.items() if not k.startswith("prepared/") and not k.startswith("start_time")}
    assert same == {k: v for k, v in plain_stats.items() if not k.startswith("start_time")}


def test_work_for_another_text_is_not_used(family):
    """An item whose text is not the one the work was done on (a multi-page article's joined
    text) gets the stages' own work."""
    (site, url, html), (_, _, other_html) = _pages(family)[:2]
    extraction = extract_page(html, url, ExtractConfig(), True)
    other = extract_page(other_html, url, ExtractConfig(), True)[1]
    wrong = prepare_article(other.text, other.title, other.alternative, other.html_lang)
    rows = []
    for prepared in (None, wrong):
        chain = build_stage_chain(SETTINGS)
        item = Article(url=url, site=site, domain=site, fetched_at="1970-01-01T00:00:00+00:00", http_status=200,
                       encoding="utf-8", encoding_source="test", extraction=extraction, prepared=prepared, url_is_article=True)
        rows.append(dataclasses.asdict(chain.process(item)) | {"prepared": None})
        if prepared is not None:
            assert chain.crawler.stats.get_value("prepared/stale/fingerprint") == 1
    assert rows[0] == rows[1]
