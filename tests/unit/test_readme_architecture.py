"""The README's architecture section matches the tree: every module and package of `learning/`
is named there, the model modules and blueprints it lists exist, and nothing it names is gone."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "learning"
NOT_CODE = {"__init__.py", "__pycache__", "translations"}


def architecture_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    return section.split("```", 2)[1]


def entry_text(folder: str) -> str:
    """The words of the block's entry `folder/`: its line and the lines continuing it (indented
    deeper than any entry)."""
    lines = architecture_block().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"  {folder}/"))
    words = [lines[start][len(folder) + 3 :]]
    for line in lines[start + 1 :]:
        if not line.startswith(" " * 6):
            break
        words.append(line)
    return " ".join(words)


def test_every_module_and_package_of_learning_is_named() -> None:
    block = architecture_block()
    named = set(re.findall(r"([\w]+(?:\.py|/))", block))
    missing = []
    for entry in sorted(PACKAGE.iterdir()):
        if entry.name in NOT_CODE or entry.suffix not in {".py", ""}:
            continue
        name = f"{entry.name}/" if entry.is_dir() else entry.name
        if name not in named:
            missing.append(name)
    assert missing == []


def test_every_file_it_names_at_the_top_level_exists() -> None:
    block = architecture_block()
    top = [line.split()[0] for line in block.splitlines() if re.match(r"  \w", line)]
    for entry in top:
        for name in entry.rstrip(",").split(","):
            assert (PACKAGE / name.strip().rstrip("/")).exists(), name


def test_the_model_modules_it_lists_are_the_model_modules() -> None:
    modules = {path.stem for path in (PACKAGE / "models").glob("*.py")} - {"__init__", "base"}
    listed = entry_text("models").split("per aggregate:", 1)[1]
    assert set(re.findall(r"\w+", listed)) == modules


def test_the_blueprints_it_names_exist() -> None:
    named = entry_text("web").split("(", 1)[1].split(")", 1)[0]
    for name in set(re.findall(r"\w+", named)):
        assert (PACKAGE / "web" / f"{name}.py").exists(), name
