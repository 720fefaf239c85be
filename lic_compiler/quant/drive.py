"""Running a codec's functions on images, as the codec chains them, float or integer.

``@encoder`` (and any function taking a 1×3×H×W image) gets the images,
fitted to its frame (`calibration.fit_image`); ``@decoder`` gets the
encoder's latent; ``@hyper_encoder`` the encoder's latent and
``@hyper_decoder`` the hyper-encoder's. A float module gets images in
[0, 1] and rounded latents (the entropy coder's quantisation; CompressAI's
median offset is the entropy coder's business, see docs/quantization.md);
an integer module gets 8-bit pixels and its own integer latents.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.dialects.func import FuncOp
from xdsl.interpreter import Interpreter

from lic_compiler.calibration import fit_image

Runs = dict[str, tuple[list[np.ndarray], list[np.ndarray]]]
# function → the function whose output it takes
CHAIN = {"decoder": "encoder", "hyper_encoder": "encoder", "hyper_decoder": "hyper_encoder"}


def functions(module: ModuleOp) -> dict[str, FuncOp]:
    return {op.sym_name.data: op for op in module.ops if isinstance(op, FuncOp)}


def input_type(function: FuncOp) -> TensorType | None:
    inputs = function.function_type.inputs.data
    return inputs[0] if len(inputs) == 1 and isinstance(inputs[0], TensorType) else None  # type: ignore[return-value]


def is_image_function(function: FuncOp) -> bool:
    """Whether `function` takes an image: a 1×3×H×W input, and not a latent-taking function."""
    t = input_type(function)
    shape = tuple(t.get_shape()) if t is not None else ()
    return function.sym_name.data not in CHAIN and len(shape) == 4 and shape[:2] == (1, 3)


def is_integer_module(module: ModuleOp) -> bool:
    from xdsl.dialects.builtin import IntegerType

    return any(
        isinstance(t.get_element_type(), IntegerType)
        for f in functions(module).values()
        if (t := input_type(f)) is not None
    )


def to_pixels(image: np.ndarray) -> np.ndarray:
    """A [0, 1] float image as its 8-bit pixel values (uint8)."""
    return np.round(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)


def drive(
    module: ModuleOp,
    images: Sequence[np.ndarray],
    make_interpreter: Callable[[ModuleOp], Interpreter] | None = None,
) -> Runs:
    """Per function the images can drive: its inputs and outputs, one per image."""
    from lic_compiler.interpreter import make_interpreter as default_interpreter

    interpreter = (make_interpreter or default_interpreter)(module)
    integer = is_integer_module(module)
    runs: Runs = {}
    funcs = functions(module)

    def call(name: str, inputs: list[np.ndarray]) -> None:
        runs[name] = (inputs, [interpreter.call_op(name, (x,))[0] for x in inputs])

    for name, f in funcs.items():
        if is_image_function(f):
            shape = input_type(f).get_shape()  # type: ignore[union-attr]
            fitted = [fit_image(x, (shape[3], shape[2])) for x in images]
            call(name, [to_pixels(x) for x in fitted] if integer else fitted)
    for name in ("decoder", "hyper_encoder", "hyper_decoder"):
        source = CHAIN[name]
        if name not in funcs or source not in runs:
            continue
        want = tuple(input_type(funcs[name]).get_shape())  # type: ignore[union-attr]
        latents = runs[source][1]
        if not latents or tuple(latents[0].shape) != want:
            continue
        rounded = integer or name == "hyper_encoder"  # h_a takes y unrounded, as in the model
        call(name, latents if rounded else [np.round(y) for y in latents])
    return runs


def reconstruction_pixels(output: np.ndarray) -> np.ndarray:
    """A decoder output as 8-bit pixels: integer outputs already are."""
    return output.astype(np.uint8) if np.issubdtype(output.dtype, np.integer) else to_pixels(output)


def codec_psnr(runs: Runs) -> list[float] | None:
    """Per image: PSNR (dB) of encoder → latent → decoder, or None without both."""
    from lic_compiler.eval.metrics import mse, psnr_from_mse

    if "encoder" not in runs or "decoder" not in runs:
        return None
    originals, outputs = runs["encoder"][0], runs["decoder"][1]
    if originals[0].shape[-2:] != outputs[0].shape[-2:]:
        return None
    return [
        psnr_from_mse(mse(to_pixels(x) if x.dtype != np.uint8 else x, reconstruction_pixels(y)))
        for x, y in zip(originals, outputs)
    ]
