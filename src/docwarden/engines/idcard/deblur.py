"""Motion blur: detect it from the image's cepstrum and undo it with a Wiener filter.

A hand moving during the exposure smears the card along one direction by a
few pixels.  The log-spectrum of such an image carries the blur's zeros as a
ripple, which the cepstrum turns into a sharp negative peak at the blur's
length and direction; text, guilloche, JPEG blocks and a gaussian blur give
no such peak (bench figures: motion blur z <= -10, everything else >= -7.5).
Pure numpy (plus Pillow), so it is unit-tested without the OCR models.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

# Blur lengths searched (px); below the minimum the recogniser copes on its own.
MIN_LENGTH_PX = 5.0
MAX_LENGTH_PX = 28.0
# How far below the cepstrum's typical value (in standard deviations) a peak must be.
PEAK_Z = -8.8
# Square analysed around the image centre: enough text, bounded cost (~15 ms).
ANALYSIS_PX = 512
# Noise-to-signal ratio of the Wiener filter: higher is smoother, lower is sharper.
WIENER_NSR = 0.012
Gray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Motion:
    """An estimated linear motion blur: length (px), direction (degrees ccw from x), peak z."""

    length_px: float
    angle_deg: float
    z: float

    def as_dict(self) -> dict[str, float]:
        return {"length_px": round(self.length_px, 1), "angle_deg": round(self.angle_deg, 1),
                "z": round(self.z, 1)}


def to_gray(image: Image.Image) -> Gray:
    return np.asarray(image.convert("L"), dtype=np.float32)


def _centre(gray: Gray, size: int) -> Gray:
    h, w = gray.shape
    top, left = max(0, (h - size) // 2), max(0, (w - size) // 2)
    return gray[top:top + size, left:left + size]


def cepstrum(gray: Gray) -> Gray:
    """Real cepstrum of a windowed image, origin at the centre."""
    h, w = gray.shape
    window = np.outer(np.hanning(h), np.hanning(w)).astype(np.float32)
    spectrum = np.abs(np.fft.fft2((gray - gray.mean()) * window))
    return np.fft.fftshift(np.real(np.fft.ifft2(np.log1p(spectrum)))).astype(np.float32)


def estimate_motion(gray: Gray) -> Motion | None:
    """The motion blur in a grayscale image, or None when there is no clear one."""
    patch = _centre(gray, ANALYSIS_PX)
    h, w = patch.shape
    if min(h, w) < 4 * MAX_LENGTH_PX:
        return None
    ceps = cepstrum(patch)
    cy, cx = h // 2, w // 2
    ys, xs = np.mgrid[-cy:h - cy, -cx:w - cx]
    radius = np.hypot(xs, ys)
    ring = (radius >= MIN_LENGTH_PX - 0.5) & (radius <= MAX_LENGTH_PX)
    values = ceps[ring]
    spread = float(values.std())
    if spread <= 0:
        return None
    masked = np.where(ring, ceps, np.inf)
    iy, ix = np.unravel_index(int(np.argmin(masked)), masked.shape)
    z = (float(ceps[iy, ix]) - float(np.median(values))) / spread
    if z > PEAK_Z:
        return None
    dy, dx = iy - cy, ix - cx
    length = _refined_length(ceps, cy, cx, dy, dx)
    if length < MIN_LENGTH_PX:
        return None
    return Motion(length, math.degrees(math.atan2(-dy, dx)) % 180.0, z)


def _refined_length(ceps: Gray, cy: int, cx: int, dy: int, dx: int) -> float:
    """Sub-pixel distance of the peak, from a parabola through it and its radial neighbours."""
    norm = math.hypot(dx, dy)
    uy, ux = dy / norm, dx / norm
    samples = []
    for step in (-1.0, 0.0, 1.0):
        y, x = round(cy + dy + step * uy), round(cx + dx + step * ux)
        samples.append(float(ceps[y, x]))
    left, mid, right = samples
    curvature = left - 2 * mid + right
    offset = 0.5 * (left - right) / curvature if curvature > 0 else 0.0
    return norm + max(-0.5, min(0.5, offset))


def motion_psf(length_px: float, angle_deg: float) -> Gray:
    """A normalised line kernel (odd size), drawn 4x larger and reduced for anti-aliasing."""
    size = 2 * math.ceil(length_px / 2 + 1) + 1
    big = Image.new("L", (size * 4, size * 4), 0)
    centre = size * 2
    dx = math.cos(math.radians(angle_deg)) * (length_px - 1) * 2
    dy = -math.sin(math.radians(angle_deg)) * (length_px - 1) * 2
    ImageDraw.Draw(big).line((centre - dx, centre - dy, centre + dx, centre + dy), fill=255,
                             width=4)
    kernel = np.asarray(big.resize((size, size), Image.Resampling.BOX), dtype=np.float32)
    return kernel / float(kernel.sum())


def wiener(gray: Gray, kernel: Gray, nsr: float = WIENER_NSR) -> Gray:
    """Wiener deconvolution; the image is mirror-padded so its borders do not ring."""
    pad = kernel.shape[0] * 2
    padded = np.pad(gray, pad, mode="reflect")
    h, w = padded.shape
    psf = np.zeros((h, w), dtype=np.float32)
    k = kernel.shape[0]
    psf[:k, :k] = kernel
    psf = np.roll(psf, (-(k // 2), -(k // 2)), axis=(0, 1))
    otf = np.fft.rfft2(psf)
    restored = np.fft.irfft2(np.fft.rfft2(padded) * np.conj(otf) / (np.abs(otf) ** 2 + nsr),
                             s=(h, w))
    return restored[pad:pad + gray.shape[0], pad:pad + gray.shape[1]].astype(np.float32)


def deblurred(image: Image.Image, motion: Motion) -> Image.Image:
    """The image with `motion` undone (grayscale RGB: colour carries nothing the reader needs)."""
    restored = wiener(to_gray(image), motion_psf(motion.length_px, motion.angle_deg))
    gray = Image.fromarray(np.clip(restored, 0, 255).astype(np.uint8))
    return gray.convert("RGB")
