"""The compiled integer codec as a rate point: integer encoder → CompressAI's entropy coder → integer decoder.

`IntegerCodec` compiles a factorized-prior checkpoint to the integer level
(import, `lic-rewrite-gdn`, `lic-calibrate`, `lic-assign-precision`,
`lic-quantize`) once, at the calibration images' size, and re-types the
integer IR for each image size it meets (`lic_compiler.quant.frame`): the
quantisation does not depend on the frame. Images are padded to a multiple
of 64 by edge replication at the bottom and right, like `ModelCodec`'s and as
the hardware's input stage pads, given to ``@encoder`` as 8-bit pixels,
and the integer latent q it returns is entropy-coded by the checkpoint's own
`EntropyBottleneck`.

Where the medians live: CompressAI codes ``round(y − median)`` per channel
and decodes ``symbols + median``. The integer codec codes
``q − round(median)`` and decodes ``symbols + round(median) = q``: integers
on both sides, so the decoder's input is exactly the encoder's output on
any machine, and the medians never enter the IR. The entropy model's CDFs
then see the latent shifted by less than half a step (the median's
fractional part), which costs a little rate, measured by `bench/quant.py`.

Hyperpriors (`bmshj2018-hyperprior`, `mbt2018-mean`): the integer
encoder's latent q goes through the integer hyper-encoder; its integer
hyper-latent is coded as above by the checkpoint's `EntropyBottleneck`; the
integer hyper-decoder turns it into integer scales (and means), and two
tables — built once from the model, the same on both sides — map each
integer to the `GaussianConditional`'s scale index (the count of its scale
table's entries below the real scale, CompressAI's `build_indexes`) and to
the rounded mean. The latent is coded as ``q − mean`` with those indexes.
The decoder recomputes the indexes from the same integers: its hyper-decoder
runs on exactly the hyper-latent the encoder coded, so the two sides agree
on every platform without a float in the loop.

The bitstream container is `ModelCodec`'s (`codec.pack`): the strings of
the latent and of the hyper-latent, and the hyper-latent's shape for a
hyperprior (the latent's for a factorized prior).
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
from lic_compiler.frontend.frame import frame_padding
from lic_compiler.models.arch import MODEL_CLASSES

with warnings.catch_warnings():
    # compressai's import scripts a helper with torch.jit, which warns on every run.
    warnings.simplefilter("ignore", FutureWarning)
    from compressai.entropy_models import EntropyModel

# Frame the codec is compiled at (calibration measures at its images' own size, `quant.frame`).
COMPILE_FRAME = (256, 256)


HYPERPRIORS = ("bmshj2018-hyperprior", "mbt2018-mean")
PARTS = ["encoder", "decoder"]
HYPER_PARTS = [*PARTS, "hyper_encoder", "hyper_decoder"]


def compile_integer(
    source: Any, precision: str = "lic-assign-precision", images: str = "", count: int = CALIBRATION_COUNT,
    quantize: str = "lic-quantize", parts: list[str] = PARTS,
):
    """The integer IR (@encoder, @decoder, and a hyperprior's @hyper_encoder and
    @hyper_decoder with `HYPER_PARTS`) of a checkpoint or model at `COMPILE_FRAME`.

    `precision` and `quantize` are the `lic-assign-precision{…}` and
    `lic-quantize{…}` pipeline elements to use.
    """
    from lic_compiler.frontend import import_model
    from lic_compiler.ir import make_context
    from lic_compiler.registry import parse_pipeline

    module = import_model(source, parts=parts, frame=COMPILE_FRAME).module
    calibrate = f"lic-calibrate{{count={count}" + (f' images="{images}"' if images else "") + "}"
    pipeline = f"convert-torch-to-lic,lic-rewrite-gdn{{measure=false}},{calibrate},{precision},{quantize}"
    parse_pipeline(pipeline).apply(make_context(), module)
    return module


class IntegerCodec:
    """One rate point of the compiled integer codec (see the module docstring)."""

    kind = "a factorized prior"

    def __init__(self, model: torch.nn.Module, module, label: str, config: dict[str, Any] | None = None):
        if not self.codes(model):
            raise LiccError(f"this integer codec codes {self.kind}; {type(model).__name__} is not one")
        self.bottleneck = model.eval().entropy_bottleneck
        self.module = module
        self.label = label
        self.config = dict(config or {})
        self._frames: dict[tuple[int, int], Any] = {}
        self._reference: tuple[bytes, np.ndarray] | None = None

    @staticmethod
    def codes(model: torch.nn.Module) -> bool:
        return isinstance(model, MODEL_CLASSES["bmshj2018-factorized"]) and not _is_hyperprior(model)

    def _at(self, width: int, height: int):
        from lic_compiler.quant.frame import at_frame

        if (width, height) not in self._frames:
            self._frames[(width, height)] = at_frame(self.module, (width, height))
        return self._frames[(width, height)]

    def _padding(self, height: int, width: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return frame_padding(height, width, DEFAULT_STRIDE)

    def _run(self, function: str, value: np.ndarray, frame: tuple[int, int]) -> np.ndarray:
        from lic_compiler.interpreter import run

        return run(self._at(*frame), function, value)[0]

    def latent(self, x: torch.Tensor) -> tuple[np.ndarray, tuple[int, int]]:
        """The integer latent of an image and the padded frame it was computed at."""
        pad, _ = self._padding(*x.shape[-2:])
        padded = F.pad(x, pad, mode="replicate")
        pixels = np.round(padded.numpy() * 255.0).astype(np.uint8)
        frame = (pixels.shape[3], pixels.shape[2])
        return self._run("encoder", pixels, frame), frame

    def _medians(self, size: tuple[int, ...]) -> torch.Tensor:
        medians = torch.round(self.bottleneck._get_medians().detach())
        return medians.reshape(1, -1, 1, 1).expand(*size).contiguous()

    def _compress_factorized(self, q: np.ndarray) -> bytes:
        """Integers coded by the factorized entropy model (see the module docstring)."""
        y = torch.from_numpy(q.astype(np.float32))
        indexes = self.bottleneck._build_indexes(y.size())
        return EntropyModel.compress(self.bottleneck, y, indexes, self._medians(y.size()))[0]

    def _decompress_factorized(self, string: bytes, shape: tuple[int, ...]) -> np.ndarray:
        size = (1, self.bottleneck._quantized_cdf.size(0), *shape)
        indexes = self.bottleneck._build_indexes(size)
        y = EntropyModel.decompress(self.bottleneck, [string], indexes, torch.float32, self._medians(size))
        return y.numpy().astype(np.int64)

    @torch.no_grad()
    def encode(self, x: torch.Tensor) -> bytes:
        q, _ = self.latent(x)
        self._reference = (x.numpy().tobytes(), q)
        return pack(*x.shape[-2:], tuple(q.shape[-2:]), [self._compress_factorized(q)])

    def _decode_latent(self, q: np.ndarray, height: int, width: int) -> torch.Tensor:
        _, unpad = self._padding(height, width)
        frame = (width - unpad[0] - unpad[1], height - unpad[2] - unpad[3])
        pixels = self._run("decoder", q, frame)
        image = torch.from_numpy(pixels.astype(np.float32) / 255.0)
        return F.pad(image, unpad)

    @torch.no_grad()
    def decode(self, data: bytes) -> torch.Tensor:
        height, width, shape, strings = unpack(data)
        q = self._decompress_factorized(strings[0], shape)
        self._check_range(q, "decoder", "latent")
        return self._decode_latent(q, height, width)

    def _latent_range(self, function: str = "decoder") -> tuple[int, int]:
        """The integers `function` takes."""
        from lic_compiler.dialects.lic import int_range
        from lic_compiler.quant.drive import functions, input_type

        return int_range(input_type(functions(self.module)[function]).get_element_type())  # type: ignore[union-attr]

    def _check_range(self, q: np.ndarray, function: str, what: str) -> None:
        lo, hi = self._latent_range(function)
        if q.size and (q.min() < lo or q.max() > hi):
            raise LiccError(f"{self.label}: the bitstream's {what} leaves the {function}'s input range [{lo}, {hi}]")

    @torch.no_grad()
    def reference(self, x: torch.Tensor) -> torch.Tensor:
        """The encoder side's reconstruction: the integer decoder on the encoder's own latent."""
        if self._reference is not None and self._reference[0] == x.numpy().tobytes():
            q = self._reference[1]
        else:
            q = self.latent(x)[0]
        return self._decode_latent(q, *x.shape[-2:])


class IntegerHyperpriorCodec(IntegerCodec):
    """One rate point of a compiled integer scale (or mean-scale) hyperprior codec."""

    kind = "a scale or mean-scale hyperprior"

    def __init__(self, model: torch.nn.Module, module, label: str, config: dict[str, Any] | None = None):
        super().__init__(model, module, label, config)
        self.gaussian = model.gaussian_conditional
        self.means = isinstance(model, MODEL_CLASSES["mbt2018-mean"])
        self.index_table, self.mean_table = self._tables()

    @staticmethod
    def codes(model: torch.nn.Module) -> bool:
        return _is_hyperprior(model)

    def _tables(self) -> tuple[np.ndarray, np.ndarray]:
        """Per integer the hyper-decoder can return (offset by the least): the scale index
        of that integer as a scale, and its rounding as a mean."""
        from lic_compiler.quant import attrs
        from lic_compiler.quant.drive import functions

        f = functions(self.module)["hyper_decoder"]
        unit = float(attrs.get(f, attrs.RESULT_SCALES)[0])
        lo, hi = _int_range_of(f.function_type.outputs.data[0])
        real = np.arange(lo, hi + 1, dtype=np.float64) * unit
        table = self.gaussian.scale_table.double().numpy()
        bound = float(self.gaussian.lower_bound_scale.bound)
        scales = np.maximum(real, bound)
        # CompressAI: index = last − #{table[:-1] ≥ scale}, i.e. the entries below it.
        index = (len(table) - 1 - (scales[:, None] <= table[None, :-1]).sum(axis=1)).astype(np.int32)
        return index, np.floor(real + 0.5).astype(np.int64)

    def _lookup(self, table: np.ndarray, values: np.ndarray) -> np.ndarray:
        from lic_compiler.quant.drive import functions

        lo, _ = _int_range_of(functions(self.module)["hyper_decoder"].function_type.outputs.data[0])
        return table[values - lo]

    def parameters(self, z: np.ndarray, frame: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The latent's scale indexes (and rounded means) from the integer hyper-latent `z`:
        the integer hyper-decoder, then the tables."""
        params = self._run("hyper_decoder", z, frame)
        scales, means = np.split(params, 2, axis=1) if self.means else (params, None)
        indexes = torch.from_numpy(self._lookup(self.index_table, scales))
        return indexes, None if means is None else torch.from_numpy(self._lookup(self.mean_table, means).astype(np.float32))

    def hyper_latent(self, q: np.ndarray, frame: tuple[int, int]) -> np.ndarray:
        return self._run("hyper_encoder", q, frame)

    @torch.no_grad()
    def encode(self, x: torch.Tensor) -> bytes:
        q, frame = self.latent(x)
        z = self.hyper_latent(q, frame)
        indexes, means = self.parameters(z, frame)
        y_string = self.gaussian.compress(torch.from_numpy(q.astype(np.float32)), indexes, means=means)[0]
        self._reference = (x.numpy().tobytes(), q)
        return pack(*x.shape[-2:], tuple(z.shape[-2:]), [y_string, self._compress_factorized(z)])

    @torch.no_grad()
    def decode(self, data: bytes) -> torch.Tensor:
        height, width, shape, strings = unpack(data)
        z = self._decompress_factorized(strings[1], shape)
        self._check_range(z, "hyper_decoder", "hyper-latent")
        _, unpad = self._padding(height, width)
        frame = (width - unpad[0] - unpad[1], height - unpad[2] - unpad[3])
        indexes, means = self.parameters(z, frame)
        y = self.gaussian.decompress([strings[0]], indexes, torch.float32, means=means)
        q = y.numpy().astype(np.int64)
        self._check_range(q, "decoder", "latent")
        return self._decode_latent(q, height, width)


def _is_hyperprior(model: torch.nn.Module) -> bool:
    return isinstance(model, tuple(MODEL_CLASSES[a] for a in HYPERPRIORS))


def _int_range_of(t) -> tuple[int, int]:
    from lic_compiler.dialects.lic import int_range

    return int_range(t.get_element_type())


def integer_codec_from_checkpoint(
    path: str | Path, precision: str = "lic-assign-precision", label: str | None = None, count: int = CALIBRATION_COUNT,
    quantize: str = "lic-quantize",
) -> IntegerCodec:
    """An `IntegerCodec` for a checkpoint; labelled by the file's stem and the precision."""
    from lic_compiler.models import load_checkpoint

    model, meta = load_checkpoint(path)
    hyper = meta["arch"] in HYPERPRIORS
    module = compile_integer(path, precision, count=count, quantize=quantize, parts=HYPER_PARTS if hyper else PARTS)
    # The training config first: its own "precision" (fp32/bf16) must not hide the integer codec's.
    config = {**meta["config"], "checkpoint": str(path), "arch": meta["arch"], "precision": precision,
              "quantize": quantize}
    codec = IntegerHyperpriorCodec if hyper else IntegerCodec
    return codec(model, module, label or f"{Path(path).stem} (integer)", config)
