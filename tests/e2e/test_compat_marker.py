"""The Marker PDF service's clients against a real docwarden over HTTP (issue 17).

Requests are shaped as marker_service's test_client.py and batch_process_pdfs.py send
them (python-requests style multipart: `file` or repeated `files`, form `langs`);
answers are read the way those clients read them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Server, launch

DATA = Path(__file__).resolve().parents[1] / "data" / "pdf"
MULTI_PAGE = DATA / "docling" / "text" / "multi_page.pdf"  # 5 pages
CJK = DATA / "generated" / "cjk_text.pdf"  # 2 pages
MANY_PAGES = DATA / "hostile" / "generated" / "pdf_20000_pages.pdf"
UPLOAD_MB = 0.5


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    started = launch(tmp_path_factory.mktemp("marker"), engines="pdf", workers=1,
                     enable_chaos=0, job_timeout_s=60, max_upload_mb=UPLOAD_MB, max_batch=5)
    yield started
    started.stop()


def convert(client: httpx.Client, name: str, data: bytes, **fields: str) -> httpx.Response:
    return client.post("/api/convert_pdf", files={"file": (name, data)},
                       data={"langs": "en,zh", **fields})


def test_health_reads_as_the_marker_client_reads_it(server: Server) -> None:
    with server.client() as client:
        data = client.get("/health").json()
    assert data["status"] in ("healthy", "ok")  # the lead's /health says "healthy"
    for name in ("conversion_count", "memory_usage_gb", "uptime_hours"):
        assert isinstance(data[name], int | float), name


def test_convert_pdf_answers_success_markdown_and_metadata(server: Server) -> None:
    reference = (MULTI_PAGE.with_suffix(".md")).read_text(encoding="utf-8")
    with server.client() as client:
        answer = convert(client, "paper.pdf", MULTI_PAGE.read_bytes())
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["success"] is True
    assert "The Evolution of the Word Processor" in result["markdown"]
    assert reference.splitlines()[2][:40] in result["markdown"]
    meta = result["metadata"]
    assert meta["filename"] == "paper.pdf" and meta["pages"] == 5
    assert meta["processing_time"] > 0 and meta["conversion_count"] >= 1


def test_max_pages_is_honoured_and_may_exceed_the_document(server: Server) -> None:
    with server.client() as client:
        two = convert(client, "p.pdf", MULTI_PAGE.read_bytes(), max_pages="2",
                      batch_multiplier="1").json()
        beyond = convert(client, "c.pdf", CJK.read_bytes(), max_pages="9").json()
    assert two["success"] and two["metadata"]["pages"] == 2
    assert "Pre-Digital Era" in two["markdown"]
    assert beyond["success"] and beyond["metadata"]["pages"] == 2  # the whole document


def marker_failure(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert body["success"] is False and isinstance(body["error"], str) and body["error"]
    assert body["error_code"] == code
    return body


def test_errors_keep_upstreams_shape_and_status(server: Server) -> None:
    with server.client() as client:
        missing = client.post("/api/convert_pdf", data={"langs": "en,zh"},
                              files={"other": ("x.pdf", b"%PDF-1.4")})
        corrupt = convert(client, "broken.pdf", b"%PDF-1.4\n" + b"\x00garbage" * 200)
        bad_number = convert(client, "p.pdf", MULTI_PAGE.read_bytes(), max_pages="many")
        bad_timeout = convert(client, "p.pdf", MULTI_PAGE.read_bytes(), timeout_s="nan")
        no_boundary = client.post("/api/convert_pdf", content=b"--x\r\n",
                                  headers={"content-type": "multipart/form-data"})
    assert marker_failure(missing, 400, "invalid_input")["error"] == "缺少PDF文件"
    body = marker_failure(corrupt, 500, "invalid_input")  # upstream answered 500 here
    assert body["error"] == "PDF文件格式错误或已损坏" and body["error_detail"]
    marker_failure(bad_number, 400, "invalid_input")
    # A bad request, not a bad PDF: upstream's 400, not its 500.
    assert "timeout_s" in marker_failure(bad_timeout, 400, "invalid_input")["error"]
    marker_failure(no_boundary, 400, "invalid_input")


def test_governance_holds_behind_the_profile(server: Server) -> None:
    oversized = b"%PDF-1.4\n" + b"0" * int(UPLOAD_MB * 1024 * 1024)
    with server.client() as client:
        big = convert(client, "big.pdf", oversized)
        pages = convert(client, "many.pdf", MANY_PAGES.read_bytes())
        after = convert(client, "c.pdf", CJK.read_bytes())
    marker_failure(big, 413, "input_too_large")
    marker_failure(pages, 413, "input_too_large")  # MAX_PDF_PAGES, before any work
    assert after.json()["success"] is True


def test_batch_convert_keeps_order_and_a_bad_file_fails_alone(server: Server) -> None:
    files = [("files", ("a.pdf", MULTI_PAGE.read_bytes())),
             ("files", ("broken.pdf", b"%PDF-1.7\n" + b"\xff" * 512)),
             ("files", ("many.pdf", MANY_PAGES.read_bytes())),
             ("files", ("b.pdf", CJK.read_bytes()))]
    with server.client() as client:
        answer = client.post("/api/batch_convert", files=files, data={"langs": "en,zh"})
        too_many = client.post("/api/batch_convert", data={"langs": "en,zh"},
                               files=[("files", (f"{i}.pdf", CJK.read_bytes()))
                                      for i in range(6)])
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert (result["success"], result["total"], result["succeeded"], result["failed"]) == (
        True, 4, 2, 2)
    names = [(r["filename"], r["success"]) for r in result["results"]]
    assert names == [("a.pdf", True), ("broken.pdf", False), ("many.pdf", False),
                     ("b.pdf", True)]
    assert result["results"][1]["error_code"] == "invalid_input"
    assert result["results"][2]["error_code"] == "input_too_large"
    assert "Word Processor" in result["results"][0]["markdown"]
    marker_failure(too_many, 413, "input_too_large")  # MAX_BATCH=5


def test_a_batch_may_carry_max_batch_files_of_the_upload_cap(server: Server) -> None:
    """The body cap of /api/batch_convert is MAX_BATCH files, as for /v1/<engine>/batch."""
    pdf = CJK.read_bytes()
    near_cap = pdf + b"\n%" + b"0" * (int(UPLOAD_MB * 1024 * 1024 * 0.9) - len(pdf))
    with server.client() as client:
        answer = client.post("/api/batch_convert", data={"langs": "en,zh"},
                             files=[("files", (f"{i}.pdf", near_cap)) for i in range(3)])
    assert answer.status_code == 200, answer.text
    assert answer.json()["succeeded"] == 3
