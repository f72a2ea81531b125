"""Phone-photo conditions for the generated ID cards: any angle, motion blur, light, noise.

Each takes the clean 856x540 card and a seeded `random.Random`, so the same
arguments give the same pixels.  Parameters are drawn from wide ranges (any
rotation, any motion direction) so the engine is not tuned to one setting.
"""

from __future__ import annotations

import io
import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

# Rotations closer than this to a quarter turn belong to the "skew"/"rot" conditions.
MIN_OFF_QUARTER_DEG = 8.0


def textured(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A wood/fabric-like backdrop: coloured stripes, waves and grain noise."""
    width, height = size
    nprng = np.random.default_rng(rng.randrange(2**32))
    xs = np.arange(width, dtype=np.float32)[None, :]
    ys = np.arange(height, dtype=np.float32)[:, None]
    wave = np.sin(xs / rng.uniform(20, 60) + 3 * np.sin(ys / rng.uniform(40, 120)))
    tone = 0.5 + 0.25 * wave + nprng.normal(0, 0.08, (height, width))
    colour = np.array([rng.randint(90, 200) for _ in range(3)], dtype=np.float32)
    pixels = np.clip(tone[..., None] * colour[None, None, :] * 1.4, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels)


def perspective(card: Image.Image, rng: random.Random, strength: float) -> Image.Image:
    """A phone-photo keystone: each corner pulled in by up to `strength` of the size."""
    width, height = card.size
    pulls = [(rng.uniform(0, strength) * width, rng.uniform(0, strength) * height)
             for _ in range(4)]
    target = [(pulls[0][0], pulls[0][1]), (width - pulls[1][0], pulls[1][1]),
              (width - pulls[2][0], height - pulls[2][1]), (pulls[3][0], height - pulls[3][1])]
    source = [(0, 0), (width, 0), (width, height), (0, height)]
    rows = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    rhs = [coordinate for point in source for coordinate in point]
    coefficients = np.linalg.solve(np.array(rows, dtype=float), np.array(rhs, dtype=float))
    return card.convert("RGBA").transform(card.size, Image.Transform.PERSPECTIVE,
                                          tuple(coefficients), Image.Resampling.BICUBIC)


def off_quarter_angle(rng: random.Random) -> float:
    """A rotation in [0, 360) at least MIN_OFF_QUARTER_DEG away from every quarter turn."""
    while True:
        angle = rng.uniform(0.0, 360.0)
        if abs((angle + 45.0) % 90.0 - 45.0) >= MIN_OFF_QUARTER_DEG:
            return angle


def on_surface(card: Image.Image, rng: random.Random, angle_deg: float, scale: float,
               strength: float, margin: int = 40) -> Image.Image:
    """The card keystoned, rotated by `angle_deg` and laid on a textured surface."""
    small = card.resize((round(card.width * scale), round(card.height * scale)),
                        Image.Resampling.LANCZOS)
    turned = perspective(small, rng, strength).rotate(angle_deg, Image.Resampling.BICUBIC,
                                                      expand=True)
    canvas = textured(rng, (turned.width + 2 * margin + rng.randint(0, 200),
                            turned.height + 2 * margin + rng.randint(0, 150)))
    left = rng.randint(margin, canvas.width - turned.width - margin)
    top = rng.randint(margin, canvas.height - turned.height - margin)
    canvas.paste(turned, (left, top), turned)
    return canvas


def motion_kernel(length: int, angle_deg: float) -> np.ndarray:
    """A normalised line PSF of `length` px at `angle_deg` (anti-aliased, odd size)."""
    size = length + 2 + (length % 2 == 0)
    kernel = Image.new("L", (size * 4, size * 4), 0)
    c = size * 2
    dx, dy = math.cos(math.radians(angle_deg)), -math.sin(math.radians(angle_deg))
    half = (length - 1) * 2
    ImageDraw.Draw(kernel).line((c - dx * half, c - dy * half, c + dx * half, c + dy * half),
                                fill=255, width=4)
    array = np.asarray(kernel.resize((size, size), Image.Resampling.BOX), dtype=np.float64)
    return array / array.sum()


def motion_blur(image: Image.Image, length: int, angle_deg: float) -> Image.Image:
    """Blur along one direction, as a hand moving during the exposure."""
    import cv2  # opencv comes with rapidocr

    kernel = motion_kernel(length, angle_deg)
    array = np.asarray(image.convert("RGB"), dtype=np.float32)
    blurred = cv2.filter2D(array, -1, kernel.astype(np.float32), borderType=cv2.BORDER_REPLICATE)
    return Image.fromarray(np.clip(blurred, 0, 255).astype(np.uint8))


def light_field(size: tuple[int, int], rng: random.Random, glare: bool) -> np.ndarray:
    """A soft bright spot (glare) or a soft-edged dark band (shadow), as a per-pixel mask."""
    width, height = size
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    if glare:
        cx, cy = rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.8) * height
        radius = rng.uniform(0.12, 0.25) * width
        return np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * radius**2))
    angle = math.radians(rng.uniform(0, 180))
    offset = rng.uniform(0.3, 0.7) * (width * abs(math.cos(angle)) + height * abs(math.sin(angle)))
    distance = xs * math.cos(angle) + ys * math.sin(angle) - offset
    return 0.5 * (1.0 + np.tanh(distance / (2 * rng.uniform(8, 30))))


def lit(image: Image.Image, rng: random.Random, glare: bool) -> Image.Image:
    """Glare washes part of the card towards white; a shadow darkens part of it."""
    array = np.asarray(image.convert("RGB"), dtype=np.float32)
    mask = light_field(image.size, rng, glare)[..., None]
    if glare:
        strength = rng.uniform(0.55, 0.8)
        out = array + (255.0 - array) * strength * mask
    else:
        out = array * (1.0 - rng.uniform(0.4, 0.6) * mask)
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))


def noisy(image: Image.Image, rng: random.Random) -> Image.Image:
    """Low light: darker, lower contrast, with sensor noise and a little softness."""
    nprng = np.random.default_rng(rng.randrange(2**32))
    array = np.asarray(image.convert("RGB").filter(ImageFilter.GaussianBlur(0.6)),
                       dtype=np.float32)
    dark = array * rng.uniform(0.35, 0.55) + rng.uniform(5, 20)
    noise = nprng.normal(0.0, rng.uniform(6.0, 12.0), array.shape[:2])[..., None]
    return Image.fromarray(np.clip(dark + noise, 0, 255).astype(np.uint8))


def small_and_compressed(image: Image.Image, rng: random.Random) -> Image.Image:
    """Sent through a messenger: about 600 px wide (the JPEG q=15 is applied when encoding)."""
    width = rng.randint(580, 640)
    size = (width, round(image.height * width / image.width))
    buffer = io.BytesIO()
    image.resize(size, Image.Resampling.BILINEAR).convert("RGB").save(buffer, "JPEG", quality=30)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def phone_condition(image: Image.Image, kind: str, rng: random.Random) -> Image.Image:
    """One of cardgen.PHONE_CONDITIONS applied to a clean card."""
    if kind == "rotated":
        return on_surface(image, rng, off_quarter_angle(rng), rng.uniform(0.8, 1.0), 0.03)
    if kind == "motion":
        return motion_blur(image, rng.randint(7, 11), rng.uniform(0.0, 180.0))
    if kind in {"glare", "shadow"}:
        return lit(image, rng, glare=kind == "glare")
    if kind == "far_tilted":
        return on_surface(image, rng, rng.uniform(-12, 12), rng.uniform(0.55, 0.7), 0.12, 300)
    if kind == "noise":
        return noisy(image, rng)
    if kind == "jpeg15":
        return small_and_compressed(image, rng)
    raise ValueError(f"unknown phone condition {kind!r}")
