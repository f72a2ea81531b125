"""Markdown builder of the PDF engine on synthetic line structures (no PDF involved)."""

from __future__ import annotations

import re

import pypdfium2 as pdfium

from docwarden.engines.pdf.blocks import list_marker
from docwarden.engines.pdf.document import hyphenates
from docwarden.engines.pdf.furniture import PageLayout
from docwarden.engines.pdf.layout import SOFT_HYPHEN, Line
from docwarden.engines.pdf.markdown import build_markdown
from docwarden.engines.pdf.order import layout_page
from docwarden.engines.pdf.wraps import Lexicon, join_lines

BODY = 10.0


def line(text: str, x0: float, y0: float, width: float = 400.0, size: float = BODY,
         bold: bool = False, italic: bool = False) -> Line:
    return Line(text, x0, y0, x0 + width, y0 + size * 1.2, size, bold, italic)


def paragraph(texts: list[str], x0: float, y0: float, width: float = 400.0) -> list[Line]:
    return [line(t, x0, y0 + i * BODY * 1.2, width) for i, t in enumerate(texts)]


def page(lines: list[Line], number: int = 1, height: float = 842.0) -> PageLayout:
    return PageLayout(number, 595.0, height, "text", layout_page(lines), 0)


def test_join_lines_reflows_latin_and_joins_hyphenated_words() -> None:
    assert join_lines(["The quick", "brown fox"]) == "The quick brown fox"
    assert join_lines([f"docu{SOFT_HYPHEN}", "ment"]) == "document"
    assert join_lines(["a well-", "known case"]) == "a wellknown case"
    assert join_lines(["ends with a dash -", "Next"]) == "ends with a dash - Next"


def test_a_compound_wrapped_at_its_hyphen_keeps_it() -> None:
    # pdfium reports a line-end hyphen as a soft one; LibreOffice wrapped "Real-ESRGAN"
    # and "ISO-8859" there, and they had come out "RealESRGAN", "ISO8859".
    assert join_lines([f"the pre-trained Real{SOFT_HYPHEN}", "ESRGAN model"]) == (
        "the pre-trained Real-ESRGAN model")
    assert join_lines([f"ISO{SOFT_HYPHEN}", "8859 text"]) == "ISO-8859 text"
    # A word hyphenated by the typesetter, in capitals too, joins without one.
    assert join_lines([f"INTER{SOFT_HYPHEN}", "NATIONAL"]) == "INTERNATIONAL"
    assert join_lines([f"al{SOFT_HYPHEN}", "ternative"]) == "alternative"


def test_a_word_wrapped_at_a_hyphen_keeps_it_as_the_documents_words_tell() -> None:
    # WeasyPrint and Chromium hyphenate nothing: they wrap compounds at their hyphens.
    browser = ["The annotated-types package adds constraints to Python types.",
               "Install annotated-", "types with pip; a floating-", "point bound works too."]
    lexicon = Lexicon(browser)
    assert join_lines(browser[1:3], lexicon) == "Install annotated-types with pip; a floating-"
    assert join_lines(browser[2:], lexicon) == "types with pip; a floating-point bound works too."
    # A typesetter that hyphenates breaks words the document spells whole elsewhere;
    # there only a compound it spells with its hyphen keeps one.
    typeset = ["This document is a well-known guide to the document class options.",
               "Read the docu-", "ment and the well-", "known al-", "ternative."]
    lexicon = Lexicon(typeset)
    assert join_lines(typeset[1:], lexicon) == (
        "Read the document and the well-known alternative.")


def test_a_maker_that_hyphenates_nothing_keeps_the_hyphens_its_words_do_not_tell() -> None:
    # markdown-it-py's README printed by WeasyPrint: no word of it tells "command-" /
    # "line", but WeasyPrint breaks lines at compounds' hyphens only.
    lines = ["Use it from the command-", "line: markdown-it README.md"]
    assert join_lines(lines, Lexicon(lines, hyphenates=False)) == (
        "Use it from the command-line: markdown-it README.md")
    assert join_lines(lines, Lexicon(lines)) == (
        "Use it from the commandline: markdown-it README.md")
    # An option's name holds hyphens of its own: no typesetter breaks it elsewhere ...
    option = ["Set the logging configuration with --log-", "config, as a file."]
    assert join_lines(option, Lexicon(option)).endswith("with --log-config, as a file.")
    # ... unless the document is seen hyphenating words (groff's "root-squash-" / "ing").
    groff = ["A squashing server maps the root user away.", "when the server does root-squash-",
             "ing, or it squash-", "ing a user."]
    assert join_lines(groff[1:3], Lexicon(groff)) == (
        "when the server does root-squashing, or it squash-")


def _pdf_made_by(producer: str) -> pdfium.PdfDocument:
    """A one-page PDF whose Info dictionary names its producer."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
               b"<< /Producer (" + producer.encode() + b") >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return pdfium.PdfDocument(bytes(out))


def test_the_pdfs_maker_tells_whether_it_hyphenates() -> None:
    made_by = _pdf_made_by
    assert not hyphenates(made_by("Skia/PDF m156"))  # Chromium, Google Docs
    assert not hyphenates(made_by("LibreOffice 7.4"))
    assert hyphenates(made_by("pdfTeX-1.40.24"))
    assert hyphenates(made_by(""))


def test_join_lines_keeps_a_wrapped_web_address_whole() -> None:
    assert join_lines(["see https://example.org/docs/", "install.html for more"]) == (
        "see https://example.org/docs/install.html for more")
    assert join_lines(["at https://www.python.", "org/downloads today"]) == (
        "at https://www.python.org/downloads today")
    assert join_lines(["clone https://github.com/my-", "org/tool"]) == (
        "clone https://github.com/my-org/tool")
    assert join_lines(["www.example.com/a?x=1&", "y=2 works"]) == "www.example.com/a?x=1&y=2 works"
    # LibreOffice breaks an address too long for its line between any two letters.
    assert join_lines(["see https://example.org/wiki/pages/Instructions+f",
                       "or+Event+Hosts+-+March+2021"]) == (
        "see https://example.org/wiki/pages/Instructions+for+Event+Hosts+-+March+2021")
    assert join_lines(["https://example.org/pages/LF+AI+Day+-", "ONNX+Community+Day"]) == (
        "https://example.org/pages/LF+AI+Day+-ONNX+Community+Day")
    assert join_lines([f"https://lf{SOFT_HYPHEN}", "aidata.example.net/wiki"]) == (
        "https://lf-aidata.example.net/wiki")  # pdfium's soft hyphen is the address's own
    assert join_lines(["read https://example.org/docs", "and then"]) == (
        "read https://example.org/docs and then")
    # A sentence that ends with an address still ends there.
    assert join_lines(["Read https://example.org.", "Then go on"]) == (
        "Read https://example.org. Then go on")
    assert join_lines(["Read https://example.org/", "Then go on"]) == (
        "Read https://example.org/ Then go on")
    assert join_lines(["or https://example.org/a", "then b"]) == "or https://example.org/a then b"


def test_join_lines_joins_cjk_without_spaces() -> None:
    joined = join_lines(["本文件由测试数据生成脚本", "自动生成，用于验证"])
    assert joined == "本文件由测试数据生成脚本自动生成，用于验证"
    assert join_lines(["大小 3.", "5 MB，准确率"]) == "大小 3.5 MB，准确率"


def test_list_markers() -> None:
    assert list_marker("• first item") == ("-", "first item")
    assert list_marker("- dash item") == ("-", "dash item")
    assert list_marker("3) third") == ("3.", "third")
    assert list_marker("12. twelfth") == ("12.", "twelfth")
    assert list_marker("a) letter") == ("-", "a) letter")
    assert list_marker("-5 degrees is cold") is None
    assert list_marker("5.1 Hyper Parameter Optimization") is None
    assert list_marker("(2) second") == ("2.", "second")
    assert list_marker("(b) letter") == ("-", "(b) letter")
    # An opening bracket needs its closing one: a page reference wrapped to a line's
    # start (TeX Live's guide: "(p. 15) describes this in more detail") is no item.
    assert list_marker("(p. 15) describes this in more detail") is None
    assert list_marker("(3. unclosed") is None


def test_headings_from_size_ranks_and_bold_lines() -> None:
    lines = [
        line("Document Title", 72, 60, 300, size=20),
        line("Section One", 72, 100, 200, size=14),
        *paragraph(["Body text of the first section that is long enough to be body",
                    "and continues on the next line of the same paragraph."], 72, 130),
        line("Bold Subsection", 72, 180, 150, bold=True),
        *paragraph(["More body text follows here, again long enough to be body text",
                    "with a second line."], 72, 200),
    ]
    markdown = build_markdown([page(lines)])
    assert markdown.splitlines()[0] == "# Document Title"
    assert "## Section One" in markdown
    assert "### Bold Subsection" in markdown
    assert ("Body text of the first section that is long enough to be body and continues on "
            "the next line of the same paragraph.") in markdown


def test_a_manuals_bold_terms_are_no_headings() -> None:
    """A definition list as pandoc's Word and HTML exports of a man page set it: each
    term bold on its own line (options, variables, values, syntax), its meaning below.
    They had all become headings (ls: 43 of 52); a bold "Exit Status" stays one."""
    terms = ["-a, –all", "--block-size SIZE", "TAR_GNAME", "none, off", "/regexp/",
             "#comment", "0,addr2", "addr1,+N", "1,000 Users", "Exit Status"]
    lines = [line("Options", 72, 60, 120, size=14)]
    for row, term in enumerate(terms):
        top = 90 + row * 40
        lines += [line(term, 72, top, 90, bold=True),
                  line(f"what {term} means, in a sentence of its own.", 72, top + 14, 300)]
    markdown = build_markdown([page(lines)])
    headings = [ln for ln in markdown.splitlines() if re.match(r"#{1,6} ", ln)]
    assert headings == ["# Options", "## 1,000 Users", "## Exit Status"]
    assert "-a, –all\n\nwhat -a, –all means" in markdown


def code(texts: list[str], x0: float, y0: float, size: float = 8.0) -> list[Line]:
    return [Line(t, x0, y0 + i * size * 1.3, x0 + 6 * len(t), y0 + i * size * 1.3 + size,
                 size, mono=True) for i, t in enumerate(texts)]


def test_an_api_references_headings_name_code_set_larger_than_the_text() -> None:
    """Node.js's manual heads each section with what it documents ("os.arch()",
    15.8 pt bold over 9 pt text); code-like lines had all been refused as headings.
    Code itself stays code, however large or bold."""
    lines = [line("os.arch()", 72, 60, 80, size=15.8, bold=True),
             line("Returns the operating system CPU architecture for which the Node.js",
                  72, 90, 400, size=9),
             line("binary was compiled, such as 'arm' or 'x64'.", 72, 101, 250, size=9),
             *code(["const os = require('node:os');", "console.log(os.arch());"], 72, 130),
             line("setTimeout(callback[, delay])", 72, 170, 200, size=13.5, bold=True),
             line("Schedules execution of a one-time callback after delay milliseconds.",
                  72, 200, 400, size=9)]
    headings = [ln for ln in build_markdown([page(lines)]).splitlines() if ln.startswith("#")]
    assert headings == ["# os.arch()", "## setTimeout(callback[, delay])"]


def test_code_read_by_ocr_is_never_a_heading_however_large_it_measures() -> None:
    """A scanned report's listing: OCR gives no monospaced face to tell code by and
    measures sizes roughly, and "total += item.size" had become a heading; a call
    ("add_sizes(items, limit)") set larger on a typed page is an API heading."""
    lines = [*paragraph(["The loop below adds up the sizes of the items that pass the",
                         "limit, one by one, before the report is written out."], 72, 60),
             line("add_sizes(items, limit)", 90, 100, 130, size=11.5),
             *paragraph(["The total is then compared with the budget of the month."], 72, 125)]
    scanned = PageLayout(1, 595.0, 842.0, "ocr", layout_page(lines), 0)
    assert "#" not in build_markdown([scanned])
    assert "# add_sizes(items, limit)" in build_markdown([page(lines)])  # typed, larger
    signs = [ln if ln.text != "add_sizes(items, limit)" else line(
        "total += item.size", 90, 100, 130, size=11.5) for ln in lines]
    assert "#" not in build_markdown([page(signs)])  # code's signs: never a heading


def test_prose_between_listings_is_no_heading_on_a_page_mostly_of_code() -> None:
    """bzip2's manual: a page mostly of 10 pt listings made its 12 pt prose "larger
    than the page's text", and a sentence between two listings became a heading.
    The body is the prose's size; code does not count."""
    listing = [f"  Return value = BZ_SEQUENCE_ERROR_{n:02d} if called wrongly" for n in range(12)]
    lines = [*code(listing, 72, 60, size=10),
             line("That still looks complicated? Well, fair enough. The usual sequence",
                  72, 240, 430, size=12),
             line("of calls for compressing a load of data is:", 72, 255, 280, size=12),
             *code(listing, 72, 290, size=10)]
    markdown = build_markdown([page(lines)])
    assert "#" not in markdown.replace("```", "")
    assert "That still looks complicated? Well, fair enough." in markdown


def test_a_styled_sentence_ending_inside_brackets_is_no_heading() -> None:
    """Ninja's manual sets "(Available since Ninja 1.3.)" in italics on a line of its
    own: a sentence, its full stop inside the bracket.  An italic title stays one."""
    lines = [line("Further reading", 72, 60, 100, italic=True),
             line("(Available since Ninja 1.3.)", 72, 90, 160, italic=True),
             *paragraph(["It turns out that for large projects loading these dependency",
                         "files on startup is slow."], 72, 110)]
    headings = [ln for ln in build_markdown([page(lines)]).splitlines() if ln.startswith("#")]
    assert headings == ["## Further reading"]


def test_a_paragraph_starting_with_markdown_syntax_stays_a_paragraph() -> None:
    texts = ["# of users rose to four hundred in the first year of the trial.",
             "> is the prompt the shell prints when a command goes on.", "---"]
    lines = [line(text, 72, 60 + row * 40, 400) for row, text in enumerate(texts)]
    assert build_markdown([page(lines)]).strip().split("\n\n") == [
        "\\# of users rose to four hundred in the first year of the trial.",
        "\\> is the prompt the shell prints when a command goes on.", "\\---"]


def test_paragraph_breaks_on_vertical_gap() -> None:
    lines = [*paragraph(["First paragraph line one is here and it is long", "line two."], 72, 100),
             *paragraph(["Second paragraph starts after a gap and is long", "too."], 72, 150)]
    blocks = build_markdown([page(lines)]).strip().split("\n\n")
    assert blocks == ["First paragraph line one is here and it is long line two.",
                      "Second paragraph starts after a gap and is long too."]


def test_bullet_list_with_wrapped_item() -> None:
    lines = [
        line("• first item that wraps onto", 90, 100, 300),
        line("a second line", 108, 112, 100),
        line("• second item", 90, 124, 120),
    ]
    expected = "- first item that wraps onto a second line\n- second item\n"
    assert build_markdown([page(lines)]) == expected


def test_a_numbered_paragraph_wrapping_back_to_its_number_is_one_item() -> None:
    # Legal clauses (KOMA-Script's scrjura): "(1) ..." wraps to the number's edge, not
    # under its text; a full line whose sentence runs on carries the item on.
    lines = [
        line("(1) The name of this club shall be the Club for Club Hoppers and is", 74, 100, 447),
        line("not registered in any club register.", 74, 114, 190),
        line("(2) The club is a non-economic, useless club, and it has no office", 74, 135, 447),
        line("because its members are elsewhere.", 74, 149, 200),
        line("(3) The fiscal year ends on the first of April, a date on which the", 74, 170, 447),
        line("club's treasurer balances its books.", 74, 184, 180),
        line("An indented paragraph follows the list at the usual line gap and is", 89, 198, 432),
        line("long enough to wrap.", 74, 212, 100),
    ]
    assert build_markdown([page(lines)]) == (
        "1. The name of this club shall be the Club for Club Hoppers and is not registered"
        " in any club register.\n"
        "2. The club is a non-economic, useless club, and it has no office because its"
        " members are elsewhere.\n"
        "3. The fiscal year ends on the first of April, a date on which the club's"
        " treasurer balances its books.\n\n"
        "An indented paragraph follows the list at the usual line gap and is long enough"
        " to wrap.\n")


def test_a_sentence_naming_functions_in_typewriter_type_stays_in_its_paragraph() -> None:
    # zlib's how-to printed by Chromium: half the line is monospaced function names.
    lines = paragraph(["From zlib.h we use the basic compression functions deflateInit(),",
                       "deflate(), and deflateEnd(), and the basic"], 34, 100, 480)
    named = line("decompression functions inflateInit(), inflate(), and inflateEnd().", 34,
                 124, 360)
    named.mono = True
    code = line("inflate(&strm, Z_NO_FLUSH);", 34, 160, 200)
    code.mono = True
    markdown = build_markdown([page([*lines, named, code])])
    assert "the basic decompression functions inflateInit(), inflate(), and inflateEnd()." in (
        markdown)
    assert "```\ninflate(&strm, Z_NO_FLUSH);\n```" in markdown


def test_a_phrase_in_italics_ending_a_paragraph_stays_in_it() -> None:
    # "... are given in Section 7," / "*Using the extra symbols.*" (AMSFonts' guide).
    first = line("Detailed instructions for accessing the msam and msbm fonts are given in", 72,
                 100, 440)
    last = line("Section 7, Using the extra symbols.", 72, 112, 180, italic=True)
    body = paragraph(["Another paragraph follows after a gap and is long enough to wrap",
                      "onto a second line."], 72, 140, 440)
    markdown = build_markdown([page([first, last, *body])])
    assert markdown.startswith("Detailed instructions for accessing the msam and msbm fonts are"
                               " given in Section 7, Using the extra symbols.\n\n")


def test_two_columns_are_read_one_after_the_other() -> None:
    left = [f"left column line {i} with enough words in it" for i in range(6)]
    right = [f"right column line {i} with enough words in it" for i in range(6)]
    lines = [line("A Title Spanning Both Columns Of The Page", 72, 60, 451, size=16)]
    lines += paragraph(left, 72, 100, width=215) + paragraph(right, 308, 100, width=215)
    text = build_markdown([page(lines)])
    assert text.index("left column line 5") < text.index("right column line 0")
    assert text.startswith("# A Title Spanning Both Columns")


def test_simple_table_becomes_markdown_table() -> None:
    rows = [("Item", "Qty", "Price"), ("Apple", "3", "4.50"), ("Pear", "12", "0.80")]
    lines = [line("A paragraph before the table, long enough to be body text.", 72, 80)]
    for r, cells in enumerate(rows):
        lines += [line(text, 80 + 140 * c, 120 + 20 * r, 40) for c, text in enumerate(cells)]
    markdown = build_markdown([page(lines)])
    assert "| Item | Qty | Price |\n|---|---|---|\n| Apple | 3 | 4.50 |\n| Pear | 12 | 0.80 |" in (
        markdown
    )


def test_repeated_headers_footers_and_page_numbers_are_dropped() -> None:
    pages = []
    for number in range(1, 4):
        lines = [
            line("ACME Quarterly Report", 72, 30, 150),
            *paragraph([f"Body text on page {number} that is long enough to be read",
                        "as a real paragraph of the document."], 72, 200),
            line(f"Page {number} of 3", 270, 800, 60),
        ]
        pages.append(page(lines, number))
    markdown = build_markdown(pages)
    assert "ACME" not in markdown
    assert "Page 1" not in markdown
    assert markdown.count("Body text on page") == 3


def test_a_running_header_below_the_margin_band_goes_with_its_changing_half() -> None:
    # dvipdfmx's manual: "1.4. OVERVIEW OF EXTENSIONS   CHAPTER 1. GETTING STARTED" in
    # italics at 96 pt of 842 (below the top band), the section's half changing.
    pages = []
    for n in range(1, 5):
        lines = [line(f"1.{n}. SECTION NUMBER {n}", 124.5, 95.8, 150, italic=True),
                 line("CHAPTER 1. GETTING STARTED", 324.5, 95.8, 144, italic=True),
                 *paragraph([f"Body text of page {n} runs on for a while here and",
                             "it ends on the second line."], 124.5, 130)]
        pages.append(page(lines, n))
    markdown = build_markdown(pages)
    assert "CHAPTER" not in markdown and "SECTION NUMBER" not in markdown
    assert markdown.count("Body text of page") == 4


def test_a_running_header_quoting_the_current_sections_title_is_dropped() -> None:
    # KOMA-Script's scrjura: each page's header names the clause it is in, in body
    # size, once as that page's heading and once carried over from an earlier page.
    sections = {2: "§ 1 Name and Seat", 3: "§ 1 Name and Seat", 4: "§ 2 Members"}
    pages = [page([line("By-Laws of the Club", 72, 200, 300, size=20),
                   *paragraph(["Body text of the first page runs on for a while and",
                               "it ends on the second line."], 72, 260)], 1)]
    for n, section in sections.items():
        lines = [line(section, 240, 40, 120)]
        if n != 3:
            lines.append(line(section, 72, 126, 200, size=14))
        lines += paragraph([f"Body text of page {n} runs on for a while here and",
                            "it ends on the second line."], 72, 164)
        pages.append(page(lines, n))
    markdown = build_markdown(pages)
    assert markdown.count("§ 1 Name and Seat") == 1 and markdown.count("§ 2 Members") == 1
    assert "## § 1 Name and Seat" in markdown and "## § 2 Members" in markdown


def test_a_running_footer_quoting_the_chapters_title_is_dropped() -> None:
    # LuaTeX's manual: "128 Nodes" and "Nodes 129" at the foot of chapter 8's pages, in
    # body size and bold; each chapter fills too few of the pages to repeat enough, and
    # a chapter's title may wrap ("5 Languages, characters, fonts and" / "glyphs").
    pages = []
    for n in range(1, 11):
        lines = [line(f"{n} Chapter", 72, 90, 200, size=20)] if n >= 4 else []
        if n == 1:
            lines = [line("1 Nodes of the", 72, 90, 200, size=20),
                     line("lists", 72, 115, 60, size=20)]
        lines += paragraph([f"Body text of page {n} runs on for a while here and",
                            "it ends on the second line."], 72, 140)
        footer = f"{120 + n} Nodes of the lists" if n % 2 else f"Nodes of the lists {120 + n}"
        if n <= 3:
            lines.append(line(footer, 72 if n % 2 else 460, 795, 60))
        pages.append(page(lines, n))
    markdown = build_markdown(pages)
    assert "# 1 Nodes of the lists" in markdown and markdown.count("Nodes") == 1, markdown


def test_a_short_contents_pages_last_entry_is_no_footer() -> None:
    # LaTeX's report: the chapters' entries stand apart, so the last row, "3 Results"
    # and its page number, was set apart like a footer and went as one, mid-page.
    entries = [("1 Introduction", "3", 277), ("2 Governed Workers", "8", 328),
               ("3 Results", "13", 393)]
    lines = [line("Contents", 72, 203, 120, size=24.8)]
    for title, number, y in entries:
        lines += [line(title, 72, y, 120), line(number, 500, y, 12)]
    markdown = build_markdown([page(lines, 1)])
    assert "3 Results" in markdown and "13" in markdown


def test_a_repeated_first_line_running_into_the_text_is_no_header() -> None:
    # nemotron_multipage: every page holds the same sentence, its first line high up.
    pages = [page(paragraph(["The same sentence opens every page of this scan and",
                             "it goes on into the page's text, line after line,",
                             "down past the top margin band and into the page",
                             f"where page {n} says something of its own."], 72, 85), n)
             for n in range(1, 4)]
    assert build_markdown(pages).count("The same sentence opens every page") == 3


def test_a_top_line_repeating_body_text_is_no_running_header() -> None:
    # texdoc's manual: "(default: empty)" under a setting, set apart at the top of two
    # pages and in the text of another; only a title is what a running header quotes.
    pages = []
    for n in range(1, 7):
        lines = [line("(default: empty)", 72, 40, 80)] if n in (3, 5) else []
        lines += paragraph([f"Body text of page {n} runs on for a while here and",
                            "it ends on the second line."], 72, 120)
        if n == 1:
            lines.append(line("(default: empty)", 72, 300, 80))
        pages.append(page(lines, n))
    assert build_markdown(pages).count("(default: empty)") == 3


def test_a_single_page_number_is_dropped_but_margin_text_kept() -> None:
    lines = [line("Draft notice in the header", 72, 30, 150), line("7", 290, 800, 8),
             *paragraph(["Body text that is long enough to be the body of this page.",
                         "Another line."], 72, 200)]
    markdown = build_markdown([page(lines)])
    assert "Draft notice in the header" in markdown
    assert "\n7\n" not in markdown and not markdown.rstrip().endswith("7")


def test_paragraph_continues_across_a_page_break() -> None:
    first = page(paragraph(["A sentence that runs to the end of the page and",
                            "does not finish here but"], 72, 700), 1)
    second = page(paragraph(["continues on the next page.", "More text."], 72, 100), 2)
    assert "does not finish here but continues on the next page." in build_markdown(
        [first, second])


def test_page_separators() -> None:
    pages = [page(paragraph([f"Text of page {n} long enough to be a body paragraph."], 72, 300),
                  n) for n in (1, 2)]
    markdown = build_markdown(pages, page_separators=True)
    assert markdown.index("<!-- page 1 -->") < markdown.index("Text of page 1")
    assert markdown.index("<!-- page 2 -->") < markdown.index("Text of page 2")


def test_empty_document_gives_empty_markdown() -> None:
    assert build_markdown([PageLayout(1, 595, 842, "text")]) == ""


def test_beamers_triangles_and_other_bullet_glyphs_start_list_items() -> None:
    """Beamer itemizes with "▶": its items had run together into one paragraph."""
    items = [line(f"{glyph} Item number {i} of the slide", 72, 100 + 14 * i)
             for i, glyph in enumerate("▶►▸➢✓")]
    assert build_markdown([page(items)]) == "".join(
        f"- Item number {i} of the slide\n" for i in range(5))


def test_numbered_sections_in_small_capitals_are_headings_and_so_is_references() -> None:
    """IEEE sets "IV. EVALUATION" in small capitals, a fifth smaller than its text; an
    unnumbered line set so ("REFERENCES") is a heading too, a caption's "TABLE I" not."""
    text = paragraph([f"Body line {i} of the paper runs on across the column." for i in range(4)],
                     72, 130)
    lines = [line("IV. EVALUATION", 150, 100, 80, 8.0), *text,
             line("TABLE I", 160, 200, 40, 8.0), line("A caption of the table", 72, 212),
             line("REFERENCES", 150, 240, 60, 8.0),
             line("[1] A. Author, A paper, 2024.", 72, 260)]
    markdown = build_markdown([page(lines)])
    assert re.findall(r"^#+ (.+)$", markdown, flags=re.M) == ["IV. EVALUATION", "REFERENCES"]


def test_one_author_and_the_date_under_a_title_are_no_headings() -> None:
    """LaTeX's \\maketitle with one author: the name and the date, set larger than the
    text, had been two headings (BibTeX's manuals: "Oren Patashnik", "February 8, 1988")."""
    lines = [line("Governed Worker Processes", 200, 80, 200, 17.0),
             line("Ana Silva", 260, 110, 60, 12.0), line("December 7, 2026", 250, 140, 90, 12.0),
             line("1 Introduction", 72, 160, 100, 14.0),
             *paragraph([f"Body line {i} of the paper runs on." for i in range(3)], 72, 180)]
    assert re.findall(r"^#+ (.+)$", build_markdown([page(lines)]), flags=re.M) == [
        "Governed Worker Processes", "1 Introduction"]
