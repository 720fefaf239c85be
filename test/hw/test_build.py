"""`licc` runs lic-set-parallelism by default and writes the hardware report."""

from __future__ import annotations

import json

import pytest

from lic_compiler.driver import BuildOptions, compile_model


@pytest.mark.slow
@pytest.mark.filterwarnings(r"ignore:.*torch\.jit\.script.*:FutureWarning")
def test_build_folder_has_the_hardware_report(tmp_path):
    out = tmp_path / "build"
    compile_model("bmshj2018-factorized:8x12", out, BuildOptions(frame=(64, 48)))
    report = json.loads((out / "report.json").read_text())
    hw = report["hardware"]
    assert hw["device"]["name"] == "zcu102" and set(hw["functions"]) == {"encoder", "decoder"}
    # The emitted stages do every MAC of the lic ops they implement.
    for fn in ("encoder", "decoder"):
        assert sum(r["macs"] for r in hw["stages"] if r["function"] == fn) == report["functions"][fn]["macs"]
    folding = json.loads((out / "parallelism.json").read_text())
    assert [(e["function"], e["stage"]) for e in folding["stages"]] == [
        (r["function"], r["stage"]) for r in hw["stages"] if "pe" in r
    ]
    for png in ("plots/cycles.png", "plots/fps-vs-dsp.png"):
        assert (out / png).read_bytes().startswith(b"\x89PNG")
    assert "## Hardware" in (out / "report.md").read_text()
