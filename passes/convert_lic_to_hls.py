"""`convert-lic-to-hls`: integer `lic` functions → `hls.dataflow` designs.

Each function's body becomes one dataflow region, in program order:

- `lic.conv2d` → `hls.window` (stride and padding live in the window
  generator) + `hls.mvau` (weights reordered to the window's (ky, kx, c)
  order); a 1×1 convolution with stride 1 and no padding needs no window;
- `lic.conv_transpose2d` → `hls.deconv` (polyphase: no multiply meets an
  inserted zero);
- GDN as `lic-rewrite-gdn` and `lic-quantize` leave it — ``x`` squared (or
  its absolute value), a 1×1 convolution with γ and β, rescales and the
  root's `lic.table`, and the product with ``x`` — → one `hls.gdn`, which
  buffers ``x`` while its norm is computed;
- a residual's `lic.add` → `hls.add`, its saturating rescale fused; a
  tensor that two stages read (the residual's input) → `hls.fork`;
- `lic.pixel_shuffle` / `lic.pixel_unshuffle` → `hls.shuffle`;
- `lic.pad` / `lic.crop` (a frame the stride does not divide) → `hls.pad` / `hls.crop`;
- `lic.rescale`, `lic.relu`, `lic.leaky_relu`, `lic.abs`, `lic.table` and squares fuse into
  the stage that produces their operand, when it is their only use; any
  left over (an `lic.abs` on a function's input) becomes an `hls.pointwise`;
- `hls.lanes` width converters go where a stage reads another lane count
  than its producer writes (an MVAU or GDN reads SIMD lanes).

Every stage starts with the narrowest folding (PE = SIMD = MMV = 1) and
lists the `lic` ops it implements (``lic_ops``); `lic-set-parallelism`,
which runs next, chooses the foldings on these stages and re-derives the
streams' beats (`lic_compiler.hw.fold`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    StringAttr,
    TensorType,
    UnitAttr,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass

from lic_compiler.dialects import hls, lic
from lic_compiler.dialects.hls_geometry import Beat, window_matrix
from lic_compiler.errors import LiccError
from lic_compiler.hw.fold import refold
from lic_compiler.ir import from_numpy, to_numpy
from lic_compiler.quant import attrs

SUPPORTED = (
    "lic.conv2d, lic.conv_transpose2d, GDN (square or abs, 1×1 conv, rescale, lic.table, "
    "product with x), lic.add, lic.pixel_shuffle, lic.pixel_unshuffle, lic.pad, lic.crop, lic.rescale, lic.relu, lic.leaky_relu, lic.abs, lic.table"
)


def _element(value: SSAValue) -> IntegerType:
    t = value.type
    assert isinstance(t, TensorType)
    e = t.get_element_type()
    assert isinstance(e, IntegerType)
    return e


def _where(op: Operation, fn: func.FuncOp) -> str:
    name = op.results[0].name_hint if op.results else None
    return f"{op.name}{f' %{name}' if name else ''} in @{fn.sym_name.data}"


def _users(value: SSAValue) -> set[Operation]:
    return {use.operation for use in value.uses}


def _single_use(value: SSAValue) -> Operation | None:
    """The one op using `value` (a square uses it twice), or None."""
    users = _users(value)
    return users.pop() if len(users) == 1 else None


def pointwise_step(op: Operation) -> hls.PointwiseStep | None:
    """The fused form of an elementwise integer op, or None if it is not one."""
    match op:
        case lic.RescaleOp():
            m, s, o = op.params()
            return hls.RescaleStep(m, s, o, _element(op.output))
        case lic.TableOp():
            params = {k: v for k, v in op.approx_params().items() if k != "mode"}
            return hls.TableStep(
                op.function.data, op.mode.data, params, op.frac_bits.value.data, _element(op.output)  # type: ignore[arg-type]
            )
        case lic.ReluOp():
            return hls.ReluStep()
        case lic.LeakyReluOp() if lic.is_integer(op.output):
            return hls.LeakyReluStep(*op.slope_params())
        case lic.AbsOp():
            return hls.AbsStep()
        case lic.MulOp() if op.lhs == op.rhs:
            return hls.SquareStep(_element(op.output))
    return None


# The narrowest folding; lic-set-parallelism picks the real one.
_FOLDING: dict[str, Attribute] = {"pe": IntegerAttr(1, i64), "simd": IntegerAttr(1, i64)}


def _describe(ops: Sequence[Operation]) -> ArrayAttr:
    """``lic_ops``: each op's name and result, in program order."""
    return ArrayAttr(
        [StringAttr(f"{op.name} %{op.results[0].name_hint}" if op.results[0].name_hint else op.name) for op in ops]
    )


def _shifts(op: Operation) -> dict[str, Attribute]:
    """A convolution quantised to power-of-two weights (``lic.weight_pow2``) shifts."""
    return {"weight_pow2": UnitAttr()} if attrs.get(op, attrs.WEIGHT_POW2) else {}


def _const(value: SSAValue | None, fn: func.FuncOp, what: str) -> np.ndarray | None:
    if value is None:
        return None
    if not isinstance(value.owner, lic.ConstantOp):
        raise LiccError(f"{what} in @{fn.sym_name.data} must be a lic.constant")
    return np.asarray(to_numpy(value.owner.value), np.int64)


def _weight(array: np.ndarray, element: Attribute, name: str) -> Attribute:
    return from_numpy(array, element, name)


@dataclass
class _Gdn:
    """A GDN found in the integer IR: its ops from the square to the product with x."""

    x: SSAValue
    prologue: list[Operation]
    conv: lic.Conv2dOp
    norm: list[Operation]
    product: lic.MulOp


def _chain_back(value: SSAValue, stop: Callable[[Operation], bool]) -> list[Operation] | None:
    """The ops producing `value` back to one where `stop` holds, through single-input
    pointwise ops whose operands have no other use; None if there is no such chain."""
    chain: list[Operation] = []
    while isinstance(op := value.owner, Operation):
        chain.append(op)
        if stop(op):
            return chain[::-1]
        if pointwise_step(op) is None or len(op.operands) != 1 or _single_use(op.operands[0]) is None:
            return None
        value = op.operands[0]
    return None


def match_gdn(product: Operation) -> _Gdn | None:
    """The GDN whose last op is `product` (``x · n``), if it is one."""
    if not isinstance(product, lic.MulOp) or product.lhs == product.rhs:
        return None
    for x, n in ((product.lhs, product.rhs), (product.rhs, product.lhs)):
        if _single_use(n) is not product:  # x may have other readers (a residual's skip)
            continue
        norm = _chain_back(n, _is_norm_conv)
        if norm is None:
            continue
        conv = norm[0]
        assert isinstance(conv, lic.Conv2dOp)

        def starts_at_x(op: Operation) -> bool:
            return isinstance(op, lic.MulOp | lic.AbsOp) and all(v == x for v in op.operands)

        prologue = _chain_back(conv.input, starts_at_x)
        if prologue is not None and _single_use(conv.input) is conv and _single_use(conv.output):
            return _Gdn(x, prologue, conv, norm[1:], product)
    return None


def _is_norm_conv(op: Operation) -> bool:
    if not isinstance(op, lic.Conv2dOp) or op.kernel() != (1, 1):
        return False
    c = lic.tensor_shape(op.input)[1]
    return op.strides() == (1, 1) and op.paddings() == (0, 0) and lic.tensor_shape(op.output)[1] == c


def _steps(ops: Sequence[Operation]) -> list[hls.PointwiseStep]:
    steps = [pointwise_step(op) for op in ops]
    assert all(s is not None for s in steps)
    return steps  # type: ignore[return-value]


class _Builder:
    """Builds one function's dataflow region, stage by stage."""

    def __init__(self, fn: func.FuncOp):
        self.fn = fn
        self.block = Block(arg_types=[])
        self.streams: dict[SSAValue, SSAValue] = {}  # lic tensor → stream carrying it
        self.inputs: list[SSAValue] = []

    def stream(self, value: SSAValue, lanes: int | None) -> SSAValue:
        """The stream carrying `value` with `lanes` lanes (any when None)."""
        if value not in self.streams:
            self.streams[value] = self.input_stream(value, lanes)
        s = self.streams[value]
        if lanes is not None and hls.stream_of(s).lanes.data != lanes:
            s = self.add(hls.LanesOp(s, Beat(lanes)), f"{value.name_hint or 'x'}_lanes")
        return s

    def input_stream(self, value: SSAValue, lanes: int | None) -> SSAValue:
        """A function input (its beat is re-derived once the stages are folded)."""
        if value not in self.fn.body.block.args:
            raise LiccError(f"{_where(value.owner, self.fn)}: no stage produces it")  # type: ignore[arg-type]
        _, c, h, w = lic.tensor_shape(value)
        lanes = lanes or 1
        arg = self.block.insert_arg(hls.StreamType((c, h, w), _element(value), lanes), len(self.block.args))
        arg.name_hint = value.name_hint
        self.inputs.append(value)
        return arg

    def add(self, op: Operation, name: str | None) -> SSAValue:
        self.block.add_op(op)
        op.results[0].name_hint = name
        return op.results[0]

    def out_type(self, value: SSAValue, element: IntegerType, lanes: int) -> hls.StreamType:
        _, c, h, w = lic.tensor_shape(value)
        return hls.StreamType((c, h, w), element, lanes)


def _fuse_epilogue(start: SSAValue) -> tuple[list[hls.PointwiseStep], SSAValue, list[Operation]]:
    """Single-use pointwise ops after `start`: their steps, the last value, the ops."""
    steps: list[hls.PointwiseStep] = []
    ops: list[Operation] = []
    value = start
    while (user := _single_use(value)) is not None and (step := pointwise_step(user)) is not None:
        steps.append(step)
        ops.append(user)
        value = user.results[0]
    return steps, value, ops


class _Converter:
    def __init__(self, fn: func.FuncOp):
        self.fn = fn
        self.b = _Builder(fn)
        self.done: set[Operation] = set()

    def run(self) -> None:
        for op in list(self.fn.body.block.ops):
            if op in self.done or isinstance(op, lic.ConstantOp | func.ReturnOp):
                continue
            self.convert(op)
        ret = self.fn.body.block.last_op
        assert isinstance(ret, func.ReturnOp)
        outs = [self.b.stream(v, None) for v in ret.operands]
        self.b.block.add_op(hls.YieldOp(*outs))
        _fork_shared_streams(self.b.block)
        self.replace_body(ret)

    def convert(self, op: Operation) -> None:
        gdn = self.gdn_starting_at(op)
        if gdn is not None:
            self.gdn(gdn)
        elif isinstance(op, lic.Conv2dOp):
            self.conv(op)
        elif isinstance(op, lic.ConvTranspose2dOp):
            self.deconv(op)
        elif isinstance(op, lic.AddOp):
            self.join(op)
        elif isinstance(op, lic.PixelShuffleOp | lic.PixelUnshuffleOp):
            self.reorder(op)
        elif isinstance(op, lic.PadOp | lic.CropOp):
            self.frame(op)
        elif pointwise_step(op) is not None:
            self.pointwise(op)
        else:
            raise LiccError(
                f"convert-lic-to-hls: {_where(op, self.fn)} has no hardware stage; supported: {SUPPORTED}"
            )

    def gdn_starting_at(self, op: Operation) -> _Gdn | None:
        if not isinstance(op, lic.MulOp | lic.AbsOp) or any(v != op.operands[0] for v in op.operands):
            return None
        for use in op.operands[0].uses:
            gdn = match_gdn(use.operation)
            if gdn is not None and gdn.prologue[0] is op:
                return gdn
        return None

    def finish(self, first: SSAValue, make: Callable[[list[hls.PointwiseStep], IntegerType, SSAValue], Operation], name: str, extra: Sequence[Operation] = ()) -> None:
        """Fuse the pointwise ops after `first` and add the stage `make` builds."""
        steps, last, fused = _fuse_epilogue(first)
        stage = make(steps, _element(last), last)
        stage.properties["lic_ops"] = _describe([*extra, *fused])
        self.b.streams[last] = self.b.add(stage, last.name_hint or name)
        self.done.update([*fused, *extra])

    def conv(self, op: lic.Conv2dOp) -> None:
        weight = _const(op.weight, self.fn, "a convolution's weight")
        bias = _const(op.bias, self.fn, "a convolution's bias")
        assert weight is not None
        cout, cin, kh, kw = weight.shape
        props = dict(_FOLDING)
        simd = 1
        name = op.output.name_hint or "conv"
        source = self.b.stream(op.input, None)
        if (kh, kw) != (1, 1) or op.strides() != (1, 1) or op.paddings() != (0, 0):
            _, _, h, w = lic.tensor_shape(op.output)
            win_type = hls.StreamType((kh * kw * cin, h, w), _element(op.input), simd)
            window = hls.WindowOp(source, (kh, kw), op.strides(), op.paddings(), win_type)
            window.properties["lic_ops"] = _describe([op])
            source = self.b.add(window, f"{name}_window")
        else:
            source = self.b.stream(op.input, simd)
        matrix = window_matrix(weight)
        acc = _element(op.output)

        def make(steps, element, last) -> Operation:
            properties = props | {
                "weight": _weight(matrix, _element(op.weight), f"{name}_w"),
                "acc_type": acc,
                "epilogue": ArrayAttr(steps),
            }
            properties |= _shifts(op)
            if bias is not None:
                properties["bias"] = _weight(bias, acc, f"{name}_b")
            out = self.b.out_type(last, element, props["pe"].value.data)  # type: ignore[attr-defined]
            return hls.MvauOp.create(operands=[source], result_types=[out], properties=properties)

        self.finish(op.output, make, name, [op])

    def deconv(self, op: lic.ConvTranspose2dOp) -> None:
        weight = _const(op.weight, self.fn, "a transposed convolution's weight")
        bias = _const(op.bias, self.fn, "a transposed convolution's bias")
        assert weight is not None
        props = dict(_FOLDING)
        name = op.output.name_hint or "deconv"
        source = self.b.stream(op.input, None)
        acc = _element(op.output)

        def make(steps, element, last) -> Operation:
            properties = props | {
                "weight": _weight(weight, _element(op.weight), f"{name}_w"),
                "acc_type": acc,
                "epilogue": ArrayAttr(steps),
                "stride": lic.i64_pair(op.strides()),
                "padding": lic.i64_pair(op.paddings()),
                "output_padding": lic.i64_pair(op.output_paddings()),
            }
            properties |= _shifts(op)
            if bias is not None:
                properties["bias"] = _weight(bias, acc, f"{name}_b")
            out = self.b.out_type(last, element, props["pe"].value.data)  # type: ignore[attr-defined]
            return hls.DeconvOp.create(operands=[source], result_types=[out], properties=properties)

        self.finish(op.output, make, name, [op])

    def gdn(self, g: _Gdn) -> None:
        gamma = _const(g.conv.weight, self.fn, "a GDN's γ")
        beta = _const(g.conv.bias, self.fn, "a GDN's β")
        assert gamma is not None
        c = gamma.shape[0]
        acc = _element(g.conv.output)
        beta = np.zeros(c, np.int64) if beta is None else beta
        props = dict(_FOLDING)
        name = g.product.output.name_hint or "gdn"
        source = self.b.stream(g.x, 1)

        def make(steps, element, last) -> Operation:
            properties = props | {
                "gamma": _weight(gamma.reshape(c, c), _element(g.conv.weight), f"{name}_gamma"),
                "beta": _weight(beta, acc, f"{name}_beta"),
                "acc_type": acc,
                "prologue": ArrayAttr(_steps(g.prologue)),
                "norm": ArrayAttr(_steps(g.norm)),
                "product_type": _element(g.product.output),
                "epilogue": ArrayAttr(steps),
            }
            out = self.b.out_type(last, element, props["pe"].value.data)  # type: ignore[attr-defined]
            return hls.GdnOp.create(operands=[source], result_types=[out], properties=properties)

        self.finish(g.product.output, make, name, [*g.prologue, g.conv, *g.norm, g.product])

    def join(self, op: lic.AddOp) -> None:
        lhs, rhs = self.b.stream(op.lhs, None), self.b.stream(op.rhs, None)

        def make(steps, element, last) -> Operation:
            out = self.b.out_type(last, element, hls.stream_of(lhs).lanes.data)
            return hls.AddOp(lhs, rhs, _element(op.output), steps, out)

        self.finish(op.output, make, op.output.name_hint or "add", [op])

    def reorder(self, op: lic.PixelShuffleOp | lic.PixelUnshuffleOp) -> None:
        source = self.b.stream(op.input, None)
        out = self.b.out_type(op.output, _element(op.output), 1)
        stage = hls.ShuffleOp(source, op.r, isinstance(op, lic.PixelUnshuffleOp), out)
        stage.properties["lic_ops"] = _describe([op])
        self.b.streams[op.output] = self.b.add(stage, op.output.name_hint or "shuffle")

    def frame(self, op: lic.PadOp | lic.CropOp) -> None:
        source = self.b.stream(op.input, None)
        out = self.b.out_type(op.output, _element(op.output), hls.stream_of(source).lanes.data)
        stage = (hls.PadOp if isinstance(op, lic.PadOp) else hls.CropOp)(source, out)
        stage.properties["lic_ops"] = _describe([op])
        self.b.streams[op.output] = self.b.add(stage, op.output.name_hint or "frame")

    def pointwise(self, op: Operation) -> None:
        source = self.b.stream(op.operands[0], None)
        # From `op` itself: its operand may have other readers (a residual's skip).
        steps, last, fused = _fuse_epilogue(op.results[0])
        steps, fused = [pointwise_step(op), *steps], [op, *fused]  # type: ignore[list-item]
        lanes = hls.stream_of(source).lanes.data
        out = self.b.out_type(last, _element(last), lanes)
        stage = hls.PointwiseOp(source, steps, out)
        stage.properties["lic_ops"] = _describe(fused)
        self.b.streams[last] = self.b.add(stage, last.name_hint)
        self.done.update(fused)

    def replace_body(self, ret: func.ReturnOp) -> None:
        block = self.fn.body.block
        if self.b.inputs != list(block.args):
            raise LiccError(
                f"convert-lic-to-hls: @{self.fn.sym_name.data} must use each argument, in order"
            )
        dataflow = hls.DataflowOp(self.b.inputs, [v.type for v in ret.operands], Region(self.b.block))
        refold(dataflow, {})
        old = list(block.ops)
        block.add_ops([dataflow, func.ReturnOp(*dataflow.results)])
        for op in reversed(old):
            block.erase_op(op)


def _fork_shared_streams(block: Block) -> None:
    """An `hls.fork` after every stream that more than one op reads (chained for three
    or more), its output to the first reader in program order, its copy to the next."""
    position = {op: i for i, op in enumerate(block.ops)}
    for value in [*block.args, *(r for op in list(block.ops) for r in op.results)]:
        uses = sorted(value.uses, key=lambda u: (position[u.operation], u.index))
        source = value
        for use in uses[1:]:
            fork = hls.ForkOp(source)
            fork.output.name_hint = f"{value.name_hint or 'x'}_fork"
            fork.copy.name_hint = f"{value.name_hint or 'x'}_copy"
            owner = source.owner
            if isinstance(owner, Operation):
                block.insert_op_after(fork, owner)
            else:
                block.insert_op_before(fork, block.first_op)  # type: ignore[arg-type]
            uses[0].operation.operands[uses[0].index] = fork.output
            use.operation.operands[use.index] = fork.copy
            uses[0], source = use, fork.copy


def _check_integer(fn: func.FuncOp) -> None:
    for v in [*fn.body.block.args, *fn.body.block.last_op.operands]:  # type: ignore[union-attr]
        t = v.type
        if not isinstance(t, TensorType) or not isinstance(t.get_element_type(), IntegerType):
            raise LiccError(
                f"convert-lic-to-hls: @{fn.sym_name.data} computes on {t}; the hardware is "
                "integer: run lic-quantize first"
            )
        if len(t.get_shape()) != 4 or t.get_shape()[0] != 1:
            raise LiccError(f"convert-lic-to-hls: @{fn.sym_name.data} needs 1xCxHxW tensors, got {t}")


@dataclass(frozen=True)
class ConvertLicToHlsPass(ModulePass):
    """Integer lic functions → hls dataflow designs (window + MVAU, polyphase, GDN, fused epilogues)."""

    name = "convert-lic-to-hls"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for fn in [f for f in op.ops if isinstance(f, func.FuncOp)]:
            if any(isinstance(o, hls.DataflowOp) for o in fn.body.block.ops):
                continue
            _check_integer(fn)
            _Converter(fn).run()
