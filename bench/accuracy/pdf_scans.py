"""The real-producer set as scans: each PDF rasterized at 200 dpi into an image-only PDF.

A scanned page keeps the layout of the document it was printed from (two
columns, tables, headings) while its text must come from OCR.  The files are
written to a temporary folder for one run (generated, never committed); the
Korean and Arabic files are left out, the shipped OCR model reads neither.

    python -m bench.accuracy.pdf --scans            # adds the group "real-scanned"
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pypdfium2 as pdfium
from PIL import Image

SCAN_DPI = 200
UNREAD_SCRIPTS = ("korean", "arabic")  # not in the shipped recognition model


def printed_pages(source: Path, dpi: int = SCAN_DPI) -> list[Image.Image]:
    """Every page of `source` rendered to grayscale at `dpi`: what a scanner would see."""
    document = pdfium.PdfDocument(str(source))
    try:
        return [document[i].render(scale=dpi / 72).to_pil().convert("L")
                for i in range(len(document))]
    finally:
        document.close()


def rasterize(source: Path, target: Path | IO[bytes], dpi: int = SCAN_DPI,
              degrade: Callable[[Image.Image], Image.Image] | None = None) -> int:
    """Write `source` as an image-only PDF of grayscale pages, each passed through
    `degrade` when given; returns the page count."""
    images = printed_pages(source, dpi)
    if degrade is not None:
        images = [degrade(image) for image in images]
    images[0].save(target, format="PDF", resolution=dpi, save_all=True,
                   append_images=images[1:])
    return len(images)


def scanned_items(realset: Path, folder: Path, only: str) -> list[dict[str, Any]]:
    """Bench items (see pdf.dataset) for the real set's Latin-script files as scans."""
    items = []
    for pdf in sorted(realset.glob("*.pdf")):
        rel = f"realset-scanned/{pdf.name}"
        if only not in rel or any(script in pdf.name for script in UNREAD_SCRIPTS):
            continue
        target = folder / pdf.name
        pages = rasterize(pdf, target)
        items.append({"file": rel, "path": str(target), "group": "real-scanned",
                      "pages": None, "page_count": pages, "truth": {},
                      "reference": pdf.with_suffix(".md").read_text("utf-8"),
                      "password": None, "scanned": True})
    return items
