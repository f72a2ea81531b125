"""Generate the PDF development set: PDFs of known structure with reference Markdown.

Each document is placed line by line at known coordinates, so the reference
Markdown is exact: two-column papers with numbered headings and running
headers, Arabic with embedded Latin runs (shaped, stored in visual order as
word processors do), ruled tables with multi-line cells, side-by-side blocks
that are not tables, code, a hyphenated line break, and Korean prose.

Needs fpdf2 and uharfbuzz (bench-only, e.g. the peers venv of
bench/accuracy/pdf.py) and the Debian fonts fonts-noto-core and fonts-noto-cjk:

    /work/venvs/pdfpeers/bin/python bench/accuracy/pdf_devset.py [OUT_DIR]

OUT_DIR defaults to tests/data/pdf/generated/devset (a few KB per file).
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from pathlib import Path

from fpdf import FPDF

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "pdf" / "generated" / "devset"
NASKH = "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf"
NASKH_BOLD = "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Bold.ttf"
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
DEJAVU_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
CJK_BOLD = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
KR_INDEX = 1  # Noto Sans CJK collections: JP, KR, SC, TC, HK
WORDS = (  # noqa: SIM905 (a word list reads better as text)
    "data model system result method paper value table figure network layer signal energy "
    "sample measure process design control report market growth policy review study level "
    "field survey range error noise filter graph cluster vector matrix series factor weight "
    "output input stage phase border region client server storage memory thread kernel "
    "string format record column index source target budget income supply demand weather "
    "river forest mountain harbour bridge garden village planet orbit crystal mineral"
).split()
A4_W, A4_H = 595.28, 841.89


def prose(rng: random.Random, sentences: int) -> str:
    """Deterministic filler prose: distinct enough for reading-order scoring."""
    out = []
    for _ in range(sentences):
        words = [rng.choice(WORDS) for _ in range(rng.randint(7, 14))]
        out.append(" ".join(words).capitalize() + ".")
    return " ".join(out)


class Doc:
    """An FPDF with a cursor, line wrapping and the reference Markdown built alongside."""

    def __init__(self) -> None:
        self.pdf = FPDF(unit="pt", format="A4")
        self.pdf.set_auto_page_break(False)
        self.pdf.c_margin = 0
        self.md: list[str] = []

    def wrap(self, text: str, width: float) -> list[str]:
        lines, current = [], ""
        for word in text.split(" "):
            trial = f"{current} {word}".strip()
            if current and self.pdf.get_string_width(trial) > width:
                lines.append(current)
                current = word
            else:
                current = trial
        return [*lines, current] if current else lines

    def block(self, text: str, x: float, y: float, width: float, size: float,
              leading: float = 1.3, rtl: bool = False) -> float:
        """Wrapped text at (x, y) top; returns the y below it."""
        self.pdf.set_font_size(size)
        for line in self.wrap(text, width):
            if rtl:  # cell() shapes and reorders (text() does not)
                self.pdf.set_xy(x, y)
                self.pdf.cell(width, size * 1.2, line, align="R")
            else:
                self.pdf.text(x, y + size, line)
            y += size * leading
        return y

    def save(self, out: Path, name: str) -> None:
        self.pdf.output(str(out / f"{name}.pdf"))
        (out / f"{name}.md").write_text("\n\n".join(self.md) + "\n", "utf-8")


def two_column(out: Path) -> None:
    """A paper: title, authors, abstract, then two columns with numbered headings."""
    rng = random.Random(19)
    doc = Doc()
    pdf = doc.pdf
    col_w, gap, left = 245.0, 25.0, 40.0
    sections = [("1. Introduction", 2), ("1.1 Background", 3), ("1.2 Scope of the work", 3),
                ("2. Method", 2), ("2.1 Data collection", 3), ("3. Results", 2),
                ("3.1 Main findings", 3), ("4. Conclusion", 2)]
    plan = [(title, level, [prose(rng, rng.randint(3, 5)) for _ in range(2)])
            for title, level in sections]
    title = "Signal Processing for River Networks"
    doc.md += [f"# {title}", "Jane Doe, John Roe and Ann Poe, Example University",
               "## Abstract", prose(rng, 3)]
    page_no = 0

    def new_page() -> float:
        nonlocal page_no
        pdf.add_page()
        page_no += 1
        pdf.set_font("Helvetica", "", 8)
        pdf.text(left, 28, "Journal of Example Studies, vol. 7, 2026")
        pdf.text(A4_W / 2, A4_H - 24, str(page_no))
        return 60.0

    y = new_page()
    pdf.set_font("Helvetica", "B", 20)
    y = doc.block(title, left, y, 515, 20) + 6
    pdf.set_font("Helvetica", "", 10)
    y = doc.block(doc.md[1], left, y, 515, 10) + 12
    pdf.set_font("Helvetica", "B", 11)
    y = doc.block("Abstract", left, y, 515, 11) + 2
    pdf.set_font("Helvetica", "", 10)
    y = doc.block(doc.md[3], left, y, 515, 10) + 14
    top, col = y, 0
    for heading, level, paras in plan:
        doc.md.append(f"{'#' * level} {heading}")
        items: list[tuple[str, str]] = [("h", heading)] + [("p", p) for p in paras]
        for kind, text in items:
            if kind == "p":
                doc.md.append(text)
            size = 12 if kind == "h" and level == 2 else (10.5 if kind == "h" else 10)
            pdf.set_font("Helvetica", "B" if kind == "h" else "", size)
            for line in doc.wrap(text, col_w):
                if y > A4_H - 70:
                    col += 1
                    if col == 2:
                        top, col = new_page(), 0
                    y = top
                pdf.text(left + col * (col_w + gap), y + size, line)
                y += size * 1.3
            y += 8 if kind == "p" else 3
    doc.save(out, "two_column")


ARABIC_TITLE = "تحليل البيانات بلغة R و Python"
ARABIC_PARAS = [
    "تستخدم لغة Python على نطاق واسع في تحليل البيانات منذ عام 2010 بفضل مكتبات مثل pandas "
    "و NumPy التي تسهل العمل مع الجداول الكبيرة.",
    "أما لغة R فقد صممت أصلا للإحصاء، وتوفر أدوات قوية للرسوم البيانية والنماذج الخطية، "
    "ويستخدمها الباحثون في الجامعات والمراكز العلمية.",
    "يقارن هذا الفصل بين اللغتين من حيث السرعة وسهولة التعلم وعدد الحزم المتاحة، ويعرض "
    "أمثلة عملية على قراءة ملفات CSV وتنظيفها.",
]
ARABIC_HEADINGS = ["1. مقدمة", "2. المقارنة بين اللغتين"]


def arabic(out: Path) -> None:
    """Right-to-left prose with Latin words and numbers inside, right aligned."""
    doc = Doc()
    pdf = doc.pdf
    pdf.add_font("naskh", "", NASKH)
    pdf.add_font("naskh", "B", NASKH_BOLD)
    pdf.add_font("dejavu", "", DEJAVU)
    pdf.add_font("dejavu", "B", DEJAVU_BOLD)
    pdf.set_fallback_fonts(["dejavu"])
    pdf.set_text_shaping(True)
    pdf.add_page()
    left, width = 50.0, 495.0
    pdf.set_font("naskh", "B", 20)
    y = doc.block(ARABIC_TITLE, left, 60, width, 20, rtl=True) + 10
    doc.md.append(f"# {ARABIC_TITLE}")
    for i, heading in enumerate(ARABIC_HEADINGS):
        pdf.set_font("naskh", "B", 14)
        y = doc.block(heading, left, y, width, 14, rtl=True) + 4
        doc.md.append(f"## {heading}")
        paras = ARABIC_PARAS[:2] if i == 0 else ARABIC_PARAS[2:]
        for para in paras:
            pdf.set_font("naskh", "", 12)
            y = doc.block(para, left, y, width, 12, leading=1.6, rtl=True) + 10
            doc.md.append(para)
    doc.save(out, "arabic")


TABLE_ROWS = [
    ["Region", "Product line", "Q1", "Q2"],
    ["North", "Garden tools and outdoor furniture for small homes", "1,204", "1,388"],
    ["South", "Kitchen storage", "987", "1,020"],
    ["East", "Office chairs, desks and shelving sold to companies", "2,311", "2,470"],
    ["West", "Lighting", "645", "702"],
]


def tables(out: Path) -> None:
    """A ruled table with wrapped cells and a caption, then side-by-side blocks."""
    rng = random.Random(7)
    doc = Doc()
    pdf = doc.pdf
    pdf.add_page()
    left = 50.0
    pdf.set_font("Helvetica", "B", 16)
    y = doc.block("Quarterly sales report", left, 60, 495, 16) + 8
    doc.md.append("# Quarterly sales report")
    intro = prose(rng, 3)
    pdf.set_font("Helvetica", "", 10)
    y = doc.block(intro, left, y, 495, 10) + 12
    caption = "Table 1: Units sold by region and product line."
    pdf.set_font("Helvetica", "I", 9)
    y = doc.block(caption, left, y, 495, 9) + 6
    doc.md += [intro, caption]
    widths = [80.0, 230.0, 80.0, 80.0]
    pdf.set_line_width(0.6)
    for r, row in enumerate(TABLE_ROWS):
        pdf.set_font("Helvetica", "B" if r == 0 else "", 10)
        cells = [doc.wrap(text, w - 8) for text, w in zip(row, widths, strict=True)]
        height = max(len(c) for c in cells) * 13 + 8
        x = left
        for lines, w in zip(cells, widths, strict=True):
            pdf.rect(x, y, w, height)
            for i, line in enumerate(lines):
                pdf.text(x + 4, y + 4 + 10 + i * 13, line)
            x += w
        y += height
    doc.md.append("\n".join(
        ["| " + " | ".join(TABLE_ROWS[0]) + " |", "|" + "---|" * 4]
        + ["| " + " | ".join(row) + " |" for row in TABLE_ROWS[1:]]))
    y += 18
    after = prose(rng, 3)
    pdf.set_font("Helvetica", "", 10)
    y = doc.block(after, left, y, 495, 10) + 16
    doc.md.append(after)
    pdf.set_font("Helvetica", "B", 12)
    y = doc.block("Contacts", left, y, 495, 12) + 6
    doc.md.append("## Contacts")
    blocks = [("Sales office", prose(rng, 2)), ("Support desk", prose(rng, 2))]
    bottom = y
    for i, (head, text) in enumerate(blocks):
        x = left + i * 260
        pdf.set_font("Helvetica", "B", 10)
        yy = doc.block(head, x, y, 235, 10) + 3
        pdf.set_font("Helvetica", "", 10)
        bottom = max(bottom, doc.block(text, x, yy, 235, 10))
        doc.md += [f"### {head}", text]
    doc.save(out, "tables")


CODE = ["function add(a, b) {", "  return a + b;", "}", "", "console.log(add(3, 5));"]


def code(out: Path) -> None:
    """Numbered headings of one size, a list, a hyphenated break and a code block."""
    rng = random.Random(3)
    doc = Doc()
    pdf = doc.pdf
    pdf.add_page()
    left, width = 60.0, 475.0
    pdf.set_font("Helvetica", "B", 14)
    y = doc.block("1. Getting started", left, 60, width, 14) + 6
    doc.md.append("## 1. Getting started")
    para = prose(rng, 2)
    pdf.set_font("Helvetica", "", 10)
    y = doc.block(para, left, y, width, 10)
    # A word hyphenated across a line break, as a typesetter would.
    pdf.text(left, y + 10, "The installer writes a configu-")
    pdf.text(left, y + 23, "ration file next to the program.")
    y += 36
    doc.md.append(para + " The installer writes a configuration file next to the program.")
    items = ["Install the package.", "Create a project folder.", "Run the first example."]
    for i, item in enumerate(items, start=1):
        pdf.text(left + 10, y + 10, f"{i}.")
        pdf.text(left + 26, y + 10, item)
        y += 14
    doc.md.append("\n".join(f"{i}. {item}" for i, item in enumerate(items, start=1)))
    y += 12
    pdf.set_font("Helvetica", "B", 14)
    y = doc.block("2. A first program", left, y, width, 14) + 6
    doc.md.append("## 2. A first program")
    para = prose(rng, 2)
    pdf.set_font("Helvetica", "", 10)
    y = doc.block(para, left, y, width, 10) + 8
    doc.md.append(para)
    pdf.set_font("Courier", "", 9.5)
    for line in CODE:
        if line:
            pdf.text(left + 12, y + 9.5, line)
        y += 12
    doc.md.append("```\n" + "\n".join(CODE) + "\n```")
    y += 10
    pdf.set_font("Helvetica", "B", 12)
    y = doc.block("2.1 Running it", left, y, width, 12) + 6
    doc.md.append("### 2.1 Running it")
    para = prose(rng, 3)
    pdf.set_font("Helvetica", "", 10)
    doc.block(para, left, y, width, 10)
    doc.md.append(para)
    doc.save(out, "code")


KOREAN_TITLE = "2025년 사업 보고서"
KOREAN_PARAS = [
    "당사는 지난해 국내 시장에서 신제품을 판매했거나 향후 판매할 계획인 모든 제품에 대해 "
    "품질 검사를 강화하였습니다. 그 결과 고객 만족도가 크게 높아졌습니다.",
    "올해는 해외 시장 진출을 위해 새로운 협력사를 찾고 있으며, 연구 개발 투자를 늘려 "
    "경쟁력을 높일 예정입니다. 자세한 내용은 다음 장에서 설명합니다.",
]


def korean(out: Path) -> None:
    """Korean prose: words separated by spaces that must survive."""
    doc = Doc()
    pdf = doc.pdf
    pdf.add_font("kr", "", CJK, collection_font_number=KR_INDEX)
    pdf.add_font("kr", "B", CJK_BOLD, collection_font_number=KR_INDEX)
    pdf.add_page()
    left, width = 60.0, 475.0
    pdf.set_font("kr", "B", 18)
    y = doc.block(KOREAN_TITLE, left, 60, width, 18) + 10
    doc.md.append(f"# {KOREAN_TITLE}")
    for i, para in enumerate(KOREAN_PARAS, start=1):
        pdf.set_font("kr", "B", 13)
        heading = f"{i}. {'사업 개요' if i == 1 else '향후 계획'}"
        y = doc.block(heading, left, y, width, 13) + 4
        doc.md.append(f"## {heading}")
        pdf.set_font("kr", "", 11)
        y = doc.block(para, left, y, width, 11, leading=1.5) + 10
        doc.md.append(para)
    doc.save(out, "korean")


MAKERS: list[Callable[[Path], None]] = [two_column, arabic, tables, code, korean]


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    out.mkdir(parents=True, exist_ok=True)
    for make in MAKERS:
        make(out)
        print(f"wrote {make.__name__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
