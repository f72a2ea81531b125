"""What the profiles share: reading their uploads, answering errors their way, GPU figures.

The seed systems answered errors in their own shapes (an envelope with an
integer code, or `{"error": "<message>"}`), including errors raised before a
handler runs (the API key, a malformed form).  `profile_route_class` gives a
profile's routes one place that turns every docwarden error into that shape,
so a handler only raises.  Uploads keep their file names (the DeepSeek server
answered them back) and stay within the same limits as docwarden's own routes.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from docwarden.api.context import ServiceContext
from docwarden.api.uploads import MAX_FIELD_BYTES, MAX_FORM_FIELDS
from docwarden.errors import DocwardenError, InputTooLarge, InvalidInput
from docwarden.settings import Settings

# The shape the DeepSeek server answered without a GPU (torch.cuda.is_available() False).
NO_GPU: dict[str, Any] = {"available": False, "total_mb": 0, "used_mb": 0, "free_mb": 0,
                          "usage_percent": 0}

ErrorRenderer = Callable[[Request, Exception], Response]

# What a profile's OpenAPI says about the answers besides 200: every one is an error in
# the upstream's own shape (a schema per profile would restate the module docstrings).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": f"{meaning}, in the upstream system's error shape"}
    for status, meaning in [
        (400, "a malformed request"), (401, "a missing or wrong API key"),
        (404, "an unknown task"), (413, "an upload or batch over the limits"),
        (415, "a file of the wrong type"), (422, "a field out of range or missing"),
        (429, "the queue is full (Retry-After)"),
        (500, "the engine failed on this input (as upstream answered)"),
        (502, "the worker died on this input"), (503, "no headroom or no worker (Retry-After)"),
        (504, "the job passed its deadline")]}
FILE_PART: dict[str, Any] = {"type": "string", "format": "binary"}
FILE_PARTS: dict[str, Any] = {"type": "array", "items": FILE_PART}
TEXT_PART: dict[str, Any] = {"type": "string"}


def form_body(parts: dict[str, dict[str, Any]], required: tuple[str, ...] = ()
              ) -> dict[str, Any]:
    """`openapi_extra` for a route that reads its multipart form by hand (to answer in its
    upstream's words): the parts it takes, so clients and fuzzers see the real body."""
    schema = {"type": "object", "properties": parts, "required": list(required)}
    return {"requestBody": {"required": bool(required),
                            "content": {"multipart/form-data": {"schema": schema}}}}


def json_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` for a route that parses its JSON body by hand into `model`."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:  # the document has no $defs: refs become their schema
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return inline(definitions[ref.removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        return [inline(item) for item in node] if isinstance(node, list) else node

    return {"requestBody": {"required": True,
                            "content": {"application/json": {"schema": inline(schema)}}}}


@dataclass(frozen=True)
class NamedFile:
    """One uploaded file with the name the client gave it."""

    filename: str
    data: bytes


@dataclass
class Form:
    files: dict[str, list[NamedFile]] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)


async def read_form(request: Request, settings: Settings) -> Form:
    """A multipart or url-encoded form (an empty one for any other body, so the profile
    answers "no file" in its upstream's words), within the limits of docwarden's routes."""
    content_type = request.headers.get("content-type", "").lower()
    form = Form()
    if not content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        return form
    try:
        async with request.form(max_files=settings.max_batch + 2, max_fields=MAX_FORM_FIELDS,
                                max_part_size=MAX_FIELD_BYTES) as parsed:
            for name, value in parsed.multi_items():
                if isinstance(value, UploadFile):
                    data = await value.read(settings.max_upload_bytes + 1)
                    check_size(value.filename or name, len(data), settings)
                    form.files.setdefault(name, []).append(NamedFile(value.filename or "", data))
                else:
                    form.fields[name] = value
    except HTTPException as error:
        if "Too many files" in str(error.detail):
            raise InputTooLarge(f"more than {settings.max_batch} files in one request "
                                "(DOCWARDEN_MAX_BATCH)") from None
        raise InvalidInput(f"the multipart body cannot be read: {error.detail}") from None
    return form


async def read_json(request: Request) -> Any:
    """The JSON body; a missing or unparseable one is the 422 FastAPI would have raised
    for a declared body model (the profile's route class renders it its upstream's way)."""
    body = await request.body()
    if not body.strip():
        raise RequestValidationError([{"loc": ("body",), "msg": "Field required",
                                       "type": "missing"}])
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestValidationError([{"loc": ("body",), "msg": f"JSON decode error: {exc}",
                                       "type": "json_invalid"}]) from None


def decode_base64(value: str, settings: Settings) -> bytes:
    """Base64 image data, with or without a `data:...;base64,` prefix (as sfzocr accepted)."""
    if "base64," in value:
        value = value.split("base64,", 1)[1]
    check_size("image", len(value) * 3 // 4, settings)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(f"the image is not valid base64: {exc}") from None


def check_size(name: str, size: int, settings: Settings) -> None:
    if size > settings.max_upload_bytes:
        raise InputTooLarge(f"{name} is over the upload limit of {settings.max_upload_bytes:,} "
                            "bytes (DOCWARDEN_MAX_UPLOAD_MB)")


def gpu_reading(ctx: ServiceContext) -> dict[str, Any]:
    """The server's GPU figures now (DESIGN.md's shape), or the no-GPU answer."""
    info = ctx.gpu.snapshot()
    return info.to_dict() if info is not None else dict(NO_GPU)


def as_docwarden_error(exc: Exception) -> DocwardenError:
    """Starlette's and FastAPI's own refusals as the docwarden error they stand for."""
    if isinstance(exc, DocwardenError):
        return exc
    if isinstance(exc, RequestValidationError):
        return InvalidInput(f"invalid request: {exc.errors()}")
    if isinstance(exc, HTTPException) and exc.status_code == 413:
        return InputTooLarge(str(exc.detail))
    return InvalidInput(str(getattr(exc, "detail", exc)))


def retry_headers(error: DocwardenError) -> dict[str, str]:
    if error.retry_after_s is None:
        return {}
    return {"Retry-After": str(max(1, round(error.retry_after_s)))}


def profile_route_class(render: ErrorRenderer) -> type[APIRoute]:
    """An APIRoute whose errors (dependencies and form parsing included) `render` answers."""

    class ProfileRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def answer(request: Request) -> Response:
                try:
                    return await handler(request)
                except (DocwardenError, RequestValidationError, HTTPException) as exc:
                    return render(request, exc)

            return answer

    return ProfileRoute
