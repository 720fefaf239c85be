"""PyTorch models in, torch-dialect IR out.

    from lic_compiler.frontend import import_model
    result = import_model("model.pt", parts=["encoder"], frame=(1280, 720))
    result.module            # builtin.module with func.func @encoder (torch dialect)
    result.reference("encoder")  # the PyTorch callable @encoder computes

torch and torch-mlir load on first use of `import_model`, not on import of
this package, so `parse_frame` stays cheap for the command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lic_compiler.frontend.frame import parse_frame

if TYPE_CHECKING:
    from lic_compiler.frontend.importer import ImportResult, import_model

__all__ = ["ImportResult", "import_model", "parse_frame"]


def __getattr__(name: str) -> Any:
    if name in ("import_model", "ImportResult"):
        from lic_compiler.frontend import importer

        return getattr(importer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
