"""Which functions a model exports, and the input shape of each at a frame size."""

from __future__ import annotations

import copy

import torch
from torch import nn

from lic_compiler.errors import LiccError
from lic_compiler.models.arch import MODEL_CLASSES

_ATTRIBUTES = {"encoder": "g_a", "decoder": "g_s", "hyper_encoder": "h_a", "hyper_decoder": "h_s"}
# A model that is not split into parts is exported whole, as this one function.
WHOLE = "model"

# Total stride: g_a downsamples 16×; the hyper-analysis another 4×.
STRIDES = {"bmshj2018-factorized": 16, "bmshj2018-hyperprior": 64, "mbt2018-mean": 64}


class AbsThen(nn.Module):
    """`inner(|y|)`: bmshj2018-hyperprior applies abs before its hyper-analysis."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        return self.inner(torch.abs(y))


def architecture_of(model: nn.Module) -> str | None:
    """The most specific licc architecture `model` is an instance of, if any."""
    for cls in type(model).__mro__:
        for arch, known in MODEL_CLASSES.items():
            if cls is known:
                return arch
    return None


def part_modules(model: nn.Module, arch: str | None) -> dict[str, nn.Module]:
    """Each part's PyTorch callable, keyed by function name (encoder, decoder, …)."""
    parts = {
        part: getattr(model, attr)
        for part, attr in _ATTRIBUTES.items()
        if isinstance(getattr(model, attr, None), nn.Module)
    }
    if arch == "bmshj2018-hyperprior":
        parts["hyper_encoder"] = AbsThen(parts["hyper_encoder"])
    return parts or {WHOLE: model}


def input_shapes(
    parts: dict[str, nn.Module], wanted: list[str], frame: tuple[int, int]
) -> dict[str, tuple[int, ...]]:
    """The static input shape of each wanted part, propagated from the image shape."""
    width, height = frame
    image = (1, 3, height, width)
    shapes = {"encoder": image, WHOLE: image}
    needs_latent = {"decoder", "hyper_encoder", "hyper_decoder"} & set(wanted)
    if needs_latent and "encoder" not in parts:
        raise LiccError(f"cannot tell the input shape of the {sorted(needs_latent)[0]}: the model has no g_a")
    if needs_latent:
        shapes["decoder"] = shapes["hyper_encoder"] = _output_shape(parts["encoder"], image)
    if "hyper_decoder" in wanted:
        if "hyper_encoder" not in parts:
            raise LiccError("cannot tell the input shape of the hyper_decoder: the model has no h_a")
        shapes["hyper_decoder"] = _output_shape(parts["hyper_encoder"], shapes["hyper_encoder"])
    return {part: shapes[part] for part in wanted}


def _output_shape(module: nn.Module, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Output shape of `module` without computing anything (meta tensors)."""
    meta = copy.deepcopy(module).to("meta")
    with torch.no_grad():
        return tuple(meta(torch.empty(shape, device="meta")).shape)
