"""licc-prune: prune a checkpoint's channels and write the smaller checkpoint.

    licc-prune model.pt -o pruned.pt -p 'ratio=0.25 criterion=gdn multiple-of=8 keep-latent=false'

Imports every part of the model, runs `lic-prune-channels` with the given
options (its report goes to stderr) and exports the pruned IR as a
checkpoint of the same family with smaller widths, ready for
`licc-train finetune` (docs/pruning.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from lic_compiler.cli.common import user_errors
from lic_compiler.frontend.frame import parse_frame
from lic_compiler.pruning import prune_checkpoint


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("checkpoint", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The pruned checkpoint.")
@click.option("-p", "--options", default="", help="lic-prune-channels options, e.g. 'ratio=0.25 multiple-of=8'.")
@click.option("--frame", default="256x256", show_default=True, help="Frame the calibration images are fitted to.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help="Also write the report as JSON.")
def cli(checkpoint: Path, out: Path, options: str, frame: str, report: Path | None) -> None:
    """Prune CHECKPOINT's channels (lic-prune-channels) and write the smaller checkpoint."""
    record = prune_checkpoint(checkpoint, out, options, parse_frame(frame))
    if report is not None:
        report.write_text(json.dumps(record, indent=1) + "\n")
    click.echo(f"wrote {out}")


main = user_errors("licc-prune")(cli)


if __name__ == "__main__":
    main()
