"""JPEG through Pillow (libjpeg-turbo) as a reference curve."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import PIL
import torch
from PIL import Image

from lic_compiler.errors import LiccError
from lic_compiler.eval.images import tensor_to_uint8, uint8_to_tensor

# The qualities of MEASUREMENTS.md's JPEG table, spanning ~0.14 to ~3.3 bpp on Kodak.
DEFAULT_QUALITIES: tuple[int, ...] = (5, 10, 20, 30, 50, 70, 90, 95)


class JpegCodec:
    """Baseline JPEG, 4:2:0 chroma subsampling, optimised Huffman tables.

    The bitstream is the whole JFIF file, headers and tables included.
    """

    def __init__(self, quality: int) -> None:
        if not 1 <= quality <= 100:
            raise LiccError(f"JPEG quality must be between 1 and 100, got {quality}")
        self.quality = quality
        self.label = f"q={quality}"
        self.config: dict[str, Any] = {
            "codec": "jpeg",
            "quality": quality,
            "subsampling": "4:2:0",
            "optimize": True,
            "pillow": PIL.__version__,
        }

    def encode(self, x: torch.Tensor) -> bytes:
        buf = io.BytesIO()
        Image.fromarray(tensor_to_uint8(x)).save(
            buf, format="JPEG", quality=self.quality, subsampling="4:2:0", optimize=True
        )
        return buf.getvalue()

    def decode(self, data: bytes) -> torch.Tensor:
        with Image.open(io.BytesIO(data)) as img:
            return uint8_to_tensor(np.asarray(img.convert("RGB")))

    def reference(self, x: torch.Tensor) -> None:
        return None  # no decoder-independent reconstruction to check against


def jpeg_codecs(qualities: tuple[int, ...] = DEFAULT_QUALITIES) -> list[JpegCodec]:
    """One JPEG codec per quality."""
    return [JpegCodec(q) for q in qualities]
