"""Every command in the README and docs/ still works as written.

The shell blocks (```bash, ```sh, ```cron) of README.md and docs/*.md are read command by command:
each `scrapy <command>` must be a registered command (and `scrapy crawl <spider>` a spider), each
option of a project command one it takes, each `-s NAME=value` (and `NAME=value` before a
command) a setting, each script and repository path a file or folder of the tree. Inline code
spans that start with `scrapy ` get the same checks. Blocks preceded by `<!-- runnable -->` are
run, line by line, in a temporary folder with a small dump (the README's own record lines) in
`dumps/news/`. Relative links and their #anchors must resolve, as GitHub renders them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from scrapy.cmdline import _get_commands_dict
from scrapy.spiderloader import SpiderLoader

from tests.conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL = ("bash", "sh", "shell", "console", "cron")
REPO_DIRS = ("samples", "tests", "bench", "crawler", "pipelines", "report", "export", "docs", ".ci")


@dataclass
class Block:
    doc: Path
    line: int
    lang: str
    text: str
    runnable: bool

    def where(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"


def blocks(doc: Path) -> list[Block]:
    found, lines = [], doc.read_text(encoding="utf-8").split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\w*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        start, lang = i, m.group(1)
        i += 1
        body = []
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        runnable = start > 0 and lines[start - 1].strip() == "<!-- runnable -->"
        found.append(Block(doc, start + 1, lang, "\n".join(body), runnable))
        i += 1
    return found


def commands(block: Block) -> list[list[str]]:
    """The block's commands as argument lists (comments, continuations and cron times handled)."""
    out = []
    for raw in block.text.replace("\\\n", " ").split("\n"):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if block.lang == "cron":
            line = line.split(None, 5)[5].replace("\\%", "%")
        for part in re.split(r"\s*(?:&&|;|\|\|?)\s*", line):
            try:
                words = shlex.split(part, comments=True)
            except ValueError:
                words = part.split()
            if words:
                out.append(words)
    return out


@pytest.fixture(scope="module")
def project():
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    commands = _get_commands_dict(settings, inproject=True)
    for cmd in commands.values():
        cmd.settings = settings  # what scrapy.cmdline gives a command before asking for its options
    return {
        "commands": commands,
        "spiders": set(SpiderLoader.from_settings(settings).list()),
        "settings": set(settings.attributes),
        "project_settings": {k for k in vars(__import__("crawler.settings", fromlist=["x"])) if k.isupper()},
    }


def check_command(words: list[str], project: dict, where: str) -> list[str]:
    problems = []
    env = []
    while words and re.match(r"^[A-Z][A-Z0-9_]*=", words[0]):
        env.append(words.pop(0).split("=", 1)[0])
    for name in env:
        if name not in project["settings"]:
            problems.append(f"{where}: {name} is not a setting")
    if not words:
        return problems
    if words[0] in ("cd", "source", "rm", "mv", "cp", "mkdir", "echo", "export"):
        return problems
    prog = words[0].rsplit("/", 1)[-1]
    args = words[1:]
    if prog in ("bash", "sh", "python", "python3", "python3.11") and args and not args[0].startswith("-"):
        script = args[0]
        if not script.startswith("../") and not (ROOT / script).exists():
            problems.append(f"{where}: {script} does not exist")
        args = args[1:]
    if prog == "scrapy":
        problems += check_scrapy(args, project, where)
    for word in args:
        value = word.split("=", 1)[-1]
        if value.startswith(REPO_DIRS) and not any(c in value for c in "*<$"):
            if not (ROOT / value).exists():
                problems.append(f"{where}: {value} does not exist in the tree")
    return problems


def check_scrapy(args: list[str], project: dict, where: str) -> list[str]:
    if not args:
        return [f"{where}: scrapy without a command"]
    name, rest = args[0], args[1:]
    cmd = project["commands"].get(name)
    if cmd is None:
        return [f"{where}: scrapy {name}: no such command"]
    problems = []
    for flag, value in zip(rest, rest[1:] + [""]):
        if flag == "-s":
            setting = value.split("=", 1)[0]
            if setting not in project["settings"]:
                problems.append(f"{where}: -s {setting}: not a setting of crawler/settings.py or Scrapy")
    if name == "crawl" and rest and rest[0] not in project["spiders"]:
        problems.append(f"{where}: scrapy crawl {rest[0]}: no such spider")
    if type(cmd).__module__.startswith("crawler."):  # our commands: every option must be one they take
        parser = argparse.ArgumentParser(add_help=False)
        cmd.add_options(parser)
        known = {s for a in parser._actions for s in a.option_strings}
        for flag in rest:
            if flag.startswith("-") and flag.split("=", 1)[0] not in known:
                problems.append(f"{where}: scrapy {name} {flag}: no such option")
    return problems


def test_the_docs_have_shell_blocks_to_check():
    shell = [b for d in DOCS for b in blocks(d) if b.lang in SHELL]
    assert len(shell) >= 8 and any(b.runnable for b in shell)
    names = {b.doc.name for b in shell}
    assert {"README.md", "export.md", "archives.md", "distributed.md"} <= names


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_commands_in_shell_blocks_name_what_exists(doc, project):
    problems = []
    for block in blocks(doc):
        if block.lang not in SHELL:
            continue
        for words in commands(block):
            problems += check_command(words, project, block.where())
    # Inline code that is a scrapy command line gets the same checks.
    text = doc.read_text(encoding="utf-8")
    for m in re.finditer(r"`(scrapy [^`]+)`", text):
        words = m.group(1).split()
        if any(c in m.group(1) for c in "[]|…<"):  # a synopsis (`scrapy state check|rebuild`), not a command
            words = words[:2]
        problems += check_scrapy(words[1:], project, f"{doc.relative_to(ROOT)}:{text[:m.start()].count(chr(10)) + 1}")
    assert not problems, "\n".join(problems)


def test_every_documented_setting_exists(project):
    """The settings catalogue (docs/settings.md) names only settings that crawler/settings.py has."""
    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    documented = re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", text, flags=re.M)
    assert len(documented) > 30
    missing = [s for s in documented if s not in project["project_settings"]]
    assert not missing, f"documented but not in crawler/settings.py: {missing}"


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(doc):
    text = doc.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # links are not read inside code blocks
    problems = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+://|^mailto:", target):
            continue
        path, _, anchor = target.partition("#")
        dest = (doc.parent / path).resolve() if path else doc
        if not dest.exists():
            problems.append(f"{target}: no such file")
            continue
        if anchor and dest.suffix == ".md":
            anchors = {github_anchor(h) for h in re.findall(r"^#+ (.+)$", dest.read_text(encoding="utf-8"), flags=re.M)}
            if anchor not in anchors:
                problems.append(f"{target}: no heading with that anchor in {dest.name}")
    assert not problems, f"{doc.relative_to(ROOT)}: " + "; ".join(problems)


def test_runnable_blocks_run(tmp_path):
    """The blocks marked runnable, run as written, over a dump made of the README's record lines."""
    record_block = next(b for b in blocks(ROOT / "README.md") if b.lang == "json")
    rows = [json.loads(l) for l in record_block.text.splitlines() if l.strip()]
    assert rows
    dump = tmp_path / "dumps" / "news" / "20261123T164841Z.jsonl"
    dump.parent.mkdir(parents=True)
    dump.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(PYTHONPATH=str(ROOT), SCRAPY_SETTINGS_MODULE="crawler.settings",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}")
    ran = 0
    for doc in DOCS:
        for block in blocks(doc):
            if not block.runnable:
                continue
            for words in commands(block):
                proc = subprocess.run(words, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
                assert proc.returncode == 0, f"{block.where()}: {shlex.join(words)}\n{proc.stdout[-1500:]}{proc.stderr[-1500:]}"
                ran += 1
    assert ran >= 3
    assert (tmp_path / "corpus" / "README.md").exists()


def test_the_checks_catch_what_does_not_exist(project):
    bad = {
        ("scrapy", "crawl", "nosuch"): "no such spider",
        ("scrapy", "crawl", "news", "-s", "NO_SUCH_SETTING=1"): "not a setting",
        ("scrapy", "export", "out", "--no-such-option"): "no such option",
        ("scrapy", "frobnicate"): "no such command",
        ("bash", "samples/no_such_script.sh"): "does not exist",
        ("NO_SUCH_URL=redis://x", "scrapy", "crawl", "news"): "is not a setting",
        ("scrapy", "crawl", "news", "-a", "sites=samples/no_such.toml"): "does not exist in the tree",
    }
    for words, problem in bad.items():
        found = check_command(list(words), project, "here")
        assert len(found) == 1 and problem in found[0], (words, found)
    good = ("scrapy", "export", "corpus/", "--since", "--format", "jsonl", "-s", "DUMPS_DIR=dumps")
    assert check_command(list(good), project, "here") == []


def test_the_readme_record_lines_are_valid_dump_lines():
    """The README shows real dump lines: each must validate against today's schema."""
    import jsonschema

    from crawler.items import article_schema

    record_block = next(b for b in blocks(ROOT / "README.md") if b.lang == "json")
    validator = jsonschema.Draft202012Validator(article_schema())
    rows = [json.loads(l) for l in record_block.text.splitlines() if l.strip()]
    assert len(rows) >= 1
    for row in rows:
        errors = sorted(validator.iter_errors(row), key=str)
        assert not errors, f"{row['id']}: {errors[0].message} (refresh the README's lines from `bash samples/crawl.sh`)"
