"""Figures: drawings and pictures found from a page's graphics, and their labels."""

from __future__ import annotations

from docwarden.engines.pdf.figures import Region, figure_regions, take_figures
from docwarden.engines.pdf.furniture import PageLayout
from docwarden.engines.pdf.layout import Line
from docwarden.engines.pdf.markdown import build_markdown
from docwarden.engines.pdf.order import layout_page

PAGE = (594.0, 774.0)


def line(text: str, x0: float, y0: float, width: float, size: float = 10.0) -> Line:
    return Line(text, x0, y0, x0 + width, y0 + size * 1.2, size)


def body(y0: float, count: int, x0: float = 72.0) -> list[Line]:
    return [line(f"Body line {i} of the handbook, set in ten point type across the column.",
                 x0, y0 + 12 * i, 238) for i in range(count)]


def test_two_framed_figures_side_by_side_stay_apart() -> None:
    # amt_handbook: each figure is framed; pictures of the left one reach past its frame.
    left_frame, right_frame = (72.0, 531.0, 310.0, 694.0), (321.0, 422.0, 559.0, 692.0)
    drawings = [left_frame, right_frame, (82, 539, 183, 578), (475, 596, 535, 665),
                (402, 458, 439, 532)]
    pictures = [(203.0, 542.0, 341.0, 606.0), (320.0, 451.0, 530.0, 588.0)]
    boxes = [r.box for r in figure_regions(drawings, pictures, PAGE)]
    assert len(boxes) == 2
    assert any(b[0] < 100 and b[2] <= 345 for b in boxes)  # the left one ends at its frame
    assert any(b[0] >= 320 for b in boxes)


def test_a_few_curves_are_no_figure_and_a_page_frame_is_none() -> None:
    assert figure_regions([(100.0, 100.0, 200.0, 200.0)], [], PAGE) == []
    frame = [(10.0, 10.0, 584.0, 764.0), (20, 20, 30, 30), (40, 40, 50, 50)]
    assert figure_regions(frame, [], PAGE) == []


def test_labels_in_a_drawing_are_one_block_never_headings() -> None:
    region = Region((321.0, 422.0, 559.0, 692.0), drawn=True)
    labels = [line(t, 470, y, 60, size=8) for t, y in
              (("Nut case", 450), ("Untightened nut", 530), ("Locking shoulder", 553))]
    big = line("Keyway", 420, 640, 40, size=14)  # large, alone: would be a heading
    lines = body(60, 30) + labels + [big]
    figures, rest = take_figures(lines, [region])
    assert len(figures) == 1 and len(rest) == 30
    page = PageLayout(1, *PAGE, "text", layout_page(rest, (), figures))
    markdown = build_markdown([page])
    assert "Nut case · Untightened nut · Locking shoulder · Keyway" in markdown
    assert "#" not in markdown


def test_prose_over_a_picture_and_text_running_out_of_one_are_no_figure() -> None:
    picture = Region((18.0, 232.0, 576.0, 579.0), drawn=False)
    blurb = body(240, 20, x0=40)  # a back cover's text over its background picture
    assert take_figures(blurb, [picture])[0] == []
    cover = Region((96.0, 311.0, 584.0, 490.0), drawn=False)
    run_on = [line("Leverage row permissions on", 380, 480, 150, size=9),
              line("the database", 380, 492, 70, size=9)]  # the second line is below it
    assert take_figures(body(100, 10) + run_on, [cover])[0] == []


def test_keywords_of_a_syntax_diagram_with_long_callouts_are_no_headings() -> None:
    # redp5110 Figure 3-1: bold 11.5 pt keywords on the rails of a drawn syntax diagram,
    # 9 pt callouts beside them too long to be labels; the body is 10 pt.
    region = Region((144.0, 134.0, 451.0, 404.0), drawn=True)
    diagram = []
    for i, keyword in enumerate(("FOR ROWS", "ENFORCED FOR ALL ACCESS", "ENABLE")):
        y = 260.0 + 50 * i
        kw = line(keyword, 148, y, 10 * len(keyword), size=11.5)
        kw.bold = True
        callout = line("Specifies that the row permission applies to all references", 312, y + 2,
                       215, size=9.2)
        diagram += [kw, callout]
    lines = body(60, 12) + diagram + body(420, 12)
    figures, rest = take_figures(lines, [region])
    assert figures == []  # callouts are prose: the text stays where it is ...
    page = PageLayout(1, *PAGE, "text", layout_page(rest, (), figures))
    markdown = build_markdown([page])
    assert "ENFORCED FOR ALL ACCESS" in markdown
    assert "#" not in markdown  # ... but no keyword of the diagram becomes a heading


def test_a_cover_title_over_its_artwork_stays_a_heading() -> None:
    region = Region((36.0, 60.0, 560.0, 200.0), drawn=True)
    title = line("Row and Column Access Control", 40, 90, 500, size=40)
    title.bold = True
    lines = [title, *body(260, 30)]
    figures, rest = take_figures(lines, [region])
    page = PageLayout(1, *PAGE, "text", layout_page(rest, (), figures))
    assert "# Row and Column Access Control" in build_markdown([page])
