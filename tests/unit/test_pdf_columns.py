"""Columns as real producers set them: pdfTeX's one-em gutter, centred lines over it, tables
a little wider than their column, numbers split from their section titles."""

from __future__ import annotations

from docwarden.engines.pdf.layout import Char, Line
from docwarden.engines.pdf.lines import build_lines
from docwarden.engines.pdf.order import layout_page
from docwarden.engines.pdf.tables import Table

LEFT, RIGHT, COL_W = 56.0, 302.0, 236.0  # pdfTeX's A4 twocolumn: a 10 pt gutter


def chars(text: str, x0: float, y0: float, size: float = 10.0, bold: bool = False) -> list[Char]:
    out, space = [], False
    for i, ch in enumerate(text):
        if ch == " ":
            space = True
            continue
        out.append(Char(ch, x0 + i * 5, y0, x0 + (i + 1) * 5, y0 + size * 1.2, size, bold,
                        space_before=space))
        space = False
    return out


def line(text: str, x0: float, y0: float, width: float = COL_W, size: float = 10.0) -> Line:
    return Line(text, x0, y0, x0 + width, y0 + size * 1.2, size)


def prose(name: str, x0: float, y0: float, count: int) -> list[Line]:
    """A column of wrapped prose: long lines, one under the other."""
    return [line(f"{name} {i} is a line of a column of prose set in ten points",
                 x0, y0 + 12 * i) for i in range(count)]


def names(items: list[Line | Table]) -> list[str]:
    return [it.text.split(" is ")[0] if isinstance(it, Line) else "TABLE" for it in items]


def test_a_larger_section_number_beside_a_column_line_is_not_merged_into_it() -> None:
    # Stream order: the left column first, then the right column's "3 Method" heading.
    left = [chars("left column words go on here and on", LEFT, 100 + 12 * i) for i in range(4)]
    for row in left:  # justified: every line ends at the column's right edge
        row[-1].x1 = LEFT + COL_W
    number = chars("3", RIGHT, 112, size=14.3, bold=True)
    title = chars("Method", RIGHT + 24, 112, size=14.3, bold=True)
    lines = build_lines([c for row in left for c in row] + number + title)
    texts = [ln.text for ln in lines]
    assert "3 Method" in texts  # the bare bold number joins its bold title
    assert all(t.startswith("left column") or t == "3 Method" for t in texts), texts


def test_fragments_meeting_at_aligned_column_edges_stay_apart() -> None:
    frags: list[Char] = []
    for i in range(4):  # the right column's lines are drawn first: stream order is no help
        row = chars("right column text", RIGHT, 100 + 12 * i)
        frags += row
    for i in range(4):
        row = chars("left column text", LEFT, 100 + 12 * i)
        row[-1].x1 = RIGHT - 7  # a gutter of 0.7 em: narrower than the merge limit
        frags += row
    texts = sorted(ln.text for ln in build_lines(frags))
    assert texts == ["left column text"] * 4 + ["right column text"] * 4


def test_a_centred_author_line_over_the_gutter_does_not_hide_the_columns() -> None:
    lines = [line("A Title Over Both Columns", 150, 60, width=300, size=17),
             line("Ann Author, Bo Author, Cy Author", 200, 90, width=190, size=12)]
    lines += prose("left", LEFT, 130, 6) + prose("right", RIGHT, 130, 6)
    order = names(layout_page(lines))
    assert order[:2] == ["A Title Over Both Columns", "Ann Author, Bo Author, Cy Author"]
    assert order[2:] == [f"left {i}" for i in range(6)] + [f"right {i}" for i in range(6)]


def test_a_table_reaching_past_its_column_is_read_within_it() -> None:
    lines = prose("left", LEFT, 60, 5) + prose("right", RIGHT, 60, 10)
    lines += prose("after", LEFT, 250, 5)
    # A booktabs table under the left text, 22 pt wider than its column (and below the
    # right column's last line, as pdfLaTeX sets a float that does not fit).
    table = Table(rows=[["a", "b"], ["1", "2"]], x0=LEFT + 6, y0=190, x1=RIGHT + 22, y1=240)
    order = names(layout_page(lines, [table]))
    assert order == ([f"left {i}" for i in range(5)] + ["TABLE"]
                     + [f"after {i}" for i in range(5)] + [f"right {i}" for i in range(10)])


def test_a_stretched_space_after_a_full_stop_keeps_a_justified_line_whole() -> None:
    # pdfTeX stretches the space after "condition." to an em on a loose line.
    rows = [chars("Justified column text that runs from edge to", LEFT, 100 + 12 * i)
            for i in range(4)]
    for row in rows:
        row[-1].x1 = LEFT + COL_W
    end = chars("condition.", LEFT, 148)
    start = chars("Total strategy serves each", LEFT + 63, 148)  # a 1.3 em gap
    start[-1].x1 = LEFT + COL_W
    texts = [ln.text for ln in build_lines([c for row in rows for c in row] + end + start)]
    assert "condition. Total strategy serves each" in texts


def test_a_table_alone_in_the_right_column_is_read_after_the_left_column() -> None:
    lines = prose("left", LEFT, 60, 20)
    table = Table(rows=[["a", "b"], ["1", "2"], ["3", "4"]], x0=RIGHT + 4, y0=50, x1=RIGHT + 220,
                  y1=330, size_pt=10)
    order = names(layout_page(lines, [table]))
    assert order == [f"left {i}" for i in range(20)] + ["TABLE"]


def test_a_table_in_one_column_does_not_take_in_the_other_columns_lines() -> None:
    # A paper's table beside its list of references: rows share their heights.
    lines = prose("left", LEFT, 60, 8) + prose("right", RIGHT, 60, 8)
    cells = [("User", 0), ("Stream", 60), ("6,697", 130)]
    for r in range(4):
        lines += [line(f"{t}{r}", LEFT + x, 200 + 12 * r, 40) for t, x in cells]
        lines.append(line(f"[{r}] Dana Okafor. A title of a referenced work here.", RIGHT,
                          200 + 12 * r))
    lines += prose("after", LEFT, 260, 3)
    tables = [it for it in layout_page(lines) if isinstance(it, Table)]
    assert len(tables) == 1 and len(tables[0].rows[0]) == 3


def test_two_columns_of_bullets_are_lists_not_a_table() -> None:
    lines = []
    for r in range(3):
        lines.append(line(f"• Left point {r}", 43, 100 + 30 * r, 200, size=20))
        lines.append(line(f"• Right point {r}", 373, 100 + 30 * r, 200, size=20))
    assert not any(isinstance(it, Table) for it in layout_page(lines))


def test_a_paragraph_wrapping_around_a_sidebar_is_read_whole_before_it() -> None:
    # A floated box beside the first lines of a paragraph that runs on under it.
    body = ["Install the package from the index into a fresh virtual",
            "environment, then start the server with its default engines.",
            "The first start loads the models from the wheel; nothing is"]
    lines = [line(t, 53, 155 + 13 * i, 280, size=11) for i, t in enumerate(body)]
    lines += [line(t, 428, 124 + 10.5 * i, 118, size=9) for i, t in enumerate(
        ["Tip", "Keep one worker per core.", "Recycling after fifty jobs", "keeps memory flat."])]
    lines.append(line("downloaded at run time, which matters on machines without network.",
                      53, 194, 430, size=11))
    lines.append(line("A next paragraph starts here after some space below the last one.",
                      53, 240, 430, size=11))
    order = [it.text.split()[0] for it in layout_page(lines) if isinstance(it, Line)]
    assert order == ["Install", "environment,", "The", "downloaded", "Tip", "Keep",
                     "Recycling", "keeps", "A"]


def test_a_loose_line_stretched_at_two_full_stops_stays_one_line() -> None:
    """TeX stretched "leo. Praesent ... aliquet. Inte-" past an em at both sentence ends:
    the middle part does not reach the column's edge on its own, the run does."""
    full = "a justified line of the column fills it to edge."  # 47 glyphs: 56 to 291
    column = [c for i in range(4) for c in chars(full[:47], LEFT, 100 + 12 * i)]
    loose = (chars("leo.", LEFT, 148) + chars("Praesent feugiat sapien aliquet.", 88, 148)
             + chars("Inte-", 266, 148))
    texts = [ln.text for ln in build_lines(column + loose)]
    assert "leo. Praesent feugiat sapien aliquet. Inte-" in texts


def test_a_row_of_authors_over_the_gutter_is_read_before_the_columns() -> None:
    """IEEE's three authors sit in one row across the page, the middle one over the
    gutter: the columns below were read row by row, left and right interleaved."""
    authors = [line("Ana Silva", 110, 60, 60), line("Ben Okafor", 262, 60, 70),
               line("Chen Wei", 420, 60, 60)]
    items = layout_page(authors + prose("left", LEFT, 100, 12) + prose("right", RIGHT, 100, 12))
    assert names(items) == (["Ana Silva", "Ben Okafor", "Chen Wei"]
                            + [f"left {i}" for i in range(12)] + [f"right {i}" for i in range(12)])


def test_a_table_under_its_header_row_is_no_pair_of_columns() -> None:
    """A field list (name, then its meaning) under a row that spans it stays row by row."""
    rows = [line("The fields of a glue node are these, each set on a line of its own", LEFT,
                 60, 480)]
    for i, name in enumerate(["width", "stretch", "shrink", "stretch_order", "shrink_order"]):
        rows += [line(name, LEFT, 80 + 12 * i, 60),
                 line(f"number {i}: the amount of the field, in scaled points", 160, 80 + 12 * i,
                      300)]
    assert [it.text.split()[0] for it in layout_page(rows) if isinstance(it, Line)][1:5] == [
        "width", "number", "stretch", "number"]


def test_a_table_in_one_column_under_a_centred_author_line_takes_no_prose_beside_it() -> None:
    """elsarticle's 5p: the centred author line and the keywords over both columns close
    the prose gutter; a borderless table in the right column had taken the left column's
    lines beside it as cells of its own."""
    head = [line("Ana Silva, Ben Okafor, Chen Wei", 240, 40, 130),
            line("Keywords: document models, inference serving, memory limits", LEFT, 60, 300)]
    cells = [line(text, x, 200 + 12 * row, 50) for row, texts in enumerate(
        [("Cause", "Before", "After"), ("Timeout", "412", "35"), ("Memory", "128", "0")])
        for text, x in zip(texts, (RIGHT, RIGHT + 100, RIGHT + 180), strict=True)]
    right = prose("right", RIGHT, 100, 8) + prose("more", RIGHT, 250, 6)
    items = layout_page(head + prose("left", LEFT, 100, 16) + cells + right)
    tables = [it for it in items if isinstance(it, Table)]
    assert len(tables) == 1 and tables[0].rows[0] == ["Cause", "Before", "After"]
    assert all(not cell.text.startswith("left") for cell in tables[0].lines)
