"""licc-train: train codecs, distil students, fine-tune checkpoints, run whole recipes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import click
import torch

from lic_compiler.cli.common import user_errors
from lic_compiler.errors import LiccError
from lic_compiler.models.arch import ARCHITECTURES, GDN_VARIANTS
from lic_compiler.models.adaround import OBJECTIVES, TARGETS, RoundConfig, round_model, verify
from lic_compiler.models.checkpoint import load_checkpoint, save_checkpoint
from lic_compiler.models.losses import KDWeights
from lic_compiler.models.qat import HOLD_BITS, HOLDS, precision_summary
from lic_compiler.models.recipe import ZOO, run_recipe
from lic_compiler.models.train import TrainConfig, train
from lic_compiler.quant.precision_file import read_precision

# Paths are checked by the loaders, which say what is wrong in one line (click's checks print usage).
existing_dir = click.Path(file_okay=False, path_type=Path)
existing_file = click.Path(dir_okay=False, path_type=Path)


def run_options(fn: Callable) -> Callable:
    """Options every training command shares: data, run folder, optimisation, schedule."""
    options = [
        click.option("--data", multiple=True, required=True, type=existing_dir, help="training image folder (repeatable)"),
        click.option("--val", type=existing_dir, help="validation image folder (center crops)"),
        click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
                     help="run folder: state, log and the finished model.pt; rerun to resume"),
        click.option("--steps", type=click.IntRange(min=1), required=True, help="optimiser steps in total"),
        click.option("--batch", type=click.IntRange(min=1), default=8, show_default=True),
        click.option("--crop", type=click.IntRange(min=16), default=128, show_default=True, help="random crop size"),
        click.option("--scale", type=click.FloatRange(0, 1, min_open=True), default=1.0, show_default=True,
                     help="resize training images by this factor first (0.5 removes most JPEG artefacts)"),
        click.option("--lr", type=float, default=1e-4, show_default=True),
        click.option("--entropy-lr", type=float, help="learning rate of the entropy bottleneck's density [default: --lr]"),
        click.option("--aux-lr", type=float, default=1e-3, show_default=True),
        click.option("--lr-decay-at", type=float, default=0.85, show_default=True,
                     help="fraction of the steps after which the learning rate drops 10×"),
        click.option("--clip", type=float, default=1.0, show_default=True, help="gradient-norm clip (0: none)"),
        click.option("--seed", type=int, default=0, show_default=True),
        click.option("--val-every", type=int, default=1000, show_default=True),
        click.option("--val-crop", type=int, default=256, show_default=True),
        click.option("--save-every", type=int, default=200, show_default=True),
        click.option("--precision", type=click.Choice(["fp32", "bf16"]), default="fp32", show_default=True,
                     help="bf16: the transforms' training forward under bfloat16 autocast (entropy models in fp32)"),
        click.option("--threads", type=int, help="torch threads per process [default: cores / processes]"),
        click.option("--device", default="cpu", show_default=True, help="torch device, e.g. cuda (under torchrun: each process's GPU)"),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _run(config: dict, data: tuple[Path, ...], val: Path | None, out: Path, threads: int | None, device: str) -> None:
    train(TrainConfig(**config), list(data), val, out, threads, device)


def _split(kwargs: dict) -> tuple[dict, tuple, Path | None, Path, int | None, str]:
    """(training settings, data folders, validation folder, run folder, threads, device)."""
    place = kwargs.pop("data"), kwargs.pop("val"), kwargs.pop("out"), kwargs.pop("threads"), kwargs.pop("device")
    return kwargs, *place


@click.group()
def cli() -> None:
    """Train learned image codecs for licc (rate-distortion with MSE, CompressAI λ)."""


@cli.command("train")
@click.option("--arch", type=click.Choice(ARCHITECTURES), default=ARCHITECTURES[0], show_default=True)
@click.option("--N", "N", type=int, required=True, help="hidden channels")
@click.option("--M", "M", type=int, required=True, help="latent channels")
@click.option("--gdn", type=click.Choice(GDN_VARIANTS), default="standard", show_default=True)
@click.option("--lmbda", type=float, required=True, help="rate-distortion trade-off (CompressAI's λ)")
@click.option("--init", type=existing_file, help="warm-start from this checkpoint (same family and widths)")
@run_options
def train_cmd(**kwargs: object) -> None:
    """Train a codec from scratch (or warm-started) on image folders."""
    config, data, val, out, threads, device = _split(kwargs)
    config["init"] = str(config["init"]) if config["init"] else None
    _run(config, data, val, out, threads, device)


@cli.command("distill")
@click.option("--teacher", type=existing_file, required=True, help="teacher checkpoint")
@click.option("--arch", type=click.Choice(ARCHITECTURES), help="student family [default: the teacher's]")
@click.option("--N", "N", type=int, required=True, help="student hidden channels")
@click.option("--M", "M", type=int, required=True, help="student latent channels")
@click.option("--gdn", type=click.Choice(GDN_VARIANTS), default="standard", show_default=True)
@click.option("--lmbda", type=float, help="rate-distortion trade-off [default: the teacher's]")
@click.option("--init", type=existing_file, help="warm-start the student from this checkpoint")
@click.option("--kd", multiple=True, metavar="NAME=WEIGHT",
              help=f"distillation weight, repeatable; names and defaults: {KDWeights()}")
@click.option("--align-steps", type=int, default=0, show_default=True,
              help="first steps train the distillation terms alone (feature alignment)")
@run_options
def distill_cmd(**kwargs: object) -> None:
    """Distil a student of any width from a teacher checkpoint."""
    config, data, val, out, threads, device = _split(kwargs)
    _, meta = load_checkpoint(config["teacher"], arch=config["arch"])
    config["arch"] = meta["arch"]
    if config["lmbda"] is None:
        config["lmbda"] = _checkpoint_lmbda(meta, "--lmbda")
    config["kd"] = asdict(KDWeights.parse(config["kd"]))
    config["teacher"] = str(config["teacher"])
    config["init"] = str(config["init"]) if config["init"] else None
    _run(config, data, val, out, threads, device)


@cli.command("finetune")
@click.argument("checkpoint", type=existing_file)
@click.option("--lmbda", type=float, help="rate-distortion trade-off [default: the checkpoint's]")
@click.option("--gdn", type=click.Choice(GDN_VARIANTS), help="switch the GDN form [default: the checkpoint's]")
@click.option("--qat", "qat", type=existing_file, metavar="PRECISION_FILE",
              help="quantization-aware: train through the integer codec at these widths (`licc-train precision`)")
@click.option("--hold", type=click.Choice(HOLDS),
              help="with --qat, in the ≤ 7-bit convolutions, e.g. after `licc-train round`: steps: keep each output "
                   "channel's weight step (its largest weight fixed, the others clipped inside it); weights: keep "
                   "the weights (their biases and all other layers train)")
@run_options
def finetune_cmd(checkpoint: Path, **kwargs: object) -> None:
    """Continue training an existing checkpoint, e.g. after changing its GDN form, or through its integer codec."""
    config, data, val, out, threads, device = _split(kwargs)
    if config["hold"] and config["qat"] is None:
        raise LiccError("--hold acts on the integer codec --qat trains through; add --qat PRECISION_FILE")
    if config["qat"] is not None:
        widths = read_precision(config["qat"])  # a bad file fails here, before any training
        if config["hold"] and not any(" weight " in k and bits <= HOLD_BITS for k, bits in widths.items()):
            raise LiccError(f"--hold acts on weights of {HOLD_BITS} or fewer bits and {config['qat']} "
                            "gives none; drop --hold or narrow a weight width")
        config["qat"] = str(config["qat"])
    _, meta = load_checkpoint(checkpoint)
    cfg = meta["config"]
    config |= {"arch": meta["arch"], "N": cfg["N"], "M": cfg["M"], "init": str(checkpoint)}
    config |= {"widths": cfg.get("widths"), "latent_channels": cfg.get("latent_channels")}
    config["gdn"] = config["gdn"] or cfg.get("gdn", "standard")
    if config["lmbda"] is None:
        config["lmbda"] = _checkpoint_lmbda(meta, "--lmbda")
    _run(config, data, val, out, threads, device)


@cli.command("precision")
@click.argument("checkpoint", type=existing_file)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="the precision file to write (JSON)")
@click.option("--precision", "options", default="", metavar="OPTIONS",
              help="lic-assign-precision options, e.g. 'weights=6 gdn=12' [default: W8A8, 16-bit GDN path]")
def precision_cmd(checkpoint: Path, output: Path, options: str) -> None:
    """Write the widths lic-assign-precision gives CHECKPOINT: the precision file `finetune --qat` reads."""
    model, _ = load_checkpoint(checkpoint)
    element = f"lic-assign-precision{{{options}}}" if options.strip() else "lic-assign-precision"
    summary = precision_summary(model, element)  # computed before the file is opened: no half-written output
    output.write_text(json.dumps(summary, indent=2) + "\n")


@cli.command("round")
@click.argument("checkpoint", type=existing_file)
@click.option("--precision", "precision", required=True, type=existing_file, metavar="PRECISION_FILE",
              help="the widths the build uses (licc --precision-file); its narrow weights are rounded")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="the rounded checkpoint to write")
@click.option("--max-bits", type=click.IntRange(2, 16), default=RoundConfig.max_bits, show_default=True,
              help="round the convolutions whose weights have at most this many bits")
@click.option("--iters", type=click.IntRange(min=1), default=RoundConfig.iters, show_default=True,
              help="optimiser steps per convolution")
@click.option("--batch", type=click.IntRange(min=1), default=RoundConfig.batch, show_default=True,
              help="calibration images per step")
@click.option("--target", type=click.Choice(TARGETS), default=RoundConfig.target, show_default=True,
              help="float: the float model's layer output; weights: the float weights on the integer input")
@click.option("--objective", type=click.Choice(OBJECTIVES), default=RoundConfig.objective, show_default=True,
              help="layer: each layer's output error; output: then re-round each layer, its bias with it, against "
                   "its function's output (the latent, the decoded image) through the later integer layers")
@click.option("--grid", "grids", type=click.FloatRange(0, 1, min_open=True), multiple=True,
              default=RoundConfig.grids, show_default=True,
              help="weight step to try, relative to lic-quantize's (repeatable; finer steps saturate the largest weights)")
@click.option("--data", type=existing_dir, multiple=True,
              help="fit the rounding to the first --crops images of this folder (repeatable: in order), center-"
                   "cropped to 128×128 [default: the 32 calibration crops]")
@click.option("--crops", type=click.IntRange(min=1), default=RoundConfig.crops, show_default=True,
              help="with --data: how many images")
@click.option("--seed", type=int, default=RoundConfig.seed, show_default=True)
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True, help="torch threads")
def round_cmd(checkpoint: Path, precision: Path, output: Path, threads: int, **options: object) -> None:
    """AdaRound CHECKPOINT's narrow weights for the build at PRECISION_FILE's widths.

    Each weight of a convolution with at most --max-bits-bit weights is rounded up or down to minimise the
    layer's output error on the calibration images (or --data's), and written back as the float value
    lic-quantize turns into that integer: licc --precision-file and licc-eval --integer build the rounded
    codec from OUTPUT.
    """
    torch.set_num_threads(threads)
    widths = read_precision(precision)
    model, meta = load_checkpoint(checkpoint)
    data = tuple(str(folder) for folder in options["data"])
    cfg = RoundConfig(**options | {"grids": tuple(options["grids"]), "data": data})  # type: ignore[arg-type]
    chosen, reports = round_model(model, widths, cfg, progress=True)
    element = f'lic-assign-precision{{file="{precision}"}}'
    differ = verify(model, element, chosen)
    if differ:
        raise LiccError(f"a build of the rounded model changes {differ} of its rounded integer weights; "
                        "nothing written (report this as a bug)")
    for r in reports:
        click.echo(f"@{r.key[0]} conv {r.key[1]} ({r.bits}-bit): error {r.nearest:.4g} → {r.rounded:.4g}, "
                   f"{r.changed:.1%} of the levels changed, {r.finer} channels on a finer step"
                   + (f"; output error {r.output[0]:.4g} → {r.output[1]:.4g}" if r.output else ""), err=True)
    config = meta["config"] | {"round": {"precision": str(precision), **asdict(cfg)}}
    save_checkpoint(output, model, meta["arch"], config)


@cli.command("recipe")
@click.argument("recipe", type=existing_file)
@click.option("--data", required=True, type=existing_dir, help="data root the recipe's folders are relative to")
@click.option("--runs", required=True, type=click.Path(file_okay=False, path_type=Path), help="folder of run folders")
@click.option("--zoo", type=click.Path(file_okay=False, path_type=Path),
              help="where finished checkpoints are copied [default: the package's models/zoo]")
@click.option("--jobs", default=1, show_default=True, type=int,
              help="stages run at once when they do not depend on each other (give each a core)")
def recipe_cmd(recipe: Path, data: Path, runs: Path, zoo: Path | None, jobs: int) -> None:
    """Run a recipe's stages in order; finished stages are skipped, an interrupted one resumes."""
    run_recipe(recipe, data, runs, zoo or ZOO, jobs)


def _checkpoint_lmbda(meta: dict, option: str) -> float:
    if "lmbda" not in meta["config"]:
        raise LiccError(f"the checkpoint does not record its λ; pass {option}")
    return float(meta["config"]["lmbda"])


main = user_errors("licc-train")(cli)


if __name__ == "__main__":
    main()
