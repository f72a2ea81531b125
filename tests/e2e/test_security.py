"""The security review against the real server: body limits, job ids, the API key."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from docwarden.api.limits import body_limit_bytes
from tests.e2e.conftest import Server, assert_error, launch

API_KEY = "sk-e2e-9f3c1a7d5b2e4f60"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
UPLOAD_MB = 20
SIXTY_MB = 60 * 1024 * 1024
ANSWER_WITHIN_S = 5.0
BAD_JOB_PATHS = [
    "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "A" * 32, "0" * 31, "0" * 33, "g" * 32,
    "0" * 31 + "%00", "0" * 31 + "%2F", "%EF%BC%90" * 32, "0" * 16 + "%20" + "0" * 15,
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    started = launch(tmp_path_factory.mktemp("security"), api_key=API_KEY, log_level="DEBUG",
                     max_upload_mb=UPLOAD_MB, workers=1)
    yield started
    started.stop()


def raw_post_headers_only(server: Server, path: str, declared_bytes: int,
                          auth: bool = True) -> tuple[int, bytes]:
    """Declare a body, send none of it, and read the answer: only a server that refuses
    before reading can answer while the body is still missing."""
    host, port = server.url.removeprefix("http://").split(":")
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {declared_bytes}\r\n"
            + (f"Authorization: Bearer {API_KEY}\r\n" if auth else "") + "\r\n")
    with socket.create_connection((host, int(port)), timeout=ANSWER_WITHIN_S) as sock:
        sock.sendall(head.encode() + b"{")
        received = b""
        while b"\r\n\r\n" not in received or not received.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    status_line, _, rest = received.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


@pytest.mark.parametrize("path", ["/v1/chaos", "/v1/jobs", "/v1/ocr", "/v1/ocr/batch"])
def test_a_60_mb_body_is_refused_before_it_is_read(server: Server, path: str) -> None:
    declared = max(SIXTY_MB, body_limit_bytes(path, b"multipart/form-data",
                                              UPLOAD_MB * 1024 * 1024, 10) + 1)
    started = time.monotonic()
    status, body = raw_post_headers_only(server, path, declared)
    assert time.monotonic() - started < ANSWER_WITHIN_S
    assert status == 413 and b'"input_too_large"' in body, body
    status, body = raw_post_headers_only(server, path, declared, auth=False)
    assert status == 413, body  # refused before authentication even looks at it


def test_a_streamed_body_over_the_limit_is_cut(server: Server) -> None:
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        while sent < SIXTY_MB:
            sent += 1024 * 1024
            yield b"\0" * (1024 * 1024)

    try:
        answer = httpx.post(server.url + "/v1/chaos", content=chunks(),
                            headers={**AUTH, "Content-Type": "application/json"},
                            timeout=60)
    except httpx.TransportError:
        pass  # the server closed the connection instead of reading the rest: also a refusal
    else:
        assert_error(answer, 413, "input_too_large")
    server.wait_ready(timeout_s=10)


def tree_snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file() and not p.name.endswith(("-wal", "-shm"))}


def test_bad_job_ids_answer_404_and_leave_the_data_dir_alone(server: Server) -> None:
    data_dir = server.tmp_dir.parent / "data"
    before = tree_snapshot(data_dir)
    # A trailing %2F gets the framework's slash redirect first; where it leads is a 404 too.
    with server.client(headers=AUTH, follow_redirects=True) as client:
        for bad in BAD_JOB_PATHS:
            for method, suffix in (("GET", ""), ("GET", "/result"), ("DELETE", "")):
                answer = client.request(method, f"/v1/jobs/{bad}{suffix}")
                assert_error(answer, 404, "not_found")
        assert_error(client.get("/v1/jobs/" + "0" * 32), 404, "not_found")
    assert tree_snapshot(data_dir) == before


def all_answers(server: Server) -> list[httpx.Response]:
    """Right, wrong and malformed keys on every kind of route, answers kept."""
    wrong = [API_KEY[:-1], API_KEY + "x", API_KEY.upper(), "null", f"{API_KEY} {API_KEY}"]
    answers: list[httpx.Response] = []
    with server.client() as client:
        for headers in [AUTH, {"Authorization": f"Basic {API_KEY}"},
                        *({"Authorization": f"Bearer {key}"} for key in wrong)]:
            answers += [client.post("/v1/chaos", json={"sleep_s": 0, "echo": 1}, headers=headers),
                        client.post("/v1/chaos", json={"crash": "bogus"}, headers=headers),
                        client.get("/metrics", headers=headers),
                        client.get("/health", headers=headers),
                        client.get("/ready", headers=headers),
                        client.get("/v1/nowhere", headers=headers),
                        client.post("/v1/jobs", json={"engine": "chaos", "input": {}},
                                    headers=headers)]
        submitted = next(a for a in answers if a.status_code == 202)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status = client.get(submitted.headers["Location"], headers=AUTH)
            answers.append(status)
            if status.json()["status"] in ("done", "failed"):
                break
            time.sleep(0.1)
        answers.append(client.get(submitted.headers["Location"] + "/result", headers=AUTH))
    return answers


def test_the_api_key_never_appears_in_headers_bodies_or_logs(server: Server) -> None:
    answers = all_answers(server)
    statuses = {a.status_code for a in answers}
    assert {200, 202, 401, 404, 422} <= statuses, statuses
    for answer in answers:
        for name, value in answer.headers.items():
            assert API_KEY not in value, (name, answer.request.url)
        assert API_KEY not in answer.text, answer.request.url
    log = server.log()
    assert '"level": "debug"' in log and "job finished" in log  # the most verbose log
    assert API_KEY not in log
    assert API_KEY[:12] not in log  # not even a prefix of it
