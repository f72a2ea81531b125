"""The pdf engine on PDFs from real producers (tests/data/pdf/generated/realset):
LibreOffice Writer and Impress, Chromium's print to PDF, pdfLaTeX.

Each PDF was made from the Markdown beside it; the engine must give back its
headings (their text: levels are the producer's sizes, not the Markdown's), its
blocks (paragraphs, list items, table rows) in order with their characters
(spaces aside: a Korean wrap may be guessed wrong), allowing one block in ten
to be split or moved, and almost all of its words.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from docwarden.engines.base import JobInput
from docwarden.engines.pdf import PdfEngine
from docwarden.settings import Settings

REALSET = Path(__file__).resolve().parents[1] / "data" / "pdf" / "generated" / "realset"
FILES = sorted(p.stem for p in REALSET.glob("*.pdf"))
MIN_WORDS_FOUND = 0.97
MIN_BLOCKS_FOUND = 0.9


@pytest.fixture(scope="module")
def engine() -> PdfEngine:
    return PdfEngine(Settings())


def convert(engine: PdfEngine, name: str) -> str:
    result = engine.run(JobInput(data=(REALSET / f"{name}.pdf").read_bytes()))
    assert isinstance(result, dict)
    return str(result["markdown"])


def headings(markdown: str) -> list[str]:
    return re.findall(r"^#+ (.+)$", markdown, flags=re.M)


def blocks(markdown: str) -> list[str]:
    """Headings, paragraphs, list items and table rows, whitespace squeezed."""
    out = []
    for block in markdown.split("\n\n"):
        for part in block.splitlines() if block.startswith(("- ", "1. ", "|")) else [block]:
            if not re.fullmatch(r"\|[-|]+\|?", part.strip()):
                out.append(" ".join(part.split()))
    return [b for b in out if b]


def test_the_set_covers_every_producer() -> None:
    kinds = {name.split("_")[-1] for name in FILES}
    assert kinds == {"docx", "pptx", "web", "latex"}
    assert len(FILES) >= 20


@pytest.mark.parametrize("name", FILES)
def test_headings_blocks_and_words(engine: PdfEngine, name: str) -> None:
    got = convert(engine, name)
    reference = (REALSET / f"{name}.md").read_text("utf-8")
    assert headings(got) == headings(reference)
    # Heading marks aside (levels are checked above through the texts only).
    unspaced = "".join(re.sub(r"^#+ ", "", got, flags=re.M).split())
    expected = ["".join(re.sub(r"^#+ ", "", block).split()) for block in blocks(reference)]
    found, position = 0, 0
    for block in expected:
        at = unspaced.find(block, position)
        if at >= 0:
            found, position = found + 1, at + len(block)
    assert found >= MIN_BLOCKS_FOUND * len(expected), got
    words, wanted = Counter(re.findall(r"\w+", got)), Counter(re.findall(r"\w+", reference))
    assert sum((words & wanted).values()) >= MIN_WORDS_FOUND * sum(wanted.values()), got
