"""Every hostile file gets a clear 4xx JSON (or a bounded success where allowed),
and the service stays healthy; temp files never pile up (issue 4)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Server, assert_error, launch

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile"
INDEX = json.loads((HOSTILE / "hostile.json").read_text(encoding="utf-8"))["files"]
ERROR_CODES = {"invalid_input", "unsupported_media_type", "input_too_large", "poison_input",
               "job_timeout", "worker_crashed"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    started = launch(tmp_path_factory.mktemp("hostile"), engines="ocr,pdf", workers=1,
                     job_timeout_s=60, max_upload_mb=5, hard_worker_rss_mb=2500,
                     enable_chaos=0)
    yield started
    started.stop()


def route_for(name: str) -> str:
    return "/v1/pdf" if name.lower().endswith(".pdf") else "/v1/ocr"


def must_reject(entry: dict[str, object]) -> bool:
    """hostile.json's behaviours that allow no success ('or recover' ones may succeed)."""
    behaviour = str(entry["expected_api_behaviour"])
    return behaviour.startswith("reject cleanly (4xx), no crash") or "max-page" in behaviour


@pytest.mark.parametrize("name", sorted(INDEX))
def test_hostile_file(server: Server, name: str) -> None:
    data = (HOSTILE / name).read_bytes()
    with server.client() as client:
        answer = client.post(route_for(name), files={"file": (Path(name).name, data)})
        if answer.status_code == 200:
            assert not must_reject(INDEX[name]), answer.text[:300]
        else:
            body = answer.json()["error"]
            assert 400 <= answer.status_code < 600 and answer.status_code != 500, answer.text
            assert body["code"] in ERROR_CODES, body
    server.wait_ready(timeout_s=60)  # a worker killed by this file is replaced


def test_service_healthy_after_the_corpus(server: Server) -> None:
    with server.client() as client:
        health = client.get("/health").json()
    assert health["status"] == "healthy"
    assert {w["engine"] for w in health["workers"]} == {"ocr", "pdf"}


def test_temp_files_are_removed_after_200_requests(server: Server) -> None:
    big_png = (HOSTILE / "generated" / "bomb_png_30000x30000_1bit.png").read_bytes()
    padding = b"\0" * (2 * 1024 * 1024)  # over Starlette's 1 MB spool: a real temp file
    uploads = [
        ("/v1/ocr", {"file": ("tiny.png", (HOSTILE / "generated" / "tiny_1x1.png").read_bytes())}),
        ("/v1/ocr", {"file": ("bomb.png", big_png)}),
        ("/v1/ocr", {"file": ("text.png", b"just text" + padding)}),
        ("/v1/pdf", {"file": ("zip.pdf", (HOSTILE / "generated" / "zip_as.pdf").read_bytes())}),
        ("/v1/ocr/batch", {"files": ("tiny.png", (HOSTILE / "generated" / "tiny_1x1.png")
                                     .read_bytes())}),
    ]
    with server.client() as client:
        for i in range(200):
            path, files = uploads[i % len(uploads)]
            assert client.post(path, files=files).status_code < 500
        too_big = client.post("/v1/ocr", files={"file": ("x.png", b"\x89PNG" + b"\0" * 6_000_000)})
        assert_error(too_big, 413, "input_too_large")
    leftovers = list(server.tmp_dir.iterdir())
    assert leftovers == [], leftovers


def test_error_codes_of_the_input_guards(server: Server) -> None:
    generated = HOSTILE / "generated"
    with server.client() as client:
        assert_error(client.post("/v1/ocr", files={"file": ("a.png", b"hello")}),
                     415, "unsupported_media_type")
        assert_error(client.post("/v1/ocr", files={"file": ("a.png", (
            generated / "header_only_60000x60000.png").read_bytes())}), 413, "input_too_large")
        assert_error(client.post("/v1/ocr", files={"file": ("a.png", b"")}), 422, "invalid_input")
        assert_error(client.post("/v1/ocr", json={"image_base64": "!!notbase64"}),
                     422, "invalid_input")
        assert_error(client.post("/v1/ocr", content=b"x", headers={"content-type": "text/plain"}),
                     422, "invalid_input")
        assert_error(client.post("/v1/pdf", files={"file": ("a.pdf", (
            generated / "pdf_20000_pages.pdf").read_bytes())}), 413, "input_too_large")
        batch = [("files", ("t.png", b"hello"))] * 11
        assert_error(client.post("/v1/ocr/batch", files=batch), 413, "input_too_large")
        big = httpx.post(server.url + "/v1/ocr", content=b"\0" * (30 * 1024 * 1024),
                         headers={"content-type": "application/octet-stream"}, timeout=60)
        assert_error(big, 413, "input_too_large")
