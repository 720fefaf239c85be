"""The pruning record: the module attribute ``lic.pruning``, as IR and as plain values.

It holds the pass's report and, under ``kept``, the original channel indices
each pruned group keeps (``kept.latent`` are the surviving latent channels
the entropy coder needs). Index lists print as ``array<i64: …>``.
"""

from __future__ import annotations

from typing import Any

from xdsl.dialects.builtin import (
    ArrayAttr,
    BoolAttr,
    DenseArrayBase,
    DictionaryAttr,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    f64,
    i64,
)
from xdsl.ir import Attribute

from lic_compiler.quant.attrs import from_attr

RECORD_ATTR = "lic.pruning"


def to_attr(value: Any) -> Attribute:
    if isinstance(value, bool):
        return BoolAttr.from_bool(value)
    if isinstance(value, int):
        return IntegerAttr(value, i64)
    if isinstance(value, float):
        return FloatAttr(value, f64)
    if isinstance(value, str):
        return StringAttr(value)
    if isinstance(value, list) and value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return DenseArrayBase.from_list(i64, value)
    if isinstance(value, list):
        return ArrayAttr([to_attr(v) for v in value])
    return DictionaryAttr({k: to_attr(v) for k, v in value.items()})


def pruning_record(module: ModuleOp) -> dict[str, Any] | None:
    """What `lic-prune-channels` recorded in `module`, as plain Python values."""
    attr = module.attributes.get(RECORD_ATTR)
    return None if attr is None else from_attr(attr)


def latent_channels(module: ModuleOp) -> list[int] | None:
    """The original latent channels a pruned module keeps, in order (None: latent not pruned)."""
    record = pruning_record(module)
    return None if record is None else record["kept"].get("latent")
