"""An encoder, in PyTorch, making the latents that calibrate a decoder compiled alone.

`licc DECODER --calibrate-with ENCODER` (``lic-calibrate{encoder=…}``): the
encoder is a `.pt2` program (run at the size it was exported for) or a
checkpoint (its ``g_a``, or the whole module), and its rounded output is
what the entropy coder would hand the decoder.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

from lic_compiler.calibration import fit_image
from lic_compiler.errors import LiccError


@cache
def _encoder(path: str):
    """(the callable, the image size it takes or None) for the encoder in `path`."""
    from torch import nn

    from lic_compiler.frontend.importer import _load_program, _program_shapes

    if Path(path).suffix == ".pt2":
        program = _load_program(Path(path))
        shape, _ = _program_shapes(program, Path(path))
        return program.module(), (int(shape[3]), int(shape[2]))
    from lic_compiler.models import load_checkpoint

    model, _ = load_checkpoint(path, allow_custom=True)
    encoder = getattr(model, "g_a", model)
    assert isinstance(encoder, nn.Module)
    return encoder.eval(), None


def encoder_frame(path: str) -> tuple[int, int] | None:
    """The image size a `.pt2` encoder was exported for (None for a checkpoint)."""
    return _encoder(path)[1]


def encoder_latents(path: str, images: list[np.ndarray], shape: tuple[int, ...]) -> list[np.ndarray]:
    """The encoder's rounded latents of `images`, which must have `shape`."""
    import torch

    encoder, frame = _encoder(path)
    size = frame or _image_size(shape, encoder)
    with torch.no_grad():
        latents = [np.round(encoder(torch.from_numpy(fit_image(x, size))).numpy()) for x in images]
    if tuple(latents[0].shape) != shape:
        raise LiccError(
            f"the encoder {Path(path).name} gives {_dims(latents[0].shape)} latents, the decoder takes "
            f"{_dims(shape)}; give the encoder trained with this decoder (--calibrate-with)"
        )
    return [y.astype(np.float32) for y in latents]


def _image_size(latent: tuple[int, ...], encoder) -> tuple[int, int]:
    """The image size whose latent is `latent`, from the encoder's stride."""
    from lic_compiler.frontend.parts import geometry, module_probe

    scale = geometry(module_probe(encoder), 3).scale
    if scale is None or scale >= 1 or (1 / scale).denominator != 1:
        raise LiccError("the --calibrate-with encoder does not downsample its image by an integer stride")
    stride = int(1 / scale)
    return latent[3] * stride, latent[2] * stride


def _dims(shape) -> str:
    return "×".join(str(d) for d in shape)
