"""`licc-faults` end to end on generated images, and one-line errors for bad input."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from xdsl.dialects.builtin import ArrayAttr

from lic_compiler.dialects import hls
from lic_compiler.cli.faults import main
from lic_compiler.errors import LiccError
from lic_compiler.faults.campaign import select
from lic_compiler.faults.engine import Part

from .conftest import STUDENT

BIN = Path(sys.executable).parent


def _bad_inputs(tmp_path: Path, checkpoint: Path, images: Path) -> dict[str, tuple[list, str]]:
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "a.png").write_bytes(b"not a png")
    return {
        "missing-model": ([tmp_path / "nope.pt", "--images", images], "does not exist"),
        "hyperprior-model": ([STUDENT.with_name("hyperprior-student-64-96-q3.pt"), "--images", images],
                             "pass a bmshj2018-factorized one"),
        "zero-injections": ([checkpoint, "--images", images, "--injections", "0"], "--injections must be at least 1"),
        "unknown-target": ([checkpoint, "--images", images, "--targets", "weights,registers"], "unknown target registers"),
        "unknown-part": ([checkpoint, "--images", images, "--part", "hyper"], "unknown part hyper"),
        "no-image-folder": ([checkpoint, "--images", tmp_path / "none"], "image folder"),
        "unreadable-image": ([checkpoint, "--images", corrupt], "not a readable image"),
        "frame-too-large": ([checkpoint, "--images", images, "--frame", "128x128"], "smaller than the frame"),
        "frame-not-strided": ([checkpoint, "--images", images, "--frame", "40x40"], "'hls.pad' stage"),  # padded
        "bad-frame": ([checkpoint, "--images", images, "--frame", "big"], "WIDTHxHEIGHT"),
        "unknown-scheme": ([checkpoint, "--images", images, "--frame", "64x64", "--protect", "scheme=ecc"],
                           "unknown scheme 'ecc'"),
    }


CASES = ["missing-model", "hyperprior-model", "zero-injections", "unknown-target", "unknown-part", "no-image-folder",
         "unreadable-image", "frame-too-large", "frame-not-strided", "bad-frame", "unknown-scheme"]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_one_line_exit_2_no_output(case, images, tmp_path):
    args, needle = _bad_inputs(tmp_path, STUDENT, images)[case]
    out_dir = tmp_path / "out"
    result = CliRunner().invoke(main, [*map(str, args), "-o", str(out_dir)])
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.strip() and not ln.startswith("lic-calibrate")]
    assert len(lines) == 1 and lines[0].startswith("licc-faults: error:"), result.stderr
    assert needle in lines[0]
    assert not out_dir.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_a_target_the_design_lacks(design):
    """Per-tensor rescales (one multiplier for all channels) leave no table memory."""
    module = design.clone()
    for op in module.walk():
        for chain in ("epilogue", "prologue", "norm", "steps"):
            if isinstance(op, hls.StageOp) and isinstance(steps := op.properties.get(chain), ArrayAttr):
                op.properties[chain] = ArrayAttr([
                    hls.RescaleStep(*([v[0]] for v in s.params()), s.type) if isinstance(s, hls.RescaleStep) else s
                    for s in steps.data])
    parts = {p: Part(module, p) for p in ("encoder", "decoder")}
    assert select(parts, ["decoder"], ["weights"])
    with pytest.raises(LiccError, match="the design has no tables memories in @decoder; drop tables from --targets"):
        select(parts, ["decoder"], ["weights", "tables"])


def test_a_campaign_end_to_end(images, tmp_path):
    out_dir = tmp_path / "faults"
    proc = subprocess.run([str(BIN / "licc-faults"), str(STUDENT), "-o", str(out_dir), "--images", str(images),
                           "--injections", "12", "--seed", "3"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out_dir / "faults.json").read_text())
    assert summary["campaign"]["frame"] == [64, 64] and summary["campaign"]["images"] == ["img0.png", "img1.png"]
    assert {t: r["injections"] for t, r in summary["targets"].items()} == {
        "weights": 12, "tables": 12, "streams": 12, "accumulators": 12}
    rows = list(csv.DictReader((out_dir / "injections.csv").open()))
    assert len(rows) == 48 and {r["status"] for r in rows} <= {"masked", "changed", "undecodable"}
    assert any(r["status"] == "changed" for r in rows)
    shares = sum(r["share"] for r in summary["memories"])
    assert shares == pytest.approx(1.0)
    for r in summary["targets"].values():
        lo, hi = r["interval"]
        assert 0 <= lo <= r["p_catastrophic"] <= hi <= 1
    assert summary["p_catastrophic_per_upset"] == pytest.approx(sum(r["vulnerability"] for r in summary["memories"]))
    report = (out_dir / "faults.md").read_text()
    assert "## Vulnerability ranking" in report and "![layers.png](plots/layers.png)" in report
    assert all((out_dir / "plots" / p).stat().st_size > 0 for p in ("psnr-drop.png", "layers.png", "bits.png"))
    assert (out_dir / "build" / "report.json").exists()
    assert "injections at" in proc.stdout
    # The same seed draws the same faults with the same outcomes.
    again = tmp_path / "again"
    subprocess.run([str(BIN / "licc-faults"), str(STUDENT), "-o", str(again), "--images", str(images),
                    "--injections", "12", "--seed", "3"], capture_output=True, text=True, timeout=300, check=True)
    assert (again / "injections.csv").read_text() == (out_dir / "injections.csv").read_text()
