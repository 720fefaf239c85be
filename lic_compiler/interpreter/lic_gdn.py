"""Interpreter functions for GDN's decomposition: `lic.rsqrt`, `lic.sqrt`, `lic.reciprocal`.

Each op computes `lic_compiler.gdn_approx.Approx.of(op)`, the one numeric
definition of its mode that the hardware reproduces.
"""

from __future__ import annotations

from xdsl.interpreter import Interpreter, InterpreterFunctions, PythonValues, impl, register_impls

from lic_compiler.dialects import lic
from lic_compiler.gdn_approx import Approx


def _approx(op: lic.RsqrtOp | lic.SqrtOp | lic.ReciprocalOp, args: PythonValues):
    return (Approx.of(op)(args[0]),)


@register_impls
class LicGdnFunctions(InterpreterFunctions):
    @impl(lic.RsqrtOp)
    def run_rsqrt(self, interpreter: Interpreter, op: lic.RsqrtOp, args: PythonValues):
        return _approx(op, args)

    @impl(lic.SqrtOp)
    def run_sqrt(self, interpreter: Interpreter, op: lic.SqrtOp, args: PythonValues):
        return _approx(op, args)

    @impl(lic.ReciprocalOp)
    def run_reciprocal(self, interpreter: Interpreter, op: lic.ReciprocalOp, args: PythonValues):
        return _approx(op, args)
