"""The OpenAPI document, made true: request bodies from the engines' params models,
the error schema on every status a route can answer, the key as a security scheme.

Handlers read their bodies themselves (multipart or base64 JSON, within upload
budgets), so FastAPI cannot infer their schemas: they are declared here, from
the same params models that validate the requests.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict

from docwarden.engines.spec import EngineSpec
from docwarden.errors import ERROR_CLASSES, ErrorCode, http_status

OperationKind = Literal["single", "joint", "items"]
BASE64_FIELDS = {"image": "image_base64", "pdf": "pdf_base64"}
ERROR_DESCRIPTIONS = {
    401: "API key missing or wrong", 404: "no such route or resource",
    405: "method not allowed on this route", 409: "conflict with the resource's state",
    413: "upload, pixels, pages or batch over the limits",
    415: "not a supported image or PDF by its magic bytes",
    422: "invalid input or parameters, or a quarantined input",
    429: "queue full or upload budget in use; retry after Retry-After",
    500: "internal error (an incident id is in the message and the log)",
    502: "the worker died during the job", 503: "not ready, or no memory/GPU headroom",
    504: "the job's deadline passed; its worker was killed",
}
ENGINE_STATUSES = (401, 413, 415, 422, 429, 500, 502, 503, 504)
PUBLIC: dict[str, Any] = {"security": []}


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")
    code: ErrorCode
    message: str
    retryable: bool


class ErrorBody(BaseModel):
    """Every answer that is not a success."""

    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorBody, "description": ERROR_DESCRIPTIONS[status]}
            for status in statuses}


def _form_property(schema: dict[str, Any]) -> dict[str, Any]:
    """A form field is a string on the wire and cannot be null: drop the null branch."""
    branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
    if len(branches) == 1:
        merged = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
        return {**merged, **branches[0]}
    return {k: v for k, v in schema.items() if k != "default"}


def params_properties(spec: EngineSpec, max_job_timeout_s: float,
                      form: bool) -> dict[str, Any]:
    schema = spec.params.model_json_schema()
    properties: dict[str, Any] = copy.deepcopy(schema.get("properties", {}))
    if form:
        properties = {name: _form_property(prop) for name, prop in properties.items()}
    properties["timeout_s"] = {"type": "number", "minimum": 1, "maximum": max_job_timeout_s,
                               "description": "deadline of this job in seconds "
                                              "(default JOB_TIMEOUT_S)"}
    return properties


def _file_fields(spec: EngineSpec, kind: OperationKind) -> tuple[list[str], bool]:
    """Multipart file fields, and whether at least one of them is required."""
    if kind == "joint":
        return list(spec.joint_files), False
    if kind == "items":
        return ["files"], True
    return (["file"], True) if spec.takes_file else ([], False)


def request_body(spec: EngineSpec, kind: OperationKind, max_job_timeout_s: float,
                 max_batch: int) -> dict[str, Any]:
    files, required = _file_fields(spec, kind)
    binary = {"type": "string", "format": "binary", "minLength": 1}
    form_props = params_properties(spec, max_job_timeout_s, form=True)
    for name in files:
        form_props[name] = {"type": "array", "items": binary, "minItems": 1,
                            "maxItems": max_batch} if kind == "items" else binary
    form = {"type": "object", "properties": form_props, "additionalProperties": False}
    if required:
        form["required"] = files
    content: dict[str, Any] = {"multipart/form-data": {"schema": form}}
    if kind == "single":
        content["application/json"] = {"schema": _json_schema(spec, max_job_timeout_s)}
    return {"required": True, "content": content}


def _json_schema(spec: EngineSpec, max_job_timeout_s: float) -> dict[str, Any]:
    props = params_properties(spec, max_job_timeout_s, form=False)
    schema: dict[str, Any] = {"type": "object", "properties": props,
                              "additionalProperties": False}
    if spec.takes_file:
        key = BASE64_FIELDS.get(spec.input.value, "file_base64")
        props[key] = {"type": "string", "contentEncoding": "base64",
                      "description": "the file, base64 (a data: URL prefix is accepted)"}
        schema["required"] = [key]
    return schema


def _success(spec: EngineSpec, kind: OperationKind) -> dict[int | str, dict[str, Any]]:
    if spec.binary_result and kind != "items":
        content = {"image/png": {"schema": {"type": "string", "format": "binary"}}}
        return {200: {"description": "the result's bytes", "content": content}}
    return {200: {"description": "the engine's result (JSON)",
                  "content": {"application/json": {"schema": {"type": "object"}}}}}


def engine_operation(spec: EngineSpec, kind: OperationKind, max_job_timeout_s: float,
                     max_batch: int) -> dict[str, Any]:
    """`add_api_route` keyword arguments documenting one engine route."""
    summary = {"single": spec.summary, "joint": f"{spec.summary}: "
               f"{' and '.join(spec.joint_files)} as one job",
               "items": f"{spec.summary}: one job per file (up to MAX_BATCH)"}[kind]
    return {"summary": summary, "name": f"{spec.name}_{kind}",
            "openapi_extra": {"requestBody": request_body(spec, kind, max_job_timeout_s,
                                                          max_batch)},
            "responses": {**_success(spec, kind), **error_responses(*ENGINE_STATUSES)}}


def install_openapi(app: FastAPI, api_key_set: bool) -> None:
    """Generate the document once; declare the key scheme only when a key is required."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            if api_key_set:
                components = schema.setdefault("components", {})
                components["securitySchemes"] = {
                    "bearerAuth": {"type": "http", "scheme": "bearer"},
                    "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}
                schema["security"] = [{"bearerAuth": []}, {"apiKeyHeader": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def documented_statuses() -> set[int]:
    """Every status the error tree can answer with (a test keeps the table complete)."""
    return {http_status(cls("")) for cls in ERROR_CLASSES.values()}
