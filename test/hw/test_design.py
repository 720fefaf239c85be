"""lic-set-parallelism end to end: IR properties, parallelism.json, reports, diagnostics."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lic_compiler.dialects import hls
from lic_compiler.errors import LiccError
from lic_compiler.hls_schedule import PAUSES
from lic_compiler.hw.design import apply_parallelism, export_parallelism, from_ir, solve
from lic_compiler.hw.device import load_device
from lic_compiler.hw.report import hardware_report, render_markdown, write_hardware_report
from lic_compiler.hw.stages import KnobModel
from lic_compiler.ir import make_context, parse_module, print_module
from lic_compiler.registry import parse_pipeline
from nets import Conv, Deconv, Gdn, Spec, build, merge

ENCODER = Spec(3, 16, 16, [Conv(8, 5, 2, 2, relu=True), Gdn(), Conv(12, 5, 2, 2)])
DECODER = Spec(12, 4, 4, [Deconv(8, 5, 2, 2, 1), Gdn(inverse=True), Deconv(3, 5, 2, 2, 1)], unsigned_input=False)


@pytest.fixture
def codec():
    module = merge([build(ENCODER, 0, "encoder"), build(DECODER, 1, "decoder")])
    return run(module, "convert-lic-to-hls")


def run(module, spec: str):
    parse_pipeline(spec).apply(make_context(), module)
    return module


def foldings(design) -> dict:
    return {(s.function, s.name): design.folding(s) for s in design.knobs(list(design.stages))}


def test_pass_writes_folding_and_costs_on_the_hls_stages(codec):
    run(codec, "lic-set-parallelism{device=zcu102}")
    text = print_module(codec)
    assert 'lic.hw = {device = "zcu102", part = "xczu9eg-ffvb1156-2-e", clock_mhz = 2.000000e+02 : f64' in text
    stages = [op for op in codec.walk() if isinstance(op, hls.StageOp)]
    assert all("cost" in op.properties for op in stages)
    for op in stages:
        if isinstance(op, hls.FoldedStageOp):
            assert {"pe", "simd", "ram_style", "mult_impl"} <= set(op.properties)
        else:
            assert "pe" not in op.properties  # derived from the compute stages
    codec.verify()


def test_joint_design_fits_the_budget_and_shares_one_pace(codec):
    design = solve(codec, load_device("ultra96v2"))
    budget, used = design.budget(), design.used()
    assert all(used[r] <= budget[r] for r in budget)
    # One device, one frame rate: the slower pipeline sets it for both.
    assert design.fps("encoder") == design.fps("decoder")
    assert design.group_cycles("encoder") == max(design.cycles("encoder"), design.cycles("decoder"))


def test_the_budget_counts_every_stage_and_fifo(codec):
    design = solve(codec, load_device("ultra96v2"))
    rows = hardware_report(design)["stages"]
    assert sum(r["lut"] for r in rows) == design.used()["lut"]
    fifos = [s for ss in design.stages.values() for s in ss if any(m.bram18 + m.lut for _, m in s.fifos())]
    assert fifos  # FIFO memory is charged to the stage that reads it


def test_per_function_scope_gives_each_the_whole_device(codec):
    joint = solve(codec, load_device("ultra96v2"))
    codec2 = merge([build(ENCODER, 0, "encoder"), build(DECODER, 1, "decoder")])
    run(codec2, "convert-lic-to-hls")
    alone = solve(codec2, load_device("ultra96v2"), scope="per-function")
    assert min(alone.fps(f) for f in ("encoder", "decoder")) >= min(joint.fps(f) for f in ("encoder", "decoder"))
    assert alone.used(["encoder"])["dsp"] <= alone.budget()["dsp"]


def test_min_resources_meets_the_target_at_least_cost(codec):
    fast = solve(codec, load_device("zcu102"))
    fps, dsp = fast.fps("encoder"), fast.used()["dsp"]
    slow = solve(codec, load_device("zcu102"), objective="min-resources", target_fps=fps / 8)
    assert min(slow.fps(f) for f in ("encoder", "decoder")) >= fps / 8
    assert slow.used()["dsp"] < dsp


def test_ir_round_trip_reproduces_the_design(codec):
    run(codec, "lic-set-parallelism{device=zcu104}")
    design = from_ir(codec)
    again = from_ir(parse_module(print_module(codec)))
    assert foldings(again) == foldings(design)
    assert again.used() == design.used()
    assert hardware_report(again)["functions"]["decoder"]["fps"] == pytest.approx(design.fps("decoder"))


def test_parallelism_file_round_trip_and_hand_edit(codec, tmp_path):
    design = solve(codec, load_device("zcu102"))
    chosen, cycles = foldings(design), design.cycles("encoder")
    data = export_parallelism(design)
    path = tmp_path / "parallelism.json"
    path.write_text(json.dumps(data))
    assert foldings(apply_parallelism(codec, path, load_device("zcu102"))) == chosen

    first = data["stages"][0]
    first["pe"], first["simd"], first["mmv"] = 1, 1, 1  # slower by hand
    path.write_text(json.dumps(data))
    run(codec, f'lic-set-parallelism{{parallelism-file="{path}"}}')
    edited = from_ir(codec)
    assert foldings(edited)[("encoder", first["stage"])].pe == 1
    assert edited.cycles("encoder") > cycles


@pytest.mark.parametrize(
    "edit,message",
    [
        ({"pe": 5}, r"@encoder r0 \(hls.mvau\): pe = 5 is not legal \(PE divides the 8 output channels\)"),
        ({"simd": 7}, r"simd = 7 is not legal \(SIMD divides the reduction of 75\)"),
        ({"mmv": 5}, r"mmv = 5 is not legal \(MMV takes fewer groups of the row of 8 pixels than MMV − 1\); choose one of 1, 2, 3, 4, 8"),
        ({"op": "hls.gdn"}, r"is 'hls.gdn' in the file but 'hls.mvau' in the IR"),
        ({"ram_style": "flash"}, r"ram_style 'flash' is not available"),
        ({"mult_impl": "lut"}, r"mult_impl 'lut' is not legal; choose one of dsp, fabric"),
        ({"pe": "8"}, r"pe, simd and mmv must be integers"),
        ({"stage": "nope"}, r"@encoder has no compute stage 'nope'"),
    ],
)
def test_bad_parallelism_files(codec, tmp_path, edit, message):
    data = export_parallelism(solve(codec, load_device("zcu102")))
    data["stages"][0].update(edit)
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    with pytest.raises(LiccError, match=message):
        apply_parallelism(codec, path, load_device("zcu102"))


def test_parallelism_file_missing_stage_or_over_budget(codec, tmp_path):
    data = export_parallelism(solve(codec, load_device("zcu102")))
    path = tmp_path / "p.json"
    path.write_text(json.dumps({**data, "stages": data["stages"][1:]}))
    with pytest.raises(LiccError, match=r"has no entry for @encoder r0 \(hls.mvau\)"):
        apply_parallelism(codec, path, load_device("zcu102"))
    path.write_text(json.dumps(data))
    with pytest.raises(LiccError, match=r"the folding needs [\d,]+ (DSP|LUT) but zcu102 allows [\d,]+ \(1% cap\); the largest users are @"):
        apply_parallelism(codec, path, load_device("zcu102"), util_cap=0.01)
    path.write_text("{not json")
    with pytest.raises(LiccError, match="is not valid JSON"):
        apply_parallelism(codec, path, load_device("zcu102"))


def test_report_has_one_row_per_emitted_stage(codec, tmp_path):
    run(codec, "lic-set-parallelism{device=kv260 util-cap=0.5}")
    report = write_hardware_report(codec, tmp_path, pareto_points=4)
    assert json.loads(json.dumps(report)) == report  # JSON-ready
    for name in ("parallelism.json", "plots/cycles.png", "plots/fps-vs-dsp.png"):
        assert (tmp_path / name).read_bytes()[:4] in (b"\x89PNG", b"{\n  ")
    stages = [op for op in codec.walk() if isinstance(op, hls.StageOp)]
    assert len(report["stages"]) == len(stages)
    assert {r["kind"] for r in report["stages"]} >= {"window", "mvau", "gdn", "deconv"}
    gdn = next(r for r in report["stages"] if r["kind"] == "gdn")
    assert gdn["lic_ops"][0].startswith("lic.mul") and any(o.startswith("lic.table") for o in gdn["lic_ops"])
    for fn, f in report["functions"].items():
        pace = [r for r in report["stages"] if r["function"] == fn and r["sets_pace"]]
        assert [r["stage"] for r in pace] == f["pace"] and all(r["cycles"] == f["loop_cycles"] for r in pace)
        assert f["loop_cycles"] <= f["cycles"] <= f["loop_cycles"] * (1 + PAUSES[-1]) + 1
    curve = report["fps_vs_dsp"][0]
    fps = [p["fps"] for p in curve["points"]]
    assert fps == sorted(fps) and curve["chosen"]["fps"] == pytest.approx(report["groups"][0]["fps"])
    # At the cap the curve is the design built: converters and FIFOs are reserved.
    assert curve["points"][-1]["dsp_budget"] == curve["cap"]
    assert fps[-1] == pytest.approx(curve["chosen"]["fps"], rel=0.01)
    text = render_markdown(report)
    assert "| encoder, decoder |" in text and " ◀ |" in text and "![Cycles per layer](plots/cycles.png)" in text


BIN = Path(sys.executable).parent


def test_licc_opt_diagnostics(codec):
    text = print_module(codec)

    def opt(spec: str) -> str:
        out = subprocess.run(
            [str(BIN / "licc-opt"), "--verify-diagnostics", "-p", spec],
            input=text, capture_output=True, text=True, timeout=120,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout

    assert "unknown device 'zcu1'" in opt("lic-set-parallelism{device=zcu1}")
    assert "objective=min-resources needs target-fps" in opt("lic-set-parallelism{objective=min-resources}")
    assert "1,000,000,000 FPS is out of reach" in opt("lic-set-parallelism{target-fps=1000000000}")


def test_every_stage_knob_or_derived(codec):
    design = solve(codec, load_device("zcu102"))
    kinds = {s.kind: isinstance(s, KnobModel) for ss in design.stages.values() for s in ss}
    assert kinds["mvau"] and kinds["gdn"] and kinds["deconv"] and not kinds["window"]


def test_over_budget_names_what_converters_and_fifos_took():
    from lic_compiler.hw.design import _over_budget

    budget = np.array([100, 50, 0, 1000, 2000])
    over = _over_budget(load_device("kv260"), budget, np.array([0, 60, 0, 10, 0]))
    assert "they took 60 of 50 BRAM18; raise util-cap or pick a larger device" in over
    beside = _over_budget(load_device("zcu102"), budget, np.array([0, 20, 0, 10, 0]), beside=True)
    assert "they took 20 of 50 BRAM18, and no folding of the compute stages fits beside them" in beside


FIT_BUDGET = np.array([1891, 1459, 0, 219264, 438528])
FIT_A = ((1873, 1343, 0, 212524, 0), (0, 146, 0, 5644, 0))  # (priced, unpriced)


def _fit(monkeypatch, designs: dict, prior=(0, 160, 0, 4972, 0)):
    """`_fit_at` on one stage whose least-cost designs (cheapest first) are `designs`;
    a try that overruns charges its option what it did not price (`_learn`)."""
    from types import SimpleNamespace

    from lic_compiler.hw import design as d
    from lic_compiler.hw.solver import Infeasible
    from lic_compiler.hw.stages import Cost

    class Knob:
        function = "f"

        def option_cost(self, f):
            return Cost(1, *designs[f][0])

    charges: dict[str, np.ndarray] = {}

    def min_cost(t, room):
        for name, (priced, _) in designs.items():
            if (np.add(priced, charges.get(name, 0)) <= room).all():
                return SimpleNamespace(foldings=[name], cycles=t)
        raise Infeasible("no design")

    def learn(p, design, applied, group, chosen):
        charges[chosen[0]] = np.array(designs[chosen[0]][1])

    knob, applied = Knob(), {}
    monkeypatch.setattr(d, "apply", lambda module, trial, targets, design: applied.update(trial))
    monkeypatch.setattr(d, "_applied", lambda module, design: SimpleNamespace(
        used=lambda group: dict(zip(d.RESOURCES, np.add(*designs[applied[knob]])))
    ))
    monkeypatch.setattr(d, "_learn", learn)
    design, p = SimpleNamespace(knobs=lambda group: [knob], period_cap=None), SimpleNamespace(min_cost=min_cost)
    fit = d._fit_at(None, design, p, ["f"], {}, {}, 100, FIT_BUDGET, np.array(prior))
    return None if fit is None else fit[0][knob]


def test_fit_search_charges_each_overrun_to_its_design(monkeypatch):
    """A overruns block RAM with its FIFOs, B LUTs with its converters, C (dearer in
    compute) fits: each overrun is charged to its own design, not reserved for the
    others, so C is found although B's and A's overruns together leave it no room."""
    b = ((1885, 1323, 0, 213638, 0), (0, 126, 0, 6220, 0))
    c = ((1890, 1320, 0, 212000, 0), (0, 130, 0, 6000, 0))
    assert _fit(monkeypatch, {"A": FIT_A, "B": b, "C": c}, prior=(0, 0, 0, 0, 0)) == "C"


def test_fit_search_halves_a_prior_that_leaves_no_room(monkeypatch):
    c = ((1890, 1320, 0, 212000, 0), (0, 130, 0, 6000, 0))
    assert _fit(monkeypatch, {"C": c}, prior=(0, 400, 0, 0, 0)) == "C"


def test_fit_search_ends_when_nothing_fits(monkeypatch):
    b = ((1885, 1323, 0, 213638, 0), (0, 200, 0, 6220, 0))
    assert _fit(monkeypatch, {"A": FIT_A, "B": b}) is None


def test_learn_charges_each_option_what_its_stages_took(codec):
    """Applied, a design's converters, lanes and FIFOs are charged to the compute stage
    after them: the charges and the options' prices add up to what the design uses,
    but for the stages after each function's last compute stage."""
    from lic_compiler.hw.design import _budget_array, _learn, problem
    from lic_compiler.hw.stages import total

    design = solve(codec, load_device("ultra96v2"))
    group = list(design.stages)
    knobs = design.knobs(group)
    chosen = [design.folding(k) for k in knobs]
    p = problem(knobs, design)
    _learn(p, design, design, group, chosen)
    charged = np.zeros(5, dtype=np.int64)
    for n, (k, f) in enumerate(zip(knobs, chosen)):
        i = p.options[n].foldings.index(f)
        charged += p.options[n].res[i]
    trailing = []
    for f in group:
        stages = design.stages[f]
        last = max(i for i, s in enumerate(stages) if isinstance(s, KnobModel))
        trailing += [design.cost(s) for s in stages[last + 1:]]
    expected = _budget_array(design.used(group)) - _budget_array(total(trailing))
    priced = _budget_array(total([k.option_cost(f) for k, f in zip(knobs, chosen)]))
    assert (charged > priced).any()  # the design's FIFOs and lanes took something
    assert (charged >= expected).all()  # each charge is clipped at 0, never below
    assert charged[0] == expected[0]  # DSPs: every one is a compute stage's, priced exactly
