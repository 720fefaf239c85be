"""`hls-size-fifos`: the depth of every stream between two stages.

A chain of stages (one input and one output stream each, every stream one
consumer) cannot deadlock whatever its depths: depths set the throughput. A
residual can: its fork writes both paths, so the skip's stream also holds
the other path's latency in beats (`lic_compiler.hls_schedule.skip_beats`). Each kernel's loop reads and writes in a fixed
pattern (`lic_compiler.hls_schedule`): an MVAU takes its input vector in a
burst once per pixel and then pauses for its other folds, a stride-2
window generator takes two input rows per output row, a transposed
convolution hands out a block row at a time. A stream's depth bridges its
producer's longest pause in writing and its consumer's longest pause in
reading: what the other side moves meanwhile (`fifo_depth` has the
details, and the two exceptions that keep 720p designs from buffering whole
rows to save a fraction of a percent). `lic_compiler.hls_schedule.simulate`
runs the schedules cycle by cycle to check the depths and the frame rate.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from lic_compiler.dialects import hls
from lic_compiler.hls_schedule import size_fifos


@dataclass(frozen=True)
class SizeFifosPass(ModulePass):
    """Set each stream's FIFO depth from its producer's and consumer's schedules."""

    name = "hls-size-fifos"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for flow in op.walk():
            if isinstance(flow, hls.DataflowOp):
                size_fifos(flow)
