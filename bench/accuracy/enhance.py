"""Enhance engine: quality against bicubic, and peak RSS by input size (CPU).

1. Quality: PSNR and SSIM (numpy, Y channel of BT.601, 4 px border cropped,
   as super-resolution papers report them) of each model against plain
   bicubic upscaling, on the LR/HR pairs of shared/testdata/enhance
   (pairs/ and generated_pairs/, both plain and JPEG q40 LR).  Reported, not
   gated: a GAN invents texture, so it can score lower PSNR while looking
   sharper (and it distorts small text; see the engine's docstring).
2. Memory: peak RSS (ru_maxrss) of one job at 64, 128, 256, 512 px square
   inputs, each in a fresh interpreter with the worker's allocator (jemalloc
   when installed, as ALLOCATOR=auto): through EnhanceEngine.run (its own
   tile choice under the default limits), with a small fixed tile, and
   without tiling (one model call for the whole image), each next to the
   engine's prediction.

    .venv/bin/python -m bench.accuracy.enhance [--skip-quality] [--skip-memory] [--quick]

--quick leaves realesrgan-x4plus out (it takes minutes on a CPU).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from bench import RESULTS, ROOT, module_command

TESTDATA = ROOT.parent / "shared" / "testdata" / "enhance"
OUT = RESULTS / "enhance.json"
MARKER = "BENCH_RESULT "
BORDER_PX = 4
SIZES_PX = (64, 128, 256, 512)
TILE_PX = 64
HEAVY = "realesrgan-x4plus"
HEAVY_TILE_PX = 32
HEAVY_SIZES_PX = (64, 128)
# Quality runs with room for large tiles; the point there is pixels, not memory.
QUALITY_SOFT_MB, QUALITY_HARD_MB = 8192, 12288


def luma(rgb: np.ndarray) -> np.ndarray:
    rgb = rgb.astype(np.float64)
    if rgb.ndim == 2:
        return rgb
    return 16 + (65.481 * rgb[..., 0] + 128.553 * rgb[..., 1] + 24.966 * rgb[..., 2]) / 255


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a - b) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def gaussian_filter(image: np.ndarray, size: int = 11, sigma: float = 1.5) -> np.ndarray:
    """Separable Gaussian, 'valid' region only (as in Wang et al. 2004)."""
    axis = np.arange(size) - size // 2
    kernel = np.exp(-(axis**2) / (2 * sigma**2))
    kernel /= kernel.sum()
    rows = np.lib.stride_tricks.sliding_window_view(image, size, axis=0) @ kernel
    return np.lib.stride_tricks.sliding_window_view(rows, size, axis=1) @ kernel


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu_a, mu_b = gaussian_filter(a), gaussian_filter(b)
    var_a = gaussian_filter(a * a) - mu_a**2
    var_b = gaussian_filter(b * b) - mu_b**2
    cov = gaussian_filter(a * b) - mu_a * mu_b
    numerator = (2 * mu_a * mu_b + c1) * (2 * cov + c2)
    return float((numerator / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))).mean())


def scores(candidate: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    inner = (slice(BORDER_PX, -BORDER_PX), slice(BORDER_PX, -BORDER_PX))
    a, b = luma(candidate)[inner], luma(truth)[inner]
    return {"psnr_db": round(psnr(a, b), 3), "ssim": round(ssim(a, b), 4)}


def pairs() -> list[tuple[str, Path, Path]]:
    """(label, LR, HR) for every pair of the shared set."""
    found = [(f"pairs/{lr.name}", lr, TESTDATA / "pairs" / "gt" / lr.name)
             for lr in sorted((TESTDATA / "pairs" / "lq").glob("*.png"))]
    generated = TESTDATA / "generated_pairs"
    index = json.loads((generated / "pairs.json").read_text(encoding="utf-8"))["pairs"]
    for _, entry in sorted(index.items()):
        for key in ("lr", "lr_jpeg_q40"):
            found.append((f"generated/{Path(entry[key]).name}", generated / entry[key],
                          generated / entry["hr"]))
    return found


def quality(models: list[str]) -> list[dict[str, Any]]:
    from docwarden.engines.base import JobInput
    from docwarden.engines.enhance.engine import EnhanceEngine
    from docwarden.jobdata import BinaryResult
    from docwarden.settings import Settings

    engine = EnhanceEngine(Settings(max_worker_rss_mb=QUALITY_SOFT_MB,
                                    hard_worker_rss_mb=QUALITY_HARD_MB))
    engine.load()
    rows = []
    for label, lr_path, hr_path in pairs():
        hr_image = Image.open(hr_path)
        mode = "L" if hr_image.mode == "L" else "RGB"
        truth = np.asarray(hr_image.convert(mode))
        bicubic = np.asarray(Image.open(lr_path).convert(mode).resize(
            hr_image.size, Image.Resampling.BICUBIC))
        row: dict[str, Any] = {"pair": label, "bicubic": scores(bicubic, truth)}
        for model in models:
            started = time.perf_counter()
            result = engine.run(JobInput(data=lr_path.read_bytes(), params={"model": model}))
            assert isinstance(result, BinaryResult)
            out = np.asarray(Image.open(io.BytesIO(result.data)).convert(mode))
            row[model] = {**scores(out, truth), "seconds": round(time.perf_counter() - started, 2)}
        rows.append(row)
        print(quality_line(row, models), flush=True)
    return rows


def quality_line(row: dict[str, Any], models: list[str]) -> str:
    cells = [f"{row['pair']:<32}"]
    cells += [f"{m} {row[m]['psnr_db']:6.2f} dB {row[m]['ssim']:.3f}" for m in ["bicubic", *models]]
    return " | ".join(cells)


def test_image(side_px: int) -> bytes:
    source = TESTDATA / "inputs" / "OST_009.png"
    if source.exists():
        image = Image.open(source).convert("RGB").resize((side_px, side_px),
                                                         Image.Resampling.LANCZOS)
    else:
        shape = (side_px, side_px, 3)
        image = Image.fromarray(np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def vm_hwm_mb() -> float:
    """Peak RSS; unlike ru_maxrss, VmHWM does not inherit the parent's peak across fork+exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(config: dict[str, Any]) -> dict[str, Any]:
    """Child body: one x4 job, either through EnhanceEngine.run (mode `engine`, the
    worker's path with its own tile choice) or through the same steps with a forced
    tile (`tiled`) or one model call for the whole image (`untiled`)."""
    from docwarden.engines.base import JobInput
    from docwarden.engines.enhance.engine import EnhanceEngine
    from docwarden.engines.enhance.images import encode_image, finish_image, prepare_image
    from docwarden.engines.enhance.tiles import plan_tiles, predict_peak_mb, upscale_tiled
    from docwarden.engines.images import open_image
    from docwarden.jobdata import BinaryResult
    from docwarden.settings import Settings

    data, side = test_image(config["side_px"]), config["side_px"]
    engine = EnhanceEngine(Settings(enhance_model=config["model"]))
    engine.load()  # the model's x2 and x4 networks, as a worker loads them
    loaded_mb = vm_hwm_mb()
    spec = engine.catalog.pick(config["model"], 4)
    started = time.perf_counter()
    if config["mode"] == "engine":
        result = engine.run(JobInput(data=data, params={"scale": 4}))
        assert isinstance(result, BinaryResult)
        tile_px, predicted = result.meta["tile_px"], result.meta["predicted_peak_rss_mb"]
    else:
        tile_px = config["tile_px"] if config["mode"] == "tiled" else side
        predicted = predict_peak_mb(spec.cost, engine._resident_mb(spec), side, side,
                                    spec.scale, 4, tile_px)
        prepared = prepare_image(open_image(data, 1 << 30))
        out = upscale_tiled(prepared.rgb, plan_tiles(side, side, tile_px), spec.scale, 4,
                            engine._network(spec), lambda done, total: None)
        encode_image(finish_image(out, prepared), "png", 90)
    return {**config, "tile_px": tile_px, "loaded_mb": round(loaded_mb),
            "peak_mb": round(vm_hwm_mb()), "predicted_mb": round(predicted),
            "seconds": round(time.perf_counter() - started, 2)}


def child_environment() -> dict[str, str]:
    from docwarden.worker.runtime import find_jemalloc, thread_environment

    env = {**os.environ, **thread_environment(1)}
    jemalloc = find_jemalloc()
    if jemalloc is not None:
        env["LD_PRELOAD"] = str(jemalloc)
    return env


def memory(models: list[str]) -> list[dict[str, Any]]:
    configs = []
    for model in models:
        heavy = model == HEAVY
        for side in HEAVY_SIZES_PX if heavy else SIZES_PX:
            tile = HEAVY_TILE_PX if heavy else TILE_PX
            modes = ["engine", "untiled"] + (["tiled"] if tile < side else [])
            configs += [{"model": model, "side_px": side, "mode": mode, "tile_px": tile}
                        for mode in modes]
    rows = []
    for config in configs:
        done = subprocess.run(module_command("bench.accuracy.enhance", "--child",
                                             json.dumps(config)), cwd=ROOT,
                              env=child_environment(), capture_output=True, text=True, check=False)
        lines = [line for line in done.stdout.splitlines() if line.startswith(MARKER)]
        if done.returncode or not lines:
            row = {**config, "error": done.stderr.strip().splitlines()[-1:]}
        else:
            row = json.loads(lines[-1][len(MARKER):])
        rows.append(row)
        print(memory_line(row), flush=True)
    return rows


def memory_line(row: dict[str, Any]) -> str:
    head = f"{row['model']:<22} {row['side_px']:>4} px  {row['mode']:<8}"
    if "error" in row:
        return f"{head} FAILED {row['error']}"
    return (f"{head} tile {row['tile_px']:>4}  loaded {row['loaded_mb']:>5} MB"
            f"  peak {row['peak_mb']:>5} MB  predicted {row['predicted_mb']:>5} MB"
            f"  {row['seconds']:>6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--quick", action="store_true", help=f"leave {HEAVY} out")
    args = parser.parse_args()
    if args.child:
        print(MARKER + json.dumps(measure(json.loads(args.child))), flush=True)
        return
    if not TESTDATA.exists():
        sys.exit(f"shared test data not found at {TESTDATA}")
    models = ["realesr-animevideov3"] + ([] if args.quick else [HEAVY])
    report: dict[str, Any] = {"models": models, "cpu_count": os.cpu_count()}
    if not args.skip_quality:
        print("== PSNR / SSIM (Y, border 4) against HR; bicubic is the baseline ==")
        report["quality"] = quality(models)
    if not args.skip_memory:
        print("== peak RSS of one x4 job, fresh process each ==")
        report["memory"] = memory(models)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"written {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
