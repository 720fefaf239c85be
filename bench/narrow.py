"""FPS and resources of narrow arithmetic: licc's builds of a model at several uniform precisions.

Each row is `compile_model` (what `licc MODEL --weights W --activations A
--gdn-bits G` runs) on the bundled student at 1280×720, encoder and decoder
on one ZCU102 (joint plan, the board's 80 % cap); ``pow2`` rows add
`lic-pow2-weights` before `lic-quantize` (every convolution's weights 0 or
±2^k, products as shifts). Printed per row: FPS, DSP, LUT and BRAM18 of the
plan, and which MVAUs pack 2×2 or 3×1 products per DSP48E2 (``mult_pack``).

Run from the repository (about 10 s per row on one core):

    .venv/bin/python bench/narrow.py [--model PT] [--device zcu102] [--frame 1280x720] [--rows w8a8,w4a4,...]
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter

from lic_compiler.dialects import hls
from lic_compiler.driver import DEFAULT_PIPELINE, BuildOptions, Hardware, compile_model, with_options
from lic_compiler.pipeline_edit import expand_pipeline

# name → (weight bits, activation bits, GDN path bits, power-of-two weights)
ROWS = {
    "w8a8": (8, 8, 16, False),
    "w6a8": (6, 8, 16, False),
    "w4a8": (4, 8, 16, False),
    "w4a4": (4, 4, 16, False),
    "w3a8": (3, 8, 16, False),
    "w2a8": (2, 8, 16, False),
    "w8a6": (8, 6, 16, False),
    "w4a6": (4, 6, 16, False),
    "pow2-w8a8": (8, 8, 16, True),
    "pow2-w4a8": (4, 8, 16, True),
    "w8a8-gdn12": (8, 8, 12, False),
    "w8a8-gdn10": (8, 8, 10, False),
    "w4a4-gdn10": (4, 4, 10, False),
}


def pipeline(weights: int, activations: int, gdn: int, pow2: bool) -> str:
    """licc's default pipeline with these uniform widths (and power-of-two weights)."""
    text = expand_pipeline("...,+lic-pow2-weights@before:lic-quantize" if pow2 else "...", DEFAULT_PIPELINE)
    return with_options(text, "lic-assign-precision", f"weights={weights} activations={activations} gdn={gdn}")


def build(model: str, frame: tuple[int, int], device: str, row: tuple[int, int, int, bool]) -> dict:
    """One licc build: the joint plan's FPS and resources, and the MVAUs' packing shapes."""
    with tempfile.TemporaryDirectory(prefix="licc-narrow-") as out:
        options = BuildOptions(frame=frame, pipeline=pipeline(*row), hardware=Hardware(device=device))
        result = compile_model(model, out, options)
    group = result.summary["hardware"]["groups"][0]
    packs = Counter(
        "x".join(str(v) for v in op.mult_pack.get_values())
        for op in result.module.walk() if isinstance(op, hls.MvauOp) and op.mult_pack is not None
    )
    shifts = sum(1 for op in result.module.walk() if isinstance(op, hls.FoldedStageOp) and op.weight_pow2 is not None)
    return {"fps": group["fps"], **group["used"], "packs": dict(sorted(packs.items())), "shifts": shifts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/zoo/default.pt")
    parser.add_argument("--device", default="zcu102")
    parser.add_argument("--frame", default="1280x720")
    parser.add_argument("--rows", default=",".join(ROWS), help=f"comma-separated, of {', '.join(ROWS)}")
    args = parser.parse_args()
    w, h = (int(v) for v in args.frame.split("x"))
    print(f"{args.model} at {args.frame} on {args.device}, encoder + decoder on one device")
    print(f"| {'precision':12s} | {'FPS':>6s} | {'DSP':>5s} | {'LUT':>7s} | {'BRAM18':>6s} | MVAUs packed (shape: count), shift stages |")
    print(f"|{'-' * 14}|{'-' * 8}|{'-' * 7}|{'-' * 9}|{'-' * 8}|---|")
    for name in args.rows.split(","):
        r = build(args.model, (w, h), args.device, ROWS[name])
        packs = ", ".join(f"{k}: {v}" for k, v in r["packs"].items()) or "-"
        shifts = f"; {r['shifts']} shift stages" if r["shifts"] else ""
        print(f"| {name:12s} | {r['fps']:6.2f} | {r['dsp']:5d} | {r['lut']:7d} | {r['bram18']:6d} | {packs}{shifts} |", flush=True)


if __name__ == "__main__":
    main()
