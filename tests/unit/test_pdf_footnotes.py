"""Footnotes: raised marks a note on the page answers become Markdown footnotes."""

from __future__ import annotations

from docwarden.engines.pdf.footnotes import MARK_CLOSE, MARK_OPEN, resolve, unique_labels
from docwarden.engines.pdf.furniture import PageLayout
from docwarden.engines.pdf.layout import Char, Line
from docwarden.engines.pdf.lines import build_lines
from docwarden.engines.pdf.markdown import build_markdown
from docwarden.engines.pdf.order import layout_page

BODY = 10.0


def run(text: str, x0: float, baseline: float, size: float = BODY,
        space_before: bool = False) -> list[Char]:
    """Chars on `baseline` with loose boxes (ascent 0.8, descent 0.2 of the size)."""
    out: list[Char] = []
    space = space_before
    width = 0.5 * size
    for i, ch in enumerate(text):
        if ch == " ":
            space = True
            continue
        out.append(Char(ch, x0 + i * width, baseline - 0.8 * size, x0 + (i + 1) * width,
                        baseline + 0.2 * size, size, False, space_before=space,
                        real_space_before=space))
        space = False
    return out


def mark(text: str, x0: float, baseline: float, size: float = 7.0) -> list[Char]:
    """A footnote mark: smaller and raised by 0.35 of the body size."""
    return run(text, x0, baseline - 0.35 * BODY, size)


def texts(chars: list[Char]) -> list[str]:
    return [line.text for line in build_lines(chars)]


def sentence_with_mark(before: str, label: str, after: str, baseline: float) -> list[Char]:
    start = run(before, 72, baseline)
    end_x = start[-1].x1
    return start + mark(label, end_x, baseline) + run(after, end_x + 4, baseline)


def note(label: str, text: str, baseline: float, gap: float = 0.0) -> list[Char]:
    """A note at the foot: its mark, then its text in a smaller size."""
    return mark(label, 72, baseline, 6.0) + run(text, 72 + 3.5 * len(label) + gap, baseline, 8.0)


def test_a_mark_that_a_note_answers_becomes_a_markdown_footnote() -> None:
    chars = (sentence_with_mark("requests a day", "1", " and grew.", 100)
             + note("1", "Measured at the load balancer.", 700))
    assert texts(chars) == ["requests a day[^1] and grew.",
                            "[^1]: Measured at the load balancer."]


def test_a_note_mark_set_apart_by_a_tab_still_opens_its_note() -> None:
    chars = (sentence_with_mark("requests a day", "1", " and grew.", 100)
             + note("1", "Measured at the load balancer.", 700, gap=20.0))
    assert texts(chars)[-1] == "[^1]: Measured at the load balancer."


def test_a_raised_number_no_note_answers_is_read_as_before() -> None:
    """A power ("mc2") looks like a mark: without a note it stays in its word."""
    chars = sentence_with_mark("E = mc", "2", " holds.", 100) + run("Plain text.", 72, 700)
    assert texts(chars) == ["E = mc2 holds.", "Plain text."]


def test_only_the_first_reference_takes_the_note() -> None:
    chars = (sentence_with_mark("smaller servers", "2", ", then", 100)
             + sentence_with_mark("E = mc", "2", " holds.", 130)
             + note("2", "Two-core machines.", 700))
    assert texts(chars) == ["smaller servers[^2], then", "E = mc2 holds.",
                            "[^2]: Two-core machines."]


def test_notes_opening_with_a_number_on_the_baseline_answer_the_marks_they_pair_with() -> None:
    """WeasyPrint starts a note "1." on the baseline; a numbered list under a power
    ("2." under "mc2") pairs with no reference and stays a list."""
    chars = (sentence_with_mark("requests a day", "1", " and grew", 100)
             + sentence_with_mark("on smaller servers", "2", ", while", 114)
             + run("1. Measured at the load balancer.", 72, 700)
             + run("2. Two-core machines.", 72, 714))
    assert texts(chars) == ["requests a day[^1] and grew", "on smaller servers[^2], while",
                            "[^1]: Measured at the load balancer.",
                            "[^2]: Two-core machines."]
    power = (sentence_with_mark("E = mc", "2", " holds.", 100)
             + run("1. First item.", 72, 300) + run("2. Second item.", 72, 314))
    assert texts(power) == ["E = mc2 holds.", "1. First item.", "2. Second item."]


def test_a_raised_number_before_a_word_is_no_reference() -> None:
    """scrjura numbers a clause's sentences with raised digits before them: a line
    further down that starts with one is a sentence, not a note; the number no longer
    runs into its sentence's first word."""
    chars = (run("2.", 72, 100) + mark("1", 90, 100) + run("Zum Erwerb ist.", 94, 100)
             + mark("1", 72, 300) + run("Mit Abschaffung endet.", 76, 300))
    assert texts(chars) == ["2. 1 Zum Erwerb ist.", "1 Mit Abschaffung endet."]


def test_a_raised_letter_labels_an_affiliation_and_ends_an_ordinal() -> None:
    """elsarticle labels each affiliation with a raised letter, as it labels the author:
    a word of its own, never a footnote; an ordinal's raised "st" stays in its word."""
    chars = (run("Ana Silva", 72, 100, 12.0) + mark("a", 126, 100)
             + mark("a", 72, 300) + run("University of Lisbon", 76, 300, 8.0)
             + run("the 1", 72, 400) + mark("st", 97, 400) + run(" time", 104, 400))
    assert texts(chars) == ["Ana Silvaa", "a University of Lisbon", "the 1st time"]


def test_a_small_digit_on_the_baseline_is_no_mark() -> None:
    chars = (run("Table", 72, 100) + run("1", 97.5, 100, 7.0) + run(" shows it.", 101, 100)
             + note("1", "Not a note.", 700))
    assert texts(chars)[0] == "Table1 shows it."


def test_a_note_above_its_reference_is_none() -> None:
    lines = [Line(f"{MARK_OPEN}1{MARK_CLOSE}Heading text", 72, 100, 300, 112, 10),
             Line(f"a word{MARK_OPEN}1{MARK_CLOSE} later", 72, 300, 300, 312, 10)]
    resolve(lines)
    assert [line.text for line in lines] == ["1 Heading text", "a word1 later"]


def test_labels_used_again_on_a_later_page_are_renamed() -> None:
    pages = [["a[^1] b", "[^1]: one"], ["c[^1] d", "[^1]: again", "[^2]: two"], ["[^1]: three"]]
    assert unique_labels(pages) == [{}, {"1": "1-2"}, {"1": "1-3"}]


def body(text: str, y0: float) -> Line:
    return Line(text, 72, y0, 520, y0 + 12, BODY)


def foot(text: str, y0: float) -> Line:
    return Line(text, 72, y0, 520, y0 + 9.6, 8.0)


def layout(lines: list[Line], number: int) -> PageLayout:
    return PageLayout(number, 595.0, 842.0, "text", layout_page(lines), 0)


def test_notes_follow_their_pages_text_and_a_paragraph_they_cut_is_joined() -> None:
    first = layout([body("The service handled requests[^1] and the", 100),
                    body("workers that served them ran on small", 112),
                    foot("[^1]: Counted at the load balancer.", 780)], 1)
    second = layout([body("servers with two cores[^2] for a year.", 72),
                     body("Costs fell.", 120), foot("[^2]: And four gigabytes.", 780)], 2)
    assert build_markdown([first, second]) == (
        "The service handled requests[^1] and the workers that served them ran on small"
        " servers with two cores[^2] for a year.\n\n[^1]: Counted at the load balancer.\n\n"
        "Costs fell.\n\n[^2]: And four gigabytes.\n")


def test_notes_numbered_again_get_labels_of_their_own() -> None:
    pages = [layout([body("First chapter[^1] text.", 100), foot("[^1]: One.", 780)], 1),
             layout([body("Second chapter[^1] text.", 100), foot("[^1]: Two.", 780)], 2)]
    markdown = build_markdown(pages)
    assert "Second chapter[^1-2] text." in markdown
    assert markdown.endswith("[^1]: One.\n\nSecond chapter[^1-2] text.\n\n[^1-2]: Two.\n")


def test_with_page_separators_notes_close_their_page() -> None:
    pages = [layout([body("Text[^1] here.", 100), foot("[^1]: A note.", 780)], 1),
             layout([body("More text.", 100)], 2)]
    assert build_markdown(pages, page_separators=True) == (
        "<!-- page 1 -->\n\nText[^1] here.\n\n[^1]: A note.\n\n<!-- page 2 -->\n\nMore text.\n")


def test_unmapped_marks_pair_up_in_latexs_symbol_order() -> None:
    """pdfTeX's \\thanks marks ("∗", "†" from cmsy) have no Unicode mapping."""
    unmapped = "\ufffc"
    chars = (run("Ana Silva", 72, 100, 12.0) + mark(unmapped, 126, 100)
             + run("Ben Okafor", 200, 100, 12.0) + mark(unmapped, 255, 100)
             + note(unmapped, "University of Lisbon.", 700)
             + note(unmapped, "Lagos Data Lab.", 712))
    assert texts(chars) == ["Ana Silva[^∗]", "Ben Okafor[^†]", "[^∗]: University of Lisbon.",
                            "[^†]: Lagos Data Lab."]


def test_unmapped_marks_that_do_not_pair_up_are_dropped_as_before() -> None:
    unmapped = "\ufffc"
    chars = (run("Ana Silva", 72, 100, 12.0) + mark(unmapped, 126, 100)
             + note(unmapped, "University of Lisbon.", 700)
             + note(unmapped, "Lagos Data Lab.", 712))
    assert texts(chars) == ["Ana Silva", "University of Lisbon.", "Lagos Data Lab."]


def test_a_paragraph_goes_on_in_the_next_column_past_the_notes_ending_the_first() -> None:
    def column(x0: float, texts: list[str], top: float) -> list[Line]:
        return [Line(t, x0, top + i * 12, x0 + 218, top + i * 12 + 12, BODY)
                for i, t in enumerate(texts)]

    filler = [f"line {i} of the text runs on and on" for i in range(40)]
    left = column(72, [*filler[:20], "The service handled requests[^1] and the",
                       "workers that served them ran on"], 300)
    notes = [Line("[^1]: Counted at the load balancer.", 72, 760, 290, 769.6, 8.0)]
    right = column(305, ["small servers for a year.", *filler[20:]], 300)
    markdown = build_markdown([layout(left + notes + right, 1)])
    assert "served them ran on small servers for a year." in markdown
    assert markdown.endswith("\n\n[^1]: Counted at the load balancer.\n")


def test_one_author_with_a_thanks_note_under_the_title_is_no_heading() -> None:
    title = Line("Annual Review", 200, 100, 395, 120, 17.0)
    author = Line("Ana Silva[^∗]", 260, 140, 335, 154, 12.0)
    text = [body(f"Body line {i} of the report runs on across the page.", 200 + 12 * i)
            for i in range(6)]
    markdown = build_markdown([layout([title, author, *text,
                                       foot("[^∗]: Operations team.", 780)], 1)])
    assert markdown.startswith("# Annual Review\n\nAna Silva[^∗]\n\n")
    # without a note, one name could be a subtitle: it stays a heading
    plain = build_markdown([layout([title, Line("Ana Silva", 260, 140, 335, 154, 12.0),
                                    *text], 1)])
    assert plain.startswith("# Annual Review\n\n## Ana Silva\n\n")


def test_a_symbol_fonts_private_use_glyphs_are_kept_as_they_are() -> None:
    """Symbol fonts map their glyphs into the private-use area; the marks' own sentinels
    are noncharacters, so such glyphs are neither taken for marks nor dropped."""
    chars = run("Icons \ue000x\ue001 here", 72, 100) + run("\ue000Not a note.", 72, 700)
    assert texts(chars) == ["Icons \ue000x\ue001 here", "\ue000Not a note."]
