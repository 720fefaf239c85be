"""The `hls-cpp` target: a Vitis HLS C++ project from `hls` dialect IR (see `emitter`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.target import Target

from lic_compiler.backends.hls_cpp.emitter import emit_project


@dataclass(frozen=True)
class HlsCppTarget(Target):
    """Print every file of the project, each after a ``// ===== path =====`` line.

    ``library=false`` leaves out the kernel library (for FileCheck tests of
    the generated code)."""

    name = "hls-cpp"

    library: bool = True

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        for path, text in emit_project(module).items():
            if self.library or not path.startswith("include/"):
                output.write(f"// ===== {path} =====\n{text}")


def write_project(module: ModuleOp, folder: Path) -> list[str]:
    """Write the project into `folder` (the build's ``hls/``); returns the paths written."""
    files = emit_project(module)
    for path, text in files.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return sorted(files)
