"""A sample site that changes its article template halfway through a crawl (issue 15).

    from redesign import RedesignFamily
    family = RedesignFamily(articles=30, redesign_from=16)   # serve it with serve.SampleServer(0, family)

``www.redesign.test`` publishes ``articles`` distinct articles at ``/news/2024/<n>.html``
(n = 1000 + k), made from the sentences of the sample articles (each its own selection,
so they are not reposts of one another) and listed in its sitemap. Articles numbered
``1000 + redesign_from`` and later are rendered with the 2024 template
(``templates/cnmn-2024/article.html``): the article block has another tag, class and id,
the metadata line and the editor line move. Standard library only, like serve.py.
"""

from __future__ import annotations

from pathlib import Path
from string import Template
from typing import Any

from serve import ROOT, Placement, SampleArticle, SampleFamily

NEW_TEMPLATE = ROOT / "templates" / "cnmn-2024" / "article.html"


class RedesignFamily(SampleFamily):
    def __init__(self, articles: int = 30, redesign_from: int = 16, root: Path = ROOT) -> None:
        super().__init__(root, "redesign.toml")
        self.redesign_from = redesign_from
        self._new_layout = False
        site = self.sites["www.redesign.test"]
        sentences = [s + "。" for slug, a in SampleFamily(root).articles.items() if not slug.endswith("-hant") for p in a.paragraphs for s in p.split("。") if len(s) >= 12]
        for k in range(1, articles + 1):
            # Six sentences of its own (the sample articles have 187: up to 31 articles share none).
            picked = [sentences[(6 * (k - 1) + j) % len(sentences)] for j in range(6)]
            paragraphs = tuple("".join(picked[i : i + 2]) for i in range(0, 6, 2))
            article = SampleArticle(f"r{k}", f"有色快讯第{k}期：{picked[0][:14]}", f"2024-03-{1 + k % 28:02d}T09:{k % 60:02d}:00+08:00",
                                    "有色快讯", "记者", "编辑", paragraphs)
            site.placements.append(Placement(site=site, path=f"/news/2024/{1000 + k}.html", article=article))

    def redesigned(self, p: Placement) -> bool:
        return int(p.path.rsplit("/", 1)[1].split(".")[0]) >= 1000 + self.redesign_from

    def template(self, site: Any, name: str) -> Template:
        if name == "article" and self._new_layout:
            return Template(NEW_TEMPLATE.read_text(encoding="utf-8"))
        return super().template(site, name)

    def article_page(self, p: Placement, *args: Any, **kwargs: Any) -> str:
        self._new_layout = self.redesigned(p)
        try:
            return super().article_page(p, *args, **kwargs)
        finally:
            self._new_layout = False
