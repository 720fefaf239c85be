"""The cost model: cycle counts from the loop nests, legality, primitives, devices."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lic_compiler.errors import LiccError
from lic_compiler.hw import primitives as hwp
from lic_compiler.hw.device import bundled_devices, load_device
from lic_compiler import hls_schedule
from lic_compiler.dialects import hls
from lic_compiler.dialects.hls_geometry import DeconvGeometry, mmv_choices, padded_mmv_choices
from lic_compiler.hw.fold import Folding, refold
from lic_compiler.hw.report import dsp_macs
from lic_compiler.hw.stages import GdnModel, KnobModel, MvauModel, module_stages
from lic_compiler.ir import parse_module
from nets import Conv, Deconv, Gdn, Spec, build, convert

CODEC = Spec(3, 8, 12, [
    Conv(8, 3, 2, 1, pe=2, simd=9, mmv=2),
    Gdn(pe=4, simd=2, mmv=3, mult="fabric"),
    Deconv(4, 5, 2, 2, 1, pe=2, simd=25 * 2, mmv=3),
    Gdn(inverse=True, pe=1, simd=4),
])


def stages_of(spec: Spec = CODEC):
    module = build(spec)
    convert(module, {"net": spec})
    return module, module_stages(module)["net"]


# --- devices --------------------------------------------------------------------


def test_bundled_boards():
    assert bundled_devices() == ["kv260", "ultra96v2", "zcu102", "zcu104"]
    zcu102 = load_device("ZCU102")
    assert zcu102.part == "xczu9eg-ffvb1156-2-e"
    assert zcu102.resources == {"dsp": 2520, "bram18": 1824, "uram": 0, "lut": 274080, "ff": 548160}
    assert zcu102.budget() == {"dsp": 2016, "bram18": 1459, "uram": 0, "lut": 219264, "ff": 438528}
    assert load_device("zcu104").resources["uram"] == 96


def test_a_user_board_is_one_file(tmp_path):
    board = {
        "name": "tiny",
        "part": "xczu2cg-sbva484-1-e",
        "resources": {"dsp": 240, "bram18": 300, "uram": 0, "lut": 47232, "ff": 94464},
        "clock_mhz": 150,
        "util_cap": 0.7,
    }
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(board))
    assert load_device(str(path)).budget()["dsp"] == 168


@pytest.mark.parametrize(
    "content,message",
    [
        ({"name": "x"}, "lacks part, resources, clock_mhz, util_cap"),
        (
            {"name": "x", "part": "p", "clock_mhz": 1, "util_cap": 0.5, "resources": {"dsp": 1}},
            "lacks resources bram18, uram, lut, ff",
        ),
        (
            {
                "name": "x", "part": "p", "clock_mhz": 1, "util_cap": 1.5,
                "resources": {"dsp": 1, "bram18": 1, "uram": 0, "lut": 1, "ff": 1},
            },
            "0 < util_cap <= 1",
        ),
    ],
)
def test_bad_board_files(tmp_path, content, message):
    path = tmp_path / "b.json"
    path.write_text(json.dumps(content))
    with pytest.raises(LiccError, match=message):
        load_device(str(path))


def test_unknown_board_lists_the_known_ones():
    with pytest.raises(LiccError, match="unknown device 'zcu999'; choose one of kv260, ultra96v2, zcu102, zcu104"):
        load_device("zcu999")


# --- primitives -----------------------------------------------------------------


@pytest.mark.parametrize(
    "depth,width,blocks",
    [(512, 36, 1), (513, 36, 2), (1024, 18, 1), (2048, 9, 1), (4096, 4, 1), (16384, 1, 1), (64, 200, 6), (2565, 512, 87)],
)
def test_bram18_aspect_ratios(depth, width, blocks):
    assert hwp.bram18(depth, width) == blocks


def test_dsp_packing_pairs_output_channels():
    assert hwp.array_dsps(pe=2, simd=10, w_bits=8, a_bits=8) == 10  # two products per DSP
    assert hwp.array_dsps(pe=1, simd=10, w_bits=8, a_bits=8) == 10  # PE = 1: half of each DSP idles
    assert hwp.array_dsps(pe=3, simd=10, w_bits=8, a_bits=8) == 20
    assert hwp.array_dsps(pe=2, simd=10, w_bits=8, a_bits=16) == 20  # too wide to pack
    assert hwp.array_dsps(pe=2, simd=10, w_bits=4, a_bits=4) == 0  # LUT multipliers
    assert hwp.array_dsps(pe=1, simd=1, w_bits=32, a_bits=32) == 4


# --- stages ---------------------------------------------------------------------


def test_every_stage_costs_the_cycles_of_its_schedule():
    """The model is the emitted design: each stage's cycles are its kernel's loop."""
    _, stages = stages_of()
    assert {s.kind for s in stages} >= {"window", "mvau", "gdn", "deconv", "lanes"}
    for s in stages:
        assert s.cost().cycles == hls_schedule.schedule(s.op).iters, s.label


def test_mvau_cycles_follow_the_loop_nest():
    _, stages = stages_of()
    conv = next(s for s in stages if isinstance(s, MvauModel))
    # 8 outputs of 4×6 pixels, reduction 3·3·3 = 27: NF = 8/2, SF = 27/9, two pixels at once;
    # the fold's 2·2 lanes share ⌈4/3⌉ = 2 epilogue units, the last fold's 2 cycles after the loop.
    assert conv.cost().cycles == 4 * 6 // 2 * (8 // 2) * (27 // 9) + 2


def test_an_option_costs_what_the_applied_stage_costs():
    """The solver's price of a folding (the MVAU with its window) is what refold builds."""
    module, stages = stages_of()
    conv = next(s for s in stages if isinstance(s, MvauModel))
    window = next(s for s in stages if s.kind == "window")
    f = Folding(4, 27, 2, "lutram", "fabric")
    option = conv.option_cost(f)
    flow = next(op for op in module.walk() if isinstance(op, hls.DataflowOp))
    refold(flow, {conv.op: f})
    applied = {s.name: s for s in module_stages(module)["net"]}
    mvau, win = applied[conv.name].cost(), applied[window.name].own_cost()
    assert option.cycles == mvau.cycles
    assert option.dsp == mvau.dsp + win.dsp
    # Refold feeds the window within the design's pace, not faster.
    assert win.cycles <= max(s.cost().cycles for s in applied.values() if isinstance(s, KnobModel))


@pytest.mark.parametrize(
    ("folding", "message"),
    [
        (Folding(3, 1), r"pe = 3 is not legal \(PE divides the 8 output channels\); choose one of 1, 2, 4, 8"),
        (Folding(1, 4), r"simd = 4 is not legal \(SIMD divides the reduction of 27\)"),
        (Folding(1, 1, 5), r"mmv = 5 is not legal \(MMV takes fewer groups of the row of 6 pixels than MMV − 1\); choose one of 1, 2, 3, 6"),
        (Folding(1, 1, 1, "flash"), r"ram_style 'flash' is not available"),
        (Folding(1, 1, 1, "bram", "lut"), r"mult_impl 'lut' is not legal; choose one of dsp, fabric"),
    ],
)
def test_knob_legality_names_the_rule(folding, message):
    _, stages = stages_of()
    conv = next(s for s in stages if isinstance(s, MvauModel))
    import re

    assert re.search(message, conv.illegal(folding))
    assert conv.illegal(Folding(2, 9, 2)) is None


def test_fabric_products_trade_dsps_for_luts():
    _, stages = stages_of()
    conv = next(s for s in stages if isinstance(s, MvauModel))
    dsp, fabric = conv.option_cost(Folding(8, 27, 1, "bram", "dsp")), conv.option_cost(Folding(8, 27, 1, "bram", "fabric"))
    products = 8 * 27
    assert dsp.dsp - fabric.dsp == products // 2  # two 8-bit products per DSP48E2
    assert fabric.lut - dsp.lut >= products * hwp.lut_mult(8, 8)


def test_pixels_at_once_divide_cycles_and_share_the_weights():
    _, stages = stages_of()
    gdn = next(s for s in stages if isinstance(s, GdnModel))
    one, three = gdn.option_cost(Folding(2, 8, 1, "bram")), gdn.option_cost(Folding(2, 8, 3, "bram"))
    assert one.cycles == 3 * three.cycles
    assert three.dsp > one.dsp and three.bram18 == one.bram18


def test_deconv_phases_of_k5_s2():
    g = DeconvGeometry(4, 4, 4, 3, 5, 5, 2, 2, 2, 2, 1, 1)
    assert g.taps == [9, 6, 6, 4] and g.all_taps == 25
    # Every product of a non-inserted input with a tap, counted directly.
    direct = sum(
        1
        for y in range(g.ho) for x in range(g.wo) for ky in range(5) for kx in range(5)
        if (y + 2 - ky) % 2 == 0 and (x + 2 - kx) % 2 == 0
        and 0 <= (y + 2 - ky) // 2 < 4 and 0 <= (x + 2 - kx) // 2 < 4
    )
    assert g.macs() == direct * 4 * 3
    assert g.at_once_channels(50) == 2 and g.at_once_channels(4) is None
    assert g.mmv_choices(50) == [1, 2, 4] and g.mmv_choices(4) == [1]


def test_width_roofline_counts_gdn_products_at_one_per_dsp():
    _, stages = stages_of()
    gdn = next(s for s in stages if isinstance(s, GdnModel))
    conv = next(s for s in stages if isinstance(s, MvauModel))
    assert gdn.operand_bits == 16 and dsp_macs(gdn) == gdn.macs
    assert dsp_macs(conv) == conv.macs / 2


def test_planning_needs_the_hls_dataflow():
    module = parse_module("func.func @f(%x: tensor<1x1x2x2xi8>) -> tensor<1x1x2x2xi8> {\n  func.return %x : tensor<1x1x2x2xi8>\n}\n")
    with pytest.raises(LiccError, match="run convert-lic-to-hls first"):
        module_stages(module)


def test_every_knob_stage_is_a_knob_model():
    _, stages = stages_of()
    assert [s.kind for s in stages if isinstance(s, KnobModel)] == ["mvau", "gdn", "deconv", "gdn"]


def test_tiling_options_keep_only_groups_that_tile_the_rows():
    """Padded pixel groups are options unless the solver asks for groups that tile the
    rows (its fallback when the converters between padded groups do not fit)."""
    _, stages = stages_of()
    for s in (s for s in stages if isinstance(s, KnobModel)):
        padded = {f.mmv for f in s.option_table(("bram",), ("dsp",), 8).foldings}
        tiling = {f.mmv for f in s.option_table(("bram",), ("dsp",), 8, tiling=True).foldings}
        assert tiling == {m for m in padded if s.tiles(m)}
    # Rows of 640 pixels: every MMV up to 20 takes fewer groups than one less; 2, 4, 5, 8,
    # 10, 16, 20 tile.
    assert padded_mmv_choices(640) == list(range(1, 21))
    assert mmv_choices(640) == [1, 2, 4, 5, 8, 10, 16, 20]
    # Rows of 80: 11 takes eight groups as 10 does, 13 seven as 12, 15 six as 14, 17–19 five as 16.
    assert padded_mmv_choices(80) == [*range(1, 11), 12, 14, 16, 20]
    assert padded_mmv_choices(6) == [1, 2, 3, 6]  # MMV 4 or 5 takes two groups, as 3 does


def test_converters_between_pixel_counts_go_through_their_gcd():
    """17 → 20 pixels of 64 channels: one converter would regroup lcm = 340 pixels; two
    through whole pixels hold 17 and 20, when one-pixel beats keep the cycle target."""
    from xdsl.dialects.builtin import IntegerType

    from lic_compiler.dialects.hls_geometry import Beat
    from lic_compiler.hw.fold import conversion

    stream = hls.StreamType((64, 4, 680), IntegerType(8), 16, pixels=17)
    want = Beat(4, 20)
    assert conversion(stream, want, 10**6) == [Beat(64, 1), want]
    assert conversion(stream, want, 4 * 680 - 1) == [want]  # one pixel per beat is too slow
    assert conversion(stream, Beat(8, 34), 10**6) == [Beat(8, 34)]  # 34 is a multiple of 17
    assert conversion(stream, Beat(16, 17), 10**6) == []
    # 6 → 4 pixels go through groups of 2 (whole pixels).
    assert conversion(hls.StreamType((3, 2, 12), IntegerType(8), 3, pixels=6), Beat(1, 4), 10**6) == [Beat(3, 2), Beat(1, 4)]
