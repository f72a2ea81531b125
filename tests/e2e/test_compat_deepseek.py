"""The DeepSeek-OCR server's clients against a real docwarden over HTTP (issue 17).

Requests are shaped as ch-neural/deepseek-ocr-api's test_api.py sends them with
python-requests (`files={'file': open(path, 'rb')}`, an optional `prompt` form field,
repeated `files` parts); answers are read the way it reads them (`text`, `image_path`,
`prompt`, `total`, `results`; `{"error": ...}` otherwise).  The GPU figures come from
FAKE_NVML, a file this module writes and removes, so the test means the same on a host
with or without a GPU.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Server, launch

DATA = Path(__file__).resolve().parents[1] / "data" / "ocr"
REC = DATA / "text_rec.jpg"  # exactly "韩国小馆"
CLS = DATA / "text_cls.jpg"  # exactly "怪我咯" (upside down)
POSTER = DATA / "ch_en_num.jpg"  # first line "正品促销"
DEFAULT_PROMPT = "<image>\nFree OCR."
NO_GPU = {"available": False, "total_mb": 0, "used_mb": 0, "free_mb": 0, "usage_percent": 0}
UPLOAD_MB = 1
MAX_BATCH = 3


@pytest.fixture(scope="module")
def nvml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the fake NVML readings go; absent means "no GPU"."""
    return tmp_path_factory.mktemp("nvml") / "gpu.json"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, nvml: Path) -> Iterator[Server]:
    started = launch(tmp_path_factory.mktemp("deepseek"), engines="ocr", workers=1,
                     enable_chaos=0, job_timeout_s=60, max_upload_mb=UPLOAD_MB,
                     max_batch=MAX_BATCH, fake_nvml=nvml)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as opened:
        yield opened


def norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def multipart(name: str, filename: str, data: bytes) -> tuple[bytes, dict[str, str]]:
    """One file part exactly as a browser or requests sends it, `filename=""` included
    (httpx drops an empty filename)."""
    boundary = "deepseekboundary7f3a"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, {"content-type": f"multipart/form-data; boundary={boundary}"}


def error(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """That server's error shape: `{"error": "<message>"}`, plus docwarden's code."""
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert isinstance(body["error"], str) and body["error"]
    assert body["error_code"] == code and isinstance(body["retryable"], bool)
    assert " object at 0x" not in body["error"]
    return body


def test_ocr_reads_an_open_file_as_requests_sends_it(client: httpx.Client) -> None:
    with REC.open("rb") as handle:
        answer = client.post("/ocr", files={"file": handle})
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert norm(result["text"]) == "韩国小馆"
    assert result["image_path"] == "text_rec.jpg" and result["prompt"] == DEFAULT_PROMPT
    assert isinstance(result["processing_time"], float) and result["processing_time"] >= 0
    assert result["gpu_info_before"] == NO_GPU and result["gpu_info_after"] == NO_GPU
    assert [norm(line["text"]) for line in result["lines"]] == ["韩国小馆"]
    assert result["worker_pid"] > 0 and (result["width"], result["height"]) == (362, 78)


def test_a_custom_prompt_is_answered_back(client: httpx.Client) -> None:
    prompt = "<image>\n請辨識圖片中的所有文字，包含中文和英文。"
    answer = client.post("/ocr", files={"file": ("poster.jpg", POSTER.read_bytes())},
                         data={"prompt": prompt})
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["prompt"] == prompt and result["image_path"] == "poster.jpg"
    assert norm(result["text"].splitlines()[0]) == "正品促销"
    assert len(result["lines"]) > 5


def test_batch_keeps_order_and_a_bad_file_fails_alone(client: httpx.Client) -> None:
    files = [("files", ("a.jpg", REC.read_bytes())), ("files", ("notes.txt", b"hello")),
             ("files", ("c.jpg", CLS.read_bytes()))]
    answer = client.post("/ocr/batch", files=files)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["total"] == 3 and len(result["results"]) == 3
    first, bad, third = result["results"]
    assert (first["image_path"], norm(first["text"])) == ("a.jpg", "韩国小馆")
    assert (third["image_path"], norm(third["text"])) == ("c.jpg", "怪我咯")
    assert first["prompt"] == DEFAULT_PROMPT and third["gpu_info_after"] == NO_GPU
    assert bad["image_path"] == "notes.txt" and "text" not in bad
    assert bad["error_code"] == "unsupported_media_type" and bad["retryable"] is False
    assert "not a supported image" in bad["error"]


def test_missing_files_answer_400_in_that_servers_words(client: httpx.Client) -> None:
    no_part = client.post("/ocr", files={"image": ("a.jpg", REC.read_bytes())})
    no_body = client.post("/ocr")
    json_body = client.post("/ocr", json={"file": "a.jpg"})
    empty_name = client.post("/ocr", content=multipart("file", "", b"")[0],
                             headers=multipart("file", "", b"")[1])
    batch_no_part = client.post("/ocr/batch", files={"file": ("a.jpg", REC.read_bytes())})
    batch_empty = client.post("/ocr/batch", content=multipart("files", "", b"")[0],
                              headers=multipart("files", "", b"")[1])
    for answer in (no_part, no_body, json_body, batch_no_part):
        assert error(answer, 400, "invalid_input")["error"] == "請求中沒有檔案部分"
    assert error(empty_name, 400, "invalid_input")["error"] == "未選擇檔案"
    assert error(batch_empty, 400, "invalid_input")["error"] == "沒有有效的圖片檔案"


def test_bad_images_are_400s_without_internals(client: httpx.Client) -> None:
    text = client.post("/ocr", files={"file": ("notes.txt", b"just text")})
    corrupt = client.post("/ocr", files={"file": ("a.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)})
    error(text, 400, "unsupported_media_type")
    assert "header cannot be read" in error(corrupt, 400, "invalid_input")["error"]


def test_governance_holds_behind_the_profile(client: httpx.Client) -> None:
    big = client.post("/ocr", files={"file": (
        "big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (UPLOAD_MB * 1024 * 1024))})
    many = client.post("/ocr/batch", files=[("files", (f"{i}.jpg", REC.read_bytes()))
                                            for i in range(MAX_BATCH + 1)])
    deadline = client.post("/ocr", files={"file": ("a.jpg", REC.read_bytes())},
                           data={"timeout_s": "0"})
    after = client.post("/ocr", files={"file": ("a.jpg", REC.read_bytes())},
                        data={"timeout_s": "30"})
    assert "DOCWARDEN_MAX_UPLOAD_MB" in error(big, 413, "input_too_large")["error"]
    assert "DOCWARDEN_MAX_BATCH" in error(many, 413, "input_too_large")["error"]
    assert "timeout_s" in error(deadline, 400, "invalid_input")["error"]
    assert after.status_code == 200 and norm(after.json()["text"]) == "韩国小馆"


def test_gpu_figures_and_the_gpu_precheck(client: httpx.Client, nvml: Path) -> None:
    """With a GPU the answers carry its figures; a GPU too full to take the job is that
    server's 500 with `gpu_info` (its "GPU 記憶體不足" answer), retryable here."""
    try:
        nvml.write_text(json.dumps({"name": "Fake H100", "total_mb": 16000, "used_mb": 4000}))
        answer = client.post("/ocr", files={"file": ("a.jpg", REC.read_bytes())})
        nvml.write_text(json.dumps({"name": "Fake H100", "total_mb": 16000, "used_mb": 15800}))
        full = client.post("/ocr", files={"file": ("a.jpg", REC.read_bytes())})
        batch = client.post("/ocr/batch", files=[("files", ("a.jpg", REC.read_bytes()))])
    finally:
        nvml.unlink(missing_ok=True)
    assert answer.status_code == 200, answer.text
    before = answer.json()["gpu_info_before"]
    assert before == {"available": True, "index": 0, "name": "Fake H100", "total_mb": 16000,
                      "used_mb": 4000, "free_mb": 12000, "usage_percent": 25.0}
    assert answer.json()["gpu_info_after"] == before
    body = error(full, 500, "gpu_memory")
    assert body["retryable"] is True and int(full.headers["Retry-After"]) >= 1
    assert body["gpu_info"]["free_mb"] == 200 and body["gpu_info"]["available"] is True
    assert "GPU 0" in body["error"]
    item = batch.json()["results"][0]
    assert batch.status_code == 200 and item["error_code"] == "gpu_memory"
    assert item["image_path"] == "a.jpg" and item["gpu_info"]["used_mb"] == 15800
