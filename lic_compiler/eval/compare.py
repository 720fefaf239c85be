"""Several curves evaluated on one image set, with BD tables and a plot in one folder."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lic_compiler.errors import LiccError
from lic_compiler.eval.bd import METHODS, bd_psnr, bd_rate
from lic_compiler.eval.codec import Codec
from lic_compiler.eval.plot import plot_rd
from lic_compiler.eval.rd import TestImage, evaluate_curve
from lic_compiler.eval.results import curve, save_results

# The two PSNR conventions; BD-rates differ between them by several percent.
PSNR_METRICS: tuple[str, ...] = ("psnr-rgb", "psnr-rgb-from-mean-mse")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


def bd_between(
    anchor: dict[str, Any], test: dict[str, Any], metric: str = "psnr-rgb", partial: bool = False
) -> dict[str, Any]:
    """BD-rate (%) and BD-PSNR (dB) of `test` against `anchor`, both interpolation methods.

    With `partial`, a measure the curves do not support is None and its reason
    is under ``bd-rate-why`` / ``bd-psnr-why``, instead of an error: a curve
    shifted below the anchor's PSNR range (no BD-rate) may still share its
    rate range (a BD-PSNR).
    """
    ra, qa = curve(anchor, metric)
    rt, qt = curve(test, metric)
    row: dict[str, Any] = {}
    for name, fn in (("bd-rate", bd_rate), ("bd-psnr", bd_psnr)):
        for m in METHODS:
            try:
                row[f"{name}-{m}"] = fn(ra, qa, rt, qt, m)
            except LiccError as e:
                if not partial:
                    raise
                row[f"{name}-{m}"], row[f"{name}-why"] = None, str(e)
    return row


def bd_rows(curves: Sequence[dict[str, Any]], metric: str) -> list[dict[str, Any]]:
    """Every later curve against every earlier one; a pair that has no BD gets its reason."""
    rows = []
    for i, anchor in enumerate(curves):
        for test in curves[i + 1 :]:
            row: dict[str, Any] = {"anchor": anchor["name"], "test": test["name"], "metric": metric}
            try:
                row.update(bd_between(anchor, test, metric))
            except LiccError as e:
                row["error"] = str(e)
            rows.append(row)
    return rows


def bd_markdown(rows: Sequence[dict[str, Any]]) -> str:
    """A markdown table of `bd_rows` output."""
    head = "| test | anchor | BD-rate cubic | BD-rate pchip | BD-PSNR cubic | BD-PSNR pchip |"
    lines = [head, "|---|---|---:|---:|---:|---:|"]
    for r in rows:
        if "error" in r:
            cells = [r["error"], "", "", ""]
        else:
            cells = [f"{r[f'bd-rate-{m}']:+.2f} %" for m in METHODS]
            cells += [f"{r[f'bd-psnr-{m}']:+.3f} dB" for m in METHODS]
        lines.append(f"| {r['test']} | {r['anchor']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def rd_markdown(results: dict[str, Any]) -> str:
    """A markdown table of one curve's rate points."""
    res = results["results"]
    lines = [
        f"**{results['name']}**: {results['description']}",
        "",
        "| point | bpp | PSNR (mean of per-image) | PSNR (of mean MSE) | MS-SSIM |",
        "|---|---:|---:|---:|---:|",
    ]
    for i, point in enumerate(results["points"]):
        lines.append(
            f"| {point['label']} | {res['bpp'][i]:.4f} | {res['psnr-rgb'][i]:.3f} "
            f"| {res['psnr-rgb-from-mean-mse'][i]:.3f} | {res['ms-ssim-rgb'][i]:.5f} |"
        )
    return "\n".join(lines)


def check_curve_name(name: str) -> str:
    """Curve names become file names; keep them portable."""
    if not _SAFE_NAME.match(name):
        raise LiccError(f"curve name {name!r} must be letters, digits and . _ + - only")
    return name


def compare(
    codecs: dict[str, Sequence[Codec]],
    images: Sequence[TestImage],
    out_dir: str | Path,
    *,
    extra: Sequence[dict[str, Any]] = (),
    image_folder: str = "",
    command: str = "",
    progress: bool = False,
) -> Path:
    """Evaluate each named curve, then write ``<name>.json``, ``bd.json``, ``summary.md``, ``rd.png``.

    Curves are in anchor order: each is compared against every curve before
    it. ``extra`` (results documents evaluated earlier, e.g. a saved JPEG
    curve) come first, then ``codecs`` in its order.
    Returns the path of ``summary.md``.
    """
    out = Path(out_dir)
    for name in codecs:
        check_curve_name(name)
    curves = list(extra)
    for name, point_codecs in codecs.items():
        labels = ", ".join(c.label for c in point_codecs)
        doc = evaluate_curve(point_codecs, images, name=name, description=f"real bitstreams: {labels}", progress=progress)
        save_results(doc, out / f"{name}.json")  # written as soon as done: evaluation takes long
        curves.append(doc)
    rows = {metric: bd_rows(curves, metric) for metric in PSNR_METRICS}
    save_results({"bd": rows}, out / "bd.json")
    plot_rd(curves, out / "rd.png", title=f"{image_folder} ({len(images)} images)" if image_folder else None)
    summary = out / "summary.md"
    summary.write_text(_summary(curves, rows, images, image_folder, command))
    return summary


def _summary(
    curves: Sequence[dict[str, Any]],
    rows: dict[str, list[dict[str, Any]]],
    images: Sequence[TestImage],
    image_folder: str,
    command: str,
) -> str:
    parts = [f"# Rate-distortion comparison on {image_folder or 'the image set'} ({len(images)} images)", ""]
    if command:
        parts += ["Made by:", "", "```", command, "```", ""]
    parts += [
        "bpp counts every byte of each bitstream; PSNR is on 8-bit RGB. "
        "BD-rate < 0: the test curve needs fewer bits than the anchor for the same PSNR.",
        "",
        "![rate-distortion](rd.png)",
        "",
    ]
    titles = {
        "psnr-rgb": "## BD, PSNR as the mean of per-image PSNR (CompressAI's convention)",
        "psnr-rgb-from-mean-mse": "## BD, PSNR of the mean MSE",
    }
    for metric, table in rows.items():
        parts += [titles[metric], "", bd_markdown(table), ""]
    parts += ["## Rate points", ""]
    for c in curves:
        if "points" in c and "psnr-rgb-from-mean-mse" in c["results"]:
            parts += [rd_markdown(c), ""]
    return "\n".join(parts)
