"""`licc` on a codec of one's own with a residual block, exported with torch.export:
it compiles through the solver to a design with a fork and a join whose skip FIFO
is charged, and C simulation equals the interpreter bit for bit (both type variants)."""

from __future__ import annotations

import json
import re

import torch
from click.testing import CliRunner
from compressai.layers import GDN
from torch import nn

from lic_compiler.backends.hls_cpp.csim import ap_types_dir
from lic_compiler.cli.licc import main


class Block(nn.Module):
    """``x + conv(relu(conv(x)))``, the residual block of most codecs since 2020."""

    def __init__(self, n: int):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(n, n, 3, 1, 1), nn.Conv2d(n, n, 3, 1, 1)

    def forward(self, x):
        return x + self.conv2(torch.relu(self.conv1(x)))


def test_an_own_encoder_with_a_residual_block_compiles_and_simulates_bit_for_bit(tmp_path):
    torch.manual_seed(0)
    torch.set_num_threads(1)
    encoder = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), GDN(8), Block(8), nn.Conv2d(8, 6, 3, 2, 1)).eval()
    program = tmp_path / "enc.pt2"
    torch.export.save(torch.export.export(encoder, (torch.zeros(1, 3, 64, 64),)), program)
    out = CliRunner().invoke(main, [str(program), "-o", str(tmp_path / "build"), "--csim"])
    assert out.exit_code == 0, out.stderr
    report = json.loads((tmp_path / "build" / "report.json").read_text())
    stages = report["hardware"]["stages"]
    kinds = [s["kind"] for s in stages]
    assert kinds.count("fork") == 1 and kinds.count("add") == 1
    join = next(s for s in stages if s["kind"] == "add")
    assert any("lic.add" in op for op in join["lic_ops"])
    # The skip's FIFO (deeper than LUTRAM's 64 beats here: the block's window generators'
    # rows) is charged in block RAM to its reader, the skip's rescale (a rescale takes no BRAM).
    cpp = (tmp_path / "build" / "hls" / "encoder" / "encoder.cpp").read_text()
    assert max(int(d) for d in re.findall(r"depth = (\d+)", cpp)) > 64
    assert next(s for s in stages if s["kind"] == "pointwise")["bram18"] > 0
    # The report lists that FIFO with its reader, depth and block RAM.
    skip = max(report["hardware"]["fifos"], key=lambda f: f["depth"])
    assert skip["depth"] > 64 and skip["bram18"] > 0 and skip["skip"]
    assert not any(f["skip"] for f in report["hardware"]["fifos"] if f is not skip)
    assert next(s for s in stages if s["stage"] == skip["read_by"])["kind"] == "pointwise"
    assert "FIFOs in block RAM" in (tmp_path / "build" / "report.md").read_text()
    csim = report["csim"]
    assert csim["equal"]
    variants = csim["parts"]["encoder"]["variants"]
    assert variants["std"]["equal"] and variants["std"]["mismatches"] == 0
    if ap_types_dir() is not None:
        assert variants["ap"]["equal"]
