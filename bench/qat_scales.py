"""How much of a QAT run's loss is re-calibration: its checkpoint's QAT loss with its own and with the start's scales.

    OMP_NUM_THREADS=1 .venv/bin/python bench/qat_scales.py START.pt TRAINED.pt \\
        --precision-file models/zoo/precision-hybrid-w4-d1w8.json \\
        --data ../shared/datasets/bsds500/train --data ../shared/datasets/bsds500/test

Runs the QAT forward (`QatCodec`, training mode: the build's integer codec,
the rate of the noisy latent) on the same ``--batches`` batches of random
crops (the training loop's ``--crop``/``--scale`` defaults of the hybrid
recipe) for: the start checkpoint; the trained checkpoint with its own
calibration (what ``licc`` builds from it); and the trained weights under
the start's activation scales (its calibrated float IR, into which the
forward writes the current weights), and prints each one's loss, bpp and
PSNR at the start's λ; then, per convolution of at most 7-bit weights, the
share of the integer weights of the trained checkpoint's build (``licc
--precision-file``) that differ from the start's.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import torch


def narrow_levels(checkpoint: str, precision_file: str) -> dict[str, object]:
    """The integer weights of the build's convolutions of at most `HOLD_BITS` bits, by "@function conv index"."""
    from lic_compiler.eval.integer import compile_integer
    from lic_compiler.ir import to_numpy
    from lic_compiler.models.qat import HOLD_BITS, _convs

    convs = _convs(compile_integer(checkpoint, f'lic-assign-precision{{file="{precision_file}"}}'))
    return {f"@{name} conv {i}": to_numpy(op.weight.owner.value) for name, ops in convs.items()
            for i, op in enumerate(ops) if op.weight.type.get_element_type().width.data <= HOLD_BITS}


def main() -> None:
    from lic_compiler.models import load_checkpoint
    from lic_compiler.models.data import ImageFolder
    from lic_compiler.models.losses import rate_distortion
    from lic_compiler.models.qat import QatCodec
    from lic_compiler.quant.precision_file import read_precision

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("start")
    parser.add_argument("trained")
    parser.add_argument("--precision-file", required=True)
    parser.add_argument("--data", action="append", required=True)
    parser.add_argument("--batches", type=int, default=6)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--crop", type=int, default=128)
    parser.add_argument("--scale", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    widths = read_precision(args.precision_file)
    crops = ImageFolder([Path(d) for d in args.data], "random", args.crop, cache=True, scale=args.scale)
    start, meta = load_checkpoint(args.start)
    trained, _ = load_checkpoint(args.trained)
    codecs = {"start": QatCodec(start.train(), widths).train(),
              "trained, its own scales (the build)": QatCodec(trained.train(), widths).train()}
    mixed = QatCodec(load_checkpoint(args.trained)[0].train(), widths).train()
    mixed.float_ir = codecs["start"].float_ir  # the start's calibration; the forward writes the trained weights
    codecs["trained, the start's scales"] = mixed
    print(f"{args.trained} from {args.start}, {args.precision_file}: {args.batches} batches of {args.batch} crops")
    print("| codec | loss | bpp | PSNR (of mean MSE) |")
    print("|---|---:|---:|---:|")
    for name, codec in codecs.items():
        torch.manual_seed(args.seed)
        totals = {"loss": 0.0, "bpp": 0.0, "mse": 0.0}
        with torch.no_grad():
            for _ in range(args.batches):
                x = torch.stack([crops[i] for i in torch.randint(len(crops), (args.batch,)).tolist()])
                terms = rate_distortion(codec(x), x, meta["config"]["lmbda"])
                for k in totals:
                    totals[k] += float(terms[k]) / args.batches
        print(f"| {name} | {totals['loss']:.4f} | {totals['bpp']:.4f} | {10 * math.log10(1 / totals['mse']):.3f} |")
    before, after = (narrow_levels(c, args.precision_file) for c in (args.start, args.trained))
    print()
    print("| layer | integer weights that differ from the start's |")
    print("|---|---:|")
    for key, q in before.items():
        print(f"| {key} | {(q != after[key]).mean():.1%} |")


if __name__ == "__main__":
    main()
