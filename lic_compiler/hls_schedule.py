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

from dataclasses import dataclass, field
from math import ceil, gcd

import numpy as np

from lic_compiler.dialects import hls


SPREAD, FRONT = "spread", "front"


@dataclass
class Schedule:
    """Periods of a kernel's loop: (iterations, reads, writes) rows, one frame."""

    periods: np.ndarray  # int64 [n, 3]
    reads: str  # SPREAD or FRONT
    writes: str
    # Kernel constants the emitter writes into the stage's configuration.
    constants: dict[str, int] = field(default_factory=dict)

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
        """Per iteration of one frame: whether it reads, whether it writes."""
        return (
            _events(self.periods[:, 0], self.periods[:, 1], self.reads),
            _events(self.periods[:, 0], self.periods[:, 2], self.writes),
        )


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


def window(op: hls.WindowOp) -> Schedule:
    """`licc::window`: a prologue reading the first rows, then one period per output row."""
    (kh, _), (sh, _), (ph, _) = op.geometry()
    c, h, w = op.in_type.get_shape()
    k, ho, wo = op.out_type.get_shape()
    row_beats = w * c // op.in_type.lanes.data
    emits = wo * k // op.out_type.lanes.data

    def need(o: int) -> int:
        return h if o >= ho else min(h, o * sh - ph + kh)

    reads = [need(0) * row_beats] + [(need(o + 1) - need(o)) * row_beats for o in range(ho)]
    writes = [0] + [emits] * ho
    ring = max(need(o + 1) - max(0, o * sh - ph) for o in range(ho))
    lengths = [max(r, e) for r, e in zip(reads, writes)]
    return Schedule(_rows(lengths, reads, writes), SPREAD, SPREAD, {"RING": ring, "ITERS": sum(lengths)})


def mvau(op: hls.MvauOp | hls.GdnOp) -> Schedule:
    """`licc::mvau`, `licc::gdn`: per pixel, NF folds of SF steps; fold 0 reads, each fold writes."""
    nf = op.out_type.channels // op.pe_value
    sf = op.in_type.channels // op.simd_value
    pixels = op.in_type.pixels
    rows = np.tile(np.array([[nf * sf, sf, nf]], dtype=np.int64), (pixels, 1))
    return Schedule(rows, FRONT, SPREAD, {"NF": nf, "SF": sf, "PIXELS": pixels})


def pointwise(op: hls.PointwiseOp) -> Schedule:
    beats = op.in_type.beats
    return Schedule(np.array([[beats, beats, beats]], dtype=np.int64), SPREAD, SPREAD, {})


def lanes(op: hls.LanesOp) -> Schedule:
    """`licc::lanes`: group g arrives while group g − 1 leaves."""
    a, b = op.in_type.lanes.data, op.out_type.lanes.data
    g = a * b // gcd(a, b)
    groups = op.in_type.pixels * op.in_type.channels // g
    period = max(g // a, g // b)
    reads = [g // a] * groups + [0]
    writes = [0] + [g // b] * groups
    return Schedule(
        _rows([period] * (groups + 1), reads, writes), SPREAD, SPREAD, {"G": g, "GROUPS": groups}
    )


def deconv(op: hls.DeconvOp) -> Schedule:
    """`licc::deconv_in_turn` or `licc::deconv_at_once`, as the SIMD folding selects."""
    return _deconv_at_once(op) if at_once_channels(op) is not None else _deconv_in_turn(op)


def at_once_channels(op: hls.DeconvOp) -> int | None:
    """E, the channels of every tap taken per cycle, when all phases run at once; else None.

    As the cost model: SIMD values of the phases-in-turn schedule (divisors of
    Cin, Cin × taps) keep it; other multiples of all the taps run at once."""
    cin = op.in_type.channels
    taps = [len(ty) * len(tx) for ty, tx in op.phases()]
    simd = op.simd_value
    in_turn = simd <= cin and cin % simd == 0 or simd % cin == 0 and simd // cin <= max(taps)
    if in_turn or simd % sum(taps):
        return None
    return simd // sum(taps)


def _deconv_common(op: hls.DeconvOp) -> tuple:
    cin, h, w = op.in_type.get_shape()
    cout, ho, wo = op.out_type.get_shape()
    (kh, kw), (sh, sw), (ph, pw), _ = op.geometry()
    row_beats = w * cin // op.in_type.lanes.data
    nf = cout // op.pe_value
    taps_y = hls.phase_taps(kh, sh, ph)
    taps_x = hls.phase_taps(kw, sw, pw)

    def lowest_row(y: int) -> int:
        """The first input row output row y reads."""
        return max(0, (y + ph - max(taps_y[y % sh])) // sh)

    return cin, h, w, cout, ho, wo, sh, sw, ph, row_beats, nf, taps_y, taps_x, lowest_row


def _deconv_in_turn(op: hls.DeconvOp) -> Schedule:
    cin, h, _, _, ho, wo, sh, sw, ph, row_beats, nf, taps_y, taps_x, lowest = _deconv_common(op)
    simd = op.simd_value
    steps = [ceil(len(ty) * len(tx) * cin / simd) for ty in taps_y for tx in taps_x]
    base = [nf * sum(steps[:i]) for i in range(len(steps))]
    row_work = [nf * sum(steps[ry * sw + x % sw] for x in range(wo)) for ry in range(sh)]

    def need(y: int) -> int:
        return h if y >= ho else min(h, (y + ph) // sh + 1)

    reads = [need(0) * row_beats] + [(need(y + 1) - need(y)) * row_beats for y in range(ho)]
    work = [0] + [row_work[y % sh] for y in range(ho)]
    writes = [0] + [nf * wo] * ho
    lengths = [max(r, e) for r, e in zip(reads, work)]
    ring = max(need(y + 1) - lowest(y) for y in range(ho))
    constants = {
        "RING": ring,
        "ITERS": sum(lengths),
        "WORDS": nf * sum(steps),
        "STEPS": steps,
        "BASE": base,
        "ROW_WORK": row_work,
        "TY": [len(t) for t in taps_y],
        "TX": [len(t) for t in taps_x],
        "WO": wo,
        "NF": nf,
    }
    return _InTurnSchedule(_rows(lengths, reads, writes), SPREAD, SPREAD, constants)


class _InTurnSchedule(Schedule):
    """Phases in turn: a write ends each pixel's fold, STEPS(phase) working iterations long,
    and the working iterations are spread over the row's period."""

    def flags(self) -> tuple[np.ndarray, np.ndarray]:
        lengths, reads = self.periods[:, 0], self.periods[:, 1]
        work = np.asarray([0] + [self.constants["ROW_WORK"][y % len(self.constants["ROW_WORK"])] for y in range(len(lengths) - 1)])
        working = _events(lengths, work, SPREAD)
        ends = np.concatenate([np.zeros(0, bool)] + [self._fold_ends(y) for y in range(len(lengths) - 1)])
        writes = np.zeros_like(working)
        writes[np.flatnonzero(working)] = ends
        return _events(lengths, reads, SPREAD), writes

    def _fold_ends(self, y: int) -> np.ndarray:
        """Over one output row's working iterations: which end a pixel's fold."""
        k = self.constants
        sw, nf = len(k["TX"]), k["NF"]
        ry = y % len(k["TY"])
        steps = [k["STEPS"][ry * sw + x % sw] for x in range(k["WO"])]
        return np.concatenate([np.tile(np.arange(s) == s - 1, nf) for s in steps])


def _deconv_at_once(op: hls.DeconvOp) -> Schedule:
    cin, h, _, _, ho, wo, sh, sw, ph, row_beats, nf, taps_y, taps_x, lowest = _deconv_common(op)
    e = at_once_channels(op)
    assert e is not None
    qh, qw, st = ceil(ho / sh), ceil(wo / sw), cin // e

    def need(q: int) -> int:
        return h if q >= qh else min(h, (min(q * sh + sh - 1, ho - 1) + ph) // sh + 1)

    reads = [need(0) * row_beats] + [(need(q + 1) - need(q)) * row_beats for q in range(qh + 1)]
    work = [0] + [qw * nf * st] * qh + [0]
    drain = [0, 0] + [min(sh, ho - q * sh) * wo * nf for q in range(qh)]
    lengths = [max(r, c, d) for r, c, d in zip(reads, work, drain)]
    ring = max(need(q + 1) - min(lowest(y) for y in range(q * sh, min(ho, q * sh + sh))) for q in range(qh))
    lane_ph, lane_ky, lane_kx, lane_ce = [], [], [], []
    for index, (ty, tx) in enumerate((ty, tx) for ty in taps_y for tx in taps_x):
        for ky in ty:
            for kx in tx:
                for ce in range(e):
                    lane_ph.append(index)
                    lane_ky.append(ky)
                    lane_kx.append(kx)
                    lane_ce.append(ce)
    constants = {
        "RING": ring,
        "ITERS": sum(lengths),
        "QH": qh,
        "QW": qw,
        "ST": st,
        "E": e,
        "LANE_PH": lane_ph,
        "LANE_KY": lane_ky,
        "LANE_KX": lane_kx,
        "LANE_CE": lane_ce,
    }
    return Schedule(_rows(lengths, reads, drain), SPREAD, SPREAD, constants)


def schedule(op: hls.StageOp) -> Schedule:
    """The schedule of any stage."""
    match op:
        case hls.WindowOp():
            return window(op)
        case hls.MvauOp() | hls.GdnOp():
            return mvau(op)
        case hls.DeconvOp():
            return deconv(op)
        case hls.PointwiseOp():
            return pointwise(op)
        case hls.LanesOp():
            return lanes(op)
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


def longest_gap(flags: np.ndarray, across_frames: bool) -> int:
    """The most consecutive iterations without an event: between a frame's first and
    last event, or also from a frame's last to the next frame's first."""
    hits = np.flatnonzero(flags)
    if hits.size == 0:
        return flags.size
    inner = int(np.diff(hits).max(initial=1) - 1)
    return max(inner, flags.size - 1 - hits[-1] + hits[0]) if across_frames else inner


class EventCounts:
    """Events of a per-iteration flag array counted over any window of iterations."""

    def __init__(self, flags: np.ndarray) -> None:
        self.size = flags.size
        # Two frames back to back: a window may straddle the boundary.
        self.counts = np.concatenate([[0], np.cumsum(np.tile(flags, 2), dtype=np.int32)])

    def most(self, window: int) -> int:
        """The most events in any `window` consecutive iterations."""
        if window <= 0:
            return 0
        window = min(window, self.size)
        return int(np.subtract(self.counts[window:], self.counts[:-window]).max())


def fifo_depth(producer: Schedule, consumer: Schedule, period: int, beat_bits: int) -> int:
    """The depth that lets neither end wait for the other beyond the design's pace.

    A FIFO bridges the producer's longest pause in writing (a polyphase stage
    between block rows) while the consumer reads, and the consumer's longest
    pause in reading (an MVAU's folds after the first) while the producer
    writes: the most reads, and the most writes, in any window of that many
    iterations (each side at full speed). A stage with slack runs at the
    design's pace on average, so when that bound needs more than
    `FIFO_BUDGET_BITS`, the other side is counted at that pace instead (the
    iterations it gets through in the pause's cycles). The pause between
    frames (a window generator's first rows) is bridged only if it would cost
    more than `MAX_FILL_LOSS` of the frame period: at 720p bridging it would
    buffer a frame's first rows to save a fraction of a percent."""
    writes = producer.flags()[1]
    reads = consumer.flags()[0]
    across = max(longest_gap(writes, True), longest_gap(reads, True)) > MAX_FILL_LOSS * period
    write_pause, read_pause = longest_gap(writes, across), longest_gap(reads, across)
    read_counts, write_counts = EventCounts(reads), EventCounts(writes)
    fast = read_counts.most(write_pause) + write_counts.most(read_pause)
    if fast * beat_bits > FIFO_BUDGET_BITS:

        def paced(iterations: int, schedule: Schedule) -> int:
            return ceil(iterations * schedule.iters / period)

        slow = read_counts.most(paced(write_pause, consumer)) + write_counts.most(paced(read_pause, producer))
        fast = max(slow, FIFO_BUDGET_BITS // beat_bits)
    return max(MIN_DEPTH, fast)


def fifo_depths(flow: hls.DataflowOp) -> dict[hls.StageOp, int]:
    """The depth of each stage's input stream (region inputs are AXI ports, not FIFOs)."""
    period = design_cycles(flow)
    stages = flow.stages()
    out = {}
    for op in stages:
        producer = op.input.owner
        if isinstance(producer, hls.StageOp):
            stream = hls.stream_of(op.input)
            out[op] = fifo_depth(schedule(producer), schedule(op), period, stream.lanes.data * stream.bits)
    return out


# --- cycle-level simulation ------------------------------------------------------------


@dataclass(frozen=True)
class Simulation:
    """A cycle-level run of a dataflow over back-to-back frames."""

    frame_ends: list[int]  # the cycle each frame's last output beat left
    max_occupancy: list[int]  # per internal stream, in chain order
    deadlock: bool

    @property
    def cycles_per_frame(self) -> int:
        """The steady-state frame period: the last two frames' spacing."""
        return self.frame_ends[-1] - self.frame_ends[-2]


def simulate(flow: hls.DataflowOp, frames: int = 3, depths: list[int] | None = None) -> Simulation:
    """Run every stage's schedule cycle by cycle, FIFOs of the given depths between them
    (default: the stream types'), an input that is always ready and an output that
    always accepts. An iteration proceeds when its read finds a beat (written in an
    earlier cycle) and its write finds room (at the start of the cycle)."""
    stages = flow.stages()
    if depths is None:
        depths = [hls.stream_of(op.output).depth.data for op in stages[:-1]]
    plans = []
    for op in stages:
        reads, writes = schedule(op).flags()
        plans.append((np.tile(reads, frames).tolist(), np.tile(writes, frames).tolist(), len(reads)))
    n = len(stages)
    pos = [0] * n
    occupancy = [0] * (n - 1)
    peak = [0] * (n - 1)
    frame_ends: list[int] = []
    cycle = 0
    total = [len(p[0]) for p in plans]
    while pos[-1] < total[-1]:
        moved = False
        delta = [0] * (n - 1)
        for i, (reads, writes, per_frame) in enumerate(plans):
            j = pos[i]
            if j == total[i]:
                continue
            if reads[j] and i > 0 and occupancy[i - 1] == 0:
                continue
            if writes[j] and i < n - 1 and occupancy[i] >= depths[i]:
                continue
            if reads[j] and i > 0:
                delta[i - 1] -= 1
            if writes[j] and i < n - 1:
                delta[i] += 1
            pos[i] = j + 1
            moved = True
            if i == n - 1 and pos[i] % per_frame == 0:
                frame_ends.append(cycle)
        if not moved:
            return Simulation(frame_ends, peak, True)
        for k in range(n - 1):
            occupancy[k] += delta[k]
            peak[k] = max(peak[k], occupancy[k])
        cycle += 1
    return Simulation(frame_ends, peak, False)
