"""The int8 recogniser scanned PDF pages are read with (PDF_OCR_PRECISION).

Built by tools/quantize_rec.py; bench/accuracy measures what it costs in accuracy.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import onnxruntime as ort
import pytest
from PIL import Image, ImageDraw, ImageFont

from docwarden.engines.base import JobInput
from docwarden.engines.ocr import models
from docwarden.engines.ocr.engine import OcrEngine
from docwarden.engines.pdf import PdfEngine
from docwarden.settings import Device, RecPrecision, Settings

SCAN = Path(__file__).resolve().parents[1] / "data" / "pdf" / "docling" / "scanned" / (
    "ocr_test_rotated_90.pdf")
SENTENCE = ("Docling bundles PDF document conversion to JSON and Markdown in an easy self "
            "contained package")
LINES = ["Invoice 2024-117: total due 1,482.50 EUR",
         "Questions? Write to billing@example.org",
         "The quick brown fox jumps over the lazy dog."]


@pytest.fixture(scope="module")
def int8() -> Iterator[OcrEngine]:
    engine = OcrEngine(Settings(), rec_precision=RecPrecision.INT8)
    engine.load()
    yield engine
    engine.close()


def printed_page(lines: list[str]) -> Image.Image:
    image = Image.new("RGB", (1400, 90 * len(lines) + 60), "white")
    draw, font = ImageDraw.Draw(image), ImageFont.load_default(size=40)
    for row, text in enumerate(lines):
        draw.text((40, 40 + 90 * row), text, fill="black", font=font)
    return image


def characters(path: Path) -> str:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.get_modelmeta().custom_metadata_map["character"]


def test_the_int8_model_keeps_the_fp32_models_characters() -> None:
    """rapidocr decodes with the list stored in the model: a rebuild must carry it over."""
    assert characters(models.INT8_REC_PATH) == characters(models.fp32_rec_path())


def test_printed_lines_read_exactly_in_int8(int8: OcrEngine) -> None:
    found = int8.recognize(printed_page(LINES), upright=True, printed=True)
    assert [line.text for line in found] == LINES


def test_scanned_pdf_pages_are_read_in_int8_unless_set_to_fp32(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(models, "INT8_REC_PATH", tmp_path / "absent.onnx")
    with pytest.raises(RuntimeError, match="DOCWARDEN_PDF_OCR_PRECISION=fp32"):
        PdfEngine(Settings()).recognizer()  # the default reads scans in int8
    fp32 = PdfEngine(Settings(pdf_ocr_precision=RecPrecision.FP32))
    result = fp32.run(JobInput(data=SCAN.read_bytes()))
    assert isinstance(result, dict) and SENTENCE in result["markdown"]
    fp32.close()


def test_a_scan_reads_the_same_in_int8() -> None:
    engine = PdfEngine(Settings())
    result = engine.run(JobInput(data=SCAN.read_bytes()))
    assert isinstance(result, dict) and SENTENCE in result["markdown"]
    engine.close()


def test_the_build_tool_makes_a_model_that_reads_print(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """tools/quantize_rec.py end to end, calibrated on one page of printed lines."""
    from tools import quantize_rec

    fp32 = OcrEngine(Settings())
    fp32.load()
    assert fp32._models is not None
    seen: list[Any] = []
    recognizer = fp32._models.print_rec
    recognizer.session.session = quantize_rec._Recording(recognizer.session.session, seen)
    fp32.recognize(printed_page(LINES), upright=True, printed=True)
    assert len(seen) == len(LINES)
    built = tmp_path / "rec_int8.onnx"
    quantize_rec.quantize(models.fp32_rec_path(), built, seen)
    monkeypatch.setattr(models, "INT8_REC_PATH", built)
    assert characters(built) == characters(models.fp32_rec_path())
    int8 = OcrEngine(Settings(), rec_precision=RecPrecision.INT8)
    int8.load()
    assert [line.text for line in int8.recognize(printed_page(LINES), upright=True,
                                                 printed=True)] == LINES


def test_a_gpu_reads_scans_with_the_fp32_model(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    """int8 kernels are the CPU's: with DEVICE=cuda the int8 file is not even looked for."""
    from rapidocr.utils.parse_parameters import ParseParams

    monkeypatch.setattr(models, "INT8_REC_PATH", tmp_path / "absent.onnx")
    section = ParseParams.load(models.CONFIG_PATH).Rec
    assert models.rec_model_path(section, RecPrecision.INT8, Device.CUDA) == (
        models.fp32_rec_path())
    with pytest.raises(RuntimeError, match="PDF_OCR_PRECISION"):
        models.rec_model_path(section, RecPrecision.INT8, Device.CPU)
