"""Rate-distortion plots of results documents (PNG, no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from lic_compiler.eval.metrics import ms_ssim_db
from lic_compiler.eval.results import curve

PSNR_LABELS = {
    "psnr-rgb": "PSNR RGB (dB), mean of per-image PSNR",
    "psnr-rgb-from-mean-mse": "PSNR RGB (dB) of the mean MSE",
}
# A curve reaching this many times further in rate than all others is cut off
# (JPEG's 3.3 bpp would otherwise squeeze learned codecs into a corner).
ZOOM_RATIO = 2.0
ZOOM_MARGIN = 1.15


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
    limit = rate_window([curve(c, metric)[0] for c in curves])
    _panel(axes[0], [curve(c, metric) for c in curves], curves, limit)
    _decorate(axes[0], PSNR_LABELS.get(metric, metric))
    if with_ms_ssim:
        ssim = [curve(c, "ms-ssim-rgb") for c in with_ms_ssim]
        _panel(axes[1], [(r, np.array([ms_ssim_db(v) for v in q])) for r, q in ssim], with_ms_ssim, limit)
        _decorate(axes[1], "MS-SSIM RGB (dB)")
    if title:
        fig.suptitle(title)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    return out


def rate_window(rates: Sequence[np.ndarray]) -> float | None:
    """Upper bpp limit that leaves out one curve reaching far beyond the rest, or None."""
    if len(rates) < 2:
        return None
    tops = sorted(float(r.max()) for r in rates)
    return tops[-2] * ZOOM_MARGIN if tops[-1] > ZOOM_RATIO * tops[-2] else None


def _panel(ax: Any, points: Sequence[tuple[np.ndarray, np.ndarray]], curves: Sequence[dict[str, Any]],
           limit: float | None) -> None:
    for (rate, quality), c in zip(points, curves):
        ax.plot(rate, quality, marker="o", markersize=3, label=c["name"])
    if limit is None:
        return
    # The y range of what is visible: every point left of the limit, and where each line crosses it.
    seen = [q[r <= limit] for r, q in points] + [np.interp([limit], r, q) for r, q in points if r.max() > limit]
    low, high = float(min(s.min() for s in seen if s.size)), float(max(s.max() for s in seen if s.size))
    pad = 0.05 * (high - low or 1.0)
    ax.set_xlim(0.0, limit)
    ax.set_ylim(low - pad, high + pad)


def _decorate(ax: Any, ylabel: str) -> None:
    ax.set_xlabel("bits per pixel")
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", alpha=0.5)
    ax.legend(loc="lower right")
