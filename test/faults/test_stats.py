"""The statistical fault-injection formulas against values worked out by hand."""

import pytest

from lic_compiler.faults.stats import margin, quantile, sample_size, wilson


def test_quantile():
    assert quantile(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert quantile(0.99) == pytest.approx(2.575829, abs=1e-6)


def test_leveugle_sample_size():
    # N = 10000, e = 5 %, t = 1.96: n = 10000 / (1 + 0.0025·9999 / (3.8415·0.25)) = 369.97 → 370
    assert sample_size(10_000, 0.05, 0.95) == 370
    # an unbounded population: t²·p(1−p)/e² = 3.8415·0.25/0.0001 = 9603.6 → 9604
    assert sample_size(10**15, 0.01, 0.95) == 9604
    # a population smaller than the sample the margin needs: all of it
    assert sample_size(50, 0.001, 0.99) == 50
    # p = 0.1 needs fewer: 3.8415·0.09/0.0001 = 3457.3 → 3458
    assert sample_size(10**15, 0.01, 0.95, p=0.1) == 3458


def test_margin_inverts_the_sample_size():
    assert margin(370, 10_000, 0.95) == pytest.approx(0.05, abs=2e-5)
    assert margin(9604, 10**15, 0.95) == pytest.approx(0.01, abs=1e-6)
    assert margin(10_000, 10_000, 0.95) == 0.0


def test_wilson_interval():
    # 5 of 100 at 95 %: centre (0.05 + 1.9208/100) / 1.038415 = 0.066648,
    # half-width 1.88746·√(0.000475 + 0.00009604) = 0.045104
    lo, hi = wilson(5, 100, 0.95)
    assert lo == pytest.approx(0.021544, abs=1e-5) and hi == pytest.approx(0.111752, abs=1e-5)
    # none of 100: [0, t²/(n + t²)] = [0, 3.8415/103.8415]
    lo, hi = wilson(0, 100, 0.95)
    assert lo == 0.0 and hi == pytest.approx(0.036994, abs=1e-5)
    assert wilson(100, 100, 0.95)[1] == 1.0
    assert wilson(0, 0, 0.95) == (0.0, 1.0)


def test_an_interrupted_campaign_resumes_where_it_stopped(tmp_path):
    from lic_compiler.faults.campaign import Journal, Record, run_injections
    from lic_compiler.faults.inject import Fault
    from lic_compiler.faults.sites import Memory

    memory = Memory("weights", "encoder", 0, "conv", "weight", (4, 4), 8, True, 128)
    plan = [(Fault(memory, i, i % 8), i % 3) for i in range(12)]

    class Counting:
        calls = 0

        def run(self, fault, image):
            self.calls += 1
            record = Record(fault, image, "changed", fault.word * 0.5, 0.001 * fault.bit, fault.word == 7)
            record.catastrophic = fault.word * 0.5 > 1
            return record

    key = {"plan": "a"}
    first = Counting()
    full, _ = run_injections(first, plan, False, Journal(tmp_path / "j", key))
    assert first.calls == 12
    lines = (tmp_path / "j").read_text().splitlines()
    (tmp_path / "j").write_text("\n".join(lines[:6]) + '\n{"index": 3, "sta')  # cut short mid-line
    again = Counting()
    resumed, _ = run_injections(again, plan, False, Journal(tmp_path / "j", key))
    assert again.calls == 12 - 5  # the 5 whole lines after the key are not run again
    assert [(r.status, r.psnr_drop, r.bpp_delta, r.overflow, r.catastrophic) for r in resumed] == \
        [(r.status, r.psnr_drop, r.bpp_delta, r.overflow, r.catastrophic) for r in full]
    assert len((tmp_path / "j").read_text().splitlines()) == 13  # the key and every injection, readable
    other = Counting()
    run_injections(other, plan, False, Journal(tmp_path / "j", {"plan": "b"}))  # other options: afresh
    assert other.calls == 12
