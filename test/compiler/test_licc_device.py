"""`licc --device … --target-fps … --objective …`, `--list-devices`, board files, `-p` shorthands."""

import json
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from lic_compiler.cli.licc import main
from lic_compiler.driver import DEFAULT_PIPELINE
from lic_compiler.hw.device import bundled_devices, load_device
from lic_compiler.pipeline_edit import pass_name, split_pipeline

ROOT = Path(__file__).resolve().parents[2]
UNTRAINED = "bmshj2018-factorized:8x12"  # an untrained network of that shape: builds in seconds
BOARD = {
    "name": "tiny-board",
    "part": "xczu2cg-sbva484-1-e",
    "resources": {"dsp": 240, "bram18": 300, "uram": 0, "lut": 47232, "ff": 94464},
    "clock_mhz": 150,
    "util_cap": 0.7,
}


def licc(*args: object):
    # In-process, through the console script's click entry point.
    return CliRunner().invoke(main, [str(a) for a in args])


def one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("licc: error: "), result.stderr
    return lines[0]


def test_list_devices_needs_no_model_and_shows_the_device_data():
    out = licc("--list-devices")
    assert out.exit_code == 0, out.output
    header, *rows = out.stdout.splitlines()
    assert header.split() == ["name", "part", "DSP", "BRAM18", "URAM", "LUT", "FF", "clock", "MHz", "util", "cap"]
    assert [row.split()[0] for row in rows] == bundled_devices()
    for row in rows:
        d = load_device(row.split()[0])
        counts = [f"{d.resources[r]:,}" for r in ("dsp", "bram18", "uram", "lut", "ff")]
        assert row.split()[1:] == [d.part, *counts, f"{d.clock_mhz:g}", f"{d.util_cap:g}"]


@pytest.mark.parametrize("args,needle", [
    (["--device", "zcu999"], "unknown device 'zcu999'; choose one of kv260, ultra96v2, zcu102, zcu104 "
                             "or give the path of a board .json file (`licc --list-devices` describes them)"),
    (["--util-cap", "80"], "--util-cap is a fraction of each resource in (0, 1], got 80; write 0.8 for 80 %"),
    (["--objective", "fast"], "'fast' is not one of 'max-fps', 'min-resources'; see licc --help"),
    (["--objective", "min-resources"], "--objective min-resources needs --target-fps"),
    (["--target-fps", "-3"], "--target-fps must be positive"),
    (["--device", "kv260", "-p", "convert-torch-to-lic,lic-set-parallelism{device=zcu102}"],
     "lic-set-parallelism's device is set twice, in the pipeline and by --device; keep one"),
    (["--device", "kv260", "-p", "convert-torch-to-lic"], "add it, e.g. -p '+lic-set-parallelism'"),
    (["-p", "+no-such-pass"], "unknown pass 'no-such-pass'; `licc-opt --list-passes` lists them"),
    (["--frame", "64by64"], "is not WIDTHxHEIGHT"),
])
def test_bad_options_are_one_line_before_any_work(args, needle, tmp_path):
    line = one_error_line(licc(UNTRAINED, "-o", tmp_path / "build", *args))
    assert needle in line
    assert not (tmp_path / "build").exists()


@pytest.mark.parametrize("edit,needle", [
    (lambda b: b.pop("clock_mhz"), "lacks clock_mhz; see docs/cost-model.md, Devices, for the format"),
    (lambda b: b["resources"].pop("uram"), "lacks resources uram (write 0 if none)"),
    (lambda b: b.update(util_cap="80%"), "util_cap and clock_mhz must be numbers"),
    (lambda b: b.update(util_cap=80), "need 0 < util_cap <= 1"),
])
def test_a_malformed_board_file_names_the_key(edit, needle, tmp_path):
    board = json.loads(json.dumps(BOARD))
    edit(board)
    path = tmp_path / "board.json"
    path.write_text(json.dumps(board))
    assert needle in one_error_line(licc(UNTRAINED, "--device", path, "-o", tmp_path / "build"))


def test_a_board_file_that_is_not_json(tmp_path):
    path = tmp_path / "board.json"
    path.write_text('{"name": "x",')
    line = one_error_line(licc(UNTRAINED, "--device", path))
    assert f"device file {path} is not valid JSON" in line and "docs/cost-model.md" in line


def test_a_board_file_builds_and_the_ir_names_it(tmp_path):
    path = tmp_path / "board.json"
    path.write_text(json.dumps(BOARD))
    out = licc(UNTRAINED, "-o", tmp_path / "build", "--frame", "64x64", "--device", path,
               "--clock-mhz", "100", "--util-cap", "0.5", "--scope", "per-function")
    assert out.exit_code == 0, out.output
    device = json.loads((tmp_path / "build" / "report.json").read_text())["hardware"]["device"]
    assert (device["name"], device["part"], device["clock_mhz"], device["util_cap"]) == (
        "tiny-board", BOARD["part"], 100, 0.5)
    assert device["budget"]["dsp"] == BOARD["resources"]["dsp"] // 2
    # The IR records the file, so any later tool can load the board again.
    final = (tmp_path / "build" / "ir" / "final.mlir").read_text()
    assert f'lic.hw = {{device = "{path}"' in final and 'scope = "per-function"' in final


@pytest.mark.slow
def test_bundled_model_for_kv260_at_a_target_fps_with_least_resources(tmp_path):
    # The bundled student at 256x256, 30 FPS on a KV260, as cheaply as possible.
    target = 30
    out = licc(ROOT / "models" / "zoo" / "default.pt", "-o", tmp_path / "build", "--frame", "256x256",
               "--device", "kv260", "--target-fps", target, "--objective", "min-resources")
    assert out.exit_code == 0, out.output
    hardware = json.loads((tmp_path / "build" / "report.json").read_text())["hardware"]
    assert hardware["device"]["name"] == "kv260"
    assert hardware["device"]["part"] == load_device("kv260").part
    for name, function in hardware["functions"].items():
        assert function["fps"] >= target, name
        assert re.search(rf"@{name}\s.*\s(\d+\.\d+) FPS", out.stdout)
    # Least resources: far from the fastest design, which fills the DSP budget.
    for group in hardware["groups"]:
        assert group["used"]["dsp"] < hardware["device"]["budget"]["dsp"] / 2
    final = (tmp_path / "build" / "ir" / "final.mlir").read_text()
    assert 'device = "kv260"' in final and 'objective = "min-resources"' in final
    assert "kv260" in (tmp_path / "build" / "report.md").read_text()


def _ir_files(build: Path) -> list[str]:
    return sorted(p.name for p in (build / "ir").iterdir())


@pytest.mark.parametrize("spec,after", [
    ("+example-annotate-macs", None),  # just before convert-lic-to-hls
    ("+example-annotate-macs{min-macs=1}@after:lic-calibrate", "lic-calibrate"),
    ("...,example-annotate-macs", "lic-set-parallelism"),
])
def test_pipeline_shorthands_add_one_pass_to_the_default(spec, after, tmp_path):
    # example-annotate-macs comes from test/plugin, through the licc.passes entry point.
    build = tmp_path / "build"
    out = licc(UNTRAINED, "-o", build, "--frame", "32x32", "--dump-ir", "-p", spec)
    assert out.exit_code == 0, out.output
    passes = [re.sub(r"^\d+-|\.mlir$", "", f) for f in _ir_files(build) if f[0].isdigit()][1:]
    assert passes.count("example-annotate-macs") == 1
    assert [p for p in passes if p != "example-annotate-macs"] == [
        pass_name(p) for p in split_pipeline(DEFAULT_PIPELINE)]
    where = passes.index("example-annotate-macs")
    assert passes[where - 1] == after if after else passes[where + 1] == "convert-lic-to-hls"
    (dump,) = [f for f in _ir_files(build) if f.endswith("example-annotate-macs.mlir")]
    if "convert-lic-to-hls" not in passes[:where]:  # it annotates lic ops, gone at the hls level
        assert "macs = " in (build / "ir" / dump).read_text()


def test_licc_help_documents_the_options():
    text = licc("--help").stdout
    for flag in ("--device NAME|FILE", "--clock-mhz MHZ", "--util-cap FRACTION", "--target-fps FPS",
                 "--objective [max-fps|min-resources]", "--scope [joint|per-function]", "--list-devices"):
        assert flag in text
    assert "0.8 = 80 %" in text and "'...'" in text and "+PASS@after:NAME" in text


def test_list_devices_from_a_real_process():
    import subprocess

    out = subprocess.run([str(Path(sys.executable).parent / "licc"), "--list-devices"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stderr == ""
    assert out.stdout.splitlines()[1].split()[0] == bundled_devices()[0]
