"""Real authors' READMEs as PDFs: the Markdown long descriptions of the Python
distributions installed beside this benchmark, printed four ways.

Each README (Markdown, 2 500-25 000 characters, three headings or more) is read
by pandoc, which drops its images, raw HTML and link targets (a PDF shows a
link's text only) and characters the printers here lack (emoji); that Markdown
is the reference.  It is printed by Chromium from pandoc's standalone HTML (its
stylesheet sets inline code at 85 % of the text), set by pandoc's LaTeX
template with pdfLaTeX, written by pandoc as a Word document that LibreOffice
exports (code at 11 pt in 12 pt text, tables without borders), and printed by
WeasyPrint (from the peers' environment) from pandoc's HTML with its own style.
Headings with code in them, inline code in every other line, nested lists,
tables and listings come from hundreds of authors rather than from this
project's generators.  Which READMEs there are depends on the installed
versions; the run's JSON names them.  The files go to a temporary folder for
one run; a README a printer cannot set is left out.

    python -m bench.accuracy.pdf --readmes            # adds the group "readmes"
"""

from __future__ import annotations

import email
import functools
import importlib.metadata
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium

from bench.accuracy.pdf_metrics import headings
from bench.accuracy.pdf_realset import WEB_CSS, chromium_pdf, installed, soffice_pdf

MIN_CHARS, MAX_CHARS = 2_500, 25_000
MIN_HEADINGS = 3
MAX_READMES = 40  # the first by name: two PDFs each keep the group to a few minutes
STRIP_LUA = """
function Image(el) return {} end
function Link(el) return el.content end
function RawBlock(el) return {} end
function RawInline(el) return {} end
"""
REFERENCE_SUFFIX = ".gfm"  # the reference Markdown, written beside each README
KEPT_SYMBOLS = "–—‘’“”…•→"  # past U+2000, what both printers set


def _printable(text: str) -> str:
    """The README without U+FFFD and the symbols and emoji neither printer sets."""
    return "".join(ch for ch in text if (ch != "\ufffd" and ord(ch) < 0x2000)
                   or ch in KEPT_SYMBOLS)


def readmes() -> dict[str, str]:
    """Markdown long descriptions of the installed distributions, by name."""
    found: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        meta = email.message_from_string(dist.read_text("METADATA") or "")
        name, body = (meta["Name"] or "").lower(), meta.get_payload()
        if (name and name not in found and body not in found.values()
                and "markdown" in (meta["Description-Content-Type"] or "")
                and isinstance(body, str) and MIN_CHARS < len(body) < MAX_CHARS
                and body.count("\n#") >= MIN_HEADINGS):
            found[name] = body
    found = {name: _printable(body) for name, body in found.items()}
    return dict(sorted(found.items())[:MAX_READMES])


def _pandoc(source: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["pandoc", "-f", "gfm", "--lua-filter", str(source.with_suffix(".lua")), *args,
         str(source)], capture_output=True, text=True, timeout=120, check=False)


def _reference(source: Path) -> str | None:
    done = _pandoc(source, "-t", "gfm", "--wrap=none")
    return done.stdout if done.returncode == 0 and len(headings(done.stdout)) else None


def _html(source: Path, page: Path) -> bool:
    """pandoc's standalone HTML of the README (its own stylesheet)."""
    return _pandoc(source, "-t", "html5", "-s", "--metadata", f"pagetitle={source.stem}",
                   "-o", str(page)).returncode == 0


def _web(source: Path, out: Path) -> bool:
    page = out.with_suffix(".html")
    if not _html(source, page):
        return False
    styled = page.read_text("utf-8").replace("</head>", f"<style>{WEB_CSS}</style></head>")
    page.write_text(styled, "utf-8")
    chromium_pdf(page, out, chrome=False, timeout_s=120)
    return out.exists()


def _latex(source: Path, out: Path) -> bool:
    return _pandoc(source, "-V", "geometry:margin=2.5cm", "-o", str(out)).returncode == 0


def _docx(source: Path, out: Path) -> bool:
    """pandoc's Word document (its default styles), exported by LibreOffice.  It is
    written from the reference beside the source (readme_items), the filtered
    Markdown: for a Word file pandoc fetches the images before any filter runs and
    sets the alt text of those it cannot fetch."""
    docx = out.with_suffix(".docx")
    if subprocess.run(["pandoc", "-f", "gfm", str(source.with_suffix(REFERENCE_SUFFIX)),
                       "-o", str(docx)], capture_output=True, timeout=120,
                      check=False).returncode:
        return False
    soffice_pdf(docx, out)
    return out.exists()


def _weasy(weasyprint: Path, source: Path, out: Path) -> bool:
    """pandoc's standalone HTML printed by WeasyPrint."""
    page = out.with_suffix(".html")
    if not _html(source, page):
        return False
    return subprocess.run([str(weasyprint), str(page), str(out)], capture_output=True,
                          timeout=120, check=False).returncode == 0 and out.exists()


MAKERS = {"web": ("chromium", _web), "latex": ("pdflatex", _latex),
          "docx": ("soffice", _docx)}


def _makers(peers_python: Path | None) -> dict[str, Callable[[Path, Path], bool]]:
    """The printers installed: on the PATH, and WeasyPrint beside the peers' Python."""
    kinds: dict[str, Callable[[Path, Path], bool]] = {
        kind: make for kind, (program, make) in MAKERS.items()
        if installed(program, f"readmes: the {kind} files")}
    weasyprint = peers_python.parent / "weasyprint" if peers_python else None
    if weasyprint is not None and weasyprint.exists():
        kinds["weasy"] = functools.partial(_weasy, weasyprint)
    else:
        print("readmes: the weasy files left out: no weasyprint beside the peers' Python")
    return kinds


def readme_items(folder: Path, only: str, peers_python: Path | None = None,
                 ) -> list[dict[str, Any]]:
    """Bench items (see pdf.dataset) for each README, one per printer installed."""
    items: list[dict[str, Any]] = []
    if not installed("pandoc", "readmes"):
        return items
    kinds = _makers(peers_python)
    for name, markdown in readmes().items():
        source = folder / f"{name}.md"
        source.write_text(markdown, "utf-8")
        source.with_suffix(".lua").write_text(STRIP_LUA, "utf-8")
        reference = _reference(source)
        if reference is not None:
            source.with_suffix(REFERENCE_SUFFIX).write_text(reference, "utf-8")
        for kind, make in kinds.items():
            out = folder / f"{name}_{kind}.pdf"
            rel = f"readmes/{out.name}"
            if reference is None or only not in rel:
                continue
            if not make(source, out):
                print(f"readmes: {out.name} left out: its printer failed")
                continue
            items.append({"file": rel, "path": str(out), "group": "readmes", "pages": None,
                          "page_count": len(pdfium.PdfDocument(str(out))), "truth": {},
                          "reference": reference, "password": None, "scanned": False})
    return items
