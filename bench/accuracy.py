"""Accuracy benchmarks in one command: OCR CER, ID-card fields, PDF to Markdown.

    python bench/accuracy.py             # all three
    python bench/accuracy.py --only pdf

Each script prints its own table and writes bench/results/<name>_accuracy.json;
they need ../shared/testdata beside the checkout (ID cards are generated).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SCRIPTS = {
    "ocr": ["ocr_accuracy.py"],
    "idcard": ["idcard_accuracy.py", "--cards", "42", "--jobs", "2"],
    "pdf": ["pdf_accuracy.py"],
}


def run_scripts(scripts: dict[str, list[str]], only: str | None) -> None:
    """Each benchmark script (or just `only`) in its own interpreter, stopping at a failure."""
    for name, command in scripts.items():
        if only in (None, name):
            print(f"== {name}: {' '.join(command)}", flush=True)
            subprocess.run([sys.executable, str(BENCH / command[0]), *command[1:]], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=sorted(SCRIPTS), help="run one benchmark")
    run_scripts(SCRIPTS, parser.parse_args().only)


if __name__ == "__main__":
    main()
