"""sfzocr's clients against a real docwarden over HTTP (issue 17).

Requests are shaped as hkxiaoyao/sfzocr's test_api.py sends them with python-requests
(JSON base64 `image` + `side`, multipart `image`, `images` lists, `front_image` /
`back_image` parts, the `X-API-KEY` header); answers are read the way those clients read
them: HTTP 200 and `code == 0`, fields under `data` in sfzocr's names.  The cards are
generated (tests/cardgen.py, tests/foreigncardgen.py) so every field read back is known.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image

from docwarden.api.limits import body_limit_bytes
from tests.cardgen import Card, fonts_available, make_card
from tests.e2e.conftest import Server, assert_error, launch
from tests.foreigncardgen import make_foreign_card

API_KEY = "sfz-e2e-4d1c9b7a"
KEY = {"X-API-KEY": API_KEY}
UPLOAD_MB = 1
FRONT_ONLY = ("name", "sex", "nation", "birth", "address", "id_number")
BACK_ONLY = ("issue_authority", "valid_period")
FOREIGN_ONLY = ("chinese_name", "english_name", "birth_date", "nationality",
                "residence_number", "issue_date", "valid_until", "card_type")
ALL_FIELDS = (*FRONT_ONLY, *BACK_ONLY, *FOREIGN_ONLY)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    started = launch(tmp_path_factory.mktemp("sfzocr"), engines="idcard", workers=1,
                     enable_chaos=0, job_timeout_s=60, api_key=API_KEY,
                     max_upload_mb=UPLOAD_MB)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client(headers=KEY) as opened:
        yield opened


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("utf-8")


def white_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 400), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def chinese_date(iso: str | None) -> str:
    year, month, day = str(iso).split("-")
    return f"{int(year)}年{int(month)}月{int(day)}日"


def front_info(card: Card) -> dict[str, Any]:
    """What sfzocr's IDCardInfo holds for this generated front (every other field null)."""
    f = card.fields
    return {**dict.fromkeys(ALL_FIELDS), "name": f["name"], "sex": f["sex"],
            "nation": f["ethnicity"], "birth": chinese_date(f["birth"]),
            "address": f["address"], "id_number": f["id_number"]}


def back_info(card: Card) -> dict[str, Any]:
    f = card.fields
    start = str(f["valid_from"]).replace("-", ".")
    end = str(f["valid_to"]).replace("-", ".")
    return {**dict.fromkeys(ALL_FIELDS), "issue_authority": f["issuing_authority"],
            "valid_period": f"{start}-{end}"}


def ok(answer: httpx.Response, message: str = "识别成功") -> dict[str, Any]:
    """sfzocr's success: HTTP 200, code 0; the body."""
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    assert (body["code"], body["message"]) == (0, message), body
    return body


def failed(answer: httpx.Response, code: int, error_code: str, status: int = 200) -> (
        dict[str, Any]):
    """sfzocr's failure: the envelope with code != 0 (HTTP 200 unless told), data null."""
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    assert body["error_code"] == error_code and isinstance(body["retryable"], bool)
    return body


@pytest.fixture(scope="module")
def fonts() -> None:
    """Cards are drawn with the Noto CJK fonts: without them, the tests that need one skip."""
    if not fonts_available():
        pytest.skip("Noto CJK fonts (fonts-noto-cjk) not installed")


@pytest.fixture(scope="module")
def front(fonts: None) -> Card:
    return make_card(171, "front")


@pytest.fixture(scope="module")
def back(fonts: None) -> Card:
    return make_card(171, "back")


def test_health_is_public_and_in_the_envelope(server: Server) -> None:
    answer = httpx.get(server.url + "/api/v1/health", timeout=10)  # no key, as sfzocr's
    body = ok(answer, "服务正常")
    assert body["data"]["status"] == "healthy"
    assert isinstance(body["data"]["version"], str) and body["data"]["version"]
    assert isinstance(body["data"]["timestamp"], int) and body["data"]["timestamp"] > 1.7e9


def test_the_key_is_read_from_x_api_key(server: Server, front: Card) -> None:
    body = {"image": b64(front.data), "side": "front"}
    with server.client() as anonymous:
        missing = anonymous.post("/api/v1/ocr/idcard", json=body)
        wrong = anonymous.post("/api/v1/ocr/idcard/upload", headers={"X-API-KEY": "nope"},
                               files={"image": ("a.jpg", front.data, "image/jpeg")})
        bearer = anonymous.post("/api/v1/ocr/idcard", json={"image": "", "side": "front"},
                                headers={"Authorization": f"Bearer {API_KEY}"})
    for refused in (missing, wrong):
        assert refused.status_code == 401, refused.text
        assert refused.json() == {"detail": "无效的API密钥", "error_code": "unauthorized"}
    assert bearer.status_code == 422 and bearer.json()["code"] == 1001  # past the key


def test_json_front_reads_every_field_in_sfzocrs_names(client: httpx.Client,
                                                       front: Card) -> None:
    body = ok(client.post("/api/v1/ocr/idcard", json={"image": b64(front.data),
                                                       "side": "front"}))
    assert body["data"] == front_info(front)
    assert list(body["data"]) == list(ALL_FIELDS)  # sfzocr's IDCardInfo order
    extras = body["docwarden"]
    assert extras["side"] == "front" and extras["warnings"] == []
    assert extras["checks"]["id_number_valid"] is True
    assert extras["checks"]["birth_matches"] is True and extras["checks"]["sex_matches"] is True
    assert extras["processing_time_s"] > 0 and extras["worker_pid"] > 0


def test_json_back_with_a_data_url_prefix_and_auto_side(client: httpx.Client,
                                                        back: Card) -> None:
    image = "data:image/jpeg;base64," + b64(back.data)  # sfzocr stripped the prefix too
    body = ok(client.post("/api/v1/ocr/idcard", json={"image": image, "side": "auto",
                                                       "debug": False, "fast_mode": False}))
    assert body["data"] == back_info(back)
    assert body["docwarden"]["side"] == "back"


def test_upload_reads_the_multipart_image(client: httpx.Client, back: Card) -> None:
    files = {"image": ("back.jpg", back.data, "image/jpeg")}
    body = ok(client.post("/api/v1/ocr/idcard/upload", files=files, data={"side": "back"}))
    assert body["data"] == back_info(back)


def test_debug_answers_the_raw_ocr_lines(client: httpx.Client, fonts: None) -> None:
    card = make_card(172, "front")
    body = ok(client.post("/api/v1/ocr/idcard", json={
        "image": b64(card.data), "side": "front", "debug": True, "fast_mode": True}),
        "识别成功(DEBUG模式)")
    assert set(body["data"]) == {"ocr_text"}
    lines = body["data"]["ocr_text"]
    assert card.fields["id_number"] in lines
    assert any(str(card.fields["name"]) in line for line in lines)


@pytest.mark.parametrize("variant", ["foreign_new", "foreign_old"])
def test_foreign_permanent_residence_cards(client: httpx.Client, variant: str,
                                           fonts: None) -> None:
    card = make_foreign_card(173, variant)
    f = card.fields
    files = {"image": (f"{variant}.jpg", card.data, "image/jpeg")}
    body = ok(client.post("/api/v1/ocr/idcard/upload", files=files, data={"side": variant}))
    card_type = {"foreign_new": "新版外国人永久居留身份证",
                 "foreign_old": "旧版外国人永久居留身份证"}[variant]
    assert body["data"] == {
        **dict.fromkeys(ALL_FIELDS), "chinese_name": f["name_zh"], "english_name": f["name_en"],
        "sex": f["sex"], "birth_date": f["birth"], "nationality": f["nationality"],
        "residence_number": f["id_number"], "issue_authority": f["issuing_authority"],
        "issue_date": f["valid_from"], "valid_until": f["valid_to"], "card_type": card_type}
    assert body["docwarden"]["side"] == variant
    assert body["docwarden"]["checks"]["id_number_valid"] is True


def test_auto_side_detects_a_foreign_card(client: httpx.Client, fonts: None) -> None:
    card = make_foreign_card(174, "foreign_new")
    body = ok(client.post("/api/v1/ocr/idcard", json={"image": b64(card.data)}))
    assert body["data"]["residence_number"] == card.fields["id_number"]
    assert body["data"]["chinese_name"] == card.fields["name_zh"]
    assert body["data"]["name"] is None and body["data"]["nation"] is None


@pytest.mark.parametrize(("content", "content_type"), [
    (b"", "application/json"), (b"", None), (b"not json", "application/json"),
    (b"image=abc&side=front", "application/x-www-form-urlencoded"), (b"{", "text/plain")])
def test_empty_and_non_json_bodies_are_sfzocrs_422(client: httpx.Client, content: bytes,
                                                   content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    body = failed(client.post("/api/v1/ocr/idcard", content=content, headers=headers),
                  1001, "invalid_input", status=422)
    assert body["message"] == "请求参数验证失败" and body["data"] is None
    assert body["validation_errors"][0]["field"] == "body"
    assert body["validation_errors"][0]["type"] in ("missing", "json_invalid")


@pytest.mark.parametrize(("path", "payload", "field"), [
    ("/api/v1/ocr/idcard", {"side": "front"}, "image"),
    ("/api/v1/ocr/idcard", {"image": "", "side": "front"}, "image"),
    ("/api/v1/ocr/idcard", {"image": "abc", "side": "left"}, "side"),
    ("/api/v1/ocr/idcard", {"image": "abc", "debug": "sometimes"}, "debug"),
    ("/api/v1/ocr/idcard/batch", {"images": []}, "images"),
    ("/api/v1/ocr/idcard/batch", {"images": [{"image": "abc"}] * 11}, "images"),
    ("/api/v1/ocr/idcard/batch", {"pictures": []}, "images")])
def test_bad_fields_are_a_422_naming_the_field(client: httpx.Client, path: str,
                                               payload: dict[str, Any], field: str) -> None:
    body = failed(client.post(path, json=payload), 1001, "invalid_input", status=422)
    assert any(problem["field"] == field for problem in body["validation_errors"]), body
    assert API_KEY not in str(body) and "abc" not in str(body["validation_errors"])


def test_upload_without_an_image_is_a_422(client: httpx.Client) -> None:
    body = failed(client.post("/api/v1/ocr/idcard/upload", data={"side": "front"},
                              files={"picture": ("a.jpg", b"\xff\xd8\xff", "image/jpeg")}),
                  1001, "invalid_input", status=422)
    assert body["validation_errors"][0]["field"] == "body -> image"


def test_both_on_one_image_points_to_the_batch_routes(client: httpx.Client,
                                                      front: Card) -> None:
    expected = {"code": 1001, "message": "双面识别需要使用批量接口，提供正反面图像",
                "data": None}
    # sfzocr answered this before looking at the image: even one that is not base64.
    json_body = client.post("/api/v1/ocr/idcard", json={"image": "abc", "side": "both"})
    upload = client.post("/api/v1/ocr/idcard/upload", data={"side": "both"},
                         files={"image": ("a.jpg", front.data, "image/jpeg")})
    assert (json_body.status_code, json_body.json()) == (200, expected)
    assert (upload.status_code, upload.json()) == (200, expected)


def test_unreadable_images_answer_200_with_sfzocrs_codes(client: httpx.Client,
                                                         back: Card) -> None:
    not_base64 = client.post("/api/v1/ocr/idcard", json={"image": "!!!not base64!!!"})
    not_image = client.post("/api/v1/ocr/idcard", json={"image": b64(b"just some text")})
    no_card = client.post("/api/v1/ocr/idcard/upload",
                          files={"image": ("white.png", white_png(), "image/png")})
    wrong_side = client.post("/api/v1/ocr/idcard", json={"image": b64(back.data),
                                                          "side": "front"})
    too_big = client.post("/api/v1/ocr/idcard", json={
        "image": b64(b"\xff\xd8\xff" + b"\0" * (UPLOAD_MB * 1024 * 1024 + 10))})
    assert "base64" in failed(not_base64, 1002, "invalid_input")["message"]
    assert failed(not_image, 1002, "unsupported_media_type")["data"] is None
    message = failed(no_card, 1003, "invalid_input")["message"]
    assert message.startswith("未能识别到身份证信息: ")
    message = failed(wrong_side, 1003, "invalid_input")["message"]
    assert "looks like the back of an ID card" in message
    assert "DOCWARDEN_MAX_UPLOAD_MB" in failed(too_big, 1002, "input_too_large")["message"]


def test_a_body_over_the_request_cap_is_refused_before_the_profile(client: httpx.Client) -> None:
    """The body limit runs before any route: docwarden's own 413 shape, not the envelope."""
    cap = body_limit_bytes("/api/v1/ocr/idcard/batch", b"application/json",
                           UPLOAD_MB * 1024 * 1024, 10)
    answer = client.post("/api/v1/ocr/idcard/batch", content=b"{" + b" " * cap + b"}",
                         headers={"content-type": "application/json"})
    assert_error(answer, 413, "input_too_large")


def test_batch_keeps_order_and_lists_failed_indices(client: httpx.Client, front: Card,
                                                    back: Card) -> None:
    images = [{"image": b64(front.data), "side": "front"},
              {"image": b64(white_png()), "side": "auto"},
              {"image": b64(back.data), "side": "back", "fast_mode": True},
              {"image": "%%%", "side": "front"}]
    body = ok(client.post("/api/v1/ocr/idcard/batch", json={"images": images}),
              "处理完成，成功: 2/4")
    assert body["data"] == [front_info(front), None, back_info(back), None]
    assert body["failed_indices"] == [1, 3]
    errors = {item["index"]: item["error"]["code"] for item in body["docwarden"]["errors"]}
    assert errors == {1: "invalid_input", 3: "invalid_input"}


def test_batch_upload_reads_front_and_back(client: httpx.Client, front: Card,
                                           back: Card) -> None:
    files = {"front_image": ("front.jpg", front.data, "image/jpeg"),
             "back_image": ("back.jpg", back.data, "image/jpeg")}
    body = ok(client.post("/api/v1/ocr/idcard/batch/upload", files=files),
              "处理完成，成功: 2/2")
    assert body["data"] == [front_info(front), back_info(back)]
    assert body["failed_indices"] == []
    only_back = ok(client.post("/api/v1/ocr/idcard/batch/upload", data={"fast_mode": "true"},
                               files={"back_image": ("b.jpg", front.data, "image/jpeg")}),
                   "处理完成，成功: 0/1")
    assert only_back["data"] == [None] and only_back["failed_indices"] == [0]
    assert "looks like the front" in only_back["docwarden"]["errors"][0]["error"]["message"]


def test_batch_upload_without_images(client: httpx.Client) -> None:
    answer = client.post("/api/v1/ocr/idcard/batch/upload", data={"fast_mode": "false"})
    assert answer.status_code == 200
    assert answer.json() == {"code": 1001, "message": "请至少上传一张身份证图片", "data": [],
                             "failed_indices": []}
