"""Filled-in form fields: their values are no part of the page's text layer.

A PDF form keeps what was typed into it in its widget annotations, drawn over
the page; the text layer holds only the page's own content, the labels, so a
filled application came out "Full name:" without "Ana Silva" (pymupdf4llm keeps
the values).  Each field with a value is read after the label left of it in
its row ("Full name: Ana Silva"), or as a line of its own where its box is: a
text field or a choice its value, a check box or radio button "[x]" when set
and "[ ]" when not.  Hidden fields, push buttons
and signatures are left out.

Every call here goes to pdfium and must run under `PDFIUM_LOCK`.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
from collections.abc import Sequence

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from docwarden.engines.pdf.layout import Line, same_row

TEXT_KINDS = frozenset({pdfium_c.FPDF_FORMFIELD_TEXTFIELD, pdfium_c.FPDF_FORMFIELD_COMBOBOX,
                        pdfium_c.FPDF_FORMFIELD_LISTBOX})
CHECK_KINDS = frozenset({pdfium_c.FPDF_FORMFIELD_CHECKBOX,
                         pdfium_c.FPDF_FORMFIELD_RADIOBUTTON})
AUTO_SIZE_SHARE = 0.7  # an auto-sized field's text (size 0): of its box's height
CHAR_WIDTH_EM = 0.5  # a value's drawn width is guessed at half an em a character
LABEL_GAP_EM = 15.0  # a label this near left of a field, in its row, is the field's


def with_forms(document: pdfium.PdfDocument) -> None:
    """Load the document's form before any page is (pdfium reads fields from it)."""
    with contextlib.suppress(pdfium.PdfiumError):  # a damaged form: pages read without it
        document.init_forms()


def field_lines(document: pdfium.PdfDocument, page: pdfium.PdfPage) -> list[Line]:
    """Lines for the page's filled fields, in the text layer's top-left points."""
    form = document.formenv
    if form is None:
        return []
    left, _, _, top = page.get_bbox()
    lines: list[Line] = []
    for index in range(max(pdfium_c.FPDFPage_GetAnnotCount(page.raw), 0)):
        annot = pdfium_c.FPDFPage_GetAnnot(page.raw, index)
        if not annot:
            continue
        try:
            line = _field_line(form.raw, annot, left, top)
        finally:
            pdfium_c.FPDFPage_CloseAnnot(annot)
        if line is not None:
            lines.append(line)
    return lines


def _field_line(form: object, annot: object, left: float, top: float) -> Line | None:
    if pdfium_c.FPDFAnnot_GetSubtype(annot) != pdfium_c.FPDF_ANNOT_WIDGET or (
            pdfium_c.FPDFAnnot_GetFlags(annot) & pdfium_c.FPDF_ANNOT_FLAG_HIDDEN):
        return None
    kind = pdfium_c.FPDFAnnot_GetFormFieldType(form, annot)
    if kind in CHECK_KINDS:
        text = "[x]" if pdfium_c.FPDFAnnot_IsChecked(form, annot) else "[ ]"
    elif kind in TEXT_KINDS:
        text = " ".join(_value(form, annot).split())
    else:
        return None
    rect = pdfium_c.FS_RECTF()
    if not text or not pdfium_c.FPDFAnnot_GetRect(annot, rect):
        return None
    x0, y0, x1, y1 = rect.left - left, top - rect.top, rect.right - left, top - rect.bottom
    size = ctypes.c_float(0.0)
    pdfium_c.FPDFAnnot_GetFontSize(form, annot, ctypes.byref(size))
    size_pt = size.value if size.value > 0 else AUTO_SIZE_SHARE * (y1 - y0)
    width = min(x1 - x0, CHAR_WIDTH_EM * size_pt * len(text))
    middle = (y0 + y1) / 2
    return Line(text, x0, middle - 0.6 * size_pt, x0 + width, middle + 0.6 * size_pt,
                size_pt=size_pt)


def _value(form: object, annot: object) -> str:
    length = pdfium_c.FPDFAnnot_GetFormFieldValue(form, annot, None, 0)
    if length <= 2:
        return ""
    buffer = ctypes.create_string_buffer(length)
    pdfium_c.FPDFAnnot_GetFormFieldValue(
        form, annot, ctypes.cast(buffer, ctypes.POINTER(pdfium_c.FPDF_WCHAR)), length)
    return buffer.raw.decode("utf-16-le", errors="replace").rstrip("\x00")


def with_fields(lines: Sequence[Line], fields: Sequence[Line]) -> list[Line]:
    """The page's lines with each field's value after its label (the nearest line
    ending left of it in its row), or as a line of its own."""
    out = list(lines)
    for field in fields:
        index = _label(out, field)
        if index is None:
            out.append(field)
        else:
            label = out[index]
            out[index] = dataclasses.replace(label, text=f"{label.text} {field.text}",
                                             x1=max(label.x1, field.x1))
    return out


def _label(lines: Sequence[Line], field: Line) -> int | None:
    reach = LABEL_GAP_EM * field.size_pt
    mates = [i for i, ln in enumerate(lines) if ln.x1 <= field.x0 + 1
             and field.x0 - ln.x1 <= reach and same_row(ln, field)]
    return max(mates, key=lambda i: lines[i].x1) if mates else None
