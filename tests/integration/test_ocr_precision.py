"""The int8 detector and recogniser scanned PDF pages are read with (PDF_OCR_PRECISION).

Built by tools/quantize_ocr.py; bench/accuracy measures what it costs in accuracy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pytest
from PIL import Image, ImageDraw, ImageFont

from docwarden.engines.base import JobInput
from docwarden.engines.ocr import models
from docwarden.engines.ocr.engine import OcrEngine
from docwarden.engines.pdf import PdfEngine
from docwarden.settings import Device, OcrPrecision, Settings

SCAN = Path(__file__).resolve().parents[1] / "data" / "pdf" / "docling" / "scanned" / (
    "ocr_test_rotated_90.pdf")
SENTENCE = ("Docling bundles PDF document conversion to JSON and Markdown in an easy self "
            "contained package")
LINES = ["Invoice 2024-117: total due 1,482.50 EUR",
         "Questions? Write to billing@example.org",
         "The quick brown fox jumps over the lazy dog."]


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


def test_the_int8_model_returns_only_each_steps_top_class() -> None:
    session = ort.InferenceSession(str(models.INT8_REC_PATH), providers=["CPUExecutionProvider"])
    (output,) = session.get_outputs()
    assert output.name == models.TOP1_OUTPUT and output.shape[-1] == 2


def test_the_top1_head_decodes_as_every_class_would() -> None:
    """tools/quantize_ocr.top1_head on a graph ending as the quantized recogniser does
    (quantized logits, softmax, quantized probabilities): the same characters, and
    each step's probability from the float softmax of the same logits."""
    from onnx import TensorProto, helper
    from rapidocr.ch_ppocr_rec.utils import CTCLabelDecode

    from docwarden.engines.ocr.engine import _Top1Decode
    from tools.quantize_ocr import top1_head

    classes = 40
    qdq = [("logits", "q_logits", "s_in", "z_in"), ("probs", "q_probs", "s_out", "z_out")]
    nodes = []
    for name, quantized, scale, zero in qdq:
        nodes += [helper.make_node("QuantizeLinear", [f"{name}_in", scale, zero], [quantized]),
                  helper.make_node("DequantizeLinear", [quantized, scale, zero],
                                   ["softmax_in" if name == "logits" else "out"])]
    nodes.insert(2, helper.make_node("Softmax", ["softmax_in"], ["probs_in"], axis=-1))
    graph = helper.make_graph(
        nodes, "head", [helper.make_tensor_value_info("logits_in", TensorProto.FLOAT,
                                                      ["b", "t", classes])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, ["b", "t", classes])],
        [helper.make_tensor("s_in", TensorProto.FLOAT, [], [0.1]),
         helper.make_tensor("z_in", TensorProto.UINT8, [], [128]),
         helper.make_tensor("s_out", TensorProto.FLOAT, [], [1 / 255]),
         helper.make_tensor("z_out", TensorProto.UINT8, [], [0])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    top1_head(model)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    logits = np.random.default_rng(1).normal(0, 4, (3, 30, classes)).astype(np.float32)
    logits[:, ::3, 0] += 12  # blanks between characters, as a CTC model emits
    (top1,) = session.run(None, {"logits_in": logits})
    assert session.get_outputs()[0].name == models.TOP1_OUTPUT and top1.shape == (3, 30, 2)
    levels = np.clip(np.round(logits / 0.1) + 128, 0, 255)
    probs = np.exp((levels - levels.max(-1, keepdims=True)) * 0.1)
    probs /= probs.sum(-1, keepdims=True)
    assert np.array_equal(top1[..., 1], probs.argmax(-1))
    assert np.allclose(top1[..., 0], probs.max(-1), atol=1e-6)
    ctc = CTCLabelDecode(character=[chr(ord("a") + i) for i in range(classes - 2)])
    assert _Top1Decode(ctc)(top1)[0] == ctc(probs)[0]  # all classes, rapidocr's own way


def _gelu_graph(divisor: float) -> Any:
    """x -> x * (Erf(x / divisor) + 1) * 0.5 -> Relu, as the PP-OCR models spell GELU
    (divisor sqrt 2)."""
    from onnx import TensorProto, helper

    nodes = [helper.make_node("Div", ["x", "root2"], ["scaled"]),
             helper.make_node("Erf", ["scaled"], ["erf"]),
             helper.make_node("Add", ["erf", "one"], ["plus1"]),
             helper.make_node("Mul", ["x", "plus1"], ["times_x"]),
             helper.make_node("Mul", ["times_x", "half"], ["gelu"]),
             helper.make_node("Relu", ["gelu"], ["y"])]
    constants = [helper.make_tensor(name, TensorProto.FLOAT, [], [value])
                 for name, value in (("root2", divisor), ("one", 1.0), ("half", 0.5))]
    graph = helper.make_graph(
        nodes, "gelu", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 50])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 50])], constants)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def test_fuse_gelu_folds_the_spelled_out_gelu_into_one_node_of_the_same_values() -> None:
    from tools.quantize_ocr import fuse_gelu

    model = _gelu_graph(float(np.sqrt(2)))
    x = np.linspace(-6, 6, 100, dtype=np.float32).reshape(2, 50)
    before = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    assert fuse_gelu(model) == 1
    assert [node.op_type for node in model.graph.node] == ["Gelu", "Relu"]
    after = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    assert np.allclose(after.run(None, {"x": x})[0], before.run(None, {"x": x})[0], atol=1e-6)


def test_fuse_gelu_leaves_a_chain_that_is_not_gelu() -> None:
    from tools.quantize_ocr import fuse_gelu

    model = _gelu_graph(2.0)  # x / 2, not x / sqrt 2
    assert fuse_gelu(model) == 0 and len(model.graph.node) == 6


@pytest.mark.parametrize("path", ["INT8_DET_PATH", "INT8_REC_PATH", "LATIN_REC_PATH"])
def test_the_shipped_int8_models_run_gelu_as_one_float_step(path: str) -> None:
    """Quantized as five spelled-out steps, GELU was ~40 % of the int8 recogniser's time
    (tools/quantize_ocr.py): every Erf must have been folded into a Gelu."""
    import onnx

    op_types = [node.op_type for node in onnx.load(str(getattr(models, path))).graph.node]
    assert "Erf" not in op_types and op_types.count("Gelu") >= 10


def test_printed_lines_read_exactly_in_int8(int8: OcrEngine) -> None:
    found = int8.recognize(printed_page(LINES), upright=True, printed=True)
    assert [line.text for line in found] == LINES


def test_scanned_pdf_pages_are_read_in_int8_unless_set_to_fp32(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for path in ("INT8_REC_PATH", "INT8_DET_PATH"):
        with monkeypatch.context() as patch:
            patch.setattr(models, path, tmp_path / "absent.onnx")
            with pytest.raises(RuntimeError, match="DOCWARDEN_PDF_OCR_PRECISION=fp32"):
                PdfEngine(Settings()).recognizer()  # the default reads scans in int8
    monkeypatch.setattr(models, "INT8_REC_PATH", tmp_path / "absent.onnx")
    monkeypatch.setattr(models, "INT8_DET_PATH", tmp_path / "absent.onnx")
    fp32 = PdfEngine(Settings(pdf_ocr_precision=OcrPrecision.FP32))
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
    """tools/quantize_ocr.py end to end, calibrated on one page of printed lines."""
    from tools import quantize_ocr

    fp32 = OcrEngine(Settings())
    fp32.load()
    assert fp32._models is not None
    pages: list[Any] = []
    seen: list[Any] = []
    for stage, inputs in ((fp32._models.det, pages), (fp32._models.print_rec, seen)):
        stage.session.session = quantize_ocr._Recording(stage.session.session, inputs)
    fp32.recognize(printed_page(LINES), upright=True, printed=True)
    assert len(pages) == 1 and len(seen) == len(LINES)
    built, detector = tmp_path / "rec_int8.onnx", tmp_path / "det_int8.onnx"
    quantize_ocr.quantize(models.fp32_rec_path(), built, seen)
    quantize_ocr.quantize_detector(models.fp32_det_path(), detector, pages)
    latin = built.with_name(models.LATIN_REC_PATH.name)  # built beside it
    monkeypatch.setattr(models, "INT8_REC_PATH", built)
    monkeypatch.setattr(models, "LATIN_REC_PATH", latin)
    monkeypatch.setattr(models, "INT8_DET_PATH", detector)
    assert characters(built) == characters(latin) == characters(models.fp32_rec_path())
    int8 = OcrEngine(Settings(), precision=OcrPrecision.INT8)
    int8.load()
    assert int8._models is not None and int8._models.latin_rec is not None
    assert [line.text for line in int8.recognize(printed_page(LINES), upright=True,
                                                 printed=True)] == LINES


def test_a_gpu_reads_scans_with_the_fp32_model(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    """int8 kernels are the CPU's: with DEVICE=cuda the int8 file is not even looked for."""
    from rapidocr.utils.parse_parameters import ParseParams

    monkeypatch.setattr(models, "INT8_REC_PATH", tmp_path / "absent.onnx")
    monkeypatch.setattr(models, "LATIN_REC_PATH", tmp_path / "absent_latin.onnx")
    monkeypatch.setattr(models, "INT8_DET_PATH", tmp_path / "absent_det.onnx")
    config = ParseParams.load(models.CONFIG_PATH)
    section = config.Rec
    assert models.rec_model_path(section, OcrPrecision.INT8, Device.CUDA) == (
        models.fp32_rec_path())
    assert models.det_model_path(config.Det, OcrPrecision.INT8, Device.CUDA) == (
        models.fp32_det_path())
    with pytest.raises(RuntimeError, match="PDF_OCR_PRECISION"):
        models.det_model_path(config.Det, OcrPrecision.INT8, Device.CPU)
    assert models.latin_rec_path(OcrPrecision.INT8, Device.CUDA) is None
    assert models.latin_rec_path(OcrPrecision.FP32, Device.CPU) is None
    with pytest.raises(RuntimeError, match="PDF_OCR_PRECISION"):
        models.rec_model_path(section, OcrPrecision.INT8, Device.CPU)
    with pytest.raises(RuntimeError, match="PDF_OCR_PRECISION"):
        models.latin_rec_path(OcrPrecision.INT8, Device.CPU)
