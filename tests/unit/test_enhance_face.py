"""Face detection for face_restore: OpenCV's Haar cascades run by numpy, and the landmarks."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from docwarden.engines.enhance.face import (
    BOX_LEFT_EYE,
    BOX_RIGHT_EYE,
    FaceCost,
    FaceJob,
    _eye_centres,
    _face,
    _fits,
    _template_points,
    detect_faces,
    model_path,
)
from docwarden.engines.enhance.face_haar import (
    EYE_CASCADE,
    FACE_CASCADE,
    detect,
    group_rectangles,
    load_cascade,
)
from docwarden.engines.enhance.face_paste import FFHQ_TEMPLATE_512
from docwarden.errors import InvalidInput
from docwarden.settings import Settings

DATA = Path(__file__).resolve().parents[1] / "data" / "enhance"
PHOTO = DATA / "astronaut_face.jpg"
# What OpenCV 4.14.0.94's own CascadeClassifier answers (detectMultiScale, scale 1.1,
# 3 neighbours): on the photo, and on it reduced to 200x125 with INTER_AREA.
OPENCV_FACE = (132, 66, 95, 95)
OPENCV_FACE_SMALL = (64, 31, 51, 51)


def gray(path: Path, size: tuple[int, int] | None = None) -> np.ndarray:
    pixels = cv2.cvtColor(np.asarray(Image.open(path).convert("RGB")), cv2.COLOR_RGB2GRAY)
    return pixels if size is None else cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


def overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over union of two x, y, w, h boxes."""
    width = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    height = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = width * height
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def test_cascades_parse() -> None:
    face, eye = load_cascade(FACE_CASCADE), load_cascade(EYE_CASCADE)
    assert (face.width, face.height, len(face.stage_ends)) == (24, 24, 25)
    assert (eye.width, eye.height, len(eye.stage_ends)) == (20, 20, 24)
    assert face.stage_ends[-1] == len(face.feature) == 2913


@pytest.mark.parametrize(("size", "expected"),
                         [(None, OPENCV_FACE), ((200, 125), OPENCV_FACE_SMALL)])
def test_face_detection_matches_opencv(size: tuple[int, int] | None,
                                       expected: tuple[int, int, int, int]) -> None:
    found = detect(gray(PHOTO, size), FACE_CASCADE, 1.1, 3)
    assert len(found) == 1
    assert overlap(found[0], expected) > 0.9


@pytest.mark.parametrize("name", ["comic_gt.png", "wolf_gray.jpg", "tree_alpha_16bit.png"])
def test_no_face_in_textures(name: str) -> None:
    rgb = np.asarray(Image.open(DATA / name).convert("RGB"))
    assert detect_faces(rgb) == []


def test_landmarks_from_the_eyes() -> None:
    faces = detect_faces(np.asarray(Image.open(PHOTO).convert("RGB")))
    assert len(faces) == 1 and faces[0].eyes_found == 2
    x, y, w, h = faces[0].box
    (lx, ly), (rx, ry), (nx, ny), (mlx, mly), (mrx, mry) = faces[0].landmarks
    assert x + 0.1 * w < lx < x + 0.45 * w < x + 0.55 * w < rx < x + 0.9 * w
    assert y + 0.2 * h < min(ly, ry) and max(ly, ry) < y + 0.55 * h
    assert max(ly, ry) < ny < min(mly, mry) < y + h
    assert mlx < nx < mrx


def test_landmarks_from_the_box_without_eyes() -> None:
    face = _face(np.full((120, 120), 128, dtype=np.uint8), (10, 20, 100, 100))
    assert face.eyes_found == 0
    for landmark, (ex, ey) in zip(face.landmarks[:2], (BOX_LEFT_EYE, BOX_RIGHT_EYE), strict=True):
        assert np.allclose(landmark, (10 + 100 * ex, 20 + 100 * ey))


def test_one_eye_found_the_other_from_the_box() -> None:
    # Eye boxes in a 160 px wide face: one where the left eye belongs, one far off.
    left, right = _eye_centres([(30, 50, 28, 28), (140, 140, 10, 10)], 160.0)
    assert left == (44.0, 64.0) and right is None


def test_a_detection_without_eyes_is_not_restored() -> None:
    """A noisy glowing blob, which the face cascade takes for a face (as it does one in the
    astronaut photo enlarged to 1024 px); the eye cascade sees no eye in it."""
    yy, xx = np.mgrid[0:200, 0:200]
    blob = 40 + 120 * np.exp(-(((xx - 100) / 40.0) ** 2 + ((yy - 105) / 55.0) ** 2))
    noise = np.random.default_rng(3).normal(0, 12, blob.shape)  # seed 3: one false detection
    pixels = np.clip(blob + noise, 0, 255).astype(np.uint8)
    faces = [_face(pixels, (box[0], box[1], box[2], box[3]))
             for box in detect(pixels, FACE_CASCADE, 1.1, 5)]
    job = FaceJob(Path("unused.onnx"), FaceCost(0, 0), faces)
    assert len(faces) == 1 and faces[0].eyes_found == 0
    assert job.confirmed == job.chosen == []


def test_template_points_follow_the_eyes() -> None:
    assert np.allclose(_template_points(tuple(FFHQ_TEMPLATE_512[0]), tuple(FFHQ_TEMPLATE_512[1])),
                       FFHQ_TEMPLATE_512, atol=1e-3)
    half = _template_points(tuple(FFHQ_TEMPLATE_512[0] / 2), tuple(FFHQ_TEMPLATE_512[1] / 2))
    assert np.allclose(half, FFHQ_TEMPLATE_512 / 2, atol=1e-3)


def test_group_rectangles_needs_neighbours_and_averages() -> None:
    cluster = [(10, 10, 20, 20), (11, 10, 20, 20), (10, 11, 20, 20), (12, 12, 20, 20)]
    assert group_rectangles(cluster, 3) == [((11, 11, 20, 20), 4)]
    assert group_rectangles(cluster, 4) == []
    assert group_rectangles([], 3) == []


def test_declared_shapes() -> None:
    assert _fits(["batch", 3, 512, 512], (1, 3, 512, 512))
    assert _fits([None, 3, None, None], (1, 3, 512, 512))
    assert not _fits([1, 3, 256, 256], (1, 3, 512, 512))
    assert not _fits([1, 512, 512], (1, 3, 512, 512))


def test_model_path_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="set DOCWARDEN_FACE_MODEL_PATH"):
        model_path(Settings())
    with pytest.raises(InvalidInput, match="missing or unreadable") as raised:
        model_path(Settings(face_model_path=tmp_path))  # a directory is no model
    assert str(tmp_path) not in raised.value.message  # the server's paths stay in its log
    model = tmp_path / "m.onnx"
    model.write_bytes(b"x")
    assert model_path(Settings(face_model_path=model)) == model
