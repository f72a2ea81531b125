"""PDF engine accuracy and speed against reference Markdown, side by side with peers.

Files: the shared PDFs with reference Markdown (groups `docling` for the
born-digital ones, `scanned`, `cjk` for the generated Chinese PDF) and the
generated development set (`devset`: two columns, Arabic, tables, code,
Korean; made by bench/accuracy/pdf_devset.py).  Scores per file (see
bench/accuracy/pdf_metrics.py): token F1, heading recall and precision, reading order,
text similarity, list and table-cell recall, CER on scans; per group the means
and seconds per page, for docwarden and for each peer in the same run.

Peers (pymupdf4llm with pymupdf-layout, markitdown) run in their own venv,
never docwarden's (PyMuPDF is AGPL); a peer that is not installed is skipped
with a message.  Set it up once:

    python3 -m venv /work/venvs/pdfpeers
    /work/venvs/pdfpeers/bin/pip install pymupdf pymupdf4llm pymupdf-layout \
        'markitdown[pdf]' pypdfium2 fpdf2 uharfbuzz

(pymupdf is named on its own: pymupdf4llm 2.0 on the index declares no
dependency on it, and without it the peer is skipped as not installed.)

    python -m bench.accuracy.pdf [--only SUBSTRING] [--peers-python PATH | --no-peers]
                                 [--scans] [--manuals] [--producers] [--publishers]
                                 [--readmes]

`--scans` adds `real-scanned`: the real-producer set's Latin-script PDFs printed
to image-only PDFs at 200 dpi (bench/accuracy/pdf_scans.py), read by OCR.
`--manuals` adds `manuals`: this machine's GNU man pages exported through Word and
Chromium (bench/accuracy/pdf_manuals.py; needs pandoc, LibreOffice, Chromium).
`--producers` adds `producers`: reports made by WeasyPrint, Typst and ReportLab
(bench/accuracy/pdf_producers.py; needs them in the peers' interpreter).
`--readmes` adds `readmes`: the installed packages' Markdown READMEs printed by
Chromium and set by pdfLaTeX (bench/accuracy/pdf_readmes.py; needs pandoc).
`--publishers` adds `publishers`: one paper set by IEEE's, ACM's, Springer's and
Elsevier's LaTeX classes (bench/accuracy/pdf_publishers.py; needs texlive-publishers).

Writes bench/results/pdf_accuracy.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium

from bench import RESULTS as RESULTS_DIR
from bench import ROOT
from bench.accuracy.pdf_manuals import manual_items
from bench.accuracy.pdf_metrics import compare, norm
from bench.accuracy.pdf_producers import producer_items
from bench.accuracy.pdf_publishers import publisher_items
from bench.accuracy.pdf_readmes import readme_items
from bench.accuracy.pdf_scans import scanned_items
from docwarden.engines.base import JobInput
from docwarden.engines.pdf import PdfEngine
from docwarden.settings import Settings

# shared/ sits beside the checkout (a worktree is one level deeper): take the first found.
TESTDATA = next((p / "shared" / "testdata" / "pdf" for p in ROOT.parents
                 if (p / "shared" / "testdata" / "pdf").is_dir()), ROOT.parent / "shared")
GENERATED = ROOT / "tests" / "data" / "pdf" / "generated"
# Generated sets: folder -> group of each file (realset: by its name's tune/holdout prefix).
GENERATED_SETS = ("devset", "realset")
RESULTS = RESULTS_DIR / "pdf_accuracy.json"
PEERS_SCRIPT = Path(__file__).with_name("pdf_peers.py")  # run by the peers' venv
PEERS_PYTHON = Path(os.environ.get("PDF_PEERS_PYTHON", "/work/venvs/pdfpeers/bin/python"))
# The nemotron reference is another engine's output, reliable on page 1 only; every one
# of its 4 pages (each turned another way) holds the same sentence, so that is the truth.
NEMOTRON = "docling/scanned/nemotron_multipage.pdf"
NEMOTRON_SENTENCE = (
    "Docling bundles PDF document conversion to JSON and Markdown in an easy self contained "
    "package"
)
SCORES = ("token_f1", "heading_recall", "heading_precision", "reading_order")
GOAL_SPEEDUP = 4.0


def _group(rel: str, entry: dict[str, Any]) -> str:
    if rel.startswith("devset/"):
        return "devset"
    if "image-only" in entry["kind"]:
        return "scanned"
    return "cjk" if rel.startswith("generated/") else "docling"


def dataset(only: str) -> list[dict[str, Any]]:
    """Every file to score: path, group, page spec, page count, reference, checks."""
    files = json.loads((TESTDATA / "expected.json").read_text("utf-8"))["files"]
    out = []
    for rel, entry in files.items():
        truth = entry.get("groundtruth") or {}
        if only not in rel or not (truth or entry.get("password")):
            continue
        reference = None
        if rel == NEMOTRON:
            reference = "\n\n".join([NEMOTRON_SENTENCE] * entry["pages"])
        elif "markdown" in truth:
            reference = (TESTDATA / truth["markdown"]).read_text("utf-8")
        out.append({"file": rel, "path": str(TESTDATA / rel), "group": _group(rel, entry),
                    "pages": None, "page_count": entry["pages"], "reference": reference,
                    "truth": truth,
                    "password": (entry.get("password") or {}).get("user"),
                    "scanned": "image-only" in entry["kind"]})
    for folder in GENERATED_SETS:
        for pdf in sorted((GENERATED / folder).glob("*.pdf")):
            rel = f"{folder}/{pdf.name}"
            if only in rel:
                out.append({"file": rel, "path": str(pdf), "group": _generated_group(rel),
                            "pages": None, "page_count": len(pdfium.PdfDocument(str(pdf))),
                            "truth": {}, "reference": pdf.with_suffix(".md").read_text("utf-8"),
                            "password": None, "scanned": False})
    return out


def _generated_group(rel: str) -> str:
    """devset, or real-tune / real-holdout / real-fresh for the real-producer set's parts."""
    folder, name = rel.split("/", 1)
    return f"real-{name.split('_', 1)[0]}" if folder == "realset" else folder


def run_docwarden(engine: PdfEngine, item: dict[str, Any]) -> tuple[str, float, dict[str, Any]]:
    params: dict[str, Any] = {}
    if item["password"]:
        params["password"] = item["password"]
    if item["pages"]:
        params["pages"] = item["pages"]
    started = time.perf_counter()
    result = engine.run(JobInput(data=Path(item["path"]).read_bytes(), params=params))
    seconds = time.perf_counter() - started
    assert isinstance(result, dict)
    extra: dict[str, Any] = {"methods": sorted({p["method"] for p in result["pages"]}),
                             "warnings": result["warnings"]}
    truth, markdown = item["truth"], result["markdown"]
    if isinstance(truth.get("lines"), list):
        text = norm(markdown)
        extra["lines_found"] = sum(norm(ln) in text for ln in truth["lines"]) / len(
            truth["lines"])
    if truth.get("must_contain"):
        extra["must_contain_found"] = all(s in markdown for s in truth["must_contain"])
    return markdown, seconds, extra


def run_peers(items: list[dict[str, Any]], python: Path | None) -> dict[str, Any]:
    """The peers' Markdown and timings, or an empty report saying why they were skipped."""
    jobs = [{"path": it["path"], "pages": it["pages"]} for it in items if it["reference"]]
    if python is None:
        return {"tools": {}, "skipped": {"peers": "disabled (--no-peers)"}, "results": {}}
    if not python.exists():
        print(f"skipping peers: {python} not found (install them as this script's docstring "
              "and the README say, or pass --peers-python)")
        return {"tools": {}, "skipped": {"peers": f"{python} not found"}, "results": {}}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "peers.json"
        proc = subprocess.run([str(python), str(PEERS_SCRIPT), str(out)],
                              input=json.dumps(jobs), capture_output=True, text=True,
                              check=False)
        if proc.returncode != 0 or not out.exists():
            print(f"skipping peers: the peer runner failed: {proc.stderr[-2000:]}")
            return {"tools": {}, "skipped": {"peers": "runner failed"}, "results": {}}
        report: dict[str, Any] = json.loads(out.read_text("utf-8"))
    for name, why in report["skipped"].items():
        print(f"skipping peer {name}: {why}")
    return report


def summarise(rows: list[dict[str, Any]], tools: list[str]) -> dict[str, Any]:
    """Per group and tool: mean scores (files with a value) and seconds per page."""
    summary: dict[str, Any] = {}
    for group in sorted({r["group"] for r in rows} | {"all"}):
        chosen = [r for r in rows if r["tool"] in tools and (group == "all" or
                                                             r["group"] == group)]
        per_tool: dict[str, Any] = {}
        for tool in tools:
            mine = [r for r in chosen if r["tool"] == tool and "token_f1" in r]
            if not mine:
                continue
            scores: dict[str, Any] = {"files": len(mine)}
            for key in (*SCORES, "text_similarity", "list_recall", "table_cell_recall", "cer"):
                values = [r[key] for r in mine if r.get(key) is not None]
                scores[key] = round(statistics.fmean(values), 4) if values else None
            scores["worst_token_f1"] = min(r["token_f1"] for r in mine)
            pages = sum(r["page_count"] for r in mine)
            scores["s_per_page"] = round(sum(r["seconds"] for r in mine) / pages, 4)
            per_tool[tool] = scores
        summary[group] = per_tool
    return summary


def _verdicts(summary: dict[str, Any]) -> list[str]:
    """Goal lines: each score >= pymupdf4llm's per group, and >= 4x faster per page."""
    out = []
    for group, per_tool in summary.items():
        ours, peer = per_tool.get("docwarden"), per_tool.get("pymupdf4llm")
        if not ours or not peer:
            continue
        misses = [k for k in SCORES if ours[k] is not None and peer[k] is not None
                  and ours[k] < peer[k]]
        speed = peer["s_per_page"] / max(ours["s_per_page"], 1e-9)
        status = "met" if not misses and speed >= GOAL_SPEEDUP else "NOT met"
        out.append(f"{group}: goal {status}; behind on {misses or 'nothing'}; "
                   f"{speed:.1f}x faster per page than pymupdf4llm")
    return out


def print_table(summary: dict[str, Any]) -> None:
    cols = (*SCORES, "worst_token_f1", "s_per_page")
    print(f"{'group':9} {'tool':12} " + " ".join(f"{c[:14]:>14}" for c in cols))
    for group, per_tool in summary.items():
        for tool, scores in per_tool.items():
            cells = [("-" if scores[c] is None else f"{scores[c]:.3f}") for c in cols]
            print(f"{group:9} {tool:12} " + " ".join(f"{c:>14}" for c in cells))
    for line in _verdicts(summary):
        print(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="evaluate files whose path contains this")
    parser.add_argument("--peers-python", type=Path, default=PEERS_PYTHON)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--scans", action="store_true",
                        help="add the real set printed to scans (group real-scanned; slow)")
    parser.add_argument("--manuals", action="store_true",
                        help="add this machine's man pages as PDFs (group manuals)")
    parser.add_argument("--producers", action="store_true",
                        help="add reports by WeasyPrint, Typst, ReportLab (group producers)")
    parser.add_argument("--publishers", action="store_true",
                        help="add a paper set by publishers' LaTeX classes (group publishers)")
    parser.add_argument("--readmes", action="store_true",
                        help="add installed packages' READMEs, printed (group readmes)")
    args = parser.parse_args()
    if not TESTDATA.is_dir():
        print(f"test data not found at {TESTDATA}")
        return 1
    with tempfile.TemporaryDirectory() as made:
        items = dataset(args.only)
        if args.scans:
            items += scanned_items(GENERATED / "realset", Path(made), args.only)
        if args.manuals:
            items += manual_items(Path(made), args.only)
        if args.producers:
            (Path(made) / "producers").mkdir()
            items += producer_items(Path(made) / "producers", args.only, args.peers_python)
        if args.publishers:
            (Path(made) / "publishers").mkdir()
            items += publisher_items(Path(made) / "publishers", args.only)
        if args.readmes:
            (Path(made) / "readmes").mkdir()
            items += readme_items(Path(made) / "readmes", args.only,
                                  None if args.no_peers else args.peers_python)
        return _run(items, args)


def _run(items: list[dict[str, Any]], args: argparse.Namespace) -> int:
    engine = PdfEngine(Settings())
    engine.load()
    engine.recognizer()  # OCR models loaded before timing, as in a warm worker
    if items:  # one untimed conversion first, as each peer gets (pdf_peers._warm_up)
        run_docwarden(engine, items[0])
    rows: list[dict[str, Any]] = []
    peers: dict[str, Any] = {"tools": {}, "skipped": {}}
    for group in sorted({item["group"] for item in items}):
        # Group by group, docwarden then the peers: the host's speed drifts over a long
        # run, and each group's ratio is then taken over minutes, not the whole run.
        members = [item for item in items if item["group"] == group]
        for item in members:
            markdown, seconds, extra = run_docwarden(engine, item)
            rows.append(_row(item, "docwarden", markdown, seconds) | extra)
            print(f"{item['file']}: " + ", ".join(
                f"{k}={v}" for k, v in rows[-1].items() if k in (*SCORES, "seconds")))
        report = run_peers(members, None if args.no_peers else args.peers_python)
        peers["tools"].update(report["tools"])
        peers["skipped"].update(report["skipped"])
        rows += _peer_rows(members, report)
    tools = ["docwarden", *peers["tools"]]
    summary = summarise(rows, tools)
    print_table(summary)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(
        {"note": "measured on a shared 2-core machine; timings move between runs",
         "peers": peers["tools"], "skipped": peers["skipped"], "summary": summary,
         "goals": _verdicts(summary), "files": rows}, indent=1, ensure_ascii=False) + "\n",
        "utf-8")
    return 0


def _peer_rows(items: list[dict[str, Any]], report: dict[str, Any]) -> list[dict[str, Any]]:
    return [_row(item, tool, results[item["path"]]["markdown"], results[item["path"]]["seconds"])
            for tool, results in report["results"].items()
            for item in items if item["path"] in results]


def _row(item: dict[str, Any], tool: str, markdown: str, seconds: float) -> dict[str, Any]:
    row: dict[str, Any] = {"file": item["file"], "group": item["group"], "tool": tool,
                           "page_count": item["page_count"], "seconds": round(seconds, 3)}
    if item["reference"] is not None:
        row.update(compare(item["reference"], markdown, item["scanned"]))
    return row


if __name__ == "__main__":
    sys.exit(main())
