"""Generate the PDF real-producer set: documents made by the programs people make PDFs with.

The development set (pdf_devset.py) places every line itself; these PDFs come
from real producers, with their own text layers, fonts and quirks:

- `docx`: pandoc writes a Word document (running header, page-number footer,
  grid or plain tables, right-to-left paragraphs, two newspaper columns),
  LibreOffice Writer exports it;
- `pptx`: pandoc writes slides (bullets, a table, two columns), LibreOffice
  Impress exports them;
- `web`: pandoc writes HTML (two CSS columns, right-to-left), Chromium prints it,
  with or without its date/title/URL/page-count header and footer;
- `latex`: a paper in two columns (or one) typeset by pdfLaTeX, with a raster
  figure and its caption, a booktabs table and a numbered bibliography.

Each document is built from three seeds: the `tune` half may be looked at
while improving the engine, the `holdout` half only scored (it also has
producer variants the tune half lacks), and the `fresh` third, made last,
was scored once and never looked at.  The reference is the Markdown each PDF
was made from (pdf_realset_text.py).

Needs Debian's pandoc, libreoffice-writer, libreoffice-impress, chromium,
texlive-latex-recommended/-extra and fonts-noto-core/-cjk (bench-only):

    python -m bench.accuracy.pdf_realset [OUT_DIR] [--only tune|holdout|fresh]

OUT_DIR defaults to tests/data/pdf/generated/realset.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from bench import ROOT
from bench.accuracy import pdf_realset_text as text

OUT = ROOT / "tests" / "data" / "pdf" / "generated" / "realset"
# "fresh" was added last and scored once, never looked at while changing the engine.
SEEDS = {"tune": 101, "holdout": 202, "fresh": 303}
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEADER_XML = (
    f'<w:hdr xmlns:w="{W_NS}"><w:p><w:pPr><w:jc w:val="right"/></w:pPr>'
    '<w:r><w:rPr><w:sz w:val="16"/></w:rPr><w:t>{header}</w:t></w:r></w:p></w:hdr>'
)
FOOTER_XML = (
    f'<w:ftr xmlns:w="{W_NS}"><w:p><w:pPr><w:jc w:val="center"/></w:pPr>'
    '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>'
    '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r>'
    '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p></w:ftr>'
)
SECTION_XML = (
    '<w:sectPr><w:headerReference w:type="default" r:id="rIdDwHeader"/>'
    '<w:footerReference w:type="default" r:id="rIdDwFooter"/>'
    '<w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1418" w:right="1247" w:bottom="1418" '
    'w:left="1247" w:header="709" w:footer="709" w:gutter="0"/></w:sectPr>'
)
GRID_BORDERS = "".join(
    f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
WEB_CSS = """
body { font-family: 'DejaVu Serif', serif; font-size: 11pt; line-height: 1.45;
       margin: 0 auto; max-width: 46em; }
h1 { font-size: 22pt; } h2 { font-size: 15pt; } h3 { font-size: 12.5pt; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #777; padding: 3px 8px; }
pre { background: #f3f3f3; padding: 6px; }
.columns { column-count: 2; column-gap: 2em; }
.columns h2 { break-after: avoid; }
"""
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def installed(program: str, left_out: str) -> bool:
    """Whether `program` is on the PATH; if not, says what is left out for want of it."""
    if shutil.which(program) is None:
        print(f"{left_out} left out: {program} is not installed")
        return False
    return True


def run(*args: str, cwd: Path | None = None, timeout_s: float = 300) -> None:
    subprocess.run(list(args), cwd=cwd, check=True, capture_output=True, timeout=timeout_s)


def chromium_pdf(page: Path, out: Path, chrome: bool, timeout_s: float = 300) -> None:
    """Chromium's print to PDF of an HTML file, in a profile of its own; `chrome` keeps
    its date/title and URL/page footer."""
    with tempfile.TemporaryDirectory() as profile:
        flags = [] if chrome else ["--no-pdf-header-footer"]
        run("chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *flags,
            f"--print-to-pdf={out}", page.as_uri(), timeout_s=timeout_s)


def soffice_pdf(source: Path, out: Path) -> None:
    """Export a document with LibreOffice (its own profile, so runs never share state)."""
    profile = source.parent / "lo-profile"
    run("soffice", f"-env:UserInstallation=file://{profile}", "--headless",
        "--convert-to", "pdf", "--outdir", str(source.parent), str(source))
    shutil.move(source.with_suffix(".pdf"), out)


def _insert(parts: dict[str, bytes], name: str, closing: str, xml: str) -> None:
    """Insert `xml` before the closing tag of a docx part."""
    parts[name] = parts[name].decode().replace(closing, xml + closing).encode()


def _patch_docx(path: Path, header: str, grid: bool, rtl: bool, columns: int) -> None:
    """Add a running header, a page-number footer, table borders, RTL tables, columns."""
    with zipfile.ZipFile(path) as zin:
        parts = {name: zin.read(name) for name in zin.namelist()}
    doc = parts["word/document.xml"].decode()
    if f'xmlns:r="{REL_NS}"' not in doc:
        doc = doc.replace("<w:document ", f'<w:document xmlns:r="{REL_NS}" ', 1)
    section = SECTION_XML.replace("</w:sectPr>", f'<w:cols w:num="{columns}" w:space="567"/>'
                                  "</w:sectPr>") if columns > 1 else SECTION_XML
    doc = re.sub(r"<w:sectPr\s*/>|<w:sectPr>.*?</w:sectPr>", section, doc, flags=re.S)
    extra = (f"<w:tblBorders>{GRID_BORDERS}</w:tblBorders>" if grid else "") + (
        "<w:bidiVisual/>" if rtl else "")
    doc = doc.replace("<w:tblPr>", "<w:tblPr>" + extra)
    parts["word/document.xml"] = doc.encode()
    parts["word/header1.xml"] = HEADER_XML.replace("{header}", header).encode()
    parts["word/footer1.xml"] = FOOTER_XML.encode()
    for kind in ("header", "footer"):
        _insert(parts, "word/_rels/document.xml.rels", "</Relationships>", (
            f'<Relationship Id="rIdDw{kind.title()}" Type="http://schemas.openxmlformats.org/'
            f'officeDocument/2006/relationships/{kind}" Target="{kind}1.xml"/>'))
        _insert(parts, "[Content_Types].xml", "</Types>", (
            f'<Override PartName="/word/{kind}1.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.wordprocessingml.{kind}+xml"/>'))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(name, data)


def docx_pdf(markdown: str, out: Path, header: str, grid: bool = True,
             rtl: bool = False, lang: str = "en", columns: int = 1) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source, docx = Path(tmp) / "doc.md", Path(tmp) / "doc.docx"
        source.write_text(markdown, "utf-8")
        meta = ["-M", f"lang={lang}"] + (["-M", "dir=rtl"] if rtl else [])
        run("pandoc", str(source), "-f", "markdown-auto_identifiers", *meta, "-o", str(docx))
        _patch_docx(docx, header, grid, rtl, columns)
        soffice_pdf(docx, out)


def pptx_pdf(markdown: str, out: Path) -> None:
    """Slides: the first heading and line make the title slide, each `##` a slide."""
    title, author, rest = markdown.split("\n\n", 2)
    deck = f"---\ntitle: {title.lstrip('# ')}\nauthor: {author}\n---\n\n{rest}"
    with tempfile.TemporaryDirectory() as tmp:
        source, pptx = Path(tmp) / "deck.md", Path(tmp) / "deck.pptx"
        source.write_text(deck, "utf-8")
        run("pandoc", str(source), "--slide-level=2", "-o", str(pptx))
        soffice_pdf(pptx, out)


def web_pdf(html_body: str, out: Path, title: str, chrome: bool, rtl: bool = False,
            lang: str = "en") -> None:
    """Chromium's print to PDF; `chrome` keeps its date/title and URL/page footer."""
    direction = ' dir="rtl"' if rtl else ""
    font = {"ko": "'Noto Sans CJK KR', sans-serif", "ar": "'Noto Naskh Arabic', serif"}
    css = WEB_CSS + (f"body {{ font-family: {font[lang]}; }}" if lang in font else "")
    page = (f'<!doctype html><html lang="{lang}"{direction}><head><meta charset="utf-8">'
            f"<title>{title}</title><style>{css}</style></head><body>{html_body}</body></html>")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "page.html"
        source.write_text(page, "utf-8")
        chromium_pdf(source, out, chrome)


def html(markdown: str) -> str:
    return subprocess.run(["pandoc", "-f", "markdown-auto_identifiers", "-t", "html5"],
                          input=markdown, capture_output=True, text=True, check=True).stdout


LATEX_ESCAPES = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_"}


def _latex_text(value: str) -> str:
    return "".join(LATEX_ESCAPES.get(ch, ch) for ch in value)


def _latex_block(block: str) -> str:
    if block.startswith("- "):
        items = "".join(f"\\item {_latex_text(ln[2:])}\n" for ln in block.splitlines())
        return f"\\begin{{itemize}}\n{items}\\end{{itemize}}"
    if block.startswith("|"):
        rows = [[_latex_text(c.strip()) for c in ln.strip("|").split("|")]
                for ln in block.splitlines() if not ln.startswith("|-")]
        body = " \\\\\n".join(" & ".join(r) for r in rows[1:])
        # Scaled to the column when wider, as authors do (an overfull table would run
        # into the next column).
        return ("\\begin{table}[H]\\centering\\small\\resizebox{\\ifdim\\width>\\columnwidth"
                "\\columnwidth\\else\\width\\fi}{!}{\\begin{tabular}{" + "l" * len(rows[0])
                + "}\\toprule\n" + " & ".join(rows[0]) + " \\\\\\midrule\n" + body
                + " \\\\\\bottomrule\\end{tabular}}\\end{table}")
    return _latex_text(block)


def _figure_png(path: Path, seed: int) -> None:
    """A bar chart without text (a raster figure has no text layer to read)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 300), "white")
    draw = ImageDraw.Draw(image)
    for i in range(8):
        height = 40 + (seed * (i + 3) * 37) % 220
        draw.rectangle((30 + 70 * i, 280 - height, 80 + 70 * i, 280), fill=(60, 90 + 15 * i, 160))
    draw.line((20, 280, 590, 280), fill="black", width=2)
    image.save(path)


def latex_pdf(seed: int, out: Path, columns: int) -> str:
    """A paper typeset by pdfLaTeX; returns its reference Markdown (sections numbered)."""
    paper = text.paper(seed)
    body = ["\\begin{abstract}\n" + _latex_text(paper.abstract) + "\n\\end{abstract}"]
    reference = [f"# {paper.title}", paper.authors, "## Abstract", paper.abstract]
    for number, (name, blocks) in enumerate(paper.sections, start=1):
        body.append(f"\\section{{{name}}}")
        reference.append(f"## {number} {name}")
        for index, block in enumerate(blocks):
            body.append(_latex_block(block))
            reference.append(block)
            if number == 3 and index == 0:
                body.append("\\begin{figure}[H]\\centering\\includegraphics[width=0.9"
                            f"\\linewidth]{{figure.png}}\\caption{{{_latex_text(paper.figure_caption)}}}"
                            "\\end{figure}")
                reference.append(f"Figure 1: {paper.figure_caption}")
    body.append("\\begin{thebibliography}{9}\n" + "".join(
        f"\\bibitem{{r{i}}} {_latex_text(entry)}\n" for i, entry in enumerate(paper.references))
        + "\\end{thebibliography}")
    reference.append("## References")
    reference += [f"[{i}] {entry}" for i, entry in enumerate(paper.references, start=1)]
    option = "twocolumn," if columns == 2 else ""
    source = (f"\\documentclass[{option}10pt,a4paper]{{article}}\n"
              "\\usepackage{booktabs,float,graphicx}\n\\usepackage[margin=2cm]{geometry}\n"
              f"\\title{{{_latex_text(paper.title)}}}\n\\author{{{_latex_text(paper.authors)}}}\n"
              "\\date{}\n\\begin{document}\n\\maketitle\n" + "\n\n".join(body)
              + "\n\\end{document}\n")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "paper.tex").write_text(source, "utf-8")
        _figure_png(Path(tmp) / "figure.png", seed)
        for _ in range(2):
            run("pdflatex", "-interaction=nonstopmode", "paper.tex", cwd=Path(tmp))
        shutil.copy(Path(tmp) / "paper.pdf", out)
    return "\n\n".join(reference) + "\n"


def _newsletter(seed: int, out: Path, chrome: bool) -> str:
    head, columns, tail = text.newsletter(seed)
    body = html(head) + f'<div class="columns">{html(columns)}</div>' + html("\n\n".join(tail))
    web_pdf(body, out, "Newsletter", chrome)
    return "\n\n".join([head, columns, *tail]) + "\n"


def make_half(half: str, seed: int, out: Path) -> list[str]:
    """Every document of one half; returns the file names written."""
    made: list[str] = []

    def save(name: str, build: Callable[[Path], str]) -> None:
        pdf = out / f"{half}_{name}.pdf"
        reference = build(pdf)
        pdf.with_suffix(".md").write_text(reference, "utf-8")
        made.append(pdf.name)
        print(f"wrote {pdf.name}")

    def doc(markdown: str, **options: object) -> Callable[[Path], str]:
        def build(pdf: Path) -> str:
            docx_pdf(markdown, pdf, **options)  # type: ignore[arg-type]
            return markdown
        return build

    report, arabic, korean = text.report(seed), text.arabic(seed), text.korean(seed)
    save("report_docx", doc(report, header="Internal report", grid=half == "tune"))
    if half == "tune":  # the holdout's table style (rules under the header only), new words
        save("plain_docx", doc(text.report(seed + 7), header="Draft", grid=False))
        save("paper1col_latex", lambda pdf: latex_pdf(seed + 3, pdf, columns=1))
    save("arabic_docx", doc(arabic, header="تقرير داخلي", rtl=True, lang="ar"))
    save("korean_docx", doc(korean, header="내부 보고서", lang="ko"))
    deck, slides = text.slides(seed)
    save("slides_pptx", lambda pdf: (pptx_pdf(deck, pdf), slides)[1])
    save("columns_docx", doc(text.report(seed + 11), header="Bulletin", columns=2))
    save("newsletter_web", lambda pdf: _newsletter(seed, pdf, chrome=half != "tune"))
    save("arabic_web", lambda pdf: (web_pdf(html(arabic), pdf, "تقرير", chrome=False,
                                            rtl=True, lang="ar"), arabic)[1])
    save("korean_web", lambda pdf: (web_pdf(html(korean), pdf, "보고서", chrome=True,
                                            lang="ko"), korean)[1])
    save("paper_latex", lambda pdf: latex_pdf(seed, pdf, columns=2))
    if half != "tune":  # producer variants the tune half never shows
        save("report_web", lambda pdf: (web_pdf(html(report), pdf, "Report", chrome=True),
                                        report)[1])
        save("paper1col_latex", lambda pdf: latex_pdf(seed + 1, pdf, columns=1))
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", type=Path, default=OUT)
    parser.add_argument("--only", choices=sorted(SEEDS), help="write one half only")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for half, seed in SEEDS.items():
        if args.only in (None, half):
            make_half(half, seed, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
