"""ID cards as phones photograph them (issue 20): any angle, motion blur, confidence.

The pure steps (the text-line angle, the blur estimate, the Wiener restore, the
per-field confidence) are checked on their own; then the real engine reads
generated cards turned by off-quarter angles and blurred along random
directions, and reports what it did in `metadata`.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageFilter

from docwarden.engines.base import JobInput
from docwarden.engines.idcard import IdCardEngine
from docwarden.engines.idcard import confidence as conf
from docwarden.engines.idcard.deblur import deblurred, estimate_motion, to_gray
from docwarden.engines.idcard.rectify import card_angle, line_direction, residual_angle, rotate
from docwarden.settings import Settings
from tests.cardgen import fonts_available, make_card
from tests.phonegen import motion_blur, on_surface

pytestmark = pytest.mark.skipif(not fonts_available(), reason="apt-get install fonts-noto-cjk")
FRONT = ("name", "sex", "ethnicity", "birth", "address", "id_number")


@dataclass(frozen=True)
class Line:
    text: str
    box: list[list[float]]
    score: float = 0.99


def sloped_line(x: float, y: float, length: float, degrees: float, text: str = "x") -> Line:
    """A text-line box `length` long and 20 px thick, sloped `degrees` (y down)."""
    ux, uy = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    nx, ny = -uy * 20, ux * 20
    corners = [(x, y), (x + ux * length, y + uy * length),
               (x + ux * length + nx, y + uy * length + ny), (x + nx, y + ny)]
    return Line(text, [list(p) for p in corners])


@pytest.mark.parametrize("degrees", [-40.0, -12.5, 0.0, 7.0, 33.0])
def test_the_text_lines_give_the_slope_modulo_a_quarter_turn(degrees: float) -> None:
    lines = [sloped_line(10, 40 * i, 300 + 20 * i, degrees) for i in range(4)]
    assert residual_angle(lines) == pytest.approx(degrees, abs=0.5)
    assert residual_angle(lines[:1]) is None  # one line says nothing


def test_a_blob_has_no_direction_and_outliers_are_ignored() -> None:
    assert line_direction([[0, 0], [20, 0], [20, 18], [0, 18]]) is None
    lines = [sloped_line(0, 40 * i, 400, 10.0) for i in range(4)]
    lines.append(sloped_line(0, 300, 400, 40.0))  # a photo edge, not text
    assert residual_angle(lines) == pytest.approx(10.0, abs=0.5)


def test_rotation_maps_points_and_the_card_angle_adds_up() -> None:
    image = Image.new("RGB", (200, 100), "white")
    turned, rotation = rotate(image, 90)
    assert turned.size == (100, 200)
    x, y = rotation.point(200, 50)  # the right edge's middle goes to the top
    assert (x, y) == pytest.approx((50, 0), abs=1)
    assert card_angle(residual_deg=10, quarter_turns=1, skew_deg=0) == 260.0
    assert card_angle(residual_deg=-37, quarter_turns=0, skew_deg=0) == 37.0


def blurred_card(length: int, angle_deg: float) -> tuple[Image.Image, Image.Image]:
    sharp = make_card(11, "front").image.convert("RGB")
    return sharp, motion_blur(sharp, length, angle_deg)


@pytest.mark.parametrize(("length", "angle_deg"), [(7, 0.0), (9, 45.0), (11, 120.0)])
def test_motion_blur_is_estimated_along_its_direction(length: int, angle_deg: float) -> None:
    _, blurry = blurred_card(length, angle_deg)
    motion = estimate_motion(to_gray(blurry))
    assert motion is not None
    assert motion.length_px == pytest.approx(length, abs=2.5)
    off = abs((motion.angle_deg - angle_deg + 90) % 180 - 90)  # a line has no sign
    assert off <= 12, motion


def test_a_sharp_card_shows_no_motion() -> None:
    assert estimate_motion(to_gray(make_card(11, "front").image.convert("RGB"))) is None


@pytest.mark.parametrize(("length", "angle_deg"), [(7, 0.0), (9, 30.0), (11, 120.0)])
def test_the_wiener_restore_brings_back_the_sharp_cards_edges(length: int,
                                                              angle_deg: float) -> None:
    """Pixel error is the wrong yardstick (ringing); the strokes' edges are what OCR reads."""
    sharp, blurry = blurred_card(length, angle_deg)
    motion = estimate_motion(to_gray(blurry))
    assert motion is not None
    restored = deblurred(blurry, motion)

    def edges(image: Image.Image) -> np.ndarray:
        found = image.convert("L").filter(ImageFilter.FIND_EDGES)
        return np.asarray(found, dtype=np.float64)[20:-20, 20:-20]

    def similarity(a: np.ndarray, b: np.ndarray) -> float:
        a, b = a - a.mean(), b - b.mean()
        return float((a * b).sum() / math.sqrt((a * a).sum() * (b * b).sum()))

    target = edges(sharp)
    assert similarity(edges(restored), target) > similarity(edges(blurry), target) + 0.08


def test_confidence_follows_the_recogniser_and_the_checks() -> None:
    lines = [Line("姓名张三", [[0, 0]] * 4, 0.97), Line("公民身份号码11010519491231002X",
                                                       [[0, 0]] * 4, 0.62)]
    fields: dict[str, str | None] = {"name": "张三", "id_number": "11010519491231002X",
                                     "address": None}
    raw = conf.from_lines(fields, lines)
    assert raw["name"] == pytest.approx(0.97) and raw["address"] == 0.0
    confirmed = conf.adjusted(fields, raw, {"id_number_valid": True})
    assert confirmed["id_number"] > raw["id_number"]  # the check digit vouches for it
    refuted = conf.adjusted(fields, raw, {"id_number_valid": False})
    assert refuted["id_number"] <= conf.FAILED_CHECK
    [warning] = conf.low_confidence_warning(refuted, fields)
    assert "id_number" in warning and "name" not in warning


@pytest.fixture(scope="module")
def engine() -> Iterator[IdCardEngine]:
    loaded = IdCardEngine(Settings())
    loaded.load()
    yield loaded
    loaded.close()


def jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def read(engine: IdCardEngine, image: Image.Image) -> dict[str, Any]:
    result = engine.run(JobInput(data=jpeg(image), params={"side": "front"}))
    assert isinstance(result, dict)
    return result


@pytest.mark.parametrize("angle_deg", [37.0, 130.0, 221.0, 318.0])
def test_a_card_at_any_angle_is_read_and_its_angle_reported(engine: IdCardEngine,
                                                            angle_deg: float) -> None:
    card = make_card(23, "front")
    photo = on_surface(card.image, random.Random(int(angle_deg)), angle_deg, 0.9, 0.0)
    result = read(engine, photo)
    assert {name: result["fields"][name] for name in FRONT} == {
        name: card.fields[name] for name in FRONT}
    meta = result["metadata"]["front"]
    assert meta["rectified"] is True
    assert abs((meta["rotation_deg"] - angle_deg + 180) % 360 - 180) <= 4, meta


def test_a_motion_blurred_card_is_deblurred_and_read(engine: IdCardEngine) -> None:
    card = make_card(31, "front")
    result = read(engine, motion_blur(card.image.convert("RGB"), 10, 70.0))
    assert result["metadata"]["front"]["deblurred"] is True
    assert result["fields"]["id_number"] == card.fields["id_number"]
    right = sum(result["fields"][name] == card.fields[name] for name in FRONT)
    assert right >= 5, (result["fields"], card.fields)
    assert set(result["confidence"]) >= set(FRONT)
    assert all(0 <= score <= 1 for score in result["confidence"].values())
