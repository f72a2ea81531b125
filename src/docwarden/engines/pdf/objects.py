"""A page's objects of the kinds asked for, found without wrapping the others.

pypdfium2's `PdfPage.get_objects` builds a Python object for every object of a page
before it filters by kind, and a browser prints nearly every glyph as a text object
of its own: a 23-page manual printed by Chromium held 68,000, wrapped twice per page
to find a few hundred paths and pictures (~15 % of its conversion time).  Here each
object's kind is read through the raw handle first; the walk is otherwise
`get_objects`' (depth-first, into form XObjects up to `max_depth` levels).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c


def page_objects(page: pdfium.PdfPage, kinds: Collection[int], max_depth: int
                 ) -> Iterator[pdfium.PdfObject]:
    """The page's objects whose type (FPDF_PAGEOBJ_*) is in `kinds`, in content order."""
    yield from _walk(page, kinds, max_depth, None, 0)


def _walk(page: pdfium.PdfPage, kinds: Collection[int], max_depth: int,
          form: pdfium.PdfObject | None, level: int) -> Iterator[pdfium.PdfObject]:
    if form is None:
        parent, count, get = page.raw, pdfium_c.FPDFPage_CountObjects, pdfium_c.FPDFPage_GetObject
    else:
        parent, count = form.raw, pdfium_c.FPDFFormObj_CountObjects
        get = pdfium_c.FPDFFormObj_GetObject
    descend = level < max_depth - 1
    for index in range(max(count(parent), 0)):
        raw = get(parent, index)
        kind = pdfium_c.FPDFPageObj_GetType(raw) if raw else None
        is_form = kind == pdfium_c.FPDF_PAGEOBJ_FORM and descend
        if kind not in kinds and not is_form:
            continue
        obj = pdfium.PdfObject(raw, page=page, pdf=page.pdf, container=form, level=level)
        if kind in kinds:
            yield obj
        if is_form:
            yield from _walk(page, kinds, max_depth, obj, level + 1)
