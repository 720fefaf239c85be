"""What AdaRound buys narrow weights: float, nearest rounding (lic-quantize) and AdaRound, with real bitstreams.

    OMP_NUM_THREADS=1 .venv/bin/python bench/adaround.py models/zoo/student-kd-factorized-64-96-q4.pt \\
        --precision-file models/zoo/precision-hybrid-w4.json --images ../shared/datasets/kodak --limit 6

Rounds the checkpoint's convolutions of at most ``--max-bits``-bit weights
in memory as ``licc-train round`` does (`lic_compiler.models.adaround`),
builds the integer codec of the original and of the rounded model as
``licc-eval rd --integer --precision 'file="FILE"'`` does, and prints each
one's bpp and PSNR on the first ``--limit`` images against the float codec,
and the layers' reconstruction errors on the calibration images.
"""

from __future__ import annotations

import argparse
import time

import torch
from weight_clip import print_drops  # bench/weight_clip.py


def main() -> None:
    from lic_compiler.eval.codec import ModelCodec
    from lic_compiler.eval.integer import IntegerCodec, compile_integer
    from lic_compiler.eval.rd import load_test_images
    from lic_compiler.models import load_checkpoint
    from lic_compiler.models.adaround import OBJECTIVES, TARGETS, RoundConfig, round_model, verify
    from lic_compiler.quant.precision_file import read_precision

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint")
    parser.add_argument("--precision-file", required=True)
    parser.add_argument("--images", required=True)
    parser.add_argument("--limit", type=int, default=6)
    parser.add_argument("--max-bits", type=int, default=RoundConfig.max_bits)
    parser.add_argument("--iters", type=int, default=RoundConfig.iters)
    parser.add_argument("--target", choices=TARGETS, default=RoundConfig.target)
    parser.add_argument("--objective", choices=OBJECTIVES, default=RoundConfig.objective)
    parser.add_argument("--reg", type=float, default=RoundConfig.reg)
    parser.add_argument("--grids", default=",".join(map(str, RoundConfig.grids)),
                        help="weight steps to try, relative to lic-quantize's, e.g. 1,0.8")
    args = parser.parse_args()
    torch.set_num_threads(1)
    precision = f'lic-assign-precision{{file="{args.precision_file}"}}'
    images = load_test_images(args.images)[: args.limit]
    model, _ = load_checkpoint(args.checkpoint)
    rows = {"float": ModelCodec(model, "float"),
            "nearest (lic-quantize)": IntegerCodec(model, compile_integer(model, precision), "nearest")}
    rounded, _ = load_checkpoint(args.checkpoint)
    start = time.time()
    cfg = RoundConfig(max_bits=args.max_bits, iters=args.iters, target=args.target, reg=args.reg, objective=args.objective,
                      grids=tuple(float(r) for r in args.grids.split(",")))
    chosen, reports = round_model(rounded, read_precision(args.precision_file), cfg)
    seconds = time.time() - start
    rows[f"AdaRound ({args.iters} steps, target {args.target}, objective {args.objective}, grids {args.grids})"] = IntegerCodec(
        rounded, compile_integer(rounded, precision), "adaround")
    print(f"{args.checkpoint}, {args.precision_file}, first {len(images)} images of {args.images}")
    print(f"rounding: {seconds:.0f} s; rebuilt integer weights that differ from the chosen ones: "
          f"{verify(rounded, precision, chosen)}")
    print("| layer | bits | error, nearest | error, AdaRound | channels AdaRound | of them finer | levels changed "
          "| output error, layer → output objective |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in reports:
        print(f"| @{r.key[0]} conv {r.key[1]} | {r.bits} | {r.nearest:.4g} | {r.rounded:.4g} | {r.channels} | "
              f"{r.finer} | {r.changed:.1%} | {'' if r.output is None else f'{r.output[0]:.4g} → {r.output[1]:.4g}'} |")
    print()
    print_drops("weights", rows, images)


if __name__ == "__main__":
    main()
