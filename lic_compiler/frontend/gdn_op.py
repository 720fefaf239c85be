"""GDN/IGDN as one custom op, so that each reaches the IR as a single node.

CompressAI's GDN layers trace into a pow, a 1×1 conv, an rsqrt and a mul;
licc wants them whole (the hardware implements GDN as one stage). Before
export, every `GDN`/`GDN1` module is swapped for `GdnCall`, which calls
``lic::gdn(x, beta, gamma, inverse, l1)`` with the *reparametrised* β and γ as
constant buffers; torch-mlir prints it as ``torch.operator "torch.lic.gdn"``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from compressai.layers import GDN, GDN1
from torch import Tensor, nn

SCHEMA = "(Tensor x, Tensor beta, Tensor gamma, bool inverse, bool l1) -> Tensor"


def gdn_reference(x: Tensor, beta: Tensor, gamma: Tensor, inverse: bool, l1: bool) -> Tensor:
    """GDN exactly as CompressAI computes it; γ (C×C) is applied as a 1×1 conv.

    standard: y = x / sqrt(β + γ·x²)   (inverse: y = x · sqrt(…))
    l1:       y = x / (β + γ·|x|)      (inverse: y = x · (…))
    """
    channels = x.shape[1]
    weight = gamma.reshape(channels, channels, 1, 1)
    if l1:
        norm = F.conv2d(torch.abs(x), weight, beta)
        return x * (norm if inverse else 1.0 / norm)
    norm = F.conv2d(x**2, weight, beta)
    return x * (torch.sqrt(norm) if inverse else torch.rsqrt(norm))


def _register() -> None:
    # Guarded so that a second import (e.g. under another module name) is harmless.
    if hasattr(torch.ops.lic, "gdn"):
        return
    torch.library.define("lic::gdn", SCHEMA)
    torch.library.impl("lic::gdn", "CompositeExplicitAutograd")(gdn_reference)

    @torch.library.register_fake("lic::gdn")
    def _shape(x: Tensor, beta: Tensor, gamma: Tensor, inverse: bool, l1: bool) -> Tensor:
        return torch.empty_like(x)


_register()


class GdnCall(nn.Module):
    """Drop-in for a CompressAI GDN/GDN1 that calls the `lic::gdn` custom op."""

    def __init__(self, gdn: GDN) -> None:
        super().__init__()
        with torch.no_grad():
            self.register_buffer("beta", gdn.beta_reparam(gdn.beta).detach().clone())
            self.register_buffer("gamma", gdn.gamma_reparam(gdn.gamma).detach().clone())
        self.inverse = bool(gdn.inverse)
        self.l1 = isinstance(gdn, GDN1)

    def forward(self, x: Tensor) -> Tensor:
        return torch.ops.lic.gdn(x, self.beta, self.gamma, self.inverse, self.l1)


def swap_gdn(module: nn.Module) -> nn.Module:
    """Replace every GDN/GDN1 inside `module` (in place) by a `GdnCall`; returns it."""
    if isinstance(module, GDN):
        return GdnCall(module)
    for parent in list(module.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, GDN):
                setattr(parent, name, GdnCall(child))
    return module
