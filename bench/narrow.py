"""FPS and resources of narrow arithmetic: licc's builds of a model at several uniform precisions.

Each row runs the pipeline `licc MODEL --weights W --activations A
--gdn-bits G --device D` runs (import, GDN rewrite, calibration, precision,
integer lowering, `convert-lic-to-hls`, `lic-set-parallelism`: encoder and
decoder on one device, the board's cap; the C++ project is not written) on the
bundled student at 1280×720 on ZCU102 by default; ``pow2`` rows add
`lic-pow2-weights` before `lic-quantize` (every convolution's weights 0 or
±2^k, products as shifts). Printed per row: FPS, DSP, LUT and BRAM18 of the
plan and which MVAUs pack 2×2 or 3×1 products per DSP48E2 (``mult_pack``), or
why no design fits and the block RAM its weights and line buffers need at least.

Run from the repository (about 10 s per row for the student, 2 min for the teacher):

    .venv/bin/python bench/narrow.py [--model PT] [--device zcu102] [--frame 1280x720] [--rows w8a8,w4a4,...]
    .venv/bin/python bench/narrow.py --rules   # the packing rules' table (`primitives.packing`)
"""

from __future__ import annotations

import argparse
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

from fps import memory_floor  # bench/fps.py: the block RAM any folding needs

from lic_compiler.dialects import hls
from lic_compiler.driver import DEFAULT_PIPELINE, Hardware, resolve_source, with_options
from lic_compiler.errors import LiccError
from lic_compiler.frontend import import_model
from lic_compiler.hw import primitives as hwp
from lic_compiler.hw.design import from_ir
from lic_compiler.ir import make_context
from lic_compiler.pipeline_edit import expand_pipeline, with_pass_options
from lic_compiler.registry import parse_pipeline

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


def pipeline(weights: int, activations: int, gdn: int, pow2: bool, device: str) -> str:
    """licc's default pipeline with these uniform widths (and power-of-two weights)."""
    text = expand_pipeline("...,+lic-pow2-weights@before:lic-quantize" if pow2 else "...", DEFAULT_PIPELINE)
    text = with_options(text, "lic-assign-precision", f"weights={weights} activations={activations} gdn={gdn}")
    return with_pass_options(text, "lic-set-parallelism", Hardware(device=device).options())


def build(model: str, frame: tuple[int, int], device: str, row: tuple[int, int, int, bool]) -> dict:
    """One plan: FPS and resources of the encoder and decoder on one device, and the MVAUs'
    packing shapes; or, when none fits, the error and the memory floor."""
    module = import_model(resolve_source(model), frame=frame).module
    head, plan = pipeline(*row, device).split(",lic-set-parallelism")
    parse_pipeline(head).apply(make_context(), module)
    floor = memory_floor(module)
    try:
        parse_pipeline("lic-set-parallelism" + plan).apply(make_context(), module)
    except LiccError as e:
        return {"error": str(e), "floor": floor}
    design = from_ir(module)
    functions = list(design.stages)
    packs = Counter(
        "x".join(str(v) for v in op.mult_pack.get_values())
        for op in module.walk() if isinstance(op, hls.MvauOp) and op.mult_pack is not None
    )
    shifts = sum(1 for op in module.walk() if isinstance(op, hls.FoldedStageOp) and op.weight_pow2 is not None)
    return {"fps": min(design.fps(f) for f in functions), **design.used(functions), "packs": dict(sorted(packs.items())), "shifts": shifts}


def rules() -> None:
    """Per signed width pair: each shape's field spacing S, cascade length and the port of the
    packed weights (`primitives.packing`), '-' where it does not fit."""
    print("| weights × activations | " + " | ".join(f"{w}×{a}" for w, a in hwp.PACK_SHAPES) + " |")
    print("|---|" + "---|" * len(hwp.PACK_SHAPES))
    for w, a in ((8, 8), (6, 8), (4, 8), (3, 8), (2, 8), (8, 6), (6, 6), (4, 6), (8, 4), (6, 4), (5, 4), (4, 5), (4, 4), (3, 4), (2, 4), (4, 9), (2, 9)):
        cells = []
        for shape in hwp.PACK_SHAPES:
            p = hwp.packing(w, a, *shape)
            cells.append(f"S {p.spacing}, chain {p.chain}, w in {p.weight_port}" if p else "-")
        print(f"| {w} × {a} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/zoo/default.pt")
    parser.add_argument("--device", default="zcu102")
    parser.add_argument("--frame", default="1280x720")
    parser.add_argument("--rows", default=",".join(ROWS), help=f"comma-separated, of {', '.join(ROWS)}")
    parser.add_argument("--rules", action="store_true", help="print the packing rules' table and exit")
    args = parser.parse_args()
    if args.rules:
        rules()
        return
    w, h = (int(v) for v in args.frame.split("x"))
    print(f"{args.model} at {args.frame} on {args.device}, encoder + decoder on one device")
    print(f"| {'precision':12s} | {'FPS':>6s} | {'DSP':>5s} | {'LUT':>7s} | {'BRAM18':>6s} | MVAUs packed (shape: count), shift stages |")
    print(f"|{'-' * 14}|{'-' * 8}|{'-' * 7}|{'-' * 9}|{'-' * 8}|---|")
    names = args.rows.split(",")
    # One process per row: a plan's caches (option tables keyed by stage) would pile up.
    with ProcessPoolExecutor(max_workers=1, max_tasks_per_child=1) as pool:
        builds = pool.map(build, *zip(*[(args.model, (w, h), args.device, ROWS[n]) for n in names]))
    for name, r in zip(names, builds):
        if "error" in r:
            weights, lines = r["floor"]
            print(f"| {name:12s} | no design: {r['error']} (weights {weights:.1f} Mbit + line buffers {lines:.1f} Mbit at least) |", flush=True)
            continue
        packs = ", ".join(f"{k}: {v}" for k, v in r["packs"].items()) or "-"
        shifts = f"; {r['shifts']} shift stages" if r["shifts"] else ""
        print(f"| {name:12s} | {r['fps']:6.2f} | {r['dsp']:5d} | {r['lut']:7d} | {r['bram18']:6d} | {packs}{shifts} |", flush=True)


if __name__ == "__main__":
    main()
