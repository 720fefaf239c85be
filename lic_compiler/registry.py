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
from importlib.metadata import EntryPoint, entry_points

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
    "lic-pow2-weights": "pow2_weights:Pow2WeightsPass",
    "lic-prune-channels": "prune_channels:PruneChannelsPass",
    "lic-protect": "protect:ProtectPass",
}


def _loader(target: str) -> Callable[[], type[ModulePass]]:
    def load() -> type[ModulePass]:
        module, cls = target.split(":")
        return getattr(importlib.import_module(module), cls)

    return load


def _describe(ep: EntryPoint) -> str:
    dist = f" of {ep.dist.name}" if ep.dist is not None else ""
    return f"entry point '{ep.name} = {ep.value}'{dist} ({ENTRY_POINT_GROUP})"


def _plugin_loader(ep: EntryPoint) -> Callable[[], type[ModulePass]]:
    """Load a plugin's pass class; any failure is a one-line error naming the entry point."""

    def load() -> type[ModulePass]:
        try:
            cls = ep.load()
        except Exception as e:  # third-party code: whatever its import raises
            raise LiccError(
                f"plugin pass {_describe(ep)} does not load ({type(e).__name__}: {one_line(str(e))}); "
                "fix or reinstall that package, or uninstall it"
            ) from None
        if not (isinstance(cls, type) and issubclass(cls, ModulePass)):
            raise LiccError(f"plugin pass {_describe(ep)} is not an xDSL ModulePass class; point it at one")
        if cls.name != ep.name:
            raise LiccError(
                f"plugin pass {_describe(ep)} names a class whose name is '{cls.name}'; "
                "make the entry point's name and the class's `name` the same"
            )
        return cls

    return load


def _clash_loader(name: str, eps: list[EntryPoint]) -> Callable[[], type[ModulePass]]:
    def load() -> type[ModulePass]:
        users = (["licc's built-in pass"] if name in _BUILTIN else []) + [f"plugin {_describe(ep)}" for ep in eps]
        raise LiccError(
            f"pass name '{name}' is ambiguous: {' and '.join(users)} both use it; "
            "rename the plugin's pass in its package's entry points, or uninstall that package"
        )

    return load


@cache
def all_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """Pass name → loader of its class, built-in first, then plugins.

    A plugin name used twice (or a built-in's) maps to a loader that raises
    the clash, so every other pass stays usable.
    """
    passes = {
        name: _loader(f"lic_compiler.passes.{target}") for name, target in _BUILTIN.items()
    }
    by_name: dict[str, list[EntryPoint]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        by_name.setdefault(ep.name, []).append(ep)
    for name, eps in by_name.items():
        clash = name in passes or len(eps) > 1
        passes[name] = _clash_loader(name, eps) if clash else _plugin_loader(eps[0])
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
