"""A decoder compiled alone: calibrated on its encoder's latents or on random ones.

Compiles MODEL's decoder by itself (``--part decoder``) to the integer level
at 256×256, calibrating `lic-calibrate` once with the encoder's rounded
latents of the calibration images (``encoder=MODEL``, what ``licc
--calibrate-with`` does) and once per Laplacian scale with random integer
latents (the default, scale 1), then decodes the encoder's latents of the
first COUNT images of IMAGES with each integer decoder and prints the mean
PSNR, next to the float codec's. Run from the repository:

    .venv/bin/python bench/decoder_calibration.py models/zoo/default.pt ../shared/datasets/kodak
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

FRAME = (256, 256)
PIPELINE = "convert-torch-to-lic,lic-rewrite-gdn{measure=false},lic-calibrate{%s},lic-assign-precision,lic-quantize"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("images")
    parser.add_argument("--count", type=int, default=6)
    parser.add_argument("--scales", default="0.5,1,2,4", help="Laplacian scales of the random latents")
    args = parser.parse_args()
    torch.set_num_threads(1)

    import tempfile

    from lic_compiler import BuildOptions, compile_model
    from lic_compiler.calibration import fit_image
    from lic_compiler.eval.images import list_images, load_image
    from lic_compiler.eval.metrics import mse, psnr_from_mse
    from lic_compiler.interpreter import run
    from lic_compiler.ir import numpy_dtype
    from lic_compiler.models import load_checkpoint
    from lic_compiler.quant.drive import functions, input_type, to_pixels

    model, _ = load_checkpoint(args.model)
    images = [fit_image(load_image(p).numpy(), FRAME) for p in list_images(args.images)[: args.count]]
    with torch.no_grad():
        latents = [torch.round(model.g_a(torch.from_numpy(x))) for x in images]
        floats = [model.g_s(y).numpy() for y in latents]
    print(f"{args.model} decoder at {FRAME[0]}x{FRAME[1]}, {len(images)} images of {args.images}")
    print(f"  float codec: {np.mean([psnr_from_mse(mse(to_pixels(x), to_pixels(y))) for x, y in zip(images, floats)]):.2f} dB")
    sources = {"encoder's latents": f'encoder="{args.model}"'}
    sources |= {f"random, scale {s}": f"latent-scale={s}" for s in args.scales.split(",")}
    for label, options in sources.items():
        with tempfile.TemporaryDirectory() as out:
            build = compile_model(args.model, out, BuildOptions(parts=["decoder"], frame=FRAME,
                                                                pipeline=PIPELINE % options))
        arg = input_type(functions(build.module)["decoder"])
        dtype = numpy_dtype(arg.get_element_type())
        info = np.iinfo(dtype)
        decoded = [run(build.module, "decoder", np.clip(y.numpy(), info.min, info.max).astype(dtype))[0]
                   for y in latents]
        psnr = np.mean([psnr_from_mse(mse(to_pixels(x), y.astype(np.uint8))) for x, y in zip(images, decoded)])
        print(f"  integer decoder calibrated on {label}: {psnr:.2f} dB")


if __name__ == "__main__":
    main()
