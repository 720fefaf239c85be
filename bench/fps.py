"""Predicted FPS of what `licc` builds: the bundled student and teacher at 1280×720 on ZCU102.

Each model goes through licc's own pipeline (import, GDN rewrite,
calibration, precision, integer lowering, `convert-lic-to-hls`) at its real
bit widths; `lic-set-parallelism` then plans the emitted `hls` stages for the
encoder alone, the decoder alone and both on one device, within the
device's utilisation cap. Per case it prints:

- licc's FPS and the DSPs and LUTs it uses;
- the cap roofline, MACs per frame / (the cap's DSPs × 2 MACs × clock), and FPS over it
  (products placed in fabric let a design pass it);
- FINN's published SetFolding rule, reimplemented below from its description,
  on the same stages within the cap's DSPs (its products all in DSPs), and licc's FPS over it;
- the FPS-vs-DSP curve (the DSP budget swept from half the cap to the cap) and its largest
  step between neighbouring budgets, in % of FPS;
- where a goal's case has no design at the model's widths (the teacher's two parts at
  W8A8 store more than the device's block RAM), the same case with every weight at 6
  and at 4 bits (`licc --weights`): FPS and resources, no curve.

Run from the repository (about 25 minutes on two cores: every curve point is a whole solve):

    .venv/bin/python bench/fps.py [--student PT] [--teacher PT] [--device zcu102] [--frame 1280x720] [--max-mmv 20]
        [--cases encoder,decoder,both]

An empty path (``--teacher ''``) skips that model.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from math import ceil

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp

from lic_compiler.dialects.hls_geometry import divisors
from lic_compiler.driver import DEFAULT_PIPELINE
from lic_compiler.errors import LiccError
from lic_compiler.hw import primitives as hwp
from lic_compiler.hw.design import Design, solve
from lic_compiler.hw.device import Device, load_device
from lic_compiler.hw.report import roofline_fps
from lic_compiler.hls_schedule import least_ring
from lic_compiler.hw.stages import MAX_MMV, DeconvModel, GdnModel, KnobModel, MvauModel, WindowModel, module_stages

MODELS = [("student", "models/zoo/default.pt"), ("teacher", "models/zoo/teacher-factorized-128-192-q3.pt")]
SCENARIOS = [("encoder", ["encoder"]), ("decoder", ["decoder"]), ("both", ["encoder", "decoder"])]
# The issue's goals: FPS per (model, case) at 1280×720 on ZCU102.
GOALS = {("student", "both"): 36.0, ("student", "encoder"): 72.0, ("teacher", "both"): 9.4}
MAX_STEP = 10.0  # % of FPS between neighbouring DSP budgets
# Where a goal's case has no design at the model's widths: the narrower weights tried
# (`licc --weights`; the DSP48E2 packing and LUT products gain from 4 bits and below).
NARROWER_WEIGHTS = (6, 4)
REFINE_SOLVES = 16  # per curve, to isolate rises above MAX_STEP


def hls_module(source: str, frame: tuple[int, int], weights: int | None = None) -> ModuleOp:
    """`source` through licc's default pipeline up to the hls dataflow, unfolded (with
    every weight at `weights` bits: `licc --weights`)."""
    from lic_compiler.driver import resolve_source, with_options
    from lic_compiler.frontend import import_model
    from lic_compiler.ir import make_context
    from lic_compiler.registry import parse_pipeline

    module = import_model(resolve_source(source), frame=frame).module
    pipeline = DEFAULT_PIPELINE if weights is None else with_options(DEFAULT_PIPELINE, "lic-assign-precision", f"weights={weights}")
    head = pipeline.split(",lic-set-parallelism")[0]
    parse_pipeline(head).apply(make_context(), module)
    return module


def only(module: ModuleOp, functions: list[str]) -> ModuleOp:
    """A copy of `module` with just the named functions."""
    copy = module.clone()
    for f in list(copy.ops):
        if isinstance(f, func.FuncOp) and f.sym_name.data not in functions:
            f.detach()
    return copy


def add_plan_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of a benchmark that plans one design (`planned`)."""
    parser.add_argument("--model", default="student", help="student, teacher or a checkpoint")
    parser.add_argument("--parts", default="encoder,decoder", help="the functions planned on one device")
    parser.add_argument("--dsp", type=int, help="DSPs in the budget (default: the device's cap)")
    parser.add_argument("--device", default="zcu102")
    parser.add_argument("--frame", default="1280x720", help="WIDTHxHEIGHT")


def planned(args: argparse.Namespace) -> tuple[str, ModuleOp, Design]:
    """What licc plans for `add_plan_arguments`' options: a line naming it, the planned
    module (FIFOs sized) and its design."""
    source = dict(MODELS).get(args.model, args.model)
    width, height = (int(v) for v in args.frame.lower().split("x"))
    parts = args.parts.split(",")
    device = load_device(args.device)
    if args.dsp is not None:
        device = replace(device, resources={**device.resources, "dsp": ceil(args.dsp / device.util_cap)})
    module = only(hls_module(source, (width, height)), parts)
    try:
        design = solve(module, device)
    except LiccError as e:
        raise SystemExit(f"no design: {e}") from None
    dsp = f" with {args.dsp} DSPs" if args.dsp is not None else ""
    return f"{source}, {'+'.join(parts)} at {width}×{height} on {args.device}{dsp}", module, design


# --- FINN's SetFolding, from its description ------------------------------------
#
# finn/transformation/fpgadataflow/set_folding.py: for a target of T cycles
# per frame, every MVAU starts at PE = SIMD = 1, raises SIMD through the
# divisors of its reduction MW until it takes fewer than T cycles (or its
# weight stream, SIMD × weight bits, exceeds mvau_wwidth_max), then PE
# through the divisors of its outputs MH; every sliding-window generator
# raises SIMD through the divisors of its input channels, switching to the
# parallel window once SIMD = channels is not enough. If the slowest node
# misses T, the rule runs once more with T = that node's cycles. A
# transposed convolution is FINN's zero insertion followed by a stride-1
# convolution (every multiply counted, zeros included); a GDN is its C × C
# MVAU with its x·n product per PE. Cycles are FINN's formulas (MVAU:
# MH/PE · MW/SIMD · pixels; the RTL window generator's default and parallel
# styles); DSPs are licc's primitives for the same PE × SIMD array at the
# stage's real widths, so the two rules are compared on one cost model.


@dataclass
class FinnLayer:
    mw: int  # reduction
    mh: int  # outputs
    pixels: int
    w_bits: int
    a_bits: int
    extra_dsp_per_pe: int = 0  # GDN: the output multiply
    swg: tuple[int, int, int, int, int, int, int] | None = None  # cin, ih, iw, oh, ow, k, stride


def finn_layers(knobs: list[KnobModel]) -> list[FinnLayer]:
    layers = []
    for s in knobs:
        cout, ho, wo = s.op.out_type.get_shape()
        if isinstance(s, MvauModel):
            swg = None
            if s.window is not None:
                g = s.window_geometry
                swg = (g.c, g.h + 2 * g.ph, g.w + 2 * g.pw, g.ho, g.wo, g.kh, g.sh)
            layers.append(FinnLayer(s.geometry.k, cout, ho * wo, s.weight_bits, s.operand_bits, 0, swg))
        elif isinstance(s, DeconvModel):
            g = s.geometry
            swg = (g.cin, g.ho + g.kh - 1, g.wo + g.kw - 1, g.ho, g.wo, g.kh, 1)
            layers.append(FinnLayer(g.cin * g.kh * g.kw, cout, ho * wo, s.weight_bits, s.operand_bits, 0, swg))
        elif isinstance(s, GdnModel):
            layers.append(FinnLayer(cout, cout, ho * wo, s.weight_bits, s.operand_bits, 1))
    return layers


def mvau_cycles(layer: FinnLayer, pe: int, simd: int) -> int:
    return layer.mh // pe * (layer.mw // simd) * layer.pixels


def swg_cycles(swg: tuple[int, ...], simd: int, parallel: bool) -> int:
    cin, ih, iw, oh, ow, k, stride = swg
    cf = cin // simd
    if parallel:
        return ih * iw * cf + 2
    buffer_min = ((k - 1) * iw + (k - 1) + 1) * cf
    return buffer_min + oh * max(ow * k * k * cf, stride * iw * cf)


def set_folding(layers: list[FinnLayer], target: int, wwidth_max: int | None) -> list[tuple]:
    """FINN's rule: per layer (pe, simd, swg_simd, parallel_window)."""
    out = []
    for layer in layers:
        simd = 1
        for value in divisors(layer.mw):
            previous, simd = simd, value
            if mvau_cycles(layer, 1, simd) < target:
                break
            if wwidth_max is not None and layer.w_bits * simd > wwidth_max:
                simd = previous
                break
        pe = next((p for p in divisors(layer.mh) if mvau_cycles(layer, p, simd) < target), layer.mh)
        swg_simd, parallel = 1, False
        if layer.swg is not None:
            cin = layer.swg[0]
            swg_simd = next((d for d in divisors(cin) if swg_cycles(layer.swg, d, False) < target), cin)
            parallel = swg_cycles(layer.swg, swg_simd, False) > target
        out.append((pe, simd, swg_simd, parallel))
    return out


def finn_design(layers: list[FinnLayer], target: int, wwidth_max: int | None) -> tuple[int, int]:
    """(max cycles, DSPs) of SetFolding at `target`, with its two-pass relaxation."""

    def evaluate(folding: list[tuple]) -> tuple[int, int]:
        cycles, dsp = 0, 0
        for layer, (pe, simd, swg_simd, parallel) in zip(layers, folding):
            cycles = max(cycles, mvau_cycles(layer, pe, simd))
            if layer.swg is not None:
                cycles = max(cycles, swg_cycles(layer.swg, swg_simd, parallel))
            dsp += hwp.array_dsps(pe, simd, layer.w_bits, layer.a_bits) + layer.extra_dsp_per_pe * pe
        return cycles, dsp

    cycles, dsp = evaluate(set_folding(layers, target, wwidth_max))
    if cycles > target:
        cycles, dsp = evaluate(set_folding(layers, cycles, wwidth_max))
    return cycles, dsp


def finn_best(layers: list[FinnLayer], dsp_budget: int) -> tuple[int, int]:
    """The fastest SetFolding result within the DSP budget over a sweep of targets."""
    best = (10**18, 0)
    target = 1000
    while target < 10**10:
        cycles, dsp = finn_design(layers, target, None)
        if dsp <= dsp_budget and cycles < best[0]:
            best = (cycles, dsp)
        target = ceil(target * 1.01)
    return best


# --- the FPS-vs-DSP curve -------------------------------------------------------------


def largest_step(module: ModuleOp, device: Device, max_mmv: int, points: int = 24) -> tuple[float, list[tuple[int, float]]]:
    """The FPS of the design `licc` builds as the DSP budget grows from half the cap to the
    cap (other resources at the cap; each point a whole solve, converters and FIFOs
    applied and counted), and its largest rise in % of FPS. The curve is a staircase:
    where two neighbouring budgets differ by more than `MAX_STEP`, budgets between them
    are solved until the rise sits between two budgets one DSP apart or splits into
    smaller ones, so the step is one design's, not the spacing's."""
    cap = device.budget()["dsp"]
    fps: dict[int, float | None] = {}

    def at(b: int) -> float | None:
        if b not in fps:
            # The device with as many DSPs as make `b` its budget under the same cap.
            limited = replace(device, resources={**device.resources, "dsp": ceil(b / device.util_cap)})
            try:
                design = solve(module.clone(), limited, max_mmv=max_mmv)
                fps[b] = min(design.fps(f) for f in design.stages)
            except LiccError:
                fps[b] = None
        return fps[b]

    def rises() -> list[tuple[float, int, int]]:
        curve = sorted((b, f) for b, f in fps.items() if f is not None)
        return [(100 * (f2 - f1) / f1, b1, b2) for (b1, f1), (b2, f2) in zip(curve, curve[1:])]

    for b in np.linspace(cap // 2, cap, points).astype(np.int64).tolist():
        at(b)
    for _ in range(REFINE_SOLVES):
        wide = [(b1, b2) for rise, b1, b2 in rises() if rise > MAX_STEP and b2 - b1 > 1]
        if not wide:
            break
        b1, b2 = wide[0]
        at((b1 + b2) // 2)
    curve = sorted((b, f) for b, f in fps.items() if f is not None)
    return max((rise for rise, _, _ in rises()), default=0.0), curve


# --- what must be stored --------------------------------------------------------------


def memory_floor(module: ModuleOp) -> tuple[float, float]:
    """(weights, line buffers) in Mbit that any folding of `module` stores: every weight
    at its width, and each window generator's and transposed convolution's ring of rows
    at its smallest (FIFOs, packing losses and the x paths come on top)."""
    weights = lines = 0
    for s in (s for f in module_stages(module).values() for s in f):
        if isinstance(s, KnobModel):
            weights += int(np.prod(s.op.properties[s.weight_name].type.get_shape())) * s.weight_bits
        c, _, w = s.op.in_type.get_shape()
        if isinstance(s, WindowModel):
            lines += s.op.geometry().ring * w * c * s.op.in_type.bits
        elif isinstance(s, DeconvModel):
            lines += least_ring(s.geometry) * w * c * s.op.in_type.bits
    return weights / 2**20, lines / 2**20


# --- the benchmark --------------------------------------------------------------


def narrower_designs(
    source: str, frame: tuple[int, int], functions: list[str], device: Device, max_mmv: int
) -> dict[int, float | None]:
    """FPS of the design licc builds with every weight at each of `NARROWER_WEIGHTS` bits
    (None: none fits), printed as rows (their curves are not swept)."""
    out: dict[int, float | None] = {}
    for bits in NARROWER_WEIGHTS:
        sub = only(hls_module(source, frame, bits), functions)
        case = f"W{bits}A8"
        try:
            design = solve(sub, device, max_mmv=max_mmv)
        except LiccError as e:
            print(f"{'':<9} {case:<8} no design: {e}")
            out[bits] = None
            continue
        used = design.used()
        out[bits] = min(design.fps(f) for f in functions)
        print(f"{'':<9} {case:<8} {out[bits]:7.2f} {used['dsp']:5d} {used['lut']:7,} (BRAM18 {used['bram18']:,})")
    return out


def run(
    device: Device, frame: tuple[int, int], models: list[tuple[str, str]], max_mmv: int = MAX_MMV,
    cases: Sequence[str] = tuple(c for c, _ in SCENARIOS),
) -> None:
    clock = device.clock_mhz
    budget = device.budget()
    print(
        f"licc's designs at {frame[0]}×{frame[1]} on {device.name} ({device.part}), {clock:g} MHz, "
        f"{device.util_cap:.0%} cap: {budget['dsp']:,} DSPs, {budget['lut']:,} LUTs"
    )
    header = (
        f"{'model':<9} {'case':<8} {'FPS':>7} {'DSP':>5} {'LUT':>7} {'cap roof':>8} {'ratio':>6} "
        f"{'FINN-rule':>9} {'its DSP':>7} {'ours/FINN':>9} {'max step':>8} {'plan s':>6}"
    )
    print(header)
    print("-" * len(header))
    results, steps = {}, {}
    narrower: dict[tuple[str, str], dict[int, float | None]] = {}
    for label, source in models:
        start = time.perf_counter()
        module = hls_module(source, frame)
        print(f"{label}: {source} through the pipeline to hls in {time.perf_counter() - start:.1f} s")
        for case, functions in ((c, f) for c, f in SCENARIOS if c in cases):
            sub = only(module, functions)
            start = time.perf_counter()
            try:
                design = solve(sub.clone(), device, max_mmv=max_mmv)
            except LiccError as e:
                weights, lines = memory_floor(sub)
                bram = budget["bram18"] * 18 * 1024 / 2**20
                print(f"{label:<9} {case:<8} no design: {e}")
                print(
                    f"{'':<18} it stores at least {weights:.1f} Mbit of weights and {lines:.1f} Mbit of line "
                    f"buffers ({weights + lines:.1f} Mbit); the cap's block RAM holds {bram:.1f} Mbit"
                )
                if (label, case) in GOALS:
                    narrower[(label, case)] = narrower_designs(source, frame, functions, device, max_mmv)
                continue
            planned = time.perf_counter() - start
            fps = min(design.fps(f) for f in functions)
            used = design.used()
            knobs = design.knobs(functions)
            macs = sum(s.macs for s in knobs)
            cap_roof = roofline_fps(macs, budget["dsp"], clock)
            f_cycles, f_dsp = finn_best(finn_layers(knobs), budget["dsp"])
            f_fps = clock * 1e6 / f_cycles
            step, curve = largest_step(sub, device, max_mmv)
            results[(label, case)] = fps
            steps[(label, case)] = step
            print(
                f"{label:<9} {case:<8} {fps:7.2f} {used['dsp']:5d} {used['lut']:7,} {cap_roof:8.2f} "
                f"{fps / cap_roof:6.2f} {f_fps:9.2f} {f_dsp:7d} {fps / f_fps:9.2f} {step:7.1f}% {planned:6.1f}"
            )
            print(f"{'':<18} curve (DSPs:FPS): " + " ".join(f"{b}:{f:.1f}" for b, f in curve))
    for (label, case), goal in GOALS.items():
        if case not in cases or label not in dict(models):
            continue
        if (label, case) in results:
            fps = results[(label, case)]
            print(f"goal {label} {case} ≥ {goal:g} FPS: {'met' if fps >= goal else 'NOT met'} ({fps:.2f})")
        elif (label, case) in narrower:
            met = {w: fps for w, fps in narrower[(label, case)].items() if fps is not None and fps >= goal}
            best = f"met with {max(met)}-bit weights ({met[max(met)]:.2f})" if met else "NOT met"
            print(f"goal {label} {case} ≥ {goal:g} FPS: no design at its widths; {best}")
        else:
            print(f"goal {label} {case} ≥ {goal:g} FPS: NOT met (no design fits)")
    if steps:
        worst = max(steps.values())
        print(f"goal no FPS-vs-DSP step > {MAX_STEP:g} %: {'met' if worst <= MAX_STEP else 'NOT met'} (largest {worst:.1f} %)")
    print(
        "cap roof: MACs per frame / (the cap's DSPs × 2 MACs × clock); FINN-rule: SetFolding on the "
        "same stages within the cap's DSPs; max step: largest FPS rise between neighbouring DSP "
        "budgets (24 from half the cap to the cap); plan s: lic-set-parallelism's solve"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--student", default=MODELS[0][1])
    parser.add_argument("--teacher", default=MODELS[1][1])
    parser.add_argument("--device", default="zcu102")
    parser.add_argument("--frame", default="1280x720", help="WIDTHxHEIGHT")
    parser.add_argument("--max-mmv", type=int, default=MAX_MMV, help="lic-set-parallelism's max-mmv (the knob's range)")
    parser.add_argument("--cases", default=",".join(c for c, _ in SCENARIOS), help="which of encoder,decoder,both")
    args = parser.parse_args()
    width, height = (int(v) for v in args.frame.lower().split("x"))
    models = [(name, path) for name, path in (("student", args.student), ("teacher", args.teacher)) if path]
    cases = args.cases.split(",")
    if unknown := [c for c in cases if c not in dict(SCENARIOS)]:
        parser.error(f"unknown case {unknown[0]!r}; pick from {', '.join(dict(SCENARIOS))}")
    run(load_device(args.device), (width, height), models, args.max_mmv, cases)


if __name__ == "__main__":
    main()
