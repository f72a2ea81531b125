"""Build the int8 text recogniser docwarden ships (PDF_OCR_PRECISION=int8).

The recogniser is ~90 % of a scanned page's time and its convolutions run
~1.7x faster as int8 on onnxruntime's CPU kernels.  This script turns the
rapidocr wheel's fp32 PP-OCRv6 recogniser into a static (calibrated) int8 QDQ
model, per-channel weights, and writes it where the engine loads it from:

    python -m tools.quantize_rec            # needs the `onnx` package

Calibration inputs are the recogniser's own inputs (lines framed as printed
text) while docwarden reads scans: the ones under tests/data and pages printed
from its generated PDFs, Latin and Chinese, so a clone rebuilds the same file.
Calibrating on photos as well (ID card fields) widened the ranges and cost
printed text accuracy (token F1 0.997 -> 0.995 on the real-set scans, bullets
lost on slides); printed pages are all the int8 model reads.  Keeping the first
convolutions and the classifier in fp32 was slower and no more accurate.  The
character list (model metadata) is copied over; rapidocr reads it from there.

The model's last step is cut down (`top1_head`): instead of all 18,710 classes'
probabilities per time step (a quantized softmax, a float copy of ~75 KB a step
and a NumPy argmax over it: ~12 % of the recogniser's time) it returns only the
top class's probability and index, all CTC decoding needs.  A second file,
the same model with that last layer cut to the Latin classes (`latin_head`), reads
Latin print ~13 % faster (engines/ocr/printed.py says when it may).
README "OCR" and "PDF to Markdown" have the figures.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnx
from onnx import TensorProto, helper, numpy_helper, version_converter
from onnxruntime.quantization import (
    CalibrationDataReader,
    QuantFormat,
    QuantType,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import quant_pre_process

from bench.accuracy.pdf_scans import UNREAD_SCRIPTS, rasterize
from docwarden.engines.base import JobInput
from docwarden.engines.ocr import models
from docwarden.engines.ocr.engine import OcrEngine
from docwarden.engines.pdf import PdfEngine
from docwarden.settings import RecPrecision, Settings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
PER_CHANNEL_OPSET = 13  # DequantizeLinear's axis (per-channel weights) needs opset 13
MAX_CALIBRATION_LINES = 600


class _Recording:
    """An onnxruntime session that keeps a copy of every input it runs on."""

    def __init__(self, session: Any, seen: list[npt.NDArray[np.float32]]) -> None:
        self._session, self._seen = session, seen

    def run(self, names: Any, feeds: dict[str, npt.NDArray[np.float32]]) -> Any:
        self._seen.extend(x.copy() for x in feeds.values())
        return self._session.run(names, feeds)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


def calibration_inputs() -> list[npt.NDArray[np.float32]]:
    """The fp32 recogniser's inputs (printed lines) while docwarden reads scans."""
    seen: list[npt.NDArray[np.float32]] = []
    pdf = PdfEngine(Settings(pdf_ocr_precision=RecPrecision.FP32))
    pdf.load()
    pdf.recognizer()
    ocr = pdf._ocr  # a build tool may reach inside: the recogniser's session is recorded
    assert isinstance(ocr, OcrEngine) and ocr._models is not None
    recognizer = ocr._models.print_rec
    recognizer.session.session = _Recording(recognizer.session.session, seen)
    with tempfile.TemporaryDirectory() as tmp:
        for scan in calibration_scans(Path(tmp)):
            pdf.run(JobInput(data=scan.read_bytes()))
    pdf.close()
    pick = np.random.default_rng(0).permutation(len(seen))[:MAX_CALIBRATION_LINES]
    return [seen[i] for i in sorted(pick)]


def calibration_scans(folder: Path) -> list[Path]:
    """Printed pages as scans: the shipped scans, and the generated PDFs' `tune` part and
    development set printed to 200 dpi (the real set's holdout and fresh parts are left
    for bench/accuracy/pdf.py --scans to judge the result on)."""
    generated = DATA / "pdf" / "generated"
    sources = [*sorted((generated / "realset").glob("tune_*.pdf")),
               *sorted((generated / "devset").glob("*.pdf")), generated / "cjk_text.pdf"]
    scans = sorted((DATA / "pdf" / "docling" / "scanned").glob("*.pdf"))
    for source in sources:
        if not any(script in source.name for script in UNREAD_SCRIPTS):
            rasterize(source, folder / source.name)
            scans.append(folder / source.name)
    return scans


class _Reader(CalibrationDataReader):  # type: ignore[misc]  # onnxruntime is untyped
    def __init__(self, input_name: str, inputs: list[npt.NDArray[np.float32]]) -> None:
        self._feeds: Iterator[dict[str, npt.NDArray[np.float32]]] = (
            {input_name: x} for x in inputs)

    def get_next(self) -> dict[str, npt.NDArray[np.float32]] | None:
        return next(self._feeds, None)


def quantize(source: Path, target: Path, inputs: list[npt.NDArray[np.float32]]) -> None:
    model = onnx.load(str(source))
    input_name = model.graph.input[0].name
    with tempfile.TemporaryDirectory() as tmp:
        upgraded, prepared = Path(tmp) / "opset13.onnx", Path(tmp) / "prepared.onnx"
        onnx.save(version_converter.convert_version(model, PER_CHANNEL_OPSET), str(upgraded))
        quant_pre_process(str(upgraded), str(prepared), skip_symbolic_shape=True)
        quantize_static(str(prepared), str(target), _Reader(input_name, inputs),
                        quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    quantized = onnx.load(str(target))
    top1_head(quantized)
    helper.set_model_props(quantized, {p.key: p.value for p in model.metadata_props})
    onnx.save(quantized, str(target))
    onnx.save(latin_head(quantized), str(target.with_name(models.LATIN_REC_PATH.name)))


def top1_head(model: onnx.ModelProto) -> None:
    """End the graph in each time step's top class (probability, index as float) in place
    of the quantized softmax over every class: the same argmax, read from the same
    logits, and a probability the float softmax gives more exactly than the uint8 one."""
    graph = model.graph
    (output,) = graph.output
    made_by = {name: node for node in graph.node for name in node.output}
    dequantize = made_by[output.name]
    quantize = made_by[dequantize.input[0]]
    softmax = made_by[quantize.input[0]]
    if (softmax.op_type, quantize.op_type, dequantize.op_type) != (
            "Softmax", "QuantizeLinear", "DequantizeLinear"):
        raise RuntimeError("the quantized recogniser does not end in a quantized softmax")
    graph.node.remove(quantize)
    graph.node.remove(dequantize)
    graph.initializer.extend([helper.make_tensor("top1_k", TensorProto.INT64, [1], [1])])
    probs = softmax.output[0]
    graph.node.extend([
        helper.make_node("TopK", [probs, "top1_k"], ["top1_prob", "top1_index"], axis=-1),
        helper.make_node("Cast", ["top1_index"], ["top1_index_float"], to=TensorProto.FLOAT),
        helper.make_node("Concat", ["top1_prob", "top1_index_float"], [models.TOP1_OUTPUT],
                         axis=-1),
    ])
    used = {name for node in graph.node for name in node.input}
    kept = [tensor for tensor in graph.initializer if tensor.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    steps = [d.dim_param or d.dim_value for d in output.type.tensor_type.shape.dim[:2]]
    graph.output.remove(output)
    graph.output.extend([helper.make_tensor_value_info(
        models.TOP1_OUTPUT, TensorProto.FLOAT, [*steps, 2])])
    onnx.checker.check_model(model)


def latin_head(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of a top1_head model whose last layer computes only models.latin_classes.

    Every weight with a class axis (the layer's weights, their per-class scales and
    zero points, its bias) keeps those classes; the top index is mapped back to the
    full model's class, so decoding is unchanged; and each step's top logit is
    returned third: a glyph the cut layer has no class for shows as a step where no
    kept class scores high (engines/ocr/printed.py).
    """
    latin = onnx.ModelProto()
    latin.CopyFrom(model)
    graph = latin.graph
    characters = {p.key: p.value for p in latin.metadata_props}["character"].splitlines()
    kept = np.array(models.latin_classes(characters), dtype=np.int64)
    classes = len(characters) + 2
    for index, tensor in enumerate(graph.initializer):
        if classes in tensor.dims:
            array = numpy_helper.to_array(tensor)
            cut = np.take(array, kept, axis=list(tensor.dims).index(classes))
            graph.initializer[index].CopyFrom(numpy_helper.from_array(cut, tensor.name))
    shaped = [info for info in graph.value_info
              if classes in [d.dim_value for d in info.type.tensor_type.shape.dim]]
    for info in shaped:  # shapes recorded for every class; onnxruntime re-infers them
        graph.value_info.remove(info)
    by_op = {node.op_type: node for node in graph.node}
    cast, softmax, concat = by_op["Cast"], by_op["Softmax"], by_op["Concat"]
    graph.initializer.append(numpy_helper.from_array(kept.astype(np.float32), "latin_classes"))
    graph.node.insert(list(graph.node).index(cast), helper.make_node(
        "Gather", ["latin_classes", cast.input[0]], list(cast.output), axis=0))
    graph.node.remove(cast)
    graph.node.insert(list(graph.node).index(concat), helper.make_node(
        "ReduceMax", [softmax.input[0]], ["top1_logit"], axes=[-1], keepdims=1))
    concat.input.append("top1_logit")
    concat.output[0] = models.LATIN_OUTPUT
    (output,) = graph.output
    steps = [d.dim_param or d.dim_value for d in output.type.tensor_type.shape.dim[:2]]
    graph.output.remove(output)
    graph.output.extend([helper.make_tensor_value_info(
        models.LATIN_OUTPUT, TensorProto.FLOAT, [*steps, 3])])
    onnx.checker.check_model(latin)
    return latin


def main() -> int:
    source, target = models.fp32_rec_path(), models.INT8_REC_PATH
    inputs = calibration_inputs()
    print(f"calibrating on {len(inputs)} recogniser inputs")
    quantize(source, target, inputs)
    for built in (target, models.LATIN_REC_PATH):
        print(f"wrote {built} ({built.stat().st_size / 2**20:.1f} MiB) from {source.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
