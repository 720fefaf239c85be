"""The same codec at another frame size: measurements at the calibration images' size.

Value ranges and quantisation errors are statistics per tensor, independent
of the frame, so `lic-calibrate` and `lic-assign-precision` measure on a
copy of the module re-typed for the calibration images' size (256×256 for
the shipped ones) instead of, say, 1280×720: 14× less work, same numbers.
The copy has the same ops in the same order (`walk` pairs them up), only
its tensor shapes differ.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import FunctionType, ModuleOp, TensorType
from xdsl.ir import Operation
from xdsl.rewriter import Rewriter

from lic_compiler.calibration import fit_image
from lic_compiler.dialects import lic
from lic_compiler.errors import LiccError
from lic_compiler.quant.drive import CHAIN, functions, input_type, is_image_function

Frame = tuple[int, int]  # (width, height)


def image_frame(module: ModuleOp) -> Frame | None:
    """(width, height) of the module's image input, or of a lone decoder's output."""
    for f in functions(module).values():
        if is_image_function(f):
            shape = input_type(f).get_shape()  # type: ignore[union-attr]
            return shape[3], shape[2]
    for f in functions(module).values():
        if upsampling(f) is not None:
            shape = f.function_type.outputs.data[0].get_shape()  # type: ignore[attr-defined]
            return shape[3], shape[2]
    return None


def upsampling(function: func.FuncOp) -> int | None:
    """The integer factor by which a latent-taking `function` enlarges its input, if it does."""
    t = input_type(function)
    outputs = function.function_type.outputs.data
    if t is None or is_image_function(function) or len(outputs) != 1 or len(t.get_shape()) != 4:
        return None
    (h, w), (oh, ow) = t.get_shape()[2:], outputs[0].get_shape()[2:]  # type: ignore[attr-defined]
    factor = oh // h
    return factor if factor > 1 and (oh, ow) == (h * factor, w * factor) else None


def at_frame(module: ModuleOp, frame: Frame) -> ModuleOp:
    """A copy of `module` whose image functions take `frame`-sized images.

    Latent-taking functions follow (the decoder takes what the encoder
    gives; a decoder alone, the latent of `frame`). Others keep their shapes.
    """
    copy = module.clone()
    funcs = functions(copy)
    outputs: dict[str, TensorType] = {}
    width, height = frame
    for name, f in funcs.items():
        if is_image_function(f):
            t = input_type(f)
            outputs[name] = _retype(f, TensorType(t.get_element_type(), [1, 3, height, width]))  # type: ignore[union-attr]
    for name in ("hyper_encoder", "hyper_decoder", "decoder"):
        source = CHAIN[name]
        if name in funcs and source in outputs and input_type(funcs[name]) is not None:
            arg = input_type(funcs[name])
            outputs[name] = _retype(funcs[name], TensorType(arg.get_element_type(), outputs[source].get_shape()))  # type: ignore[union-attr]
    for name, f in funcs.items():  # a decoder compiled alone takes the latent of `frame`
        if name not in outputs and (factor := upsampling(f)) is not None:
            t = input_type(f)
            latent = [1, t.get_shape()[1], height // factor, width // factor]  # type: ignore[union-attr]
            outputs[name] = _retype(f, TensorType(t.get_element_type(), latent))  # type: ignore[union-attr]
    return copy


def _retype(f: func.FuncOp, arg_type: TensorType) -> TensorType:
    """Give `f`'s argument `arg_type` and recompute every result shape; returns the result type."""
    Rewriter.replace_value_with_new_type(f.body.block.args[0], arg_type)
    ret = None
    for op in f.body.block.ops:
        if isinstance(op, func.ReturnOp):
            ret = op
            continue
        if isinstance(op, lic.ConstantOp):
            continue
        element = op.results[0].type.get_element_type()  # type: ignore[attr-defined]
        Rewriter.replace_value_with_new_type(op.results[0], TensorType(element, _shape(op)))
    assert ret is not None
    results = [v.type for v in ret.operands]
    f.function_type = FunctionType.from_lists([arg_type], results)
    if len(results) != 1:
        raise LiccError(f"@{f.sym_name.data} returns {len(results)} values; codec functions return one")
    return results[0]  # type: ignore[return-value]


def _shape(op: Operation) -> list[int]:
    x = lic.tensor_shape(op.operands[0])
    if isinstance(op, lic.Conv2dOp | lic.ConvTranspose2dOp):
        (kh, kw), (sh, sw), (ph, pw) = op.kernel(), op.strides(), op.paddings()
        cout = lic.tensor_shape(op.output)[1]
        _, _, h, w = x
        if isinstance(op, lic.Conv2dOp):
            return [1, cout, (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1]
        oh, ow = op.output_paddings()
        return [1, cout, (h - 1) * sh - 2 * ph + kh + oh, (w - 1) * sw - 2 * pw + kw + ow]
    return list(x)  # every other lic op is elementwise on its first operand


# Every codec licc compiles downsamples its image by a divisor of this.
FRAME_MULTIPLE = 64


def measured_size(image_size: Frame) -> Frame:
    """The frame images of `image_size` are measured at: rounded down to a multiple of
    `FRAME_MULTIPLE` (at least one)."""
    width, height = (max(FRAME_MULTIPLE, s // FRAME_MULTIPLE * FRAME_MULTIPLE) for s in image_size)
    return width, height


def measurement_module(module: ModuleOp, image_size: Frame) -> ModuleOp:
    """`module`, or a copy at the calibration images' size (`measured_size`) when that is smaller."""
    frame = image_frame(module)
    if frame is None:
        return module
    width, height = measured_size(image_size)
    if (width, height) == frame or width > frame[0] or height > frame[1]:
        return module
    return at_frame(module, (width, height))


def measurement_copy(module: ModuleOp, images: Sequence[np.ndarray]) -> tuple[ModuleOp, list[np.ndarray]]:
    """A copy of `module` to measure on `images` (see `measurement_module`), and the images fitted to it."""
    measured = measurement_module(module, (images[0].shape[3], images[0].shape[2]))
    if measured is module:
        measured = module.clone()
    frame = image_frame(measured)
    return measured, [fit_image(x, frame) for x in images] if frame else list(images)


def paired_ops(original: ModuleOp, copy: ModuleOp) -> dict[Operation, Operation]:
    """Each op of `copy` → the op of `original` in the same position."""
    return dict(zip(copy.walk(), original.walk()))
