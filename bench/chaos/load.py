"""Chaos load: the real server under a seeded mix of good and hostile jobs, with workers
SIGKILLed from outside, must answer every request correctly and leave nothing behind.

    .venv/bin/python -m bench.chaos.load --jobs 2000 --kills 20 --concurrency 8 --seed 1

Starts `python -m docwarden.cli serve` itself (chaos engine, 2 workers, hard RSS 400 MB,
soft 300 MB, 3 s deadline, queue 64, private DATA_DIR and TMPDIR) on 127.0.0.1 only.

Verdicts (per request, see `judge`):
- lost: no HTTP answer at all (connection error, timeout, or the server died).
- wrong: an answer that contradicts the request.  Expected answers per kind:
  normal / leak: 200 with the echo sent (leak may also hit the hard limit: 502 rss_hard);
  spike over the hard limit: 502 worker_crashed "memory limit"; hang: 504 job_timeout;
  segfault / exit: 502 worker_crashed; exception: 500 internal_error "engine error" (the
  engine's own error: the one expected 500); a deliberate 3rd repeat of an input that
  killed 2 workers: 422 poison_input.  A job on a worker killed from outside runs again on
  a replacement, so it may still get 502 worker_crashed "SIGKILL from outside" only when
  this script killed a worker while the request was in flight.  A 503 not_ready is wrong:
  replacements after a crash, kill or recycle must not fail the jobs queued behind them.
  A 200 whose echo differs, a malformed error body, or anything else is wrong.
- normal answered 200: the fraction of normal jobs answered 200 (issue 15: >= 0.99).
- refusals without Retry-After: a 429 / 503 that is not retryable or lacks the header.
- refused: 429 overloaded (a bounded queue saying no); expired: 504 job_timeout "waited
  ... in the queue" (JOB_TIMEOUT_S covers queue time, and hostile jobs can hold both
  workers for 3 s; a job that waited most of its deadline and was killed just after it
  started says so too): both correct answers, counted apart.
- unexpected 500: any 500 but the exception kind's.
- orphans: processes carrying this run's marker variable (inherited by every descendant of
  the server) or seen in its tree, still alive after the server stopped.
- RSS: the server's whole tree, sampled every 0.2 s, must stay under
  WORKERS x HARD_WORKER_RSS_MB + the parent's own peak RSS + margin; the margin is what a
  worker can add in one supervisor tick before it is killed (spike growth ~2 GB/s x 0.1 s)
  plus the interpreter of a replacement loading beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench import RESULTS
from bench.compare.procs import MIB
from bench.server import ServerProcess, TreeSampler
from docwarden.errors import HTTP_STATUS, ErrorCode

REFUSAL_STATUSES = (429, 503)
WORKERS, HARD_MB, SOFT_MB = 2, 400, 300
SERVER_ENV = {"ENGINES": "chaos", "ENABLE_CHAOS": "1", "WORKERS": str(WORKERS),
              "HARD_WORKER_RSS_MB": str(HARD_MB), "MAX_WORKER_RSS_MB": str(SOFT_MB),
              "JOB_TIMEOUT_S": "3", "QUEUE_SIZE": "64", "MIN_FREE_MEMORY_MB": "0"}
CODES = {code.value for code in ErrorCode}
LOADED_STATES = ("idle", "busy", "retiring")
MIN_KILL_SPACING_S = 0.5
KIND_WEIGHTS = {"leak": 3, "spike": 2.5, "hang": 1.5, "segfault": 2, "exit": 1.5,
                "exception": 1.5}


# ---- the plan and the load ----------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    index: int
    kind: str
    params: dict[str, Any]
    repeats: int = 1  # >1: the same input sent again and again, in order


@dataclass
class Answer:
    task: int
    kind: str
    attempt: int
    echo: str
    sent_at: float
    answered_at: float
    status: int | None = None
    code: str | None = None
    message: str = ""
    body: Any = None
    transport_error: str | None = None
    retry_after: str | None = None
    retryable: bool | None = None
    verdict: str = ""


def chaos_params(kind: str, rng: random.Random, echo: str) -> dict[str, Any]:
    if kind == "normal":
        return {"sleep_s": round(rng.uniform(0, 0.05), 3), "echo": echo}
    if kind == "leak":
        return {"leak_mb": rng.randint(20, 120), "echo": echo}
    if kind == "spike":
        return {"spike_mb": rng.randint(HARD_MB + 200, HARD_MB * 3), "echo": echo}
    if kind == "hang":
        return {"hang": True, "echo": echo}
    return {"crash": kind, "echo": echo}


def make_plan(jobs: int, chaos_fraction: float, poison_groups: int, seed: int) -> list[Task]:
    """Seeded: every input unique (its echo) but the poison groups' deliberate repeats."""
    rng = random.Random(seed)
    kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    tasks = []
    for index in range(jobs - 3 * poison_groups):
        kind = rng.choices(kinds, weights)[0] if rng.random() < chaos_fraction else "normal"
        tasks.append(Task(index, kind, chaos_params(kind, rng, f"{seed}-{index}")))
    for group in range(poison_groups):
        crash = rng.choice(["segfault", "exit"])
        params = {"crash": crash, "echo": f"{seed}-poison-{group}"}
        tasks.insert(rng.randrange(len(tasks)), Task(len(tasks), "poison", params, repeats=3))
    return tasks


def send(client: httpx.Client, task: Task, attempt: int) -> Answer:
    answer = Answer(task.index, task.kind, attempt, str(task.params["echo"]), time.monotonic(),
                    0.0)
    try:
        response = client.post("/v1/chaos", json=task.params)
        answer.status = response.status_code
        answer.retry_after = response.headers.get("retry-after")
        try:
            answer.body = response.json()
        except ValueError:
            answer.body = response.text[:200]
    except httpx.HTTPError as exc:
        answer.transport_error = f"{type(exc).__name__}: {exc}"
    answer.answered_at = time.monotonic()
    error = answer.body.get("error") if isinstance(answer.body, dict) else None
    if isinstance(error, dict):
        answer.code, answer.message = str(error.get("code")), str(error.get("message"))
        answer.retryable = error.get("retryable") is True
    return answer


@dataclass
class Killer:
    """SIGKILLs a random worker of the server from outside, spread over the run's progress."""

    server: ServerProcess
    kills: int
    jobs: int
    rng: random.Random
    done: int = 0  # tasks finished; written by the main thread only
    log: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.stopped = threading.Event()
        step = self.jobs / (self.kills + 1)
        self.thresholds = [int(step * (k + 1) + self.rng.uniform(-step / 3, step / 3))
                           for k in range(self.kills)]
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while self.thresholds and not self.stopped.wait(0.05):
            recent = self.log and time.monotonic() - self.log[-1]["at"] < MIN_KILL_SPACING_S
            if self.done >= self.thresholds[0] and not recent and self._kill_one():
                self.thresholds.pop(0)

    def _kill_one(self) -> bool:
        try:
            workers = httpx.get(self.server.url + "/health", timeout=5).json()["workers"]
            children = {p.pid for p in psutil.Process(self.server.pid).children()}
        except (httpx.HTTPError, psutil.Error, ValueError, KeyError):
            return False
        # Loaded workers only, as the OOM killer picks big processes: a worker killed while
        # it loads counts as a load failure (backoff, then 503 not_ready for everyone).
        workers = [w for w in workers if w["pid"] in children and w["state"] in LOADED_STATES]
        busy = [w for w in workers if w.get("in_flight")]
        pool = busy if busy and self.rng.random() < 0.7 else workers
        if not pool:
            return False
        victim = self.rng.choice(pool)
        try:
            os.kill(victim["pid"], signal.SIGKILL)
        except ProcessLookupError:
            return False
        self.log.append({"at": time.monotonic(), "pid": victim["pid"], "state": victim["state"],
                         "in_flight": victim.get("in_flight", 0)})
        return True


def run_task(client: httpx.Client, task: Task, stop_at: float) -> list[Answer]:
    """All attempts of one task, in order; none once the time budget is spent."""
    if time.monotonic() > stop_at:
        return []
    return [send(client, task, attempt) for attempt in range(1, task.repeats + 1)]


def drive(server: ServerProcess, plan: list[Task], concurrency: int, max_time_s: float,
          killer: Killer) -> list[Answer]:
    stop_at = time.monotonic() + max_time_s
    answers: list[Answer] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    with httpx.Client(base_url=server.url, timeout=60, limits=limits) as client, \
            ThreadPoolExecutor(concurrency) as pool:
        futures = [pool.submit(run_task, client, task, stop_at) for task in plan]
        for future in as_completed(futures):
            answers += future.result()
            killer.done += 1
    return answers


# ---- verdicts -----------------------------------------------------------------------------


def well_formed(answer: Answer) -> bool:
    """A 200 is a JSON object; anything else is DESIGN.md's error body with the table's status."""
    if answer.status == 200:
        return isinstance(answer.body, dict)
    error = answer.body.get("error") if isinstance(answer.body, dict) else None
    if not isinstance(error, dict) or set(answer.body) != {"error"}:
        return False
    if not {"code", "message", "retryable"} <= set(error) or error["code"] not in CODES:
        return False
    return HTTP_STATUS[ErrorCode(error["code"])] == answer.status


def expected(answer: Answer, crashes_before: int) -> bool:
    """Does the answer match what this kind of request must get (module docstring)?"""
    echoed = answer.status == 200 and answer.body.get("echo") == answer.echo
    crashed = answer.code == "worker_crashed"
    memory = crashed and "memory limit" in answer.message
    if answer.kind == "normal":
        return echoed
    if answer.kind == "leak":
        return echoed or memory
    if answer.kind == "spike":
        return memory
    if answer.kind == "hang":
        return answer.code == "job_timeout"
    if answer.kind == "segfault":
        return crashed and "SIGSEGV" in answer.message
    if answer.kind == "exit":
        return crashed and "exited with status 3" in answer.message
    if answer.kind == "exception":
        return answer.code == "internal_error" and "engine error" in answer.message
    return answer.code == ("poison_input" if crashes_before >= 2 else "worker_crashed")


def judge(answer: Answer, kill_times: list[float], crashes_before: int) -> str:
    if answer.status is None:
        return "lost"
    if not well_formed(answer):
        return "wrong: malformed answer"
    if answer.status == 429:
        return "refused"
    if answer.code == "job_timeout" and "in the queue" in answer.message:
        return "expired"  # the deadline covers queue time: honest, counted apart
    if expected(answer, crashes_before):
        return "ok"
    if answer.code == "worker_crashed" and "from outside" in answer.message and any(
            answer.sent_at <= t <= answer.answered_at for t in kill_times):
        return "ok: external kill"
    if answer.status == 200:
        return "wrong: 200 with another echo" if answer.kind == "normal" else \
            f"wrong: 200 for a {answer.kind} job"
    return f"wrong: {answer.status} {answer.code} for a {answer.kind} job"


def judge_all(answers: list[Answer], kill_times: list[float]) -> None:
    """Attempts of one poison group in order: its crashes so far decide the 3rd answer."""
    answers.sort(key=lambda a: (a.task, a.attempt))
    crashes: Counter[int] = Counter()
    for answer in answers:
        answer.verdict = judge(answer, kill_times, crashes[answer.task])
        if answer.code == "worker_crashed":
            crashes[answer.task] += 1


# ---- the report ---------------------------------------------------------------------------


def criterion(value: float, limit: float) -> dict[str, Any]:
    return {"value": value, "limit": limit, "pass": value <= limit}


def floor(value: float, minimum: float) -> dict[str, Any]:
    return {"value": value, "limit": f">= {minimum}", "pass": value >= minimum}


def normal_ok_fraction(answers: list[Answer]) -> float:
    normal = [a for a in answers if a.kind == "normal"]
    return round(sum(a.status == 200 for a in normal) / max(len(normal), 1), 4)


def unhelpful_refusals(answers: list[Answer]) -> int:
    """Refusals a client cannot act on: not retryable, or no Retry-After to wait for."""
    return sum(a.status in REFUSAL_STATUSES and not (a.retryable and a.retry_after)
               for a in answers)


def summarise(answers: list[Answer], plan: list[Task]) -> dict[str, Any]:
    verdicts = Counter(a.verdict.split(":")[0] for a in answers)
    outcome = Counter(f"{a.status} {a.code or 'ok'}" if a.status else "no answer"
                      for a in answers)
    by_kind: dict[str, Counter[str]] = {}
    for a in answers:
        by_kind.setdefault(a.kind, Counter())[f"{a.status} {a.code or 'ok'}"] += 1
    bad = [asdict(a) for a in answers if a.verdict.startswith(("wrong", "lost"))][:20]
    return {
        "requests_planned": sum(t.repeats for t in plan), "requests_sent": len(answers),
        "answered": sum(a.status is not None for a in answers),
        "answers_by_status_and_code": dict(sorted(outcome.items())),
        "answers_by_kind": {k: dict(sorted(v.items())) for k, v in sorted(by_kind.items())},
        "verdicts": dict(Counter(a.verdict for a in answers)),
        "lost": verdicts["lost"], "wrong": verdicts["wrong"], "refused": verdicts["refused"],
        "expired_in_queue": verdicts["expired"],
        "unexpected_500": sum(a.status == 500 and a.kind != "exception" for a in answers),
        "normal_answered_200": normal_ok_fraction(answers),
        "refusals_without_retry_after": unhelpful_refusals(answers),
        "examples_of_failures": bad,
    }


def rss_report(sampler: TreeSampler, final_tree_bytes: int, margin_mb: float) -> dict[str, Any]:
    parent_mb = sampler.peak_parent_bytes / MIB
    return {"peak_service_mb": round(sampler.peak_tree_bytes / MIB, 1),
            "final_service_mb": round(final_tree_bytes / MIB, 1),
            "peak_parent_mb": round(parent_mb, 1),
            "peak_single_child_mb": round(sampler.peak_child_bytes / MIB, 1),
            "bound_mb": round(WORKERS * HARD_MB + parent_mb + margin_mb, 1),
            "bound_formula": f"{WORKERS} workers x {HARD_MB} MB + parent peak "
                             f"{parent_mb:.1f} MB + margin {margin_mb:g} MB",
            "samples": sampler.samples}


def build_report(args: argparse.Namespace, summary: dict[str, Any], rss: dict[str, Any],
                 extra: dict[str, Any]) -> dict[str, Any]:
    criteria = {
        "zero lost": criterion(summary["lost"], 0),
        "zero wrong": criterion(summary["wrong"], 0),
        "zero unexpected 500": criterion(summary["unexpected_500"], 0),
        "zero orphans": criterion(len(extra["orphans"]), 0),
        "normal jobs answered 200": floor(summary["normal_answered_200"], 0.99),
        "refusals without Retry-After": criterion(summary["refusals_without_retry_after"], 0),
        "peak service RSS within bound (MB)": criterion(rss["peak_service_mb"], rss["bound_mb"]),
    }
    return {"bench": "chaos", "args": vars(args), "server_settings": SERVER_ENV, **summary,
            **extra, "rss": rss, "criteria": criteria,
            "pass": all(c["pass"] for c in criteria.values()),
            "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}


def markdown(report: dict[str, Any]) -> str:
    lines = [f"## chaos: {report['requests_sent']} requests, {len(report['kills'])} external "
             f"kills, {report['elapsed_s']} s", "", "| criterion | value | limit | result |",
             "|---|---|---|---|"]
    for name, c in report["criteria"].items():
        lines.append(f"| {name} | {c['value']} | {c['limit']} | "
                     f"{'PASS' if c['pass'] else 'FAIL'} |")
    lines += ["", "| answer | count |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in report["answers_by_status_and_code"].items()]
    rss = report["rss"]
    lines += ["", f"recycles: {report['recycles']}",
              f"RSS: peak {rss['peak_service_mb']} MB, final {rss['final_service_mb']} MB, "
              f"parent peak {rss['peak_parent_mb']} MB, bound {rss['bound_mb']} MB "
              f"({rss['bound_formula']})",
              f"refused (429): {report['refused']}; expired in the queue (504): "
              f"{report['expired_in_queue']}; stopped by SIGTERM: exit status "
              f"{report['server_exit']}, graceful: {report['graceful_stop']}",
              f"overall: {'PASS' if report['pass'] else 'FAIL'}"]
    return "\n".join(lines)


def save(report: dict[str, Any], label: str) -> Path:
    """bench/results/chaos_<label>.json (committed) and a timestamped copy in tmp/ (not)."""
    (RESULTS / "tmp").mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(report, indent=1, default=str) + "\n"
    (RESULTS / "tmp" / f"chaos_{stamp}.json").write_text(text)
    path = RESULTS / f"chaos_{label}.json"
    path.write_text(text)
    return path


# ---- main ---------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=2000, help="tasks (poison groups send 3)")
    parser.add_argument("--kills", type=int, default=20, help="external SIGKILLs of workers")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chaos-fraction", type=float, default=0.12)
    parser.add_argument("--poison-groups", type=int, default=5)
    parser.add_argument("--max-time-s", type=float, default=1500, help="stop sending after")
    parser.add_argument("--rss-margin-mb", type=float, default=WORKERS * 200 + 100)
    parser.add_argument("--label", default="latest",
                        help="also saved as bench/results/chaos_LABEL.json")
    parser.add_argument("--keep-log", type=Path, help="copy the server's log here")
    return parser.parse_args()


def final_recycles(server: ServerProcess) -> dict[str, int] | str:
    try:
        recycles: dict[str, int] = httpx.get(server.url + "/health", timeout=10).json()["recycles"]
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        return f"no /health answer at the end: {exc!r}"
    return recycles


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    server = ServerProcess(SERVER_ENV, workdir)
    sampler = TreeSampler(server.pid)
    sampler.thread.start()
    try:
        server.wait_ready()
        plan = make_plan(args.jobs, args.chaos_fraction, args.poison_groups, args.seed)
        killer = Killer(server, args.kills, len(plan), random.Random(args.seed + 1))
        killer.thread.start()
        started = time.monotonic()
        answers = drive(server, plan, args.concurrency, args.max_time_s, killer)
        elapsed_s = time.monotonic() - started
        killer.stopped.set()
        recycles = final_recycles(server)
        sampler.sample()
    finally:
        sampler.stopped.set()
        exit_status = server.stop()
        log = server.log_path.read_text(errors="replace")
        if args.keep_log:
            args.keep_log.write_text(log)
    time.sleep(1.0)
    orphans = server.survivors(sampler.seen)
    judge_all(answers, [k["at"] for k in killer.log])
    extra = {"elapsed_s": round(elapsed_s, 1), "recycles": recycles, "kills": killer.log,
             "orphans": orphans, "server_exit": exit_status,
             "graceful_stop": "docwarden stopped" in log, "server_log_tail": log[-3000:],
             "requests_per_s": round(len(answers) / elapsed_s, 1)}
    return build_report(args, summarise(answers, plan),
                        rss_report(sampler, sampler.last_tree_bytes, args.rss_margin_mb), extra)


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="docwarden-chaos-") as tmp:
        report = run(args, Path(tmp))
    path = save(report, args.label)
    print(markdown(report))
    print(f"\nreport: {path}")
    sys.exit(0 if report["pass"] else 1)


if __name__ == "__main__":
    main()
