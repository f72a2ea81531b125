"""docwarden's engine served by Ray Serve (a deployment with replicas), sized to the cores.

    python -m bench.compare.peer_ray ocr|chaos PORT SLOTS DEADLINE_S

A local Ray started with num_cpus=SLOTS, no dashboard and a 500 MB object
store; SLOTS replicas (num_cpus 1, `max_ongoing_requests=1`, each one engine);
DEADLINE_S is the proxy's `request_timeout_s`. On SIGTERM: serve.shutdown()
and ray.shutdown(), Ray's own way down.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import ray
from ray import serve
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from bench.compare.peer_common import LOOPBACK, as_json, exit_on_term, load_engine, parse
from docwarden.engines.base import JobInput

OBJECT_STORE_BYTES = 500 * 1024 * 1024


class EngineDeployment:
    """One docwarden engine per replica; the route is read from the request path."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.engine = load_engine(mode)

    async def __call__(self, request: Request) -> Any:
        if request.url.path.endswith("/ready"):
            return JSONResponse({"mode": self.mode})
        if self.mode == "ocr":
            upload: Any = (await request.form())["file"]
            job = JobInput(data=await upload.read())
        else:
            job = JobInput(params=await request.json())
        return JSONResponse(as_json(await run_in_threadpool(self.engine.run, job)))


def main(argv: list[str]) -> None:
    args = parse(argv)
    exit_on_term()
    ray.init(num_cpus=args.slots, include_dashboard=False,
             object_store_memory=OBJECT_STORE_BYTES, _node_ip_address=LOOPBACK,
             _temp_dir=f"/tmp/rayb-{args.port}")
    try:
        serve.start(http_options={"host": LOOPBACK, "port": args.port,
                                  "request_timeout_s": args.deadline_s})
        deployment = serve.deployment(EngineDeployment, num_replicas=args.slots,
                                      max_ongoing_requests=1,
                                      ray_actor_options={"num_cpus": 1})
        serve.run(deployment.bind(args.mode), route_prefix="/")
        while True:
            time.sleep(3600)
    finally:
        serve.shutdown()
        ray.shutdown()


if __name__ == "__main__":
    main(sys.argv[1:])
