"""lit configuration: FileCheck tests of licc's dialects, passes and backends.

The tools (`licc-opt`, `licc`, `filecheck`) are taken from the folder of the
Python that runs lit, so `.venv/bin/python -m lit test/lit` works without an
activated environment.
"""

import os
import sys

import lit.formats

config.name = "licc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir"]
config.test_source_root = os.path.dirname(__file__)
config.excludes = ["lit.cfg.py", "Inputs"]

bin_dir = os.path.dirname(sys.executable)
config.environment["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
for var in ("HOME", "TMPDIR"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
config.substitutions.append(("%python", sys.executable))
