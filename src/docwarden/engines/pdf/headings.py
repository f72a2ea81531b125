"""Which blocks are headings, and at what level.

Headings come from font size ranks relative to the body size (the size most
characters use), from bold lines standing alone and from section numbers on
short styled lines ("1. Introduction" is a heading, "1. Install it." a list
item).  Runs of same-level headings with nothing between them (diagram labels,
author lists, a cover) are demoted, as are code-like lines; the title block's
author lines and dates are judged in titles.py.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter
from collections.abc import Sequence

from docwarden.engines.pdf.addresses import BARE_ADDRESS_RE
from docwarden.engines.pdf.blocks import NUMBER_RE, Block, list_marker
from docwarden.engines.pdf.furniture import PageLayout
from docwarden.engines.pdf.layout import SENTENCE_END, Line, size_chars

HEADING_SIZE_RATIO = 1.12  # a line this much larger than the body size may be a heading
MAX_HEADING_CHARS = 200
MAX_BOLD_HEADING_CHARS = 120
MAX_SIZE_LEVELS = 3
MAX_ITALIC_HEADING_WORDS = 8
STYLED_HEADING_WIDTH = 0.75  # a bold/italic heading is shorter than this share of a column
STYLED_SIZE_RATIO = 0.95  # ... and at least this share of the text's size
# A title set in code (code_titles) may be smaller: pandoc's Word styles set code at 11 pt
# in 12 pt text, Chromium at 85 %.
CODE_TITLE_SIZE_RATIO = 0.85
MAX_NUMBERED_HEADING_CHARS = 90
# Headings hold no code: angle brackets, braces, semicolons, assignments ...
CODE_SIGN_RE = re.compile(r"[<>{};=]|^\W*$")
# ... nor calls, but for an API reference's ("os.arch()", see _code_like).
CALL_RE = re.compile(r"\w\(")
# Closing brackets and quotes after a sentence's full stop: "(Available since 1.3.)".
CLOSING_MARKS = ")]}\"'”’»"
# A term starts so: options ("-a", "–all" as "--all" is typeset) and syntax (":label").
TERM_STARTS = "-\u2010\u2011\u2012\u2013\u2014\u2212:#/\\"
# ... as is a word with a comma glued to a letter or a sign: an address range "addr1,+N".
GLUED_COMMA_RE = re.compile(r",[^\s\d]")
# ... nor is a web address alone one ("ibm.com/redbooks" on a cover).
DRAWN_LABEL_MAX_RATIO = 1.3  # text over a drawing this close to body size is a label
# A chapter's number in words: "Two", "Twenty-one", fncychap's "TWENTYONE".
_UNITS = "one|two|three|four|five|six|seven|eight|nine"
_NUMBER_WORD = (rf"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
                rf"(?:[\s-]?(?:{_UNITS}))?|{_UNITS}|ten|eleven|twelve|(?:thir|four|fif|six|"
                rf"seven|eigh|nine)teen)")
# "Chapter 3", "PART II", "Appendix A" alone on a line: a chapter's label (no heading);
# so is a number in words alone (Sphinx's PDFs: "CHAPTER" over "ONE" over the title).
CHAPTER_LABEL_RE = re.compile(
    r"^(?:(?:chapter|part|appendix|kapitel|teil|anhang|chapitre|partie|annexe|cap[ií]tulo|"
    r"parte|ap[eé]ndice|hoofdstuk|rozdzia[łl]|глава|第\s*\S+\s*章)"
    rf"(?:\s+(?:\d{{1,3}}|[IVXLC]{{1,6}}|[A-Z]|{_NUMBER_WORD}))?|{_NUMBER_WORD})\.?$",
    re.IGNORECASE)
SECTION_NUMBER_RE = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3})*\.?|[IVX]{1,5}\.|[A-Z]\.)\s+\S")
# "2.1 Data", "3.4.1 Sources": numbered two levels deep or more, no list item's "1."
SUBSECTION_RE = re.compile(r"^\d{1,3}(?:\.\d{1,3})+\.?\s+\S")
NUMBERED_SIZE_RATIO = 1.05  # a numbered section line needs only this much over the body
# ... and one in capitals may be set smaller (small capitals), down to this share of it
CAPITALS_MIN_RATIO, MIN_CAPITALS = 0.75, 4
MAX_CAPITALS_WORDS = 4  # an unnumbered line in capitals that heads a section: "REFERENCES"
ROMAN_RE = re.compile(r"^[IVXLC]+\.?$")
MAX_HEADING_RUN = 2  # more same-level headings in a row are labels, names or a cover
OCR_SIZE_TOLERANCE = 1.06  # a scan's heading sizes this close are one size
MIN_PAGE_BODY_CHARS = 500  # a page needs this much text to have a body size of its own
PAGE_BODY_SHARE = 0.5  # ... set mostly in one size


def _size_chars(pages: Sequence[PageLayout]) -> Counter[float]:
    """Characters per size in the pages' prose: code (monospaced) is not the body, and a
    page of a C manual that is mostly listing had made its 12 pt prose "larger than the
    page's text", so a sentence between two listings became a heading."""
    lines = [item for page in pages for item in page.items if isinstance(item, Line)]
    return size_chars([line for line in lines if not line.mono] or lines)


def body_size(pages: Sequence[PageLayout]) -> float:
    """The font size carrying the most characters."""
    sizes = _size_chars(pages)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def page_body_size(page: PageLayout, body: float) -> float:
    """The page's own body size where its text is set smaller than the document's.

    A solution brief or data sheet bound into a report (7.4 pt text in a 10 pt
    document) has its headings at 9.4 pt: below the document's body size, yet
    clearly above the text they head.  Only a page with enough text of one size
    sets its own; a sparse page (a cover, a figure) keeps the document's.
    """
    sizes = _size_chars([page])
    total = sum(sizes.values())
    if total < MIN_PAGE_BODY_CHARS:
        return body
    local, chars = sizes.most_common(1)[0]
    return min(body, local) if chars >= PAGE_BODY_SHARE * total else body


def snap_ocr_sizes(pages: Sequence[PageLayout], body: float) -> None:
    """Heading-sized OCR lines within OCR_SIZE_TOLERANCE of each other take one size.

    A scan's sizes come from line advances, +-5 % on short lines: sibling
    headings ("一、概述" 14.2 pt, "二、表格" 14.5 pt) came out at two levels.
    """
    lines = sorted((item for page in pages if page.method == "ocr" for item in page.items
                    if isinstance(item, Line) and item.size_pt >= body * HEADING_SIZE_RATIO),
                   key=lambda line: line.size_pt)
    group: list[Line] = []
    for line in [*lines, None]:
        if line is None or (group and line.size_pt > group[0].size_pt * OCR_SIZE_TOLERANCE):
            shared = statistics.median(member.size_pt for member in group) if group else 0.0
            for member in group:
                member.size_pt = shared
            group = []
        if line is not None:
            group.append(line)


def heading_sizes(pages: Sequence[PageLayout], body: float) -> list[float]:
    """Distinct sizes clearly above the body size, largest first (level 1, 2, ...); a
    chapter's label ("Chapter 3", demote_chapter_labels) takes no level of its own."""
    found = {
        round(item.size_pt * 2) / 2
        for page in pages
        for item in page.items
        if isinstance(item, Line) and item.size_pt >= body * HEADING_SIZE_RATIO
        and len(item.text) <= MAX_HEADING_CHARS and not CHAPTER_LABEL_RE.match(item.text)
    }
    return sorted(found, reverse=True)


def _numbered_heading(block: Block, body: float) -> bool:
    """A "1. Introduction" item: one short line, bold or larger, no sentence end."""
    if block.kind != "item" or len(block.lines) != 1:
        return False
    first = block.lines[0]
    text = first.text
    return (
        bool(NUMBER_RE.match(text))
        and len(text) <= MAX_NUMBERED_HEADING_CHARS and not text.endswith((*SENTENCE_END, ","))
        and (first.bold or first.size_pt >= body * HEADING_SIZE_RATIO or _in_capitals(text))
    )


def _in_capitals(text: str) -> bool:
    """Its words past the section number all in capitals (small capitals: IEEE's
    "IV. EVALUATION" is set a fifth smaller than its text)."""
    return _all_capitals(text.split(maxsplit=1)[-1])


def _all_capitals(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= MIN_CAPITALS and all(ch.isupper() for ch in letters)


def _capitals_section(line: Line, body: float) -> bool:
    """"II. RELATED WORK" alone on its line: numbered, in capitals, no sentence."""
    text = line.text
    return (
        bool(SECTION_NUMBER_RE.match(text)) and _in_capitals(text)
        and line.size_pt >= body * CAPITALS_MIN_RATIO and len(text) <= MAX_NUMBERED_HEADING_CHARS
        and not text.endswith((*SENTENCE_END, ",", ";"))
    )


def capitals_sizes(pages: Sequence[PageLayout], body: float) -> frozenset[float]:
    """The sizes of the document's numbered sections in capitals: a short line in
    capitals set so, unnumbered, heads a section too (IEEE's "REFERENCES")."""
    return frozenset(
        round(item.size_pt * 2) / 2 for page in pages for item in page.items
        if isinstance(item, Line) and _capitals_section(item, body))


def _unnumbered_capitals(text: str, size: float, capitals: frozenset[float]) -> bool:
    """No number at all: "TABLE I" and "FIG. 2" label captions set the same way."""
    words = text.split()
    return (size in capitals and len(words) <= MAX_CAPITALS_WORDS
            and not any(ch.isdigit() for ch in text) and not ROMAN_RE.match(words[-1])
            and _all_capitals(text) and not text.endswith((*SENTENCE_END, ",", ";")))


def heading_level(
    block: Block, body: float, sizes: list[float], column_width: float, local_body: float,
    next_size: float = 0.0, typed: bool = True, capitals: frozenset[float] = frozenset(),
    over_code: bool = False,
) -> int:
    """Heading level of a block, 0 when it is not a heading.

    `local_body` is the page's body size (`page_body_size`): a line clearly larger
    than the text of its own page is a heading even below the document's body size.
    `next_size` is the size of the paragraph that follows: a bold line heading text
    set smaller than the body (LaTeX's "Abstract" over its 9 pt abstract) is judged
    against that text.  `typed`: the page's text came with its fonts (not from OCR,
    whose lines have no monospaced face to tell code by).  `capitals`: the sizes of
    numbered sections in capitals (capitals_sizes).  `over_code`: a listing follows.
    """
    text = " ".join(ln.text for ln in block.lines)
    if not (block.kind == "para" or _numbered_heading(block, body)):
        return 0
    size = round(block.lines[0].size_pt * 2) / 2
    if not any(ch.isalpha() for ch in text) or _code_like(block, text, size, body, typed) or (
            BARE_ADDRESS_RE.match(text)) or _drawn_label(block, body):
        return 0
    short = len(block.lines) <= 3 and len(text) <= MAX_HEADING_CHARS
    if size in sizes and short:
        return min(sizes.index(size), MAX_SIZE_LEVELS - 1) + 1
    if _styled_heading(block, text, min(local_body, next_size or local_body), column_width,
                       over_code):
        return max(2, min(len(sizes), MAX_SIZE_LEVELS) + 1)
    if local_body < body and size >= local_body * HEADING_SIZE_RATIO and short:
        return max(1, min(len(sizes), MAX_SIZE_LEVELS))
    if _numbered_section(block, text, local_body) or (len(block.lines) == 1 and (
            _capitals_section(block.lines[0], local_body)
            or _unnumbered_capitals(text, size, capitals))):
        return max(2, min(len(sizes), MAX_SIZE_LEVELS) + 1)
    return 0


def _code_like(block: Block, text: str, size: float, body: float, typed: bool) -> bool:
    """Code, not a heading: a line with code's signs (CODE_SIGN_RE; a Redpaper's
    "CREATE PERMISSION <permission name>" set larger than its text), or naming a call
    in type of code or no larger than the text.  An API reference heads its sections
    with the calls they document, larger than the text and in its headings' face
    ("os.arch()", "setTimeout(callback[, delay])" in Node.js's manual: 15.8 pt bold
    over 9 pt).  On a scan nothing tells code's type, and an OCR line's size is
    rough: code there is never a heading (a scanned report's listing had given two)."""
    if CODE_SIGN_RE.search(text):
        return True
    return bool(CALL_RE.search(text)) and (
        not typed or any(ln.mono for ln in block.lines) or size < body * HEADING_SIZE_RATIO)


def _numbered_section(block: Block, text: str, body: float) -> bool:
    """"1.2 Configuration files" alone on its line, a little larger than the text, in the
    body's own font (texdoc's manual sets its subsections 1.1x the body)."""
    words = text.split()[1:]  # past the number
    return (
        len(block.lines) == 1 and bool(SUBSECTION_RE.match(text))
        and block.lines[0].size_pt >= body * NUMBERED_SIZE_RATIO
        and len(text) <= MAX_NUMBERED_HEADING_CHARS and bool(words) and words[0][0].isupper()
        and not text.endswith((*SENTENCE_END, ",", ":", ";"))
    )


def _drawn_label(block: Block, body: float) -> bool:
    """Lines over a diagram (a syntax diagram's keywords, a chart's callouts) near body
    size: labels however bold; a cover's title over its artwork is set far larger."""
    return all(ln.in_drawing for ln in block.lines) and (
        block.lines[0].size_pt < body * DRAWN_LABEL_MAX_RATIO)


def _term(text: str, signs_only: bool = False) -> bool:
    """A definition list's term, set bold on a line of its own as manuals set their
    options, variables, values and commands ("-a, --all", "TAR_GNAME", "none, off",
    "/regexp/", sed's "0,addr2"): it starts with a dash or a sign of syntax, its first
    word holds a comma glued to what follows ("1,000" aside) or, unless `signs_only`,
    is an identifier or starts in lower case (a heading starts with a capital, a digit
    or an opening mark; "iPhone" keeps its capital)."""
    first = text.split(maxsplit=1)[0]
    if first[0] in TERM_STARTS or GLUED_COMMA_RE.search(first):
        return True
    return not signs_only and (
        "_" in first or (first[0].islower() and not any(char.isupper() for char in first)))


def _styled_heading(
    block: Block, text: str, body: float, column_width: float, over_code: bool = False,
) -> bool:
    """A short bold (or italic, few words) line standing alone, at least body size.
    Only signs of syntax make a term of a bold line that opens with code followed by
    words ("`standard` Dependencies"; an italic syntax line, "dest PDF String PDF
    Dest", stays a term) or that a listing follows: it heads no description (a
    README's "### ffmpeg" over its example)."""
    words = text.split()
    few_words = len(words) <= MAX_ITALIC_HEADING_WORDS
    code = all(ln.mono for ln in block.lines)
    bold = all(ln.bold for ln in block.lines)
    signs_only = bold and (over_code or (block.lines[0].code_start and len(words) > 1))
    return (
        all(ln.styled for ln in block.lines) and len(block.lines) <= 2
        and (not _term(text, signs_only) or code)  # see code_titles
        and (bold or few_words)
        and (max(ln.width for ln in block.lines) <= STYLED_HEADING_WIDTH * (column_width or 1e9)
             or few_words)  # a narrow column's heading may fill most of it
        and len(text) <= MAX_BOLD_HEADING_CHARS
        and block.lines[0].size_pt >= body * (CODE_TITLE_SIZE_RATIO if code else STYLED_SIZE_RATIO)
        and not text.rstrip(CLOSING_MARKS).endswith((".", ",", ";", ":", "。", "，"))
    )


def _stepping_down(blocks: Sequence[Block]) -> bool:
    """Each heading set smaller than the one before: a title, its subtitle, a section."""
    sizes = [block.lines[0].size_pt for block in blocks]
    return all(b < a / HEADING_SIZE_RATIO for a, b in itertools.pairwise(sizes))


def _numbered(blocks: Sequence[Block]) -> bool:
    """Every heading carries a section number ("2.", "2.1", "2.1.1"): a hierarchy of
    sections opened one inside the other, not labels."""
    return all(SECTION_NUMBER_RE.match(block.lines[0].text) for block in blocks)


def demote_heading_runs(blocks: Sequence[Block]) -> None:
    """Three or more same-level headings with nothing between are not headings.

    Diagram labels, author lists and cover blurbs are short, large or bold lines
    side by side or stacked; real sections have text between their headings.  A
    stack whose sizes step down (title, subtitle, first section) is a hierarchy
    that shares a level only because the size levels ran out, and is kept, as is
    a stack of numbered sections ("2. Method", "2.1 Data", "2.1.1 Sources").
    """
    start = 0
    for end in range(1, len(blocks) + 1):
        same = end < len(blocks) and blocks[end].kind == "heading" and (
            blocks[start].kind == "heading" and blocks[end].level == blocks[start].level)
        if same:
            continue
        run = blocks[start:end]
        if run[0].kind == "heading" and len(run) > MAX_HEADING_RUN and not (
                _stepping_down(run) or _numbered(run)):
            if _opens_section(run[-1], blocks[end] if end < len(blocks) else None):
                run = run[:-1]
            for block in run:
                found = list_marker(block.lines[0].text)
                block.kind, block.marker = ("item", found[0]) if found else ("para", "")
        start = end


def _list_number(block: Block) -> int | None:
    """The number of a block that starts "3. Item" or "3) Item"."""
    match = NUMBER_RE.match(block.lines[0].text) if block.lines else None
    return int(match.group("num")) if match else None


def demote_numbered_lists(blocks: Sequence[Block]) -> None:
    """Numbered lines counting up one after another are a list, whatever their size.

    Two sections in a row with nothing in the first do not happen; list items
    do ("1. Guide", "2. Growth", "3. Capacity"), and on a scan, whose sizes
    come from OCR boxes, some of them measure a little larger than the body.
    """
    start = 0
    for end in range(1, len(blocks) + 1):
        number = _list_number(blocks[end]) if end < len(blocks) else None
        previous = _list_number(blocks[end - 1])
        if number is not None and previous is not None and number == previous + 1:
            continue
        run = blocks[start:end]
        if len(run) >= 2 and any(block.kind == "heading" for block in run):
            for block in run:
                block.kind, block.level = "item", 0
                block.marker = block.marker or f"{_list_number(block)}."
        start = end


def _opens_section(last: Block, after: Block | None) -> bool:
    """The run's last heading is numbered and text follows it: a cover's lines stacked
    above the first section ("1 Quick Guide") take nothing from that section."""
    return bool(SECTION_NUMBER_RE.match(last.lines[0].text)) and after is not None and (
        after.kind in ("para", "item"))


def demote_chapter_labels(blocks: Sequence[Block]) -> None:
    """A "Chapter 3" label set over its chapter's title (LaTeX's book and report, Word's
    chapter styles, IBM's Redpapers) is no heading of its own: set smaller than the
    title, it had become a lower heading over a higher one ("## Chapter 1" over
    "# Introduction").  It stays as a line of text before the title, as the docling
    references keep it."""
    for label, title in itertools.pairwise(blocks):
        if (label.kind == "heading" and title.kind == "heading" and len(label.lines) == 1
                and CHAPTER_LABEL_RE.match(label.lines[0].text)):
            label.kind, label.level = "para", 0
