"""`licc MODEL -o BUILD/`: compile a learned image codec into a dataflow design."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from lic_compiler.calibration import CALIBRATION_COUNT
from lic_compiler.cli.common import run_program, user_errors
from lic_compiler.driver import (
    DEFAULT_PIPELINE,
    BuildOptions,
    Hardware,
    compile_model,
    with_options,
    with_pruning,
)
from lic_compiler.errors import LiccError
from lic_compiler.hw.design import OBJECTIVES, SCOPES
from lic_compiler.passes.set_parallelism import SetParallelismPass
from lic_compiler.pipeline_edit import expand_pipeline
from lic_compiler.quant.precision_file import read_precision


class _Command(click.Command):
    """Bad flags and values (click's usage errors, --frame's) as licc's one-line errors."""

    def make_context(self, info_name, args, parent=None, **extra):  # type: ignore[no-untyped-def]
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as e:
            message = f"{e.format_message().rstrip('.')}; see licc --help"
        except LiccError as e:
            message = str(e)
        click.echo(f"licc: error: {message}", err=True)
        sys.exit(2)


def _frame(_ctx: click.Context, _param: click.Parameter, value: str | None) -> tuple[int, int] | None:
    from lic_compiler.frontend import parse_frame

    return None if value is None else parse_frame(value)


def _list_devices(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    from lic_compiler.hw.device import bundled_devices, device_table, load_device

    if value and not ctx.resilient_parsing:
        click.echo(device_table([load_device(name) for name in bundled_devices()]), nl=False)
        ctx.exit()


@click.command(cls=_Command, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("model", type=click.Path(path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path), default=Path("build"),
              show_default=True, help="build folder (replaced atomically)")
@click.option("--part", "parts", default="all", show_default=True,
              help="comma-separated parts: encoder, decoder, hyper_encoder, hyper_decoder, or all")
@click.option("--frame", default=None, callback=_frame,
              help="static frame size WxH  [default: 1280x720, or a .pt2 program's own]")
@click.option("--arch", default=None, help="architecture, when the checkpoint does not say")
@click.option("--allow-pickle", is_flag=True,
              help="accept a fully pickled nn.Module (unpickling can run arbitrary code)")
@click.option("--list-devices", is_flag=True, is_eager=True, expose_value=False, callback=_list_devices,
              help="list the bundled boards (part, resources, default clock) and exit")
@click.option("--device", default=None, metavar="NAME|FILE",
              help="board to plan the hardware for: a bundled name (see --list-devices) or a board "
                   f".json file (docs/cost-model.md)  [default: {SetParallelismPass.device}]")
@click.option("--clock-mhz", type=float, default=None, metavar="MHZ", help="clock  [default: the board's]")
@click.option("--util-cap", type=float, default=None, metavar="FRACTION",
              help="fraction of each resource the design may use, 0.8 = 80 %  [default: the board's]")
@click.option("--target-fps", type=float, default=None, metavar="FPS",
              help="frame rate to meet: the cheapest design meeting it with --objective min-resources; "
                   "with max-fps, an error if the fastest is slower")
@click.option("--objective", type=click.Choice(OBJECTIVES), default=None,
              help="fastest design within the budget, or cheapest meeting --target-fps  "
                   f"[default: {SetParallelismPass.objective}]")
@click.option("--scope", type=click.Choice(SCOPES), default=None,
              help="all parts on one device and budget, or each part on its own  "
                   f"[default: {SetParallelismPass.scope}]")
@click.option("-p", "--pipeline", default=DEFAULT_PIPELINE, show_default=True,
              help="pass pipeline, as for licc-opt -p; '...' stands for the default one "
                   "('...,my-pass'), and '+PASS' adds one pass to it: before convert-lic-to-hls, or "
                   "'+PASS@after:NAME' / '+PASS@before:NAME' next to the pass NAME")
@click.option("--prune", default=None, metavar="OPTIONS",
              help="prune channels after import, e.g. 'ratio=0.25 criterion=gdn multiple-of=8'")
@click.option("--dump-ir", is_flag=True, help="write the IR after every pass into BUILD/ir/")
@click.option("--csim", is_flag=True,
              help="compile the HLS design with g++ and compare its outputs with the interpreter's")
@click.option("--image", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="the C simulation's input image  [default: a bundled BSDS500 crop]")
@click.option("--precision", type=click.Choice(["uniform", "hybrid"]), default="uniform", show_default=True,
              help="bit widths: the same everywhere, or chosen per tensor for the fastest design on --device "
                   "(the cheapest with --objective min-resources) under --max-psnr-drop")
@click.option("--max-psnr-drop", type=click.FloatRange(min=0, min_open=True), default=0.05, show_default=True,
              help="hybrid precision's budget: dB of codec PSNR on the calibration images the search fits "
                   "and, with a confidence margin, on held-out photographs it never fits")
@click.option("--held-out-images", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="hybrid precision: the held-out images the budget is checked on  [default: 16 bundled "
                   "whole BSDS500 validation photographs]")
@click.option("--precision-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="a width per tensor from a precision file (licc-train precision's format, e.g. what "
                   "finetune --qat trained through) over the uniform widths")
@click.option("--weights", "weight_bits", type=click.IntRange(2, 16), default=8, show_default=True,
              help="uniform precision: weight bits")
@click.option("--activations", "act_bits", type=click.IntRange(2, 16), default=8, show_default=True,
              help="uniform precision: activation bits")
@click.option("--gdn-bits", type=click.IntRange(2, 16), default=16, show_default=True,
              help="uniform precision: GDN path bits (its input x, γ, x², the root's output)")
@click.option("--calibration", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="calibration image folder  [default: the bundled BSDS500 crops]")
@click.option("--calibration-count", type=click.IntRange(min=1), default=CALIBRATION_COUNT, show_default=True,
              help="calibration images to use (the first by name)")
@click.option("--calibrate-with", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              metavar="ENCODER.pt2|.pt",
              help="a decoder compiled alone is calibrated on this encoder's latents of the calibration "
                   "images  [default: random integer latents, see lic-calibrate]")
@user_errors("licc")
def main(model: Path, out_dir: Path, parts: str, frame: tuple[int, int] | None, arch: str | None,
         allow_pickle: bool, pipeline: str, prune: str | None, dump_ir: bool, csim: bool, image: Path | None,
         precision: str, max_psnr_drop: float, held_out_images: Path | None, precision_file: Path | None, weight_bits: int, act_bits: int, gdn_bits: int,
         calibration: Path | None, calibration_count: int, device: str | None, clock_mhz: float | None,
         util_cap: float | None, target_fps: float | None, objective: str | None, scope: str | None,
         calibrate_with: Path | None) -> None:
    """Compile MODEL: a checkpoint (.pt), a torch.export program (.pt2), or
    ARCH:NxM (e.g. bmshj2018-factorized:64x96) for an untrained network of that
    shape, for hardware exploration.

    The board and the design goal (--device … --scope) set lic-set-parallelism's
    options in the pipeline; -p stays for experts."""
    start = time.perf_counter()
    if precision_file is not None:
        read_precision(precision_file)  # a bad file fails here, before the import and calibration
    hardware = Hardware(device, clock_mhz, util_cap, target_fps, objective, scope)
    pipeline = expand_pipeline(pipeline, DEFAULT_PIPELINE)
    images = f"count={calibration_count}" + (f' images="{calibration}"' if calibration else "")
    widths = (
        f"mode=hybrid max-psnr-drop={max_psnr_drop} {images}"
        + (f' held-out-images="{held_out_images}"' if held_out_images else "") if precision == "hybrid"
        else f"weights={weight_bits} activations={act_bits} gdn={gdn_bits}"
    ) + (f' file="{precision_file}"' if precision_file else "")
    latents = f' encoder="{calibrate_with}"' if calibrate_with else ""
    pipeline = with_options(with_options(pipeline, "lic-calibrate", images + latents), "lic-assign-precision", widths)
    if prune is not None:
        pipeline = with_pruning(pipeline, prune)
    options = BuildOptions(
        parts=None if parts == "all" else [p.strip() for p in parts.split(",") if p.strip()],
        frame=frame, arch=arch, allow_pickle=allow_pickle, pipeline=pipeline, dump_ir=dump_ir,
        csim=csim, image=image, hardware=hardware,
    )
    result = compile_model(model, out_dir, options)
    hardware = result.summary.get("hardware", {}).get("functions", {})
    for name, total in result.summary["functions"].items():
        fps = f"  {hardware[name]['fps']:7.2f} FPS" if name in hardware else ""
        click.echo(f"  @{name:14s} {total['layers']:3d} layers  {total['params']:>10,} params  "
                   f"{total['macs'] / 1e9:8.2f} GMAC/frame{fps}")
    if "csim" in result.summary:
        c = result.summary["csim"]
        verdict = "equal to the interpreter, bit for bit" if c["equal"] else "DIFFERENT from the interpreter"
        click.echo(f"  C simulation ({', '.join(c['variants'])} types): {verdict} ({c['seconds']:.1f} s)")
    click.echo(f"licc: wrote {out_dir}/ in {time.perf_counter() - start:.1f} s "
               f"(report: {out_dir}/report.md)")
    if "csim" in result.summary and not result.summary["csim"]["equal"]:
        raise SystemExit(1)


def run() -> None:
    """The `licc` console script: `main` as the whole process (`run_program`)."""
    run_program(main)
