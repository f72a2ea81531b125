"""Image modes in and out of the enhance engine (pure Pillow/numpy, no model).

The model sees 8-bit RGB only.  Everything else is mapped onto that and back:
grayscale is upscaled as RGB and returned as grayscale; alpha is split off,
resized on its own (bicubic, as Real-ESRGAN's own tools do) and put back;
16-bit grayscale is reduced to 8 bits by rounding (value / 257), and 16-bit
colour PNGs arrive already reduced to 8 bits by Pillow.  Output is always
8 bits per channel: the model works in 8 bits, so 16 bits out would only
widen the same values.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

from docwarden.errors import InvalidInput, UnsupportedMediaType

SIXTEEN_BIT_MODES = frozenset({"I;16", "I;16B", "I;16L", "I;16N", "I"})
GRAY_MODES = frozenset({"1", "L", "LA", "La"})
FORMATS: dict[str, tuple[str, str]] = {
    "png": ("PNG", "image/png"),
    "jpeg": ("JPEG", "image/jpeg"),
    "jpg": ("JPEG", "image/jpeg"),
    "webp": ("WEBP", "image/webp"),
}
DEFAULT_QUALITY = 90
# zlib level 3: about as small as the default 6 on photos, and much faster on big outputs.
PNG_COMPRESS_LEVEL = 3
JPEG_BACKGROUND = (255, 255, 255)


@dataclass(frozen=True)
class PreparedImage:
    """The model's input (HxWx3 uint8) and what is needed to rebuild the source's mode."""

    rgb: np.ndarray
    alpha: np.ndarray | None
    gray: bool
    source_mode: str

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])


def _has_alpha(image: Image.Image) -> bool:
    """Alpha band or a transparent colour (16-bit gray tRNS is not honoured: rare)."""
    if image.mode in SIXTEEN_BIT_MODES:
        return False
    return image.mode in {"RGBA", "LA", "PA", "La", "RGBa"} or "transparency" in image.info


def _sixteen_to_eight(image: Image.Image) -> np.ndarray:
    """16-bit (or 32-bit integer) grayscale to 8 bits, by rounding value / 257."""
    values = np.clip(np.asarray(image, dtype=np.int64), 0, 65535)
    return ((values + 128) // 257).astype(np.uint8)


def _gray_pixels(image: Image.Image) -> np.ndarray | None:
    """8-bit gray pixels when the image is grayscale, else None."""
    if image.mode in SIXTEEN_BIT_MODES:
        return _sixteen_to_eight(image)
    if image.mode in {"1", "L", "LA", "La"}:
        return np.asarray(image.convert("L"))
    return None


def prepare_image(image: Image.Image) -> PreparedImage:
    """Split any decoded image into RGB for the model, alpha, and a grayscale flag."""
    source_mode = image.mode
    try:
        alpha = None
        if _has_alpha(image):
            with_alpha = image.convert("LA" if image.mode in GRAY_MODES else "RGBA")
            alpha = np.asarray(with_alpha.getchannel("A"))
            image = with_alpha.convert("L" if with_alpha.mode == "LA" else "RGB")
        gray = _gray_pixels(image)
        if gray is not None:
            rgb = np.repeat(gray[:, :, np.newaxis], 3, axis=2)
            return PreparedImage(rgb, alpha, gray=True, source_mode=source_mode)
        rgb = np.ascontiguousarray(np.asarray(image.convert("RGB")))
    except ValueError as exc:
        raise UnsupportedMediaType(
            f"images in mode {source_mode} cannot be enhanced: {exc}") from None
    return PreparedImage(rgb, alpha, gray=False, source_mode=source_mode)


def finish_image(rgb_out: np.ndarray, prepared: PreparedImage) -> Image.Image:
    """Back to the source's kind: grayscale stays grayscale, alpha is resized and kept."""
    height, width = rgb_out.shape[:2]
    result = Image.fromarray(rgb_out, "RGB")
    if prepared.gray:
        result = result.convert("L")
    if prepared.alpha is None:
        return result
    alpha = Image.fromarray(prepared.alpha, "L").resize((width, height),
                                                        Image.Resampling.BICUBIC)
    result.putalpha(alpha)
    return result


def parse_format(value: object) -> str:
    name = str(value or "png").strip().lower()
    if name not in FORMATS:
        raise InvalidInput(f"format must be png, jpeg or webp, not {value!r}")
    return name


def parse_quality(value: object) -> int:
    if value is None or value == "":
        return DEFAULT_QUALITY
    try:
        quality = int(str(value))
    except ValueError:
        raise InvalidInput(f"quality must be an integer from 1 to 100, not {value!r}") from None
    if not 1 <= quality <= 100:
        raise InvalidInput(f"quality must be from 1 to 100, not {quality}")
    return quality


def _flatten(image: Image.Image) -> Image.Image:
    """JPEG has no alpha: composite onto white rather than show hidden colours."""
    if image.mode not in {"RGBA", "LA"}:
        return image
    gray = image.mode == "LA"
    background = Image.new("RGBA", image.size, (*JPEG_BACKGROUND, 255))
    flat = Image.alpha_composite(background, image.convert("RGBA")).convert("RGB")
    return flat.convert("L") if gray else flat


def encode_image(image: Image.Image, fmt: str, quality: int) -> tuple[bytes, str]:
    """Encode as PNG (lossless, `quality` ignored), JPEG or WebP; returns bytes and media type."""
    pil_format, media_type = FORMATS[fmt]
    buffer = io.BytesIO()
    if pil_format == "PNG":
        image.save(buffer, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    elif pil_format == "JPEG":
        _flatten(image).save(buffer, "JPEG", quality=quality)
    else:
        image.save(buffer, "WEBP", quality=quality)
    return buffer.getvalue(), media_type
