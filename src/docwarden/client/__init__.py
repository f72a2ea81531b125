"""Python client of docwarden (sync and asyncio), and the batch and monitor tools.

`from docwarden.client import DocwardenClient` imports httpx and nothing of the
server; `batch` and `monitor` (which need rich) are imported on their own.
"""

from docwarden.client.calls import FileInput, RetryPolicy
from docwarden.client.client import DEFAULT_URL, AsyncDocwardenClient, DocwardenClient
from docwarden.client.errors import (
    ERROR_TYPES,
    ConflictError,
    DocwardenClientError,
    DocwardenConnectionError,
    GpuMemoryError,
    InputTooLargeError,
    InsufficientMemoryError,
    InvalidInputError,
    JobTimeoutError,
    MethodNotAllowedError,
    NotFoundError,
    NotReadyError,
    OverloadedError,
    PoisonInputError,
    ServerError,
    UnauthorizedError,
    UnsupportedMediaTypeError,
    WorkerCrashedError,
)
from docwarden.client.models import (
    Health,
    IdCardChecks,
    IdCardFields,
    IdCardResult,
    JobInfo,
    OcrLine,
    OcrResult,
    PdfPage,
    PdfResult,
    WorkerInfo,
)
from docwarden.readings import GpuInfo

__all__ = [
    "DEFAULT_URL",
    "ERROR_TYPES",
    "AsyncDocwardenClient",
    "ConflictError",
    "DocwardenClient",
    "DocwardenClientError",
    "DocwardenConnectionError",
    "FileInput",
    "GpuInfo",
    "GpuMemoryError",
    "Health",
    "IdCardChecks",
    "IdCardFields",
    "IdCardResult",
    "InputTooLargeError",
    "InsufficientMemoryError",
    "InvalidInputError",
    "JobInfo",
    "JobTimeoutError",
    "MethodNotAllowedError",
    "NotFoundError",
    "NotReadyError",
    "OcrLine",
    "OcrResult",
    "OverloadedError",
    "PdfPage",
    "PdfResult",
    "PoisonInputError",
    "RetryPolicy",
    "ServerError",
    "UnauthorizedError",
    "UnsupportedMediaTypeError",
    "WorkerCrashedError",
    "WorkerInfo",
]
