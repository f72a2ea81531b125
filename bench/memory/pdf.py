"""Peak memory of the pdf engine: a long document must cost about what a short one does.

Generates PDFs with docwarden's own writer (no external tools) and converts each
in a fresh interpreter, reading ru_maxrss:
  - text:    300 vs 3 pages of text (about 45 lines each);
  - scanned: 60 vs 3 image-only pages (a 150-dpi JPEG each), rendered at the
             default dpi; the OCR is a stub here (OCR memory is the OCR engine's
             own benchmark), so what is measured is render + layout per page.
Prints the ratios and writes bench/results/pdf_memory.json.

    python -m bench.memory.pdf
"""

from __future__ import annotations

import io
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from docwarden.engines.pdf.sample import PageSpec, TextRun, build_pdf

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results" / "pdf_memory.json"
WORDS = ("memory", "bounded", "by", "one", "page", "not", "the", "document", "pdfium", "closes",
         "pages", "text", "bitmaps", "as", "soon", "used", "while", "worker", "converts")


def text_page(number: int, rng: random.Random) -> PageSpec:
    runs = [TextRun(72, 60, f"Chapter {number}", size_pt=16, bold=True)]
    for row in range(45):
        words = " ".join(rng.choice(WORDS) for _ in range(12))
        runs.append(TextRun(72, 90 + row * 15, words, size_pt=10))
    runs.append(TextRun(290, 810, str(number), size_pt=9))
    return PageSpec(runs=runs)


def scanned_page(number: int) -> PageSpec:
    image = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(image)
    for row in range(40):
        draw.text((100, 100 + row * 38), f"page {number} line {row} of the scanned text", fill=0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=60)
    return PageSpec(jpeg=buffer.getvalue())


def make_pdf(kind: str, pages: int) -> bytes:
    rng = random.Random(pages)
    if kind == "text":
        return build_pdf([text_page(n, rng) for n in range(1, pages + 1)])
    return build_pdf([scanned_page(n) for n in range(1, pages + 1)])


def _no_text(image: Image.Image, *, upright: bool = False) -> list[Any]:
    """The OCR stub: memory of render + layout only (OCR memory is measured apart)."""
    return []


def child(path: str) -> dict[str, Any]:
    """Runs in the fresh interpreter: convert once, report RSS before and at peak."""
    from docwarden.engines.base import JobInput
    from docwarden.engines.pdf import PdfEngine
    from docwarden.settings import Settings

    engine = PdfEngine(Settings(), recognizer=_no_text)
    engine.load()
    baseline_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    result = engine.run(JobInput(data=Path(path).read_bytes()))
    assert isinstance(result, dict)
    return {
        "pages": len(result["pages"]),
        "seconds": round(time.perf_counter() - started, 2),
        "baseline_rss_mb": round(baseline_mb, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "markdown_chars": len(result["markdown"]),
    }


def measure(kind: str, pages: int, folder: Path) -> dict[str, Any]:
    path = folder / f"{kind}_{pages}.pdf"
    path.write_bytes(make_pdf(kind, pages))
    done = subprocess.run([sys.executable, __file__, "--child", str(path)], check=True,
                          capture_output=True, text=True)
    row = json.loads(done.stdout.strip().splitlines()[-1])
    row["file_mb"] = round(path.stat().st_size / 1024**2, 2)
    return dict(row)


def main() -> int:
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind, long_pages in (("text", 300), ("scanned", 60)):
            short, long = measure(kind, 3, Path(tmp)), measure(kind, long_pages, Path(tmp))
            growth_short = short["peak_rss_mb"] - short["baseline_rss_mb"]
            growth_long = long["peak_rss_mb"] - long["baseline_rss_mb"]
            report[kind] = {
                "short": short, "long": long,
                "peak_rss_ratio_long_over_short": round(
                    long["peak_rss_mb"] / short["peak_rss_mb"], 3),
                "job_growth_mb_short": round(growth_short, 1),
                "job_growth_mb_long": round(growth_long, 1),
            }
            print(f"{kind}: {short['pages']} pages peak {short['peak_rss_mb']} MB "
                  f"(+{growth_short:.1f}); {long['pages']} pages peak {long['peak_rss_mb']} MB "
                  f"(+{growth_long:.1f}) in {long['seconds']} s; ratio "
                  f"{report[kind]['peak_rss_ratio_long_over_short']}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2])))
        sys.exit(0)
    sys.exit(main())
