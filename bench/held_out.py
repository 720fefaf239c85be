"""How well a held-out set predicts the images a codec is used on: one assignment's drop on several.

The hybrid precision search holds its PSNR budget on held-out images it
never fits (`lic_compiler.quant.search`). This measures, for one checkpoint
and one width assignment (a precision file), the drop the search would
measure — the integer codec against the float codec, encoder → integer
latent → decoder, the search's own `_Measurer` — with its 95 % confidence
bound, on:

- ``crops``: the held-out half of the shipped 128×128 calibration crops
  (``held-out-images=split``, the search's held-out set until commit c0e9cff);
- ``photos``: the shipped whole photographs (``held-out-images=photos``,
  `lic_compiler.calibration.HELD_OUT_DIR`, 16 BSDS500 validation images);
- ``images 256``: ``--images`` centre-cropped to 256×256;
- ``images``: ``--images`` whole, each fitted to the first one's size
  (Kodak: 768×512).

The module is calibrated as `lic_compiler.eval.integer.compile_integer`
calibrates it (the shipped crops, at 256×256), then re-framed to each set.

    OMP_NUM_THREADS=1 .venv/bin/python bench/held_out.py --images ../shared/datasets/kodak \\
        --checkpoint models/zoo/student-qat-round-w4-factorized-64-96-q4.pt \\
        --precision-file docs/results/held-out/qat-round-q4-hybrid-0.1-d2c8735.json
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch


def sets(images: str) -> list[tuple[str, list[np.ndarray]]]:
    """(name, images) of each held-out set."""
    from lic_compiler.calibration import HELD_OUT_DIR, load_images
    from lic_compiler.quant.search import HELD_OUT, split

    return [
        ("crops", split(load_images(), HELD_OUT)[1]),
        ("photos", load_images(HELD_OUT_DIR, None)),
        ("images 256", load_images(images, None, (256, 256))),
        ("images", load_images(images, None)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", required=True, help="the images the codec is evaluated on (Kodak)")
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--precision-file", required=True, help="the widths (licc-train precision's format)")
    args = parser.parse_args()
    torch.set_num_threads(1)

    from lic_compiler.calibration import fit_image
    from lic_compiler.frontend import import_model
    from lic_compiler.ir import make_context
    from lic_compiler.quant.frame import at_frame, measured_size
    from lic_compiler.quant.plan import knobs
    from lic_compiler.quant.precision_file import read_precision
    from lic_compiler.quant.search import CONFIDENCE, Choice, _Measurer
    from lic_compiler.registry import parse_pipeline

    widths = read_precision(args.precision_file)
    base = import_model(args.checkpoint, parts=["encoder", "decoder"], frame=(256, 256)).module
    parse_pipeline("convert-torch-to-lic,lic-rewrite-gdn{measure=false},lic-calibrate,lic-assign-precision").apply(
        make_context(), base
    )
    print(f"{args.checkpoint} with {args.precision_file}: PSNR drop against the float codec "
          f"(mean, and its {CONFIDENCE:.0%} bound)")
    for name, images in sets(args.images):
        start = time.perf_counter()
        frame = measured_size((images[0].shape[3], images[0].shape[2]))
        images = [fit_image(x, frame) for x in images]
        module = at_frame(base, frame)
        chosen = {k: Choice(widths[k.label]) for k in knobs(module) if k.function in ("encoder", "decoder")}
        check = _Measurer.on(module, list(chosen), images, CONFIDENCE).check(chosen)
        print(f"  {name:<11} {len(images):3d} images of {frame[0]}x{frame[1]}: drop {check.drop:.3f} dB, "
              f"bound {check.bound:.3f} dB, rate {check.rate:+.2f} %  ({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
