"""Safe decoding of uploaded images inside a worker.

Pixels are decoded only after the header passed the pixel limit; EXIF
orientation is applied; every decoder failure becomes `InvalidInput`.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from docwarden.errors import InputTooLarge, InvalidInput
from docwarden.media import check_pixels

MAX_FRAMES_CHECKED = 64
DECODE_ERRORS = (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
                 Image.DecompressionBombError, Image.DecompressionBombWarning)


def open_image(data: bytes, max_pixels: int) -> Image.Image:
    """Decode the first frame of an image, upright, within the pixel limit."""
    Image.MAX_IMAGE_PIXELS = max_pixels  # Pillow's own check then guards every frame too
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            check_pixels(image.width, image.height, max_pixels)
            _check_every_frame(image, max_pixels)
            image.load()
            upright = ImageOps.exif_transpose(image)
    except (InputTooLarge, InvalidInput):
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputTooLarge(f"decompression bomb refused: {exc}") from None
    except DECODE_ERRORS as exc:
        raise InvalidInput(f"the image cannot be decoded: {exc}") from None
    return upright if upright is not None else image


def _check_every_frame(image: Image.Image, max_pixels: int) -> None:
    """A later frame may declare bomb extents (only frame 0 is used, all are checked)."""
    frames = min(int(getattr(image, "n_frames", 1)), MAX_FRAMES_CHECKED)
    for index in range(1, frames):
        image.seek(index)
        check_pixels(image.width, image.height, max_pixels)
    if frames > 1:
        image.seek(0)
