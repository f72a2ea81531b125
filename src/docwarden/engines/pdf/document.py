"""Opening a PDF safely: password, page selection and the page limit; and what the
program that made it says about its text (whether it hyphenated words).

pdfium is not thread-safe (not even across documents), so every call into it
from this package happens under `PDFIUM_LOCK`; work that needs no pdfium (OCR,
Markdown building) runs outside the lock so concurrent jobs still overlap.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from docwarden.errors import InputTooLarge, InvalidInput

PDFIUM_LOCK = threading.RLock()
_RANGE_RE = re.compile(r"^(\d+)\s*(?:-\s*(\d*))?$")
_MAX_SPEC_CHARS = 1000
# Programs that hyphenate no word unless told to (a browser's CSS `hyphens: manual`,
# a word processor's hyphenation off): they break lines only at compounds' hyphens.
# Chromium and Google Docs write "Skia/PDF".
HYPHENATE_NOTHING_RE = re.compile(
    r"Skia/PDF|WeasyPrint|wkhtmltopdf|LibreOffice|OpenOffice|Microsoft.{0,3} Word", re.I)


def parse_pages(spec: str | None, total_pages: int) -> list[int]:
    """0-based page indices for a 1-based spec like "1-3,7" or "5-" (None: all pages)."""
    if spec is None or not str(spec).strip():
        return list(range(total_pages))
    text = str(spec).strip()
    if len(text) > _MAX_SPEC_CHARS:
        raise InvalidInput("the pages parameter is too long")
    chosen: set[int] = set()
    for part in text.split(","):
        match = _RANGE_RE.match(part.strip())
        if match is None:
            raise InvalidInput(
                f"invalid pages {text!r}: use 1-based numbers and ranges like '1-3,7' or '5-'"
            )
        first = int(match.group(1))
        last = first if match.group(2) is None else int(match.group(2) or total_pages)
        if first < 1 or last < first:
            raise InvalidInput(f"invalid page range {part.strip()!r} in pages {text!r}")
        if last > total_pages:
            raise InvalidInput(
                f"pages {text!r} is out of bounds: the document has {total_pages} page(s)"
            )
        chosen.update(range(first - 1, last))
    return sorted(chosen)


def _open_error(exc: pdfium.PdfiumError, password: str | None) -> InvalidInput:
    """Turn pdfium's load error code into a message a caller can act on."""
    if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
        if password:
            return InvalidInput("the PDF password is wrong")
        return InvalidInput(
            "the PDF is encrypted: a password is needed (send it as the 'password' parameter)"
        )
    if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_SECURITY:
        return InvalidInput("the PDF uses an unsupported security handler")
    return InvalidInput(f"the PDF cannot be read (damaged or not a PDF): {exc}")


def open_document(data: bytes, password: str | None) -> pdfium.PdfDocument:
    """Open PDF bytes or raise InvalidInput; the caller must hold PDFIUM_LOCK."""
    if not data:
        raise InvalidInput("the upload is empty (0 bytes)")
    try:
        return pdfium.PdfDocument(data, password=password or None)
    except pdfium.PdfiumError as exc:
        raise _open_error(exc, password) from None


def select_pages(
    document: pdfium.PdfDocument, spec: str | None, max_pages: int
) -> tuple[int, list[int]]:
    """Total page count and the chosen indices, enforcing the page limit before any work."""
    total_pages = len(document)
    if total_pages < 1:
        raise InvalidInput("the PDF has no pages")
    if spec is None and total_pages > max_pages:
        raise InputTooLarge(
            f"the PDF has {total_pages:,} pages, over the limit of {max_pages:,} "
            "(DOCWARDEN_MAX_PDF_PAGES); send a 'pages' range"
        )
    indices = parse_pages(spec, total_pages)
    if len(indices) > max_pages:
        raise InputTooLarge(
            f"{len(indices):,} pages were requested, over the limit of {max_pages:,} "
            "(DOCWARDEN_MAX_PDF_PAGES)"
        )
    return total_pages, indices


@contextmanager
def opened(data: bytes, password: str | None) -> Iterator[pdfium.PdfDocument]:
    """An open document, closed under the lock when the block ends."""
    with PDFIUM_LOCK:
        document = open_document(data, password)
    try:
        yield document
    finally:
        with PDFIUM_LOCK:
            document.close()


def hyphenates(document: pdfium.PdfDocument) -> bool:
    """Whether the program that made the PDF (its Producer or Creator) may have
    hyphenated words at line ends; True when it does not say."""
    meta = document.get_metadata_dict()
    return not HYPHENATE_NOTHING_RE.search(f"{meta.get('Producer', '')} {meta.get('Creator', '')}")
