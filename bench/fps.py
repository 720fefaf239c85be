"""Predicted FPS of the factorized-prior student and teacher at 1280×720 on ZCU102.

For the (64, 96) student and the (128, 192) teacher (random weights: the
model needs shapes only), for the encoder, the decoder and both on one
device, within the device's 80 % utilisation cap, it prints:

- licc's FPS (`lic-set-parallelism`, objective max-fps) and the DSPs it uses;
- the DSP roofline for those DSPs, MACs per frame / (DSPs × 2 MACs × clock),
  and the ratio FPS / roofline;
- the roofline at the layers' widths (each MAC at its operands' best rate:
  two ≤ 8-bit products per DSP, one for GDN's 16-bit x²), and FPS over it;
- FINN's published SetFolding rule, reimplemented below from its description,
  on the same layers and DSP budget, and licc's FPS over its FPS.

Run from the repository (about two minutes, mostly importing the models):

    .venv/bin/python bench/fps.py [--device zcu102] [--frame 1280x720]
"""

from __future__ import annotations

import argparse
import time
import warnings
from dataclasses import dataclass
from math import ceil

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp

from lic_compiler.hw import primitives as hwp
from lic_compiler.hw.design import solve
from lic_compiler.hw.device import Device, load_device
from lic_compiler.hw.report import roofline_fps, width_roofline_fps
from lic_compiler.hw.stages import (
    ApproxStage,
    ConvStage,
    EltwiseStage,
    GdnStage,
    PolyphaseStage,
    Stage,
    divisors,
    module_stages,
)

MODELS = [("student", 64, 96), ("teacher", 128, 192)]
SCENARIOS = [("encoder", ["encoder"]), ("decoder", ["decoder"]), ("both", ["encoder", "decoder"])]


def lic_module(n: int, m: int, frame: tuple[int, int]) -> ModuleOp:
    from lic_compiler.ir import make_context
    from lic_compiler.registry import parse_pipeline

    with warnings.catch_warnings():  # CompressAI's use of torch.jit.script
        warnings.filterwarnings("ignore", r".*torch\.jit\.script.*deprecated", FutureWarning)
        from lic_compiler.frontend import import_model
        from lic_compiler.models import build

        model = build("bmshj2018-factorized", n, m).eval()
        module = import_model(model, parts=["encoder", "decoder"], frame=frame).module
    parse_pipeline("convert-torch-to-lic").apply(make_context(), module)
    return module


def only(module: ModuleOp, functions: list[str]) -> ModuleOp:
    """A copy of `module` with just the named functions."""
    copy = module.clone()
    for f in list(copy.ops):
        if isinstance(f, func.FuncOp) and f.sym_name.data not in functions:
            f.detach()
    return copy


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
# MVAU. Cycles are FINN's formulas (MVAU: MH/PE · MW/SIMD · pixels; the RTL
# window generator's default and parallel styles); DSPs are licc's model of
# the same PE × SIMD array, so the two rules are compared on one cost model.


@dataclass
class FinnLayer:
    mw: int  # reduction
    mh: int  # outputs
    pixels: int
    w_bits: int
    a_bits: int
    extra_dsp_per_pe: int = 0  # GDN: the output multiply
    swg: tuple[int, int, int, int, int, int, int] | None = None  # cin, ih, iw, oh, ow, k, stride


def finn_layers(stages: list[Stage]) -> list[FinnLayer]:
    layers = []
    for s in stages:
        w = s.widths
        if isinstance(s, ConvStage):
            (ph, pw), (sh, _) = s.op.paddings(), s.op.strides()
            swg = (s.cin, s.h_in + 2 * ph, s.w_in + 2 * pw, s.h_out, s.w_out, s.kh, sh)
            layers.append(FinnLayer(s.reduction, s.cout, s.h_out * s.w_out, w.weight, w.act_in, 0, swg))
        elif isinstance(s, PolyphaseStage):
            k = s.op.kernel()[0]
            swg = (s.cin, s.h_out + k - 1, s.w_out + k - 1, s.h_out, s.w_out, k, 1)
            layers.append(FinnLayer(s.cin * k * k, s.cout, s.h_out * s.w_out, w.weight, w.act_in, 0, swg))
        elif isinstance(s, GdnStage):
            layers.append(FinnLayer(s.c, s.c, s.h * s.w, w.weight, s.norm_bits, 1))
        elif isinstance(s, EltwiseStage | ApproxStage):
            layers.append(FinnLayer(1, s.c, s.h * s.w, 0, 0))
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
        pe = next(
            (p for p in divisors(layer.mh) if mvau_cycles(layer, p, simd) < target), layer.mh
        )
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
            if layer.w_bits:
                dsp += hwp.array_dsps(pe, simd, layer.w_bits, layer.a_bits) + layer.extra_dsp_per_pe * pe
        return cycles, dsp

    cycles, dsp = evaluate(set_folding(layers, target, wwidth_max))
    if cycles > target:
        cycles, dsp = evaluate(set_folding(layers, cycles, wwidth_max))
    return cycles, dsp


def finn_best(layers: list[FinnLayer], dsp_budget: int, wwidth_max: int | None) -> tuple[int, int]:
    """The fastest SetFolding result within the DSP budget over a sweep of targets."""
    best = (10**18, 0)
    target = 1000
    while target < 10**10:
        cycles, dsp = finn_design(layers, target, wwidth_max)
        if dsp <= dsp_budget and cycles < best[0]:
            best = (cycles, dsp)
        target = ceil(target * 1.01)
    return best


# --- the benchmark --------------------------------------------------------------


def run(device: Device, frame: tuple[int, int]) -> None:
    clock = device.clock_mhz
    budget = device.budget()
    print(
        f"bmshj2018-factorized at {frame[0]}×{frame[1]} on {device.name} ({device.part}), "
        f"{clock:g} MHz, {device.util_cap:.0%} cap: {budget['dsp']} of {device.resources['dsp']} DSPs"
    )
    header = (
        f"{'model':<16} {'part':<8} {'FPS':>7} {'DSP':>5} {'roofline':>9} {'ratio':>6} {'@widths':>8} {'ratio':>6} "
        f"{'BRAM':>5} {'LUT':>5} {'FINN-rule':>9} {'its DSP':>7} {'ours/FINN':>9} {'FINN@36b':>8}"
    )
    print(header)
    print("-" * len(header))
    student_encoder = None
    for label, n, m in MODELS:
        start = time.perf_counter()
        module = lic_module(n, m, frame)
        imported = time.perf_counter() - start
        for part, functions in SCENARIOS:
            sub = only(module, functions)
            design = solve(sub, device)
            fps = min(design.fps(f) for f in functions)
            used = design.used()
            dsp = used["dsp"]
            bram, lut = (used[r] / device.resources[r] for r in ("bram18", "lut"))
            macs = sum(s.macs for ss in design.stages.values() for s in ss)
            roof = roofline_fps(macs, dsp, clock)
            roof_w = width_roofline_fps([s for ss in design.stages.values() for s in ss], dsp, clock)
            stages = [s for ss in module_stages(sub).values() for s in ss]
            layers = finn_layers(stages)
            f_cycles, f_dsp = finn_best(layers, budget["dsp"], None)
            f_fps = clock * 1e6 / f_cycles
            capped, _ = finn_best(layers, budget["dsp"], 36)
            print(
                f"{label + f' ({n},{m})':<16} {part:<8} {fps:7.2f} {dsp:5d} {roof:9.2f} {fps / roof:6.2f} {roof_w:8.2f} {fps / roof_w:6.2f} "
                f"{bram:5.0%} {lut:5.0%} {f_fps:9.2f} {f_dsp:7d} {fps / f_fps:9.2f} {clock * 1e6 / capped:8.2f}"
            )
            if (label, part) == ("student", "encoder"):
                student_encoder = fps
        # FINN's own setting in MEASUREMENTS.md: g_a with GDN replaced by ReLU, all DSPs.
        convs = [s for s in module_stages(only(module, ["encoder"]))["encoder"] if s.kind == "conv"]
        best, _ = finn_best(finn_layers(convs), device.resources["dsp"], None)
        default, _ = finn_best(finn_layers(convs), device.resources["dsp"], 36)
        print(
            f"  FINN-rule on g_a without GDN within all {device.resources['dsp']} DSPs: "
            f"{clock * 1e6 / best:.2f} FPS, {clock * 1e6 / default:.2f} with the 36-bit cap "
            f"(import {imported:.1f} s)"
        )
    assert student_encoder is not None
    verdict = "yes" if student_encoder >= 30 else "NO"
    print(
        f"student encoder ≥ 30 FPS within the {device.util_cap:.0%} cap: {verdict} "
        f"({student_encoder:.2f} FPS)"
    )
    print(
        "roofline: MACs per frame (transposed convs without inserted zeros) / "
        "(DSPs × 2 MACs × clock); @widths: each MAC at its operands' best rate (GDN's 16-bit "
        "x² one per DSP); BRAM, LUT: utilisation of the device; "
        "FINN@36b: SetFolding with its default 36-bit weight-stream cap"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="zcu102")
    parser.add_argument("--frame", default="1280x720", help="WIDTHxHEIGHT")
    args = parser.parse_args()
    width, height = (int(v) for v in args.frame.lower().split("x"))
    run(load_device(args.device), (width, height))


if __name__ == "__main__":
    main()
