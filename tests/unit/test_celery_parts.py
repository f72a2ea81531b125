"""Celery mode's parts without a cluster: settings, the app's configuration, admission
from the node board, and an unreachable broker answering 503."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from typing import Any

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

pytest.importorskip("celery", reason="celery mode needs the `celery` extra")

import redis

from docwarden.celery.board import BoardView, NodeBoard
from docwarden.celery.config import LEASE_S, make_celery, queue_name
from docwarden.celery.dispatcher import CeleryDispatcher, Sending
from docwarden.celery.node import concurrency
from docwarden.cli import app as cli_app
from docwarden.errors import InvalidInput, JobTimeout, NotReady, Overloaded
from docwarden.jobdata import JobPayload
from docwarden.settings import DispatchMode, Settings
from docwarden.supervisor.job import job_deadline_s

CLOSED_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def celery_settings(**values: object) -> Settings:
    return Settings(dispatch="celery", broker_url=CLOSED_URL, **values)  # type: ignore[arg-type]


def test_celery_mode_without_a_broker_is_a_settings_error() -> None:
    with pytest.raises(ValidationError, match="DOCWARDEN_BROKER_URL"):
        Settings(dispatch="celery")  # type: ignore[arg-type]
    assert Settings().dispatch is DispatchMode.LOCAL and Settings().node_name


def test_the_environment_selects_celery_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCWARDEN_DISPATCH", "celery")
    monkeypatch.setenv("DOCWARDEN_BROKER_URL", "redis://10.0.0.5:6379/2")
    monkeypatch.setenv("DOCWARDEN_NODE_NAME", "gpu-1")
    settings = Settings()
    assert settings.dispatch is DispatchMode.CELERY
    assert (settings.broker_url, settings.node_name) == ("redis://10.0.0.5:6379/2", "gpu-1")


def test_the_app_speaks_json_only_and_acks_late() -> None:
    conf = make_celery(celery_settings(job_retention_s=3600), ["ocr", "pdf"]).conf
    assert conf.task_serializer == conf.result_serializer == "json"
    assert list(conf.accept_content) == list(conf.result_accept_content) == ["json"]
    assert conf.task_acks_late is True and conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.result_expires == 3600
    assert [q.name for q in conf.task_queues] == ["docwarden.ocr", "docwarden.pdf"]
    assert all(q.exchange.name == "" for q in conf.task_queues)  # no bindings to lose
    assert conf.broker_transport_options["visibility_timeout"] == LEASE_S
    assert queue_name("idcard") == "docwarden.idcard"


def test_node_concurrency_is_every_pools_slots() -> None:
    settings = Settings(workers=2, threads_per_worker=3, engines=["ocr", "pdf"])
    assert concurrency(settings) == 12


def test_deadlines_are_counted_like_the_local_supervisor() -> None:
    settings = Settings(job_timeout_s=30, max_job_timeout_s=60)
    assert job_deadline_s(settings, None) == 30
    assert job_deadline_s(settings, 5) == 5 and job_deadline_s(settings, 600) == 60
    with pytest.raises(InvalidInput):
        job_deadline_s(settings, float("nan"))


def board_with(nodes: list[dict[str, object]], depth: int = 0) -> NodeBoard:
    board = NodeBoard(redis.Redis.from_url(CLOSED_URL), ["chaos"], queue_size=2)
    board.view = BoardView(nodes=nodes, depths={"chaos": depth}, read_at=time.monotonic())
    return board


def node(name: str, accepts: bool = True, consuming: bool = True) -> dict[str, object]:
    return {"node": name, "consuming": consuming,
            "engines": {"chaos": {"ready": accepts, "accepts_jobs": accepts}}}


def test_admission_reads_the_board() -> None:
    board_with([node("a")]).check("chaos")
    with pytest.raises(NotReady, match="no live node"):
        board_with([node("a", accepts=False), node("b", consuming=False)]).check("chaos")
    with pytest.raises(Overloaded) as full:
        board_with([node("a")], depth=2).check("chaos")
    assert full.value.retry_after_s
    board_with([node("a"), node("b")], depth=2).check("chaos")  # 2 per live node


def test_a_stale_or_failed_board_means_the_broker_is_unreachable() -> None:
    never_read = NodeBoard(redis.Redis.from_url(CLOSED_URL), ["chaos"], queue_size=2)
    with pytest.raises(NotReady, match="unreachable"):
        never_read.check("chaos")
    board = board_with([node("a")])
    board.refresh()  # port 1: the read fails, the last view is kept but not trusted
    assert board.view.nodes and not board.reachable
    with pytest.raises(NotReady, match="unreachable") as refused:
        board.check("chaos")
    assert refused.value.retry_after_s
    board.view = BoardView(nodes=[node("a")], read_at=time.monotonic() - 60)
    assert not board.reachable


def test_an_unreachable_broker_is_503_not_500() -> None:
    settings = celery_settings()
    board = board_with([node("a")])
    dispatcher = CeleryDispatcher(make_celery(settings, ["chaos"]), settings, board)
    started = time.monotonic()
    with pytest.raises(NotReady) as refused:
        asyncio.run(dispatcher.run("chaos", JobPayload(params={"echo": 1}), timeout_s=5))
    assert refused.value.status == 503 and refused.value.retry_after_s
    assert time.monotonic() - started < 5


def test_the_worker_command_needs_a_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCWARDEN_BROKER_URL", raising=False)
    result = CliRunner().invoke(cli_app, ["worker", "--engines", "chaos"])
    assert result.exit_code != 0
    assert "DOCWARDEN_BROKER_URL" in result.output


def test_local_mode_never_imports_celery() -> None:
    code = ("import sys; from docwarden.api.app import create_app; "
            "from docwarden.settings import Settings; create_app(Settings()); "
            "assert not any(m == 'celery' or m.startswith(('celery.', 'kombu')) "
            "for m in sys.modules), 'celery imported in local mode'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


class SilentCluster(CeleryDispatcher):
    """Sends into the void: no node ever answers (broker calls stubbed)."""

    held: bool

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.revoked: list[str] = []
        self.sent: list[str | None] = []  # the id each send asked for (None: a new one)

    def _send(self, sent: Sending, task_id: str | None) -> str:
        self.sent.append(task_id)
        return "task-1"

    def _state(self, task_id: str) -> tuple[str, object]:
        return "PENDING", None

    def _in_hand(self, task_id: str) -> bool:
        return self.held

    def _revoke(self, task_id: str) -> None:
        self.revoked.append(task_id)


class HeldCluster(SilentCluster):
    held = True  # a node holds the task (and never answers)


class LosingCluster(SilentCluster):
    held = False  # no node ever received it: every send is lost on the way


def test_the_api_gives_up_at_the_deadline_plus_the_margin_and_revokes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("docwarden.celery.dispatcher.RESULT_MARGIN_S", 0.2)
    settings = celery_settings()
    dispatcher = HeldCluster(make_celery(settings, ["chaos"]), settings, board_with([]))

    async def run() -> None:
        with pytest.raises(JobTimeout) as timed_out:
            await dispatcher.run("chaos", JobPayload(), timeout_s=1)
        assert timed_out.value.status == 504
        await asyncio.sleep(0.1)  # the revoke runs in the background

    started = time.monotonic()
    asyncio.run(run())
    assert 1.2 <= time.monotonic() - started < 2.5
    assert dispatcher.revoked == ["task-1"]


def resends(cluster: type[SilentCluster], depth: int, timeout_s: float,
            monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The ids a dispatcher sent a task under, until it gave up at its deadline."""
    monkeypatch.setattr("docwarden.celery.receipts.LOST_CHECK_S", 0.1)
    monkeypatch.setattr("docwarden.celery.receipts.LOST_AFTER_S", 0.5)
    monkeypatch.setattr("docwarden.celery.dispatcher.RESULT_MARGIN_S", 0.0)
    settings = celery_settings()
    dispatcher = cluster(make_celery(settings, ["chaos"]), settings, board_with([], depth))
    with pytest.raises(JobTimeout):
        asyncio.run(dispatcher.run("chaos", JobPayload(), timeout_s=timeout_s))
    return dispatcher.sent


def test_a_task_in_no_nodes_hands_with_its_queue_empty_is_sent_again_under_its_id(
        monkeypatch: pytest.MonkeyPatch) -> None:
    sent = resends(LosingCluster, 0, 1.4, monkeypatch)
    assert sent[0] is None and sent[1:] == ["task-1", "task-1"]  # at ~0.6 s and ~1.2 s


def test_a_held_or_queued_task_is_never_sent_again(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resends(HeldCluster, 0, 1.4, monkeypatch) == [None]
    assert resends(LosingCluster, 3, 1.4, monkeypatch) == [None]  # still waiting in line
    monkeypatch.setattr("docwarden.celery.board.NodeBoard.reachable", False)
    assert resends(LosingCluster, 0, 1.4, monkeypatch) == [None]  # a stale view of the queue
