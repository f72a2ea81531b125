"""`docwarden batch` logic against an httpx.MockTransport-backed async client."""

from __future__ import annotations

import gc
import io
import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from rich.console import Console

from docwarden.client import AsyncDocwardenClient, RetryPolicy
from docwarden.client.batch import (
    REPORT_NAME,
    BatchSummary,
    OutputFormat,
    iter_inputs,
    print_summary,
    run_batch,
)
from docwarden.errors import ErrorCode

pytestmark = pytest.mark.timeout(60)
CONTENT = re.compile(rb"\r\n\r\n(INPUT:[^\r]*)\r\n")
FILES = ["a/1.png", "a/2.png", "b/sub/3.png", "b/4.png", "c.png", "d.png"]


class FakeServer:
    """Answers /v1/<engine> with the uploaded file's marker; counts answers per file."""

    def __init__(self, fail: dict[str, ErrorCode] | None = None,
                 interrupt_on: int | None = None,
                 crash: Callable[[str], None] | None = None) -> None:
        self.fail = fail or {}
        self.interrupt_on = interrupt_on
        self.crash = crash
        self.requests: list[str] = []
        self.successes: Counter[str] = Counter()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        match = CONTENT.search(request.content)
        assert match is not None
        name = match.group(1).decode().removeprefix("INPUT:")
        self.requests.append(name)
        if self.interrupt_on is not None and len(self.requests) == self.interrupt_on:
            raise KeyboardInterrupt
        if self.crash is not None:
            self.crash(name)
        if name in self.fail:
            code = self.fail[name]
            return httpx.Response(422, json={"error": {"code": code.value, "message": "bad",
                                                       "retryable": False}})
        self.successes[name] += 1
        if request.url.path == "/v1/enhance":
            return httpx.Response(200, content=b"PNG:" + name.encode(),
                                  headers={"content-type": "image/png"})
        return httpx.Response(200, json={"text": name, "path": request.url.path})


def make_tree(root: Path) -> Path:
    for relative in FILES:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"INPUT:" + relative.encode())
    (root / "notes.txt").write_text("INPUT:notes.txt")
    (root / ".hidden.png").write_bytes(b"INPUT:.hidden.png")
    return root


def batch(root: Path, out: Path, server: FakeServer, **options: object) -> BatchSummary:
    async def no_sleep(_seconds: float) -> None:
        return None

    client = AsyncDocwardenClient(transport=httpx.MockTransport(server), sleep=no_sleep,
                                  retry=RetryPolicy(max_attempts=2))
    settings: dict[str, object] = {"pattern": "*.png", "concurrency": 3, "show_progress": False}
    settings.update(options)
    summary = run_batch(root, out, client=client, **settings)  # type: ignore[arg-type]
    # A KeyboardInterrupt raised inside a task (a second Ctrl-C) leaves that task with an
    # exception nobody retrieved; its finalizer logs a traceback, and formatting one calls
    # ast.parse in CPython 3.11. Finalized later, inside another test's ast.parse, that
    # nested parse broke the outer one ("SystemError: AST constructor recursion depth
    # mismatch", twice in fresh-clone CI runs). Collected here, it happens in this test.
    gc.collect()
    return summary


def results(out: Path) -> list[str]:
    """Result and error files; the run's report is checked by its own tests."""
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                  if p.is_file() and p.name != REPORT_NAME)


def test_walk_is_sorted_filtered_and_lazy(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "in")
    walk = iter_inputs(root, ["*.png"])
    assert next(walk) == Path("a/1.png")  # a generator, not a list
    assert [p.as_posix() for p in iter_inputs(root, ["*.png"])] == sorted(FILES)
    assert [p.as_posix() for p in iter_inputs(root, ["b/sub/*"])] == ["b/sub/3.png"]


def test_every_file_gets_one_result(tmp_path: Path) -> None:
    root, out = make_tree(tmp_path / "in"), tmp_path / "out"
    server = FakeServer()
    summary = batch(root, out, server)
    assert (summary.total, summary.done, summary.failed_total) == (6, 6, 0)
    assert summary.exit_code == 0
    assert results(out) == sorted(f"{name}.json" for name in FILES)
    assert json.loads((out / "b/sub/3.png.json").read_text())["text"] == "b/sub/3.png"
    assert server.requests and all(p == "/v1/ocr" for p in
                                   {json.loads((out / f"{n}.json").read_text())["path"]
                                    for n in FILES})


def test_enhance_writes_png_bytes(tmp_path: Path) -> None:
    root, out = make_tree(tmp_path / "in"), tmp_path / "out"
    batch(root, out, FakeServer(), engine="enhance", pattern="c.png", params={"scale": 2})
    assert results(out) == ["c.png.png"]
    assert (out / "c.png.png").read_bytes() == b"PNG:c.png"


def test_failure_is_recorded_and_retried_only_on_request(tmp_path: Path) -> None:
    root, out = make_tree(tmp_path / "in"), tmp_path / "out"
    server = FakeServer(fail={"c.png": ErrorCode.INVALID_INPUT})
    summary = batch(root, out, server)
    assert summary.failed == Counter({"invalid_input": 1}) and summary.done == 5
    assert summary.exit_code == 1
    record = json.loads((out / "c.png.error.json").read_text())
    assert record["code"] == "invalid_input" and record["file"] == "c.png"

    rerun = FakeServer()
    summary = batch(root, out, rerun)
    assert rerun.requests == [] and (summary.skipped, summary.kept_failed) == (5, 1)

    retry = FakeServer()
    summary = batch(root, out, retry, retry_failed=True)
    assert retry.requests == ["c.png"] and summary.done == 1
    assert not (out / "c.png.error.json").exists() and (out / "c.png.json").exists()


def test_interrupted_run_resumes_and_processes_each_file_once(tmp_path: Path) -> None:
    root, out = make_tree(tmp_path / "in"), tmp_path / "out"
    first = FakeServer(interrupt_on=4)  # Ctrl-C while the 4th request is in flight
    summary = batch(root, out, first, concurrency=1)
    assert summary.aborted == "interrupted" and summary.done == 3
    finished = {name.removesuffix(".json") for name in results(out)}
    assert len(finished) == 3

    second = FakeServer()
    summary = batch(root, out, second, concurrency=1)
    assert set(second.requests).isdisjoint(finished)
    assert summary.skipped == 3 and summary.done == 3
    assert first.successes + second.successes == Counter(dict.fromkeys(FILES, 1))
    assert results(out) == sorted(f"{name}.json" for name in FILES)


def test_an_interrupted_run_leaves_nothing_to_finalize_in_a_later_test(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    summary = batch(make_tree(tmp_path / "in"), tmp_path / "out", FakeServer(interrupt_on=2))
    assert summary.aborted == "interrupted"
    caplog.clear()
    gc.collect()
    assert "never retrieved" not in caplog.text


def test_crash_mid_run_leaves_no_partial_results(tmp_path: Path) -> None:
    root, out = make_tree(tmp_path / "in"), tmp_path / "out"

    def crash(name: str) -> None:
        if name == "b/sub/3.png":
            raise RuntimeError("client process crashed")

    with pytest.raises(RuntimeError):
        batch(root, out, FakeServer(crash=crash), concurrency=3)
    done_before = set(results(out))
    assert not [name for name in done_before if name.endswith(".tmp")]
    second = FakeServer()
    batch(root, out, second)
    assert {f"{name}.json" for name in second.requests}.isdisjoint(done_before)
    assert results(out) == sorted(f"{name}.json" for name in FILES)


def test_unreachable_server_stops_early_without_records(tmp_path: Path) -> None:
    root, out = make_tree(tmp_path / "in"), tmp_path / "out"
    for index in range(30):
        (root / f"extra{index:02}.png").write_bytes(b"INPUT:x")

    def refuse(name: str) -> None:
        raise httpx.ConnectError("refused")

    summary = batch(root, out, FakeServer(crash=refuse), concurrency=2)
    assert summary.aborted is not None and "unreachable" in summary.aborted
    assert summary.failed["connection_error"] < 36
    assert results(out) == []  # a dropped connection says nothing about the file


def test_output_inside_input_is_not_walked(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "in")
    out = root / "results"
    batch(root, out, FakeServer(), pattern="*")
    second = FakeServer()
    summary = batch(root, out, second, pattern="*")
    assert second.requests == [] and summary.total == 7  # 6 images + notes.txt


def test_same_input_and_output_dir_is_refused(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "in")
    with pytest.raises(ValueError, match="differ"):
        batch(root, root, FakeServer())


def test_summary_lists_failures_by_code() -> None:
    summary = BatchSummary(total=4, done=2, skipped=1,
                           failed=Counter({"invalid_input": 1}), elapsed_s=2.0)
    buffer = io.StringIO()
    print_summary(summary, Console(file=buffer, width=100))
    text = buffer.getvalue()
    assert "failed: invalid_input" in text and "1.00 files/s" in text


class MarkdownServer(FakeServer):
    """Answers as the pdf engine does (`markdown`), or with nothing textual for `d.png`."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        answer = super().__call__(request)
        name = json.loads(answer.content)["text"]
        if name == "d.png":
            return httpx.Response(200, json={"pages": []})
        return httpx.Response(200, json={"markdown": f"# {name}", "pages": [{}]})


def test_format_md_writes_stem_md_and_fails_answers_without_text(tmp_path: Path) -> None:
    root, out = make_tree(tmp_path / "in"), tmp_path / "out"
    summary = batch(root, out, MarkdownServer(), output_format=OutputFormat.MD)
    assert (out / "b/sub/3.md").read_text() == "# b/sub/3.png"
    assert summary.failed == Counter({"no_text": 1})
    assert json.loads((out / "d.png.error.json").read_text())["code"] == "no_text"
    assert not (out / "d.md").exists()


def test_force_sends_finished_files_again(tmp_path: Path) -> None:
    root, out = make_tree(tmp_path / "in"), tmp_path / "out"
    server = FakeServer()
    batch(root, out, server)
    again = batch(root, out, server, force=True)
    assert (again.done, again.skipped) == (6, 0)
    assert set(server.successes.values()) == {2}
    plain = batch(root, out, server)
    assert (plain.done, plain.skipped) == (0, 6)


def test_the_report_says_what_the_run_did(tmp_path: Path) -> None:
    root, out = make_tree(tmp_path / "in"), tmp_path / "out"
    batch(root, out, FakeServer(fail={"c.png": ErrorCode.INVALID_INPUT}))
    report = json.loads((out / REPORT_NAME).read_text())
    assert (report["total"], report["done"], report["failed_total"]) == (6, 5, 1)
    assert report["failed"] == {"invalid_input": 1} and report["exit_code"] == 1
    assert report["failed_files"] == [{"file": "c.png", "code": "invalid_input",
                                       "message": "bad"}]
    elsewhere = tmp_path / "report.json"
    batch(root, out, FakeServer(), report_path=elsewhere, retry_failed=True)
    assert json.loads(elsewhere.read_text())["done"] == 1
