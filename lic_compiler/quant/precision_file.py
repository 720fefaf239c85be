"""Precision files: a width per knob label, as JSON.

The format is `lic-assign-precision`'s ``lic.precision`` summary,
``{"mode": …, "widths": {"@encoder weight 1": 8, …}}``. `licc-train
precision` writes one, `licc-train finetune --qat` trains through it, and
`lic-assign-precision{file=PATH}` (``licc --precision-file``, ``licc-eval
--precision 'file=PATH'``) builds the codec it describes, so the fine-tuned
checkpoint and its build use the same widths.
"""

from __future__ import annotations

import json
from pathlib import Path

from xdsl.dialects.builtin import ModuleOp

from lic_compiler.errors import LiccError
from lic_compiler.quant.plan import Knob, knobs

WIDTH_RANGE = (2, 16)


def read_precision(path: str | Path) -> dict[str, int]:
    """The widths of a precision file: `lic-assign-precision`'s ``lic.precision`` summary as JSON."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise LiccError(f"precision file {path} is unreadable ({e}); write one with `licc-train precision`") from None
    widths = data.get("widths") if isinstance(data, dict) else None
    if not isinstance(widths, dict) or not all(isinstance(v, int) for v in widths.values()):
        raise LiccError(
            f"precision file {path} has no \"widths\" object of knob label → bits; write one with `licc-train precision`"
        )
    lo, hi = WIDTH_RANGE
    wrong = [label for label, bits in widths.items() if not lo <= bits <= hi]
    if wrong:
        raise LiccError(f"precision file {path}: {wrong[0]} has {widths[wrong[0]]} bits; widths are {lo}…{hi} bits")
    return widths


def knobs_of(module: ModuleOp, widths: dict[str, int]) -> dict[Knob, int]:
    """`module`'s knobs that `widths` sets, by label; a label the module lacks is refused."""
    own = {k.label: k for k in knobs(module)}
    unknown = sorted(set(widths) - set(own))
    if unknown:
        raise LiccError(
            f"the precision file sets {', '.join(unknown)}, which this model does not have; "
            "write the file for this architecture with `licc-train precision`"
        )
    return {own[label]: bits for label, bits in widths.items()}
