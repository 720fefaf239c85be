"""What `lic-protect` adds to a stage: the extra copies of its protected memories and their voters.

A triplicated (``tmr``) memory is a per-channel array (a bias, GDN's β, a
rescale's multipliers, shifts or offsets): C words of w bits, read by every
unit that needs its channel's value in a cycle. Each read port gets two more
copies of the array in distributed ROM (LUT6s of 64 × 1 bit,
`primitives.lutram`) and a bitwise majority vote (one LUT per bit: three
inputs). The vote sits between the read and the multiply it feeds: one more
pipeline stage (depth), no more iterations: the frame rate does not change.

``tmr-high`` triplicates only a word's high bits: the low ``low_bits`` are
stored once, the copies hold ``word >> low_bits``. The low bits are those whose
flip changes every word of the memory by less than 2**-TOLERANCE of its
magnitude (below bit ``floor(log2(min |word|)) - TOLERANCE``); a shift is an
exponent (one flip doubles or halves the scale) and an offset is added
unscaled: both keep every bit voted.
"""

from __future__ import annotations

import re

import numpy as np

from lic_compiler.dialects import hls
from lic_compiler.dialects.hls_geometry import MvauGeometry
from lic_compiler.hw import primitives as hwp
from lic_compiler.ir import to_numpy

PROTECT_ATTR = "licc.protect"  # {scheme = [memory, …]} on a stage
SCHEMES = ("tmr", "tmr-high")
# tmr-high leaves a bit unvoted when its flip moves every word by less than 2**-TOLERANCE of its
# magnitude. 2: the bundled student's campaign found no catastrophic upset of a multiplier
# (|m| in [2^14, 2^15)) below bit 12 in 5,010 injections and 0.45 % at bit 12.
TOLERANCE = 2
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


def stored_values(op: hls.StageOp, what: str) -> np.ndarray:
    """The words of per-channel memory `what` of `op` (a bias, β or rescale parameter)."""
    step = _STEP.match(what)
    if step is None:
        return np.asarray(to_numpy(op.properties[what]), np.int64).ravel()
    step_attr = op.properties[step["chain"]].data[int(step["index"])]  # type: ignore[attr-defined]
    return np.asarray(step_attr.params()[PARAMS.index(step["param"])], np.int64)


def low_bits(op: hls.StageOp, what: str, scheme: str) -> int:
    """The low bits of each word of `what` stored once (not voted) under `scheme`."""
    if scheme == "tmr" or _STEP.match(what) and not what.endswith(".multiplier"):
        return 0
    smallest = int(np.abs(stored_values(op, what)).min())
    return max(smallest.bit_length() - 1 - TOLERANCE, 0)


def voted(op: hls.StageOp) -> dict[str, tuple[int, int]]:
    """`op`'s protected memories, each with (its low bits stored once (0: the whole word voted), the
    width of its copies' words)."""
    out = {}
    for scheme, names in protected(op).items():
        for what in names:
            low = low_bits(op, what, scheme)
            out[what] = (low, memory_shape(op, what)[1] - low)  # type: ignore[index]
    return out


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
    high = width - low_bits(op, what, scheme)
    return read_ports(op, what) * (2 * hwp.lutram(words, high) + high)


def stage_extra_luts(op: hls.StageOp) -> int:
    return sum(extra_luts(op, what, scheme) for scheme, names in protected(op).items() for what in names)
