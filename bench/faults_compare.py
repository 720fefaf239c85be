"""Two licc-faults reports side by side: what protection bought, per class and per upset.

    .venv/bin/python bench/faults_compare.py BEFORE/faults.json AFTER/faults.json

Prints Markdown tables: per target class, the bits it holds and P(catastrophic)
with its interval in each report; per upset anywhere, each report's headline
and the classes' P(catastrophic) weighted by their share of the bits, with the
bounds made of the classes' intervals (the draw is proportional to bits
within a class); and the ratio.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _pct(p: float) -> str:
    return f"{100 * p:.3g} %"


def _cell(r: dict) -> str:
    lo, hi = r["interval"]
    return f"{_pct(r['p_catastrophic'])} [{_pct(lo)}, {_pct(hi)}] ({r['catastrophic']:,} of {r['injections']:,})"


def main() -> None:
    before, after = (json.loads(Path(p).read_text()) for p in sys.argv[1:3])
    print("| target | bits before | bits after | P(catastrophic) before | P(catastrophic) after |")
    print("|---|---:|---:|---|---|")
    for t, b in before["targets"].items():
        a = after["targets"].get(t)
        if a is not None:
            print(f"| {t} | {b['bits']:,} | {a['bits']:,} | {_cell(b)} | {_cell(a)} |")
    rows = []
    print("\n| per upset anywhere | the reports' headline (memories weighted by bits) | classes weighted by bits [bounds] |")
    print("|---|---|---|")
    for name, r in (("before", before), ("after", after)):
        point = sum(t["share"] * t["p_catastrophic"] for t in r["targets"].values())
        lo, hi = _bounds(r)
        rows.append((point, lo, hi))
        print(f"| {name} | {_pct(r['p_catastrophic_per_upset'])} | {_pct(point)} [{_pct(lo)}, {_pct(hi)}] |")
    (p0, lo0, _), (p1, _, hi1) = rows
    ratio = f"{p0 / p1:.1f}×" if p1 else "unbounded (none after)"
    print(f"\nReduction (classes weighted by bits): {ratio}; before's lower bound over after's upper bound: "
          f"{lo0 / hi1:.2f}×.")


def _bounds(summary: dict) -> list[float]:
    """Each class's interval weighted by its share of the bits."""
    return [sum(t["share"] * t["interval"][k] for t in summary["targets"].values()) for k in (0, 1)]


if __name__ == "__main__":
    main()
