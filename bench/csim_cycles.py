"""The model is the hardware: each stage's loop iterations, counted in C simulation,
against the cycles the report gives it.

Builds MODEL with licc (`compile_model`, default pipeline) at --frame
(default 1280x720), compiles the emitted project's C simulation with every
kernel's pipelined loop counted (``-DLICC_COUNT_ITERS``, standard integer
types), streams one random frame through each part and prints, per stage
(named as its C++ function): the counted iterations, the report's cycles
per frame (report.json's hardware stages; without them the ``cost`` cycles
on the hls ops of the final IR; without those `hls_schedule.schedule`),
their ratio, and whether the iterations that read and wrote are the
schedule's. Exits 1 if any stage's count differs from its cycles by more
than 1 %. Run from the repository:

    .venv/bin/python bench/csim_cycles.py [MODEL] [--frame 1280x720] [--parts encoder] [--build DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from lic_compiler import hls_schedule
from lic_compiler.backends.hls_cpp.csim import build, run, schedule_counts
from lic_compiler.backends.hls_cpp.emitter import dataflows
from lic_compiler.dialects import hls
from lic_compiler.driver import BuildOptions, compile_model
from lic_compiler.frontend import parse_frame

STUDENT = Path(__file__).resolve().parent.parent / "models" / "zoo" / "default.pt"
UNTRAINED = "bmshj2018-factorized:64x96"
TOLERANCE = 0.01


def model_cycles(module, report: dict) -> dict[str, tuple[int, str]]:
    """Per ``part/stage``: the cycles per frame the build claims, and where they come from."""
    rows = {f"{r['function']}/{r['stage']}": r["cycles"] for r in report.get("hardware", {}).get("stages", [])}
    out = {}
    for part, flow in dataflows(module):
        for op, name in hls.stage_names(flow.stages()).items():
            key = f"{part}/{name}"
            if key in rows:
                out[key] = (int(rows[key]), "report")
            elif op.cost is not None and "cycles" in op.cost.data:
                out[key] = (op.cost.data["cycles"].value.data, "ir cost")  # type: ignore[attr-defined]
            else:
                out[key] = (hls_schedule.schedule(op).iters, "schedule")
    return out


def random_frames(module, seed: int = 0) -> dict[str, np.ndarray]:
    """One random input per part, in its input stream's integer range (the loops' trip
    counts do not depend on the values)."""
    rng = np.random.default_rng(seed)
    out = {}
    for part, flow in dataflows(module):
        stream = hls.stream_of(flow.block.args[0])
        lo, hi = hls.int_range(stream.element_type)
        out[part] = rng.integers(max(lo, -128), min(hi, 127) + 1, (1, *stream.get_shape()), dtype=np.int64)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=str(STUDENT) if STUDENT.exists() else UNTRAINED)
    parser.add_argument("--frame", default="1280x720", help="WIDTHxHEIGHT (default 1280x720)")
    parser.add_argument("--parts", default=None, help="comma-separated parts to build (default: the model's)")
    parser.add_argument("--build", type=Path, default=None, help="keep the build in this folder")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    with tempfile.TemporaryDirectory(prefix="licc-cycles-") as tmp:
        out_dir = args.build or Path(tmp) / "build"
        start = time.perf_counter()
        parts = args.parts.split(",") if args.parts else None
        result = compile_model(args.model, out_dir, BuildOptions(parts=parts, frame=parse_frame(args.frame)))
        build_s = time.perf_counter() - start
        module = result.module
        claimed = model_cycles(module, result.summary)
        expected = schedule_counts(module)
        inputs = random_frames(module)
        work = Path(tmp) / "csim"
        work.mkdir()
        (binary, compile_s), = build(out_dir / "hls", list(inputs), ("std",), work, count_iters=True).values()
        counted, run_s = {}, {}
        for part, x in inputs.items():
            _, run_s[part], counts = run(binary, part, x, work)
            counted |= counts or {}
    print(f"model: {args.model} at {args.frame}: licc {build_s:.1f} s, g++ {compile_s:.1f} s, "
          + ", ".join(f"{p} C simulation {s:.1f} s" for p, s in run_s.items()))
    print(f"{'stage':40s} {'counted':>12s} {'claimed':>12s} {'source':>9s} {'ratio':>8s}  reads/writes = schedule")
    worst = 0.0
    for key, (cycles, source) in claimed.items():
        mine = counted.get(key)
        iters = mine["iters"] if mine else 0
        ratio = iters / cycles if cycles else float("inf")
        worst = max(worst, abs(ratio - 1))
        same = "yes" if mine == expected[key] else "NO"
        print(f"{key:40s} {iters:>12,} {cycles:>12,} {source:>9s} {ratio:>8.4f}  {same}")
    for part in inputs:
        rows = [(k, v) for k, v in claimed.items() if k.startswith(f"{part}/")]
        slowest = max(rows, key=lambda kv: kv[1][0])
        print(f"@{part}: slowest stage {slowest[0]}: {counted[slowest[0]]['iters']:,} iterations counted, "
              f"{slowest[1][0]:,} cycles claimed ({slowest[1][1]})")
    verdict = worst <= TOLERANCE
    print(f"largest difference: {worst:.4%} ({'within' if verdict else 'OVER'} {TOLERANCE:.0%})")
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
