"""Quirks of real producers on small layouts: LibreOffice's autospace and stray spaces,
Chromium's drawn bullets and browser margins, right-to-left tables, columns that a
paragraph or a full-width part crosses."""

from __future__ import annotations

from docwarden.engines.pdf.bidi import reading_columns
from docwarden.engines.pdf.furniture import PageLayout, is_stamp
from docwarden.engines.pdf.layout import Char, Line
from docwarden.engines.pdf.lines import build_lines
from docwarden.engines.pdf.markdown import build_markdown
from docwarden.engines.pdf.order import layout_page
from docwarden.engines.pdf.rules import mark_bullets
from docwarden.engines.pdf.tables import Table
from docwarden.engines.pdf.wraps import Lexicon, join_lines


def run(text: str, x0: float, advance: float = 6.0, size: float = 12.0,
        gaps: dict[int, float] | None = None, generated: frozenset[int] = frozenset(),
        real: frozenset[int] = frozenset()) -> list[Char]:
    """Chars of `text` (spaces dropped, as pdfium reports them) with chosen gaps before
    some char indices; `generated`/`real` mark a space pdfium reports before them."""
    out: list[Char] = []
    x = x0
    for i, ch in enumerate(text):
        x += (gaps or {}).get(i, 0.0)
        out.append(Char(ch, x, 100.0, x + advance, 100.0 + size, size, False,
                        space_before=i in generated or i in real,
                        real_space_before=i in real))
        x += advance
    return out


def test_libreoffice_autospace_between_hangul_and_latin_is_no_space() -> None:
    # "새로운 시스템은 Python으로": word gaps 0.26 em, autospace 0.21 em before "으".
    chars = run("새로운", 0, 11) + run("시스템은", 36, 11, gaps={0: 3.1}, generated={0})
    chars += run("Python", 83, 7, gaps={0: 3.2}, real={0}) + run("으로", 128, 11,
                                                                gaps={0: 2.5}, generated={0})
    assert [ln.text for ln in build_lines(chars)] == ["새로운 시스템은 Python으로"]


def test_chromium_space_between_hangul_and_latin_is_kept() -> None:
    # Chromium writes no spaces: a seam as wide as the line's word gaps (0.28 em) is one.
    chars = run("새로운", 0, 11) + run("시스템은", 36.36, 11, generated={0})
    chars += run("Python", 83.72, 7, generated={0})
    assert [ln.text for ln in build_lines(chars)] == ["새로운 시스템은 Python"]


def test_a_stray_space_with_no_room_is_no_word_break() -> None:
    # LibreOffice writes a space before "." in another font, 0.17 pt from "다".
    chars = run("됩니다", 0, 11) + run(".", 33.2, 3.7, real={0})
    assert [ln.text for ln in build_lines(chars)] == ["됩니다."]


def test_a_word_gap_of_a_quarter_em_without_a_space_is_a_word_break() -> None:
    # groff's man pages through Ghostscript: Times' space is 0.25 em and no space is
    # written or generated ("directory,and", "likeparenthesizing" had run together).
    chars = run("directory,", 0, 5, size=10) + run("and", 52.5, 5, size=10)
    assert [ln.text for ln in build_lines(chars)] == ["directory, and"]


def test_right_to_left_spaces_come_from_gaps_between_glyphs_drawn_side_by_side() -> None:
    # "حوالي 15%" drawn (left to right) as "%15 يلاوح": no space inside "15%".
    visual = run("%15", 0, 6) + run("يلاوح", 24, 6)
    assert [ln.text for ln in build_lines(visual)] == ["حوالي 15%"]
    # "أدوات مثل pandas و": the space between "مثل" and "pandas" lies beyond "pandas".
    drawn = run("و", 0, 6) + run("pandas", 10, 6) + run("لثم", 50, 6) + run("تاودأ", 72, 6)
    assert [ln.text for ln in build_lines(drawn)] == ["أدوات مثل pandas و"]


def test_right_to_left_tables_read_from_the_right_with_numbers_before_units() -> None:
    rows = [["2025", "2024", "البند"], ["ms 180", "ms 240", "زمن الاستجابة"]]
    assert reading_columns(rows) == [["البند", "2024", "2025"],
                                     ["زمن الاستجابة", "240 ms", "180 ms"]]
    assert reading_columns([["a", "b"], ["1", "2"]]) == [["a", "b"], ["1", "2"]]


def line(text: str, x0: float, y0: float, width: float = 230.0, size: float = 10.0) -> Line:
    return Line(text, x0, y0, x0 + width, y0 + size * 1.2, size)


def page_markdown(lines: list[Line], tables: tuple[Table, ...] = ()) -> str:
    return build_markdown([PageLayout(1, 612.0, 792.0, "text", layout_page(lines, tables), 0)])


def test_browser_margins_are_dropped_even_on_a_single_page() -> None:
    lines = [line("12/6/26, 7:52 PM", 20, 10, 60, size=8), line("Newsletter", 280, 10, 40, 8),
             line("A body line that stays where it is on the page.", 50, 300, 400),
             line("file:///tmp/page.html", 20, 770, 90, size=8), line("1/1", 570, 770, 12, 8)]
    assert page_markdown(lines) == "A body line that stays where it is on the page.\n"
    assert is_stamp("2026-12-06 19:52") and is_stamp("https://example.org/a")
    assert not is_stamp("Chapter 12") and not is_stamp("3.5")


def test_a_scanned_browser_footer_read_with_one_slash_is_a_stamp() -> None:
    """OCR's CTC decoding folds "file:///" to "file:/" (a run of one character is one)."""
    lines = [line("A body line that stays where it is on the page.", 50, 300, 400),
             line("file:/tmp/tmpwzits0nu/page.html", 20, 770, 90, size=8)]
    assert page_markdown(lines) == "A body line that stays where it is on the page.\n"


def test_a_letterheads_large_initial_is_no_page_number_and_keeps_its_row() -> None:
    # KOMA-Script's letter: the sender's lines beside a logo "M" (a roman numeral) set
    # 40 pt high in the top band; the "M" is no page number, so its row is no browser's.
    sender = ["Peter Musterfrau", "Hinter dem Tal 2", "54321 Musterheim",
              "Telefon: 0 12 34 56 78", "E-Mail: Peter@Musterfrau.invalid"]
    lines = [line(text, 50, 20 + 12 * i, 120) for i, text in enumerate(sender)]
    lines.append(line("M", 480, 40, 40, size=40))
    lines += [line(f"Body line {i} of the letter, which runs on in plain prose.", 50,
                   300 + 12 * i, 400) for i in range(4)]
    markdown = page_markdown(lines)
    assert all(text in markdown for text in sender)


def test_a_paragraph_broken_at_a_column_end_is_one_paragraph() -> None:
    left = ["An opening paragraph of the left column that is long.",
            "It ends on this line of the first column with a stop.",
            "The second paragraph begins here and it runs all the",
            "way down to the end of the column without a stop at"]
    right = ["the top of the next column, where it finally ends now.",
             "Another paragraph starts in the second column here."]
    lines = [line(t, 50, 100 + 12 * i, 240) for i, t in enumerate(left)]
    lines[1].x1 -= 40  # the first paragraph's last line ends short
    lines += [line(t, 310, 100 + 12 * i, 240) for i, t in enumerate(right)]
    lines[-2].x1 -= 30
    lines[-1].x0 += 12  # indented first line: a new paragraph
    paragraphs = page_markdown(lines).strip().split("\n\n")
    assert paragraphs[1] == " ".join(left[2:] + right[:1])
    assert paragraphs[2] == right[1]


def test_a_heading_after_the_columns_is_read_after_both() -> None:
    lines = [line(f"Left column line {i} with enough words to be prose.", 50, 60 + 12 * i)
             for i in range(3)]
    lines += [line(f"Right column line {i} with enough words to be prose.", 310, 60 + 12 * i)
              for i in range(3)]
    lines.append(line("Results table", 50, 118, 90, size=13))
    table = Table(rows=[["Name", "Value"], ["a", "1"]], x0=50, y0=140, x1=540, y1=180,
                  size_pt=10)
    order = [it.text[:12] if isinstance(it, Line) else "TABLE"
             for it in layout_page(lines, (table,))]
    assert order == ["Left column "] * 3 + ["Right column"] * 3 + ["Results tabl", "TABLE"]


def test_drawn_discs_before_lines_are_bullets() -> None:
    lines = [line("First point", 83, 306, 100, size=11), line("Second point", 83, 322, 100, 11),
             line("Not a list item", 53, 340, 100, 11)]
    discs = [(69.8, 310.5, 74.3, 315.0), (69.8, 326.2, 74.3, 330.7)]
    mark_bullets(lines, discs)
    assert [ln.text for ln in lines] == ["• First point", "• Second point", "Not a list item"]


def test_a_table_cut_by_a_page_break_is_joined_with_its_repeated_header_dropped() -> None:
    head = ["Region", "Product line", "Units"]
    first = Table(rows=[head, ["North", "Garden tools", "1,204"],
                        ["South", "Office chairs, desks and", "987"]], x0=50, y0=600, x1=500,
                  y1=780, size_pt=10)
    rest = Table(rows=[head, ["", "shelving", ""], ["East", "Lighting", "645"]], x0=50, y0=60,
                 x1=500, y1=120, size_pt=10)
    pages = [PageLayout(1, 612.0, 792.0, "text", [first]),
             PageLayout(2, 612.0, 792.0, "text", [rest])]
    assert build_markdown(pages) == (
        "| Region | Product line | Units |\n|---|---|---|\n| North | Garden tools | 1,204 |\n"
        "| South | Office chairs, desks and shelving | 987 |\n| East | Lighting | 645 |\n")


def test_tables_on_two_pages_with_different_headers_stay_apart() -> None:
    one = Table(rows=[["a", "b"], ["1", "2"]], x0=50, y0=600, x1=500, y1=780)
    two = Table(rows=[["c", "d"], ["3", "4"]], x0=50, y0=60, x1=500, y1=120)
    pages = [PageLayout(1, 612.0, 792.0, "text", [one]),
             PageLayout(2, 612.0, 792.0, "text", [two])]
    assert build_markdown(pages).count("|---|---|") == 2


def test_a_table_without_grid_lines_keeps_its_wrapped_cells() -> None:
    # LibreOffice's plain table: a rule under the header only, cells wrapping onto
    # lines of their own (nothing in the first column on those lines).
    cells = [("Profile target", 62, 579), ("Region", 180, 579), ("National", 298, 579),
             ("Event update", 62, 595), ("Board plan", 180, 595), ("2,247", 298, 595),
             ("building account", 180, 611),
             ("Sector engine", 62, 631), ("Fund layer supply", 180, 631), ("9,908", 298, 631),
             ("effort advice", 180, 647)]
    lines = [line(t, x, y, 6.0 * len(t), size=12) for t, x, y in cells]
    assert page_markdown(lines) == (
        "| Profile target | Region | National |\n|---|---|---|\n"
        "| Event update | Board plan building account | 2,247 |\n"
        "| Sector engine | Fund layer supply effort advice | 9,908 |\n")


def test_a_repeated_header_with_the_rest_of_a_cut_row_continues_the_table() -> None:
    head = ["Target", "Region", "Culture"]
    first = Table(rows=[head, ["County", "Resource council size", "77.9%"]], x0=50, y0=600,
                  x1=500, y1=780)
    # The cut cell's last line sits under the repeated header: read into the header row.
    rest = Table(rows=[["Target", "Region customer image", "Culture"], ["Task", "Route", "5%"]],
                 x0=50, y0=60, x1=500, y1=120)
    pages = [PageLayout(1, 612.0, 792.0, "text", [first]),
             PageLayout(2, 612.0, 792.0, "text", [rest])]
    assert build_markdown(pages) == (
        "| Target | Region | Culture |\n|---|---|---|\n"
        "| County | Resource council size customer image | 77.9% |\n| Task | Route | 5% |\n")


def test_a_full_width_line_crosses_a_gutter_near_the_left_edge() -> None:
    # A table's narrow first column makes a gutter a quarter of the way across; a prose
    # line crossing it reaches far into the narrow side and is a section break.
    lines = [line(f"Key number {i}", 62, 400 + 16 * i, 80) for i in range(4)]
    lines += [line(f"Value number {i} in the wide second part", 190, 400 + 16 * i, 250)
              for i in range(4)]
    lines.insert(0, line("A paragraph line running across the page above the pairs.", 62,
                         370, 460))
    order = [it.text[:9] if isinstance(it, Line) else "TABLE" for it in layout_page(lines)]
    assert order[0] == "A paragra"


def test_the_author_line_under_a_title_is_no_heading() -> None:
    lines = [line("A Study of Rivers for Example Towns", 150, 90, 300, size=17),
             line("Ana Lima, Boris Keller and Chen Wei", 200, 120, 190, size=12),
             line("Machine Learning and Data Mining", 56, 160, 200, size=12)]
    lines[2].bold = True
    lines += [line(f"Body text line {i} of the paper, long enough to be the body size.", 56,
                   180 + 12 * i, 480) for i in range(4)]
    markdown = page_markdown(lines)
    assert "# A Study of Rivers for Example Towns\n\nAna Lima, Boris Keller and Chen Wei\n" in (
        markdown)
    assert "## Machine Learning and Data Mining" in markdown  # bold: a section, kept


def test_the_author_line_over_a_larger_title_is_no_heading() -> None:
    # Latin Modern's documentation: "B. Jackowski and J. M. Nowacki" over the title.
    lines = [line("B. Jackowski and J. M. Nowacki", 200, 90, 190, size=14),
             line("Latin Modern Family of Fonts", 150, 120, 300, size=20)]
    lines += [line(f"Body text line {i} of the paper, long enough to be the body size.", 56,
                   160 + 12 * i, 480) for i in range(4)]
    markdown = page_markdown(lines)
    assert markdown.startswith("B. Jackowski and J. M. Nowacki\n\n# Latin Modern Family")


def test_a_bold_label_over_smaller_text_heads_it() -> None:
    # LaTeX's one-column abstract: "Abstract" in 9 pt bold over 9 pt text, 10 pt body.
    title = line("Abstract", 277, 167, 40, size=9)
    title.bold = True
    lines = [title] + [line(f"Abstract line {i} in nine point type, set narrower than the body.",
                            82, 182 + 11 * i, 430, size=9) for i in range(3)]
    lines += [line(f"Body line {i} in ten point type filling the whole text width of page.", 57,
                   260 + 12 * i, 480) for i in range(12)]
    assert page_markdown(lines).startswith("## Abstract\n\nAbstract line 0")
    label = line("Untightened nut", 474, 531, 60, size=8)
    label.bold = True
    callout = line("Locking shoulder", 448, 553, 58, size=8)
    assert "#" not in page_markdown([label, callout, *lines[4:]])  # a label over a label


def test_korean_wrapped_inside_a_word_joins_without_a_space() -> None:
    # LibreOffice and Chromium wrap Korean between any syllables: words the document
    # spells whole elsewhere show it, and then the halves of a wrap join.
    lines = ["회사는 현지 협력사와 계약을 맺었습니다 그리고 모바일 앱을 통해 가입",
             "해외 시장 진출을 위해 현지 협력사와 계",
             "약을 맺었습니다 신규 고객의 절반 이상이 모바일 앱",
             "을 통해 가입하였습니다 운영 비용을 줄이기 위해 서",
             "버를 도입하였습니다 그 결과 좋았습니다"]
    lexicon = Lexicon(lines)
    assert lexicon.anywhere
    assert join_lines(lines[1:], lexicon) == (
        "해외 시장 진출을 위해 현지 협력사와 계약을 맺었습니다 신규 고객의 절반 이상이 모바일 "
        "앱을 통해 가입하였습니다 운영 비용을 줄이기 위해 서버를 도입하였습니다 그 결과 좋았습니다")


def test_korean_wrapped_between_words_keeps_its_space() -> None:
    # Word and typesetters wrap between words: nothing shows a wrap inside one.
    lines = ["당사는 지난해 국내 시장에서 신제품을 판매했거나",
             "향후 판매할 계획인 모든 제품에 대해"]
    lexicon = Lexicon(lines)
    assert not lexicon.anywhere
    assert join_lines(lines, lexicon) == " ".join(lines)


def test_a_space_typst_keeps_at_a_korean_wrap_is_a_space_where_it_keeps_no_other() -> None:
    # Typst wraps Korean between syllables and keeps the space of a wrap between words
    # ("수 " / "있습니다"), none inside one; LibreOffice keeps one at every wrap.
    lines = ["회사는 현지 협력사와 계약을 맺었습니다 그리고 모바일 앱을 통해 가입",
             "해외 시장 진출을 위해 현지 협력사와 계",
             "약을 맺었습니다 신규 고객의 절반 이상이 모바일 앱",
             "을 통해 가입하였습니다 운영 비용을 줄이기 위해 서",
             "버를 도입하였습니다 자세한 내용은 확인할 수",
             "있습니다"]
    spaced = [False, False, False, False, False, True]
    typst = Lexicon(lines, spaced)
    assert typst.anywhere and typst.spaces_tell
    assert join_lines(lines[4:], typst, spaced[4:]).endswith("확인할 수 있습니다")
    libreoffice = Lexicon(lines, [False, False, True, False, False, True])  # "계 " / "약을"
    assert not libreoffice.spaces_tell
    assert join_lines(lines[4:], libreoffice, spaced[4:]).endswith("확인할 수있습니다")


def test_a_cell_border_in_a_gap_splits_a_run_but_a_drawing_through_glyphs_does_not() -> None:
    cell = run("비중", 100, 11) + run("22%", 140, 6)  # a 18 pt gap with a border at 130
    assert [ln.text for ln in build_lines(cell, [(130.0, 90.0, 120.0)])] == ["비중", "22%"]
    label = run("Nut", 100, 6)  # a leader line of a diagram crossing at a glyph joint
    assert [ln.text for ln in build_lines(label, [(106.0, 90.0, 120.0)])] == ["Nut"]


def test_a_repeated_first_line_that_runs_into_the_body_is_content() -> None:
    # A multipage scan of one text: every page starts with the same paragraph, whose
    # first line sits in the top margin band; the running header above it repeats too.
    pages = []
    for number in (1, 2, 3):
        items: list[Line | Table] = [
            line("Example Corp annual report", 50, 30, 120, size=8),
            line("Docling bundles PDF document conversion to", 50, 80, 300, size=12),
            line("JSON and Markdown in an easy self contained", 50, 96, 300, size=12),
            line("package", 50, 112, 50, size=12)]
        pages.append(PageLayout(number, 612.0, 792.0, "ocr", items))
    markdown = build_markdown(pages)
    assert "Example Corp" not in markdown
    assert markdown.count("Docling bundles PDF document conversion to JSON") == 3


def test_list_items_set_further_in_are_nested_under_the_item_before() -> None:
    items = [("1. Create the environment.", 69), ("2. Install the package.", 69),
             ("• with the test extras", 113), ("• without them", 113),
             ("3. Start the server.", 69)]
    lines = [line(t, x, 216 + 13 * i, 150, size=11) for i, (t, x) in enumerate(items)]
    assert page_markdown(lines) == (
        "1. Create the environment.\n2. Install the package.\n   - with the test extras\n"
        "   - without them\n3. Start the server.\n")


def test_numbered_sections_opened_one_inside_another_stay_headings() -> None:
    heads = ["2. Method", "2.1 Data", "2.1.1 Sources"]
    lines = [line(t, 72, 100 + 20 * i, 100, size=10) for i, t in enumerate(heads)]
    for head in lines:
        head.bold = True
    lines += [line(f"Body line {i} of the method, long enough to be the body text size.", 72,
                   170 + 12 * i, 400) for i in range(6)]
    assert [h for h in page_markdown(lines).splitlines() if h.startswith("#")] == [
        f"## {h}" for h in heads]


def test_a_running_header_with_its_page_number_is_dropped_below_the_margin_band() -> None:
    # A paper page whose header sits lower than the top 12 %: "Title ... 9" set apart.
    lines = [line("Optimized Table Tokenization for Table Structure", 200, 100, 240, 9),
             line("9", 570, 100, 5, 9)]
    lines += [line(f"Body line {i} of the page, long enough to set the page's text size.", 120,
                   130 + 12 * i, 380, size=10) for i in range(20)]
    chapter = [line("1", 120, 100, 8, 14), line("Introduction", 140, 100, 90, 14)]
    assert page_markdown(lines).startswith("Body line 0")
    assert "Introduction" in page_markdown(chapter + lines[2:])  # a larger first row stays


def test_a_number_and_its_unit_in_a_right_to_left_line_stay_two_words() -> None:
    # Typst writes "زمن 240 ms" in reading order and draws it "ms 240 زمن", the
    # spaces between the left-to-right words narrower than a gap tells.
    arabic = [Char(ch, 520 - 6 * i, 100.0, 526 - 6 * i, 112.0, 12.0, False)
              for i, ch in enumerate("زمن")]
    chars = arabic + run("240", 482, 6, generated=frozenset({0})) + run(
        "ms", 466, 7, generated=frozenset({0}))
    words = build_lines(chars)[0].text.split()
    assert "240" in words and "ms" in words


def test_a_space_between_stream_neighbours_drawn_apart_is_kept() -> None:
    # "240", a space, "ms", drawn "ms 240" (a right-to-left paragraph's cell, written in
    # reading order) with 2 pt between the boxes: one space, however narrow.
    chars = run("240", 482, 6) + run("ms", 466, 7, generated=frozenset({0}))
    assert [ln.text for ln in build_lines(chars)] == ["ms 240"]
    # A space before a fragment belongs to its seam with the fragment before it in the
    # stream, not to one drawn beside it later: "ome" then "H" is one word.
    chars = run("ome", 106, 6, generated=frozenset({0})) + run("H", 99, 7)
    assert [ln.text for ln in build_lines(chars)] == ["Home"]


def test_a_cell_border_keeps_right_to_left_cells_apart() -> None:
    # An Arabic table row: "زمن" in the right cell, "240" in the left one, a rule between.
    arabic = [Char(ch, 520 - 6 * i, 100.0, 526 - 6 * i, 112.0, 12.0, False)
              for i, ch in enumerate("زمن")]
    chars = arabic + run("240", 486, 6, generated=frozenset({0}))
    assert len(build_lines(chars)) == 1
    assert [ln.text for ln in build_lines(chars, [(506.0, 90.0, 120.0)])] == ["240", "زمن"]
