"""The frame's padding and cropping as custom ops, so each reaches the IR as one node.

A frame the model's total stride does not divide is padded by edge replication at
the bottom and right to the next multiple (``lic::pad``) before the encoder, and
the decoder's output is cropped back to the frame (``lic::crop``); torch-mlir
prints them as ``torch.operator "torch.lic.pad"`` / ``"torch.lic.crop"``, and
`convert-torch-to-lic` turns them into `lic.pad` / `lic.crop`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

SCHEMA = "(Tensor x, int height, int width) -> Tensor"


def pad_reference(x: Tensor, height: int, width: int) -> Tensor:
    """`x` replicated at the bottom rows and right columns to `height` × `width`."""
    return F.pad(x, (0, width - x.shape[3], 0, height - x.shape[2]), mode="replicate")


def crop_reference(x: Tensor, height: int, width: int) -> Tensor:
    """The top-left `height` × `width` of `x`."""
    return x[:, :, :height, :width].clone()


def _register() -> None:
    if hasattr(torch.ops.lic, "pad"):  # a second import is harmless
        return
    for name, reference in (("pad", pad_reference), ("crop", crop_reference)):
        torch.library.define(f"lic::{name}", SCHEMA)
        torch.library.impl(f"lic::{name}", "CompositeExplicitAutograd")(reference)

        @torch.library.register_fake(f"lic::{name}")
        def _shape(x: Tensor, height: int, width: int) -> Tensor:
            return x.new_empty((x.shape[0], x.shape[1], height, width))


_register()


class PadThen(nn.Module):
    """`inner` on its input padded to `frame` (width, height): an encoder at a frame its
    stride does not divide."""

    def __init__(self, inner: nn.Module, frame: tuple[int, int]) -> None:
        super().__init__()
        self.inner, self.frame = inner, frame

    def forward(self, x: Tensor) -> Tensor:
        return self.inner(torch.ops.lic.pad(x, self.frame[1], self.frame[0]))


class ThenCrop(nn.Module):
    """`inner`'s output cropped to `frame` (width, height): the decoder of a padded frame."""

    def __init__(self, inner: nn.Module, frame: tuple[int, int]) -> None:
        super().__init__()
        self.inner, self.frame = inner, frame

    def forward(self, x: Tensor) -> Tensor:
        return torch.ops.lic.crop(self.inner(x), self.frame[1], self.frame[0])
