"""`lic-quantize`: float `lic` → integer `lic` (integer weights, rescales, tables).

Reads `lic-calibrate`'s ranges and `lic-assign-precision`'s widths and
lowers each function op by op (roles in `lic_compiler.quant.plan`). Every
integer tensor q stands for q · scale (one scale per tensor, or per channel):

- image inputs are 8-bit pixels (``ui8``, scale 1/255); latent inputs are
  the integer latent (scale 1, the width the encoder's latent has);
- a convolution takes the scaled weights ``w · s_in`` (per input channel),
  quantised symmetrically per output channel to ``lic.weight_bits``
  (scale s_w, raised where a bias would otherwise outgrow every sum of
  products 256-fold), and the bias ``round(b / s_w)``; it accumulates exactly in
  the narrowest type the verifier's proof admits (scale s_w per channel); with
  ``lic.weight_pow2`` its weights are 0 or ±2^k instead (`quantize_weights_pow2`)
  and the integer convolution keeps the attribute (its stage shifts);
- an activation (a conv's or GDN's output) is a `lic.rescale` of that to
  ``lic.bits`` with the scale ``T / (2^(b−1) − 1)`` (``T / (2^b − 1)``
  unsigned, for tensors calibrated non-negative); T is the clipping threshold
  (``clip``: ``max``, the default, ``mse`` — the MSE-optimal one for that
  width — or ``percentile``), one per channel (``scales=channel``, the
  default: the smaller of T and the channel's calibrated peak, so narrow
  channels keep their resolution; the next conv folds the per-channel
  scales into its weights, GDN's x² into γ's columns; a returned tensor
  keeps one scale) or one per tensor (``scales=tensor``, where ``clip=mse``
  measures better);
- GDN: x² is exact (unsigned, scale s_x²; rescaled when wider than the GDN
  path's width), the norm conv's accumulator N (β as its bias, at least 1)
  goes straight to a `lic.table` of the root in the float op's mode
  (exact becomes the `lic-rewrite-gdn` default), whose ``frac_bits`` puts
  the calibrated extreme (with 2× headroom) at the top of the unsigned
  GDN-path width: real f(N·s_N) = table(N) · 2^−frac_bits · f(s_N); x·f is
  exact, then rescaled to an activation;
- a residual ``lic.add`` (operands at their own scales): each operand is
  rescaled to the sum's calibrated activation scale in one bit more than the
  sum's width (an operand alone may exceed the sum's range: the other one
  cancels it), the two are added exactly in a type the verifier proves, and
  the sum is rescaled (multiplier 1, saturating) to the activation; the sum
  takes the wider operand's width (it has no width knob of its own);
- the encoder's (hyper-encoder's) returned conv is rescaled to scale 1: the
  integer latent the entropy coder codes (``round(y)``, ties up); the
  decoder's is rescaled to ``ui8`` pixels with scale 1/255, so saturation is
  the float codec's clamp to [0, 1].

Each function records the real value of one unit of its argument and result
in ``lic.arg_scales`` / ``lic.result_scales``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, IntegerType, ModuleOp, Signedness, TensorType, i64
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass

from lic_compiler.dialects import lic
from lic_compiler.errors import LiccError
from lic_compiler.gdn_approx import Approx
from lic_compiler.ir import from_numpy, to_numpy
from lic_compiler.passes.rewrite_gdn import DEFAULT_MODE, MODE_DEFAULTS
from lic_compiler.quant import attrs
from lic_compiler.quant.drive import functions, is_image_function, is_integer_module
from lic_compiler.quant.fixed import (
    activation_scale, levels, multiplier_shift, quantize_weights, quantize_weights_pow2, rescale_params, unsigned_bits,
)
from lic_compiler.quant.plan import ROOTS, returned_through, roles

CLIPS = ("mse", "max", "percentile")
# Activation scales: one per tensor, or one per channel (each at most the tensor's threshold).
SCALES = ("tensor", "channel")
# Root tables put the calibrated extreme argument this far inside their range.
TABLE_HEADROOM = 2.0
# An accumulator is built this wide before its exact width is proven.
_PROBE_BITS = lic.MAX_INT_BITS


def itype(bits: int, signed: bool = True) -> IntegerType:
    return IntegerType(bits, Signedness.SIGNLESS if signed else Signedness.UNSIGNED)


@dataclass
class QValue:
    """An integer value and the real value of one unit: a scalar or one per channel."""

    value: SSAValue
    scale: np.ndarray

    @property
    def bits(self) -> int:
        return self.value.type.get_element_type().width.data  # type: ignore[attr-defined]

    def channel_scale(self, channels: int) -> np.ndarray:
        return np.broadcast_to(self.scale, (channels,)).astype(np.float64)


class _Lowering:
    """Lowers one float function into a new block (see the module docstring)."""

    def __init__(self, f: func.FuncOp, clip: str, scales: str):
        self.f, self.clip, self.scales = f, clip, scales
        self.name = f.sym_name.data
        self.roles = roles(f)
        self.ops: list[Operation] = []
        self.map: dict[SSAValue, QValue] = {}
        self.returned = _returned_through_unary(f)

    # --- helpers ---------------------------------------------------------------

    def _emit(self, op: Operation, hint: str | None = None) -> Operation:
        self.ops.append(op)
        if hint:
            op.results[0].name_hint = hint
        return op

    def _bits(self, op: Operation, name: str = attrs.BITS) -> int:
        bits = attrs.get(op, name)
        if bits is None:
            raise LiccError(
                f"lic-quantize: {op.name} in @{self.name} has no {name}; run lic-assign-precision first"
            )
        return int(bits)

    def _range(self, op: Operation) -> dict:
        r = attrs.get(op, attrs.RANGE)
        if r is None:
            raise LiccError(f"lic-quantize: {op.name} in @{self.name} has no lic.range; run lic-calibrate first")
        return r

    def _threshold(self, r: dict, bits: int) -> float:
        if self.clip == "max":
            return max(abs(r["min"]), abs(r["max"]))
        if self.clip == "percentile":
            return r["p9999"]
        return r["mse_clip"].get(f"b{bits}", max(abs(r["min"]), abs(r["max"])))

    def _rescale(self, q: QValue, scale: float | np.ndarray, element: IntegerType, hint: str | None) -> QValue:
        shape = lic.tensor_shape(q.value)
        multipliers, shifts = rescale_params(q.channel_scale(shape[1]) / scale)
        if len(set(zip(multipliers, shifts))) == 1:
            multipliers, shifts = multipliers[:1], shifts[:1]
        op = lic.RescaleOp(q.value, multipliers, shifts, TensorType(element, shape))
        return QValue(self._emit(op, hint).results[0], np.asarray(scale, np.float64))

    def _activation(self, q: QValue, float_op: Operation, bits: int, hint: str | None) -> QValue:
        """`q` rescaled to a `bits`-wide activation with the calibrated scale of `float_op`."""
        scale, signed = self._activation_scale(float_op, bits)
        return self._rescale(q, scale, itype(bits, signed), hint)

    def _activation_scale(self, float_op: Operation, bits: int) -> tuple[float | np.ndarray, bool]:
        """The calibrated scale of `float_op`'s result as a `bits`-wide activation, and its sign."""
        r = self._range(float_op)
        signed = r["min"] < 0
        threshold = self._threshold(r, bits)
        # A returned tensor (the hyper-decoder's scales) keeps one scale: its consumer is not a conv.
        if self.scales == "channel" and "channel_peak" in r and float_op.results[0] not in self.returned:
            # A channel narrower than the tensor's threshold gets the finer scale it can use.
            threshold = np.minimum(np.asarray(r["channel_peak"], np.float64), threshold)
            for use in float_op.results[0].uses:  # channels a pixel shuffle interleaves share one
                if isinstance(use.operation, lic.PixelShuffleOp):
                    threshold = _group_max(threshold, use.operation.r ** 2)
        return activation_scale(threshold, bits, signed), signed

    # --- ops -------------------------------------------------------------------

    def lower(self) -> func.FuncOp:
        block = Block(arg_types=[self._arg_type()])
        arg = block.args[0]
        arg.name_hint = self.f.body.block.args[0].name_hint
        arg_scale = 1.0 / 255.0 if is_image_function(self.f) else 1.0
        self.map[self.f.body.block.args[0]] = QValue(arg, np.float64(arg_scale))
        result_scales: list[float] = []
        for op in self.f.body.block.ops:
            if isinstance(op, func.ReturnOp):
                outs = [self.map[v] for v in op.operands]
                result_scales = [float(np.max(q.scale)) for q in outs]
                if any(np.ptp(q.scale) > 0 for q in outs):
                    raise LiccError(f"lic-quantize: @{self.name} returns a per-channel-scaled tensor")
                self._emit(func.ReturnOp(*[q.value for q in outs]))
            elif not isinstance(op, lic.ConstantOp):
                self._lower_op(op)
        block.add_ops(self.ops)
        types = ([arg.type], [v.type for v in block.last_op.operands])  # type: ignore[union-attr]
        new = func.FuncOp(self.name, types, Region(block))
        for key, value in self.f.attributes.items():
            if key not in ("sym_name", "function_type", attrs.ARG_RANGES, attrs.ARG_BITS):
                new.attributes[key] = value
        attrs.put(new, attrs.ARG_SCALES, [arg_scale])
        attrs.put(new, attrs.RESULT_SCALES, result_scales)
        return new

    def _arg_type(self) -> TensorType:
        shape = self.f.function_type.inputs.data[0].get_shape()  # type: ignore[attr-defined]
        if is_image_function(self.f):
            return TensorType(itype(8, False), shape)
        bits = attrs.get(self.f, attrs.ARG_BITS)
        if bits is None:
            raise LiccError(f"lic-quantize: @{self.name} has no lic.arg_bits; run lic-assign-precision first")
        return TensorType(itype(bits[0]), shape)

    def _lower_op(self, op: Operation) -> None:
        role = self.roles[op]
        hint = op.results[0].name_hint
        if isinstance(op, lic.Conv2dOp | lic.ConvTranspose2dOp):
            acc = self._conv(op, role == "norm" and self._feeds_roots(op))
            if role == "norm" and self._feeds_roots(op):
                self.map[op.output] = acc
            elif role == "latent":
                bits = self._bits(op)
                self.map[op.output] = self._rescale(acc, 1.0, itype(bits), hint)
            elif role == "image":
                self.map[op.output] = self._rescale(acc, 1.0 / 255.0, itype(8, False), hint)
            else:
                self.map[op.output] = self._activation(acc, op, self._bits(op), hint)
        elif role == "square":
            self.map[op.results[0]] = self._square(op, hint)
        elif role == "root":
            self.map[op.results[0]] = self._root(op, hint)
        elif isinstance(op, lic.MulOp):
            self.map[op.results[0]] = self._product(op, hint)
        elif isinstance(op, lic.AddOp):
            self.map[op.results[0]] = self._sum(op, hint)
        elif isinstance(op, lic.PixelShuffleOp | lic.PixelUnshuffleOp):
            self.map[op.results[0]] = self._reorder(op, hint)
        elif isinstance(op, lic.PadOp | lic.CropOp):  # moves integers: the scale stays
            q = self.map[op.input]
            out = TensorType(q.value.type.get_element_type(), lic.tensor_shape(op.output))  # type: ignore[attr-defined]
            self.map[op.output] = QValue(self._emit(type(op)(q.value, out), hint).results[0], q.scale)
        elif isinstance(op, lic.ReluOp | lic.AbsOp):
            q = self.map[op.operands[0]]
            self.map[op.results[0]] = QValue(self._emit(type(op)(q.value), hint).results[0], q.scale)
        elif isinstance(op, lic.LeakyReluOp):
            self.map[op.results[0]] = self._leaky_relu(op, hint)
        else:
            raise LiccError(
                f"lic-quantize: {op.name} in @{self.name} has no integer lowering; the integer "
                "level has conv2d, conv_transpose2d, GDN's decomposition (mul, abs, rsqrt/sqrt/"
                "reciprocal), add, pixel (un)shuffle, pad, crop, relu, leaky_relu and abs"
            )

    @staticmethod
    def _feeds_roots(op: Operation) -> bool:
        return all(isinstance(u.operation, ROOTS) for u in op.results[0].uses)

    def _conv(self, op: lic.Conv2dOp | lic.ConvTranspose2dOp, positive_bias: bool) -> QValue:
        x = self.map[op.input]
        transposed = isinstance(op, lic.ConvTranspose2dOp)
        in_axis, out_axis = (0, 1) if transposed else (1, 0)
        weight = np.asarray(_constant(op.weight, op), np.float64)
        cin = weight.shape[in_axis]
        shape = [1] * 4
        shape[in_axis] = cin
        w_eff = weight * x.channel_scale(cin).reshape(shape)
        w_bits = self._bits(op, attrs.WEIGHT_BITS)
        b = None if op.bias is None else np.asarray(_constant(op.bias, op), np.float64)
        floor = None if b is None else _bias_floor(b, x.value, weight.size // weight.shape[out_axis], w_bits)
        shifts = bool(attrs.get(op, attrs.WEIGHT_POW2))
        if shifts and positive_bias:
            raise LiccError(f"lic-quantize: lic.weight_pow2 on GDN's γ ({op.output.name_hint or op.name}) is not supported; set it on convolutions only")
        q_w, s_w = (quantize_weights_pow2 if shifts else quantize_weights)(w_eff, w_bits, out_axis, floor)
        bias = None
        if b is not None:
            bias = np.round(b / s_w).astype(np.int64)
            if positive_bias:  # GDN's β > 0 keeps the norm positive
                bias = np.where(b > 0, np.maximum(bias, 1), bias)
        w_const = self._emit(lic.ConstantOp(from_numpy(q_w, itype(w_bits), "wq")), op.weight.name_hint)
        out_shape = lic.tensor_shape(op.output)
        bits = _accumulator_bits(op, x.value, w_const.results[0], bias)
        b_const = None
        if bias is not None:
            b_const = self._emit(lic.ConstantOp(from_numpy(bias, itype(bits), "bq")), op.bias.name_hint)  # type: ignore[union-attr]
        result = TensorType(itype(bits), out_shape)
        b_val = b_const.results[0] if b_const is not None else None
        if transposed:
            conv = lic.ConvTranspose2dOp(
                x.value, w_const.results[0], b_val, op.strides(), op.paddings(), op.output_paddings(), result
            )
        else:
            conv = lic.Conv2dOp(x.value, w_const.results[0], b_val, op.strides(), op.paddings(), result)
        if shifts:  # the stage will shift (convert-lic-to-hls)
            attrs.put(conv, attrs.WEIGHT_POW2, True)
        self._emit(conv, f"{op.output.name_hint or 'conv'}_acc")
        return QValue(conv.output, s_w)

    def _square(self, op: lic.MulOp, hint: str | None) -> QValue:
        x = self.map[op.lhs]
        lo, hi = lic.int_range(x.value.type.get_element_type())  # type: ignore[attr-defined]
        exact = unsigned_bits(max(lo * lo, hi * hi))
        bits = self._bits(op)
        mul = lic.MulOp(x.value, x.value, TensorType(itype(exact, False), lic.tensor_shape(op.lhs)))
        square = QValue(self._emit(mul, hint if exact <= bits else f"{hint}_exact").results[0], x.scale**2)
        if exact <= bits:
            return square
        peak = self._range(op)["max"]
        return self._rescale(square, activation_scale(peak, bits, False), itype(bits, False), hint)

    def _root(self, op: Operation, hint: str | None) -> QValue:
        n = self.map[op.operands[0]]
        params = op.approx_params()  # type: ignore[attr-defined]
        if params["mode"] == "exact":
            params = {"mode": DEFAULT_MODE, **MODE_DEFAULTS[DEFAULT_MODE]}
        function = op.name.removeprefix("lic.")
        approx = Approx(function, **params)  # type: ignore[arg-type]
        bits = self._bits(op)
        channels = lic.tensor_shape(op.operands[0])[1]
        s_n = n.channel_scale(channels)
        r = self._range(op.operands[0].owner)  # type: ignore[arg-type]
        if function == "sqrt":
            extreme = math.sqrt(TABLE_HEADROOM * r["max"] / s_n.min())
        else:
            n_lo = max(r["min"] / s_n.max() / TABLE_HEADROOM, 1.0)
            extreme = n_lo**-0.5 if function == "rsqrt" else 1.0 / n_lo
        top = ((1 << bits) - 1) / (extreme * (1.0 + approx.max_relative_error()))
        frac_bits = math.floor(math.log2(top))
        table = lic.TableOp(
            n.value, function, approx.mode, frac_bits,
            TensorType(itype(bits, False), lic.tensor_shape(op.operands[0])),
            **{k: v for k, v in approx.params().items() if k != "mode"},
        )
        unit = {"rsqrt": s_n**-0.5, "sqrt": s_n**0.5, "reciprocal": 1.0 / s_n}[function]
        return QValue(self._emit(table, hint).results[0], unit * 2.0**-frac_bits)

    def _product(self, op: lic.MulOp, hint: str | None) -> QValue:
        a, b = self.map[op.lhs], self.map[op.rhs]
        (alo, ahi), (blo, bhi) = (lic.int_range(v.value.type.get_element_type()) for v in (a, b))  # type: ignore[attr-defined]
        corners = (alo * blo, alo * bhi, ahi * blo, ahi * bhi)
        exact = lic.signed_bits(min(corners), max(corners))
        shape = lic.tensor_shape(op.lhs)
        mul = lic.MulOp(a.value, b.value, TensorType(itype(exact), shape))
        product = QValue(self._emit(mul, f"{hint}_exact").results[0], a.scale * b.scale)
        return self._activation(product, op, self._bits(op), hint)

    def _sum(self, op: lic.AddOp, hint: str | None) -> QValue:
        """A residual: both operands rescaled to the sum's scale, added exactly, saturated."""
        a, b = self.map[op.lhs], self.map[op.rhs]
        bits = max(a.bits, b.bits)
        scale, signed = self._activation_scale(op, bits)
        common = itype(bits + 1)
        name = hint or "add"
        lhs = self._rescale(a, scale, common, f"{name}_lhs")
        rhs = self._rescale(b, scale, common, f"{name}_rhs")
        lo, hi = lic.int_range(common)
        add = lic.AddOp(lhs.value, rhs.value, TensorType(itype(lic.signed_bits(2 * lo, 2 * hi)), lic.tensor_shape(op.lhs)))
        total = QValue(self._emit(add, f"{name}_exact").results[0], lhs.scale)
        return self._rescale(total, scale, itype(bits, signed), hint)


    def _leaky_relu(self, op: lic.LeakyReluOp, hint: str | None) -> QValue:
        """The slope as the dyadic m / 2^s nearest it (MULTIPLIER_BITS bits, as a rescale's):
        negatives scale by it in the input's type and scale, so y differs from
        slope · x by at most ½ + |x| · |slope − m / 2^s| units (see docs/quantization.md)."""
        q = self.map[op.input]
        slope = op.negative_slope.value.data
        m, s = multiplier_shift(slope)
        new = lic.LeakyReluOp(
            q.value, negative_slope=op.negative_slope, multiplier=IntegerAttr(m, i64), shift=IntegerAttr(s, i64)
        )
        return QValue(self._emit(new, hint).results[0], q.scale)

    def _reorder(self, op: lic.PixelShuffleOp | lic.PixelUnshuffleOp, hint: str | None) -> QValue:
        """A pixel (un)shuffle moves integers: each output channel keeps its source's scale.
        A shuffle interleaves r² channels into one, so they must share a scale: else the
        input is first rescaled to their largest (`_activation` gives them one already)."""
        q, r2 = self.map[op.input], op.r**2
        c = lic.tensor_shape(op.input)[1]
        scale = q.channel_scale(c)
        if isinstance(op, lic.PixelShuffleOp):
            shared = _group_max(scale, r2)
            if np.ptp(scale.reshape(-1, r2), axis=1).max() > 0:
                q = self._rescale(q, shared, q.value.type.get_element_type(), f"{hint}_in")  # type: ignore[attr-defined]
            out_scale = shared[::r2]
        else:
            out_scale = np.repeat(scale, r2)
        new = type(op)(q.value, op.r, TensorType(q.value.type.get_element_type(), lic.tensor_shape(op.output)))  # type: ignore[attr-defined]
        if np.ptp(out_scale) == 0:
            out_scale = out_scale[:1].reshape(())
        return QValue(self._emit(new, hint).results[0], out_scale)


def _group_max(values: np.ndarray | float, group: int) -> np.ndarray | float:
    """Per channel, the largest value of its group of `group` consecutive channels."""
    if np.ndim(values) == 0:
        return values
    v = np.asarray(values, np.float64).reshape(-1, group)
    return np.repeat(v.max(axis=1), group)


def _constant(value: SSAValue, op: Operation) -> np.ndarray:
    if not isinstance(value.owner, lic.ConstantOp):
        raise LiccError(f"lic-quantize: {op.name} has a weight that is not a lic.constant")
    return to_numpy(value.owner.value)


# How far a bias may outgrow the largest sum of products before the weight
# scale is raised to hold it there (see _bias_floor).
BIAS_HEADROOM_BITS = 8


def _returned_through_unary(f: func.FuncOp) -> set[SSAValue]:
    """The values `f` returns, and those that reach a return through relu/leaky_relu/abs only."""
    return returned_through(f, (lic.ReluOp, lic.LeakyReluOp, lic.AbsOp))


def _bias_floor(bias: np.ndarray, x: SSAValue, fan_in: int, w_bits: int) -> np.ndarray:
    """Per-channel weight scale below which the bias would outgrow every sum of products 2^8-fold.

    A channel whose weights are negligible next to its bias (a GDN γ row that
    training drove to ~1e-12) would otherwise get so fine a scale that the bias
    alone needs more than 48 bits. At this floor its weights, worth less than
    1/256 of the bias, round to zero or nearly, and the channel outputs about
    its bias, which is what it computes anyway; any other channel keeps its scale.
    """
    lo, hi = lic.value_range(x)
    products = levels(w_bits, True) * max(abs(lo), abs(hi), 1) * fan_in
    return np.abs(bias) / (products * 2.0**BIAS_HEADROOM_BITS)


def _accumulator_bits(op: Operation, x: SSAValue, weight: SSAValue, bias: np.ndarray | None) -> int:
    """The narrowest accumulator the verifier's proof admits for these integer operands."""
    probe_type = TensorType(itype(_PROBE_BITS), lic.tensor_shape(op.results[0]))
    ops: list[Operation] = []
    b = None
    if bias is not None:
        ops.append(lic.ConstantOp(from_numpy(bias, itype(_PROBE_BITS), "bq")))
        b = ops[-1].results[0]
    if isinstance(op, lic.ConvTranspose2dOp):
        probe = lic.ConvTranspose2dOp(x, weight, b, op.strides(), op.paddings(), op.output_paddings(), probe_type)
    else:
        probe = lic.Conv2dOp(x, weight, b, op.strides(), op.paddings(), probe_type)  # type: ignore[arg-type]
    lo, hi, _ = lic.accumulator_range(probe)
    probe.drop_all_references()
    bits = lic.signed_bits(lo, hi)
    if bits > lic.MAX_INT_BITS:
        raise LiccError(
            f"lic-quantize: {op.name} ({op.results[0].name_hint}) needs a {bits}-bit accumulator; "
            f"narrow its weights or input (at most {lic.MAX_INT_BITS} bits)"
        )
    return bits


def quantize(module: ModuleOp, clip: str = "max", scales: str = "channel") -> None:
    """Lower every function of `module` to the integer level, in place."""
    if clip not in CLIPS:
        raise LiccError(f"lic-quantize: clip must be one of {', '.join(CLIPS)}, got '{clip}'")
    if scales not in SCALES:
        raise LiccError(f"lic-quantize: scales must be one of {', '.join(SCALES)}, got '{scales}'")
    if is_integer_module(module):
        raise LiccError("lic-quantize: the IR is already integer")
    for f in list(functions(module).values()):
        new = _Lowering(f, clip, scales).lower()
        module.body.block.insert_op_before(new, f)
        f.detach()
    module.verify()


@dataclass(frozen=True)
class QuantizePass(ModulePass):
    """Lower the float codec to integers: weights, rescales and root tables, from the recorded ranges and widths."""

    name = "lic-quantize"

    clip: str = "max"
    scales: str = "channel"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        quantize(op, self.clip, self.scales)
