"""Extraction benchmark: our decode -> extract -> strip against trafilatura and readability.

    .venv/bin/python bench/extraction.py DIR [DIR ...] [--json OUT] [--predictions PRED_DIR] [--cold]

DIR is a folder in the shared extraction layout (html/<id>.html, gold/<id>.txt,
optional meta.jsonl). Every extractor runs on the same bytes in the same run:

  ours                  exactly what the crawl applies: decode_body, then the item
                        pipeline stages (ruby, trafilatura, link lists, Chinese
                        boilerplate lines, per-site templates, mojibake check)
  trafilatura           bare trafilatura.extract (include_tables=True, include_comments=False)
  trafilatura_precision trafilatura.extract(favor_precision=True)
  readability           readability-lxml Document(...).summary(), as text

Template learning sees the pages of the same host (meta.jsonl url/host), in a
first pass, as a crawl's site would over its run; --cold turns it off.

--profiles: ours reads each host's pages in order through the site profiles, as a
crawl's page reader does (PROFILE_MIN_PAGES, PROFILE_AUDIT_EVERY from --set): a host
with enough pages of one layout is then read by the fast path. Counted: fast/full pages.

Regressions: pages where ours has recall < 0.6 and at least 0.3 below bare
trafilatura's on the same page (ours ships something else than the article, or
nothing, where the plain extractor finds it). Listed with their ids per dataset,
with how many pages went through each of our extraction fallbacks (stats
``extract/fallback/<kind>``).

Negatives: pages with an empty gold file (list, section, index pages) are scored
above as the rest (ours as a known article), and reported again on their own
line: how many each extractor dumps as an article in the crawl's auto mode. Ours
then reads them as a crawl reads a page its site has no article_pattern for and
that came from a sitemap (url_is_article None, discovered_via "sitemap"): neither
the URL nor the missing publication date refuses it, only its content does, as
for a page from a WARC. trafilatura has no such mode: a page is dumped when it
returns text. --auto also reads every article that way and lists the articles
auto mode loses (the list and length tests refuse them).

Scoring is the shared definition (../shared/extraction/README.txt): one token per
CJK character, \\w+ runs otherwise; bags of 4-token shingles; P and R per page,
averaged; F1 of the averages. A dataset whose meta.jsonl has lang_guess is also
reported per language ("magic_html_article[zh]").
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import lxml.html  # noqa: E402
import trafilatura  # noqa: E402

from crawler.offline import DropItem, build_stage_chain  # noqa: E402
from pipelines.template import TemplateStage  # noqa: E402
from pipelines.text.charset import decode_body  # noqa: E402

_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]|[^\W\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")


def shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    if len(tokens) < n:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def score_page(pred: str, gold: str) -> tuple[float, float]:
    p, g = shingles(pred), shingles(gold)
    if not p and not g:
        return 1.0, 1.0
    tp = sum((p & g).values())
    precision = tp / sum(p.values()) if p else 0.0
    recall = tp / sum(g.values()) if g else 0.0
    return precision, recall


@dataclass
class Page:
    id: str
    html: bytes
    gold: str
    host: str
    url: str
    lang: str | None


@dataclass
class SnippetPage(Page):
    must: tuple[str, ...] = ()
    must_not: tuple[str, ...] = ()


def load_snippet_dataset(folder: Path) -> list[SnippetPage]:
    """trafilatura's evaluation layout: {url: {file, with[], without[]}} + html/<file>."""
    pages = []
    for spec in sorted(folder.glob("*.json")):
        for url, entry in json.loads(spec.read_text(encoding="utf-8")).items():
            html = folder / "html" / entry["file"]
            if html.exists():
                pages.append(SnippetPage(entry["file"], html.read_bytes(), "", urlsplit(url).hostname or "", url, None,
                                         tuple(entry.get("with", [])), tuple(entry.get("without", []))))
    return pages


def score_snippets(scores: list) -> dict:
    """trafilatura's published scoring: snippets found/absent, counts summed over the corpus."""
    tp = fn = fp = tn = 0
    for page, text in scores:
        flat = re.sub(r"\s+", " ", text)
        for s in page.must:
            found = re.sub(r"\s+", " ", s) in flat
            tp += found
            fn += not found
        for s in page.must_not:
            found = re.sub(r"\s+", " ", s) in flat
            fp += found
            tn += not found
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"P": round(p, 4), "R": round(r, 4), "F1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "accuracy": round((tp + tn) / max(1, tp + tn + fp + fn), 4), "snippets": tp + fn + fp + tn}


def load_dataset(folder: Path) -> list[Page]:
    if not (folder / "gold").is_dir():
        return load_snippet_dataset(folder)
    meta = {}
    if (folder / "meta.jsonl").exists():
        for line in (folder / "meta.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                meta[row["id"]] = row
    pages = []
    for html in sorted((folder / "html").glob("*.html")):
        gold = folder / "gold" / f"{html.stem}.txt"
        if not gold.exists():
            continue
        m = meta.get(html.stem, {})
        url = m.get("url") or (f"http://{m['host']}/{html.stem}" if m.get("host") else f"http://{folder.name}.bench.invalid/{html.stem}.html")
        pages.append(Page(html.stem, html.read_bytes(), gold.read_text(encoding="utf-8"), m.get("host") or urlsplit(url).hostname or "", url, m.get("lang_guess")))
    return pages


# -- extractors --------------------------------------------------------------------


def run_trafilatura(page: Page, **kw) -> str:
    text = decode_body(page.html, {}, page.url).text
    return trafilatura.extract(text, url=page.url, include_comments=False, include_tables=True, **kw) or ""


def run_readability(page: Page) -> str:
    from readability import Document

    html = decode_body(page.html, {}, page.url).text
    try:
        summary = Document(html).summary(html_partial=True)
    except Exception:  # readability raises on empty or odd documents
        return ""
    tree = lxml.html.fromstring(summary) if summary.strip() else None
    if tree is None:
        return ""
    blocks = [re.sub(r"\s+", " ", el.text_content()).strip() for el in tree.iter("p", "h1", "h2", "h3", "h4", "li", "pre", "blockquote", "td")]
    return "\n".join(b for b in blocks if b)


class Ours:
    """The crawl's own chain. With templates on, a first pass lets each host's model
    count all of its pages (what the dump finalisation does over a site's run),
    then the second pass strips."""

    def __init__(self, cold: bool, overrides: dict | None = None, profiles: bool = False) -> None:
        self.chain = build_stage_chain({"TEMPLATE_ENABLED": not cold, **(overrides or {})})
        self.template = next((s for s in self.chain.stages if isinstance(s, TemplateStage)), None)
        self.profiles = None
        if profiles:
            from crawler.profiles import ProfileSettings, SiteProfiles
            from pipelines.extract import extract_config
            from pipelines.text.profile import ProfileBook

            s = ProfileSettings.from_settings(self.chain.crawler.settings)
            self.profiles = SiteProfiles(self.chain.crawler, ProfileBook(s.min_pages, s.audit_every), None)
            self.config = extract_config(self.chain.crawler.settings)

    def warm(self, pages: list[Page]) -> None:
        if self.template is None:
            return
        before = self.chain.stages[: self.chain.stages.index(self.template)]
        for page in pages:
            try:
                item = self.chain.page(page.html, {}, page.url, site=page.host, url_is_article=True, _stages=before)
            except DropItem:
                continue
            self.template.model.observe(page.host, (item.text or "").split("\n"))
        self.template.learning = False

    def _profiled(self, page: Page) -> tuple:
        """The page as the crawl's page reader reads it with site profiles on (in this process)."""
        from pipelines.text.article_html import parse_html
        from pipelines.text.extract_pool import extract_page
        from pipelines.text.profile import read_with_plan
        from pipelines.text.ruby import strip_ruby_markup

        html, n_ruby = strip_ruby_markup(decode_body(page.html, {}, page.url).text)
        plan = self.profiles.plan(page.host, page.url, True)
        result, report = read_with_plan(html, page.url, self.config, True, parse_html(html), n_ruby, plan, extract_page)
        self.profiles.report(page.host, page.url, result, report)
        return result

    def __call__(self, page: Page) -> tuple[str, str]:
        try:
            extra = {"extraction": self._profiled(page)} if self.profiles is not None else {}
            item = self.chain.page(page.html, {}, page.url, site=page.host, url_is_article=True, **extra)
        except DropItem:
            return "", ""
        return item.text or "", item.title or ""

    def auto(self, page: Page) -> str:
        """The page as the crawl reads one whose URL is not known as an article or a list and
        that a sitemap named: only its content can refuse it. The text dumped, or "".
        (Not counted in the fallbacks, which are the scored pages'.)"""
        stats = self.chain.crawler.stats
        counted = dict(stats.get_stats())
        try:
            item = self.chain.page(page.html, {}, page.url, site=page.host, url_is_article=None, discovered_via="sitemap")
        except DropItem:
            return ""
        finally:
            stats.set_stats(counted)
        return item.text or ""


REGRESSION_RECALL = 0.6
REGRESSION_GAP = 0.3


def regressions(per_page: dict[str, dict[str, tuple[float, float]]]) -> list[dict]:
    """Pages where ours recalls < 0.6 of the gold and >= 0.3 less than bare trafilatura."""
    ours, plain = per_page.get("ours", {}), per_page.get("trafilatura", {})
    out = []
    for pid, (p, r) in ours.items():
        if pid in plain and r < REGRESSION_RECALL and plain[pid][1] - r >= REGRESSION_GAP:
            out.append({"id": pid, "ours_P": round(p, 3), "ours_R": round(r, 3),
                        "trafilatura_P": round(plain[pid][0], 3), "trafilatura_R": round(plain[pid][1], 3)})
    return out


def auto_mode(pages: list[Page], extractors: dict, preds: dict[str, list], auto_articles: bool) -> dict[str, dict[str, list[str]]]:
    """Per extractor: the negatives it dumps (``negatives_dumped``) and, with ``auto_articles``,
    the articles it drops (``articles_lost``), in the crawl's auto mode (``Ours.auto``; an
    extractor without one dumps what it returned)."""
    out: dict[str, dict[str, list[str]]] = {}
    for ex_name, fn in extractors.items():
        auto = getattr(fn, "auto", None)
        texts = preds[ex_name]
        dumped, lost = [], []
        for page, pred in zip(pages, texts):
            negative = not page.gold.strip()
            if not (negative or auto_articles):
                continue
            text = auto(page) if auto is not None else (pred[0] if isinstance(pred, tuple) else pred)
            if negative and text.strip():
                dumped.append(page.id)
            elif not negative and not text.strip():
                lost.append(page.id)
        out[ex_name] = {"negatives_dumped": dumped}
        if auto_articles:
            out[ex_name]["articles_lost"] = lost
    return out


def evaluate(name: str, pages: list[Page], extractors: dict, predictions: Path | None, auto_articles: bool = False) -> dict:
    out: dict[str, dict] = {}
    per_page: dict[str, dict[str, tuple[float, float]]] = {}
    by_lang: dict[str, dict] = defaultdict(dict)
    all_preds: dict[str, list] = {}
    for ex_name, fn in extractors.items():
        scores = []
        t0 = time.perf_counter()
        preds = all_preds[ex_name] = []
        for page in pages:
            pred = fn(page)
            preds.append(pred)
        elapsed = time.perf_counter() - t0
        if pages and isinstance(pages[0], SnippetPage):
            res = score_snippets([(pg, pr[0] if isinstance(pr, tuple) else pr) for pg, pr in zip(pages, preds)])
            out[ex_name] = {**res, "pages": len(pages), "pages_per_s": round(len(pages) / elapsed, 2) if elapsed else None}
            continue
        for page, pred in zip(pages, preds):
            text = pred[0] if isinstance(pred, tuple) else pred
            scores.append((page, *score_page(text, page.gold)))
            per_page.setdefault(ex_name, {})[page.id] = scores[-1][1:]
            if predictions is not None and ex_name == "ours":
                d = predictions / name
                d.mkdir(parents=True, exist_ok=True)
                (d / f"{page.id}.json").write_text(json.dumps({"title": pred[1], "text": pred[0]}, ensure_ascii=False), encoding="utf-8")
        out[ex_name] = summarise(scores, len(pages) / elapsed if elapsed else 0.0)
        for lang in sorted({p.lang for p in pages if p.lang}):
            sub = [s for s in scores if s[0].lang == lang]
            by_lang[lang][ex_name] = summarise(sub, None)
    result = {name: out}
    for lang, res in by_lang.items():
        result[f"{name}[{lang}]"] = res
    if "ours" in per_page and "trafilatura" in per_page:
        regressed = regressions(per_page)
        langs = {p.id: p.lang for p in pages}
        out["ours"]["regressions"] = regressed
        for lang in by_lang:
            by_lang[lang]["ours"]["regressions"] = [r for r in regressed if langs[r["id"]] == lang]
    if pages and not isinstance(pages[0], SnippetPage):
        n_negative = sum(1 for p in pages if not p.gold.strip())
        if n_negative or auto_articles:
            for ex_name, found in auto_mode(pages, extractors, all_preds, auto_articles).items():
                out[ex_name].update(found, negatives=n_negative)
    return result


def summarise(scores: list, pages_per_s: float | None) -> dict:
    n = len(scores) or 1
    p = sum(s[1] for s in scores) / n
    r = sum(s[2] for s in scores) / n
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"P": round(p, 4), "R": round(r, 4), "F1": round(f1, 4), "pages": len(scores), "pages_per_s": round(pages_per_s, 2) if pages_per_s else None}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", nargs="+", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--predictions", type=Path)
    parser.add_argument("--cold", action="store_true", help="no per-site template learning")
    parser.add_argument("--profiles", action="store_true", help="read each host's pages in order through the site profiles")
    parser.add_argument("--only", help="comma-separated extractors to run (default: all)")
    parser.add_argument("--auto", action="store_true", help="also read every article in auto mode and list those ours loses")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="override a project setting for ours")
    args = parser.parse_args()

    results: dict[str, dict] = {}
    for folder in args.datasets:
        pages = load_dataset(folder)
        ours = Ours(args.cold, dict(kv.split("=", 1) for kv in args.set), args.profiles)
        ours.warm(pages)
        extractors = {
            "ours": ours,
            "trafilatura": run_trafilatura,
            "trafilatura_precision": lambda p: run_trafilatura(p, favor_precision=True),
            "readability": run_readability,
        }
        if args.only:
            keep = set(args.only.split(","))
            extractors = {k: v for k, v in extractors.items() if k in keep}
        before = dict(ours.chain.crawler.stats.get_stats())
        results.update(evaluate(folder.name, pages, extractors, args.predictions, args.auto))
        if "ours" in results[folder.name]:
            after = ours.chain.crawler.stats.get_stats()
            results[folder.name]["ours"]["fallbacks"] = {
                k.split("/", 2)[2]: v - before.get(k, 0) for k, v in sorted(after.items())
                if k.startswith("extract/fallback/") and v - before.get(k, 0)
            }
            if args.profiles:
                results[folder.name]["ours"]["profile"] = {
                    k.split("/", 1)[1]: v - before.get(k, 0) for k, v in sorted(after.items()) if k.startswith("profile/") and v - before.get(k, 0)
                }

    print(f"{'dataset':<32} {'extractor':<22} {'P':>6} {'R':>6} {'F1':>6} {'pages':>6} {'pages/s':>8}")
    for ds, res in results.items():
        for ex, r in res.items():
            pps = f"{r['pages_per_s']:.1f}" if r["pages_per_s"] else ""
            print(f"{ds:<32} {ex:<22} {r['P']:>6.3f} {r['R']:>6.3f} {r['F1']:>6.3f} {r['pages']:>6} {pps:>8}")
        if "ours" in res and "trafilatura" in res and res["ours"]["pages_per_s"]:
            print(f"{'':<32} {'speed ours/trafilatura':<22} {res['ours']['pages_per_s'] / res['trafilatura']['pages_per_s']:.2f}x")
        if "regressions" in res.get("ours", {}):
            regressed = res["ours"]["regressions"]
            print(f"{'':<32} {'regressions':<22} {len(regressed)}" + (": " + ", ".join(r["id"][:24] for r in regressed) if regressed else ""))
        if res.get("ours", {}).get("negatives"):
            dumped = {ex: r["negatives_dumped"] for ex, r in res.items() if "negatives_dumped" in r}
            print(f"{'':<32} {'negatives dumped':<22} " + ", ".join(f"{ex} {len(ids)}/{res[ex]['negatives']}" for ex, ids in dumped.items())
                  + (" (ours: " + ", ".join(i[:24] for i in dumped["ours"]) + ")" if dumped.get("ours") else ""))
        if res.get("ours", {}).get("articles_lost") is not None and res["ours"]["pages"] > res["ours"]["negatives"]:
            lost = res["ours"]["articles_lost"]
            n_articles = res["ours"]["pages"] - res["ours"]["negatives"]
            print(f"{'':<32} {'auto mode lost':<22} {len(lost)}/{n_articles}" + (": " + ", ".join(i[:24] for i in lost) if lost else ""))
        if res.get("ours", {}).get("profile"):
            print(f"{'':<32} {'profiles':<22} " + ", ".join(f"{k} {v}" for k, v in res["ours"]["profile"].items()))
        if res.get("ours", {}).get("fallbacks"):
            print(f"{'':<32} {'fallbacks':<22} " + ", ".join(f"{k} {v}" for k, v in res["ours"]["fallbacks"].items()))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
