"""RSS of a long-running OCR worker under different onnxruntime / allocator options.

Each option set runs in its own fresh interpreter (spawned with the same
environment the supervisor gives a worker: thread caps, LD_PRELOAD of
jemalloc or MALLOC_ARENA_MAX=2 + malloc_trim after each job), loads one
OcrEngine and runs the same seeded sequence of varied jobs: the images of
/work/shared/testdata/ocr, resized (x0.4-2.5), rotated (quarter turns plus a
small skew) and re-encoded as PNG or JPEG.  The sets run one after another
and are reported side by side; CPU time per job is reported next to wall
time because wall time is unreliable on a shared, busy host.

    .venv/bin/python -m bench.memory.ocr [--jobs 1000] [--sets a,b,c,d,e] [--seed 7]
                                         [--retain-mb 256 | --retain-mb 0,64,256]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil
from PIL import Image

from bench import RESULTS, ROOT, module_command
from docwarden.settings import Settings

DEFAULT_TESTDATA = ROOT.parent / "shared" / "testdata"
DEFAULT_OUT = RESULTS / "ocr_memory.json"
MIB = 1024 * 1024


@dataclass(frozen=True)
class OptionSet:
    key: str
    label: str
    cpu_mem_arena: bool
    mem_pattern: bool
    allocator: str  # "glibc-default" | "glibc" (ARENA_MAX=2 + trim) | "jemalloc"


OPTION_SETS = {
    s.key: s
    for s in (
        OptionSet("a", "arena on, glibc (ORT defaults)", True, True, "glibc-default"),
        OptionSet("b", "arena off, glibc ARENA_MAX=2 + trim", False, True, "glibc"),
        OptionSet("c", "arena off, jemalloc", False, True, "jemalloc"),
        OptionSet("d", "arena+pattern off, glibc ARENA_MAX=2 + trim", False, False, "glibc"),
        OptionSet("e", "arena+pattern off, jemalloc", False, False, "jemalloc"),
    )
}


def child_environment(allocator: str) -> tuple[dict[str, str], bool]:
    """The worker environment the supervisor would build, and whether to trim after jobs."""
    from docwarden.settings import Allocator, Settings
    from docwarden.supervisor.handle import allocator_environment
    from docwarden.worker.runtime import thread_environment

    if allocator == "glibc-default":
        return thread_environment(1), False
    return allocator_environment(Settings(allocator=Allocator(allocator))), True


def varied_job(rng: random.Random, files: list[Path]) -> bytes:
    """One input: a test image resized, turned, skewed and re-encoded (seeded)."""
    with Image.open(rng.choice(files)) as source:
        image = source.convert("RGBA" if "A" in source.mode else "RGB")
    scale = rng.uniform(0.4, 2.5)
    size = (max(8, round(image.width * scale)), max(8, round(image.height * scale)))
    image = image.resize(size, Image.Resampling.BILINEAR)
    angle = rng.choice((0, 90, 180, 270)) + rng.uniform(-8.0, 8.0)
    image = image.rotate(angle, expand=True, fillcolor="white" if image.mode == "RGB" else None)
    buffer = io.BytesIO()
    if image.mode == "RGB" and rng.random() < 0.5:
        image.save(buffer, format="JPEG", quality=rng.randint(60, 95))
    else:
        image.save(buffer, format="PNG")
    return buffer.getvalue()


def run_child(args: argparse.Namespace) -> None:
    """Inside the spawned interpreter: load, run the jobs, print one JSON line."""
    from docwarden.engines.base import JobInput
    from docwarden.engines.ocr.engine import OcrEngine, OrtMemoryOptions
    from docwarden.settings import Settings
    from docwarden.worker.runtime import trim_heap

    opts = OPTION_SETS[args.child]
    proc = psutil.Process()
    engine = OcrEngine(Settings(), OrtMemoryOptions(opts.cpu_mem_arena, opts.mem_pattern))
    engine.load()
    start_rss = proc.memory_info().rss
    files = sorted(p for p in (args.testdata / "ocr").rglob("*") if p.suffix in {".jpg", ".png"})
    rng = random.Random(args.seed)
    every = max(1, args.jobs // 20)
    samples, busy_s, cpu_s, mid_rss = [], 0.0, 0.0, start_rss
    for index in range(1, args.jobs + 1):
        data = varied_job(rng, files)
        started, started_cpu = time.perf_counter(), time.process_time()
        engine.run(JobInput(data=data))
        busy_s += time.perf_counter() - started
        cpu_s += time.process_time() - started_cpu
        if args.trim:
            trim_heap(args.retain_mb * MIB)  # as a worker does after each job
        if index == args.jobs // 2:
            mid_rss = proc.memory_info().rss
        if index % every == 0:
            samples.append([index, proc.memory_info().rss])
    final_rss = proc.memory_info().rss
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"start_rss": start_rss, "mid_rss": mid_rss, "final_rss": final_rss,
                      "peak_rss": peak_rss, "time_per_job_s": busy_s / args.jobs,
                      "cpu_per_job_s": cpu_s / args.jobs,
                      "samples": samples}))


def spawn(opts: OptionSet, args: argparse.Namespace, retain_mb: int) -> dict[str, Any]:
    env_extra, trim = child_environment(opts.allocator)
    env = {k: v for k, v in os.environ.items() if k not in {"LD_PRELOAD", "MALLOC_CONF",
                                                            "MALLOC_ARENA_MAX"}}
    env.update(env_extra)
    command = module_command("bench.memory.ocr", "--child", opts.key, "--jobs", str(args.jobs),
                             "--seed", str(args.seed), "--testdata", str(args.testdata),
                             "--retain-mb", str(retain_mb))
    if trim:
        command.append("--trim")
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"set {opts.key} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["environment"] = {k: env_extra[k] for k in env_extra if "NUM_THREADS" not in k}
    result["trim_after_job"] = trim
    result["retain_mb"] = retain_mb if trim else None
    label = f"{opts.label}, keep {retain_mb}" if trim else opts.label
    return {**asdict(opts), **result, "label": label}


def print_table(results: list[dict[str, Any]]) -> None:
    base = results[0]
    print(f"{'set':3} {'options':54} {'start':>6} {'mid':>6} {'final':>6} {'peak':>6} "
          f"{'2nd-half':>8} {'ms/job':>7} {'cpu ms':>7} {'final/a':>7} {'cpu/a':>6}")
    for r in results:
        growth = (r["final_rss"] - r["mid_rss"]) / MIB
        print(f"{r['key']:3} {r['label']:54} {r['start_rss'] / MIB:6.0f} {r['mid_rss'] / MIB:6.0f} "
              f"{r['final_rss'] / MIB:6.0f} {r['peak_rss'] / MIB:6.0f} {growth:+8.0f} "
              f"{r['time_per_job_s'] * 1000:7.0f} {r['cpu_per_job_s'] * 1000:7.0f} "
              f"{r['final_rss'] / base['final_rss']:7.2f} "
              f"{r['cpu_per_job_s'] / base['cpu_per_job_s']:6.2f}")
    print("RSS in MiB; 2nd-half = final - RSS after half the jobs (0 = flat); ms/job = wall "
          "time, cpu ms = process CPU time per job (robust to a busy host); ratios vs first set")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--sets", default="a,b,c,d,e")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--testdata", type=Path, default=DEFAULT_TESTDATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--child", choices=sorted(OPTION_SETS), help=argparse.SUPPRESS)
    parser.add_argument("--retain-mb", default=str(Settings().worker_retain_free_mb),
                        help="WORKER_RETAIN_FREE_MB for the trimming sets; a comma list runs "
                             "each set once per value")
    parser.add_argument("--trim", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.retain_mb = int(args.retain_mb)
        run_child(args)
        return
    results = []
    for key in args.sets.split(","):
        for retain_mb in [int(value) for value in args.retain_mb.split(",")]:
            print(f"running set {key} ({OPTION_SETS[key].label}, keep {retain_mb} MiB), "
                  f"{args.jobs} jobs ...", flush=True)
            results.append(spawn(OPTION_SETS[key], args, retain_mb))
    print_table(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {"jobs": args.jobs, "seed": args.seed, "cpu_count": os.cpu_count(),
              "results": results}
    args.out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
