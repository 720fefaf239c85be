"""What lic-protect costs: the design's resources and frame rate with and without it.

    OMP_NUM_THREADS=1 .venv/bin/python bench/protect_cost.py [--model PT] [--frame WxH] [--protect OPTIONS]

Builds the model's encoder and decoder as `licc-faults` does (the default
pipeline), then again with ``lic-protect{OPTIONS}`` after it, and prints the
cost model's LUT, BRAM18, DSP, FF and each part's FPS for both, the increase,
and which memories were protected (under tmr-high: from which bit up).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch

from lic_compiler.driver import BuildOptions, compile_model
from lic_compiler.faults.campaign import PARTS
from lic_compiler.faults.run import hardware
from lic_compiler.hw.protect import voted
from lic_compiler.hw.stages import module_stages


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="models/zoo/default.pt")
    ap.add_argument("--frame", default="256x256")
    ap.add_argument("--protect", default='scheme=tmr-high ranking="docs/results/faults-student.json"',
                    help="lic-protect's options")
    args = ap.parse_args()
    torch.set_num_threads(1)
    frame = tuple(int(v) for v in args.frame.split("x"))
    results = {}
    with tempfile.TemporaryDirectory(prefix="licc-protect-cost-") as tmp:
        for name, pipeline in (("unprotected", "..."), ("protected", f"...,lic-protect{{{args.protect}}}")):
            build = compile_model(args.model, Path(tmp) / name, BuildOptions(parts=list(PARTS), frame=frame, pipeline=pipeline))
            results[name] = hardware(build.module)
            chosen = [f"@{part} {s.name} {what}" + (f" (bits {low}–{low + high - 1} voted)" if low else "")
                      for part, stages in module_stages(build.module).items()
                      for s in stages for what, (low, high) in voted(s.op).items()]
    before, after = results["unprotected"], results["protected"]
    print(f"lic-protect{{{args.protect}}} on {args.model} at {args.frame}: {len(chosen)} memories protected")
    for what in chosen:
        print(f"  {what}")
    print(f"{'':8s} {'unprotected':>12s} {'protected':>12s} {'increase':>9s}")
    for r in ("lut", "bram18", "dsp", "ff"):
        a, b = before["used"][r], after["used"][r]
        print(f"{r:8s} {a:12,} {b:12,} {100 * (b - a) / a if a else 0.0:8.2f}%")
    for part in PARTS:
        a, b = before["fps"][part], after["fps"][part]
        print(f"{part + ' FPS':8s} {a:12,.1f} {b:12,.1f} {100 * (b - a) / a:8.2f}%")


if __name__ == "__main__":
    main()
