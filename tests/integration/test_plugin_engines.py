"""Plug-in engines in real governed workers, loaded through their entry points.

The tesseract plug-in reads Korean, Arabic, Cyrillic and Greek; its tesseract
child runs inside the worker's process group (counted in the worker's RSS
tree) and dies with it when the parent enforces a deadline.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
from PIL import Image

pytest.importorskip("docwarden_tesseract", reason="pip install -e plugins/docwarden-tesseract")
pytest.importorskip("docwarden_example", reason="pip install -e plugins/docwarden-example")
if shutil.which("tesseract") is None:
    pytest.skip("apt-get install tesseract-ocr tesseract-ocr-{kor,ara,rus,ell}",
                allow_module_level=True)

from docwarden_tesseract.engine import TesseractEngine

from docwarden.engines.base import JobInput
from docwarden.errors import InvalidInput, JobTimeout, UnsupportedMediaType
from docwarden.jobdata import JobPayload
from docwarden.monitoring import memory
from docwarden.settings import Settings
from tests.integration.conftest import SupervisorFactory, wait_for
from tests.scriptgen import SCRIPTS, expected_text, missing, render
from tests.textmetrics import cer

# Generated clean print: tesseract measures 0.00-0.02 (bench/accuracy/plugin.py).
MAX_CER = 0.10


def noise_png(side_px: int = 3000) -> bytes:
    """Blocky noise: seconds of tesseract layout analysis, no text."""
    cells = (np.random.default_rng(0).random((side_px // 4, side_px // 4)) > 0.6) * 255
    image = Image.fromarray(cells.astype(np.uint8)).resize((side_px, side_px), Image.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def tesseract_children(tmp_dir: Path) -> list[psutil.Process]:
    """tesseract processes of this test (their output path is under its TMPDIR)."""
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = process.info["cmdline"] or []
        if process.info["name"] == "tesseract" and any(str(tmp_dir) in a for a in cmdline):
            found.append(process)
    return found


def test_a_worker_reads_the_four_scripts_and_the_example_plugin(
        make_supervisor: SupervisorFactory) -> None:
    supervisor = make_supervisor(engines=["tesseract", "checksum"], enable_chaos=False)
    for script in SCRIPTS.values():
        if missing(script):
            continue
        payload = JobPayload(data=render(script), params={"lang": script.lang})
        result = supervisor.submit("tesseract", payload).future.result(timeout=60).result
        assert isinstance(result, dict) and set(result) == {"text", "lines", "width", "height"}
        assert cer(expected_text(script), result["text"]) <= MAX_CER, (script.name, result)
        assert len(result["lines"]) == len(script.lines)
        assert all(0 < line["score"] <= 1 and len(line["box"]) == 4 for line in result["lines"])
    data = render(SCRIPTS["greek"])
    digest = supervisor.submit("checksum", JobPayload(data=data, params={"algorithm": "sha1"}))
    assert digest.future.result(timeout=30).result == {
        "algorithm": "sha1", "digest": hashlib.sha1(data).hexdigest(), "size_bytes": len(data)}


def test_a_language_that_is_not_installed_is_refused_in_the_worker(
        make_supervisor: SupervisorFactory) -> None:
    supervisor = make_supervisor(engines=["tesseract"], enable_chaos=False)
    job = supervisor.submit("tesseract", JobPayload(data=render(SCRIPTS["cyrillic"]),
                                                    params={"lang": "rus+xyz"}))
    with pytest.raises(InvalidInput, match=r"xyz not installed.*installed: .*rus"):
        job.future.result(timeout=30)


def test_tesseract_runs_in_the_worker_group_and_dies_with_it_at_the_deadline(
        make_supervisor: SupervisorFactory, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # workers inherit it: their tesseract's path
    supervisor = make_supervisor(engines=["tesseract"], enable_chaos=False)
    worker_pid = supervisor.pool("tesseract").workers[0].pid
    job = supervisor.submit("tesseract", JobPayload(data=noise_png()), timeout_s=1.0)
    child = wait_for(lambda: tesseract_children(tmp_path), timeout_s=10, every_s=0.01)[0]
    assert child.ppid() == worker_pid
    assert os.getpgid(child.pid) == worker_pid  # the worker's process group
    assert child.pid in memory.descendant_pids(worker_pid)  # so in its RSS tree
    with pytest.raises(JobTimeout):
        job.future.result(timeout=30)
    wait_for(lambda: not tesseract_children(tmp_path), timeout_s=10)


def test_the_engine_keeps_tesseract_under_its_own_time_limit(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    engine = TesseractEngine(Settings(job_timeout_s=0.5))
    engine.load()
    started = time.monotonic()
    with pytest.raises(JobTimeout, match="limit"):
        engine.run(JobInput(data=noise_png()))
    assert time.monotonic() - started < 5
    assert not tesseract_children(tmp_path)  # killed before run() returned
    with pytest.raises(UnsupportedMediaType):
        engine.run(JobInput(data=b"%PDF-1.7 not an image"))
    with pytest.raises(InvalidInput, match="cannot be decoded"):
        engine.run(JobInput(data=b"\x89PNG\r\n\x1a\n truncated"))
