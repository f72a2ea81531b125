"""Async jobs kept in Redis, so every API node of a cluster answers for every job.

The same interface and the same rules as the SQLite `JobStore`
(`docwarden.jobs.interface.JobStoreAPI`): state changes are conditional (a Lua
script checks the status it changes from), so a job cancelled on one API node
while another runs it stays cancelled, and two runners never claim one job.

Keys (prefix `docwarden:job:`): `rec:<id>` a hash of the record, `in:<id>` a
hash of the input bytes, `out:<id>` the result bytes; sorted sets `queued:<engine>`
(score: when the job is due), `running` (score: when its runner's hold
lapses), `index` (by creation, for listings) and `finished` (by finish time,
for retention).  A runner renews the hold on its jobs every poll (`hold`);
a job whose API node died is re-queued by any runner once its hold lapses
(`recover_stale`).  Finished records and results also carry a Redis TTL of
JOB_RETENTION_S, so Redis forgets them even if no runner cleans up.

Every Redis failure is `not_ready` (503 with Retry-After), never a 500.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Collection
from typing import Any, ParamSpec, TypeVar

import redis

from docwarden.celery.jobscripts import PREFIX, Scripts, job_key, queue_key
from docwarden.errors import Conflict, InternalError, InvalidInput, NotFound, NotReady
from docwarden.jobdata import BinaryResult, JobPayload
from docwarden.jobs.models import (
    JobRecord,
    JobResult,
    JobStatus,
    ResultKind,
    new_job_id,
    require_result,
    validate_job_id,
)
from docwarden.settings import Settings

HOLD_S = 15.0  # a runner renews every poll (about 1 s); this is how long a dead one holds
RETRY_AFTER_S = 5
# Redis refuses values over 512 MB; a result is refused well before, with a clear error.
MAX_RESULT_BYTES = 256 * 1024 * 1024
LIST_PAGE = 200
P = ParamSpec("P")
T = TypeVar("T")


def _unavailable(call: Callable[P, T]) -> Callable[P, T]:
    """Redis down or slow: `not_ready` with Retry-After, whatever the call."""

    @functools.wraps(call)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return call(*args, **kwargs)
        except redis.RedisError as error:  # a lost input is the caller's OSError, not this
            raise NotReady(f"the job store (Redis) is unreachable ({type(error).__name__}); "
                           "retry shortly", retry_after_s=RETRY_AFTER_S) from None

    return guarded


class RedisJobStore:
    """Job records, inputs and results in the cluster's Redis."""

    def __init__(self, client: redis.Redis, *, retention_s: float) -> None:
        self.client = client
        self.retention_s = retention_s
        self.scripts = Scripts(client)

    @classmethod
    def from_settings(cls, settings: Settings) -> RedisJobStore:
        from docwarden.celery.config import redis_client

        return cls(redis_client(settings), retention_s=settings.job_retention_s)

    def close(self) -> None:
        self.client.close()

    @property
    def _keep_s(self) -> int:
        return max(int(self.retention_s), 1)

    # ---- routes ------------------------------------------------------------

    @_unavailable
    def create(self, engine: str, payload: JobPayload, *,
               timeout_s: float | None = None) -> JobRecord:
        """Record, bytes and queue entry in one transaction: queued once this returns."""
        try:
            params = json.dumps(payload.params)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"job parameters must be JSON values: {exc}") from None
        job_id, now = new_job_id(), time.time()
        names = list(payload.files)
        inputs = {f"file-{index}": payload.files[name] for index, name in enumerate(names)}
        if payload.data is not None:
            inputs["data"] = payload.data
        record = {"engine": engine, "status": JobStatus.QUEUED.value, "params": params,
                  "has_data": int(payload.data is not None), "file_names": json.dumps(names),
                  "timeout_s": "" if timeout_s is None else repr(timeout_s),
                  "created_at": repr(now), "not_before": repr(now), "attempts": 0,
                  "progress_done": 0, "progress_total": 0}
        with self.client.pipeline(transaction=True) as pipe:
            if inputs:
                pipe.hset(job_key("in", job_id), mapping=inputs)  # type: ignore[arg-type]
            pipe.hset(job_key("rec", job_id), mapping=record)  # type: ignore[arg-type]
            pipe.zadd(queue_key(engine), {job_id: now})
            pipe.zadd(PREFIX + "index", {job_id: now})
            pipe.sadd(PREFIX + "engines", engine)
            pipe.execute()
        return self.get(job_id)

    @_unavailable
    def get(self, job_id: str) -> JobRecord:
        job_id = validate_job_id(job_id)
        fields = self.client.hgetall(job_key("rec", job_id))
        if not fields:
            raise NotFound(f"no job {job_id}")
        return _record(job_id, _text(fields))

    @_unavailable
    def list_jobs(self, status: JobStatus | None = None, limit: int = 100) -> list[JobRecord]:
        """Newest first (records that expired meanwhile are skipped)."""
        found: list[JobRecord] = []
        start = 0
        while len(found) < limit:
            ids = [_str(raw) for raw in
                   self.client.zrevrange(PREFIX + "index", start, start + LIST_PAGE - 1)]
            if not ids:
                break
            start += LIST_PAGE
            with self.client.pipeline(transaction=False) as pipe:
                for job_id in ids:
                    pipe.hgetall(job_key("rec", job_id))
                rows = pipe.execute()
            records = [_record(job_id, _text(row)) for job_id, row in zip(ids, rows, strict=True)
                       if row]
            found += [r for r in records if status is None or r.status is status]
        return found[:limit]

    @_unavailable
    def result(self, job_id: str) -> JobResult:
        record = self.get(job_id)
        require_result(record)
        content = self.client.get(job_key("out", record.id))
        if content is None:
            raise NotFound(f"the result of job {record.id} has expired")
        if record.result_kind is ResultKind.JSON:
            return JobResult(ResultKind.JSON, json=json.loads(content))
        meta = self.client.hget(job_key("rec", record.id), "result_meta")
        return JobResult(ResultKind.BINARY, data=_bytes(content),
                         media_type=record.result_media_type or "application/octet-stream",
                         meta=json.loads(meta) if meta else {})

    @_unavailable
    def cancel(self, job_id: str) -> JobRecord:
        """Queued or running -> cancelled; the runner holding it stops it (`hold`)."""
        record = self.get(job_id)
        if self.scripts.cancel(record.id, record.engine, time.time(), self._keep_s):
            return self.get(record.id)
        if record.status in (JobStatus.DONE, JobStatus.FAILED):
            raise Conflict(f"job {record.id} is already {record.status.value}",
                           details={"status": record.status.value})
        return self.get(record.id)

    # ---- runner ------------------------------------------------------------

    @_unavailable
    def queued_engines(self, now: float | None = None) -> list[str]:
        due = _now(now)
        engines = sorted(_str(raw) for raw in self.client.smembers(PREFIX + "engines"))
        return [e for e in engines if self.client.zcount(queue_key(e), "-inf", due) > 0]

    @_unavailable
    def list_queued(self, engine: str | None = None, *, now: float | None = None,
                    limit: int = 100) -> list[JobRecord]:
        """Queued jobs due now, earliest due first."""
        engines = [engine] if engine is not None else self.queued_engines(now)
        ids = [_str(raw) for e in engines for raw in
               self.client.zrangebyscore(queue_key(e), "-inf", _now(now), start=0, num=limit)]
        records = []
        for job_id in ids[:limit]:
            try:
                records.append(self.get(job_id))
            except NotFound:
                continue  # expired or forgotten meanwhile
        return records

    @_unavailable
    def next_due_at(self) -> float | None:
        dues: list[float] = []
        for raw in self.client.smembers(PREFIX + "engines"):
            first: list[tuple[bytes, float]] = self.client.zrange(
                queue_key(_str(raw)), 0, 0, withscores=True)  # type: ignore[assignment]
            dues += [float(score) for _, score in first]
        return min(dues, default=None)

    @_unavailable
    def claim(self, job_id: str) -> JobRecord | None:
        job_id = validate_job_id(job_id)
        engine = self.client.hget(job_key("rec", job_id), "engine")
        if engine is None:
            return None
        now = time.time()
        if not self.scripts.claim(job_id, _str(engine), now, now + HOLD_S):
            return None
        return self.get(job_id)

    @_unavailable
    def load_payload(self, job_id: str) -> JobPayload:
        """The stored input (OSError when it is gone, as the SQLite store's files)."""
        record_fields = _text(self.client.hgetall(job_key("rec", validate_job_id(job_id))))
        if not record_fields:
            raise NotFound(f"no job {job_id}")
        inputs = self.client.hgetall(job_key("in", job_id))
        names: list[str] = json.loads(record_fields["file_names"])
        has_data = record_fields.get("has_data") == "1"
        try:
            files = {name: _bytes(inputs[f"file-{i}".encode()]) for i, name in enumerate(names)}
            data = _bytes(inputs[b"data"]) if has_data else None
        except KeyError:
            raise FileNotFoundError(f"the stored input of job {job_id} is gone") from None
        return JobPayload(data=data, files=files, params=json.loads(record_fields["params"]))

    @_unavailable
    def set_progress(self, job_id: str, done: int, total: int) -> None:
        self.scripts.progress(validate_job_id(job_id), done, total)

    @_unavailable
    def finish(self, job_id: str, result: dict[str, Any] | BinaryResult) -> bool:
        """Running -> done; the result is written first and dropped if the job was
        cancelled meanwhile."""
        job_id = validate_job_id(job_id)
        if isinstance(result, BinaryResult):
            kind, media_type, meta, content = (ResultKind.BINARY, result.media_type,
                                               result.meta, result.data)
        else:
            kind, media_type, meta = ResultKind.JSON, "application/json", {}
            content = json.dumps(result).encode()
        if len(content) > MAX_RESULT_BYTES:
            error = InternalError(f"the result ({len(content) // 2**20} MiB) is larger than "
                                  f"the {MAX_RESULT_BYTES // 2**20} MiB a shared job store keeps")
            return self.fail(job_id, error.to_dict())
        self.client.set(job_key("out", job_id), content, ex=self._keep_s)
        fields = {"result_kind": kind.value, "result_media_type": media_type,
                  "result_meta": json.dumps(meta), "error": ""}
        if self.scripts.settle(job_id, JobStatus.DONE, time.time(), self._keep_s, fields):
            return True
        self.client.delete(job_key("out", job_id))
        return False

    @_unavailable
    def fail(self, job_id: str, error: dict[str, Any]) -> bool:
        return self.scripts.settle(validate_job_id(job_id), JobStatus.FAILED, time.time(),
                                   self._keep_s, {"error": json.dumps(error)})

    @_unavailable
    def requeue(self, job_id: str, *, delay_s: float = 0.0,
                error: dict[str, Any] | None = None) -> bool:
        job_id = validate_job_id(job_id)
        engine = self.client.hget(job_key("rec", job_id), "engine")
        if engine is None:
            return False
        return self.scripts.requeue(job_id, _str(engine), time.time() + delay_s,
                                    json.dumps(error) if error else "", lapsed_before=None)

    @_unavailable
    def hold(self, job_ids: Collection[str]) -> frozenset[str]:
        ids = [validate_job_id(job_id) for job_id in job_ids]
        if not ids:
            return frozenset()
        held_until = time.time() + HOLD_S
        with self.client.pipeline(transaction=False) as pipe:
            for job_id in ids:
                pipe.zadd(PREFIX + "running", {job_id: held_until}, xx=True)
                pipe.hget(job_key("rec", job_id), "status")
            replies = pipe.execute()
        statuses = replies[1::2]
        return frozenset(job_id for job_id, status in zip(ids, statuses, strict=True)
                         if status != JobStatus.RUNNING.value.encode())

    @_unavailable
    def recover_stale(self) -> int:
        """Jobs whose runner stopped renewing its hold (its API node died) run again."""
        now = time.time()
        recovered = 0
        for raw in self.client.zrangebyscore(PREFIX + "running", "-inf", now):
            job_id = _str(raw)
            engine = self.client.hget(job_key("rec", job_id), "engine")
            if engine is None:
                self.client.zrem(PREFIX + "running", job_id)
                continue
            recovered += self.scripts.requeue(job_id, _str(engine), now, "",
                                              lapsed_before=now)
        return recovered

    def notes(self, profile: str) -> RedisNotes:
        return RedisNotes(self.client, profile, self._keep_s)

    # ---- retention ---------------------------------------------------------

    @_unavailable
    def cleanup(self, now: float | None = None) -> int:
        """Forget finished jobs older than the retention (their keys expire anyway)."""
        cutoff = _now(now) - self.retention_s
        ids = [_str(raw) for raw in
               self.client.zrangebyscore(PREFIX + "finished", "-inf", cutoff)]
        if ids:
            with self.client.pipeline(transaction=True) as pipe:
                pipe.delete(*(job_key(kind, job_id) for job_id in ids
                              for kind in ("rec", "in", "out")))
                pipe.zrem(PREFIX + "finished", *ids)
                pipe.zrem(PREFIX + "index", *ids)
                pipe.execute()
        return len(ids)


class RedisNotes:
    """A profile's notes as Redis keys `docwarden:note:<profile>:<kind>:<id>` with the
    jobs' retention as TTL: a batch made on one API node is found on every other."""

    def __init__(self, client: redis.Redis, profile: str, keep_s: int) -> None:
        self.client, self.profile, self.keep_s = client, profile, keep_s

    def _key(self, kind: str, job_id: str) -> str:
        return f"docwarden:note:{self.profile}:{kind}:{validate_job_id(job_id)}"

    @_unavailable
    def save(self, kind: str, job_id: str, note: dict[str, Any]) -> None:
        self.client.set(self._key(kind, job_id), json.dumps(note, ensure_ascii=False),
                        ex=self.keep_s)

    @_unavailable
    def load(self, kind: str, job_id: str) -> dict[str, Any] | None:
        raw = self.client.get(self._key(kind, job_id))
        if raw is None:
            return None
        try:
            note: dict[str, Any] = json.loads(raw)
        except ValueError:
            return None
        return note


def _str(raw: Any) -> str:
    """redis-py answers bytes (this client does not decode)."""
    return raw.decode() if isinstance(raw, bytes) else str(raw)


def _text(fields: Any) -> dict[str, str]:
    return {_str(key): _str(value) for key, value in fields.items()}


def _bytes(raw: Any) -> bytes:
    return raw if isinstance(raw, bytes) else bytes(raw)


def _float(value: str | None) -> float | None:
    return float(value) if value else None


def _record(job_id: str, fields: dict[str, str]) -> JobRecord:
    kind = fields.get("result_kind")
    return JobRecord(
        id=job_id, engine=fields["engine"], status=JobStatus(fields["status"]),
        created_at=float(fields["created_at"]), started_at=_float(fields.get("started_at")),
        finished_at=_float(fields.get("finished_at")),
        progress_done=int(fields.get("progress_done", 0)),
        progress_total=int(fields.get("progress_total", 0)),
        error=json.loads(fields["error"]) if fields.get("error") else None,
        attempts=int(fields.get("attempts", 0)),
        not_before=float(fields.get("not_before", 0)),
        timeout_s=_float(fields.get("timeout_s")),
        result_kind=ResultKind(kind) if kind else None,
        result_media_type=fields.get("result_media_type") or None)


def _now(now: float | None) -> float:
    return time.time() if now is None else now
