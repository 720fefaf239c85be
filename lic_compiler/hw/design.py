"""A design: one folding per stage on one device, evaluated, solved, and kept in the IR.

The folding of every conv, transposed conv and GDN is a knob in the IR (op
properties ``pe``, ``simd``, ``ram_style``, plus the ``cost`` estimate) and in
``parallelism.json``. Elementwise and root/reciprocal stages are derived:
each gets the fewest lanes that keep it within the design's cycle target,
which the module records (attribute ``lic.hw``) together with the device,
clock, utilisation cap and scope, so any tool can re-evaluate the design
from the IR alone.

Functions of one module (encoder, decoder, …) are independent pipelines.
Scope ``joint`` puts them all on one device under one budget and one cycle
target (both run at the same frame rate, the slower one's); ``per-function``
gives each function the whole device (one device per function).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from xdsl.dialects.builtin import (
    DictionaryAttr,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    f64,
    i64,
)

from lic_compiler.errors import LiccError
from lic_compiler.hw.device import RESOURCE_LABELS, RESOURCES, Device, load_device
from lic_compiler.hw.solver import Infeasible, Problem
from lic_compiler.hw.stages import MAX_MMV, RAM_STYLES, Cost, Folding, Stage, module_stages, total

MODULE_ATTR = "lic.hw"
SCOPES = ("joint", "per-function")
OBJECTIVES = ("max-fps", "min-resources")


@dataclass
class Design:
    device: Device
    clock_mhz: float
    util_cap: float
    scope: str
    stages: dict[str, list[Stage]]
    foldings: dict[tuple[str, int], Folding]
    ram_styles: tuple[str, ...] = RAM_STYLES  # weight memories the solver may use
    max_mmv: int = MAX_MMV  # pixels a GDN stage may take at once
    # Per function: the cycle target of its group, which derived stages meet.
    targets: dict[str, int] = field(default_factory=dict)
    _costs: dict[tuple[str, int], Cost] = field(default_factory=dict, repr=False)

    def folding(self, s: Stage) -> Folding:
        return self.foldings[(s.function, s.layer)]

    def cost(self, s: Stage) -> Cost:
        key = (s.function, s.layer)
        if key not in self._costs:
            self._costs[key] = s.cost(self.foldings[key])
        return self._costs[key]

    def cycles(self, function: str) -> int:
        return max(self.cost(s).cycles for s in self.stages[function])

    def fps(self, function: str) -> float:
        return self.clock_mhz * 1e6 / self.cycles(function)

    def bottleneck(self, function: str) -> Stage:
        return max(self.stages[function], key=lambda s: self.cost(s).cycles)

    def latency_cycles(self, function: str) -> float:
        """First input to last output: a frame at the bottleneck's pace, plus each
        stage's buffered rows at that pace, plus the pipeline depths."""
        t = self.cycles(function)
        rows = sum(s.fill_rows / s.input_shape[2] for s in self.stages[function])
        return t * (1 + rows) + sum(self.cost(s).depth for s in self.stages[function])

    def used(self, functions: Sequence[str] | None = None) -> dict[str, int]:
        names = self.stages if functions is None else functions
        return total([self.cost(s) for f in names for s in self.stages[f]])

    def budget(self) -> dict[str, int]:
        return self.device.budget(self.util_cap)

    def groups(self) -> list[list[str]]:
        """Functions sharing one device: all of them, or each alone."""
        names = list(self.stages)
        return [names] if self.scope == "joint" else [[n] for n in names]

    def slowest_folded(self) -> dict[str, int]:
        """Per function, the cycles of its group's slowest folded stage."""
        out = {}
        for group in self.groups():
            t = max(self.cost(s).cycles for f in group for s in self.stages[f] if s.folded)
            out |= {f: t for f in group}
        return out


def derived_folding(s: Stage, target: int) -> Folding:
    """The fewest lanes that keep an unfolded stage within `target` cycles."""
    options = s.foldings(())
    return next((f for f in options if s.cost(f).cycles <= target), options[-1])


def _budget_array(budget: dict[str, int]) -> np.ndarray:
    return np.array([budget[r] for r in RESOURCES], dtype=np.int64)


def fmt(x: float) -> str:
    """A number for messages: thousands separated, at most two decimals."""
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def _cycles_for(fps: float, clock_mhz: float) -> int:
    return int(clock_mhz * 1e6 // fps)


def _solve_group(
    stages: list[Stage],
    budget: np.ndarray,
    clock_mhz: float,
    objective: str,
    target_fps: float | None,
    ram_styles: Sequence[str],
    max_mmv: int,
    where: str,
) -> tuple[dict[tuple[str, int], Folding], int]:
    """The foldings of one group's stages and the cycle target they meet."""
    problem = Problem(stages, ram_styles, max_mmv)
    try:
        if objective == "min-resources":
            assert target_fps is not None
            solution = problem.min_cost(_cycles_for(target_fps, clock_mhz), budget)
        else:
            solution = problem.max_fps(budget)
    except Infeasible as e:
        if objective == "min-resources":
            best = _best_fps(problem, budget, clock_mhz, where)
            raise LiccError(
                f"{fmt(target_fps)} FPS is out of reach for {where}: {e.reason}; the best within "
                f"the budget is {fmt(best)} FPS (lower target-fps, raise util-cap or pick a "
                "larger device)"
            ) from None
        raise LiccError(
            f"no design of {where} fits the budget: {e.reason} (raise util-cap, pick a larger "
            "device, or use narrower bit widths)"
        ) from None
    fps = clock_mhz * 1e6 / solution.cycles
    if objective == "max-fps" and target_fps is not None and fps < target_fps:
        raise LiccError(
            f"{fmt(target_fps)} FPS is out of reach for {where}: the best within the budget is "
            f"{fmt(fps)} FPS: {problem.explain(_cycles_for(target_fps, clock_mhz), budget)}"
        )
    return {(s.function, s.layer): f for s, f in zip(stages, solution.foldings)}, solution.cycles


def _best_fps(problem: Problem, budget: np.ndarray, clock_mhz: float, where: str) -> float:
    try:
        return clock_mhz * 1e6 / problem.max_fps(budget).cycles
    except Infeasible as e:
        raise LiccError(
            f"no design of {where} fits the budget at any frame rate: {e.reason}"
        ) from None


def solve(
    module: ModuleOp,
    device: Device,
    *,
    clock_mhz: float | None = None,
    util_cap: float | None = None,
    objective: str = "max-fps",
    target_fps: float | None = None,
    scope: str = "joint",
    ram_styles: Sequence[str] | None = None,
    max_mmv: int = MAX_MMV,
) -> Design:
    """The design the solver picks for every function of `module`."""
    clock, cap = _check_options(device, clock_mhz, util_cap, objective, target_fps, scope)
    if max_mmv < 1:
        raise LiccError(f"max-mmv must be at least 1 (1: no pixel lanes), got {max_mmv}")
    styles = _ram_styles(device, ram_styles)
    stages = module_stages(module)
    design = Design(device, clock, cap, scope, stages, {}, styles, max_mmv)
    budget = _budget_array(design.budget())
    for group in design.groups():
        where = f"@{', @'.join(group)} on {device.name} ({fmt(clock)} MHz, {fmt(cap * 100)}% cap)"
        flat = [s for f in group for s in stages[f]]
        foldings, t = _solve_group(
            flat, budget, clock, objective, target_fps, styles, max_mmv, where
        )
        design.foldings |= foldings
        design.targets |= {f: t for f in group}
    return design


def _check_options(
    device: Device,
    clock_mhz: float | None,
    util_cap: float | None,
    objective: str,
    target_fps: float | None,
    scope: str,
) -> tuple[float, float]:
    clock = device.clock_mhz if clock_mhz is None else clock_mhz
    cap = device.util_cap if util_cap is None else util_cap
    if clock <= 0:
        raise LiccError(f"clock-mhz must be positive, got {clock:g}")
    if not 0 < cap <= 1:
        raise LiccError(f"util-cap must be in (0, 1], got {cap:g}")
    if objective not in OBJECTIVES:
        raise LiccError(f"objective must be one of {', '.join(OBJECTIVES)}, got '{objective}'")
    if scope not in SCOPES:
        raise LiccError(f"scope must be one of {', '.join(SCOPES)}, got '{scope}'")
    if target_fps is not None and target_fps <= 0:
        raise LiccError(f"target-fps must be positive, got {target_fps:g}")
    if objective == "min-resources" and target_fps is None:
        raise LiccError("objective=min-resources needs target-fps (the frame rate to meet)")
    return clock, cap


def _ram_styles(device: Device, wanted: Sequence[str] | None) -> tuple[str, ...]:
    """Weight memories to consider: the given ones, or all the device has."""
    if wanted:
        bad = [r for r in wanted if r not in RAM_STYLES]
        if bad:
            raise LiccError(f"unknown ram style {bad[0]!r}; choose from {', '.join(RAM_STYLES)}")
        return tuple(wanted)
    return tuple(r for r in RAM_STYLES if r != "uram" or device.resources["uram"] > 0)


# --- the design in the IR -------------------------------------------------------


def annotate(module: ModuleOp, design: Design, objective: str) -> None:
    """Write the folding and estimates to the ops, and the design's frame to the module."""
    for fn, stages in design.stages.items():
        for s in stages:
            if not s.folded:
                continue
            f, c = design.folding(s), design.cost(s)
            s.op.properties |= {
                "pe": IntegerAttr(f.pe, i64),
                "simd": IntegerAttr(f.simd, i64),
            }
            if s.has_mmv:
                s.op.properties["mmv"] = IntegerAttr(f.mmv, i64)
            s.op.properties |= {
                "ram_style": StringAttr(f.ram_style),
                "cost": DictionaryAttr(
                    {"cycles": IntegerAttr(c.cycles, i64)}
                    | {r: IntegerAttr(v, i64) for r, v in zip(RESOURCES, c.vector())}
                ),
            }
    module.attributes[MODULE_ATTR] = DictionaryAttr(
        {
            "device": StringAttr(design.device.ref),  # a board file by its path
            "part": StringAttr(design.device.part),
            "clock_mhz": FloatAttr(design.clock_mhz, f64),
            "util_cap": FloatAttr(design.util_cap, f64),
            "scope": StringAttr(design.scope),
            "objective": StringAttr(objective),
            "ram_styles": StringAttr(",".join(design.ram_styles)),
            "max_mmv": IntegerAttr(design.max_mmv, i64),
            "target_cycles": DictionaryAttr({f: IntegerAttr(t, i64) for f, t in design.targets.items()}),
            "fps": DictionaryAttr(
                {f: FloatAttr(round(design.fps(f), 3), f64) for f in design.stages}
            ),
        }
    )


def from_ir(module: ModuleOp, device: Device | None = None) -> Design:
    """The design recorded in an IR that `lic-set-parallelism` annotated (maybe edited by hand)."""
    attr = module.attributes.get(MODULE_ATTR)
    if not isinstance(attr, DictionaryAttr):
        raise LiccError(f"the module has no '{MODULE_ATTR}' attribute; run lic-set-parallelism first")
    info = attr.data
    try:
        dev = device or load_device(info["device"].data)  # type: ignore[attr-defined]
        clock = info["clock_mhz"].value.data  # type: ignore[attr-defined]
        cap = info["util_cap"].value.data  # type: ignore[attr-defined]
        scope = info["scope"].data  # type: ignore[attr-defined]
        styles = tuple(info["ram_styles"].data.split(","))  # type: ignore[attr-defined]
        max_mmv = info["max_mmv"].value.data  # type: ignore[attr-defined]
        targets = {k: v.value.data for k, v in info["target_cycles"].data.items()}  # type: ignore[attr-defined]
    except (KeyError, AttributeError) as e:
        raise LiccError(
            f"the module's '{MODULE_ATTR}' attribute is malformed ({e}); re-run lic-set-parallelism"
        ) from None
    stages = module_stages(module)
    design = Design(dev, clock, cap, scope, stages, {}, styles, max_mmv)
    for fn, ss in stages.items():
        for s in ss:
            if not s.folded:
                continue
            props = s.op.properties
            missing = [p for p in ("pe", "simd", "ram_style") if p not in props]
            if missing:
                raise LiccError(f"{s.label} has no {', '.join(missing)}; run lic-set-parallelism first")
            mmv = props["mmv"].value.data if "mmv" in props else 1  # type: ignore[attr-defined]
            f = Folding(props["pe"].value.data, props["simd"].value.data, props["ram_style"].data, mmv)  # type: ignore[attr-defined]
            _check_legal(s, f, "the IR")
            design.foldings[(fn, s.layer)] = f
    _derive(design, targets if set(targets) >= set(stages) else None)
    return design


def _derive(design: Design, targets: dict[str, int] | None) -> None:
    """Set the cycle targets (default: the slowest folded stage) and the derived stages."""
    design.targets = targets if targets is not None else design.slowest_folded()
    for fn, ss in design.stages.items():
        for s in ss:
            if not s.folded:
                design.foldings[(fn, s.layer)] = derived_folding(s, design.targets[fn])


def _check_legal(s: Stage, f: Folding, where: str) -> None:
    problem = s.illegal(f)
    if problem:
        raise LiccError(f"{where}: {s.label}: {problem}")


# --- parallelism.json -----------------------------------------------------------


def export_parallelism(design: Design) -> dict:
    """The editable folding file: one entry per conv, transposed conv and GDN."""
    layers = []
    for ss in design.stages.values():
        for s in ss:
            if not s.folded:
                continue
            f = design.folding(s)
            entry = {"function": s.function, "layer": s.layer, "name": s.name, "op": s.op.name}
            entry |= {"pe": f.pe, "simd": f.simd} | ({"mmv": f.mmv} if s.has_mmv else {})
            entry |= {"ram_style": f.ram_style, "cycles": design.cost(s).cycles}
            layers.append(entry)
    return {
        "device": design.device.name,
        "clock_mhz": design.clock_mhz,
        "util_cap": design.util_cap,
        "scope": design.scope,
        "target_cycles": design.targets,
        "layers": layers,
    }


def apply_parallelism(
    module: ModuleOp,
    path: str | Path,
    device: Device,
    *,
    clock_mhz: float | None = None,
    util_cap: float | None = None,
    scope: str | None = None,
) -> Design:
    """The design a (hand-edited) parallelism.json describes, checked for legality and budget."""
    where = str(path)
    try:
        data = json.loads(Path(path).read_text())
    except OSError as e:
        raise LiccError(f"cannot read parallelism file {where}: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise LiccError(f"{where} is not valid JSON: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("layers"), list):
        raise LiccError(f"{where}: expected an object with a 'layers' list (as lic-set-parallelism writes)")
    chosen_scope = scope or data.get("scope", "joint")
    clock, cap = _check_options(device, clock_mhz, util_cap, "max-fps", None, chosen_scope)
    stages = module_stages(module)
    design = Design(device, clock, cap, chosen_scope, stages, {}, _ram_styles(device, None))
    by_key = {(s.function, s.layer): s for ss in stages.values() for s in ss if s.folded}
    for entry in data["layers"]:
        s, f = _entry(entry, by_key, where)
        _check_legal(s, f, where)
        design.foldings[(s.function, s.layer)] = f
    missing = [s.label for k, s in by_key.items() if k not in design.foldings]
    if missing:
        raise LiccError(f"{where} has no entry for {missing[0]}" + (f" and {len(missing) - 1} more" if len(missing) > 1 else ""))
    targets = data.get("target_cycles")
    _derive(design, targets if isinstance(targets, dict) and set(targets) >= set(stages) else None)
    _check_budget(design, where)
    return design


def _entry(entry: object, by_key: dict[tuple[str, int], Stage], where: str) -> tuple[Stage, Folding]:
    if not isinstance(entry, dict) or not {"function", "layer", "pe", "simd"} <= set(entry):
        raise LiccError(f"{where}: every layer needs function, layer, pe and simd; got {entry!r}")
    key = (entry["function"], entry["layer"])
    s = by_key.get(key)
    if s is None:
        raise LiccError(f"{where}: @{key[0]} #{key[1]} is not a conv, transposed conv or GDN of this IR")
    for field_, actual in (("op", s.op.name), ("name", s.name)):
        if field_ in entry and entry[field_] != actual:
            raise LiccError(
                f"{where}: @{key[0]} #{key[1]} is {field_} '{entry[field_]}' in the file but "
                f"'{actual}' in the IR; the file belongs to another model (regenerate it)"
            )
    mmv = entry.get("mmv", 1)
    if not all(isinstance(v, int) for v in (entry["pe"], entry["simd"], mmv)):
        raise LiccError(f"{where}: {s.label}: pe, simd and mmv must be integers")
    return s, Folding(entry["pe"], entry["simd"], entry.get("ram_style", "bram"), mmv)


def _check_budget(design: Design, where: str) -> None:
    budget = design.budget()
    for group in design.groups():
        used = design.used(group)
        for r in RESOURCES:
            if used[r] > budget[r]:
                users = sorted(
                    (s for f in group for s in design.stages[f]),
                    key=lambda s: -design.cost(s).vector()[RESOURCES.index(r)],
                )[:3]
                top = ", ".join(
                    f"{u.label} {design.cost(u).vector()[RESOURCES.index(r)]:,}" for u in users
                )
                raise LiccError(
                    f"{where}: the folding needs {used[r]:,} {RESOURCE_LABELS[r]} but "
                    f"{design.device.name} allows {budget[r]:,} ({fmt(design.util_cap * 100)}% cap); "
                    f"the largest users are {top}"
                )


# --- the solver's Pareto curve --------------------------------------------------


def fps_vs_dsp(design: Design, points: int = 10) -> list[dict]:
    """Per group of functions sharing a device: the best FPS as the DSP budget grows
    from the least any design needs to the cap (other resources at the cap)."""
    budget = _budget_array(design.budget())
    dsp = RESOURCES.index("dsp")
    curves = []
    for group in design.groups():
        stages = [s for f in group for s in design.stages[f]]
        problem = Problem(stages, design.ram_styles, design.max_mmv)
        least = sum(int(o.res[:, dsp].min()) for o in problem.options)
        rows: list[dict] = []
        feasible = None  # a larger budget keeps the previous design feasible
        for b in np.unique(np.linspace(least, budget[dsp], points).astype(np.int64)):
            limited = budget.copy()
            limited[dsp] = b
            try:
                sol = problem.max_fps(limited, feasible)
            except Infeasible:
                continue
            feasible = sol.cycles
            used = sum(s.cost(f).dsp for s, f in zip(stages, sol.foldings))
            rows.append(
                {"dsp_budget": int(b), "dsp": used, "fps": design.clock_mhz * 1e6 / sol.cycles}
            )
        curves.append({"functions": group, "points": rows})
    return curves
