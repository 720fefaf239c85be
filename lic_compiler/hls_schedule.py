"""The cycle schedule of each hls-cpp kernel: when its pipelined loop reads and writes.

Every kernel of the C++ library (``backends/hls_cpp/include/licc/``) is one
loop of ``iters`` iterations at II = 1, each reading at most one input beat
and writing at most one output beat. The loop is cut into *periods* (a pixel
of an MVAU, an output row of a window generator, …); within a period a
kernel's reads and writes follow a fixed pattern:

- ``spread``: n events evenly over a period of p iterations, at the
  iterations j where ⌊(j+1)·n/p⌋ > ⌊j·n/p⌋ (an accumulator in the C++);
- ``front``: the first n iterations (an MVAU reading its input vector
  during fold 0).

This module is the one description of those schedules: the emitter writes
its constants (ring sizes, trip counts, per-phase tables) into the stage
headers, `hls-size-fifos` sizes FIFOs from the periods, and
`simulate` runs them cycle by cycle to check the sizes and the frame rate.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from math import ceil

import numpy as np
from xdsl.ir import SSAValue

from lic_compiler.dialects import hls
from lic_compiler.dialects.hls_geometry import (
    Beat,
    DeconvGeometry,
    MvauGeometry,
    WindowGeometry,
    lanes_group,
    lanes_row,
    row_groups,
)


SPREAD, FRONT = "spread", "front"


@dataclass
class Schedule:
    """Periods of a kernel's loop: (iterations, reads, writes) rows, one frame."""

    periods: np.ndarray  # int64 [n, 3]
    reads: str  # SPREAD or FRONT
    writes: str
    # Kernel constants the emitter writes into the stage's configuration.
    constants: dict[str, int] = field(default_factory=dict)
    _flags: tuple[np.ndarray, np.ndarray] | None = field(default=None, init=False, repr=False, compare=False)
    _counts: dict[int, EventCounts] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def iters(self) -> int:
        return int(self.periods[:, 0].sum())

    @property
    def total_reads(self) -> int:
        return int(self.periods[:, 1].sum())

    @property
    def total_writes(self) -> int:
        return int(self.periods[:, 2].sum())

    def flags(self) -> tuple[np.ndarray, np.ndarray]:
        """Per iteration of one frame: whether it reads, whether it writes (kept while the
        schedule is among those last used, up to `PER_CYCLE_KEPT` cycles: FIFO sizing asks
        each for both ends, and thousands of schedules stay cached)."""
        _keep(self)
        if self._flags is None:
            self._flags = self.events()
            for a in self._flags:
                a.flags.writeable = False  # shared by every caller
        return self._flags

    def counts(self, side: int) -> EventCounts:
        """`EventCounts` of the reads (side 0) or the writes (1), kept as `flags`."""
        _keep(self)
        if side not in self._counts:
            self._counts[side] = EventCounts(self.flags()[side])
        return self._counts[side]

    def events(self) -> tuple[np.ndarray, np.ndarray]:
        return (
            _events(self.periods[:, 0], self.periods[:, 1], self.reads),
            _events(self.periods[:, 0], self.periods[:, 2], self.writes),
        )


# Schedules whose per-cycle arrays (flags, event positions: tens of bytes per cycle of a
# frame) are kept, the most recently used first, up to this many cycles in all; the
# others drop theirs. Unbounded, a search through slow designs at 720p (tens of millions
# of cycles each) held tens of GB.
PER_CYCLE_KEPT = 100_000_000
_kept: OrderedDict[int, tuple[Schedule, int]] = OrderedDict()  # id → (schedule, its cycles)
_kept_cycles = 0


def _keep(s: Schedule) -> None:
    """Mark `s` most recently used; the least recently used beyond `PER_CYCLE_KEPT`
    cycles drop their per-cycle arrays (recomputed, identically, when asked again)."""
    global _kept_cycles
    if id(s) not in _kept:  # a kept schedule is alive, so its id is its own
        _kept[id(s)] = (s, s.iters)
        _kept_cycles += s.iters
    _kept.move_to_end(id(s))
    while _kept_cycles > PER_CYCLE_KEPT and len(_kept) > 1:
        _, (old, cycles) = _kept.popitem(last=False)
        old._flags, old._counts = None, {}
        _kept_cycles -= cycles


def _events(lengths: np.ndarray, counts: np.ndarray, pattern: str) -> np.ndarray:
    """The iterations with an event, period by period (runs of equal periods tiled)."""
    change = np.flatnonzero((np.diff(lengths) != 0) | (np.diff(counts) != 0)) + 1
    starts = np.r_[0, change]
    runs = np.diff(np.r_[starts, lengths.size])
    pieces = []
    for start, run in zip(starts.tolist(), runs.tolist()):
        p, n = int(lengths[start]), int(counts[start])
        j = np.arange(p)
        hit = j < n if pattern == FRONT else ((j + 1) * n) // p > (j * n) // p
        pieces.append(np.tile(hit, run))
    return np.concatenate(pieces)


def _rows(lengths: list[int], reads: list[int], writes: list[int]) -> np.ndarray:
    return np.stack([np.asarray(lengths), np.asarray(reads), np.asarray(writes)], axis=1).astype(np.int64)


# --- kernels ------------------------------------------------------------------------
#
# Each schedule is a function of the stage's geometry (`hls_geometry`), its
# folding and the beats of its streams, so the cost model can ask for the
# cycles of a folding no op has yet; `schedule(op)` reads them off an op.


def _need_reads(need: np.ndarray, row_beats: int) -> np.ndarray:
    """Beats read before the first period and in each later one, from the rows each needs."""
    return np.diff(need, prepend=0) * row_beats


@lru_cache(maxsize=256)
def _window_need(g: WindowGeometry) -> np.ndarray:
    return np.asarray([g.rows_needed(o) for o in range(g.ho + 1)], dtype=np.int64)


@lru_cache(maxsize=256)
def _in_turn_need(g: DeconvGeometry) -> np.ndarray:
    """Input rows that must have arrived before output row y (all of them after the last)."""
    y = np.arange(g.ho + 1)
    return np.where(y >= g.ho, g.h, np.minimum(g.h, (y + g.ph) // g.sh + 1)).astype(np.int64)


@lru_cache(maxsize=256)
def _at_once_need(g: DeconvGeometry) -> np.ndarray:
    """Input rows that must have arrived before block row q (all of them after the last)."""
    q = np.arange(g.qh + 2)
    last = np.minimum(q * g.sh + g.sh - 1, g.ho - 1)
    return np.where(q >= g.qh, g.h, np.minimum(g.h, (last + g.ph) // g.sh + 1)).astype(np.int64)


@lru_cache(maxsize=256)
def _in_turn_ring(g: DeconvGeometry) -> int:
    need = _in_turn_need(g)
    return max(int(need[y + 1]) - _lowest_row(g, y) for y in range(g.ho))


@lru_cache(maxsize=4096)
def window_schedule(g: WindowGeometry, in_beat: Beat, simd: int, mmv: int) -> Schedule:
    """`licc::window`: a prologue reading the first rows, then one period per output row,
    emitting ⌈WO/MMV⌉ pixel groups of K/SIMD beats each."""
    row_beats = _row_beats(g.c, g.w, in_beat)
    emits = row_groups(g.wo, mmv) * (g.k // simd)
    reads = _need_reads(_window_need(g), row_beats)
    writes = np.full(g.ho + 1, emits, dtype=np.int64)
    writes[0] = 0
    lengths = np.maximum(reads, writes)
    return Schedule(_rows(lengths, reads, writes), SPREAD, SPREAD, {"RING": g.ring, "ITERS": int(lengths.sum())})


def _row_beats(c: int, w: int, beat: Beat) -> int:
    return row_groups(w, beat.pixels) * (c // beat.lanes)


def mvau_cycles(h: int, w: int, nf: int, sf: int, mmv: int, lag: int = 0) -> int:
    return h * row_groups(w, mmv) * nf * sf + lag


def mvau_schedule(h: int, w: int, nf: int, sf: int, mmv: int, units: int, lag: int) -> Schedule:
    """`licc::mvau`, `licc::gdn`: per group of MMV pixels (⌈W/MMV⌉ per row), NF folds of
    SF steps; fold 0 reads, each fold writes — `lag` iterations after its end when the
    fold's lanes share `units` epilogue units (`MvauGeometry.epilogue`), the last fold's
    in `lag` iterations after the groups."""
    groups = h * row_groups(w, mmv)
    rows = np.tile(np.array([[nf * sf, sf, nf]], dtype=np.int64), (groups, 1))
    constants = {"NF": nf, "SF": sf, "GROUPS": groups, "EPI": units, "LAG": lag}
    if lag == 0:
        return Schedule(rows, FRONT, SPREAD, constants)
    return _LaggedSchedule(np.r_[rows, [[lag, 0, 0]]], FRONT, SPREAD, constants)


class _LaggedSchedule(Schedule):
    """Writes `LAG` iterations after the periods put them (the last period, `LAG` long,
    has no events of its own)."""

    def events(self) -> tuple[np.ndarray, np.ndarray]:
        reads, writes = super().events()
        lag = self.constants["LAG"]
        return reads, np.r_[np.zeros(lag, dtype=bool), writes[:-lag]]


def stream_schedule(beats: int) -> Schedule:
    """`licc::pointwise`: one beat in, one beat out, every cycle."""
    return Schedule(np.array([[beats, beats, beats]], dtype=np.int64), SPREAD, SPREAD, {})


@lru_cache(maxsize=4096)
def lanes_schedule(c: int, h: int, w: int, a: Beat, b: Beat) -> Schedule:
    """`licc::lanes`: group g arrives while group g − 1 leaves (`lanes_row` says what the
    groups of a row are)."""
    row = lanes_row(c, w, a, b)
    gp, gc = lanes_group(c, a, b)
    tail = row.tail_reads > 0
    reads = np.tile(np.r_[np.full(row.full, row.reads), [row.tail_reads] * tail], h)
    writes = np.tile(np.r_[np.full(row.full, row.writes), [row.tail_writes] * tail], h)
    reads, writes = np.r_[reads, 0], np.r_[0, writes]
    lengths = np.maximum(reads, writes)
    constants = {
        "GP": gp, "GC": gc, "FULL": row.full, "READS": row.reads,
        "WRITES": row.writes, "TAIL_READS": row.tail_reads, "TAIL_WRITES": row.tail_writes,
        "GROUPS": int(reads.size - 1), "ITERS": int(lengths.sum()),
    }
    return Schedule(_rows(lengths, reads, writes), SPREAD, SPREAD, constants)


@lru_cache(maxsize=256)
def shuffle_schedule(group: int, groups: int, in_lanes: int, out_lanes: int) -> Schedule:
    """`licc::shuffle`: a group (`hls.ShuffleOp.group` elements) arrives while the one
    before leaves in the output's order, reads and writes each spread over the period."""
    r, w = group // in_lanes, group // out_lanes
    reads = np.r_[np.full(groups, r), 0]
    writes = np.r_[0, np.full(groups, w)]
    lengths = np.maximum(reads, writes)
    constants = {"GROUP": group, "GROUPS": groups, "READS": r, "WRITES": w, "ITERS": int(lengths.sum())}
    return Schedule(_rows(lengths, reads, writes), SPREAD, SPREAD, constants)


@lru_cache(maxsize=256)
def frame_schedule(c: int, h: int, w: int, ho: int, wo: int, lanes: int) -> Schedule:
    """`licc::pad` (output larger) or `licc::crop` (smaller): one loop over the larger frame's
    beats, row by row. A pad writes every iteration and reads the first W·F of a row
    (F channel folds) while input rows last; a crop reads every iteration and writes the
    first Wo·F of its first Ho rows."""
    folds = c // lanes
    pad = ho >= h and wo >= w
    rows, cols, kept_rows, kept_cols = (ho, wo, h, w) if pad else (h, w, ho, wo)
    period = cols * folds
    kept = np.where(np.arange(rows) < kept_rows, kept_cols * folds, 0)
    every = np.full(rows, period)
    lengths = np.full(rows, period)
    reads, writes = (kept, every) if pad else (every, kept)
    constants = {"FOLDS": folds, "ROWS": rows, "COLS": cols, "KEPT_ROWS": kept_rows, "KEPT_COLS": kept_cols,
                 "ITERS": rows * period}
    return Schedule(_rows(lengths, reads, writes), FRONT if pad else SPREAD, SPREAD if pad else FRONT, constants)


def deconv_schedule(
    g: DeconvGeometry, in_beat: Beat, pe: int, simd: int, mmv: int, out_pixels: int | None = None
) -> Schedule:
    """`licc::deconv_in_turn` or `licc::deconv_at_once`, as the SIMD folding selects; the
    latter writes `out_pixels` pixels per beat (default: `DeconvGeometry.out_pixels`)."""
    if g.at_once_channels(simd) is None:
        return _deconv_in_turn(g, in_beat, pe, simd)
    return _deconv_at_once(g, in_beat, pe, simd, mmv, out_pixels or g.out_pixels(pe, simd, mmv))


def _lowest_row(g: DeconvGeometry, y: int) -> int:
    """The first input row output row y reads."""
    return max(0, (y + g.ph - max(g.taps_y[y % g.sh])) // g.sh)


@lru_cache(maxsize=4096)
def _deconv_in_turn(g: DeconvGeometry, in_beat: Beat, pe: int, simd: int) -> Schedule:
    row_beats = _row_beats(g.cin, g.w, in_beat)
    nf = g.cout // pe
    steps = g.steps(simd)
    base = [nf * sum(steps[:i]) for i in range(len(steps))]
    per_phase = [(g.wo - rx + g.sw - 1) // g.sw for rx in range(g.sw)]  # output columns of phase rx
    row_work = [nf * sum(steps[ry * g.sw + rx] * n for rx, n in enumerate(per_phase)) for ry in range(g.sh)]

    reads = _need_reads(_in_turn_need(g), row_beats)
    work = np.asarray([0] + [row_work[y % g.sh] for y in range(g.ho)], dtype=np.int64)
    writes = np.full(g.ho + 1, nf * g.wo, dtype=np.int64)
    writes[0] = 0
    lengths = np.maximum(reads, work)
    constants = {
        "RING": _in_turn_ring(g),
        "ITERS": int(lengths.sum()),
        "WORDS": nf * sum(steps),
        "STEPS": steps,
        "BASE": base,
        "ROW_WORK": row_work,
        "TY": [len(t) for t in g.taps_y],
        "TX": [len(t) for t in g.taps_x],
        "WO": g.wo,
        "NF": nf,
    }
    return _InTurnSchedule(_rows(lengths, reads, writes), SPREAD, SPREAD, constants)


class _InTurnSchedule(Schedule):
    """Phases in turn: a write ends each pixel's fold, STEPS(phase) working iterations long,
    and the working iterations are spread over the row's period."""

    def events(self) -> tuple[np.ndarray, np.ndarray]:
        lengths, reads = self.periods[:, 0], self.periods[:, 1]
        k = self.constants
        row_work = k["ROW_WORK"]
        rows = len(lengths) - 1
        work = np.asarray([0] + [row_work[y % len(row_work)] for y in range(rows)])
        working = _events(lengths, work, SPREAD)
        # Over each output row's working iterations: which end a pixel's fold.
        ends_of = [self._fold_ends(ry) for ry in range(len(k["TY"]))]
        ends = np.concatenate([ends_of[y % len(ends_of)] for y in range(rows)])
        writes = np.zeros_like(working)
        writes[np.flatnonzero(working)] = ends
        return _events(lengths, reads, SPREAD), writes

    def _fold_ends(self, ry: int) -> np.ndarray:
        """Over one row of phase ry's working iterations: which end a pixel's fold."""
        k = self.constants
        sw, nf = len(k["TX"]), k["NF"]
        steps = [k["STEPS"][ry * sw + x % sw] for x in range(k["WO"])]
        return np.concatenate([np.tile(np.arange(s) == s - 1, nf) for s in steps])


@lru_cache(maxsize=256)
def _at_once_ring(g: DeconvGeometry) -> int:
    """Input rows a block row reads and those arriving while it is computed."""

    def need(q: int) -> int:
        return g.h if q >= g.qh else min(g.h, (min(q * g.sh + g.sh - 1, g.ho - 1) + g.ph) // g.sh + 1)

    return max(
        need(q + 1) - min(_lowest_row(g, y) for y in range(q * g.sh, min(g.ho, q * g.sh + g.sh)))
        for q in range(g.qh)
    )


def least_ring(g: DeconvGeometry) -> int:
    """Input rows a transposed convolution's line buffer holds with the smaller of its
    two schedules' rings."""
    return min(_in_turn_ring(g), _at_once_ring(g))


@lru_cache(maxsize=256)
def _lane_constants(g: DeconvGeometry, e: int) -> dict[str, list[int]]:
    lanes = g.lane_taps(e)
    return {name: [lane[i] for lane in lanes] for i, name in enumerate(("LANE_PH", "LANE_KY", "LANE_KX", "LANE_CE"))}


@lru_cache(maxsize=16384)
def _deconv_at_once(g: DeconvGeometry, in_beat: Beat, pe: int, simd: int, mmv: int, out_pixels: int) -> Schedule:
    e = g.at_once_channels(simd)
    assert e is not None
    reads, work, drain = _at_once_periods(g, in_beat, pe, e, mmv, out_pixels)
    lengths = np.maximum(np.maximum(reads, work), drain)
    constants = {
        "RING": _at_once_ring(g),
        "ITERS": int(lengths.sum()),
        "QH": g.qh,
        "QG": row_groups(g.qw, mmv),
        "MMV": mmv,
        "OUT_PIX": out_pixels,
        "ST": g.cin // e,
        "E": e,
    } | _lane_constants(g, e)
    return Schedule(_rows(lengths, reads, drain), SPREAD, SPREAD, constants)


def _at_once_periods(
    g: DeconvGeometry, in_beat: Beat, pe: int, e: int, mmv: int, out_pixels: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per block-row period (one before the first, one after the last): beats read,
    steps computed, beats drained."""
    work = np.zeros(g.qh + 2, dtype=np.int64)
    work[1 : g.qh + 1] = row_groups(g.qw, mmv) * (g.cout // pe) * (g.cin // e)
    return _at_once_reads(g, in_beat), work, _at_once_drain_rows(g) * (g.wo // out_pixels * (g.cout // pe))


@lru_cache(maxsize=1024)
def _at_once_reads(g: DeconvGeometry, in_beat: Beat) -> np.ndarray:
    return _need_reads(_at_once_need(g), _row_beats(g.cin, g.w, in_beat))


@lru_cache(maxsize=256)
def _at_once_drain_rows(g: DeconvGeometry) -> np.ndarray:
    """Output rows of each block row, drained in the period after the one computing it."""
    rows = np.zeros(g.qh + 2, dtype=np.int64)
    rows[2:] = np.minimum(g.sh, g.ho - np.arange(g.qh) * g.sh)
    return rows


def deconv_iters(g: DeconvGeometry, in_beat: Beat, pe: int, simd: int, mmv: int) -> int:
    """`deconv_schedule(...).iters` without the schedule (the search for a feeding beat
    asks for thousands)."""
    e = g.at_once_channels(simd)
    if e is None:
        return _deconv_in_turn(g, in_beat, pe, simd).iters
    reads, work, drain = _at_once_periods(g, in_beat, pe, e, mmv, g.out_pixels(pe, simd, mmv))
    return int(np.maximum(np.maximum(reads, work), drain).sum())


def schedule(op: hls.StageOp) -> Schedule:
    """The schedule of any stage."""
    match op:
        case hls.WindowOp():
            return window_schedule(op.geometry(), op.in_type.beat, op.out_type.lanes.data, op.out_type.pixels.data)
        case hls.MvauOp() | hls.GdnOp():
            k, h, w = op.in_type.get_shape()
            g = MvauGeometry(k, op.out_type.channels, h, w)
            nf, sf = g.folds(op.pe_value, op.simd_value)
            return mvau_schedule(h, w, nf, sf, op.mmv_value, *g.epilogue(op.pe_value, op.simd_value, op.mmv_value))
        case hls.DeconvOp():
            return deconv_schedule(
                op.geometry(), op.in_type.beat, op.pe_value, op.simd_value, op.mmv_value, op.out_type.pixels.data
            )
        case hls.PointwiseOp() | hls.ForkOp() | hls.AddOp():
            return stream_schedule(op.in_type.beats)
        case hls.LanesOp():
            c, h, w = op.in_type.get_shape()
            return lanes_schedule(c, h, w, op.in_type.beat, op.out_type.beat)
        case hls.ShuffleOp():
            return shuffle_schedule(op.group(), op.groups(), op.in_type.lanes.data, op.out_type.lanes.data)
        case hls.PadOp() | hls.CropOp():
            c, h, w = op.in_type.get_shape()
            _, ho, wo = op.out_type.get_shape()
            return frame_schedule(c, h, w, ho, wo, op.in_type.lanes.data)
    raise ValueError(f"no schedule for {op.name}")


# --- FIFO sizing --------------------------------------------------------------------

MIN_DEPTH = 2  # Vitis HLS's default stream depth


def design_cycles(flow: hls.DataflowOp) -> int:
    """Cycles per frame of the slowest stage's loop: the design's frame period."""
    return max(schedule(op).iters for op in flow.stages())


# The throughput a stream may give up once a frame rather than buffer a frame's first rows.
MAX_FILL_LOSS = 0.005
# A FIFO this large (two BRAM18) may hold more than the design's pace strictly needs.
FIFO_BUDGET_BITS = 2 * 18 * 1024


class EventCounts:
    """Events of a per-iteration flag array (one frame): the pauses between them and
    their count over any window of iterations."""

    def __init__(self, flags: np.ndarray) -> None:
        self.size = flags.size
        pos = np.flatnonzero(flags)
        self.events = pos.size
        # Two frames back to back: a window may straddle the boundary.
        self.pos = np.concatenate([pos, pos + self.size])
        steps = np.diff(self.pos)
        self.inner_gap = int(steps[: max(self.events - 1, 0)].max(initial=1) - 1)
        # The longest run of back-to-back events: no window up to that long can hold more.
        breaks = np.flatnonzero(steps != 1)
        self.run = int(np.diff(breaks, prepend=-1, append=self.pos.size - 1).max()) if self.events else 0

    def longest_gap(self, across_frames: bool) -> int:
        """The most consecutive iterations without an event: between a frame's first and
        last event, or also from a frame's last to the next frame's first."""
        if self.events == 0:
            return self.size
        if not across_frames:
            return self.inner_gap
        return max(self.inner_gap, self.size - 1 - int(self.pos[self.events - 1]) + int(self.pos[0]))

    def most(self, window: int) -> int:
        """The most events in any `window` consecutive iterations (a busiest window
        starts at an event)."""
        if window <= 0 or self.events == 0:
            return 0
        window = min(window, self.size)
        if window <= self.run:
            return window
        starts = self.pos[: self.events]
        return int((np.searchsorted(self.pos, starts + window) - np.arange(self.events)).max())


def fill_loss(producer: Schedule, consumer: Schedule, slack: tuple[int, int] = (0, 0)) -> int:
    """Cycles per frame a FIFO that does not bridge the pause between frames costs: the
    producer's pause in writing beyond the slack downstream, or the consumer's in reading
    beyond the slack upstream (`slack` as in `fifo_depth`)."""
    upstream, downstream = slack
    return max(producer.counts(1).longest_gap(True) - downstream, consumer.counts(0).longest_gap(True) - upstream)


def fifo_depth(
    producer: Schedule, consumer: Schedule, period: int, beat_bits: int, slack: tuple[int, int] = (0, 0)
) -> int:
    """The depth that lets neither end wait for the other beyond the design's pace.

    A FIFO bridges the producer's longest pause in writing (a polyphase stage
    between block rows) while the consumer reads, and the consumer's longest
    pause in reading (an MVAU's folds after the first) while the producer
    writes: the most reads, and the most writes, in any window of that many
    iterations (each side at full speed). A stage with slack runs at the
    design's pace on average, so when that bound needs more than
    `FIFO_BUDGET_BITS`, the other side is counted at that pace instead (the
    iterations it gets through in the pause's cycles). The pause between
    frames (a window generator's first rows, a transposed convolution's first
    block row) is bridged only if it would cost more than `MAX_FILL_LOSS` of
    the frame period: at 720p bridging it would buffer a frame's first rows to
    save a fraction of a percent. `slack` = (upstream, downstream): the least
    spare iterations per frame (period − loop iterations) of the stages before
    the producer and after the consumer; a producer's pause idles the stages
    after it, which lose throughput only by what exceeds their slack, and a
    consumer's pause stalls those before it likewise."""
    write_counts, read_counts = producer.counts(1), consumer.counts(0)
    across = fill_loss(producer, consumer, slack) > MAX_FILL_LOSS * period
    write_pause, read_pause = write_counts.longest_gap(across), read_counts.longest_gap(across)
    fast = read_counts.most(write_pause) + write_counts.most(read_pause)
    if fast * beat_bits > FIFO_BUDGET_BITS:

        def paced(iterations: int, schedule: Schedule) -> int:
            return ceil(iterations * schedule.iters / period)

        slow = read_counts.most(paced(write_pause, consumer)) + write_counts.most(paced(read_pause, producer))
        fast = max(slow, FIFO_BUDGET_BITS // beat_bits)
    return max(MIN_DEPTH, fast)


def size_fifos(flow: hls.DataflowOp) -> None:
    """Give every internal stream the depth `fifo_depths` finds for it."""
    from xdsl.rewriter import Rewriter

    for value, depth in fifo_depths(flow).items():
        stream = hls.stream_of(value)
        if stream.depth.data != depth:
            Rewriter.replace_value_with_new_type(value, stream.with_depth(depth))


def fifo_depths(flow: hls.DataflowOp) -> dict[SSAValue, int]:
    """The depth of each stream between two stages (region inputs are AXI ports, not
    FIFOs): `paced_depths`, and on a fork's streams the beats `skip_beats` adds."""
    paced = paced_depths(flow)
    out = dict(paced)
    for join in (op for op in flow.stages() if isinstance(op, hls.AddOp)):
        for value, beats in skip_beats(join, paced).items():
            out[value] += beats
    return out


def paced_depths(flow: hls.DataflowOp) -> dict[SSAValue, int]:
    """Each stream's `fifo_depth` from its producer's and consumer's schedules."""
    period = design_cycles(flow)
    upstream, downstream = _slack(flow, period)
    out = {}
    for op in flow.stages():
        for value in op.operands:
            producer = value.owner
            if isinstance(producer, hls.StageOp):
                stream = hls.stream_of(value)
                out[value] = fifo_depth(
                    schedule(producer), schedule(op), period, stream.lanes.data * stream.bits,
                    (upstream[producer], downstream[op]),
                )
    return out


def _slack(flow: hls.DataflowOp, period: int) -> tuple[dict[hls.StageOp, int], dict[hls.StageOp, int]]:
    """Per stage, the least spare iterations per frame of it and every stage before it
    (upstream), and of it and every stage after it (downstream)."""
    stages = flow.stages()  # in dataflow order: producers first
    spare = {op: period - schedule(op).iters for op in stages}
    upstream: dict[hls.StageOp, int] = {}
    for op in stages:
        before = [upstream[v.owner] for v in op.operands if isinstance(v.owner, hls.StageOp)]
        upstream[op] = min([spare[op], *before])
    downstream: dict[hls.StageOp, int] = {}
    for op in reversed(stages):
        after = [downstream[use.operation] for r in op.results for use in r.uses if use.operation in spare]
        downstream[op] = min([spare[op], *after])
    return upstream, downstream


# --- residuals -----------------------------------------------------------------------


def _path(value: SSAValue, fork: hls.ForkOp | None) -> tuple[list[hls.StageOp], SSAValue] | None:
    """The stages from `fork` (the nearest fork when None) to `value`, first first, and the
    fork's result the path starts at; through other forks and joins by their inputs."""
    stages: list[hls.StageOp] = []
    while isinstance(op := value.owner, hls.StageOp):
        if isinstance(op, hls.ForkOp) and (fork is None or op is fork):
            return stages[::-1], value
        stages.append(op)
        value = op.input
    return None


def _needs(op: hls.StageOp, wanted: np.ndarray) -> np.ndarray:
    """Per count of output beats wanted, the input beats `op`'s loop reads before writing
    the last of them (its schedule's order of reads and writes)."""
    reads, writes = schedule(op).flags()
    read_before = np.cumsum(reads)[np.flatnonzero(writes)]
    return np.where(wanted > 0, read_before[np.maximum(wanted, 1) - 1], 0)


def path_needs(stages: Sequence[hls.StageOp], wanted: np.ndarray) -> np.ndarray:
    """Per count of beats wanted at the end of a path of stages, the beats it reads."""
    for op in reversed(stages):
        wanted = _needs(op, wanted)
    return wanted


def skip_beats(join: hls.AddOp, depths: dict[SSAValue, int]) -> dict[SSAValue, int]:
    """Beats a residual's fork must hold on each of its streams beyond their FIFOs' own.

    To write the k-th beat the join adds, one path reads M(k) beats from the fork
    while the join has taken the k − 1 before from the other, which reads S(k − 1)
    of them; the fork has also filled the first path's FIFOs (of `depths`). The
    other path's first stream holds the difference: its FIFO
    must, or the fork waits on it while the first path waits on the fork.
    """
    paths = None
    for skip, main in ((join.addend, join.input), (join.input, join.addend)):
        if (short := _path(skip, None)) is not None:
            long = _path(main, short[1].owner)  # type: ignore[arg-type]
            if long is not None:
                paths = (short, long)
                break
    if paths is None:
        raise ValueError(f"{join.name}: its two inputs do not start at one hls.fork")
    k = np.arange(join.in_type.beats + 1)
    (a, start_a), (b, start_b) = paths
    need_a, need_b = path_needs(a, k), path_needs(b, k)
    return {
        start_a: max(int(np.max(need_b[1:] - need_a[:-1])), 0) + _in_flight(start_b, b, depths),
        start_b: max(int(np.max(need_a[1:] - need_b[:-1])), 0) + _in_flight(start_a, a, depths),
    }


def _in_flight(start: SSAValue, stages: Sequence[hls.StageOp], depths: dict[SSAValue, int]) -> int:
    """Fork beats a path's FIFOs hold when full: each stream's depth in beats of the fork's."""
    fork_beats = hls.stream_of(start).beats
    streams = [start, *(op.output for op in stages[:-1])]
    return sum(ceil(depths[s] * fork_beats / hls.stream_of(s).beats) for s in streams)


# --- cycle-level simulation ------------------------------------------------------------


@dataclass(frozen=True)
class Simulation:
    """A cycle-level run of a dataflow over back-to-back frames."""

    frame_ends: list[int]  # the cycle each frame's last output beat left
    max_occupancy: list[int]  # per internal stream, in `internal_streams` order
    deadlock: bool

    @property
    def cycles_per_frame(self) -> int:
        """The steady-state frame period: the last two frames' spacing."""
        return self.frame_ends[-1] - self.frame_ends[-2]


def internal_streams(flow: hls.DataflowOp) -> list[SSAValue]:
    """The streams from one stage to another (FIFOs), by producer, then result."""
    return [r for op in flow.stages() for r in op.results if isinstance(next(iter(r.uses)).operation, hls.StageOp)]


def simulate(flow: hls.DataflowOp, frames: int = 3, depths: list[int] | None = None) -> Simulation:
    """Run every stage's schedule cycle by cycle, FIFOs of the given depths between them
    (default: the stream types'; in `internal_streams` order), an input that is always
    ready and an output that always accepts. An iteration proceeds when its read finds a
    beat on each stream it reads (written in an earlier cycle) and its write finds room
    on each stream it writes (at the start of the cycle)."""
    stages = flow.stages()
    streams = internal_streams(flow)
    if depths is None:
        depths = [hls.stream_of(s).depth.data for s in streams]
    index = {s: i for i, s in enumerate(streams)}
    ins = [[index[v] for v in op.operands if v in index] for op in stages]
    outs = [[index[r] for r in op.results if r in index] for op in stages]
    last = stages.index(flow.block.last_op.operands[0].owner)  # type: ignore[union-attr, arg-type]
    plans = []
    for op in stages:
        reads, writes = schedule(op).flags()
        plans.append((np.tile(reads, frames).tolist(), np.tile(writes, frames).tolist(), len(reads)))
    n, m = len(stages), len(streams)
    pos = [0] * n
    occupancy = [0] * m
    peak = [0] * m
    frame_ends: list[int] = []
    cycle = 0
    total = [len(p[0]) for p in plans]
    while pos[last] < total[last]:
        moved = False
        delta = [0] * m
        for i, (reads, writes, per_frame) in enumerate(plans):
            j = pos[i]
            if j == total[i]:
                continue
            if reads[j] and any(occupancy[k] == 0 for k in ins[i]):
                continue
            if writes[j] and any(occupancy[k] >= depths[k] for k in outs[i]):
                continue
            for k in ins[i] if reads[j] else ():
                delta[k] -= 1
            for k in outs[i] if writes[j] else ():
                delta[k] += 1
            pos[i] = j + 1
            moved = True
            if i == last and pos[i] % per_frame == 0:
                frame_ends.append(cycle)
        if not moved:
            return Simulation(frame_ends, peak, True)
        for k in range(m):
            occupancy[k] += delta[k]
            peak[k] = max(peak[k], occupancy[k])
        cycle += 1
    return Simulation(frame_ends, peak, False)
