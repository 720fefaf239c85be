"""Codecs that a rate-distortion curve is measured on.

A *codec* turns an image into bytes and back; the evaluator only ever sees
`Codec`'s three methods, so a curve can come from a CompressAI model, from
JPEG, or from any other object (the compiled integer model of issue [D]
included) that provides them.

`ModelCodec` adapts anything with CompressAI's model contract —
``compress(x) -> {"strings", "shape"}``, ``decompress(strings, shape) ->
{"x_hat"}`` and a forward call ``model(x) -> {"x_hat"}`` — and writes its
strings into a small container so that the counted bytes are the whole
bitstream a decoder needs:

    uint16 height, uint16 width             original image size (for cropping)
    uint8 n, n × uint16                     the latent shape passed to decompress
    uint8 k, k × (uint32 length, bytes)     the entropy-coded strings

All fields are big-endian. The header costs 6 + 2n + 4k bytes (14 for the
factorized prior, 18 for the hyperpriors); CompressAI's own evaluation
counts the strings only.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import torch
import torch.nn.functional as F

from lic_compiler.frontend.frame import frame_padding
from lic_compiler.models import load_checkpoint

# Six stride-2 stages in the hyperprior models (four in the factorized one).
DEFAULT_STRIDE = 64


class Codec(Protocol):
    """One rate point: an image codec at fixed settings.

    Images are (1, 3, H, W) float tensors holding 8-bit values scaled to [0, 1].
    """

    label: str  # names the rate point in results, e.g. a checkpoint's stem or "q=30"
    config: dict[str, Any]  # JSON-able settings recorded beside the results

    def encode(self, x: torch.Tensor) -> bytes:
        """The complete bitstream for ``x``."""
        ...

    def decode(self, data: bytes) -> torch.Tensor:
        """The reconstruction from the bitstream alone, same size as the input."""
        ...

    def reference(self, x: torch.Tensor) -> torch.Tensor | None:
        """The reconstruction the decoder must reproduce, or None if there is none."""
        ...


def pack(height: int, width: int, shape: Sequence[int], strings: Sequence[bytes]) -> bytes:
    """Serialise a bitstream into the container described in the module docstring."""
    parts = [struct.pack(">HHB", height, width, len(shape))]
    parts += [struct.pack(">H", s) for s in shape]
    parts.append(struct.pack(">B", len(strings)))
    for s in strings:
        parts += [struct.pack(">I", len(s)), s]
    return b"".join(parts)


def unpack(data: bytes) -> tuple[int, int, tuple[int, ...], list[bytes]]:
    """Inverse of `pack`: (height, width, latent shape, strings)."""
    height, width, n = struct.unpack_from(">HHB", data, 0)
    pos = 5
    shape = struct.unpack_from(f">{n}H", data, pos)
    pos += 2 * n
    (k,) = struct.unpack_from(">B", data, pos)
    pos += 1
    strings = []
    for _ in range(k):
        (length,) = struct.unpack_from(">I", data, pos)
        pos += 4
        strings.append(data[pos : pos + length])
        pos += length
    return height, width, tuple(shape), strings


class ModelCodec:
    """A learned codec with CompressAI's interface, padded to a stride multiple.

    Images are padded to a multiple of ``stride`` by edge replication at the
    bottom and right, as licc's hardware pads a frame its stride does not divide
    (`lic_compiler.frontend.frame`), and the reconstruction is cropped back.
    """

    def __init__(
        self,
        model: Any,
        label: str,
        config: dict[str, Any] | None = None,
        stride: int = DEFAULT_STRIDE,
    ) -> None:
        if isinstance(model, torch.nn.Module):
            model.eval()  # training mode adds noise instead of rounding
        self.model = model
        self.label = label
        self.config = dict(config or {})
        self.stride = stride

    def _padding(self, height: int, width: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return frame_padding(height, width, self.stride)

    @torch.no_grad()
    def encode(self, x: torch.Tensor) -> bytes:
        height, width = x.shape[-2:]
        pad, _ = self._padding(height, width)
        out = self.model.compress(F.pad(x, pad, mode="replicate"))
        # Batch of one: each entropy model contributes one string.
        return pack(height, width, tuple(out["shape"]), [s[0] for s in out["strings"]])

    @torch.no_grad()
    def decode(self, data: bytes) -> torch.Tensor:
        height, width, shape, strings = unpack(data)
        out = self.model.decompress([[s] for s in strings], shape)
        _, unpad = self._padding(height, width)
        return F.pad(out["x_hat"], unpad).clamp(0, 1)

    @torch.no_grad()
    def reference(self, x: torch.Tensor) -> torch.Tensor:
        pad, unpad = self._padding(*x.shape[-2:])
        x_hat = self.model(F.pad(x, pad, mode="replicate"))["x_hat"]
        return F.pad(x_hat, unpad).clamp(0, 1)


def codec_from_checkpoint(path: str | Path, *, arch: str | None = None, allow_pickle: bool = False) -> ModelCodec:
    """A `ModelCodec` for a checkpoint (see `load_checkpoint`); labelled by the file's stem."""
    model, meta = load_checkpoint(path, arch=arch, allow_pickle=allow_pickle)
    config = {"checkpoint": str(path), "arch": meta["arch"], **meta["config"]}
    return ModelCodec(model, label=Path(path).stem, config=config)
