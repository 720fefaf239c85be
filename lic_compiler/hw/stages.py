"""Costs of the `hls` stages: each stage kind answers for its cycles and resources (FINN's idiom).

A `StageModel` wraps one stage of an `hls.dataflow`:

- ``window`` (`hls.window`): line buffers feeding SIMD window elements of MMV pixels per cycle;
- ``mvau`` (`hls.mvau`): PE × SIMD × MMV products, the weight memory, the
  input replay buffer and the fused epilogue (rescales: one multiply per lane);
- ``deconv`` (`hls.deconv`): the polyphase MVAU and its line buffer (and,
  with all phases at once, the block-row output buffer);
- ``gdn`` (`hls.gdn`): the C × C norm MVAU on x² (or |x|), the norm's
  rescales and root table, the x·n product and its rescale, the x path;
- ``pointwise`` and ``lanes`` (`hls.pointwise`, `hls.lanes`): logic and registers on a stream;
- ``fork`` and ``add`` (`hls.fork`, `hls.add`): a residual's duplicated stream and
  its join (an adder per lane and the fused epilogue); the join is charged
  both input FIFOs, the skip's holding the other path's latency;
- ``shuffle`` (`hls.shuffle`): a sub-pixel reorder's two groups of rows;
- ``pad`` and ``crop`` (`hls.pad`, `hls.crop`): a frame the stride does not divide,
  padded at the input (the last row in a buffer when rows are added) and cropped
  at the decoder's output.

Cycles per frame are the kernel's loop as `lic_compiler.hls_schedule` times it
(the same schedule the emitter and `hls-size-fifos` use), so the model is the
emitted design. Every stage's input FIFO (depth × beat width, sized by
`hls-size-fifos`) is charged to it. The compute stages (`mvau`, `deconv`,
`gdn`) are the solver's knobs: `options` lists their legal foldings and
`option_cost` prices one before it is applied (an MVAU's window generator
included, its input arriving as fast as it can use it). The formulas and
their sources are in docs/cost-model.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cached_property, lru_cache
from math import ceil, log2

from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerType, ModuleOp, Signedness
from xdsl.ir import SSAValue

from lic_compiler import hls_schedule as sched
from lic_compiler.dialects import hls
from lic_compiler.dialects.hls_geometry import (
    MAX_MMV,
    Beat,
    DeconvGeometry,
    MvauGeometry,
    WindowGeometry,
    feeding_beat,
    lanes_group,
    legal,
    row_groups,
)
from lic_compiler.errors import LiccError
from lic_compiler.gdn_approx import ENTRY_WIDTH, Approx
from lic_compiler.hw import primitives as hwp
from lic_compiler.hw.device import RESOURCES
from lic_compiler.hw.fold import Folding, folding_of
from lic_compiler.hw.protect import stage_extra_luts
from lic_compiler.hw.solver import Options, priced

# FINN's fitted constant: LUTs of a stage's control, stream handshakes and address counters.
CONTROL_LUTS = 300
RAM_STYLES = ("bram", "lutram", "uram")
MULT_IMPLS = hls.MULT_IMPLS


@dataclass(frozen=True)
class Cost:
    cycles: int  # per frame: the kernel's loop iterations (II = 1)
    dsp: int = 0
    bram18: int = 0
    uram: int = 0
    lut: int = 0
    ff: int = 0
    depth: int = 0  # pipeline cycles from a stage's first input to its first output

    def vector(self) -> tuple[int, int, int, int, int]:
        return (self.dsp, self.bram18, self.uram, self.lut, self.ff)

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            max(self.cycles, other.cycles),
            *(a + b for a, b in zip(self.vector(), other.vector())),
            depth=self.depth + other.depth,
        )

    def plus(self, m: hwp.Memory, ff: int = 0) -> Cost:
        return Cost(self.cycles, self.dsp, self.bram18 + m.bram18, self.uram + m.uram, self.lut + m.lut, self.ff + ff, self.depth)


def bits(t: IntegerType) -> int:
    return t.width.data


# --- building blocks ------------------------------------------------------------


def _aligned_slice(c: int, kh: int, kw: int, simd: int) -> tuple[int, int] | None:
    """(pixels, channels) of a SIMD slice of the window when it aligns with pixels: part
    of one pixel's channels, whole pixels of a window row, whole window rows, or the
    same channel slice of every window pixel (FINN's parallel window)."""
    if c % simd == 0:
        return 1, simd
    if simd % (kh * kw) == 0 and c % (simd // (kh * kw)) == 0:
        return kh * kw, simd // (kh * kw)
    if simd % c:
        return None
    m = simd // c
    if kw % m == 0 or (m % kw == 0 and kh % (m // kw) == 0):
        return m, c
    return None


@lru_cache(maxsize=65536)  # shared by the options of every PE and placement
def window_cost(g: WindowGeometry, in_beat: Beat, simd: int, mmv: int, a: int, style: str) -> Cost:
    """The sliding-window generator: a ring of rows feeding SIMD elements of MMV windows
    per cycle. Aligned slices: FINN's cyclic buffer banked by pixel (× MMV banks, one
    per pixel read at once); otherwise the window sits in registers and a multiplexer
    picks any slice. With ``style`` uram the deep buffers go to UltraRAM."""
    cycles = sched.window_schedule(g, in_beat, simd, mmv).iters
    ring = g.ring
    aligned = _aligned_slice(g.c, g.kh, g.kw, simd)
    if aligned is not None:
        banks, word = aligned
        banks *= mmv
        bank = hwp.buffer(ceil(ring * g.w * g.c / word / banks), word * a, style)
        mem = hwp.Memory(banks * bank.bram18, banks * bank.uram, banks * bank.lut)
        return Cost(cycles, lut=CONTROL_LUTS, ff=mmv * simd * a, depth=g.w * (g.kh - g.ph)).plus(mem)
    row = hwp.buffer(g.w * g.c // in_beat.values, in_beat.values * a, style)
    mux = ceil((ceil(g.k / simd) - 1) / 3)  # LUT6s per bit of an n:1 multiplexer
    mem = hwp.Memory(ring * row.bram18, ring * row.uram, ring * row.lut)
    return Cost(
        cycles, lut=CONTROL_LUTS + mmv * simd * a * mux, ff=2 * mmv * g.k * a, depth=g.w * (g.kh - g.ph)
    ).plus(mem)


def products(count: int, pairs_sharing: int, w: int, a: int, impl: str) -> tuple[int, int]:
    """(DSPs, LUTs) of `count` w × a products, of which pairs share an operand
    (`pairs_sharing` ≤ count/2 pack into one DSP48E2 each when `hwp.pair_packing` allows),
    placed in DSPs or in fabric (FINN-R's LUT multiplier)."""
    if impl == "fabric":
        return 0, count * hwp.lut_mult(w, a)
    if hwp.pair_packing(w, a) is not None:
        return count - pairs_sharing, 0
    return count * hwp.dsp_per_mult(w, a), 0


@lru_cache(maxsize=65536)
def array_cost(
    pe: int, simd: int, mmv: int, w: int, a: int, acc: int, impl: str, packs: bool = False, a_signed: bool = True,
) -> tuple[int, int, int]:
    """(DSP, LUT, FF) of a PE × SIMD × MMV multiply-accumulate array: products (in
    fabric, or in DSPs: packed per `hwp.best_packing` when the kernel computes the
    packing itself (`packs`; `a_signed`: the activations' signedness), else in pairs of
    lanes sharing an operand), the reduction (an adder tree in fabric; the DSP cascade
    otherwise, cut every `DSP_CHAIN` or wherever the packing's fields would spill) and
    the accumulators. An explicit packing's fields leave each cascade through one S-bit
    borrow adder per field. `impl` ``shift``: power-of-two weights, each product a
    shift (`hwp.shift_mult_luts`) into the fabric adder tree."""
    lanes = pe * mmv
    if impl in ("fabric", "shift"):  # shift: power-of-two weights of w bits, by 0 … w − 1
        count = lanes * simd
        each = hwp.shift_mult_luts(a, w) if impl == "shift" else hwp.lut_mult(w, a)
        lut = count * each + lanes * (w + a) * (2 * simd - 1)
        return 0, ceil(1.1 * (lut + lanes * acc)), count * (w + a) + 2 * lanes * acc
    p = hwp.best_packing(w, hwp.signed_bits(a, a_signed), pe, mmv) if packs else hwp.pair_packing(w, a)
    chain = min(p.chain, hwp.DSP_CHAIN) if p is not None else hwp.DSP_CHAIN
    dsp = hwp.packed_dsps(p, pe, mmv, simd, hwp.dsp_per_mult(w, a))
    cuts = ceil(simd / chain)
    lut = lanes * (cuts - 1) * acc
    if p is not None and p.products > 2:
        lut += dsp // simd * cuts * p.products * p.spacing
    return dsp, ceil(1.1 * (lut + lanes * acc)), 2 * lanes * acc


def steps_cost(steps: Sequence[hls.PointwiseStep], element: IntegerType, lanes: int) -> Cost:
    """A fused pointwise chain on `lanes` values per cycle: a rescale's multiply takes a
    DSP (27 × 18) per lane, a table its ROM (two lanes per dual-port BRAM) and logic."""
    total = Cost(0)
    t = element
    for step in steps:
        b = bits(t)
        match step:
            case hls.RescaleStep():
                m = max(step.params()[0])
                dsp = lanes * hwp.dsp_per_mult(b, m.bit_length() + 1)
                total = total + Cost(0, dsp=dsp, lut=lanes * (b + bits(step.type)), ff=lanes * b, depth=4)
            case hls.TableStep():
                approx = Approx(step.function.data, **step.approx_params())  # type: ignore[arg-type]
                one = approx.cost(b)
                total = total + Cost(
                    0,
                    dsp=lanes * one.dsp,
                    bram18=ceil(lanes / 2) * one.bram18,
                    lut=lanes * one.luts,
                    ff=lanes * (b + ENTRY_WIDTH * (1 + one.multipliers)),
                    depth=one.latency_cycles,
                )
            case hls.SquareStep():
                dsp, lut = products(lanes, 0, b, b, "dsp")
                total = total + Cost(0, dsp=dsp, lut=lut, ff=lanes * bits(step.type), depth=3)
            case hls.LeakyReluStep():  # one constant product on the negative side, then a mux
                dsp = lanes * hwp.dsp_per_mult(b, step.multiplier.data.bit_length() + 1)
                total = total + Cost(0, dsp=dsp, lut=lanes * 2 * b, ff=lanes * b, depth=4)
            case _:  # relu, abs: a mux or a negation per bit
                total = total + Cost(0, lut=lanes * b * (1 if isinstance(step, hls.ReluStep) else 2), depth=1)
        t = step.result_type(t)
    return total


def acc_bits(w: int, a: int, reduction: int) -> int:
    return w + a - 1 + max(1, ceil(log2(max(reduction, 2))))


# --- stage models ------------------------------------------------------------------


@dataclass(eq=False)
class StageModel:
    """One emitted stage of a function's dataflow."""

    function: str
    index: int
    name: str  # the C++ function's name (unique within the function)
    op: hls.StageOp
    kind = "stage"

    @property
    def label(self) -> str:
        return f"@{self.function} {self.name} ({self.op.name})"

    @property
    def macs(self) -> int:
        return 0

    def fifos(self) -> list[tuple[hls.StreamType, hwp.Memory]]:
        """The input FIFOs with their memory (region inputs are AXI ports, not FIFOs)."""
        return _fifo(self.op.input)

    def cost(self) -> Cost:
        """Cycles and resources of the stage as the IR describes it, its input FIFOs included."""
        cost = self.own_cost()
        for _, memory in self.fifos():
            cost = cost.plus(memory)
        extra = stage_extra_luts(self.op)  # lic-protect's copies and voters
        return cost + Cost(0, lut=extra, depth=1) if extra else cost

    def own_cost(self) -> Cost:
        s = self.op.in_type
        cycles = sched.schedule(self.op).iters
        return Cost(cycles, lut=20 + s.beat_bits, ff=s.beat_bits, depth=2)


@dataclass(eq=False)
class WindowModel(StageModel):
    kind = "window"

    def own_cost(self) -> Cost:
        op = self.op
        assert isinstance(op, hls.WindowOp)
        o = op.out_type
        style = _style(_consumer(op))
        return window_cost(op.geometry(), op.in_type.beat, o.lanes.data, o.pixels.data, o.bits, style)


def _fifo(value: SSAValue) -> list[tuple[hls.StreamType, hwp.Memory]]:
    """The FIFO of a stream between two stages and its memory (none for a region input)."""
    if not isinstance(value.owner, hls.StageOp):
        return []
    s = hls.stream_of(value)
    return [(s, hwp.buffer(s.depth.data, s.beat_bits))]


def _consumer(op: hls.StageOp) -> hls.StageOp:
    return next(iter(op.output.uses)).operation  # type: ignore[return-value]


def _style(op: object) -> str:
    return op.ram_style.data if isinstance(op, hls.FoldedStageOp) and op.ram_style is not None else "bram"


@dataclass(eq=False)
class LanesModel(StageModel):
    kind = "lanes"

    def own_cost(self) -> Cost:
        op = self.op
        c, h, w = op.in_type.get_shape()
        gp, gc = lanes_group(c, op.in_type.beat, op.out_type.beat)
        held = 2 * gp * gc * op.in_type.bits  # two groups: one arriving, one leaving
        mem = hwp.buffer(2 * gp * gc // op.in_type.beat.values, op.in_type.beat.values * op.in_type.bits)
        mux = op.out_type.beat.values * op.in_type.bits * ceil(max(gp * gc // op.out_type.beat.values - 1, 0) / 3)
        cycles = sched.schedule(op).iters
        if held <= 1024:  # small groups sit in registers
            return Cost(cycles, lut=CONTROL_LUTS // 3 + mux, ff=held, depth=2)
        return Cost(cycles, lut=CONTROL_LUTS // 3 + mux, ff=op.out_type.beat.values * op.in_type.bits, depth=2).plus(mem)


@dataclass(eq=False)
class PointwiseModel(StageModel):
    kind = "pointwise"

    def own_cost(self) -> Cost:
        op = self.op
        assert isinstance(op, hls.PointwiseOp)
        lanes = op.in_type.beat.values
        steps = steps_cost(op.steps.data, op.in_type.element_type, lanes)  # type: ignore[arg-type]
        return Cost(sched.schedule(op).iters, lut=20) + steps


@dataclass(eq=False)
class ForkModel(StageModel):
    kind = "fork"


@dataclass(eq=False)
class AddModel(StageModel):
    kind = "add"

    def fifos(self) -> list[tuple[hls.StreamType, hwp.Memory]]:
        """Both input FIFOs (the skip's holds the other path's latency in beats)."""
        assert isinstance(self.op, hls.AddOp)
        return [*super().fifos(), *_fifo(self.op.addend)]

    def own_cost(self) -> Cost:
        op = self.op
        assert isinstance(op, hls.AddOp)
        lanes = op.in_type.beat.values
        adders = Cost(sched.schedule(op).iters, lut=20 + lanes * bits(op.sum_type), ff=lanes * bits(op.sum_type), depth=2)
        return adders + steps_cost(op.epilogue.data, op.sum_type, lanes)  # type: ignore[arg-type]


@dataclass(eq=False)
class ShuffleModel(StageModel):
    """Two groups in memory (one arriving, one leaving) and a multiplexer per output lane."""

    kind = "shuffle"

    def own_cost(self) -> Cost:
        op = self.op
        assert isinstance(op, hls.ShuffleOp)
        i, o = op.in_type, op.out_type
        mem = hwp.buffer(2 * op.group() // i.lanes.data, i.lanes.data * i.bits)
        mux = o.lanes.data * i.bits * ceil(max(i.lanes.data - 1, 0) / 3)
        return Cost(sched.schedule(op).iters, lut=CONTROL_LUTS // 3 + mux, ff=o.lanes.data * i.bits, depth=2).plus(mem)


@dataclass(eq=False)
class PadModel(StageModel):
    """A frame's edge replication at the input rate: the last pixel's beats in registers
    and, when rows are added, the current row in a buffer (LUTRAM when short)."""

    kind = "pad"

    def own_cost(self) -> Cost:
        op = self.op
        assert isinstance(op, hls.PadOp)
        i, o = op.in_type, op.out_type
        c, h, w = i.get_shape()
        word = i.lanes.data * i.bits
        cost = Cost(sched.schedule(op).iters, lut=CONTROL_LUTS // 3 + 2 * word, ff=c * i.bits + word, depth=2)
        if o.get_shape()[1] > h:  # the replicated bottom rows repeat the last input row
            cost = cost.plus(hwp.buffer(w * c // i.lanes.data, word))
        return cost


@dataclass(eq=False)
class CropModel(StageModel):
    """Dropping the padded frame's extra beats: counters and a write enable."""

    kind = "crop"

    def own_cost(self) -> Cost:
        s = self.op.in_type
        return Cost(sched.schedule(self.op).iters, lut=CONTROL_LUTS // 3, ff=s.beat_bits, depth=1)


@dataclass(eq=False)
class KnobModel(StageModel, ABC):
    """A compute stage whose folding the solver picks; its `geometry` gives the legal PE
    and SIMD and the MACs."""

    weight_name = "weight"  # the property holding the products' weights

    @property
    def macs(self) -> int:
        return self.geometry.macs()

    # Widths are read once per model: xDSL's accessors cost microseconds, and a table prices thousands of foldings.
    @cached_property
    def weight_bits(self) -> int:
        return bits(self.op.properties[self.weight_name].type.get_element_type())  # type: ignore[attr-defined]

    @cached_property
    def in_bits(self) -> int:
        return self.op.in_type.bits  # type: ignore[attr-defined]

    @cached_property
    def acc_bits(self) -> int:
        return bits(self.op.acc_type)  # type: ignore[attr-defined]

    @cached_property
    def operand_bits(self) -> int:
        """Bits of the activation operand of the stage's products."""
        return self.in_bits

    def pe_choices(self) -> list[int]:
        return self.geometry.pe_choices()

    def simd_choices(self) -> list[int]:
        return self.geometry.simd_choices()

    @abstractmethod
    def mmv_choices(self, simd: int, limit: int) -> list[int]: ...

    @abstractmethod
    def rules(self) -> tuple[str, str, str]: ...

    def tiles(self, mmv: int) -> bool:
        """Whether groups of `mmv` pixels tile the rows (blocks of a block row, for a
        transposed convolution)."""
        g = self.geometry
        return (g.qw if isinstance(g, DeconvGeometry) else g.w) % mmv == 0

    @abstractmethod
    def folding_cost(self, f: Folding, in_beat: Beat | None) -> Cost:
        """Cost with folding `f`, the input arriving with `in_beat` (None: as fast as used)."""

    def own_cost(self) -> Cost:
        return self.folding_cost(folding_of(self.op), self.op.in_type.beat)  # type: ignore[arg-type]

    @cached_property
    def epilogue(self) -> Cost:
        """One output lane's steps after the accumulator (those an epilogue unit does)."""
        op = self.op
        return steps_cost(op.epilogue.data, op.acc_type, 1)  # type: ignore[attr-defined, arg-type]

    def option_table(
        self, ram_styles: Sequence[str], mult_impls: Sequence[str], max_mmv: int, tiling: bool = False,
        cap: tuple[int, int] | None = None,
    ) -> Options:
        """The solver's table of this stage's options (`tiling`: only pixel groups that tile
        the rows; `cap`: only those whose multiply array alone fits that many DSPs and
        LUTs), shared by stages of one signature."""
        key = (self.signature, tuple(ram_styles), tuple(mult_impls), max_mmv, tiling, cap)
        if key not in _OPTION_TABLES:
            def choices(s: KnobModel) -> list[Folding]:
                legal = [f for f in s.options(ram_styles, mult_impls, max_mmv) if not tiling or s.tiles(f.mmv)]
                # With no array within the cap, all stay: the solver then says what is short.
                return [f for f in legal if s.array_fits(f, cap)] or legal if cap else legal

            table = priced(choices, lambda s, f: s.option_cost(f))
            _OPTION_TABLES[key] = table(self)
        return _OPTION_TABLES[key]

    def array_fits(self, f: Folding, cap: tuple[int, int]) -> bool:
        """Whether folding `f`'s multiply-accumulate array (a part of its cost) fits `cap` =
        (DSPs, LUTs) alone: most foldings of a wide reduction do not, and pricing them
        whole was most of the planning time."""
        return _array_fits(f.pe, f.simd, f.mmv, self.impl(f), self.weight_bits, self.operand_bits, self.acc_bits, cap, self.packs)

    def impl(self, f: Folding) -> str:
        """How the products are computed: ``shift`` for power-of-two weights (wherever
        the folding places products), else the folding's ``mult_impl``."""
        return "shift" if self.shifts else f.mult_impl

    @cached_property
    def shifts(self) -> bool:
        return getattr(self.op, "weight_pow2", None) is not None

    @property
    def packs(self) -> tuple[bool, bool]:
        """Whether the kernel packs products itself (`array_cost`), and whether its
        activations are signed."""
        return False, True

    def option_cost(self, f: Folding) -> Cost:
        key = (self.signature, f)
        if key not in _OPTION_COSTS:
            _OPTION_COSTS[key] = self.folding_cost(f, None)
        return _OPTION_COSTS[key]

    @cached_property
    def signature(self) -> tuple:
        """What an option's price depends on: the stage's op and types, its weights' and
        steps' shapes and widths (not their values, nor the beats refold gave it)."""
        op = self.op
        props = tuple(
            (name, str(getattr(attr, "type", attr)) if name in _WEIGHTS else str(attr))
            for name, attr in sorted(op.properties.items())
            if name not in _KNOBS
        )
        window = self.window_geometry if isinstance(self, MvauModel) and self.window is not None else None
        return (op.name, op.in_type.get_shape(), str(op.in_type.element_type), op.out_type.get_shape(),
                str(op.out_type.element_type), props, window)

    def options(self, ram_styles: Sequence[str], mult_impls: Sequence[str], max_mmv: int) -> list[Folding]:
        return [
            Folding(p, s, m, r, i)
            for s in self.simd_choices()
            for m in self.mmv_choices(s, max_mmv)
            for p in self.pe_choices()
            for r in ram_styles
            for i in mult_impls
        ]

    def illegal(self, f: Folding, ram_styles: Sequence[str] = RAM_STYLES, max_mmv: int | None = None) -> str | None:
        """Why folding `f` is not legal here, or None."""
        if f.ram_style not in ram_styles:
            return f"ram_style '{f.ram_style}' is not available; choose one of {', '.join(ram_styles)}"
        if f.mult_impl not in MULT_IMPLS:
            return f"mult_impl '{f.mult_impl}' is not legal; choose one of {', '.join(MULT_IMPLS)}"
        pe_rule, simd_rule, mmv_rule = self.rules()
        return (
            legal("pe", f.pe, self.pe_choices(), pe_rule)
            or legal("simd", f.simd, self.simd_choices(), simd_rule)
            or legal("mmv", f.mmv, self.mmv_choices(f.simd, max_mmv or 1 << 30), mmv_rule)
        )


@lru_cache(maxsize=1 << 16)
def _array_fits(
    pe: int, simd: int, mmv: int, impl: str, w: int, a: int, acc: int, cap: tuple[int, int], packs: tuple[bool, bool] = (False, True),
) -> bool:
    dsp, lut, _ = array_cost(pe, simd, mmv, w, a, acc, impl, *packs)
    return dsp <= cap[0] and lut <= cap[1]


def shared_epilogue(lanes: int, units: int, lag: int, held_bits: int) -> tuple[int, int]:
    """(LUT, FF) of epilogue units shared by `lanes` lanes over `lag` cycles: the
    lanes' `held_bits` wait in registers and each unit's input is a lag:1
    multiplexer (a LUT6 per bit per 4:1)."""
    if lag == 0:
        return 0, 0
    return units * held_bits * ceil((lag - 1) / 3), lanes * held_bits


def _mvau(
    g: MvauGeometry, f: Folding, w_bits: int, a_bits: int, acc: int, epilogue: Cost, cycles: int,
    words: int | None = None, units: tuple[int, int] | None = None, packs: tuple[bool, bool] = (False, True),
    impl: str | None = None,
) -> Cost:
    """An MVAU's array, weight memory (`words` of PE × SIMD weights; default one per
    fold and step), replay buffer and epilogue (`epilogue` per unit: `units` = (units,
    lag) of `MvauGeometry.epilogue`; default one per lane)."""
    nf, sf = g.folds(f.pe, f.simd)
    dsp, lut, ff = array_cost(f.pe, f.simd, f.mmv, w_bits, a_bits, acc, impl or f.mult_impl, *packs)
    weights = hwp.memory(nf * sf if words is None else words, f.pe * f.simd * w_bits, f.ram_style)
    # The input vector is replayed once per PE fold (FINN's MVAU input buffer).
    replay = hwp.buffer(sf, f.mmv * f.simd * a_bits) if nf > 1 else hwp.Memory()
    if f.ram_style == "lutram":
        ff += f.pe * f.simd * w_bits  # distributed RAM reads are registered in fabric
    lanes = f.pe * f.mmv
    n, lag = units or (lanes, 0)
    mux, held = shared_epilogue(lanes, n, lag, acc)
    core = Cost(
        cycles, dsp=dsp + n * epilogue.dsp, bram18=n * epilogue.bram18,
        lut=CONTROL_LUTS + lut + n * epilogue.lut + mux,
        ff=ff + f.mmv * f.simd * a_bits + n * epilogue.ff + held,
        depth=sf + 10 + lag + epilogue.depth,
    )
    return core.plus(weights).plus(replay)


@dataclass(eq=False)
class MvauModel(KnobModel):
    kind = "mvau"

    @cached_property
    def packs(self) -> tuple[bool, bool]:
        return True, self.op.in_type.element_type.signedness.data != Signedness.UNSIGNED

    @cached_property
    def window(self) -> hls.WindowOp | None:
        producer = self.op.input.owner
        return producer if isinstance(producer, hls.WindowOp) else None

    @cached_property
    def geometry(self) -> MvauGeometry:
        k, h, w = self.op.in_type.get_shape()
        return MvauGeometry(k, self.op.out_type.channels, h, w)

    @cached_property
    def window_geometry(self) -> WindowGeometry:
        assert self.window is not None
        return self.window.geometry()

    def mmv_choices(self, simd: int, limit: int) -> list[int]:
        return self.geometry.mmv_choices(limit)

    def rules(self) -> tuple[str, str, str]:
        g = self.geometry
        return (
            f"PE divides the {g.cout} output channels",
            f"SIMD divides the reduction of {g.k}",
            f"MMV takes fewer groups of the row of {g.w} pixels than MMV − 1",
        )

    def folding_cost(self, f: Folding, in_beat: Beat | None) -> Cost:
        g, op = self.geometry, self.op
        a = self.in_bits
        nf, sf = g.folds(f.pe, f.simd)
        units = g.epilogue(f.pe, f.simd, f.mmv)
        cycles = sched.mvau_cycles(g.h, g.w, nf, sf, f.mmv, units[1])
        core = _mvau(g, f, self.weight_bits, a, self.acc_bits, self.epilogue, cycles, units=units, packs=self.packs, impl=self.impl(f))
        if in_beat is None and self.window is not None:  # an option: its window generator too
            g = self.window_geometry
            return core + window_cost(g, _window_feed(g, f.simd, f.mmv), f.simd, f.mmv, a, f.ram_style)
        return core


@dataclass(eq=False)
class GdnModel(KnobModel):
    kind = "gdn"

    @cached_property
    def geometry(self) -> MvauGeometry:
        c, h, w = self.op.in_type.get_shape()
        return MvauGeometry(c, c, h, w)

    weight_name = "gamma"

    def mmv_choices(self, simd: int, limit: int) -> list[int]:
        return self.geometry.mmv_choices(limit)

    @cached_property
    def operand_bits(self) -> int:
        return bits(self.op.operand_type())  # type: ignore[attr-defined]

    @cached_property
    def norm_bits(self) -> int:
        return bits(self.op.norm_type())  # type: ignore[attr-defined]

    def rules(self) -> tuple[str, str, str]:
        g = self.geometry
        return (f"PE divides the {g.k} channels", f"SIMD divides the {g.k} channels", f"MMV takes fewer groups of the row of {g.w} pixels than MMV − 1")

    @cached_property
    def epilogue(self) -> Cost:
        """One output lane's norm steps and epilogue (its x·n product is costed with the
        stage's placement)."""
        op = self.op
        assert isinstance(op, hls.GdnOp)
        norm = steps_cost(op.norm.data, op.acc_type, 1)  # type: ignore[arg-type]
        epilogue = steps_cost(op.epilogue.data, op.product_type, 1)  # type: ignore[arg-type]
        return norm + epilogue

    def folding_cost(self, f: Folding, in_beat: Beat | None) -> Cost:
        g, op = self.geometry, self.op
        assert isinstance(op, hls.GdnOp)
        a, q = self.in_bits, self.operand_bits
        nf, sf = g.folds(f.pe, f.simd)
        units = g.epilogue(f.pe, f.simd, f.mmv)
        cycles = sched.mvau_cycles(g.h, g.w, nf, sf, f.mmv, units[1])
        core = _mvau(g, f, self.weight_bits, q, self.acc_bits, self.epilogue, cycles, units=units)
        lanes, (n, lag) = f.pe * f.mmv, units
        # x·n per epilogue unit, where the stage puts its products; a lane's x waits with it.
        dsp, lut = products(n, 0, a, self.norm_bits, f.mult_impl)
        mux, held = shared_epilogue(lanes, n, lag, a)
        # x², or |x|, of SIMD inputs of MMV pixels per cycle.
        pre_dsp, pre_lut = (
            products(f.mmv * f.simd, 0, a, a, f.mult_impl)
            if isinstance(op.prologue.data[0], hls.SquareStep)
            else (0, f.mmv * f.simd * a)
        )
        # The x path: two pixel groups deep.
        xs = hwp.buffer(2 * g.k // f.pe, lanes * a)
        return Cost(
            cycles, core.dsp + dsp + pre_dsp, core.bram18, core.uram, core.lut + lut + pre_lut + mux,
            core.ff + n * (a + bits(op.product_type)) + held, core.depth + 3,
        ).plus(xs)


@dataclass(eq=False)
class DeconvModel(KnobModel):
    kind = "deconv"

    @cached_property
    def geometry(self) -> DeconvGeometry:
        return self.op.geometry()  # type: ignore[attr-defined]

    def mmv_choices(self, simd: int, limit: int) -> list[int]:
        return self.geometry.mmv_choices(simd, limit)

    def rules(self) -> tuple[str, str, str]:
        g = self.geometry
        return (
            f"PE divides the {g.cout} output channels",
            f"SIMD divides Cin = {g.cin}, or is Cin × m taps with m ≤ {max(g.taps)} (phases in turn), "
            f"or {g.all_taps} taps × a divisor of Cin (phases at once)",
            f"MMV > 1 needs all phases at once and takes fewer groups of the {g.qw} blocks of a row than MMV − 1",
        )

    def folding_cost(self, f: Folding, in_beat: Beat | None) -> Cost:
        g, op = self.geometry, self.op
        a = self.in_bits
        e = g.at_once_channels(f.simd)
        # An option writes the beat refold will give it; an applied stage, its stream's.
        out_pixels = g.out_pixels(f.pe, f.simd, f.mmv) if in_beat is None else op.out_type.pixels.data
        in_beat = in_beat or _deconv_feed(g, f.pe, f.simd, f.mmv)
        timing = sched.deconv_schedule(g, in_beat, f.pe, f.simd, f.mmv, out_pixels)
        cycles = timing.iters
        nf = g.cout // f.pe
        words = nf * (g.cin // e if e is not None else sum(g.steps(f.simd)))
        mvau = MvauGeometry(g.cin * max(g.taps), g.cout, g.h, g.w)
        core = _mvau(mvau, f, self.weight_bits, a, self.acc_bits, self.epilogue, cycles, words, impl=self.impl(f))
        ring = timing.constants["RING"]
        lines = hwp.buffer(ring * g.w * g.cin // in_beat.values, in_beat.values * a, f.ram_style)
        core = core.plus(lines)
        if e is not None:  # finished block rows wait for their turn to leave
            rows = hwp.buffer(2 * g.sh * g.wo * g.cout // (f.pe * out_pixels), f.pe * out_pixels * bits(op.out_type.element_type), f.ram_style)
            core = core.plus(rows)
        return core


@lru_cache(maxsize=4096)
def _window_feed(g: WindowGeometry, simd: int, mmv: int) -> Beat:
    """The narrowest input beat that keeps a window generator at (about) its emitting pace."""
    emits = g.ho * row_groups(g.wo, mmv) * (g.k // simd)
    return feeding_beat(g.c, g.h, g.w, lambda b: sched.window_schedule(g, b, simd, mmv).iters <= emits * (1 + 1 / g.ho))


@lru_cache(maxsize=4096)
def _deconv_feed(g: DeconvGeometry, pe: int, simd: int, mmv: int) -> Beat:
    """The narrowest input beat that keeps a transposed convolution at (about) its own pace."""
    fastest = sched.deconv_iters(g, Beat(g.cin, g.w), pe, simd, mmv)
    return feeding_beat(g.cin, g.h, g.w, lambda b: sched.deconv_iters(g, b, pe, simd, mmv) <= fastest * (1 + 1 / g.h))


# Prices of options by stage signature: a design re-read from the IR, or the
# report's FPS-vs-DSP curve, does not price the same thousands of foldings again.
_OPTION_COSTS: dict[tuple, Cost] = {}
_OPTION_TABLES: dict[tuple, Options] = {}
_WEIGHTS = ("weight", "bias", "gamma", "beta")
_KNOBS = ("pe", "simd", "mmv", "ram_style", "mult_impl", "mult_pack", "cost", "lic_ops")

_MODELS: dict[type, type[StageModel]] = {
    hls.WindowOp: WindowModel,
    hls.MvauOp: MvauModel,
    hls.GdnOp: GdnModel,
    hls.DeconvOp: DeconvModel,
    hls.PointwiseOp: PointwiseModel,
    hls.LanesOp: LanesModel,
    hls.ForkOp: ForkModel,
    hls.AddOp: AddModel,
    hls.ShuffleOp: ShuffleModel,
    hls.PadOp: PadModel,
    hls.CropOp: CropModel,
}


def dataflow_of(f: func.FuncOp) -> hls.DataflowOp | None:
    return next((op for op in f.body.block.ops if isinstance(op, hls.DataflowOp)), None)


def function_stages(name: str, flow: hls.DataflowOp) -> list[StageModel]:
    """The models of one dataflow's stages, in order, named as the emitter names them."""
    ops = flow.stages()
    names = hls.stage_names(ops)
    return [_MODELS[type(op)](name, i, names[op], op) for i, op in enumerate(ops)]


def module_stages(module: ModuleOp) -> dict[str, list[StageModel]]:
    """Stage models per function holding an `hls.dataflow`, in module order."""
    out = {}
    for f in module.ops:
        if isinstance(f, func.FuncOp) and (flow := dataflow_of(f)) is not None:
            out[f.sym_name.data] = function_stages(f.sym_name.data, flow)
    if not out:
        raise LiccError(
            "lic-set-parallelism plans hls dataflow stages and the module has none; "
            "run convert-lic-to-hls first"
        )
    return out


def total(costs: Sequence[Cost]) -> dict[str, int]:
    """Summed resources of some stages."""
    return {r: sum(c.vector()[i] for c in costs) for i, r in enumerate(RESOURCES)}


__all__ = ["MAX_MMV", "Cost", "Folding", "KnobModel", "StageModel", "module_stages", "total"]
