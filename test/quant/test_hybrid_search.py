"""The hybrid precision search: scored on the emitted design, checked on held-out images."""

import json
from pathlib import Path

import numpy as np
import pytest

from lic_compiler.calibration import HELD_OUT_DIR, load_images
from lic_compiler.errors import LiccError
from lic_compiler.frontend import import_model
from lic_compiler.ir import make_context, parse_module
from lic_compiler.models import load_checkpoint
from lic_compiler.models.recipe import ZOO
from lic_compiler.passes.quantize import quantize
from lic_compiler.quant import attrs, search
from lic_compiler.quant.drive import codec_psnr, drive
from lic_compiler.quant.frame import at_frame
from lic_compiler.quant.plan import Knob, fix_interfaces, knobs
from lic_compiler.registry import parse_pipeline

CODEC = Path(__file__).parents[1] / "lit" / "passes" / "Inputs" / "codec.mlir"
# A small device share, so that the tiny codec's design is bound by resources.
HARDWARE = "device=ultra96v2 util-cap=0.1"
# Six crops fitted; held out, the shipped photographs (max-fps) or three of the six (min-resources).
BUDGET = "max-psnr-drop=0.3 count=6"
HELD_OUT = {"max-fps": "", "min-resources": "held-out-images=split"}


def apply(module, pipeline: str):
    parse_pipeline(pipeline).apply(make_context(), module)
    return module


def calibrated(frame: int = 128):
    """The tiny codec at `frame`² (its float ops re-typed), calibrated on 4 images."""
    return apply(at_frame(parse_module(CODEC.read_text()), (frame, frame)), "lic-calibrate{count=4}")


@pytest.fixture(scope="module")
def searched():
    """objective → the module after the hybrid search for it."""
    out = {}
    for objective in ("max-fps", "min-resources"):
        out[objective] = apply(
            calibrated(),
            f"lic-assign-precision{{mode=hybrid objective={objective} {BUDGET} {HARDWARE} {HELD_OUT[objective]}}}",
        )
    return out


def test_split_holds_out_a_share_of_the_images_spread_over_them():
    images = [np.full((1, 3, 2, 2), i, np.float32) for i in range(8)]
    fit, held = search.split(images, 0.5)
    assert [x[0, 0, 0, 0] for x in held] == [1, 3, 5, 7] and len(fit) == 4
    fit, held = search.split(images, 0.25)
    assert [x[0, 0, 0, 0] for x in held] == [3, 7] and len(fit) == 6
    with pytest.raises(LiccError, match="at least 2"):
        search.split(images[:1], 0.5)


def test_each_objective_moves_the_design_its_way(searched):
    fps = attrs.get(searched["max-fps"], attrs.PRECISION)
    assert fps["chosen"] == "search" and fps["design"]["fps"] > fps["uniform_design"]["fps"]
    cheap = attrs.get(searched["min-resources"], attrs.PRECISION)
    assert cheap["design"]["fps"] >= cheap["uniform_design"]["fps"] * (1 - 1e-9)
    assert cheap["design"]["cost"] < cheap["uniform_design"]["cost"]
    uniform = {"weight": 8, "act": 8, "gdn": 16}
    for module in searched.values():
        widths = attrs.get(module, attrs.PRECISION)["widths"]
        assert any(widths[k.label] < uniform[k.kind] for k in knobs(module))  # narrower somewhere


def test_the_score_is_the_frame_rate_of_the_design_licc_builds(searched):
    module = searched["max-fps"].clone()
    summary = attrs.get(module, attrs.PRECISION)
    apply(module, f"lic-quantize,convert-lic-to-hls,lic-set-parallelism{{{HARDWARE}}}")
    built = {f: v.value.data for f, v in module.attributes["lic.hw"].data["fps"].data.items()}
    assert set(built) == {"encoder", "decoder"}
    assert min(built.values()) == pytest.approx(summary["design"]["fps"], abs=1e-3)


def test_the_budget_is_checked_on_held_out_photographs_the_search_never_fitted(searched):
    module = searched["max-fps"]
    summary = attrs.get(module, attrs.PRECISION)
    assert summary["fit"]["images"] == 6 and summary["held_out"]["images"] == 16
    assert summary["held_out"]["psnr_drop"] <= 0.3 and summary["fit"]["psnr_drop"] <= 0.3
    held_bound = summary["held_out"]["psnr_drop"] + summary["held_out"]["margin"]
    assert summary["held_out"]["psnr_drop_bound"] == pytest.approx(held_bound) and held_bound <= 0.3
    held = load_images(HELD_OUT_DIR, None, size=(128, 128))
    reference = np.mean(codec_psnr(drive(calibrated(), held)))
    lowered = module.clone()
    quantize(lowered)
    drop = reference - np.mean(codec_psnr(drive(lowered, held)))
    assert drop == pytest.approx(summary["held_out"]["psnr_drop"], abs=1e-9)
    assert drop != pytest.approx(summary["fit"]["psnr_drop"], abs=1e-6)  # other images, another drop


def test_split_holds_out_a_share_of_the_search_images(searched):
    summary = attrs.get(searched["min-resources"], attrs.PRECISION)
    assert summary["fit"]["images"] == summary["held_out"]["images"] == 3


def test_the_held_out_bound_is_a_one_sided_student_t_bound_on_the_mean_drop():
    drops = [0.01, 0.03, 0.02, 0.06]
    # t(0.95, 3) = 2.3534; s = 0.02160 dB; s / √4 = 0.01080 dB
    assert search.confidence_margin(drops, 0.95) == pytest.approx(2.35336 * 0.0216025 / 2, rel=1e-4)
    assert search.confidence_margin(drops, 0.99) > search.confidence_margin(drops, 0.95)
    assert search.confidence_margin(drops * 4, 0.95) < search.confidence_margin(drops, 0.95)  # more images
    assert search.confidence_margin([0.05], 0.95) == 0.0 and search.confidence_margin(drops, 0.0) == 0.0
    check = search.Check(images=4, drop=0.03, rate=0.1, margin=0.012)
    assert check.bound == pytest.approx(0.042) and check.summary()["psnr_drop_bound"] == pytest.approx(0.042)


def test_the_choices_are_a_list_per_knob_kind(monkeypatch):
    # A search restricted to two choices per kind picks from those only.
    monkeypatch.setattr(search, "CHOICES", {
        "weight": search._widths(8, 4), "act": search._widths(16, 6), "gdn": search._widths(16, 8),
    })
    module = apply(calibrated(16), "lic-assign-precision{mode=hybrid max-psnr-drop=20 max-rate-increase=1000 count=4}")
    widths = attrs.get(module, attrs.PRECISION)["widths"]
    allowed = {"weight": {8, 4}, "act": {16, 6}, "gdn": {16, 8}}
    assert all(widths[k.label] in allowed[k.kind] for k in knobs(module))
    assert any(widths[k.label] == 4 for k in knobs(module) if k.kind == "weight")


def test_the_uniform_assignment_wins_when_the_descent_cannot_beat_it(monkeypatch):
    # No choice below 16-bit activations: uniform W8A8 (16-bit GDN path) is as fast and cheaper.
    monkeypatch.setattr(search, "CHOICES", {
        "weight": search._widths(8), "act": search._widths(16), "gdn": search._widths(16),
    })
    module = apply(calibrated(16), "lic-assign-precision{mode=hybrid max-psnr-drop=20 max-rate-increase=1000 count=4}")
    summary = attrs.get(module, attrs.PRECISION)
    assert summary["chosen"] == "uniform" and summary["design"] == summary["uniform_design"]
    assert set(summary["widths"].values()) == {8, 16}


def test_weights_rounded_to_4_bits_start_the_search_at_4_bits():
    # The shipped rounded student: AdaRound fitted five layers' 4-bit integers (the d1w8
    # file's), written back as float grid values. The 8- and 6-bit grids do not hold them
    # (scale max|w|/(2^(b−1)−1)): those layers lose at 6 bits, less at 8, and gain at 4.
    model, _ = load_checkpoint(ZOO / "student-qat-round-w4-factorized-64-96-q4.pt")
    module = import_model(model, parts=["encoder", "decoder"], frame=(128, 128)).module
    apply(module, "convert-torch-to-lic,lic-rewrite-gdn{measure=false},lic-calibrate")  # as licc: 32 crops
    fix_interfaces(module)
    all_knobs = knobs(module)
    measure = search._Measurer.on(module, all_knobs, load_images(count=8))
    _, sens = search.sensitivities(measure, {k: search.CHOICES[k.kind][0] for k in all_knobs})
    start = search._start(all_knobs, sens, 0.5)
    rounded = json.loads((ZOO / "precision-hybrid-w4-d1w8.json").read_text())["widths"]
    weights = [k for k in all_knobs if k.kind == "weight"]
    assert {k.label: start[k].bits for k in weights} == {k.label: rounded[k.label] for k in weights}
    for k in weights:
        if rounded[k.label] == 4:
            assert sens(k, search.Choice(4))[0] < 0 < sens(k, search.Choice(6))[0], k.label
    assert all(start[k] == search.CHOICES[k.kind][0] for k in all_knobs if k.kind != "weight")


def fake_knobs(*kinds: str) -> list[Knob]:
    return [Knob(kind, "decoder", i + 1, ()) for i, kind in enumerate(kinds)]


def test_the_start_takes_each_weights_least_lossy_width_within_the_rate_budget():
    weight, other, costly, act = fake_knobs("weight", "weight", "weight", "act")
    fitted = {8: 0.04, 6: 0.06, 4: 0.01, 3: 0.01, 2: 0.5}  # rounded to 4 bits; 3 ties 4

    def sens(knob, choice):
        if knob is weight:
            return fitted[choice.bits], 0.0
        if knob is costly:  # 4 bits gains PSNR but adds more rate than the budget
            return (-0.05, 0.8) if choice.bits == 4 else (0.0, 0.0)
        return (0.0, 0.0) if choice.bits in (8, 16) else (-0.001, 0.0)  # narrower measures a hair better

    start = search._start([weight, other, costly, act], sens, 0.5)
    bits = {weight: 4, other: 6, costly: 8, act: 16}
    assert start == {k: search.Choice(b) for k, b in bits.items()}


def test_a_step_back_gives_up_least_of_the_descents_savings_per_unit_of_budget_recovered():
    fast, cheap, fitted = fake_knobs("weight", "act", "weight")
    losses = {
        fast: {8: 0.0, 6: 0.02, 4: 0.03},  # its moves paid for the frame rate
        cheap: {16: 0.0, 12: 0.01, 10: 0.02},  # its moves saved little
        fitted: {8: 0.05, 6: 0.3, 4: -0.01, 3: 0.4, 2: 0.35},  # rounded to 4 bits: 3 loses more than 2
    }

    def sens(knob, choice):
        return losses[knob][choice.bits], 0.0

    C = search.Choice
    start = {fast: C(8), cheap: C(16), fitted: C(4)}
    current = {fast: C(4), cheap: C(10), fitted: C(2)}
    savings = {fast: {C(6): 3.0, C(4): 5.0}, cheap: {C(12): 0.1, C(10): 0.1}, fitted: {C(3): 0.2, C(2): 0.2}}
    steps = []
    for _ in range(4):
        before = dict(current)
        search._raise_one(current, start, savings, sens, 0.1, 1.0)
        steps += [(k, current[k].bits) for k in current if current[k] != before[k]]
    # fitted: 0.4 saving for 3.5 budgets recovered, past 3 (which loses more) to 4; cheap: 0.1
    # for 0.1, twice; fast last: 5.0 for 0.1.
    assert steps == [(fitted, 4), (cheap, 12), (cheap, 16), (fast, 6)]


def test_licc_gives_a_hybrid_search_the_device_of_the_build():
    from lic_compiler.driver import DEFAULT_PIPELINE, BuildOptions, Hardware, with_options

    hardware = Hardware(device="kv260", util_cap=0.5)
    hybrid = with_options(DEFAULT_PIPELINE, "lic-assign-precision", "mode=hybrid max-psnr-drop=0.1")
    pipeline = BuildOptions(pipeline=hybrid, hardware=hardware).full_pipeline()
    assert 'lic-assign-precision{mode=hybrid max-psnr-drop=0.1 device="kv260" util-cap=0.5}' in pipeline
    assert 'lic-set-parallelism{device="kv260" util-cap=0.5}' in pipeline
    uniform = BuildOptions(hardware=hardware).full_pipeline()
    assert "lic-assign-precision," in uniform  # a uniform assignment solves nothing


def test_a_search_whose_uniform_assignment_misses_the_budget_records_no_uniform_design():
    from lic_compiler.quant.score import Score

    score = Score(fps=40.0, cycles=5_000_000, used={"dsp": 1, "bram18": 2, "uram": 0, "lut": 3, "ff": 4}, cost=0.5)
    check = search.Check(images=2, drop=0.01, rate=0.1)
    result = search.HybridResult("max-fps", 0.05, 0.5, check, check, {"@encoder act 1": 8}, score, None, "search", 3, 1.0)
    module = parse_module(CODEC.read_text())
    attrs.put(module, attrs.PRECISION, result.summary())  # an IR attribute: no None in it
    summary = attrs.get(module, attrs.PRECISION)
    assert "uniform_design" not in summary and "start" not in summary and summary["design"]["fps"] == 40.0
    assert "uniform" not in result.report() and "started" not in result.report()


def test_a_search_that_started_off_the_widest_choices_records_and_reports_where():
    from lic_compiler.quant.score import Score

    score = Score(fps=50.0, cycles=4_000_000, used={"dsp": 1, "bram18": 2, "uram": 0, "lut": 3, "ff": 4}, cost=0.5)
    check = search.Check(images=2, drop=0.01, rate=0.1)
    start = (search.Check(images=2, drop=-0.014, rate=0.02), search.Check(images=3, drop=-0.008, rate=0.01, margin=0.006))
    result = search.HybridResult(
        "max-fps", 0.1, 0.5, check, check, {"@decoder weight 2": 4}, score, None, "search", 3, 1.0,
        start={"@decoder weight 2": 4}, start_checks=start,
    )
    module = parse_module(CODEC.read_text())
    attrs.put(module, attrs.PRECISION, result.summary())
    recorded = attrs.get(module, attrs.PRECISION)["start"]
    assert recorded["widths"] == {"@decoder weight 2": 4}
    assert recorded["held_out"]["psnr_drop_bound"] == pytest.approx(-0.002)
    assert "but @decoder weight 2 4 bits (their least lossy widths): fit drop -0.0140 dB, held-out bound -0.0020 dB" in (
        result.report()
    )
