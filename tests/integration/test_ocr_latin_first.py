"""Print read with the int8 recogniser's Latin build first (engines/ocr/printed.py).

The Latin build must read what the full model reads: Latin lines by itself, and any
line holding a glyph it has no class for (Han, kana, Hangul) through the full model.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper
from PIL import Image, ImageDraw, ImageFont

from docwarden.engines.ocr import models
from docwarden.engines.ocr.engine import OcrEngine
from docwarden.engines.pdf import scanned
from docwarden.engines.pdf.scanned import OcrLineLike
from tests.cardgen import font, fonts_available

DATA = Path(__file__).resolve().parents[1] / "data" / "pdf"
LATIN = ["Invoice 2024-117: total due 1,482.50 EUR", "Questions? Write to billing@example.org"]
MIXED = ["Zhang (张) and Li (李) wrote the first study.",
         "The second page lists the sources.", "Results are given in Section 7."]


class Counted:
    """An onnxruntime session that counts its runs."""

    def __init__(self, session: Any) -> None:
        self.session, self.runs = session, 0

    def run(self, names: Any, feeds: Any) -> Any:
        self.runs += 1
        return self.session.run(names, feeds)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)


def counting(engine: OcrEngine) -> tuple[Counted, Counted]:
    """The Latin build's and the full model's sessions, wrapped to count their runs."""
    loaded = engine._models
    assert loaded is not None and loaded.latin_rec is not None
    latin, full = Counted(loaded.latin_rec.session.session), Counted(
        loaded.print_rec.session.session)
    loaded.latin_rec.session.session, loaded.print_rec.session.session = latin, full
    return latin, full


def page(lines: list[str], face: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> Image.Image:
    image = Image.new("RGB", (1500, 90 * len(lines) + 60), "white")
    draw = ImageDraw.Draw(image)
    for row, text in enumerate(lines):
        draw.text((40, 40 + 90 * row), text, fill="black", font=face)
    return image


def texts(engine: OcrEngine, image: Image.Image, latin_first: bool = True) -> list[str]:
    return [line.text for line in engine.recognize(image, upright=True, printed=True,
                                                   latin_first=latin_first)]


def test_the_latin_build_keeps_the_characters_and_adds_each_steps_logit() -> None:
    def session(path: Path) -> ort.InferenceSession:
        return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])

    latin, full = session(models.LATIN_REC_PATH), session(models.INT8_REC_PATH)
    assert (latin.get_modelmeta().custom_metadata_map["character"]
            == full.get_modelmeta().custom_metadata_map["character"])
    (output,) = latin.get_outputs()
    assert output.name == models.LATIN_OUTPUT and output.shape[-1] == 3


def test_latin_lines_are_read_by_the_latin_build_alone(int8: OcrEngine) -> None:
    latin, full = counting(int8)
    assert texts(int8, page(LATIN, ImageFont.load_default(size=40))) == LATIN
    assert (latin.runs, full.runs) == (len(LATIN), 0)


@pytest.mark.skipif(not fonts_available(), reason="Noto CJK fonts (fonts-noto-cjk) not installed")
def test_a_line_with_han_is_read_by_the_full_model_and_so_are_those_after_it(
    int8: OcrEngine,
) -> None:
    """The Latin build drops 张 and 李 ("Zhang () and Li ()"); the line's low logits send
    it to the full model, which reads them, and the lines after it go there directly."""
    image = page(MIXED, font(34, serif=True))
    full_only = texts(int8, image, latin_first=False)
    latin, full = counting(int8)
    assert texts(int8, image) == full_only
    assert "张" in full_only[0] and "李" in full_only[0]
    assert (latin.runs, full.runs) == (1, len(MIXED))


def test_the_latin_head_scores_only_latin_classes_and_names_them_as_the_full_model(
) -> None:
    """tools/quantize_ocr.latin_head on a small recogniser-like graph (features, a last
    layer with per-class int8 weights and bias, a softmax; top1_head first): each
    step's top class among the kept ones, by its full index, with its logit."""
    from tools.quantize_ocr import latin_head, top1_head

    characters = ["a", "b", "张", "c", "李", "é"]  # classes: blank, these six, space
    classes, width = len(characters) + 2, 5
    rng = np.random.default_rng(3)
    weights = rng.integers(-100, 100, (width, classes)).astype(np.int8)
    scales = rng.uniform(0.01, 0.03, classes).astype(np.float32)
    bias = rng.integers(-20, 20, classes).astype(np.int32)
    model = helper.make_model(helper.make_graph([
        helper.make_node("DequantizeLinear", ["w_q", "w_scale", "w_zero"], ["w"], axis=1),
        helper.make_node("DequantizeLinear", ["b_q", "b_scale"], ["b"]),
        helper.make_node("MatMul", ["features", "w"], ["product"]),
        helper.make_node("Add", ["product", "b"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=-1),
        helper.make_node("QuantizeLinear", ["probs", "p_scale", "p_zero"], ["probs_q"]),
        helper.make_node("DequantizeLinear", ["probs_q", "p_scale", "p_zero"], ["out"]),
    ], "head", [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["b", "t", width])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, ["b", "t", classes])], [
        helper.make_tensor("w_q", TensorProto.INT8, [width, classes], weights.ravel()),
        helper.make_tensor("w_scale", TensorProto.FLOAT, [classes], scales),
        helper.make_tensor("w_zero", TensorProto.INT8, [classes], [0] * classes),
        helper.make_tensor("b_q", TensorProto.INT32, [classes], bias),
        helper.make_tensor("b_scale", TensorProto.FLOAT, [], [0.05]),
        helper.make_tensor("p_scale", TensorProto.FLOAT, [], [1 / 255]),
        helper.make_tensor("p_zero", TensorProto.UINT8, [], [0])]),
        opset_imports=[helper.make_opsetid("", 13)])
    helper.set_model_props(model, {"character": "\n".join(characters)})
    top1_head(model)
    latin = latin_head(model)
    exact = ort.SessionOptions()  # as written: no fusion quantizes the features on the fly
    exact.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(latin.SerializeToString(), exact,
                                   providers=["CPUExecutionProvider"])
    features = rng.normal(0, 3, (2, 9, width)).astype(np.float32)
    (out,) = session.run(None, {"features": features})
    logits = features @ (weights * scales) + bias * np.float32(0.05)
    kept = [0, 1, 2, 4, 6, 7]  # blank, a, b, c, é, space: not 张 (3) or 李 (5)
    assert models.latin_classes(characters) == kept
    best = np.array(kept)[logits[..., kept].argmax(-1)]
    assert out.shape == (2, 9, 3) and np.array_equal(out[..., 1], best)
    assert np.allclose(out[..., 2], logits[..., kept].max(-1), atol=1e-4)
    chosen = np.exp(logits[..., kept] - logits[..., kept].max(-1, keepdims=True))
    assert np.allclose(out[..., 0], 1 / chosen.sum(-1), atol=1e-5)


class Regions:
    """A recogniser for scanned._read_regions that reads every region as `text`."""

    def __init__(self, text: str) -> None:
        self.text, self.latin_first = text, list[bool]()

    def __call__(self, image: Image.Image, *, upright: bool = False,
                 glyph_px: float | None = None, printed: bool = False,
                 latin_first: bool = True) -> Sequence[OcrLineLike]:
        from docwarden.engines.ocr.engine import OcrLine

        self.latin_first.append(latin_first)
        return [OcrLine(self.text, 0.99, [[0, 0], [image.width, 0], [image.width, 30],
                                          [0, 30]])]


@pytest.mark.parametrize(("text", "then"), [("Results", True), ("结果", False)])
def test_a_page_that_read_han_in_one_region_is_read_without_latin_first_in_the_rest(
    text: str, then: bool,
) -> None:
    """A two-column paper scanned: the text above the columns, the two columns, the
    text below.  Once one region reads Han or kana, the page's other regions skip the
    Latin build's try of each line."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(DATA / "generated" / "realset" / "holdout_paper_latex.pdf"))
    try:
        image = document[0].render(scale=200 / 72).to_pil().convert("L")
    finally:
        document.close()
    recognize = Regions(text)
    scanned._read_regions(image, 200 / 72, recognize)
    first, *rest = recognize.latin_first
    assert first and len(rest) >= 2 and set(rest) == {then}
