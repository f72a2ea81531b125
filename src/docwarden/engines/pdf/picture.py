"""A scanned page that is one picture: decoded directly instead of rendered.

Rendering a 600-dpi scan (35 MP) down to the OCR's size took pdfium ~0.1 s a
page, most of it resampling; decoding the picture itself and averaging blocks
of pixels with Pillow takes ~0.04 s, and a JPEG is decoded at a fraction of its
size at once (libjpeg's DCT scaling, Pillow's `draft`).  Only the plain case is
taken: one gray, RGB or palette picture of 8 bits a channel that covers the page, drawn
upright or mirrored (no quarter turn of its own), alone or inside one form.
Anything else (masks, 1-bit fax images, CMYK, pictures beside text or drawings)
is rendered by pdfium as before.
"""

from __future__ import annotations

import io
import math

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

COVER_SHARE = 0.98  # of the page's width and height the picture spans
PLAIN_COLOURSPACES = frozenset({
    pdfium_c.FPDF_COLORSPACE_DEVICEGRAY, pdfium_c.FPDF_COLORSPACE_DEVICERGB,
    pdfium_c.FPDF_COLORSPACE_CALGRAY, pdfium_c.FPDF_COLORSPACE_CALRGB,
    pdfium_c.FPDF_COLORSPACE_ICCBASED, pdfium_c.FPDF_COLORSPACE_INDEXED,
})
PLAIN_BITS_PER_PIXEL = frozenset({8, 24})
# pdfium shows a page turned clockwise by its /Rotate; Pillow turns counter-clockwise.
_SHOWN = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180,
          270: Image.Transpose.ROTATE_90}


def page_picture(page: pdfium.PdfPage, scale: float) -> Image.Image | None:
    """The page as displayed, in grayscale, at `scale` pixels per point (or its own
    resolution, when coarser); None when the page is not one plain picture."""
    found = _only_picture(page)
    if found is None:
        return None
    picture, mirror_x, mirror_y = found
    left, bottom, right, top = page.get_bbox()
    wanted = (max(round((right - left) * scale), 1), max(round((top - bottom) * scale), 1))
    image = _decoded(picture, wanted)
    if image is None:
        return None
    if mirror_x:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if mirror_y:
        image = image.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    rotation = page.get_rotation() % 360
    return image.transpose(_SHOWN[rotation]) if rotation in _SHOWN else image


def _only_picture(page: pdfium.PdfPage) -> tuple[pdfium.PdfImage, bool, bool] | None:
    """The page's one plain picture covering it, and whether it is drawn mirrored
    left-right and top-bottom (a picture's first row is its top when drawn upright)."""
    objects = list(page.get_objects(max_depth=2))
    if not objects or objects[0].type not in (pdfium_c.FPDF_PAGEOBJ_IMAGE,
                                              pdfium_c.FPDF_PAGEOBJ_FORM):
        return None
    if len(objects) != (1 if objects[0].type == pdfium_c.FPDF_PAGEOBJ_IMAGE else 2):
        return None
    picture = objects[-1]
    if not isinstance(picture, pdfium.PdfImage) or not _plain(picture, page):
        return None
    x_scale = y_scale = 1.0
    for obj in objects:
        matrix = obj.get_matrix()
        if matrix.b or matrix.c:
            return None  # a quarter turn or a skew of its own
        x_scale, y_scale = x_scale * matrix.a, y_scale * matrix.d
    return picture, x_scale < 0, y_scale < 0


def _plain(picture: pdfium.PdfImage, page: pdfium.PdfPage) -> bool:
    metadata = picture.get_metadata()
    if metadata.colorspace not in PLAIN_COLOURSPACES or (
            metadata.bits_per_pixel not in PLAIN_BITS_PER_PIXEL):
        return False
    x0, y0, x1, y1 = picture.get_bounds()
    left, bottom, right, top = page.get_bbox()
    return bool(min(x1, right) - max(x0, left) >= COVER_SHARE * (right - left)
            and min(y1, top) - max(y0, bottom) >= COVER_SHARE * (top - bottom))


def _decoded(picture: pdfium.PdfImage, wanted: tuple[int, int]) -> Image.Image | None:
    """Grayscale pixels no larger than `wanted`: whole blocks averaged first (fast),
    then resampled to size."""
    image: Image.Image
    try:
        if picture.get_filters() == ["DCTDecode"]:
            jpeg = Image.open(io.BytesIO(picture.get_data(decode_simple=False)))
            jpeg.draft("L", wanted)
            image = jpeg.convert("L")
        else:
            # Pillow holds the pdfium buffer (freed by its finalizer with the last image
            # over it; pypdfium2 warns on closing a foreign bitmap explicitly).
            image = picture.get_bitmap(render=False).to_pil()
            image = image if image.mode == "L" else image.convert("L")
    except (OSError, ValueError, pdfium.PdfiumError, Image.DecompressionBombError):
        return None
    factor = min(image.width // wanted[0], image.height // wanted[1])
    if factor >= 2:
        image = image.reduce(factor)
    if image.width > wanted[0] and image.height > wanted[1]:
        image = image.resize(wanted, Image.Resampling.BOX)
    return image


def picture_scale(image: Image.Image, page: pdfium.PdfPage) -> float:
    """Pixels per point of a page picture in display orientation."""
    width_pt, height_pt = page.get_size()
    return math.sqrt((image.width / width_pt) * (image.height / height_pt))
