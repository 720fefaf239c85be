"""lic-set-parallelism end to end: IR properties, parallelism.json, reports, diagnostics."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lic_compiler.errors import LiccError
from lic_compiler.hw.design import apply_parallelism, export_parallelism, from_ir, solve
from lic_compiler.hw.device import load_device
from lic_compiler.hw.stages import Folding
from lic_compiler.hw.report import hardware_report, render_markdown, write_hardware_report
from lic_compiler.ir import make_context, parse_module, print_module
from lic_compiler.registry import parse_pipeline

def run(module, spec: str):
    parse_pipeline(spec).apply(make_context(), module)
    return module


def test_pass_writes_folding_and_estimates(codec):
    run(codec, "lic-set-parallelism{device=zcu102}")
    text = print_module(codec)
    assert 'lic.hw = {device = "zcu102", part = "xczu9eg-ffvb1156-2-e", clock_mhz = 2.000000e+02 : f64' in text
    for op in [o for f in codec.ops for o in f.body.ops if o.name in ("lic.conv2d", "lic.conv_transpose2d", "lic.gdn")]:
        assert {"pe", "simd", "ram_style", "cost"} <= set(op.properties)
        assert ("mmv" in op.properties) == (op.name == "lic.gdn")
    relu = next(o for f in codec.ops for o in f.body.ops if o.name == "lic.relu")
    assert "pe" not in relu.properties  # derived, not a knob


def test_joint_design_fits_the_budget_and_balances(codec):
    design = solve(codec, load_device("ultra96v2"))
    budget = design.budget()
    used = design.used()
    assert all(used[r] <= budget[r] for r in budget)
    # One device, one frame rate: both pipelines meet the same cycle target.
    assert design.targets["encoder"] == design.targets["decoder"]
    assert max(design.cycles("encoder"), design.cycles("decoder")) == design.targets["encoder"]


def test_per_function_scope_gives_each_the_whole_device(codec):
    joint = solve(codec, load_device("ultra96v2"))
    alone = solve(codec, load_device("ultra96v2"), scope="per-function")
    assert min(alone.fps(f) for f in ("encoder", "decoder")) >= min(joint.fps(f) for f in ("encoder", "decoder"))
    assert alone.used(["encoder"])["dsp"] <= alone.budget()["dsp"]


def test_min_resources_meets_the_target_at_least_cost(codec):
    fast = solve(codec, load_device("zcu102"))
    slow = solve(codec, load_device("zcu102"), objective="min-resources", target_fps=fast.fps("encoder") / 8)
    assert min(slow.fps(f) for f in ("encoder", "decoder")) >= fast.fps("encoder") / 8
    assert slow.used()["dsp"] < fast.used()["dsp"]


def test_ir_round_trip_reproduces_the_design(codec):
    design = solve(codec, load_device("zcu104"))
    run(codec, "lic-set-parallelism{device=zcu104}")
    again = from_ir(parse_module(print_module(codec)))
    assert again.foldings == design.foldings
    assert again.used() == design.used()
    assert hardware_report(again)["functions"]["decoder"]["fps"] == pytest.approx(design.fps("decoder"))


def test_parallelism_file_round_trip_and_hand_edit(codec, tmp_path):
    design = solve(codec, load_device("zcu102"))
    data = export_parallelism(design)
    path = tmp_path / "parallelism.json"
    path.write_text(json.dumps(data))
    assert apply_parallelism(codec, path, load_device("zcu102")).foldings == design.foldings

    first = data["layers"][0]
    first["pe"], first["simd"] = 1, 1  # slower by hand
    path.write_text(json.dumps(data))
    run(codec, f'lic-set-parallelism{{parallelism-file="{path}"}}')
    edited = from_ir(codec)
    assert edited.foldings[("encoder", 0)] == Folding(1, 1, first["ram_style"])
    assert edited.cycles("encoder") > design.cycles("encoder")


@pytest.mark.parametrize(
    "edit,message",
    [
        ({"pe": 5}, r"@encoder #0 %y0 \(lic.conv2d\): pe=5 is not legal \(PE divides the 8 output channels\)"),
        ({"simd": 7}, r"simd=7 is not legal \(SIMD divides the reduction Cin·kh·kw = 75\)"),
        ({"mmv": 2}, r"mmv=2 is not legal \(only GDN stages take several pixels at once\)"),
        ({"op": "lic.gdn"}, r"is op 'lic.gdn' in the file but 'lic.conv2d' in the IR"),
        ({"ram_style": "flash"}, r"ram_style 'flash' is not available"),
        ({"pe": "8"}, r"pe, simd and mmv must be integers"),
    ],
)
def test_bad_parallelism_files(codec, tmp_path, edit, message):
    data = export_parallelism(solve(codec, load_device("zcu102")))
    data["layers"][0].update(edit)
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    with pytest.raises(LiccError, match=message):
        apply_parallelism(codec, path, load_device("zcu102"))


def test_parallelism_file_missing_layer_or_over_budget(codec, tmp_path):
    data = export_parallelism(solve(codec, load_device("zcu102")))
    path = tmp_path / "p.json"
    path.write_text(json.dumps({**data, "layers": data["layers"][1:]}))
    with pytest.raises(LiccError, match=r"has no entry for @encoder #0 %y0 \(lic.conv2d\)"):
        apply_parallelism(codec, path, load_device("zcu102"))
    path.write_text(json.dumps(data))
    with pytest.raises(LiccError, match=r"the folding needs [\d,]+ DSP but zcu102 allows 25 \(1% cap\); the largest users are @"):
        apply_parallelism(codec, path, load_device("zcu102"), util_cap=0.01)
    path.write_text("{not json")
    with pytest.raises(LiccError, match="is not valid JSON"):
        apply_parallelism(codec, path, load_device("zcu102"))


def test_report_files_and_markdown(codec, tmp_path):
    run(codec, "lic-set-parallelism{device=kv260 util-cap=0.5}")
    report = write_hardware_report(codec, tmp_path, pareto_points=4)
    assert json.loads(json.dumps(report)) == report  # JSON-ready
    for name in ("parallelism.json", "plots/cycles.png", "plots/fps-vs-dsp.png"):
        assert (tmp_path / name).read_bytes()[:4] in (b"\x89PNG", b"{\n  ")
    assert report["device"]["budget"]["dsp"] == 624
    necks = [row for row in report["layers"] if row["bottleneck"]]
    assert necks and all(row["cycles"] == report["functions"][row["function"]]["cycles"] for row in necks)
    fps = [p["fps"] for p in report["fps_vs_dsp"][0]["points"]]
    assert fps == sorted(fps) and fps[-1] == pytest.approx(report["groups"][0]["fps"])
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
    assert "1,000,000 FPS is out of reach" in opt("lic-set-parallelism{target-fps=1000000}")
