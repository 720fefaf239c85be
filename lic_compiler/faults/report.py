"""A campaign's statistics (`summarise`), its Markdown report and plots."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from lic_compiler.faults.campaign import Record
from lic_compiler.faults.sites import Memory
from lic_compiler.faults.stats import margin, wilson


def _rate(records: Sequence[Record], confidence: float) -> dict:
    """Counts and the catastrophic proportion with its Wilson interval."""
    n = len(records)
    k = sum(r.catastrophic for r in records)
    drops = [r.psnr_drop for r in records if r.status == "changed"]
    return {
        "injections": n,
        "catastrophic": k,
        "p_catastrophic": k / n if n else 0.0,
        "interval": list(wilson(k, n, confidence)),
        "masked": sum(r.status == "masked" for r in records),
        "undecodable": sum(r.status == "undecodable" for r in records),
        "mean_psnr_drop": float(np.mean(drops)) if drops else 0.0,
    }


def _group(records: Sequence[Record], key: Callable[[Record], object]) -> dict[object, list[Record]]:
    groups: dict[object, list[Record]] = defaultdict(list)
    for r in records:
        groups[key(r)].append(r)
    return groups


def summarise(records: Sequence[Record], memories: Sequence[Memory], populations: dict[str, int],
              confidence: float) -> dict:
    """Per target class, per memory, per layer and per bit position (see docs/faults.md)."""
    total_bits = sum(m.bits for m in memories)
    by_memory = _group(records, lambda r: r.fault.memory)
    rows = []
    for m in memories:
        rate = _rate(by_memory.get(m, []), confidence)
        share = m.bits / total_bits
        rows.append({"memory": m.name, "target": m.target, "part": m.part, "layer": m.layer, "what": m.what,
                     "bits": m.bits, "share": share, **rate, "vulnerability": share * rate["p_catastrophic"]})
    rows.sort(key=lambda r: -r["vulnerability"])
    layers: dict[tuple[str, str], dict] = {}
    for row in rows:
        layer = layers.setdefault((row["part"], row["layer"]), {"part": row["part"], "layer": row["layer"],
                                                                "bits": 0, "share": 0.0, "vulnerability": 0.0})
        for key in ("bits", "share", "vulnerability"):
            layer[key] += row[key]
    targets = {}
    for target, group in _group(records, lambda r: r.fault.memory.target).items():
        n, population = len(group), populations[str(target)]
        bits = sum(m.bits for m in memories if m.target == target)
        targets[str(target)] = {
            **_rate(group, confidence), "population": population, "margin": margin(n, population, confidence),
            "bits": bits, "share": bits / total_bits,
            "overflow": sum(r.overflow for r in group),
            "mean_bpp_delta": float(np.mean([r.bpp_delta for r in group])),
        }
    per_bit = {str(t): [{"bit": bit, **_rate(g, confidence)} for bit, g in sorted(_group(group, lambda r: r.fault.bit).items())]  # type: ignore[type-var]
               for t, group in _group(records, lambda r: r.fault.memory.target).items()}
    return {
        "confidence": confidence,
        "bits": total_bits,
        "p_catastrophic_per_upset": sum(r["vulnerability"] for r in rows),
        # Each class's Wilson bounds weighted by its share of the bits (the draw is proportional to bits).
        "p_catastrophic_per_upset_bounds": [sum(t["share"] * t["interval"][k] for t in targets.values()) for k in (0, 1)],
        "targets": targets,
        "memories": rows,
        "layers": sorted(layers.values(), key=lambda r: -r["vulnerability"]),
        "bit_positions": per_bit,
    }


def write_records(records: Sequence[Record], images: Sequence[str], path: Path) -> None:
    """One CSV row per injection."""
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["target", "memory", "word", "bit", "image", "status", "psnr_drop", "bpp_delta", "overflow"])
        for r in records:
            m = r.fault.memory
            out.writerow([m.target, m.name, r.fault.word, r.fault.bit, images[r.image], r.status,
                          f"{r.psnr_drop:.6g}", f"{r.bpp_delta:.6g}", int(r.overflow)])


def plot(records: Sequence[Record], summary: dict, folder: Path) -> list[str]:
    """The PSNR-drop histograms per target, vulnerability per layer, and per bit position."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir()
    targets = list(summary["targets"])
    fig, axes = plt.subplots(1, len(targets), figsize=(4 * len(targets), 3.2), squeeze=False)
    for ax, target in zip(axes[0], targets):
        drops = [min(r.psnr_drop, 60.0) for r in records if r.fault.memory.target == target and r.status != "masked"]
        masked = summary["targets"][target]["masked"] / summary["targets"][target]["injections"]
        ax.hist(drops or [0.0], bins=40, color="tab:red" if drops else "white", log=True)
        ax.axvline(1.0, color="k", linestyle=":", linewidth=1)
        ax.set_title(f"{target} ({masked:.0%} masked)", fontsize=9)
        ax.set_xlabel("PSNR drop (dB; undecodable at 60)")
    axes[0][0].set_ylabel("injections (not masked)")
    fig.tight_layout()
    fig.savefig(folder / "psnr-drop.png", dpi=110)
    plt.close(fig)

    layers = [r for r in summary["layers"] if r["vulnerability"] > 0][:25][::-1]
    fig, ax = plt.subplots(figsize=(7, 0.28 * max(len(layers), 4) + 1))
    ax.barh([f"@{r['part']} {r['layer']}" for r in layers], [r["vulnerability"] for r in layers], color="tab:blue")
    ax.set_xscale("log")
    ax.set_xlabel("P(upset there and catastrophic) per upset in the design")
    fig.tight_layout()
    fig.savefig(folder / "layers.png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 3.5))
    for target, rows in summary["bit_positions"].items():
        ax.plot([r["bit"] for r in rows], [r["p_catastrophic"] for r in rows], marker="o", markersize=3, label=target)
    ax.set_xlabel("bit position (0 = least significant)")
    ax.set_ylabel("P(catastrophic | upset)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(folder / "bits.png", dpi=110)
    plt.close(fig)
    return ["psnr-drop.png", "layers.png", "bits.png"]


def _pct(p: float) -> str:
    return f"{100 * p:.3g} %"


def _interval(row: dict) -> str:
    lo, hi = row["interval"]
    return f"{_pct(row['p_catastrophic'])} [{_pct(lo)}, {_pct(hi)}]"


def _hardware(summary: dict) -> list[str]:
    """The design's protection and cost lines."""
    c, hw = summary["campaign"], summary.get("hardware")
    if hw is None:
        return []
    protect = "none" if c.get("protect") is None else f"`lic-protect{{{c['protect']}}}`"
    used, fps = hw["used"], ", ".join(f"@{f} {v:,.1f}" for f, v in hw["fps"].items())
    return [f"Protection: {protect}. The design (cost model): {used['lut']:,} LUT, {used['bram18']:,} BRAM18, "
            f"{used['dsp']:,} DSP; FPS {fps}.", ""]


def render_markdown(summary: dict, plots: Sequence[str]) -> str:
    c = summary["campaign"]
    conf = f"{100 * summary['confidence']:g} %"
    lines = [
        "# licc-faults report", "",
        f"Model `{c['model']}`, frame {c['frame'][0]}×{c['frame'][1]}, {len(c['images'])} image(s) from "
        f"`{c['image_folder']}`, seed {c['seed']}.",
        f"{c['injections']:,} injections in {c['seconds']:.1f} s ({c['injections_per_second']:.1f} per second, "
        f"{c['reference_seconds']:.1f} s for the build and the fault-free runs).",
        f"Catastrophic: a PSNR drop above {c['catastrophic_db']:g} dB, or a bitstream that does not decode. "
        f"Intervals: Wilson, {conf} confidence.", "",
        f"**P(catastrophic) per upset anywhere in the injected memories** (each memory weighted by the bits it "
        f"holds, {summary['bits']:,} bits): {_pct(summary['p_catastrophic_per_upset'])} "
        f"(between {_pct(summary['p_catastrophic_per_upset_bounds'][0])} and "
        f"{_pct(summary['p_catastrophic_per_upset_bounds'][1])}: each class's interval weighted by its bits).", "",
        *_hardware(summary), "## Per target class", "",
        f"| target | bits held | injections | margin ({conf}) | masked | undecodable | P(catastrophic) | "
        "mean drop when changed | mean Δbpp | accumulator overflows |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for t, r in summary["targets"].items():
        lines.append(f"| {t} | {r['bits']:,} | {r['injections']:,} | ±{_pct(r['margin'])} | "
                     f"{_pct(r['masked'] / r['injections'])} | {r['undecodable']} | {_interval(r)} | "
                     f"{r['mean_psnr_drop']:.3f} dB | {r['mean_bpp_delta']:+.5f} | {r['overflow']} |")
    lines += ["", "## Vulnerability ranking (memories)", "",
              "Vulnerability = P(catastrophic | upset in the memory) × the memory's share of the bits: "
              "the probability that an upset anywhere is there and catastrophic.", "",
              "| # | memory | target | bits | share | injections | P(catastrophic) | vulnerability |",
              "|---:|---|---|---:|---:|---:|---|---:|"]
    for i, r in enumerate(summary["memories"][:20], 1):
        lines.append(f"| {i} | `{r['memory']}` | {r['target']} | {r['bits']:,} | {_pct(r['share'])} | "
                     f"{r['injections']:,} | {_interval(r)} | {r['vulnerability']:.3g} |")
    lines += ["", "## Per layer", "", "| part | layer | bits | share | vulnerability |", "|---|---|---:|---:|---:|"]
    for r in summary["layers"]:
        lines.append(f"| @{r['part']} | {r['layer']} | {r['bits']:,} | {_pct(r['share'])} | {r['vulnerability']:.3g} |")
    lines += ["", "## Per bit position", ""]
    for t, rows in summary["bit_positions"].items():
        cells = ", ".join(f"{r['bit']}: {_pct(r['p_catastrophic'])}" for r in rows)
        lines.append(f"- {t} (bit: P(catastrophic)): {cells}")
    lines += ["", "## Plots", ""] + [f"![{p}](plots/{p})" for p in plots]
    return "\n".join(lines) + "\n"

