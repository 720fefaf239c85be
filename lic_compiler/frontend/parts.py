"""Which functions a model exports, and the input shape of each at a frame size.

A model split like CompressAI's (``g_a``, ``g_s``, ``h_a``, ``h_s``) exports
one function per part. Any other module, and a `.pt2` program, is one
function named after its role, read from its shapes: ``encoder`` (an image
in — its first layer takes 3 channels — and a smaller tensor of other than 3
channels out), ``decoder`` (a latent in — its first layer takes other than 3
channels — and a larger 3-channel image out), else ``model``. The frame
always names the image: an encoder's input, a decoder's output; a frame the
total stride does not divide is padded to the next multiple (`framed_parts`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from typing import TYPE_CHECKING

import torch
from torch import nn

if TYPE_CHECKING:
    from torch.export import ExportedProgram

from lic_compiler.errors import LiccError
from lic_compiler.frontend.frame import check_frame, padded_frame
from lic_compiler.frontend.frame_op import PadThen, ThenCrop

_ATTRIBUTES = {"encoder": "g_a", "decoder": "g_s", "hyper_encoder": "h_a", "hyper_decoder": "h_s"}
# A model that is not split into parts, and is neither an encoder nor a decoder.
WHOLE = "model"

# Total stride: g_a downsamples 16×; the hyper-analysis another 4×.
STRIDES = {"bmshj2018-factorized": 16, "bmshj2018-hyperprior": 64, "mbt2018-mean": 64}
# CompressAI's cheng2020 models: recognised and labelled, not built as ARCH:NxM.
CHENG2020_STRIDES = {"cheng2020-anchor": 64, "cheng2020-attention": 64}


def family_stride(family: str) -> int:
    """The total stride of a recognised architecture."""
    return {**STRIDES, **CHENG2020_STRIDES}[family]

Shape = tuple[int, ...]
Probe = Callable[[Shape], Shape | None]
"""The output shape at an input shape, computed on meta tensors; None if that fails."""

# Probe sizes: an image side every practical stride divides, a latent side.
_IMAGE_PROBE, _LATENT_PROBE = 1024, 16


class AbsThen(nn.Module):
    """`inner(|y|)`: bmshj2018-hyperprior applies abs before its hyper-analysis."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        return self.inner(torch.abs(y))


def architecture_of(model: nn.Module) -> str | None:
    """The most specific architecture `model` is an instance of, if any: licc's families,
    and CompressAI's cheng2020 models (subclasses of mbt2018-mean's class whose
    transforms are residual blocks; their context model stays on the host)."""
    from compressai.models import Cheng2020Anchor, Cheng2020Attention

    from lic_compiler.models.arch import MODEL_CLASSES

    known = {"cheng2020-attention": Cheng2020Attention, "cheng2020-anchor": Cheng2020Anchor, **MODEL_CLASSES}
    for cls in type(model).__mro__:
        for arch, family in known.items():
            if cls is family:
                return arch
    return None


def part_modules(model: nn.Module, arch: str | None) -> dict[str, nn.Module]:
    """Each part's PyTorch callable, keyed by function name (encoder, decoder, …)."""
    parts = {
        part: getattr(model, attr)
        for part, attr in _ATTRIBUTES.items()
        if isinstance(getattr(model, attr, None), nn.Module)
    }
    if arch == "bmshj2018-hyperprior":
        parts["hyper_encoder"] = AbsThen(parts["hyper_encoder"])
    return parts or {geometry(module_probe(model), first_channels(model)).role: model}


def first_channels(module: nn.Module) -> int:
    """The input channels of `module`'s first convolution (3, an image, when it has none)."""
    first = next((m for m in module.modules() if isinstance(m, nn.Conv2d | nn.ConvTranspose2d)), None)
    return 3 if first is None else int(first.in_channels)


@dataclass(frozen=True)
class Geometry:
    """What one function takes and gives, read from a probe at a large input."""

    role: str  # encoder | decoder | model
    channels: int  # input channels
    scale: Fraction | None  # output side / input side; None when the probe failed

    def stride(self) -> int | None:
        """The integer factor between the image and the latent side, if there is one."""
        if self.scale is None:
            return None
        factor = 1 / self.scale if self.channels == 3 else self.scale
        return int(factor) if factor.denominator == 1 and factor > 1 else None

    def input_shape(self, frame: tuple[int, int], label: str) -> Shape:
        """The input at image size `frame`, after checking the stride divides it."""
        width, height = frame
        stride = self.stride()
        if stride is not None:
            check_frame(frame, stride, label)
        if self.channels == 3:
            return (1, 3, height, width)
        if stride is None:
            raise LiccError(
                f"cannot tell the latent shape {label} takes at {width}x{height}: its output is not an "
                "integer upsampling of its input; export it with torch.export at its latent size (.pt2)"
            )
        return (1, self.channels, height // stride, width // stride)


def geometry(probe: Probe, channels: int) -> Geometry:
    """The geometry of a function taking `channels`, from its output at a probe size."""
    side = _IMAGE_PROBE if channels == 3 else _LATENT_PROBE
    out = probe((1, channels, side, side))
    if out is None or len(out) != 4:
        return Geometry(WHOLE, channels, None)
    return shapes_geometry((1, channels, side, side), out)


def shapes_geometry(given: Shape, out: Shape) -> Geometry:
    """The geometry of a function mapping shape `given` to `out`."""
    if len(out) != 4:
        return Geometry(WHOLE, given[1], None)
    channels, scale = given[1], Fraction(out[2], given[2])
    if channels == 3 and out[1] != 3 and scale < 1:
        role = "encoder"
    elif channels != 3 and out[1] == 3 and scale > 1:
        role = "decoder"
    else:
        role = WHOLE
    return Geometry(role, channels, scale)


def module_probe(module: nn.Module) -> Probe:
    """A probe running a meta-tensor copy of `module`."""
    meta = copy.deepcopy(module).to("meta").eval()

    def run(shape: Shape) -> Shape | None:
        try:
            with torch.no_grad():
                return tuple(meta(torch.empty(shape, device="meta")).shape)
        except Exception:  # data-dependent code cannot run on meta tensors; export will say why
            return None

    return run


def program_probe(program: ExportedProgram) -> Probe:
    """A probe running a `torch.export` program's graph on meta tensors."""
    from torch.export.graph_signature import InputKind

    state = {**program.state_dict, **program.constants}

    def run(shape: Shape) -> Shape | None:
        args = [
            torch.empty(shape, device="meta") if spec.kind == InputKind.USER_INPUT
            else state[spec.target].to("meta")
            for spec in program.graph_signature.input_specs
        ]
        try:
            with torch.no_grad():
                out = torch.fx.Interpreter(program.graph_module).run(*args)
        except Exception:  # shape-specialised graphs run only at their own size
            return None
        return tuple(out[0].shape) if isinstance(out, tuple | list) and out else None

    return run


def input_shapes(
    parts: dict[str, nn.Module], wanted: list[str], frame: tuple[int, int], family: str | None
) -> dict[str, Shape]:
    """The static input shape of each wanted part at image size `frame`, a multiple of
    the total stride (`framed_parts` pads to one).

    Latent-taking parts get their encoder's output; a decoder without an
    encoder gets the latent its first layer and its upsampling imply.
    """
    width, height = frame
    image = (1, 3, height, width)
    label = family or "the model"
    shapes: dict[str, Shape] = {}
    if "encoder" in parts:
        shapes["encoder"] = image
        shapes["decoder"] = shapes["hyper_encoder"] = _output_shape(parts["encoder"], image)
    for name in wanted:
        if name in shapes or name in ("hyper_encoder", "hyper_decoder"):
            continue
        module = parts[name]
        shapes[name] = geometry(module_probe(module), first_channels(module)).input_shape(frame, label)
    needs_encoder = [p for p in ("hyper_encoder", "hyper_decoder") if p in wanted]
    if needs_encoder and "encoder" not in parts:
        raise LiccError(f"cannot tell the input shape of the {needs_encoder[0]}: the model has no g_a")
    if "hyper_decoder" in wanted:
        if "hyper_encoder" not in parts:
            raise LiccError("cannot tell the input shape of the hyper_decoder: the model has no h_a")
        shapes["hyper_decoder"] = _output_shape(parts["hyper_encoder"], shapes["hyper_encoder"])
    return {part: shapes[part] for part in wanted}


def framed_parts(
    parts: dict[str, nn.Module], wanted: list[str], frame: tuple[int, int], family: str | None
) -> tuple[dict[str, nn.Module], dict[str, Shape], tuple[int, int]]:
    """The parts at image size `frame`, their input shapes, and the padded frame.

    A frame the total stride does not divide is padded to the next multiple: the
    encoder pads its image (edge replication, bottom and right), every latent-taking
    part sees the padded frame's latents, and the decoder crops its output back to
    `frame` (a decoder compiled alone too: it takes the padded frame's latent).
    """
    stride = _frame_stride(parts, family)
    label = family or "the model"
    padded = frame if stride is None else padded_frame(frame, stride, label)
    shapes = input_shapes(parts, wanted, padded, family)
    if padded == frame:
        return parts, shapes, frame
    framed = dict(parts)
    if "encoder" in parts:
        framed["encoder"] = PadThen(parts["encoder"], padded)
        shapes = {p: (1, 3, frame[1], frame[0]) if p == "encoder" else s for p, s in shapes.items()}
    if "decoder" in parts:
        framed["decoder"] = ThenCrop(parts["decoder"], frame)
    return framed, shapes, padded


def _frame_stride(parts: dict[str, nn.Module], family: str | None) -> int | None:
    """The total stride the frame must be a multiple of (None: the model has no latent)."""
    if family is not None:
        return family_stride(family)
    if "encoder" in parts:
        return _chain_stride(parts)
    if "decoder" in parts:
        return geometry(module_probe(parts["decoder"]), first_channels(parts["decoder"])).stride()
    return None


def _chain_stride(parts: dict[str, nn.Module]) -> int:
    """The total stride of a custom model's encoder (and hyper-encoder), from a probe."""
    side = _IMAGE_PROBE
    shape: Shape | None = (1, 3, side, side)
    for name in ("encoder", "hyper_encoder"):
        if name in parts and shape is not None:
            shape = module_probe(parts[name])(shape)
    if shape is None or len(shape) != 4 or side % shape[2]:
        return 1  # nothing to check: the export reports what does not trace
    return side // shape[2]


def _output_shape(module: nn.Module, shape: Shape) -> Shape:
    """Output shape of `module` without computing anything (meta tensors)."""
    meta = copy.deepcopy(module).to("meta")
    with torch.no_grad():
        return tuple(meta(torch.empty(shape, device="meta")).shape)
