"""Routes of the seed deployments (the DeepSeek-OCR server), mapped to the OCR engine."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from docwarden.api.context import get_ctx
from docwarden.api.engine_routes import (
    ROUTES,
    build_payload,
    dispatch,
    render,
    run_batch,
    timeout_of,
)
from docwarden.api.uploads import read_upload

router = APIRouter(tags=["compatibility"])
REQUIRED_ENGINE = "ocr"
OCR_ROUTE = next(route for route in ROUTES if route.path == "/v1/ocr")


@router.post("/ocr", summary="Compatibility: OCR one image (answers `text`, `processing_time`)")
async def ocr(request: Request) -> Response:
    ctx = get_ctx(request)
    upload = await read_upload(request, ctx.settings)
    outcome = await dispatch(ctx, "ocr", build_payload(ctx, OCR_ROUTE, upload),
                             timeout_of(upload))
    return render(outcome, {"processing_time": round(outcome.duration_s, 4)})


@router.post("/ocr/batch", summary="Compatibility: OCR several images")
async def ocr_batch(request: Request) -> dict[str, Any]:
    results = await run_batch(request, "ocr")
    for item in results:
        if "processing_time_s" in item:
            item["processing_time"] = item["processing_time_s"]
    return {"results": results}
