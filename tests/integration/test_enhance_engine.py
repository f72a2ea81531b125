"""The enhance engine with the real Real-ESRGAN ncnn models, on small inputs (CPU)."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from docwarden.engines.base import JobInput
from docwarden.engines.enhance.device import CPU_DEVICE_ID, GPU_DEVICE_TYPES, select_device_id
from docwarden.engines.enhance.engine import EnhanceEngine
from docwarden.engines.enhance.models import ModelCatalog, NcnnUpscaler, builtin_models_dir
from docwarden.engines.enhance.tiles import plan_tiles, upscale_tiled
from docwarden.errors import InputTooLarge
from docwarden.jobdata import BinaryResult
from docwarden.settings import Settings

DATA = Path(__file__).resolve().parents[1] / "data" / "enhance"
META_KEYS = {"width", "height", "scale", "model", "tile_px", "input_width", "input_height"}


def png(image: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **options)
    return buffer.getvalue()


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float(10 * np.log10(255**2 / max(mse, 1e-12)))


def enhance(engine: EnhanceEngine, data: bytes,
            **params: object) -> tuple[Image.Image, BinaryResult]:
    result = engine.run(JobInput(data=data, params=dict(params)))
    assert isinstance(result, BinaryResult)
    return Image.open(io.BytesIO(result.data)), result


@pytest.fixture(scope="module")
def engine() -> Iterator[EnhanceEngine]:
    loaded = EnhanceEngine(Settings())
    loaded.load()
    yield loaded
    loaded.close()


@pytest.fixture(scope="module")
def comic() -> bytes:
    return (DATA / "comic_lq.png").read_bytes()


@pytest.mark.parametrize("scale", [2, 4])
def test_scale_gives_the_right_size(engine: EnhanceEngine, comic: bytes, scale: int) -> None:
    image, result = enhance(engine, comic, scale=str(scale))
    assert image.size == (60 * scale, 90 * scale) and image.mode == "RGB"
    assert result.media_type == "image/png"
    assert result.meta.keys() >= META_KEYS
    assert result.meta["scale"] == scale and result.meta["model_scale"] == scale
    assert (result.meta["input_width"], result.meta["input_height"]) == (60, 90)


def test_sample_job_runs(engine: EnhanceEngine) -> None:
    """`docwarden plan` measures the per-job peak with this job."""
    result = engine.run(engine.sample_job())
    assert isinstance(result, BinaryResult)
    assert (result.meta["width"], result.meta["height"], result.meta["tiles"]) == (1024, 1024, 1)


def test_output_is_aligned_with_the_ground_truth(engine: EnhanceEngine, comic: bytes) -> None:
    """A shift, a channel swap or a broken tile would drop PSNR far below bicubic's."""
    image, _ = enhance(engine, comic)
    truth = np.asarray(Image.open(DATA / "comic_gt.png").convert("RGB"))
    bicubic = np.asarray(Image.open(DATA / "comic_lq.png").convert("RGB")
                         .resize((240, 360), Image.Resampling.BICUBIC))
    assert psnr(np.asarray(image), truth) > psnr(bicubic, truth) - 2.0


def test_tiles_join_without_seams(comic: bytes) -> None:
    rgb = np.asarray(Image.open(io.BytesIO(comic)).convert("RGB"))
    network = NcnnUpscaler(ModelCatalog.discover(None).pick("realesr-animevideov3", 4), -1)
    whole = upscale_tiled(rgb, plan_tiles(60, 90, 128), 4, 4, network, lambda d, t: None)
    seen: list[int] = []
    tiled = upscale_tiled(rgb, plan_tiles(60, 90, 32), 4, 4, network,
                          lambda done, total: seen.append(total))
    no_overlap = upscale_tiled(rgb, plan_tiles(60, 90, 32, overlap_px=0), 4, 4, network,
                               lambda d, t: None)
    assert seen == [6] * 6
    assert psnr(tiled, whole) > 50 > psnr(no_overlap, whole)


def test_rgba_keeps_alpha(engine: EnhanceEngine) -> None:
    pixels = np.zeros((64, 64, 4), dtype=np.uint8)
    pixels[..., :3] = np.random.default_rng(2).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    pixels[:, :32, 3] = 255
    image, result = enhance(engine, png(Image.fromarray(pixels, "RGBA")))
    assert image.mode == "RGBA" and image.size == (256, 256)
    alpha = np.asarray(image.getchannel("A"))
    assert alpha[:, :120].min() == 255 and alpha[:, 136:].max() == 0
    assert result.meta["tile_px"] == 64


def test_sixteen_bit_rgba_png(engine: EnhanceEngine) -> None:
    image, _ = enhance(engine, (DATA / "tree_alpha_16bit.png").read_bytes(), scale=2)
    assert image.mode == "RGBA" and image.size == (684, 512)
    alpha = np.asarray(image.getchannel("A"))
    assert alpha.min() == 0 and alpha.max() == 255


def test_sixteen_bit_gray_png(engine: EnhanceEngine) -> None:
    ramp = np.tile(np.linspace(0, 65535, 64).astype("<u2"), (48, 1))
    data = png(Image.frombytes("I;16", (64, 48), ramp.tobytes()))
    image, _ = enhance(engine, data, scale=2)
    assert image.mode == "L" and image.size == (128, 96)
    row = np.asarray(image, dtype=float)[48]
    assert row[:8].mean() < 40 and row[-8:].mean() > 215  # the ramp survives the 8-bit reduction


def test_grayscale_stays_grayscale(engine: EnhanceEngine) -> None:
    with Image.open(DATA / "wolf_gray.jpg") as source:
        crop = source.crop((70, 70, 166, 166))
        buffer = io.BytesIO()
        crop.save(buffer, "JPEG", quality=95)
    image, _ = enhance(engine, buffer.getvalue(), scale=2)
    assert image.mode == "L" and image.size == (192, 192)


def test_palette_and_tiny_inputs(engine: EnhanceEngine) -> None:
    palette = Image.new("RGB", (5, 3), (200, 30, 30)).convert("P")
    image, _ = enhance(engine, png(palette))
    assert image.size == (20, 12)
    red, green, _ = np.asarray(image.convert("RGB"), dtype=float).reshape(-1, 3).mean(axis=0)
    assert red > 150 and green < 80  # not the black a bare 5x3 call returns


def test_exif_orientation_is_applied(engine: EnhanceEngine) -> None:
    stored = Image.new("RGB", (64, 32), (255, 255, 255))
    stored.paste((255, 0, 0), (0, 0, 16, 16))  # red in the stored top-left
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90 degrees clockwise
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", quality=95, exif=exif)
    image, _ = enhance(engine, buffer.getvalue())
    assert image.size == (128, 256)
    top_right = np.asarray(image.convert("RGB"))[:48, -48:].reshape(-1, 3).mean(axis=0)
    assert top_right[0] > 180 and top_right[1] < 80


@pytest.mark.parametrize(("fmt", "media_type", "pil_format"),
                         [("jpeg", "image/jpeg", "JPEG"), ("webp", "image/webp", "WEBP")])
def test_lossy_formats(engine: EnhanceEngine, comic: bytes, fmt: str, media_type: str,
                       pil_format: str) -> None:
    image, result = enhance(engine, comic, format=fmt, quality="85", scale=2)
    assert result.media_type == media_type and image.format == pil_format
    assert image.size == (120, 180)


def test_too_large_output_is_refused_before_work(comic: bytes) -> None:
    small = EnhanceEngine(Settings(enhance_max_output_pixels=60 * 90 * 16 - 1))
    small.load()
    progress: list[int] = []
    with pytest.raises(InputTooLarge, match="ENHANCE_MAX_OUTPUT_PIXELS"):
        small.run(JobInput(data=comic, progress=lambda done, total: progress.append(done)))
    assert progress == []
    _, result = enhance(small, comic, scale=2)  # x2 fits the same limit
    assert result.meta["width"] == 120


def test_heavy_model_refused_over_the_hard_limit(comic: bytes) -> None:
    tight = EnhanceEngine(Settings(max_worker_rss_mb=600, hard_worker_rss_mb=800))
    tight.load()
    with pytest.raises(InputTooLarge, match="HARD_WORKER_RSS_MB"):
        tight.run(JobInput(data=comic, params={"model": "realesrgan-x4plus"}))
    assert all(name != "realesrgan-x4plus" for name, _ in tight._networks)  # never loaded


def test_plugin_model_from_the_model_dir(tmp_path: Path, engine: EnhanceEngine,
                                         comic: bytes) -> None:
    for suffix in (".param", ".bin"):
        shutil.copy(builtin_models_dir() / f"realesr-animevideov3-x2{suffix}",
                    tmp_path / f"my-net-x2{suffix}")
    with_plugin = EnhanceEngine(Settings(enhance_model_dir=tmp_path))
    with_plugin.load()
    image, result = enhance(with_plugin, comic, model="my-net-x2", scale=2)
    builtin, _ = enhance(engine, comic, scale=2)
    assert result.meta["model"] == "my-net-x2"
    assert np.array_equal(np.asarray(image), np.asarray(builtin))  # same weights, same pixels


def test_no_software_vulkan_device_is_taken_for_a_gpu() -> None:
    from docwarden.engines.enhance.device import vulkan_devices

    if any(kind in GPU_DEVICE_TYPES for kind, _ in vulkan_devices()):
        pytest.skip("this machine has a real Vulkan GPU")
    assert select_device_id(Settings(device="cuda")) == CPU_DEVICE_ID
