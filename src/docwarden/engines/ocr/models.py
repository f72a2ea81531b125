"""Where the OCR engine's ONNX models come from: the rapidocr wheel, or docwarden's own
int8 builds of its detector and recogniser (PDF_OCR_PRECISION=int8, scanned pages).
Nothing is ever downloaded; a missing file is a load error, not a fetch."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import rapidocr
from omegaconf import DictConfig
from rapidocr.inference_engine.base import FileInfo, InferSession
from rapidocr.utils.parse_parameters import ParseParams

from docwarden.settings import Device, OcrPrecision

RAPIDOCR_DIR = Path(rapidocr.__file__).resolve().parent
MODEL_DIR = RAPIDOCR_DIR / "models"
CONFIG_PATH = RAPIDOCR_DIR / "config.yaml"
# Built by tools/quantize_ocr.py from the wheel's fp32 models (same weights, calibrated
# int8); licence as the models', src/docwarden/data/PP-OCR-NOTICE.txt.
INT8_REC_PATH = Path(__file__).resolve().parents[2] / "data" / "PP-OCRv6_rec_small_int8.onnx"
INT8_DET_PATH = INT8_REC_PATH.with_name("PP-OCRv6_det_small_int8.onnx")
# The int8 build's one output: per time step the top class's probability and index
# (as float), in place of every class's probability (tools/quantize_ocr.top1_head).
TOP1_OUTPUT = "top1_prob_index"
# The same int8 model with its last layer cut to the classes below LATIN_LIMIT (9 % of
# them: Latin, Greek, punctuation, symbols), which is most of that layer's work.  Its
# output adds the top class's logit, the sign of a glyph it has no class for
# (engines/ocr/printed.py); the index is the full model's class.
LATIN_REC_PATH = INT8_REC_PATH.with_name("PP-OCRv6_rec_small_int8_latin.onnx")
LATIN_OUTPUT = "top1_prob_index_logit"
LATIN_LIMIT = 0x2E80  # CJK radicals, kana, Hangul and Han ideographs start here


def model_path(section: DictConfig) -> Path:
    """The wheel's model file for a det/cls/rec config section (never downloaded)."""
    info = InferSession.get_model_url(
        FileInfo(
            engine_type=section.engine_type,
            ocr_version=section.ocr_version,
            task_type=section.task_type,
            lang_type=section.lang_type,
            model_type=section.model_type,
        )
    )
    path = MODEL_DIR / Path(str(info["model_dir"])).name
    if not path.is_file():
        raise RuntimeError(
            f"OCR model {path.name} is not in the rapidocr wheel ({MODEL_DIR}); docwarden "
            "never downloads models: reinstall a rapidocr wheel that ships it"
        )
    return path


def rec_model_path(section: DictConfig, precision: OcrPrecision, device: Device) -> Path:
    """The recogniser to load (_chosen)."""
    return _chosen(section, INT8_REC_PATH, "the int8 recogniser", precision, device)


def det_model_path(section: DictConfig, precision: OcrPrecision, device: Device) -> Path:
    """The detector to load (_chosen)."""
    return _chosen(section, INT8_DET_PATH, "the int8 detector", precision, device)


def _chosen(section: DictConfig, int8_path: Path, what: str, precision: OcrPrecision,
            device: Device) -> Path:
    """The wheel's fp32 model, or docwarden's int8 build of it (CPU only: the int8
    kernels are the CPU's; on a GPU the fp32 model is the fast one)."""
    return _built(int8_path, what) if _int8(precision, device) else model_path(section)


def latin_rec_path(precision: OcrPrecision, device: Device) -> Path | None:
    """The Latin build that goes with the int8 recogniser, when that is the one loaded."""
    if not _int8(precision, device):
        return None
    return _built(LATIN_REC_PATH, "the int8 recogniser's Latin build")


def _int8(precision: OcrPrecision, device: Device) -> bool:
    return precision is OcrPrecision.INT8 and device is Device.CPU


def _built(path: Path, what: str) -> Path:
    """One of docwarden's own builds (tools/quantize_ocr.py), which must be installed."""
    if not path.is_file():
        raise RuntimeError(
            f"{what} {path} is missing: reinstall docwarden, rebuild it "
            "(python -m tools.quantize_ocr), or set DOCWARDEN_PDF_OCR_PRECISION=fp32")
    return path


def latin_classes(characters: Sequence[str]) -> list[int]:
    """The classes the Latin build keeps, of a recogniser whose classes are the CTC
    blank (0), `characters` (the model's list) and the space rapidocr appends (last)."""
    inside = [index + 1 for index, char in enumerate(characters)
              if char and ord(char[0]) < LATIN_LIMIT]
    return [0, *inside, len(characters) + 1]


def is_latin(text: str) -> bool:
    """Whether the Latin build has a class for every character of `text`."""
    return all(ord(char) < LATIN_LIMIT for char in text)


def fp32_rec_path() -> Path:
    """The wheel's fp32 recogniser (what tools/quantize_ocr.py starts from)."""
    return model_path(ParseParams.load(CONFIG_PATH).Rec)


def fp32_det_path() -> Path:
    """The wheel's fp32 detector (what tools/quantize_ocr.py starts from)."""
    return model_path(ParseParams.load(CONFIG_PATH).Det)
