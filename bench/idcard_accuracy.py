"""Field accuracy of the idcard engine on seeded synthetic cards, clean and degraded.

    python bench/idcard_accuracy.py --cards 120 [--jobs 4] [--seed 1000]

Every card is read in-process by the real engine (real OCR models) four times:
front and back clean, and front and back under one degradation (cycling
through rotations, skew, blur, JPEG q=40, half resolution, textured
background).  Prints exact-match accuracy per field and per degradation and
writes bench/results/idcard_accuracy.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from docwarden.engines.base import JobInput  # noqa: E402
from docwarden.engines.idcard import IdCardEngine  # noqa: E402
from docwarden.errors import DocwardenError  # noqa: E402
from docwarden.settings import Settings  # noqa: E402
from tests.cardgen import DEGRADATIONS, fonts_available, make_card  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "idcard_accuracy.json"
FRONT_FIELDS = ("name", "sex", "ethnicity", "birth", "address", "id_number")
BACK_FIELDS = ("issuing_authority", "valid_from", "valid_to")
TARGETS = {"clean": 0.98, "degraded": 0.90}
_ENGINES: list[IdCardEngine] = []


def _init_worker() -> None:
    """Load one engine per process (the pool initialiser, or once in-process)."""
    engine = IdCardEngine(Settings())
    engine.load()
    _ENGINES.append(engine)


def read_one(task: tuple[int, str, str]) -> dict[str, Any]:
    """Generate one card, read it, compare every field of its side."""
    seed, side, degradation = task
    card = make_card(seed, side, degradation)
    started = time.perf_counter()
    try:
        result = _ENGINES[0].run(JobInput(data=card.data, params={"side": "auto"}))
        assert isinstance(result, dict)
        got, error = result["fields"], None
        detected = result["side"]
    except DocwardenError as exc:
        got, error, detected = {}, exc.message, None
    elapsed_s = time.perf_counter() - started
    wanted = FRONT_FIELDS if side == "front" else BACK_FIELDS
    return {
        "seed": seed, "side": side, "degradation": degradation, "seconds": elapsed_s,
        "side_ok": detected == side, "error": error,
        "fields": {name: {"expected": card.fields[name], "got": got.get(name)} for name in wanted},
    }


def tasks(cards: int, base_seed: int) -> list[tuple[int, str, str]]:
    degraded = [kind for kind in DEGRADATIONS if kind != "clean"]
    jobs: list[tuple[int, str, str]] = []
    for index in range(cards):
        seed = base_seed + index
        kind = degraded[index % len(degraded)]
        for side in ("front", "back"):
            jobs += [(seed, side, "clean"), (seed, side, kind)]
    return jobs


def summarise(reads: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Accuracy per field (and whole side, "card") per degradation, plus all degraded together."""
    table: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for read in reads:
        keys = [read["degradation"]] + (["degraded"] if read["degradation"] != "clean" else [])
        hits = {name: pair["expected"] == pair["got"] for name, pair in read["fields"].items()}
        for key in keys:
            for name, hit in hits.items():
                table[key][name].append(hit)
            table[key]["card"].append(all(hits.values()))
    return {key: {name: round(sum(values) / len(values), 4) for name, values in row.items()}
            for key, row in sorted(table.items())}


def misses(reads: list[dict[str, Any]], limit: int = 40) -> list[dict[str, Any]]:
    found = []
    for read in reads:
        for name, pair in read["fields"].items():
            if pair["expected"] != pair["got"]:
                found.append({"seed": read["seed"], "degradation": read["degradation"],
                              "field": name, **pair, "error": read["error"]})
    return found[:limit]


def print_report(summary: dict[str, Any], reads: list[dict[str, Any]]) -> None:
    fields = (*FRONT_FIELDS, *BACK_FIELDS)
    print(f"{'degradation':<12}" + "".join(f"{name[:9]:>10}" for name in fields) + f"{'card':>8}")
    for key in (*DEGRADATIONS, "degraded"):
        row = summary.get(key, {})
        cells = "".join(f"{row[n]:>10.3f}" if n in row else f"{'-':>10}" for n in (*fields, "card"))
        print(f"{key:<12}{cells}")
    seconds = [read["seconds"] for read in reads]
    print(f"{len(reads)} reads, mean {sum(seconds) / len(seconds):.2f} s/read, "
          f"side detected right {sum(r['side_ok'] for r in reads)}/{len(reads)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if not fonts_available():
        sys.exit("Noto CJK fonts are missing (apt-get install fonts-noto-cjk)")
    work = tasks(args.cards, args.seed)
    started = time.perf_counter()
    if args.jobs > 1:
        with multiprocessing.get_context("spawn").Pool(args.jobs, _init_worker) as pool:
            reads = pool.map(read_one, work, chunksize=4)
    else:
        _init_worker()
        reads = [read_one(task) for task in work]
    summary = summarise(reads)
    print_report(summary, reads)
    clean = summary.get("clean", {})
    degraded = summary.get("degraded", {})
    report = {
        "cards": args.cards, "seed": args.seed, "reads": len(reads),
        "wall_s": round(time.perf_counter() - started, 1), "jobs": args.jobs,
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform()},
        "targets": TARGETS,
        "meets_targets": {
            "clean": all(v >= TARGETS["clean"] for k, v in clean.items() if k != "card"),
            "degraded": all(v >= TARGETS["degraded"] for k, v in degraded.items() if k != "card"),
        },
        "accuracy": summary, "misses": misses(reads),
        "mean_s_per_read": round(sum(r["seconds"] for r in reads) / len(reads), 3),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
