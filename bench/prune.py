"""What structured channel pruning saves and costs in rate-distortion.

    .venv/bin/python bench/prune.py ../shared/datasets/kodak
    .venv/bin/python bench/prune.py IMAGES --checkpoint q1.pt ... --ratio 0.25 ... \\
        --finetune-data ../shared/datasets/bsds500/train --finetune-data ../shared/datasets/bsds500/test

Each checkpoint is one rate point (default: the bundled student at its four
rate points); curves are measured with real bitstreams (`lic_compiler.eval`)
on the image folder. For every rate point:

1. the unpruned model gives the anchor curve;
2. ``lic-prune-channels{criterion=latent}`` drops the latent channels that
   carry no rate (zero once rounded on the calibration images); it must cost
   at most 0.05 dB at every rate point, or the exit status is 1;
3. for each ratio, ``lic-prune-channels{ratio=… criterion=… multiple-of=…
   keep-latent=false}``: MACs and parameters saved, and the BD-rate of the
   exported checkpoints against the anchor, without fine-tuning;
4. with ``--finetune-data``, each pruned checkpoint is fine-tuned with the
   recipe of docs/pruning.md (``licc-train finetune``, ``--finetune-steps``)
   and measured again, against the anchor and against the control: the
   unpruned checkpoints fine-tuned with the same recipe, so that what the
   extra training gives a student that is itself not converged is not
   counted as a gain of pruning.

The pruned IR and its exported checkpoint compute the same function
(test/pruning), so the checkpoints are measured directly in PyTorch.
Pruned checkpoints and fine-tuning runs go to ``--work`` (a rerun resumes
them); the results go to ``--out`` as JSON.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import torch

from lic_compiler.errors import LiccError
from lic_compiler.eval.codec import codec_from_checkpoint
from lic_compiler.eval.compare import bd_between
from lic_compiler.eval.rd import TestImage, evaluate_point, load_test_images
from lic_compiler.eval.results import make_results
from lic_compiler.pruning import prune_checkpoint

ZOO = Path(__file__).resolve().parents[1] / "models" / "zoo"
DEFAULT_CHECKPOINTS = [ZOO / f"student-kd-factorized-64-96-q{q}.pt" for q in (1, 2, 3, 4)]
DEFAULT_RATIOS = [0.125, 0.25, 0.375, 0.5]
SHOWN = ("pchip", "cubic")  # BD interpolations in the report, PCHIP first: robust to a bent anchor
MAX_FREE_LATENT_LOSS = 0.05  # dB, at every rate point
# The fine-tuning recipe of docs/pruning.md (besides --steps).
FINETUNE = ["--lr", "1e-4", "--entropy-lr", "1e-3", "--batch", "8", "--crop", "128", "--threads", "1"]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.reprint:
        results = json.loads(Path(args.reprint).read_text())
        print(report(results))
        return _verdict(results)
    torch.set_num_threads(1)
    checkpoints = [Path(c) for c in args.checkpoint or DEFAULT_CHECKPOINTS]
    missing = [str(c) for c in checkpoints if not c.is_file()]
    if missing:
        raise LiccError(f"no checkpoint {missing[0]}; train the bundled models or pass --checkpoint")
    images = load_test_images(args.images)[: args.limit]
    work = Path(args.work)
    anchor = _evaluate(checkpoints, images)
    results: dict[str, Any] = {"images": str(args.images), "count": len(images)}
    results["anchor"] = make_results("unpruned", "", anchor)
    results["free_latent"] = free_latent(checkpoints, anchor, images, work / "free-latent")
    if args.finetune_data:
        control = [finetune(c, work / "control" / c.stem, args) for c in checkpoints]
        results["control"] = make_results("unpruned-finetuned", "", _evaluate(control, images))
    results["ratios"] = [
        prune_at(ratio, checkpoints, anchor, images, work / f"ratio-{ratio:g}", args)
        for ratio in args.ratio or DEFAULT_RATIOS
    ]
    Path(args.out).write_text(json.dumps(results, indent=1) + "\n")
    print(report(results))
    return _verdict(results)


def _verdict(results: dict[str, Any]) -> int:
    worst = min(p["psnr_change"] for p in results["free_latent"])
    return 0 if worst >= -MAX_FREE_LATENT_LOSS else 1


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("images", nargs="?", help="image folder, e.g. ../shared/datasets/kodak")
    p.add_argument("--reprint", metavar="JSON", help="print the report of an earlier run's --out file and stop")
    p.add_argument("--checkpoint", action="append", help="a rate point (repeatable) [default: the bundled student]")
    p.add_argument("--ratio", action="append", type=float, help=f"pruning ratio (repeatable) [default: {DEFAULT_RATIOS}]")
    p.add_argument("--criterion", default="gdn", choices=["l1", "l2", "gdn"], help="hidden-channel criterion")
    p.add_argument("--multiple-of", type=int, default=8, help="kept widths divide by this")
    p.add_argument("--finetune-data", action="append", help="training image folder (repeatable); none: no fine-tuning")
    p.add_argument("--finetune-steps", type=int, default=300)
    p.add_argument("--limit", type=int, help="use only the first LIMIT images")
    p.add_argument("--work", default="runs/prune-bench", help="pruned checkpoints and fine-tuning runs")
    p.add_argument("--out", default="prune-bench.json", help="results (JSON)")
    p.set_defaults(ratio=None)
    return p


def _evaluate(checkpoints: list[Path], images: list[TestImage]) -> list[dict[str, Any]]:
    """One evaluated rate point per checkpoint, in order, each with its "summary"."""
    return [evaluate_point(codec_from_checkpoint(c), images) for c in checkpoints]


def free_latent(
    checkpoints: list[Path], anchor: list[dict[str, Any]], images: list[TestImage], work: Path
) -> list[dict[str, Any]]:
    """Per rate point: the free latent channels dropped and what that changes on the images."""
    rows = []
    for checkpoint, point in zip(checkpoints, anchor):
        out = work / checkpoint.name
        record = prune_checkpoint(checkpoint, out, "criterion=latent")
        latent = next(layer for layer in record["layers"] if layer["layer"] == "latent")
        before = point["summary"]
        # Nothing dropped: the export is the same model.
        after = before if latent["after"] == latent["before"] else _evaluate([out], images)[0]["summary"]
        rows.append({
            "checkpoint": checkpoint.name,
            "latent_before": latent["before"],
            "latent_after": latent["after"],
            "macs_saved": 1 - record["macs_after"] / record["macs_before"],
            "psnr_change": after["psnr-rgb"] - before["psnr-rgb"],
            "bpp_change": after["bpp"] - before["bpp"],
        })
    return rows


def prune_at(
    ratio: float, checkpoints: list[Path], anchor: list[dict], images: list[TestImage], work: Path, args
) -> dict[str, Any]:
    """One ratio at every rate point: savings, BD-rate without and with fine-tuning."""
    options = f"ratio={ratio} criterion={args.criterion} multiple-of={args.multiple_of} keep-latent=false"
    pruned, records = [], []
    for checkpoint in checkpoints:
        out = work / "pruned" / checkpoint.name
        records.append(prune_checkpoint(checkpoint, out, options))
        pruned.append(out)
    row: dict[str, Any] = {
        "ratio": ratio,
        "options": options,
        "macs_saved": [1 - r["macs_after"] / r["macs_before"] for r in records],
        "params_saved": [1 - r["params_after"] / r["params_before"] for r in records],
        "widths": [{layer["layer"]: layer["after"] for layer in r["layers"]} for r in records],
        "calibration_psnr_change": [r["psnr_after"] - r["psnr_before"] for r in records],
    }
    row["pruned"] = _compared(f"pruned-{ratio:g}", pruned, images)
    if args.finetune_data:
        tuned = [finetune(p, work / "finetuned" / p.stem, args) for p in pruned]
        row["finetuned"] = _compared(f"finetuned-{ratio:g}", tuned, images)
    return row


def _compared(name: str, checkpoints: list[Path], images: list[TestImage]) -> dict[str, Any]:
    """The curve of `checkpoints` (compared with the anchor in `report`)."""
    return {"curve": make_results(name, "", _evaluate(checkpoints, images))}


def finetune(checkpoint: Path, run: Path, args) -> Path:
    """`licc-train finetune` with the documented recipe; a finished run is reused."""
    data = [a for folder in args.finetune_data for a in ("--data", folder)]
    cmd = [sys.executable, "-m", "lic_compiler.cli.train", "finetune", str(checkpoint), *data,
           "--steps", str(args.finetune_steps), *FINETUNE, "--out", str(run)]
    subprocess.run(cmd, check=True)
    return run / "model.pt"


def report(results: dict[str, Any]) -> str:
    """The results as text tables; BD and the changes per rate point are computed from the curves."""
    lines = [f"on {results['count']} images of {results['images']}", "", "free latent channels (criterion=latent):"]
    lines.append("  rate point                               latent   PSNR change   bpp change   MACs saved")
    for r in results["free_latent"]:
        lines.append(
            f"  {r['checkpoint']:<40} {r['latent_before']:>3}->{r['latent_after']:<3} "
            f"{r['psnr_change']:+9.4f} dB  {r['bpp_change']:+10.4f}  {100 * r['macs_saved']:8.1f} %"
        )
    lines += ["", "hidden channels and latent, against the unpruned model "
              "(n/a: the curves' PSNR or rate ranges do not overlap):"]
    control = results.get("control")
    if control:
        lines.append("  control: the unpruned model fine-tuned with the same recipe")
        lines.append(f"    {'control':<10} {_compared_text(results['anchor'], control)}")
    for r in results["ratios"]:
        lines.append(
            f"  ratio {r['ratio']:g}: MACs saved {100 * _mean(r['macs_saved']):.1f} %, "
            f"parameters saved {100 * _mean(r['params_saved']):.1f} %"
        )
        lines.append("    stage      BD-rate pchip  cubic       BD-PSNR pchip  cubic      change per rate point (dB / bpp)")
        for stage in ("pruned", "finetuned"):
            if stage in r:
                lines.append(f"    {stage:<10} {_compared_text(results['anchor'], r[stage]['curve'])}")
        if control and "finetuned" in r:
            lines.append(f"    {'vs control':<10} {_compared_text(control, r['finetuned']['curve'])}")
    return "\n".join(lines)


def _compared_text(anchor: dict[str, Any], test: dict[str, Any]) -> str:
    row = bd_between(anchor, test, partial=True)
    shown = [_number(row[f"bd-rate-{m}"], "%", 2) for m in SHOWN] + [_number(row[f"bd-psnr-{m}"], "dB", 3) for m in SHOWN]
    a, t = anchor["results"], test["results"]
    changes = ", ".join(f"{tp - ap:+.2f}/{tb - ab:+.3f}"
                        for ap, tp, ab, tb in zip(a["psnr-rgb"], t["psnr-rgb"], a["bpp"], t["bpp"]))
    return " ".join(f"{c:<12}" for c in shown) + f" {changes}"


def _number(value: float | None, unit: str, digits: int) -> str:
    return "n/a" if value is None else f"{value:+.{digits}f} {unit}"


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except LiccError as e:
        print(f"prune bench: error: {e}", file=sys.stderr)
        sys.exit(2)
