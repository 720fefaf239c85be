"""`lic-protect`: harden the memories where a soft error costs the codec most.

The fault-injection campaign on the bundled student (docs/results/faults-student.md)
finds 98.5 % of the catastrophic upsets per upset in the per-channel memories
(biases, GDN's β, the rescales' multipliers, shifts and offsets), which hold
0.7 % of the design's bits, and none in 9,297 upsets of the weight matrices and
10,000 of the streams. Those memories are small: storing them three times and
reading the bitwise majority of the copies (triple modular redundancy) outvotes
any single upset for a few hundred LUTs, and the design computes exactly what it
computed before.

Options:

- ``scheme``: ``tmr`` (three copies, a majority vote on each read) or
  ``tmr-high`` (only the high bits of a word in three copies: the low bits
  whose flip moves every word of the memory by less than a quarter of its
  magnitude are stored once, `lic_compiler.hw.protect.low_bits`; shifts and
  offsets keep every bit voted). The campaign finds a multiplier's upsets
  catastrophic only in its top bits (below them a flip changes the scale by
  less than a quarter); biases and β follow the same rule (the campaign holds
  too few of their upsets to rank their bits). Voting the low bits would cost
  LUTs on every read port for upsets that do little;
- ``memories``: which per-channel memories: any of ``bias``, ``beta``,
  ``multiplier``, ``shift``, ``offset`` (default all);
- ``layers``: ``auto`` (every stage holding them, the smallest memories first
  while the budget lasts) or stage names (``conv_3,igdn_2``; ``@decoder:conv_3``
  for one part), all protected or refused;
- ``ranking``: a ``licc-faults`` report (faults.json) of the unprotected
  design: memories go in order of expected catastrophic upsets per LUT, the
  report's P(catastrophic) of their kind (pooled over its memories of that
  kind: one memory alone holds a handful of injections) times their bits
  (without it, or for kinds it does not rank: the cheapest first);
- ``budget``: the largest increase of the design's LUTs the protection may
  cost, as a fraction (0.05: 5 %); copies live in LUT ROM, no block RAM.

Each protected stage gets ``licc.protect = {SCHEME = [memory, …]}``; the C++
emitter triplicates those arrays (`licc::vote`, `licc::vote_high`), the cost
model charges the copies and voters (`lic_compiler.hw.protect`), and
`licc-faults` injects into every bit of each copy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from xdsl.context import Context
from xdsl.dialects.builtin import ArrayAttr, DictionaryAttr, ModuleOp, StringAttr
from xdsl.passes import ModulePass

from lic_compiler.dialects import hls
from lic_compiler.errors import LiccError
from lic_compiler.hw.design import MODULE_ATTR, annotate, from_ir
from lic_compiler.hw.protect import PARAMS, PROTECT_ATTR, SCHEMES, extra_luts, memory_shape
from lic_compiler.hw.stages import module_stages, total

KINDS = ("bias", "beta", *PARAMS)  # the per-channel memories, by kind
CHAINS = ("prologue", "norm", "epilogue", "steps")


@dataclass(frozen=True)
class ProtectPass(ModulePass):
    """Triplicate the per-channel memories (or their high bits) of the chosen stages within a LUT budget."""

    name = "lic-protect"

    scheme: str = "tmr"
    memories: tuple[str, ...] = KINDS
    layers: tuple[str, ...] = ("auto",)
    # `int | float`: xDSL does not widen an integer literal to float.
    budget: int | float = 0.05
    ranking: str | None = None  # a licc-faults faults.json: protect the most vulnerable memories first

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        self._check()
        if MODULE_ATTR not in op.attributes:
            raise LiccError("lic-protect costs the design's stages: run lic-set-parallelism before it")
        models = module_stages(op)
        lut = total([s.cost() for stages in models.values() for s in stages])["lut"]
        stages = [(part, s.name, s.op) for part, ss in models.items() for s in ss]
        chosen = self._stages(stages)
        candidates = [(extra_luts(o, what, self.scheme), part, name, o, what)
                      for part, name, o in chosen for what in _memories(o, self.memories)]
        if not candidates:
            raise LiccError(f"lic-protect: no {', '.join(self.memories)} memory in the chosen layers; "
                            "choose other layers or memories")
        allowed, spent, picked = self.budget * lut, 0, []
        if self.layers != ("auto",) and sum(c[0] for c in candidates) > allowed:
            need = sum(c[0] for c in candidates)
            raise LiccError(f"lic-protect: the chosen layers need {need:,} LUTs ({need / lut:.2%} of {lut:,}) and "
                            f"budget={self.budget:g} allows {int(allowed):,}; raise the budget or choose fewer layers")
        rates = self._ranking()
        # The most expected catastrophic bits per LUT first (unranked kinds: the cheapest first).
        order = sorted(candidates, key=lambda c: (-rates.get(_kind(c[4]), 0.0) * _bits(c[3], c[4]) / max(c[0], 1),
                                                   c[0], c[1], c[2], c[4]))
        for cost, _, _, o, what in order:
            if spent + cost <= allowed:
                spent += cost
                picked.append((o, what))
        if not picked:
            cheapest = candidates and min(c[0] for c in candidates)
            raise LiccError(f"lic-protect: budget={self.budget:g} ({int(allowed):,} LUTs) is below the cheapest "
                            f"memory's {cheapest:,} LUTs; raise the budget")
        for o in dict.fromkeys(o for o, _ in picked):
            names = [what for what in _memories(o, self.memories) if (o, what) in picked]
            o.attributes[PROTECT_ATTR] = DictionaryAttr({self.scheme: ArrayAttr([StringAttr(w) for w in names])})
        # The stages' costs again, the copies and voters included.
        annotate(op, from_ir(op), op.attributes[MODULE_ATTR].data["objective"].data)  # type: ignore[attr-defined]

    def _ranking(self) -> dict[str, float]:
        """P(catastrophic | upset) per kind of memory (bias, shift, …) in a `licc-faults` report
        (`ranking`), pooled over the report's memories of that kind: one memory alone holds too
        few injections to rank it."""
        if self.ranking is None:
            return {}
        try:
            report = json.loads(Path(self.ranking).read_text())
            pooled: dict[str, list[int]] = {}
            for m in report["memories"]:
                counts = pooled.setdefault(_kind(m["what"]), [0, 0])
                counts[0] += int(m["catastrophic"])
                counts[1] += int(m["injections"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise LiccError(f"lic-protect: cannot read the ranking {self.ranking} ({e}); "
                            "pass the faults.json of a licc-faults run") from None
        return {kind: hits / n for kind, (hits, n) in pooled.items() if n}

    def _check(self) -> None:
        if self.scheme not in SCHEMES:
            raise LiccError(f"lic-protect: unknown scheme '{self.scheme}'; choose from {', '.join(SCHEMES)}")
        unknown = [m for m in self.memories if m not in KINDS]
        if unknown:
            raise LiccError(f"lic-protect: unknown memory '{unknown[0]}'; choose from {', '.join(KINDS)}")
        if not 0 < self.budget <= 1:
            raise LiccError(f"lic-protect: budget must be in (0, 1] (a fraction of the design's LUTs), got {self.budget:g}")

    def _stages(self, stages: list[tuple[str, str, hls.StageOp]]) -> list[tuple[str, str, hls.StageOp]]:
        if self.layers == ("auto",):
            return stages
        chosen = []
        for layer in self.layers:
            part, _, name = layer.rpartition(":")
            hits = [s for s in stages if s[1] == name and part in ("", s[0], f"@{s[0]}")]
            if not hits:
                known = ", ".join(sorted({s[1] for s in stages if _memories(s[2], KINDS)}))
                raise LiccError(f"lic-protect: the design has no layer '{layer}'; choose from {known}")
            chosen += hits
        return chosen


def _memories(op: hls.StageOp, kinds: tuple[str, ...]) -> list[str]:
    """`op`'s per-channel memories of the given kinds, as `licc-faults` names them."""
    names = [what for what in ("bias", "beta") if what in kinds]
    for chain in CHAINS:
        steps = op.properties.get(chain)
        if steps is not None:
            names += [f"{chain}[{i}].{param}" for i in range(len(steps.data)) for param in PARAMS if param in kinds]  # type: ignore[attr-defined]
    return [what for what in names if memory_shape(op, what) is not None]


def _kind(what: str) -> str:
    """bias, beta, multiplier, shift or offset: the last part of a memory's name."""
    return what.rsplit(".", 1)[-1]


def _bits(op: hls.StageOp, what: str) -> int:
    words, width = memory_shape(op, what)  # type: ignore[misc]
    return words * width
