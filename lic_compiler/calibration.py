"""Calibration images and running a codec's IR on them.

Passes that measure what they cost (`lic-rewrite-gdn`) or that need value
ranges (`lic-calibrate`) run the interpreter on a few images: by default the
`CALIBRATION_COUNT` 128×128 BSDS500 training crops shipped in `lic_compiler/data/calibration/`,
or any folder. A module compiled for another frame size gets each image fitted to
its input: a center crop where the image is larger, a mirror extension
(symmetric padding) where it is smaller.

Functions are driven as the codec drives them: a function taking one
1×3×H×W tensor (``@encoder``) gets the images, and ``@decoder`` gets the
``@encoder``'s latent rounded to integers (the entropy coder's quantisation;
the factorized prior's median offset is left out).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.dialects.func import FuncOp
from xdsl.interpreter import Interpreter

from lic_compiler.errors import LiccError

CALIBRATION_DIR = Path(__file__).parent / "data" / "calibration"
# Whole photographs no search fits: 16 BSDS500 validation images of 481×321, the hybrid
# precision search's held-out check by default (its crops show less texture than photos).
HELD_OUT_DIR = Path(__file__).parent / "data" / "held_out"
# Images calibration uses by default: every shipped crop. Per-channel scales sit at the
# calibrated peaks, so they need many scenes; 32 crops of 128² cost what 8 of 256² did.
CALIBRATION_COUNT = 32

Frame = tuple[int, int]  # (width, height)


def load_images(
    folder: str | Path | None = None, count: int | None = CALIBRATION_COUNT, size: Frame | None = None
) -> list[np.ndarray]:
    """The first `count` images of `folder` (by name; None: all) as (1, 3, H, W) float32 in [0, 1].

    `folder` defaults to the shipped calibration images; `size` (width,
    height) fits every image to that size (see the module docstring).
    """
    from lic_compiler.eval.images import list_images, load_image

    if count is not None and count < 1:
        raise LiccError(f"calibration needs at least one image, got count={count}")
    paths = list_images(CALIBRATION_DIR if folder is None else folder)[:count]
    images = [load_image(p).numpy() for p in paths]
    return [fit_image(x, size) for x in images] if size is not None else images


def fit_image(image: np.ndarray, size: Frame) -> np.ndarray:
    """`image` (1, C, H, W) fitted to (width, height): mirror-extended, then center-cropped."""
    width, height = size
    _, _, h, w = image.shape
    grow_h, grow_w = max(height - h, 0), max(width - w, 0)
    pads = ((0, 0), (0, 0), (grow_h // 2, grow_h - grow_h // 2), (grow_w // 2, grow_w - grow_w // 2))
    image = np.pad(image, pads, "symmetric")
    _, _, h, w = image.shape
    top, left = (h - height) // 2, (w - width) // 2
    return np.ascontiguousarray(image[:, :, top : top + height, left : left + width])


def _functions(module: ModuleOp) -> dict[str, FuncOp]:
    return {op.sym_name.data: op for op in module.ops if isinstance(op, FuncOp)}


def _input_shape(function: FuncOp) -> tuple[int, ...] | None:
    inputs = function.function_type.inputs.data
    return tuple(inputs[0].get_shape()) if len(inputs) == 1 else None  # type: ignore[attr-defined]


def _output_shape(function: FuncOp) -> tuple[int, ...] | None:
    outputs = function.function_type.outputs.data
    return tuple(outputs[0].get_shape()) if len(outputs) == 1 else None  # type: ignore[attr-defined]


def run_on_images(
    module: ModuleOp,
    images: Sequence[np.ndarray],
    make_interpreter: Callable[[ModuleOp], Interpreter] | None = None,
) -> dict[str, tuple[list[np.ndarray], list[np.ndarray]]]:
    """Per function that the images can drive: its inputs and its outputs, one per image.

    Image functions get the images fitted to their input size; ``@decoder``
    gets ``@encoder``'s rounded latent when the shapes agree.
    """
    from lic_compiler.interpreter import make_interpreter as default_interpreter

    interpreter = (make_interpreter or default_interpreter)(module)
    functions = _functions(module)
    runs: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {}

    def call(name: str, inputs: list[np.ndarray]) -> None:
        outputs = [interpreter.call_op(name, (x,))[0] for x in inputs]
        runs[name] = (inputs, outputs)

    for name, function in functions.items():
        shape = _input_shape(function)
        if shape is not None and len(shape) == 4 and shape[:2] == (1, 3):
            call(name, [fit_image(x, (shape[3], shape[2])) for x in images])
    decoder, encoder = functions.get("decoder"), functions.get("encoder")
    if decoder and encoder and "encoder" in runs and _input_shape(decoder) == _output_shape(encoder):
        call("decoder", [np.round(y) for y in runs["encoder"][1]])
    return runs


def codec_psnr(runs: dict[str, tuple[list[np.ndarray], list[np.ndarray]]]) -> list[float] | None:
    """PSNR (dB, 8-bit) of each image through @encoder → round → @decoder, if both ran."""
    from lic_compiler.eval.metrics import mse, psnr_from_mse

    if "encoder" not in runs or "decoder" not in runs:
        return None

    def to_uint8(x: np.ndarray) -> np.ndarray:
        return np.round(np.clip(x, 0.0, 1.0) * 255.0).astype(np.uint8)

    images, reconstructions = runs["encoder"][0], runs["decoder"][1]
    if images[0].shape != reconstructions[0].shape:
        return None
    return [psnr_from_mse(mse(to_uint8(x), to_uint8(y))) for x, y in zip(images, reconstructions)]
