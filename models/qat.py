"""Quantization-aware fine-tuning: the compiled integer codec as a differentiable torch model.

`QatCodec` wraps a float factorized-prior model. Its forward pass *is* the
integer codec licc builds from the model's current weights: every call

1. writes the float weights into the calibrated float `lic` IR (import,
   `lic-rewrite-gdn`, `lic-calibrate`, `lic-assign-precision`, held in
   memory) and runs the real `lic-quantize` on a copy, so the integer
   weights, biases, rescale multipliers and shifts and the root tables'
   ``frac_bits`` follow from the weights exactly as a build would derive
   them (per-output-channel ``max|w·s_in|`` weight scales and all);
2. evaluates that integer IR in torch: convolutions, squares and products
   in float64 (exact: the verifier bounds every sum below 2^53), rescales and
   tables by the interpreter's own int64 functions (`lic_int.rescale`,
   `lic_int.table`), so every value is the interpreter's bit for bit.

Gradients are straight-through: an integer weight passes its gradient to
the float weight as ``w·s_in / s_w`` (the scales held constant for the
step), a rescale as the multiplication by ``m / 2^s``, a table as the root
function it tabulates (``n^−½·2^frac_bits`` …), and saturation passes none.

Activation scales come from calibration, which runs the float codec on the
calibration images. They are re-derived from the current weights only when
`calibrate` is called (the training loop does so at every state save): a
step's update moves the ranges by far less than one quantisation step, the
measurement costs the 32 images' forward passes, and re-deriving at saves
makes a resumed run continue with exactly the scales it had. A checkpoint's
`QatCodec`, freshly calibrated, is the integer codec licc builds from it.

The rate term uses the float entropy bottleneck on the encoder's latent
before its final rounding (training mode adds CompressAI's uniform noise);
the decoder gets the rounded integer latent, as the hardware does.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from xdsl.dialects.builtin import BytesAttr, DenseIntOrFPElementsAttr, ModuleOp
from xdsl.ir import Operation

from lic_compiler.calibration import CALIBRATION_COUNT
from lic_compiler.errors import LiccError
from lic_compiler.models.arch import GDN, MODEL_CLASSES
from lic_compiler.quant.precision_file import knobs_of

WeightSource = Callable[[], tuple[Tensor, Tensor | None]]
# What a build of the model quantises: the codec's two image-facing functions.
FUNCTIONS = {"encoder": "g_a", "decoder": "g_s"}
PIXELS = 255.0
# `hold` acts on the convolutions whose weights are this narrow (AdaRound's default reach).
HOLD_BITS = 7
HOLDS = ("steps", "weights")


# --- the precision -------------------------------------------------------------


def precision_summary(model: nn.Module, precision: str = "lic-assign-precision", count: int = CALIBRATION_COUNT) -> dict:
    """The ``lic.precision`` summary `precision` (a pipeline element) assigns to `model`."""
    from lic_compiler.quant import attrs

    return attrs.get(_float_ir(model, precision, count), attrs.PRECISION)


# --- the float IR and its weights -----------------------------------------------


def _float_ir(model: nn.Module, precision: str, count: int, widths: dict[str, int] | None = None) -> ModuleOp:
    """The calibrated float `lic` IR with widths assigned (`precision`, then `widths` by knob
    label), as `compile_integer` builds it before quantizing."""
    from lic_compiler.eval.integer import COMPILE_FRAME, PARTS
    from lic_compiler.frontend import import_model
    from lic_compiler.ir import make_context
    from lic_compiler.registry import parse_pipeline

    training = model.training
    with torch.no_grad():
        module = import_model(model, parts=PARTS, frame=COMPILE_FRAME).module
    model.train(training)
    parse_pipeline("convert-torch-to-lic,lic-rewrite-gdn{measure=false}").apply(make_context(), module)
    if widths is not None:
        knobs_of(module, widths)  # before calibrating: a wrong file fails at once
    parse_pipeline(f"lic-calibrate{{count={count}}},{precision}").apply(make_context(), module)
    if widths is not None:
        _apply_widths(module, widths)
    return module


def _apply_widths(module: ModuleOp, widths: dict[str, int]) -> None:
    from lic_compiler.quant import attrs

    for knob, bits in knobs_of(module, widths).items():
        knob.apply(bits)
    attrs.put(module, attrs.PRECISION, {"mode": "file", "widths": widths})


def weight_sources(model: nn.Module) -> dict[str, list[WeightSource]]:
    """Per function, the float (weight, bias) of each of its convolutions in program order:
    a conv's own, a GDN's norm convolution's γ (C×C×1×1) and β, as its forward computes them."""
    if not isinstance(model, MODEL_CLASSES["bmshj2018-factorized"]) or hasattr(model, "h_a"):
        raise LiccError(
            f"quantization-aware training trains a factorized prior (bmshj2018-factorized); "
            f"{type(model).__name__} is not one"
        )
    return {name: [_source(layer) for layer in layers] for name, layers in coded_layers(model).items()}


def coded_layers(model: nn.Module) -> dict[str, list[nn.Module]]:
    """Per function, its convolutions and GDNs in program order: the IR's convolutions' layers."""
    return {name: [layer for layer in getattr(model, transform)
                   if isinstance(layer, nn.Conv2d | nn.ConvTranspose2d | GDN)]
            for name, transform in FUNCTIONS.items()}


def _source(layer: nn.Module) -> WeightSource:
    if isinstance(layer, GDN):
        def gdn() -> tuple[Tensor, Tensor]:
            c = layer.beta.shape[0]
            return layer.gamma_reparam(layer.gamma).reshape(c, c, 1, 1), layer.beta_reparam(layer.beta)

        return gdn
    return lambda: (layer.weight, layer.bias)


def _convs(module: ModuleOp) -> dict[str, list[Operation]]:
    from lic_compiler.quant.drive import functions
    from lic_compiler.quant.plan import CONVS

    return {name: [op for op in f.body.block.ops if isinstance(op, CONVS)]
            for name, f in functions(module).items()}


def _constant_array(op: Operation, operand: str) -> np.ndarray:
    from lic_compiler.ir import to_numpy

    return to_numpy(getattr(op, operand).owner.value)


def _set_constant(op: Operation, operand: str, array: np.ndarray) -> None:
    """Replace a float weight constant's value (inline: no resource blob per step)."""
    constant = getattr(op, operand).owner
    data = np.ascontiguousarray(array, np.dtype("<f4")).tobytes()
    constant.properties["value"] = DenseIntOrFPElementsAttr(constant.value.type, BytesAttr(data))


# --- lic-quantize, recording the scales the gradients need --------------------


def _recording_quantize(module: ModuleOp) -> dict[Operation, tuple[str, int, np.ndarray, np.ndarray]]:
    """`lic-quantize` (default options) on `module` in place; per integer convolution,
    (function, index among its convolutions, input channel scales, weight scales)."""
    from lic_compiler.passes.quantize import _Lowering
    from lic_compiler.quant.drive import functions

    record: dict[Operation, tuple[str, int, np.ndarray, np.ndarray]] = {}

    class Recording(_Lowering):
        def _conv(self, op, positive_bias):  # type: ignore[no-untyped-def]
            acc = super()._conv(op, positive_bias)
            index = sum(1 for owner, *_ in record.values() if owner == self.name)
            cin = op.weight.type.get_shape()[_axes(op)[0]]
            record[acc.value.owner] = (self.name, index, self.map[op.input].channel_scale(cin), np.asarray(acc.scale))
            return acc

    with _inline_constants():
        for f in list(functions(module).values()):
            new = Recording(f, "max", "channel").lower()
            module.body.block.insert_op_before(new, f)
            f.detach()
    return record


@contextlib.contextmanager
def _inline_constants() -> Iterator[None]:
    """Integer weights as inline constants: an IR rebuilt every step would otherwise
    add its weights to xDSL's global resource-blob store each time."""
    from lic_compiler import ir

    limit, ir.INLINE_LIMIT = ir.INLINE_LIMIT, np.iinfo(np.int64).max
    try:
        yield
    finally:
        ir.INLINE_LIMIT = limit


def _axes(op: Operation) -> tuple[int, int]:
    """A convolution's weight axes: (input channels, output channels)."""
    from lic_compiler.dialects import lic

    return (0, 1) if isinstance(op, lic.ConvTranspose2dOp) else (1, 0)


# --- straight-through evaluation of the integer IR -------------------------------


class _Straight(torch.autograd.Function):
    """Forward: the exact integer values; backward: the surrogate's gradient where `mask`."""

    @staticmethod
    def forward(ctx, exact: Tensor, surrogate: Tensor, mask: Tensor) -> Tensor:  # type: ignore[override]
        ctx.save_for_backward(mask)
        return exact

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple[None, Tensor, None]:  # type: ignore[override]
        (mask,) = ctx.saved_tensors
        return None, grad * mask, None


def _straight(exact: np.ndarray, surrogate: Tensor, lo: float, hi: float) -> Tensor:
    """`exact` (an integer array) carrying `surrogate`'s gradient, none where it saturated."""
    mask = ((surrogate > lo - 0.5) & (surrogate < hi + 0.5)).to(surrogate.dtype)
    return _Straight.apply(torch.from_numpy(np.asarray(exact, np.float64)), surrogate, mask)


def _ints(x: Tensor) -> np.ndarray:
    return x.detach().numpy().astype(np.int64)


def _per_channel(values: list[int] | np.ndarray, axis: int = 1) -> Tensor:
    shape = [1, 1, 1, 1]
    shape[axis] = -1
    return torch.from_numpy(np.array(values, np.float64)).reshape(shape)


_ROOTS: dict[str, Callable[[Tensor], Tensor]] = {
    "rsqrt": torch.rsqrt, "sqrt": torch.sqrt, "reciprocal": torch.reciprocal,
}


class _Evaluator:
    """Runs one integer function in torch (see the module docstring)."""

    def __init__(self, weights: dict[Operation, tuple[Tensor, Tensor | None]]):
        self.weights = weights
        self.values: dict = {}
        self.surrogate: dict = {}  # a rescale's result before rounding: the returned latent's float value

    def run(self, f: Operation, x: Tensor) -> tuple[Tensor, Tensor]:
        from xdsl.dialects import func

        self.values[f.body.block.args[0]] = x
        for op in f.body.block.ops:
            if isinstance(op, func.ReturnOp):
                out = op.operands[0]
                return self.values[out], self.surrogate.get(out, self.values[out])
            self.values[op.results[0]] = self._op(op)
        raise LiccError(f"@{f.sym_name.data} has no return")

    def _op(self, op: Operation) -> Tensor | None:
        from lic_compiler.dialects import lic
        from lic_compiler.interpreter.lic_int import leaky_relu, rescale, table
        from lic_compiler.gdn_approx import Approx
        from lic_compiler.ir import to_numpy

        v = [self.values.get(o) for o in op.operands]
        if isinstance(op, lic.ConstantOp):
            return torch.from_numpy(to_numpy(op.value).astype(np.float64))
        if isinstance(op, lic.Conv2dOp | lic.ConvTranspose2dOp):
            w, b = self.weights.get(op, (v[1], v[2] if len(v) > 2 else None))
            if isinstance(op, lic.Conv2dOp):
                return F.conv2d(v[0], w, b, stride=op.strides(), padding=op.paddings())
            return F.conv_transpose2d(
                v[0], w, b, stride=op.strides(), padding=op.paddings(), output_padding=op.output_paddings()
            )
        lo, hi = lic.int_range(op.results[0].type.get_element_type())
        if isinstance(op, lic.RescaleOp):
            m, s, o = op.params()
            surrogate = v[0] * _per_channel(np.ldexp(np.asarray(m, np.float64), -np.asarray(s))) + _per_channel(o)
            self.surrogate[op.results[0]] = surrogate
            return _straight(rescale(_ints(v[0]), m, s, o, lo, hi), surrogate, lo, hi)
        if isinstance(op, lic.TableOp):
            function, frac_bits = op.function.data, op.frac_bits.value.data
            exact = table(_ints(v[0]), Approx(function, **op.approx_params()), frac_bits, lo, hi)
            return _straight(exact, _ROOTS[function](v[0].clamp_min(1.0)) * 2.0**frac_bits, lo, hi)
        if isinstance(op, lic.MulOp):
            return v[0] * v[1]
        if isinstance(op, lic.AddOp):
            return v[0] + v[1]
        if isinstance(op, lic.ReluOp):
            return torch.relu(v[0])
        if isinstance(op, lic.AbsOp):
            return v[0].abs().clamp_max(hi)
        if isinstance(op, lic.LeakyReluOp):
            m, s = op.slope_params()
            surrogate = torch.where(v[0] >= 0, v[0], v[0] * (m / 2.0**s))
            return _straight(leaky_relu(_ints(v[0]), m, s, lo, hi), surrogate, lo, hi)
        raise LiccError(f"quantization-aware training has no torch form of {op.name}")


# --- the model -----------------------------------------------------------------------


class QatCodec(nn.Module):
    """A float factorized prior trained through its integer codec (see the module docstring).

    `forward(x)` (x in [0, 1], N×3×H×W, H and W multiples of 16) returns
    CompressAI's ``{"x_hat", "likelihoods": {"y"}}`` plus ``"latent"``, the
    integer latent; ``x_hat`` is the integer decoder's 8-bit image / 255.
    """

    def __init__(self, model: nn.Module, widths: dict[str, int] | None = None, count: int = CALIBRATION_COUNT,
                 hold: str | None = None):
        super().__init__()
        self.codec = model
        self.widths, self.count = widths, count
        self.sources = weight_sources(model)
        self.s_in: dict[tuple[str, int], np.ndarray] = {}  # each convolution's input scales at the last build
        self.calibrate()
        narrow = self._peaks() if hold else {}
        for layer, *_ in narrow.values() if hold == "weights" else ():
            layer.weight.requires_grad_(False)  # the levels stay; the rest of the model trains around them
        self.held = narrow if hold == "steps" else {}

    def calibrate(self) -> None:
        """Re-derive the activation ranges (and the latent's width) from the current weights."""
        module = _float_ir(self.codec, "lic-assign-precision", self.count, self.widths)
        convs = _convs(module)
        for name, sources in self.sources.items():
            if len(convs.get(name, [])) != len(sources):
                raise LiccError(f"@{name} has {len(convs.get(name, []))} convolutions, the model {len(sources)}")
            for op, source in zip(convs[name], sources):
                w, _ = source()
                if not np.array_equal(_constant_array(op, "weight"), w.detach().numpy()):
                    raise LiccError(f"@{name}: the IR's convolutions do not follow the model's layers in order")
        self.float_ir = module

    def integer_ir(self) -> tuple[ModuleOp, dict[Operation, tuple[str, int, np.ndarray, np.ndarray]]]:
        """The integer IR `lic-quantize` builds from the current weights, and its convolutions' scales."""
        module = self.float_ir.clone()
        for name, ops in _convs(module).items():
            for op, source in zip(ops, self.sources[name]):
                w, b = source()
                _set_constant(op, "weight", w.detach().numpy())
                if b is not None:
                    _set_constant(op, "bias", b.detach().numpy())
        record = _recording_quantize(module)
        self.s_in = {(name, index): s_in for name, index, s_in, _ in record.values()}
        return module, record

    def _peaks(self) -> dict[tuple[str, int], tuple[nn.Module, tuple[int, int], Tensor, Tensor]]:
        """Per convolution of at most `HOLD_BITS`-bit weights (GDN norms aside): its layer, its weight's
        axes (`_axes`), a mask of each output channel's largest ``|w·s_in|`` (the element lic-quantize
        derives the channel's step from), and those elements' values."""
        _, record = self.integer_ir()
        layers = coded_layers(self.codec)
        out = {}
        for op, (name, index, s_in, _) in record.items():
            layer = layers[name][index]
            if isinstance(layer, GDN) or op.weight.type.get_element_type().width.data > HOLD_BITS:
                continue
            in_axis, out_axis = _axes(op)
            scaled = (layer.weight.detach().double() * _per_channel(s_in, in_axis)).abs().movedim(out_axis, 0)
            flat = scaled.flatten(1)
            mask = torch.zeros_like(flat, dtype=torch.bool)
            mask[torch.arange(len(flat)), flat.argmax(dim=1)] = True
            mask = mask.reshape(scaled.shape).movedim(0, out_axis)
            out[(name, index)] = (layer, (in_axis, out_axis), mask, layer.weight.detach()[mask].clone())
        return out

    @torch.no_grad()
    def hold_steps(self) -> None:
        """With ``hold="steps"``, after each optimiser step: put every held channel's peak back and clip its other
        weights just inside it (``|w·s_in|`` at the last build's input scales), so the channel's weight step
        — lic-quantize's ``max|w·s_in| / (2^(b−1) − 1)`` — stays the one the starting checkpoint had
        (AdaRound's, say) and an update moves single weights between levels instead of re-scaling the grid."""
        for key, (layer, (in_axis, out_axis), mask, peak) in self.held.items():
            s_in = _per_channel(self.s_in[key], in_axis)
            peaks = torch.zeros_like(layer.weight, dtype=torch.float64)
            peaks[mask] = peak.double().abs()
            top = (peaks * s_in).amax(dim=tuple(d for d in range(4) if d != out_axis), keepdim=True)
            bound = (top / s_in * (1 - 1e-6)).float()  # strictly below the peak: it stays the maximum
            w = torch.minimum(torch.maximum(layer.weight, -bound), bound)
            w[mask] = peak
            layer.weight.copy_(w)

    def _weights(self, record: dict) -> dict[Operation, tuple[Tensor, Tensor | None]]:
        """Per integer convolution: its integer weights and bias carrying the float ones' gradients."""
        from lic_compiler.ir import to_numpy

        out = {}
        for op, (name, index, s_in, s_w) in record.items():
            w, b = self.sources[name][index]()
            in_axis, out_axis = _axes(op)
            q_w = to_numpy(op.weight.owner.value)
            scale = _per_channel(s_in, in_axis) / _per_channel(np.broadcast_to(s_w, (q_w.shape[out_axis],)), out_axis)
            weight = _Straight.apply(torch.from_numpy(q_w.astype(np.float64)), w.double() * scale, torch.ones(()))
            bias = None
            if b is not None:
                q_b = to_numpy(op.bias.owner.value).astype(np.float64)
                bias = _Straight.apply(torch.from_numpy(q_b), b.double() / torch.as_tensor(s_w), torch.ones(()))
            out[op] = (weight, bias)
        return out

    def forward(self, x: Tensor) -> dict:
        from lic_compiler.quant.drive import functions

        if x.shape[-1] % 16 or x.shape[-2] % 16:
            raise LiccError(f"QAT images must be multiples of 16 pixels wide and high, got {tuple(x.shape[-2:])}")
        module, record = self.integer_ir()
        weights = self._weights(record)
        f = functions(module)
        pixels = torch.round(x.detach().double().clamp(0, 1) * PIXELS)
        q, y = _Evaluator(weights).run(f["encoder"], pixels)
        _, likelihoods = self.codec.entropy_bottleneck(y.float())
        image, _ = _Evaluator(weights).run(f["decoder"], q)
        return {"x_hat": (image / PIXELS).float(), "likelihoods": {"y": likelihoods}, "latent": q}

    def aux_loss(self) -> Tensor:
        return self.codec.aux_loss()
