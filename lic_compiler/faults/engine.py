"""Re-running one part of the emitted design after a fault, only where the fault reaches.

A part's `hls.dataflow` is a chain of stages. The fault-free run is the
interpreter's own (`lic_compiler.interpreter.run`, each stage's output
captured through `hls_stages.fault_hook`). A fault changes one stage's output
in a box of pixels (one pixel for a transient upset, the frame for a flipped
weight); the stages after it are recomputed on that box and its halo only,
from the fault-free input around it, and the box shrinks to the pixels that
really changed after each stage: an upset the rounding masks stops there.

The stages compute what `lic_compiler.interpreter.hls_stages` computes (its
`apply_steps` for every pointwise chain; convolutions as exact float64 PyTorch
kernels, as there), on boxes instead of frames; test/faults checks that a box
gives the interpreter's values bit for bit, faults included. A fault may drive
an accumulator beyond the width the verifier proved for fault-free weights: the
interpreter (and so this engine) keeps the exact sum, where the hardware would
wrap; `Outcome.overflow` records it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import NamedTuple

import numpy as np
import torch
from xdsl.dialects.builtin import ModuleOp

from lic_compiler.dialects import hls
from lic_compiler.errors import LiccError
from lic_compiler.faults.tables import FaultyTable
from lic_compiler.interpreter import hls_stages, run
from lic_compiler.interpreter.hls_stages import apply_steps
from lic_compiler.ir import numpy_dtype, to_numpy


class Box(NamedTuple):
    """Rows [y0, y1) and columns [x0, x1) of a C×H×W tensor."""

    y0: int
    y1: int
    x0: int
    x1: int


def flip(value: int, bit: int, width: int, signed: bool) -> int:
    """`value` with `bit` flipped in its `width`-bit (two's complement if `signed`) word."""
    word = (int(value) & ((1 << width) - 1)) ^ (1 << bit)
    return word - (1 << width) if signed and word >> (width - 1) else word


def is_signed(t) -> bool:
    return hls.int_range(t)[0] < 0


@dataclass
class Changed:
    """A tensor equal to `clean` except in `box`, where it holds `patch` (1×C×h×w)."""

    clean: np.ndarray
    box: Box
    patch: np.ndarray

    def crop(self, y0: int, y1: int, x0: int, x1: int) -> np.ndarray:
        """Rows [y0, y1), columns [x0, x1) as int64, zero outside the frame (a stage's padding)."""
        _, c, h, w = self.clean.shape
        out = np.zeros((1, c, y1 - y0, x1 - x0), np.int64)
        _paste(out, (y0, x0), self.clean, Box(0, h, 0, w))
        _paste(out, (y0, x0), self.patch, self.box)
        return out

    def full(self) -> np.ndarray:
        out = self.clean.astype(np.int64)
        out[:, :, self.box.y0 : self.box.y1, self.box.x0 : self.box.x1] = self.patch
        return out


def _paste(out: np.ndarray, origin: tuple[int, int], src: np.ndarray, at: Box) -> None:
    """Copy `src` (covering `at`) into `out` (whose [0, 0] is `origin`) where they overlap."""
    oy, ox = origin
    y0, y1 = max(at.y0, oy), min(at.y1, oy + out.shape[2])
    x0, x1 = max(at.x0, ox), min(at.x1, ox + out.shape[3])
    if y0 < y1 and x0 < x1:
        out[:, :, y0 - oy : y1 - oy, x0 - ox : x1 - ox] = src[:, :, y0 - at.y0 : y1 - at.y0, x0 - at.x0 : x1 - at.x0]


# --- rescale steps with faulty parameters ---------------------------------------------------


def shifted(t: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """``(t + 2^(s−1)) >> s`` for shifts a flip may have pushed out of [0, 62]: the amount is the
    stored byte read unsigned, and shifting by 63 or more leaves the sign (0 or −1)."""
    amount = np.asarray(shift, np.int64) & 0xFF
    rounding = np.where(amount > 0, np.left_shift(np.int64(1), np.clip(amount - 1, 0, 61)), 0)
    return np.where(amount >= 63, np.where(t < 0, -1, 0), (t + rounding) >> np.clip(amount, 0, 62))


@dataclass(frozen=True, eq=False)
class FaultyRescale:
    """A rescale step whose stored parameters took an upset (which `#hls.rescale` may refuse:
    a negative multiplier, a shift beyond 62)."""

    multiplier: np.ndarray
    shift: np.ndarray
    offset: np.ndarray
    type: object  # the result's IntegerType

    @staticmethod
    def of(step: hls.RescaleStep, what: str, channel: int, bit: int, width: int) -> FaultyRescale:
        params = dict(zip(("multiplier", "shift", "offset"), (np.array(v, np.int64) for v in step.params())))
        values = params[what]
        values[channel] = flip(values[channel], bit, width, True)
        return FaultyRescale(**params, type=step.type)

    def result_type(self, element):
        return self.type

    def __call__(self, x: np.ndarray) -> np.ndarray:
        lo, hi = hls.int_range(self.type)  # type: ignore[arg-type]
        m, s, o = (v.reshape(1, -1, 1, 1) for v in (self.multiplier, self.shift, self.offset))
        return np.clip(shifted(np.asarray(x, np.int64) * m, s) + o, lo, hi)

    def channel(self, c: int) -> FaultyRescale:
        pick = [np.array([v[c] if v.size > 1 else v[0]]) for v in (self.multiplier, self.shift, self.offset)]
        return FaultyRescale(*pick, type=self.type)


def run_chain(x: np.ndarray, steps: Sequence, element) -> np.ndarray:
    """`apply_steps` along `steps`, `FaultyRescale` and `FaultyTable` steps computed here."""
    segment: list = []
    start = element  # the element type entering `segment`
    for step in steps:
        if isinstance(step, (FaultyRescale, FaultyTable)):
            x = step(apply_steps(x, _Steps(segment), start))
            segment, start = [], step.type
        else:
            segment.append(step)
    return apply_steps(x, _Steps(segment), start)


class _Steps(NamedTuple):
    data: Sequence  # what apply_steps reads of an ArrayAttr


def _one_channel(step, c: int):
    """`step` for channel `c` alone."""
    return step.channel(c) if isinstance(step, (FaultyRescale, FaultyTable)) else _one_ir_channel(step, c)


@cache
def _one_ir_channel(step, c: int):
    if not isinstance(step, hls.RescaleStep):
        return step
    pick = [[v[c]] if len(v) > 1 else v for v in step.params()]
    return hls.RescaleStep(*pick, step.type)


# --- stages on boxes ------------------------------------------------------------------------

CHAINS = {hls.MvauOp: ("epilogue",), hls.DeconvOp: ("epilogue",), hls.GdnOp: ("prologue", "norm", "epilogue"),
          hls.PointwiseOp: ("steps",)}  # the pointwise chains of each stage kind


@dataclass
class Stage:
    """One stage as the engine runs it: its op, its memories as arrays, its pointwise chains, and
    optionally a fault or the restriction to one output channel."""

    op: hls.StageOp
    index: int
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    chains: dict[str, tuple] = field(default_factory=dict)
    window: hls.WindowOp | None = None  # the window generator feeding an MVAU
    acc_flip: tuple[int, int, int] | None = None  # (channel, bit, width) at the box's single pixel
    channel: int | None = None  # compute this output channel only

    def only(self, c: int) -> Stage:
        """This stage computing output channel `c` only (a fault confined to it)."""
        arrays = {k: v[:, c : c + 1] if k == "weight" and isinstance(self.op, hls.DeconvOp) else v[c : c + 1]
                  for k, v in self.arrays.items()}
        chains = {k: steps if k == "prologue" else tuple(_one_channel(s, c) for s in steps)
                  for k, steps in self.chains.items()}
        return replace(self, arrays=arrays, chains=chains, channel=c)

    def out_box(self, box: Box, shape: tuple[int, int]) -> Box:
        """The output pixels that depend on input pixels in `box` (output frame `shape`)."""
        h, w = shape
        if self.window is not None:
            g = self.window.geometry()
            return Box(*_conv_range(box.y0, box.y1, g.kh, g.sh, g.ph, h), *_conv_range(box.x0, box.x1, g.kw, g.sw, g.pw, w))
        if isinstance(self.op, hls.DeconvOp):
            g = self.op.geometry()
            return Box(max(box.y0 * g.sh - g.ph, 0), min((box.y1 - 1) * g.sh - g.ph + g.kh, h),
                       max(box.x0 * g.sw - g.pw, 0), min((box.x1 - 1) * g.sw - g.pw + g.kw, w))
        return box

    def compute(self, src: Changed, box: Box) -> tuple[np.ndarray, bool]:
        """The stage's output over `box` from its input `src`; and whether an accumulator left its type."""
        if isinstance(self.op, hls.GdnOp):
            return self._gdn(src.crop(*box))
        if isinstance(self.op, (hls.PointwiseOp, hls.LanesOp)):
            x = src.crop(*box)
            x = x if self.channel is None else x[:, self.channel : self.channel + 1]
            return (run_chain(x, self.chains["steps"], self.op.in_type.element_type) if self.chains else x), False
        return self._finish(self._accumulate(src, box), "epilogue")

    def window_upset(self, src: Changed, y: int, x: int, element: int, bit: int) -> tuple[np.ndarray, bool]:
        """The MVAU's output at pixel (y, x) when `bit` of `element` of its window beat flips."""
        assert self.window is not None
        g = self.window.geometry()
        ky, kx, c = element // (g.kw * g.c), element // g.c % g.kw, element % g.c
        iy, ix = y * g.sh - g.ph + ky, x * g.sw - g.pw + kx
        value = int(src.crop(iy, iy + 1, ix, ix + 1)[0, c, 0, 0])
        t = self.window.in_type.element_type
        delta = flip(value, bit, t.width.data, is_signed(t)) - value
        acc = self._accumulate(src, Box(y, y + 1, x, x + 1))
        acc += self.arrays["weight"][:, element].reshape(1, -1, 1, 1) * delta
        return self._finish(acc, "epilogue")

    def _accumulate(self, src: Changed, box: Box) -> np.ndarray:
        weight, bias = self.arrays["weight"], self.arrays.get("bias")
        if isinstance(self.op, hls.DeconvOp):
            acc = _deconv_box(src, box, self.op.geometry(), weight, self.op.in_type.element_type)
        elif self.window is not None:
            acc = _conv_box(src, box, self.window.geometry(), weight, self.window.in_type.element_type)
        else:  # an MVAU fed pixel by pixel
            acc = _matvec(weight, src.crop(*box))
        return acc if bias is None else acc + bias.reshape(1, -1, 1, 1)

    def _gdn(self, x: np.ndarray) -> tuple[np.ndarray, bool]:
        op = self.op
        assert isinstance(op, hls.GdnOp)
        q = run_chain(x, self.chains["prologue"], op.in_type.element_type)
        acc = _matvec(self.arrays["gamma"], q) + self.arrays["beta"].reshape(1, -1, 1, 1)
        n, overflow = self._finish(acc, "norm")
        x = x if self.channel is None else x[:, self.channel : self.channel + 1]
        return run_chain(x * n, self.chains["epilogue"], op.product_type), overflow

    def _finish(self, acc: np.ndarray, chain: str) -> tuple[np.ndarray, bool]:
        acc_type = self.op.acc_type  # type: ignore[attr-defined]
        if self.acc_flip is not None:
            c, bit, width = self.acc_flip
            acc = acc.copy()
            acc[0, c, 0, 0] = flip(acc[0, c, 0, 0], bit, width, is_signed(acc_type))
        lo, hi = hls.int_range(acc_type)
        overflow = bool(acc.size) and (int(acc.min()) < lo or int(acc.max()) > hi)
        return run_chain(acc, self.chains[chain], acc_type), overflow


def _conv_range(a: int, b: int, k: int, s: int, p: int, n: int) -> tuple[int, int]:
    """Outputs o with o·s − p + [0, k) meeting inputs [a, b)."""
    return max(-((p - k + 1 + a) // -s), 0), min((b - 1 + p) // s + 1, n)


def _matvec(matrix: np.ndarray, x: np.ndarray) -> np.ndarray:
    _, k, h, w = x.shape
    out = torch.from_numpy(matrix.astype(np.float64)) @ torch.from_numpy(x.reshape(k, h * w).astype(np.float64))
    return np.rint(out.numpy()).astype(np.int64).reshape(1, -1, h, w)


def _float_type(weight: np.ndarray, reduce: tuple[int, ...], element) -> type:
    """float32 when no partial sum can reach 2^24 (where float32 stops being exact), else float64.
    The bound is Σ|w| of an output channel times the largest input of type `element`."""
    lo, hi = hls.int_range(element)
    bound = float(np.abs(weight).sum(axis=reduce).max()) * max(-lo, hi)
    return np.float32 if bound < 2**24 else np.float64


def _conv_box(src: Changed, box: Box, g, weight: np.ndarray, element) -> np.ndarray:
    """The MVAU's sums over `box` of its window generator's output (geometry `g`), without bias."""
    x = src.crop(box.y0 * g.sh - g.ph, (box.y1 - 1) * g.sh - g.ph + g.kh,
                 box.x0 * g.sw - g.pw, (box.x1 - 1) * g.sw - g.pw + g.kw)
    kernel = weight.reshape(weight.shape[0], g.kh, g.kw, g.c).transpose(0, 3, 1, 2)
    dtype = _float_type(weight, (1,), element)
    out = torch.nn.functional.conv2d(torch.from_numpy(x.astype(dtype)),
                                     torch.from_numpy(np.ascontiguousarray(kernel, dtype)), stride=(g.sh, g.sw))
    return np.rint(out.numpy()).astype(np.int64)


def _deconv_box(src: Changed, box: Box, g, weight: np.ndarray, element) -> np.ndarray:
    """The transposed convolution's sums over `box`, without bias: from the inputs whose taps reach it."""
    kh, kw = weight.shape[2:]
    iy0, ix0 = -((g.ph - kh + 1 + box.y0) // -g.sh), -((g.pw - kw + 1 + box.x0) // -g.sw)
    iy1, ix1 = (box.y1 - 1 + g.ph) // g.sh + 1, (box.x1 - 1 + g.pw) // g.sw + 1
    x = src.crop(iy0, iy1, ix0, ix1)
    dtype = _float_type(weight, (0, 2, 3), element)
    out = torch.nn.functional.conv_transpose2d(torch.from_numpy(x.astype(dtype)),
                                               torch.from_numpy(weight.astype(dtype)), stride=(g.sh, g.sw))
    oy, ox = box.y0 - (iy0 * g.sh - g.ph), box.x0 - (ix0 * g.sw - g.pw)
    return np.rint(out.numpy()[:, :, oy : oy + box.y1 - box.y0, ox : ox + box.x1 - box.x0]).astype(np.int64)


# --- one part ------------------------------------------------------------------------------

RUNS = (hls.WindowOp, hls.MvauOp, hls.DeconvOp, hls.GdnOp, hls.PointwiseOp, hls.LanesOp)  # stages the engine runs
WEIGHTS = {hls.MvauOp: ("weight", "bias"), hls.DeconvOp: ("weight", "bias"), hls.GdnOp: ("gamma", "beta")}


def dataflow(module: ModuleOp, part: str) -> hls.DataflowOp:
    for op in module.walk():
        if isinstance(op, hls.DataflowOp) and op.parent_op().sym_name.data == part:  # type: ignore[union-attr]
            return op
    raise LiccError(f"the design has no hls.dataflow for @{part}; build it with --part encoder,decoder")


@dataclass
class Outcome:
    """A part's output after a fault: None if the fault was masked, and whether an accumulator overflowed."""

    output: Changed | None
    overflow: bool = False


class Part:
    """One part of the design: its stages in order, with their memories read once."""

    def __init__(self, module: ModuleOp, name: str):
        self.module = module
        self.name = name
        self.flow = dataflow(module, name)
        ops = self.flow.stages()
        self.names = hls.stage_names(ops)
        self._check_chain(ops)
        self.stages: list[Stage] = []
        for i, op in enumerate(ops):
            arrays = {k: np.asarray(to_numpy(a), np.int64) for k in WEIGHTS.get(type(op), ())
                      if (a := getattr(op, k)) is not None}
            window = ops[i - 1] if i and isinstance(ops[i - 1], hls.WindowOp) else None
            chains = {k: tuple(getattr(op, k).data) for k in CHAINS.get(type(op), ())}
            self.stages.append(Stage(op, i, arrays, chains, window))  # type: ignore[arg-type]

    def _check_chain(self, ops: Sequence[hls.StageOp]) -> None:
        value = self.flow.block.args[0]
        for op in ops:
            if not isinstance(op, RUNS):
                raise LiccError(f"@{self.name} has a '{op.name}' stage; licc-faults injects into designs of "
                                f"{', '.join(k.name for k in RUNS)} stages only")
            if len(self.flow.block.args) != 1 or op.operands[0] is not value:
                raise LiccError(f"@{self.name} is not a chain of stages; licc-faults injects into chains only")
            value = op.results[0]

    def shape(self, index: int) -> tuple[int, int, int]:
        """C, H, W of stage `index`'s output (-1: the part's input)."""
        stream = self.flow.block.args[0].type if index < 0 else self.stages[index].op.out_type
        return stream.get_shape()  # type: ignore[union-attr]

    def element(self, index: int):
        stream = self.flow.block.args[0].type if index < 0 else self.stages[index].op.out_type
        return stream.element_type  # type: ignore[union-attr]

    def clean_run(self, x: np.ndarray) -> list[np.ndarray]:
        """The interpreter's run on `x`: [input, stage 0's output, …] (window streams: None)."""
        outputs: dict[hls.StageOp, np.ndarray] = {}

        def capture(op: hls.StageOp, point: str, value: np.ndarray) -> np.ndarray:
            if point == "out" and not isinstance(op, hls.WindowOp):
                outputs[op] = value.astype(numpy_dtype(op.out_type.element_type))
            return value

        with fault_hook(capture):
            run(self.module, self.name, x)
        return [np.asarray(x)] + [outputs.get(s.op) for s in self.stages]  # type: ignore[misc]

    def settle(self, clean: list[np.ndarray], index: int, box: Box, values: np.ndarray,
               overflow: bool = False) -> Outcome:
        """The part's output when stage `index` (-1: the input) outputs `values` over `box`
        instead of its fault-free output and the stages after it run fault-free."""
        for stage in self.stages[index + 1 :]:
            reduced = shrink(values, clean[index + 1], box)
            if reduced is None:
                return Outcome(None, overflow)
            changed = Changed(clean[index + 1], *reduced)
            if isinstance(stage.op, hls.WindowOp):
                continue  # the MVAU after it reads its input through its geometry
            _, h, w = self.shape(stage.index)
            box = stage.out_box(changed.box, (h, w))
            values, over = stage.compute(changed, box)
            overflow |= over
            index = stage.index
        reduced = shrink(values, clean[index + 1], box)
        return Outcome(None if reduced is None else Changed(clean[index + 1], *reduced), overflow)

    def source(self, clean: list[np.ndarray], index: int) -> Changed:
        """Stage `index`'s fault-free input (a window-fed MVAU: its window generator's input)."""
        stage = self.stages[index]
        read = index - 1 if stage.window is None else index - 2
        return Changed(clean[read + 1], EMPTY, np.zeros((1, 0, 0, 0), np.int64))


EMPTY = Box(0, 0, 0, 0)


def shrink(values: np.ndarray, clean: np.ndarray, box: Box) -> tuple[Box, np.ndarray] | None:
    """The bounding box of the pixels where `values` (over `box`) differ from `clean`, and its values."""
    diff = (values != clean[:, :, box.y0 : box.y1, box.x0 : box.x1]).any(axis=(0, 1))
    if not diff.any():
        return None
    rows, cols = np.flatnonzero(diff.any(axis=1)), np.flatnonzero(diff.any(axis=0))
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    return Box(box.y0 + y0, box.y0 + y1, box.x0 + x0, box.x0 + x1), values[:, :, y0:y1, x0:x1]


class fault_hook:
    """``with fault_hook(f):`` the hls interpreter calls `f` at each stage's accumulator and output."""

    def __init__(self, hook: Callable[[hls.StageOp, str, np.ndarray], np.ndarray]):
        self.hook = hook

    def __enter__(self) -> None:
        if hls_stages.fault_hook is not None:
            raise LiccError("a fault hook is already installed; campaigns do not nest")
        hls_stages.fault_hook = self.hook

    def __exit__(self, *exc: object) -> None:
        hls_stages.fault_hook = None

