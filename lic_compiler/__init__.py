"""licc: compile learned-image-compression models into dataflow FPGA accelerators.

    from lic_compiler import BuildOptions, compile_model
    compile_model(model, "build/", BuildOptions(frame=(256, 256)))

`compile_model` and `BuildOptions` load on first use, so that importing the
package (and `licc --help`) stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lic_compiler.lazy_imports import import_on_first_use

# CompressAI imports scipy.stats (0.4 s) for a Gaussian quantile that only a hyperprior's
# `update()` reads; loading and compiling a checkpoint never does.
import_on_first_use("scipy.stats")

if TYPE_CHECKING:
    from lic_compiler.driver import BuildOptions, BuildResult, compile_model

__version__ = "0.1.0"
__all__ = ["BuildOptions", "BuildResult", "compile_model"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from lic_compiler import driver

        return getattr(driver, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
