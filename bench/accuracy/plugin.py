"""CER of the tesseract plug-in beside the built-in OCR on the scripts it was made for.

    .venv/bin/python -m bench.accuracy.plugin [--scales 0.8,1.0,1.5]

Renders tests/scriptgen.py's Korean, Arabic, Cyrillic and Greek sentences at each
scale, reads every image with both engines loaded in this process (the built-in
`ocr` engine, rapidocr's wheel model; the `tesseract` plug-in with the script's
traineddata) and prints the character error rate of each, side by side, with
the time per image.  Needs the plug-in installed (pip install -e
plugins/docwarden-tesseract), Debian's tesseract-ocr-{kor,ara,rus,ell} and the
Noto fonts.  Writes bench/results/plugin_accuracy.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from typing import Any

from bench import RESULTS as RESULTS_DIR
from docwarden.engines.base import Engine, JobInput
from docwarden.engines.ocr.engine import OcrEngine
from docwarden.settings import Settings
from tests.scriptgen import SCRIPTS, expected_text, missing, render  # shared with the tests
from tests.textmetrics import cer

RESULTS = RESULTS_DIR / "plugin_accuracy.json"


def read(engine: Engine, image: bytes, params: dict[str, Any]) -> tuple[str, float]:
    started = time.perf_counter()
    result = engine.run(JobInput(data=image, params=params))
    assert isinstance(result, dict)
    return str(result.get("text", "")), time.perf_counter() - started


def measure(scales: list[float]) -> list[dict[str, Any]]:
    from docwarden_tesseract.engine import TesseractEngine

    settings = Settings()
    builtin, plugin = OcrEngine(settings), TesseractEngine(settings)
    builtin.load()
    plugin.load()
    rows = []
    for name, script in SCRIPTS.items():
        if reason := missing(script):
            print(f"skipping {name}: {reason}", file=sys.stderr)
            continue
        for scale in scales:
            image, truth = render(script, scale), expected_text(script)
            ocr_text, ocr_s = read(builtin, image, {})
            tess_text, tess_s = read(plugin, image, {"lang": script.lang})
            rows.append({"script": name, "scale": scale, "chars": len(truth),
                         "builtin_cer": round(cer(truth, ocr_text), 3),
                         "plugin_cer": round(cer(truth, tess_text), 3),
                         "builtin_s": round(ocr_s, 3), "plugin_s": round(tess_s, 3)})
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| script | scale | built-in ocr CER | tesseract plug-in CER | s/image (ocr / "
             "tesseract) |", "|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['script']} | {row['scale']} | {row['builtin_cer']} | "
                     f"{row['plugin_cer']} | {row['builtin_s']} / {row['plugin_s']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default="0.8,1.0,1.5",
                        help="font scales to render at, comma separated")
    args = parser.parse_args()
    try:
        import docwarden_tesseract  # noqa: F401
    except ImportError:
        raise SystemExit("pip install -e plugins/docwarden-tesseract first") from None
    rows = measure([float(s) for s in args.scales.split(",")])
    report = {"bench": "plugin_accuracy", "rows": rows,
              "machine": {"python": platform.python_version()}}
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(markdown(rows))
    print(f"\nreport: {RESULTS}")


if __name__ == "__main__":
    main()
