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
    from compressai.entropy_models import EntropyBottleneck
    from compressai.layers import GDN, GDN1
    from compressai.models import FactorizedPrior, MeanScaleHyperprior, ScaleHyperprior

MODEL_CLASSES: dict[str, type[nn.Module]] = {
    "bmshj2018-factorized": FactorizedPrior,
    "bmshj2018-hyperprior": ScaleHyperprior,
    "mbt2018-mean": MeanScaleHyperprior,
}
ARCHITECTURES: tuple[str, ...] = tuple(MODEL_CLASSES)
GDN_VARIANTS: tuple[str, ...] = ("standard", "simplified")


# The sequential transforms; a pruned model gives each of their convolutions its own width.
TRANSFORMS: tuple[str, ...] = ("g_a", "g_s", "h_a", "h_s")
_CONVS = (nn.Conv2d, nn.ConvTranspose2d)


def build(
    arch: str, N: int, M: int, gdn: str = "standard", widths: dict[str, list[int]] | None = None
) -> nn.Module:
    """A freshly initialised codec of family `arch` with N hidden and M latent channels.

    `widths` (a pruned model's, see `set_widths`) overrides every convolution's output width.
    """
    if arch not in MODEL_CLASSES:
        raise LiccError(f"unknown architecture {arch!r}; choose one of {', '.join(ARCHITECTURES)}")
    if gdn not in GDN_VARIANTS:
        raise LiccError(f"unknown GDN variant {gdn!r}; choose one of {', '.join(GDN_VARIANTS)}")
    if N < 1 or M < 1:
        raise LiccError(f"channel counts must be positive, got N={N}, M={M}")
    model = MODEL_CLASSES[arch](N, M)
    if widths is not None:
        set_widths(model, widths)
    if gdn == "simplified":
        set_gdn(model, GDN1)
    return model


def conv_widths(model: nn.Module) -> dict[str, list[int]]:
    """The output width of each convolution, in order, per transform the model has."""
    return {
        t: [layer.out_channels for layer in getattr(model, t) if isinstance(layer, _CONVS)]
        for t in TRANSFORMS
        if hasattr(model, t)
    }


def set_widths(model: nn.Module, widths: dict[str, list[int]]) -> None:
    """Rebuild `model`'s convolutions, GDNs and entropy bottleneck at per-layer widths.

    The transforms chain as in CompressAI: g_a takes the image, g_s and h_a the
    latent (g_a's last width, the new M), h_s the hyper-latent (h_a's last
    width). g_s ends in the 3 image channels and h_s in a fixed multiple of the
    latent (scales, and means for mbt2018-mean), so those widths are checked.
    """
    own = conv_widths(model)
    layout = {t: len(w) for t, w in own.items()}
    if {t: len(w) for t, w in widths.items()} != layout or min(min(w) for w in widths.values()) < 1:
        raise LiccError(f"widths must give {layout} positive convolution widths per transform, got {widths}")
    latent = widths["g_a"][-1]
    fixed = {"g_s": 3} | ({"h_s": own["h_s"][-1] // int(model.M) * latent} if "h_s" in own else {})
    for t, want in fixed.items():
        if widths[t][-1] != want:
            raise LiccError(f"widths: the last convolution of {t} must have {want} channels, got {widths[t][-1]}")
    inputs = {"g_a": 3, "g_s": latent, "h_a": latent, "h_s": widths.get("h_a", [0])[-1]}
    for t in own:
        _rebuild(getattr(model, t), inputs[t], widths[t])
    model.entropy_bottleneck = EntropyBottleneck(inputs["h_s"] if "h_a" in own else latent)
    model.M = latent


def _rebuild(transform: nn.Sequential, channels: int, widths: list[int]) -> None:
    """Replace each convolution and GDN of `transform` by a fresh one at the new widths."""
    outs = iter(widths)
    for name, layer in transform.named_children():
        if isinstance(layer, nn.ConvTranspose2d):
            new = nn.ConvTranspose2d(
                channels, next(outs), layer.kernel_size, layer.stride, layer.padding, layer.output_padding
            )
        elif isinstance(layer, nn.Conv2d):
            new = nn.Conv2d(channels, next(outs), layer.kernel_size, layer.stride, layer.padding)
        elif isinstance(layer, GDN):
            new = type(layer)(channels, inverse=layer.inverse)
        else:
            continue
        setattr(transform, name, new)
        channels = getattr(new, "out_channels", channels)


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
