"""Geometry of face restoration: align a face to the 512 px template, paste it back feathered.

Restoration models of the GFPGAN/CodeFormer family are trained on FFHQ-aligned
faces: eyes, nose tip and mouth corners at fixed places of a 512x512 crop.  A
face is cut out of the *input* image with the similarity transform that puts
its five landmarks on that template, restored, and pasted into the *upscaled*
output with the inverse transform (scaled by the upscaling factor), through a
mask that fades to nothing over the crop's outer `FEATHER_FRACTION`, so no
seam shows where the restored face meets the upscaled background.  Only the
face's bounding box of the output is touched: no full-size temporary.
"""

from __future__ import annotations

import cv2
import numpy as np

FACE_SIZE_PX = 512
# The five points of an FFHQ-aligned 512 px face, as GFPGAN and CodeFormer crop
# them (facexlib's template): left eye, right eye, nose tip, mouth left, mouth right.
FFHQ_TEMPLATE_512 = np.array([
    [192.98138, 239.94708], [318.90277, 240.1936], [256.63416, 314.01935],
    [201.26117, 371.41043], [313.08905, 371.15118]], dtype=np.float32)
# The mask ramps from 0 at the crop's edge to 1 this far in (a fraction of its side).
FEATHER_FRACTION = 0.12

Box = tuple[int, int, int, int]


def align_matrix(landmarks: np.ndarray, size_px: int = FACE_SIZE_PX) -> np.ndarray:
    """The 2x3 similarity (rotation, uniform scale, shift) taking the landmarks to the template.

    Least squares over the five points (Umeyama's method without reflection),
    so one badly placed landmark moves the crop less than it would alone.
    """
    src = np.asarray(landmarks, dtype=np.float64).reshape(5, 2)
    dst = FFHQ_TEMPLATE_512.astype(np.float64) * (size_px / FACE_SIZE_PX)
    src_mean, dst_mean = src.mean(axis=0), dst.mean(axis=0)
    src_c, dst_c = src - src_mean, dst - dst_mean
    u, sigma, vt = np.linalg.svd(dst_c.T @ src_c / len(src))
    sign = np.diag([1.0, 1.0 if np.linalg.det(u @ vt) > 0 else -1.0])
    rotation = u @ sign @ vt
    variance = float((src_c ** 2).sum() / len(src))
    scale = float(np.trace(np.diag(sigma) @ sign)) / variance if variance > 0 else 1.0
    matrix = np.empty((2, 3), dtype=np.float64)
    matrix[:, :2] = scale * rotation
    matrix[:, 2] = dst_mean - scale * rotation @ src_mean
    return matrix


def crop_face(rgb: np.ndarray, matrix: np.ndarray, size_px: int = FACE_SIZE_PX) -> np.ndarray:
    """The aligned size_px x size_px crop; outside the image, mirrored pixels."""
    return cv2.warpAffine(rgb, matrix, (size_px, size_px), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REFLECT_101)


def feather_mask(size_px: int = FACE_SIZE_PX, fraction: float = FEATHER_FRACTION) -> np.ndarray:
    """float32 size x size: 1 inside, a smoothstep down to 0 at the border."""
    ramp_px = max(fraction * size_px, 1.0)
    centres = np.arange(size_px, dtype=np.float32) + 0.5
    edge = np.minimum(centres, size_px - centres) / ramp_px
    line = np.clip(edge, 0.0, 1.0)
    line = line * line * (3.0 - 2.0 * line)  # smoothstep: no visible kink at the ramp's ends
    mask: np.ndarray = np.minimum.outer(line, line).astype(np.float32)
    return mask


def output_matrix(matrix: np.ndarray, scale: int) -> np.ndarray:
    """The crop -> output transform: invert input -> crop, then input pixels -> output pixels.

    Pixel centres map as out = (in + 0.5) * scale - 0.5, the convention of
    the upscaler (and of any resize).
    """
    to_input = np.asarray(cv2.invertAffineTransform(matrix), dtype=np.float64)
    to_output: np.ndarray = to_input * float(scale)
    to_output[:, 2] += 0.5 * scale - 0.5
    return to_output


def paste_box(to_output: np.ndarray, size_px: int, width: int, height: int) -> Box | None:
    """The output pixels the pasted crop can reach (its corners' bounding box, clipped)."""
    corners = np.array([[0, 0, 1], [size_px, 0, 1], [0, size_px, 1], [size_px, size_px, 1]],
                       dtype=np.float64)
    points = corners @ to_output.T
    x0, y0 = np.floor(points.min(axis=0)).astype(int)
    x1, y1 = np.ceil(points.max(axis=0)).astype(int)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    return None if x0 >= x1 or y0 >= y1 else (int(x0), int(y0), int(x1), int(y1))


def paste_face(out: np.ndarray, restored: np.ndarray, matrix: np.ndarray, scale: int,
               mask: np.ndarray) -> Box | None:
    """Blend `restored` (an aligned crop) into `out` (the upscaled HxWx3 uint8) in place.

    Returns the output box that was touched, or None when the face lies outside.
    """
    size_px = restored.shape[0]
    to_output = output_matrix(matrix, scale)
    box = paste_box(to_output, size_px, out.shape[1], out.shape[0])
    if box is None:
        return None
    x0, y0, x1, y1 = box
    local = to_output.copy()
    local[:, 2] -= (x0, y0)
    shape = (x1 - x0, y1 - y0)
    face = cv2.warpAffine(restored, local, shape, flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0).astype(np.float32)
    alpha = cv2.warpAffine(mask, local, shape, flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=0)[:, :, np.newaxis]
    region = out[y0:y1, x0:x1].astype(np.float32)
    out[y0:y1, x0:x1] = np.clip(face * alpha + region * (1.0 - alpha) + 0.5, 0, 255).astype(
        np.uint8)
    return box
