"""The small contract every engine implements.

An engine is loaded once inside a worker process and then runs jobs, possibly
from several threads at once (THREADS_PER_WORKER).  It knows nothing about
processes, pipes or HTTP: it receives bytes and parameters and returns a
JSON-able dict or a `BinaryResult`, raising `docwarden.errors` for bad input.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from docwarden.engines.spec import EngineParams, EngineSpec, InputKind, NoParams
from docwarden.jobdata import BinaryResult, EngineResult
from docwarden.settings import Settings

# The plug-in contract: what an engine module imports from here.
__all__ = ["BinaryResult", "Engine", "EngineParams", "EngineResult", "EngineSpec", "InputKind",
           "JobInput", "NoParams", "ProgressFn", "is_gpu_out_of_memory"]

ProgressFn = Callable[[int, int], None]


def is_gpu_out_of_memory(error: BaseException) -> bool:
    """CUDA's out-of-memory, as onnxruntime and torch word it (torch.cuda.OutOfMemoryError)."""
    text = f"{type(error).__name__} {error}".lower()
    return "cuda" in text and ("out of memory" in text or "failed to allocate" in text
                               or "outofmemoryerror" in text)


def _no_progress(done: int, total: int) -> None:
    """Default progress sink for callers that do not track progress."""


@dataclass
class JobInput:
    """One job as an engine sees it: the main file, named extra files, parameters."""

    data: bytes | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    progress: ProgressFn = _no_progress




class Engine(ABC):
    """Base class of engines.

    A plug-in whose entry point names its Engine class declares its public face
    with the class attributes below (`describe` turns them into its spec); its
    module must import heavy libraries inside `load`, since the API process
    imports the class to build routes.  Built-in engines are described by
    `docwarden.engines.builtin` instead, so the API never imports them.
    """

    name: ClassVar[str]
    summary: ClassVar[str] = ""
    input_kind: ClassVar[InputKind] = InputKind.IMAGE
    params_model: ClassVar[type[EngineParams]] = NoParams
    batch: ClassVar[bool] = True
    binary_result: ClassVar[bool] = False
    uses_gpu: ClassVar[bool] = False
    # Rough figures used before the first measurement (planner, admission).
    load_rss_hint_mb: ClassVar[int] = 200
    job_rss_hint_mb: ClassVar[int] = 100
    # Whether run() may be called from several threads on one loaded model.
    thread_safe: ClassVar[bool] = True
    # Call `after_jobs` every this many jobs of a worker (0: never on a count); it is
    # also called once a batch's last item is done and the worker has no job in flight.
    after_jobs_every: ClassVar[int] = 0

    @classmethod
    def describe(cls, name: str, import_path: str) -> EngineSpec:
        """The spec of a plug-in engine registered as `name`, from its class attributes."""
        summary = cls.summary or (cls.__doc__ or name).strip().splitlines()[0]
        return EngineSpec(name=name, engine=import_path, summary=summary, input=cls.input_kind,
                          params=cls.params_model, batch=cls.batch,
                          binary_result=cls.binary_result, uses_gpu=cls.uses_gpu,
                          load_rss_hint_mb=cls.load_rss_hint_mb,
                          job_rss_hint_mb=cls.job_rss_hint_mb)

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @abstractmethod
    def load(self) -> None:
        """Load models; called once in the worker before it reports ready."""

    @abstractmethod
    def run(self, job: JobInput) -> EngineResult:
        """Run one job; raise a `DocwardenError` subclass for bad input."""

    def sample_job(self) -> JobInput:
        """A built-in input used by `docwarden plan` to measure per-job memory."""
        return JobInput()

    def after_jobs(self) -> None:
        """Hygiene between jobs, e.g. `torch.cuda.empty_cache()`; the default does nothing.

        Runs in the worker after the answer is sent and after the garbage
        collection that frees the jobs' tensors, never twice at once; with
        THREADS_PER_WORKER > 1 a count-driven call may overlap another job.
        An exception is logged and does not fail any job.
        """

    def close(self) -> None:
        """Release native resources before the worker exits."""
