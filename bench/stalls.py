"""Stalls included: the frame period of licc's design, cycle by cycle, against its FPS model.

licc's FPS is the frame period its FIFOs are sized for (the `period` of each
`hls.dataflow`): its slowest loop's iterations per frame, plus the pause per frame
the planner took where bridging it would not fit (`hls_schedule.PAUSES`). The C
simulation's per-loop counts check the iterations (bench/csim_cycles.py), not the
cycles a loop waits on a FIFO. This runs every stage's schedule cycle by cycle over
back-to-back frames with the FIFO depths licc sized (`hls_schedule.simulate`: a
read waits for a beat, a write for room) and prints each function's steady-state
frame period (the last two frames' spacing) against the model's: at most 1.0000
when the FIFOs keep the pace, as `hls-size-fifos` sizes them to (below 1 where the
hardware needs less of the pause than the model counts).

    .venv/bin/python bench/stalls.py [--model student|teacher|PT] [--parts encoder,decoder]
        [--dsp N] [--frames 3] [--device zcu102] [--frame 1280x720]

Pure Python, one cycle at a time, every cycle's read and write flags held as
lists: for the student at 1280×720 about 2 minutes per function of the
both-parts design (4.9 M cycles a frame); the decoder alone (2.5 M) peaked at
2.2 GB resident.
"""

from __future__ import annotations

import argparse
import time

from fps import add_plan_arguments, planned  # bench/fps.py: licc's plan of a model

from lic_compiler import hls_schedule as hs
from lic_compiler.dialects import hls
from lic_compiler.hw.design import _flows as flows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_plan_arguments(parser)
    parser.add_argument("--frames", type=int, default=3, help="back-to-back frames simulated (at least 2)")
    args = parser.parse_args()
    title, module, design = planned(args)
    print(f"{title}, {args.frames} frames")
    print(
        f"{'function':<10} {'model FPS':>9} {'loop cycles':>12} {'model cycles':>12} {'simulated':>12} "
        f"{'ratio':>7} {'sim s':>6}"
    )
    for name, flow in flows(module).items():
        start = time.perf_counter()
        names = hls.stage_names(flow.stages())
        streams = hs.internal_streams(flow)
        sized = [hls.stream_of(v).depth.data for v in streams]
        run = hs.simulate(flow, frames=args.frames)
        model = design.cycles(name)
        simulated = "deadlock" if run.deadlock else f"{run.cycles_per_frame:,}"
        ratio = "" if run.deadlock else f"{run.cycles_per_frame / model:.4f}"
        print(
            f"{name:<10} {design.fps(name):9.2f} {hs.design_cycles(flow):12,} {model:12,} {simulated:>12} {ratio:>7} "
            f"{time.perf_counter() - start:6.0f}"
        )
        print(f"{'':<10} FIFO depths as sized, by producer: " + ", ".join(
            f"{names[v.owner]} {d}" for v, d in zip(streams, sized)))


if __name__ == "__main__":
    main()
