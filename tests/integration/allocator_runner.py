"""Run in a child with a worker's allocator environment: page faults of repeated OCR
jobs (each followed by the worker's post-job trim) and RSS after a big job's trim, as
one JSON line on stdout."""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path

import psutil
from PIL import Image

from docwarden.engines.ocr.engine import OcrEngine
from docwarden.readings import MIB
from docwarden.settings import Settings
from docwarden.worker.runtime import current_allocator, trim_heap

RUNS = 3
RETAIN_FREE_BYTES = Settings().worker_retain_free_mb * MIB  # the worker's default


def main(image_path: Path) -> None:
    engine = OcrEngine(Settings())
    engine.load()
    with Image.open(image_path) as source:
        image = source.convert("RGB").resize((source.width * 2, source.height * 2))
    engine.recognize(image)
    rss_loaded = psutil.Process().memory_info().rss
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(RUNS):
        engine.recognize(image)
        trim_heap(RETAIN_FREE_BYTES)  # as the worker does after each job
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    freed = bytearray(2 * RETAIN_FREE_BYTES)  # touched, then freed: what a big job leaves
    del freed
    trim_heap(RETAIN_FREE_BYTES)
    print(json.dumps({
        "allocator": current_allocator(),
        "faults_per_run": faults / RUNS,
        "rss_loaded": rss_loaded,
        "rss_after_trim": psutil.Process().memory_info().rss,
    }))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
