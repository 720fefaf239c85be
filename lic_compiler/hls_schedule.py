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
headers, `hls-size-fifos` sizes FIFOs from a stall-free schedule of every
loop at the dataflow's frame period (`steady_timing`; the slowest loop's
iterations plus the pause the planner chose), and `simulate` runs them
cycle by cycle to check the sizes and the frame rate.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from math import ceil
from threading import Lock

import numpy as np
from xdsl.dialects.builtin import IntegerAttr
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
    _positions: Positions | None = field(default=None, init=False, repr=False, compare=False)

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
        flags = self._flags  # a local: another thread's `_keep` may drop the attribute
        if flags is None:
            flags = self._flags = self.events()
            for a in flags:
                a.flags.writeable = False  # shared by every caller
        return flags

    def positions(self) -> Positions:
        """The iterations that read and write, and how they interleave (kept as `flags`)."""
        positions = self._positions
        if positions is None:
            reads, writes = self.flags()
            at_read, at_write = (np.flatnonzero(f).astype(np.int32) for f in (reads, writes))
            positions = self._positions = Positions(
                at_read, at_write, np.cumsum(writes, dtype=np.int32)[at_read] - writes[at_read],
                np.cumsum(reads, dtype=np.int32)[at_write] - 1,
            )
        else:
            _keep(self)
        return positions

    def events(self) -> tuple[np.ndarray, np.ndarray]:
        return (
            _events(self.periods[:, 0], self.periods[:, 1], self.reads),
            _events(self.periods[:, 0], self.periods[:, 2], self.writes),
        )


@dataclass(frozen=True)
class Positions:
    """A schedule's reading and writing iterations in one frame, and per read the index of
    the first write at or after it, per write the index of the last read at or before it
    (−1: none)."""

    reads: np.ndarray
    writes: np.ndarray
    next_write: np.ndarray
    last_read: np.ndarray


# Schedules whose per-cycle arrays (flags, event positions: tens of bytes per cycle of a
# frame) are kept, the most recently used first, up to this many cycles in all; the
# others drop theirs. Unbounded, a search through slow designs at 720p (tens of millions
# of cycles each) held tens of GB.
PER_CYCLE_KEPT = 100_000_000
_kept: OrderedDict[int, tuple[Schedule, int]] = OrderedDict()  # id → (schedule, its cycles)
_kept_cycles = 0
_kept_lock = Lock()  # dataflows are sized in threads (`size_all`)


def _keep(s: Schedule) -> None:
    """Mark `s` most recently used; the least recently used beyond `PER_CYCLE_KEPT`
    cycles drop their per-cycle arrays (recomputed, identically, when asked again)."""
    global _kept_cycles
    with _kept_lock:
        if id(s) not in _kept:  # a kept schedule is alive, so its id is its own
            _kept[id(s)] = (s, s.iters)
            _kept_cycles += s.iters
        _kept.move_to_end(id(s))
        while _kept_cycles > PER_CYCLE_KEPT and len(_kept) > 1:
            _, (old, cycles) = _kept.popitem(last=False)
            old._flags = old._positions = None
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


@lru_cache(maxsize=4096)
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


@lru_cache(maxsize=4096)
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


@dataclass(frozen=True)
class Timing:
    """The cycle of each reading and each writing iteration of a stage's loop in one frame
    of a periodic schedule (frame f runs f periods later)."""

    reads: np.ndarray
    writes: np.ndarray


def steady_timing(flow: hls.DataflowOp, period: int | None = None) -> dict[hls.StageOp, Timing]:
    """A schedule of every loop at `period` cycles a frame (default: the slowest loop's
    iterations) in which no loop waits (`_Steady`)."""
    return _Steady(flow, period or design_cycles(flow)).timing


class _Steady:
    """Every stage runs as early as its inputs allow, from the stages that read the
    dataflow's input, each frame `period` cycles after the previous one; the slowest loop
    then pauses only where its inputs pause, within the `period` − its iterations it has
    to spare. Then, last stage first, a stage alone, or with every stage after it, or with
    every stage before it, moves as late as its consumers' reads allow (its reads before
    its first write still as its inputs arrive), and, first stage first, a stage alone
    or with every stage after it moves as early as its inputs allow, where the FIFOs
    around the moved stages then hold fewer bits: a burst waits where the stream is
    narrow (a transposed convolution's block rows as its input pixels, a window
    generator's windows as its input rows). No move breaks a neighbour's order of reads
    and writes, so the schedule stays stall-free. The last stage keeps its place.

    Each loop is periodic with the frame period, its frames one after another (a frame's
    beats are read in the frame they are written), so one frame of iterations describes
    it."""

    def __init__(self, flow: hls.DataflowOp, period: int) -> None:
        stages = flow.stages()
        self.schedules = {op: schedule(op) for op in stages}
        self.period = period
        self._depths: dict[tuple[int, int, int], tuple[np.ndarray, np.ndarray, int]] = {}  # (written, read, step)
        self._moved: dict[tuple, tuple[tuple[Timing, ...], Timing]] = {}
        self.timing: dict[hls.StageOp, Timing] = {}
        for op in stages:  # producers first
            self.timing[op] = self._early(op, self.timing)
        movable = [op for op in stages if _consumers(op)]
        for op in reversed(movable):
            after, before = _reaching(op, _consumers), _reaching(op, _producers)
            downstream = [s for s in reversed(movable) if s in after]
            upstream = [s for s in reversed(stages) if s in before]  # consumers first
            groups = [g for g in ([*downstream, op], [op, *upstream]) if len(g) > 1]
            self._best([[op], *groups], self._late)
        for op in (s for s in stages if _producers(s)):
            later = _reaching(op, _consumers)
            self._best([[op], [op, *(s for s in stages if s in later)]], self._early)

    def _best(self, moves: list[list[hls.StageOp]], move: Callable[[hls.StageOp, dict[hls.StageOp, Timing]], Timing]) -> None:
        """Make the first of `moves` after which the FIFOs hold fewer bits."""
        for ops in moves:
            gain, trial = self._trial(ops, move)
            if gain < 0:
                self.timing = trial
                return

    def depth(self, value: SSAValue) -> int:
        """The depth `value`'s FIFO needs for this schedule."""
        consumer = next(iter(value.uses)).operation
        return self._depth(self.timing[value.owner].writes, self.timing[consumer].reads)  # type: ignore[index]

    def _late(self, op: hls.StageOp, timing: dict[hls.StageOp, Timing]) -> Timing:
        """`op` as late as its consumers' reads allow (once per timing of them: a move
        of several stages tries again what single moves tried)."""
        after = tuple(timing[c] for c in _consumers(op))
        key = (op, "late", *map(id, after))
        if key not in self._moved:  # the timings are kept with it, so their ids stay theirs
            due = _bound([t.reads for t in after], np.minimum, -1)
            late = _as_late(self.schedules[op], due, self.period)
            self._moved[key] = (after, _prologue_early(late, self._early(op, timing), self.period))
        return self._moved[key][1]

    def _early(self, op: hls.StageOp, timing: dict[hls.StageOp, Timing]) -> Timing:
        """`op` as early as its producers' writes allow (once per timing of them)."""
        before = tuple(timing[p] for p in _producers(op))
        key = (op, "early", *map(id, before))
        if key not in self._moved:
            ready = _bound([t.writes for t in before], np.maximum, 1) if before else None
            self._moved[key] = (before, _as_early(self.schedules[op], ready, self.period))
        return self._moved[key][1]

    def _trial(
        self, ops: list[hls.StageOp], move: Callable[[hls.StageOp, dict[hls.StageOp, Timing]], Timing]
    ) -> tuple[int, dict[hls.StageOp, Timing]]:
        """The timing with `ops` moved, in that order, and the bits it adds to the FIFOs."""
        trial = dict(self.timing)
        for op in ops:
            moved = move(op, trial)
            was = trial[op]
            if moved is not was and not (np.array_equal(moved.writes, was.writes) and np.array_equal(moved.reads, was.reads)):
                trial[op] = moved  # an unmoved stage keeps its arrays: their FIFOs' depths are known
        return self._held_bits(ops, trial) - self._held_bits(ops, self.timing), trial

    def _held_bits(self, ops: list[hls.StageOp], timing: dict[hls.StageOp, Timing]) -> int:
        """The bits of the FIFOs into, between and out of `ops`, between timed stages, as
        deep as they are at every `_sample`-th write (a move is chosen on these, in a
        fraction of the time; the depths are counted exactly)."""
        streams = {v: None for op in ops for v in (*op.operands, *op.results)}
        return sum(
            self._depth(timing[v.owner].writes, timing[c].reads, _sample(bits)) * bits  # type: ignore[index]
            for v in streams
            if (bits := hls.stream_of(v).beat_bits)
            for c in (u.operation for u in v.uses)
            if v.owner in timing and c in timing
        )

    def _depth(self, written: np.ndarray, read: np.ndarray, step: int = 1) -> int:
        """`_most_held` + 1, at least `MIN_DEPTH`; each pair of timings once."""
        key = (id(written), id(read), step)
        if key not in self._depths:  # the arrays are kept with it, so their ids stay theirs
            depth = max(MIN_DEPTH, _most_held(written, read, self.period, step) + 1)
            self._depths[key] = (written, read, depth)
        return self._depths[key][2]


def _bound(times: list[np.ndarray], pick: np.ufunc, offset: int) -> np.ndarray:
    """A new array of `offset` + the `pick` (maximum or minimum) of `times`, per beat."""
    out = times[0] + np.int32(offset)
    for t in times[1:]:
        pick(out, t + np.int32(offset), out=out)
    return out


def _producers(op: hls.StageOp) -> list[hls.StageOp]:
    return [v.owner for v in op.operands if isinstance(v.owner, hls.StageOp)]


def _consumers(op: hls.StageOp) -> list[hls.StageOp]:
    return [use.operation for r in op.results for use in r.uses if isinstance(use.operation, hls.StageOp)]


def _reaching(op: hls.StageOp, step: Callable[[hls.StageOp], list[hls.StageOp]]) -> set[hls.StageOp]:
    """The stages reached from `op` by repeated `step`s (its producers: those whose beats
    reach it; its consumers: those its beats reach)."""
    out: set[hls.StageOp] = set()
    todo = [op]
    while todo:
        for s in step(todo.pop()):
            if s not in out:
                out.add(s)
                todo.append(s)
    return out


def _as_late(s: Schedule, due: np.ndarray, period: int) -> Timing:
    """Each iteration as late as the deadlines of its writes (`due`, per write) and of
    the next frame's allow: iteration j runs at j + min(latest, min over the writes
    i ≥ j of due_i − i)."""
    at = s.positions()
    shift = np.subtract(due, at.writes, out=due)  # `due` is the caller's scratch
    np.minimum.accumulate(shift[::-1], out=shift[::-1])
    latest = int(shift[0]) + period - s.iters  # the next frame's first iteration is due shift[0] + period
    np.minimum(shift, latest, out=shift)
    read_shift = shift.take(np.minimum(at.next_write, shift.size - 1))
    read_shift[np.searchsorted(at.next_write, shift.size) :] = latest  # reads after the last write
    return Timing(np.add(at.reads, read_shift, out=read_shift), np.add(at.writes, shift, out=shift))


def _prologue_early(late: Timing, early: Timing, period: int) -> Timing:
    """`late` with the reads before its first write at their `early` cycles (a window
    generator's first rows read as they arrive, not in a burst before its first window),
    where the previous frame's last iteration allows."""
    first = int(np.searchsorted(late.reads, late.writes[0]))
    if first == 0 or early.reads[0] + period <= max(late.reads[-1], late.writes[-1]):
        return late
    return Timing(np.r_[early.reads[:first], late.reads[first:]], late.writes)


def _as_early(s: Schedule, ready: np.ndarray | None, period: int) -> Timing:
    """Each iteration as early as its reads' beats (`ready`, per read) and the previous
    frame's last iteration allow: iteration j runs at j + max(earliest, max over the reads
    i ≤ j of ready_i − i)."""
    at = s.positions()
    if ready is None:  # reads the dataflow's input, always there
        return Timing(at.reads, at.writes)
    shift = np.maximum.accumulate(np.subtract(ready, at.reads, out=ready), out=ready)  # `ready` is the caller's scratch
    earliest = int(shift[-1]) - (period - s.iters)  # the previous frame's last ran at shift[-1] − period
    np.maximum(shift, earliest, out=shift)
    write_shift = shift.take(at.last_read)
    write_shift[: np.searchsorted(at.last_read, 0)] = earliest  # writes before the first read
    return Timing(np.add(at.reads, shift, out=shift), np.add(at.writes, write_shift, out=write_shift))


# Writes per block of `_most_held`'s search: one search per block bounds what its writes hold.
HELD_BLOCK = 256
# The placement compares moves by the beats a FIFO holds at every n-th write, n such
# that a FIFO is short by at most this many bits (a wide FIFO is counted exactly).
SAMPLE_BITS = 1024


def _sample(beat_bits: int) -> int:
    return max(1, min(HELD_BLOCK, SAMPLE_BITS // beat_bits))


def _most_held(written: np.ndarray, read: np.ndarray, period: int, step: int = 1) -> int:
    """The most beats a FIFO holds at the start of a write's cycle: beats written before
    it, less those read before it, this frame's and the earlier frames' (written and
    read `period` cycles apart per frame). Counted exactly only in the blocks of
    `HELD_BLOCK` writes that may hold more than a block's first write does: within a
    block no write has more writes before it than its last, fewer reads before it
    than its first, or more of an earlier frame's beats unread than its first. With a
    `step` > 1: at every step-th write only (at most step − 1 fewer)."""
    if step > 1:
        return int(_held(written, read, period, np.arange(0, written.size, step)).max())
    first = np.arange(0, written.size, HELD_BLOCK)
    at_first = _held(written, read, period, first)
    last = np.minimum(first + HELD_BLOCK, written.size) - 1
    bound = at_first + (last - first)
    best = int(at_first.max())
    blocks = np.flatnonzero(bound > best)
    if blocks.size:
        rest = (first[blocks, None] + np.arange(1, HELD_BLOCK)).ravel()
        rest = rest[rest < written.size]
        best = max(best, int(_held(written, read, period, rest).max(initial=best)))
    return best


def _held(written: np.ndarray, read: np.ndarray, period: int, at: np.ndarray) -> np.ndarray:
    """The beats held at the start of the writes `at` (indices into `written`)."""
    cycles = written[at]
    held = at - np.searchsorted(read, cycles)
    lag = 1
    # The first k of them find beats of the frame `lag` before still in the FIFO.
    while (k := int(np.searchsorted(cycles, read[-1] - lag * period, "right"))) > 0:
        held[:k] += read.size - np.searchsorted(read, cycles[:k] + lag * period)
        lag += 1
    return held


# Pauses per frame a planned design may take instead of bridging them in FIFOs, in parts
# of the slowest loop's iterations (`lic_compiler.hw.design` takes the shortest that fits).
# None shorter than 0.5 %: every try sizes the FIFOs again, and the bundled student's
# ZCU102 design (both parts) does not fit without that much.
PAUSES = (0.005, 0.01, 0.02, 0.03)


def paced(flow: hls.DataflowOp, pause: float, most: int | None = None) -> int:
    """The frame period of the slowest loop with `pause` added, at most `most` cycles."""
    slowest = design_cycles(flow)
    period = slowest + ceil(pause * slowest)
    return period if most is None else max(slowest, min(period, most))


def fifo_depths(flow: hls.DataflowOp, period: int | None = None) -> dict[SSAValue, int]:
    """The depth of each stream between two stages (region inputs are AXI ports, not
    FIFOs): one more than the most beats it holds in `steady_timing`'s schedule at
    `period` (default: the slowest loop's iterations).

    With those depths the hardware keeps that schedule's pace or a faster one: a loop
    of a dataflow runs each iteration as soon as its read finds a beat and its write
    finds room, so, by induction over the cycles, no iteration runs later than in a
    schedule whose every read finds its beat and every write its room at those depths.
    The pauses between frames (a window generator's first rows, a transposed
    convolution's first block row) and a residual's skip (the other path's latency) are
    held by the FIFOs that need them, or, at a longer period, waited out."""
    steady = _Steady(flow, period or design_cycles(flow))
    return {v: steady.depth(v) for v in internal_streams(flow)}


def size_fifos(flow: hls.DataflowOp, period: int | None = None) -> None:
    """Size every internal stream for `period` cycles a frame (default: the period the
    dataflow records, else its slowest loop's) and record it on the dataflow: the FPS
    model's frame period."""
    size_all([(flow, period)])


def size_all(sizes: Sequence[tuple[hls.DataflowOp, int | None]]) -> None:
    """`size_fifos` for each (dataflow, period), the dataflows placed in threads (their
    array work runs side by side: numpy lets go of the interpreter lock)."""
    periods = [_period(flow, period) for flow, period in sizes]
    flows = [flow for flow, _ in sizes]
    with ThreadPoolExecutor(max(1, min(len(flows), os.cpu_count() or 1))) as pool:
        depths = list(pool.map(lambda fp: list(fifo_depths(*fp).values()), zip(flows, periods)))
    for flow, period, d in zip(flows, periods, depths):
        set_depths(flow, period, d)


def _period(flow: hls.DataflowOp, period: int | None) -> int:
    """`period`, else the dataflow's recorded one, else its slowest loop's; at least the
    slowest loop's (a period recorded before a refold may be too short)."""
    slowest = design_cycles(flow)
    if period is None:
        period = flow.period.value.data if flow.period else slowest
    return max(period, slowest)


def set_depths(flow: hls.DataflowOp, period: int, depths: list[int]) -> None:
    """Give the internal streams (`internal_streams` order) `depths` and record `period`
    on the dataflow."""
    from xdsl.rewriter import Rewriter

    for value, depth in zip(internal_streams(flow), depths, strict=True):
        stream = hls.stream_of(value)
        if stream.depth.data != depth:
            Rewriter.replace_value_with_new_type(value, stream.with_depth(depth))
    flow.period = IntegerAttr(period, 64)


def internal_streams(flow: hls.DataflowOp) -> list[SSAValue]:
    """The streams from one stage to another (FIFOs), by producer, then result."""
    return [r for op in flow.stages() for r in op.results if isinstance(next(iter(r.uses)).operation, hls.StageOp)]


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
