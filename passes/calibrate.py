"""`lic-calibrate`: value ranges of every tensor of a float codec on calibration images.

The float interpreter runs the codec on the images (default: the
`CALIBRATION_COUNT` 128×128 BSDS500 training crops shipped in
`lic_compiler/data/calibration/`; any folder with ``images=…``, the first
``count`` by name), as the codec chains its functions
(`lic_compiler.quant.drive`), at the images' size (the statistics do not
depend on the frame, `lic_compiler.quant.frame`) — once the deepest latent
is `MIN_LATENT` positions a side: images smaller than that many total
strides are mirror-extended first (a hyperprior's hyper-latent of a 128²
crop is 2×2, all border, and its hyper-decoder's ranges then miss those of
real frames: its integer scales were 16 % low on kodim05,
`bench/hyperprior_scales.py --crops-as-shipped`). Each op's result
gets ``lic.range = {min, max, p9999, mse_clip = {b2 … b16}}`` and each
driven function ``lic.arg_ranges`` (`lic_compiler.quant.ranges`).

A decoder compiled without its encoder takes latents: with
``encoder=PATH`` (a `.pt2` program or a checkpoint), that encoder's rounded
output on the images, run in PyTorch; otherwise integers drawn from a
Laplacian of scale ``latent-scale`` (default 1), clipped to
±``latent-range`` (default 32), one latent per image, seeded.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.interpreter import Interpreter
from xdsl.ir import Operation
from xdsl.passes import ModulePass

from lic_compiler.calibration import CALIBRATION_COUNT, fit_image, load_images
from lic_compiler.dialects import lic
from lic_compiler.errors import LiccError
from lic_compiler.quant import attrs
from lic_compiler.quant.drive import drive, functions, input_type, is_integer_module
from lic_compiler.quant.frame import at_frame, image_frame, measurement_module, paired_ops
from lic_compiler.quant.ranges import TensorStats


@dataclass
class _Recorder(Interpreter.Listener):
    """Adds every lic op's float result to its statistics."""

    images: int
    stats: dict[Operation, TensorStats] = field(default_factory=dict)

    def did_interpret_op(self, op: Operation, results) -> None:
        if op.dialect_name() == "lic" and not isinstance(op, lic.ConstantOp) and results:
            self.stats.setdefault(op, TensorStats(self.images)).add(results[0])


@dataclass(frozen=True)
class LatentSource:
    """Where a decoder compiled alone gets its calibration latents."""

    encoder: str = ""  # a .pt2 program or checkpoint whose rounded output drives the decoder
    scale: float = 1.0  # else: round(Laplace(0, scale)), clipped to ±limit
    limit: int = 32

    def latents(self, shape: tuple[int, ...], images: list[np.ndarray]) -> list[np.ndarray]:
        if self.encoder:
            from lic_compiler.frontend.latents import encoder_latents

            return encoder_latents(self.encoder, images, shape)
        rng = np.random.default_rng(0)
        draws = [rng.laplace(0.0, self.scale, shape) for _ in images]
        return [np.clip(np.round(y), -self.limit, self.limit).astype(np.float32) for y in draws]

    def frame(self) -> tuple[int, int] | None:
        """The image size the encoder was exported for, if it is a program."""
        if not self.encoder:
            return None
        from lic_compiler.frontend.latents import encoder_frame

        return encoder_frame(self.encoder)


def calibrate(module: ModuleOp, images: list[np.ndarray], source: LatentSource = LatentSource()) -> dict[str, int]:
    """Record the ranges on `module`'s ops and functions; returns counts for the report."""
    if is_integer_module(module):
        raise LiccError("lic-calibrate: the IR is already integer; calibrate the float IR, before lic-quantize")
    images = _large_enough(module, images)
    measured = _measured(module, images, source)
    recorder = _Recorder(len(images))

    def make(m: ModuleOp) -> Interpreter:
        from lic_compiler.interpreter import make_interpreter

        interpreter = make_interpreter(m)
        interpreter.listeners = (recorder,)
        return interpreter

    runs = drive(measured, images, make)
    alone = [name for name in functions(measured) if name not in runs]
    if alone:
        interpreter = make(measured)
        for name in alone:
            shape = tuple(input_type(functions(measured)[name]).get_shape())  # type: ignore[union-attr]
            inputs = source.latents(shape, images)
            runs[name] = (inputs, [interpreter.call_op(name, (y,))[0] for y in inputs])
    originals = paired_ops(module, measured)
    for op, stats in recorder.stats.items():
        attrs.put(originals[op], attrs.RANGE, stats.summary())
    for name, (inputs, _) in runs.items():
        stats = TensorStats(len(inputs))
        for x in inputs:
            stats.add(x)
        attrs.put(functions(module)[name], attrs.ARG_RANGES, [stats.summary()])
    return {"images": len(images), "tensors": len(recorder.stats) + len(runs), "alone": len(alone)}


# The deepest latent a calibration image reaches is at least this many positions a side.
# A scale hyperprior's hyper-latent of a 128² crop is 2×2, all border: its hyper-decoder's
# ranges miss those of real frames (`bench/hyperprior_scales.py --crops-as-shipped`).
MIN_LATENT = 4


def _large_enough(module: ModuleOp, images: list[np.ndarray]) -> list[np.ndarray]:
    """`images` mirror-extended (`fit_image`) to `MIN_LATENT` times the module's total stride
    a side, where they are smaller."""
    frame, funcs = image_frame(module), functions(module)
    deepest = funcs.get("hyper_encoder") or funcs.get("encoder")
    if frame is None or deepest is None or not images:
        return images
    side = MIN_LATENT * (frame[1] // deepest.function_type.outputs.data[0].get_shape()[2])  # type: ignore[attr-defined]
    height, width = images[0].shape[2:]
    if min(height, width) >= side:
        return images
    return [fit_image(x, (max(width, side), max(height, side))) for x in images]


def _measured(module: ModuleOp, images: list[np.ndarray], source: LatentSource) -> ModuleOp:
    """The module to interpret: at the images' size, or at a program encoder's own size."""
    frame = source.frame()
    if frame is None or frame == image_frame(module):
        return measurement_module(module, (images[0].shape[3], images[0].shape[2]))
    return at_frame(module, frame)


@dataclass(frozen=True)
class CalibratePass(ModulePass):
    """Record value ranges (min/max, 99.99th percentile, MSE-optimal clipping) on calibration images
    (a decoder compiled alone: on its encoder's latents, or on random integer latents)."""

    name = "lic-calibrate"

    images: str = ""
    count: int = CALIBRATION_COUNT
    encoder: str = ""
    latent_scale: int | float = 1.0
    latent_range: int = 32

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        start = time.perf_counter()
        if self.latent_scale <= 0 or self.latent_range < 1:
            raise LiccError("lic-calibrate: latent-scale must be positive and latent-range at least 1")
        source = LatentSource(self.encoder, float(self.latent_scale), self.latent_range)
        counts = calibrate(op, load_images(self.images or None, self.count), source)
        latents = ""
        if counts["alone"]:
            kind = "the encoder's" if self.encoder else "random"
            latents = f" ({kind} latents for a decoder alone)"
        print(
            f"lic-calibrate: {counts['tensors']} tensors on {counts['images']} images{latents} "
            f"in {time.perf_counter() - start:.1f} s",
            file=sys.stderr,
        )
