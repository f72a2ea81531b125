"""The `ocr` engine: RapidOCR's PP-OCR det/cls/rec models on onnxruntime (CPU).

The three ONNX models ship inside the rapidocr wheel; they are opened from
there and nothing is ever downloaded (a missing file is a load error, not a
fetch).  The ONNX sessions are built here, not by RapidOCR, so the options
that decide a long-running worker's memory (CPU arena, memory patterns,
threads) are set once at load and never touched per call; the
det -> crop -> cls -> rec pipeline uses no shared mutable state, so one loaded
engine serves several threads (THREADS_PER_WORKER).

Other engines (ID card, PDF) compose this one through `recognize()`.
"""

from __future__ import annotations

import io
import logging
import os

# Must precede the first import of onnxruntime (through rapidocr below).
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, cast

import cv2
import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from omegaconf import DictConfig, OmegaConf
from PIL import Image, ImageDraw, ImageFont
from rapidocr.ch_ppocr_cls import TextClassifier
from rapidocr.ch_ppocr_det import TextDetector
from rapidocr.ch_ppocr_rec import TextRecInput, TextRecognizer
from rapidocr.ch_ppocr_rec.utils import CTCLabelDecode
from rapidocr.utils.parse_parameters import ParseParams
from rapidocr.utils.process_img import (
    apply_vertical_padding,
    get_rotate_crop_image,
)

from docwarden.engines.base import Engine, JobInput, is_gpu_out_of_memory
from docwarden.engines.images import open_image
from docwarden.engines.ocr.models import (
    CONFIG_PATH,
    LATIN_OUTPUT,
    TOP1_OUTPUT,
    det_model_path,
    latin_rec_path,
    model_path,
    rec_model_path,
)
from docwarden.engines.ocr.prep import Box, prepare, reading_order, to_bgr_array, unscale_box
from docwarden.engines.ocr.printed import (
    Crop,
    LatinFirst,
    PrintTextRecognizer,
    Reader,
    Reading,
)
from docwarden.errors import GpuMemory, InvalidInput, UnsupportedMediaType
from docwarden.jobdata import EngineResult
from docwarden.media import sniff
from docwarden.settings import Device, OcrPrecision, Settings

SAMPLE_TEXT = "docwarden 123"
# Lines recognised one at a time: a batch is padded to its widest line, and a page's
# lines differ in length (bench/accuracy/pdf.py, scanned: rec -25 % against batches of 6
# on one thread, no slower on two).
REC_BATCH = 1
# rapidocr pads every line to at least 320 px (48 px high): a table cell or an ID card
# field of two characters then costs as much as a line of twenty.  Read at its own width
# (an upright scanned page: OCR -16 %; bench/accuracy: same CER and card fields).
REC_HEIGHT_PX, REC_MIN_WIDTH_PX = 48, 48
# A caller that knows its text's glyph height (a scanned page's ink) lets the detector
# see large print no larger than needed: glyphs of this height at its input, above the
# ~8 px that dense 10 pt body text at 200 dpi gets within OCR_DET_LIMIT_SIDE_PX.  Only
# a copy of at most half the pixels is worth it: smaller savings moved lines about.
DET_GLYPH_PX = 12.0
DET_MIN_SAVING = 0.5
# ... nor ever below a quarter of the bound's scale: a glyph height misjudged (a page of
# large blobs of ink, a picture) must not shrink small text out of sight.
DET_MIN_SHARE = 0.25
RawLine = tuple[list[list[float]], str, float]


class _Top1Decode(CTCLabelDecode):
    """CTC decoding of a recogniser that returns only each time step's top class
    (probability, index): docwarden's int8 build (models.TOP1_OUTPUT).  rapidocr's
    decoder takes the argmax and max of every class's probability itself."""

    def __init__(self, ctc: CTCLabelDecode) -> None:
        # ctc's character list already holds the blank and space its __init__ adds.
        self.character, self.dict = ctc.character, ctc.dict

    def __call__(self, preds: npt.NDArray[Any], return_word_box: bool = False,
                 **kwargs: Any) -> tuple[list[tuple[str, float]], list[Any]]:
        top1 = preds  # (batch, steps, [probability, index])
        return self.decode(
            top1[..., 1].astype(np.int64), top1[..., 0], return_word_box,
            kwargs.get("wh_ratio_list", (1.0,)), kwargs.get("max_wh_ratio", 1.0),
            remove_duplicate=True)


def _decoding_its_output(recognizer: TextRecognizer) -> TextRecognizer:
    """The recogniser, set to decode what its model returns (all classes or the top one)."""
    if recognizer.session.session.get_outputs()[0].name in (TOP1_OUTPUT, LATIN_OUTPUT):
        recognizer.postprocess_op = _Top1Decode(recognizer.postprocess_op)
    return recognizer


@dataclass(frozen=True)
class _Models:
    """The three loaded PP-OCR stages; immutable once built, shared by all threads."""

    det: TextDetector
    cls: TextClassifier
    rec: TextRecognizer
    print_rec: TextRecognizer  # the same model, lines framed smaller (printed pages)
    latin_rec: TextRecognizer | None  # the int8 model's Latin build, framed as print_rec


@dataclass(frozen=True)
class OcrLine:
    """One recognised line: text, recogniser confidence, 4 corner points (input pixels)."""

    text: str
    score: float
    box: Box


@dataclass(frozen=True)
class OrtMemoryOptions:
    """onnxruntime allocation options; the defaults come from bench/memory/ocr.py.

    300 varied jobs, one thread: with the CPU arena on RSS climbed from 214 to
    541 MiB and stayed there; arena off held at ~415 MiB (up to 256 MiB of it
    freed memory the worker keeps for the next job, WORKER_RETAIN_FREE_MB;
    peak ~460 MiB) for 0-3 % more CPU per job.  Memory patterns made no
    measurable difference either way; off drops a per-input-shape cache that
    dynamic OCR shapes never reuse.
    """

    cpu_mem_arena: bool = False
    mem_pattern: bool = False


DEFAULT_ORT_OPTIONS = OrtMemoryOptions()


def sample_image() -> Image.Image:
    """A small white image with black printed text, drawn with Pillow's built-in font."""
    image = Image.new("RGB", (640, 160), "white")
    font = ImageFont.load_default(size=64)
    ImageDraw.Draw(image).text((24, 40), SAMPLE_TEXT, fill="black", font=font)
    return image


def execution_providers(device: Device) -> list[str]:
    """CUDA when asked for and present (onnxruntime-gpu, extra `gpu`), else the CPU.

    Asking for CUDA without it fails the load with a clear error instead of
    silently running on the CPU with GPU settings.
    """
    if device is not Device.CUDA:
        return ["CPUExecutionProvider"]
    available = ort.get_available_providers()
    if "CUDAExecutionProvider" not in available:
        raise RuntimeError(
            "DOCWARDEN_DEVICE=cuda but onnxruntime has no CUDAExecutionProvider "
            f"(available: {', '.join(available)}); install the extra: pip install 'docwarden[gpu]'"
        )
    return ["CUDAExecutionProvider", "CPUExecutionProvider"]


class OcrEngine(Engine):
    name: ClassVar[str] = "ocr"
    # Measured: ~200 MiB after load; jobs add up to ~190 MiB (jemalloc) / ~500 MiB (glibc).
    thread_safe: ClassVar[bool] = True

    def __init__(
        self, settings: Settings, ort_options: OrtMemoryOptions = DEFAULT_ORT_OPTIONS,
        precision: OcrPrecision = OcrPrecision.FP32,
    ) -> None:
        """`precision`: the PDF engine reads print with the int8 detector and recogniser
        (faster); photos keep fp32, which int8 read less well (models.py, README "OCR")."""
        super().__init__(settings)
        self.ort_options = ort_options
        self.precision = precision
        self._models: _Models | None = None
        self._text_score = 0.5
        self._cls_thresh = 0.9
        self._pad_ratio = 8.0
        self._pad_min_height_px = 30.0

    def load(self) -> None:
        logging.getLogger("RapidOCR").setLevel(logging.WARNING)
        base = ParseParams.load(CONFIG_PATH)
        det_limits = {"limit_type": "max", "limit_side_len": self.settings.ocr_det_limit_side_px}
        rec_overrides = {"font_path": None, "rec_batch_num": REC_BATCH,
                         "rec_img_shape": [3, REC_HEIGHT_PX, REC_MIN_WIDTH_PX]}
        rec = self._component_config(base.Rec, rec_model_path(
            base.Rec, self.precision, self.settings.device), rec_overrides)
        latin = latin_rec_path(self.precision, self.settings.device)
        det = det_model_path(base.Det, self.precision, self.settings.device)
        self._models = _Models(
            det=TextDetector(self._component_config(base.Det, det, det_limits)),
            cls=TextClassifier(self._component_config(base.Cls, model_path(base.Cls), {})),
            rec=_decoding_its_output(TextRecognizer(rec)),
            print_rec=_decoding_its_output(PrintTextRecognizer(rec)),
            latin_rec=None if latin is None else _decoding_its_output(PrintTextRecognizer(
                self._component_config(base.Rec, latin, rec_overrides))),
        )
        self._text_score = float(base.Global.text_score)
        self._cls_thresh = float(base.Cls.cls_thresh)
        self._pad_ratio = float(base.Global.width_height_ratio)
        self._pad_min_height_px = float(base.Global.min_height)
        # Warm-up: first-run allocations happen before ready (the Latin build's session
        # is the only one a printed read adds; print_rec shares rec's).
        self.recognize(sample_image())
        if self._models.latin_rec is not None:
            self.recognize(sample_image(), upright=True, printed=True)

    def _session_options(self) -> ort.SessionOptions:
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.intra_op_num_threads = self.settings.intra_op_threads
        options.inter_op_num_threads = 1
        options.enable_cpu_mem_arena = self.ort_options.cpu_mem_arena
        options.enable_mem_pattern = self.ort_options.mem_pattern
        # Idle pool threads must not spin on CPU that other workers need.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return options

    def _component_config(
        self, section: DictConfig, path: Path, overrides: dict[str, Any]
    ) -> dict[str, Any]:
        """A det/cls/rec config carrying our own session (RapidOCR's `session` hook).

        rapidocr annotates these configs as dicts but reads them as DictConfig
        (attribute access), hence a DictConfig that allows the session object.
        """
        session = ort.InferenceSession(
            str(path),
            sess_options=self._session_options(),
            providers=execution_providers(self.settings.device),
        )
        values = OmegaConf.to_container(section)
        if not isinstance(values, dict):
            raise TypeError(f"rapidocr config section is not a mapping: {values!r}")
        values.update(overrides)
        config = OmegaConf.create({}, flags={"allow_objects": True})
        for key, value in values.items():
            config[key] = value
        config["session"] = session
        return cast("dict[str, Any]", config)

    def run(self, job: JobInput) -> EngineResult:
        data = job.data
        if not data:
            raise InvalidInput("no image: send the image bytes as the job's file")
        if not sniff(data).is_image:
            raise UnsupportedMediaType("the ocr engine reads images; send PDFs to the pdf engine")
        image = open_image(data, self.settings.max_image_pixels)
        lines = self.recognize(image)
        return {
            "text": "\n".join(line.text for line in lines),
            "lines": [asdict(line) for line in lines],
            "width": image.width,
            "height": image.height,
        }

    def recognize(self, image: Image.Image, *, upright: bool = False,
                  glyph_px: float | None = None, printed: bool = False,
                  latin_first: bool = True) -> list[OcrLine]:
        """Lines of an upright PIL image (any mode), in reading order, boxes in its pixels.

        `upright`: the caller knows which way is up (a page it turned itself), so no
        line is turned by the angle classifier; it then neither costs its pass nor
        reads an upside-down page line by line in reverse order.  `glyph_px`: the
        height of the image's smaller glyphs, when the caller has measured it; large
        print is then detected on a smaller copy (DET_GLYPH_PX).  `printed`: a page of
        print (a scan), whose lines are recognised framed smaller and faster
        (REC_PRINT_TEXT_HEIGHT_PX), read Latin-first (printed.py) unless `latin_first` is
        off because the caller has seen other scripts on the page.
        """
        if image.width < 1 or image.height < 1:
            return []
        prepared = prepare(image, self.settings.ocr_max_side_px)
        det_glyph_px = None if glyph_px is None else glyph_px * prepared.scale_y
        try:
            found = self._ocr(to_bgr_array(prepared.image), upright, det_glyph_px,
                              printed, latin_first)
        except Exception as exc:
            if is_gpu_out_of_memory(exc):
                raise GpuMemory(f"the GPU ran out of memory during OCR: {exc}") from None
            raise
        lines = [
            OcrLine(text, score, unscale_box(points, prepared, image.width, image.height))
            for points, text, score in found
        ]
        return [lines[index] for index in reading_order([line.box for line in lines])]

    def _ocr(self, bgr: npt.NDArray[np.uint8], upright: bool = False,
             glyph_px: float | None = None, printed: bool = False,
             latin_first: bool = True) -> list[RawLine]:
        """det -> crop -> angle cls -> rec on a prepared image; boxes in its pixels."""
        models = self._loaded()
        padded, record = apply_vertical_padding(bgr, {}, self._pad_ratio, self._pad_min_height_px)
        top_px = float(record["padding_1"]["top"])
        boxes = self._detect(models, padded, glyph_px)
        if not boxes:
            return []
        crops = [get_rotate_crop_image(padded, box) for box in boxes]
        read = self._reader(models, printed, latin_first)
        readings = read(crops) if upright else self._read_crops(models, read, crops)
        lines: list[RawLine] = []
        for box, (text, score) in zip(boxes, readings, strict=True):
            if text.strip() and score >= self._text_score:
                points = [[float(x), float(y) - top_px] for x, y in box]
                lines.append((points, text, round(score, 4)))
        return lines

    def _detect(self, models: _Models, bgr: npt.NDArray[np.uint8],
                glyph_px: float | None) -> list[npt.NDArray[np.float32]]:
        """Line boxes in `bgr`'s pixels, found on a smaller copy when its glyphs are
        larger than the detector needs (and its side bound would not shrink it as far)."""
        height, width = bgr.shape[:2]
        bound = min(1.0, self.settings.ocr_det_limit_side_px / max(height, width))
        scale = 1.0 if glyph_px is None or glyph_px <= 0 else max(
            DET_GLYPH_PX / glyph_px, DET_MIN_SHARE * bound)
        if (scale / bound) ** 2 > DET_MIN_SAVING:
            found = models.det(bgr).boxes
            return [] if found is None else [box.astype(np.float32) for box in found]
        size = (max(round(width * scale), 1), max(round(height * scale), 1))
        found = models.det(cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)).boxes
        back = np.array([width / size[0], height / size[1]], dtype=np.float32)
        return [] if found is None else [box.astype(np.float32) * back for box in found]

    def _loaded(self) -> _Models:
        if self._models is None:
            raise RuntimeError("OcrEngine.load() must run before recognising")
        return self._models

    @staticmethod
    def _reader(models: _Models, printed: bool, latin_first: bool) -> Reader:
        """How lines are read: print Latin-first (printed.py) when the Latin build is
        loaded, else all lines at once by the recogniser for their kind."""
        if printed and latin_first and models.latin_rec is not None:
            return LatinFirst(models.latin_rec, models.print_rec)
        return partial(OcrEngine._read, models.print_rec if printed else models.rec)

    @staticmethod
    def _read(rec: TextRecognizer, crops: list[Crop]) -> list[Reading]:
        recognised = rec(TextRecInput(img=crops))
        texts, scores = recognised.txts or (), recognised.scores or ()
        readings = [(str(t), float(s)) for t, s in zip(texts, scores, strict=True)]
        if len(readings) != len(crops):
            raise RuntimeError(f"recogniser returned {len(readings)} results for {len(crops)}")
        return readings

    def _read_crops(self, models: _Models, read: Reader, crops: list[Crop]) -> list[Reading]:
        """Text and score per crop, upright as the angle classifier says, when it is right.

        The classifier squeezes a line into 192x48 px and calls long lines
        upside-down with high confidence; a crop it turned is therefore read
        both ways and the reading the recogniser is surer of wins.
        """
        classified = models.cls(crops)
        upright, labels = classified.img_list or [], classified.cls_res or []
        turned = [
            index
            for index, (label, score) in enumerate(labels)
            if "180" in label and score > self._cls_thresh
        ]
        readings = read(list(upright) + [crops[index] for index in turned])
        for offset, index in enumerate(turned):
            as_is = readings[len(crops) + offset]
            if as_is[1] > readings[index][1]:
                readings[index] = as_is
        return readings[: len(crops)]

    def sample_job(self) -> JobInput:
        buffer = io.BytesIO()
        sample_image().save(buffer, format="PNG")
        return JobInput(data=buffer.getvalue())

    def close(self) -> None:
        self._models = None
