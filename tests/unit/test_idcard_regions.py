"""GB/T 2260 region names from the shipped tables (current, then history)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docwarden.engines.idcard import regions

VECTORS = json.loads((Path(__file__).resolve().parents[1] / "data" / "idcard" / "idnumbers.json")
                     .read_text(encoding="utf-8"))["vectors"]


@pytest.mark.parametrize("vector", [v for v in VECTORS if v["valid"] and v["region_name"]],
                         ids=lambda v: v["region_code"])
def test_current_names_match_vectors(vector: dict[str, str]) -> None:
    region = regions.lookup(vector["region_code"])
    assert region is not None
    assert region.name == vector["region_name"]
    assert region.current


@pytest.mark.parametrize(("code", "year", "name"), [
    ("519006", 1993, "四川省合川市"),
    ("440524", 1985, "广东省汕头市潮阳县"),
    ("362324", 1980, "江西省宜春地区丰城县"),
    ("362324", 1990, "江西省上饶地区铅山县"),
])
def test_abolished_codes_are_named_from_history(code: str, year: int, name: str) -> None:
    region = regions.lookup(code, year)
    assert region is not None
    assert (region.name, region.current) == (name, False)
    assert region.as_dict()["status"] == "abolished"


def test_special_regions_and_unknown_codes() -> None:
    hong_kong = regions.lookup("810000")
    assert hong_kong is not None and hong_kong.name == "香港特别行政区"
    assert regions.lookup("990101") is None
    assert regions.lookup("110199") is None
    assert not regions.region_known("000000")
    assert regions.region_known("519006")
