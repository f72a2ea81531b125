"""What every scenario shares: counts, the image set, the launcher, the worker environment."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.compare.procs import base_environment
from bench.compare.servers import Launcher

ROOT = Path(__file__).resolve().parents[2]
IMAGE_DIR = ROOT / "tests" / "data" / "ocr"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
# --quick: the four fastest images of the set (about 1 s of OCR per pass on one core).
QUICK_IMAGES = ("img_exif_orientation.jpg", "text_cls.jpg", "text_rec.jpg",
                "white_font_color_transparent.png")


@dataclass(frozen=True)
class Counts:
    """How much each scenario does; `quick` is a smoke check, `full` the reported run."""

    dispatch_requests: int  # per target, sequential
    dispatch_block: int     # requests per target before switching to the next one
    warmup_requests: int
    throughput_rounds: int  # alternating rounds per side and concurrency
    throughput_passes: int  # passes over the image set per round
    memory_passes: int
    hangs: int
    kills: int
    bare_loads: int
    recycling_rounds: int
    recycling_passes: int
    burst_requests: int
    concurrencies: tuple[int, ...] = (1, 2, 4)
    all_memory_layouts: bool = True  # False: skip the per-worker layout with docwarden's env

    @classmethod
    def quick(cls) -> Counts:
        return cls(dispatch_requests=200, dispatch_block=50, warmup_requests=20,
                   throughput_rounds=1, throughput_passes=1, memory_passes=1, hangs=2, kills=1,
                   bare_loads=1, recycling_rounds=1, recycling_passes=8, burst_requests=200,
                   concurrencies=(1, 2), all_memory_layouts=False)

    @classmethod
    def full(cls) -> Counts:
        return cls(dispatch_requests=500, dispatch_block=50, warmup_requests=50,
                   throughput_rounds=7, throughput_passes=3, memory_passes=2, hangs=5, kills=3,
                   bare_loads=3, recycling_rounds=3, recycling_passes=4, burst_requests=200)


def image_paths(quick: bool = False, directory: Path = IMAGE_DIR) -> list[Path]:
    """The fixed OCR image set: every image of tests/data/ocr (or the quick four), by name."""
    paths = sorted(p for p in directory.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES
                   and (not quick or p.name in QUICK_IMAGES))
    if not paths:
        raise RuntimeError(f"no OCR test images in {directory}")
    return paths


@dataclass(frozen=True)
class Bench:
    launcher: Launcher
    counts: Counts
    image_files: tuple[Path, ...]
    tmp_dir: Path

    @property
    def images(self) -> list[tuple[str, bytes]]:
        return [(path.name, path.read_bytes()) for path in self.image_files]

    @staticmethod
    def worker_variables() -> dict[str, str]:
        """The variables docwarden sets for an OCR worker (thread caps, allocator)."""
        from docwarden.settings import Settings
        from docwarden.supervisor.handle import allocator_environment

        return allocator_environment(Settings())

    def worker_env(self) -> dict[str, str]:
        """This environment plus the worker variables: the bare engine runs as a worker would."""
        return {**base_environment(self.tmp_dir), **self.worker_variables()}
