"""A codec of one's own with sub-pixel convolution (`nn.PixelUnshuffle` in the
analysis, `nn.PixelShuffle` in the synthesis) through `compile_model`: both parts
compile with an `hls.shuffle` stage each, and C simulation of the encoder and of the
decoder (fed the encoder's latent) equals the interpreter bit for bit."""

from __future__ import annotations

import json

import torch
from compressai.layers import GDN
from torch import nn

from lic_compiler import BuildOptions, compile_model


class Codec(nn.Module):
    def __init__(self, n: int = 8, m: int = 6):
        super().__init__()
        self.g_a = nn.Sequential(nn.Conv2d(3, n, 3, 1, 1), GDN(n), nn.PixelUnshuffle(2), nn.Conv2d(4 * n, m, 3, 2, 1))
        self.g_s = nn.Sequential(nn.ConvTranspose2d(m, 4 * n, 3, 2, 1, 1), GDN(4 * n, inverse=True),
                                 nn.PixelShuffle(2), nn.Conv2d(n, 3, 3, 1, 1))


def test_a_codec_with_sub_pixel_convolutions_simulates_bit_for_bit(tmp_path):
    torch.manual_seed(0)
    torch.set_num_threads(1)
    result = compile_model(Codec().eval(), tmp_path / "build", BuildOptions(frame=(32, 32), csim=True))
    assert set(result.summary["functions"]) == {"encoder", "decoder"}
    report = json.loads((tmp_path / "build" / "report.json").read_text())
    shuffles = [s for s in report["hardware"]["stages"] if s["kind"] == "shuffle"]
    assert sorted(s["function"] for s in shuffles) == ["decoder", "encoder"]
    assert all(s["bram18"] + s["lut"] > 0 for s in shuffles)
    csim = report["csim"]
    assert csim["equal"] and set(csim["parts"]) == {"encoder", "decoder"}
    assert all(v["mismatches"] == 0 for p in csim["parts"].values() for v in p["variants"].values())
