"""batch, monitor and plan, run as commands against a real server (issue 7)."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from docwarden.client.batch import REPORT_NAME
from tests.e2e.conftest import ServerFactory, free_port

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile"


def docwarden(*args: str, timeout_s: float = 300, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DOCWARDEN_")}
    full_env.update(env)
    return subprocess.run([sys.executable, "-m", "docwarden.cli", *args], env=full_env,
                          capture_output=True, text=True, timeout=timeout_s, check=False)


def small_text_image(index: int) -> bytes:
    image = Image.new("L", (96, 28), 255)
    ImageDraw.Draw(image).text((4, 8), f"No {index}", fill=0)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_batch_resumes_after_interrupt_and_reports_hostile_files(
        start_server: ServerFactory, tmp_path: Path) -> None:
    server = start_server(engines="ocr", enable_chaos=0, workers=1, threads_per_worker=2,
                          queue_size=32)
    inputs, out = tmp_path / "in", tmp_path / "out"
    (inputs / "sub").mkdir(parents=True)
    for i in range(300):
        (inputs / ("sub" if i % 3 else "") / f"img{i:03d}.png").write_bytes(small_text_image(i))
    (inputs / "evil.png").write_bytes((HOSTILE / "generated" / "text_as.png").read_bytes())
    command = [sys.executable, "-m", "docwarden.cli", "batch", str(inputs), "--out", str(out),
               "--url", server.url, "--concurrency", "4"]
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(list(out.rglob("*.json"))) < 60 and time.monotonic() < deadline:
        time.sleep(0.2)
    first.send_signal(signal.SIGINT)
    first.wait(timeout=60)
    done_first = len(list(out.rglob("*.json")))
    assert 0 < done_first < 301
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    results = [p for p in out.rglob("*.json")
               if not p.name.endswith(".error.json") and p.name != REPORT_NAME]
    errors = list(out.rglob("*.error.json"))
    assert len(results) == 300, rerun.stdout[-2000:]
    assert [p.name for p in errors] == ["evil.png.error.json"]
    assert json.loads(errors[0].read_text())["code"] == "unsupported_media_type"
    report = json.loads((out / REPORT_NAME).read_text())  # the rerun's
    assert (report["total"], report["kept_failed"]) == (301, 1)
    assert report["done"] + report["skipped"] == 300
    # The hostile file failed in the first run or the rerun: either way it is in the summary.
    assert "unsupported_media_type" in rerun.stdout or "failed before" in rerun.stdout
    assert rerun.returncode == 1
    with server.client() as client:
        ocr_jobs = client.get("/health").json()["engines"]["ocr"]["jobs_done"]
    assert ocr_jobs == 300  # every image OCR'd exactly once across both runs


def test_monitor_exit_codes(start_server: ServerFactory) -> None:
    server = start_server()
    assert docwarden("monitor", "--url", server.url, "--threshold", "100000").returncode == 0
    assert docwarden("monitor", "--url", server.url, "--threshold", "1").returncode == 2
    dead = f"http://127.0.0.1:{free_port()}"
    assert docwarden("monitor", "--url", dead).returncode == 3


def test_plan_advice_matches_its_measurements() -> None:
    answer = docwarden("plan", "--memory", "2G", "--engines", "chaos", "--cores", "3", "--json",
                       DOCWARDEN_ENABLE_CHAOS="1", DOCWARDEN_MIN_FREE_MEMORY_MB="256")
    assert answer.returncode == 0, answer.stderr
    plan = json.loads(answer.stdout)
    (row,) = plan["measurements"]
    assert row["engine"] == "chaos" and 10 < row["load_rss_mb"] <= row["peak_rss_mb"] < 500
    assert plan["usable_mb"] == 2048 - 200 - 256
    assert plan["workers_per_engine"] == plan["usable_mb"] // row["cost_mb"] > 3
    assert plan["cpu_cores"] == 3  # the memory fits more: the cores decide
    assert plan["workers_advised"] == 3 // plan["threads_per_worker"]
    assert plan["settings"]["DOCWARDEN_WORKERS"] == str(plan["workers_advised"])


@pytest.mark.parametrize(("engines", "env", "expected"), [
    # Installed plug-ins are known too: only the built-ins are sure to be listed.
    ("nosuch", {}, "unknown engine(s) nosuch; known: "),
    ("chaos", {}, "set DOCWARDEN_ENABLE_CHAOS=1"),
])
def test_plan_refuses_an_engine_it_cannot_measure_with_a_usage_error(
        engines: str, env: dict[str, str], expected: str) -> None:
    answer = docwarden("plan", "--memory", "2G", "--engines", engines, timeout_s=60, **env)
    assert answer.returncode == 2, answer.stdout
    said = re.sub(r"[\s│]+", " ", answer.stderr)  # rich boxes and wraps it
    assert expected in said
    if engines == "nosuch":
        known = said.split("known: ", 1)[1]
        assert all(name in known for name in ("chaos", "enhance", "idcard", "ocr", "pdf"))
    assert "Traceback" not in answer.stderr
