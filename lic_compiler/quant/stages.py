"""Stages of (float) lic ops, costed at a bit-width assignment: many small solver problems.

The hybrid precision search used to rank width assignments with this model;
it now solves the emitted `hls` design (`lic_compiler.quant.score`). What
stays is a generic source of small, varied problems for the parallelism
solver's exactness tests (test/hw/test_solver.py), which folds these stages
without building any integer IR. The emitted design is planned on the `hls`
stages (`lic_compiler.hw.stages`).

One stage per compute op of a function, in program order:

- ``conv`` (`lic.conv2d`): a sliding-window generator feeding a matrix-vector
  unit (MVAU) of PE × SIMD multipliers;
- ``deconv`` (`lic.conv_transpose2d`): a polyphase MVAU that computes the
  s² output phases from the input grid, so no multiply meets an inserted zero;
- ``gdn`` (`lic.gdn`): a C × C MVAU on x² (or |x|), the reciprocal-(square-)root
  table and the output multiply, with the x path buffered meanwhile;
- ``approx`` (`lic.rsqrt`, `lic.sqrt`, `lic.reciprocal`): lanes of GDN's
  decomposed root or reciprocal;
- ``eltwise`` (`lic.relu`, `lic.add`, …): lanes of simple logic fused on a stream.

The formulas and their sources are in docs/cost-model.md.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from math import ceil
from typing import ClassVar

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation

from lic_compiler.analysis import macs
from lic_compiler.dialects import lic
from lic_compiler.dialects.hls_geometry import DeconvGeometry, divisors, phase_taps
from lic_compiler.errors import LiccError
from lic_compiler.gdn_approx import ENTRY_WIDTH, Approx
from lic_compiler.hw import primitives as hwp
from lic_compiler.hw.device import RESOURCES
from lic_compiler.hw.widths import TABLE_INDEX_BITS, Widths, argument_bits, op_widths

# FINN's fitted constant: LUTs of a stage's control, stream handshakes and address counters.
CONTROL_LUTS = 300
RAM_STYLES = ("bram", "lutram", "uram")
# Pixels a GDN stage may take at once: reorder buffers of that many pixels on each side.
MAX_MMV = 8


@dataclass(frozen=True)
class Folding:
    """PE (output lanes) × SIMD (reduction lanes) × MMV (pixels at once), and where
    the weights and tables live."""

    pe: int
    simd: int = 1
    ram_style: str = "none"
    mmv: int = 1


@dataclass(frozen=True)
class Cost:
    cycles: int  # per frame, at one folded step per cycle (II = 1)
    dsp: int
    bram18: int
    uram: int
    lut: int
    ff: int
    depth: int  # pipeline cycles from a stage's first window to its first output

    def vector(self) -> tuple[int, int, int, int, int]:
        return (self.dsp, self.bram18, self.uram, self.lut, self.ff)


@dataclass(frozen=True)
class _Window:
    cycles: int
    memory: hwp.Memory
    lut: int
    ff: int


def _aligned_slice(cin: int, kh: int, kw: int, simd: int) -> tuple[int, int] | None:
    """(pixels, channels) of a SIMD slice of the window when it aligns with pixels.

    A slice is part of one pixel's channels (SIMD divides Cin), m whole pixels
    of a window row (m divides kw), j whole window rows (j divides kh), or the
    same channel slice of every window pixel (FINN's parallel window).
    """
    if cin % simd == 0:
        return 1, simd
    if simd % (kh * kw) == 0 and cin % (simd // (kh * kw)) == 0:
        return kh * kw, simd // (kh * kw)
    if simd % cin:
        return None
    m = simd // cin
    if kw % m == 0 or (m % kw == 0 and kh % (m // kw) == 0):
        return m, cin
    return None


def _window(
    cin: int,
    h_in: int,
    w_in: int,
    kh: int,
    kw: int,
    rows: int,
    simd: int,
    bits: int,
    target: int,
    style: str,
) -> _Window:
    """The sliding-window generator that feeds SIMD window elements per cycle.

    Slices aligned with pixels: FINN's addressable cyclic buffer of `rows`
    rows plus a window's width, banked by pixel so that the slice's pixels
    are read in one cycle; one slice enters per cycle too. Otherwise the
    window sits in (double-buffered) registers and a multiplexer picks any
    SIMD slice; the rows wait in line buffers whose input width (lanes) is
    the smallest that keeps ingest within `target` cycles. Either way the
    window generator never sets the pace of its MVAU (for stride ≤ kernel).
    With ``style`` uram the deep buffers go to UltraRAM.
    """
    aligned = _aligned_slice(cin, kh, kw, simd)
    if aligned is not None:
        banks, word = aligned
        bank = hwp.buffer(ceil((rows * w_in + kw) * cin // word / banks), word * bits, style)
        mem = hwp.Memory(banks * bank.bram18, banks * bank.uram, banks * bank.lut)
        return _Window(h_in * w_in * cin // simd, mem, CONTROL_LUTS + mem.lut, simd * bits)
    choices = divisors(cin) + [cin * m for m in divisors(w_in)[1:]]
    lanes = next((n for n in choices if h_in * w_in * cin // n <= target), choices[-1])
    row = hwp.buffer(w_in * cin // lanes, lanes * bits, style)
    window = kh * kw * cin
    mux = ceil((ceil(window / simd) - 1) / 3)  # LUT6s per bit of an n:1 multiplexer
    return _Window(
        cycles=h_in * w_in * cin // lanes,
        memory=hwp.Memory(rows * row.bram18, rows * row.uram, rows * row.lut),
        lut=CONTROL_LUTS + rows * row.lut + simd * bits * mux,
        ff=2 * window * bits,
    )


def _legal(what: str, value: int, choices: Sequence[int], rule: str) -> str | None:
    if value in choices:
        return None
    shown = ", ".join(map(str, choices[:24])) + (", …" if len(choices) > 24 else "")
    return f"{what}={value} is not legal ({rule}); choose one of {shown}"


@dataclass(eq=False)
class Stage(ABC):
    """One hardware stage: the op it implements and where it sits."""

    function: str
    layer: int
    op: Operation
    kind: ClassVar[str]
    # Whether the folding is a user-visible knob (IR properties, parallelism.json).
    folded: ClassVar[bool] = True
    # Whether the stage takes several pixels at once (the MMV knob).
    has_mmv: ClassVar[bool] = False
    widths: Widths = field(init=False)

    @property
    def name(self) -> str:
        return self.op.results[0].name_hint or f"{self.op.name}#{self.layer}"

    @property
    def label(self) -> str:
        return f"@{self.function} #{self.layer} %{self.name} ({self.op.name})"

    @property
    def input_shape(self) -> tuple[int, ...]:
        return lic.tensor_shape(self.op.operands[0])

    @property
    def output_shape(self) -> tuple[int, ...]:
        return lic.tensor_shape(self.op.results[0])

    @property
    def macs(self) -> int:
        return macs(self.op)

    @property
    def operand_bits(self) -> tuple[int, int]:
        """(weight, operand) bits of each of the stage's multiplies."""
        return self.widths.weight, self.widths.act_in

    @property
    def dsp_macs(self) -> float:
        """DSP slices × cycles per frame that the stage's MACs need at best: half a
        DSP-cycle per MAC when two pack into one DSP48E2, none in fabric."""
        return self.macs * hwp.array_dsps(2, 1, *self.operand_bits) / 2

    @property
    def has_weights(self) -> bool:
        return True

    @abstractmethod
    def pe_choices(self) -> list[int]: ...

    @abstractmethod
    def simd_choices(self) -> list[int]: ...

    def mmv_choices(self) -> list[int]:
        return [1]

    @abstractmethod
    def cost(self, f: Folding) -> Cost:
        """Cycles and resources of this stage with folding `f` (assumed legal)."""

    @property
    def fill_rows(self) -> float:
        """Input rows that must arrive before the first output (latency model)."""
        return 0.0

    def foldings(self, ram_styles: Sequence[str]) -> list[Folding]:
        styles = ram_styles if self.has_weights else ("none",)
        return [
            Folding(p, s, r, m)
            for m in self.mmv_choices()
            for p in self.pe_choices()
            for s in self.simd_choices()
            for r in styles
        ]

    def illegal(self, f: Folding, ram_styles: Sequence[str] = RAM_STYLES) -> str | None:
        """Why folding `f` is not legal here, or None."""
        pe_rule, simd_rule = self.rules
        styles = ram_styles if self.has_weights else ("none",)
        if f.ram_style not in styles:
            return f"ram_style '{f.ram_style}' is not available; choose one of {', '.join(styles)}"
        return (
            _legal("pe", f.pe, self.pe_choices(), pe_rule)
            or _legal("simd", f.simd, self.simd_choices(), simd_rule)
            or _legal("mmv", f.mmv, self.mmv_choices(), self.mmv_rule)
        )

    @property
    def mmv_rule(self) -> str:
        return "only GDN stages take several pixels at once"

    @property
    @abstractmethod
    def rules(self) -> tuple[str, str]:
        """The legality rules of PE and SIMD, in words."""


@dataclass(eq=False)
class ConvStage(Stage):
    kind = "conv"

    def __post_init__(self) -> None:
        op = self.op
        assert isinstance(op, lic.Conv2dOp)
        self.widths = op_widths(op.input, op.weight, op.output)
        _, self.cin, self.h_in, self.w_in = self.input_shape
        _, self.cout, self.h_out, self.w_out = self.output_shape
        self.kh, self.kw = op.kernel()
        self.ph = op.paddings()[0]

    @cached_property
    def reduction(self) -> int:
        return self.cin * self.kh * self.kw

    @property
    def rules(self) -> tuple[str, str]:
        return (
            f"PE divides the {self.cout} output channels",
            f"SIMD divides the reduction Cin·kh·kw = {self.reduction}",
        )

    def pe_choices(self) -> list[int]:
        return divisors(self.cout)

    def simd_choices(self) -> list[int]:
        return divisors(self.reduction)

    @property
    def fill_rows(self) -> float:
        return max(self.kh - self.ph, 1)

    def cost(self, f: Folding) -> Cost:
        w = self.widths
        folds = (self.reduction // f.simd) * (self.cout // f.pe)
        mvau = self.h_out * self.w_out * folds
        win = _window(
            self.cin, self.h_in, self.w_in, self.kh, self.kw, self.kh - 1, f.simd, w.act_in, mvau,
            f.ram_style,
        )
        return _mvau_cost(
            f, self.reduction, self.cout, folds, w, w.act_in, max(mvau, win.cycles), win
        )


def _mvau_cost(
    f: Folding,
    reduction: int,
    cout: int,
    weight_words: int,
    w: Widths,
    operand_bits: int,
    cycles: int,
    win: _Window,
) -> Cost:
    """A PE × SIMD (× MMV pixels) matrix-vector unit with its weight memory, input
    replay buffer and window; the MMV pixels share each weight read."""
    acc = w.acc(reduction, operand_bits)
    lanes = f.pe * f.mmv
    weights = hwp.memory(weight_words, f.pe * f.simd * w.weight, f.ram_style)
    # The input vector is replayed once per PE fold (FINN's MVAU input buffer).
    replay = (
        hwp.buffer(ceil(reduction / f.simd), f.mmv * f.simd * operand_bits)
        if f.pe < cout
        else hwp.Memory()
    )
    lut_mapped = hwp.mult_mapping(w.weight, operand_bits) == "lut"
    ff = 2 * lanes * acc + f.mmv * f.simd * operand_bits + win.ff
    if lut_mapped:
        ff += lanes * f.simd * (w.weight + operand_bits)
    if f.ram_style == "lutram":
        ff += f.pe * f.simd * w.weight  # distributed RAM reads are registered in fabric
    return Cost(
        cycles=cycles,
        dsp=hwp.array_dsps(lanes, f.simd, w.weight, operand_bits),
        bram18=weights.bram18 + replay.bram18 + win.memory.bram18,
        uram=weights.uram + win.memory.uram,
        lut=CONTROL_LUTS
        + hwp.array_luts(lanes, f.simd, w.weight, operand_bits, acc)
        + weights.lut
        + replay.lut
        + win.lut,
        ff=ff,
        depth=ceil(reduction / f.simd) + 10,
    )


def _phase_taps(k: int, s: int, p: int, out: int) -> list[tuple[int, int]]:
    """Per output phase r (o ≡ r mod s): (kernel taps that reach it, outputs in it)."""
    return [(len(taps), len(range(r, out, s))) for r, taps in enumerate(phase_taps(k, s, p))]


@dataclass(eq=False)
class PolyphaseStage(Stage):
    """Transposed convolution as s_h·s_w sub-kernel convolutions on the input grid.

    Two schedules, told apart by SIMD. *Phases in turn*: each input row is
    visited once per row phase, emitting the column phases interleaved, so
    rows leave in raster order; a phase with t taps reduces over Cin·t
    products, SIMD lanes beyond Cin take several taps at once, and a phase
    whose reduction is not a multiple of SIMD idles the rest of its last step
    (the cycle count includes that). *Phases at once* (transforming the
    deconvolution into s² convolutions, TDC): every phase takes e channels of
    each of its taps per cycle, SIMD = e × all taps, so all phases finish
    together with no idle lane; the odd output rows wait in a row buffer
    (counted) while the even ones stream out.
    """

    kind = "deconv"

    def __post_init__(self) -> None:
        op = self.op
        assert isinstance(op, lic.ConvTranspose2dOp)
        self.widths = op_widths(op.input, op.weight, op.output)
        _, self.cin, self.h_in, self.w_in = self.input_shape
        _, self.cout, self.h_out, self.w_out = self.output_shape
        (kh, kw), (sh, sw), (ph, pw) = op.kernel(), op.strides(), op.paddings()
        self.ph, self.sh = ph, sh
        self.geometry = DeconvGeometry(
            self.cin, self.h_in, self.w_in, self.cout, kh, kw, sh, sw, ph, pw, *op.output_paddings()
        )
        ys, xs = _phase_taps(kh, sh, ph, self.h_out), _phase_taps(kw, sw, pw, self.w_out)
        # (taps, output pixels) of each 2-D phase
        self.phases = [(ty * tx, ny * nx) for ty, ny in ys for tx, nx in xs]
        self.kh_sub, self.kw_sub = max(t for t, _ in ys), max(t for t, _ in xs)

    @property
    def rules(self) -> tuple[str, str]:
        g = self.geometry
        return (
            f"PE divides the {self.cout} output channels",
            f"SIMD divides Cin = {self.cin}, or is Cin × m taps with m ≤ {max(g.taps)} "
            f"(phases in turn), or {g.all_taps} taps × a divisor of Cin (phases at once)",
        )

    def pe_choices(self) -> list[int]:
        return divisors(self.cout)

    def simd_choices(self) -> list[int]:
        return self.geometry.simd_choices()

    @property
    def fill_rows(self) -> float:
        return self.ph // self.sh + 1

    def steps(self, simd: int) -> list[tuple[int, int]]:
        """Per phase: (SIMD steps of one output pixel's reduction, output pixels)."""
        return [(ceil(self.cin * t / simd), n) for t, n in self.phases if t]

    def cost(self, f: Folding) -> Cost:
        pe_folds = self.cout // f.pe
        e = self.geometry.at_once_channels(f.simd)
        if e is None:
            steps = self.steps(f.simd)
            cycles = pe_folds * sum(s * n for s, n in steps)
            words = pe_folds * sum(s for s, _ in steps)
            window_simd = f.simd
        else:
            # Every phase takes e channels of each of its taps per cycle: balanced, no idle lane.
            cycles = pe_folds * (self.cin // e) * max(n for _, n in self.phases)
            words = pe_folds * (self.cin // e)
            window_simd = self.kh_sub * self.kw_sub * e
        win = _window(
            self.cin, self.h_in, self.w_in, self.kh_sub, self.kw_sub, self.kh_sub,
            window_simd, self.widths.act_in, cycles, f.ram_style,
        )
        core = _mvau_cost(
            f, self.cin * max(self.geometry.taps), self.cout, words, self.widths, self.widths.act_in,
            max(cycles, win.cycles), win,
        )
        if e is None:
            return core
        rows = hwp.buffer(
            (self.sh - 1) * self.w_out * self.cout // f.pe, f.pe * self.widths.act_out, f.ram_style
        )
        return replace(
            core, bram18=core.bram18 + rows.bram18, uram=core.uram + rows.uram, lut=core.lut + rows.lut
        )


@dataclass(eq=False)
class GdnStage(Stage):
    """GDN/IGDN per pixel: norm_i = β_i + Σ_j γ_ij·x_j² (or |x_j|), then y_i = x_i·f(norm_i).

    The C × C MVAU reduces over input channels (SIMD) for PE output channels
    of MMV pixels at once; f (1/√, √ or 1/·) is a table indexed by the
    normalised norm, except for inverse L1 GDN whose f is the identity; the x
    vector waits in a two-pixel buffer meanwhile. With a power-of-two C every
    PE × SIMD folding of the C² products per pixel is a power of two, so the
    pixel lanes (MMV dividing W, reorder buffers of MMV pixels on either side)
    are what gives the cycle counts between them.
    """

    kind = "gdn"
    has_mmv = True

    def __post_init__(self) -> None:
        op = self.op
        assert isinstance(op, lic.GdnOp)
        self.widths = op_widths(op.input, op.gamma, op.output)
        _, self.c, self.h, self.w = self.input_shape
        self.standard = op.form.data == "standard"
        self.table = not (op.form.data == "l1" and op.is_inverse)
        # The norm's function: 1/√ (GDN), √ (IGDN) or 1/· (L1 GDN; none for inverse L1).
        self.root = ("sqrt" if op.is_inverse else "rsqrt") if self.standard else "reciprocal"

    @property
    def norm_bits(self) -> int:
        """Bits of the MVAU's operand: x² is twice as wide as x; |x| is as wide."""
        return 2 * self.widths.act_in if self.standard else self.widths.act_in

    @property
    def operand_bits(self) -> tuple[int, int]:
        return self.widths.weight, self.norm_bits

    @property
    def rules(self) -> tuple[str, str]:
        return (f"PE divides the {self.c} channels", f"SIMD divides the {self.c} channels")

    def pe_choices(self) -> list[int]:
        return divisors(self.c)

    def simd_choices(self) -> list[int]:
        return divisors(self.c)

    def mmv_choices(self) -> list[int]:
        return [m for m in divisors(self.w) if m <= MAX_MMV]

    @property
    def mmv_rule(self) -> str:
        return f"MMV divides the width {self.w} and is at most {MAX_MMV}"

    def cost(self, f: Folding) -> Cost:
        w, a, m = self.widths, self.widths.act_in, f.mmv
        lanes = f.pe * m
        folds = (self.c // f.simd) * (self.c // f.pe)
        # Squares (or absolute values) of SIMD inputs of MMV pixels per cycle, in LUTs.
        pre = m * f.simd * (hwp.lut_mult(a, a) if self.standard else a)
        # The x path (two pixels deep), plus the pixel reorder buffers when MMV > 1.
        bufs = [hwp.buffer(2 * self.c // f.pe, lanes * a)]
        if m > 1:
            bufs += [hwp.buffer(2 * self.c // f.simd, m * f.simd * a), bufs[0]]
        mem = hwp.Memory(bram18=sum(b.bram18 for b in bufs), lut=sum(b.lut for b in bufs))
        win = _Window(0, mem, pre + mem.lut, m * f.simd * a)
        core = _mvau_cost(
            f, self.c, self.c, folds, w, self.norm_bits, self.h * self.w // m * folds, win
        )
        acc = w.acc(self.c, self.norm_bits)
        root = (
            _lanes_cost(Approx(self.root, "table", table_bits=TABLE_INDEX_BITS), acc, lanes)
            if self.table
            else Cost(0, 0, 0, 0, 0, 0, 0)
        )
        scale_bits = ENTRY_WIDTH if self.table else acc
        return Cost(
            cycles=core.cycles,
            dsp=core.dsp + root.dsp + lanes * hwp.dsp_per_mult(a, scale_bits),
            bram18=core.bram18 + root.bram18,
            uram=core.uram,
            lut=core.lut + root.lut,
            ff=core.ff + root.ff + lanes * (scale_bits + a),
            depth=core.depth + root.depth + 3,
        )


# Per-lane LUTs of each elementwise op, per output bit (mux, negate, add, shift-add).
_ELTWISE_LUTS_PER_BIT = {
    "lic.relu": 1,
    "lic.abs": 2,
    "lic.leaky_relu": 2,
    "lic.add": 1,
    "lic.mul": 0,
    "lic.rescale": 1,  # rounding add and saturation; the multiply is a DSP
}

# Bits of `lic.rescale`'s multiplier (it is below 2^31).
RESCALE_MULTIPLIER_BITS = 31


@dataclass(eq=False)
class _LaneStage(Stage):
    """A stage of one input, `pe` lanes of values a cycle and no weights."""

    folded = False

    def __post_init__(self) -> None:
        self.widths = op_widths(self.op.operands[0], None, self.op.results[0])
        _, self.c, self.h, self.w = self.output_shape

    @property
    def has_weights(self) -> bool:
        return False

    @property
    def rules(self) -> tuple[str, str]:
        return (f"lanes divide the {self.c} channels", "SIMD is 1")

    def pe_choices(self) -> list[int]:
        return divisors(self.c)

    def simd_choices(self) -> list[int]:
        return [1]


@dataclass(eq=False)
class EltwiseStage(_LaneStage):
    """Elementwise ops on a stream, `pe` lanes wide; fused next to their producer."""

    kind = "eltwise"

    def cost(self, f: Folding) -> Cost:
        a = self.widths.act_out
        dsp = 0
        if self.op.name == "lic.mul":
            # GDN's x·f: x may be wider than the rescaled product (a 16-bit x, an 8-bit output).
            a = max(a, self.widths.act_in)
            dsp = f.pe * hwp.dsp_per_mult(a, a)
        elif self.op.name == "lic.rescale":
            dsp = f.pe * hwp.dsp_per_mult(self.widths.act_in, RESCALE_MULTIPLIER_BITS)
        return Cost(
            cycles=self.h * self.w * self.c // f.pe,
            dsp=dsp,
            bram18=0,
            uram=0,
            lut=20 + f.pe * a * _ELTWISE_LUTS_PER_BIT[self.op.name],
            ff=f.pe * a,
            depth=2,
        )


@dataclass(eq=False)
class ApproxStage(_LaneStage):
    """GDN's decomposed root or reciprocal (`lic.rsqrt`, `lic.sqrt`, `lic.reciprocal`,
    or its integer `lic.table`), one result per lane per cycle, costed by
    `lic_compiler.gdn_approx`."""

    kind = "approx"

    def _param(self, name: str) -> int | None:
        attr = self.op.properties.get(name)
        return attr.value.data if attr is not None else None  # type: ignore[union-attr]

    def cost(self, f: Folding) -> Cost:
        op = self.op
        approx = (
            Approx(op.function.data, **op.approx_params())  # type: ignore[attr-defined, arg-type]
            if isinstance(op, lic.TableOp)
            else Approx.of(op)
        )
        root = _lanes_cost(approx, argument_bits(op.operands[0]), f.pe)
        return Cost(
            cycles=self.h * self.w * self.c // f.pe,
            dsp=root.dsp,
            bram18=root.bram18,
            uram=0,
            lut=50 + root.lut,
            ff=root.ff,
            depth=root.depth,
        )


def _lanes_cost(approx: Approx, input_bits: int, lanes: int) -> Cost:
    """`lanes` root/reciprocal units; two lanes share a dual-port block-RAM table."""
    one = approx.cost(input_bits)
    return Cost(
        cycles=0,
        dsp=lanes * one.dsp,
        bram18=ceil(lanes / 2) * one.bram18,
        uram=0,
        lut=lanes * one.luts,
        ff=lanes * (input_bits + ENTRY_WIDTH * (1 + one.multipliers)),
        depth=one.latency_cycles,
    )


_STAGES: dict[str, type[Stage]] = {
    "lic.conv2d": ConvStage,
    "lic.conv_transpose2d": PolyphaseStage,
    "lic.gdn": GdnStage,
    "lic.relu": EltwiseStage,
    "lic.leaky_relu": EltwiseStage,
    "lic.abs": EltwiseStage,
    "lic.add": EltwiseStage,
    "lic.mul": EltwiseStage,
    "lic.rsqrt": ApproxStage,
    "lic.sqrt": ApproxStage,
    "lic.reciprocal": ApproxStage,
    "lic.rescale": EltwiseStage,
    "lic.table": ApproxStage,
}


def function_stages(f: func.FuncOp) -> list[Stage]:
    """The stages of one function, numbered like `analysis.layer_table`'s rows."""
    stages = []
    index = 0
    for op in f.body.ops:
        if isinstance(op, lic.ConstantOp | func.ReturnOp):
            continue
        cls = _STAGES.get(op.name)
        if cls is None:
            raise LiccError(
                f"{op.name} in @{f.sym_name.data}: no hardware cost model; lic-set-parallelism "
                f"models {', '.join(sorted(_STAGES))} (add a Stage in lic_compiler/hw/stages.py)"
            )
        stages.append(cls(f.sym_name.data, index, op))
        index += 1
    return stages


def module_stages(module: ModuleOp) -> dict[str, list[Stage]]:
    """Stages per function, in module order; functions without stages are left out."""
    out = {}
    for f in module.ops:
        if isinstance(f, func.FuncOp):
            stages = function_stages(f)
            if stages:
                out[f.sym_name.data] = stages
    if not out:
        raise LiccError("the module has no lic compute ops to map to hardware")
    return out


def total(costs: Sequence[Cost]) -> dict[str, int]:
    """Summed resources of some stages."""
    return {r: sum(c.vector()[i] for c in costs) for i, r in enumerate(RESOURCES)}
