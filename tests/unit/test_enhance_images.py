"""Image modes in and out of the enhance engine: alpha, grayscale, 16 bits, encoding."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from docwarden.engines.enhance.images import (
    encode_image,
    finish_image,
    parse_format,
    parse_quality,
    prepare_image,
)
from docwarden.errors import InvalidInput


def nearest(prepared_rgb: np.ndarray, scale: int) -> np.ndarray:
    return np.repeat(np.repeat(prepared_rgb, scale, axis=0), scale, axis=1)


def test_rgb_passes_through() -> None:
    image = Image.new("RGB", (8, 6), (10, 20, 30))
    prepared = prepare_image(image)
    assert prepared.rgb.shape == (6, 8, 3) and not prepared.gray and prepared.alpha is None
    assert finish_image(nearest(prepared.rgb, 2), prepared).mode == "RGB"


def test_rgba_alpha_is_split_resized_and_kept() -> None:
    pixels = np.zeros((8, 8, 4), dtype=np.uint8)
    pixels[..., 0] = 200
    pixels[:, :4, 3] = 255  # left half opaque, right half transparent
    prepared = prepare_image(Image.fromarray(pixels, "RGBA"))
    assert prepared.alpha is not None and not prepared.gray
    assert prepared.rgb[..., 0].min() == 200  # colour is kept under transparency
    result = finish_image(nearest(prepared.rgb, 4), prepared)
    assert result.mode == "RGBA" and result.size == (32, 32)
    alpha = np.asarray(result.getchannel("A"))
    assert alpha[:, :12].min() == 255 and alpha[:, 20:].max() == 0


def test_grayscale_stays_grayscale() -> None:
    prepared = prepare_image(Image.new("L", (5, 4), 99))
    assert prepared.gray and prepared.alpha is None
    assert (prepared.rgb == 99).all()
    result = finish_image(nearest(prepared.rgb, 2), prepared)
    assert result.mode == "L" and result.getpixel((0, 0)) == 99


def test_gray_with_alpha_stays_gray_with_alpha() -> None:
    image = Image.merge("LA", (Image.new("L", (4, 4), 50), Image.new("L", (4, 4), 128)))
    prepared = prepare_image(image)
    assert prepared.gray and prepared.alpha is not None
    assert finish_image(nearest(prepared.rgb, 2), prepared).mode == "LA"


def test_sixteen_bit_gray_is_rounded_to_eight_bits() -> None:
    values = np.array([[0, 128, 129, 257, 32896, 65535]], dtype=np.uint16)
    image = Image.frombytes("I;16", (6, 1), values.astype("<u2").tobytes())
    prepared = prepare_image(image)
    assert prepared.gray
    assert prepared.rgb[0, :, 0].tolist() == [0, 0, 1, 1, 128, 255]


def test_palette_with_transparency_keeps_it() -> None:
    image = Image.new("P", (4, 4), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.info["transparency"] = 0
    image.putpixel((0, 0), 0)
    prepared = prepare_image(image)
    assert prepared.alpha is not None and prepared.alpha[0, 0] == 0 and prepared.alpha[1, 1] == 255
    assert tuple(prepared.rgb[1, 1]) == (255, 0, 0)


def test_bilevel_becomes_gray() -> None:
    prepared = prepare_image(Image.new("1", (3, 3), 1))
    assert prepared.gray and (prepared.rgb == 255).all()


@pytest.mark.parametrize(("fmt", "media_type", "mode"),
                         [("png", "image/png", "RGBA"), ("jpeg", "image/jpeg", "RGB"),
                          ("webp", "image/webp", "RGBA")])
def test_encoding(fmt: str, media_type: str, mode: str) -> None:
    image = Image.new("RGBA", (16, 16), (0, 0, 0, 0))
    data, got_type = encode_image(image, fmt, 90)
    decoded = Image.open(io.BytesIO(data))
    assert got_type == media_type and decoded.mode == mode
    if fmt == "jpeg":  # no alpha in JPEG: transparent shows as white, not black
        assert np.asarray(decoded)[8, 8].min() > 240


def test_quality_changes_lossy_size() -> None:
    noise = np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    image = Image.fromarray(noise, "RGB")
    assert len(encode_image(image, "jpeg", 10)[0]) < len(encode_image(image, "jpeg", 95)[0])


def test_format_and_quality_validation() -> None:
    assert parse_format(None) == "png" and parse_format("JPG") == "jpg"
    assert parse_quality(None) == 90 and parse_quality("55") == 55
    with pytest.raises(InvalidInput, match="format"):
        parse_format("gif")
    for bad in ("0", "101", "high"):
        with pytest.raises(InvalidInput, match="quality"):
            parse_quality(bad)
