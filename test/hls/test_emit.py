"""The emitted project's structure: deterministic, pragma factors = folding, one
producer and one consumer per stream, the Vitis scripts' part and clock; and the
`licc --csim` flow end to end on a small untrained codec."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from lic_compiler.backends.hls_cpp import write_project
from lic_compiler.backends.hls_cpp.emitter import emit_project
from lic_compiler.cli.licc import main as licc
from lic_compiler.dialects import hls

from nets import Conv, Deconv, Gdn, Spec, build, convert, merge

PARTITION = re.compile(r"ARRAY_PARTITION variable = (\w+) type = cyclic factor = (\d+) dim = (\d)")
CALL = re.compile(r"^    \w+_hw::(\w+)\((\w+), (\w+)\);$", re.M)


def small_design():
    spec = Spec(3, 16, 12, [
        Conv(8, 5, 2, 2, pe=4, simd=15, mmv=2, mult="fabric"), Gdn(pe=2, simd=4, mmv=3, mult="fabric"),
        Deconv(3, pe=3, simd=50, mmv=2),
    ])
    module = merge([build(spec, name="encoder"), build(spec, seed=1, name="decoder")])
    convert(module, {"encoder": spec, "decoder": spec})
    return module


def foldings(text: str) -> dict[str, tuple[int, int]]:
    """Per weight array: (PE, SIMD) from its ARRAY_PARTITION pragmas (dims 2 and 3)."""
    found: dict[str, dict[int, int]] = {}
    for name, factor, dim in PARTITION.findall(text):
        found.setdefault(name, {})[int(dim)] = int(factor)
    return {name: (dims[2], dims[3]) for name, dims in found.items()}


def test_emitting_twice_gives_identical_files(tmp_path):
    module = small_design()
    write_project(module, tmp_path / "a")
    write_project(module, tmp_path / "b")
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)


def test_pragma_factors_are_the_folding():
    module = small_design()
    files = emit_project(module)
    for flow in (op for op in module.walk() if isinstance(op, hls.DataflowOp)):
        part = flow.parent_op().sym_name.data  # type: ignore[union-attr]
        text = "".join(t for p, t in files.items() if p.startswith(f"{part}/stages/"))
        pragmas = foldings(text)
        folded = [op for op in flow.stages() if isinstance(op, hls.FoldedStageOp)]
        assert len(pragmas) == len(folded) == 3
        for op in folded:
            name = op.output.name_hint
            weight = f"{name}_gamma" if isinstance(op, hls.GdnOp) else f"{name}_w"
            assert pragmas[weight] == (op.pe_value, op.simd_value)


def test_products_are_placed_as_mult_impl():
    """BIND_OP on every product of a folded stage (the GDN's norm and x path both), impl =
    the stage's mult_impl; stream beats are LANES × PIXELS values."""
    module = small_design()
    files = emit_project(module)
    for flow in (op for op in module.walk() if isinstance(op, hls.DataflowOp)):
        part = flow.parent_op().sym_name.data  # type: ignore[union-attr]
        for op in flow.stages():
            text = files[f"{part}/stages/{op.output.name_hint}.h"]
            binds = re.findall(r"#pragma HLS BIND_OP variable = (\w+) op = mul impl = (\w+)", text)
            if isinstance(op, hls.FoldedStageOp):
                variables = ["p", "prod"] if isinstance(op, hls.GdnOp) else ["p"]
                assert binds == [(v, op.mult_impl.data) for v in variables], op.output.name_hint
            else:
                assert not binds
            lanes, pixels = op.out_type.lanes.data, op.out_type.pixels.data
            assert re.search(rf"hls::stream<licc::vec<licc::u?int_t<\d+>, {lanes * pixels}> > &out\)", text)
    folded = [op for op in module.walk() if isinstance(op, hls.FoldedStageOp)]
    assert {op.mult_impl.data for op in folded} == {"dsp", "fabric"}
    assert all(op.mmv_value > 1 for op in folded)


def test_every_stream_has_one_producer_and_one_consumer():
    files = emit_project(small_design())
    for part in ("encoder", "decoder"):
        top = files[f"{part}/{part}.cpp"]
        calls = CALL.findall(top)
        declared = re.findall(r"hls::stream<.*> (\w+)\(\"\w+\"\);", top)
        written = [out for _, _, out in calls]
        read = [src for _, src, _ in calls]
        assert sorted(written) == sorted(declared + ["out"])
        assert sorted(read) == sorted(declared + ["in"])
        for stream in declared:
            assert f"#pragma HLS STREAM variable = {stream} depth = " in top


@pytest.mark.slow
def test_licc_csim_end_to_end(tmp_path):
    """licc on a small untrained factorized codec at 64×64: the project, the report's
    verdict (both type variants when ap_int.h is installed), each stage's folding and
    placement = parallelism.json's."""
    out = tmp_path / "build"
    result = CliRunner().invoke(
        licc, ["bmshj2018-factorized:8x12", "-o", str(out), "--frame", "64x64", "--csim", "--calibration-count", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "C simulation" in result.output and "bit for bit" in result.output
    report = json.loads((out / "report.json").read_text())
    assert report["csim"]["equal"] and set(report["csim"]["parts"]) == {"encoder", "decoder"}
    assert "## C simulation" in (out / "report.md").read_text()
    for part in ("encoder", "decoder"):
        folder = out / "hls" / part
        assert {"hls_config.cfg", "run_hls.tcl", f"tb_{part}.cpp", f"{part}.cpp", "input.npy"} <= {p.name for p in folder.iterdir()}
        assert "part=xczu9eg-ffvb1156-2-e" in (folder / "hls_config.cfg").read_text()
        assert "create_clock -period 5 " in (folder / "run_hls.tcl").read_text()
    stages = json.loads((out / "parallelism.json").read_text())["stages"]
    assert stages
    for s in stages:
        text = (out / "hls" / s["function"] / "stages" / f"{s['stage']}.h").read_text()
        assert set(foldings(text).values()) == {(s["pe"], s["simd"])}
        assert f"PE {s['pe']} x SIMD {s['simd']} x MMV {s['mmv']}, products in {s['mult_impl']}" in text


FORK_THEN_NAMESAKE = """
func.func @f(%x: tensor<1x4x2x2xi8>) -> tensor<1x4x2x2xi8> {
  %y = hls.dataflow %x : (tensor<1x4x2x2xi8>) -> tensor<1x4x2x2xi8> {
  ^bb0(%s: !hls.stream<4x2x2xi8, lanes = 2, depth = 2>):
    %a, %b = hls.fork %s : !hls.stream<4x2x2xi8, lanes = 2, depth = 2> -> !hls.stream<4x2x2xi8, lanes = 2, depth = 2>, !hls.stream<4x2x2xi8, lanes = 2, depth = 9>
    %a_1 = hls.pointwise %a {steps = [#hls.relu]} : !hls.stream<4x2x2xi8, lanes = 2, depth = 2> -> !hls.stream<4x2x2xi8, lanes = 2, depth = 2>
    %z = hls.add %a_1, %b {sum_type = i9, epilogue = [#hls.rescale<multiplier = array<i64: 1>, shift = array<i64: 0>, offset = array<i64: 0> -> i8>]} : !hls.stream<4x2x2xi8, lanes = 2, depth = 2>, !hls.stream<4x2x2xi8, lanes = 2, depth = 9> -> !hls.stream<4x2x2xi8, lanes = 2, depth = 2>
    hls.yield %z : !hls.stream<4x2x2xi8, lanes = 2, depth = 2>
  }
  func.return %y : tensor<1x4x2x2xi8>
}
"""


def test_a_stage_named_like_a_forks_copy_gets_its_own_streams():
    """A fork %a writes streams a and a_1; a later stage whose result is %a_1 (as two
    compressai residual blocks in a row give) is named apart, so no stream is declared twice."""
    from xdsl.parser import Parser

    from lic_compiler.ir import make_context

    module = Parser(make_context(), FORK_THEN_NAMESAKE).parse_module()
    flow = next(op for op in module.walk() if isinstance(op, hls.DataflowOp))
    fork, namesake, _ = hls.stage_names(flow.stages()).values()
    assert fork == "a" and namesake not in ("a", "a_1")
    top = emit_project(module)["f/f.cpp"]
    declared = re.findall(r"hls::stream<[^;]*> (\w+)\(", top)
    assert sorted(declared) == sorted({"a", "a_1", namesake})  # the join writes the output stream
