"""`run_campaign`: build the design, inject, write DIR/faults.json, faults.md, plots/ and the build."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

from lic_compiler.buildfs import atomic_dir
from lic_compiler.errors import LiccError
from lic_compiler.faults.campaign import Campaign, CampaignOptions, Journal, counts, draw, population, run_injections
from lic_compiler.faults.coding import LatentCoder
from lic_compiler.faults.report import plot, render_markdown, summarise, write_records

STRIDE_MULTIPLE = 64  # a default frame's sides are multiples of it (the hyperprior models' stride)
DEFAULT_SIDE = 256


def run_campaign(model: str | Path, out_dir: str | Path, options: CampaignOptions, command: str = "") -> dict:
    """Run a campaign on the integer codec of checkpoint `model`; write its report into `out_dir`
    (atomically) and return the summary that `faults.json` holds."""
    from lic_compiler.calibration import CALIBRATION_DIR
    from lic_compiler.driver import BuildOptions, compile_model
    from lic_compiler.models import load_checkpoint

    options.check()
    if not Path(model).is_file():
        raise LiccError(f"model {model} does not exist; pass a factorized-prior checkpoint such as models/zoo/default.pt")
    torch_model, meta = load_checkpoint(model)
    if not LatentCoder.codes(torch_model):
        raise LiccError(f"licc-faults codes the latent with a factorized prior's entropy model; {model} is a "
                        f"{meta['arch']} checkpoint: pass a bmshj2018-factorized one")
    folder = Path(options.images) if options.images is not None else CALIBRATION_DIR
    images = load_images(folder)
    frame = options.frame or default_frame(images)
    crops = [(name, center_crop(name, pixels, frame)) for name, pixels in images]
    start = time.perf_counter()
    with atomic_dir(Path(out_dir)) as scratch:
        build = compile_model(model, scratch / "build",
                              BuildOptions(parts=["encoder", "decoder"], frame=frame, pipeline=options.pipeline))
        campaign = Campaign(build.module, LatentCoder(torch_model, build.module), crops, options.catastrophic_db)
        memories = campaign.memories(options.parts, options.targets)
        plan = draw(memories, options.targets, counts(options, memories), len(crops), options.seed)
        reference_seconds = time.perf_counter() - start
        drawn = repr([(f.memory.name, f.word, f.bit, image) for f, image in plan]).encode()
        journal = Journal(Path(out_dir).with_name(Path(out_dir).name + ".journal"), {
            "model": str(model), "images": [name for name, _ in crops], "plan": hashlib.sha256(drawn).hexdigest(),
            "catastrophic_db": options.catastrophic_db, "protect": options.protect})
        records, seconds = run_injections(campaign, plan, options.progress, journal)
        populations = {t: population(memories, t) for t in options.targets}
        summary = summarise(records, memories, populations, options.confidence)
        summary["campaign"] = {
            "command": command, "model": str(model), "frame": list(frame), "image_folder": str(folder),
            "images": [name for name, _ in crops], "seed": options.seed, "parts": list(options.parts),
            "catastrophic_db": options.catastrophic_db, "injections": len(records), "seconds": seconds,
            "injections_per_second": len(records) / seconds if seconds else 0.0,
            "reference_seconds": reference_seconds, "protect": options.protect,
        }
        summary["hardware"] = hardware(build.module)
        write_records(records, summary["campaign"]["images"], scratch / "injections.csv")
        plots = plot(records, summary, scratch / "plots")
        (scratch / "faults.json").write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n")
        (scratch / "faults.md").write_text(render_markdown(summary, plots))
    journal.path.unlink()  # the report is complete: a new run starts afresh
    return summary


def hardware(module) -> dict:
    """The design's resources and frame rates as the cost model gives them (what protection costs)."""
    from lic_compiler.hw.design import from_ir

    design = from_ir(module)
    return {"used": design.used(), "fps": {f: design.fps(f) for f in design.stages}}


def load_images(folder: Path) -> list[tuple[str, np.ndarray]]:
    """The folder's images as (name, H×W×3 uint8)."""
    from lic_compiler.eval.images import list_images, load_image, tensor_to_uint8

    return [(path.name, tensor_to_uint8(load_image(path))) for path in list_images(folder)]


def default_frame(images: list[tuple[str, np.ndarray]]) -> tuple[int, int]:
    """The largest frame of sides multiple of 64, at most 256, inside every image."""
    h = min(p.shape[0] for _, p in images)
    w = min(p.shape[1] for _, p in images)
    side = lambda n: min(DEFAULT_SIDE, n // STRIDE_MULTIPLE * STRIDE_MULTIPLE)  # noqa: E731
    if side(h) == 0 or side(w) == 0:
        raise LiccError(f"the smallest image is {w}x{h}; licc-faults needs images of at least "
                        f"{STRIDE_MULTIPLE}x{STRIDE_MULTIPLE}, or pass --frame")
    return side(w), side(h)


def center_crop(name: str, pixels: np.ndarray, frame: tuple[int, int]) -> np.ndarray:
    """The centre W×H crop of an H×W×3 image, as 1×3×H×W."""
    w, h = frame
    height, width = pixels.shape[:2]
    if height < h or width < w:
        raise LiccError(f"image {name} is {width}x{height}, smaller than the frame {w}x{h}; pass a smaller --frame")
    y, x = (height - h) // 2, (width - w) // 2
    return np.ascontiguousarray(pixels[y : y + h, x : x + w].transpose(2, 0, 1)[None])
