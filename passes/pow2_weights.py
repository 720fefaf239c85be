"""`lic-pow2-weights`: power-of-two weights (each 0 or ±2^k) on chosen convolutions.

Sets ``lic.weight_pow2`` on the float convolutions (and transposed
convolutions) whose weights are a width knob of `lic_compiler.quant.plan`
(roles ``conv``, ``latent``, ``image``; not GDN's γ), in the functions
``functions`` names (``all``: every one). Run it after `lic-assign-precision`
and before `lic-quantize`, which quantises those weights to powers of two
(`lic_compiler.quant.fixed.quantize_weights_pow2`); their hardware stages then
shift instead of multiply. A precision search sets the same attribute per
knob (``attrs.put(op, attrs.WEIGHT_POW2, True)``).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from lic_compiler.errors import LiccError
from lic_compiler.quant import attrs
from lic_compiler.quant.drive import functions
from lic_compiler.quant.plan import knobs


@dataclass(frozen=True)
class Pow2WeightsPass(ModulePass):
    """Mark the convolutions of `functions` (comma-separated, or all) for power-of-two weights."""

    name = "lic-pow2-weights"

    functions: str = "all"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        present = set(functions(op))
        wanted = present if self.functions == "all" else set(self.functions.split(","))
        if unknown := sorted(wanted - present):
            raise LiccError(
                f"lic-pow2-weights: no function {', '.join(unknown)}; choose from {', '.join(sorted(present))} or all"
            )
        for knob in knobs(op):
            if knob.kind == "weight" and knob.function in wanted:
                for conv in knob.ops:
                    attrs.put(conv, attrs.WEIGHT_POW2, True)
