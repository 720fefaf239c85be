"""`lic_compiler.testing.lit.configure`, the lit setup licc's and plugin packages' lit.cfg.py share."""

import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from lic_compiler.testing import lit as licc_lit


class FatalError(Exception):
    pass


def _configure(cfg_file: Path, **kwargs) -> SimpleNamespace:
    config = SimpleNamespace(environment={}, substitutions=[])

    def fatal(message: str) -> None:
        raise FatalError(message)

    licc_lit.configure(config, SimpleNamespace(fatal=fatal), cfg_file, name="my-plugin", **kwargs)
    return config


def _substitute(config: SimpleNamespace, line: str) -> str:
    for pattern, replacement in config.substitutions:
        line = re.sub(pattern, replacement, line)
    return line


def test_configure_points_lit_at_this_environments_tools(tmp_path):
    config = _configure(tmp_path / "lit.cfg.py")
    assert config.name == "my-plugin" and config.suffixes == [".mlir"]
    assert config.test_source_root == str(tmp_path.resolve())
    assert config.excludes == ["lit.cfg.py", "Inputs"]
    assert config.environment["PATH"].split(":")[0] == str(Path(sys.executable).parent)
    line = "not licc-opt %s 2>&1 | FileCheck %s --check-prefix=MyFileCheck && %python x.py"
    assert _substitute(config, line) == (
        f"not licc-opt %s 2>&1 | filecheck %s --check-prefix=MyFileCheck && {sys.executable} x.py"
    )


def test_configure_stops_in_one_line_without_the_test_tools(tmp_path, monkeypatch):
    (tmp_path / "bin").mkdir()
    monkeypatch.setattr(licc_lit.sys, "executable", str(tmp_path / "bin" / "python"))
    with pytest.raises(FatalError, match=r"^licc-opt, licc, filecheck not found next to .*; "
                                         r"install licc with its test tools: pip install 'licc\[test\]'$"):
        _configure(tmp_path / "lit.cfg.py")
