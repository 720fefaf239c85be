"""Where an upset can hit the emitted design: its memories, with their words, widths and bits.

Four target classes:

- ``weights``: the constant memories of the MVAUs, transposed convolutions and
  GDN units (weights, biases, γ, β), at their IR width (the synthesised ROM's);
- ``tables``: the per-channel rescale parameters (multiplier, shift, offset)
  the C++ stores as arrays (a value shared by all channels is a constant in the
  logic, not a memory), at the emitted array's width;
- ``streams``: every stream's FIFO, holding ``depth`` beats of its width;
- ``accumulators``: the PE × MMV accumulator registers of each MVAU,
  transposed convolution and GDN unit;
- ``roots`` (not a default class): GDN's root and reciprocal table ROMs (the
  entries, and the slopes in PWL mode), at the emitted arrays' widths.

Weights, tables and roots are persistent: the flipped word serves the whole frame.
Streams and accumulators are transient: one value of one pixel is corrupted.
A memory's ``bits`` is what it physically holds, its share of the design's
cross-section to a particle strike.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from lic_compiler.backends.hls_cpp.emitter import _bits
from lic_compiler.dialects import hls
from lic_compiler.faults.engine import WEIGHTS, Part, is_signed
from lic_compiler.faults.tables import roms
from lic_compiler.hw.protect import voted

TARGETS = ("weights", "tables", "streams", "accumulators")  # a campaign's default classes
ALL_TARGETS = (*TARGETS, "roots")
PERSISTENT = ("weights", "tables", "roots")
RESCALE_PARAMS = ("multiplier", "shift", "offset")


@dataclass(frozen=True)
class Memory:
    """One memory of one stage: an upset flips one bit of one of its `words`."""

    target: str
    part: str
    stage: int  # the stage's index in its part (-1: the part's input stream)
    layer: str  # the stage's C++ function name
    what: str  # weight, bias, gamma, beta, epilogue[0].multiplier, stream, acc
    words: tuple[int, ...]  # the addressable values: an array's shape, or C×H×W of a frame
    width: int
    signed: bool
    bits: int  # bits the memory holds
    copies: int = 1  # 3: stored three times, read through a majority vote (lic-protect's tmr)
    low: int = 0  # the low bits stored once (tmr-high): the copies hold bits low … width − 1 of each word

    @property
    def name(self) -> str:
        return f"@{self.part} {self.layer} {self.what}"

    @property
    def size(self) -> int:
        """The words an upset can hit: every copy's."""
        return int(np.prod(self.words)) * self.copies

    @property
    def sites(self) -> int:
        """The (word, bit) pairs an upset can hit: each word's bits, and its copies' high bits."""
        return int(np.prod(self.words)) * (self.width + (self.copies - 1) * (self.width - self.low))

    def site(self, index: int) -> tuple[int, int]:
        """(word, bit) of site `index` in [0, sites): the words' bits, then the copies' bits from `low`
        (word numbers past the first copy's are the copies', `inject.copy_of`)."""
        n = int(np.prod(self.words))
        if index < n * self.width:
            return divmod(index, self.width)
        word, bit = divmod(index - n * self.width, self.width - self.low)
        return n + word, self.low + bit


def copies(op: hls.StageOp, what: str) -> tuple[int, int]:
    """(how many times `op` stores memory `what`, the low bits its copies leave out): (3, low) if
    lic-protect triplicated it."""
    vote = voted(op).get(what)
    return (1, 0) if vote is None else (3, vote[0])


def memories(part: Part) -> list[Memory]:
    """Every memory of `part`, in stage order."""
    out = [_stream(part, -1, "input")]
    for stage in part.stages:
        name = part.names[stage.op]
        out.append(_stream(part, stage.index, name))
        out += _weights(part, stage.index, name) + _tables(part, stage.index, name) + _roots(part, stage.index, name)
        if isinstance(stage.op, (hls.MvauOp, hls.DeconvOp, hls.GdnOp)):
            t = stage.op.acc_type
            registers = stage.op.pe_value * stage.op.mmv_value
            out.append(Memory("accumulators", part.name, stage.index, name, "acc", part.shape(stage.index),
                              t.width.data, is_signed(t), registers * t.width.data))
    return out


def _stream(part: Part, index: int, layer: str) -> Memory:
    stream = part.flow.block.args[0].type if index < 0 else part.stages[index].op.out_type
    t = stream.element_type  # type: ignore[union-attr]
    beat = stream.lanes.data * stream.pixels.data  # type: ignore[union-attr]
    return Memory("streams", part.name, index, layer, "stream", stream.get_shape(),  # type: ignore[union-attr]
                  t.width.data, is_signed(t), stream.depth.data * beat * t.width.data)  # type: ignore[union-attr]


def _weights(part: Part, index: int, layer: str) -> list[Memory]:
    stage = part.stages[index]
    out = []
    for key in WEIGHTS.get(type(stage.op), ()):
        attr = getattr(stage.op, key)
        if attr is None:
            continue
        t = attr.type.get_element_type()
        words = stage.arrays[key].shape
        n, low = copies(stage.op, key)
        m = Memory("weights", part.name, index, layer, key, words, t.width.data, is_signed(t), 0, n, low)
        out.append(replace(m, bits=m.sites))
    return out


def _tables(part: Part, index: int, layer: str) -> list[Memory]:
    stage = part.stages[index]
    out = []
    for chain, steps in stage.chains.items():
        for i, step in enumerate(steps):
            if not isinstance(step, hls.RescaleStep):
                continue
            for what, values in zip(RESCALE_PARAMS, step.params()):
                if len(set(values)) > 1:  # an array in the C++, not a constant
                    width = _bits(np.asarray(values))  # the emitted C array's element width
                    name = f"{chain}[{i}].{what}"
                    n, low = copies(stage.op, name)
                    m = Memory("tables", part.name, index, layer, name, (len(values),), width, True, 0, n, low)
                    out.append(replace(m, bits=m.sites))
    return out


def _roots(part: Part, index: int, layer: str) -> list[Memory]:
    """GDN's root (or reciprocal) table ROMs: the entries, and the slopes in PWL mode."""
    out = []
    for chain, steps in part.stages[index].chains.items():
        for i, step in enumerate(steps):
            if isinstance(step, hls.TableStep):
                for what, values in roms(step).items():
                    width = _bits(values)  # the emitted C array's element width
                    out.append(Memory("roots", part.name, index, layer, f"{chain}[{i}].{what}", values.shape,
                                      width, True, values.size * width))
    return out
