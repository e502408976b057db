"""Hard-wrapped text joined into its paragraphs, and what is left alone."""

from __future__ import annotations

import lxml.html

from pipelines.text.hard_wrap import join_hard_wrapped

PARAGRAPHS = [
    "那年冬天我们全家从南方搬到北京，住进了东城的一个大杂院。院子里住着七户人家，大人们白天上班，孩子们放了学就在院子里疯跑，"
    "谁家做了好吃的总要端一碗给邻居尝尝，这种日子一直过到八十年代末胡同拆迁为止。",
    "后来我在外地工作了很多年，每次回北京都要去那条胡同附近走一走，虽然大杂院早就没有了，可那些人和事一直留在我的记忆里，"
    "怎么也忘不掉，这大概就是人们常说的乡愁吧。",
]


def _wrap(paragraph: str, width: int = 36) -> list[str]:
    text = "\u3000\u3000" + paragraph
    return [text[i : i + width] for i in range(0, len(text), width)]


def _texts(tree: lxml.html.HtmlElement) -> list[str]:
    return [p.text_content().strip() for p in tree.iter("p")]


def test_lines_in_their_own_paragraphs_are_joined_at_the_wrap_not_at_the_indent():
    lines = [line for p in PARAGRAPHS for line in _wrap(p)]
    tree = lxml.html.fromstring("<div><font>" + "".join(f"<p>{l}</p>" for l in lines) + "</font></div>")
    assert join_hard_wrapped(tree) == len(lines) - 2
    assert _texts(tree) == PARAGRAPHS


def test_lines_after_br_are_joined_and_blank_lines_end_a_paragraph():
    first, second = (_wrap(p) for p in PARAGRAPHS)
    # no indent on the second paragraph: the blank line (<br><br>) is the only boundary
    second[0] = second[0].lstrip("\u3000")
    html = "<td><font>" + "<br>\n".join(first) + "<br>\n<br>\n" + "<br>\n".join(second) + "</font></td>"
    tree = lxml.html.fromstring(f"<table><tr>{html}</tr></table>")
    join_hard_wrapped(tree)
    font = tree.find(".//font")
    assert [t.strip() for t in font.itertext() if t.strip()] == [PARAGRAPHS[0], PARAGRAPHS[1]]


def test_headline_lists_poems_and_english_paragraphs_are_left_alone():
    headlines = "".join(f"<p><a href='/a/{i}.html'>全市秋季招聘会下月举行将有三百余家企业参加第{i}场</a></p>" for i in range(10))
    poem = "".join(f"<p>{l}</p>" for l in ["床前明月光，", "疑是地上霜。", "举头望明月，", "低头思故乡。"] * 3)
    english = "".join(f"<p>Paragraph {i} of an English story that is about as long as the others in it</p>" for i in range(10))
    for body in (headlines, poem, english):
        tree = lxml.html.fromstring(f"<div>{body}</div>")
        assert join_hard_wrapped(tree) == 0


def test_ordinary_article_paragraphs_are_left_alone():
    paragraphs = [p[:n] + "。" for p in PARAGRAPHS for n in (40, 70, 55)]
    tree = lxml.html.fromstring("<div>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</div>")
    assert join_hard_wrapped(tree) == 0
