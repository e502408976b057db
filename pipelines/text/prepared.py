"""The stages' pure work on one article, done ahead by the page reader in its worker.

Scrapy-free. After extraction, the stages start with work that depends on the page
alone: classifying and stripping boilerplate lines (with pinyin removal), template
line keys, mojibake repair, script and language, ``normalise_for_matching``, the
content hash, the MinHash signature and its band keys. ``prepare_article`` does
all of it in the worker that extracted the page, and the item carries the result
(``Article.prepared``) to the crawl process, which keeps only what needs the run's
state: counting and stripping template lines, the repost index, URL state.

Each stage takes its part only when the text in front of it is the text that part
was computed from (``Prepared.boilerplate_for`` and friends compare the inputs), and
computes it itself otherwise: offline tools (no page reader), multi-page articles
(the joined text), a template line the site's model learned after the page was
sent to the worker. So a crawl's output is the same with or without it.

The template lines the worker strips are a snapshot of the site's model taken when
the page was sent (``SiteTemplateModel.template_keys``); the template stage strips
with the model as it is then, and the fingerprint stage's check tells whether the
two agreed.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.text.mojibake import MojibakeReport, check_text
from pipelines.text.normalise import ScriptConverter, content_hash, detect_language


@dataclass(frozen=True)
class TextFacts:
    """What the fingerprint stage reads off an article's text (``text_facts``)."""

    text: str  # the text they were computed from
    declared_language: str | None  # the page's lang attribute, the language's fallback
    mojibake: MojibakeReport  # .text: the text, repaired
    script: str | None
    language: str | None
    matching_text: str
    content_hash: str


def text_facts(text: str, declared_language: str | None, converter: ScriptConverter) -> TextFacts:
    """Mojibake repair, then script, language, matching text and hash of the repaired text."""
    report = check_text(text)
    repaired = report.text
    matching = converter.normalise_for_matching(repaired)
    return TextFacts(text, declared_language, report, converter.script(repaired), detect_language(repaired, declared_language),
                     matching, content_hash(matching))
