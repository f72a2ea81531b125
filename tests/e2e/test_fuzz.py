"""Hypothesis-driven hostile uploads against a real server (OCR and PDF engines).

Every answer must be a 200 of the route's shape or an error of DESIGN.md's table
(`{"error": {code, message, retryable}}` with the table's status), never a 500
`internal_error`; afterwards the service is still ready and its TMPDIR is empty.

The default run is bounded (DEFAULT_EXAMPLES per route); raise it for a long
fuzzing session with `DOCWARDEN_FUZZ_EXAMPLES=500 pytest tests/e2e/test_fuzz.py`.
"""

from __future__ import annotations

import base64
import os
import struct
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from docwarden.errors import HTTP_STATUS, ErrorCode
from tests.e2e.conftest import Server, launch

DEFAULT_EXAMPLES = 25
EXAMPLES = int(os.environ.get("DOCWARDEN_FUZZ_EXAMPLES", DEFAULT_EXAMPLES))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
DATA = Path(__file__).resolve().parents[1] / "data"
IMAGE_SEEDS = [(DATA / "ocr" / name).read_bytes() for name in (
    "en_rec.jpg", "text_rec.jpg", "text_cls.jpg", "issue_170.png",
    "white_font_color_transparent.png")]
PDF_SEEDS = [(DATA / "pdf" / name).read_bytes() for name in (
    "hostile/generated/minimal_valid.pdf", "docling/text/invisible_text_layer.pdf",
    "docling/text/multi_page.pdf", "pypdf/r6-user-password.pdf")]
MAGIC = [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"BM", b"II*\x00", b"MM\x00*", b"GIF87a",
         b"GIF89a", b"RIFF\x10\x00\x00\x00WEBPVP8 ", b"%PDF-1.7\n"]
ALLOWED_CODES = {code.value for code in ErrorCode} - {"internal_error", "unauthorized"}
JOB_TERMINAL = {"done", "failed"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    started = launch(tmp_path_factory.mktemp("fuzz"), engines="ocr,pdf", enable_chaos=0,
                     workers=1, job_timeout_s=20, max_upload_mb=5, max_pdf_pages=50)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as opened:
        yield opened


# ---- inputs -------------------------------------------------------------------------------


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@st.composite
def huge_png(draw: st.DrawFn) -> bytes:
    """A PNG whose IHDR declares any size up to the format's 2**31-1, with valid CRCs."""
    width = draw(st.integers(1, 2**31 - 1))
    height = draw(st.integers(1, 2**31 - 1))
    depth, color = draw(st.sampled_from([(8, 2), (8, 6), (1, 0), (16, 2), (8, 3), (8, 0)]))
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0)
    idat = zlib.compress(draw(st.binary(max_size=64)))
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + \
        png_chunk(b"IEND", b"")


@st.composite
def huge_jpeg(draw: st.DrawFn) -> bytes:
    """A real JPEG whose frame header (SOF0) declares another size."""
    data = bytearray(IMAGE_SEEDS[0])
    sof = data.find(b"\xff\xc0")
    assert sof > 0
    data[sof + 5:sof + 9] = struct.pack(">HH", draw(st.integers(0, 65535)),
                                        draw(st.integers(0, 65535)))
    return bytes(data)


def pdf_document(page_extra: str, pages_root: str = "2 0 R") -> bytes:
    """A PDF with a correct xref: catalog, page tree, one page carrying `page_extra`."""
    objects = [f"<< /Type /Catalog /Pages {pages_root} >>",
               "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] {page_extra} >>"]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"\
        .encode()
    return bytes(out)


@st.composite
def deep_pdf(draw: st.DrawFn) -> bytes:
    """Nested arrays, dicts or page-tree nodes, thousands deep, inline in the page."""
    depth = draw(st.integers(10, 20_000))
    kind = draw(st.sampled_from(["array", "dict", "mixed", "pages"]))
    if kind == "array":
        return pdf_document("/Deep " + "[" * depth + "]" * depth)
    if kind == "dict":
        return pdf_document("/Deep " + "<< /A " * depth + ">>" * depth)
    if kind == "mixed":
        return pdf_document("/Annots " + "[<< /B " * depth + "0 >>]" * depth)
    kids = "<< /Type /Pages /Count 1 /Kids [" * depth + "3 0 R" + "] >>" * depth
    return pdf_document("", pages_root=kids)


def truncated(seeds: list[bytes]) -> st.SearchStrategy[bytes]:
    return st.sampled_from(seeds).flatmap(
        lambda data: st.integers(0, len(data) - 1).map(lambda size: data[:size]))


def bit_flipped(seeds: list[bytes]) -> st.SearchStrategy[bytes]:
    @st.composite
    def flip(draw: st.DrawFn) -> bytes:
        data = bytearray(draw(st.sampled_from(seeds)))
        for _ in range(draw(st.integers(1, 24))):
            position = draw(st.integers(0, len(data) - 1))
            data[position] ^= 1 << draw(st.integers(0, 7))
        return bytes(data)

    return flip()


def random_bytes() -> st.SearchStrategy[bytes]:
    """Bare noise, and noise behind a real magic number (reaches the header parsers)."""
    noise = st.binary(max_size=4096)
    return st.one_of(noise, st.tuples(st.sampled_from(MAGIC), noise).map(b"".join))


IMAGES = st.one_of(random_bytes(), truncated(IMAGE_SEEDS), bit_flipped(IMAGE_SEEDS),
                   huge_png(), huge_jpeg())
PDFS = st.one_of(random_bytes(), truncated(PDF_SEEDS), bit_flipped(PDF_SEEDS), deep_pdf())
PART_TYPES = st.sampled_from(["image/png", "application/pdf", "text/plain", "image/jpeg",
                              "application/octet-stream", "x/\u00e9", "multipart/mixed"])


# ---- answers ------------------------------------------------------------------------------


def check_error(body: Any, status: int) -> str:
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert {"code", "message", "retryable"} <= set(error), error
    assert error["code"] in ALLOWED_CODES, error
    assert HTTP_STATUS[ErrorCode(error["code"])] == status, (status, error)
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["retryable"], bool)
    assert "Traceback" not in error["message"]
    return str(error["code"])


def check_ocr_result(body: Any) -> None:
    assert isinstance(body, dict), body
    assert isinstance(body["text"], str) and isinstance(body["lines"], list), body
    assert isinstance(body["width"], int) and isinstance(body["height"], int)


def check_answer(answer: httpx.Response, on_success: Callable[[Any], None]) -> Any:
    assert answer.headers.get("content-type", "").startswith("application/json"), answer.text
    body = answer.json()
    if answer.status_code in (200, 202):
        on_success(body)
    elif answer.request.url.path == "/ocr":
        check_deepseek_error(body, answer.status_code)
    else:
        check_error(body, answer.status_code)
    return body


def check_deepseek_error(body: Any, status: int) -> None:
    """The DeepSeek-OCR profile answers its upstream shape: the message is a string."""
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], body
    assert body["error_code"] in ALLOWED_CODES and isinstance(body["retryable"], bool), body
    assert status in (400, 401, 404, 413, 429, 500, 503), (status, body)
    assert "Traceback" not in body["error"]


def check_batch(body: Any) -> None:
    assert isinstance(body, dict) and isinstance(body["results"], list), body
    for item in body["results"]:
        if "error" in item:
            check_error({"error": item["error"]},
                        HTTP_STATUS[ErrorCode(item["error"]["code"])])
        else:
            check_ocr_result(item)


def check_pdf_result(body: Any) -> None:
    assert isinstance(body, dict) and isinstance(body["markdown"], str), body
    assert isinstance(body["pages"], list)


# ---- the fuzzing --------------------------------------------------------------------------


@FUZZ
@given(data=IMAGES, form=st.sampled_from(["multipart", "json", "data_url"]),
       part_type=PART_TYPES)
def test_fuzz_ocr(client: httpx.Client, data: bytes, form: str, part_type: str) -> None:
    if form == "multipart":
        answer = client.post("/v1/ocr", files={"file": ("x.bin", data, part_type)})
    else:
        prefix = "data:image/png;base64," if form == "data_url" else ""
        answer = client.post("/v1/ocr", json={"image_base64": prefix
                                              + base64.b64encode(data).decode()})
    check_answer(answer, check_ocr_result)


@FUZZ
@given(files=st.lists(IMAGES, min_size=1, max_size=4), over_limit=st.booleans())
def test_fuzz_ocr_batch(client: httpx.Client, files: list[bytes], over_limit: bool) -> None:
    if over_limit:
        files = (files * 11)[:11]
    parts = [("files", (f"f{i}.png", data)) for i, data in enumerate(files)]
    check_answer(client.post("/v1/ocr/batch", files=parts), check_batch)


@FUZZ
@given(data=PDFS, part_type=PART_TYPES, password=st.none() | st.text(max_size=20),
       pages=st.none() | st.text(alphabet="0123456789-,x ", max_size=12))
def test_fuzz_pdf(client: httpx.Client, data: bytes, part_type: str, password: str | None,
                  pages: str | None) -> None:
    fields = {k: v for k, v in (("password", password), ("pages", pages)) if v is not None}
    answer = client.post("/v1/pdf", files={"file": ("x.pdf", data, part_type)}, data=fields)
    check_answer(answer, check_pdf_result)


SUBMITTED: list[str] = []


def check_accepted(body: Any) -> None:
    assert body["status"] in ("queued", "running", "done", "failed"), body
    SUBMITTED.append(str(body["id"]))


@FUZZ
@given(engine=st.sampled_from(["ocr", "pdf", "idcard", "chaos", "enhance", "../ocr", ""]),
       data=st.one_of(IMAGES, PDFS), as_json=st.booleans())
def test_fuzz_async_jobs(client: httpx.Client, engine: str, data: bytes, as_json: bool) -> None:
    if as_json:
        answer = client.post("/v1/jobs", json={
            "engine": engine, "input": {"file_base64": base64.b64encode(data).decode()}})
    else:
        answer = client.post("/v1/jobs", data={"engine": engine}, files={"file": ("f", data)})
    check_answer(answer, check_accepted)


@FUZZ
@given(route=st.sampled_from(["/v1/ocr", "/v1/ocr/batch", "/v1/pdf", "/v1/jobs", "/ocr"]),
       content_type=st.sampled_from([
           "text/plain", "image/png", "application/pdf", "application/octet-stream",
           "multipart/form-data", "multipart/form-data; boundary=xyz",
           "multipart/form-data; boundary=", "application/json", "application/json; charset=x",
           "application/x-www-form-urlencoded", ""]),
       body=st.one_of(random_bytes(), st.sampled_from([b"{}", b"[]", b"null", b'{"a":1}',
                                                       b"--xyz\r\n\r\n--xyz--"])))
def test_fuzz_content_types(client: httpx.Client, route: str, content_type: str,
                            body: bytes) -> None:
    answer = client.post(route, content=body, headers={"content-type": content_type})
    assert answer.status_code != 200 or route == "/ocr", answer.text
    check_answer(answer, lambda _: None)


def test_idcard_is_not_served_here(client: httpx.Client) -> None:
    answer = client.post("/v1/idcard", files={"file": ("a.jpg", IMAGE_SEEDS[0])})
    assert answer.status_code == 404 and check_error(answer.json(), 404) == "not_found"


def test_fuzzed_async_jobs_end_done_or_failed_cleanly(client: httpx.Client) -> None:
    deadline = time.monotonic() + 120
    pending = list(SUBMITTED)
    while pending and time.monotonic() < deadline:
        records = [client.get(f"/v1/jobs/{job_id}").json() for job_id in pending]
        for record in records:
            if record["status"] == "failed":
                code = record["error"]["code"]
                check_error({"error": record["error"]}, HTTP_STATUS[ErrorCode(code)])
        pending = [r["id"] for r in records if r["status"] not in JOB_TERMINAL]
        time.sleep(0.2)
    assert pending == [], pending


def test_service_is_ready_and_tmpdir_empty_after_fuzzing(server: Server,
                                                        client: httpx.Client) -> None:
    server.wait_ready(timeout_s=60)
    health = client.get("/health").json()
    assert health["status"] == "healthy" and server.process.poll() is None
    assert {w["engine"] for w in health["workers"]} == {"ocr", "pdf"}
    assert list(server.tmp_dir.iterdir()) == []
