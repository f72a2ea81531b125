"""A tiny PDF writer: the engine's sample job, and synthetic pages for tests and benchmarks.

Raw PDF syntax with the standard Helvetica fonts (WinAnsi text only), so no
PDF library is needed to make well-formed test documents.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image

A4_PT = (595.0, 842.0)
_TURN_MATRIX = {0: (1, 0, 0, 1), 1: (0, 1, -1, 0), 2: (-1, 0, 0, -1), 3: (0, -1, 1, 0)}


@dataclass(frozen=True)
class TextRun:
    """Text at (x, y) points from the top-left, drawn in Helvetica (bold) at `size_pt`."""

    x_pt: float
    y_pt: float
    text: str
    size_pt: float = 11.0
    bold: bool = False
    invisible: bool = False
    quarter_turns: int = 0


@dataclass(frozen=True)
class PageSpec:
    """One page: text runs and/or a JPEG image filling it, its /Rotate, stroked boxes.

    `boxes` are (x, y, width, height) in points from the top-left, drawn as
    rectangles (ruled tables, frames and sidebars); `fills` are (x, y, width,
    height, grey) filled without a border, under the text (a browser's page
    colour, the box behind inline code).
    """

    runs: Sequence[TextRun] = ()
    rotate: int = 0
    jpeg: bytes | None = None
    size_pt: tuple[float, float] = A4_PT
    boxes: Sequence[tuple[float, float, float, float]] = ()
    fills: Sequence[tuple[float, float, float, float, float]] = ()


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252", "replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _content(page: PageSpec) -> bytes:
    width, height = page.size_pt
    out = io.BytesIO()
    if page.jpeg is not None:
        out.write(f"q {width} 0 0 {height} 0 0 cm /Im1 Do Q\n".encode())
    for x, y, w, h, grey in page.fills:
        out.write(f"{grey} g {x} {height - y - h} {w} {h} re f 0 g\n".encode())
    for x, y, w, h in page.boxes:
        out.write(f"0.5 w {x} {height - y - h} {w} {h} re S\n".encode())
    for run in page.runs:
        a, b, c, d = _TURN_MATRIX[run.quarter_turns % 4]
        baseline = height - run.y_pt - run.size_pt
        font = "/F2" if run.bold else "/F1"
        mode = 3 if run.invisible else 0
        out.write(f"BT {font} {run.size_pt} Tf {mode} Tr {a} {b} {c} {d} {run.x_pt} "
                  f"{baseline} Tm (".encode())
        out.write(_escape(run.text))
        out.write(b") Tj ET\n")
    return out.getvalue()


def _image_size(jpeg: bytes) -> tuple[int, int, str]:
    with Image.open(io.BytesIO(jpeg)) as image:
        return image.width, image.height, "/DeviceGray" if image.mode == "L" else "/DeviceRGB"


def _page_objects(page: PageSpec, first_id: int) -> list[bytes]:
    """Page dictionary, content stream and optional image, numbered from `first_id`."""
    content = _content(page)
    width, height = page.size_pt
    xobject = f"/XObject << /Im1 {first_id + 2} 0 R >> " if page.jpeg is not None else ""
    objects = [
        (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] /Rotate "
         f"{page.rotate} /Resources << /Font << /F1 3 0 R /F2 4 0 R >> {xobject}>> "
         f"/Contents {first_id + 1} 0 R >>").encode(),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    if page.jpeg is not None:
        w, h, space = _image_size(page.jpeg)
        objects.append(
            (f"<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace {space} "
             f"/BitsPerComponent 8 /Filter /DCTDecode /Length {len(page.jpeg)} >>\nstream\n"
             ).encode() + page.jpeg + b"\nendstream"
        )
    return objects


def build_pdf(pages: Sequence[PageSpec]) -> bytes:
    """A complete PDF with one page per spec."""
    objects: list[bytes] = [b"", b"", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                            b"/Encoding /WinAnsiEncoding >>",
                            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold "
                            b"/Encoding /WinAnsiEncoding >>"]
    kids: list[int] = []
    for page in pages:
        kids.append(len(objects) + 1)
        objects += _page_objects(page, len(objects) + 1)
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    refs = " ".join(f"{k} 0 R" for k in kids)
    objects[1] = f"<< /Type /Pages /Kids [{refs}] /Count {len(kids)} >>".encode()
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def sample_pdf() -> bytes:
    """A one-page document with a heading, a paragraph and a list."""
    runs = [
        TextRun(72, 72, "docwarden sample", size_pt=18, bold=True),
        TextRun(72, 110, "This page checks that the PDF engine reads text, sizes"),
        TextRun(72, 124, "and lists without rendering anything."),
        TextRun(72, 150, "- first item"),
        TextRun(72, 164, "- second item"),
    ]
    return build_pdf([PageSpec(runs=runs)])
