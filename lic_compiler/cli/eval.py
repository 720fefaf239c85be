"""licc-eval: rate-distortion curves, Bjøntegaard metrics and plots.

The commands parse arguments and print; the work is in `lic_compiler.eval`.
"""

from __future__ import annotations

import glob
import shlex
import sys
from pathlib import Path

import click
import torch

from lic_compiler.cli.common import user_errors
from lic_compiler.errors import LiccError
from lic_compiler.eval.bd import METHODS
from lic_compiler.eval.codec import Codec, codec_from_checkpoint
from lic_compiler.eval.compare import PSNR_METRICS, bd_between, bd_markdown, check_curve_name, compare, rd_markdown
from lic_compiler.eval.integer import integer_codec_from_checkpoint
from lic_compiler.eval.jpeg import DEFAULT_QUALITIES, jpeg_codecs
from lic_compiler.eval.plot import plot_rd
from lic_compiler.eval.rd import evaluate_curve, load_test_images
from lic_compiler.eval.results import load_results, save_results

IMAGES = click.option(
    "--images", "image_dir", required=True, type=click.Path(path_type=Path),
    help="Folder of evaluation images (PNG, JPEG, …; other files are skipped).",
)
ALLOW_PICKLE = click.option(
    "--allow-pickle", is_flag=True, help="Load pickled nn.Module checkpoints (runs code from the file).",
)
INTEGER = click.option(
    "--integer", is_flag=True,
    help="The compiled integer codec (integer encoder, entropy coder, integer decoder; with a "
    "hyperprior also the integer hyper-encoder and hyper-decoder, whose integers give the scale "
    "indexes) of each checkpoint: in rd instead of the float model, in compare one more curve "
    "per family (NAME-int).",
)
PRECISION = click.option(
    "--precision", default="", metavar="OPTIONS",
    help="lic-assign-precision options for --integer, e.g. 'mode=hybrid max-psnr-drop=0.05' "
    "[default: uniform W8A8, 16-bit GDN path including its input]",
)
QUANTIZE = click.option(
    "--quantize", default="", metavar="OPTIONS",
    help="lic-quantize options for --integer, e.g. 'scales=tensor clip=mse' [default: per-channel scales, max clip]",
)
QUALITIES = click.option(
    "--quality", "qualities", type=int, multiple=True, default=DEFAULT_QUALITIES, show_default=True,
    help="JPEG quality; repeat for several rate points.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--threads", type=click.IntRange(min=1), default=None,
    help="torch CPU threads (default: torch's choice). 1 is much faster when other jobs "
    "keep the cores busy: multi-threaded small ops then wait on descheduled threads.",
)
def cli(threads: int | None) -> None:
    """Rate-distortion evaluation of LIC checkpoints against each other and JPEG."""
    if threads is not None:
        torch.set_num_threads(threads)


@cli.command()
@click.argument("checkpoints", nargs=-1, required=True, type=click.Path(path_type=Path))
@IMAGES
@click.option("--name", required=True, help="Curve name, e.g. the model family.")
@click.option("--description", default="", help="Free text stored in the results file.")
@click.option("--arch", default=None, help="Require checkpoints of this architecture.")
@ALLOW_PICKLE
@INTEGER
@PRECISION
@QUANTIZE
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="Results JSON to write.")
def rd(
    checkpoints: tuple[Path, ...], image_dir: Path, name: str, description: str,
    arch: str | None, allow_pickle: bool, integer: bool, precision: str, quantize: str, output: Path,
) -> None:
    """Evaluate CHECKPOINTS (one per rate point) with real bitstreams; with --integer,
    their compiled integer codecs instead."""
    images = load_test_images(image_dir)
    if integer:
        codecs = [integer_codec_from_checkpoint(p, _precision(precision), quantize=_quantize(quantize))
                  for p in checkpoints]
    else:
        codecs = [codec_from_checkpoint(p, arch=arch, allow_pickle=allow_pickle) for p in checkpoints]
    description = description or f"real bitstreams: {', '.join(c.label for c in codecs)}"
    _finish(evaluate_curve(codecs, images, name=name, description=description, progress=True), output)


@cli.command()
@IMAGES
@QUALITIES
@click.option("--name", default="JPEG", show_default=True, help="Curve name.")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="Results JSON to write.")
def jpeg(image_dir: Path, qualities: tuple[int, ...], name: str, output: Path) -> None:
    """JPEG (Pillow, 4:2:0, optimised Huffman tables) on the same images."""
    images = load_test_images(image_dir)
    description = "Pillow JPEG, 4:2:0, optimize=True, whole JFIF file counted"
    _finish(evaluate_curve(jpeg_codecs(qualities), images, name=name, description=description, progress=True), output)


def _finish(results: dict, output: Path) -> None:
    save_results(results, output)
    click.echo(rd_markdown(results))
    click.echo(f"wrote {output}")


@cli.command()
@click.argument("anchor", type=click.Path(path_type=Path))
@click.argument("test", type=click.Path(path_type=Path))
@click.option(
    "--metric", "metrics", multiple=True, type=click.Choice(PSNR_METRICS),
    help="PSNR convention (default: each one both files have).",
)
def bd(anchor: Path, test: Path, metrics: tuple[str, ...]) -> None:
    """BD-rate and BD-PSNR of TEST against ANCHOR (cubic and PCHIP)."""
    a, t = load_results(anchor), load_results(test)
    chosen = metrics or tuple(m for m in PSNR_METRICS if m in a["results"] and m in t["results"])
    if not chosen:
        raise LiccError(f"{anchor} and {test} share no PSNR results ({', '.join(PSNR_METRICS)})")
    for metric in chosen:
        row = {"anchor": a["name"], "test": t["name"], **bd_between(a, t, metric)}
        click.echo(f"{metric} (interpolation: {', '.join(METHODS)})")
        click.echo(bd_markdown([row]))


@cli.command()
@click.argument("results", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="PNG to write.")
@click.option("--title", default=None, help="Figure title.")
@click.option("--metric", type=click.Choice(PSNR_METRICS), default="psnr-rgb", show_default=True, help="PSNR convention.")
def plot(results: tuple[Path, ...], output: Path, title: str | None, metric: str) -> None:
    """Plot RESULTS files (PSNR and MS-SSIM against bpp) into a PNG."""
    plot_rd([load_results(p) for p in results], output, title=title, metric=metric)
    click.echo(f"wrote {output}")


@cli.command("compare")
@IMAGES
@click.option(
    "--family", "families", nargs=2, multiple=True, metavar="NAME CHECKPOINTS",
    help="A curve: its name and its checkpoints (a glob such as 'models/zoo/teacher-*.pt' "
    "or a comma-separated list). Repeat for each family; the order is the anchor order.",
)
@click.option("--with", "extra", multiple=True, type=click.Path(path_type=Path), help="A results JSON evaluated earlier; joins as an anchor.")
@click.option("--jpeg/--no-jpeg", default=True, show_default=True, help="Evaluate the JPEG curve (the first anchor).")
@QUALITIES
@ALLOW_PICKLE
@INTEGER
@PRECISION
@QUANTIZE
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="Folder for all outputs.")
def compare_cmd(
    image_dir: Path, families: tuple[tuple[str, str], ...], extra: tuple[Path, ...],
    jpeg: bool, qualities: tuple[int, ...], allow_pickle: bool, integer: bool, precision: str,
    quantize: str, output: Path,
) -> None:
    """Evaluate families and JPEG; write their JSONs, BD tables (summary.md, bd.json) and rd.png."""
    previous = [load_results(p) for p in extra]
    images = load_test_images(image_dir)
    codecs: dict[str, list[Codec]] = {"JPEG": jpeg_codecs(qualities)} if jpeg else {}
    for name, spec in families:
        if check_curve_name(name) in codecs:
            raise LiccError(f"curve name {name!r} is used twice")
        # Load every checkpoint before evaluating any: a bad file fails in seconds, not hours.
        codecs[name] = [codec_from_checkpoint(p, allow_pickle=allow_pickle) for p in _expand(spec)]
        if integer:  # one more curve: the same checkpoints compiled to integers
            codecs[check_curve_name(f"{name}-int")] = [
                integer_codec_from_checkpoint(p, _precision(precision), quantize=_quantize(quantize))
                for p in _expand(spec)
            ]
    if len(codecs) + len(previous) < 2:
        raise LiccError("compare needs at least two curves (families, JPEG, or --with results)")
    command = shlex.join(["licc-eval", *sys.argv[1:]])
    summary = compare(codecs, images, output, extra=previous, image_folder=str(image_dir), command=command, progress=True)
    click.echo(summary.read_text())
    click.echo(f"wrote {output}/")


def _quantize(options: str) -> str:
    """The lic-quantize pipeline element for --quantize OPTIONS."""
    return f"lic-quantize{{{options}}}" if options.strip() else "lic-quantize"


def _precision(options: str) -> str:
    """The lic-assign-precision pipeline element for --precision OPTIONS."""
    return f"lic-assign-precision{{{options}}}" if options.strip() else "lic-assign-precision"


def _expand(spec: str) -> list[Path]:
    """Checkpoint paths from a glob or a comma-separated list, in sorted order for globs."""
    paths: list[Path] = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        matches = sorted(glob.glob(part)) if glob.has_magic(part) else [part]
        if not matches:
            raise LiccError(f"no checkpoint matches {part!r}")
        paths += [Path(m) for m in matches]
    if not paths:
        raise LiccError(f"no checkpoints given in {spec!r}")
    return paths


main = user_errors("licc-eval")(cli)
