from __future__ import annotations

import io

import pytest
from PIL import Image

from docwarden.errors import InputTooLarge, InvalidInput, UnsupportedMediaType
from docwarden.media import MediaType, check_pixels, image_size, sniff


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (width, height)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "expected"), [
    (b"\x89PNG\r\n\x1a\n....", MediaType.PNG),
    (b"\xff\xd8\xff\xe0....", MediaType.JPEG),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", MediaType.WEBP),
    (b"%PDF-1.7\n", MediaType.PDF),
    (b"\r\n  %PDF-1.4\n", MediaType.PDF),
    (b"GIF89a..", MediaType.GIF),
    (b"II*\x00....", MediaType.TIFF),
])
def test_sniff_by_magic_bytes(data: bytes, expected: MediaType) -> None:
    assert sniff(data) is expected


@pytest.mark.parametrize("data", [b"hello world", b"PK\x03\x04zip", b"<html>", b"\x00\x00\x01\x00"])
def test_other_content_is_unsupported(data: bytes) -> None:
    with pytest.raises(UnsupportedMediaType):
        sniff(data)


def test_empty_upload_is_invalid() -> None:
    with pytest.raises(InvalidInput):
        sniff(b"")


def test_header_dimensions_without_decoding() -> None:
    assert image_size(png(30, 20)) == (30, 20)
    with pytest.raises(InvalidInput):
        image_size(b"\x89PNG\r\n\x1a\ngarbage")


def test_pixel_limit() -> None:
    check_pixels(100, 100, 10_000)
    with pytest.raises(InputTooLarge):
        check_pixels(101, 100, 10_000)
    with pytest.raises(InvalidInput):
        check_pixels(0, 100, 10_000)
