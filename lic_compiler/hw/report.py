"""The hardware report of a design: a JSON-ready dict, a Markdown section, plots.

Everything is computed from the IR that `lic-set-parallelism` annotated (so a
hand-edited IR reports what it describes). The single entry point for the
build folder is `write_hardware_report`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from xdsl.dialects.builtin import ModuleOp

from lic_compiler.hw.design import Design, export_parallelism, fps_vs_dsp, from_ir
from lic_compiler.hw.device import RESOURCE_LABELS, RESOURCES
from lic_compiler.hw.primitives import PACK_MAX_BITS
from lic_compiler.hw.stages import Stage

# Two ≤ 8-bit MACs per DSP48E2: the roofline's peak per DSP.
MACS_PER_DSP = 2


def _layer(design: Design, s, bottleneck: bool) -> dict:
    f, c = design.folding(s), design.cost(s)
    return {
        "function": s.function,
        "layer": s.layer,
        "name": s.name,
        "op": s.op.name,
        "kind": s.kind,
        "input": list(s.input_shape),
        "output": list(s.output_shape),
        "macs": s.macs,
        "bits": {"weight": s.widths.weight, "act_in": s.widths.act_in, "act_out": s.widths.act_out},
        "pe": f.pe,
        "simd": f.simd,
        "mmv": f.mmv,
        "ram_style": f.ram_style,
        "folding_knob": s.folded,
        "cycles": c.cycles,
        **dict(zip(RESOURCES, c.vector())),
        "bottleneck": bottleneck,
    }


def roofline_fps(macs: int, dsps: int, clock_mhz: float) -> float:
    """Frames per second if `dsps` DSPs did `MACS_PER_DSP` MACs every cycle."""
    return dsps * MACS_PER_DSP * clock_mhz * 1e6 / macs if macs else 0.0


def width_roofline_fps(stages: Sequence[Stage], dsps: int, clock_mhz: float) -> float:
    """Frames per second if `dsps` DSPs did every MAC at its operands' best rate.

    The roofline at each stage's widths: two ≤ 8-bit products per DSP, one
    (or several DSPs) when wider, e.g. GDN's γ × x² at 16 bits; products in
    fabric take no DSP.
    """
    need = sum(s.dsp_macs for s in stages)
    return dsps * clock_mhz * 1e6 / need if need else 0.0


def hardware_report(design: Design) -> dict:
    """Per layer and per function figures, utilisation per resource, device and clock."""
    layers, functions = [], {}
    for fn, stages in design.stages.items():
        neck = design.bottleneck(fn)
        slowest = design.cycles(fn)
        layers += [_layer(design, s, design.cost(s).cycles == slowest) for s in stages]
        used = design.used([fn])
        macs = sum(s.macs for s in stages)
        functions[fn] = {
            "frame": list(stages[0].input_shape),
            "fps": design.fps(fn),
            "cycles": design.cycles(fn),
            "latency_ms": design.latency_cycles(fn) / (design.clock_mhz * 1e3),
            "bottleneck": neck.label,
            "macs": macs,
            "used": used,
            "dsp_roofline_fps": roofline_fps(macs, used["dsp"], design.clock_mhz),
            "width_roofline_fps": width_roofline_fps(stages, used["dsp"], design.clock_mhz),
        }
    total = design.device.resources
    groups = [
        {
            "functions": g,
            "fps": min(design.fps(f) for f in g),
            "used": (u := design.used(g)),
            "utilisation": {r: (u[r] / total[r] if total[r] else 0.0) for r in RESOURCES},
        }
        for g in design.groups()
    ]
    return {
        "device": {
            "name": design.device.name,
            "part": design.device.part,
            "resources": dict(total),
            "clock_mhz": design.clock_mhz,
            "util_cap": design.util_cap,
            "budget": design.budget(),
        },
        "scope": design.scope,
        "functions": functions,
        "groups": groups,
        "layers": layers,
    }


def render_markdown(report: dict) -> str:
    """The report's Markdown section (for report.md)."""
    dev = report["device"]
    lines = [
        "## Hardware",
        "",
        f"Device: {dev['name']} (`{dev['part']}`) at {dev['clock_mhz']:g} MHz, "
        f"utilisation cap {dev['util_cap']:.0%}; functions "
        + ("share one device." if report["scope"] == "joint" else "each on their own device."),
        "",
        "| function | FPS | latency | bottleneck | DSPs | DSP roofline FPS | FPS / roofline "
        "| at widths | FPS / it |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for fn, f in report["functions"].items():
        roofs = (f["dsp_roofline_fps"], f["width_roofline_fps"])
        ratios = [f["fps"] / r if r else 0.0 for r in roofs]
        lines.append(
            f"| {fn} | {f['fps']:.2f} | {f['latency_ms']:.2f} ms | {f['bottleneck']} "
            f"| {f['used']['dsp']:,} | {roofs[0]:.2f} | {ratios[0]:.2f} | {roofs[1]:.2f} | {ratios[1]:.2f} |"
        )
    lines += ["", "| functions | FPS | " + " | ".join(RESOURCE_LABELS[r] for r in RESOURCES) + " |"]
    lines.append("|---|---:|" + "---:|" * len(RESOURCES))
    for g in report["groups"]:
        cells = [
            f"{g['used'][r]:,} ({g['utilisation'][r]:.0%})" if dev["resources"][r] else "–"
            for r in RESOURCES
        ]
        lines.append(f"| {', '.join(g['functions'])} | {g['fps']:.2f} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Roofline: {MACS_PER_DSP} MACs per DSP per cycle (two ≤ {PACK_MAX_BITS}-bit products "
        "per DSP48E2); *at widths*: each MAC at its operands' best rate (one per DSP when "
        "wider, none in fabric). Bottleneck marked ◀.",
        "",
        "| function | # | op | output | MACs | bits w/a | PE × SIMD (× MMV) | memory | cycles "
        "| DSP | BRAM18 | LUT |",
        "|---|---:|---|---|---:|---|---|---|---:|---:|---:|---:|",
    ]
    for row in report["layers"]:
        fold = f"{row['pe']} × {row['simd']}" + (f" × {row['mmv']}" if row["mmv"] > 1 else "")
        lines.append(
            f"| {row['function']} | {row['layer']} | `{row['op']}` | "
            f"{'×'.join(map(str, row['output'][1:]))} | {row['macs'] / 1e6:,.1f} M | "
            f"{row['bits']['weight']}/{row['bits']['act_in']} | {fold} | {row['ram_style']} | "
            f"{row['cycles']:,}{' ◀' if row['bottleneck'] else ''} | {row['dsp']:,} | "
            f"{row['bram18']:,} | {row['lut']:,} |"
        )
    for name, title in (("cycles", "Cycles per layer"), ("fps_vs_dsp", "FPS against DSP budget")):
        if name in report.get("plots", {}):
            lines += ["", f"![{title}]({report['plots'][name]})"]
    return "\n".join(lines) + "\n"


def plot_cycles(report: dict, path: Path) -> None:
    """Cycles per frame of every stage, one panel per function, bottlenecks in red."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fns = list(report["functions"])
    fig, axes = plt.subplots(len(fns), 1, figsize=(9, 2.8 * len(fns)), squeeze=False)
    for ax, fn in zip(axes[:, 0], fns):
        rows = [r for r in report["layers"] if r["function"] == fn]
        colors = ["tab:red" if r["bottleneck"] else "tab:blue" for r in rows]
        ax.bar(range(len(rows)), [r["cycles"] for r in rows], color=colors)
        ax.set_xticks(range(len(rows)), [f"{r['layer']} {r['name']}" for r in rows], rotation=45, ha="right", fontsize=8)
        ax.set_ylabel("cycles / frame")
        ax.set_title(f"@{fn}: {report['functions'][fn]['fps']:.2f} FPS", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_fps_vs_dsp(report: dict, path: Path) -> None:
    """The solver's FPS against the DSP budget, with the DSP roofline for reference."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    clock = report["device"]["clock_mhz"]
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for curve in report["fps_vs_dsp"]:
        pts = curve["points"]
        label = " + ".join(curve["functions"])
        ax.step([p["dsp_budget"] for p in pts], [p["fps"] for p in pts], where="post", label=f"{label} (solver)")
        macs = sum(report["functions"][f]["macs"] for f in curve["functions"])
        # Functions sharing a device run at one frame rate, so the roofline divides all their MACs.
        xs = [pts[0]["dsp_budget"], pts[-1]["dsp_budget"]] if pts else []
        ax.plot(xs, [roofline_fps(macs, x, clock) for x in xs], "--", label=f"{label} (DSP roofline)")
    ax.set_xlabel("DSP budget")
    ax.set_ylabel("frames per second")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_hardware_report(module: ModuleOp, out_dir: Path, pareto_points: int = 10) -> dict:
    """Write ``parallelism.json`` and ``plots/*.png`` into `out_dir`; return the report
    dict (for report.json; `render_markdown` gives its report.md section)."""
    design = from_ir(module)
    report = hardware_report(design)
    report["fps_vs_dsp"] = fps_vs_dsp(design, pareto_points)
    out_dir = Path(out_dir)
    (out_dir / "plots").mkdir(parents=True, exist_ok=True)
    (out_dir / "parallelism.json").write_text(
        json.dumps(export_parallelism(design), indent=2) + "\n"
    )
    report["plots"] = {"cycles": "plots/cycles.png", "fps_vs_dsp": "plots/fps-vs-dsp.png"}
    plot_cycles(report, out_dir / report["plots"]["cycles"])
    plot_fps_vs_dsp(report, out_dir / report["plots"]["fps_vs_dsp"])
    return report
