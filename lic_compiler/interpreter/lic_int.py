"""Interpreter functions for the integer level of the `lic` dialect: the hardware's golden model.

Each function computes exactly what its op's docstring defines (see the
integer section of `dialects/lic.py`), in int64 numpy arithmetic, and
returns an array of the result type's numpy dtype (``i24`` → int32,
``ui8`` → uint8). Convolutions run as float64 PyTorch kernels: their
verifier bounds every partial sum below 2^53, so each float64 sum and
product is an exact integer whatever the summation order.

The ops that exist at both levels (conv2d, conv_transpose2d, add, mul,
relu, leaky_relu, abs) dispatch on the element type; floats go to `LicFloatFunctions`.
"""

from __future__ import annotations

import numpy as np
from xdsl.interpreter import Interpreter, InterpreterFunctions, PythonValues, impl, register_impls
from xdsl.ir import SSAValue

from lic_compiler.dialects import lic
from lic_compiler.gdn_approx import Approx
from lic_compiler.interpreter.lic_float import LicFloatFunctions
from lic_compiler.ir import numpy_dtype


def _dtype(value: SSAValue) -> np.dtype:
    return numpy_dtype(value.type.get_element_type())  # type: ignore[attr-defined]


def _range(value: SSAValue) -> tuple[int, int]:
    return lic.int_range(value.type.get_element_type())  # type: ignore[attr-defined]


def _per_channel(values: list[int]) -> np.ndarray:
    return np.asarray(values, np.int64).reshape(1, -1, 1, 1)


def rescale(
    x: np.ndarray, multiplier: list[int], shift: list[int], offset: list[int], lo: int, hi: int
) -> np.ndarray:
    """`lic.rescale` as int64: ``saturate(((x·m + 2^(s−1)) >> s) + offset)`` per channel."""
    m, s, o = _per_channel(multiplier), _per_channel(shift), _per_channel(offset)
    rounding = np.where(s > 0, np.left_shift(np.int64(1), np.maximum(s - 1, 0)), 0)
    t = (np.asarray(x, np.int64) * m + rounding) >> s
    return np.clip(t + o, lo, hi)


def leaky_relu(x: np.ndarray, multiplier: int, shift: int, lo: int, hi: int) -> np.ndarray:
    """Integer `lic.leaky_relu` as int64: x where x >= 0, else x rescaled by the slope."""
    x = np.asarray(x, np.int64)
    return np.where(x >= 0, x, rescale(x, [multiplier], [shift], [0], lo, hi))


def table(n: np.ndarray, approx: Approx, frac_bits: int, lo: int, hi: int) -> np.ndarray:
    """`lic.table` as int64: ``saturate(⌊approx(n)·2^frac_bits + ½⌋)``, fixed values for n ≤ 0."""
    n = np.asarray(n, np.int64)
    positive = n > 0
    # approx(n) is a dyadic float64 computed exactly (gdn_approx); scaling by a
    # power of two is exact, and any value too large for + ½ to be exact saturates.
    v = approx(np.where(positive, n, 1).astype(np.float64))
    y = np.clip(np.floor(np.ldexp(v, frac_bits) + 0.5), lo, hi).astype(np.int64)
    return np.where(positive, y, 0 if approx.function == "sqrt" else hi)


def exact_conv(op: lic.Conv2dOp | lic.ConvTranspose2dOp, args: PythonValues) -> np.ndarray:
    """An integer convolution, exact (see the module docstring), as int64."""
    import torch

    x, w = (torch.from_numpy(np.asarray(a, np.float64)) for a in args[:2])
    b = torch.from_numpy(np.asarray(args[2], np.float64)) if len(args) > 2 else None
    F = torch.nn.functional
    if isinstance(op, lic.Conv2dOp):
        out = F.conv2d(x, w, b, stride=op.strides(), padding=op.paddings())
    else:
        out = F.conv_transpose2d(
            x, w, b, stride=op.strides(), padding=op.paddings(),
            output_padding=op.output_paddings(),
        )
    return out.numpy().astype(np.int64)


_FLOAT = LicFloatFunctions()


def _float(method, interpreter: Interpreter, op, args: PythonValues) -> PythonValues:
    """The float level's implementation of a shared op."""
    return method(_FLOAT, interpreter, op, args).values


@register_impls
class LicIntFunctions(InterpreterFunctions):
    """Integer ops; registered over `LicFloatFunctions` (``override=True``)."""

    @impl(lic.Conv2dOp)
    def run_conv2d(self, interpreter: Interpreter, op: lic.Conv2dOp, args: PythonValues):
        if not lic.is_integer(op.output):
            return _float(LicFloatFunctions.run_conv2d, interpreter, op, args)
        return (exact_conv(op, args).astype(_dtype(op.output)),)

    @impl(lic.ConvTranspose2dOp)
    def run_conv_transpose2d(
        self, interpreter: Interpreter, op: lic.ConvTranspose2dOp, args: PythonValues
    ):
        if not lic.is_integer(op.output):
            return _float(LicFloatFunctions.run_conv_transpose2d, interpreter, op, args)
        return (exact_conv(op, args).astype(_dtype(op.output)),)

    @impl(lic.AddOp)
    def run_add(self, interpreter: Interpreter, op: lic.AddOp, args: PythonValues):
        if not lic.is_integer(op.output):
            return _float(LicFloatFunctions.run_add, interpreter, op, args)
        total = np.asarray(args[0], np.int64) + np.asarray(args[1], np.int64)
        return (total.astype(_dtype(op.output)),)

    @impl(lic.MulOp)
    def run_mul(self, interpreter: Interpreter, op: lic.MulOp, args: PythonValues):
        if not lic.is_integer(op.output):
            return _float(LicFloatFunctions.run_mul, interpreter, op, args)
        product = np.asarray(args[0], np.int64) * np.asarray(args[1], np.int64)
        return (product.astype(_dtype(op.output)),)

    @impl(lic.ReluOp)
    def run_relu(self, interpreter: Interpreter, op: lic.ReluOp, args: PythonValues):
        if not lic.is_integer(op.output):
            return _float(LicFloatFunctions.run_relu, interpreter, op, args)
        return (np.maximum(np.asarray(args[0], np.int64), 0).astype(_dtype(op.output)),)

    @impl(lic.LeakyReluOp)
    def run_leaky_relu(self, interpreter: Interpreter, op: lic.LeakyReluOp, args: PythonValues):
        if not lic.is_integer(op.output):
            return _float(LicFloatFunctions.run_leaky_relu, interpreter, op, args)
        out = leaky_relu(args[0], *op.slope_params(), *_range(op.output))
        return (out.astype(_dtype(op.output)),)

    @impl(lic.AbsOp)
    def run_abs(self, interpreter: Interpreter, op: lic.AbsOp, args: PythonValues):
        if not lic.is_integer(op.output):
            return _float(LicFloatFunctions.run_abs, interpreter, op, args)
        magnitude = np.minimum(np.abs(np.asarray(args[0], np.int64)), _range(op.output)[1])
        return (magnitude.astype(_dtype(op.output)),)

    @impl(lic.RescaleOp)
    def run_rescale(self, interpreter: Interpreter, op: lic.RescaleOp, args: PythonValues):
        out = rescale(args[0], *op.params(), *_range(op.output))
        return (out.astype(_dtype(op.output)),)

    @impl(lic.TableOp)
    def run_table(self, interpreter: Interpreter, op: lic.TableOp, args: PythonValues):
        approx = Approx(op.function.data, **op.approx_params())  # type: ignore[arg-type]
        out = table(args[0], approx, op.frac_bits.value.data, *_range(op.output))
        return (out.astype(_dtype(op.output)),)
