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

from lic_compiler.dialects import hls
from lic_compiler.hls_schedule import PAUSES
from lic_compiler.hw import primitives as hwp
from lic_compiler.hw.design import CURVE_POINTS, Design, export_parallelism, fps_vs_dsp, from_ir
from lic_compiler.hw.device import RESOURCE_LABELS, RESOURCES
from lic_compiler.hw.primitives import PACK_MAX_BITS, PACK_SHAPES, dsp_per_mult, packing, signed_bits
from lic_compiler.hw.stages import KnobModel, StageModel
from lic_compiler.timing import phase

# Two ≤ 8-bit MACs per DSP48E2: the roofline's peak per DSP.
MACS_PER_DSP = 2


def _row(design: Design, s: StageModel, pace: bool) -> dict:
    c = design.cost(s)
    o = s.op.out_type
    row = {
        "function": s.function,
        "stage": s.name,
        "op": s.op.name,
        "kind": s.kind,
        "lic_ops": s.op.sources(),
        "input": list(s.op.in_type.get_shape()),
        "output": list(o.get_shape()),
        "macs": s.macs,
        "out_beat": {"lanes": o.lanes.data, "pixels": o.pixels.data},
        "cycles": c.cycles,
        **dict(zip(RESOURCES, c.vector())),
        "sets_pace": pace,
    }
    if isinstance(s, KnobModel):
        f = design.folding(s)
        row |= {"pe": f.pe, "simd": f.simd, "mmv": f.mmv, "ram_style": f.ram_style, "mult_impl": f.mult_impl}
        row["bits"] = {"weight": s.weight_bits, "act_in": s.op.in_type.bits, "act_out": o.bits}
    return row


def roofline_fps(macs: int, dsps: int, clock_mhz: float) -> float:
    """Frames per second if `dsps` DSPs did `MACS_PER_DSP` MACs every cycle."""
    return dsps * MACS_PER_DSP * clock_mhz * 1e6 / macs if macs else 0.0


def dsp_macs(s: KnobModel) -> float:
    """DSP slices × cycles per frame the stage's MACs need at best at their widths: 1/n of
    a DSP-cycle per MAC when n pack into one DSP48E2 (`primitives.packing`: pairs, and
    four or three in an MVAU that packs them itself), one (or more) when wider."""
    packs, signed = s.packs
    w, a = s.weight_bits, signed_bits(s.operand_bits, signed)
    shapes = PACK_SHAPES if packs else PACK_SHAPES[2:]
    most = max((p.products for shape in shapes if (p := packing(w, a, *shape)) is not None), default=0)
    return s.macs * (1 / most if most else dsp_per_mult(w, a))


def width_roofline_fps(stages: Sequence[StageModel], dsps: int, clock_mhz: float) -> float:
    """Frames per second if `dsps` DSPs did every MAC at its operands' best DSP rate
    (GDN's γ × x² at 16 bits takes a whole DSP)."""
    need = sum(dsp_macs(s) for s in stages if isinstance(s, KnobModel))
    return dsps * clock_mhz * 1e6 / need if need else 0.0


def hardware_report(design: Design) -> dict:
    """Per emitted stage and per function figures, utilisation per resource, device and clock."""
    rows, functions, fifos = [], {}, []
    for fn, stages in design.stages.items():
        pace = design.pace_setters(fn)
        rows += [_row(design, s, s in pace) for s in stages]
        fifos += [_fifo_row(s, stream, m) for s in stages for stream, m in s.fifos() if m.bram18 or m.uram]
        used = design.used([fn])
        macs = sum(s.macs for s in stages)
        functions[fn] = {
            "frame": list(stages[0].op.in_type.get_shape()),
            "fps": design.fps(fn),
            "cycles": design.cycles(fn),
            "loop_cycles": design.loop_cycles(fn),
            "latency_ms": design.latency_cycles(fn) / (design.clock_mhz * 1e3),
            "pace": [s.name for s in pace],
            "macs": macs,
            "used": used,
            "dsp_roofline_fps": roofline_fps(macs, used["dsp"], design.clock_mhz),
            "width_roofline_fps": width_roofline_fps(stages, used["dsp"], design.clock_mhz),
        }
    total = design.device.resources
    budget = design.budget()
    groups = []
    for g in design.groups():
        macs = sum(functions[f]["macs"] for f in g)
        groups.append({
            "functions": g,
            "fps": min(design.fps(f) for f in g),
            "used": (u := design.used(g)),
            "utilisation": {r: (u[r] / total[r] if total[r] else 0.0) for r in RESOURCES},
            "cap_roofline_fps": roofline_fps(macs, budget["dsp"], design.clock_mhz),
        })
    return {
        "device": {
            "name": design.device.name,
            "part": design.device.part,
            "resources": dict(total),
            "clock_mhz": design.clock_mhz,
            "util_cap": design.util_cap,
            "budget": budget,
        },
        "scope": design.scope,
        "functions": functions,
        "groups": groups,
        "stages": rows,
        "fifos": fifos,
    }


def _fifo_row(s: StageModel, stream: hls.StreamType, memory: hwp.Memory) -> dict:
    """A FIFO in block RAM (a residual's skip, a polyphase stage's rows): the stage that reads
    it, its depth in beats and bits per beat; its memory is part of that stage's cost."""
    return {
        "function": s.function, "read_by": s.name, "depth": stream.depth.data,
        "beat_bits": stream.beat_bits, "bram18": memory.bram18, "uram": memory.uram,
        "skip": _is_skip(s, stream),
    }


def _is_skip(s: StageModel, stream: hls.StreamType) -> bool:
    """Whether the FIFO is a residual's skip: the copy of a forked stream, waiting while
    the other path's stages fill."""
    return any(
        isinstance(v.owner, hls.ForkOp) and v == v.owner.copy and v.type == stream for v in s.op.operands
    )


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
        "| function | FPS | latency | pace set by | DSPs | DSP roofline FPS | FPS / roofline "
        "| at widths | FPS / it |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for fn, f in report["functions"].items():
        roofs = (f["dsp_roofline_fps"], f["width_roofline_fps"])
        ratios = [f["fps"] / r if r else 0.0 for r in roofs]
        pace = ", ".join(f"`{p}`" for p in f["pace"])
        lines.append(
            f"| {fn} | {f['fps']:.2f} | {f['latency_ms']:.2f} ms | {pace} "
            f"| {f['used']['dsp']:,} | {roofs[0]:.2f} | {ratios[0]:.2f} | {roofs[1]:.2f} | {ratios[1]:.2f} |"
        )
    paused = {fn: f for fn, f in report["functions"].items() if f["cycles"] > f["loop_cycles"]}
    if paused:
        lines.append("")
        lines += [
            f"The frame period of {fn} is its slowest loop's {f['loop_cycles']:,} cycles plus a pause of "
            f"{f['cycles'] - f['loop_cycles']:,} ({f['cycles'] / f['loop_cycles'] - 1:.2%}), counted in its FPS: "
            "its FIFOs wait out that much of the gaps between frames rather than bridge them (the shortest "
            "pause of " + ", ".join(f"{p:.1%}" for p in PAUSES) + " with which the design fits the budget)."
            for fn, f in paused.items()
        ]
    lines += ["", "| functions | FPS | FPS / cap roofline | " + " | ".join(RESOURCE_LABELS[r] for r in RESOURCES) + " |"]
    lines.append("|---|---:|---:|" + "---:|" * len(RESOURCES))
    for g in report["groups"]:
        cells = [
            f"{g['used'][r]:,} ({g['utilisation'][r]:.0%})" if dev["resources"][r] else "–"
            for r in RESOURCES
        ]
        ratio = g["fps"] / g["cap_roofline_fps"] if g["cap_roofline_fps"] else 0.0
        lines.append(f"| {', '.join(g['functions'])} | {g['fps']:.2f} | {ratio:.2f} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Roofline: {MACS_PER_DSP} MACs per DSP per cycle (two ≤ {PACK_MAX_BITS}-bit products "
        "per DSP48E2) on the DSPs used, or on the cap's DSPs (*cap roofline*); *at widths*: each "
        "MAC at its operands' best DSP rate. Products placed in fabric use no DSP, so a design "
        "can pass its roofline. One row per emitted stage (its C++ function); the stage that "
        "sets the pace is marked ◀.",
        "",
        "| function | stage | kind | lic ops | output | MACs | PE × SIMD × MMV | memory / products | cycles "
        "| DSP | BRAM18 | LUT |",
        "|---|---|---|---|---|---:|---|---|---:|---:|---:|---:|",
    ]
    for row in report["stages"]:
        fold = f"{row['pe']} × {row['simd']} × {row['mmv']}" if "pe" in row else ""
        where = f"{row['ram_style']} / {row['mult_impl']}" if "pe" in row else ""
        ops = ", ".join(row["lic_ops"])
        lines.append(
            f"| {row['function']} | `{row['stage']}` | {row['kind']} | {ops} | "
            f"{'×'.join(map(str, row['output']))} | {row['macs'] / 1e6:,.1f} M | {fold} | {where} | "
            f"{row['cycles']:,}{' ◀' if row['sets_pace'] else ''} | {row['dsp']:,} | "
            f"{row['bram18']:,} | {row['lut']:,} |"
        )
    if report.get("fifos"):
        lines += [
            "",
            "FIFOs in block RAM (each is part of its reader's cost above; *skip*: a residual's skip "
            "stream, the copy of a fork, waiting while the other path fills):",
            "",
            "| function | read by | skip | depth (beats) | beat (bits) | BRAM18 | URAM |",
            "|---|---|---|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {f['function']} | `{f['read_by']}` | {'yes' if f.get('skip') else ''} | {f['depth']:,} "
            f"| {f['beat_bits']} | {f['bram18']} | {f['uram']} |"
            for f in report["fifos"]
        ]
    for name, title in (("cycles", "Cycles per layer"), ("fps_vs_dsp", "FPS against DSP budget")):
        if name in report.get("plots", {}):
            lines += ["", f"![{title}]({report['plots'][name]})"]
    return "\n".join(lines) + "\n"


def frame_summary(info: dict, hardware: dict | None) -> dict | None:
    """The user's frame, the padded frame the design computes on, and the pad and crop
    stages' cost (None when the stride divides the frame)."""
    if "padded_frame" not in info:
        return None
    keys = ("function", "stage", "kind", "cycles", *RESOURCES)
    stages = [{k: r[k] for k in keys} for r in (hardware or {}).get("stages", []) if r["kind"] in ("pad", "crop")]
    return {"frame": info["frame"], "padded": info["padded_frame"], "stages": stages}


def render_frame(summary: dict) -> str:
    """The report.md paragraph on a padded frame."""
    (w, h), (wp, hp) = summary["frame"], summary["padded"]
    lines = [
        f"Frame {w}×{h} is computed at {wp}×{hp}, the next multiple of the stride: the encoder's input "
        "stage pads it by replicating the last column and row, the decoder crops its output back to "
        f"{w}×{h}, and the parts between (a decoder alone too) take the padded frame's latents.",
    ]
    if summary["stages"]:
        lines += ["", "| function | stage | kind | cycles | BRAM18 | LUT | FF |", "|---|---|---|---:|---:|---:|---:|"]
        lines += [
            f"| {s['function']} | `{s['stage']}` | {s['kind']} | {s['cycles']:,} | {s['bram18']} | {s['lut']:,} | {s['ff']:,} |"
            for s in summary["stages"]
        ]
    return "\n".join(lines) + "\n"


def plot_cycles(report: dict, path: Path) -> None:
    """Cycles per frame of every emitted stage, one panel per function, the pace-setters in red."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fns = list(report["functions"])
    fig, axes = plt.subplots(len(fns), 1, figsize=(9, 2.8 * len(fns)), squeeze=False)
    for ax, fn in zip(axes[:, 0], fns):
        rows = [r for r in report["stages"] if r["function"] == fn]
        colors = ["tab:red" if r["sets_pace"] else "tab:blue" for r in rows]
        ax.bar(range(len(rows)), [r["cycles"] for r in rows], color=colors)
        ax.set_xticks(range(len(rows)), [r["stage"] for r in rows], rotation=45, ha="right", fontsize=8)
        ax.set_ylabel("cycles / frame")
        ax.set_title(f"@{fn}: {report['functions'][fn]['fps']:.2f} FPS", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_fps_vs_dsp(report: dict, path: Path) -> None:
    """The solver's FPS against the DSP budget, the DSP roofline, the chosen design and the cap."""
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
        chosen = curve["chosen"]
        ax.plot([chosen["dsp"]], [chosen["fps"]], "o", color="black", label=f"{label}: chosen design")
        ax.axvline(curve["cap"], color="grey", linestyle=":", label="DSP cap")
    ax.set_xlabel("DSP budget")
    ax.set_ylabel("frames per second")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_hardware_report(module: ModuleOp, out_dir: Path, pareto_points: int = CURVE_POINTS) -> dict:
    """Write ``parallelism.json`` and ``plots/*.png`` into `out_dir`; return the report
    dict (for report.json; `render_markdown` gives its report.md section)."""
    with phase("design"):
        design = from_ir(module)
        report = hardware_report(design)
    with phase("fps-vs-dsp curve"):
        report["fps_vs_dsp"] = fps_vs_dsp(design, pareto_points)
    out_dir = Path(out_dir)
    (out_dir / "plots").mkdir(parents=True, exist_ok=True)
    (out_dir / "parallelism.json").write_text(
        json.dumps(export_parallelism(design), indent=2) + "\n"
    )
    report["plots"] = {"cycles": "plots/cycles.png", "fps_vs_dsp": "plots/fps-vs-dsp.png"}
    with phase("plots"):
        plot_cycles(report, out_dir / report["plots"]["cycles"])
        plot_fps_vs_dsp(report, out_dir / report["plots"]["fps_vs_dsp"])
    return report
