"""Issue 19 fixes on small layouts: right-to-left order, numbered headings, code, tables."""

from __future__ import annotations

from docwarden.engines.pdf.bidi import logical_order, unshape
from docwarden.engines.pdf.forms import with_fields
from docwarden.engines.pdf.furniture import PageLayout
from docwarden.engines.pdf.layout import Char, Line
from docwarden.engines.pdf.lines import build_lines
from docwarden.engines.pdf.markdown import build_markdown
from docwarden.engines.pdf.order import layout_page
from docwarden.engines.pdf.rules import Rule, ruled_tables
from docwarden.engines.pdf.tables import Table
from docwarden.engines.pdf.wraps import join_lines


def glyph(text: str, x0: float, y0: float = 100.0, width: float = 5.0, size: float = 10.0,
          space: bool = False, mono: bool = False) -> Char:
    return Char(text, x0, y0, x0 + width, y0 + size * 1.2, size, False, space_before=space,
                mono=mono)


def line(text: str, x0: float, y0: float, width: float = 400.0, size: float = 10.0,
         bold: bool = False, mono: bool = False) -> Line:
    return Line(text, x0, y0, x0 + width, y0 + size * 1.2, size, bold, mono=mono)


def markdown_of(lines: list[Line], ruled: tuple[Table, ...] = ()) -> str:
    return build_markdown([PageLayout(1, 595.0, 842.0, "text", layout_page(lines, ruled), 0)])


def test_right_to_left_line_is_read_from_the_right_with_latin_runs_whole() -> None:
    # Logical "اب Py جد": drawn right to left, the Latin run left to right inside it.
    visual = [glyph("د", 0), glyph("ج", 5), glyph("P", 15), glyph("y", 20), glyph("ب", 30),
              glyph("ا", 35)]
    assert "".join(g.text for g in logical_order(visual)) == "ابPyجد"
    left_to_right = [glyph("a", 0), glyph("x", 5), glyph("د", 15), glyph("ج", 20),
                     glyph("b", 30)]
    assert "".join(g.text for g in logical_order(left_to_right)) == "axجدb"


def test_right_to_left_stream_in_any_order_gives_logical_text_with_spaces() -> None:
    # Stream order as pdfium reports a shaped line: Arabic first, the Latin word last.
    chars = [glyph("ا", 44), glyph("ب", 39), glyph("ج", 31, space=True),
             glyph("P", 18, space=True), glyph("y", 23), glyph("د", 10, space=True)]
    # The words sit 3 pt (0.3 em) apart: a space between each.
    assert [ln.text for ln in build_lines(chars)] == ["اب ج Py د"]
    assert unshape("\ufefb") == "لا"  # a lam-alef presentation form back to its letters


def test_numbered_headings_are_headings_and_numbered_sentences_list_items() -> None:
    lines = [
        line("1. Introduction", 72, 60, 120, size=12, bold=True),
        line("Body text of the introduction that is long enough to be body text.", 72, 84),
        line("1.1 Background", 72, 110, 110, bold=True),
        line("More body text of the background section, long enough to be body.", 72, 130),
        line("1. Install the package.", 72, 156, 150),
        line("2. Run the first example.", 72, 170, 160),
    ]
    markdown = markdown_of(lines)
    assert "# 1. Introduction" in markdown and "## 1.1 Background" in markdown
    assert "\n1. Install the package.\n2. Run the first example." in markdown


def test_numbered_subsections_a_little_larger_than_the_text_are_headings() -> None:
    # texdoc's manual: "1.2 Configuration files" in the body's font at 1.1x its size.
    body = [line(f"Body text line {i} of the guide runs across the whole column here.", 89, y,
                 size=10.9) for i, y in enumerate((60, 73.5, 87, 100.5))]
    lines = [*body, line("1.2 Configuration files", 89, 134, 134, size=11.96),
             *[line(f"More body text {i} under the subsection runs across the column.", 89, y,
                    size=10.9) for i, y in enumerate((160, 173.5, 187))],
             line("2.1 million people read it every year, as the survey says.", 89, 220,
                  size=10.9)]
    markdown = markdown_of(lines)
    assert "# 1.2 Configuration files" in markdown
    assert "# 2.1 million" not in markdown  # body size: no heading, whatever its number


def test_a_numbered_section_under_a_stack_of_cover_lines_stays_a_heading() -> None:
    cover = [line(text, 130, y, 200, size=14.3) for text, y in (
        ("Find and view documentation", 150), ("Manuel Gonnard", 200),
        ("v3.4.1 2022-03-19", 240))]
    lines = [line("Texdoc", 262, 100, 70, size=20.7), *cover,
             line("1 Quick Guide", 89, 290, 104, size=14.3),
             *[line(f"Texdoc is a tool to find and view documents, line {i} of the text.", 89, y,
                    size=10.9) for i, y in enumerate((320, 334, 348))]]
    markdown = markdown_of(lines)
    assert "# 1 Quick Guide" in markdown and "# v3.4.1" not in markdown


def test_title_authors_and_abstract_label_stacked_keep_title_and_label() -> None:
    # A scanned paper's first page: title, author line, "Abstract", all set larger
    # than the text; the author line is no heading, so the other two are no run.
    lines = [line("Year model effect industry large for Limit balance point", 107, 83, 380,
                  size=14.5),
             line("Erik Sand, Boris Keller, Ana Lima", 209, 116, 175, size=11.4),
             line("Abstract", 59, 155, 58, size=13.3),
             *[line(f"Natural reason includes a regional capacity, line {i} of it.", 58,
                    181 + 12 * i, 233, size=9.3) for i in range(4)],
             *[line(f"Body text of the paper runs on and on across the column {i}.", 58,
                    260 + 12 * i, 233, size=9.6) for i in range(12)],
             # larger section headings further down: the three above share one level
             *[line(title, 58, y, 150, size=size) for title, y, size in (
                 ("1 Introduction", 420, 20.0), ("2 Related work", 520, 18.0),
                 ("3 Method", 620, 16.0))],
             *[line(f"More body text of the paper runs on across the column {i}.", 58,
                    y + 30, 233, size=9.6) for i, y in enumerate((420, 520, 620))]]
    markdown = markdown_of(lines)
    assert "# Year model effect" in markdown and "# Abstract" in markdown
    assert "# Erik Sand" not in markdown


def test_three_stacked_bold_lines_are_not_headings() -> None:
    names = ["Jim Bainbridge", "Rob Bestgen", "Mike Cain"]
    lines = [line(n, 300, 500 + 16 * i, 90, bold=True) for i, n in enumerate(names)]
    lines.append(line("Body text follows the names, long enough to be the body size.", 72, 600))
    assert "#" not in markdown_of(lines)


def test_code_like_large_lines_are_not_headings() -> None:
    lines = [line("CREATE PERMISSION <permission name>", 72, 60, 200, size=12),
             line("Body text that is long enough to set the body size of this page.", 72, 90)]
    assert "#" not in markdown_of(lines)


def test_a_web_address_alone_is_no_heading() -> None:
    text = "Body text that is long enough to set the body size of this page."
    for address in ("ibm.com/redbooks", "www.example.org", "https://example.net/docs"):
        lines = [line(address, 72, 60, 120, size=15), line(text, 72, 90)]
        assert "#" not in markdown_of(lines), address
    lines = [line("Front matter", 72, 60, 120, size=15), line(text, 72, 90)]
    assert "# Front matter" in markdown_of(lines)


def test_monospaced_lines_are_fenced_with_indentation_and_blank_lines() -> None:
    code = [("function add(a, b) {", 72, 100), ("return a + b;", 84, 112), ("}", 72, 124),
            ("console.log(add(3, 5));", 72, 148)]
    lines = [line(t, x, y, 6.0 * len(t), mono=True) for t, x, y in code]
    assert markdown_of(lines) == (
        "```\nfunction add(a, b) {\n  return a + b;\n}\n\nconsole.log(add(3, 5));\n```\n")


def test_typewriter_words_carrying_on_a_sentence_stay_in_its_paragraph() -> None:
    # btxdoc.pdf: a manual's field names set in typewriter type fill a whole line of a
    # sentence, under a hanging indent; the code after "with:" stays code.
    lines = [line("book A book with an explicit publisher. Required fields: author,", 72, 100),
             line("title, publisher, year. Optional fields: volume, series,", 90, 112,
                  380, mono=True),
             line("address, edition, month, note.", 90, 124, 200, mono=True),
             line("Give the field like this, with:", 72, 150),
             line("month = jan # feb,", 90, 162, 120, mono=True),
             line("author = and so on", 90, 174, 120, mono=True)]
    markdown = markdown_of(lines)
    assert ("book A book with an explicit publisher. Required fields: author, title, "
            "publisher, year. Optional fields: volume, series, address, edition, month, "
            "note.") in markdown
    assert "```\nmonth = jan # feb,\nauthor = and so on\n```" in markdown
    title_page = [line("Kpathsea library", 72, 60, 200, size=20),
                  line("https://tug.org/kpathsea", 72, 100, 140, mono=True),
                  line("This file documents the Kpathsea library for path searching.", 72, 140)]
    assert "```" not in markdown_of(title_page)  # a web address alone is no code


def test_an_italic_title_filling_a_line_of_a_sentence_stays_in_its_paragraph() -> None:
    # KOMA-Script guide: a book title in italics takes most of a line mid-sentence.
    italic = line("Short Introduction to LaTeX or LaTeX for Authors or a LaTeX reference",
                  72, 100)
    italic.italic = True
    lines = [italic, line("book. You will also find useful information in the many FAQs,", 72, 112),
             line("which answer most questions.", 72, 124, 150)]
    assert markdown_of(lines).count("\n\n") == 0
    bold = line("A bold heading", 72, 200, 90, bold=True)
    assert "# A bold heading" in markdown_of([bold, *lines])


def test_a_help_text_option_and_its_description_share_one_code_line() -> None:
    # libtasn1's manual: each row of a --help listing is drawn as two pieces.
    rows = [("-c, --check", "checks the syntax only"), ("-o, --output=FILE", "output file")]
    lines = [line("Usage: asn1Parser [OPTION] FILE", 90, 100, 180, mono=True)]
    for i, (option, text) in enumerate(rows):
        lines += [line(f"  {option}".strip(), 101.4, 112 + 12 * i, 6 * len(option), mono=True),
                  line(text, 215.4, 112 + 12 * i, 6 * len(text), mono=True)]
    prose = "asn1Parser reads a single file with ASN.1 definitions and generates a file."
    after = "The output file is a binary file with the DER encoding, read by the library."
    markdown = markdown_of([line(prose, 90, 80), *lines, line(after, 90, 150)])
    code = markdown[markdown.index("```"):markdown.rindex("```")]
    assert markdown.count("```") == 2 and "\n\n" not in code
    assert "\n  -c, --check" in code and "--check" + " " * 8 in code
    assert markdown.index("checks the syntax only") < markdown.index("-o, --output")


def test_fields_and_types_of_a_code_listing_are_no_table() -> None:
    # libtasn1: "r   INTEGER," rows drawn as two pieces each, the type a hair higher.
    lines = [line("Dss-Sig-Value ::= SEQUENCE {", 90, 337, 160, mono=True)]
    for i, (name, kind) in enumerate((("r", "INTEGER,"), ("s", "INTEGER,"),
                                      ("other", "OtherStruct"), ("z", "INTEGER OPTIONAL,"))):
        y = 351.1 + 13.2 * i
        lines += [line(name, 118.6, y, 5.8 * len(name), mono=True),
                  line(kind, 164.5, y - 0.2, 5.8 * len(kind), mono=True)]
    lines.append(line("}", 90, 404, 6, mono=True))
    markdown = markdown_of(lines)
    assert "|" not in markdown and markdown.count("```") == 2
    assert "\n     r       INTEGER,\n" in markdown


def test_a_listing_with_line_numbers_is_code_not_a_table() -> None:
    # A .dtx listing: line numbers in a small roman font beside typewriter code.
    code = ["\\ifluatex\\else", "  \\PackageWarningNoLine{ifplatform}{", "  disabled,",
            "  }", "\\fi"]
    lines = []
    for i, text in enumerate(code):
        y = 300 + 11 * i
        lines += [Line(str(20 + i), 100, y + 1, 108, y + 8, 6.0),
                  line(text, 120 + 5.2 * (len(text) - len(text.lstrip())), y,
                       5.2 * len(text.strip()), size=9.0, mono=True)]
    markdown = markdown_of(lines)
    assert "|" not in markdown and markdown.count("```") == 2
    rows = [" ".join(row.split()) for row in markdown.splitlines()]
    assert "20 \\ifluatex\\else" in rows and "24 \\fi" in rows


def test_code_cut_by_a_page_break_is_one_block() -> None:
    first = [line("Usage: asn1Coding [OPTION]", 90, 700, 160, mono=True),
             line("  -h, --help", 90, 712, 70, mono=True)]
    second = [line("Report bugs to: help@example.org", 90, 80, 190, mono=True)]
    pages = [PageLayout(n, 595.0, 842.0, "text", layout_page(lines), 0)
             for n, lines in ((1, first), (2, second))]
    assert build_markdown(pages).count("```") == 2


def test_a_bold_heading_over_code_in_bold_keywords_is_no_sentence_running_on() -> None:
    # pandoc's LaTeX: "Parse a whole form" in bold over "from io import BytesIO", whose
    # keywords are bold; the code is no words of the heading's sentence.
    lines = [line("Parse a whole form", 72, 100, 100, bold=True),
             line("from io import BytesIO", 72, 116, 120, bold=True, mono=True),
             line("from python_multipart import parse_form", 72, 130, 220, mono=True),
             line("The form is parsed as it streams in, one part after another.", 72, 160)]
    markdown = markdown_of(lines)
    assert "Parse a whole form\n\n```\nfrom io import BytesIO\n" in markdown


def test_code_quoted_in_a_heading_leaves_it_prose_sized_and_spaced() -> None:
    # Chromium: "Using" in the heading's 12.5 pt bold face, the code at 85 % (10.6 pt);
    # its typewriter pitch had split the heading's word ("U sing").
    word = [Char(ch, 65 + i * 8.0, 60, 65 + (i + 1) * 8.0, 75, 12.5, True)
            for i, ch in enumerate("Using")]
    code = [Char(ch, 110 + i * 6.4, 62, 110 + (i + 1) * 6.4, 75, 10.6, True, mono=True,
                 space_before=i == 0) for i, ch in enumerate("secondary_log_colors")]
    (heading,) = build_lines([*word, *code])
    assert (heading.text, heading.size_pt, heading.mono) == (
        "Using secondary_log_colors", 12.5, False)
    # Code with placeholders in italics stays code: "\\epsfbox{<file>}".
    text = "\\epsfbox{file}"
    placeholder = range(text.index("file"), text.index("}"))
    glyphs = [Char(ch, 72 + i * 5.0, 100, 77 + i * 5.0, 112, 10.0, False,
                   italic=i in placeholder, mono=i not in placeholder)
              for i, ch in enumerate(text)]
    assert build_lines(glyphs)[0].mono
    # A paragraph's last line all code but its full stop is prose.
    tail = [Char(ch, 72 + i * 5.0, 100, 77 + i * 5.0, 112, 10.0, False, mono=ch != ".")
            for i, ch in enumerate("'colour[trio]'.")]
    assert not build_lines(tail)[0].mono


def test_a_man_pages_section_names_stand_apart_from_the_text_set_in_under_them() -> None:
    # groff's grep(1): "SYNOPSIS" at the margin, its bold lines 3.6 em in, "DESCRIPTION"
    # at the margin again; "OPTIONS" over its subsection's name 1.5 em in.  All bold and
    # near one size, they had run into one paragraph, a heading lost in it.
    lines = [line("SYNOPSIS", 72, 100, 53, size=10.9, bold=True),
             line("grep [OPTION...] PATTERNS [FILE...]", 108, 113, 168, bold=True),
             line("grep [OPTION...] -e PATTERNS ... [FILE...]", 108, 125, 194, bold=True),
             line("DESCRIPTION", 72, 141, 76, size=10.9, bold=True),
             line("grep searches for PATTERNS in each FILE and prints each line that", 108, 154,
                  432),
             line("matches a pattern.", 108, 166, 90),
             line("OPTIONS", 72, 184, 49, size=10.9, bold=True),
             line("Generic Program Information", 87, 197, 129, bold=True),
             line("--help Output a usage message and exit.", 108, 209, 169)]
    markdown = markdown_of(lines)
    assert "## SYNOPSIS\n" in markdown and "## DESCRIPTION\n" in markdown
    assert "## OPTIONS\n" in markdown and "Generic Program Information\n" in markdown
    assert "grep [OPTION...] PATTERNS [FILE...] grep [OPTION...] -e PATTERNS ... [FILE...]\n" \
        in markdown


def test_a_one_line_paragraph_ends_before_the_next_ones_indent_and_centred_lines_keep() -> None:
    # LaTeX: "Do use a spell-checker, please!" alone, then a paragraph indented 1.5 em.
    lines = [line("Do use a spell-checker, please!", 72, 100, 148),
             line("You may also want to check grammar, style and so on. Actually you", 90, 114,
                  370),
             line("should do it. But you must check spelling!", 72, 128, 300)]
    assert markdown_of(lines) == (
        "Do use a spell-checker, please!\n\nYou may also want to check grammar, style and so "
        "on. Actually you should do it. But you must check spelling!\n")
    title = [line("A survey of the memory that serving models takes on", 150, 100, 300),
             line("small machines", 258, 114, 84)]  # centred
    assert markdown_of(title).count("\n\n") == 0
    # On a scan no typeface tells code: a loop's first line stays with its body (split,
    # it had become a heading of its own).
    loop = [line("Each record is checked against the limit in turn before it is stored;", 72,
                 46, 380),
            line("a record over the limit is logged and left out of the batch it came in.",
                 72, 60, 380),
            line("for item in items:", 72, 100, 95), line("if item.size > limit:", 90, 114, 110)]
    scanned = PageLayout(1, 595.0, 842.0, "ocr", layout_page(loop, ()), 0)
    assert "for item in items: if item.size > limit:" in build_markdown([scanned])


def test_a_title_set_in_code_heads_its_text_and_a_manuals_term_stays_code() -> None:
    # A README's "### `float8_e4m3fn`" set by pandoc's LaTeX: bold typewriter at body
    # size, alone, over text that starts where it does.
    body = "Exponent: 4, Mantissa: 3, bias: 7. Extended range: no infinity, NaN is 0x7f."
    lines = [line("Specifications of the formats", 72, 80, 200, size=12, bold=True),
             line("float8_e4m3fn", 72, 100, 68, bold=True, mono=True),
             line(body, 72, 118, 380),
             line("float8_e5m2", 72, 140, 57, bold=True, mono=True),
             line(body, 72, 158, 380)]
    markdown = markdown_of(lines)
    assert "## float8_e4m3fn\n" in markdown and "## float8_e5m2\n" in markdown
    # A term over its indented description, as manuals set options, is no title.
    term = [line("Options of the command", 72, 80, 150, size=12, bold=True),
            line("TAR_GNAME", 72, 100, 54, bold=True, mono=True),
            line("The name of the group that owns the file, as the archive holds it.", 108,
                 114, 330)]
    assert "```\nTAR_GNAME\n```" in markdown_of(term)


def test_a_title_in_code_may_be_set_smaller_than_its_text() -> None:
    # The same README through pandoc's Word styles and LibreOffice: the title's code is
    # 11 pt bold typewriter in 12 pt text (below the 0.95 a bold heading in the text's
    # face needs); 12 of ml_dtypes' 22 headings had been paragraphs.
    body = "Exponent: 4, Mantissa: 3, bias: 7. Extended range: no infinity, NaN is 0x7f."
    lines = [line("Specifications of the formats", 72, 80, 200, size=14, bold=True),
             line("float8_e4m3fn", 72, 104, 86, size=11, bold=True, mono=True),
             line(body, 72, 124, 440, size=12),
             line("float8_e5m2", 72, 150, 72, size=11, bold=True, mono=True),
             line(body, 72, 170, 440, size=12)]
    markdown = markdown_of(lines)
    assert "## float8_e4m3fn\n" in markdown and "## float8_e5m2\n" in markdown
    # A bold line in the text's own face that small is no heading.
    lines[1] = line("Float formats", 72, 104, 80, size=11, bold=True)
    assert "#" not in markdown_of(lines).split("\n\n")[1]


def test_a_bold_heading_opening_with_code_in_lower_case_is_no_term() -> None:
    # FastAPI's README set by pandoc's LaTeX: "### `standard` Dependencies", bold at
    # body size; its lower-case first word had made it a manual's term.
    def page(first: str, code_start: bool) -> str:
        heading = line(first, 72, 100, 114, bold=True)
        heading.code_start = code_start
        text = [line("Some of the dependencies are installed with the standard extra, and",
                     72, 118, 380),
                line("the others with the extras named after what they are for, as below.",
                     72, 130, 380)]
        return markdown_of([line("Dependencies", 72, 80, 80, size=12, bold=True), heading,
                            *text])
    assert "## standard Dependencies\n" in page("standard Dependencies", True)
    assert "#" not in page("standard Dependencies", False).split("\n\n")[1]


def test_a_bold_line_in_lower_case_over_a_listing_is_a_heading_not_a_term() -> None:
    # realesrgan-ncnn-py's README through pandoc's Word styles: "### ffmpeg", bold at
    # the text's size, over its example; as a manual's term it had been a paragraph.
    listing = [line("import subprocess as sp", 72, 118, 150, mono=True),
               line("pipe = sp.Popen(command, stdout=sp.PIPE)", 72, 130, 250, mono=True)]
    intro = line("The frames can come from any program that writes them to a pipe.", 72, 60,
                 380)
    assert "## ffmpeg\n" in markdown_of([intro, line("ffmpeg", 72, 96, 40, bold=True),
                                          *listing])
    # Signs of syntax still make a term, and a term over its description stays one.
    assert "#" not in markdown_of([intro, line("--pipe", 72, 96, 40, bold=True), *listing])
    description = line("Reads the frames from a pipe rather than from the file named.", 90,
                       110, 340)
    assert "#" not in markdown_of([intro, line("ffmpeg", 72, 96, 40, bold=True), description])


def test_numbered_lines_demoted_from_headings_keep_their_numbers() -> None:
    # eurotex2003-ofs's references: bold "1. www.stormtype.com" in typewriter type (a
    # title in code, code_titles), "2. ..." counting up: a heading then a list item
    # rendered without its number (" www.stormtype.com").
    lines = [line(f"{n}. www.example{n}.org", 72, 100 + 14 * n, 120, bold=True, mono=n == 1)
             for n in range(1, 4)]
    lines.append(line("The foundry's pages list every family it offers, with samples.", 72,
                      170, 380))
    assert "1. www.example1.org\n2. www.example2.org\n3. www.example3.org\n" in (
        markdown_of(lines))


def test_typewriter_bullets_are_list_items_and_the_paragraph_after_them_is_not() -> None:
    # libtasn1: "• SET;" items in typewriter type; the paragraph after the list starts
    # with an indent, right of the bullets but left of their text.
    items = [line(f"• {name};", 98.9, 100 + 16.6 * i, 6 * (len(name) + 3), mono=True)
             for i, name in enumerate(("SET", "SET OF", "CHOICE", "ANY"))]
    para = [line("This version does not handle the REAL type. It does not support the", 104.9,
                 100 + 16.6 * 4 + 4, 417),
            line("AUTOMATIC TAGS option either.", 90, 100 + 16.6 * 4 + 17.2, 200)]
    markdown = markdown_of(items + para)
    assert "- SET;\n- SET OF;\n- CHOICE;\n- ANY;\n\nThis version" in markdown
    assert "```" not in markdown


def test_monospaced_tight_boxes_are_not_spaced_apart() -> None:
    # Tight boxes of narrow glyphs leave gaps, but every char advances one pitch.
    text = "log(add(3,5));"
    chars = [Char(ch, i * 6.0 + (2.0 if ch in "(),;" else 0.0), 100.0,
                  i * 6.0 + (3.0 if ch in "(),;" else 5.5), 112.0, 10.0, False, mono=True)
             for i, ch in enumerate(text)]
    chars.append(Char("x", 15 * 6.0, 100.0, 15 * 6.0 + 5.5, 112.0, 10.0, False, mono=True))
    assert [ln.text for ln in build_lines(chars)] == ["log(add(3,5)); x"]


def test_the_usual_line_gap_comes_from_wrapped_lines_below_each_other() -> None:
    # pandoc's Word export: the loose cells of a table's row (gaps below zero between
    # neighbours in one row) had made the page's usual gap negative, so every wrapped
    # line of the paragraph under it became a paragraph of its own.
    cells = [Line(text, 72 + 80 * i, 300, 112 + 80 * i, 309, 12, False) for i, text in
             enumerate(("Linux", "CI", "yes", "no", "yes"))]  # boxes the glyphs' height
    prose = ["Real-ESRGAN aims at developing practical algorithms for general image",
             "restoration. We extend the powerful ESRGAN to a practical restoration",
             "application, which is trained with pure synthetic data."]
    wrapped = [line(text, 72, 340 + 16.3 * i, 450 if i < 2 else 300, size=12)
               for i, text in enumerate(prose)]
    assert " ".join(prose) in markdown_of(cells + wrapped)
    # A page of one-line paragraphs and one wrapped paragraph (pdfLaTeX's parskip): the
    # gap under the wrapped lines is the usual one, so the others stay apart.
    prose.insert(2, "for real images, and it wraps on a fourth line as papers do.")
    wrapped = [line(text, 72, 100 + 12 * i, 360 if i < 3 else 240)
               for i, text in enumerate(prose)]
    singles = [line(f"Paragraph {n} of the page is one line long.", 72, 154 + 18 * n, 200)
               for n in range(6)]
    markdown = markdown_of(wrapped + singles)
    assert "long.\n\nParagraph 1" in markdown and " ".join(prose) in markdown


def test_a_paragraph_gap_of_four_tenths_of_a_line_ends_a_paragraph() -> None:
    # groff's man pages space paragraphs 0.4 line (4.8 pt at 12 pt leading, 10 pt type).
    first = ["The -H, -L and -P options control the treatment of symbolic links given",
             "on the command line and met while the tree is searched for files."]
    second = ["This manual page talks about options within the expression list, which",
              "come after the last path name and before the tests and the actions."]
    lines = [line(t, 72, 100 + 12 * i, 400) for i, t in enumerate(first)]
    lines += [line(t, 72, 100 + 24 + 4.8 + 12 * i, 400) for i, t in enumerate(second)]
    assert "searched for files.\n\nThis manual page" in markdown_of(lines)


def test_korean_lines_join_with_a_space_chinese_without() -> None:
    assert join_lines(["판매했거나", "향후 계획"]) == "판매했거나 향후 계획"
    assert join_lines(["本文件由测试", "自动生成"]) == "本文件由测试自动生成"


def test_ruled_grid_keeps_multi_line_cells_and_leaves_the_caption_outside() -> None:
    xs, ys = (50.0, 130.0, 360.0), (100.0, 120.0, 160.0)
    rules = [Rule(xs[0], y, xs[-1], y) for y in ys] + [Rule(x, ys[0], x, ys[-1]) for x in xs]
    lines = [line("Table 1: Units sold.", 50, 80, 100),
             line("Region", 54, 104, 40), line("Product line", 134, 104, 60),
             line("North", 54, 124, 30), line("Garden tools and outdoor", 134, 124, 200),
             line("furniture", 134, 138, 50)]
    tables, rest = ruled_tables(lines, rules)
    assert [t.rows for t in tables] == [
        [["Region", "Product line"], ["North", "Garden tools and outdoor furniture"]]]
    assert [ln.text for ln in rest] == ["Table 1: Units sold."]


def test_side_by_side_prose_is_read_as_columns_not_as_a_table() -> None:
    left = ["Crystal stage region client forest income", "signal demand figure table input",
            "kernel client system supply server."]
    right = ["Measure forest table range factor design", "string layer policy budget format",
             "control source orbit series column end."]
    lines = [line(t, 50, 100 + 12 * i, 230) for i, t in enumerate(left)]
    lines += [line(t, 310, 100 + 12 * i, 230) for i, t in enumerate(right)]
    items = layout_page(lines)
    assert not any(isinstance(item, Table) for item in items)
    assert [item.text for item in items if isinstance(item, Line)] == left + right


def test_a_label_drawn_twice_in_one_place_is_read_once() -> None:
    # docling's redp5110 sample draws diagram labels twice, 0.04 pt apart, with other
    # text between the copies in the stream (pdfium drops only exact duplicates).
    label = [glyph(ch, 148 + 6 * i) for i, ch in enumerate("ENFORCED")]
    again = [glyph(ch, 148 + 6 * i + (0.04 if i > 4 else 0)) for i, ch in enumerate("ENFORCED")]
    callout = [glyph(ch, 300 + 6 * i) for i, ch in enumerate("Specifies")]
    assert [ln.text for ln in build_lines([*label, *callout, *again])] == [
        "ENFORCED", "Specifies"]


def test_a_line_drawn_again_in_part_leaves_no_line_of_fragments() -> None:
    # redp5110 page 10: a callout drawn once whole and once as scattered glyphs in the
    # same place read as "S", "ifi", "th t th" under it.
    text = "Specifies that the row is enabled"
    whole = [glyph(ch, 300 + 5 * i, space=ch == " ") for i, ch in enumerate(text)]
    parts = [glyph(ch, 300 + 5 * i, y0=100.2) for i, ch in enumerate(text) if i % 3 == 0
             and ch != " "]
    for first, second in ((whole, parts), (parts, whole)):
        assert [ln.text for ln in build_lines([*first, *second])] == [text]
    beside = [glyph(ch, 300 + 5 * i, y0=112.0) for i, ch in enumerate("the row")]
    assert [ln.text for ln in build_lines([*whole, *beside])] == [text, "the row"]


def test_numbered_lines_counting_up_in_a_row_are_a_list_even_when_measured_large() -> None:
    """On a scan two items of "1. / 2. / 3." measured a little larger than the body
    (sizes from OCR boxes) and became headings; sections never follow each other empty."""
    body = "Body text of the section that is long enough to be read as its body text."
    lines = [
        line("4. Introduction", 72, 60, 120, size=14),
        *[line(body, 72, 84 + 14 * i) for i in range(3)],
        line("1. Guide stream trend", 80, 140, 140, size=11.4),
        line("2. Growth supply trade and", 80, 154, 145, size=11.4),
        line("price", 96, 168, 30, size=11.4),  # an item wrapped over two lines
        line("3. Capacity annual course contract", 80, 182, 200, size=11.4),
        *[line(body, 72, 210 + 14 * i) for i in range(3)],
        line("5. Next steps", 72, 264, 100, size=14),
        *[line(body, 72, 288 + 14 * i) for i in range(3)],
    ]
    markdown = markdown_of(lines)
    assert "# 4. Introduction" in markdown and "# 5. Next steps" in markdown
    assert ("\n1. Guide stream trend\n2. Growth supply trade and price\n3. Capacity annual "
            "course contract") in markdown


def test_bare_numbers_counting_up_at_one_edge_are_a_list() -> None:
    """ReportLab sets "1", "2", "3" with no full stop, the text an indent further in;
    the items had run into one paragraph ("1 Issue ... 2 Early ...")."""
    body = "A paragraph of the report that is long enough to be read as its body text."
    lines = [
        *[line(body, 72, 60 + 14 * i) for i in range(2)],
        line("1 Issue memory effort control", 79, 100, 140),
        line("2 Early condition guide term that wraps", 79, 118, 180),
        line("onto a second line", 97, 132, 90),  # under the item's text
        line("3 Normal level support code network", 79, 150, 170),
        *[line(body, 72, 180 + 14 * i) for i in range(2)],
        # A paragraph whose lines merely start with numbers: not counting up from one.
        line("2 of the cases were kept for the test of the method set out", 72, 230, 400),
        line("3 of them failed in the first week of the tests that were run", 72, 244, 400),
    ]
    markdown = markdown_of(lines)
    assert ("\n1. Issue memory effort control\n2. Early condition guide term that wraps "
            "onto a second line\n3. Normal level support code network\n") in markdown
    assert "2 of the cases were kept for the test of the method set out 3 of them" in markdown


def test_a_chapters_label_over_its_title_is_no_heading_of_its_own() -> None:
    """LaTeX's report sets "Chapter 1" over "Introduction", a size smaller: it had been
    an h2 over the title's h1, and its size had pushed the sections down a level."""
    body = "Body text of the chapter that is long enough to be read as its body text."
    lines = [
        line("Chapter 1", 72, 100, 110, size=20.7, bold=True),
        line("Introduction", 72, 140, 160, size=24.8, bold=True),
        *[line(body, 72, 190 + 14 * i) for i in range(3)],
        line("1.1 Background of the work", 72, 250, 220, size=14.3, bold=True),
        *[line(body, 72, 280 + 14 * i) for i in range(3)],
    ]
    markdown = markdown_of(lines)
    assert markdown.startswith("Chapter 1\n\n# Introduction\n")
    assert "\n## 1.1 Background of the work\n" in markdown


def table_rows(leading: float) -> list[Line]:
    """A borderless table of two rows whose middle cells wrap, lines `leading` apart and
    rows a cell padding more."""
    lines = [line("Region", 60, 100, 60), line("Notes", 180, 100, 60),
             line("Units", 300, 100, 40), line("Share", 420, 100, 40)]
    y = 100 + leading + 4
    for name, notes, units, share in (("North", ["Board plan", "building account"], "2,247",
                                       "64.2%"),
                                      ("South", ["Resource council", "main series"], "3,933",
                                       "77.9%")):
        lines += [line(name, 60, y, 60), line(units, 300, y, 40), line(share, 420, y, 40)]
        lines += [line(text, 180, y + i * leading, 100) for i, text in enumerate(notes)]
        y += len(notes) * leading + 4
    return lines


def test_a_page_number_under_a_borderless_table_is_no_wrapped_cell() -> None:
    # The page number sits centred under the third column, two lines below the table.
    lines = table_rows(12.0)
    lines.append(line("2", 300, max(ln.y1 for ln in lines) + 16, 6))
    found = layout_page(lines)
    tables = [item for item in found if isinstance(item, Table)]
    assert [row[2] for row in tables[0].rows] == ["Units", "2,247", "3,933"]


def test_wrapped_cells_of_a_double_spaced_table_still_wrap() -> None:
    tables = [item for item in layout_page(table_rows(24.0)) if isinstance(item, Table)]
    assert [row[1] for row in tables[0].rows] == [
        "Notes", "Board plan building account", "Resource council main series"]


def test_total_rows_under_an_amount_column_are_rows_of_their_own() -> None:
    # An invoice: the subtotal, tax and total rows leave the item columns empty.  A
    # wrapped cell's next line never goes on under a number, so they are rows.
    rows = [("Item", "Description", "Unit price", "Amount"),
            ("1", "OCR pages, standard", "0.02 EUR", "24.00 EUR"),
            ("2", "Photo enhancement", "0.25 EUR", "10.00 EUR"),
            ("", "", "Subtotal", "34.00 EUR"), ("", "", "VAT 19%", "6.46 EUR"),
            ("", "", "Total", "40.46 EUR")]
    lines = [line(text, x, 100 + 14 * r, 8 * len(text))
             for r, row in enumerate(rows)
             for x, text in zip((60, 100, 300, 400), row, strict=True)
             if text]
    tables = [item for item in layout_page(lines) if isinstance(item, Table)]
    assert [row[2:] for row in tables[0].rows] == [list(row[2:]) for row in rows]


def test_a_form_fields_value_follows_the_label_left_of_it_in_its_row() -> None:
    labels = [line("Full name:", 72, 100, 55), line("Notes", 72, 200, 30)]
    fields = [line("Ana Silva", 180, 101, 50), line("[x]", 480, 300, 12)]
    texts = [ln.text for ln in with_fields(labels, fields)]
    assert texts == ["Full name: Ana Silva", "Notes", "[x]"]  # the box alone: a line of its own
