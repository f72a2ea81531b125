"""Memory benchmarks in one command (issues 5 and 6).

    python -m bench.memory                 # everything (long: ~40 min on 2 cores)
    python -m bench.memory --only sizes    # OCR per-job peak RSS by image size

Sections:
- sizes: one governed OCR worker (the server's own spawn path, allocator and
  thread settings); per-job peak RSS for text images of growing size.
- ocr: bench.memory.ocr (RSS over 1,000 varied jobs per option set).
- pdf: bench.memory.pdf (300-page vs 3-page PDF).
- enhance: bench.accuracy.enhance --skip-quality (peak RSS by input size, tiled or not).
- layouts: bench.compare.run --only memory (docwarden vs the seed's 4 x 4 layout).
Results land in bench/results/.
"""

from __future__ import annotations

import argparse
import io
import json
import time

from PIL import Image, ImageDraw, ImageFont

from bench import RESULTS, run_modules
from docwarden.jobdata import JobPayload
from docwarden.readings import MIB
from docwarden.settings import Settings
from docwarden.supervisor.supervisor import Supervisor

SIDES_PX = (256, 512, 1024, 2048, 4096)
MODULES = {
    "ocr": ["bench.memory.ocr", "--jobs", "1000"],
    "pdf": ["bench.memory.pdf"],
    "enhance": ["bench.accuracy.enhance", "--skip-quality"],
    "layouts": ["bench.compare.run", "--only", "memory"],
}


def text_image(side_px: int) -> bytes:
    """A page-like image: lines of text filling a square of the given side."""
    image = Image.new("RGB", (side_px, side_px), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=max(side_px // 40, 10))
    step = max(side_px // 20, 12)
    for row, y in enumerate(range(step, side_px - step, step)):
        draw.text((step, y), f"line {row} docwarden memory 0123456789", fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def per_job_peaks() -> list[dict[str, float]]:
    """Ascending sizes, so the worker's RSS high-water mark rises with each job."""
    supervisor = Supervisor(Settings(engines=["ocr"], max_jobs_per_worker=0), engines=["ocr"])
    supervisor.start()
    rows = []
    try:
        while not supervisor.ready:
            time.sleep(0.1)
        loaded_mb = supervisor.pool("ocr").workers[0].load_rss_bytes / MIB
        for side in SIDES_PX:
            outcome = supervisor.submit("ocr", JobPayload(data=text_image(side))).future.result()
            rows.append({"side_px": side, "load_rss_mb": round(loaded_mb, 1),
                         "sampled_peak_mb": round(outcome.peak_rss_bytes / MIB, 1),
                         "high_water_mb": round(outcome.max_rss_bytes / MIB, 1),
                         "job_s": round(outcome.duration_s, 2)})
            print(rows[-1], flush=True)
    finally:
        supervisor.shutdown(grace_s=5)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.memory",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["sizes", *MODULES], help="run one section")
    args = parser.parse_args()
    if args.only in (None, "sizes"):
        rows = per_job_peaks()
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "ocr_peak_by_size.json").write_text(json.dumps(rows, indent=2))
    run_modules(MODULES, args.only)


if __name__ == "__main__":
    main()
