"""The compiled integer codec as a rate point: integer encoder → CompressAI's entropy coder → integer decoder.

`IntegerCodec` compiles a factorized-prior checkpoint to the integer level
(import, `lic-rewrite-gdn`, `lic-calibrate`, `lic-assign-precision`,
`lic-quantize`) once, at the calibration images' size, and re-types the
integer IR for each image size it meets (`lic_compiler.quant.frame`): the
quantisation does not depend on the frame. Images are zero-padded to a
multiple of 64 like `ModelCodec`'s, given to ``@encoder`` as 8-bit pixels,
and the integer latent q it returns is entropy-coded by the checkpoint's own
`EntropyBottleneck`.

Where the medians live: CompressAI codes ``round(y − median)`` per channel
and decodes ``symbols + median``. The integer codec codes
``q − round(median)`` and decodes ``symbols + round(median) = q``: integers
on both sides, so the decoder's input is exactly the encoder's output on
any machine, and the medians never enter the IR. The entropy model's CDFs
then see the latent shifted by less than half a step (the median's
fractional part), which costs a little rate, measured by `bench/quant.py`.

The bitstream container is `ModelCodec`'s (`codec.pack`).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from lic_compiler.calibration import CALIBRATION_COUNT
from lic_compiler.errors import LiccError
from lic_compiler.eval.codec import DEFAULT_STRIDE, pack, unpack
from lic_compiler.models.arch import MODEL_CLASSES

with warnings.catch_warnings():
    # compressai's import scripts a helper with torch.jit, which warns on every run.
    warnings.simplefilter("ignore", FutureWarning)
    from compressai.entropy_models import EntropyModel
    from compressai.ops import compute_padding

# Frame the codec is compiled at (calibration measures at its images' own size, `quant.frame`).
COMPILE_FRAME = (256, 256)


def compile_integer(
    source: Any, precision: str = "lic-assign-precision", images: str = "", count: int = CALIBRATION_COUNT,
    quantize: str = "lic-quantize",
):
    """The integer IR (@encoder, @decoder) of a checkpoint or model at `COMPILE_FRAME`.

    `precision` and `quantize` are the `lic-assign-precision{…}` and
    `lic-quantize{…}` pipeline elements to use.
    """
    from lic_compiler.frontend import import_model
    from lic_compiler.ir import make_context
    from lic_compiler.registry import parse_pipeline

    module = import_model(source, parts=["encoder", "decoder"], frame=COMPILE_FRAME).module
    calibrate = f"lic-calibrate{{count={count}" + (f' images="{images}"' if images else "") + "}"
    pipeline = f"convert-torch-to-lic,lic-rewrite-gdn{{measure=false}},{calibrate},{precision},{quantize}"
    parse_pipeline(pipeline).apply(make_context(), module)
    return module


class IntegerCodec:
    """One rate point of the compiled integer codec (see the module docstring)."""

    def __init__(self, model: torch.nn.Module, module, label: str, config: dict[str, Any] | None = None):
        if not isinstance(model, MODEL_CLASSES["bmshj2018-factorized"]) or isinstance(
            model, (MODEL_CLASSES["bmshj2018-hyperprior"], MODEL_CLASSES["mbt2018-mean"])
        ):
            raise LiccError(
                f"the integer codec codes a factorized prior's latent; {type(model).__name__} is not one"
            )
        self.bottleneck = model.eval().entropy_bottleneck
        self.module = module
        self.label = label
        self.config = dict(config or {})
        self._frames: dict[tuple[int, int], Any] = {}
        self._reference: tuple[bytes, np.ndarray] | None = None

    def _at(self, width: int, height: int):
        from lic_compiler.quant.frame import at_frame

        if (width, height) not in self._frames:
            self._frames[(width, height)] = at_frame(self.module, (width, height))
        return self._frames[(width, height)]

    def _padding(self, height: int, width: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return compute_padding(height, width, min_div=DEFAULT_STRIDE)

    def _run(self, function: str, value: np.ndarray, frame: tuple[int, int]) -> np.ndarray:
        from lic_compiler.interpreter import run

        return run(self._at(*frame), function, value)[0]

    def latent(self, x: torch.Tensor) -> tuple[np.ndarray, tuple[int, int]]:
        """The integer latent of an image and the padded frame it was computed at."""
        pad, _ = self._padding(*x.shape[-2:])
        padded = F.pad(x, pad, mode="constant", value=0)
        pixels = np.round(padded.numpy() * 255.0).astype(np.uint8)
        frame = (pixels.shape[3], pixels.shape[2])
        return self._run("encoder", pixels, frame), frame

    def _medians(self, size: tuple[int, ...]) -> torch.Tensor:
        medians = torch.round(self.bottleneck._get_medians().detach())
        return medians.reshape(1, -1, 1, 1).expand(*size).contiguous()

    @torch.no_grad()
    def encode(self, x: torch.Tensor) -> bytes:
        q, _ = self.latent(x)
        y = torch.from_numpy(q.astype(np.float32))
        indexes = self.bottleneck._build_indexes(y.size())
        strings = EntropyModel.compress(self.bottleneck, y, indexes, self._medians(y.size()))
        self._reference = (x.numpy().tobytes(), q)
        return pack(*x.shape[-2:], tuple(q.shape[-2:]), strings)

    def _decode_latent(self, q: np.ndarray, height: int, width: int) -> torch.Tensor:
        _, unpad = self._padding(height, width)
        frame = (width - unpad[0] - unpad[1], height - unpad[2] - unpad[3])
        pixels = self._run("decoder", q, frame)
        image = torch.from_numpy(pixels.astype(np.float32) / 255.0)
        return F.pad(image, unpad)

    @torch.no_grad()
    def decode(self, data: bytes) -> torch.Tensor:
        height, width, shape, strings = unpack(data)
        size = (1, self.bottleneck._quantized_cdf.size(0), *shape)
        indexes = self.bottleneck._build_indexes(size)
        y = EntropyModel.decompress(
            self.bottleneck, strings, indexes, torch.float32, self._medians(size)
        )
        q = y.numpy().astype(np.int64)
        lo, hi = self._latent_range()
        if q.size and (q.min() < lo or q.max() > hi):
            raise LiccError(f"{self.label}: the bitstream's latent leaves the decoder's input range [{lo}, {hi}]")
        return self._decode_latent(q, height, width)

    def _latent_range(self) -> tuple[int, int]:
        from lic_compiler.dialects.lic import int_range
        from lic_compiler.quant.drive import functions, input_type

        return int_range(input_type(functions(self.module)["decoder"]).get_element_type())  # type: ignore[union-attr]

    @torch.no_grad()
    def reference(self, x: torch.Tensor) -> torch.Tensor:
        """The encoder side's reconstruction: the integer decoder on the encoder's own latent."""
        if self._reference is not None and self._reference[0] == x.numpy().tobytes():
            q = self._reference[1]
        else:
            q = self.latent(x)[0]
        return self._decode_latent(q, *x.shape[-2:])


def integer_codec_from_checkpoint(
    path: str | Path, precision: str = "lic-assign-precision", label: str | None = None, count: int = CALIBRATION_COUNT,
    quantize: str = "lic-quantize",
) -> IntegerCodec:
    """An `IntegerCodec` for a checkpoint; labelled by the file's stem and the precision."""
    from lic_compiler.models import load_checkpoint

    model, meta = load_checkpoint(path)
    module = compile_integer(path, precision, count=count, quantize=quantize)
    config = {"checkpoint": str(path), "arch": meta["arch"], "precision": precision, "quantize": quantize,
              **meta["config"]}
    return IntegerCodec(model, module, label or f"{Path(path).stem} (integer)", config)
