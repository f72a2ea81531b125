"""sfzocr's routes (hkxiaoyao/sfzocr) over the idcard engine, under /api/v1.

`/ocr/idcard` (JSON base64 `image`, `side`, `debug`, `fast_mode`),
`/ocr/idcard/upload` (multipart `image`), `/ocr/idcard/batch` (`images[]`,
`failed_indices`), `/ocr/idcard/batch/upload` (`front_image`, `back_image`)
and `/health`, answering sfzocr's `{code, message, data}` envelope: HTTP 200
with `code != 0` on failure as sfzocr did, docwarden's code in `error_code`,
docwarden's extras (checks, warnings, timing) under `docwarden`.
docs/compat.md is the reference.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from docwarden import __version__
from docwarden.api import engine_calls
from docwarden.api.compat import sfzocr_shape as shape
from docwarden.api.compat.wire import (
    ERROR_RESPONSES,
    FILE_PART,
    TEXT_PART,
    as_docwarden_error,
    decode_base64,
    form_body,
    json_body,
    profile_route_class,
    read_form,
    read_json,
    retry_headers,
)
from docwarden.api.context import ServiceContext, get_ctx
from docwarden.api.errors import error_body
from docwarden.api.openapi_docs import PUBLIC
from docwarden.errors import DocwardenError, InvalidInput, Unauthorized

REQUIRED_ENGINE = "idcard"
PREFIX = "/api/v1"
BATCH_PATHS = (f"{PREFIX}/ocr/idcard/batch", f"{PREFIX}/ocr/idcard/batch/upload")
M = TypeVar("M", bound=BaseModel)


def render_error(request: Request, exc: Exception) -> Response:
    """sfzocr's answers to failures: 422 + code 1001, 401 `detail`, else the envelope."""
    if isinstance(exc, RequestValidationError):
        return JSONResponse(shape.validation_envelope(list(exc.errors())), status_code=422)
    error = as_docwarden_error(exc)
    if isinstance(error, Unauthorized):  # sfzocr: HTTPException(401, "无效的API密钥")
        return JSONResponse({"detail": "无效的API密钥", "error_code": error.code.value},
                            status_code=401)
    status, body = shape.error_envelope(error, request.url.path in BATCH_PATHS)
    return JSONResponse(body, status_code=status, headers=retry_headers(error))


router = APIRouter(prefix=PREFIX, tags=["compatibility: sfzocr"], responses=ERROR_RESPONSES,
                   route_class=profile_route_class(render_error))
UPLOAD_FIELDS = {name: TEXT_PART for name in ("side", "debug", "fast_mode")}
public_router = APIRouter(prefix=PREFIX, tags=["compatibility: sfzocr"])


def parse(model: type[M], raw: object) -> M | JSONResponse:
    """The request model, or sfzocr's 422 answer."""
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        return JSONResponse(shape.validation_envelope(error), status_code=422)


async def read_card(ctx: ServiceContext, data: bytes, params: dict[str, Any]) -> (
        tuple[dict[str, Any], dict[str, Any]]):
    """One governed idcard job: (sfzocr's data, docwarden's extras)."""
    spec = engine_calls.served_spec(ctx, REQUIRED_ENGINE)
    payload = engine_calls.build_payload(ctx, spec, {"file": data}, params)
    try:
        outcome = await engine_calls.run_engine(ctx, REQUIRED_ENGINE, payload)
    except InvalidInput as error:  # the engine read no card (or not the side asked for)
        raise shape.NotRecognised(error.message) from None
    result = outcome.result
    assert isinstance(result, dict)
    extras = shape.extras(result, outcome.duration_s, outcome.worker_pid)
    if params.get("debug"):
        return {"ocr_text": result.get("ocr_text", [])}, extras
    return shape.id_card_info(result), extras


def params_of(side: shape.CardSide, debug: bool, fast_mode: bool) -> dict[str, Any]:
    params: dict[str, Any] = {"side": shape.engine_side(side)}
    if debug:
        params["debug"] = True
    if fast_mode:
        params["fast_mode"] = True
    return params


async def one_card(ctx: ServiceContext, data: bytes, side: shape.CardSide, debug: bool,
                   fast_mode: bool) -> JSONResponse:
    if side is shape.CardSide.BOTH:
        return JSONResponse(shape.envelope(shape.Code.PARAM_ERROR, shape.BOTH_MESSAGE, None))
    info, extras = await read_card(ctx, data, params_of(side, debug, fast_mode))
    message = shape.DEBUG_MESSAGE if debug else shape.OK_MESSAGE
    return JSONResponse(shape.envelope(shape.Code.SUCCESS, message, info, docwarden=extras))


@public_router.get("/health", summary="sfzocr: service health in its envelope",
                   openapi_extra=PUBLIC)
async def health(request: Request) -> dict[str, Any]:
    ready = get_ctx(request).supervisor.ready
    return shape.envelope(shape.Code.SUCCESS, "服务正常" if ready else "服务未就绪", {
        "status": "healthy" if ready else "unhealthy", "version": __version__,
        "timestamp": int(time.time())})


@router.post("/ocr/idcard", summary="sfzocr: read one card (JSON, base64 `image`)",
             openapi_extra=json_body(shape.IdCardRequest))
async def recognize(request: Request) -> Response:
    ctx = get_ctx(request)
    body = parse(shape.IdCardRequest, await read_json(request))
    if isinstance(body, JSONResponse):
        return body
    if body.side is shape.CardSide.BOTH:  # refused before the image is decoded, as sfzocr did
        return JSONResponse(shape.envelope(shape.Code.PARAM_ERROR, shape.BOTH_MESSAGE, None))
    data = decode_base64(body.image, ctx.settings)
    return await one_card(ctx, data, body.side, body.debug, body.fast_mode)


@router.post("/ocr/idcard/upload", summary="sfzocr: read one card (multipart `image`)",
             openapi_extra=form_body({"image": FILE_PART, **UPLOAD_FIELDS}, ("image",)))
async def recognize_upload(request: Request) -> Response:
    ctx = get_ctx(request)
    form = await read_form(request, ctx.settings)
    fields = parse(shape.UploadForm, form.fields)
    if isinstance(fields, JSONResponse):
        return fields
    if "image" not in form.files:
        return JSONResponse(shape.validation_envelope([{
            "loc": ("body", "image"), "msg": "Field required", "type": "missing"}]),
            status_code=422)
    data = form.files["image"][0].data
    return await one_card(ctx, data, fields.side, fields.debug, fields.fast_mode)


async def batch_answer(ctx: ServiceContext, jobs: list[tuple[bytes | str, dict[str, Any]]]) -> (
        dict[str, Any]):
    """One governed job per image, concurrently; a failed one is null in `data`."""

    async def one(source: bytes | str, params: dict[str, Any]) -> tuple[Any, Any]:
        try:
            data = decode_base64(source, ctx.settings) if isinstance(source, str) else source
            info, _ = await read_card(ctx, data, params)
        except DocwardenError as error:
            return None, error_body(error)["error"]
        return (info if any(info.values()) else None), None

    answers = await asyncio.gather(*(one(source, params) for source, params in jobs))
    failed = [index for index, (info, _) in enumerate(answers) if info is None]
    errors = [{"index": index, "error": error} for index, (_, error) in enumerate(answers)
              if error is not None]
    done = len(jobs) - len(failed)
    return shape.envelope(shape.Code.SUCCESS, f"处理完成，成功: {done}/{len(jobs)}",
                          [info for info, _ in answers], failed_indices=failed,
                          docwarden={"errors": errors})


@router.post("/ocr/idcard/batch", summary="sfzocr: read up to 10 cards (JSON `images`)",
             openapi_extra=json_body(shape.BatchRequest))
async def recognize_batch(request: Request) -> Response:
    ctx = get_ctx(request)
    body = parse(shape.BatchRequest, await read_json(request))
    if isinstance(body, JSONResponse):
        return body
    jobs: list[tuple[bytes | str, dict[str, Any]]] = [
        (item.image, params_of(item.side, False, item.fast_mode)) for item in body.images]
    return JSONResponse(await batch_answer(ctx, jobs))


@router.post("/ocr/idcard/batch/upload",
             summary="sfzocr: read a card's front and back (multipart `front_image`, `back_image`)",
             openapi_extra=form_body({"front_image": FILE_PART, "back_image": FILE_PART,
                                      "fast_mode": TEXT_PART}))
async def recognize_batch_upload(request: Request) -> Response:
    ctx = get_ctx(request)
    form = await read_form(request, ctx.settings)
    fields = parse(shape.UploadForm, {k: v for k, v in form.fields.items() if k == "fast_mode"})
    if isinstance(fields, JSONResponse):
        return fields
    jobs: list[tuple[bytes | str, dict[str, Any]]] = [
        (form.files[name][0].data, params_of(side, False, fields.fast_mode))
        for name, side in (("front_image", shape.CardSide.FRONT),
                           ("back_image", shape.CardSide.BACK)) if name in form.files]
    if not jobs:
        return JSONResponse(shape.envelope(shape.Code.PARAM_ERROR, shape.NO_IMAGE_MESSAGE, [],
                                           failed_indices=[]))
    return JSONResponse(await batch_answer(ctx, jobs))
