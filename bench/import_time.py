"""Import time of the (128, 192) bmshj2018-factorized encoder and decoder at 1280×720.

Prints the time to load the frontend (torch, CompressAI), then for
each run the import's total and the share spent in torch.export, in torch-mlir
(decompositions, FX import, printing), in rewriting the text (locations,
resource handles) and in xDSL's parser; then the wall time of a whole `licc`
run on the same model saved as a checkpoint (a fresh process; import and
conversion to lic, the flow this goal is set for — the full HLS pipeline is
timed by bench/csim.py), against the 15 s goal. Run from the repository:

    .venv/bin/python bench/import_time.py [--runs 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LICC_GOAL_S = 15.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="imports to time (the first includes warm-up)")
    args = parser.parse_args()

    start = time.perf_counter()
    from lic_compiler.frontend import import_model
    from lic_compiler.ir import print_module
    from lic_compiler.models import build

    print(f"loading torch and CompressAI: {time.perf_counter() - start:.2f} s")
    model = build("bmshj2018-factorized", 128, 192).eval()
    for run in range(1, args.runs + 1):
        start = time.perf_counter()
        result = import_model(model, parts=["encoder", "decoder"], frame=(1280, 720))
        total = time.perf_counter() - start
        shares = ", ".join(f"{phase} {seconds:.2f} s ({seconds / total:.0%})" for phase, seconds in result.timings.items())
        other = total - sum(result.timings.values())
        print(f"run {run}: import {total:.2f} s = {shares}, other {other:.2f} s ({other / total:.0%})")
    size = len(print_module(result.module).encode())
    print(f"printed module: {size / 1e6:.1f} MB")
    time_licc(model)


def time_licc(model) -> None:
    """Wall time of `licc CKPT -o BUILD` in a fresh process, as a user runs it."""
    from lic_compiler.models import save_checkpoint

    with tempfile.TemporaryDirectory() as tmp:
        ckpt = Path(tmp) / "model.pt"
        save_checkpoint(ckpt, model, "bmshj2018-factorized", {"N": 128, "M": 192, "gdn": "standard"})
        start = time.perf_counter()
        subprocess.run([str(Path(sys.executable).parent / "licc"), str(ckpt), "-o", f"{tmp}/build",
                        "-p", "convert-torch-to-lic"], check=True, capture_output=True)
        wall = time.perf_counter() - start
    print(f"licc (128, 192) at 1280x720, import + convert-torch-to-lic: {wall:.1f} s "
          f"(goal {LICC_GOAL_S:.0f} s, ratio {wall / LICC_GOAL_S:.2f})")


if __name__ == "__main__":
    main()
