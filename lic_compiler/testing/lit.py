"""lit configuration for licc's FileCheck tests and for packages that add passes to it.

A plugin package's whole `lit.cfg.py`::

    from lic_compiler.testing.lit import configure

    configure(config, lit_config, __file__, name="my-plugin")

Then `lit -sv tests/` (lit and filecheck come with ``pip install 'licc[test]'``)
runs every ``*.mlir`` under the folder of `lit.cfg.py` with licc's tools:
``licc-opt``, ``licc``, ``filecheck`` (also spelled ``FileCheck``), lit's
built-in ``not``, and ``%python``. The tools are taken from the folder of the
Python that runs lit, so `.venv/bin/lit` works without an activated
environment, and a plugin installed in that environment is registered.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

TOOLS = ("licc-opt", "licc", "filecheck")


def configure(
    config: Any,
    lit_config: Any,
    cfg_file: str | os.PathLike,
    name: str,
    suffixes: Sequence[str] = (".mlir",),
    excludes: Sequence[str] = ("Inputs",),
) -> None:
    """Set up `config` (lit's TestingConfig) to run the tests beside `cfg_file` with licc's tools.

    Files in folders named in `excludes` (default ``Inputs``) are inputs of
    other tests, not tests.
    """
    import lit.formats

    bin_dir = Path(sys.executable).parent
    missing = [tool for tool in TOOLS if shutil.which(tool, path=str(bin_dir)) is None]
    if missing:
        lit_config.fatal(
            f"{', '.join(missing)} not found next to {sys.executable}; "
            "install licc with its test tools: pip install 'licc[test]'"
        )
    config.name = name
    config.test_format = lit.formats.ShTest(execute_external=False)
    config.suffixes = list(suffixes)
    config.test_source_root = str(Path(cfg_file).resolve().parent)
    config.excludes = ["lit.cfg.py", *excludes]
    config.environment["PATH"] = os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")])
    for var in ("HOME", "TMPDIR"):
        if var in os.environ:
            config.environment[var] = os.environ[var]
    config.substitutions.append(("%python", sys.executable))
    # LLVM's spelling, as a whole word only (lit substitutions are regular expressions).
    config.substitutions.append((r"(?<![\w./-])FileCheck(?![\w.-])", "filecheck"))
