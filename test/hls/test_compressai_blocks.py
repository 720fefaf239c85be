"""CompressAI's residual building blocks (`compressai.layers`: `ResidualBlock` with and
without its 1×1 skip conv, `ResidualBlockWithStride`, `ResidualBlockUpsample`,
`subpel_conv3x3`, as cheng2020-anchor stacks them) at small random widths through
`compile_model`: LeakyReLU, GDN/IGDN, residual joins and sub-pixel reorders reach
hardware, and C simulation of both parts equals the interpreter bit for bit in both
type variants."""

from __future__ import annotations

import json

import pytest
import torch
from compressai.layers import ResidualBlock, ResidualBlockUpsample, ResidualBlockWithStride, subpel_conv3x3
from torch import nn

from lic_compiler import BuildOptions, compile_model
from lic_compiler.backends.hls_cpp.csim import VARIANTS, ap_types_dir


class Blocks(nn.Module):
    def __init__(self, n: int, m: int):
        super().__init__()
        self.g_a = nn.Sequential(ResidualBlockWithStride(3, n), ResidualBlock(n, m), ResidualBlockWithStride(m, m))
        self.g_s = nn.Sequential(
            ResidualBlock(m, n), ResidualBlock(n, n), ResidualBlockUpsample(n, n), subpel_conv3x3(n, 3, 2)
        )


@pytest.mark.parametrize("n, m, seed", [(6, 5, 0), (4, 7, 1)])
def test_compressai_residual_blocks_simulate_bit_for_bit(tmp_path, n, m, seed):
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    model = Blocks(n, m).eval()
    compile_model(model, tmp_path / "build", BuildOptions(frame=(16, 16), csim=True))
    report = json.loads((tmp_path / "build" / "report.json").read_text())
    kinds = {(s["function"], s["kind"]) for s in report["hardware"]["stages"]}
    for function in ("encoder", "decoder"):
        assert {(function, "fork"), (function, "add"), (function, "gdn")} <= kinds
    assert ("decoder", "shuffle") in kinds
    fused = [op for s in report["hardware"]["stages"] for op in s["lic_ops"]]
    # A ResidualBlock applies its LeakyReLU twice, the strided and upsampling blocks once.
    calls = {ResidualBlock: 2, ResidualBlockWithStride: 1, ResidualBlockUpsample: 1}
    expected = sum(calls.get(type(block), 0) for block in model.modules())
    assert sum(op.startswith("lic.leaky_relu") for op in fused) == expected == 9
    csim = report["csim"]
    assert csim["equal"] and set(csim["parts"]) == {"encoder", "decoder"}
    built = set(VARIANTS) if ap_types_dir() else {"std"}
    for part in csim["parts"].values():
        assert set(part["variants"]) == built
        assert all(v["mismatches"] == 0 for v in part["variants"].values())


def test_cheng2020_anchor_simulates_bit_for_bit(tmp_path):
    """cheng2020-anchor (N = 8, random weights) at 256×256: its analysis, synthesis and
    hyper transforms compile and C-simulate bit for bit (its context model and entropy
    parameters stay on the host and are not part of the build)."""
    from compressai.models import Cheng2020Anchor

    torch.manual_seed(0)
    torch.set_num_threads(1)
    compile_model(Cheng2020Anchor(N=8).eval(), tmp_path / "build", BuildOptions(frame=(256, 256), csim=True))
    report = json.loads((tmp_path / "build" / "report.json").read_text())
    assert report["model"]["arch"] == "cheng2020-anchor"  # not its base class's mbt2018-mean
    csim = report["csim"]
    assert csim["equal"] and set(csim["parts"]) == {"encoder", "decoder", "hyper_encoder", "hyper_decoder"}
    assert all(v["mismatches"] == 0 for p in csim["parts"].values() for v in p["variants"].values())
