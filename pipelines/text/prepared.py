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
from typing import AbstractSet

from pipelines.stores.repost_index import Fingerprint, fingerprint
from pipelines.stores.site_template import split_template_lines, text_keys
from pipelines.text.lines_zh import BoilerplateClassifier, StripResult, strip_article
from pipelines.text.mojibake import MojibakeReport, check_text
from pipelines.text.normalise import ScriptConverter, content_hash, default_converter, detect_language


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


@dataclass(frozen=True)
class Prepared:
    """The stages' work on one extracted page, each part with the input it was computed from."""

    source: tuple[str, str | None, str | None]  # the extraction's (text, title, alternative text)
    boilerplate: StripResult  # BoilerplateStage: strip_article(text, title, alternative)
    fallback: str | None  # the kind of evidence default mode's text was taken for, or None
    template_keys: tuple[int, list[int]]  # TemplateStage: text_keys of the stripped text's lines
    facts: TextFacts  # FingerprintStage: of the text left after the snapshot's template lines
    fingerprint: Fingerprint  # DedupStage: of facts.matching_text

    def boilerplate_for(self, text: str, title: str | None, alternative: str | None) -> tuple[StripResult, str | None] | None:
        if self.source != (text, title, alternative):
            return None
        return self.boilerplate, self.fallback

    def template_keys_for(self, text: str) -> tuple[int, list[int]] | None:
        return self.template_keys if text == self.boilerplate.text else None

    def facts_for(self, text: str, declared_language: str | None) -> TextFacts | None:
        return self.facts if text == self.facts.text and declared_language == self.facts.declared_language else None

    def fingerprint_for(self, matching_text: str) -> Fingerprint | None:
        return self.fingerprint if matching_text == self.facts.matching_text else None


def prepare_article(
    text: str, title: str | None, alternative: str | None, declared_language: str | None,
    template_lines: AbstractSet[int] = frozenset(), classifier: BoilerplateClassifier | None = None,
) -> Prepared:
    """The chain's pure work on an extracted article (text, title, alternative text, the page's
    lang attribute), as the stages would do it; ``template_lines``: the site's template line
    keys when the page was sent."""
    converter = default_converter()
    stripped, fallback = strip_article(classifier or BoilerplateClassifier(converter), text, title, alternative)
    lines = stripped.text.split("\n")
    keys = text_keys(lines)
    kept, removed = split_template_lines(lines, [k in template_lines for k in keys[1]])
    facts = text_facts("\n".join(kept) if removed else stripped.text, declared_language, converter)
    fp = fingerprint(facts.matching_text)
    fp.band_keys  # noqa: B018 (computed here, in the worker; the index reads them)
    return Prepared((text, title, alternative), stripped, fallback, keys, facts, fp)
