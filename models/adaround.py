"""AdaRound for narrow weights: each weight rounded up or down to cut its layer's output error.

`lic-quantize` rounds each convolution's scaled weights ``w·s_in / s_w`` to
the nearest level (s_in: the input's per-channel activation scales, s_w: the
output channel's ``max|w·s_in| / (2^(b−1) − 1)``). At 4 bits most of them end
at 0 or ±1 and nearest rounding loses dBs. AdaRound (Nagel et al. 2020,
"Up or Down? Adaptive Rounding for Post-Training Quantization") picks floor
or ceil per weight instead, minimising the layer's output error on
calibration data: a rectified sigmoid h(V) ∈ [0, 1] is added to the floor,
and an annealed regulariser drives every h to 0 or 1.

The result is written back into the *float* checkpoint as exact grid values
``w = q·s_w / s_in``. Each output channel's largest element keeps its level
±(2^(b−1) − 1) (it is not optimised), so the channel's scale comes out the
same, and `lic-quantize` — unchanged — rebuilds exactly the chosen integers
(`licc --precision-file`, ``licc-eval --integer``); `verify` checks it.

What each layer sees is the build's: `QatCodec` (models/qat.py) gives the
integer IR ``lic-quantize`` builds from the current weights with its scales,
and `_Evaluator` runs it in torch, so a layer's input is its real integer
input on the calibration images. Layers are rounded in program order
(encoder, then decoder) and the codec is re-calibrated after each, since a
rounded layer moves the activation ranges (hence the scales) of all later ones.

The reconstruction target is by default the float model's output of the layer
(``target="float"``, its input the float model's too; AdaRound's "asymmetric"
reconstruction): the chain of 4-bit layers can then correct what the layers
before it lost, instead of only its own rounding. ``target="weights"`` is the
float weights on the same integer input. The error is the accumulator's
(before the GDN and the activation rescale). A channel whose rounding does
not beat nearest rounding on all the calibration images keeps nearest: no
layer's error grows.

Finer grids: ``grids`` also tries weight steps finer than lic-quantize's
(0.8 and 0.6 of it by default), on which the channel's largest weights
saturate at ±(2^(b−1) − 1) — the written peak sets that finer step in the
build. Each output channel takes whichever of nearest rounding and
AdaRound on each grid gives the least error (a channel's output depends on
its own weights and step only).

Objectives: by default (``objective="layer"``) that choice is the rounding.
``"output"`` then rounds the layer once more, on each channel's chosen step and
with its bias trained alongside (in the accumulator's units; the build
rounds it), against the output of the layer's function — the latent before
its rounding, the decoded image in pixels — computed by the rest of the
integer IR from the layer's integer input (the later layers at the
build's current rounding, GDN tables and all, straight-through gradients as
in QAT), the target the float model's output. The refined rounding is
kept only where it beats the layer-wise choice on all the calibration
images (BRECQ, Li et al. 2021, reconstructs blocks; this reconstructs the
function's output, one layer's rounding at a time, since the later layers'
scales follow each rounded layer's weights).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from tqdm import tqdm
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation

from lic_compiler.calibration import CALIBRATION_COUNT, load_images
from lic_compiler.errors import LiccError
from lic_compiler.models.checkpoint import copy_model
from lic_compiler.models.qat import PIXELS, QatCodec, _convs, _Evaluator, _axes, coded_layers

TARGETS = ("float", "weights")
# What a layer's rounding minimises: its accumulator's error, or then its function's output's (the latent, the image).
OBJECTIVES = ("layer", "output")
# The rectified sigmoid's stretch (AdaRound's ζ, γ): h reaches 0 and 1 exactly.
ZETA, GAMMA = 1.1, -0.1
# The regulariser's exponent, annealed from the first to the second after the warm-up.
BETA = (20.0, 2.0)

CROP = (128, 128)  # the size of the calibration crops, and of the crops `data` gives
Key = tuple[str, int]  # (function, index among its convolutions, GDN norms included)


@dataclass(frozen=True)
class RoundConfig:
    """How to round: which layers, the optimisation's length and weights."""

    max_bits: int = 7  # layers whose weights have at most this many bits
    iters: int = 1000  # optimiser steps per layer
    batch: int = 4  # calibration images per step
    lr: float = 0.1  # Adam on V
    reg: float = 10.0  # the regulariser's weight against the error normalised to nearest rounding's
    warmup: float = 0.2  # share of the steps without the regulariser
    target: str = "float"
    objective: str = "layer"
    grids: tuple[float, ...] = (1.0, 0.8, 0.6)  # weight steps tried per layer, relative to lic-quantize's
    seed: int = 0
    count: int = CALIBRATION_COUNT  # calibration images (the shipped BSDS500 crops)
    data: tuple[str, ...] = ()  # folders whose first `crops` images, center-cropped, the rounding fits instead
    crops: int = 128


@dataclass
class LayerReport:
    key: Key
    bits: int
    nearest: float  # squared error summed over the calibration images
    rounded: float  # the chosen rounding's, bias-corrected
    channels: int  # output channels that took AdaRound's rounding (the others keep nearest)
    finer: int  # of those, the channels on a finer grid than lic-quantize's
    changed: float  # share of the weights whose level differs from nearest rounding
    output: tuple[float, float] | None = None  # objective "output": its error, layer-wise choice → refined


@dataclass
class _Layer:
    """One convolution of the integer IR: its scales and the build's (nearest) weights."""

    key: Key
    op: Operation
    bits: int
    s_in: np.ndarray
    s_w: np.ndarray
    nearest: np.ndarray  # the integer weights lic-quantize built
    bias: np.ndarray | None  # the integer bias

    @property
    def axes(self) -> tuple[int, int]:
        """(input, output) channel axes of the weight."""
        return _axes(self.op)


# --- the narrow layers ---------------------------------------------------------------


def _layers(qat: QatCodec) -> tuple[ModuleOp, dict[Key, _Layer]]:
    """The integer IR built from `qat`'s current weights, and its convolutions."""
    from lic_compiler.ir import to_numpy

    module, record = qat.integer_ir()
    out = {}
    for op, (name, index, s_in, s_w) in record.items():
        q = to_numpy(op.weight.owner.value).astype(np.int64)
        bias = None if op.bias is None else to_numpy(op.bias.owner.value).astype(np.int64)
        bits = op.weight.type.get_element_type().width.data
        out[(name, index)] = _Layer((name, index), op, bits, np.asarray(s_in), np.asarray(s_w), q, bias)
    return module, out


def narrow_keys(qat: QatCodec, max_bits: int) -> list[Key]:
    """The convolutions (not GDN's norms) whose weights have at most `max_bits` bits, in program order."""
    layers = coded_layers(qat.codec)
    return [key for key, layer in _layers(qat)[1].items()
            if layer.bits <= max_bits and isinstance(layers[key[0]][key[1]], nn.Conv2d | nn.ConvTranspose2d)]


# --- what a layer sees ---------------------------------------------------------------


def _images(cfg: RoundConfig) -> list[Tensor]:
    """What the rounding fits: the calibration images, or the first `cfg.crops` of `cfg.data`'s folders' images
    (in the folders' order) center-cropped to them."""
    if not cfg.data:
        return [torch.from_numpy(x) for x in load_images(None, cfg.count)]
    images: list[np.ndarray] = []
    for folder in cfg.data:
        images += load_images(folder, cfg.crops, size=CROP) if len(images) < cfg.crops else []
    return [torch.from_numpy(x) for x in images[: cfg.crops]]


def _integer_inputs(module: ModuleOp, layer: _Layer, images: list[Tensor]) -> Tensor:
    """The layer's integer input on each image, as the integer codec `module` computes it."""
    from lic_compiler.quant.drive import functions

    f = functions(module)
    inputs = []
    with torch.no_grad():
        for x in images:
            run = _Evaluator({})
            latent, _ = run.run(f["encoder"], torch.round(x.double() * PIXELS))
            if layer.key[0] == "decoder":
                run = _Evaluator({})
                run.run(f["decoder"], latent)
            inputs.append(run.values[layer.op.input].float())
    return torch.cat(inputs)


def _float_outputs(model: nn.Module, key: Key, images: list[Tensor]) -> Tensor:
    """The float model's output of the layer on each image (the decoder on the rounded latent)."""
    outputs: list[Tensor] = []
    hook = coded_layers(model)[key[0]][key[1]].register_forward_hook(lambda m, i, o: outputs.append(o.detach()))
    try:
        with torch.no_grad():
            for x in images:
                y = model.g_a(x)
                if key[0] == "decoder":
                    model.g_s(torch.round(y))
    finally:
        hook.remove()
    return torch.cat(outputs).float()


def _shape(values: np.ndarray, axis: int) -> Tensor:
    shape = [1, 1, 1, 1]
    shape[axis] = -1
    return torch.from_numpy(np.array(values, np.float64)).reshape(shape)


def _scaled_weight(layer: _Layer, module: nn.Module) -> np.ndarray:
    """The float weight on the integer grid, ``w·s_in / s_w`` (its nearest rounding is `layer.nearest`)."""
    in_axis, out_axis = layer.axes
    w = module.weight.detach().double()
    s_w = np.broadcast_to(layer.s_w, (w.shape[out_axis],))
    return (w * _shape(layer.s_in, in_axis) / _shape(s_w, out_axis)).numpy()


class _Conv:
    """The layer's accumulator in real units for integer weights q: ``(conv(x, q) + bias)·s_w``."""

    def __init__(self, layer: _Layer, module: nn.Module):
        in_axis, out_axis = layer.axes
        self.module = module
        self.s_w = _shape(np.broadcast_to(layer.s_w, (layer.nearest.shape[out_axis],)), 1).float()
        self.bias = None if layer.bias is None else torch.from_numpy(layer.bias.astype(np.float64)).float()
        self.s_in = _shape(layer.s_in, in_axis).float()

    def __call__(self, x: Tensor, q: Tensor) -> Tensor:
        m = self.module
        if isinstance(m, nn.ConvTranspose2d):
            y = F.conv_transpose2d(x, q, self.bias, m.stride, m.padding, m.output_padding)
        else:
            y = F.conv2d(x, q, self.bias, m.stride, m.padding)
        return y * self.s_w

    def float_weights(self, x: Tensor) -> Tensor:
        """The float weights (bias included) on the same integer input, in real units."""
        m = self.module
        with torch.no_grad():
            w = m.weight * self.s_in  # x counts units of s_in
            if isinstance(m, nn.ConvTranspose2d):
                return F.conv_transpose2d(x, w, m.bias, m.stride, m.padding, m.output_padding)
            return F.conv2d(x, w, m.bias, m.stride, m.padding)


def _residuals(conv: _Conv, x: Tensor, target: Tensor, q: np.ndarray, chunk: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Per output channel, over all the images: the squared error's sum and the error's mean (float64)."""
    weights = torch.from_numpy(q.astype(np.float32))
    squares = torch.zeros(target.shape[1], dtype=torch.float64)
    sums = torch.zeros_like(squares)
    with torch.no_grad():
        for i in range(0, len(x), chunk):
            diff = target[i : i + chunk].double() - conv(x[i : i + chunk], weights).double()
            squares += diff.pow(2).sum(dim=(0, 2, 3))
            sums += diff.sum(dim=(0, 2, 3))
    return squares.numpy(), (sums / (target[:, 0].numel())).numpy()


def _channel_errors(conv: _Conv, x: Tensor, target: Tensor, q: np.ndarray) -> np.ndarray:
    return _residuals(conv, x, target, q)[0]


# --- the optimisation -------------------------------------------------------------------


def _soft(v: Tensor) -> Tensor:
    return (torch.sigmoid(v) * (ZETA - GAMMA) + GAMMA).clamp(0, 1)


def _initial_v(rest: np.ndarray) -> Tensor:
    """V with h(V) = `rest` (the fractional part), so the soft weights start at the float ones."""
    p = np.clip((rest - GAMMA) / (ZETA - GAMMA), 1e-4, 1 - 1e-4)
    return torch.from_numpy(np.log(p / (1 - p))).float()


def _peaks(scaled: np.ndarray, out_axis: int) -> np.ndarray:
    """A mask of each output channel's largest |element| (one per channel): it keeps its level."""
    w = np.moveaxis(np.abs(scaled), out_axis, 0).reshape(scaled.shape[out_axis], -1)
    mask = np.zeros_like(w, bool)
    mask[np.arange(len(w)), w.argmax(axis=1)] = True
    return np.moveaxis(mask.reshape(np.moveaxis(scaled, out_axis, 0).shape), 0, out_axis)


def _optimise(layer: _Layer, scaled: np.ndarray, cfg: RoundConfig, count: int,
              error: Callable[[Tensor, Tensor], Tensor], step: Callable[[], object],
              extra: list[Tensor] = ()) -> np.ndarray:
    """AdaRound's integer weights for the layer (each floor or floor + 1, clipped to the levels).

    `error(q, pick)` is the normalised error of the soft integer weights `q` on the calibration
    images `pick` (of `count`); `extra` are further parameters it trains (a bias)."""
    from lic_compiler.quant.fixed import levels

    top = levels(layer.bits, True)
    base = np.floor(scaled)
    fixed = _peaks(scaled, layer.axes[1])
    near_h = torch.from_numpy((layer.nearest - base).astype(np.float32))
    free = torch.from_numpy(~fixed)
    base_t = torch.from_numpy(base.astype(np.float32))
    v = _initial_v(scaled - base).requires_grad_()
    opt = torch.optim.Adam([v, *extra], lr=cfg.lr)
    gen = torch.Generator().manual_seed(cfg.seed)
    warm = int(cfg.warmup * cfg.iters)
    for i in range(cfg.iters):
        pick = torch.randperm(count, generator=gen)[: cfg.batch]
        h = torch.where(free, _soft(v), near_h)
        loss = error((base_t + h).clamp(-top, top), pick)
        if i >= warm:
            beta = BETA[1] + (BETA[0] - BETA[1]) * (1 - (i - warm) / max(cfg.iters - warm, 1))
            loss = loss + cfg.reg * (1 - (2 * _soft(v)[free] - 1).abs().pow(beta)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        step()
    hard = np.where(fixed, layer.nearest, base + (_soft(v.detach()).numpy() >= 0.5))
    return np.clip(hard, -top, top).astype(np.int64)


def _layer_error(conv: _Conv, x: Tensor, target: Tensor, nearest: np.ndarray) -> Callable[[Tensor, Tensor], Tensor]:
    """The accumulator's squared error on a batch, relative to nearest rounding's mean per image."""
    norm = float(_channel_errors(conv, x, target, nearest).sum()) / len(x) or 1.0
    return lambda q, pick: (conv(x[pick], q) - target[pick]).pow(2).sum() / len(pick) / norm


def _on_grid(layer: _Layer, module: nn.Module, ratio: float) -> _Layer:
    """The layer on a weight step `ratio` (≤ 1) times lic-quantize's: larger weights saturate at ±top,
    the channel's peak among them, so a build derives this step from the written weights. No step
    goes below lic-quantize's bias floor, which a build would raise it to."""
    from lic_compiler.passes.quantize import _bias_floor
    from lic_compiler.quant.fixed import levels

    if ratio == 1.0:
        return layer
    top = levels(layer.bits, True)
    s_w = np.broadcast_to(layer.s_w, (layer.nearest.shape[layer.axes[1]],)) * ratio
    if layer.bias is not None:
        fan_in = layer.nearest.size // len(s_w)
        s_w = np.maximum(s_w, _bias_floor(module.bias.detach().double().numpy(), layer.op.input, fan_in, layer.bits))
    grid = replace(layer, s_w=s_w)
    nearest = np.clip(np.round(_scaled_weight(grid, module)), -top, top).astype(np.int64)
    bias = None if layer.bias is None else np.round(module.bias.detach().double().numpy() / s_w).astype(np.int64)
    return replace(grid, nearest=nearest, bias=bias)


def _choose(layer: _Layer, module: nn.Module, x: Tensor, target: Tensor,
            candidates: list[tuple[_Layer, np.ndarray]]) -> tuple[_Layer, np.ndarray, LayerReport]:
    """Per output channel the rounding of the smallest error on all the images (nearest rounding's, or
    AdaRound's on one of the grids), and the bias shift that removes its mean error (bias correction).
    Returns the layer as chosen (its grid, integer weights and bias per channel)."""
    out_axis = layer.axes[1]
    errors = [_channel_errors(_Conv(layer, module), x, target, layer.nearest)]
    errors += [_channel_errors(_Conv(grid, module), x, target, q) for grid, q in candidates]
    best = np.argmin(np.stack(errors), axis=0)  # ties keep nearest rounding
    options = [(layer, layer.nearest)] + candidates
    pick = [options[i] for i in best]
    q = np.stack([np.take(p[1], c, axis=out_axis) for c, p in enumerate(pick)], axis=out_axis)
    bias = None if layer.bias is None else np.array([p[0].bias[c] for c, p in enumerate(pick)])
    s_w = np.array([np.broadcast_to(p[0].s_w, best.shape)[c] for c, p in enumerate(pick)])
    chosen = replace(layer, s_w=s_w, nearest=q, bias=bias)
    squares, shift = _residuals(_Conv(chosen, module), x, target, q)
    corrected = squares - shift**2 * target[:, 0].numel() if layer.bias is not None else squares
    finer = sum(int((best == i + 1).sum()) for i, (grid, _) in enumerate(candidates) if grid is not layer)
    report = LayerReport(layer.key, layer.bits, float(errors[0].sum()), float(corrected.sum()),
                         int((best > 0).sum()), finer, float((q != layer.nearest).mean()))
    return chosen, shift, report


def _write(module: nn.Module, layer: _Layer, shift: np.ndarray) -> None:
    """The float weight that `lic-quantize` turns back into the layer's integers (``q·s_w / s_in``);
    the bias shifted."""
    in_axis, out_axis = layer.axes
    q = layer.nearest
    s_w = np.broadcast_to(layer.s_w, (q.shape[out_axis],))
    w = torch.from_numpy(q.astype(np.float64)) * _shape(s_w, out_axis) / _shape(layer.s_in, in_axis)
    with torch.no_grad():
        module.weight.copy_(w.float())
        if layer.bias is not None:
            module.bias.add_(torch.from_numpy(shift).float())


# --- the output objective -------------------------------------------------------------


def _function_outputs(model: nn.Module, images: list[Tensor]) -> dict[str, Tensor]:
    """The float model's outputs in the integer codec's units: the latent before rounding, the image in pixels
    (decoded from the rounded float latent)."""
    with torch.no_grad():
        latents = [model.g_a(x) for x in images]
        pixels = [model.g_s(torch.round(y)) * PIXELS for y in latents]
    return {"encoder": torch.cat(latents).double(), "decoder": torch.cat(pixels).double()}


class _Tail:
    """The rest of the layer's function from its convolution on, as the integer IR computes it (the later
    layers as the build has them), the convolution's weights and bias given: the function's output before
    its last rounding, saturated, for the layer's integer input."""

    def __init__(self, module: ModuleOp, layer: _Layer):
        from xdsl.dialects import func

        from lic_compiler.dialects import lic
        from lic_compiler.quant.drive import functions

        ops = list(functions(module)[layer.key[0]].body.block.ops)
        constants = _Evaluator({})
        for op in ops:
            if isinstance(op, lic.ConstantOp):
                constants.values[op.results[0]] = constants._op(op)
        self.constants = constants.values
        self.ops = [op for op in ops[ops.index(layer.op):] if not isinstance(op, lic.ConstantOp | func.ReturnOp)]
        self.out = ops[-1].operands[0]
        self.range = lic.int_range(self.out.type.get_element_type())
        self.op = layer.op

    def __call__(self, x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        run = _Evaluator({self.op: (weight, bias)})
        run.values = {**self.constants, self.op.input: x.double()}
        for op in self.ops:
            run.values[op.results[0]] = run._op(op)
        return run.surrogate.get(self.out, run.values[self.out]).clamp(*self.range)


def _output_error(tail: _Tail, x: Tensor, target: Tensor, weight: Tensor, bias: Tensor | None, chunk: int = 4) -> float:
    """The function's squared output error summed over all the images."""
    with torch.no_grad():
        return sum(float((tail(x[i : i + chunk], weight, bias) - target[i : i + chunk]).pow(2).sum())
                   for i in range(0, len(x), chunk))


def _refine(tail: _Tail, layer: _Layer, chosen: _Layer, shift: np.ndarray, report: LayerReport, module: nn.Module,
            x: Tensor, target: Tensor, cfg: RoundConfig, step: Callable[[], object]
            ) -> tuple[_Layer, np.ndarray, LayerReport]:
    """Objective "output": AdaRound once more on each channel's chosen step, the bias trained with it,
    against what `tail` computes (the later layers at the build's rounding, the GDNs' integer arithmetic
    and all); kept if it beats the layer-wise choice on all the calibration images. `layer` is the integer
    IR's, whose accumulator units the tail rescales from: a finer step enters as its ratio to the IR's."""
    out_axis = layer.axes[1]
    s_w = np.broadcast_to(chosen.s_w, (chosen.nearest.shape[out_axis],)).astype(np.float64)
    s_ir = np.broadcast_to(layer.s_w, s_w.shape).astype(np.float64)
    ratio = _shape(s_w / s_ir, out_axis)
    target = target.clamp(*tail.range)
    bias = None
    if layer.bias is not None:  # the bias as a build rounds it, in the IR's accumulator units
        float_bias = module.bias.detach().double().numpy()
        bias = torch.from_numpy(np.round((float_bias + shift) / s_w) * s_w / s_ir)
    start = _output_error(tail, x, target, torch.from_numpy(chosen.nearest.astype(np.float64)) * ratio, bias)
    norm = start / len(x) or 1.0
    trained = [] if bias is None else [bias.clone().requires_grad_()]

    def error(q: Tensor, pick: Tensor) -> Tensor:
        out = tail(x[pick], q.double() * ratio, trained[0] if trained else None)
        return (out - target[pick]).pow(2).sum() / len(pick) / norm

    q = _optimise(chosen, _scaled_weight(chosen, module), cfg, len(x), error, step, trained)
    new_bias = trained[0].detach() if trained else None
    end = _output_error(tail, x, target, torch.from_numpy(q.astype(np.float64)) * ratio, new_bias)
    if end >= start:
        return chosen, shift, replace(report, output=(start, start))
    new_shift = shift if new_bias is None else new_bias.numpy() * s_ir - float_bias
    refined = replace(chosen, nearest=q)
    return refined, new_shift, replace(report, output=(start, end), changed=float((q != layer.nearest).mean()))


# --- the whole model ---------------------------------------------------------------------


def round_model(model: nn.Module, widths: dict[str, int], cfg: RoundConfig = RoundConfig(),
                progress: bool = False) -> tuple[dict[Key, np.ndarray], list[LayerReport]]:
    """AdaRound `model`'s narrow convolutions in place (see the module docstring).

    `widths` is a precision file's. Returns the chosen integer weights per
    layer and a report per layer; `progress` shows a bar over all the steps.
    """
    if cfg.target not in TARGETS:
        raise LiccError(f"unknown reconstruction target {cfg.target!r}; choose one of {', '.join(TARGETS)}")
    if cfg.objective not in OBJECTIVES:
        raise LiccError(f"unknown rounding objective {cfg.objective!r}; choose one of {', '.join(OBJECTIVES)}")
    if not any(" weight " in label and bits <= cfg.max_bits for label, bits in widths.items()):
        raise LiccError(f"the precision file gives no convolution {cfg.max_bits} or fewer weight bits; "
                        "nothing to round (raise --max-bits or narrow a weight width)")
    images = _images(cfg)  # a bad folder fails before the calibration
    model.eval()
    reference = copy_model(model)
    qat = QatCodec(model, widths, count=cfg.count)
    keys = narrow_keys(qat, cfg.max_bits)
    modules = coded_layers(model)
    outputs = _function_outputs(reference, images) if cfg.objective != "layer" else {}
    passes = len(cfg.grids) + (cfg.objective != "layer")
    bar = tqdm(total=len(keys) * cfg.iters * passes, disable=not progress, dynamic_ncols=True, unit="step")
    chosen, reports = {}, []
    for key in keys:
        bar.set_description(f"@{key[0]} conv {key[1]}")
        ir, layers = _layers(qat)
        layer, module = layers[key], modules[key[0]][key[1]]
        x = _integer_inputs(ir, layer, images)
        target = _float_outputs(reference, key, images) if cfg.target == "float" else _Conv(layer, module).float_weights(x)
        candidates = []
        for ratio in cfg.grids:
            grid = _on_grid(layer, module, ratio)
            scaled = _scaled_weight(grid, module)
            conv = _Conv(grid, module)
            error = _layer_error(conv, x, target, grid.nearest)
            candidates.append((grid, _optimise(grid, scaled, cfg, len(x), error, bar.update)))
        result, shift, report = _choose(layer, module, x, target, candidates)
        if cfg.objective != "layer":
            result, shift, report = _refine(_Tail(ir, layer), layer, result, shift, report, module, x,
                                            outputs[key[0]], cfg, bar.update)
        chosen[key] = result.nearest
        reports.append(report)
        _write(module, result, shift)
        qat.calibrate()  # the next layers' scales, as a build measures them from these weights
    bar.close()
    return chosen, reports


def verify(source: object, precision: str, chosen: dict[Key, np.ndarray], count: int = CALIBRATION_COUNT) -> int:
    """How many of the integer weights a build of `source` (a model or checkpoint) makes differ from `chosen`.

    `precision` is the ``lic-assign-precision{…}`` element; the build is
    `compile_integer`'s (``licc-eval --integer``), independent of `QatCodec`.
    """
    from lic_compiler.eval.integer import compile_integer
    from lic_compiler.ir import to_numpy

    convs = _convs(compile_integer(source, precision, count=count))
    return int(sum((to_numpy(convs[name][index].weight.owner.value) != q).sum() for (name, index), q in chosen.items()))
