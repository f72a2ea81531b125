"""The one Celery app factory both sides use, and the names they share.

JSON only (never pickle); late acks with prefetch 1, so a message leaves Redis
only once a node has answered it, and a node holds no more messages than it
has job threads.  Messages go through the default exchange straight onto the
list `docwarden.<engine>`: no exchange bindings to lose when Redis restarts
empty.  A delivered message is held under a short lease (the transport's
visibility timeout) that live nodes renew with their heartbeat
(`node.LeaseBook`): a node that dies has its messages redelivered within about
LEASE_S, while a long job on a live node is never run twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
import redis.sentinel
from celery import Celery
from celery.backends.redis import RedisBackend, SentinelBackend
from kombu.entity import Exchange, Queue

from docwarden.errors import InternalError
from docwarden.settings import Settings

TASK_NAME = "docwarden.run_job"
PROGRESS_STATE = "PROGRESS"  # a running task's state while it reports {"done", "total"}
QUEUE_PREFIX = "docwarden."
NODE_KEY_PREFIX = "docwarden:node:"
HEARTBEAT_INTERVAL_S = 2.0
NODE_TTL_S = 10  # a node missing this long is gone: /health drops it, /ready stops counting it
LEASE_S = 10  # visibility timeout of a delivered message; renewed every heartbeat
UNACKED_KEY = "unacked"  # the transport's hash of delivered messages: tag -> message
UNACKED_INDEX_KEY = "unacked_index"  # the transport's sorted set of delivered messages
UNACKED_MUTEX_KEY = "unacked_mutex"  # the lock a node holds while it restores lapsed messages
# kombu keeps that lock 300 s: a node SIGKILLed while holding it stopped every node from
# redelivering anything for five minutes (a lost job answered 504). A restore pass takes
# milliseconds, so a lease's length is plenty, and bounds what a dead holder costs.
UNACKED_MUTEX_EXPIRE_S = LEASE_S
SENTINEL_SCHEME = "sentinel://"
SENTINEL_PORT = 26379
SOCKET_TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 2.0
# Publishing during an outage fails in about a second (then 503), instead of hanging.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.3,
                 "interval_max": 0.5}


def queue_name(engine: str) -> str:
    return QUEUE_PREFIX + engine


def engine_queues(engines: Iterable[str]) -> list[Queue]:
    default = Exchange("")  # type: ignore[no-untyped-call]  # anonymous: key = list name
    return [Queue(queue_name(e), default, routing_key=queue_name(e))  # type: ignore[no-untyped-call]
            for e in engines]


def broker_url(settings: Settings) -> str:
    if not settings.broker_url:
        raise InternalError("celery mode needs DOCWARDEN_BROKER_URL "
                            "(for example redis://127.0.0.1:6379/0)")
    return settings.broker_url


class NoSubscription:
    """Results read by polling: no pub/sub subscription per sent task.

    The stock backends subscribe to every task they send, for `AsyncResult.get`;
    the API never calls that (it polls from its event loop), and an unread
    subscription only fills Redis's output buffer for this client.
    """

    def on_task_call(self, producer: object, task_id: str) -> dict[str, Any]:
        return {}


class PollingRedisBackend(NoSubscription, RedisBackend):  # type: ignore[misc]
    pass


class PollingSentinelBackend(NoSubscription, SentinelBackend):  # type: ignore[misc]
    pass


def is_sentinel(url: str) -> bool:
    return url.startswith(SENTINEL_SCHEME)


def backend_spec(url: str) -> str:
    """Celery's `module:Class+url` for the polling backend that fits the URL's scheme."""
    cls = PollingSentinelBackend if is_sentinel(url) else PollingRedisBackend
    return f"{cls.__module__}:{cls.__name__}+{url}"


def transport_options(settings: Settings) -> dict[str, Any]:
    options: dict[str, Any] = {
        "visibility_timeout": LEASE_S, "unacked_key": UNACKED_KEY,
        "unacked_index_key": UNACKED_INDEX_KEY,
        "unacked_mutex_key": UNACKED_MUTEX_KEY, "unacked_mutex_expire": UNACKED_MUTEX_EXPIRE_S,
        "unacked_restore_interval": 1, "unacked_restore_throttle": 1,
        "socket_timeout": SOCKET_TIMEOUT_S, "socket_connect_timeout": CONNECT_TIMEOUT_S}
    return {**options, **sentinel_options(settings)}


def sentinel_options(settings: Settings) -> dict[str, Any]:
    """`master_name` for sentinel:// URLs (Celery and kombu ask the sentinels for it)."""
    if not is_sentinel(broker_url(settings)):
        return {}
    return {"master_name": settings.broker_master_name}  # Settings insists on one


def make_celery(settings: Settings, engines: Iterable[str]) -> Celery:
    """The app of an API node (sends) or a compute node (consumes `engines`' queues)."""
    url = broker_url(settings)
    app = Celery("docwarden", broker=url, backend=backend_spec(url), set_as_current=False)
    app.conf.update(
        task_serializer="json", result_serializer="json", accept_content=["json"],
        result_accept_content=["json"], task_acks_late=True,
        task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        task_queues=engine_queues(engines), task_default_queue=QUEUE_PREFIX + "default",
        result_expires=int(settings.job_retention_s),
        broker_transport_options=transport_options(settings),
        result_backend_transport_options=sentinel_options(settings),
        broker_connection_retry_on_startup=True, broker_connection_timeout=CONNECT_TIMEOUT_S,
        broker_connection_max_retries=None,  # a node outlives any Redis outage
        task_publish_retry_policy=PUBLISH_RETRY,
        redis_socket_timeout=SOCKET_TIMEOUT_S, redis_socket_connect_timeout=CONNECT_TIMEOUT_S,
        worker_hijack_root_logger=False, worker_redirect_stdouts=False,
        worker_send_task_events=False, task_send_sent_event=False,
        worker_cancel_long_running_tasks_on_connection_loss=False,
    )
    return app


def redis_client(settings: Settings) -> redis.Redis:
    """A plain client of the broker's Redis: heartbeats, leases, queue depths, jobs, poison.

    With sentinel:// URLs it is the current master's client, found through the
    sentinels again after a failover.
    """
    url = broker_url(settings)
    timeouts = {"socket_timeout": SOCKET_TIMEOUT_S, "socket_connect_timeout": CONNECT_TIMEOUT_S}
    if not is_sentinel(url):
        return redis.Redis.from_url(url, **timeouts)
    master_name = sentinel_options(settings)["master_name"]
    hosts, params = sentinel_hosts(url)
    sentinels = redis.sentinel.Sentinel(hosts, sentinel_kwargs=timeouts)
    master: redis.Redis = sentinels.master_for(
        master_name, socket_timeout=SOCKET_TIMEOUT_S,
        socket_connect_timeout=CONNECT_TIMEOUT_S, **params)
    return master


def sentinel_hosts(url: str) -> tuple[list[tuple[str, int]], dict[str, Any]]:
    """`sentinel://[:pw@]h1:26379/0;sentinel://h2:26379` -> sentinel addresses, and the
    master's db and credentials (taken from the first URL, as Celery does)."""
    parts = [urlsplit(chunk) for chunk in url.split(";") if chunk.strip()]
    hosts = [(part.hostname or "127.0.0.1", part.port or SENTINEL_PORT) for part in parts]
    first = parts[0]
    params: dict[str, Any] = {"db": int(first.path.strip("/") or 0)}
    if first.password:
        params["password"] = unquote(first.password)
    if first.username:
        params["username"] = unquote(first.username)
    return hosts, params
