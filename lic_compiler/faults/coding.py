"""The entropy coding of a latent, exactly as `licc-eval --integer` codes it (`IntegerCodec`)."""

from __future__ import annotations

import struct

import numpy as np
import torch

from lic_compiler.errors import LiccError
from lic_compiler.eval.integer import IntegerCodec


class LatentCoder(IntegerCodec):
    """`IntegerCodec`'s bitstream of a latent computed elsewhere (by the injected design)."""

    def __init__(self, model: torch.nn.Module, module):
        super().__init__(model, module, "licc-faults")
        self._given: np.ndarray | None = None

    def code(self, latent: np.ndarray, image: torch.Tensor) -> bytes:
        """The bitstream of `latent` for `image` (whose size the container records)."""
        self._given = latent
        return self.encode(image)

    def latent_of(self, bitstream: bytes) -> np.ndarray | None:
        """The latent the bitstream decodes to, or None if it does not decode."""
        try:
            return np.asarray(self.decode(bitstream))
        except (LiccError, RuntimeError, ValueError, struct.error):
            return None

    def latent(self, x: torch.Tensor) -> tuple[np.ndarray, tuple[int, int]]:
        # `encode` takes its latent from here.
        assert self._given is not None
        return self._given, (x.shape[3], x.shape[2])

    def _decode_latent(self, q: np.ndarray, height: int, width: int) -> np.ndarray:  # type: ignore[override]
        # `decode` ends here: the decoder is the campaign's to run.
        return q
