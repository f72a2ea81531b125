"""Reports from producers the real set lacks: WeasyPrint, Typst and ReportLab.

The real set (pdf_realset.py) comes from LibreOffice, Chromium and pdfLaTeX.  Python
services make their PDFs with other programs: WeasyPrint (HTML and CSS paged media,
running header and "Page n of m" in the page margins, two CSS columns), Typst and
ReportLab's platypus.  Each one here sets the real set's report text (headings, a
bullet and a numbered list, a ruled table with long cells, a code block) from two
seeds never tuned on, one column and (WeasyPrint, Typst) two, and Typst sets the
real set's paper in two columns under a title block.  The reference is the
Markdown the report is made from.  The producers are bench-only and run with the
peers' interpreter (`pip install weasyprint typst reportlab` there); without them the
group is left out with a message.  The files go to a temporary folder for one run.

    python -m bench.accuracy.pdf --producers            # adds the group "producers"
"""

from __future__ import annotations

import html
import itertools
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

SEEDS = (505, 606)
ROOT = Path(__file__).resolve().parents[2]
CSS = """@page { size: A4; margin: 2cm;
  @top-right { content: "Quarterly review"; font-size: 8pt; }
  @bottom-center { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; } }
body { font-family: 'DejaVu Serif', serif; font-size: 10.5pt; line-height: 1.35; }
table { border-collapse: collapse; } td, th { border: 0.5pt solid #444; padding: 2pt 4pt; }
pre { background: #eee; padding: 4pt; } .columns { columns: 2; column-gap: 1cm; }"""
FONTS = {"ar": "Noto Naskh Arabic", "ko": "Noto Serif CJK KR"}  # Debian's fonts-noto-*
TYPST_PAGE = ('#set page(paper: "a4", margin: 2cm, numbering: "1", '
              'header: align(right)[#text(size: 8pt)[Quarterly review]])\n'
              "#set text(size: 10pt)\n#set par(justify: true)\n")


def _blocks(markdown: str) -> list[tuple[str, str]]:
    """The report's blocks by kind: heading, bullets, numbered, table, code, para."""
    kinds = ((r"```", "code"), (r"#", "heading"), (r"- ", "bullets"), (r"\d+\. ", "numbered"),
             (r"\|", "table"))
    return [(next((kind for start, kind in kinds if re.match(start, block)), "para"), block)
            for block in markdown.strip().split("\n\n")]


def _rows(block: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip("|").split("|")]
            for line in block.splitlines() if not line.startswith("|-")]


def weasyprint_pdf(markdown: str, out: Path, columns: bool, lang: str = "en") -> None:
    import weasyprint

    from bench.accuracy.pdf_realset import html as to_html

    body = to_html(markdown)
    if columns:  # the title across the page, the rest in two columns
        title, rest = body.split("</h1>", 1)
        body = f'{title}</h1><div class="columns">{rest}</div>'
    font = f"body {{ font-family: '{FONTS[lang]}'; }}" if lang in FONTS else ""
    direction = ' dir="rtl"' if lang == "ar" else ""
    weasyprint.HTML(string=f'<html lang="{lang}"{direction}><head><style>{CSS}{font}</style>'
                    f"</head><body>{body}</body></html>").write_pdf(out)


def _typst_text(text: str) -> str:
    return re.sub(r"([#\[\]*_`$<>@\\])", r"\\\1", text)


def typst_source(markdown: str, columns: bool, lang: str = "en") -> str:
    font = f'#set text(lang: "{lang}", font: "{FONTS[lang]}")\n' if lang in FONTS else ""
    page = TYPST_PAGE + font + ("#set page(columns: 2)\n" if columns else "")
    return "\n\n".join([page, *_typst_blocks(markdown)]) + "\n"


def _typst_blocks(markdown: str) -> list[str]:
    """Each Markdown block as Typst markup."""
    out = []
    for kind, block in _blocks(markdown):
        lines = block.splitlines()
        if kind == "code":
            out.append("\n".join(["```", *lines[1:-1], "```"]))
        elif kind == "heading":
            level = len(block) - len(block.lstrip("#"))
            out.append("=" * level + " " + _typst_text(block.lstrip("# ")))
        elif kind in ("bullets", "numbered"):
            mark = "-" if kind == "bullets" else "+"
            out.append("\n".join(f"{mark} {_typst_text(ln.split(' ', 1)[1])}" for ln in lines))
        elif kind == "table":
            rows = _rows(block)
            cells = ", ".join(f"[{_typst_text(cell)}]" for row in rows for cell in row)
            out.append(f"#table(columns: {len(rows[0])}, {cells})")
        else:
            out.append(_typst_text(" ".join(lines)))
    return out


def typst_pdf(markdown: str, out: Path, columns: bool, lang: str = "en") -> None:
    _typst_compile(typst_source(markdown, columns, lang), out)


def _typst_compile(source: str, out: Path) -> None:
    import typst

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "document.typ"
        path.write_text(source, "utf-8")
        typst.compile(str(path), output=str(out))


def typst_paper(seed: int, out: Path) -> str:
    """A paper in two columns under a title block across the page, numbered sections,
    a drawn figure with its caption, a table and references; returns its reference."""
    from bench.accuracy import pdf_realset_text as text

    paper = text.paper(seed)
    reference = [f"# {paper.title}", paper.authors, "## Abstract", paper.abstract]
    body = []
    for number, (name, blocks) in enumerate(paper.sections, start=1):
        body.append(f"= {_typst_text(name)}")
        reference.append(f"## {number} {name}")
        for index, block in enumerate(blocks):
            body += _typst_blocks(block)
            reference.append(block)
            if number == 3 and index == 0:
                body.append("#figure(rect(width: 90%, height: 3cm, fill: luma(200)), caption: ["
                            f"{_typst_text(paper.figure_caption)}])")
                reference.append(f"Figure 1: {paper.figure_caption}")
    body.append("#heading(numbering: none)[References]\n" + "\n".join(
        f"[{i}] {_typst_text(entry)} \\" for i, entry in enumerate(paper.references, start=1)))
    reference.append("## References")
    reference += [f"[{i}] {entry}" for i, entry in enumerate(paper.references, start=1)]
    source = (
        '#set page(paper: "a4", margin: 2cm, numbering: "1", columns: 2)\n'
        '#set text(size: 10pt)\n#set par(justify: true)\n#set heading(numbering: "1")\n'
        "#place(top + center, float: true, scope: \"parent\", clearance: 2em)[\n"
        f"#align(center)[#text(size: 17pt, weight: \"bold\")[{_typst_text(paper.title)}]\n\n"
        f"{_typst_text(paper.authors)}]\n\n"
        f"#heading(numbering: none)[Abstract]\n{_typst_text(paper.abstract)}]\n\n"
        + "\n\n".join(body) + "\n")
    _typst_compile(source, out)
    return "\n\n".join(reference) + "\n"


def reportlab_pdf(markdown: str, out: Path, columns: bool) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import (
        ListFlowable,
        ListItem,
        Paragraph,
        Preformatted,
        SimpleDocTemplate,
        Table,
        TableStyle,
    )

    styles = getSampleStyleSheet()
    story: list[Any] = []
    for kind, block in _blocks(markdown):
        lines = block.splitlines()
        if kind == "code":
            story.append(Preformatted("\n".join(lines[1:-1]), styles["Code"]))
        elif kind == "heading":
            level = len(block) - len(block.lstrip("#"))
            story.append(Paragraph(html.escape(block.lstrip("# ")), styles[f"Heading{level}"]))
        elif kind in ("bullets", "numbered"):
            items = [ListItem(Paragraph(html.escape(ln.split(" ", 1)[1]), styles["BodyText"]))
                     for ln in lines]
            story.append(ListFlowable(items, bulletType="1" if kind == "numbered" else "bullet"))
        elif kind == "table":
            table = Table([[Paragraph(html.escape(cell), styles["BodyText"]) for cell in row]
                           for row in _rows(block)])
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey)]))
            story.append(table)
        else:
            story.append(Paragraph(html.escape(" ".join(lines)), styles["BodyText"]))

    def footer(canvas: Any, document: Any) -> None:
        canvas.setFont("Helvetica", 8)
        canvas.drawCentredString(A4[0] / 2, 30, f"Page {document.page}")

    SimpleDocTemplate(str(out), pagesize=A4).build(story, onFirstPage=footer,
                                                   onLaterPages=footer)


Maker = Callable[[str, Path, bool, str], None]
KINDS = {"en": "report", "ar": "arabic", "ko": "korean"}
# Each producer's layouts (two columns or one) and languages.
MAKERS: dict[str, tuple[Maker, tuple[bool, ...], tuple[str, ...]]] = {
    "weasyprint": (weasyprint_pdf, (False, True), ("en", "ar", "ko")),
    "typst": (typst_pdf, (False, True), ("en", "ar", "ko")),
    "reportlab": (lambda md, out, columns, lang: reportlab_pdf(md, out, columns), (False,),
                  ("en",)),
}


def _make_all(folder: Path) -> None:
    """Run in the peers' interpreter: every document written to `folder`, with its .md."""
    from bench.accuracy import pdf_realset_text as text

    for seed in SEEDS:
        texts = {"en": text.report(seed), "ar": text.arabic(seed), "ko": text.korean(seed)}
        for producer, (make, layouts, langs) in MAKERS.items():
            for columns, lang in itertools.product(layouts, langs):
                if columns and lang != "en":
                    continue
                kind = "columns" if columns else KINDS[lang]
                name = f"{producer}_{kind}_{seed}"
                make(texts[lang], folder / f"{name}.pdf", columns, lang)
                (folder / f"{name}.md").write_text(texts[lang], "utf-8")
        paper = typst_paper(seed, folder / f"typst_paper_{seed}.pdf")
        (folder / f"typst_paper_{seed}.md").write_text(paper, "utf-8")


def producer_items(folder: Path, only: str, python: Path) -> list[dict[str, Any]]:
    """Bench items (see pdf.dataset) for each report; none when the producers are absent."""
    done = subprocess.run([str(python), __file__, str(folder)], capture_output=True,
                          text=True, cwd=ROOT, check=False)
    if done.returncode:
        print(f"producers left out: {done.stderr.strip().splitlines()[-1:]}")
        return []
    import pypdfium2 as pdfium

    return [{"file": f"producers/{pdf.name}", "path": str(pdf), "group": "producers",
             "pages": None, "page_count": len(pdfium.PdfDocument(str(pdf))), "truth": {},
             "reference": pdf.with_suffix(".md").read_text("utf-8"), "password": None,
             "scanned": False}
            for pdf in sorted(folder.glob("*.pdf")) if only in f"producers/{pdf.name}"]


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    _make_all(Path(sys.argv[1]))
