"""The sfzocr and DeepSeek wire formats, without a server (docs/compat.md)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from docwarden.api.compat import deepseek
from docwarden.api.compat import sfzocr_shape as shape
from docwarden.errors import (
    GpuMemory,
    InputTooLarge,
    InvalidInput,
    JobTimeout,
    Overloaded,
    UnsupportedMediaType,
)

RESIDENT = {"side": "both", "fields": {
    "name": "张三", "sex": "男", "ethnicity": "汉", "birth": "1990-01-05",
    "address": "北京市东城区光明路1号", "id_number": "110101199001051234",
    "issuing_authority": "北京市公安局东城分局", "valid_from": "2010-03-01",
    "valid_to": "长期"}, "checks": {}, "warnings": []}
FOREIGN = {"side": "foreign_new", "card_type": "新版外国人永久居留身份证", "fields": {
    "name_zh": "证件样本", "name_en": "ZHENGJIAN, YANGBEN", "sex": "女", "birth": "1981-08-03",
    "nationality": "加拿大", "nationality_code": "CAN", "id_number": "911124198108030024",
    "issuing_authority": None, "valid_from": "2023-09-15", "valid_to": "2033-09-14"}}


def test_resident_fields_get_sfzocr_names_and_formats() -> None:
    info = shape.id_card_info(RESIDENT)
    assert list(info) == list(shape.INFO_FIELDS)
    assert info["nation"] == "汉" and info["birth"] == "1990年1月5日"
    assert info["issue_authority"] == "北京市公安局东城分局"
    assert info["valid_period"] == "2010.03.01-长期"
    assert info["chinese_name"] is None and info["card_type"] is None


def test_foreign_fields_get_sfzocr_foreign_names() -> None:
    info = shape.id_card_info(FOREIGN)
    assert info["chinese_name"] == "证件样本" and info["english_name"] == "ZHENGJIAN, YANGBEN"
    assert info["birth_date"] == "1981-08-03" and info["nationality"] == "加拿大"
    assert info["residence_number"] == "911124198108030024"
    assert (info["issue_date"], info["valid_until"]) == ("2023-09-15", "2033-09-14")
    assert info["card_type"] == "新版外国人永久居留身份证" and info["name"] is None


@pytest.mark.parametrize(("error", "status", "code"), [
    (InvalidInput("corrupt"), 200, 1002), (UnsupportedMediaType("pdf"), 200, 1002),
    (InputTooLarge("big"), 200, 1002), (JobTimeout("slow"), 200, 9999),
    (shape.NotRecognised("no card"), 200, 1003),
    (Overloaded("full", retry_after_s=2), 429, 9999), (GpuMemory("gpu"), 503, 9999)])
def test_errors_answer_the_envelope_with_docwardens_code(error: InvalidInput, status: int,
                                                         code: int) -> None:
    got_status, body = shape.error_envelope(error)
    assert (got_status, body["code"]) == (status, code)
    assert body["data"] is None and body["error_code"] == error.code.value
    assert set(body) == {"code", "message", "data", "error_code", "retryable"}
    _, batch = shape.error_envelope(error, batch=True)
    assert batch["data"] == [] and batch["failed_indices"] == []


def test_request_models_follow_sfzocr() -> None:
    request = shape.IdCardRequest.model_validate({"image": "aGk=", "side": "foreign_old",
                                                  "unknown": 1})
    assert request.side is shape.CardSide.FOREIGN_OLD and not request.debug
    with pytest.raises(ValidationError) as caught:
        shape.IdCardRequest.model_validate({"image": "aGk=", "side": "sideways"})
    body = shape.validation_envelope(caught.value)
    assert body["code"] == 1001 and body["validation_errors"][0]["field"] == "side"
    with pytest.raises(ValidationError):
        shape.BatchRequest.model_validate({"images": [{"image": "aGk="}] * 11})
    with pytest.raises(ValidationError):
        shape.BatchRequest.model_validate({"images": []})
    assert shape.UploadForm.model_validate({"debug": "False", "fast_mode": "true"}).fast_mode


def test_deepseek_errors_use_that_servers_statuses() -> None:
    body = deepseek.error_body(GpuMemory("full", details={"gpu_info": {"available": True}}))
    assert body["error"] == "full" and body["error_code"] == "gpu_memory"
    assert body["gpu_info"] == {"available": True}
    assert deepseek.STATUS[InvalidInput.code] == 400
    assert deepseek.STATUS[GpuMemory.code] == 500 and deepseek.STATUS[Overloaded.code] == 429
