"""The cost model: cycle counts from the loop nests, legality, primitives, devices."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lic_compiler.errors import LiccError
from lic_compiler.hw import primitives as hwp
from lic_compiler.hw.device import bundled_devices, load_device
from lic_compiler.hw.stages import Folding, module_stages
from lic_compiler.ir import parse_module


def one(network, layers, cin=3, h=16, w=16):
    return module_stages(network(layers, cin, h, w))["encoder"]


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


def test_conv_cycles_follow_the_loop_nest(network):
    (conv,) = one(network, [("conv", 8, 3, 2)], cin=4, h=16, w=16)  # 8×8 outputs, R = 36
    assert conv.cost(Folding(2, 6, "bram")).cycles == 64 * (36 // 6) * (8 // 2)
    assert conv.cost(Folding(8, 36, "bram")).cycles == 64


def test_conv_legality_names_the_rule(network):
    (conv,) = one(network, [("conv", 8, 3, 1)], cin=4)
    assert conv.illegal(Folding(2, 6, "bram")) is None
    assert "pe=3 is not legal (PE divides the 8 output channels); choose one of 1, 2, 4, 8" in conv.illegal(
        Folding(3, 6, "bram")
    )
    assert "SIMD divides the reduction Cin·kh·kw = 36" in conv.illegal(Folding(2, 5, "bram"))
    assert "only GDN stages" in conv.illegal(Folding(2, 6, "bram", mmv=2))
    assert "ram_style 'flash'" in conv.illegal(Folding(2, 6, "flash"))


def test_deconv_phases_of_k5_s2(network):
    (deconv,) = one(network, [("deconv", 4, 5, 2)], cin=2, h=8, w=8)  # 16×16 out
    assert deconv.phases == [(9, 64), (6, 64), (6, 64), (4, 64)]
    assert deconv.all_taps == 25


@settings(max_examples=40, deadline=None)
@given(
    cin=st.sampled_from([1, 2, 3, 4, 6]),
    cout=st.sampled_from([1, 2, 3, 4]),
    k=st.sampled_from([1, 2, 3, 4, 5]),
    s=st.sampled_from([1, 2, 3]),
    data=st.data(),
)
def test_every_deconv_folding_does_all_the_macs(network, cin, cout, k, s, data):
    (deconv,) = one(network, [("deconv", cout, k, s)], cin=cin, h=6, w=6)
    f = Folding(data.draw(st.sampled_from(deconv.pe_choices())), data.draw(st.sampled_from(deconv.simd_choices())), "bram")
    assert deconv.cost(f).cycles * f.pe * f.simd >= deconv.macs


def test_polyphase_skips_the_inserted_zeros(network):
    (deconv,) = one(network, [("deconv", 8, 5, 2)], cin=8, h=32, w=32)  # 64×64 out
    at_once = Folding(8, 25 * 8, "bram")
    assert deconv.channels_at_once(at_once.simd) == 8
    work = deconv.cost(at_once).cycles * at_once.pe * at_once.simd
    zero_insertion = 64 * 64 * 25 * 8 * 8  # every output pixel over a full 5×5 window
    assert deconv.macs <= work < 1.07 * deconv.macs  # only the border taps are padding
    assert zero_insertion > 3.7 * work


@settings(max_examples=40, deadline=None)
@given(
    cin=st.sampled_from([1, 2, 3, 4, 8]),
    cout=st.sampled_from([2, 4, 6]),
    k=st.sampled_from([1, 3, 5]),
    s=st.sampled_from([1, 2]),
    data=st.data(),
)
def test_the_window_generator_never_sets_the_pace(network, cin, cout, k, s, data):
    if s > k:
        return
    (conv,) = one(network, [("conv", cout, k, s)], cin=cin, h=12, w=12)
    f = Folding(data.draw(st.sampled_from(conv.pe_choices())), data.draw(st.sampled_from(conv.simd_choices())), "bram")
    mvau = conv.h_out * conv.w_out * (conv.reduction // f.simd) * (conv.cout // f.pe)
    assert conv.cost(f).cycles == mvau


def test_gdn_pixel_lanes_divide_cycles_and_share_weights(network):
    conv, gdn = one(network, [("conv", 8, 1, 1), ("gdn", False)], cin=4, h=4, w=8)
    one_px, four_px = gdn.cost(Folding(2, 4, "bram", 1)), gdn.cost(Folding(2, 4, "bram", 4))
    assert one_px.cycles == 32 * (8 // 4) * (8 // 2)
    assert four_px.cycles * 4 == one_px.cycles
    assert four_px.dsp == 4 * one_px.dsp  # x² is 16 bits wide: one product per DSP
    assert gdn.mmv_choices() == [1, 2, 4, 8]
    assert "MMV divides the width 8" in gdn.illegal(Folding(2, 4, "bram", 3))


def test_root_ops_are_costed_by_gdn_approx():
    text = """func.func @f(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %z = lic.rsqrt %x table(table_bits = 6) : tensor<1x2x4x4xf32>
  func.return %z : tensor<1x2x4x4xf32>
}"""
    (root,) = module_stages(parse_module(text))["f"]
    assert root.kind == "approx" and not root.folded
    assert root.cost(Folding(2)).cycles == 16
    assert root.cost(Folding(2)).bram18 == 0  # 64 entries: a LUT ROM


def test_ops_without_a_model_are_refused():
    text = """func.func @f(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %i = torch.constant.int 1
  func.return %x : tensor<1x2x4x4xf32>
}"""
    with pytest.raises(LiccError, match=r"torch.constant.int in @f: no hardware cost model; lic-set-parallelism models lic.abs, "):
        module_stages(parse_module(text))


def test_inverse_l1_gdn_needs_no_table():
    text = """func.func @f(%x: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %b = lic.constant dense<1.0> : tensor<4xf32>
  %g = lic.constant dense<0.1> : tensor<4x4xf32>
  %y = lic.gdn %x, %b, %g {form = "l1"} : (tensor<1x4x4x4xf32>, tensor<4xf32>, tensor<4x4xf32>) -> tensor<1x4x4x4xf32>
  %z = lic.gdn %y, %b, %g {inverse, form = "l1"} : (tensor<1x4x4x4xf32>, tensor<4xf32>, tensor<4x4xf32>) -> tensor<1x4x4x4xf32>
  func.return %z : tensor<1x4x4x4xf32>
}"""
    forward, inverse = module_stages(parse_module(text))["f"]
    f = Folding(4, 4, "bram")
    assert forward.norm_bits == inverse.norm_bits == 8  # |x|: packs two products per DSP
    assert forward.cost(f).bram18 > inverse.cost(f).bram18  # the reciprocal table


def test_width_roofline_counts_gdn_products_at_one_per_dsp(network):
    from lic_compiler.hw.report import roofline_fps, width_roofline_fps

    conv, gdn = one(network, [("conv", 8, 3, 1), ("gdn", False)], cin=4, h=4, w=8)
    assert conv.dsp_macs == conv.macs / 2  # 8 × 8 bits: two products per DSP
    assert gdn.operand_bits == (8, 16) and gdn.dsp_macs == gdn.macs  # γ × x²: one
    macs = conv.macs + gdn.macs
    assert width_roofline_fps([conv], 10, 100.0) == roofline_fps(conv.macs, 10, 100.0)
    assert width_roofline_fps([conv, gdn], 10, 100.0) == pytest.approx(10 * 100e6 / (conv.macs / 2 + gdn.macs))
    assert width_roofline_fps([conv, gdn], 10, 100.0) < roofline_fps(macs, 10, 100.0)
