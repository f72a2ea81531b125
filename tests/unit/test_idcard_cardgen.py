"""The synthetic card generator: deterministic, and its ground truth is self-consistent."""

from __future__ import annotations

import datetime as dt

import pytest

from docwarden.engines.idcard import numbers
from tests.cardgen import DEGRADATIONS, card_fields, fonts_available, make_card

pytestmark = pytest.mark.skipif(not fonts_available(),
                                reason="Noto CJK fonts (fonts-noto-cjk) not installed")


def test_same_seed_same_card() -> None:
    assert make_card(3, "front", "blur").data == make_card(3, "front", "blur").data
    assert make_card(3).fields != make_card(4).fields
    assert (make_card(3).fields, make_card(3, "back").fields) == card_fields(3)


@pytest.mark.parametrize("seed", range(200))
def test_fields_agree_with_the_number(seed: int) -> None:
    front, back = card_fields(seed)
    number = str(front["id_number"])
    info = numbers.info(number)
    assert numbers.validate(number) and info is not None
    assert info.birth_date == dt.date.fromisoformat(str(front["birth"]))
    assert info.sex == front["sex"]
    assert 2 <= len(str(front["name"]).replace("·", "")) <= 8
    assert back["valid_to"] == "长期" or str(back["valid_to"]) > str(back["valid_from"])


@pytest.mark.parametrize("degradation", DEGRADATIONS)
def test_degradations_change_the_image_as_described(degradation: str) -> None:
    card = make_card(1, "back", degradation)
    width, height = card.image.size
    expected = {"rot90": (540, 856), "rot270": (540, 856), "lowres": (428, 270),
                "background": (1280, 960), "distant": (3000, 2250)}.get(degradation)
    if expected is not None:
        assert (width, height) == expected
    elif degradation == "skew":
        assert width > 856 and height > 540
    else:
        assert (width, height) == (856, 540)
