"""What an outside API fuzzer and hand probes found (issue 15), as properties of the app.

The app runs in-process without its lifespan: no worker is started, and every
request here is answered (or refused) before anything would be dispatched.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from docwarden.api.app import create_app
from docwarden.api.limits import UploadBudget
from docwarden.errors import scrub
from docwarden.monitoring.metrics import Metrics, PoolGauges, duration_buckets
from docwarden.settings import Settings

PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
KEY = "s3cret-key"


class AppClient:
    """Requests straight into the ASGI app (no lifespan: no worker is ever started)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                return await client.request(method, path, **kwargs)

        return asyncio.run(send())

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)


def make_client(**overrides: Any) -> Iterator[AppClient]:
    settings = Settings(engines=["ocr", "pdf", "idcard"], enable_chaos=True, **overrides)
    app = create_app(settings)
    try:
        yield AppClient(app)
    finally:
        app.state.ctx.supervisor.close()


@pytest.fixture
def client() -> Iterator[AppClient]:
    yield from make_client()


@pytest.fixture
def keyed() -> Iterator[AppClient]:
    yield from make_client(api_key=KEY)


def error_code(response: Any) -> str:
    return str(response.json()["error"]["code"])


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "1e400", "0", "-5", "0.001",
                                   "1e9", "abc"])
def test_timeout_must_be_finite_and_in_range_on_every_route(client: AppClient,
                                                            value: str) -> None:
    form = client.post("/v1/ocr", files={"file": ("a.png", PNG_1PX)}, data={"timeout_s": value})
    number = value if value == "abc" else float(value)
    as_json = {"content-type": "application/json"}
    chaos = client.post("/v1/chaos", content=json.dumps({"hang": True, "timeout_s": number}),
                        headers=as_json)  # NaN and Infinity as JSON literals
    job = client.post("/v1/jobs", json={"engine": "chaos", "input": {"timeout_s": value}})
    for response in (form, chaos, job):
        assert response.status_code == 422, response.text
        assert "timeout_s" in response.json()["error"]["message"]


@pytest.mark.parametrize("body", [{"dpi": 1e400}, {"dpi": "nan"}, {"dpi": 10},
                                  {"pages": "1;rm"}, {"nosuch": 1}])
def test_pdf_params_are_validated_at_admission(client: AppClient, body: dict[str, Any]) -> None:
    raw = json.dumps({"pdf_base64": base64.b64encode(b"%PDF-1.4\n").decode(), **body})
    response = client.post("/v1/pdf", content=raw.replace('"nan"', "NaN"),
                           headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert error_code(response) == "invalid_input"


@pytest.mark.parametrize("params", [{"sleep_s": "nan"}, {"leak_mb": -1}, {"crash": "boom"},
                                    {"spike_mb": 1e400}])
def test_chaos_params_are_validated(client: AppClient, params: dict[str, Any]) -> None:
    response = client.post("/v1/chaos", content=json.dumps(params),
                           headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("path", ["/v1/ocr", "/v1/jobs"])
def test_deeply_nested_json_is_a_422(client: AppClient, path: str) -> None:
    body = "[" * 100_000 + "]" * 100_000
    response = client.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "nested" in response.json()["error"]["message"]


def test_wrong_method_is_405_with_allow(client: AppClient) -> None:
    response = client.get("/v1/ocr")
    assert response.status_code == 405
    assert error_code(response) == "method_not_allowed"
    assert "POST" in response.headers["allow"]


def test_object_reprs_never_reach_a_client() -> None:
    assert scrub("cannot identify image file <_io.BytesIO object at 0x7f3a2b1c>") == \
        "cannot identify image file the upload"


def test_bad_image_header_message_has_no_repr(client: AppClient) -> None:
    response = client.post("/v1/ocr", files={"file": ("a.png", PNG_1PX[:20] + b"\0" * 40)})
    assert response.status_code == 422
    assert " at 0x" not in response.text


def test_json_batch_body_is_capped_at_single_file_size() -> None:
    for client in make_client(max_upload_mb=1):
        big = json.dumps({"image_base64": "A" * (4 * 1024 * 1024)})
        response = client.post("/v1/ocr/batch", content=big,
                               headers={"content-type": "application/json"})
        assert response.status_code == 413


def test_upload_budget_refuses_with_retry_after() -> None:
    budget = UploadBudget(limit_bytes=100)
    assert budget.take(80, held=0)
    assert not budget.take(30, held=0)  # another request: over the budget
    assert budget.take(30, held=80)  # the only request in flight may exceed it
    budget.give_back(110)
    assert budget.used_bytes == 0
    assert budget.take(500, held=0)  # alone: a request bigger than the budget still runs


def test_budget_full_answers_429_before_reading() -> None:
    for client in make_client(max_buffered_upload_mb=1, max_upload_mb=5):
        ctx_budget = _budget_of(client)
        ctx_budget.used_bytes = 900 * 1024  # another request holds most of it
        response = client.post("/v1/ocr", files={"file": ("a.png", PNG_1PX + b"\0" * 400_000)})
        assert response.status_code == 429
        assert error_code(response) == "overloaded"
        assert int(response.headers["retry-after"]) >= 1


def _budget_of(client: AppClient) -> UploadBudget:
    app: Any = client.app
    stack = app.build_middleware_stack()
    while stack is not None:
        if hasattr(stack, "budget"):
            app.middleware_stack = stack
            return stack.budget  # type: ignore[no-any-return]
        stack = getattr(stack, "app", None)
    raise AssertionError("no BodyLimitMiddleware")


def test_docs_need_the_key_unless_public(keyed: AppClient) -> None:
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert keyed.get(path).status_code == 401
        assert keyed.get(path, headers={"authorization": f"Bearer {KEY}"}).status_code == 200
    for client in make_client(api_key=KEY, public_docs=True):
        assert client.get("/openapi.json").status_code == 200


def test_openapi_describes_engine_bodies_errors_and_security(keyed: AppClient) -> None:
    doc = keyed.get("/openapi.json", headers={"x-api-key": KEY}).json()
    assert "bearerAuth" in doc["components"]["securitySchemes"]
    pdf = doc["paths"]["/v1/pdf"]["post"]
    form = pdf["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert {"file", "dpi", "pages", "password", "timeout_s"} <= set(form["properties"])
    assert form["additionalProperties"] is False
    assert {"413", "415", "422", "429", "503", "504"} <= set(pdf["responses"])
    assert "front" in doc["paths"]["/v1/idcard/batch"]["post"]["requestBody"][
        "content"]["multipart/form-data"]["schema"]["properties"]
    assert "requestBody" in doc["paths"]["/v1/jobs"]["post"]
    assert doc["paths"]["/health"]["get"]["security"] == []
    metrics = doc["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert "application/json" not in metrics


def test_stale_worker_series_are_removed() -> None:
    metrics = Metrics()
    gauges = PoolGauges(metrics, "ocr", ["idle"])
    gauges.publish(0, {}, [(0, 100), (1, 200)])
    gauges.publish(0, {}, [(1, 300)])
    text = metrics.render().decode()
    assert 'slot="0"' not in text
    assert 'docwarden_worker_rss_bytes{engine="ocr",slot="1"} 300.0' in text


def test_duration_buckets_reach_the_longest_deadline() -> None:
    assert duration_buckets(3600)[-1] == 3600
    assert max(duration_buckets(7200)) == 7200
    assert 1800 in duration_buckets(3600)
