"""A pool's bounded waiting line.

Any thread may offer a job (the API's event loop, the job runner); only the
supervisor thread takes, puts back and expires them.  One lock makes the bound
check and the append one step, so two requests cannot both take the last place.
"""

from __future__ import annotations

import threading
from collections import deque

from docwarden.errors import DocwardenError
from docwarden.supervisor.job import Job


class JobQueue:
    def __init__(self, size: int) -> None:
        self.size = size
        self._jobs: deque[Job] = deque()
        self._lock = threading.Lock()
        # Worker slots free at the last tick: jobs that will start at once do not count
        # against `size` (a burst to an idle pool is not refused); used up as jobs come.
        self._spare_slots = 0

    def __len__(self) -> int:
        return len(self._jobs)

    def __bool__(self) -> bool:
        return bool(self._jobs)

    def offer(self, job: Job) -> bool:
        """Append unless the line is full (`size` waiting beyond the spare slots)."""
        with self._lock:
            if len(self._jobs) >= self.size + self._spare_slots:
                return False
            self._jobs.append(job)
            self._spare_slots = max(self._spare_slots - 1, 0)
            return True

    def set_spare_slots(self, count: int) -> None:
        with self._lock:
            self._spare_slots = count

    def take(self) -> Job | None:
        with self._lock:
            return self._jobs.popleft() if self._jobs else None

    def put_back(self, job: Job) -> None:
        """First in line again: a job whose worker died under it, or that found no slot."""
        with self._lock:
            self._jobs.appendleft(job)

    def remove(self, job: Job) -> bool:
        with self._lock:
            if job not in self._jobs:
                return False
            self._jobs.remove(job)
            return True

    def pop_expired(self, now: float) -> list[Job]:
        """The jobs whose deadline (counted from admission) has passed, out of the line."""
        with self._lock:
            late = [job for job in self._jobs if now > job.deadline]
            for job in late:
                self._jobs.remove(job)
        return late

    def fail_all(self, error: DocwardenError) -> None:
        with self._lock:
            jobs, self._jobs = list(self._jobs), deque()
        for job in jobs:
            job.fail(error)
