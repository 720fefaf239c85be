"""Pauses between frames in licc's designs: which FIFOs bridge them, and what the rest may cost.

A stage that pauses at a frame's boundary (a window generator reading its
first rows, a transposed convolution draining its last block rows) idles the
stages after it, or stalls those before it, unless the FIFO between holds
the pause. `hls-size-fifos` bridges a pause only where it exceeds the slack
of the stages it idles by more than `MAX_FILL_LOSS` of the frame period
(`hls_schedule.fifo_depth`); the design's FPS is its slowest loop's, so the
pauses left unbridged are not in it. Per stream this prints the pause beyond
that slack, whether the FIFO bridges it, and the unbridged ones summed: how
optimistic the FPS can be (an upper bound: pauses in different streams may
overlap).

    .venv/bin/python bench/fill_loss.py [--model student|teacher|PT] [--parts encoder,decoder]
        [--dsp N] [--max-fill-loss 0.005] [--device zcu102] [--frame 1280x720]

``--dsp N`` plans with N DSPs in the budget (a point of bench/fps.py's
FPS-vs-DSP curve); ``--max-fill-loss`` changes the bridging threshold for
the run (`lic_compiler.hls_schedule.MAX_FILL_LOSS`).
"""

from __future__ import annotations

import argparse

from fps import add_plan_arguments, planned  # bench/fps.py: licc's plan of a model

from lic_compiler import hls_schedule as hs
from lic_compiler.dialects import hls
from lic_compiler.hw.design import _flows as flows


def pauses(flow: hls.DataflowOp) -> list[tuple[str, str, int, bool]]:
    """Per stream with a pause between frames beyond the slack around it: (producer,
    consumer, that pause in cycles, bridged by the FIFO's depth rule)."""
    period = hs.design_cycles(flow)
    upstream, downstream = hs._slack(flow, period)
    names = hls.stage_names(flow.stages())
    out = []
    for op in flow.stages():
        for producer in (v.owner for v in op.operands if isinstance(v.owner, hls.StageOp)):
            loss = hs.fill_loss(hs.schedule(producer), hs.schedule(op), (upstream[producer], downstream[op]))
            if loss > 0:
                out.append((names[producer], names[op], loss, loss > hs.MAX_FILL_LOSS * period))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_plan_arguments(parser)
    parser.add_argument("--max-fill-loss", type=float, default=hs.MAX_FILL_LOSS)
    args = parser.parse_args()
    hs.MAX_FILL_LOSS = args.max_fill_loss
    title, module, design = planned(args)
    used = design.used()
    print(
        f"{title}, bridged beyond {args.max_fill_loss:.2%} of the frame: "
        f"DSP {used['dsp']:,}, BRAM18 {used['bram18']:,}, LUT {used['lut']:,}"
    )
    for name, flow in flows(module).items():
        period = hs.design_cycles(flow)
        print(f"@{name}: {design.fps(name):.2f} FPS, {period:,} cycles per frame")
        rows = pauses(flow)
        for producer, consumer, loss, bridged in rows:
            state = "bridged" if bridged else "not bridged"
            print(f"  {producer:>20} -> {consumer:<20} {loss:9,} cycles ({loss / period:6.3%})  {state}")
        left = sum(loss for *_, loss, bridged in rows if not bridged)
        print(f"  unbridged, summed: {left:,} cycles ({left / period:.3%} of the frame)")


if __name__ == "__main__":
    main()
