"""The pdf engine on generated PDFs of known structure (tests/data/pdf/generated/devset)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from docwarden.engines.base import JobInput
from docwarden.engines.pdf import PdfEngine
from docwarden.settings import Settings

DEVSET = Path(__file__).resolve().parents[1] / "data" / "pdf" / "generated" / "devset"


@pytest.fixture(scope="module")
def engine() -> PdfEngine:
    return PdfEngine(Settings())


def markdown(engine: PdfEngine, name: str) -> str:
    result = engine.run(JobInput(data=(DEVSET / f"{name}.pdf").read_bytes()))
    assert isinstance(result, dict)
    return str(result["markdown"])


def reference(name: str) -> str:
    return (DEVSET / f"{name}.md").read_text("utf-8")


def test_arabic_is_in_logical_order_with_latin_runs_whole(engine: PdfEngine) -> None:
    got = markdown(engine, "arabic")
    assert got.startswith("# تحليل البيانات بلغة R و Python\n")
    assert "## 1. مقدمة" in got
    for para in reference("arabic").split("\n\n")[2:]:
        if not para.startswith("#"):
            assert para.strip() in got


def test_two_columns_read_in_order_with_numbered_headings(engine: PdfEngine) -> None:
    got = markdown(engine, "two_column")
    assert "|" not in got  # prose columns are no table
    assert "Journal of Example Studies" not in got  # the running header is furniture
    # Each reference block's first words, in order (a paragraph may break at a column end).
    blocks = [" ".join(b.lstrip("#").split()[:6])
              for b in reference("two_column").strip().split("\n\n")]
    positions = [got.find(block) for block in blocks]
    assert -1 not in positions and positions == sorted(positions)
    for heading in ("1. Introduction", "1.1 Background", "2. Method", "4. Conclusion"):
        assert re.search(f"^#+ {re.escape(heading)}$", got, flags=re.M), heading


def test_ruled_table_with_wrapped_cells_and_prose_side_by_side(engine: PdfEngine) -> None:
    got = markdown(engine, "tables")
    table = [ln for ln in reference("tables").splitlines() if ln.startswith("|")]
    assert "\n".join(table) in got
    assert "\nTable 1: Units sold by region and product line.\n" in got
    assert got.count("\n|---") == 1  # the two contact blocks are not a table


def test_korean_spaces_code_fences_and_line_end_hyphens(engine: PdfEngine) -> None:
    korean = markdown(engine, "korean")
    assert "검사를 강화하였습니다" in korean and "판매했거나 향후" in korean
    code = markdown(engine, "code")
    assert "```\nfunction add(a, b) {\n  return a + b;\n}\n\nconsole.log(add(3, 5));\n```" in code
    assert "configuration file" in code
    assert "## 1. Getting started" in code or "# 1. Getting started" in code
    assert "\n1. Install the package.\n2. Create a project folder." in code
