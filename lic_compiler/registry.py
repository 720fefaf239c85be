"""The one pass registry that `licc-opt`, `licc` and the Python API share.

Built-in passes are listed here by name; third-party packages add theirs
through the ``licc.passes`` entry-point group (name → ``module:PassClass``),
so a researcher ships a pass without editing licc. Passes are imported only
when used, which keeps `licc-opt` fast.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from importlib.metadata import entry_points

from xdsl.passes import ModulePass

from lic_compiler.errors import LiccError

ENTRY_POINT_GROUP = "licc.passes"

# pass name → "module:class" inside lic_compiler.passes
_BUILTIN = {
    "convert-torch-to-lic": "convert_torch_to_lic:ConvertTorchToLicPass",
    "lic-set-parallelism": "set_parallelism:SetParallelismPass",
    "lic-rewrite-gdn": "rewrite_gdn:RewriteGdnPass",
    "convert-lic-to-hls": "convert_lic_to_hls:ConvertLicToHlsPass",
    "hls-size-fifos": "size_fifos:SizeFifosPass",
    "lic-calibrate": "calibrate:CalibratePass",
    "lic-assign-precision": "assign_precision:AssignPrecisionPass",
    "lic-quantize": "quantize:QuantizePass",
    "lic-prune-channels": "prune_channels:PruneChannelsPass",
}


def _loader(target: str) -> Callable[[], type[ModulePass]]:
    def load() -> type[ModulePass]:
        module, cls = target.split(":")
        return getattr(importlib.import_module(module), cls)

    return load


@cache
def all_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """Pass name → loader of its class, built-in first, then plugins."""
    passes = {
        name: _loader(f"lic_compiler.passes.{target}") for name, target in _BUILTIN.items()
    }
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in passes:
            raise LiccError(
                f"plugin pass '{ep.name}' ({ep.value}) clashes with an existing pass; "
                "rename it in its package's entry points"
            )
        passes[ep.name] = _loader(ep.value)
    return passes


def get_pass(name: str) -> type[ModulePass]:
    passes = all_passes()
    if name not in passes:
        raise LiccError(f"unknown pass '{name}'; `licc-opt --list-passes` lists them")
    return passes[name]()


def one_line(text: str) -> str:
    """Squeeze a multi-line xDSL diagnostic (context lines, carets) into one line."""
    lines = [ln.strip() for ln in text.splitlines()]
    keep = [ln for ln in lines if ln and not set(ln) <= set("^~ ") and not ln.endswith(":")]
    return " ".join(keep) or text.strip()


def parse_pipeline(spec: str, callback=None):
    """A `PassPipeline` from a textual spec such as ``'a,b{opt=1}'``."""
    from xdsl.passes import PassPipeline
    from xdsl.utils.exceptions import ArgSpecParseError

    passes = all_passes()
    try:
        return PassPipeline.parse_spec(passes, spec, callback)
    except (ArgSpecParseError, ValueError, TypeError) as e:
        msg = one_line(str(e))
        if "Unrecognized pass" in msg:
            msg += "; `licc-opt --list-passes` lists them"
        raise LiccError(f"bad pass pipeline '{spec}': {msg}") from None
