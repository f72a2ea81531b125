from __future__ import annotations

import re
from pathlib import Path

import pytest

from docwarden.errors import (
    ERROR_CLASSES,
    HTTP_STATUS,
    DocwardenError,
    ErrorCode,
    GpuMemory,
    InternalError,
    error_for_status,
    http_status,
)

DESIGN = Path(__file__).resolve().parents[2].parent / "shared" / "DESIGN.md"


def test_every_code_has_a_status_and_a_class() -> None:
    assert set(HTTP_STATUS) == set(ErrorCode)
    assert set(ERROR_CLASSES) == {code.value for code in ErrorCode}


def test_table_matches_design_md() -> None:
    if not DESIGN.exists():
        pytest.skip("../shared/DESIGN.md is not beside this checkout")
    rows = re.findall(r"^\| ([a-z_ /]+) \| (\d{3}) \|", DESIGN.read_text(), re.M)
    assert rows
    for codes, status in rows:
        for code in codes.split(" / "):
            assert HTTP_STATUS[ErrorCode(code.strip())] == int(status), code


def test_round_trip_through_a_dict_keeps_details() -> None:
    error = GpuMemory("full", details={"gpu_info": {"free_mb": 1}})
    again = DocwardenError.from_dict(error.to_dict())
    assert isinstance(again, GpuMemory)
    assert again.details == {"gpu_info": {"free_mb": 1}}
    assert again.to_dict() == error.to_dict()
    assert http_status(again) == 503 and again.retryable


def test_unknown_code_becomes_internal_error() -> None:
    assert isinstance(DocwardenError.from_dict({"code": "nope", "message": "x"}), InternalError)


def test_a_bare_status_reads_back_as_an_error_with_that_status() -> None:
    for cls in ERROR_CLASSES.values():
        assert error_for_status(cls.status).status == cls.status
    assert error_for_status(422).code is ErrorCode.INVALID_INPUT  # not poison_input
    assert error_for_status(503).code is ErrorCode.NOT_READY
    assert error_for_status(403).code is ErrorCode.UNAUTHORIZED
    assert error_for_status(418) is InternalError


def test_an_error_never_carries_an_object_repr() -> None:
    error = InternalError("cannot identify image file <_io.BytesIO object at 0x7f3a2c1b9e40>")
    assert error.message == "cannot identify image file the upload" == str(error)
    assert "0x7f" not in DocwardenError.from_dict(error.to_dict()).message
