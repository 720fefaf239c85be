"""Integer lowering on an image set: uniform W8A8 and hybrid precision against the float model, and its speed.

    .venv/bin/python bench/quant.py /work/shared/datasets/kodak
    .venv/bin/python bench/quant.py IMAGES --checkpoint q1.pt ... [--budget 0.05] [--limit 4]

Each checkpoint (default: the bundled student at its four rate points) is
one rate point of three curves, all with real bitstreams (`lic_compiler.eval`):

- ``float``: the PyTorch model (`ModelCodec`), the anchor;
- ``W8A8``: the integer codec (`IntegerCodec`) with ``lic-assign-precision``'s
  uniform default: 8-bit weights and activations, 16-bit GDN path (a GDN's
  input included), ``lic-quantize``'s per-channel activation scales;
- ``hybrid``: the integer codec with widths chosen per tensor under
  ``max-psnr-drop=BUDGET`` (measured on the calibration images).

It prints the three curves, BD-rate of both integer curves against float
(with four or more rate points), the hybrid search's measured drop next to
W8A8's on the same calibration images and both drops on the evaluation
images, the frame rates of the hybrid, W8A8 and uniform 16-bit designs
(`lic_compiler.quant.score`, ZCU102 at 1280x720), every layer's widths, and the time to calibrate on all the shipped
calibration images and quantize the (128, 192) factorized model. Checks (exit
status 1 when one fails): W8A8 costs at most 2 % BD-rate; hybrid meets its budget at
every rate point with a faster design than uniform 16 bits; calibration plus
quantization takes under 60 s.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from xdsl.dialects.builtin import ModuleOp

from lic_compiler.calibration import CALIBRATION_COUNT, load_images
from lic_compiler.dialects import lic
from lic_compiler.eval.codec import ModelCodec
from lic_compiler.eval.compare import bd_between
from lic_compiler.eval.integer import COMPILE_FRAME, IntegerCodec, compile_integer
from lic_compiler.eval.rd import TestImage, evaluate_curve, load_test_images
from lic_compiler.frontend import import_model
from lic_compiler.ir import make_context
from lic_compiler.models import load_checkpoint
from lic_compiler.quant import attrs
from lic_compiler.quant.score import Target, lower, solve_score
from lic_compiler.quant.drive import codec_psnr, drive, functions
from lic_compiler.quant.frame import measurement_copy
from lic_compiler.quant.plan import fix_interfaces, knobs, uniform_widths
from lic_compiler.registry import parse_pipeline

ZOO = Path(__file__).resolve().parents[1] / "models" / "zoo"
DEFAULT_CHECKPOINTS = [ZOO / f"student-kd-factorized-64-96-q{q}.pt" for q in (1, 2, 3, 4)]
MAX_BD_RATE, MAX_SECONDS, DEVICE, FRAME = 2.0, 60.0, "zcu102", (1280, 720)
SPEED_MODEL = "bmshj2018-factorized:128x192"


def float_ir(source, count: int) -> ModuleOp:
    """@encoder and @decoder at the compile frame, GDN rewritten, calibrated on `count` images."""
    module = import_model(source, parts=["encoder", "decoder"], frame=COMPILE_FRAME).module
    pipeline = f"convert-torch-to-lic,lic-rewrite-gdn{{measure=false}},lic-calibrate{{count={count}}}"
    parse_pipeline(pipeline).apply(make_context(), module)
    return module


def uniform_designs(source) -> dict[str, dict[str, float]]:
    """The solved design (`lic_compiler.quant.score`) of uniform W8A8 (16-bit GDN path, its input
    included) and of 16 bits everywhere, at `FRAME` on `DEVICE`."""
    module = float_ir(source, 1)
    fix_interfaces(module)
    out = {}
    for name, (w, a, g) in {"W8A8": (8, 8, 16), "W16A16": (16, 16, 16)}.items():
        for knob, bits in uniform_widths(knobs(module), {"weight": w, "act": a, "gdn": g}, True).items():
            knob.apply(bits)
        out[name] = solve_score(lower(module, FRAME), Target(DEVICE), "max-fps").summary()
    return out


def calibration_drop(source, count: int) -> float:
    """W8A8's PSNR drop on the calibration images, as the hybrid search measures its own."""
    measured, images = measurement_copy(float_ir(source, count), load_images(count=count))
    reference = np.mean(codec_psnr(drive(measured, images)))
    parse_pipeline("lic-assign-precision,lic-quantize").apply(make_context(), measured)
    return float(reference - np.mean(codec_psnr(drive(measured, images))))


def speed(checkpoint: Path | None) -> dict[str, float]:
    """Seconds to calibrate on the shipped images and quantize the (128, 192) model."""
    from lic_compiler.driver import resolve_source

    source = checkpoint if checkpoint is not None else resolve_source(SPEED_MODEL)
    module = import_model(source, parts=["encoder", "decoder"], frame=COMPILE_FRAME).module
    parse_pipeline("convert-torch-to-lic,lic-rewrite-gdn{measure=false}").apply(make_context(), module)
    t0 = time.perf_counter()
    parse_pipeline("lic-calibrate").apply(make_context(), module)
    t1 = time.perf_counter()
    parse_pipeline("lic-assign-precision,lic-quantize").apply(make_context(), module)
    t2 = time.perf_counter()
    return {"calibrate": t1 - t0, "quantize": t2 - t1, "total": t2 - t0}


def layer_widths(module: ModuleOp) -> list[tuple[str, str]]:
    """Per conv of the integer IR: its name and ``w{weight}·a{input}→acc{acc}→{output}``."""
    rows = []
    for name, f in functions(module).items():
        for op in f.body.block.ops:
            if isinstance(op, lic.Conv2dOp | lic.ConvTranspose2dOp):
                users = [u.operation for u in op.output.uses]
                out = users[0].results[0] if users and isinstance(users[0], lic.RescaleOp | lic.TableOp) else op.output
                kind = "table" if users and isinstance(users[0], lic.TableOp) else "out"
                rows.append((
                    f"@{name} %{op.output.name_hint}",
                    f"w{_bits(op.weight)} a{_bits(op.input)} acc{_bits(op.output)} {kind}{_bits(out)}",
                ))
    return rows


def _bits(value) -> str:
    element = value.type.get_element_type()
    return f"{'u' if element.signedness.data.name == 'UNSIGNED' else ''}{element.width.data}"


def evaluate(codecs, images: list[TestImage], name: str) -> dict:
    return evaluate_curve(codecs, images, name=name, progress=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images", type=Path, help="evaluation image folder (e.g. Kodak)")
    parser.add_argument("--checkpoint", type=Path, nargs="+", default=DEFAULT_CHECKPOINTS)
    parser.add_argument("--budget", type=float, default=0.05, help="hybrid's max-psnr-drop (dB)")
    parser.add_argument("--count", type=int, default=CALIBRATION_COUNT, help="calibration images")
    parser.add_argument("--limit", type=int, default=None, help="evaluate on the first N images only")
    parser.add_argument("--speed-checkpoint", type=Path, default=None,
                        help="a (128, 192) checkpoint for the speed test [default: an untrained one]")
    parser.add_argument("--json", type=Path, default=None, help="write every number here")
    args = parser.parse_args()
    torch.set_num_threads(1)

    images = load_test_images(args.images)[: args.limit]
    timing = speed(args.speed_checkpoint)
    print(f"speed: calibrate {CALIBRATION_COUNT} shipped images {timing['calibrate']:.1f} s + assign and quantize "
          f"{timing['quantize']:.1f} s = {timing['total']:.1f} s for the (128, 192) model "
          f"(limit {MAX_SECONDS:.0f} s)")

    codecs: dict[str, list] = {"float": [], "W8A8": [], "hybrid": []}
    points = []
    for path in args.checkpoint:
        model, _ = load_checkpoint(path)
        stem = path.stem
        codecs["float"].append(ModelCodec(model, stem))
        w8a8 = compile_integer(path, "lic-assign-precision", count=args.count)
        hybrid_spec = (f"lic-assign-precision{{mode=hybrid max-psnr-drop={args.budget} count={args.count} "
                       f'device={DEVICE} frame="{FRAME[0]}x{FRAME[1]}"}}')
        hybrid = compile_integer(path, hybrid_spec, count=args.count)
        codecs["W8A8"].append(IntegerCodec(model, w8a8, f"{stem} W8A8"))
        codecs["hybrid"].append(IntegerCodec(model, hybrid, f"{stem} hybrid"))
        search = attrs.get(hybrid, attrs.PRECISION)
        points.append({
            "checkpoint": str(path),
            "search": search,
            "uniform": uniform_designs(path),
            "w8a8_calibration_drop": calibration_drop(path, args.count),
            "widths": {"W8A8": layer_widths(w8a8), "hybrid": layer_widths(hybrid)},
        })
        print(f"{stem}: hybrid drop {search['psnr_drop']:.4f} dB, rate {search['rate_increase']:+.3f} % "
              f"on the search's fit images (budget {args.budget} dB), {search['design']['fps']:.2f} FPS", flush=True)

    curves = {name: evaluate(c, images, name) for name, c in codecs.items()}
    if args.json:
        args.json.write_text(json.dumps({"curves": curves, "points": points, "speed": timing}, indent=1, default=str))
    failures = report(curves, points, timing, args.budget)
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


def at_point(curve: dict, stem: str) -> tuple[float, float]:
    """(bpp, PSNR) of the rate point labelled by checkpoint `stem` (results are sorted by bpp)."""
    i = next(i for i, p in enumerate(curve["points"]) if p["label"].split()[0] == stem)
    return curve["results"]["bpp"][i], curve["results"]["psnr-rgb"][i]


def report(curves: dict, points: list[dict], timing: dict, budget: float) -> list[str]:
    failures = []
    print("\n| rate point | float bpp / PSNR | W8A8 bpp / PSNR | hybrid bpp / PSNR |")
    print("|---|---|---|---|")
    for point in points:
        stem = Path(point["checkpoint"]).stem
        cells = [f"{bpp:.4f} / {psnr:.3f}" for bpp, psnr in (at_point(c, stem) for c in curves.values())]
        print(f"| {stem} | " + " | ".join(cells) + " |")
    if len(points) >= 4:
        for name in ("W8A8", "hybrid"):
            bd = bd_between(curves["float"], curves[name])
            print(f"\nBD against float, {name}: " + ", ".join(f"{k} {v:+.3f}" for k, v in bd.items()))
            if name == "W8A8" and max(bd["bd-rate-cubic"], bd["bd-rate-pchip"]) > MAX_BD_RATE:
                failures.append(f"W8A8 costs more than {MAX_BD_RATE} % BD-rate")
    else:
        print(f"\n(BD-rate needs 4 rate points; {len(points)} given)")
    print("\n| rate point | hybrid drop (dB) / rate (%), calibration | W8A8 drop, calibration | drop on the images: hybrid / W8A8 "
          "| FPS hybrid | W8A8 | uniform 16 | DSP hybrid / W8A8 / 16 |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for point in points:
        s, u, stem = point["search"], point["uniform"], Path(point["checkpoint"]).stem
        reference = at_point(curves["float"], stem)[1]
        drops = " / ".join(f"{reference - at_point(curves[name], stem)[1]:.3f}" for name in ("hybrid", "W8A8"))
        print(f"| {stem} | {s['psnr_drop']:.4f} / {s['rate_increase']:+.2f} | {point['w8a8_calibration_drop']:.4f} | {drops} | "
              f"{s['design']['fps']:.2f} | "
              f"{u['W8A8']['fps']:.2f} | {u['W16A16']['fps']:.2f} | "
              f"{s['design']['dsp']:.0f} / {u['W8A8']['dsp']:.0f} / {u['W16A16']['dsp']:.0f} |")
        if s["psnr_drop"] > budget:
            failures.append(f"{point['checkpoint']}: hybrid loses {s['psnr_drop']:.4f} dB > {budget}")
        if s["design"]["fps"] <= u["W16A16"]["fps"]:
            failures.append(f"{point['checkpoint']}: hybrid is not faster than uniform 16 bits")
    for point in points:
        print(f"\n{Path(point['checkpoint']).stem}: per-layer widths (weights, input, accumulator, output)")
        print("| layer | W8A8 | hybrid |\n|---|---|---|")
        for (layer, a), (_, b) in zip(point["widths"]["W8A8"], point["widths"]["hybrid"]):
            print(f"| {layer} | {a} | {b} |")
        print("hybrid knobs: " + ", ".join(f"{k} {v}" for k, v in point["search"]["widths"].items()))
    if timing["total"] >= MAX_SECONDS:
        failures.append(f"calibration and quantization take {timing['total']:.1f} s >= {MAX_SECONDS} s")
    return failures


if __name__ == "__main__":
    sys.exit(main())
