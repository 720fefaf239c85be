"""Catastrophic upsets per kind of memory and bit position, from a campaign's injections.csv.

    .venv/bin/python bench/faults_kinds.py DIR/injections.csv [--confidence 0.95]

The report's per-bit table pools every memory of a class (8-bit weights with
46-bit β); this one splits it by kind (weight, bias, gamma, beta, multiplier,
shift, offset, stream, acc: the last part of a memory's name) and prints, per
kind, each bit position's catastrophic count, injections and Wilson interval
as a Markdown table: which bits of which memories a protection must cover.
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict

from lic_compiler.faults.stats import wilson


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("csv")
    ap.add_argument("--confidence", type=float, default=0.95)
    ap.add_argument("--catastrophic-db", type=float, default=1.0)
    args = ap.parse_args()
    counts: dict[tuple[str, str], dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    with open(args.csv, newline="") as f:
        for row in csv.DictReader(f):
            kind = row["memory"].split()[-1].rsplit(".", 1)[-1]
            hit = row["status"] == "undecodable" or float(row["psnr_drop"]) > args.catastrophic_db
            cell = counts[(row["target"], kind)][int(row["bit"])]
            cell[0] += hit
            cell[1] += 1
    print("| target | kind | injections | catastrophic | bits with a catastrophic upset: bit catastrophic/injections [Wilson %] |")
    print("|---|---|---:|---:|---|")
    for (target, kind), bits in sorted(counts.items()):
        hits, n = (sum(c[k] for c in bits.values()) for k in (0, 1))
        harmful = ", ".join(f"{b}: {h}/{m} [{100 * lo:.2g}, {100 * hi:.2g}]"
                            for b, (h, m) in sorted(bits.items()) if h for lo, hi in [wilson(h, m, args.confidence)])
        clean = [b for b, (h, _) in bits.items() if not h]
        below = (f"; none in the {len(clean)} other bits ({sum(bits[b][1] for b in clean):,} injections; "
                 f"lowest {min(clean)}, highest {max(clean)})") if clean else ""
        print(f"| {target} | {kind} | {n:,} | {hits:,} | {harmful or '—'}{below} |")


if __name__ == "__main__":
    main()
