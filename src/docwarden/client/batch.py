"""`docwarden batch DIR --out DIR`: every matching file of a tree through one engine.

Resumable without a journal: each input's answer is written atomically
(temporary file + rename) as `<out>/<relative path>.json` (`.png` for
enhance), so an existing result file *is* the record that the file is done,
and a rerun after Ctrl-C or a crash skips it.  A file the server rejects for
what it is (invalid_input, poison_input ...) gets `<relative path>.error.json`
and is retried only with `retry_failed=True`; refusals that say "later"
(overloaded, not_ready, a dropped connection ...) are counted but not
recorded, so a plain rerun tries them again.  Inputs are walked lazily in
sorted order and fed through a small bounded queue to `concurrency` tasks, so
the client's memory stays flat however many files there are.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import json
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from docwarden.client.client import DEFAULT_URL, AsyncDocwardenClient
from docwarden.client.errors import DocwardenClientError, DocwardenConnectionError
from docwarden.fileio import write_atomic

BINARY_ENGINES = frozenset({"enhance"})
ERROR_SUFFIX = ".error.json"
REPORT_NAME = "batch_report.json"
# Failed files named in the report; beyond this only counted (their .error.json stay).
MAX_REPORTED_FAILURES = 1000
# This many connection failures in a row mean the server is gone: stop early.
MAX_CONSECUTIVE_CONNECTION_ERRORS = 10


class OutputFormat(StrEnum):
    """`json`: the whole answer as `<name>.json`; `md`: its Markdown (or text) as `<stem>.md`,
    as Marker's batch client wrote them."""

    JSON = "json"
    MD = "md"


class FileOutcome(StrEnum):
    DONE = "done"
    SKIPPED = "skipped"
    KEPT_FAILED = "kept_failed"
    FAILED = "failed"


@dataclass
class BatchSummary:
    """What one run did; `failed` counts failures by error code."""

    total: int = 0
    done: int = 0
    skipped: int = 0
    kept_failed: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    elapsed_s: float = 0.0
    aborted: str | None = None
    failed_files: list[dict[str, str]] = field(default_factory=list)

    @property
    def failed_total(self) -> int:
        return sum(self.failed.values())

    @property
    def exit_code(self) -> int:
        """0 when every file has a result, 1 otherwise (failures, interrupted)."""
        return 0 if not self.failed and not self.kept_failed and not self.aborted else 1

    def note_failure(self, relative: Path, code: str, message: str) -> None:
        self.failed[code] += 1
        if len(self.failed_files) < MAX_REPORTED_FAILURES:
            self.failed_files.append({"file": relative.as_posix(), "code": code,
                                      "message": message[:500]})

    def report(self, job: BatchJob, url: str) -> dict[str, Any]:
        """The run as JSON (written to `<out>/batch_report.json`)."""
        return {"engine": job.engine, "url": url, "input_dir": str(job.input_dir),
                "out_dir": str(job.out_dir), "format": job.output_format.value,
                "force": job.force, "total": self.total, "done": self.done,
                "skipped": self.skipped, "kept_failed": self.kept_failed,
                "failed": dict(self.failed), "failed_total": self.failed_total,
                "failed_files": self.failed_files, "elapsed_s": round(self.elapsed_s, 3),
                "stopped_early": self.aborted, "exit_code": self.exit_code,
                "finished_at": datetime.now(UTC).isoformat(timespec="seconds")}


@dataclass(frozen=True)
class BatchJob:
    """Where inputs come from and where answers go."""

    input_dir: Path
    out_dir: Path
    engine: str
    params: Mapping[str, object]
    retry_failed: bool
    output_format: OutputFormat = OutputFormat.JSON
    force: bool = False  # send every file again, results or not

    @property
    def result_suffix(self) -> str:
        if self.engine in BINARY_ENGINES:
            return ".png"
        return ".md" if self.output_format is OutputFormat.MD else ".json"

    def result_path(self, relative: Path) -> Path:
        name = relative.stem if self.output_format is OutputFormat.MD else relative.name
        return self.out_dir / relative.parent / (name + self.result_suffix)

    def content(self, answer: dict[str, Any] | bytes) -> bytes:
        """What goes in the result file; ValueError when --format md finds no text."""
        if isinstance(answer, bytes):
            return answer
        if self.output_format is OutputFormat.JSON:
            return json.dumps(answer, ensure_ascii=False).encode()
        text = answer.get("markdown", answer.get("text"))
        if not isinstance(text, str):
            raise ValueError(f"the {self.engine} answer has no markdown or text for --format md")
        return text.encode()

    def error_path(self, relative: Path) -> Path:
        return self.out_dir / relative.parent / (relative.name + ERROR_SUFFIX)


def iter_inputs(root: Path, patterns: Sequence[str], exclude: Path | None = None,
                relative_dir: Path | None = None) -> Iterator[Path]:
    """Relative paths of matching files in sorted order, one directory listing at a time.

    Hidden entries and symlinked directories are skipped (no loops); `exclude`
    (the output tree, when it lies inside the input tree) is never entered.
    """
    relative_dir = relative_dir or Path()
    directory = root / relative_dir
    if exclude is not None and relative_dir.parts and directory.resolve() == exclude:
        return
    with os.scandir(directory) as scan:
        entries = sorted((e.name, e.is_dir(follow_symlinks=False), e.is_file())
                          for e in scan if not e.name.startswith("."))
    for name, is_dir, is_file in entries:
        if is_dir:
            yield from iter_inputs(root, patterns, exclude, relative_dir / name)
        elif is_file and _matches(relative_dir / name, patterns):
            yield relative_dir / name


def _matches(relative: Path, patterns: Sequence[str]) -> bool:
    """A pattern with a `/` matches the relative path, others the file name."""
    return any(fnmatch.fnmatchcase(relative.as_posix() if "/" in p else relative.name, p)
               for p in patterns)


class _RateColumn(ProgressColumn):
    """Files per second over rich's recent-speed window."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.1f}/s" if speed else "--/s", style="progress.data.speed")


class _Run:
    """One batch run: shared counters and the per-file step."""

    def __init__(self, job: BatchJob, client: AsyncDocwardenClient, summary: BatchSummary
                 ) -> None:
        self.job = job
        self.client = client
        self.summary = summary
        self.connection_failures = 0

    async def process(self, relative: Path) -> FileOutcome:
        if not self.job.force and self.job.result_path(relative).exists():
            return FileOutcome.SKIPPED
        error_path = self.job.error_path(relative)
        if not (self.job.retry_failed or self.job.force) and error_path.exists():
            return FileOutcome.KEPT_FAILED
        try:
            data = await asyncio.to_thread((self.job.input_dir / relative).read_bytes)
            answer = await self.client.run_engine(self.job.engine, (relative.name, data),
                                                  **self.job.params)
        except DocwardenClientError as error:
            self._failed(relative, error.code_name, error.to_dict(), record=not error.retryable)
            self.connection_failures = (self.connection_failures + 1
                                        if isinstance(error, DocwardenConnectionError) else 0)
            return FileOutcome.FAILED
        except OSError as error:
            self._failed(relative, "unreadable_input", {"message": str(error)}, record=True)
            return FileOutcome.FAILED
        self.connection_failures = 0
        try:
            content = self.job.content(answer)
        except ValueError as error:
            self._failed(relative, "no_text", {"message": str(error)}, record=True)
            return FileOutcome.FAILED
        write_atomic(self.job.result_path(relative), content)
        error_path.unlink(missing_ok=True)
        return FileOutcome.DONE

    def _failed(self, relative: Path, code: str, body: dict[str, Any], *, record: bool) -> None:
        self.summary.note_failure(relative, code, str(body.get("message", "")))
        if record:
            entry = {"file": relative.as_posix(), "engine": self.job.engine, "code": code,
                     **body, "failed_at": datetime.now(UTC).isoformat(timespec="seconds")}
            write_atomic(self.job.error_path(relative),
                         json.dumps(entry, ensure_ascii=False, indent=2).encode())

    def count(self, outcome: FileOutcome) -> None:
        if outcome is FileOutcome.DONE:
            self.summary.done += 1
        elif outcome is FileOutcome.SKIPPED:
            self.summary.skipped += 1
        elif outcome is FileOutcome.KEPT_FAILED:
            self.summary.kept_failed += 1

    def describe(self) -> str:
        s = self.summary
        return (f"{self.job.engine}: [green]{s.done} done[/] [dim]{s.skipped} skipped[/] "
                f"[red]{s.failed_total + s.kept_failed} failed[/]")


async def _feed(run: _Run, inputs: Iterator[Path], queue: asyncio.Queue[Path | None],
                workers: int) -> None:
    for relative in inputs:
        if run.summary.aborted:
            break
        await queue.put(relative)
    for _ in range(workers):
        await queue.put(None)


async def _work(run: _Run, queue: asyncio.Queue[Path | None], progress: Progress,
                task_id: Any) -> None:
    while (relative := await queue.get()) is not None:
        if run.summary.aborted:
            continue
        run.count(await run.process(relative))
        if run.connection_failures >= MAX_CONSECUTIVE_CONNECTION_ERRORS:
            run.summary.aborted = f"server unreachable at {run.client.base_url}"
        progress.update(task_id, advance=1, description=run.describe())


async def run_batch_async(job: BatchJob, client: AsyncDocwardenClient, *,
                          patterns: Sequence[str] = ("*",), concurrency: int = 4,
                          summary: BatchSummary | None = None,
                          console: Console | None = None, show_progress: bool = True
                          ) -> BatchSummary:
    """Process the tree with `concurrency` requests in flight; fills `summary`."""
    summary = summary if summary is not None else BatchSummary()
    exclude = job.out_dir.resolve()
    summary.total = sum(1 for _ in iter_inputs(job.input_dir, patterns, exclude))
    run = _Run(job, client, summary)
    queue: asyncio.Queue[Path | None] = asyncio.Queue(maxsize=concurrency * 2)
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        _RateColumn(), TimeElapsedColumn(), TextColumn("eta"),
                        TimeRemainingColumn(), console=console or Console(stderr=True),
                        disable=not show_progress)
    started = time.monotonic()
    _finish_in_flight_on_ctrl_c(summary)
    try:
        with progress:
            task_id = progress.add_task(run.describe(), total=summary.total)
            workers = [asyncio.create_task(_work(run, queue, progress, task_id))
                       for _ in range(concurrency)]
            await asyncio.gather(_feed(run, iter_inputs(job.input_dir, patterns, exclude),
                                       queue, concurrency), *workers)
    finally:
        summary.elapsed_s = time.monotonic() - started
    return summary


def _finish_in_flight_on_ctrl_c(summary: BatchSummary) -> None:
    """First Ctrl-C: send no more files but keep the answers in flight (the server has
    done that work); a second Ctrl-C stops at once."""
    loop = asyncio.get_running_loop()

    def first_interrupt() -> None:
        summary.aborted = "interrupted"
        loop.remove_signal_handler(signal.SIGINT)

    # Not the main thread, or no signal support: then Ctrl-C stops at once.
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGINT, first_interrupt)


def run_batch(input_dir: Path, out_dir: Path, *, engine: str = "ocr", url: str = DEFAULT_URL,
              api_key: str | None = None, concurrency: int = 4,
              pattern: str | Sequence[str] = "*", retry_failed: bool = False,
              params: Mapping[str, object] | None = None, show_progress: bool = True,
              console: Console | None = None,
              client: AsyncDocwardenClient | None = None,
              output_format: OutputFormat = OutputFormat.JSON, force: bool = False,
              report_path: Path | None = None) -> BatchSummary:
    """The `docwarden batch` command: blocking; Ctrl-C ends it with a summary."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    if not input_dir.is_dir():
        raise NotADirectoryError(f"not a directory: {input_dir}")
    if out_dir.resolve() == input_dir.resolve():
        raise ValueError("the output directory must differ from the input directory")
    job = BatchJob(input_dir, out_dir, engine, dict(params or {}), retry_failed,
                   output_format, force)
    patterns = [pattern] if isinstance(pattern, str) else list(pattern)
    summary = BatchSummary()

    async def main() -> None:
        own = client or AsyncDocwardenClient(url, api_key=api_key, max_connections=concurrency)
        try:
            await run_batch_async(job, own, patterns=patterns, concurrency=concurrency,
                                  summary=summary, console=console, show_progress=show_progress)
        finally:
            if client is None:
                await own.aclose()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        summary.aborted = "interrupted"
    report = json.dumps(summary.report(job, url), ensure_ascii=False, indent=2).encode()
    write_atomic(report_path or out_dir / REPORT_NAME, report)
    return summary


def print_summary(summary: BatchSummary, console: Console | None = None) -> None:
    """Done, skipped, failed by error code, elapsed."""
    table = Table(title="docwarden batch", show_header=False)
    table.add_row("files", str(summary.total))
    table.add_row("done", f"[green]{summary.done}[/]")
    table.add_row("skipped (result present)", str(summary.skipped))
    if summary.kept_failed:
        table.add_row("failed before (use --retry-failed)", f"[red]{summary.kept_failed}[/]")
    for code, count in sorted(summary.failed.items()):
        table.add_row(f"failed: {code}", f"[red]{count}[/]")
    rate = summary.done / summary.elapsed_s if summary.elapsed_s else 0.0
    table.add_row("elapsed", f"{summary.elapsed_s:.1f} s ({rate:.2f} files/s)")
    if summary.aborted:
        table.add_row("stopped early", f"[yellow]{summary.aborted}[/]")
    (console or Console()).print(table)
