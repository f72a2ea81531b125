"""Character error rate of the `ocr` engine on the ground-truth set.

Reads /work/shared/testdata/ocr/expected.json (or --testdata), runs every file
with ground truth through one loaded OcrEngine in-process and honours each
entry's `match` rule (exact, exact_first_line, casefold, cer<=0.10,
stated_output, partial, no_text ...).  CER = edit distance / reference length
after NFKC normalisation; `alternatives` count as correct references too.
Files in scripts the shipped recognition model does not cover are reported
separately, so the headline figure is not dominated by them.

    .venv/bin/python -m bench.accuracy.ocr [--testdata DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import time
import unicodedata
from pathlib import Path
from typing import Any

from bench import RESULTS, ROOT
from docwarden.engines.base import JobInput
from docwarden.engines.ocr.engine import OcrEngine
from docwarden.settings import Settings
from tests.textmetrics import edit_distance  # shared with the OCR tests

DEFAULT_TESTDATA = ROOT.parent / "shared" / "testdata"
DEFAULT_OUT = RESULTS / "ocr_accuracy.json"
STATED_OUTPUT_MAX_CER = 0.20
CER_RULE_MAX = 0.10
# expected.json `lang` -> rapidocr language code of the recognition model.
LANG_TO_RAPIDOCR = {
    "zh": "ch", "zh+en": "ch", "zh-Hant": "chinese_cht", "en": "en", "la": "la",
    "ko": "korean", "ru": "eslav", "sr": "cyrillic", "fa": "arabic", "el": "el",
}


def norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def supported_langs() -> set[str]:
    from rapidocr.utils.model_resolver import list_supported_langs
    from rapidocr.utils.typings import ModelType, OCRVersion, TaskType

    return set(list_supported_langs(TaskType.REC, OCRVersion("PP-OCRv6"), ModelType("small")))


def references(entry: dict[str, Any]) -> list[str]:
    expected = entry["expected"]
    first = "\n".join(expected) if isinstance(expected, list) else str(expected)
    return [norm(first)] + [norm(str(alt)) for alt in entry.get("alternatives", [])]


def score_entry(entry: dict[str, Any], lines: list[str]) -> dict[str, Any]:
    """Pass/fail by the entry's rule, and CER where a full reference exists."""
    match = str(entry["match"])
    if match == "no_text":
        return {"passed": not lines, "cer": None}
    if match == "partial":
        first = norm(lines[0]) if lines else ""
        return {"passed": first.startswith(str(entry.get("first_char", ""))), "cer": None}
    if "first_line" in match:
        hypothesis = norm(lines[0] if lines else "")
    else:
        hypothesis = norm("\n".join(lines))
    fold = "casefold" in match
    best: tuple[float, int, int] = (2.0, 0, 1)
    for ref in references(entry):
        hyp, ref_cmp = (hypothesis.casefold(), ref.casefold()) if fold else (hypothesis, ref)
        distance = edit_distance(hyp, ref_cmp)
        best = min(best, (distance / max(1, len(ref_cmp)), distance, len(ref_cmp)))
    cer, distance, length = best
    if match.startswith("cer<="):
        passed = cer <= CER_RULE_MAX
    elif match == "stated_output":
        passed = cer <= STATED_OUTPUT_MAX_CER
    else:
        passed = distance == 0
    return {"passed": passed, "cer": round(cer, 4), "edits": distance, "ref_chars": length}


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    scored = [r for r in rows if r["cer"] is not None]
    edits = sum(r["edits"] for r in scored)
    chars = sum(r["ref_chars"] for r in scored)
    return {
        "files": len(rows),
        "passed": sum(r["passed"] for r in rows),
        "cer_overall": round(edits / chars, 4) if chars else None,
        "cer_mean_per_file": round(sum(r["cer"] for r in scored) / len(scored), 4)
        if scored else None,
    }


def run(testdata: Path) -> dict[str, Any]:
    gt = json.loads((testdata / "ocr" / "expected.json").read_text(encoding="utf-8"))["files"]
    engine = OcrEngine(Settings())
    engine.load()
    langs = supported_langs()
    rows = []
    for rel, entry in gt.items():
        if entry["match"] == "no_ground_truth":
            continue
        started = time.perf_counter()
        result = engine.run(JobInput(data=(testdata / "ocr" / rel).read_bytes()))
        assert isinstance(result, dict)
        seconds = time.perf_counter() - started
        lines = [line["text"] for line in result["lines"]]
        row = {"file": rel, "match": entry["match"], "lang": entry.get("lang"),
               "model_supports_lang": LANG_TO_RAPIDOCR.get(str(entry.get("lang"))) in langs
               or entry.get("lang") == "-",
               "time_s": round(seconds, 3), "got": lines, **score_entry(entry, lines)}
        rows.append(row)
    supported = [r for r in rows if r["model_supports_lang"]]
    return {"overall": summarise(rows), "supported_scripts": summarise(supported),
            "files": rows}


def print_table(report: dict[str, Any]) -> None:
    print(f"{'file':42} {'match':22} {'lang':7} {'cer':>6} {'ok':>3} {'s':>6}")
    for r in report["files"]:
        cer = "-" if r["cer"] is None else f"{r['cer']:.3f}"
        star = "" if r["model_supports_lang"] else "*"
        print(f"{r['file']:42} {r['match']:22} {r['lang'] + star:7} {cer:>6} "
              f"{'y' if r['passed'] else 'n':>3} {r['time_s']:6.2f}")
    for key in ("overall", "supported_scripts"):
        print(key, json.dumps(report[key]))
    print("* = script not covered by the shipped recognition model")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--testdata", type=Path, default=DEFAULT_TESTDATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    report = run(args.testdata)
    print_table(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
