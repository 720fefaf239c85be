"""licc-opt as users and lit call it: passes, plugins, diagnostics, exit codes."""

import subprocess
import sys
from pathlib import Path

import pytest

from lic_compiler.errors import LiccError
from lic_compiler.registry import all_passes, parse_pipeline

BIN = Path(sys.executable).parent
GOOD = """func.func @f(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %r = lic.relu %x : tensor<1x2x4x4xf32>
  func.return %r : tensor<1x2x4x4xf32>
}
"""


def opt(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "licc-opt"), *args], input=stdin, capture_output=True,
                          text=True, timeout=60)


def test_round_trip_through_stdin():
    out = opt(stdin=GOOD)
    assert out.returncode == 0, out.stderr
    assert "lic.relu %x : tensor<1x2x4x4xf32>" in out.stdout


def test_list_passes_includes_builtin_and_plugin():
    out = opt("--list-passes")
    assert out.returncode == 0
    assert "convert-torch-to-lic" in out.stdout
    assert "example-annotate-macs" in out.stdout  # from test/plugin, via the entry point


@pytest.mark.parametrize(
    "args,stdin,message",
    [
        ((), "func.func @f() { lic.bogus }", "malformed IR: stdin:1:28: Operation lic.bogus is not registered"),
        (("/nonexistent.mlir",), None, "No such file or directory: /nonexistent.mlir"),
        (("-p", "no-such-pass"), GOOD, "Unrecognized passes: ['no-such-pass']"),
        (("-p", "example-annotate-macs{min-macs=x}"), GOOD, "bad pass pipeline"),
    ],
)
def test_errors_are_one_line_exit_2(args, stdin, message):
    out = opt(*args, stdin=stdin)
    assert out.returncode == 2
    assert out.stderr.startswith("licc-opt: error:")
    assert message in out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_verify_diagnostics_prints_and_exits_0():
    bad = GOOD.replace(
        "%r = lic.relu %x : tensor<1x2x4x4xf32>",
        "%b = lic.constant dense<1.0> : tensor<3xf32>\n"
        "%r = lic.gdn %x, %b, %b : (tensor<1x2x4x4xf32>, tensor<3xf32>, tensor<3xf32>)"
        " -> tensor<1x2x4x4xf32>",
    )
    out = opt("--verify-diagnostics", stdin=bad)
    assert out.returncode == 0
    assert "'lic.gdn' beta has shape [3], expected [2]" in out.stdout


def test_registry_refuses_unknown_pass():
    with pytest.raises(LiccError, match="Unrecognized passes"):
        parse_pipeline("nope")
    assert "convert-torch-to-lic" in all_passes()
