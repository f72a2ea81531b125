"""PDF to Markdown: text layers read with pdfium, scanned pages read with OCR."""

from docwarden.engines.pdf.engine import PdfEngine

__all__ = ["PdfEngine"]
