"""Execute licc IR with numpy/PyTorch kernels: the numerical reference.

`run(module, "encoder", x)` calls one function of a module on numpy inputs
and returns its results as numpy arrays.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import ArrayAttr, IntegerType, ModuleOp, TensorType
from xdsl.dialects.func import FuncOp
from xdsl.interpreter import Interpreter
from lic_compiler.interpreter.func import FuncFunctions

from lic_compiler.dialects.lic import int_range
from lic_compiler.errors import LiccError
from lic_compiler.interpreter.lic_float import LicFloatFunctions
from lic_compiler.interpreter.hls_stages import HlsFunctions
from lic_compiler.interpreter.lic_gdn import LicGdnFunctions
from lic_compiler.interpreter.lic_int import LicIntFunctions


def make_interpreter(module: ModuleOp) -> Interpreter:
    """An interpreter over `module` with every licc dialect's functions."""
    interpreter = Interpreter(module)
    interpreter.register_implementations(FuncFunctions())
    interpreter.register_implementations(LicFloatFunctions())
    interpreter.register_implementations(LicGdnFunctions())
    # Integer ops; the ops both levels share dispatch on the element type.
    interpreter.register_implementations(LicIntFunctions(), override=True)
    interpreter.register_implementations(HlsFunctions())
    return interpreter


def run(module: ModuleOp, function: str, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
    """Call `@function` of `module` on `inputs`, refusing inputs its signature does not take."""
    functions = _functions(module)
    if function not in functions:
        raise LiccError(f"no function @{function} in the IR; it has {', '.join(functions)}")
    check_inputs(functions[function], inputs)
    return tuple(make_interpreter(module).call_op(function, tuple(inputs)))


def function_names(module: ModuleOp) -> list[str]:
    return list(_functions(module))


def _functions(module: ModuleOp) -> dict[str, FuncOp]:
    return {op.sym_name.data: op for op in module.ops if isinstance(op, FuncOp)}


def check_inputs(function: FuncOp, inputs: Sequence[np.ndarray]) -> None:
    """Refuse inputs of the wrong count or shape, and non-integers or out-of-range
    values for an integer argument (the integer ops would compute garbage on them)."""
    types = function.function_type.inputs.data
    name = f"@{function.sym_name.data}"
    if len(inputs) != len(types):
        raise LiccError(f"{name} takes {len(types)} argument(s), got {len(inputs)}; pass one array per argument")
    scales = function.attributes.get("lic.arg_scales")
    for i, (value, type_) in enumerate(zip(inputs, types)):
        if not isinstance(type_, TensorType):
            continue
        arg = f"{name} argument {i} (%{function.body.block.args[i].name_hint or i}: {type_})"
        array = np.asarray(value)
        if array.shape != tuple(type_.get_shape()):
            raise LiccError(f"{arg} got an array of shape {array.shape}; pass one of shape {tuple(type_.get_shape())}")
        if isinstance(type_.element_type, IntegerType):
            scale = scales.data[i].value.data if isinstance(scales, ArrayAttr) else None  # type: ignore[union-attr]
            _check_integers(arg, array, type_.element_type, scale)


def _check_integers(arg: str, array: np.ndarray, element: IntegerType, scale: float | None) -> None:
    lo, hi = int_range(element)
    how = (f"quantize it: np.clip(np.round(x / {scale:.9g}), {lo}, {hi}).astype(np.int64), "
           "the scale from the function's lic.arg_scales" if scale is not None
           else f"round and clip it to [{lo}, {hi}] and cast it to an integer dtype")
    if not (np.issubdtype(array.dtype, np.integer) or array.dtype == np.bool_):
        raise LiccError(f"{arg} takes integers in [{lo}, {hi}], got a {array.dtype} array; {how}")
    if array.size and (array.min() < lo or array.max() > hi):
        raise LiccError(f"{arg} takes integers in [{lo}, {hi}], got values in "
                        f"[{array.min()}, {array.max()}]; {how}")

