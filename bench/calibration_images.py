"""PSNR the default integer codec (W8A8) loses against the float model, per calibration image folder.

    .venv/bin/python bench/calibration_images.py /work/shared/datasets/kodak --every 4
    .venv/bin/python bench/calibration_images.py IMAGES --calibration DIR [DIR ...] --checkpoint q4.pt

For each checkpoint (default: the bundled student's four rate points) and
each calibration folder (default: the shipped crops, all of them), compiles
the integer codec as `licc` does by default (`lic-assign-precision`,
`lic-quantize`, calibrated on every image of the folder) and codes the
evaluation images with it and with the float model (real bitstreams, as
bench/quant.py). Prints, per image, the integer codec's PSNR loss and bpp
change against float, and their means. No pass/fail: it compares sets.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from lic_compiler.calibration import CALIBRATION_DIR
from lic_compiler.eval.codec import ModelCodec
from lic_compiler.eval.images import list_images
from lic_compiler.eval.integer import IntegerCodec, compile_integer
from lic_compiler.eval.rd import evaluate_point, load_test_images
from lic_compiler.models import load_checkpoint

ZOO = Path(__file__).resolve().parents[1] / "models" / "zoo"
DEFAULT_CHECKPOINTS = [ZOO / f"student-kd-factorized-64-96-q{q}.pt" for q in (1, 2, 3, 4)]


def loss(float_point: dict, int_point: dict) -> dict:
    """Per image and mean: PSNR lost (dB) and bpp change (%) of the integer codec against float."""
    rows = [
        {"image": f["image"], "psnr_loss": f["psnr-rgb"] - i["psnr-rgb"], "bpp_change": 100 * (i["bpp"] / f["bpp"] - 1)}
        for f, i in zip(float_point["images"], int_point["images"], strict=True)
    ]
    return {
        "images": rows,
        "psnr_loss": float(np.mean([r["psnr_loss"] for r in rows])),
        "bpp_change": float(np.mean([r["bpp_change"] for r in rows])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images", type=Path, help="evaluation image folder (e.g. Kodak)")
    parser.add_argument("--calibration", type=Path, nargs="+", default=[CALIBRATION_DIR])
    parser.add_argument("--checkpoint", type=Path, nargs="+", default=DEFAULT_CHECKPOINTS)
    parser.add_argument("--every", type=int, default=1, help="evaluate every Nth image (by name)")
    parser.add_argument("--json", type=Path, default=None, help="write every number here")
    args = parser.parse_args()
    torch.set_num_threads(1)

    images = load_test_images(args.images)[:: args.every]
    results = []
    for path in args.checkpoint:
        model, _ = load_checkpoint(path)
        reference = evaluate_point(ModelCodec(model, path.stem), images)
        for folder in args.calibration:
            count = len(list_images(folder))
            module = compile_integer(path, images=str(folder), count=count)
            measured = loss(reference, evaluate_point(IntegerCodec(model, module, path.stem), images))
            results.append({"checkpoint": path.stem, "calibration": str(folder), "count": count, **measured})
            per_image = ", ".join(f"{r['image']} {r['psnr_loss']:.3f}" for r in measured["images"])
            print(f"{path.stem} | {folder} ({count} images) | PSNR loss {measured['psnr_loss']:.3f} dB, "
                  f"bpp {measured['bpp_change']:+.2f} % | {per_image}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
