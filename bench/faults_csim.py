"""Fault-engine (interpreter) and C-simulation injections agree bit for bit: a random sample.

    OMP_NUM_THREADS=1 .venv/bin/python bench/faults_csim.py [--model PT] [--images DIR] [--frame WxH]
        [--per-class N] [--seed S] [--pipeline SPEC]

Builds the design as `licc-faults` does (both parts, the default pipeline or
`--pipeline`), draws N upsets per target class (weights, tables, streams,
accumulators and GDN's root tables) in each part as a campaign draws them (a memory in proportion
to its bits, a word, a bit, an image), runs each through the fault engine and
through the C simulation of the emitted C++ (`lic_compiler.faults.csim`: one
g++ program, the upset given at run time) and compares the part's outputs
integer by integer. Prints one line per disagreement and the agreement count.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from lic_compiler.driver import BuildOptions, compile_model
from lic_compiler.faults.campaign import PARTS, draw
from lic_compiler.faults.csim import FaultSim
from lic_compiler.faults.engine import Part
from lic_compiler.faults.inject import inject
from lic_compiler.faults.run import center_crop, load_images
from lic_compiler.faults.sites import ALL_TARGETS, memories


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="models/zoo/default.pt")
    ap.add_argument("--images", default="lic_compiler/data/calibration")
    ap.add_argument("--frame", default="128x128")
    ap.add_argument("--per-class", type=int, default=10, help="upsets per target class and part")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pipeline", default="...")
    args = ap.parse_args()
    torch.set_num_threads(1)
    frame = tuple(int(v) for v in args.frame.split("x"))
    crops = [center_crop(name, pixels, frame) for name, pixels in load_images(Path(args.images))]
    with tempfile.TemporaryDirectory(prefix="licc-faults-csim-") as tmp:
        build = compile_model(args.model, Path(tmp) / "build",
                              BuildOptions(parts=list(PARTS), frame=frame, pipeline=args.pipeline))
        parts = {name: Part(build.module, name) for name in PARTS}
        start = time.perf_counter()
        sim = FaultSim(build.module, parts, Path(tmp))
        print(f"fault program built in {time.perf_counter() - start:.1f} s")
        agree = total = changed = 0
        start = time.perf_counter()
        for name, part in parts.items():
            inputs = [c if name == "encoder" else parts["encoder"].clean_run(c)[-1] for c in crops]
            runs = [part.clean_run(x) for x in inputs]
            plan = draw(memories(part), ALL_TARGETS, dict.fromkeys(ALL_TARGETS, args.per_class), len(inputs), args.seed)
            for fault, image in plan:
                clean = runs[image]
                outcome = inject(part, clean, fault)
                want = clean[-1] if outcome.output is None else outcome.output.full()
                got = sim.run(name, inputs[image], fault)
                same = got.shape == want.shape and np.array_equal(got, want)
                agree += same
                total += 1
                changed += not np.array_equal(want, clean[-1])
                if not same:
                    print(f"DIFFERENT: {fault.memory.name} word {fault.word} bit {fault.bit} image {image}")
    print(f"{agree} of {total} injections agree bit for bit ({changed} changed the part's output; "
          f"{len(crops)} image(s) at {frame[0]}x{frame[1]}, {time.perf_counter() - start:.0f} s)")
    return 0 if agree == total else 1


if __name__ == "__main__":
    sys.exit(main())
