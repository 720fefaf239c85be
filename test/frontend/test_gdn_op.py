"""The `lic::gdn` custom op reproduces CompressAI's GDN and GDN1, and exports as one node."""

from __future__ import annotations

import importlib.util

import pytest
import torch
from compressai.layers import GDN, GDN1

import lic_compiler.frontend.gdn_op as gdn_op
from lic_compiler.frontend.gdn_op import GdnCall, swap_gdn


def trained_like(cls: type[GDN], channels: int, inverse: bool) -> GDN:
    torch.manual_seed(channels + inverse)
    layer = cls(channels, inverse=inverse)
    with torch.no_grad():
        layer.beta.uniform_(0.1, 2.0)
        layer.gamma.uniform_(0.0, 0.5)
    return layer


@pytest.mark.parametrize("cls", [GDN, GDN1])
@pytest.mark.parametrize("inverse", [False, True])
def test_custom_op_matches_compressai(cls: type[GDN], inverse: bool):
    layer = trained_like(cls, 5, inverse)
    x = 3 * torch.randn(2, 5, 7, 6)
    with torch.no_grad():
        torch.testing.assert_close(GdnCall(layer)(x), layer(x), rtol=1e-6, atol=1e-6)


def test_call_carries_reparametrised_constants():
    layer = trained_like(GDN1, 3, inverse=True)
    call = GdnCall(layer)
    assert (call.inverse, call.l1) == (True, True)
    assert not GdnCall(trained_like(GDN, 3, inverse=False)).l1
    torch.testing.assert_close(call.beta, layer.beta_reparam(layer.beta))
    torch.testing.assert_close(call.gamma, layer.gamma_reparam(layer.gamma))
    assert {name for name, _ in call.named_buffers()} == {"beta", "gamma"}
    assert not list(call.parameters())


def test_export_keeps_gdn_as_one_node_with_the_right_shape():
    call = GdnCall(trained_like(GDN, 4, inverse=False))
    program = torch.export.export(call, (torch.zeros(1, 4, 6, 10),))
    targets = [n.target for n in program.graph.nodes if n.op == "call_function"]
    assert targets == [torch.ops.lic.gdn.default]
    (out,) = [n for n in program.graph.nodes if n.op == "output"][0].args[0]
    assert tuple(out.meta["val"].shape) == (1, 4, 6, 10)


def test_swap_replaces_every_gdn_and_keeps_the_function():
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3),
        trained_like(GDN, 4, inverse=False),
        torch.nn.Sequential(trained_like(GDN1, 4, inverse=True)),
    )
    x = torch.randn(1, 3, 9, 9)
    with torch.no_grad():
        expected = model(x)
        swapped = swap_gdn(model)
        assert not any(isinstance(m, GDN) for m in swapped.modules())
        assert sum(isinstance(m, GdnCall) for m in swapped.modules()) == 2
        torch.testing.assert_close(swapped(x), expected, rtol=1e-6, atol=1e-6)


def test_second_import_of_the_module_registers_nothing_twice():
    spec = importlib.util.spec_from_file_location("gdn_op_again", gdn_op.__file__)
    assert spec is not None and spec.loader is not None
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    x = torch.ones(1, 1, 1, 1)
    assert torch.ops.lic.gdn(x, torch.ones(1), torch.zeros(1, 1), False, True).item() == 1.0
