"""Where the integer hyperprior codec's rate differs from its float model's: the scales.

    .venv/bin/python bench/hyperprior_scales.py ../shared/datasets/kodak [--checkpoint PT] [--image NAME ...]

For each image (default kodim05, kodim13, kodim23) and the bundled (64, 96)
scale-hyperprior student at q3, through the path `licc-eval rd --integer`
takes (`integer_codec_from_checkpoint`: default pipeline, W8A8, 16-bit GDN
path), it prints:

- the mean real scale of the float hyper-decoder on round(z), z the float
  hyper-encoder's output, and of the integer hyper-decoder on the same round(z)
  — the hyper-decoder's own fidelity, with the correlation of the two;
- the mean scale of the integer codec as it runs (its hyper-encoder reads the
  integer latent round(y), where CompressAI's reads y);
- the latent's bits with CompressAI's scales (`compress`, its ẑ carrying the
  entropy model's medians), with the integer codec's scales, and the integer
  latent with CompressAI's scales.

`--crops-as-shipped` calibrates on the 128² crops without the mirror
extension `lic-calibrate` now applies (the 2×2 hyper-latent the fix removed).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from lic_compiler.eval.images import load_image
from lic_compiler.eval.integer import integer_codec_from_checkpoint
from lic_compiler.models import load_checkpoint
from lic_compiler.quant import attrs
from lic_compiler.quant.drive import functions

CHECKPOINT = "models/zoo/hyperprior-student-64-96-q3.pt"
IMAGES = ("kodim05.png", "kodim13.png", "kodim23.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images", type=Path)
    parser.add_argument("--checkpoint", default=CHECKPOINT)
    parser.add_argument("--image", action="append", help=f"file names in IMAGES [default: {', '.join(IMAGES)}]")
    parser.add_argument("--crops-as-shipped", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.crops_as_shipped:
        from lic_compiler.passes import calibrate

        calibrate.MIN_LATENT = 0
    model, _ = load_checkpoint(args.checkpoint)
    codec = integer_codec_from_checkpoint(args.checkpoint)
    unit = attrs.get(functions(codec.module)["hyper_decoder"], attrs.RESULT_SCALES)[0]
    gc = model.gaussian_conditional
    bits = np.zeros(3, dtype=np.int64)
    print(f"{'image':<12} {'float s':>8} {'int s, same z':>13} {'corr':>6} {'int s, as run':>13}")
    for name in args.image or IMAGES:
        x = load_image(args.images / name)  # (1, 3, H, W) in [0, 1]
        with torch.no_grad():
            y = model.g_a(x)
            z = model.h_a(torch.abs(y))
            z_hat = model.entropy_bottleneck.decompress(model.entropy_bottleneck.compress(z), z.shape[-2:])
            float_scales = model.h_s(torch.round(z)).numpy()
            q, frame = codec.latent(x)
            same_z = codec._run("hyper_decoder", torch.round(z).numpy().astype(np.int64), frame) * unit
            z_int = codec.hyper_latent(q, frame)
            as_run = codec._run("hyper_decoder", z_int, frame) * unit
            indexes, _ = codec.parameters(z_int, frame)
            compressai = gc.build_indexes(model.h_s(z_hat))
            q_t = torch.from_numpy(q.astype(np.float32))
            bits += [len(gc.compress(y, compressai)[0]) * 8, len(gc.compress(q_t, indexes)[0]) * 8,
                     len(gc.compress(q_t, compressai)[0]) * 8]
        corr = np.corrcoef(same_z.ravel(), float_scales.ravel())[0, 1]
        print(f"{name:<12} {float_scales.mean():8.4f} {same_z.mean():13.4f} {corr:6.4f} {as_run.mean():13.4f}")
    print(f"latent bits: CompressAI's scales {bits[0]:,}; the integer codec's {bits[1]:,}; "
          f"the integer latent with CompressAI's scales {bits[2]:,}")


if __name__ == "__main__":
    main()
