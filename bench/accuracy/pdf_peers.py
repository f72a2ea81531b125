"""Run the peer PDF-to-Markdown tools on a list of PDFs (bench-only, own venv).

pymupdf4llm (with pymupdf-layout when installed) and markitdown are never
dependencies of docwarden (PyMuPDF is AGPL); bench/accuracy/pdf.py runs this
script with the peers' interpreter and reads the JSON it writes to OUT_JSON
(peers print to stdout themselves):

    {"tools": {"pymupdf4llm": "2.0 (layout)", ...}, "skipped": {"markitdown": "why"},
     "results": {"pymupdf4llm": {"file.pdf": {"markdown": "...", "seconds": 0.4}}}}

    python bench/accuracy/pdf_peers.py OUT_JSON < jobs.json

Input on stdin: [{"path": "/abs/file.pdf", "pages": "1" | null}, ...].
"""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Converter = Callable[[str], str]


def _pymupdf4llm() -> tuple[str, Converter]:
    import pymupdf

    layout = ""
    try:
        import pymupdf.layout  # switches pymupdf4llm to its layout model

        layout = " (layout)"
    except ImportError:
        pass
    import pymupdf4llm

    def convert(path: str) -> str:
        return str(pymupdf4llm.to_markdown(path))

    return f"{pymupdf4llm.__version__}{layout}, PyMuPDF {pymupdf.__version__}", convert


def _markitdown() -> tuple[str, Converter]:
    import markitdown

    converter = markitdown.MarkItDown()

    def convert(path: str) -> str:
        return str(converter.convert(path).text_content)

    return str(markitdown.__version__), convert


TOOLS: dict[str, Callable[[], tuple[str, Converter]]] = {
    "pymupdf4llm": _pymupdf4llm, "markitdown": _markitdown,
}


def _page_subset(path: str, pages: str | None, folder: Path) -> str:
    """A copy holding only the first page of `pages` ("1"), so peers read what docwarden reads."""
    if not pages:
        return path
    import pypdfium2 as pdfium

    source = pdfium.PdfDocument(path)
    subset = pdfium.PdfDocument.new()
    subset.import_pages(source, [int(p) - 1 for p in pages.split(",")])
    out = folder / (Path(path).stem + f"_p{pages}.pdf")
    subset.save(str(out))
    return str(out)


def _warm_up(convert: Converter, jobs: list[dict[str, Any]]) -> None:
    """One untimed conversion first: models a peer loads lazily are loaded before timing,
    as docwarden's are (the runner is started once per group)."""
    if jobs:
        with contextlib.suppress(Exception):  # the timed run reports a failure
            convert(jobs[0]["path"])


def main() -> int:
    jobs: list[dict[str, Any]] = json.loads(sys.stdin.read())
    report: dict[str, Any] = {"tools": {}, "skipped": {}, "results": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name, load in TOOLS.items():
            try:
                version, convert = load()
            except ImportError as exc:
                report["skipped"][name] = f"not installed ({exc})"
                continue
            report["tools"][name] = version
            results = report["results"][name] = {}
            _warm_up(convert, jobs)
            for job in jobs:
                path = _page_subset(job["path"], job.get("pages"), Path(tmp))
                started = time.perf_counter()
                try:
                    markdown = convert(path)
                except Exception as exc:  # a peer failing on a file scores zero there
                    markdown = ""
                    print(f"{name} failed on {job['path']}: {exc}", file=sys.stderr)
                results[job["path"]] = {"markdown": markdown,
                                        "seconds": time.perf_counter() - started}
    Path(sys.argv[1]).write_text(json.dumps(report), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
