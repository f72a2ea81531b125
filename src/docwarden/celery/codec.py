"""Jobs and answers as plain JSON: what crosses Redis between API and compute nodes.

Celery is configured for JSON only (a pickle from the network is code execution),
so bytes travel base64-encoded.  A governed failure travels as an answer
(`{"error": error.to_dict()}`), not as a Celery exception: it is not retried, and
the API raises the same `DocwardenError` class a local pool would have raised.
No Celery import here, so the encoding is tested without a broker.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from docwarden.errors import DocwardenError, InternalError, JobTimeout
from docwarden.jobdata import BinaryResult, EngineResult, JobOutcome, JobPayload

NODE_FIELD = "node"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise InternalError("a job message carried a non-text file field")
    return base64.b64decode(text, validate=True)


def encode_payload(payload: JobPayload) -> dict[str, Any]:
    """The job's input as JSON values (files base64, params already JSON-safe)."""
    return {"data": None if payload.data is None else _b64(payload.data),
            "files": {name: _b64(data) for name, data in payload.files.items()},
            "params": payload.params, "last_of_batch": payload.last_of_batch}


def decode_payload(body: Mapping[str, Any]) -> JobPayload:
    data = body.get("data")
    files = body.get("files") or {}
    return JobPayload(data=None if data is None else _unb64(data),
                      files={str(name): _unb64(text) for name, text in files.items()},
                      params=dict(body.get("params") or {}),
                      last_of_batch=bool(body.get("last_of_batch", False)))


def encode_result(result: EngineResult) -> dict[str, Any]:
    if isinstance(result, BinaryResult):
        return {"binary": {"data": _b64(result.data), "media_type": result.media_type,
                           "meta": result.meta}}
    return {"json": result}


def decode_result(body: Mapping[str, Any]) -> EngineResult:
    binary = body.get("binary")
    if isinstance(binary, Mapping):
        return BinaryResult(_unb64(binary.get("data")), str(binary.get("media_type")),
                            dict(binary.get("meta") or {}))
    result = body.get("json")
    if not isinstance(result, dict):
        raise InternalError("a node answered with a result that is not an object")
    return result


def outcome_answer(outcome: JobOutcome, node: str) -> dict[str, Any]:
    """What a node's task returns for a finished job."""
    return {"result": encode_result(outcome.result), "worker_pid": outcome.worker_pid,
            "duration_s": outcome.duration_s, "queue_wait_s": outcome.queue_wait_s,
            "peak_rss_bytes": outcome.peak_rss_bytes, "max_rss_bytes": outcome.max_rss_bytes,
            NODE_FIELD: node}


def error_answer(error: DocwardenError, node: str) -> dict[str, Any]:
    """What a node's task returns for a governed failure (Retry-After kept apart:
    `to_dict` is the client's body and does not carry it)."""
    return {"error": error.to_dict(), "retry_after_s": error.retry_after_s, NODE_FIELD: node}


def error_from_answer(answer: Mapping[str, Any]) -> DocwardenError:
    body = answer.get("error")
    error = DocwardenError.from_dict(dict(body) if isinstance(body, Mapping) else {})
    retry_after_s = answer.get("retry_after_s")
    if isinstance(retry_after_s, int | float):
        error.retry_after_s = float(retry_after_s)
    return error


def outcome_from_answer(answer: Mapping[str, Any]) -> JobOutcome:
    """The node's answer as the local pool would give it; raises its error.

    The node's name joins the result (`node` in a JSON body, a header for binary
    results), so a caller can tell which machine ran its job.
    """
    if "error" in answer:
        raise error_from_answer(answer)
    result = decode_result(answer.get("result") or {})
    node = str(answer.get(NODE_FIELD, ""))
    if isinstance(result, BinaryResult):
        result = BinaryResult(result.data, result.media_type, {**result.meta, NODE_FIELD: node})
    else:
        result = {**result, NODE_FIELD: node}
    return JobOutcome(result=result, worker_pid=_int(answer, "worker_pid"),
                      duration_s=_float(answer, "duration_s"),
                      queue_wait_s=_float(answer, "queue_wait_s"),
                      peak_rss_bytes=_int(answer, "peak_rss_bytes"),
                      max_rss_bytes=_int(answer, "max_rss_bytes"))


def _int(answer: Mapping[str, Any], name: str) -> int:
    return int(answer.get(name) or 0)


def _float(answer: Mapping[str, Any], name: str) -> float:
    return float(answer.get(name) or 0.0)


def outcome_from_task(status: str, value: object) -> JobOutcome:
    """A finished Celery task's state and value: the outcome, or the error to raise.

    SUCCESS carries a node's answer; FAILURE means the task body itself broke (a
    bug, not a governed failure); REVOKED means the job expired before a node took it.
    """
    if status == "SUCCESS" and isinstance(value, Mapping):
        return outcome_from_answer(value)
    if status == "REVOKED":
        raise JobTimeout("the job's deadline passed before a node took it")
    kind = value.get("exc_type") if isinstance(value, Mapping) else type(value).__name__
    raise InternalError(f"the job failed on its node ({status}: {kind})")
