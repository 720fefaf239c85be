"""Interpreter functions for the `hls` dialect: the dataflow design, executed on whole tensors.

A stream's value is the tensor it carries, as a ``1×C×H×W`` int64 array
(the window generator's stream carries its ``1×(kh·kw·C)×Ho×Wo`` windows).
Each stage computes what its op's docstring defines, with the pointwise steps
of the integer `lic` ops (`lic_compiler.interpreter.lic_int`), so the hls
level reproduces the integer lic level exactly. Sums run as float64 matrix
products: the integer verifiers bound them below 2^53, where float64 is exact.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from xdsl.interpreter import (
    Interpreter,
    InterpreterFunctions,
    PythonValues,
    ReturnedValues,
    TerminatorValue,
    impl,
    impl_terminator,
    register_impls,
)

from lic_compiler.dialects import hls, lic
from lic_compiler.gdn_approx import Approx
from lic_compiler.interpreter.lic_int import leaky_relu, rescale, table
from lic_compiler.ir import numpy_dtype, to_numpy


# --- fault injection (`lic_compiler.faults`) --------------------------------------------
# A fault campaign sets `fault_hook`: it sees each stage's accumulator ("acc") and output
# stream ("out") and returns them, with a bit flipped where it injects. Off (None), a
# stage pays one comparison.
FaultHook = Callable[["hls.StageOp", str, np.ndarray], np.ndarray]
fault_hook: FaultHook | None = None


def _tap(op: hls.StageOp, point: str, value: np.ndarray) -> np.ndarray:
    return value if fault_hook is None else fault_hook(op, point, value)


def apply_steps(x: np.ndarray, steps, element) -> np.ndarray:
    """The pointwise steps on int64 values of type `element`, per channel (axis 1)."""
    x = np.asarray(x, np.int64)
    for step in steps.data:
        match step:
            case hls.RescaleStep():
                x = rescale(x, *step.params(), *hls.int_range(step.type))
            case hls.TableStep():
                approx = Approx(step.function.data, **step.approx_params())  # type: ignore[arg-type]
                x = table(x, approx, step.frac_bits.data, *hls.int_range(step.type))
            case hls.ReluStep():
                x = np.maximum(x, 0)
            case hls.LeakyReluStep():
                x = leaky_relu(x, step.multiplier.data, step.shift.data, *hls.int_range(element))
            case hls.AbsStep():
                x = np.minimum(np.abs(x), hls.int_range(element)[1])
            case hls.SquareStep():
                x = x * x
        element = step.result_type(element)
    return x


def _weights(attr) -> np.ndarray:
    return np.asarray(to_numpy(attr), np.int64)


def _matvec(matrix: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``Σ_k matrix[o, k] · x[0, k, y, x]`` per pixel, exact (see the module docstring)."""
    _, k, h, w = x.shape
    out = matrix.astype(np.float64) @ x.reshape(k, h * w).astype(np.float64)
    return np.rint(out).astype(np.int64).reshape(1, -1, h, w)


def windows(x: np.ndarray, op: hls.WindowOp) -> np.ndarray:
    """The window generator's output: ``[0, (ky·kw + kx)·C + c, oy, ox]``."""
    g = op.geometry()
    padded = np.pad(x, ((0, 0), (0, 0), (g.ph, g.ph), (g.pw, g.pw)))
    taps = [
        padded[:, :, ky : ky + (g.ho - 1) * g.sh + 1 : g.sh, kx : kx + (g.wo - 1) * g.sw + 1 : g.sw]
        for ky in range(g.kh)
        for kx in range(g.kw)
    ]
    return np.concatenate(taps, axis=1)


def _deconv(x: np.ndarray, op: hls.DeconvOp) -> np.ndarray:
    import torch

    g = op.geometry()
    out = torch.nn.functional.conv_transpose2d(
        torch.from_numpy(x.astype(np.float64)),
        torch.from_numpy(_weights(op.weight).astype(np.float64)),
        None if op.bias is None else torch.from_numpy(_weights(op.bias).astype(np.float64)),
        stride=(g.sh, g.sw),
        padding=(g.ph, g.pw),
        output_padding=(g.oph, g.opw),
    )
    return np.rint(out.numpy()).astype(np.int64)


def _bias(op: hls.MvauOp) -> np.ndarray:
    cout = op.out_type.channels
    return np.zeros(cout, np.int64) if op.bias is None else _weights(op.bias)


@register_impls
class HlsFunctions(InterpreterFunctions):
    @impl(hls.DataflowOp)
    def run_dataflow(self, interpreter: Interpreter, op: hls.DataflowOp, args: PythonValues):
        streams = tuple(np.asarray(a, np.int64) for a in args)
        outs = interpreter.run_ssacfg_region(op.body, streams, "hls.dataflow")
        return tuple(
            np.asarray(v).astype(numpy_dtype(r.type.get_element_type()))  # type: ignore[attr-defined]
            for v, r in zip(outs, op.outputs)
        )

    @impl_terminator(hls.YieldOp)
    def run_yield(
        self, interpreter: Interpreter, op: hls.YieldOp, args: PythonValues
    ) -> tuple[TerminatorValue, PythonValues]:
        return ReturnedValues(args), ()

    @impl(hls.WindowOp)
    def run_window(self, interpreter: Interpreter, op: hls.WindowOp, args: PythonValues):
        return (_tap(op, "out", windows(args[0], op)),)

    @impl(hls.MvauOp)
    def run_mvau(self, interpreter: Interpreter, op: hls.MvauOp, args: PythonValues):
        acc = _tap(op, "acc", _matvec(_weights(op.weight), args[0]) + _bias(op).reshape(1, -1, 1, 1))
        return (_tap(op, "out", apply_steps(acc, op.epilogue, op.acc_type)),)

    @impl(hls.DeconvOp)
    def run_deconv(self, interpreter: Interpreter, op: hls.DeconvOp, args: PythonValues):
        acc = _tap(op, "acc", _deconv(args[0], op))
        return (_tap(op, "out", apply_steps(acc, op.epilogue, op.acc_type)),)

    @impl(hls.GdnOp)
    def run_gdn(self, interpreter: Interpreter, op: hls.GdnOp, args: PythonValues):
        x = np.asarray(args[0], np.int64)
        q = apply_steps(x, op.prologue, op.in_type.element_type)
        acc = _tap(op, "acc", _matvec(_weights(op.gamma), q) + _weights(op.beta).reshape(1, -1, 1, 1))
        n = apply_steps(acc, op.norm, op.acc_type)
        return (_tap(op, "out", apply_steps(x * n, op.epilogue, op.product_type)),)

    @impl(hls.PointwiseOp)
    def run_pointwise(self, interpreter: Interpreter, op: hls.PointwiseOp, args: PythonValues):
        return (_tap(op, "out", apply_steps(args[0], op.steps, op.in_type.element_type)),)

    @impl(hls.LanesOp)
    def run_lanes(self, interpreter: Interpreter, op: hls.LanesOp, args: PythonValues):
        return (_tap(op, "out", args[0]),)

    @impl(hls.ForkOp)
    def run_fork(self, interpreter: Interpreter, op: hls.ForkOp, args: PythonValues):
        return (args[0], args[0])

    @impl(hls.AddOp)
    def run_add(self, interpreter: Interpreter, op: hls.AddOp, args: PythonValues):
        total = np.asarray(args[0], np.int64) + np.asarray(args[1], np.int64)
        return (_tap(op, "out", apply_steps(total, op.epilogue, op.sum_type)),)

    @impl(hls.ShuffleOp)
    def run_shuffle(self, interpreter: Interpreter, op: hls.ShuffleOp, args: PythonValues):
        reorder = lic.unshuffle if op.is_inverse else lic.shuffle
        return (_tap(op, "out", reorder(np.asarray(args[0], np.int64), op.r)),)

    @impl(hls.PadOp)
    def run_pad(self, interpreter: Interpreter, op: hls.PadOp, args: PythonValues):
        return (_tap(op, "out", lic.pad_edge(np.asarray(args[0], np.int64), *op.out_type.get_shape()[1:])),)

    @impl(hls.CropOp)
    def run_crop(self, interpreter: Interpreter, op: hls.CropOp, args: PythonValues):
        return (_tap(op, "out", lic.crop(np.asarray(args[0], np.int64), *op.out_type.get_shape()[1:])),)
