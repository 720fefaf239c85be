"""`licc-faults MODEL -o DIR`: fault-injection campaigns on the emitted integer codec.

The work is in `lic_compiler.faults` (docs/faults.md); this parses options.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from lic_compiler.cli.common import run_program, user_errors
from lic_compiler.faults.campaign import PARTS, CampaignOptions
from lic_compiler.faults.sites import TARGETS


def _list(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("model", type=click.Path(path_type=Path))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(path_type=Path),
              help="report folder (replaced atomically): faults.json, faults.md, injections.csv, plots/, build/")
@click.option("--images", type=click.Path(path_type=Path), default=None,
              help="image folder, centre-cropped to the frame  [default: the bundled calibration crops]")
@click.option("--frame", default=None, help="WxH  [default: the images' common size, multiples of 64, at most 256x256]")
@click.option("--injections", type=int, default=None,
              help="injections per target class  [default: the sample size for --margin and --confidence]")
@click.option("--margin", type=float, default=0.03, show_default=True, help="error margin of the default sample size")
@click.option("--confidence", type=float, default=0.95, show_default=True, help="confidence of margins and intervals")
@click.option("--seed", type=int, default=0, show_default=True, help="seed of the fault draw")
@click.option("--targets", default=",".join(TARGETS), show_default=True,
              help="comma-separated target classes (also: roots, GDN's root tables)")
@click.option("--part", "parts", default=",".join(PARTS), show_default=True, help="parts to inject into")
@click.option("--catastrophic-db", type=float, default=1.0, show_default=True,
              help="a PSNR drop above this (or an undecodable bitstream) is catastrophic")
@click.option("--protect", default=None,
              help="build with lic-protect and these options, e.g. 'scheme=tmr budget=0.05' ('' for its defaults)")
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True, help="torch CPU threads")
@user_errors("licc-faults")
def main(model: Path, out_dir: Path, images: Path | None, frame: str | None, injections: int | None, margin: float,
         confidence: float, seed: int, targets: str, parts: str, catastrophic_db: float, protect: str | None,
         threads: int) -> None:
    """Inject single-bit upsets into the design licc builds from MODEL (a factorized-prior
    checkpoint) and measure their cost in PSNR and rate on real bitstreams."""
    import torch

    from lic_compiler.faults import run_campaign
    from lic_compiler.frontend.frame import parse_frame

    torch.set_num_threads(threads)
    options = CampaignOptions(
        images=images, frame=None if frame is None else parse_frame(frame), injections=injections, margin=margin,
        confidence=confidence, seed=seed, targets=_list(targets), parts=_list(parts),
        catastrophic_db=catastrophic_db, progress=sys.stderr.isatty(), protect=protect,
    )
    options.check()
    summary = run_campaign(model, out_dir, options, shlex.join(["licc-faults", *sys.argv[1:]]))
    c = summary["campaign"]
    for target, r in summary["targets"].items():
        lo, hi = r["interval"]
        click.echo(f"  {target:13s} {r['injections']:7,} injections  P(catastrophic) {100 * r['p_catastrophic']:.3g} % "
                   f"[{100 * lo:.3g}, {100 * hi:.3g}]  masked {100 * r['masked'] / r['injections']:.1f} %")
    click.echo(f"licc-faults: {c['injections']:,} injections at {c['injections_per_second']:.1f}/s; "
               f"wrote {out_dir}/ (report: {out_dir}/faults.md)")


def run() -> None:
    """The `licc-faults` console script."""
    run_program(main)
