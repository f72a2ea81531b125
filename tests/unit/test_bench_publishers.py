"""The publishers' papers (bench/accuracy/pdf_publishers.py): each class's source and its
reference hold the same paper."""

from __future__ import annotations

import re

import pytest

from bench.accuracy.pdf_metrics import headings, strip_markdown, tokens
from bench.accuracy.pdf_publishers import ABSTRACT, PAPERS, SECTIONS, SUBSECTIONS, body_tex

LABELS = {"abstract", "keywords", "index", "terms", "references", "table"}


@pytest.mark.parametrize("name", sorted(PAPERS))
def test_source_and_reference_hold_the_same_paper(name: str) -> None:
    head, reference = PAPERS[name]()
    source = head + body_tex()
    assert ABSTRACT in source and ABSTRACT in reference
    found = headings(reference)
    for title in (*SECTIONS, *SUBSECTIONS):
        assert f"{{{title}}}" in source
        assert any(h.lower().endswith(title.lower()) for h in found), title
    # the reference's words are the source's, but for the labels the class prints
    text = re.sub(r"\\[a-zA-Z]+|[{}\[\]]", " ", source)
    extra = set(tokens(strip_markdown(reference))) - set(tokens(text))
    assert {word for word in extra if not re.fullmatch(r"\d+|[ivx]+|[ab]", word)} <= LABELS


def test_numbering_follows_each_class() -> None:
    assert "## IV. Evaluation" in PAPERS["ieee_conference"]()[1]
    assert "### 3.1. Recycling" in PAPERS["elsevier_preprint"]()[1]
    assert "### 3.2 Admission" in PAPERS["springer_llncs"]()[1]
