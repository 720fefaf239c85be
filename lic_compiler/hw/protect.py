"""What `lic-protect` adds to a stage: the extra copies of its protected memories and their voters.

A triplicated (``tmr``) memory is a per-channel array (a bias, GDN's β, a
rescale's multipliers, shifts or offsets): C words of w bits, read by every
unit that needs its channel's value in a cycle. Each read port gets two more
copies of the array in distributed ROM (LUT6s of 64 × 1 bit,
`primitives.lutram`) and a bitwise majority vote (one LUT per bit: three
inputs). The vote sits between the read and the multiply it feeds: one more
pipeline stage (depth), no more iterations: the frame rate does not change.
"""

from __future__ import annotations

import re

import numpy as np

from lic_compiler.dialects import hls
from lic_compiler.dialects.hls_geometry import MvauGeometry
from lic_compiler.hw import primitives as hwp

PROTECT_ATTR = "licc.protect"  # {scheme = [memory, …]} on a stage
SCHEMES = ("tmr",)
_STEP = re.compile(r"^(?P<chain>\w+)\[(?P<index>\d+)\]\.(?P<param>multiplier|shift|offset)$")
PARAMS = ("multiplier", "shift", "offset")


def protected(op: hls.StageOp) -> dict[str, list[str]]:
    """The memories `op` protects, per scheme."""
    attr = op.attributes.get(PROTECT_ATTR)
    if attr is None:
        return {}
    return {scheme: [s.data for s in names.data] for scheme, names in attr.data.items()}  # type: ignore[attr-defined]


def memory_shape(op: hls.StageOp, what: str) -> tuple[int, int] | None:
    """(words, bits per word) of per-channel memory `what` of `op`: a bias or β at its IR width (the
    synthesised ROM's), a rescale parameter at its C array's; None if `op` stores no such array (a
    parameter shared by all channels is a constant in the logic)."""
    step = _STEP.match(what)
    if step is None:
        attr = op.properties.get(what) if what in ("bias", "beta") else None
        if attr is None:
            return None
        return int(np.prod(attr.type.get_shape())), attr.type.get_element_type().width.data  # type: ignore[attr-defined]
    chain = op.properties.get(step["chain"])
    index = int(step["index"])
    if chain is None or index >= len(chain.data) or not isinstance(chain.data[index], hls.RescaleStep):  # type: ignore[attr-defined]
        return None
    values = np.asarray(chain.data[index].params()[PARAMS.index(step["param"])])  # type: ignore[attr-defined]
    return (values.size, _emitted_bits(values)) if len(set(values.tolist())) > 1 else None


def _emitted_bits(values: np.ndarray) -> int:
    from lic_compiler.backends.hls_cpp.emitter import _bits

    return _bits(values)


def read_ports(op: hls.StageOp, what: str) -> int:
    """The reads of memory `what` per cycle: a bias or β per PE lane, a GDN prologue parameter
    per SIMD input of MMV pixels, an epilogue or norm parameter per epilogue unit."""
    pe, simd, mmv = (getattr(op, f"{k}_value", 1) for k in ("pe", "simd", "mmv"))
    if what in ("bias", "beta"):
        return pe
    if what.startswith("prologue"):
        return simd * mmv
    if isinstance(op, (hls.MvauOp, hls.GdnOp)):
        k, h, w = op.in_type.get_shape()
        return MvauGeometry(k, op.out_type.channels, h, w).epilogue(pe, simd, mmv)[0]
    if isinstance(op, hls.PointwiseOp):
        return op.in_type.beat.values
    return pe * mmv


def extra_luts(op: hls.StageOp, what: str, scheme: str = "tmr") -> int:
    """LUTs that protecting `what` of `op` with `scheme` adds."""
    shape = memory_shape(op, what)
    if shape is None:
        return 0
    words, width = shape
    assert scheme == "tmr", scheme
    return read_ports(op, what) * (2 * hwp.lutram(words, width) + width)


def stage_extra_luts(op: hls.StageOp) -> int:
    return sum(extra_luts(op, what, scheme) for scheme, names in protected(op).items() for what in names)
