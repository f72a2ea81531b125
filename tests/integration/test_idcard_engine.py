"""The idcard engine with the real OCR models, in-process: shared and generated cards."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from docwarden.engines.base import JobInput
from docwarden.engines.idcard import IdCardEngine
from docwarden.errors import InvalidInput, UnsupportedMediaType
from docwarden.settings import Settings
from tests.cardgen import fonts_available, make_card

DATA = Path(__file__).resolve().parents[1] / "data" / "idcard"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "idcard"
CARDS: dict[str, Any] = json.loads((DATA / "cards.json").read_text(encoding="utf-8"))["files"]
LOCAL_CARDS = sorted(name for name in CARDS if (DATA / name).is_file())
SHARED_ONLY = sorted(name for name in CARDS if name not in LOCAL_CARDS)
ALL_CHECKS_PASS = {"id_number_valid": True, "birth_matches": True, "sex_matches": True}


@pytest.fixture(scope="module")
def engine() -> Iterator[IdCardEngine]:
    loaded = IdCardEngine(Settings())
    loaded.load()
    yield loaded
    loaded.close()


def run(engine: IdCardEngine, job: JobInput) -> dict[str, Any]:
    result = engine.run(job)
    assert isinstance(result, dict)
    return result


def expected_fields(entry: dict[str, Any]) -> dict[str, str]:
    """cards.json fields in the engine's names (birth, valid_from, valid_to)."""
    fields = dict(entry["fields"])
    if "birth_date" in fields:
        fields["birth"] = fields.pop("birth_date")
    if "valid_period" in fields:
        start, end = fields.pop("valid_period").split("-", 1)
        fields["valid_from"] = start.replace(".", "-")
        fields["valid_to"] = end.replace(".", "-")
    return fields


def assert_card(result: dict[str, Any], side: str, fields: dict[str, Any]) -> None:
    assert result["side"] == side
    assert {name: result["fields"][name] for name in fields} == fields
    if side == "front":
        assert {k: result["checks"][k] for k in ALL_CHECKS_PASS} == ALL_CHECKS_PASS
        assert result["checks"]["region"]["status"] == "current"
    assert not any(w.startswith("could not read") for w in result["warnings"])


@pytest.mark.parametrize("name", LOCAL_CARDS)
def test_shared_cards_in_repo(engine: IdCardEngine, name: str) -> None:
    result = run(engine, JobInput(data=(DATA / name).read_bytes()))
    assert_card(result, CARDS[name]["side"], expected_fields(CARDS[name]))


@pytest.mark.parametrize("name", SHARED_ONLY)
def test_rest_of_the_shared_set(engine: IdCardEngine, name: str) -> None:
    if not (SHARED / "cards" / name).is_file():
        pytest.skip(f"shared test data not found at {SHARED} (only the copies in tests/data run)")
    result = run(engine, JobInput(data=(SHARED / "cards" / name).read_bytes()))
    assert_card(result, CARDS[name]["side"], expected_fields(CARDS[name]))


GENERATED = [(21, "front", "clean"), (22, "back", "clean"), (23, "front", "rot270"),
             (24, "front", "background"), (25, "front", "blur"), (26, "back", "lowres"),
             (27, "front", "skew")]


@pytest.mark.skipif(not fonts_available(), reason="Noto CJK fonts (fonts-noto-cjk) not installed")
@pytest.mark.parametrize(("seed", "side", "degradation"), GENERATED)
def test_generated_cards(engine: IdCardEngine, seed: int, side: str, degradation: str) -> None:
    card = make_card(seed, side, degradation)
    result = run(engine, JobInput(data=card.data, params={"side": side}))
    assert_card(result, side, card.fields)


def test_back_sent_as_front_is_refused(engine: IdCardEngine) -> None:
    data = (DATA / "card01_back.jpg").read_bytes()
    with pytest.raises(InvalidInput, match="looks like the back of an ID card; send it with "
                                           "side=back or side=auto"):
        engine.run(JobInput(data=data, params={"side": "front"}))


def test_not_a_card_is_refused(engine: IdCardEngine) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 400), "white").save(buffer, format="PNG")
    with pytest.raises(InvalidInput, match="does not look like a Chinese resident ID card"):
        engine.run(JobInput(data=buffer.getvalue()))
    with pytest.raises(UnsupportedMediaType):
        engine.run(JobInput(data=b"%PDF-1.4\n%%EOF\n"))


def test_batch_merges_both_sides(engine: IdCardEngine) -> None:
    files = {"front": (DATA / "card01_front.jpg").read_bytes(),
             "back": (DATA / "card01_back.jpg").read_bytes()}
    result = run(engine, JobInput(files=files))
    expected = {**expected_fields(CARDS["card01_front.jpg"]),
                **expected_fields(CARDS["card01_back.jpg"])}
    assert_card(result, "both", expected)
    with pytest.raises(InvalidInput, match="file sent as back looks like the front"):
        engine.run(JobInput(files={"back": files["front"]}))


def test_sample_job_reads(engine: IdCardEngine) -> None:
    result = run(engine, engine.sample_job())
    assert result["side"] == "front"
    assert result["fields"]["id_number"] == "110101199005121513"


# Labels printed one character off: what blur and low resolution make the recogniser read.
MISREAD_LABELS = [(21, {"姓名": "娃名"}, {}), (21, {"姓名": "娃名"}, {"name": "姓明华"}),
                  (24, {"住址": "住扯"}, {})]


@pytest.mark.skipif(not fonts_available(), reason="Noto CJK fonts (fonts-noto-cjk) not installed")
@pytest.mark.parametrize(("seed", "labels", "fields"), MISREAD_LABELS)
def test_a_label_read_one_character_off_is_still_the_label(
        engine: IdCardEngine, seed: int, labels: dict[str, str],
        fields: dict[str, str | None]) -> None:
    card = make_card(seed, "front", "clean", fields, labels)
    assert_card(run(engine, JobInput(data=card.data, params={"side": "front"})), "front",
                card.fields)


@pytest.mark.skipif(not fonts_available(), reason="Noto CJK fonts (fonts-noto-cjk) not installed")
def test_a_name_opening_with_the_label_s_character_keeps_it(engine: IdCardEngine) -> None:
    """No 姓名 printed, and the name 姓明华 is one character off it: it stays whole."""
    card = make_card(27, "front", "clean", {"name": "姓明华"}, {"姓名": ""})
    assert_card(run(engine, JobInput(data=card.data, params={"side": "front"})), "front",
                card.fields)


@pytest.mark.skipif(not fonts_available(), reason="Noto CJK fonts (fonts-noto-cjk) not installed")
def test_an_ethnicity_read_as_no_valid_name_is_read_again(engine: IdCardEngine) -> None:
    """The bench's card 1015 at half size reads 仫佬 as 仏佬 (one off 仫佬 and 仡佬)."""
    card = make_card(1015, "front", "lowres")
    result = run(engine, JobInput(data=card.data, params={"side": "front"}))
    assert_card(result, "front", card.fields)
    assert result["confidence"]["ethnicity"] >= 0.8
    assert not [warning for warning in result["warnings"] if "ethnicity" in warning]


@pytest.mark.skipif(not fonts_available(), reason="Noto CJK fonts (fonts-noto-cjk) not installed")
@pytest.mark.parametrize(("seed", "degradation"), [(25, "clean"), (33, "lowres")])
def test_an_ethnicity_no_reread_makes_valid_stays_as_read(engine: IdCardEngine, seed: int,
                                                          degradation: str) -> None:
    """A card printed with 仏佬: the re-reads say 仏佬 again, so nothing is invented."""
    card = make_card(seed, "front", degradation, {"ethnicity": "仏佬"})
    result = run(engine, JobInput(data=card.data, params={"side": "front"}))
    assert result["fields"]["ethnicity"] == "仏佬"
    assert result["confidence"]["ethnicity"] < 0.8
    assert any("仏佬" in warning for warning in result["warnings"])
