"""hls-size-fifos and the cycle-level simulation of the kernels' schedules.

`hls-size-fifos` sizes each FIFO for a stall-free schedule of every loop at
a frame period (`steady_timing`): the slowest loop's iterations, or a little
more where a pause between frames saves block RAM (`paced_period`). Run
cycle by cycle, the design must keep that period or a shorter one, and it is
the frame period of the cost model of `lic-set-parallelism`. Depth 2 must
not; a residual's skip made shallow deadlocks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from xdsl.parser import Parser

from lic_compiler import hls_schedule as hs
from lic_compiler.dialects import hls
from lic_compiler.hw import design as design_module
from lic_compiler.hw.design import MODULE_ATTR, Design, from_ir
from lic_compiler.ir import make_context
from lic_compiler.registry import parse_pipeline

from nets import Abs, Conv, Deconv, Gdn, Residual, Spec, build

DESIGNS = {
    "encoder": Spec(3, 64, 64, [Conv(16, 5, 2, 2), Gdn(), Conv(16, 5, 2, 2), Gdn(), Conv(16, 5, 2, 2), Gdn(), Conv(24, 5, 2, 2)]),
    "decoder": Spec(24, 8, 8, [Deconv(16), Gdn(inverse=True), Deconv(16), Gdn(inverse=True), Deconv(16), Gdn(inverse=True), Deconv(3)], unsigned_input=False),
    "hyper_encoder": Spec(24, 8, 8, [Abs(), Conv(16, 3, 1, 1, relu=True), Conv(16, 5, 2, 2, relu=True), Conv(16, 5, 2, 2)], unsigned_input=False),
    "residual": Spec(3, 32, 32, [Conv(16, 5, 2, 2), Residual((Conv(16, 3, 1, 1, relu=True), Gdn())), Conv(24, 5, 2, 2)]),
}


def designed(name: str, util_cap: float):
    """The design of `name` chosen by lic-set-parallelism, converted and sized."""
    module = build(DESIGNS[name], name=name)
    parse_pipeline(f"convert-lic-to-hls,lic-set-parallelism{{util-cap={util_cap}}},hls-size-fifos").apply(make_context(), module)
    hw = module.attributes[MODULE_ATTR].data  # type: ignore[attr-defined]
    fps = hw["fps"].data[name].value.data
    target = round(hw["clock_mhz"].value.data * 1e6 / fps)  # the cost model's cycles per frame
    flow = next(op for op in module.walk() if isinstance(op, hls.DataflowOp))
    return flow, target


@pytest.mark.parametrize("name", sorted(DESIGNS))
@pytest.mark.parametrize("util_cap", [0.08, 0.8])
def test_sized_depths_keep_the_models_pace(name, util_cap):
    """Cycle by cycle, with the sized FIFOs, the frame period is at most the cost
    model's (the slowest loop's iterations and the shortest pause, which these small
    designs' FIFOs fit with), pauses between frames and residual skips included, and
    at least the slowest loop's."""
    flow, target = designed(name, util_cap)
    sized = hs.simulate(flow, frames=4)
    assert not sized.deadlock
    assert flow.period.value.data == target == hs.paced(flow, hs.PAUSES[0])
    assert hs.design_cycles(flow) <= sized.cycles_per_frame <= target
    # No stream ever holds more than its depth.
    depths = [hls.stream_of(s).depth.data for s in hs.internal_streams(flow)]
    assert all(peak <= depth for peak, depth in zip(sized.max_occupancy, depths))


@pytest.mark.parametrize("name", sorted(DESIGNS))
@pytest.mark.parametrize("pause", [0, 0.05])
def test_the_steady_timing_is_a_schedule(name, pause):
    """Every beat is read after it is written, every loop runs its iterations in order,
    one frame's last before the next frame's first; without a pause the slowest loop
    never waits."""
    flow, _ = designed(name, 0.08)
    period = hs.design_cycles(flow) + round(pause * hs.design_cycles(flow))
    timing = hs.steady_timing(flow, period)
    for value in hs.internal_streams(flow):
        consumer = next(iter(value.uses)).operation
        assert (timing[consumer].reads > timing[value.owner].writes).all()
    for op, t in timing.items():
        at = hs.schedule(op).positions()
        cycles = np.full(hs.schedule(op).iters, -1)
        cycles[at.reads], cycles[at.writes] = t.reads, t.writes
        known = cycles[cycles >= 0]
        steps, index = np.diff(known), np.flatnonzero(cycles >= 0)
        assert (steps >= np.diff(index)).all()
        assert known[-1] - known[0] <= period - 1 - (index[0] + hs.schedule(op).iters - 1 - index[-1])
    if not pause:
        pacer = next(op for op in flow.stages() if hs.schedule(op).iters == period)
        at = hs.schedule(pacer).positions()
        assert np.array_equal(np.diff(timing[pacer].reads), np.diff(at.reads))
        assert np.array_equal(timing[pacer].writes - timing[pacer].reads[0], at.writes - at.reads[0])


def test_the_shortest_pause_that_fits_is_taken_and_counted(monkeypatch):
    """Where bridging a pause between frames takes more block RAM than the budget holds,
    the planner takes the shortest pause (`PAUSES`) with which the design fits; the frame
    period it records is the FPS model's, and the hardware, run cycle by cycle, keeps it
    or is faster."""
    pauses = (0.0, 0.02, 0.05, 0.2)
    monkeypatch.setattr(design_module, "PAUSES", pauses)
    flow, _ = designed("decoder", 0.08)
    module = flow.get_toplevel_object()
    used = {}
    for pause in pauses:
        hs.size_fifos(flow, hs.paced(flow, pause))
        used[pause] = from_ir(module).used()
    assert used[0.0]["bram18"] > used[0.05]["bram18"]  # the decoder's first block row, waited out
    budget = from_ir(module).budget() | {"bram18": used[0.05]["bram18"]}
    shortest = next(p for p in pauses if all(used[p][r] <= budget[r] for r in budget))
    assert shortest > 0
    monkeypatch.setattr(Design, "budget", lambda self: budget)
    design = design_module._shortest_pause(module, from_ir(module))
    slowest = hs.design_cycles(flow)
    assert flow.period.value.data == hs.paced(flow, shortest) > slowest
    assert design.fps("decoder") == pytest.approx(design.clock_mhz * 1e6 / flow.period.value.data)
    run = hs.simulate(flow, frames=4)
    assert not run.deadlock and slowest <= run.cycles_per_frame <= flow.period.value.data
    # A target FPS bounds the pause.
    hs.size_fifos(flow, hs.paced(flow, 0.2, most=slowest + 10))
    assert flow.period.value.data == slowest + 10


def test_a_shallow_skip_deadlocks():
    """The residual's skip stream (the fork's copy) holds the other path's latency: at
    the depth its pace alone would need, the fork waits on it while the join waits
    on the other path, and the design deadlocks."""
    flow, _ = designed("residual", 0.08)
    streams = hs.internal_streams(flow)
    depths = [hls.stream_of(s).depth.data for s in streams]
    skip = next(i for i, s in enumerate(streams) if isinstance(s.owner, hls.ForkOp) and s == s.owner.copy)
    assert depths[skip] == max(depths)
    assert hs.simulate(flow, frames=2, depths=[*depths[:skip], 2, *depths[skip + 1:]]).deadlock


def test_one_beat_less_costs_cycles():
    """The lit test's design (test/lit/passes/size-fifos.mlir): at the sized depths it
    keeps the pace; a beat less in %w0's or %c0's stream does not."""
    text = (Path(__file__).parents[1] / "lit/passes/size-fifos.mlir").read_text()
    module = Parser(make_context(), text).parse_module()
    parse_pipeline("hls-size-fifos").apply(make_context(), module)
    flow = next(op for op in module.walk() if isinstance(op, hls.DataflowOp))
    depths = [hls.stream_of(s).depth.data for s in hs.internal_streams(flow)]
    assert depths == [5, 3, 2, 2, 2]
    period = hs.design_cycles(flow)
    assert hs.simulate(flow, frames=4).cycles_per_frame == period
    assert hs.simulate(flow, frames=4, depths=[4, 3, 2, 2, 2]).cycles_per_frame > period
    assert hs.simulate(flow, frames=4, depths=[5, 2, 2, 2, 2]).cycles_per_frame == period + 6


def test_depth_two_loses_throughput():
    """The sizing matters: minimal FIFOs stall the polyphase decoder."""
    flow, _ = designed("decoder", 0.08)
    streams = len(hs.internal_streams(flow))
    sized = hs.simulate(flow, frames=3)
    two = hs.simulate(flow, frames=3, depths=[2] * streams)
    assert two.cycles_per_frame > 1.02 * sized.cycles_per_frame


def test_schedules_account_for_every_beat():
    """Each kernel reads and writes exactly its streams' beats per frame."""
    for name in DESIGNS:
        flow, _ = designed(name, 0.8)
        for op in flow.stages():
            s = hs.schedule(op)
            reads, writes = s.flags()
            assert reads.size == writes.size == s.iters
            assert int(reads.sum()) == s.total_reads == op.in_type.beats
            assert int(writes.sum()) == s.total_writes == op.out_type.beats
            if isinstance(op, hls.AddOp):
                assert op.addend_type.beats == op.in_type.beats


def test_per_cycle_arrays_are_bounded(monkeypatch):
    """Only the schedules last used, `PER_CYCLE_KEPT` cycles of them, keep their
    per-cycle arrays; the others recompute the same ones when asked again."""
    monkeypatch.setattr(hs, "PER_CYCLE_KEPT", 80_000)
    size = hs.PER_CYCLE_KEPT // 8
    schedules = [hs.stream_schedule(size + i) for i in range(10)]
    first = [a.copy() for a in schedules[0].flags()]
    for s in schedules[1:]:
        s.positions()
    assert schedules[0]._flags is None and schedules[0]._positions is None
    assert sum(s.iters for s in schedules if s._flags is not None) <= hs.PER_CYCLE_KEPT
    assert all(np.array_equal(a, b) for a, b in zip(first, schedules[0].flags()))


def test_most_held_counts_the_earlier_frames_beats():
    """Beats written at cycles 0–3 and read at 12–15 of a 10-cycle frame: at the fourth
    write the FIFO holds this frame's first three and the three of the frame before
    still unread (read at 3, 4, 5: 10 cycles before 13, 14, 15)."""
    written, read = np.array([0, 1, 2, 3]), np.array([12, 13, 14, 15])
    assert hs._most_held(written, read, 10) == 6
    assert hs._most_held(written, read - 7, 10) == 3  # read at 5–8: within the frame


def test_a_sampled_count_is_short_by_less_than_its_step():
    """The placement compares moves by the beats held at every step-th write: never
    more than the exact count, and fewer by at most step − 1."""
    rng = np.random.default_rng(0)
    for _ in range(50):
        n = int(rng.integers(5, 400))
        written = np.cumsum(rng.integers(1, 4, n))
        read = np.sort(written + rng.integers(1, 60, n))
        period = int(read[-1] - written[0]) // int(rng.integers(1, 3)) + 1
        exact = hs._most_held(written, read, period)
        for step in (2, 16, 64):
            assert exact - step < hs._most_held(written, read, period, step) <= exact


def test_dataflows_sized_side_by_side_get_their_own_depths():
    """`size_all` places the dataflows in threads: each gets the depths it gets alone."""
    flows = []
    for name in ("encoder", "decoder"):
        module = build(DESIGNS[name], name=name)
        parse_pipeline("convert-lic-to-hls,lic-set-parallelism{util-cap=0.8}").apply(make_context(), module)
        flows.append(next(op for op in module.walk() if isinstance(op, hls.DataflowOp)))
    hs.size_all([(flow, hs.paced(flow, 0.01)) for flow in flows])
    together = [[hls.stream_of(v).depth.data for v in hs.internal_streams(flow)] for flow in flows]
    alone = [list(hs.fifo_depths(flow, hs.paced(flow, 0.01)).values()) for flow in flows]
    assert together == alone and all(flow.period.value.data == hs.paced(flow, 0.01) for flow in flows)


def test_a_loop_keeps_its_frames_in_order():
    """A 4-iteration loop in a 5-cycle frame: as late as its writes' deadlines allow, but
    a frame's last iteration before the next frame's first; as early as its beats allow,
    but after the previous frame's last."""
    s = hs.Schedule(hs._rows([4], [4], [4]), hs.SPREAD, hs.SPREAD)
    assert hs._as_late(s, np.array([20, 21, 22, 23]), 5).writes.tolist() == [20, 21, 22, 23]
    assert hs._as_late(s, np.array([0, 6, 7, 8]), 5).writes.tolist() == [0, 2, 3, 4]  # next frame's first at 5
    assert hs._as_early(s, np.array([0, 1, 2, 3]), 5).reads.tolist() == [0, 1, 2, 3]
    assert hs._as_early(s, np.array([0, 1, 2, 8]), 5).reads.tolist() == [4, 5, 6, 8]  # last frame's last at 3
