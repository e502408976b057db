"""Repost-detection benchmark: our RepostIndex against datasketch, in one run.

    .venv/bin/python bench/dedup.py [--corpus FILE] [--docs N] [--scales 10000,100000] [--json OUT]

The labelled suite is generated here from real Chinese news text (default
../shared/corpora/cnews_dev.txt, "<label>\\t<text>" per line; nothing of it is
committed). Half of each category's articles are indexed; then:

  positives   each indexed article's variants must match it: footer swap,
              traditional conversion, dateline added, last paragraph dropped,
              1% and 3% character edits, new title line, and a combination
  negatives   must match nothing: the other half of the category (same topic,
              different articles; the corpus's own reposts are dropped first,
              judged by exact shingle overlap), and short articles that share one long
              site footer (ours strips boilerplate and site templates first,
              as the crawl does; datasketch sees the raw text)

datasketch runs with its own defaults (MinHashLSH threshold 0.8, automatic
banding) over character 5-grams of the raw text. Also reported: signatures per
second for 2,000-character articles on one core, and the index's bytes per
document and insert+query cost at each scale (synthetic signatures: cost does
not depend on the text).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import opencc  # noqa: E402

from pipelines.text.lines_zh import BoilerplateClassifier  # noqa: E402
from pipelines.text.normalise import ScriptConverter  # noqa: E402
from pipelines.stores.repost_index import NUM_PERM, Fingerprint, RepostIndex, fingerprint, shingles  # noqa: E402
from pipelines.stores.site_template import SiteTemplateModel  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "cnews_dev.txt"
FOOTER_A = ["如需了解更多信息,请登录中国有色网了解更多信息。", "本网所有内容的版权均属于作者或页面内声明的版权人。", "责任编辑：王芳"]
FOOTER_B = ["免责声明：本站信息仅供参考，不构成投资建议，据此操作风险自担。", "铝业门户 版权所有 © 2008-2023 沪ICP备12345678号-1", "（编辑：孙悦）"]
SITE_FOOTER = [
    "本网站所刊登的各类新闻、信息和各种专题专栏资料，均为本网站版权所有，未经协议授权，禁止下载使用。",
    "本网站刊登的所有内容仅代表作者本人观点，不代表本网站立场，本网站不对其真实性负责。",
    "欢迎各地企业、各级单位向本网站投稿，来稿请注明作者姓名、单位名称和联系方式，本网站有权对来稿进行删改。",
    "网站地址：北京市西城区某某大街100号 邮政编码：100000 联系电话：010-12345678 传真：010-12345679",
]


def load_corpus(path: Path, limit: int) -> list[tuple[str, list[str]]]:
    docs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if "\t" not in line:
            continue
        label, text = line.split("\t", 1)
        sentences = [s + "。" for s in text.split("。") if s.strip()]
        paras = ["".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]
        if sum(map(len, paras)) >= 300 and len(paras) >= 3:
            docs.append((label, paras))
        if len(docs) >= limit:
            break
    return docs


def drop_corpus_duplicates(docs: list[tuple[str, list[str]]]) -> tuple[list[tuple[str, list[str]]], int]:
    """The corpus has reposts of its own; labelling them "different" would be wrong.
    Drop an article whose exact 5-gram set overlaps an earlier one (Jaccard >= 0.5 or
    containment >= 0.8), judged exactly, not by any method under test."""
    conv = ScriptConverter()
    kept: list[tuple[str, list[str]]] = []
    sets: list[set[str]] = []
    for label, paras in docs:
        grams = set(shingles(conv.normalise_for_matching("".join(paras))))
        dup = False
        for other in sets:
            inter = len(grams & other)
            if inter and (inter / len(grams | other) >= 0.5 or inter / min(len(grams), len(other)) >= 0.8):
                dup = True
                break
        if not dup:
            kept.append((label, paras))
            sets.append(grams)
    return kept, len(docs) - len(kept)


def edit(paras: list[str], share: float, rng: random.Random) -> list[str]:
    text = list("\n".join(paras))
    han = [i for i, c in enumerate(text) if "\u4e00" <= c <= "\u9fff"]
    for i in rng.sample(han, min(len(han), max(1, int(share * len(text))))):
        text[i] = "铝" if text[i] != "铝" else "铜"
    return "".join(text).split("\n")


def variants(paras: list[str], s2t: opencc.OpenCC, rng: random.Random) -> dict[str, list[str]]:
    trad = lambda ps: s2t.convert("\n".join(ps)).split("\n")  # noqa: E731
    return {
        "footer swap": paras + FOOTER_B,
        "traditional": trad(paras),
        "dateline added": ["本报讯（记者 王明）" + paras[0]] + paras[1:],
        "last paragraph dropped": paras[:-1],
        "1% edits": edit(paras, 0.01, rng),
        "3% edits": edit(paras, 0.03, rng),
        "new title": ["【独家】" + paras[0][:20] + "引发关注"] + paras,
        "combination": trad(["本报讯（记者 王明）" + paras[0]] + edit(paras, 0.02, rng)[1:-1] + FOOTER_B),
    }


class Ours:
    """The crawl's path: boilerplate classifier and site template model, then RepostIndex."""

    def __init__(self, threshold: float = 0.6) -> None:
        self.index = RepostIndex(None, threshold=threshold).open()
        self.converter = ScriptConverter()
        self.clf = BoilerplateClassifier(self.converter)
        self.templates = SiteTemplateModel(min_pages=3)

    def prepare(self, paras: list[str], site: str) -> str:
        text = self.clf.strip("\n".join(paras)).text
        if site != "template-site":
            # Each corpus article and each repost stand for a page of a different site:
            # a site's template model never sees another site's copy of an article.
            return text
        lines = text.split("\n")
        self.templates.observe(site, lines)
        return "\n".join(self.templates.strip(site, lines)[0])

    def insert(self, key: str, paras: list[str], site: str = "corpus") -> None:
        self.index.add(key, fingerprint(self.converter.normalise_for_matching(self.prepare(paras, site))))

    def query(self, paras: list[str], site: str = "corpus") -> str | None:
        m = self.index.find(fingerprint(self.converter.normalise_for_matching(self.prepare(paras, site))))
        return m.article_id if m else None


class Datasketch:
    def __init__(self) -> None:
        from datasketch import MinHash, MinHashLSH

        self.MinHash = MinHash
        self.lsh = MinHashLSH(threshold=0.8, num_perm=128)

    def _mh(self, paras: list[str]):
        m = self.MinHash(num_perm=128)
        m.update_batch([s.encode("utf-8") for s in set(shingles("\n".join(paras)))])
        return m

    def insert(self, key: str, paras: list[str], site: str = "corpus") -> None:
        self.lsh.insert(key, self._mh(paras))

    def query(self, paras: list[str], site: str = "corpus") -> str | None:
        found = self.lsh.query(self._mh(paras))
        return found[0] if found else None


def run_suite(docs: list[tuple[str, list[str]]], method) -> dict:
    rng = random.Random(20261123)
    s2t = opencc.OpenCC("s2t")
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, (label, _) in enumerate(docs):
        by_label[label].append(i)
    indexed, held_out = [], []
    for ids in by_label.values():
        half = len(ids) // 2
        indexed += ids[:half]
        held_out += ids[half:]
    for i in indexed:
        method.insert(f"d{i}", docs[i][1])
    per_variant: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fn, wrong
    for i in indexed:
        for name, paras in variants(docs[i][1], s2t, rng).items():
            got = method.query(paras)
            cell = per_variant[name]
            if got == f"d{i}":
                cell[0] += 1
            elif got is None:
                cell[1] += 1
            else:
                cell[2] += 1
    fp_topic = sum(method.query(docs[i][1]) is not None for i in held_out)
    # Short articles of one site, each with the site's long footer.
    shorts = [paras[0][:60] for _, paras in docs[: 2 * len(indexed) // 3]]
    half = len(shorts) // 2
    for k, s in enumerate(shorts[:half]):
        method.insert(f"s{k}", [s] + SITE_FOOTER, site="template-site")
    fp_template = sum(method.query([s] + SITE_FOOTER, site="template-site") is not None for s in shorts[half:])
    tp = sum(c[0] for c in per_variant.values())
    fn = sum(c[1] for c in per_variant.values())
    wrong = sum(c[2] for c in per_variant.values())
    fp = wrong + fp_topic + fp_template
    return {
        "recall": round(tp / (tp + fn + wrong), 4),
        "precision": round(tp / (tp + fp), 4) if tp + fp else 0.0,
        "per_variant_recall": {k: round(c[0] / sum(c), 4) for k, c in per_variant.items()},
        "false_positives": {"wrong_target": wrong, "same_topic": fp_topic, "shared_template": fp_template},
        "negatives": {"same_topic": len(held_out), "shared_template": len(shorts) - half},
    }


def signatures_per_second(docs: list[tuple[str, list[str]]]) -> dict:
    texts = [("".join(p))[:2000] for _, p in docs if len("".join(p)) >= 2000][:500] or [("".join(p)) for _, p in docs][:500]
    conv = ScriptConverter()
    t0 = time.perf_counter()
    normalised = [conv.normalise_for_matching(t) for t in texts]
    t1 = time.perf_counter()
    for n in normalised:
        fingerprint(n)
    t2 = time.perf_counter()
    ours = len(texts) / (t2 - t1)
    with_normalisation = len(texts) / (t2 - t0)
    from datasketch import MinHash

    t0 = time.perf_counter()
    for t in texts:
        m = MinHash(num_perm=128)
        m.update_batch([s.encode("utf-8") for s in set(shingles(t))])
    anchor = len(texts) / (time.perf_counter() - t0)
    return {"ours": round(ours), "ours_with_normalisation": round(with_normalisation), "datasketch": round(anchor), "docs": len(texts), "chars": 2000}


def scale_cost(scales: list[int]) -> list[dict]:
    """Bytes per document on disk and insert+query cost as the index grows."""
    rng = random.Random(1)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reposts.sqlite"
        idx = RepostIndex(path).open()
        size = 0
        batch = 10_000
        for target in sorted(scales):
            t_insert = 0.0
            start = size
            while size < target:
                n = min(batch, target - size)
                for k in range(n):
                    sig = tuple(rng.getrandbits(32) for _ in range(NUM_PERM))
                    idx.add(f"{size + k:016x}", Fingerprint(rng.getrandbits(63), 400, sig))
                t0 = time.perf_counter()
                idx.commit(f"r{size}", "bench")
                t_insert += time.perf_counter() - t0
                size += n
            idx._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            queries = 1000
            t0 = time.perf_counter()
            for _ in range(queries):
                sig = tuple(rng.getrandbits(32) for _ in range(NUM_PERM))
                idx.find(Fingerprint(rng.getrandbits(63), 400, sig))
            t_query = (time.perf_counter() - t0) / queries
            disk = sum(f.stat().st_size for f in Path(tmp).iterdir())
            per_doc = t_insert / max(1, size - start)
            out.append({"docs": size, "bytes_per_doc": round(disk / size), "query_ms": round(t_query * 1000, 3),
                        "insert_us_per_doc": round(per_doc * 1e6, 1)})
            print(f"  scale {size:>9,}: {disk / size:6.0f} bytes/doc, query {t_query * 1000:.3f} ms, insert {per_doc * 1e6:.1f} us/doc", flush=True)
        idx.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--docs", type=int, default=600)
    parser.add_argument("--scales", default="10000,100000")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    docs, dropped = drop_corpus_duplicates(load_corpus(args.corpus, args.docs))
    print(f"{len(docs)} articles from {args.corpus.name} ({dropped} dropped as reposts of another corpus article)")
    result = {"docs": len(docs), "corpus_duplicates_dropped": dropped}
    parser_threshold = float(os.environ.get("DEDUP_BENCH_THRESHOLD", "0.6"))
    for name, method in (("ours", Ours(parser_threshold)), ("datasketch", Datasketch())):
        result[name] = run_suite(docs, method)
    names = list(result["ours"]["per_variant_recall"])
    print(f"{'':<24} {'ours':>8} {'datasketch':>11}")
    for v in names:
        print(f"recall {v:<17} {result['ours']['per_variant_recall'][v]:>8.3f} {result['datasketch']['per_variant_recall'][v]:>11.3f}")
    for k in ("recall", "precision"):
        print(f"{k:<24} {result['ours'][k]:>8.4f} {result['datasketch'][k]:>11.4f}")
    print(f"false positives          {result['ours']['false_positives']} | {result['datasketch']['false_positives']}")
    result["signatures_per_s"] = signatures_per_second(docs)
    sps = result["signatures_per_s"]
    print(f"signatures/s (2,000 chars, 1 core): ours {sps['ours']:,} (with normalise_for_matching {sps['ours_with_normalisation']:,})  "
          f"datasketch {sps['datasketch']:,}  ratio {sps['ours'] / sps['datasketch']:.1f}x")
    result["scale"] = scale_cost([int(s) for s in args.scales.split(",")])
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
