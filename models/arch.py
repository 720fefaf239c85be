"""The codec families licc compiles, built at any width with a chosen GDN form.

The classes are CompressAI's own, so checkpoints stay interchangeable with
CompressAI and its entropy coders work unchanged. The compiler recognises GDN
layers by class: `GDN` is the standard form, `GDN1` (a `GDN` subclass) the L1
"simplified" form y = x / (β + Σ γ|x|) whose fixed-point version needs no
square root.
"""

from __future__ import annotations

import warnings

from torch import nn

from lic_compiler.errors import LiccError

with warnings.catch_warnings():
    # compressai's import scripts a helper with torch.jit, which warns on every run.
    warnings.simplefilter("ignore", FutureWarning)
    from compressai.layers import GDN, GDN1
    from compressai.models import FactorizedPrior, MeanScaleHyperprior, ScaleHyperprior

MODEL_CLASSES: dict[str, type[nn.Module]] = {
    "bmshj2018-factorized": FactorizedPrior,
    "bmshj2018-hyperprior": ScaleHyperprior,
    "mbt2018-mean": MeanScaleHyperprior,
}
ARCHITECTURES: tuple[str, ...] = tuple(MODEL_CLASSES)
GDN_VARIANTS: tuple[str, ...] = ("standard", "simplified")


def build(arch: str, N: int, M: int, gdn: str = "standard") -> nn.Module:
    """A freshly initialised codec of family `arch` with N hidden and M latent channels."""
    if arch not in MODEL_CLASSES:
        raise LiccError(f"unknown architecture {arch!r}; choose one of {', '.join(ARCHITECTURES)}")
    if gdn not in GDN_VARIANTS:
        raise LiccError(f"unknown GDN variant {gdn!r}; choose one of {', '.join(GDN_VARIANTS)}")
    if N < 1 or M < 1:
        raise LiccError(f"channel counts must be positive, got N={N}, M={M}")
    model = MODEL_CLASSES[arch](N, M)
    if gdn == "simplified":
        set_gdn(model, GDN1)
    return model


def set_gdn(model: nn.Module, cls: type[GDN]) -> None:
    """Replace every GDN layer by `cls`, keeping its parameters (same names and shapes)."""
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, GDN) and type(child) is not cls:
                new = cls(child.beta.shape[0], inverse=child.inverse)
                new.load_state_dict(child.state_dict())
                setattr(parent, name, new)


def gdn_variant(model: nn.Module) -> str:
    """The GDN variant a model uses ("standard" or "simplified")."""
    simplified = [isinstance(m, GDN1) for m in model.modules() if isinstance(m, GDN)]
    return "simplified" if simplified and all(simplified) else "standard"
