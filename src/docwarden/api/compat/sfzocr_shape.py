"""sfzocr's wire format: its request models, its `IDCardInfo` fields, its envelope and codes.

Pure (no I/O) so the mapping is unit-tested without a server.  Field names and
formats are those of hkxiaoyao/sfzocr's app/api/models.py: `nation`,
`issue_authority`, `valid_period` ("2020.01.01-2030.01.01"), `birth` as
"1990年1月1日"; foreign cards answer `chinese_name`, `english_name`,
`birth_date`, `nationality`, `residence_number`, `issue_date`, `valid_until`
and `card_type`.  docs/compat.md is the reference.
"""

from __future__ import annotations

import datetime as dt
from enum import IntEnum, StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from docwarden.errors import DocwardenError, ErrorCode

MAX_BATCH_IMAGES = 10  # sfzocr's BatchIDCardRequest limit
INFO_FIELDS = ("name", "sex", "nation", "birth", "address", "id_number", "issue_authority",
               "valid_period", "chinese_name", "english_name", "birth_date", "nationality",
               "residence_number", "issue_date", "valid_until", "card_type")
OK_MESSAGE = "识别成功"
DEBUG_MESSAGE = "识别成功(DEBUG模式)"
BOTH_MESSAGE = "双面识别需要使用批量接口，提供正反面图像"
NO_IMAGE_MESSAGE = "请至少上传一张身份证图片"
VALIDATION_MESSAGE = "请求参数验证失败"


class Code(IntEnum):
    """sfzocr's ResponseCode."""

    SUCCESS = 0
    PARAM_ERROR = 1001
    IMAGE_ERROR = 1002
    OCR_ERROR = 1003
    SYSTEM_ERROR = 9999


class CardSide(StrEnum):
    FRONT = "front"
    BACK = "back"
    BOTH = "both"
    FOREIGN_NEW = "foreign_new"
    FOREIGN_OLD = "foreign_old"
    AUTO = "auto"


class SfzModel(BaseModel):
    # sfzocr's models ignored unknown fields (pydantic's default): so do these.
    model_config = ConfigDict(extra="ignore")


class ImageSource(SfzModel):
    image: str = Field(min_length=1)
    side: CardSide = CardSide.AUTO
    fast_mode: bool = False


class IdCardRequest(ImageSource):
    debug: bool = False


class UploadForm(SfzModel):
    side: CardSide = CardSide.AUTO
    debug: bool = False
    fast_mode: bool = False


class BatchRequest(SfzModel):
    images: list[ImageSource] = Field(min_length=1, max_length=MAX_BATCH_IMAGES)

    @field_validator("images", mode="before")
    @classmethod
    def _not_empty(cls, value: object) -> object:
        if isinstance(value, list) and not value:
            raise ValueError("图像数据列表不能为空")
        return value


def engine_side(side: CardSide) -> str:
    """The idcard engine's `side` for sfzocr's (`both` on one image means detect)."""
    return "auto" if side is CardSide.BOTH else side.value


def chinese_date(iso: str | None) -> str | None:
    """'1990-01-01' -> '1990年1月1日', sfzocr's birth format."""
    if not iso:
        return None
    try:
        day = dt.date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day.year}年{day.month}月{day.day}日"


def dotted(iso: str | None) -> str | None:
    return iso.replace("-", ".") if iso else iso


def valid_period(fields: dict[str, Any]) -> str | None:
    start, end = dotted(fields.get("valid_from")), dotted(fields.get("valid_to"))
    if not start and not end:
        return None
    return f"{start or ''}-{end or ''}"


def id_card_info(result: dict[str, Any]) -> dict[str, Any]:
    """docwarden's idcard result as sfzocr's IDCardInfo (every field present, null if unread)."""
    fields: dict[str, Any] = result.get("fields") or {}
    info: dict[str, Any] = dict.fromkeys(INFO_FIELDS)
    if str(result.get("side", "")).startswith("foreign"):
        info.update(chinese_name=fields.get("name_zh"), english_name=fields.get("name_en"),
                    sex=fields.get("sex"), birth_date=fields.get("birth"),
                    nationality=fields.get("nationality"),
                    residence_number=fields.get("id_number"),
                    issue_authority=fields.get("issuing_authority"),
                    issue_date=fields.get("valid_from"), valid_until=fields.get("valid_to"),
                    card_type=result.get("card_type"))
        return info
    info.update(name=fields.get("name"), sex=fields.get("sex"), nation=fields.get("ethnicity"),
                birth=chinese_date(fields.get("birth")), address=fields.get("address"),
                id_number=fields.get("id_number"),
                issue_authority=fields.get("issuing_authority"), valid_period=valid_period(fields))
    return info


def extras(result: dict[str, Any], duration_s: float, worker_pid: int) -> dict[str, Any]:
    """What docwarden adds, kept out of sfzocr's `data` under one key."""
    return {"side": result.get("side"), "checks": result.get("checks"),
            "warnings": result.get("warnings", []), "processing_time_s": round(duration_s, 4),
            "worker_pid": worker_pid}


def envelope(code: Code, message: str, data: Any, **more: Any) -> dict[str, Any]:
    return {"code": int(code), "message": message, "data": data, **more}


# docwarden error -> (HTTP status, sfzocr code).  sfzocr answered 200 for every failure
# it knew (bad image, nothing recognised, a timeout or crash: 9999); refusals it never
# made (no queue bound, no memory precheck) keep docwarden's status and Retry-After.
ERRORS: dict[ErrorCode, tuple[int, Code]] = {
    ErrorCode.INVALID_INPUT: (200, Code.IMAGE_ERROR),
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: (200, Code.IMAGE_ERROR),
    ErrorCode.INPUT_TOO_LARGE: (200, Code.IMAGE_ERROR),
    ErrorCode.POISON_INPUT: (200, Code.IMAGE_ERROR),
    ErrorCode.JOB_TIMEOUT: (200, Code.SYSTEM_ERROR),
    ErrorCode.WORKER_CRASHED: (200, Code.SYSTEM_ERROR),
    ErrorCode.INTERNAL_ERROR: (200, Code.SYSTEM_ERROR),
    ErrorCode.OVERLOADED: (429, Code.SYSTEM_ERROR),
    ErrorCode.INSUFFICIENT_MEMORY: (503, Code.SYSTEM_ERROR),
    ErrorCode.GPU_MEMORY: (503, Code.SYSTEM_ERROR),
    ErrorCode.NOT_READY: (503, Code.SYSTEM_ERROR),
    ErrorCode.NOT_FOUND: (404, Code.SYSTEM_ERROR),
}


class NotRecognised(DocwardenError):
    """The engine read no card in the image: sfzocr's 1003 (未能识别到身份证信息)."""

    code = ErrorCode.INVALID_INPUT


def error_envelope(error: DocwardenError, batch: bool = False) -> tuple[int, dict[str, Any]]:
    """(status, body) for a failed request; docwarden's code rides along in `error_code`."""
    status, code = ERRORS.get(error.code, (200, Code.SYSTEM_ERROR))
    if isinstance(error, NotRecognised):
        code = Code.OCR_ERROR
    said = error.message
    message = {Code.OCR_ERROR: f"未能识别到身份证信息: {said}",
               Code.SYSTEM_ERROR: f"系统错误: {said}"}.get(code, said)
    more: dict[str, Any] = {"error_code": error.code.value, "retryable": error.retryable}
    if batch:
        more["failed_indices"] = []
    return status, envelope(code, message, [] if batch else None, **more)


def validation_envelope(error: ValidationError | list[dict[str, Any]],
                        batch: bool = False) -> dict[str, Any]:
    """sfzocr's 422 body: code 1001 and one entry per problem (no input echoed)."""
    problems = error.errors(include_url=False) if isinstance(error, ValidationError) else error
    details = [{"field": " -> ".join(str(part) for part in item.get("loc", ())),
                "message": item.get("msg", ""), "type": item.get("type", "")}
               for item in problems]
    body = envelope(Code.PARAM_ERROR, VALIDATION_MESSAGE, None, validation_errors=details,
                    error_code=ErrorCode.INVALID_INPUT.value, retryable=False)
    if batch:
        body["failed_indices"] = []
    return body
