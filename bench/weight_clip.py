"""What a clipped weight scale would buy narrow weights: an experiment, not a lic-quantize option.

    OMP_NUM_THREADS=1 .venv/bin/python bench/weight_clip.py models/zoo/student-kd-factorized-64-96-q4.pt \\
        --precision 'file="models/zoo/precision-hybrid-w4.json"' --images ../shared/datasets/kodak --limit 6

`lic-quantize` scales each output channel's weights by its largest |w·s_in|
(`lic_compiler.quant.fixed.quantize_weights`). This builds the integer
codec as ``licc-eval rd --integer --precision OPTIONS`` does, once as it is
and once with that function replaced, for weights of at most ``--max-bits``
bits, by the per-channel scale minimising the squared rounding and clipping
error (weights beyond the clip saturate at the top level; 64 candidate
clips from 0.2 to 1 of the peak), and prints each build's bpp and PSNR on
the first ``--limit`` images with real bitstreams, against the float codec.
"""

from __future__ import annotations

import argparse
from unittest import mock

import numpy as np
import torch

CANDIDATES = np.linspace(0.2, 1.0, 64)


def mse_clipped(weight: np.ndarray, bits: int, axis: int, min_scale: np.ndarray | None = None):
    """`quantize_weights` with the per-channel scale of least squared error (saturating)."""
    from lic_compiler.quant.fixed import levels

    top = levels(bits, True)
    w = np.moveaxis(np.asarray(weight, np.float64), axis, 0)
    flat = w.reshape(w.shape[0], -1)
    peak = np.abs(flat).max(axis=1)
    scale = np.where(peak > 0, peak / top, 1.0)
    for c in np.flatnonzero(peak > 0):
        trials = [peak[c] * r / top for r in CANDIDATES]
        errors = [np.sum((np.clip(np.round(flat[c] / s), -top, top) * s - flat[c]) ** 2) for s in trials]
        scale[c] = trials[int(np.argmin(errors))]
    if min_scale is not None:
        scale = np.maximum(scale, min_scale)
    q = np.clip(np.round(w / scale.reshape(-1, *([1] * (w.ndim - 1)))), -top, top).astype(np.int64)
    return np.moveaxis(q, 0, axis), scale


def print_drops(first: str, rows: dict, images: list) -> None:
    """A table of each codec's bpp and PSNR on `images` and its drop against the first row's."""
    from lic_compiler.eval.rd import evaluate_point

    print(f"| {first} | bpp | PSNR (dB) | drop against float (dB) |\n|---|---:|---:|---:|")
    reference = None
    for name, codec in rows.items():
        s = evaluate_point(codec, images)["summary"]
        reference = s["psnr-rgb"] if reference is None else reference
        print(f"| {name} | {s['bpp']:.4f} | {s['psnr-rgb']:.3f} | {reference - s['psnr-rgb']:.3f} |", flush=True)


def main() -> None:
    from lic_compiler.eval.codec import ModelCodec
    from lic_compiler.eval.integer import IntegerCodec, compile_integer
    from lic_compiler.eval.rd import load_test_images
    from lic_compiler.models import load_checkpoint
    from lic_compiler.quant import fixed

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint")
    parser.add_argument("--precision", default="", metavar="OPTIONS", help="lic-assign-precision options")
    parser.add_argument("--images", required=True)
    parser.add_argument("--limit", type=int, default=6)
    parser.add_argument("--max-bits", type=int, default=4, help="clip the scale of weights this narrow or narrower")
    args = parser.parse_args()
    torch.set_num_threads(1)
    assign = f"lic-assign-precision{{{args.precision}}}" if args.precision else "lic-assign-precision"
    images = load_test_images(args.images)[: args.limit]
    model, _ = load_checkpoint(args.checkpoint)
    base = fixed.quantize_weights

    def clipped(weight, bits, axis, min_scale=None):
        return (mse_clipped if bits <= args.max_bits else base)(weight, bits, axis, min_scale)

    rows = {"float": ModelCodec(model, "float")}
    rows["max|w| scale (lic-quantize)"] = IntegerCodec(model, compile_integer(args.checkpoint, assign), "max")
    with mock.patch("lic_compiler.passes.quantize.quantize_weights", clipped):
        rows[f"MSE-clipped scale, ≤ {args.max_bits}-bit weights"] = IntegerCodec(
            model, compile_integer(args.checkpoint, assign), "clipped")
    print(f"{args.checkpoint}, {assign}, first {len(images)} images of {args.images}")
    print_drops("weight scale", rows, images)


if __name__ == "__main__":
    main()
