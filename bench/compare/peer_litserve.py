"""docwarden's engine served by LitServe (`ls.LitAPI` setup/predict, `workers_per_device`).

    python -m bench.compare.peer_litserve ocr|chaos PORT SLOTS DEADLINE_S

SLOTS inference workers, each one engine serving one request at a time;
DEADLINE_S is LitServe's `timeout`; `restart_workers=True` is its documented
answer to a worker that dies (without it the whole server shuts down).
"""

# No `from __future__ import annotations`: LitServe reads decode_request's annotation
# (the class Request itself, not a string) to decide how to parse the body.

import sys
from typing import Any

import litserve as ls
import litserve.server
from fastapi import Request
from starlette.datastructures import FormData, UploadFile

from bench.compare.peer_common import LOOPBACK, as_json, exit_on_term, load_engine, parse
from docwarden.engines.base import JobInput

_prepare_request = litserve.server.BaseRequestHandler._prepare_request


async def _readable_form(self: Any, request: Request, request_type: Any) -> Any:
    """LitServe's own request preparation, with uploaded files read into bytes.

    LitServe 0.2.19 hands the parsed form to its workers through a manager
    queue, which cannot pickle an UploadFile (the request fails with 500); the
    bytes can. This is the one piece of glue the peer needs for a multipart
    upload; the API process reads the file as docwarden's does.
    """
    payload = await _prepare_request(self, request, request_type)
    if not isinstance(payload, FormData):
        return payload
    return {key: await value.read() if isinstance(value, UploadFile) else value
            for key, value in payload.multi_items()}


litserve.server.BaseRequestHandler._prepare_request = _readable_form  # type: ignore[method-assign]


class EngineAPI(ls.LitAPI):  # type: ignore[misc]
    """One docwarden engine per LitServe inference worker."""

    def __init__(self, mode: str) -> None:
        super().__init__(api_path=f"/v1/{mode}")
        self.mode = mode

    def setup(self, device: str) -> None:
        self.engine = load_engine(self.mode)

    def decode_request(self, request: Request) -> JobInput:
        if self.mode == "ocr":
            return JobInput(data=request["file"])
        return JobInput(params=dict(request))

    def predict(self, job: JobInput) -> Any:
        return as_json(self.engine.run(job))

    def encode_response(self, output: Any) -> Any:
        return output


def main(argv: list[str]) -> None:
    args = parse(argv)
    exit_on_term(as_ctrl_c=True)
    server = ls.LitServer(EngineAPI(args.mode), accelerator="cpu", devices=1,
                          workers_per_device=args.slots, timeout=args.deadline_s,
                          healthcheck_path="/ready", restart_workers=True)
    server.run(host=LOOPBACK, port=args.port, num_api_servers=1, log_level="warning",
               generate_client_file=False)


if __name__ == "__main__":
    main(sys.argv[1:])
