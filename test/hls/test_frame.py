"""Any frame size: a frame the total stride does not divide is padded by edge
replication (bottom, right) by the encoder's input stage (`hls.pad`) and cropped back
by the decoder's output stage (`hls.crop`). Their numerics against numpy and PyTorch,
their schedules and costs, and `licc --frame` on a stride-16 codec at 72x40 through C
simulation, bit for bit in both type variants."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from lic_compiler.backends.hls_cpp.csim import VARIANTS, ap_types_dir
from lic_compiler.cli.licc import main
from lic_compiler.dialects import hls, lic
from lic_compiler.frontend.frame import frame_padding
from lic_compiler.frontend.frame_op import crop_reference, pad_reference
from lic_compiler.hls_schedule import frame_schedule
from lic_compiler.hw.stages import CropModel, PadModel
from lic_compiler.ir import parse_module


def test_pad_replicates_the_edges_as_numpy_and_pytorch():
    x = np.random.default_rng(0).integers(-128, 128, (1, 3, 5, 7))
    padded = lic.pad_edge(x, 8, 9)
    assert np.array_equal(padded, np.pad(x, ((0, 0), (0, 0), (0, 3), (0, 2)), mode="edge"))
    assert np.array_equal(pad_reference(torch.from_numpy(x).double(), 8, 9).numpy(), padded)
    assert np.array_equal(lic.crop(padded, 5, 7), x)
    assert np.array_equal(crop_reference(torch.from_numpy(padded), 5, 7).numpy(), x)
    assert np.array_equal(lic.pad_edge(x, 5, 7), x)


def test_the_evaluation_pads_as_the_hardware():
    """`frame_padding` pads at the bottom and right only, to the stride's next multiple."""
    pad, unpad = frame_padding(720, 1280, 64)
    assert pad == (0, 0, 0, 48) and unpad == (0, 0, 0, -48)
    x = torch.rand(1, 3, 5, 7)
    y = torch.nn.functional.pad(x, frame_padding(5, 7, 4)[0], mode="replicate")
    assert torch.equal(y, pad_reference(x, 8, 8))
    assert torch.equal(torch.nn.functional.pad(y, frame_padding(5, 7, 4)[1]), x)


@pytest.mark.parametrize("pad", [True, False])
def test_frame_schedule_reads_and_writes_the_kept_beats(pad):
    c, lanes, (h, w), (hp, wp) = 6, 2, (5, 7), (8, 8)
    s = frame_schedule(c, h, w, hp, wp, lanes) if pad else frame_schedule(c, hp, wp, h, w, lanes)
    folds = c // lanes
    assert s.iters == hp * wp * folds
    reads, writes = s.flags()
    kept, every = (reads, writes) if pad else (writes, reads)
    assert every.all() and kept.sum() == h * w * folds
    rows = kept.reshape(hp, wp * folds)
    assert rows[:h, : w * folds].all() and not rows[:, w * folds:].any() and not rows[h:].any()


STAGES = """
func.func @f(%x: tensor<1x3x{h}x1280xui8>) -> tensor<1x3x720x1280xui8> {{
  %y = hls.dataflow %x : (tensor<1x3x{h}x1280xui8>) -> tensor<1x3x720x1280xui8> {{
  ^bb0(%s: !hls.stream<3x{h}x1280xui8, lanes = 3, depth = 2>):
    %p = hls.pad %s : !hls.stream<3x{h}x1280xui8, lanes = 3, depth = 2> -> !hls.stream<3x768x1280xui8, lanes = 3, depth = 2>
    %c = hls.crop %p : !hls.stream<3x768x1280xui8, lanes = 3, depth = 2> -> !hls.stream<3x720x1280xui8, lanes = 3, depth = 2>
    hls.yield %c : !hls.stream<3x720x1280xui8, lanes = 3, depth = 2>
  }}
  func.return %y : tensor<1x3x720x1280xui8>
}}
"""


def _models(height: int) -> tuple[PadModel, CropModel]:
    module = parse_module(STAGES.format(h=height))
    pad, crop = [op for op in module.walk() if isinstance(op, hls.PadOp | hls.CropOp)]
    return PadModel("f", 0, "pad", pad), CropModel("f", 1, "crop", crop)


def test_pad_cost_runs_at_the_input_rate_and_buffers_a_row_only_when_rows_are_added():
    pad, crop = _models(720)
    cost = pad.cost()
    assert cost.cycles == crop.cost().cycles == 768 * 1280  # one pixel per cycle
    assert cost.bram18 > 0 and cost.dsp == 0  # the last input row: 1280 pixels of 24 bits
    flat, _ = _models(768)  # nothing to add below: registers only
    assert flat.cost().bram18 == flat.cost().lut - cost.lut == 0
    assert crop.cost().bram18 == crop.cost().dsp == 0


def test_licc_pads_a_frame_the_stride_does_not_divide_and_simulates_bit_for_bit(tmp_path):
    torch.set_num_threads(1)
    out = CliRunner().invoke(main, ["bmshj2018-factorized:6x8", "--frame", "72x40", "-o", str(tmp_path / "b"), "--csim"])
    assert out.exit_code == 0, out.output
    report = json.loads((tmp_path / "b" / "report.json").read_text())
    assert report["model"]["frame"] == [72, 40] and report["model"]["padded_frame"] == [80, 48]
    padding = report["padding"]
    assert [(s["function"], s["kind"]) for s in padding["stages"]] == [("encoder", "pad"), ("decoder", "crop")]
    assert all(s["cycles"] == 80 * 48 for s in padding["stages"])
    assert "padded to 80×48" in (tmp_path / "b" / "report.md").read_text()
    csim = report["csim"]
    assert csim["equal"] and csim["parts"]["decoder"]["outputs"] == 3 * 40 * 72
    built = set(VARIANTS) if ap_types_dir() else {"std"}
    assert all(set(p["variants"]) == built for p in csim["parts"].values())
    assert (tmp_path / "b" / "hls" / "include" / "licc" / "pad.h").is_file()


@pytest.mark.parametrize("frame, message", [
    ("32x100", "frame 32x100 is smaller than the total stride 64 of bmshj2018-hyperprior; use at least 64x64"),
    ("0x720", "frame '0x720' is not WIDTHxHEIGHT with positive integers, e.g. 1280x720"),
])
def test_a_frame_smaller_than_the_stride_is_a_one_line_error(tmp_path, frame, message):
    out = CliRunner().invoke(main, ["bmshj2018-hyperprior:4x4", "--frame", frame, "-o", str(tmp_path / "b")])
    assert out.exit_code == 2
    assert out.output.strip() == f"licc: error: {message}"
    assert not (tmp_path / "b").exists()
