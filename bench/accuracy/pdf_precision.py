"""The scanned-page OCR models (detector and recogniser) in fp32 and int8
(PDF_OCR_PRECISION), side by side.

The real set's holdout and fresh parts (Latin script; the int8 models were
calibrated on the tune part and the devset) printed to scans three ways: clean
at 200 dpi, noisy (150 dpi, grain, a slight blur, JPEG quality 35) and askew
(300 dpi turned 0.7 degrees, JPEG quality 60).  Each way is read by one pdf
engine per precision, one after the other, and scored against the reference
Markdown (bench/accuracy/pdf_metrics.py).  Writes bench/results/pdf_precision.json.

    .venv/bin/python -m bench.accuracy.pdf_precision      # ~8 minutes on 2 cores
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageFilter

from bench import RESULTS, ROOT
from bench.accuracy.pdf_metrics import compare
from bench.accuracy.pdf_scans import UNREAD_SCRIPTS, rasterize
from docwarden.engines.base import JobInput
from docwarden.engines.pdf import PdfEngine
from docwarden.settings import OcrPrecision, Settings

REALSET = ROOT / "tests" / "data" / "pdf" / "generated" / "realset"
OUT = RESULTS / "pdf_precision.json"
PARTS = ("holdout", "fresh")
Degrade = Callable[[Image.Image], Image.Image]


def _clean(page: Image.Image) -> Image.Image:
    return page


def _noisy(page: Image.Image) -> Image.Image:
    grain = np.random.default_rng(page.width).normal(0, 18, (page.height, page.width))
    pixels = np.clip(np.asarray(page, dtype=np.float32) + grain, 0, 255).astype(np.uint8)
    return _jpeg(Image.fromarray(pixels).filter(ImageFilter.GaussianBlur(0.6)), 35)


def _askew(page: Image.Image) -> Image.Image:
    return _jpeg(page.rotate(0.7, resample=Image.Resampling.BICUBIC, fillcolor=255), 60)


def _jpeg(page: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    page.save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue()))


WAYS: dict[str, tuple[int, Degrade]] = {
    "clean 200 dpi": (200, _clean), "noisy 150 dpi": (150, _noisy),
    "askew 300 dpi": (300, _askew),
}


def scan(source: Path, dpi: int, degrade: Degrade) -> bytes:
    """`source` printed to an image-only PDF, each page degraded."""
    out = io.BytesIO()
    rasterize(source, out, dpi, degrade)
    return out.getvalue()


def score(precision: OcrPrecision, scans: list[tuple[Path, bytes]]) -> dict[str, Any]:
    engine = PdfEngine(Settings(pdf_ocr_precision=precision))
    engine.recognizer()  # models loaded before timing
    seconds, rows = 0.0, []
    for source, data in scans:
        started = time.perf_counter()
        result = engine.run(JobInput(data=data))
        seconds += time.perf_counter() - started
        assert isinstance(result, dict)
        rows.append(compare(source.with_suffix(".md").read_text("utf-8"), result["markdown"],
                            scanned=True))
    engine.close()
    means = {name: round(float(np.mean([r[name] for r in rows if r[name] is not None])), 4)
             for name in ("token_f1", "heading_recall", "heading_precision", "reading_order")}
    return means | {"worst_token_f1": round(min(r["token_f1"] for r in rows), 4),
                    "seconds": round(seconds, 1)}


def main() -> int:
    sources = [p for p in sorted(REALSET.glob("*.pdf")) if p.name.split("_")[0] in PARTS
               and not any(script in p.name for script in UNREAD_SCRIPTS)]
    report: dict[str, Any] = {"files": [p.name for p in sources], "ways": {}}
    for way, (dpi, degrade) in WAYS.items():
        scans = [(source, scan(source, dpi, degrade)) for source in sources]
        report["ways"][way] = {p.value: score(p, scans) for p in OcrPrecision}
        for precision, scores in report["ways"][way].items():
            print(f"{way:14} {precision:5} " + "  ".join(f"{k} {v}" for k, v in scores.items()),
                  flush=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=1) + "\n", "utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
