"""Model catalog, plug-in discovery and request parsing of the enhance engine (no model run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from docwarden.engines.enhance.engine import EnhanceRequest
from docwarden.engines.enhance.models import SCALE_IN_NAME, ModelCatalog, param_blobs, plugin_spec
from docwarden.errors import InvalidInput

GOOD_PARAM = """7767517
3 3
Input                    input.1                  0 1 data
Convolution              Conv_0                   1 1 data 5 0=48 1=3 6=1296
PixelShuffle             DepthToSpace_1           1 1 5 output 0=4
"""


def write_model(directory: Path, stem: str, param: str = GOOD_PARAM, with_bin: bool = True) -> Path:
    param_path = directory / f"{stem}.param"
    param_path.write_text(param, encoding="utf-8")
    if with_bin:
        (directory / f"{stem}.bin").write_bytes(b"\0" * 1024)
    return param_path


@pytest.mark.parametrize(("name", "scale"), [
    ("realesrgan-x4plus", 4), ("4x-UltraSharp", 4), ("RealESRGAN_x2plus", 2), ("mynet_3x", 3),
    ("x2", 2), ("model-x16", None), ("max4", None), ("plain", None),
])
def test_scale_from_file_name(name: str, scale: int | None) -> None:
    match = SCALE_IN_NAME.search(name)
    found = int(match.group(1) or match.group(2)) if match else None
    assert found == scale


def test_param_blobs() -> None:
    inputs, produced = param_blobs(GOOD_PARAM)
    assert inputs == {"data"} and {"data", "5", "output"} <= produced
    with pytest.raises(ValueError, match="7767517"):
        param_blobs("not a param file")


def test_plugin_spec_accepts_the_loader_convention(tmp_path: Path) -> None:
    spec = plugin_spec(write_model(tmp_path, "mynet-x4"))
    assert (spec.name, spec.scale, spec.builtin) == ("mynet-x4", 4, False)
    assert spec.cost.load_mb > 0


@pytest.mark.parametrize(("stem", "param", "with_bin", "reason"), [
    ("mynet-x4", GOOD_PARAM, False, "no mynet-x4.bin"),
    ("mynet", GOOD_PARAM, True, "no scale"),
    ("mynet-x4", GOOD_PARAM.replace(" output ", " result "), True, "'output'"),
    ("mynet-x4", GOOD_PARAM.replace("0 1 data", "0 1 images"), True, "'data'"),
])
def test_plugin_spec_rejects(tmp_path: Path, stem: str, param: str, with_bin: bool,
                             reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        plugin_spec(write_model(tmp_path, stem, param, with_bin))


def test_catalog_discovers_plugins_and_keeps_rejections(tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    write_model(plugins, "good-x2")
    write_model(plugins, "noscale")
    write_model(plugins, "realesrgan-x4plus")  # may not shadow a built-in
    catalog = ModelCatalog.discover(plugins, models_dir=tmp_path / "builtin")
    assert "good-x2" in catalog.names() and "noscale" not in catalog.names()
    assert catalog.pick("realesrgan-x4plus", 4).builtin
    with pytest.raises(InvalidInput, match="skipped: no scale"):
        catalog.pick("noscale", 4)
    with pytest.raises(InvalidInput, match="good-x2"):
        catalog.pick("nope", 4)


def test_pick_prefers_native_scale_then_the_next_larger(tmp_path: Path) -> None:
    catalog = ModelCatalog.discover(None, models_dir=tmp_path)
    assert catalog.pick("realesr-animevideov3", 2).scale == 2
    x4 = catalog.pick("realesr-animevideov3", 4)
    assert x4.param_path.name == "realesr-animevideov3-x4.param"
    assert catalog.pick("realesrgan-x4plus", 2).scale == 4
    plugins = tmp_path / "p"
    plugins.mkdir()
    write_model(plugins, "small-x2")
    with pytest.raises(InvalidInput, match="x2 at most"):
        ModelCatalog.discover(plugins, models_dir=tmp_path).pick("small-x2", 4)


def test_request_parsing() -> None:
    request = EnhanceRequest.parse({}, "realesr-animevideov3")
    assert (request.scale, request.model, request.format, request.quality) == (
        4, "realesr-animevideov3", "png", 90)
    request = EnhanceRequest.parse({"scale": "2", "model": "m", "format": "webp",
                                    "quality": "70"}, "d")
    assert (request.scale, request.model, request.format, request.quality) == (2, "m", "webp", 70)
    for bad in ("3", "x", 8):
        with pytest.raises(InvalidInput, match="scale"):
            EnhanceRequest.parse({"scale": bad}, "d")
