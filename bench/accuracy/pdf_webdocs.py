"""Headings of real HTML manuals printed to PDF by Chromium, side by side with the peers.

The documentation packages installed on a Debian machine hold HTML manuals by
many authors and generators (Node.js's API docs, Texinfo, DocBook, asciidoc,
pod2html, hand-written pages).  Each one found is printed by Chromium (no
header or footer) and its `<h1>`-`<h6>` texts are the reference: heading recall
and precision are scored for docwarden and for pymupdf4llm (bench-only venv, as
in bench/accuracy/pdf.py), with the same matching as the main PDF benchmark.
Only headings are scored: the HTML's other text (navigation, sidebars) has no
clean Markdown reference.  Documents that are not installed are left out.

    python -m bench.accuracy.pdf_webdocs [--peers-python PATH | --no-peers]

Writes bench/results/pdf_webdocs.json.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from bench import RESULTS as RESULTS_DIR
from bench.accuracy.pdf import PEERS_PYTHON, run_peers
from bench.accuracy.pdf_metrics import headings, norm, precision, recall
from bench.accuracy.pdf_realset import chromium_pdf
from docwarden.engines.base import JobInput
from docwarden.engines.pdf import PdfEngine
from docwarden.settings import Settings

DOC = Path("/usr/share/doc")
DOCS = {
    "node_os": "nodejs/api/os.html", "node_timers": "nodejs/api/timers.html",
    "bzip2_manual": "bzip2/manual.html", "ninja_manual": "ninja-build/manual.html",
    "fontconfig_user": "fontconfig/fontconfig-user.html", "gcc_news": "gcc-12-base/NEWS.html",
    "expat_reference": "libexpat1-dev/expat.html/reference.html",
    "valgrind_mc": "valgrind/html/mc-manual.html", "tlmgr": "texlive-doc/texlive/tlmgr.html",
    "install_tl": "texlive-doc/texlive/install-tl.html",
    "python_policy": "python3/python-policy.html",
    "users_and_groups": "base-passwd/users-and-groups.html",
    "zlib_how": "zlib1g-dev/examples/zlib_how.html", "libffi_index": "libffi8/html/Index.html",
    "access2base": "libreoffice-common/access2base.html",
}
RESULTS = RESULTS_DIR / "pdf_webdocs.json"


class _Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if re.fullmatch(r"h[1-6]", tag):
            self._open = []

    def handle_endtag(self, tag: str) -> None:
        if re.fullmatch(r"h[1-6]", tag) and self._open is not None:
            self.found.append(norm("".join(self._open)))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.append(data)


def html_headings(path: Path) -> list[str]:
    parser = _Headings()
    parser.feed(path.read_text("utf-8", errors="replace"))
    return [text for text in parser.found if text]


def _score(reference: list[str], markdown: str) -> dict[str, float | None]:
    found = [norm(text) for text in headings(markdown)]
    return {"heading_recall": recall(reference, found),
            "heading_precision": precision(reference, found)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--peers-python", type=Path, default=PEERS_PYTHON)
    parser.add_argument("--no-peers", action="store_true")
    args = parser.parse_args()
    docs = {name: DOC / rel for name, rel in DOCS.items() if (DOC / rel).is_file()}
    if not docs:
        print(f"no HTML manuals found under {DOC}")
        return 1
    engine = PdfEngine(Settings())
    engine.load()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        items = []
        for name, page in docs.items():
            pdf = Path(tmp) / f"{name}.pdf"
            chromium_pdf(page, pdf, chrome=False, timeout_s=180)
            items.append({"name": name, "path": str(pdf), "pages": None, "reference": "html",
                          "headings": html_headings(page)})
        peers = run_peers(items, None if args.no_peers else args.peers_python)
        for item in items:
            started = time.perf_counter()
            result = engine.run(JobInput(data=Path(item["path"]).read_bytes()))
            assert isinstance(result, dict)
            rows.append({"file": item["name"], "tool": "docwarden",
                         "seconds": time.perf_counter() - started,
                         **_score(item["headings"], str(result["markdown"]))})
            for tool, results in peers.get("results", {}).items():
                got = results.get(item["path"])
                if got is not None:
                    rows.append({"file": item["name"], "tool": tool, "seconds": got["seconds"],
                                 **_score(item["headings"], got["markdown"])})
    _report(rows)
    return 0


def _report(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        cells = [("-" if row[k] is None else f"{row[k]:.2f}")
                 for k in ("heading_recall", "heading_precision")]
        print(f"{row['file']:18} {row['tool']:12} recall {cells[0]:>5} precision {cells[1]:>5}")
    summary = {}
    for tool in sorted({row["tool"] for row in rows}):
        mine = [row for row in rows if row["tool"] == tool]
        summary[tool] = {key: round(statistics.mean(
            row[key] for row in mine if row[key] is not None), 3)
            for key in ("heading_recall", "heading_precision")}
        print(f"mean {tool:12} {summary[tool]}")
    RESULTS.write_text(json.dumps({"summary": summary, "files": rows}, indent=1), "utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
