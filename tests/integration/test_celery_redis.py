"""Celery mode's Redis side against a real redis-server: heartbeats, the board, leases."""

from __future__ import annotations

import json
import threading
import time

import pytest

pytest.importorskip("celery", reason="celery mode needs the `celery` extra")

import redis

from docwarden.celery.board import NodeBoard
from docwarden.celery.config import NODE_TTL_S, UNACKED_INDEX_KEY, UNACKED_KEY
from docwarden.celery.heartbeat import Heartbeat, LeaseBook, renew_leases
from docwarden.celery.receipts import Receipts, forget_receipt, in_hand
from docwarden.errors import NotReady
from docwarden.settings import Settings
from docwarden.supervisor.supervisor import Supervisor
from tests.conftest_redis import RedisServer


def test_a_heartbeat_reaches_the_board_and_leaves_with_the_node(
        redis_server: RedisServer) -> None:
    settings = Settings(broker_url=redis_server.url, node_name="n1", engines=["chaos"],
                        enable_chaos=True)
    supervisor = Supervisor(settings, engines=[])  # no pools: nothing is spawned
    consuming = threading.Event()
    consuming.set()
    beat = Heartbeat(redis.Redis.from_url(redis_server.url), settings, supervisor, LeaseBook(),
                     consuming, slots=2)
    beat.beat()
    client = redis.Redis.from_url(redis_server.url)
    assert 0 < client.ttl("docwarden:node:n1") <= NODE_TTL_S
    body = json.loads(client.get("docwarden:node:n1") or "{}")
    assert body["node"] == "n1" and body["consuming"] is True and body["slots"] == 2
    assert body["memory"]["host_available_bytes"] > 0
    board = NodeBoard(redis.Redis.from_url(redis_server.url), ["chaos"], queue_size=4)
    board.refresh()
    assert board.reachable and [n["node"] for n in board.view.nodes] == ["n1"]
    with pytest.raises(NotReady, match="no live node"):  # n1 has no chaos pool
        board.check("chaos")
    beat.stop()  # says goodbye: the key goes at once, not after the TTL
    board.refresh()
    assert board.view.nodes == []
    board.close()
    supervisor.close()


def test_renewing_a_lease_moves_only_held_messages(redis_server: RedisServer) -> None:
    client = redis.Redis.from_url(redis_server.url)
    client.zadd(UNACKED_INDEX_KEY, {"held": 100.0, "other": 100.0})
    now = time.time()
    renew_leases(client, ["held", "acked-already"], now)
    assert client.zscore(UNACKED_INDEX_KEY, "held") == pytest.approx(now)
    assert client.zscore(UNACKED_INDEX_KEY, "other") == 100.0  # another node's: untouched
    assert client.zscore(UNACKED_INDEX_KEY, "acked-already") is None  # never re-added


def test_the_poison_table_is_shared_by_the_nodes_and_survives_a_redis_outage(
        redis_server: RedisServer) -> None:
    from docwarden.celery.poison import SharedPoisonTable

    def node() -> SharedPoisonTable:
        return SharedPoisonTable(redis.Redis.from_url(redis_server.url, socket_timeout=1),
                                 strikes=2, keep_s=60)

    node_a, node_b = node(), node()
    assert node_a.record_death("killer") == 1
    assert not node_b.is_poison("killer")
    assert node_b.record_death("killer") == 2  # one death on each node
    assert node_a.is_poison("killer") and node_b.is_poison("killer")
    assert 0 < redis.Redis.from_url(redis_server.url).ttl("docwarden:poison:killer") <= 60
    redis_server.stop()
    assert node_a.record_death("local") == 1 and node_a.record_death("local") == 2
    assert node_a.is_poison("local")  # this node's own strikes still count
    assert not node_b.is_poison("local")  # unreachable Redis: nothing to go on, not an error
    redis_server.start()
    assert node_b.is_poison("killer") is False  # a restarted Redis without persistence forgot


def test_a_task_is_in_hand_while_the_transport_holds_the_tag_its_receipt_names(
        redis_server: RedisServer) -> None:
    client = redis.Redis.from_url(redis_server.url)
    assert not in_hand(client, "t1")  # never received: lost, or still queued
    Receipts(client, keep_s=30).note("t1", "tag-1")
    assert 30 < client.ttl("docwarden:taken:t1") <= 30 + 60
    assert not in_hand(client, "t1")  # received, then restored to the queue or lost again
    client.hset(UNACKED_KEY, "tag-1", b"[]")
    assert in_hand(client, "t1")  # running, or waiting for its lapsed lease's restore
    forget_receipt(client, "t1")
    assert not in_hand(client, "t1")


def test_a_receipt_that_cannot_be_written_never_stops_the_consumer(
        redis_server: RedisServer) -> None:
    receipts = Receipts(redis.Redis.from_url(redis_server.url, socket_timeout=1), keep_s=30)
    redis_server.stop()
    try:
        receipts.note("t1", "tag-1")  # logged, not raised
    finally:
        redis_server.start()
