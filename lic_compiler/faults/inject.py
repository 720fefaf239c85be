"""One upset in one memory of a part, run through the rest of the part (`engine`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from lic_compiler.dialects import hls
from lic_compiler.faults.engine import Box, FaultyRescale, Outcome, Part, Stage, flip, shrink
from lic_compiler.faults.sites import Memory
from lic_compiler.faults.tables import FaultyTable, roms

_STEP = re.compile(r"^(?P<chain>\w+)\[(?P<index>\d+)\]\.(?P<param>\w+)$")


@dataclass(frozen=True)
class Fault:
    """Bit `bit` of word `word` flips: a flat index into `memory.words`, or of a triplicated memory
    into its copies one after the other (`copy_of`)."""

    memory: Memory
    word: int
    bit: int


def copy_of(m: Memory, word: int) -> tuple[int, int]:
    """(copy, flat index in `m.words`) of word `word` of memory `m`."""
    return divmod(word, int(np.prod(m.words)))


def vote(a: int, b: int, c: int) -> int:
    """The bitwise majority of three two's complement words (a triplicated memory's read)."""
    return (a & b) | (a & c) | (b & c)


def inject(part: Part, clean: list[np.ndarray], fault: Fault) -> Outcome:
    """The part's output with `fault` (None: masked), from its fault-free run `clean` (`Part.clean_run`)."""
    m = fault.memory
    if m.copies > 1:
        return _voted(part, clean, fault)
    where = np.unravel_index(fault.word, m.words)
    if m.target == "streams":
        return _stream(part, clean, m, where, fault.bit)
    stage = part.stages[m.stage]
    if m.target == "accumulators":
        c, y, x = (int(v) for v in where)
        box = Box(y, y + 1, x, x + 1)
        values, overflow = replace(stage, acc_flip=(c, fault.bit, m.width)).compute(part.source(clean, m.stage), box)
        return part.settle(clean, m.stage, box, values, overflow)
    if m.target == "weights":
        array = stage.arrays[m.what].copy()
        array.flat[fault.word] = flip(array.flat[fault.word], fault.bit, m.width, m.signed)
        channel = int(where[1] if m.what == "weight" and isinstance(stage.op, hls.DeconvOp) else where[0])
        return _persistent(part, clean, replace(stage, arrays={**stage.arrays, m.what: array}), channel)
    step = _STEP.match(m.what)
    assert step is not None, m.what
    chain, index, channel = step["chain"], int(step["index"]), int(where[0])
    steps = list(stage.chains[chain])
    if m.target == "roots":  # one table for every channel
        rom = roms(steps[index])
        rom[step["param"]][channel] = flip(rom[step["param"]][channel], fault.bit, m.width, True)
        steps[index] = FaultyTable(steps[index], rom)
        return _persistent(part, clean, replace(stage, chains={**stage.chains, chain: tuple(steps)}), None)
    steps[index] = FaultyRescale.of(steps[index], step["param"], channel, fault.bit, m.width)
    variant = replace(stage, chains={**stage.chains, chain: tuple(steps)})
    # GDN's prologue feeds every channel's norm; the other chains act on their channel alone.
    return _persistent(part, clean, variant, None if chain == "prologue" else channel)


def _voted(part: Part, clean: list[np.ndarray], fault: Fault) -> Outcome:
    """An upset in one copy of a triplicated memory: the stage reads the three copies' majority
    (of the bits from `low` up under tmr-high; the word's low bits are its own, unvoted)."""
    m = fault.memory
    copy, word = copy_of(m, fault.word)
    if copy == 0 and fault.bit < m.low:  # a bit stored once: as in an unprotected memory
        return inject(part, clean, Fault(replace(m, copies=1, low=0), word, fault.bit))
    stored = stored_word(part, m, word)
    words = [stored, stored >> m.low, stored >> m.low]
    words[copy] = flip(words[copy], fault.bit - (m.low if copy else 0), m.width - (m.low if copy else 0), m.signed)
    # The vote restores the stored word (one upset cannot outvote two copies): masked.
    assert vote(words[0] >> m.low, *words[1:]) << m.low | words[0] & ((1 << m.low) - 1) == stored, m.name
    return Outcome(None)


def stored_word(part: Part, m: Memory, word: int) -> int:
    stage = part.stages[m.stage]
    if m.target == "weights":
        return int(stage.arrays[m.what].flat[word])
    step = _STEP.match(m.what)
    assert step is not None, m.what
    if m.target == "roots":
        return int(roms(stage.chains[step["chain"]][int(step["index"])])[step["param"]][word])
    params = dict(zip(("multiplier", "shift", "offset"), stage.chains[step["chain"]][int(step["index"])].params()))
    return int(params[step["param"]][word])


def _stream(part: Part, clean: list[np.ndarray], m: Memory, where: tuple, bit: int) -> Outcome:
    c, y, x = (int(v) for v in where)
    box = Box(y, y + 1, x, x + 1)
    if m.stage >= 0 and isinstance(part.stages[m.stage].op, hls.WindowOp):
        mvau = m.stage + 1
        values, overflow = part.stages[mvau].window_upset(part.source(clean, mvau), y, x, c, bit)
        return part.settle(clean, mvau, box, values, overflow)
    values = clean[m.stage + 1][:, :, y : y + 1, x : x + 1].astype(np.int64)
    values[0, c, 0, 0] = flip(values[0, c, 0, 0], bit, m.width, m.signed)
    return part.settle(clean, m.stage, box, values)


def _persistent(part: Part, clean: list[np.ndarray], stage: Stage, channel: int | None) -> Outcome:
    """A stage whose memory took an upset, run on the whole frame (on `channel` alone if the upset
    is confined to it)."""
    _, h, w = part.shape(stage.index)
    frame = Box(0, h, 0, w)
    source = part.source(clean, stage.index)
    if channel is None:
        values, overflow = stage.compute(source, frame)
        return part.settle(clean, stage.index, frame, values, overflow)
    values, overflow = stage.only(channel).compute(source, frame)
    out = clean[stage.index + 1]
    reduced = shrink(values, out[:, channel : channel + 1], frame)
    if reduced is None:
        return Outcome(None, overflow)
    box, changed = reduced
    patch = out[:, :, box.y0 : box.y1, box.x0 : box.x1].astype(np.int64)
    patch[:, channel : channel + 1] = changed
    return part.settle(clean, stage.index, box, patch, overflow)
