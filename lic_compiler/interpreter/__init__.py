"""Execute licc IR with numpy/PyTorch kernels: the numerical reference.

`run(module, "encoder", x)` calls one function of a module on numpy inputs
and returns its results as numpy arrays.
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.interpreter import Interpreter
from xdsl.interpreters.func import FuncFunctions

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
    """Call `@function` of `module` on `inputs`."""
    names = function_names(module)
    if function not in names:
        raise LiccError(f"no function @{function} in the IR; it has {', '.join(names)}")
    return tuple(make_interpreter(module).call_op(function, tuple(inputs)))


def function_names(module: ModuleOp) -> list[str]:
    from xdsl.dialects.func import FuncOp

    return [op.sym_name.data for op in module.ops if isinstance(op, FuncOp)]

