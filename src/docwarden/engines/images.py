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

DECODE_ERRORS = (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
                 Image.DecompressionBombError, Image.DecompressionBombWarning)


def open_image(data: bytes, max_pixels: int) -> Image.Image:
    """Decode the first frame of an image, upright, within the pixel limit."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            check_pixels(image.width, image.height, max_pixels)
            image.load()
            upright = ImageOps.exif_transpose(image)
    except (InputTooLarge, InvalidInput):
        raise
    except Image.DecompressionBombError as exc:
        raise InputTooLarge(f"decompression bomb refused: {exc}") from None
    except DECODE_ERRORS as exc:
        raise InvalidInput(f"the image cannot be decoded: {exc}") from None
    return upright if upright is not None else image
