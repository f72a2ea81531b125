"""Build the int8 OCR models docwarden reads scanned pages with (PDF_OCR_PRECISION=int8).

The recogniser is ~80 % of a scanned page's time and the detector most of the rest;
their convolutions run 2-3x faster as int8 on onnxruntime's CPU kernels.  This
script turns the rapidocr wheel's fp32 PP-OCRv6 detector and recogniser into static
(calibrated) int8 QDQ models, per-channel weights, and writes them where the engine
loads them from:

    python -m tools.quantize_ocr            # needs the `onnx` package

Calibration inputs are each model's own inputs (pages for the detector, lines framed
as printed text for the recogniser) while docwarden reads scans: the ones under
tests/data and pages printed from its generated PDFs, Latin and Chinese, so a clone
rebuilds the same files.  Calibrating on photos as well (ID card fields) widened the
ranges and cost printed text accuracy (token F1 0.997 -> 0.995 on the real-set scans,
bullets lost on slides); printed pages are all the int8 models read.  Keeping the
first convolutions and the classifier in fp32 was slower and no more accurate.  The
character list (model metadata) is copied over; rapidocr reads it from there.

Both models spell GELU out in five elementwise nodes (x / sqrt 2, Erf, + 1, * x,
* 0.5).  Quantized as they stand, each of those became its own quantized or float
step with a quantize and dequantize around it: ~40 % of the int8 recogniser's time.
`fuse_gelu` first folds each into one onnxruntime Gelu node, which is left in float
between one dequantize and one quantize (one thread: the recogniser 34 -> 26 ms for
a line 800 px wide, the detector 0.17-0.19 -> 0.15 s for a 960 x 736 page; fp32 63 ms
and 0.26 s).

The recogniser's last step is cut down (`top1_head`): instead of all 18,710 classes'
probabilities per time step (a quantized softmax, a float copy of ~75 KB a step
and a NumPy argmax over it: ~12 % of the recogniser's time) it returns only the
top class's probability and index, all CTC decoding needs.  A second file,
the same model with that last layer cut to the Latin classes (`latin_head`), reads
Latin print ~13 % faster (engines/ocr/printed.py says when it may).
README "OCR" and "PDF to Markdown" have the figures.
"""

from __future__ import annotations

import math
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
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
from docwarden.settings import OcrPrecision, Settings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
PER_CHANNEL_OPSET = 13  # DequantizeLinear's axis (per-channel weights) needs opset 13
MAX_CALIBRATION_LINES = 600
MAX_CALIBRATION_PAGES = 80
MS_DOMAIN = "com.microsoft"  # onnxruntime's own operators (Gelu)


class _Recording:
    """An onnxruntime session that keeps a copy of every input it runs on."""

    def __init__(self, session: Any, seen: list[npt.NDArray[np.float32]]) -> None:
        self._session, self._seen = session, seen

    def run(self, names: Any, feeds: dict[str, npt.NDArray[np.float32]]) -> Any:
        self._seen.extend(x.copy() for x in feeds.values())
        return self._session.run(names, feeds)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


@dataclass(frozen=True)
class Calibration:
    """What the fp32 detector and recogniser were run on while docwarden read scans."""

    pages: list[npt.NDArray[np.float32]]
    lines: list[npt.NDArray[np.float32]]


def calibration_inputs() -> Calibration:
    """The fp32 detector's and recogniser's inputs (pages, printed lines) on scans."""
    pages: list[npt.NDArray[np.float32]] = []
    lines: list[npt.NDArray[np.float32]] = []
    pdf = PdfEngine(Settings(pdf_ocr_precision=OcrPrecision.FP32))
    pdf.load()
    pdf.recognizer()
    ocr = pdf._ocr  # a build tool may reach inside: the models' sessions are recorded
    assert isinstance(ocr, OcrEngine) and ocr._models is not None
    for stage, seen in ((ocr._models.det, pages), (ocr._models.print_rec, lines)):
        stage.session.session = _Recording(stage.session.session, seen)
    with tempfile.TemporaryDirectory() as tmp:
        for scan in calibration_scans(Path(tmp)):
            pdf.run(JobInput(data=scan.read_bytes()))
    pdf.close()
    return Calibration(_sample(pages, MAX_CALIBRATION_PAGES), _sample(lines, MAX_CALIBRATION_LINES))


def _sample(inputs: list[npt.NDArray[np.float32]], most: int) -> list[npt.NDArray[np.float32]]:
    """At most `most` of `inputs`, the same ones on every run, in their order."""
    pick = np.random.default_rng(0).permutation(len(inputs))[:most]
    return [inputs[i] for i in sorted(pick)]


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
    """The int8 recogniser and, beside it, its Latin build."""
    quantized = _quantized(source, target, inputs)
    top1_head(quantized)
    onnx.save(quantized, str(target))
    onnx.save(latin_head(quantized), str(target.with_name(models.LATIN_REC_PATH.name)))


def quantize_detector(source: Path, target: Path,
                      inputs: list[npt.NDArray[np.float32]]) -> None:
    """The int8 detector: its probability map is the wheel's, so rapidocr's
    post-processing reads it unchanged."""
    onnx.save(_quantized(source, target, inputs), str(target))


def _quantized(source: Path, target: Path,
               inputs: list[npt.NDArray[np.float32]]) -> onnx.ModelProto:
    """The model at `source` as static int8 QDQ (per-channel weights, uint8 activations
    calibrated on `inputs`), its GELUs fused first and its metadata (the recogniser's
    character list) kept; quantize_static writes a first copy to `target`."""
    model = onnx.load(str(source))
    input_name = model.graph.input[0].name
    with tempfile.TemporaryDirectory() as tmp:
        upgraded, prepared = Path(tmp) / "opset13.onnx", Path(tmp) / "prepared.onnx"
        onnx.save(version_converter.convert_version(model, PER_CHANNEL_OPSET), str(upgraded))
        quant_pre_process(str(upgraded), str(prepared), skip_symbolic_shape=True)
        fused = onnx.load(str(prepared))
        fuse_gelu(fused)
        onnx.save(fused, str(prepared))
        quantize_static(str(prepared), str(target), _Reader(input_name, inputs),
                        quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    quantized = onnx.load(str(target))
    helper.set_model_props(quantized, {p.key: p.value for p in model.metadata_props})
    return quantized


def fuse_gelu(model: onnx.ModelProto) -> int:
    """Fold each GELU spelled out as x * (Erf(x / sqrt 2) + 1) * 0.5 into one onnxruntime
    Gelu node (module docstring); returns how many were folded."""
    graph = model.graph
    made_by = {name: node for node in graph.node for name in node.output}
    used_by: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            used_by.setdefault(name, []).append(node)
    constants = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    folded = 0
    for erf in [node for node in graph.node if node.op_type == "Erf"]:
        chain = _gelu_chain(erf, made_by, used_by, constants)
        if chain is None:
            continue
        divide, *_, half = chain
        at = list(graph.node).index(divide)
        for node in chain:
            graph.node.remove(node)
        graph.node.insert(at, helper.make_node(
            "Gelu", [divide.input[0]], [half.output[0]], name=f"gelu_{folded}",
            domain=MS_DOMAIN))
        folded += 1
    if folded and all(o.domain != MS_DOMAIN for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid(MS_DOMAIN, 1))
    return folded


def _gelu_chain(erf: onnx.NodeProto, made_by: dict[str, onnx.NodeProto],
                used_by: dict[str, list[onnx.NodeProto]],
                constants: dict[str, npt.NDArray[Any]]) -> list[onnx.NodeProto] | None:
    """Div(x, sqrt 2) -> Erf -> Add(1) -> Mul(x) -> Mul(0.5) around `erf`, or None when
    the nodes around it are not that (or an inner result is used elsewhere)."""
    def only_user(node: onnx.NodeProto, op_type: str) -> onnx.NodeProto | None:
        users = used_by.get(node.output[0], [])
        return users[0] if len(users) == 1 and users[0].op_type == op_type else None

    def constant(node: onnx.NodeProto, value: float) -> bool:
        found = [constants[name] for name in node.input if name in constants]
        return len(found) == 1 and found[0].size == 1 and abs(float(found[0]) - value) < 1e-4

    divide = made_by.get(erf.input[0])
    add = only_user(erf, "Add")
    times_x = None if add is None else only_user(add, "Mul")
    half = None if times_x is None else only_user(times_x, "Mul")
    if divide is None or divide.op_type != "Div" or add is None or times_x is None or (
            half is None or len(used_by.get(divide.output[0], [])) != 1):
        return None
    x = divide.input[0]
    if not (divide.input[1] in constants and constant(divide, math.sqrt(2))
            and constant(add, 1.0) and x in times_x.input and constant(half, 0.5)):
        return None
    return [divide, erf, add, times_x, half]


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
    inputs = calibration_inputs()
    print(f"calibrating on {len(inputs.pages)} detector and {len(inputs.lines)} "
          "recogniser inputs")
    quantize_detector(models.fp32_det_path(), models.INT8_DET_PATH, inputs.pages)
    quantize(models.fp32_rec_path(), models.INT8_REC_PATH, inputs.lines)
    for built in (models.INT8_DET_PATH, models.INT8_REC_PATH, models.LATIN_REC_PATH):
        print(f"wrote {built} ({built.stat().st_size / 2**20:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
