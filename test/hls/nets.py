"""Small random integer `lic` networks with every stage kind, for the HLS backend's tests.

`build(spec, seed)` returns an integer lic module whose one function chains
the layers of `spec` on a ``1×C×H×W`` input: convolutions and transposed
convolutions with their rescales (and ReLUs or leaky ReLUs), and GDN / IGDN in the form
`lic-rewrite-gdn` and `lic-quantize` leave it (square or |x|, 1×1 conv with
γ and β, table, product with x, rescale), and residual blocks as
`lic-quantize` leaves them (both operands rescaled one bit wider, added
exactly, saturated), sub-pixel reorders and a frame's pad and crop. Weights are random; accumulator
types are the narrowest the verifier accepts; rescales bring values back to
8 bits with a spread of magnitudes (and some saturation). Each conv,
transposed conv and GDN layer names its folding (PE, SIMD, MMV, where the
products are computed); `convert(module, specs)` lowers the module to the
`hls` dataflow and applies them (`lic_compiler.hw.fold.refold`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import FloatAttr, IntegerAttr, IntegerType, ModuleOp, Signedness, TensorType, f64, i64
from xdsl.ir import Block, Region, SSAValue

from lic_compiler.backends.hls_cpp import write_project
from lic_compiler.backends.hls_cpp.csim import check
from lic_compiler.dialects import hls, lic
from lic_compiler.hw.fold import Folding, refold
from lic_compiler.interpreter import run
from lic_compiler.ir import from_numpy, make_context
from lic_compiler.quant import attrs
from lic_compiler.quant.fixed import multiplier_shift
from lic_compiler.registry import parse_pipeline

I8 = IntegerType(8)
UI8 = IntegerType(8, Signedness.UNSIGNED)


@dataclass(frozen=True)
class Conv:
    cout: int
    k: int = 3
    stride: int = 1
    pad: int = 1
    relu: bool = False
    pe: int = 1
    simd: int = 1
    mmv: int = 1
    mult: str = "dsp"
    leaky: float = 0.0  # > 0: a leaky ReLU of this slope after the rescale
    w_bits: int = 8  # weight width; random weights span it
    pow2: bool = False  # weights 0 or ±2^k (the stage shifts)
    out_bits: int = 8  # the rescaled output's width (the next layer's activations)


@dataclass(frozen=True)
class Deconv:
    cout: int
    k: int = 5
    stride: int = 2
    pad: int = 2
    out_pad: int = 1
    relu: bool = False
    pe: int = 1
    simd: int = 1
    mmv: int = 1
    mult: str = "dsp"
    leaky: float = 0.0  # > 0: a leaky ReLU of this slope after the rescale
    w_bits: int = 8  # weight width; random weights span it
    pow2: bool = False  # weights 0 or ±2^k (the stage shifts)
    out_bits: int = 8  # the rescaled output's width (the next layer's activations)


@dataclass(frozen=True)
class Gdn:
    inverse: bool = False
    l1: bool = False
    pe: int = 1
    simd: int = 1
    mmv: int = 1
    mult: str = "dsp"


@dataclass(frozen=True)
class Abs:
    pass


@dataclass(frozen=True)
class Leaky:
    """A leaky ReLU of `slope` on its own (a pointwise stage after a reorder)."""

    slope: float = 0.2


@dataclass(frozen=True)
class Shuffle:
    """A pixel shuffle by `factor` (with `inverse`, an unshuffle)."""

    factor: int = 2
    inverse: bool = False


@dataclass(frozen=True)
class Frame:
    """A frame's padding (edge replication, larger) or crop (smaller) to height × width."""

    height: int
    width: int


@dataclass(frozen=True)
class Residual:
    """``x + layers(x)``; the layers keep the tensor's shape."""

    layers: tuple = ()


@dataclass
class Spec:
    channels: int
    height: int
    width: int
    layers: list = field(default_factory=list)
    unsigned_input: bool = True
    input_bits: int = 8  # below 8: a signed input of this width, half its pixels at the minimum


def _t(shape, element) -> TensorType:
    return TensorType(element, list(shape))


class _Net:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.ops: list = []

    def add(self, op, name: str | None = None) -> SSAValue:
        self.ops.append(op)
        if name:
            op.results[0].name_hint = name
        return op.results[0]

    def const(self, array: np.ndarray, element: IntegerType, name: str) -> SSAValue:
        return self.add(lic.ConstantOp(from_numpy(array, element, name)), name)  # type: ignore[arg-type]

    def acc_type(self, op_cls, x: SSAValue, w: SSAValue, bias: np.ndarray, props) -> IntegerType:
        """A wide enough accumulator: the verifier's bound without bias, plus the bias's range."""
        wide = IntegerType(lic.MAX_INT_BITS)
        probe = op_cls(x, w, None, *props, _t(self.out_shape(op_cls, x, w, props), wide))
        lo, hi, _ = lic.accumulator_range(probe)
        probe.drop_all_references()
        return IntegerType(lic.signed_bits(lo + min(int(bias.min()), 0), hi + max(int(bias.max()), 0)))

    @staticmethod
    def out_shape(op_cls, x, w, props):
        _, _, h, wd = lic.tensor_shape(x)
        ws = lic.tensor_shape(w)
        if op_cls is lic.Conv2dOp:
            (s, _), (p, _) = props
            return (1, ws[0], (h + 2 * p - ws[2]) // s + 1, (wd + 2 * p - ws[3]) // s + 1)
        (s, _), (p, _), (op, _) = props
        return (1, ws[1], (h - 1) * s - 2 * p + ws[2] + op, (wd - 1) * s - 2 * p + ws[3] + op)

    def rescale(self, acc: SSAValue, spread: float, out: IntegerType, name: str) -> SSAValue:
        """Per-channel multipliers mapping about `spread` to 64 (a quarter of a narrower
        output's range), some channels hotter."""
        c = lic.tensor_shape(acc)[1]
        target = 64.0 if out.width.data >= 8 else float(1 << (out.width.data - 2))
        scale = target / max(spread, 1.0) * self.rng.uniform(0.5, 2.0, c)
        shift = 20
        mult = np.clip(np.round(scale * (1 << shift)), 0, (1 << 31) - 1).astype(np.int64)
        offset = self.rng.integers(-3, 4, c)
        op = lic.RescaleOp(acc, mult.tolist(), [shift] * c, _t(lic.tensor_shape(acc), out), offset.tolist())
        return self.add(op, name)

    def weights(self, layer: Conv | Deconv, shape: tuple) -> tuple[np.ndarray, float]:
        """Random weights of the layer's width (0 or ±2^k with `pow2`), and their spread."""
        top = (1 << (layer.w_bits - 1)) - 1
        if layer.pow2:
            k = self.rng.integers(0, layer.w_bits - 1, shape)
            w = self.rng.choice([-1, 0, 1], shape) * (1 << k)
            w.flat[0] = -(1 << (layer.w_bits - 1))  # the most negative weight is a power of two too
        elif layer.w_bits >= 8:
            return self.rng.integers(-20, 21, shape), 20.0
        else:  # the whole range, half the weights at the minimum (the largest products)
            w = self.rng.integers(-top - 1, top + 1, shape)
            w.flat[::2] = -top - 1
        return w, max(float(np.abs(w).mean()), 1.0) * 2

    @staticmethod
    def shifts(op, layer: Conv | Deconv) -> None:
        if layer.pow2:  # as lic-quantize leaves a power-of-two layer
            attrs.put(op, attrs.WEIGHT_POW2, True)

    def conv(self, x: SSAValue, layer: Conv, i: int) -> SSAValue:
        cin = lic.tensor_shape(x)[1]
        w, spread_w = self.weights(layer, (layer.cout, cin, layer.k, layer.k))
        b = self.rng.integers(-500, 501, layer.cout)
        props = ((layer.stride,) * 2, (layer.pad,) * 2)
        wv = self.const(w, IntegerType(layer.w_bits), f"w{i}")
        acc = self.acc_type(lic.Conv2dOp, x, wv, b, props)
        bv = self.const(b, acc, f"b{i}")
        op = lic.Conv2dOp(x, wv, bv, *props, _t(self.out_shape(lic.Conv2dOp, x, wv, props), acc))
        self.shifts(op, layer)
        self.add(op, f"conv{i}")
        spread = spread_w * 60 * np.sqrt(cin * layer.k * layer.k)
        y = self.rescale(op.output, spread, IntegerType(layer.out_bits), f"q{i}")
        return self.activation(y, layer, i)

    def deconv(self, x: SSAValue, layer: Deconv, i: int) -> SSAValue:
        cin = lic.tensor_shape(x)[1]
        w, spread_w = self.weights(layer, (cin, layer.cout, layer.k, layer.k))
        b = self.rng.integers(-500, 501, layer.cout)
        props = ((layer.stride,) * 2, (layer.pad,) * 2, (layer.out_pad,) * 2)
        wv = self.const(w, IntegerType(layer.w_bits), f"w{i}")
        acc = self.acc_type(lic.ConvTranspose2dOp, x, wv, b, props)
        bv = self.const(b, acc, f"b{i}")
        shape = self.out_shape(lic.ConvTranspose2dOp, x, wv, props)
        op = lic.ConvTranspose2dOp(x, wv, bv, *props, _t(shape, acc))
        self.shifts(op, layer)
        self.add(op, f"deconv{i}")
        spread = spread_w * 60 * np.sqrt(cin * layer.k * layer.k / layer.stride**2)
        y = self.rescale(op.output, spread, IntegerType(layer.out_bits), f"q{i}")
        return self.activation(y, layer, i)

    def activation(self, y: SSAValue, layer: Conv | Deconv, i) -> SSAValue:
        if layer.leaky:
            return self.leaky(y, layer.leaky, i)
        return self.add(lic.ReluOp(y), f"r{i}") if layer.relu else y

    def leaky(self, y: SSAValue, slope: float, i) -> SSAValue:
        """`lic-quantize`'s integer leaky ReLU: the slope as the nearest 15-bit dyadic."""
        m, s = multiplier_shift(slope)
        props = {"multiplier": IntegerAttr(m, i64), "shift": IntegerAttr(s, i64)}
        return self.add(lic.LeakyReluOp(y, negative_slope=FloatAttr(slope, f64), **props), f"lrelu{i}")

    def gdn(self, x: SSAValue, layer: Gdn, i: int) -> SSAValue:
        shape = lic.tensor_shape(x)
        c = shape[1]
        sq = lic.AbsOp(x) if layer.l1 else lic.MulOp(x, x, _t(shape, IntegerType(16)))
        q = self.add(sq, f"g{i}_sq")
        gamma = self.rng.integers(0, 8, (c, c, 1, 1))
        beta = self.rng.integers(1 << 10, 1 << 12, c)
        gv = self.const(gamma, I8, f"gamma{i}")
        acc = self.acc_type(lic.Conv2dOp, q, gv, beta, ((1, 1), (0, 0)))
        bv = self.const(beta, acc, f"beta{i}")
        norm = lic.Conv2dOp(q, gv, bv, (1, 1), (0, 0), _t(shape, acc))
        self.add(norm, f"g{i}_norm")
        if layer.l1 and layer.inverse:
            factor = self.rescale(norm.output, 1 << 12, IntegerType(16), f"g{i}_f")
        else:
            fn = "reciprocal" if layer.l1 else ("sqrt" if layer.inverse else "rsqrt")
            frac = {"rsqrt": 18, "sqrt": 4, "reciprocal": 24}[fn]
            mode = {"rsqrt": ("pwl", {"segments": 16}), "sqrt": ("table", {"table_bits": 8}),
                    "reciprocal": ("newton", {"table_bits": 6, "newton_steps": 1})}[fn]
            t = lic.TableOp(norm.output, fn, mode[0], frac, _t(shape, IntegerType(16)), **mode[1])
            factor = self.add(t, f"g{i}_f")
        prod = self.add(lic.MulOp(x, factor, _t(shape, IntegerType(24))), f"gdn{i}")
        return self.rescale(prod, 64 * (1 << 12), I8, f"q{i}")

    def residual(self, x: SSAValue, layer: Residual, i) -> SSAValue:
        y = x
        for j, inner in enumerate(layer.layers):
            y = self.layer(y, inner, f"{i}b{j}")
        common = IntegerType(9)
        a = self.rescale(x, 128, common, f"res{i}_skip")
        b = self.rescale(y, 128, common, f"res{i}_main")
        shape = lic.tensor_shape(x)
        total = self.add(lic.AddOp(a, b, _t(shape, IntegerType(10))), f"res{i}_exact")
        c = shape[1]
        return self.add(lic.RescaleOp(total, [1] * c, [0] * c, _t(shape, I8)), f"res{i}")

    def layer(self, x: SSAValue, layer, i) -> SSAValue:
        match layer:
            case Residual():
                return self.residual(x, layer, i)
            case Shuffle():
                _, c, h, w = lic.tensor_shape(x)
                r = layer.factor
                cls, shape = (
                    (lic.PixelUnshuffleOp, (1, c * r * r, h // r, w // r)) if layer.inverse
                    else (lic.PixelShuffleOp, (1, c // (r * r), h * r, w * r))
                )
                return self.add(cls(x, r, _t(shape, x.type.get_element_type())), f"shuffle{i}")
            case Frame():
                _, c, h, w = lic.tensor_shape(x)
                cls = lic.PadOp if layer.height >= h and layer.width >= w else lic.CropOp
                out = _t((1, c, layer.height, layer.width), x.type.get_element_type())
                return self.add(cls(x, out), f"frame{i}")
            case Conv():
                return self.conv(x, layer, i)
            case Deconv():
                return self.deconv(x, layer, i)
            case Gdn():
                return self.gdn(x, layer, i)
            case Abs():
                return self.add(lic.AbsOp(x), f"abs{i}")
            case Leaky():
                return self.leaky(x, layer.slope, i)
        raise ValueError(layer)


# The lic op whose stage a layer's folding goes to, by the layer's index.
_FOLDED_OP = {Conv: "conv{}", Deconv: "deconv{}", Gdn: "g{}_norm"}


def _indexed(layers, prefix: str = "") -> list:
    """(index, layer) of every layer, those inside residual block i as ``ibj``."""
    out = []
    for i, layer in enumerate(layers):
        index = f"{prefix}{i}"
        out += _indexed(layer.layers, f"{index}b") if isinstance(layer, Residual) else [(index, layer)]
    return out


def foldings(flow: hls.DataflowOp, spec: Spec) -> dict:
    """Each folded layer's stage in `flow` (found by the `lic` ops it lists) → its folding."""
    out = {}
    for i, layer in _indexed(spec.layers):
        if type(layer) in _FOLDED_OP:
            source = f"%{_FOLDED_OP[type(layer)].format(i)}"
            stage = next(op for op in flow.stages() if isinstance(op, hls.FoldedStageOp)
                         and any(s.endswith(source) for s in op.sources()))
            out[stage] = Folding(layer.pe, layer.simd, layer.mmv, mult_impl=layer.mult)
    return out


def convert(module: ModuleOp, specs: dict[str, Spec]) -> None:
    """convert-lic-to-hls, each function's layers folded as its spec says, FIFOs sized."""
    parse_pipeline("convert-lic-to-hls").apply(make_context(), module)
    for f in module.ops:
        flow = next(op for op in f.walk() if isinstance(op, hls.DataflowOp))
        refold(flow, foldings(flow, specs[f.sym_name.data]))
    module.verify()
    parse_pipeline("hls-size-fifos").apply(make_context(), module)


def build(spec: Spec, seed: int = 0, name: str = "net") -> ModuleOp:
    """The integer lic module of `spec`, weights drawn with `seed`."""
    net = _Net(np.random.default_rng(seed))
    element = UI8 if spec.unsigned_input else IntegerType(spec.input_bits)
    in_type = _t((1, spec.channels, spec.height, spec.width), element)
    block = Block(arg_types=[in_type])
    x = y = block.args[0]
    x.name_hint = "x"
    for i, layer in enumerate(spec.layers):
        y = net.layer(y, layer, i)
    block.add_ops([*net.ops, func.ReturnOp(y)])
    module = ModuleOp([func.FuncOp(name, ([in_type], [y.type]), Region(block))])
    module.verify()
    return module


def random_input(spec: Spec, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shape = (1, spec.channels, spec.height, spec.width)
    if spec.unsigned_input:
        return rng.integers(0, 256, shape).astype(np.uint8)
    low = -(1 << (spec.input_bits - 1))
    x = rng.integers(low, -low, shape).astype(np.int8)
    if spec.input_bits < 8:  # the extreme products a packed field must hold
        x[..., : spec.height // 2, :] = low
    return x


def merge(modules: list[ModuleOp]) -> ModuleOp:
    """One module holding the functions of all `modules` (names must differ)."""
    functions = [f for m in modules for f in list(m.ops)]
    for f in functions:
        f.detach()
    module = ModuleOp(functions)
    module.verify()
    return module


def table_net(function: str, mode: str, params: dict[str, int], frac_bits: int, name: str) -> ModuleOp:
    """A function applying one `lic.table` to a 1×1×16×16 ``i40`` tensor, giving ``i24``."""
    in_type = _t((1, 1, 16, 16), IntegerType(40))
    block = Block(arg_types=[in_type])
    table = lic.TableOp(block.args[0], function, mode, frac_bits, _t((1, 1, 16, 16), IntegerType(24)), **params)
    block.add_ops([table, func.ReturnOp(table.output)])
    return ModuleOp([func.FuncOp(name, ([in_type], [table.output.type]), Region(block))])


def table_input(seed: int = 0) -> np.ndarray:
    """Table arguments: the edges (≤ 0, 1, powers of two and their neighbours) and random
    magnitudes from 1 to 2^39."""
    edges = [-5, 0, 1, 2, 3] + [v for e in range(2, 39, 3) for v in ((1 << e) - 1, 1 << e, (1 << e) + 1)]
    rng = np.random.default_rng(seed)
    rest = np.exp2(rng.uniform(0, 39, 256 - len(edges))).astype(np.int64)
    return np.asarray(edges + rest.tolist(), np.int64).reshape(1, 1, 16, 16)


def simulate(modules: list[ModuleOp], inputs: dict, specs: dict[str, Spec], folder, count_iters: bool = False):
    """Merge `modules`, interpret each part at the lic level, convert and fold it as
    `specs` say, interpret it at the hls level, emit it into `folder` and C-simulate it:
    (lic-level outputs, hls-level outputs, the C simulation's results, the hls module)."""
    module = merge(modules)
    references = {name: run(module, name, x)[0] for name, x in inputs.items()}
    convert(module, specs)
    hls_level = {name: run(module, name, x)[0] for name, x in inputs.items()}
    write_project(module, folder)
    return references, hls_level, check(folder, inputs, references, count_iters=count_iters), module
