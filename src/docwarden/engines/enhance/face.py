"""Face restoration for the enhance engine (`face_restore=true`): find, restore, paste back.

Detector: OpenCV's Haar cascades, frontal face then eyes inside each face
(enhance_face_haar runs them; see there why cv2 itself cannot).  They are the
only face detector that works offline with what docwarden installs: YuNet
(`cv2.FaceDetectorYN`) and every CNN detector need weights that no wheel
ships, and docwarden never downloads.  The price: frontal, roughly upright
faces only, and no landmarks of their own.  Faces are searched on the input
reduced to DETECT_MAX_SIDE_PX (one core: ~0.6 s at 512x512, ~3.3 s at
1024x1024), so faces under ~24 px there are not found.

Landmarks and trust: the five points the alignment needs (eyes, nose tip,
mouth corners) come from fitting the FFHQ template to the two eyes; an eye
the eye cascade does not find is placed by the face box's proportions
(BOX_*_EYE).  A detection in which neither eye is found is not restored
(meta `faces_unconfirmed`): on the test images every such detection was a
false positive (a glowing blob, a comic texture, a card background) while
every real face, 26 to 197 px, showed its eyes, and restoring a false
positive paints a face where there is none.  MIN_NEIGHBORS = 5 rather than
OpenCV's 3 drops most of those before the eye check.

Restoration: a GFPGAN / CodeFormer style ONNX model that the user supplies in
FACE_MODEL_PATH (no weights ship with docwarden): input 1x3x512x512 RGB in
[-1, 1] (float32, or float16 for fp16 exports), output the same; a second
input named `weight` (CodeFormer's fidelity) is fed CODEFORMER_FIDELITY.  The
session is loaded on the first face_restore job and kept.  Each face is cut
out of the input, aligned to the 512 px template, restored and pasted into the
upscaled output with a feathered mask (enhance_face_paste), largest faces
first, at most MAX_FACES per image.

Memory: the face model's resident size and one 512 px call are not measured
here (no real weights on this machine): FACE_LOAD_* and FACE_CALL_MB are
upper guesses; pasting a face costs PASTE_BYTES_PER_PX over its box in the
output (measured).  The engine adds them to its prediction and refuses a job
whose peak would pass the hard limit before any model call.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from docwarden.engines.enhance.face_haar import EYE_CASCADE, FACE_CASCADE, detect
from docwarden.engines.enhance.face_paste import (
    FACE_SIZE_PX,
    FFHQ_TEMPLATE_512,
    align_matrix,
    crop_face,
    feather_mask,
    output_matrix,
    paste_box,
    paste_face,
)
from docwarden.errors import InputTooLarge, InvalidInput
from docwarden.readings import MIB
from docwarden.settings import Device, Settings

log = logging.getLogger("docwarden.engines.enhance")

MODEL_SETTING = "DOCWARDEN_FACE_MODEL_PATH"
DETECT_MAX_SIDE_PX = 1024
SCALE_FACTOR = 1.1
MIN_NEIGHBORS = 5
MAX_FACES = 10
# Eyes are looked for on the face resized to this width (the eye cascade's window is 20 px).
EYE_SEARCH_WIDTH_PX = 160
# Where the eye centres fall in a Haar face box (fractions of its side), used without eyes;
# measured on the test photo's face, which the eye cascade finds.
BOX_LEFT_EYE = (0.27, 0.38)
BOX_RIGHT_EYE = (0.73, 0.38)
# How far (fractions of the box) an eye the cascade finds may lie from where it is expected.
EYE_REACH = (0.17, 0.15)
CODEFORMER_FIDELITY = 0.5
# Guesses, not measurements (see the module docstring): onnxruntime holds the
# initialisers and may pre-pack a second copy; a 512 px pass of a StyleGAN2-style
# decoder keeps a few dozen 512x512 feature maps alive.
FACE_LOAD_FIXED_MB = 40.0
FACE_LOAD_PER_FILE_MB = 2.0
FACE_CALL_MB = 600.0
# Detection on the reduced image: two float64 integrals, the window grid, one chunk.
DETECT_MB = 120.0
# Pasting one face: float32 copies of the warped crop, mask and region plus the blend's
# temporaries over the face's box in the output; measured 56 B per box pixel (tracemalloc).
PASTE_BYTES_PER_PX = 64
ONNX_TYPES: dict[str, Any] = {"tensor(float)": np.float32, "tensor(float16)": np.float16,
                              "tensor(double)": np.float64}

Point = tuple[float, float]


@dataclass(frozen=True)
class Face:
    """One detected face, in input pixels: its box, its five landmarks, whether eyes were seen."""

    box: tuple[int, int, int, int]
    landmarks: np.ndarray
    eyes_found: int  # 0, 1 or 2: with none, the detection is not trusted (see the docstring)

    @property
    def matrix(self) -> np.ndarray:
        return align_matrix(self.landmarks)


@dataclass(frozen=True)
class FaceCost:
    load_mb: float
    call_mb: float


def model_path(settings: Settings) -> Path:
    """The configured face model, checked readable; InvalidInput (422) says what to set."""
    path = settings.face_model_path
    if path is None:
        raise InvalidInput(f"face_restore needs a face-restoration model: set {MODEL_SETTING} to "
                           "a GFPGAN or CodeFormer ONNX file (docwarden ships no face weights)")
    if not path.is_file() or not os.access(path, os.R_OK):
        log.warning("%s=%s is not a readable file", MODEL_SETTING, path)
        raise InvalidInput(f"face_restore: the file {MODEL_SETTING} names is missing or "
                           "unreadable (the path is in the server log)")
    return path


def warn_if_unusable(settings: Settings) -> None:
    """At load: say early that a configured face model cannot be read (jobs will get 422)."""
    if settings.face_model_path is not None:
        try:
            model_path(settings)
        except InvalidInput:
            log.warning("face_restore jobs will be refused until %s is fixed", MODEL_SETTING)


def face_cost(path: Path) -> FaceCost:
    file_mb = path.stat().st_size / MIB
    return FaceCost(FACE_LOAD_FIXED_MB + FACE_LOAD_PER_FILE_MB * file_mb, FACE_CALL_MB)


def _template_points(left_eye: Point, right_eye: Point) -> np.ndarray:
    """The FFHQ template's five points moved (rotated, scaled) so its eyes land on these."""
    template = FFHQ_TEMPLATE_512[:, 0].astype(np.float64) + 1j * FFHQ_TEMPLATE_512[:, 1]
    left, right = complex(*left_eye), complex(*right_eye)
    points = left + (template - template[0]) * (right - left) / (template[1] - template[0])
    return np.stack([points.real, points.imag], axis=1).astype(np.float32)


def _eye_centres(eyes: list[tuple[int, int, int, int]],
                 side: float) -> list[Point | None]:
    """For the left and the right eye, the eye box centre nearest where it belongs, or None
    (boxes in the coordinates of a face `side` wide)."""
    centres = [((x + w / 2) / side, (y + h / 2) / side) for x, y, w, h in eyes]
    picked: list[Point | None] = []
    for ex, ey in (BOX_LEFT_EYE, BOX_RIGHT_EYE):
        near = [(c, (c[0] - ex) ** 2 + (c[1] - ey) ** 2) for c in centres
                if abs(c[0] - ex) < EYE_REACH[0] and abs(c[1] - ey) < EYE_REACH[1]]
        best = min(near, key=lambda item: item[1], default=(None, 0.0))[0]
        picked.append(None if best is None else (best[0] * side, best[1] * side))
    return picked


def _find_eyes(gray: np.ndarray, box: tuple[int, int, int, int]) -> list[Point | None]:
    """The left and right eye centres (input pixels) the eye cascade finds in the face's upper
    part, None for an eye not found."""
    x, y, w, h = box
    face = gray[y:y + h, x:x + w]
    if face.size == 0:
        return [None, None]
    zoom = EYE_SEARCH_WIDTH_PX / face.shape[1]
    face = cv2.resize(face, (EYE_SEARCH_WIDTH_PX, round(face.shape[0] * zoom)),
                      interpolation=cv2.INTER_CUBIC if zoom > 1 else cv2.INTER_AREA)
    upper = face[:round(face.shape[0] * 0.6)]
    eyes = detect(upper, EYE_CASCADE, SCALE_FACTOR, 3, min_size=EYE_SEARCH_WIDTH_PX // 8,
                  max_size=EYE_SEARCH_WIDTH_PX // 3)
    return [None if eye is None else (x + eye[0] / zoom, y + eye[1] / zoom)
            for eye in _eye_centres(eyes, float(EYE_SEARCH_WIDTH_PX))]


def _face(gray: np.ndarray, box: tuple[int, int, int, int]) -> Face:
    """The face in `box`: landmarks fitted to the eyes found, an eye not found estimated
    from the box's proportions."""
    found = _find_eyes(gray, box)
    x, y, w, h = box
    estimated = [(x + ex * w, y + ey * h) for ex, ey in (BOX_LEFT_EYE, BOX_RIGHT_EYE)]
    left, right = (eye or guess for eye, guess in zip(found, estimated, strict=True))
    return Face(box, _template_points(left, right),
                eyes_found=sum(eye is not None for eye in found))


def detect_faces(rgb: np.ndarray) -> list[Face]:
    """Frontal faces of an HxWx3 uint8 image, in its pixels, largest first."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    height, width = gray.shape
    reduce = min(1.0, DETECT_MAX_SIDE_PX / max(height, width))
    small = gray if reduce == 1.0 else cv2.resize(
        gray, (max(1, round(width * reduce)), max(1, round(height * reduce))),
        interpolation=cv2.INTER_AREA)
    boxes = [tuple(round(v / reduce) for v in box)
             for box in detect(small, FACE_CASCADE, SCALE_FACTOR, MIN_NEIGHBORS)]
    boxes.sort(key=lambda box: box[2] * box[3], reverse=True)
    return [_face(gray, (box[0], box[1], box[2], box[3])) for box in boxes]


def _providers(device: Device, available: list[str]) -> list[str]:
    """CUDA when asked for and present (onnxruntime-gpu), else the CPU, as ncnn falls back."""
    if device is Device.CUDA and "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    if device is Device.CUDA:
        log.warning("DEVICE=cuda but onnxruntime has no CUDAExecutionProvider: face "
                    "restoration runs on the CPU")
    return ["CPUExecutionProvider"]


def _open_session(path: Path, settings: Settings) -> Any:
    """An onnxruntime session with the OCR engine's long-running-worker options."""
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = settings.intra_op_threads
    options.inter_op_num_threads = 1
    options.enable_cpu_mem_arena = False
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return ort.InferenceSession(str(path), sess_options=options,
                                    providers=_providers(settings.device,
                                                         ort.get_available_providers()))
    except Exception as exc:  # onnxruntime has its own exception classes for bad files
        log.warning("%s=%s could not be loaded: %s", MODEL_SETTING, path, exc)
        why = str(exc).replace(str(path), path.name)[:300]
        raise InvalidInput(f"face_restore: the file in {MODEL_SETTING} ({path.name}) could not "
                           f"be loaded as an ONNX model: {why}") from None


def _fits(shape: list[Any], expected: tuple[int, ...]) -> bool:
    """A declared ONNX shape accepts `expected` (symbolic dimensions accept anything)."""
    return len(shape) == len(expected) and all(
        not isinstance(dim, int) or dim == want for dim, want in zip(shape, expected, strict=True))


class FaceRestorer:
    """One loaded face-restoration model; calls are serialised by the engine's lock."""

    SHAPE = (1, 3, FACE_SIZE_PX, FACE_SIZE_PX)

    def __init__(self, path: Path, settings: Settings) -> None:
        self.path = path
        self.cost = face_cost(path)
        self._session = _open_session(path, settings)
        image, *others = self._session.get_inputs()
        if not _fits(list(image.shape), self.SHAPE) or image.type not in ONNX_TYPES:
            raise self._unfit(f"its input is {image.type} {list(image.shape)}")
        self._input, self._dtype = image.name, ONNX_TYPES[image.type]
        self._extra: dict[str, np.ndarray] = {}
        for other in others:
            if other.name != "weight" or other.type not in ONNX_TYPES:
                raise self._unfit(f"it has an unknown input {other.name!r}")
            shape = [dim if isinstance(dim, int) else 1 for dim in other.shape]
            self._extra["weight"] = np.full(shape, CODEFORMER_FIDELITY, ONNX_TYPES[other.type])

    def _unfit(self, why: str) -> InvalidInput:
        return InvalidInput(f"face_restore: the model in {MODEL_SETTING} does not fit: {why}; "
                            "expected one 1x3x512x512 RGB input in [-1, 1] (GFPGAN/CodeFormer "
                            "ONNX), optionally CodeFormer's `weight`")

    def __call__(self, crop: np.ndarray) -> np.ndarray:
        """Restore one aligned 512x512x3 uint8 RGB crop."""
        pixels = crop.astype(np.float32).transpose(2, 0, 1)[np.newaxis] / 127.5 - 1.0
        feeds = {self._input: pixels.astype(self._dtype), **self._extra}
        out = np.asarray(self._session.run(None, feeds)[0], dtype=np.float32)
        if out.shape != self.SHAPE:
            raise self._unfit(f"it answered shape {list(out.shape)}")
        restored: np.ndarray = np.nan_to_num(out[0].transpose(1, 2, 0))
        restored = np.clip((restored + 1.0) * 127.5 + 0.5, 0, 255).astype(np.uint8)
        return restored


@dataclass(frozen=True)
class FaceJob:
    """The face pass of one job: the model file, its cost, the faces found (largest first)."""

    path: Path
    cost: FaceCost
    faces: list[Face]

    @classmethod
    def start(cls, path: Path, rgb: np.ndarray) -> FaceJob:
        return cls(path, face_cost(path), detect_faces(rgb))

    @property
    def confirmed(self) -> list[Face]:
        """The faces in which the eye cascade saw at least one eye."""
        return [face for face in self.faces if face.eyes_found]

    @property
    def chosen(self) -> list[Face]:
        return self.confirmed[:MAX_FACES]

    def paste_mb(self, scale: int, width: int, height: int) -> float:
        """The largest paste's temporaries: the face's box in the output, PASTE_BYTES_PER_PX."""
        largest = 0
        for face in self.chosen:
            box = paste_box(output_matrix(face.matrix, scale), FACE_SIZE_PX, width * scale,
                            height * scale)
            if box is not None:
                largest = max(largest, (box[2] - box[0]) * (box[3] - box[1]))
        return largest * PASTE_BYTES_PER_PX / MIB

    def check_peak(self, base_mb: float, scale: int, width: int, height: int,
                   hard_limit_mb: float) -> float:
        """The face pass's peak over `base_mb` (resident with the model, image buffers)."""
        peak_mb = base_mb + max(self.cost.call_mb, DETECT_MB, self.paste_mb(scale, width, height))
        if peak_mb > hard_limit_mb:
            raise InputTooLarge(
                f"restoring the faces of {width}x{height} at x{scale} is predicted to need "
                f"{peak_mb:,.0f} MB, over the worker's hard limit of {hard_limit_mb:,.0f} MB "
                "(DOCWARDEN_HARD_WORKER_RSS_MB); use a smaller image or a smaller scale")
        return peak_mb

    def run(self, restorer: FaceRestorer, rgb: np.ndarray, out: np.ndarray, scale: int,
            progress: Callable[[int], None]) -> dict[str, int]:
        """Restore the chosen faces of `rgb` into `out` (its upscale) in place; the counts."""
        mask = feather_mask()
        restored = 0
        for index, face in enumerate(self.chosen):
            matrix = face.matrix
            if paste_face(out, restorer(crop_face(rgb, matrix)), matrix, scale, mask) is not None:
                restored += 1
            progress(index + 1)
        return {"faces_found": len(self.confirmed), "faces_restored": restored,
                "faces_unconfirmed": len(self.faces) - len(self.confirmed)}
