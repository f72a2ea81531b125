"""`face_restore=true`: Haar detection, a user-supplied ONNX model, feathered paste (real ncnn).

The "restoration" models are built here with the onnx helper API (1x3x512x512
in [-1, 1], same out): one brightens by a known amount, one answers black, one
has CodeFormer's extra `weight` input.  No real face weights are used.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from PIL import Image

from docwarden.engines.base import JobInput
from docwarden.engines.enhance.engine import EnhanceEngine
from docwarden.errors import InputTooLarge, InvalidInput
from docwarden.jobdata import BinaryResult
from docwarden.settings import Settings
from tests.e2e.conftest import launch

PHOTO = Path(__file__).resolve().parents[1] / "data" / "enhance" / "astronaut_face.jpg"
# OpenCV 4.14's CascadeClassifier on PHOTO (frontal face, scale 1.1): x, y, w, h.
FACE_BOX = (132, 66, 95, 95)
SHIFT = 0.4  # the brightening model adds this in [-1, 1]: +51 levels of 255
SHAPE = [1, 3, 512, 512]


def face_model(path: Path, *, shift: float = SHIFT, scale: float = 1.0,
               side: int = 512, codeformer: bool = False) -> Path:
    """output = clip(input * scale + shift, -1, 1); `codeformer`: shift = weight x 2 x shift."""
    shape = [1, 3, side, side]
    nodes = [helper.make_node("Mul", ["input", "scale"], ["scaled"])]
    inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT, shape)]
    if codeformer:
        inputs.append(helper.make_tensor_value_info("weight", TensorProto.DOUBLE, [1]))
        nodes += [helper.make_node("Cast", ["weight"], ["weight_f"], to=TensorProto.FLOAT),
                  helper.make_node("Mul", ["weight_f", "double_shift"], ["shift"])]
    nodes += [helper.make_node("Add", ["scaled", "shift"], ["raised"]),
              helper.make_node("Clip", ["raised", "low", "high"], ["output"])]
    constants = [helper.make_tensor("scale", TensorProto.FLOAT, [], [scale]),
                 helper.make_tensor("low", TensorProto.FLOAT, [], [-1.0]),
                 helper.make_tensor("high", TensorProto.FLOAT, [], [1.0]),
                 helper.make_tensor("double_shift" if codeformer else "shift",
                                    TensorProto.FLOAT, [], [2 * shift if codeformer else shift])]
    graph = helper.make_graph(nodes, "face", inputs,
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, shape)],
                              constants)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


def enhance(engine: EnhanceEngine, **params: object) -> tuple[np.ndarray, BinaryResult]:
    result = engine.run(JobInput(data=PHOTO.read_bytes(), params=dict(params)))
    assert isinstance(result, BinaryResult)
    return np.asarray(Image.open(io.BytesIO(result.data)).convert("RGB"), dtype=np.float64), result


def loaded(**settings: object) -> EnhanceEngine:
    engine = EnhanceEngine(Settings(**settings))  # type: ignore[arg-type]
    engine.load()
    return engine


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("face-models")
    return {"brighten": face_model(folder / "brighten.onnx"),
            "black": face_model(folder / "black.onnx", shift=-1.0, scale=0.0),
            "codeformer": face_model(folder / "codeformer.onnx", codeformer=True),
            "small": face_model(folder / "small.onnx", side=256)}


@pytest.fixture(scope="module")
def engine(models: dict[str, Path]) -> Iterator[EnhanceEngine]:
    engine = loaded(face_model_path=models["brighten"])
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def plain(engine: EnhanceEngine) -> np.ndarray:
    """The x2 upscale without face restoration."""
    pixels, result = enhance(engine, scale=2)
    assert "faces_found" not in result.meta
    return pixels


def test_face_is_found_and_brightened_and_the_rest_is_untouched(
        engine: EnhanceEngine, plain: np.ndarray) -> None:
    progress: list[tuple[int, int]] = []
    job = JobInput(data=PHOTO.read_bytes(), params={"scale": 2, "face_restore": "true"},
                   progress=lambda done, total: progress.append((done, total)))
    result = engine.run(job)
    assert isinstance(result, BinaryResult)
    assert result.meta["faces_found"] >= 1 and result.meta["faces_restored"] >= 1
    assert result.meta["faces_unconfirmed"] == 0
    assert progress[-1][0] == progress[-1][1] == result.meta["tiles"] + 1
    out = np.asarray(Image.open(io.BytesIO(result.data)).convert("RGB"), dtype=np.float64)
    assert out.shape == plain.shape == (500, 800, 3)
    x, y, w, h = (2 * v for v in FACE_BOX)
    centre = (slice(y + h // 3, y + 2 * h // 3), slice(x + w // 3, x + 2 * w // 3))
    assert 40 < float((out[centre] - plain[centre]).mean()) < 60  # +51, less the blur
    changed_y, changed_x = np.nonzero((out != plain).any(axis=2))
    assert changed_x.min() > x - w and changed_x.max() < x + 2 * w
    assert changed_y.min() >= 0 and changed_y.max() < y + 2 * h
    assert np.array_equal(out[:, :x - w], plain[:, :x - w])  # far from the face: the upscale
    assert np.array_equal(out[:, x + 2 * w:], plain[:, x + 2 * w:])


def test_seam_is_feathered(models: dict[str, Path], plain: np.ndarray) -> None:
    """With a model that answers black, out = plain x (1 - mask): the mask ramps, no edge."""
    black = loaded(face_model_path=models["black"])
    out, result = enhance(black, scale=2, face_restore=True)
    assert result.meta["faces_restored"] == 1
    lit = plain.mean(axis=2)
    alpha = np.where(lit > 60, 1.0 - out.mean(axis=2) / np.maximum(lit, 1.0), np.nan)
    x, y, w, h = (2 * v for v in FACE_BOX)
    assert np.nanmin(alpha[y + h // 3:y + 2 * h // 3, x + w // 3:x + 2 * w // 3]) > 0.97
    assert np.nanmax(np.abs(alpha[:, :x - w])) < 0.01
    ramp = np.count_nonzero((alpha > 0.2) & (alpha < 0.8))
    assert ramp > 2000  # a band of partial blending, not a cut-out
    steps = np.concatenate([np.abs(np.diff(alpha, axis=0)).ravel(),
                            np.abs(np.diff(alpha, axis=1)).ravel()])
    assert np.nanmax(steps) < 0.1  # a hard seam would jump by ~1 between neighbours


def test_codeformer_weight_input_is_fed(models: dict[str, Path], plain: np.ndarray) -> None:
    codeformer = loaded(face_model_path=models["codeformer"])
    out, result = enhance(codeformer, scale=2, face_restore="1")
    assert result.meta["faces_restored"] == 1
    x, y, w, h = (2 * v for v in FACE_BOX)
    centre = (slice(y + h // 3, y + 2 * h // 3), slice(x + w // 3, x + 2 * w // 3))
    assert 40 < float((out[centre] - plain[centre]).mean()) < 60  # weight 0.5 x 2 x 0.4


def test_session_is_loaded_on_the_first_face_job_and_kept(models: dict[str, Path]) -> None:
    lazy = loaded(face_model_path=models["brighten"])
    assert lazy._faces is None
    enhance(lazy, scale=2)
    assert lazy._faces is None  # a job without face_restore loads nothing
    enhance(lazy, scale=2, face_restore=True)
    first = lazy._faces
    enhance(lazy, scale=2, face_restore=True)
    assert first is not None and lazy._faces is first


def test_face_restore_without_a_model_is_invalid_input(tmp_path: Path) -> None:
    assert InvalidInput.status == 422
    with pytest.raises(InvalidInput, match="DOCWARDEN_FACE_MODEL_PATH"):
        enhance(loaded(), face_restore=True)
    with pytest.raises(InvalidInput, match=r"DOCWARDEN_FACE_MODEL_PATH.*missing or unreadable"):
        enhance(loaded(face_model_path=tmp_path / "absent.onnx"), face_restore=True)
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"not a model")
    with pytest.raises(InvalidInput, match="could not be loaded as an ONNX model"):
        enhance(loaded(face_model_path=garbage), face_restore=True)
    _, result = enhance(loaded(face_model_path=garbage), scale=2)  # other jobs still run
    assert result.meta["scale"] == 2


def test_a_model_of_the_wrong_shape_is_invalid_input(models: dict[str, Path]) -> None:
    with pytest.raises(InvalidInput, match=r"does not fit.*\[1, 3, 256, 256\]"):
        enhance(loaded(face_model_path=models["small"]), face_restore=True)


def test_face_restore_must_be_a_boolean(engine: EnhanceEngine) -> None:
    with pytest.raises(InvalidInput, match="face_restore must be true or false"):
        enhance(engine, face_restore="sometimes")


def test_face_pass_over_the_hard_limit_is_refused_before_work(models: dict[str, Path]) -> None:
    tight = loaded(face_model_path=models["brighten"], max_worker_rss_mb=500,
                   hard_worker_rss_mb=700)
    enhance(tight, scale=2)  # the upscale alone fits
    progress: list[int] = []
    job = JobInput(data=PHOTO.read_bytes(), params={"scale": 2, "face_restore": True},
                   progress=lambda done, total: progress.append(done))
    with pytest.raises(InputTooLarge, match="HARD_WORKER_RSS_MB"):
        tight.run(job)
    assert progress == [] and tight._faces is None


def test_face_restore_over_http_in_a_governed_worker(tmp_path: Path) -> None:
    """Through `docwarden serve`: 422 while the file is missing, then faces in the headers."""
    model_file = tmp_path / "model.onnx"
    server = launch(tmp_path, engines="enhance", face_model_path=model_file)
    try:
        with server.client() as client:
            def post(**fields: str) -> httpx.Response:
                return client.post("/v1/enhance", data={"scale": "2", **fields},
                                   files={"file": ("face.jpg", PHOTO.read_bytes())})

            missing = post(face_restore="true")
            face_model(model_file)
            restored = post(face_restore="true")
            without = post()
    finally:
        server.stop()
    assert missing.status_code == 422, missing.text
    assert missing.json()["error"]["code"] == "invalid_input"
    assert "DOCWARDEN_FACE_MODEL_PATH" in missing.json()["error"]["message"]
    assert restored.status_code == 200, restored.text
    assert int(restored.headers["X-Docwarden-Faces-Found"]) >= 1
    assert int(restored.headers["X-Docwarden-Faces-Restored"]) >= 1
    assert without.status_code == 200 and "X-Docwarden-Faces-Found" not in without.headers
    assert restored.content != without.content
