"""C simulation of small random networks against the interpreter, bit for bit,
and the kernels' loops against their schedules, iteration for iteration.

One module holds many parts: every stage kind in one network with pixels at
once (MMV > 1) and products in LUTs (``mult_impl = fabric``) wherever a
stage has them, and sweeps of foldings (PE × SIMD × MMV, both placements)
of a strided convolution, a 1×1 convolution, residual blocks (forks, joins), pixel (un)shuffles, a frame's
pad and crop, two polyphase transposed
convolutions (both schedules) and GDN of each form, with odd channel counts
and sizes, width converters between lane counts and pixel counts in
between, epilogues shared by a fold's lanes and one per lane, and pixel groups that do not tile their rows (MMV 3 on 7 pixels:
the last group of a row padded); plus each root function in each table mode. The emitted project is
built once per integer-type variant (standard types; Xilinx's ap_int from
hls4ml's wheel) with -Wall -Werror and the loop counters on; every output
integer is compared with the integer lic interpreter's, and every stage's
counted iterations, reads and writes with `hls_schedule.schedule(op)`.
"""

from __future__ import annotations

import numpy as np
import pytest

from lic_compiler.backends.hls_cpp.csim import VARIANTS, ap_types_dir, schedule_counts
from lic_compiler.dialects import hls
from lic_compiler.dialects.hls_geometry import DeconvGeometry, divisors
from lic_compiler.hls_schedule import schedule

from nets import Abs, Conv, Deconv, Frame, Gdn, Leaky, Residual, Shuffle, Spec, build, random_input, simulate, table_input, table_net

FAB = "fabric"
ALL_KINDS = Spec(3, 12, 10, [
    Abs(), Conv(8, 5, 2, 2, relu=True, pe=2, simd=5, mmv=5, mult=FAB), Gdn(pe=4, simd=2, mmv=5, mult=FAB),
    Conv(6, 3, 1, 1, pe=3, simd=8, mmv=5), Gdn(inverse=True, pe=2, simd=3, mmv=1, mult=FAB),
    Deconv(5, pe=5, simd=50, mmv=5, mult=FAB), Gdn(l1=True, pe=1, simd=5, mmv=2, mult=FAB),
    Deconv(4, 3, 2, 1, 1, pe=2, simd=15, mult=FAB), Gdn(l1=True, inverse=True, pe=4, simd=4, mmv=4, mult=FAB),
    Conv(7, 1, 1, 0, pe=7, simd=2, mmv=2, mult=FAB),
])
# GDNs of one width, folded apart: converters between lane counts (one and two pixels
# per beat) and between pixel counts.
CONVERTERS = Spec(6, 3, 4, [
    Gdn(pe=3, simd=1), Gdn(pe=2, simd=2), Gdn(pe=2, simd=1, mmv=2), Gdn(inverse=True, pe=3, simd=3, mmv=2),
    Gdn(l1=True, pe=6, simd=2), Gdn(inverse=True, pe=1, simd=6, mmv=4, mult=FAB),
], unsigned_input=False)
# Rows of 7 pixels that the pixel groups do not tile (the last group of a row padded):
# windows reading and emitting partial groups, converters with tail groups between
# pixel counts (3 → 2, 2 → 4, 4 → 1, 1 → 5), a deconvolution fed partial groups.
PADDED = Spec(4, 5, 7, [
    Conv(6, 3, 1, 1, pe=2, simd=9, mmv=3), Gdn(pe=3, simd=2, mmv=3, mult=FAB), Gdn(pe=2, simd=3, mmv=2),
    Gdn(inverse=True, pe=6, simd=2, mmv=4), Gdn(l1=True, pe=1, simd=1, mmv=1), Gdn(pe=1, simd=3, mmv=5, mult=FAB),
    Conv(5, 3, 2, 1, relu=True, pe=5, simd=6, mmv=3, mult=FAB), Deconv(4, pe=2, simd=20), Gdn(pe=2, simd=2, mmv=6),
], unsigned_input=False)
# Residual blocks: a skip over a conv and a GDN folded apart (width converters on the
# join's inputs), then one over a 1×1 conv of 7 pixels per beat, then one nested in
# another whose GDN reads the inner skip's input: forks, joins, skip FIFOs.
RESIDUAL = Spec(4, 6, 7, [
    Conv(6, 3, 1, 1, relu=True, pe=2, simd=4),
    Residual((Conv(6, 3, 1, 1, relu=True, pe=3, simd=6, mult=FAB), Gdn(pe=2, simd=3, mmv=2))),
    Residual((Conv(6, 1, 1, 0, pe=6, simd=2, mmv=7),)),
    Residual((Conv(6, 3, 1, 1, relu=True, pe=3, simd=6), Residual((Gdn(pe=2, simd=3), Conv(6, 3, 1, 1, pe=6, simd=6))))),
    Conv(3, 3, 2, 1, pe=3, simd=9),
], unsigned_input=False)
# Sub-pixel reorders: a shuffle fed 4 lanes writing 2, an unshuffle fed pixel groups
# through a converter; factor 3 on odd channel counts.
SUBPIXEL = Spec(4, 4, 6, [
    Conv(8, 3, 1, 1, relu=True, pe=4, simd=4), Shuffle(2), Conv(4, 3, 1, 1, pe=2, simd=9, mmv=3),
    Shuffle(2, inverse=True), Conv(9, 1, 1, 0, pe=3, simd=8), Shuffle(3), Shuffle(3, inverse=True),
], unsigned_input=False)
# A frame the stride does not divide: padded in both directions (a row buffer) and in
# width only, cropped from 2 channel folds and after a converter from 2-pixel beats.
FRAME = Spec(3, 5, 7, [
    Frame(8, 8), Conv(4, 3, 1, 1, relu=True, pe=2, simd=3), Frame(6, 7),
    Conv(6, 3, 2, 1, pe=3, simd=4, mmv=2), Frame(3, 6), Frame(3, 5),
])
# Leaky ReLUs (slopes 0.01, 0.2, 0.5: ties round up) fused into a conv's and a transposed
# conv's epilogue, and one on its own (a pointwise stage) after a shuffle.
LEAKY = Spec(4, 4, 6, [
    Conv(8, 3, 1, 1, leaky=0.01, pe=4, simd=4, mmv=2, mult=FAB), Shuffle(2), Leaky(0.2),
    Deconv(3, 3, 2, 1, 1, leaky=0.5, pe=3, simd=2), Conv(5, 3, 2, 1, leaky=0.2, pe=5, simd=3),
], unsigned_input=False)
GDN_FORMS = [Gdn(), Gdn(inverse=True), Gdn(l1=True), Gdn(l1=True, inverse=True)]
TABLES = [
    ("rsqrt", "table", {"table_bits": 1}, 20), ("rsqrt", "table", {"table_bits": 10}, 30),
    ("rsqrt", "pwl", {"segments": 2}, 22), ("rsqrt", "pwl", {"segments": 64}, 12),
    ("rsqrt", "newton", {"table_bits": 4, "newton_steps": 3}, 21),
    ("sqrt", "table", {"table_bits": 6}, -4), ("sqrt", "pwl", {"segments": 32}, 2),
    ("sqrt", "newton", {"table_bits": 6, "newton_steps": 1}, 0),
    ("reciprocal", "table", {"table_bits": 8}, 40), ("reciprocal", "pwl", {"segments": 16}, 36),
    ("reciprocal", "newton", {"table_bits": 5, "newton_steps": 2}, 44),
]


def _mult(i: int) -> str:
    return FAB if i % 2 else "dsp"


def specs() -> dict[str, Spec]:
    out = {"all_kinds": ALL_KINDS, "converters": CONVERTERS, "padded": PADDED, "residual": RESIDUAL, "subpixel": SUBPIXEL,
           "frame": FRAME}
    # Blocks at once on block rows of 5 blocks: groups of 2 and 3, the last one partial.
    for mmv, simd in ((2, 50), (3, 25)):
        out[f"deconv_padded_{mmv}"] = Spec(4, 3, 5, [Deconv(3, pe=3, simd=simd, mmv=mmv, mult=_mult(mmv))], unsigned_input=False)
    # A 3×3 stride-2 convolution on a 5×7×9 input (output rows of 5 pixels): MMV 1 to 5.
    for i, (pe, simd) in enumerate((p, s) for p in divisors(3) for s in divisors(5 * 3 * 3)):
        layer = Conv(3, 3, 2, 1, relu=True, pe=pe, simd=simd, mmv=(1, 5, 2, 3)[i % 4], mult=_mult(i // 2))
        out[f"conv_{pe}x{simd}x{layer.mmv}"] = Spec(5, 7, 9, [layer])
    for i, (pe, simd) in enumerate((p, s) for p in divisors(6) for s in divisors(4)):
        layer = Conv(6, 1, 1, 0, pe=pe, simd=simd, mmv=(1, 2, 3, 4, 5, 7)[i % 6], mult=_mult(i))
        out[f"conv1x1_{pe}x{simd}x{layer.mmv}"] = Spec(4, 3, 10, [layer], unsigned_input=False)
    for k, pad in ((5, 2), (3, 1)):
        g = DeconvGeometry(4, 4, 4, 3, k, k, 2, 2, pad, pad, 1, 1)
        for i, (pe, simd) in enumerate((p, s) for p in divisors(3) for s in g.simd_choices()):
            mmvs = g.mmv_choices(simd)
            layer = Deconv(3, k, 2, pad, 1, relu=simd % 2 == 0, pe=pe, simd=simd, mmv=mmvs[i % len(mmvs)], mult=_mult(i))
            out[f"deconv{k}_{pe}x{simd}x{layer.mmv}"] = Spec(4, 4, 4, [layer], unsigned_input=False)
    for i, (pe, simd) in enumerate((p, s) for p in divisors(6) for s in divisors(6)):
        form = GDN_FORMS[i % len(GDN_FORMS)]
        layer = Gdn(form.inverse, form.l1, pe, simd, mmv=(1, 2, 3, 4)[i % 4], mult=_mult(i // 4))
        out[f"gdn_{pe}x{simd}x{layer.mmv}"] = Spec(6, 3, 4, [layer], unsigned_input=False)
    out["leaky"] = LEAKY
    return out


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """Every part: built, interpreted (lic and hls levels), emitted, C-simulated with
    loop counters."""
    parts = specs()
    modules, inputs = [], {}
    for i, (name, spec) in enumerate(parts.items()):
        modules.append(build(spec, seed=i, name=name))
        inputs[name] = random_input(spec, seed=100 + i)
    for i, (fn, mode, params, frac) in enumerate(TABLES):
        name = f"table_{fn}_{mode}_{i}"
        modules.append(table_net(fn, mode, params, frac, name))
        inputs[name] = table_input(i)
        parts[name] = Spec(1, 16, 16)
    return simulate(modules, inputs, parts, tmp_path_factory.mktemp("csim"), count_iters=True)


def test_hls_interpreter_equals_lic_interpreter(simulated):
    references, hls_level, _, _ = simulated
    for name, ref in references.items():
        assert np.array_equal(hls_level[name], ref), name
        assert hls_level[name].dtype == ref.dtype, name


@pytest.mark.parametrize("variant", VARIANTS)
def test_csim_equals_interpreter(simulated, variant):
    if variant == "ap" and ap_types_dir() is None:
        pytest.skip("no ap_int.h installed")
    results = [r for r in simulated[2] if r.variant == variant]
    assert len(results) == len(simulated[0])
    different = [(r.part, r.mismatches) for r in results if not r.equal]
    assert not different


def test_loop_counts_are_the_schedules(simulated):
    """Each stage's loop ran schedule(op).iters iterations and read and wrote on exactly
    the iterations the schedule's flags say (count and index sum), in every variant."""
    expected = schedule_counts(simulated[3])
    for r in simulated[2]:
        assert r.loop_counts is not None
        mine = {k: v for k, v in expected.items() if k.startswith(f"{r.part}/")}
        assert r.loop_counts == mine, (r.part, r.variant)


def test_the_suite_covers_every_knob(simulated):
    """MMV > 1 and products in LUTs on every folded stage kind (and both GDN forms of
    each), deconvolutions in both schedules, converters between pixel counts."""
    stages = [op for op in simulated[3].walk() if isinstance(op, hls.StageOp)]
    folded = [op for op in stages if isinstance(op, hls.FoldedStageOp)]
    for kind in (hls.MvauOp, hls.DeconvOp, hls.GdnOp):
        assert any(isinstance(op, kind) and op.mmv_value > 1 for op in folded), kind
        assert any(isinstance(op, kind) and op.mult_impl.data == FAB for op in folded), kind
    in_turn = [op for op in folded if isinstance(op, hls.DeconvOp) and op.geometry().at_once_channels(op.simd_value) is None]
    assert in_turn and len(in_turn) < sum(isinstance(op, hls.DeconvOp) for op in folded)
    assert any(isinstance(op, hls.WindowOp) and op.out_type.pixels.data > 1 for op in stages)
    assert any(isinstance(op, hls.PointwiseOp) for op in stages)
    leaky = [op for op in stages if any(isinstance(s, hls.LeakyReluStep) for s in _steps(op))]
    assert {type(op) for op in leaky} == {hls.MvauOp, hls.DeconvOp, hls.PointwiseOp}
    joins = [op for op in stages if isinstance(op, hls.AddOp)]
    assert len(joins) == 4 and any(isinstance(op.addend.owner, hls.LanesOp) or isinstance(op.input.owner, hls.LanesOp) for op in joins)
    assert sum(isinstance(op, hls.ForkOp) for op in stages) == 4
    shuffles = [op for op in stages if isinstance(op, hls.ShuffleOp)]
    assert {(op.r, op.is_inverse) for op in shuffles} == {(2, False), (2, True), (3, False), (3, True)}
    assert any(op.in_type.lanes != op.out_type.lanes for op in shuffles)
    # A frame padded with and without added rows (the row buffer), cropped from channel folds.
    pads = [op for op in stages if isinstance(op, hls.PadOp)]
    assert {op.out_type.get_shape()[1] > op.in_type.get_shape()[1] for op in pads} == {True, False}
    assert any(isinstance(op, hls.CropOp) and op.in_type.lanes.data < op.in_type.channels for op in stages)
    converters = {(op.in_type.beat, op.out_type.beat) for op in stages if isinstance(op, hls.LanesOp)}
    assert any(a.pixels != b.pixels for a, b in converters)
    assert any(a.pixels == b.pixels == 1 and a.lanes != b.lanes for a, b in converters)
    assert any(a.pixels == b.pixels > 1 and a.lanes != b.lanes for a, b in converters)
    # Pixel groups that do not tile the row, on every stage kind that takes them.
    padded = [op for op in stages if any(s.get_shape()[2] % s.pixels.data for s in (op.in_type, op.out_type))]
    for kind in (hls.MvauOp, hls.GdnOp, hls.WindowOp, hls.LanesOp, hls.DeconvOp):
        assert any(isinstance(op, kind) for op in padded), kind
    assert any(isinstance(op, hls.DeconvOp) and op.geometry().qw % op.mmv_value for op in folded)
    # Epilogues shared by a fold's lanes (LAG > 0), and one per lane (LAG = 0).
    for kind in (hls.MvauOp, hls.GdnOp):
        lags = {schedule(op).constants["LAG"] for op in folded if isinstance(op, kind)}
        assert 0 in lags and max(lags) > 1, kind
    tails = [op for op in padded if isinstance(op, hls.LanesOp) and schedule(op).constants["TAIL_READS"]]
    assert tails
    # Pixel counts converted through their gcd: two converters in a row.
    assert any(isinstance(op, hls.LanesOp) and isinstance(op.input.owner, hls.LanesOp) for op in stages)


def _steps(op: hls.StageOp) -> list:
    steps = getattr(op, "steps", None) or getattr(op, "epilogue", None)
    return list(steps.data) if steps is not None else []


def test_references_are_not_trivial(simulated):
    """The random networks exercise their ranges: outputs are not constant."""
    references = simulated[0]
    flat = [name for name, ref in references.items() if np.unique(ref).size < 3]
    assert not flat
