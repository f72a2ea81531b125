"""Installed plug-in engines over every interface of the real server (issue 16).

The tesseract plug-in (plugins/docwarden-tesseract) and the example plug-in
(plugins/docwarden-example, the guide's engine in docs/plugins.md) are installed
by the test command; nothing in docwarden names them.  Each is reached the way a
built-in engine is: `POST /v1/<engine>` (multipart and JSON base64), its batch
route, `/v1/jobs`, OpenAPI, the Python client and `docwarden run`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("docwarden_tesseract", reason="pip install -e plugins/docwarden-tesseract")
pytest.importorskip("docwarden_example", reason="pip install -e plugins/docwarden-example")
if shutil.which("tesseract") is None:
    pytest.skip("apt-get install tesseract-ocr tesseract-ocr-{kor,ara,rus,ell}",
                allow_module_level=True)

from docwarden.client import DocwardenClient, InvalidInputError
from tests.e2e.conftest import Server, launch
from tests.scriptgen import SCRIPTS, expected_text, missing, render
from tests.textmetrics import cer

# Generated clean print; tesseract measures 0.00-0.02 on it (bench/accuracy/plugin.py).
MAX_CER = 0.10
DRAWABLE = [name for name, script in SCRIPTS.items() if missing(script) is None]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    started = launch(tmp_path_factory.mktemp("plugins"), engines="ocr,tesseract,checksum",
                     workers=1, enable_chaos=0, job_timeout_s=60, compat="")
    yield started
    started.stop()


@pytest.mark.parametrize("scale", [1.0, 1.5])  # at 1.5 automatic layout breaks Korean up
@pytest.mark.parametrize("name", DRAWABLE)
def test_tesseract_reads_the_script_over_http(server: Server, name: str, scale: float) -> None:
    script = SCRIPTS[name]
    with server.client() as client:
        answer = client.post("/v1/tesseract", files={"file": (f"{name}.png",
                                                               render(script, scale))},
                             data={"lang": script.lang})
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert cer(expected_text(script), result["text"]) <= MAX_CER, (name, result["text"])
    assert len(result["lines"]) == len(script.lines)


def test_the_result_has_the_shape_of_the_builtin_ocr(server: Server) -> None:
    image = render(SCRIPTS["greek"])  # the built-in model reads some of it: lines to compare
    with server.client() as client:
        builtin = client.post("/v1/ocr", files={"file": ("a.png", image)}).json()
        plugin = client.post("/v1/tesseract", data={"lang": "ell"},
                             files={"file": ("a.png", image)}).json()
    assert set(plugin) <= set(builtin), (sorted(plugin), sorted(builtin))
    assert set(plugin["lines"][0]) <= set(builtin["lines"][0])


def test_json_base64_batch_and_async_jobs_reach_the_plugin(server: Server) -> None:
    greek = SCRIPTS["greek"]
    encoded = base64.b64encode(render(greek)).decode()
    with server.client() as client:
        single = client.post("/v1/tesseract", json={"image_base64": encoded, "lang": "ell"})
        batch = client.post("/v1/tesseract/batch", data={"lang": "ell"}, files=[
            ("files", ("g.png", render(greek))), ("files", ("g2.png", render(greek, 1.4)))])
        submitted = client.post("/v1/jobs", data={"engine": "tesseract", "lang": "ell"},
                                files={"file": ("g.png", render(greek))})
    assert single.status_code == 200 and cer(expected_text(greek), single.json()["text"]) <= MAX_CER
    assert batch.status_code == 200, batch.text
    items = batch.json()["results"]
    assert [cer(expected_text(s), item["text"]) <= MAX_CER
            for s, item in zip((greek, greek), items, strict=True)] == [True, True]
    assert submitted.status_code == 202, submitted.text
    with DocwardenClient(server.url) as typed:
        info = typed.wait_job(submitted.json()["id"], timeout_s=60)
        assert info.status == "done", info
        result = typed.job_result(info.id)
    assert isinstance(result, dict) and cer(expected_text(greek), result["text"]) <= MAX_CER


@pytest.mark.parametrize(("fields", "message"), [
    ({"lang": "xyz"}, "not installed"),
    ({"lang": "rus;rm -rf"}, "lang"),
    ({"lang": "rus", "psm": "99"}, "psm"),
    ({"lang": "rus", "dialect": "old"}, "dialect"),
])
def test_bad_params_are_a_422_naming_the_field(server: Server, fields: dict[str, str],
                                               message: str) -> None:
    with server.client() as client:
        answer = client.post("/v1/tesseract", data=fields,
                             files={"file": ("a.png", render(SCRIPTS["greek"]))})
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid_input" and message in error["message"], error


def test_the_example_plugin_is_served_and_described(server: Server) -> None:
    data = render(SCRIPTS["greek"])
    with server.client() as client:
        answer = client.post("/v1/checksum", data={"algorithm": "sha1"},
                             files={"file": ("g.png", data)})
        schema = client.get("/openapi.json").json()
        health = client.get("/health").json()
    assert answer.json()["digest"] == hashlib.sha1(data).hexdigest()
    assert answer.json()["size_bytes"] == len(data)
    assert {"/v1/tesseract", "/v1/tesseract/batch", "/v1/checksum"} <= set(schema["paths"])
    form = schema["paths"]["/v1/tesseract"]["post"]["requestBody"]["content"]
    assert "lang" in str(form)
    assert {"tesseract", "checksum"} <= set(health["engines"])
    with DocwardenClient(server.url) as typed:
        typed_answer = typed.run_engine("checksum", data)
        assert isinstance(typed_answer, dict) and typed_answer["size_bytes"] == len(data)
        with pytest.raises(InvalidInputError):
            typed.run_engine("checksum", data, algorithm="md5")


def test_docwarden_run_reaches_the_plugin(server: Server, tmp_path: Path) -> None:
    image = tmp_path / "greek.png"
    image.write_bytes(render(SCRIPTS["greek"]))
    done = subprocess.run([sys.executable, "-m", "docwarden.cli", "run", "tesseract", str(image),
                           "--url", server.url, "-p", "lang=ell"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert cer(expected_text(SCRIPTS["greek"]), answer["text"]) <= MAX_CER, answer
