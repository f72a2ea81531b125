"""Routes of the seed deployments (the DeepSeek-OCR server), mapped to the OCR engine."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from docwarden.api.engine_routes import items_handler, single_handler
from docwarden.engines.registry import engine_spec

router = APIRouter(tags=["compatibility"])
REQUIRED_ENGINE = "ocr"
_single = single_handler(engine_spec("ocr"))
_items = items_handler(engine_spec("ocr"))


@router.post("/ocr", summary="Compatibility: OCR one image (answers `text`, `processing_time`)")
async def ocr(request: Request) -> Response:
    response = await _single(request)
    return _with_processing_time(response)


@router.post("/ocr/batch", summary="Compatibility: OCR several images")
async def ocr_batch(request: Request) -> Response:
    return _with_processing_time(await _items(request))


def _with_processing_time(response: Response) -> Response:
    """Upstream's clients read `processing_time` (seconds), beside docwarden's own field."""
    import json

    from fastapi.responses import JSONResponse

    body: dict[str, Any] = json.loads(bytes(response.body))
    for item in [body, *body.get("results", [])]:
        if "processing_time_s" in item:
            item["processing_time"] = item["processing_time_s"]
    return JSONResponse(body, status_code=response.status_code)
