"""hls-size-fifos and the cycle-level simulation of the kernels' schedules.

A chain of stages cannot deadlock whatever the depths; a residual (a fork
and a join) can, unless the skip's FIFO holds the other path's latency in
beats, which `hls-size-fifos` adds to it. The sized depths must reach the
frame period of unbounded FIFOs (up to the pipeline fill between frames,
bounded here on small frames), depth 2 must not, and the frame period must
be the slowest kernel's loop, close to what the cost model of
`lic-set-parallelism` predicts.
"""

from __future__ import annotations

import numpy as np
import pytest

from lic_compiler import hls_schedule as hs
from lic_compiler.dialects import hls
from lic_compiler.hw.design import MODULE_ATTR
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
def test_sized_depths_keep_the_pace(name, util_cap):
    flow, target = designed(name, util_cap)
    streams = len(hs.internal_streams(flow))
    sized = hs.simulate(flow, frames=3)
    unbounded = hs.simulate(flow, frames=3, depths=[10**9] * streams)
    assert not sized.deadlock
    assert unbounded.cycles_per_frame == hs.design_cycles(flow)
    # Within 5% of unbounded FIFOs on these small frames (the fill between frames).
    assert sized.cycles_per_frame <= 1.05 * unbounded.cycles_per_frame
    # No stream ever holds more than its depth.
    depths = [hls.stream_of(s).depth.data for s in hs.internal_streams(flow)]
    assert all(peak <= depth for peak, depth in zip(sized.max_occupancy, depths))


@pytest.mark.parametrize("util_cap", [0.08, 0.8])
def test_the_skip_fifo_holds_the_other_paths_latency(util_cap):
    """The residual deadlocks with the skip's FIFO sized for its pace alone, runs at the
    design's pace with the latency added; the skip's is the deep one, and it is the
    schedule's: the other path reads that many beats before the join's first."""
    flow, _ = designed("residual", util_cap)
    join = next(op for op in flow.stages() if isinstance(op, hls.AddOp))
    extra = hs.skip_beats(join, hs.paced_depths(flow))
    streams = hs.internal_streams(flow)
    depths = [hls.stream_of(s).depth.data for s in streams]
    assert max(extra.values()) > 4 * min(extra.values())
    assert all(hls.stream_of(s).depth.data > b for s, b in extra.items())
    paced = [d - extra.get(s, 0) for s, d in zip(streams, depths)]
    assert hs.simulate(flow, frames=2, depths=paced).deadlock
    assert hs.simulate(flow, frames=2).cycles_per_frame <= 1.05 * hs.design_cycles(flow)


def test_depth_two_loses_throughput():
    """The sizing matters: minimal FIFOs stall the polyphase decoder."""
    flow, _ = designed("decoder", 0.08)
    streams = len(hs.internal_streams(flow))
    sized = hs.simulate(flow, frames=3)
    two = hs.simulate(flow, frames=3, depths=[2] * streams)
    assert two.cycles_per_frame > 1.02 * sized.cycles_per_frame


@pytest.mark.parametrize("name", ["decoder", "hyper_encoder"])
def test_frame_period_matches_the_cost_model(name):
    """The frame period is at least the cost model's target and at most 25% above it
    on these tiny frames: window generators' first rows and width converters' groups
    add cycles per row that the cost model leaves out. (The encoder at this budget is
    left out: its window generator ingests one pixel per beat, where the cost model
    allows several.)"""
    flow, target = designed(name, 0.8)
    cycles = hs.simulate(flow, frames=3).cycles_per_frame
    assert target <= cycles <= 1.25 * target


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


def test_longest_gap_and_most_events():
    flags = np.array([0, 1, 0, 0, 0, 1, 1, 0], bool)
    counts = hs.EventCounts(flags)
    assert counts.longest_gap(False) == 3
    assert counts.longest_gap(True) == 3  # 0 after the last + 1 before the first
    assert hs.EventCounts(np.array([0, 1, 0, 0, 0, 0, 1, 0], bool)).longest_gap(True) == 4
    assert hs.EventCounts(np.zeros(5, bool)).longest_gap(False) == 5
    assert counts.most(2) == 2 and counts.most(4) == 2
    assert counts.most(0) == 0 and counts.most(100) == 3
    assert hs.EventCounts(np.array([1, 0, 0, 1], bool)).most(2) == 2  # across the frame boundary


def test_per_cycle_arrays_are_bounded(monkeypatch):
    """Only the schedules last used, `PER_CYCLE_KEPT` cycles of them, keep their
    per-cycle arrays; the others recompute the same ones when asked again."""
    monkeypatch.setattr(hs, "PER_CYCLE_KEPT", 80_000)
    size = hs.PER_CYCLE_KEPT // 8
    schedules = [hs.stream_schedule(size + i) for i in range(10)]
    first = [a.copy() for a in schedules[0].flags()]
    for s in schedules[1:]:
        s.counts(0), s.counts(1)
    assert schedules[0]._flags is None and schedules[0]._counts == {}
    assert sum(s.iters for s in schedules if s._flags is not None) <= hs.PER_CYCLE_KEPT
    assert all(np.array_equal(a, b) for a, b in zip(first, schedules[0].flags()))


def test_a_frame_boundary_pause_is_bridged_only_where_the_slack_after_it_is_short():
    """A producer silent for its frame's first 40 of 400 iterations (a first block row)
    feeding a consumer that reads a beat per iteration: bridging the pause takes about
    40 beats; the stages after the consumer absorb it if they have 40 iterations
    to spare per frame."""
    period = 1000
    producer = hs.Schedule(hs._rows([40, 360], [0, 0], [0, 360]), hs.SPREAD, hs.SPREAD)
    consumer = hs.Schedule(hs._rows([360], [360], [360]), hs.SPREAD, hs.SPREAD)
    assert 40 > hs.MAX_FILL_LOSS * period
    bridged = hs.fifo_depth(producer, consumer, period, 8)
    assert bridged >= 40
    assert hs.fifo_depth(producer, consumer, period, 8, slack=(0, 40)) < 10
    # Less slack after it than the pause, by more than MAX_FILL_LOSS of the period: bridged.
    assert hs.fifo_depth(producer, consumer, period, 8, slack=(0, 30)) == bridged
