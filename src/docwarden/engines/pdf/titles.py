"""The title block under a document's title: author lines and dates are no headings.

LaTeX's \\maketitle, Word's title pages and Chromium-printed reports set the
authors and the date larger than the text, like a subtitle, but in the regular
weight: as a list of names, one name with a footnote or a date after it, and a
day's date alone on its line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from docwarden.engines.pdf.blocks import Block
from docwarden.engines.pdf.footnotes import NOTE_LABEL_RE

BYLINE_SPLIT_RE = re.compile(r",|;|&|\band\b")
# A day's date alone on its line, as a title block sets it: "December 7, 2026",
# "7 Dec. 2026", "2026-12-07" (a month's, "May 2026", may head a monthly section).
MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
DATE_RE = re.compile(rf"^(?:{MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\.?\s+{MONTH}\s+\d{{4}}"
                     rf"|\d{{4}}-\d{{2}}-\d{{2}})$")
NAME_RE = re.compile(r"^[^\W\d_][\w'’.-]*(?:\s+[^\W\d_][\w'’.-]*){1,3}$")


def _names(text: str) -> bool:
    """Two or more names (two to four capitalised words each) split by commas or "and",
    with footnote marks allowed, or one name with a footnote (LaTeX's \\thanks): an
    author line."""
    bare = NOTE_LABEL_RE.sub("", text)
    parts = [part.strip(" *†‡§¹²³0123456789") for part in BYLINE_SPLIT_RE.split(bare)]
    parts = [part for part in parts if part]
    return (len(parts) >= 2 or (len(parts) == 1 and bare != text)) and all(
        _name(part) for part in parts)


def _name(text: str) -> bool:
    """Two to four words, each capitalised: "Ana Silva"."""
    return bool(NAME_RE.match(text)) and all(word[0].isupper() for word in text.split())


def _date(block: Block) -> bool:
    return len(block.lines) == 1 and bool(DATE_RE.match(block.lines[0].text))


def _one_name(block: Block) -> bool:
    """One name in the regular weight ("Ana Silva"; a subtitle has words in lower case)."""
    return not any(ln.bold for ln in block.lines) and _name(
        " ".join(ln.text for ln in block.lines))


def _byline(block: Block) -> bool:
    return not any(ln.bold for ln in block.lines) and _names(
        " ".join(ln.text for ln in block.lines))


def demote_byline(blocks: Sequence[Block]) -> None:
    """The author line under a document's title, or over it and set smaller, is no
    heading (it is set larger than the body, like a subtitle, but in the regular
    weight and as a list of names)."""
    headings = [i for i, block in enumerate(blocks) if block.kind == "heading"]
    if not headings or headings[0] + 1 >= len(blocks):
        return
    first, after = blocks[headings[0]], blocks[headings[0] + 1]
    if after.kind != "heading":
        return
    dated = headings[0] + 2 < len(blocks) and _date(blocks[headings[0] + 2])
    if _byline(after) or (dated and _one_name(after)):
        after.kind, after.level = "para", 0
    elif _byline(first) and max(ln.size_pt for ln in after.lines) > max(
            ln.size_pt for ln in first.lines):
        first.kind, first.level = "para", 0


def demote_dates(blocks: Sequence[Block]) -> None:
    """A day's date alone on its line is no heading, however large (a title block's
    "December 7, 2026"); judged after the runs, which it may be one of."""
    for block in blocks:
        if block.kind == "heading" and _date(block):
            block.kind, block.level = "para", 0
