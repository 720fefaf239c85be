"""`lic-calibrate`: value ranges of every tensor of a float codec on calibration images.

The float interpreter runs the codec on the images (default: the eight
256×256 BSDS500 training crops shipped in `lic_compiler/data/calibration/`; any folder
with ``images=…``, the first ``count`` by name), as the codec chains its
functions (`lic_compiler.quant.drive`), at the images' size (the statistics
do not depend on the frame, `lic_compiler.quant.frame`). Each op's result
gets ``lic.range = {min, max, p9999, mse_clip = {b2 … b16}}`` and each
driven function ``lic.arg_ranges`` (`lic_compiler.quant.ranges`).
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

from lic_compiler.calibration import load_images
from lic_compiler.dialects import lic
from lic_compiler.errors import LiccError
from lic_compiler.quant import attrs
from lic_compiler.quant.drive import drive, functions, is_integer_module
from lic_compiler.quant.frame import measurement_module, paired_ops
from lic_compiler.quant.ranges import TensorStats


@dataclass
class _Recorder(Interpreter.Listener):
    """Adds every lic op's float result to its statistics."""

    stats: dict[Operation, TensorStats] = field(default_factory=dict)

    def did_interpret_op(self, op: Operation, results) -> None:
        if op.dialect_name() == "lic" and not isinstance(op, lic.ConstantOp) and results:
            self.stats.setdefault(op, TensorStats()).add(results[0])


def calibrate(module: ModuleOp, images: list[np.ndarray]) -> dict[str, int]:
    """Record the ranges on `module`'s ops and functions; returns counts for the report."""
    if is_integer_module(module):
        raise LiccError("lic-calibrate: the IR is already integer; calibrate the float IR, before lic-quantize")
    measured = measurement_module(module, (images[0].shape[3], images[0].shape[2]))
    recorder = _Recorder()

    def make(m: ModuleOp) -> Interpreter:
        from lic_compiler.interpreter import make_interpreter

        interpreter = make_interpreter(m)
        interpreter.listeners = (recorder,)
        return interpreter

    runs = drive(measured, images, make)
    missing = sorted(set(functions(measured)) - set(runs))
    if missing:
        raise LiccError(
            f"lic-calibrate: no image drives @{', @'.join(missing)}: a latent-taking function "
            "is calibrated with its encoder's output, so compile it together with @encoder"
        )
    originals = paired_ops(module, measured)
    for op, stats in recorder.stats.items():
        attrs.put(originals[op], attrs.RANGE, stats.summary())
    for name, (inputs, _) in runs.items():
        stats = TensorStats()
        for x in inputs:
            stats.add(x)
        attrs.put(functions(module)[name], attrs.ARG_RANGES, [stats.summary()])
    return {"images": len(images), "tensors": len(recorder.stats) + len(runs)}


@dataclass(frozen=True)
class CalibratePass(ModulePass):
    """Record value ranges (min/max, 99.99th percentile, MSE-optimal clipping) on calibration images."""

    name = "lic-calibrate"

    images: str = ""
    count: int = 8

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        start = time.perf_counter()
        counts = calibrate(op, load_images(self.images or None, self.count))
        print(
            f"lic-calibrate: {counts['tensors']} tensors on {counts['images']} images "
            f"in {time.perf_counter() - start:.1f} s",
            file=sys.stderr,
        )
