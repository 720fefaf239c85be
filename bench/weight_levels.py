"""How a build's integer weights use their levels: per convolution, the share at 0 and within ±1.

    OMP_NUM_THREADS=1 .venv/bin/python bench/weight_levels.py models/zoo/student-kd-factorized-64-96-q4.pt \\
        --precision 'file="models/zoo/precision-hybrid-w4.json"'

Builds the integer codec as ``licc-eval rd --integer --precision OPTIONS``
does (`lic_compiler.eval.integer.compile_integer`) and prints, for each
convolution of the encoder and decoder, its weight width and the share of
its integer weights that are 0 and that are −1, 0 or 1: how coarse
`lic-quantize`'s per-output-channel weight scale (the largest |w·s_in|) is
at that width.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch


def main() -> None:
    from lic_compiler.dialects import lic
    from lic_compiler.eval.integer import compile_integer
    from lic_compiler.ir import to_numpy

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint")
    parser.add_argument("--precision", default="", metavar="OPTIONS", help="lic-assign-precision options")
    args = parser.parse_args()
    torch.set_num_threads(1)
    assign = f"lic-assign-precision{{{args.precision}}}" if args.precision else "lic-assign-precision"
    module = compile_integer(args.checkpoint, assign)
    print("| function | convolution | shape | weight bits | at 0 | within ±1 |")
    print("|---|---|---|---:|---:|---:|")
    for f in module.body.block.ops:
        for op in f.walk():
            if isinstance(op, (lic.Conv2dOp, lic.ConvTranspose2dOp)) and op.weight.owner.name == "lic.constant":
                w = to_numpy(op.weight.owner.value)
                if w.shape[-1] == 1:
                    continue  # GDN's 1×1 norm convolutions: γ, on the GDN path
                bits = op.weight.type.element_type.width.data
                print(f"| {f.sym_name.data} | {op.name} | {'×'.join(map(str, w.shape))} | {bits} | "
                      f"{(w == 0).mean():.0%} | {(np.abs(w) <= 1).mean():.0%} |")


if __name__ == "__main__":
    main()
