"""Accuracy benchmarks in one command: OCR CER, ID-card fields, PDF to Markdown.

    python -m bench.accuracy             # all three
    python -m bench.accuracy --only pdf

Each benchmark prints its own table and writes bench/results/<name>_accuracy.json;
they need ../shared/testdata beside the checkout (ID cards are generated).
"""

from __future__ import annotations

import argparse

from bench import run_modules

MODULES = {
    "ocr": ["bench.accuracy.ocr"],
    "idcard": ["bench.accuracy.idcard", "--cards", "42", "--jobs", "2"],
    "pdf": ["bench.accuracy.pdf"],
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.accuracy",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=sorted(MODULES), help="run one benchmark")
    run_modules(MODULES, parser.parse_args().only)


if __name__ == "__main__":
    main()
