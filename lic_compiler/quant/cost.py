"""The hardware cost of a width assignment, from the cost model of `lic_compiler.hw`.

The stages are the float IR's ops as hardware stages (`quant.stages`), with
the folding the FPS solver picks for them (max FPS on the device, the model's default
W8A8 widths); each assignment is costed at that folding with its own widths,
read from the ``lic.bits`` / ``lic.weight_bits`` attributes. So a cheaper
assignment is the same design with narrower datapaths: ≤ 8-bit products
packed two per DSP, ≤ 4-bit ones in LUTs, narrower memories and adders.

The scalar cost is the device utilisation summed over resources,
Σ used_r / available_r.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import BlockArgument, SSAValue

from lic_compiler.dialects import lic
from lic_compiler.hw.device import RESOURCES, Device, load_device
from lic_compiler.hw.solver import Problem, priced
from lic_compiler.quant.stages import MAX_MMV, RAM_STYLES, Folding, Stage, module_stages
from lic_compiler.hw.widths import ARGUMENT_BITS, DEFAULT_BITS, Widths
from lic_compiler.quant import attrs
from lic_compiler.quant.drive import is_image_function


def value_bits(value: SSAValue) -> int:
    """The width the assignment gives `value`."""
    if isinstance(value, BlockArgument):
        f = value.owner.parent_op()
        bits = attrs.get(f, attrs.ARG_BITS)  # type: ignore[arg-type]
        return 8 if is_image_function(f) or bits is None else bits[0]  # type: ignore[arg-type]
    op = value.owner
    if (bits := attrs.get(op, attrs.BITS)) is not None:  # type: ignore[arg-type]
        return bits
    if isinstance(op, lic.ReluOp | lic.AbsOp):
        return value_bits(op.operands[0])
    return ARGUMENT_BITS  # an accumulator feeding a root table


def stage_widths(stage: Stage) -> Widths:
    op = stage.op
    weight = attrs.get(op, attrs.WEIGHT_BITS) or DEFAULT_BITS
    return Widths(weight=weight, act_in=value_bits(op.operands[0]), act_out=value_bits(op.results[0]))


@dataclass
class CostModel:
    device: Device
    stages: list[Stage]
    foldings: list[Folding]

    @classmethod
    def of(cls, module: ModuleOp, device: str) -> CostModel:
        """Stages of the float `module` and the max-FPS foldings of all of them on one device."""
        dev = load_device(device)
        stages = [s for f in module_stages(module).values() for s in f]
        styles = [r for r in RAM_STYLES if r != "uram" or dev.resources["uram"] > 0]
        budget = np.array(list(dev.budget().values()), dtype=np.int64)
        problem = Problem(stages, priced(lambda s: [f for f in s.foldings(styles) if f.mmv <= MAX_MMV], lambda s, f: s.cost(f)))
        return cls(dev, stages, problem.max_fps(budget).foldings)

    def resources(self) -> dict[str, float]:
        """Resources of the current assignment, and their utilisation sum as ``cost``."""
        used = dict.fromkeys(RESOURCES, 0)
        for stage, folding in zip(self.stages, self.foldings):
            stage.widths = stage_widths(stage)
            for r, v in zip(RESOURCES, stage.cost(folding).vector()):
                used[r] += v
        available = self.device.resources
        total = sum(used[r] / available[r] for r in RESOURCES if available[r])
        return {**used, "cost": total}
