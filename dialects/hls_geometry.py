"""Stage geometry of the `hls` dialect: the one description of each `hls` stage kind's shape facts.

What a stage computes where — a window's output grid, a transposed
convolution's phases and the taps that reach them, which foldings are
legal, how weights are laid out for the PE × SIMD array — is decided here
and nowhere else. The dialect's verifiers, the schedule
(`lic_compiler.hls_schedule`), the cost model (`lic_compiler.hw.stages`),
the emitter and the interpreter call these functions.

Folding vocabulary (FINN's): PE output channels × SIMD reduction lanes per
cycle, MMV pixels at once (pixels of one row that share each weight read).
A stream beat carries ``lanes`` channels of ``pixels`` consecutive pixels of
one row; a row of W pixels takes ⌈W / pixels⌉ pixel groups, the last one
padded when pixels does not divide W (padded values are don't-care: every
reader skips them). So MMV need not divide the row: on 640 pixels, MMV = 3
takes 214 groups where 2 takes 320 and 4 takes 160 — the step between
powers of two that the divisors of a row (2⁷·5) do not offer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from math import ceil, gcd

import numpy as np

# Pixels a stage may take at once: reorder buffers and window banks grow with it.
MAX_MMV = 20


@cache
def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def mmv_choices(width: int, limit: int = MAX_MMV) -> list[int]:
    """Pixels at once that tile a row of `width` pixels."""
    return [m for m in divisors(width) if m <= limit]


def row_groups(width: int, pixels: int) -> int:
    """Pixel groups of a row of `width` pixels: the last one may be partial (padded)."""
    return -(-width // pixels)


def padded_mmv_choices(width: int, limit: int = MAX_MMV) -> list[int]:
    """Pixels at once on a row of `width` pixels, the last group padded: every count up
    to `limit` that takes fewer groups than one pixel less (others only cost more)."""
    return [m for m in range(1, min(limit, width) + 1) if m == 1 or row_groups(width, m) < row_groups(width, m - 1)]


@dataclass(frozen=True)
class Beat:
    """What one stream beat carries: `lanes` channels of `pixels` consecutive pixels."""

    lanes: int
    pixels: int = 1

    @property
    def values(self) -> int:
        return self.lanes * self.pixels


def beats(c: int, h: int, w: int, beat: Beat) -> int:
    """Beats of a C×H×W tensor."""
    return h * row_groups(w, beat.pixels) * (c // beat.lanes)


def feeding_beat(c: int, h: int, w: int, fast_enough: Callable[[Beat], bool]) -> Beat:
    """The narrowest beat of a C×H×W tensor that its reader finds `fast_enough` (the
    widest, a group of whole pixels, when none is): channels first, then pixels."""
    options = [Beat(d) for d in divisors(c)] + [Beat(c, m) for m in mmv_choices(w)[1:]]
    # Wider beats only read faster: bisect for the first that is fast enough.
    lo, hi = 0, len(options) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if fast_enough(options[mid]) else (mid + 1, hi)
    return options[lo]


def lanes_group(c: int, a: Beat, b: Beat) -> tuple[int, int]:
    """(pixels, channels) a width converter regroups at once: one pixel group's
    lcm(lanes) channels when the pixel counts agree, else lcm(pixels) whole pixels."""
    if a.pixels == b.pixels:
        return a.pixels, a.lanes * b.lanes // gcd(a.lanes, b.lanes)
    return a.pixels * b.pixels // gcd(a.pixels, b.pixels), c


@dataclass(frozen=True)
class LanesRow:
    """A width converter's groups on one row: `full` groups of `reads` beats in and
    `writes` out, then (when the pixel counts differ and their lcm does not divide the
    row) a tail group of the row's last pixels, `tail_reads` in, `tail_writes` out."""

    full: int
    reads: int
    writes: int
    tail_reads: int = 0
    tail_writes: int = 0


def lanes_row(c: int, w: int, a: Beat, b: Beat) -> LanesRow:
    gp, gc = lanes_group(c, a, b)
    reads, writes = gp * gc // a.values, gp * gc // b.values
    if a.pixels == b.pixels:  # padded groups pass through whole
        return LanesRow(row_groups(w, gp) * (c // gc), reads, writes)
    r = w % gp
    tail = (row_groups(r, a.pixels) * (c // a.lanes), row_groups(r, b.pixels) * (c // b.lanes)) if r else (0, 0)
    return LanesRow(w // gp, reads, writes, *tail)


# --- sliding window -------------------------------------------------------------


@dataclass(frozen=True)
class WindowGeometry:
    c: int
    h: int
    w: int
    kh: int
    kw: int
    sh: int = 1
    sw: int = 1
    ph: int = 0
    pw: int = 0

    @cached_property
    def ho(self) -> int:
        return (self.h + 2 * self.ph - self.kh) // self.sh + 1

    @cached_property
    def wo(self) -> int:
        return (self.w + 2 * self.pw - self.kw) // self.sw + 1

    @property
    def k(self) -> int:
        """Elements of one window: the MVAU's reduction."""
        return self.kh * self.kw * self.c

    def rows_needed(self, o: int) -> int:
        """Input rows that must have arrived before output row `o` (all after the last)."""
        return self.h if o >= self.ho else min(self.h, o * self.sh - self.ph + self.kh)

    @property
    def ring(self) -> int:
        """Rows the line buffer holds: the rows of one output row and those arriving meanwhile."""
        return _window_ring(self)


@cache
def _window_ring(g: WindowGeometry) -> int:
    return max(g.rows_needed(o + 1) - max(0, o * g.sh - g.ph) for o in range(g.ho))


def window_matrix(weight: np.ndarray) -> np.ndarray:
    """A [Cout, Cin, kh, kw] convolution weight as the MVAU's [Cout, kh·kw·Cin] matrix,
    in the window's (ky, kx, c) order."""
    cout, cin, kh, kw = weight.shape
    return weight.transpose(0, 2, 3, 1).reshape(cout, kh * kw * cin)


def mvau_layout(matrix: np.ndarray, pe: int, simd: int) -> np.ndarray:
    """w[nf · SF + sf][pe][s] = matrix[nf · PE + pe][sf · SIMD + s]: one word per cycle."""
    cout, k = matrix.shape
    nf, sf = cout // pe, k // simd
    return matrix.reshape(nf, pe, sf, simd).transpose(0, 2, 1, 3).reshape(nf * sf, pe, simd)


# --- matrix-vector units (convolutions, GDN's norm) ------------------------------


@dataclass(frozen=True)
class MvauGeometry:
    """K inputs → Cout outputs per pixel, on an H×W grid."""

    k: int
    cout: int
    h: int
    w: int

    def pe_choices(self) -> list[int]:
        return divisors(self.cout)

    def simd_choices(self) -> list[int]:
        return divisors(self.k)

    def mmv_choices(self, limit: int = MAX_MMV) -> list[int]:
        return padded_mmv_choices(self.w, limit)

    def groups(self, mmv: int) -> int:
        """Pixel groups per frame."""
        return self.h * row_groups(self.w, mmv)

    def folds(self, pe: int, simd: int) -> tuple[int, int]:
        """(NF, SF): output folds and reduction steps of one pixel group."""
        return self.cout // pe, self.k // simd

    def epilogue(self, pe: int, simd: int, mmv: int) -> tuple[int, int]:
        """(units, lag): the epilogue units the PE·MMV lanes of a fold share, and the
        iterations after a fold's end until its beat leaves. A fold's accumulators are
        ready once every SF cycles, so ⌈lanes / SF⌉ units, each taking a lane per cycle,
        finish them before the next fold ends; with a unit per lane (SF = 1) the
        epilogue is applied at once (lag 0)."""
        lanes, sf = pe * mmv, self.k // simd
        units = -(-lanes // sf)
        return (lanes, 0) if units == lanes else (units, -(-lanes // units))

    def macs(self) -> int:
        return self.k * self.cout * self.h * self.w


# --- transposed convolution ------------------------------------------------------


def phase_taps(k: int, s: int, p: int) -> list[list[int]]:
    """Per output phase r along one axis: the kernel taps t with (r + p − t) ≡ 0 (mod s)."""
    return [[t for t in range(k) if (r + p - t) % s == 0] for r in range(s)]


@dataclass(frozen=True)
class DeconvGeometry:
    """A transposed convolution as s_h·s_w sub-kernel convolutions on the input grid.

    Two schedules, told apart by SIMD. *Phases in turn*: output pixels in
    raster order, each reducing over its phase's taps × Cin in steps of SIMD
    lanes (SIMD divides Cin or is Cin × m taps). *Phases at once*: every
    phase takes E channels of each of its taps per cycle (SIMD = all taps ×
    E), one block of s_h × s_w outputs — MMV blocks of a block row at once.
    """

    cin: int
    h: int
    w: int
    cout: int
    kh: int
    kw: int
    sh: int
    sw: int
    ph: int
    pw: int
    oph: int = 0
    opw: int = 0

    @cached_property
    def ho(self) -> int:
        return (self.h - 1) * self.sh - 2 * self.ph + self.kh + self.oph

    @cached_property
    def wo(self) -> int:
        return (self.w - 1) * self.sw - 2 * self.pw + self.kw + self.opw

    @cached_property
    def taps_y(self) -> list[list[int]]:
        return phase_taps(self.kh, self.sh, self.ph)

    @cached_property
    def taps_x(self) -> list[list[int]]:
        return phase_taps(self.kw, self.sw, self.pw)

    @cached_property
    def taps(self) -> list[int]:
        """Taps of each 2-D phase, row-major."""
        return [len(ty) * len(tx) for ty in self.taps_y for tx in self.taps_x]

    @property
    def all_taps(self) -> int:
        return sum(self.taps)

    @property
    def qh(self) -> int:
        return ceil(self.ho / self.sh)

    @property
    def qw(self) -> int:
        return ceil(self.wo / self.sw)

    def pe_choices(self) -> list[int]:
        return divisors(self.cout)

    def in_turn_simd(self) -> tuple[int, ...]:
        return self._in_turn_simd

    @cached_property
    def _in_turn_simd(self) -> tuple[int, ...]:
        return (*divisors(self.cin), *(self.cin * m for m in range(2, max(self.taps) + 1)))

    def simd_choices(self) -> list[int]:
        at_once = [self.all_taps * e for e in divisors(self.cin)]
        return sorted(set(self.in_turn_simd()) | set(at_once))

    def at_once_channels(self, simd: int) -> int | None:
        """E, the channels of every tap taken per cycle, when all phases run at once; else None."""
        if simd in self.in_turn_simd() or simd % self.all_taps:
            return None
        return simd // self.all_taps

    def mmv_choices(self, simd: int, limit: int = MAX_MMV) -> list[int]:
        """Blocks at once: only with all phases at once (a block row's last group of
        blocks may be partial)."""
        if self.at_once_channels(simd) is None or self.wo % self.sw:
            return [1]
        return padded_mmv_choices(self.qw, limit)

    def out_pixels(self, pe: int, simd: int, mmv: int) -> int:
        """Pixels per output beat: phases in turn write one; phases at once write the
        fewest that let a block row leave while the next is computed (drain ≤ work)."""
        e = self.at_once_channels(simd)
        if e is None:
            return 1
        # Per block row: QW/MMV · NF · Cin/E cycles of work, SH·WO·NF/P beats to drain.
        most = self.sh * self.sw * mmv
        options = [p for p in divisors(self.wo) if p <= most]
        return next((p for p in options if most * e <= self.cin * p), options[-1])

    def steps(self, simd: int) -> list[int]:
        """Phases in turn: SIMD steps of each phase's reduction (idle lanes in the last)."""
        return [ceil(t * self.cin / simd) for t in self.taps]

    def macs(self) -> int:
        """Products of an input value with a tap (those meeting padding are not MACs)."""

        def pairs(n_in: int, n_out: int, k: int, s: int, p: int) -> int:
            return sum(1 for o in range(n_out) for t in range(k) if (o + p - t) % s == 0 and 0 <= (o + p - t) // s < n_in)

        return self.cin * self.cout * pairs(self.h, self.ho, self.kh, self.sh, self.ph) * pairs(
            self.w, self.wo, self.kw, self.sw, self.pw
        )

    def verify(self) -> str | None:
        """Why this transposed convolution has no polyphase form, or None."""
        if min(self.taps) == 0:
            return "needs stride <= kernel (a phase without taps)"
        return None

    def lane_taps(self, e: int) -> list[tuple[int, int, int, int]]:
        """Phases at once: (phase, ky, kx, channel offset) of each SIMD lane."""
        return _lane_taps(self, e)

    def _lane_taps(self, e: int) -> list[tuple[int, int, int, int]]:
        lanes = []
        for index, (ty, tx) in enumerate((ty, tx) for ty in self.taps_y for tx in self.taps_x):
            lanes += [(index, ky, kx, ce) for ky in ty for kx in tx for ce in range(e)]
        return lanes

    def in_turn_layout(self, weight: np.ndarray, pe: int, simd: int) -> np.ndarray:
        """w[BASE(ph) + nf·STEPS(ph) + st][pe][s]: element st·SIMD + s = (jy·TX + jx)·Cin + c
        of phase ph's reduction (zero past its end)."""
        nf = self.cout // pe
        steps = self.steps(simd)
        words = []
        for index, ((ty, tx), n) in enumerate(zip(((ty, tx) for ty in self.taps_y for tx in self.taps_x), steps)):
            red = weight[:, :, ty][:, :, :, tx].transpose(1, 2, 3, 0).reshape(self.cout, -1)
            red = np.pad(red, ((0, 0), (0, n * simd - red.shape[1])))
            words.append(red.reshape(nf, pe, n, simd).transpose(0, 2, 1, 3).reshape(nf * n, pe, simd))
        return np.concatenate(words)

    def at_once_layout(self, weight: np.ndarray, pe: int, simd: int) -> np.ndarray:
        """w[nf·ST + st][pe][s]: tap (ky, kx) of lane s, channel st·E + its offset."""
        e = self.at_once_channels(simd)
        assert e is not None
        nf, st = self.cout // pe, self.cin // e
        lanes = np.asarray(self.lane_taps(e))
        c = np.arange(st)[:, None] * e + lanes[None, :, 3]
        per = weight[c, :, lanes[None, :, 1], lanes[None, :, 2]]  # [st, s, cout]
        return per.transpose(2, 0, 1).reshape(nf, pe, st, simd).transpose(0, 2, 1, 3).reshape(nf * st, pe, simd)


@cache
def _lane_taps(g: DeconvGeometry, e: int) -> list[tuple[int, int, int, int]]:
    return g._lane_taps(e)


def legal(what: str, value: int, choices: Sequence[int], rule: str) -> str | None:
    """None if `value` is one of `choices`, else why not and what to choose."""
    if value in choices:
        return None
    shown = ", ".join(map(str, choices[:24])) + (", …" if len(choices) > 24 else "")
    return f"{what} = {value} is not legal ({rule}); choose one of {shown}"
