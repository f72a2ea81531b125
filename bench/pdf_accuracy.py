"""PDF engine accuracy against the shared ground truth.

Per PDF: text similarity (1 - normalised edit distance on text with Markdown
markup stripped and whitespace collapsed), heading / list-item / table-cell
recall against the reference Markdown, CER on scanned pages, and the checks the
ground truth states for files without a reference Markdown (lines,
must_contain).  Writes bench/results/pdf_accuracy.json.

    python bench/pdf_accuracy.py [--only SUBSTRING]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.textmetrics, shared with the OCR tests

from docwarden.engines.base import JobInput  # noqa: E402
from docwarden.engines.pdf import PdfEngine  # noqa: E402
from docwarden.settings import Settings  # noqa: E402
from tests.textmetrics import edit_distance  # noqa: E402

TESTDATA = ROOT.parent / "shared" / "testdata" / "pdf"
RESULTS = ROOT / "bench" / "results" / "pdf_accuracy.json"
MATCH_SIMILARITY = 0.9
# The nemotron reference is another engine's output, reliable on page 1 only.
PAGE_LIMITS = {"docling/scanned/nemotron_multipage.pdf": "1"}
NEMOTRON_SENTENCE = (
    "Docling bundles PDF document conversion to JSON and Markdown in an easy self contained "
    "package"
)


def similarity(a: str, b: str) -> float:
    if not a and not b:
        return 1.0
    return 1.0 - edit_distance(a, b) / max(len(a), len(b))


def norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def strip_markdown(markdown: str) -> str:
    """Plain text of Markdown: no comments, heading/list markers, table pipes or rules."""
    text = re.sub(r"<!--.*?-->", " ", markdown, flags=re.S)
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if re.fullmatch(r"\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?", stripped):
            continue
        stripped = re.sub(r"^#{1,6}\s+", "", stripped)
        stripped = re.sub(r"^(?:[-*+]|\d+[.)])\s+", "", stripped)
        stripped = stripped.replace("\\|", "\x00").replace("|", " ").replace("\x00", "|")
        stripped = stripped.replace("```", " ")
        out.append(stripped)
    return norm(" ".join(out))


def headings(markdown: str) -> list[str]:
    return [norm(m) for m in re.findall(r"^#{1,6}\s+(.+)$", markdown, flags=re.M)]


def list_items(markdown: str) -> list[str]:
    return [norm(m) for m in re.findall(r"^\s*(?:[-*+]|\d+[.)])\s+(.+)$", markdown, flags=re.M)]


def table_cells(markdown: str) -> list[str]:
    cells = []
    for raw in markdown.splitlines():
        line = raw.strip()
        if line.startswith("|") and not re.fullmatch(r"[|\s:-]+", line):
            cells += [norm(c) for c in line.strip("|").split("|") if norm(c)]
    return cells


def recall(expected: list[str], found: list[str]) -> float | None:
    """Share of expected strings that have a near-identical match among `found`."""
    if not expected:
        return None
    pool = set(found)
    hits = sum(
        1 for e in expected
        if e in pool or any(similarity(e.lower(), f.lower()) >= MATCH_SIMILARITY for f in pool)
    )
    return hits / len(expected)


def compare(reference: str, markdown: str, scanned: bool) -> dict[str, Any]:
    ours, ref = strip_markdown(markdown), strip_markdown(reference)
    row: dict[str, Any] = {
        "text_similarity": round(similarity(ours, ref), 4),
        "heading_recall": recall(headings(reference), headings(markdown)),
        "list_recall": recall(list_items(reference), list_items(markdown)),
        "table_cell_recall": recall(table_cells(reference), table_cells(markdown)),
    }
    if scanned:
        a, b = re.sub(r"\s+", "", ours), re.sub(r"\s+", "", ref)
        row["cer"] = round(edit_distance(a, b) / max(len(b), 1), 4)
    return row


def evaluate(engine: PdfEngine, rel: str, entry: dict[str, Any]) -> dict[str, Any]:
    truth = entry.get("groundtruth") or {}
    params: dict[str, Any] = {}
    if entry.get("password"):
        params["password"] = entry["password"]["user"]
    if rel in PAGE_LIMITS:
        params["pages"] = PAGE_LIMITS[rel]
    started = time.perf_counter()
    result = engine.run(JobInput(data=(TESTDATA / rel).read_bytes(), params=params))
    assert isinstance(result, dict)
    row: dict[str, Any] = {
        "file": rel, "kind": entry["kind"], "seconds": round(time.perf_counter() - started, 2),
        "methods": sorted({p["method"] for p in result["pages"]}), "warnings": result["warnings"],
    }
    markdown = result["markdown"]
    scanned = "image-only" in entry["kind"]
    row["scanned"] = scanned
    if rel in PAGE_LIMITS:
        row.update(compare(NEMOTRON_SENTENCE, markdown, scanned))
    elif "markdown" in truth:
        row.update(compare((TESTDATA / truth["markdown"]).read_text("utf-8"), markdown, scanned))
    if isinstance(truth.get("lines"), list):
        text = norm(markdown)
        row["lines_found"] = sum(norm(line) in text for line in truth["lines"]) / len(
            truth["lines"])
    if truth.get("must_contain"):
        row["must_contain_found"] = all(s in markdown for s in truth["must_contain"])
    return row


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def mean(key: str, scanned: bool) -> float | None:
        values = [r[key] for r in rows if r.get(key) is not None and r["scanned"] == scanned]
        return round(statistics.fmean(values), 4) if values else None

    return {
        "text_pdfs_mean_text_similarity": mean("text_similarity", False),
        "text_pdfs_mean_heading_recall": mean("heading_recall", False),
        "text_pdfs_mean_list_recall": mean("list_recall", False),
        "text_pdfs_mean_table_cell_recall": mean("table_cell_recall", False),
        "scanned_mean_cer": mean("cer", True),
        "scanned_mean_text_similarity": mean("text_similarity", True),
        "targets": {"text_similarity": ">= 0.95", "heading_recall": ">= 0.8",
                    "cer_clean_scans": "<= 0.05"},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="", help="evaluate files whose path contains this")
    args = parser.parse_args()
    if not TESTDATA.is_dir():
        print(f"test data not found at {TESTDATA}")
        return 1
    files = json.loads((TESTDATA / "expected.json").read_text("utf-8"))["files"]
    engine = PdfEngine(Settings())
    engine.load()
    rows = []
    for rel, entry in files.items():
        if args.only in rel and (entry.get("groundtruth") or entry.get("password")):
            row = evaluate(engine, rel, entry)
            rows.append(row)
            shown = {k: v for k, v in row.items() if k not in ("file", "kind", "warnings")}
            print(f"{rel}: {shown}")
    summary = summarise(rows)
    print(json.dumps(summary, indent=2))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"summary": summary, "files": rows}, indent=2,
                                  ensure_ascii=False) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
