"""`hls-size-fifos`: the depth of every stream between two stages.

Each kernel's loop reads and writes in a fixed pattern
(`lic_compiler.hls_schedule`): an MVAU takes its input vector in a burst
once per pixel and then pauses for its other folds, a stride-2 window
generator takes two input rows per output row, a transposed convolution
hands out a block row at a time. `hls_schedule.steady_timing` places every
iteration of every loop in a periodic schedule at the dataflow's frame period
(its `period`, which `lic-set-parallelism` sets, else the slowest loop's
iterations) in which no loop waits, and each stream gets one more than the
most beats it holds there: the hardware then keeps that period or a shorter
one, pauses between frames and a residual's skip included (`fifo_depths`
says why). The pass records the period it sized for on the dataflow: the FPS
model's. `hls_schedule.simulate` runs the schedules cycle by cycle to check
it.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from lic_compiler.dialects import hls
from lic_compiler.hls_schedule import size_all


@dataclass(frozen=True)
class SizeFifosPass(ModulePass):
    """Set each stream's FIFO depth from a stall-free schedule of the stages' loops."""

    name = "hls-size-fifos"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        size_all([(flow, None) for flow in op.walk() if isinstance(flow, hls.DataflowOp)])
