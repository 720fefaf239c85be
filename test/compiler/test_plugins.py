"""Broken and clashing plugin passes: one line naming the entry point, rc 2, the others still usable.

Plugins are installed for a subprocess as a tiny `*.dist-info` folder on its
PYTHONPATH (what pip writes, minus the files), so nothing is pip-installed.
"""

import os
import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from lic_compiler import registry
from lic_compiler.errors import LiccError

BIN = Path(sys.executable).parent
IR = """func.func @f(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %r = lic.relu %x : tensor<1x2x4x4xf32>
  func.return %r : tensor<1x2x4x4xf32>
}
"""
ENTRY_POINTS = {
    "broken-import": "licc_broken_plugin.fails:Pass",  # its module raises at import
    "missing-module": "licc_broken_plugin.nowhere:Pass",
    "missing-class": "licc_broken_plugin.empty:NoSuchPass",
    "lic-quantize": "licc_broken_plugin.empty:Pass",  # a built-in's name
}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("site")
    package = root / "licc_broken_plugin"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "fails.py").write_text("import licc_no_such_dependency\n")
    (package / "empty.py").write_text("Pass = None\n")
    dist = root / "licc_broken_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: licc-broken-plugin\nVersion: 0.1\n")
    lines = "".join(f"{name} = {value}\n" for name, value in ENTRY_POINTS.items())
    (dist / "entry_points.txt").write_text(f"[licc.passes]\n{lines}")
    return root


def opt(site: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([str(BIN / "licc-opt"), *args], input=IR, capture_output=True, text=True,
                          env=env, timeout=120)


def test_list_passes_reports_each_broken_plugin_in_one_line_and_lists_the_rest(site):
    out = opt(site, "--list-passes")
    assert out.returncode == 0 and "Traceback" not in out.stderr
    errors = out.stderr.splitlines()
    assert len(errors) == len(ENTRY_POINTS)
    for name, value in ENTRY_POINTS.items():
        (line,) = [e for e in errors if f"'{name} = {value}' of licc-broken-plugin" in e]
        assert line.startswith("licc-opt: error: ")
    listed = [line.split()[0] for line in out.stdout.splitlines()]
    assert "convert-torch-to-lic" in listed and "example-annotate-macs" in listed
    assert not set(ENTRY_POINTS) & set(listed)


@pytest.mark.parametrize(
    "name,message",
    [
        ("broken-import", "does not load (ModuleNotFoundError: No module named 'licc_no_such_dependency')"),
        ("missing-module", "does not load (ModuleNotFoundError: No module named 'licc_broken_plugin.nowhere')"),
        ("missing-class", "does not load (AttributeError:"),
        ("lic-quantize", "pass name 'lic-quantize' is ambiguous: licc's built-in pass and plugin entry point"),
    ],
)
def test_running_a_broken_plugin_is_one_line_rc_2(site, name, message):
    out = opt(site, "-p", name)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert f"entry point '{name} = {ENTRY_POINTS[name]}' of licc-broken-plugin" in out.stderr
    assert message in out.stderr


def test_the_other_passes_still_run(site):
    out = opt(site, "-p", "example-annotate-macs")
    assert out.returncode == 0, out.stderr
    assert "lic.relu" in out.stdout


@pytest.fixture
def plugins(monkeypatch):
    """Replace the installed entry points with the given ones, in this process."""

    def install(*targets: tuple[str, str]) -> None:
        eps = [EntryPoint(name, value, registry.ENTRY_POINT_GROUP) for name, value in targets]
        monkeypatch.setattr(registry, "entry_points", lambda group: eps)
        registry.all_passes.cache_clear()

    yield install
    registry.all_passes.cache_clear()


def test_a_plugin_must_name_a_module_pass_of_its_own_name(plugins):
    plugins(("not-a-pass", "builtins:dict"), ("wrong-name", "lic_compiler.passes.quantize:QuantizePass"))
    with pytest.raises(LiccError, match=r"'not-a-pass = builtins:dict' \(licc.passes\) is not an xDSL ModulePass"):
        registry.get_pass("not-a-pass")
    with pytest.raises(LiccError, match="whose name is 'lic-quantize'; make the entry point's name"):
        registry.parse_pipeline("wrong-name")
    assert registry.get_pass("lic-calibrate").name == "lic-calibrate"


def test_two_plugins_of_one_name_are_ambiguous(plugins):
    plugins(("twice", "pkg_a:Pass"), ("twice", "pkg_b:Pass"))
    with pytest.raises(LiccError, match=r"'twice' is ambiguous: plugin entry point 'twice = pkg_a:Pass' \(licc.passes\) "
                                        r"and plugin entry point 'twice = pkg_b:Pass' \(licc.passes\) both use it"):
        registry.parse_pipeline("twice")
