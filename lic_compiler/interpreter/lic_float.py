"""Interpreter functions for the float level of the `lic` dialect.

Kernels are PyTorch's own (imported on first use), so the interpreted float IR
reproduces the PyTorch model to rounding. Values are numpy arrays.
"""

from __future__ import annotations

import numpy as np
from xdsl.interpreter import Interpreter, InterpreterFunctions, PythonValues, impl, register_impls

from lic_compiler.dialects import lic
from lic_compiler.ir import to_numpy


def _torch():
    import torch

    return torch


def _t(array: np.ndarray):
    # Weights read from the IR are read-only views; torch wants its own buffer.
    writable = array.flags.writeable and array.flags.c_contiguous
    return _torch().from_numpy(array if writable else np.array(array, order="C"))


def _np(tensor) -> np.ndarray:
    return tensor.numpy()


def _bias(args: PythonValues):
    return _t(args[2]) if len(args) > 2 else None


@register_impls
class LicFloatFunctions(InterpreterFunctions):
    @impl(lic.PixelShuffleOp)
    def run_pixel_shuffle(self, interpreter: Interpreter, op: lic.PixelShuffleOp, args: PythonValues):
        return (lic.shuffle(args[0], op.r),)  # a reorder: the same at both levels

    @impl(lic.PixelUnshuffleOp)
    def run_pixel_unshuffle(self, interpreter: Interpreter, op: lic.PixelUnshuffleOp, args: PythonValues):
        return (lic.unshuffle(args[0], op.r),)

    @impl(lic.PadOp)
    def run_pad(self, interpreter: Interpreter, op: lic.PadOp, args: PythonValues):
        return (lic.pad_edge(args[0], *lic.tensor_shape(op.output)[2:]),)  # both levels, as the reorders

    @impl(lic.CropOp)
    def run_crop(self, interpreter: Interpreter, op: lic.CropOp, args: PythonValues):
        return (lic.crop(args[0], *lic.tensor_shape(op.output)[2:]),)

    @impl(lic.ConstantOp)
    def run_constant(self, interpreter: Interpreter, op: lic.ConstantOp, args: PythonValues):
        return (to_numpy(op.value),)

    @impl(lic.Conv2dOp)
    def run_conv2d(self, interpreter: Interpreter, op: lic.Conv2dOp, args: PythonValues):
        F = _torch().nn.functional
        out = F.conv2d(
            _t(args[0]), _t(args[1]), _bias(args), stride=op.strides(), padding=op.paddings()
        )
        return (_np(out),)

    @impl(lic.ConvTranspose2dOp)
    def run_conv_transpose2d(
        self, interpreter: Interpreter, op: lic.ConvTranspose2dOp, args: PythonValues
    ):
        F = _torch().nn.functional
        out = F.conv_transpose2d(
            _t(args[0]),
            _t(args[1]),
            _bias(args),
            stride=op.strides(),
            padding=op.paddings(),
            output_padding=op.output_paddings(),
        )
        return (_np(out),)

    @impl(lic.GdnOp)
    def run_gdn(self, interpreter: Interpreter, op: lic.GdnOp, args: PythonValues):
        # The same expression order as CompressAI's GDN/GDN1, for bit-close results.
        torch = _torch()
        x, beta, gamma = _t(args[0]), _t(args[1]), _t(args[2])
        c = x.shape[1]
        l1 = op.form.data == "l1"
        norm = torch.nn.functional.conv2d(
            torch.abs(x) if l1 else x**2, gamma.reshape(c, c, 1, 1), beta
        )
        if l1:
            norm = norm if op.is_inverse else 1.0 / norm
        else:
            norm = torch.sqrt(norm) if op.is_inverse else torch.rsqrt(norm)
        return (_np(x * norm),)

    @impl(lic.ReluOp)
    def run_relu(self, interpreter: Interpreter, op: lic.ReluOp, args: PythonValues):
        return (np.maximum(args[0], 0).astype(args[0].dtype),)

    @impl(lic.LeakyReluOp)
    def run_leaky_relu(self, interpreter: Interpreter, op: lic.LeakyReluOp, args: PythonValues):
        F = _torch().nn.functional
        return (_np(F.leaky_relu(_t(args[0]), op.negative_slope.value.data)),)

    @impl(lic.AbsOp)
    def run_abs(self, interpreter: Interpreter, op: lic.AbsOp, args: PythonValues):
        return (np.abs(args[0]),)

    @impl(lic.AddOp)
    def run_add(self, interpreter: Interpreter, op: lic.AddOp, args: PythonValues):
        return (args[0] + args[1],)

    @impl(lic.MulOp)
    def run_mul(self, interpreter: Interpreter, op: lic.MulOp, args: PythonValues):
        return (args[0] * args[1],)
