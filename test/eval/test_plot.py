"""RD plots."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from lic_compiler.eval.plot import plot_rd, rate_window

CURVE_A = {"name": "A", "results": {"bpp": [0.2, 0.5, 1.0], "psnr-rgb": [28.0, 31.0, 34.0], "ms-ssim-rgb": [0.9, 0.95, 0.98]}}
CURVE_B = {"name": "B", "results": {"bpp": [0.25, 0.6, 1.1], "psnr-rgb": [27.0, 30.0, 33.0]}}


def test_plot_two_panels(tmp_path: Path) -> None:
    out = plot_rd([CURVE_A, CURVE_B], tmp_path / "figs" / "rd.png", title="t")
    with Image.open(out) as img:
        assert img.format == "PNG"
        wide = img.size
    # Without any MS-SSIM results there is one panel, so the figure is narrower.
    with Image.open(plot_rd([CURVE_B], tmp_path / "one.png")) as img:
        assert img.size[0] < wide[0]


def test_rate_window_leaves_out_a_far_reaching_anchor() -> None:
    learned, jpeg = np.array([0.2, 0.6]), np.array([0.14, 3.3])
    assert rate_window([jpeg, learned]) == 0.6 * 1.15
    assert rate_window([np.array([0.25, 1.1]), learned]) is None  # comparable ranges: no zoom
    assert rate_window([jpeg]) is None


def test_zoomed_plot_renders(tmp_path: Path) -> None:
    jpeg = {"name": "JPEG", "results": {"bpp": [0.14, 0.45, 3.3], "psnr-rgb": [23.8, 29.1, 40.5]}}
    with Image.open(plot_rd([jpeg, CURVE_A, CURVE_B], tmp_path / "zoom.png")) as img:
        assert img.format == "PNG"
