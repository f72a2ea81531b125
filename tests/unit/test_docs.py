"""Documentation that quotes code must quote the code that runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def fenced(doc: Path, marker: str) -> str:
    """The fenced block between `<!-- marker -->` and `<!-- /marker -->`."""
    text = doc.read_text(encoding="utf-8")
    found = re.search(rf"<!-- {marker} -->\n```\w*\n(.*?)```\n<!-- /{marker} -->", text, re.S)
    assert found, f"{doc} has no {marker} block"
    return found.group(1)


def test_the_plugin_guide_quotes_the_example_plugin_verbatim() -> None:
    source = ROOT / "plugins" / "docwarden-example" / "src" / "docwarden_example" / "__init__.py"
    assert fenced(ROOT / "docs" / "plugins.md", "example-plugin") == source.read_text()


def test_the_readme_lists_every_setting() -> None:
    """Each Settings field has a row of the Configuration table (names joined by ' / ')."""
    from docwarden.settings import Settings

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index("## Configuration"):text.index("## HTTP API")]
    listed = {name.strip() for row in re.findall(r"^\| ([A-Z_0-9 /]+) \|", table, re.M)
              for name in row.split("/")}
    missing = {name.upper() for name in Settings.model_fields} - listed
    assert not missing, f"add to the README's Configuration table: {sorted(missing)}"
