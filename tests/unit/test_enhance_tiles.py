"""Tile planning, the output-pixel check and the memory model of the enhance engine."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from docwarden.engines.enhance.tiles import (
    MIN_TILE_PX,
    OVERLAP_PX,
    ModelCost,
    call_extent,
    check_output_pixels,
    check_webp_size,
    choose_tile_px,
    plan,
    plan_tiles,
    predict_peak_mb,
    tile_mb,
    upscale_tiled,
)
from docwarden.errors import InputTooLarge

COST = ModelCost(load_mb=40, tile_kb_per_px=4.0, tile_fixed_mb=10, max_tile_px=384)
HEAVY = ModelCost(load_mb=900, tile_kb_per_px=75.0, tile_fixed_mb=20, max_tile_px=128)


def nearest(scale: int) -> Callable[[np.ndarray], np.ndarray]:
    """A stand-in for the model: nearest-neighbour upscaling."""

    def upscale(pixels: np.ndarray) -> np.ndarray:
        return np.repeat(np.repeat(pixels, scale, axis=0), scale, axis=1)
    return upscale


@pytest.mark.parametrize(("width", "height", "tile_px"),
                         [(1, 1, 32), (100, 37, 32), (130, 128, 128), (513, 200, 256)])
def test_tiles_cover_every_pixel_exactly_once(width: int, height: int, tile_px: int) -> None:
    cover = np.zeros((height, width), dtype=int)
    for tile in plan_tiles(width, height, tile_px):
        cover[tile.y0:tile.y1, tile.x0:tile.x1] += 1
        assert tile.x1 - tile.x0 <= tile_px and tile.y1 - tile.y0 <= tile_px
        assert 0 <= tile.cx0 <= tile.x0 and tile.x1 <= tile.cx1 <= width
        assert 0 <= tile.cy0 <= tile.y0 and tile.y1 <= tile.cy1 <= height
        assert tile.x0 - tile.cx0 == min(OVERLAP_PX, tile.x0)
    assert (cover == 1).all()


def test_tiles_are_balanced_without_thin_slivers() -> None:
    widths = {tile.x1 - tile.x0 for tile in plan_tiles(130, 10, 128)}
    assert widths == {65}


def test_output_pixels_checked_against_the_limit() -> None:
    assert check_output_pixels(100, 50, 4, 80_000) == 80_000
    with pytest.raises(InputTooLarge, match="ENHANCE_MAX_OUTPUT_PIXELS") as info:
        check_output_pixels(100, 50, 4, 79_999)
    assert "400x200" in info.value.message


def test_webp_side_limit() -> None:
    check_webp_size(4095, 10, 4)
    with pytest.raises(InputTooLarge, match="WebP"):
        check_webp_size(4096, 10, 4)


def test_tile_grows_with_the_budget_and_stays_in_bounds() -> None:
    sizes = [choose_tile_px(COST, 4000, 4000, 4, budget) for budget in (0, 100, 300, 5000)]
    assert sizes == sorted(sizes)
    assert sizes[0] == MIN_TILE_PX and sizes[-1] == COST.max_tile_px
    assert tile_mb(COST, 4000, 4000, sizes[2], 4) <= 300
    assert choose_tile_px(COST, 50, 40, 4, 5000) == 50  # no tile larger than the image


@pytest.mark.parametrize(("length", "tile_px", "extent"),
                         [(50, 64, 50), (100, 64, 60), (300, 64, 80), (65, 64, 43)])
def test_call_extent_is_the_longest_context(length: int, tile_px: int, extent: int) -> None:
    tiles = plan_tiles(length, 1, tile_px)
    assert call_extent(length, tile_px) == extent == max(t.cx1 - t.cx0 for t in tiles)


def test_plan_reports_the_tile_actually_used() -> None:
    tile_plan = plan(COST, 100, 512, 200, 4, 4, soft_limit_mb=5000, hard_limit_mb=6000)
    assert tile_plan.tile_px == 256  # two balanced 256 px columns, not one 384 and a sliver
    assert len(tile_plan.tiles) == 2


def test_predicted_peak_grows_with_input_and_tile() -> None:
    small = predict_peak_mb(COST, 200, 64, 64, 4, 4, 64)
    large = predict_peak_mb(COST, 200, 1024, 1024, 4, 4, 64)
    bigger_tile = predict_peak_mb(COST, 200, 1024, 1024, 4, 4, 256)
    assert 200 < small < large < bigger_tile


def test_plan_fits_the_soft_limit_when_it_can() -> None:
    tile_plan = plan(COST, 200, 1000, 1000, 4, 4, soft_limit_mb=700, hard_limit_mb=3000)
    assert tile_plan.predicted_peak_mb <= 700
    assert tile_plan.tile_px < COST.max_tile_px


def test_plan_refuses_over_the_hard_limit() -> None:
    with pytest.raises(InputTooLarge, match="HARD_WORKER_RSS_MB"):
        plan(HEAVY, 1100, 256, 256, 4, 4, soft_limit_mb=1000, hard_limit_mb=1200)


@pytest.mark.parametrize(("width", "height", "tile_px"), [(70, 45, 32), (33, 64, 32), (5, 3, 32)])
def test_tiled_upscale_matches_whole_image(width: int, height: int, tile_px: int) -> None:
    rgb = np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)
    calls: list[tuple[int, int]] = []
    out = upscale_tiled(rgb, plan_tiles(width, height, tile_px), 4, 4, nearest(4),
                        lambda done, total: calls.append((done, total)))
    assert np.array_equal(out, nearest(4)(rgb))
    assert calls[-1][0] == calls[-1][1] == len(calls)


def test_every_call_has_the_same_shape() -> None:
    """ncnn pools blobs by size: mixed shapes would ratchet RSS up."""
    shapes: set[tuple[int, ...]] = set()

    def recording(pixels: np.ndarray) -> np.ndarray:
        shapes.add(pixels.shape)
        return nearest(4)(pixels)

    rgb = np.random.default_rng(3).integers(0, 256, (101, 230, 3), dtype=np.uint8)
    out = upscale_tiled(rgb, plan_tiles(230, 101, 48), 4, 4, recording, lambda d, t: None)
    assert np.array_equal(out, nearest(4)(rgb))
    assert len(shapes) == 1


def test_lower_scale_is_reduced_per_tile() -> None:
    rgb = np.full((40, 70, 3), 77, dtype=np.uint8)
    out = upscale_tiled(rgb, plan_tiles(70, 40, 32), 4, 2, nearest(4), lambda d, t: None)
    assert out.shape == (80, 140, 3)
    assert (out == 77).all()


def test_model_returning_a_wrong_size_is_an_error() -> None:
    rgb = np.zeros((20, 20, 3), dtype=np.uint8)
    with pytest.raises(RuntimeError, match="expected"):
        upscale_tiled(rgb, plan_tiles(20, 20, 32), 4, 4, nearest(2), lambda d, t: None)
