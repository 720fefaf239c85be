"""`lic-set-parallelism`: the folding of every `hls` stage from the analytical FPS model.

Runs on the dataflow `convert-lic-to-hls` built, so the plan is the hardware
that is emitted: it picks PE × SIMD × MMV, the weight memory and the
multipliers' placement (DSP48E2 or fabric) of every MVAU, transposed
convolution and GDN so that the design is as fast as possible within the
device's budget (``objective=max-fps``), or meets ``target-fps`` at least
cost (``objective=min-resources``); or re-applies a hand-edited
``parallelism-file``. It then re-derives the streams' beats and width
converters, sizes the FIFOs and writes every stage's ``cost`` and the
module's ``lic.hw`` attribute (see `lic_compiler.hw.design`).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from lic_compiler.hw.design import annotate, apply_parallelism, solve
from lic_compiler.hw.device import load_device
from lic_compiler.hw.stages import MAX_MMV


@dataclass(frozen=True)
class SetParallelismPass(ModulePass):
    """Choose every hls stage's folding for max FPS (or a target FPS at least cost) on a device."""

    name = "lic-set-parallelism"

    device: str = "zcu102"
    # `int | float`: xDSL does not widen an integer literal (target-fps=30) to float.
    clock_mhz: int | float | None = None
    target_fps: int | float | None = None
    objective: str = "max-fps"
    util_cap: int | float | None = None
    scope: str = "joint"
    ram_styles: tuple[str, ...] = ()
    mult_impls: tuple[str, ...] = ()
    max_mmv: int = MAX_MMV
    parallelism_file: str | None = None

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        device = load_device(self.device)
        if self.parallelism_file:
            design = apply_parallelism(
                op, self.parallelism_file, device, clock_mhz=self.clock_mhz, util_cap=self.util_cap
            )
            objective = "file"
        else:
            design = solve(
                op,
                device,
                clock_mhz=self.clock_mhz,
                util_cap=self.util_cap,
                objective=self.objective,
                target_fps=self.target_fps,
                scope=self.scope,
                ram_styles=self.ram_styles,
                mult_impls=self.mult_impls,
                max_mmv=self.max_mmv,
            )
            objective = self.objective
        annotate(op, design, objective)
