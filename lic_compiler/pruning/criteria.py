"""What a channel is worth, and how many to keep.

- ``l1`` / ``l2``: the norm of the filters that produce the channel.
- ``gdn``: the channel's effect after normalisation: the mean |activation|
  the next convolutions read (GDN's output, on calibration images) times
  the norm of their weights for that channel. A filter with a large norm
  that GDN normalises away scores low; so does a channel nobody reads.
- the latents: the bits each channel costs, the empirical entropy of the
  rounded channel on calibration images (the factorized prior codes each
  channel with its own model), then its energy. A channel that rounds to
  zero everywhere costs no bits and carries nothing: it is *free*.

A dropped channel need not take its average with it: `fold_dropped_means`
adds its mean activation, times the weights that read it, to the reading
convolutions' biases, so only its variation is lost.

The codec is run as the codec runs it: ``@encoder`` on the images,
``@decoder`` on the rounded latent, ``@hyper_encoder`` on the latent and
``@hyper_decoder`` on the rounded hyper-latent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.dialects.func import FuncOp
from xdsl.interpreter import Interpreter, InterpreterFunctions, PythonValues, impl, register_impls
from xdsl.ir import BlockArgument

from lic_compiler.calibration import codec_psnr, fit_image
from lic_compiler.dialects import lic
from lic_compiler.errors import LiccError
from lic_compiler.interpreter import make_interpreter
from lic_compiler.interpreter.lic_float import LicFloatFunctions
from lic_compiler.pruning.channels import Conv, Group, functions, in_rows, out_rows, replace_weight, weight

CRITERIA = ("l1", "l2", "gdn", "latent")

# function → (its inputs, its outputs), one per image
Runs = dict[str, tuple[list[np.ndarray], list[np.ndarray]]]


@register_impls
@dataclass
class ActivityProbe(InterpreterFunctions):
    """Runs convolutions as usual and accumulates each one's mean input and mean |input| per channel."""

    sums: dict[Conv, np.ndarray] = field(default_factory=dict)
    abs_sums: dict[Conv, np.ndarray] = field(default_factory=dict)
    counts: dict[Conv, int] = field(default_factory=dict)
    float_ops: LicFloatFunctions = field(default_factory=LicFloatFunctions)

    def activity(self, op: Conv) -> np.ndarray | None:
        """Mean |input| per channel (None: the calibration images do not reach `op`)."""
        return self.abs_sums[op] / self.counts[op] if op in self.counts else None

    def mean(self, op: Conv) -> np.ndarray | None:
        """Mean input per channel (None: the calibration images do not reach `op`)."""
        return self.sums[op] / self.counts[op] if op in self.counts else None

    def _record(self, op: Conv, x: np.ndarray) -> None:
        self.sums[op] = self.sums.get(op, 0.0) + x.mean(axis=(0, 2, 3), dtype=np.float64)
        self.abs_sums[op] = self.abs_sums.get(op, 0.0) + np.abs(x).mean(axis=(0, 2, 3), dtype=np.float64)
        self.counts[op] = self.counts.get(op, 0) + 1

    @impl(lic.Conv2dOp)
    def run_conv2d(self, interpreter: Interpreter, op: lic.Conv2dOp, args: PythonValues):
        self._record(op, args[0])
        return self.float_ops.run_conv2d(interpreter, op, args).values

    @impl(lic.ConvTranspose2dOp)
    def run_conv_transpose2d(self, interpreter: Interpreter, op: lic.ConvTranspose2dOp, args: PythonValues):
        self._record(op, args[0])
        return self.float_ops.run_conv_transpose2d(interpreter, op, args).values


def _input_shape(function: FuncOp) -> tuple[int, ...] | None:
    inputs = function.function_type.inputs.data
    return tuple(inputs[0].get_shape()) if len(inputs) == 1 else None  # type: ignore[attr-defined]


def calibration_runs(module: ModuleOp, images: list[np.ndarray], probe: ActivityProbe | None = None) -> Runs:
    """Every codec function the images can drive, driven as the codec drives it."""
    interpreter = make_interpreter(module)
    if probe is not None:
        interpreter.register_implementations(probe, override=True)
    funcs = functions(module)
    runs: Runs = {}

    def call(name: str, inputs: list[np.ndarray]) -> list[np.ndarray]:
        if name in funcs and inputs and _input_shape(funcs[name]) == inputs[0].shape:
            runs[name] = (inputs, [interpreter.call_op(name, (x,))[0] for x in inputs])
        return runs.get(name, ([], []))[1]

    shape = _input_shape(funcs["encoder"]) if "encoder" in funcs else None
    if shape is None or len(shape) != 4 or shape[:2] != (1, 3):
        return runs
    ys = call("encoder", [fit_image(x, (shape[3], shape[2])) for x in images])
    call("decoder", [np.round(y) for y in ys])
    zs = call("hyper_encoder", ys)
    call("hyper_decoder", [np.round(z) for z in zs])
    return runs


@dataclass
class LatentStats:
    """Per latent channel on calibration images: bits per element and energy of the rounded values."""

    bits: np.ndarray
    energy: np.ndarray

    @property
    def free(self) -> np.ndarray:
        """Channels that cost no bits and carry no energy: zero everywhere once rounded."""
        return (self.bits == 0) & (self.energy == 0)


def latent_stats(latents: list[np.ndarray]) -> LatentStats:
    q = np.round(np.concatenate(latents))
    rows = np.moveaxis(q, 1, 0).reshape(q.shape[1], -1)
    return LatentStats(
        np.array([_entropy(row) for row in rows]),
        np.mean(np.square(rows, dtype=np.float64), axis=1),
    )


def _entropy(values: np.ndarray) -> float:
    _, counts = np.unique(values, return_counts=True)
    p = counts / values.size
    return 0.0 - float(np.sum(p * np.log2(p)))


def estimated_bpp(runs: Runs) -> float | None:
    """Bits per pixel with every latent channel coded at its empirical entropy (None: no @encoder run)."""
    if "encoder" not in runs:
        return None
    _, _, height, width = runs["encoder"][0][0].shape
    bits = 0.0
    for name in ("encoder", "hyper_encoder"):
        if name in runs:
            latents = runs[name][1]
            bits += float(latent_stats(latents).bits.sum()) * latents[0].shape[2] * latents[0].shape[3]
    return bits / (height * width)


def codec_quality(runs: Runs) -> dict[str, float]:
    """Mean PSNR (encoder → round → decoder) and estimated bpp, those that can be measured."""
    psnr = codec_psnr(runs)
    bpp = estimated_bpp(runs)
    return {
        **({"psnr": float(np.mean(psnr))} if psnr is not None else {}),
        **({"bpp": bpp} if bpp is not None else {}),
    }


def importance(group: Group, criterion: str, probe: ActivityProbe | None, names: dict[Conv, str]) -> np.ndarray:
    """One score per channel of a hidden group: higher is kept first."""
    if criterion in ("l1", "l2"):
        order = 1 if criterion == "l1" else 2
        rows = [out_rows(op).reshape(group.size, -1) for op in group.producers]
        return np.sum([np.linalg.norm(r, ord=order, axis=1) for r in rows], axis=0)
    assert probe is not None
    score = np.zeros(group.size)
    for op in group.consumers:
        activity = probe.activity(op)
        if activity is None:
            raise LiccError(
                f"lic-prune-channels: criterion=gdn needs the activity that {names[op]} reads, but the "
                "calibration images do not reach it (they drive @encoder and what follows from it); "
                "use criterion=l1 or l2"
            )
        score += activity * np.linalg.norm(in_rows(op).reshape(group.size, -1), axis=1)
    return score


def round_to_multiple(keep: int, size: int, multiple_of: int) -> int:
    """`keep` rounded up to a multiple of `multiple_of`, but at most the largest one within `size`."""
    return min(-(-keep // multiple_of) * multiple_of, size // multiple_of * multiple_of)


def keep_count(size: int, ratio: float, multiple_of: int) -> int:
    """Channels left after removing `ratio` of `size` (at least one), rounded to the multiple."""
    return round_to_multiple(max(1, size - int(ratio * size + 0.5)), size, multiple_of)


def top(scores: np.ndarray, keep: int) -> np.ndarray:
    """The indices of the `keep` highest scores, in channel order (ties: lower index first)."""
    return np.sort(np.argsort(-scores, kind="stable")[:keep])


def latent_keep(stats: LatentStats, ratio: float, multiple_of: int) -> np.ndarray:
    """Latent channels to keep: free ones go, then the cheapest until `ratio` of them are gone."""
    size = len(stats.bits)
    keep = max(1, min(size - int(stats.free.sum()), size - int(ratio * size + 0.5)))
    order = np.lexsort((-stats.energy, -stats.bits))  # most bits first, then most energy
    return np.sort(order[: round_to_multiple(keep, size, multiple_of)])


def fold_dropped_means(
    keep: dict[Group, np.ndarray], probe: ActivityProbe, dequantised: dict[Group, np.ndarray]
) -> list[Conv]:
    """Add each dropped channel's mean contribution to the biases of the convolutions reading it.

    A convolution reading a latent argument (the decoders') gets
    `dequantised[group]`: the real decoder reads the entropy coder's
    dequantised latent (medians or predicted means added back), whose mean
    is the unrounded latent's, not the rounded one's the calibration feeds.
    A constant input's contribution to a transposed convolution depends on
    the output pixel's phase; its average over the stride's phases is used.
    Convolutions without a bias, or that the calibration images do not
    reach, stay as they are. Returns the convolutions changed.
    """
    changed = []
    for group, kept in keep.items():
        dropped = np.setdiff1d(np.arange(group.size), kept)
        for op in group.consumers:
            reads_argument = isinstance(op.input, BlockArgument) and group in dequantised
            mean = dequantised[group] if reads_argument else probe.mean(op)
            if op.bias is None or mean is None:
                continue
            phases = 1 if isinstance(op, lic.Conv2dOp) else int(np.prod(op.strides()))
            shift = mean[dropped] @ in_rows(op)[dropped].sum(axis=(2, 3), dtype=np.float64) / phases
            bias = weight(op, op.bias)
            replace_weight(op, 2, (bias + shift).astype(bias.dtype))
            changed.append(op)
    return changed


def channel_mean(values: list[np.ndarray]) -> np.ndarray:
    """The mean of each channel over images and pixels."""
    return np.concatenate(values).mean(axis=(0, 2, 3), dtype=np.float64)
