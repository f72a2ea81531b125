"""Scanned pages: render one page, find which way is up, read it with OCR.

Rendering is bounded twice: the render scale is lowered until the bitmap fits
MAX_IMAGE_PIXELS (huge MediaBoxes), and a page whose embedded images would
decode to more than EMBEDDED_IMAGE_FACTOR x MAX_IMAGE_PIXELS is refused before
pdfium decodes anything (a flate-bombed image inflates in full when drawn).

Orientation: the page is read as displayed, or first with its /Rotate undone
when it has one (scanners often set /Rotate on upright scans, and a rotated
display is the usual mistake).  A reading is accepted when its lines are
horizontal and confidently read; otherwise the remaining quarter turns are
tried and the best reading kept.  Each turn is read as it stands, without the
OCR's per-line angle classifier: an upside-down page then reads as garbage
and the half turn after it reads well, lines in order (turned line by line
instead, its lines came out in reverse order), and the classifier's pass is
saved.  Before any OCR the ink's profile says whether the lines run across or
up the page as displayed (see ink.py); the turns that make them run across go
first, so a /Rotate that does not match its scan costs no wasted OCR pass.

Speed: the page is rendered no larger than the OCR would scale it to anyway
(`ocr_max_side_px`), a page that is one plain scanned picture is decoded
directly instead (picture.py), and only the box around its ink is shown to
the OCR.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from docwarden.engines.pdf.deskew import levelled
from docwarden.engines.pdf.ink import (
    Mask,
    blank,
    glyph_height_px,
    glyph_ink,
    ink_edges,
    ink_mask,
    lead_dot,
    text_axis,
    text_regions,
)
from docwarden.engines.pdf.inkrules import ruling_lines
from docwarden.engines.pdf.layout import Line
from docwarden.engines.pdf.ocrsize import BOX_PAD_PER_HEIGHT, CJK_RE, line_sizes
from docwarden.engines.pdf.picture import page_picture, picture_scale
from docwarden.engines.pdf.rules import Rule
from docwarden.engines.pdf.tables import overlap
from docwarden.engines.pdf.weight import mark_bold
from docwarden.errors import InputTooLarge

POINTS_PER_INCH = 72.0
EMBEDDED_IMAGE_FACTOR = 4  # a 600-dpi A4 scan is ~2x the default MAX_IMAGE_PIXELS
CONFIDENT_MEAN_SCORE = 0.85
CONFIDENT_HORIZONTAL_SHARE = 0.8

# "3", "3.1", "IV." alone in an OCR box.
SECTION_NUMBER_RE = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3})*\.?|[IVX]{1,5}\.)$")
NUMBER_GAP_PER_HEIGHT = 1.5  # a section number's quad, in its box's heights
# A short token apart at a line's start or end ("•", "1.", a page's "12"): ink set apart
# there is the line's own, not a neighbour's under the detector's padding.
DOT_BULLET = "\u2022"
LEADING_TOKEN_RE = re.compile(r"^\S{1,3}\s")
TRAILING_TOKEN_RE = re.compile(r"\s\S{1,3}$")
ROW_OVERLAP = 0.6  # of the shorter box's height, for two boxes to share a row
_Box = tuple[str, float, float, float, float]  # text, x0, y0, x1, y1 in points

_TRANSPOSE = {1: Image.Transpose.ROTATE_90, 2: Image.Transpose.ROTATE_180,
              3: Image.Transpose.ROTATE_270}


class OcrLineLike(Protocol):
    """What the OCR engine's lines offer (docwarden.engines.ocr.OcrLine)."""

    @property
    def text(self) -> str: ...

    @property
    def score(self) -> float: ...

    @property
    def box(self) -> list[list[float]]: ...


class Recognizer(Protocol):
    """The OCR engine's `recognize`: lines of an image; `upright` skips the per-line
    angle classifier when the caller has turned the image itself, `glyph_px` (the
    measured height of the smaller glyphs) lets large print be detected on a smaller copy,
    `printed` recognises lines the faster way that suits print, `latin_first` (print)
    tries the recogniser's faster Latin build on each line first."""

    def __call__(self, image: Image.Image, *, upright: bool = False,
                 glyph_px: float | None = None, printed: bool = False,
                 latin_first: bool = True) -> Sequence[OcrLineLike]: ...


@dataclass(slots=True)
class Rendered:
    """A page bitmap (display orientation) and its pixels per point."""

    image: Image.Image
    scale: float
    rotation: int


@dataclass(slots=True)
class OcrPage:
    """An OCR reading: lines in page points (upright frame) and that frame's size."""

    lines: list[Line]
    width_pt: float
    height_pt: float
    turns: int
    quality: float
    rules: list[Rule] = field(default_factory=list)  # printed table borders (inkrules.py)


def render_scale(
    width_pt: float, height_pt: float, dpi: int, max_pixels: int, max_side_px: int = 0
) -> float:
    """Pixels per point for `dpi`, lowered so the bitmap stays within `max_pixels`.

    With `max_side_px`, also no larger than the OCR's own input bound: pixels
    past it would only be rendered to be scaled away again.
    """
    scale = dpi / POINTS_PER_INCH
    if max_side_px > 0:
        scale = min(scale, max_side_px / max(width_pt, height_pt, 1.0))
    area = max(width_pt, 1.0) * max(height_pt, 1.0)
    if area * scale * scale > max_pixels:
        scale = math.sqrt(max_pixels / area) * 0.999
    return scale


def check_images(page: pdfium.PdfPage, max_pixels: int) -> None:
    """Refuse a page whose embedded images would decode past the limit (no decoding here)."""
    limit = EMBEDDED_IMAGE_FACTOR * max_pixels
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=4):
        width, height = _image_px_size(obj)
        if width * height > limit:
            raise InputTooLarge(
                f"an embedded image of {width}x{height} pixels is over the limit of "
                f"{limit:,} pixels ({EMBEDDED_IMAGE_FACTOR} x DOCWARDEN_MAX_IMAGE_PIXELS)"
            )


def has_images(page: pdfium.PdfPage) -> bool:
    """The page draws an image (a scan, a photo, a picture of text), in forms too."""
    images = page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=4)
    return next(iter(images), None) is not None


def _image_px_size(obj: pdfium.PdfImage) -> tuple[int, int]:
    """Declared pixel size of an image object, 0x0 when pdfium cannot tell."""
    try:
        width, height = obj.get_px_size()
    except pdfium.PdfiumError:
        return 0, 0
    return int(width), int(height)


def render_page(
    page: pdfium.PdfPage, dpi: int, max_pixels: int, max_side_px: int = 0
) -> Rendered:
    """Grayscale image in display orientation: the page's one picture decoded directly
    where it is a plain scan (picture.py), else a render, its bitmap freed at once.

    pdfium draws in colour and Pillow converts: pdfium's own grayscale mode
    took 2-3x longer on a 600-dpi scan (0.16 s against 0.065 s a page).
    """
    width_pt, height_pt = page.get_size()
    scale = render_scale(width_pt, height_pt, dpi, max_pixels, max_side_px)
    rotation = page.get_rotation() % 360
    picture = page_picture(page, scale)
    if picture is not None:
        return Rendered(image=picture, scale=picture_scale(picture, page), rotation=rotation)
    bitmap = page.render(scale=scale, may_draw_forms=False)
    try:
        image = bitmap.to_pil().convert("L")
    finally:
        bitmap.close()
    return Rendered(image=image, scale=scale, rotation=rotation)


def _box_size(box: Sequence[Sequence[float]]) -> tuple[float, float]:
    (x0, y0), (x1, y1), (x2, y2) = box[0], box[1], box[2]
    return math.hypot(x1 - x0, y1 - y0), math.hypot(x2 - x1, y2 - y1)


def quality(lines: Sequence[OcrLineLike]) -> tuple[float, bool]:
    """Confidence-weighted characters on horizontal lines, and whether that is convincing."""
    total = sum(len(line.text) for line in lines)
    flat = [ln for ln in lines if (size := _box_size(ln.box))[0] >= size[1]]
    chars = sum(len(line.text) for line in flat)
    score = sum(line.score * len(line.text) for line in flat)
    confident = chars > 0 and score / chars >= CONFIDENT_MEAN_SCORE and (
        chars >= CONFIDENT_HORIZONTAL_SHARE * total
    )
    return score, confident


def to_lines(
    found: Sequence[OcrLineLike], scale: float, offset: tuple[int, int] = (0, 0),
    ink: Mask | None = None,
) -> list[Line]:
    """OCR boxes (pixels of a crop at `offset` in the page bitmap) as layout lines in points;
    with the page's full-resolution `ink`, each line spans its glyphs' ink."""
    boxes: list[_Box] = []
    for item in found:
        xs = [(p[0] + offset[0]) / scale for p in item.box]
        ys = [(p[1] + offset[1]) / scale for p in item.box]
        if text := item.text.strip():
            boxes.append((text, min(xs), min(ys), max(xs), max(ys)))
    boxes = _numbers_joined(boxes)
    lines: list[Line] = []
    for (text, *box), size in zip(boxes, line_sizes(boxes), strict=True):
        left, right = _glyph_edges(text, box, scale, ink)
        marked, left = _with_bullet(text, box, left, scale, ink)
        lines.append(Line(marked, left, box[1], right, box[3], size_pt=size))
    return lines


def _with_bullet(text: str, box: Sequence[float], left: float, scale: float,
                 ink: Mask | None) -> tuple[str, float]:
    """The line's text and left edge, with the bullet the detector left out of it (a
    lone dot is no text to it): the list had run into one paragraph."""
    if ink is None or not text[0].isalnum():  # no ink to look in, or a marker was read
        return text, left
    x0, y0, x1, y1 = (v * scale for v in box)
    dot = lead_dot(ink, (x0, y0, x1, y1), round(left * scale))
    return (text, left) if dot is None else (f"{DOT_BULLET} {text}", dot / scale)


def _glyph_edges(text: str, box: Sequence[float], scale: float, ink: Mask | None
                 ) -> tuple[float, float]:
    """Where a line's glyphs start and end, in points: the detector pads its box, and
    without the padding columns keep their gutter and lines their true edges (indents,
    alignment, a table's columns).  Measured in the ink, else the usual padding is
    taken off."""
    x0, y0, x1, y1 = box
    edges = None if ink is None else ink_edges(
        ink, (x0 * scale, y0 * scale, x1 * scale, y1 * scale),
        own_left=bool(LEADING_TOKEN_RE.match(text)), own_right=bool(TRAILING_TOKEN_RE.search(text)))
    if edges is not None:
        return edges[0] / scale, edges[1] / scale
    inset = min(BOX_PAD_PER_HEIGHT * (y1 - y0) / 2, (x1 - x0) / 4)
    return x0 + inset, x1 - inset


def _numbers_joined(boxes: list[_Box]) -> list[_Box]:
    """A section number the detector boxed apart from its title ("3" | "Method": the
    quad between them reads as a gap at a column's scale) joins the box to its right."""
    out = list(boxes)
    for number in [box for box in boxes if SECTION_NUMBER_RE.match(box[0])]:
        _, x0, y0, x1, y1 = number
        height = y1 - y0
        right = [box for box in out if box is not number and 0 <= box[1] - x1 <= (
            NUMBER_GAP_PER_HEIGHT * height) and overlap(box[2], box[4], y0, y1) >= (
            ROW_OVERLAP * min(box[4] - box[2], height))]
        if number in out and right:
            title = min(right, key=lambda box: box[1])
            out[out.index(number)] = (f"{number[0]} {title[0]}", x0, min(y0, title[2]),
                                      title[3], max(y1, title[4]))
            out.remove(title)
    return out


def _turn_order(rotation: int, axis: int | None = None) -> list[int]:
    """Quarter turns (counter-clockwise) to try, most likely first.

    `axis` (ink.text_axis of the displayed page): 0 puts the turns that keep
    lines running across first, 1 those that turn them a quarter.
    """
    undo = (rotation // 90) % 4
    first = [undo, 0] if undo else [0]
    order = first + [t for t in (1, 2, 3, 0) if t not in first]
    return order if axis is None else sorted(order, key=lambda t: t % 2 != axis)


@dataclass(frozen=True, slots=True)
class _Placed:
    """An OCR line moved from a region's pixels into the page's."""

    text: str
    score: float
    box: list[list[float]]


def _read_regions(image: Image.Image, scale: float, recognize: Recognizer) -> list[_Placed]:
    """The OCR lines of each text region (ink.text_regions: columns apart), in page pixels."""
    found: list[_Placed] = []
    mask = ink_mask(image)
    glyph_px = glyph_height_px(image, mask)
    regions = text_regions(image, scale, glyph_px, mask) or [(0, 0, image.width, image.height)]
    latin_first = True  # until a region reads Han or kana: the page's others will too
    for x0, y0, x1, y1 in regions:
        lines = recognize(image.crop((x0, y0, x1, y1)), upright=True, glyph_px=glyph_px,
                          printed=True, latin_first=latin_first)
        latin_first = latin_first and not any(CJK_RE.search(line.text) for line in lines)
        found += [_Placed(line.text, line.score, [[x + x0, y + y0] for x, y in line.box])
                  for line in lines]
    return found


def _read_turned(rendered: Rendered, turns: int, recognize: Recognizer) -> tuple[OcrPage, bool]:
    """One orientation read from the boxes around its ink, and whether it convinces."""
    image, gray = levelled(
        rendered.image.transpose(_TRANSPOSE[turns]) if turns else rendered.image)
    found = _read_regions(image, rendered.scale, recognize)
    score, confident = quality(found)
    lines = to_lines(found, rendered.scale, ink=glyph_ink(gray))
    rules = []
    if confident:
        mark_bold(lines, gray, rendered.scale)
        rules = ruling_lines(gray, rendered.scale)
    page = OcrPage(lines, image.width / rendered.scale, image.height / rendered.scale, turns,
                   score, rules)
    return page, confident or not found


def read_upright(rendered: Rendered, recognize: Recognizer) -> OcrPage:
    """OCR the page in the first convincing orientation, else in the best one; a page
    without ink is not read at all."""
    axis = text_axis(rendered.image)
    if axis is None and blank(rendered.image):  # an axis is only found in ink
        size = rendered.image.width / rendered.scale, rendered.image.height / rendered.scale
        return OcrPage([], *size, turns=0, quality=0.0)
    best: OcrPage | None = None
    for turns in _turn_order(rendered.rotation, axis):
        page, done = _read_turned(rendered, turns, recognize)
        if done:
            return page
        if best is None or page.quality > best.quality:
            best = page
    assert best is not None
    return best
