"""Reading job inputs from a request: multipart files or base64 JSON.

Both forms end as the same `Upload` (bytes + string parameters) and then
pass the same admission guards.  Multipart temp files are closed (and so
deleted) before the route returns, on success and on failure alike.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from starlette.datastructures import FormData, UploadFile

from docwarden.errors import InputTooLarge, InvalidInput
from docwarden.settings import Settings

MAIN_FILE_NAMES = ("image", "file", "pdf")  # <name>_base64 keys that carry the main input
MAX_FORM_FIELDS = 32
MAX_FIELD_BYTES = 64 * 1024


@dataclass
class Upload:
    """Files by field name (a field may repeat) and the other fields as parameters."""

    files: dict[str, list[bytes]] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)

    def one(self, name: str = "file") -> bytes:
        found = self.files.get(name) or []
        if len(found) != 1:
            raise InvalidInput(f"send exactly one file in the field {name!r} "
                               "(multipart/form-data) or 'image_base64' in a JSON body")
        return found[0]


async def read_upload(request: Request, settings: Settings) -> Upload:
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        async with request.form(max_files=settings.max_batch + 2, max_fields=MAX_FORM_FIELDS,
                                max_part_size=MAX_FIELD_BYTES) as form:
            return await _from_form(form, settings.max_upload_bytes)
    if content_type.startswith("application/json"):
        return upload_from_json(await _json_body(request), settings.max_upload_bytes)
    raise InvalidInput("send multipart/form-data with a 'file' field, or application/json with "
                       "'image_base64' (base64 of the file)")


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"the JSON body cannot be parsed: {exc}") from None
    except RecursionError:
        raise InvalidInput("the JSON body is nested too deeply") from None
    if not isinstance(body, dict):
        raise InvalidInput("the JSON body must be an object")
    return body


async def _from_form(form: FormData, limit_bytes: int) -> Upload:
    upload = Upload()
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            data = await value.read(limit_bytes + 1)
            _check_size(name, len(data), limit_bytes)
            upload.files.setdefault(name, []).append(data)
        else:
            upload.params[name] = value
    return upload


def upload_from_json(body: dict[str, Any], limit_bytes: int) -> Upload:
    """`<name>_base64` keys are files (image/file/pdf: the main input), the rest parameters."""
    upload = Upload()
    for key, value in body.items():
        if key.endswith("_base64"):
            name = key.removesuffix("_base64")
            name = "file" if name in MAIN_FILE_NAMES else name
            upload.files.setdefault(name, []).append(decode_base64(key, value, limit_bytes))
        else:
            upload.params[key] = value
    return upload


def decode_base64(key: str, value: object, limit_bytes: int) -> bytes:
    if not isinstance(value, str):
        raise InvalidInput(f"{key} must be a base64 string")
    if value.startswith("data:") and "," in value:
        value = value.split(",", 1)[1]  # data URLs
    _check_size(key, len(value) * 3 // 4, limit_bytes)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(f"{key} is not valid base64: {exc}") from None


def _check_size(name: str, size: int, limit_bytes: int) -> None:
    if size > limit_bytes:
        raise InputTooLarge(f"{name} is over the upload limit of {limit_bytes:,} bytes "
                            "(DOCWARDEN_MAX_UPLOAD_MB)")
