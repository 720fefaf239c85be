"""Time of `licc MODEL -o BUILD` and of its C simulation, for the student (or any model).

Two builds of MODEL (default: the bundled student, models/zoo/default.pt,
else an untrained (64, 96) factorized prior of the same shapes):

1. `licc MODEL -o BUILD`: import, integer lowering, parallelism, the HLS
   design, the whole project, report and plots at the default 1280×720 frame;
2. `licc MODEL -o BUILD --frame 256x256 --csim`: the same at 256×256, then
   the C simulation: g++ builds of the design in standard and ap_int types,
   run on a bundled BSDS500 crop, every output compared with the interpreter.

It prints the first build's seconds, the C simulation's seconds (the second
build's extra time), its verdict, and per part and type variant the compile
and run times. Run from the repository:

    .venv/bin/python bench/csim.py [MODEL] [--image FILE]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

from lic_compiler.driver import BuildOptions, compile_model
from lic_compiler.frontend import parse_frame

STUDENT = Path(__file__).resolve().parent.parent / "models" / "zoo" / "default.pt"
UNTRAINED = "bmshj2018-factorized:64x96"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=str(STUDENT) if STUDENT.exists() else UNTRAINED)
    parser.add_argument("--image", type=Path, default=None, help="C simulation input (default: a bundled BSDS500 crop)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    with tempfile.TemporaryDirectory(prefix="licc-bench-") as tmp:
        start = time.perf_counter()
        compile_model(args.model, Path(tmp) / "build", BuildOptions())
        build_s = time.perf_counter() - start
        start = time.perf_counter()
        options = BuildOptions(frame=parse_frame("256x256"), csim=True, image=args.image)
        csim = compile_model(args.model, Path(tmp) / "csim", options).summary["csim"]
        total_s = time.perf_counter() - start
    print(f"model: {args.model}")
    print(f"licc -o BUILD (1280x720): {build_s:6.1f} s   (goal: under 60 s)")
    print(f"--csim at 256x256 adds:   {csim['seconds']:6.1f} s   (goal: under 120 s; that build took {total_s:.1f} s in all)")
    print(f"verdict: {'equal to the interpreter, bit for bit' if csim['equal'] else 'DIFFERENT'}")
    print(f"  interpreter (golden outputs): {csim['interpreter_s']:.1f} s")
    for part, entry in csim["parts"].items():
        for variant, r in entry["variants"].items():
            print(
                f"  {part:14s} {variant:3s}  {entry['outputs']:>8,} outputs  {r['mismatches']:>5} mismatches"
                f"  compile {r['compile_s']:5.1f} s  run {r['run_s']:6.2f} s"
            )


if __name__ == "__main__":
    main()
