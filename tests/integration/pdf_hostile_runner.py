"""Convert PDFs with the pdf engine, printing each outcome as one JSON line.

Run in a child interpreter by test_pdf_engine.py, so a native crash, hang or
memory blow-up in pdfium shows as the outcome of the file being converted
(the parent restarts a child on the files after it).  The OCR is a
stub that reads nothing: the point is pdfium and the engine around it, and a
real OCR load would cost seconds per file.
"""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path
from typing import Any

from PIL import Image

from docwarden.engines.base import JobInput
from docwarden.engines.pdf import PdfEngine
from docwarden.errors import DocwardenError
from docwarden.settings import Settings

ADDRESS_SPACE_LIMIT_BYTES = 4 * 1024**3


def no_text(image: Image.Image, *, upright: bool = False,
            glyph_px: float | None = None, printed: bool = False,
            latin_first: bool = True) -> list[Any]:
    return []


resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT_BYTES, ADDRESS_SPACE_LIMIT_BYTES))


def main(path: Path) -> dict[str, Any]:
    engine = PdfEngine(Settings(), recognizer=no_text)
    row: dict[str, Any] = {"file": path.name}
    try:
        result = engine.run(JobInput(data=path.read_bytes()))
    except DocwardenError as exc:
        row.update(outcome=exc.code.value, message=exc.message)
    else:
        assert isinstance(result, dict)
        row.update(outcome="ok", markdown=result["markdown"][:200], warnings=result["warnings"],
                   pages=len(result["pages"]))
    row["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return row


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(json.dumps(main(Path(name))), flush=True)
