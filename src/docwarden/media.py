"""What an upload is, by its magic bytes (never by its name or declared type).

Used by admission in the API process, which must stay cheap and safe: only
headers are parsed here; pixels and PDF objects are decoded in workers.
"""

from __future__ import annotations

import io
import warnings
from enum import StrEnum

from docwarden.errors import InputTooLarge, InvalidInput, UnsupportedMediaType

PDF_HEADER_SEARCH_BYTES = 1024


class MediaType(StrEnum):
    PNG = "image/png"
    JPEG = "image/jpeg"
    WEBP = "image/webp"
    BMP = "image/bmp"
    TIFF = "image/tiff"
    GIF = "image/gif"
    PDF = "application/pdf"

    @property
    def is_image(self) -> bool:
        return self is not MediaType.PDF


_SIGNATURES: tuple[tuple[bytes, MediaType], ...] = (
    (b"\x89PNG\r\n\x1a\n", MediaType.PNG),
    (b"\xff\xd8\xff", MediaType.JPEG),
    (b"BM", MediaType.BMP),
    (b"II*\x00", MediaType.TIFF),
    (b"MM\x00*", MediaType.TIFF),
    (b"GIF87a", MediaType.GIF),
    (b"GIF89a", MediaType.GIF),
)


def sniff(data: bytes) -> MediaType:
    """The media type of `data`, or UnsupportedMediaType / InvalidInput."""
    if not data:
        raise InvalidInput("the upload is empty (0 bytes)")
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return MediaType.WEBP
    for signature, media_type in _SIGNATURES:
        if data.startswith(signature):
            return media_type
    if b"%PDF-" in data[:PDF_HEADER_SEARCH_BYTES]:
        return MediaType.PDF
    raise UnsupportedMediaType(
        "not a supported image or PDF by its content (accepted: PNG, JPEG, WebP, BMP, TIFF, "
        "GIF, PDF)"
    )


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height read from the header only, without decoding pixels."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as image:
                return image.size
    except Image.DecompressionBombError as exc:
        raise InputTooLarge(f"image dimensions are too large: {exc}") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise InvalidInput(f"the image header cannot be read: {exc}") from None


def check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width <= 0 or height <= 0:
        raise InvalidInput(f"the image has no pixels ({width}x{height})")
    if width * height > max_pixels:
        raise InputTooLarge(
            f"the image is {width}x{height} = {width * height:,} pixels, over the limit of "
            f"{max_pixels:,} (DOCWARDEN_MAX_IMAGE_PIXELS)"
        )
