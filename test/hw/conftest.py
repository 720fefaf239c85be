"""Small lic networks written as IR text, for the hardware-model tests."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from lic_compiler.ir import parse_module

# Integer networks with every hls stage kind: the HLS backend's test builder.
sys.path.insert(0, str(Path(__file__).parents[1] / "hls"))

Layer = tuple  # ("conv", cout, k, stride) | ("deconv", cout, k, stride) | ("gdn", inverse) | ("relu",)


def _t(c: int, h: int, w: int) -> str:
    return f"tensor<1x{c}x{h}x{w}xf32>"


def network_text(layers: Sequence[Layer], cin: int, h: int, w: int, name: str = "encoder") -> str:
    """One function applying `layers` to a 1×cin×h×w input (same-padding convs)."""
    lines, x, c = [], "%x", cin
    arg = _t(c, h, w)
    for i, layer in enumerate(layers):
        kind = layer[0]
        src = _t(c, h, w)
        if kind in ("conv", "deconv"):
            _, cout, k, s = layer
            p = k // 2
            if kind == "conv":
                ho, wo = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
                wshape, extra, op = f"{cout}x{c}x{k}x{k}", "", "lic.conv2d"
            else:
                ho, wo = (h - 1) * s - 2 * p + k + s - 1, (w - 1) * s - 2 * p + k + s - 1
                wshape, extra, op = f"{c}x{cout}x{k}x{k}", f", output_padding = array<i64: {s - 1}, {s - 1}>", "lic.conv_transpose2d"
            lines.append(f"  %w{i} = lic.constant dense<0.5> : tensor<{wshape}xf32>")
            dst = _t(cout, ho, wo)
            lines.append(
                f"  %y{i} = {op} {x}, %w{i} {{stride = array<i64: {s}, {s}>, padding = array<i64: {p}, {p}>{extra}}}"
                f" : ({src}, tensor<{wshape}xf32>) -> {dst}"
            )
            c, h, w = cout, ho, wo
        elif kind == "gdn":
            lines.append(f"  %b{i} = lic.constant dense<1.0> : tensor<{c}xf32>")
            lines.append(f"  %g{i} = lic.constant dense<0.1> : tensor<{c}x{c}xf32>")
            inv = " {inverse}" if layer[1] else ""
            lines.append(
                f"  %y{i} = lic.gdn {x}, %b{i}, %g{i}{inv} : ({src}, tensor<{c}xf32>, tensor<{c}x{c}xf32>) -> {src}"
            )
        elif kind == "relu":
            lines.append(f"  %y{i} = lic.relu {x} : {src}")
        else:
            raise ValueError(kind)
        x = f"%y{i}"
    out = _t(c, h, w)
    body = "\n".join(lines)
    return f"func.func @{name}(%x: {arg}) -> {out} {{\n{body}\n  func.return {x} : {out}\n}}\n"


@pytest.fixture(scope="session")
def network() -> Callable:
    """`network(layers, cin, h, w)` → a parsed module with one function @encoder."""

    def make(layers: Sequence[Layer], cin: int = 3, h: int = 16, w: int = 16):
        module = parse_module(network_text(layers, cin, h, w))
        module.verify()
        return module

    return make


CODEC = [("conv", 8, 5, 2), ("gdn", False), ("conv", 8, 5, 2), ("gdn", False), ("conv", 12, 5, 2)]
DECODER = [("deconv", 8, 5, 2), ("gdn", True), ("deconv", 8, 5, 2), ("relu",), ("deconv", 3, 5, 2)]


@pytest.fixture
def codec():
    """@encoder and @decoder of a small factorized-prior-like codec at 64×64."""
    text = network_text(CODEC, 3, 64, 64, "encoder") + network_text(DECODER, 12, 8, 8, "decoder")
    module = parse_module(text)
    module.verify()
    return module
