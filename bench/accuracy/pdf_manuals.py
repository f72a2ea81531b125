"""Manual pages as PDFs: real authors' text, exported the way people print them.

Each man page installed on this machine (GNU's ls, tar, grep, sed, find, sort,
date) is read by pandoc, whose Markdown is the reference, and made into a PDF
twice, as the real set's producers make theirs (bench/accuracy/pdf_realset.py):
through a Word document exported by LibreOffice, and as HTML printed by Chromium.
A manual is mostly a definition list, each option or variable set bold on a line
of its own, which neither a heading nor a paragraph; its sections, subsections
and code examples are known from the source.  The files go to a temporary folder
for one run.  Pages that are not installed, or that pandoc's man reader cannot
read (mdoc pages, such as OpenSSH's, come out without sections), are left out.

    python -m bench.accuracy.pdf --manuals            # adds the group "manuals"
"""

from __future__ import annotations

import gzip
import subprocess
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium

from bench.accuracy.pdf_metrics import headings
from bench.accuracy.pdf_realset import docx_pdf, html, installed, web_pdf

MAN_DIR = Path("/usr/share/man/man1")
PAGES = ("ls", "tar", "grep", "sed", "find", "sort", "date")
MAKERS = {"docx": "soffice", "web": "chromium"}  # the program each kind of PDF needs


def reference(page: str) -> str | None:
    """pandoc's Markdown of an installed man page; None when absent or unreadable."""
    source = MAN_DIR / f"{page}.1.gz"
    if not source.is_file():
        return None
    troff = gzip.decompress(source.read_bytes()).decode("utf-8", "replace")
    markdown = subprocess.run(["pandoc", "-f", "man", "-t", "gfm", "--wrap=none"],
                              input=troff, capture_output=True, text=True, check=True).stdout
    return markdown if headings(markdown) else None


def manual_items(folder: Path, only: str) -> list[dict[str, Any]]:
    """Bench items (see pdf.dataset) for each manual page, from Word and from the web."""
    items: list[dict[str, Any]] = []
    if not installed("pandoc", "manuals (pandoc reads their references)"):
        return items
    kinds = [kind for kind, program in MAKERS.items()
             if installed(program, f"manuals: the {kind} files")]
    for page in PAGES:
        wanted = [kind for kind in kinds if only in f"manuals/{page}_{kind}.pdf"]
        markdown = reference(page) if wanted else None
        if markdown is None:
            continue
        for kind in wanted:
            target = folder / f"{page}_{kind}.pdf"
            if kind == "docx":
                docx_pdf(markdown, target, header=f"{page.upper()}(1)")
            else:
                web_pdf(html(markdown), target, title=page, chrome=True)
            items.append({"file": f"manuals/{target.name}", "path": str(target),
                          "group": "manuals", "pages": None,
                          "page_count": len(pdfium.PdfDocument(str(target))), "truth": {},
                          "reference": markdown, "password": None, "scanned": False})
    return items
