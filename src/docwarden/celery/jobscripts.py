"""The job store's state changes as Lua scripts: each checks the status it leaves.

Redis runs a script atomically, so "running -> done" on one API node and
"running -> cancelled" on another cannot both happen, and two runners cannot
claim one job.  Keys are passed in KEYS; the key names are the store's.
"""

from __future__ import annotations

from typing import Any

import redis

from docwarden.jobs.models import JobStatus

PREFIX = "docwarden:job:"

CLAIM = """
if redis.call('HGET', KEYS[1], 'status') ~= 'queued' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 0
end
redis.call('HSET', KEYS[1], 'status', 'running', 'started_at', ARGV[2],
           'progress_done', 0, 'progress_total', 0)
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
return 1
"""

SETTLE = """
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'finished_at', ARGV[3], unpack(ARGV, 5))
if ARGV[2] == 'done' then
  local total = tonumber(redis.call('HGET', KEYS[1], 'progress_total') or '0')
  local done = tonumber(redis.call('HGET', KEYS[1], 'progress_done') or '0')
  if done < total then redis.call('HSET', KEYS[1], 'progress_done', total) end
end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('DEL', KEYS[4])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""

CANCEL = """
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'queued' and status ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'finished_at', ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
redis.call('DEL', KEYS[5])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""

# ARGV[4]: only when the runner's hold lapsed before this time ('' = unconditionally).
REQUEUE = """
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
if ARGV[4] ~= '' then
  local held = redis.call('ZSCORE', KEYS[3], ARGV[1])
  if held and tonumber(held) >= tonumber(ARGV[4]) then return 0 end
end
redis.call('HSET', KEYS[1], 'status', 'queued', 'not_before', ARGV[2], 'error', ARGV[3],
           'started_at', '')
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1
"""

PROGRESS = """
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'progress_done', ARGV[1], 'progress_total', ARGV[2])
return 1
"""


def job_key(kind: str, job_id: str) -> str:
    return f"{PREFIX}{kind}:{job_id}"


def queue_key(engine: str) -> str:
    return f"{PREFIX}queued:{engine}"


class Scripts:
    """The registered scripts, called with the store's key names."""

    def __init__(self, client: redis.Redis) -> None:
        self._claim = client.register_script(CLAIM)
        self._settle = client.register_script(SETTLE)
        self._cancel = client.register_script(CANCEL)
        self._requeue = client.register_script(REQUEUE)
        self._progress = client.register_script(PROGRESS)

    def claim(self, job_id: str, engine: str, now: float, held_until: float) -> bool:
        keys = [job_key("rec", job_id), queue_key(engine), PREFIX + "running"]
        return _yes(self._claim(keys=keys, args=[job_id, repr(now), repr(held_until)]))

    def settle(self, job_id: str, status: JobStatus, now: float, keep_s: int,
               fields: dict[str, str]) -> bool:
        """Running -> done or failed, with `fields` set on the record."""
        pairs = [item for pair in fields.items() for item in pair]
        keys = [job_key("rec", job_id), PREFIX + "running", PREFIX + "finished",
                job_key("in", job_id)]
        return _yes(self._settle(keys=keys, args=[job_id, status.value, repr(now), keep_s,
                                                  *pairs]))

    def cancel(self, job_id: str, engine: str, now: float, keep_s: int) -> bool:
        keys = [job_key("rec", job_id), queue_key(engine), PREFIX + "running", PREFIX + "finished",
                job_key("in", job_id)]
        return _yes(self._cancel(keys=keys, args=[job_id, repr(now), keep_s]))

    def requeue(self, job_id: str, engine: str, not_before: float, error: str, *,
                lapsed_before: float | None) -> bool:
        keys = [job_key("rec", job_id), queue_key(engine), PREFIX + "running"]
        lapsed = "" if lapsed_before is None else repr(lapsed_before)
        return _yes(self._requeue(keys=keys, args=[job_id, repr(not_before), error, lapsed]))

    def progress(self, job_id: str, done: int, total: int) -> bool:
        return _yes(self._progress(keys=[job_key("rec", job_id)], args=[done, total]))


def _yes(reply: Any) -> bool:
    return bool(int(reply))
