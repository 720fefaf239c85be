"""Bjøntegaard metrics: known answers, cross-checks against textbook code, errors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.interpolate import pchip_interpolate

from lic_compiler.errors import LiccError
from lic_compiler.eval.bd import METHODS, bd_psnr, bd_rate

RATE = [0.12, 0.25, 0.47, 0.83, 1.4]
PSNR = [27.1, 29.6, 32.0, 34.3, 36.5]
# A test curve of a different shape, overlapping the anchor in both axes.
RATE_T = [0.10, 0.22, 0.40, 0.75]
PSNR_T = [27.5, 30.2, 32.4, 34.9]


@pytest.mark.parametrize("method", METHODS)
def test_curve_against_itself_is_zero(method: str) -> None:
    assert bd_rate(RATE, PSNR, RATE, PSNR, method) == pytest.approx(0.0, abs=1e-9)
    assert bd_psnr(RATE, PSNR, RATE, PSNR, method) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_rate_scaled_by_090_is_minus_ten_percent(method: str) -> None:
    scaled = [0.9 * r for r in RATE]
    assert bd_rate(RATE, PSNR, scaled, PSNR, method) == pytest.approx(-10.0, abs=1e-9)
    assert bd_rate(scaled, PSNR, RATE, PSNR, method) == pytest.approx(100 / 0.9 - 100, abs=1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_psnr_shift_is_bd_psnr(method: str) -> None:
    shifted = [q + 0.75 for q in PSNR]
    assert bd_psnr(RATE, PSNR, RATE, shifted, method) == pytest.approx(0.75, abs=1e-9)
    # Better quality at equal rate means fewer bits at equal quality.
    assert bd_rate(RATE, PSNR, RATE, shifted, method) < 0


def test_cubic_matches_textbook_polyfit() -> None:
    """VCEG-M33 as usually written: np.polyfit of natural-log rate, np.polyint."""

    def mean_gap(xa, ya, xt, yt):
        lo, hi = max(min(xa), min(xt)), min(max(xa), max(xt))
        pa, pt = np.polyint(np.polyfit(xa, ya, 3)), np.polyint(np.polyfit(xt, yt, 3))
        return ((np.polyval(pt, hi) - np.polyval(pt, lo)) - (np.polyval(pa, hi) - np.polyval(pa, lo))) / (hi - lo)

    la, lt = np.log(RATE), np.log(RATE_T)
    expected_rate = (np.exp(mean_gap(PSNR, la, PSNR_T, lt)) - 1) * 100
    expected_psnr = mean_gap(la, PSNR, lt, PSNR_T)
    assert bd_rate(RATE, PSNR, RATE_T, PSNR_T, "cubic") == pytest.approx(expected_rate, rel=1e-9)
    assert bd_psnr(RATE, PSNR, RATE_T, PSNR_T, "cubic") == pytest.approx(expected_psnr, rel=1e-9)


def test_pchip_matches_sampled_interpolation() -> None:
    """Exact PCHIP integrals agree with dense trapezoid sums over scipy's pchip_interpolate."""
    la, lt = np.log(RATE), np.log(RATE_T)
    lo, hi = max(PSNR[0], PSNR_T[0]), min(PSNR[-1], PSNR_T[-1])
    q = np.linspace(lo, hi, 20001)
    gap = np.trapz(pchip_interpolate(PSNR_T, lt, q) - pchip_interpolate(PSNR, la, q), q) / (hi - lo)
    assert bd_rate(RATE, PSNR, RATE_T, PSNR_T, "pchip") == pytest.approx((np.exp(gap) - 1) * 100, rel=1e-6)


def test_methods_differ_on_a_real_shape() -> None:
    """The two interpolations are not the same computation (guards a mixed-up dispatch)."""
    cubic = bd_rate(RATE, PSNR, RATE_T, PSNR_T, "cubic")
    pchip = bd_rate(RATE, PSNR, RATE_T, PSNR_T, "pchip")
    assert cubic != pytest.approx(pchip, abs=1e-6)
    assert -30 < cubic < 0 and -30 < pchip < 0


@pytest.mark.parametrize("fn", [bd_rate, bd_psnr])
def test_fewer_than_four_points(fn) -> None:
    with pytest.raises(LiccError, match="3 points.*at least 4"):
        fn(RATE, PSNR, RATE[:3], PSNR[:3])


def test_non_overlapping_quality() -> None:
    with pytest.raises(LiccError, match="quality ranges do not overlap"):
        bd_rate(RATE, PSNR, RATE, [q + 20 for q in PSNR])


def test_non_overlapping_rate() -> None:
    with pytest.raises(LiccError, match="rate ranges do not overlap"):
        bd_psnr(RATE, PSNR, [r * 100 for r in RATE], PSNR)


@pytest.mark.parametrize(
    ("rate", "psnr", "match"),
    [
        (RATE[:4] + [0.0], PSNR, "positive finite rates"),
        (RATE, PSNR[:4] + [float("nan")], "finite qualities"),
        (RATE, PSNR[:4], "differ in length"),
    ],
)
def test_invalid_points(rate, psnr, match) -> None:
    with pytest.raises(LiccError, match=match):
        bd_rate(rate, psnr, RATE, PSNR)


def test_pchip_duplicate_quality() -> None:
    with pytest.raises(LiccError, match="same quality"):
        bd_rate(RATE, [27.1, 29.6, 29.6, 34.3, 36.5], RATE, PSNR, "pchip")


def test_unknown_method() -> None:
    with pytest.raises(LiccError, match="unknown method 'akima'"):
        bd_rate(RATE, PSNR, RATE, PSNR, "akima")  # type: ignore[arg-type]


def test_partial_bd_keeps_the_measure_the_curves_support() -> None:
    from lic_compiler.eval.compare import bd_between

    def results(rate: list[float], psnr: list[float]) -> dict:
        return {"name": "c", "results": {"bpp": rate, "psnr-rgb": psnr}}

    below = [q - 15 for q in PSNR]  # same rates, no PSNR in common: BD-PSNR only
    with pytest.raises(LiccError, match="ranges do not overlap"):
        bd_between(results(RATE, PSNR), results(RATE, below))
    row = bd_between(results(RATE, PSNR), results(RATE, below), partial=True)
    assert all(row[f"bd-psnr-{m}"] == pytest.approx(-15.0) for m in METHODS)
    assert all(row[f"bd-rate-{m}"] is None for m in METHODS) and "do not overlap" in row["bd-rate-why"]
    assert "bd-psnr-why" not in row
