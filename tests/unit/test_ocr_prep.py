"""OCR image preparation and line geometry: modes, bounds, box mapping, reading order."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from docwarden.engines.ocr.prep import (
    BLACK,
    MARGIN_PX,
    MIN_SIDE_PX,
    WHITE,
    contrast_background,
    fit_scale,
    normalise_mode,
    prepare,
    reading_order,
    to_bgr_array,
    unscale_box,
)


def rect(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


@pytest.mark.parametrize(("mode", "expected"), [
    ("1", "L"), ("L", "L"), ("LA", "LA"), ("RGB", "RGB"), ("RGBA", "RGBA"), ("P", "RGB"),
    ("CMYK", "RGB"), ("YCbCr", "RGB"), ("I", "L"), ("I;16", "L"), ("F", "L"), ("La", "LA"),
    ("RGBa", "RGBA"), ("PA", "RGBA"),
])
def test_every_mode_becomes_an_8_bit_mode(mode: str, expected: str) -> None:
    assert normalise_mode(Image.new(mode, (4, 3))).mode == expected


def test_palette_with_transparency_keeps_its_alpha() -> None:
    image = Image.new("P", (4, 4))
    image.info["transparency"] = 0
    assert normalise_mode(image).mode == "RGBA"


def test_16_bit_gray_is_scaled_not_clipped() -> None:
    values = np.array([[0, 16384, 32768, 65535]], dtype=np.uint16)
    image = Image.fromarray(values)
    assert image.mode.startswith("I;16")
    assert np.asarray(normalise_mode(image)).tolist() == [[0, 64, 128, 255]]


def test_float_image_in_unit_range_is_stretched_to_8_bit() -> None:
    image = Image.fromarray(np.array([[0.0, 0.5, 1.0]], dtype=np.float32))
    assert np.asarray(normalise_mode(image)).tolist() == [[0, 128, 255]]


def test_one_bit_image_keeps_black_and_white() -> None:
    image = Image.new("1", (2, 1))
    image.putpixel((1, 0), 1)
    assert np.asarray(normalise_mode(image)).tolist() == [[0, 255]]


def _text_on_transparent(colour: tuple[int, int, int]) -> Image.Image:
    image = Image.new("RGBA", (200, 60), (*colour, 0) if colour == WHITE else (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((20, 20, 180, 40), fill=(*colour, 255))
    return image


def test_white_text_on_transparent_gets_a_black_background() -> None:
    image = _text_on_transparent(WHITE)
    assert contrast_background(image) == BLACK
    rgb = np.asarray(prepare(image, 2000).image.convert("L"))
    ink, paper = rgb[MARGIN_PX + 30, MARGIN_PX + 100], rgb[MARGIN_PX + 5, MARGIN_PX + 5]
    assert ink == 255 and paper == 0


def test_black_text_on_transparent_gets_a_white_background() -> None:
    image = _text_on_transparent(BLACK)
    assert contrast_background(image) == WHITE
    rgb = np.asarray(prepare(image, 2000).image.convert("L"))
    assert rgb[MARGIN_PX + 30, MARGIN_PX + 100] == 0 and rgb[MARGIN_PX + 5, MARGIN_PX + 5] == 255


def test_fully_transparent_image_is_white() -> None:
    assert contrast_background(Image.new("RGBA", (5, 5))) == WHITE


def test_large_image_is_downscaled_to_the_bound() -> None:
    prepared = prepare(Image.new("RGB", (5000, 1000), "white"), 2000)
    assert prepared.image.size == (2000 + 2 * MARGIN_PX, 400 + 2 * MARGIN_PX)
    assert prepared.scale_x == pytest.approx(0.4) and prepared.scale_y == pytest.approx(0.4)
    assert prepared.image.mode == "RGB"


def test_tiny_image_is_enlarged_to_the_minimum_side() -> None:
    prepared = prepare(Image.new("L", (10, 5)), 2000, margin_px=0)
    assert prepared.image.size == (60, MIN_SIDE_PX)


def test_thin_strip_is_never_enlarged_past_the_bound() -> None:
    prepared = prepare(Image.new("RGB", (3000, 1)), 2000, margin_px=0)
    assert max(prepared.image.size) == 2000


def test_margin_takes_the_border_colour() -> None:
    image = Image.new("RGB", (100, 50), (10, 200, 30))
    prepared = prepare(image, 2000)
    assert prepared.image.getpixel((0, 0)) == (10, 200, 30)


@given(st.integers(1, 20_000), st.integers(1, 20_000), st.integers(64, 4000))
def test_fit_scale_respects_the_max_side(width: int, height: int, max_side: int) -> None:
    scale = fit_scale(width, height, max_side)
    assert max(width, height) * scale <= max_side + 1e-6
    if max(width, height) <= max_side and min(width, height) >= MIN_SIDE_PX:
        assert scale == 1.0


def test_box_maps_back_to_original_pixels_and_is_clipped() -> None:
    prepared = prepare(Image.new("RGB", (4000, 1000)), 2000)
    m = MARGIN_PX
    box = unscale_box(rect(m + 100, m + 50, m + 2100, m + 60), prepared, 4000, 1000)
    assert box == rect(200.0, 100.0, 4000.0, 120.0)
    assert unscale_box(rect(0, 0, 1, 1), prepared, 4000, 1000)[0] == [0.0, 0.0]


def test_bgr_array_swaps_channels() -> None:
    array = to_bgr_array(Image.new("RGB", (2, 2), (1, 2, 3)))
    assert array.shape == (2, 2, 3) and array[0, 0].tolist() == [3, 2, 1]
    assert array.flags["C_CONTIGUOUS"]


def test_reading_order_rows_then_columns() -> None:
    boxes = [rect(300, 100, 400, 130), rect(10, 12, 90, 40), rect(10, 100, 200, 128),
             rect(120, 10, 260, 42)]
    assert reading_order(boxes) == [1, 3, 2, 0]


def test_words_of_different_heights_share_a_row() -> None:
    boxes = [rect(200, 20, 300, 40), rect(10, 10, 150, 50), rect(10, 80, 150, 100)]
    assert reading_order(boxes) == [1, 0, 2]


def test_close_rows_stay_apart() -> None:
    boxes = [rect(0, 22, 100, 42), rect(200, 0, 300, 20)]
    assert reading_order(boxes) == [1, 0]


def test_empty_reading_order() -> None:
    assert reading_order([]) == []


@given(st.lists(st.tuples(st.integers(0, 500), st.integers(0, 500), st.integers(1, 80),
                          st.integers(1, 80)), max_size=25))
def test_reading_order_is_a_permutation(specs: list[tuple[int, int, int, int]]) -> None:
    boxes = [rect(x, y, x + w, y + h) for x, y, w, h in specs]
    assert sorted(reading_order(boxes)) == list(range(len(boxes)))


def test_execution_providers_follow_the_device() -> None:
    import onnxruntime as ort

    from docwarden.engines.base import is_gpu_out_of_memory
    from docwarden.engines.ocr.engine import execution_providers
    from docwarden.settings import Device

    assert execution_providers(Device.CPU) == ["CPUExecutionProvider"]
    if "CUDAExecutionProvider" in ort.get_available_providers():
        assert execution_providers(Device.CUDA)[0] == "CUDAExecutionProvider"
    else:
        with pytest.raises(RuntimeError, match="docwarden\\[gpu\\]"):
            execution_providers(Device.CUDA)
    assert is_gpu_out_of_memory(RuntimeError("CUDA failure 2: out of memory"))
    assert not is_gpu_out_of_memory(RuntimeError("shape mismatch"))
