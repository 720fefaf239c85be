"""Rate-distortion plots of results documents (PNG, no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from lic_compiler.eval.metrics import ms_ssim_db
from lic_compiler.eval.results import curve

PSNR_LABELS = {
    "psnr-rgb": "PSNR RGB (dB), mean of per-image PSNR",
    "psnr-rgb-from-mean-mse": "PSNR RGB (dB) of the mean MSE",
}


def plot_rd(
    curves: Sequence[dict[str, Any]],
    path: str | Path,
    *,
    title: str | None = None,
    metric: str = "psnr-rgb",
) -> Path:
    """PSNR vs bpp and MS-SSIM (dB) vs bpp, one labelled line per results document.

    `Figure` is used directly rather than pyplot, so plotting neither needs a
    display nor changes the caller's matplotlib backend.
    """
    with_ms_ssim = [c for c in curves if "ms-ssim-rgb" in c["results"]]
    fig = Figure(figsize=(12 if with_ms_ssim else 6.5, 4.8), layout="constrained")
    axes = fig.subplots(1, 2 if with_ms_ssim else 1, squeeze=False)[0]
    for c in curves:
        bpp, psnr = curve(c, metric)
        axes[0].plot(bpp, psnr, marker="o", markersize=3, label=c["name"])
    _decorate(axes[0], PSNR_LABELS.get(metric, metric))
    if with_ms_ssim:
        for c in with_ms_ssim:
            bpp, ssim = curve(c, "ms-ssim-rgb")
            axes[1].plot(bpp, [ms_ssim_db(v) for v in ssim], marker="o", markersize=3, label=c["name"])
        _decorate(axes[1], "MS-SSIM RGB (dB)")
    if title:
        fig.suptitle(title)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    return out


def _decorate(ax: Any, ylabel: str) -> None:
    ax.set_xlabel("bits per pixel")
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", alpha=0.5)
    ax.legend(loc="lower right")
