"""A design: the `hls` dataflow of every function, folded for one device, solved, kept in the IR.

The knobs are the compute stages' properties (``pe``, ``simd``, ``mmv``,
``ram_style``, ``mult_impl``) and ``parallelism.json``; every other stage
follows from them (`lic_compiler.hw.fold`). Every stage carries its
``cost`` (cycles per frame, DSP, BRAM18, URAM, LUT, FF, its input FIFO
included) and the module its device, clock, cap and scope (attribute
``lic.hw``), so any tool can re-evaluate the design from the IR alone.

Functions of one module (encoder, decoder, …) are independent pipelines.
Scope ``joint`` puts them all on one device under one budget and one cycle
target (both run at the slower one's frame rate); ``per-function`` gives
each function the whole device.

The solver (`lic_compiler.hw.solver`) picks the compute stages' foldings
with each option priced before it is applied. What only the applied design
knows — width converters between stages, FIFO depths — is then costed from
the IR; if it pushes the design over the budget, the solve is repeated with
that much less for the compute stages. Once a design fits that way, faster
targets down to the best with nothing reserved are bisected, each tried with
a few least-cost designs (a faster design's own converters and FIFOs may take
less than the rounds' reserve); a try that overruns the budget charges each
of its options what the converters and FIFOs before its stage took, so the
next try weighs that folding at its applied price.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import DictionaryAttr, FloatAttr, IntegerAttr, ModuleOp, StringAttr, f64, i64

from lic_compiler.dialects import hls
from lic_compiler.errors import LiccError
from lic_compiler.hls_schedule import PAUSES, internal_streams, paced, set_depths, size_all
from lic_compiler.hw.device import RESOURCE_LABELS, RESOURCES, Device, load_device
from lic_compiler.hw.fold import Folding, folding_of, refold
from lic_compiler.hw.solver import RESOLUTION, Infeasible, Problem
from lic_compiler.hw.stages import MAX_MMV, MULT_IMPLS, RAM_STYLES, Cost, KnobModel, StageModel, dataflow_of, module_stages, total

MODULE_ATTR = "lic.hw"
SCOPES = ("joint", "per-function")
OBJECTIVES = ("max-fps", "min-resources")
# Re-solves with the converters' and FIFOs' share taken off the budget.
MAX_ROUNDS = 6
CURVE_POINTS = 6
# The bisection for a faster design than the rounds' (see `_tighten`): each step applies one.
TIGHTEN_TOLERANCE = 0.01
# Designs applied per target of that bisection (`_fit_at`: each overrun is charged to its options).
FIT_TRIES = 6
# How much slower than the best target with nothing reserved `_rescue` looks for a design.
RESCUE_SLOWDOWN = 4
# The FPS-vs-DSP curve's bisection tolerance: a picture, not the plan.
CURVE_TOLERANCE = 0.01


@dataclass
class Design:
    device: Device
    clock_mhz: float
    util_cap: float
    scope: str
    stages: dict[str, list[StageModel]]
    ram_styles: tuple[str, ...] = RAM_STYLES  # weight memories the solver may use
    mult_impls: tuple[str, ...] = MULT_IMPLS  # where products may go
    max_mmv: int = MAX_MMV  # pixels a stage may take at once
    tiling: bool = False  # only pixel groups that tile the rows (no padded groups)
    period_cap: int | None = None  # cycles a frame may take (a target FPS): bounds FIFO sizing's pause
    # Groups (by first function) whose applied designs needed the longest pause: later tries start there.
    _memory_bound: set[str] = field(default_factory=set, repr=False)
    _costs: dict[StageModel, Cost] = field(default_factory=dict, repr=False)

    def cost(self, s: StageModel) -> Cost:
        if s not in self._costs:
            self._costs[s] = s.cost()
        return self._costs[s]

    def folding(self, s: KnobModel) -> Folding:
        return folding_of(s.op)  # type: ignore[arg-type]

    def cycles(self, function: str) -> int:
        """`function`'s frame period: its slowest loop's iterations, or the longer period
        its FIFOs are sized for (a pause of `hls_schedule.PAUSES`)."""
        flow = self.stages[function][0].op.parent_op()
        period = flow.period.value.data if isinstance(flow, hls.DataflowOp) and flow.period else 0
        return max(self.loop_cycles(function), period)

    def loop_cycles(self, function: str) -> int:
        return max(self.cost(s).cycles for s in self.stages[function])

    def group_cycles(self, function: str) -> int:
        """The frame period of `function`'s group (joint functions run at the slowest pace)."""
        group = next(g for g in self.groups() if function in g)
        return max(self.cycles(f) for f in group)

    def fps(self, function: str) -> float:
        return self.clock_mhz * 1e6 / self.group_cycles(function)

    def pace_setters(self, function: str) -> list[StageModel]:
        """The stages whose loops set the function's frame period (ties listed once each)."""
        t = self.loop_cycles(function)
        return [s for s in self.stages[function] if self.cost(s).cycles == t]

    def latency_cycles(self, function: str) -> float:
        """First input to last output: a frame at the pace, plus each stage's buffered
        input rows at that pace, plus the pipeline depths."""
        t = self.group_cycles(function)
        rows = 0.0
        for s in self.stages[function]:
            if isinstance(s.op, hls.WindowOp | hls.DeconvOp):
                _, h, _ = s.op.in_type.get_shape()
                g = s.op.geometry()
                rows += (g.kh - g.ph if isinstance(s.op, hls.WindowOp) else g.ph // g.sh + 1) / h
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

    def knobs(self, group: Sequence[str]) -> list[KnobModel]:
        return [s for f in group for s in self.stages[f] if isinstance(s, KnobModel)]


def _budget_array(budget: dict[str, int]) -> np.ndarray:
    return np.array([budget[r] for r in RESOURCES], dtype=np.int64)


def fmt(x: float) -> str:
    """A number for messages: thousands separated, at most two decimals."""
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def _cycles_for(fps: float, clock_mhz: float) -> int:
    return int(clock_mhz * 1e6 // fps)


def _period_cap(target_fps: float | None, clock_mhz: float) -> int | None:
    """The most cycles a frame may take: a target FPS bounds the pause FIFO sizing takes."""
    return None if target_fps is None else _cycles_for(target_fps, clock_mhz)


def problem(knobs: Sequence[KnobModel], design: Design) -> Problem:
    """The solver's view of some compute stages: their legal foldings, each priced."""
    budget = design.budget()
    cap = (budget["dsp"], budget["lut"])  # no sweep of the budget goes above the cap
    return Problem(
        knobs, lambda s: s.option_table(design.ram_styles, design.mult_impls, design.max_mmv, design.tiling, cap)
    )


def _solve_group(
    p: Problem, budget: np.ndarray, clock_mhz: float, objective: str, target_fps: float | None, where: str,
    floor: int | None = None,
) -> tuple[list[Folding], int]:
    """The foldings of one group's compute stages and the cycle target they meet (none
    below `floor`, the best of a larger budget)."""
    try:
        if objective == "min-resources":
            assert target_fps is not None
            solution = p.min_cost(_cycles_for(target_fps, clock_mhz), budget)
        else:
            solution = p.max_fps(budget, floor=floor)
    except Infeasible as e:
        if objective == "min-resources":
            best = _best_fps(p, budget, clock_mhz, where)
            raise LiccError(
                f"{fmt(target_fps)} FPS is out of reach for {where}: {e.reason}; the best within "  # type: ignore[arg-type]
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
            f"{fmt(fps)} FPS: {p.explain(_cycles_for(target_fps, clock_mhz), budget)}"
        )
    return solution.foldings, solution.cycles


def _best_fps(p: Problem, budget: np.ndarray, clock_mhz: float, where: str) -> float:
    try:
        return clock_mhz * 1e6 / p.max_fps(budget).cycles
    except Infeasible as e:
        raise LiccError(f"no design of {where} fits the budget at any frame rate: {e.reason}") from None


def _flows(module: ModuleOp) -> dict[str, hls.DataflowOp]:
    return {
        f.sym_name.data: flow
        for f in module.ops
        if isinstance(f, func.FuncOp) and (flow := dataflow_of(f)) is not None
    }


def apply(module: ModuleOp, foldings: dict[KnobModel, Folding], targets: dict[str, int], design: Design) -> None:
    """Refold every dataflow and size its FIFOs (so their memory is costed) for the
    shortest pause per frame (`PAUSES`); a group of `design` that does not fit so, and
    from then on every try of it, for the longest, the least memory (`_shortest_pause`
    then looks for the shortest that fits)."""
    flows = _flows(module)
    for name, flow in flows.items():
        refold(flow, {s.op: f for s, f in foldings.items() if s.function == name}, targets.get(name))
    for group in design.groups():
        for pause in (PAUSES[0], PAUSES[-1]) if group[0] not in design._memory_bound else (PAUSES[-1],):
            size_all([(flows[f], paced(flows[f], pause, design.period_cap)) for f in group])
            if pause == PAUSES[0] and not _fits(module, design, group):
                design._memory_bound.add(group[0])
            else:
                break


def _fits(module: ModuleOp, design: Design, group: Sequence[str]) -> bool:
    return bool((_budget_array(_applied(module, design).used(group)) <= _budget_array(design.budget())).all())


def _shortest_pause(module: ModuleOp, design: Design) -> Design:
    """`design` with each group's FIFOs sized for the shortest pause per frame (`PAUSES`)
    with which it fits the budget: a pause costs its share of the frame rate, bridging it
    costs the FIFO memory (a window generator's first rows, a transposed convolution's
    first block row). `apply` sized the shortest where it fits, else the longest; this
    tries the others, shortest first."""
    flows = _flows(module)
    for group in design.groups():
        first = flows[group[0]]
        if first.period.value.data == paced(first, PAUSES[0], design.period_cap):  # type: ignore[union-attr]
            continue
        longest = {f: _depths(flows[f]) for f in group}
        for pause in PAUSES[:-1]:
            size_all([(flows[f], paced(flows[f], pause, design.period_cap)) for f in group])
            if _fits(module, design, group):
                break
        else:
            for f, (period, depths) in longest.items():
                set_depths(flows[f], period, depths)
    return _applied(module, design)


def _depths(flow: hls.DataflowOp) -> tuple[int, list[int]]:
    return flow.period.value.data, [hls.stream_of(v).depth.data for v in internal_streams(flow)]  # type: ignore[union-attr]


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
    mult_impls: Sequence[str] | None = None,
    max_mmv: int = MAX_MMV,
) -> Design:
    """Choose, apply and cost the folding of every function of `module` (an hls module)."""
    clock, cap = _check_options(device, clock_mhz, util_cap, objective, target_fps, scope)
    if max_mmv < 1:
        raise LiccError(f"max-mmv must be at least 1 (1: no pixel parallelism), got {max_mmv}")
    styles = _ram_styles(device, ram_styles)
    impls = _mult_impls(mult_impls)
    settings = (device, clock, cap, scope, styles, impls, max_mmv, objective, target_fps)
    free: dict[str, int] = {}
    try:
        design = _solve_rounds(module, *settings, tiling=False, free=free)
    except _OverBudget:
        # Padded pixel groups let neighbours differ in pixels at once, and a width converter
        # between them holds lcm(pixels) whole pixels: on a small device those can take the
        # budget. Groups that tile the rows keep converters small.
        try:
            design = _solve_rounds(module, *settings, tiling=True)
        except _OverBudget as e:
            unfit = Design(
                device, clock, cap, scope, module_stages(module), styles, impls, max_mmv,
                period_cap=_period_cap(target_fps, clock),
            )
            rescued = _rescue(module, unfit, free) if objective == "max-fps" else None
            if rescued is None:
                raise LiccError(str(e)) from None
            design = rescued
    return _shortest_pause(module, design)


def planning(
    stages: dict[str, list[StageModel]], device: Device, *, clock_mhz: float | None = None,
    util_cap: float | None = None, scope: str = "joint",
) -> Design:
    """The unsolved design of some stages with `solve`'s defaults, whose `problem` prices
    their options (the precision search's per-stage estimate)."""
    clock, cap = _check_options(device, clock_mhz, util_cap, "max-fps", None, scope)
    return Design(device, clock, cap, scope, stages, _ram_styles(device, None), _mult_impls(None))


class _OverBudget(Exception):
    """The width converters and FIFOs of the solved designs do not fit beside them."""


def _solve_rounds(
    module: ModuleOp, device: Device, clock: float, cap: float, scope: str, styles: tuple[str, ...],
    impls: tuple[str, ...], max_mmv: int, objective: str, target_fps: float | None, tiling: bool,
    free: dict[str, int] | None = None,
) -> Design:
    """Solve, apply, and solve again with what the applied design's converters and FIFOs
    took reserved, until a design fits. `free` gets each group's best target with nothing
    reserved (for `_rescue`)."""
    design = Design(
        device, clock, cap, scope, module_stages(module), styles, impls, max_mmv, tiling, _period_cap(target_fps, clock)
    )
    budget = _budget_array(design.budget())
    reserve = {tuple(g): np.zeros(len(RESOURCES), dtype=np.int64) for g in design.groups()}
    targets: dict[str, int] = {}
    free = {} if free is None else free
    for _ in range(MAX_ROUNDS):
        foldings: dict[KnobModel, Folding] = {}
        for group in design.groups():
            where = f"@{', @'.join(group)} on {device.name} ({fmt(clock)} MHz, {fmt(cap * 100)}% cap)"
            if ((reserve[tuple(group)] >= budget) & (reserve[tuple(group)] > 0)).any():
                raise _OverBudget(_over_budget(device, budget, reserve[tuple(group)]))
            knobs = design.knobs(group)
            p = problem(knobs, design)
            p.step = np.maximum(budget // RESOLUTION, 1)  # the device's ε in every round: fronts reused
            share, floor = reserve[tuple(group)], targets.get(group[0])
            while True:
                try:
                    # Targets below the last round's best did not fit a budget that held more.
                    chosen, t = _solve_group(p, budget - share, clock, objective, target_fps, where, floor)
                    break
                except LiccError:
                    if not share.any():
                        if reserve[tuple(group)].any():
                            raise _OverBudget(
                                _over_budget(device, budget, reserve[tuple(group)], beside=True)
                            ) from None
                        raise
                    # Another design needs other converters and FIFOs: try with half the share.
                    share, floor = share // 2, None
            foldings |= dict(zip(knobs, chosen))
            targets |= dict.fromkeys(group, t)
        if not free:
            free.update(targets)
        apply(module, foldings, targets, design)
        design = _applied(module, design)
        over = False
        for group in design.groups():
            used = _budget_array(design.used(group))
            if (used > budget).any():
                # What the compute stages' options do not price: converters, FIFOs, windows fed
                # slower than they could be, as the last applied design needed them.
                reserve[tuple(group)] = _unpriced(design, group)
                over = True
        if not over:
            return _tighten(module, design, foldings, targets, free) if objective == "max-fps" else design
    raise _OverBudget(_over_budget(device, budget, max(reserve.values(), key=lambda r: (r / np.maximum(budget, 1)).max())))


def _tighten(
    module: ModuleOp, design: Design, foldings: dict[KnobModel, Folding], targets: dict[str, int], free: dict[str, int],
) -> Design:
    """A faster design than the rounds found, where one fits. The rounds reserve what the
    last applied design's converters and FIFOs took, but a faster design's may take less
    (a polyphase stage's output FIFO depends on its own folding): between the best target
    with nothing reserved and the fitted one, bisect on the targets where a least-cost
    design, applied with its own converters and FIFOs, fits the budget (`_fit_at`)."""
    budget = _budget_array(design.budget())
    changed = False
    for group in design.groups():
        knobs = design.knobs(group)
        p = problem(knobs, design)
        p.step = np.maximum(budget // RESOLUTION, 1)
        prior = _unpriced(design, group)
        cands = p.candidates()
        lo, hi = (int(np.searchsorted(cands, t)) for t in (free[group[0]], targets[group[0]]))
        while lo < hi and cands[hi] > cands[lo] * (1 + TIGHTEN_TOLERANCE):
            mid = (lo + hi) // 2
            fit = _fit_at(module, design, p, group, foldings, targets, int(cands[mid]), budget, prior)
            changed = True
            if fit is None:
                lo = mid + 1
            else:
                hi, (foldings, targets) = mid, fit
    if not changed:
        return design
    apply(module, foldings, targets, design)
    return _applied(module, design)


def _rescue(module: ModuleOp, design: Design, free: dict[str, int]) -> Design | None:
    """A design when the rounds found none: their reserve follows the last applied design,
    and squeezing the compute stages into less block RAM can make their FIFOs and
    converters take more (a slower MVAU's input FIFO holds more of its window's bursts),
    so the rounds can chase a reserve no design leaves room for. A design at
    `RESCUE_SLOWDOWN` times each group's best target with nothing reserved (`_fit_at`)
    bounds a bisection from that best (`_tighten`); None when it does not fit (slower
    targets are not tried: a schedule holds a flag per cycle of the frame)."""
    if not free:
        return None
    budget = _budget_array(design.budget())
    foldings: dict[KnobModel, Folding] = {}
    targets: dict[str, int] = {}
    for group in design.groups():
        p = problem(design.knobs(group), design)
        p.step = np.maximum(budget // RESOLUTION, 1)
        cands = p.candidates()
        slow = cands[min(int(np.searchsorted(cands, RESCUE_SLOWDOWN * free[group[0]])), len(cands) - 1)]
        fit = _fit_at(module, design, p, group, foldings, targets, int(slow), budget)
        if fit is None:
            return None
        foldings, targets = fit
    return _tighten(module, _applied(module, design), foldings, targets, free)


def _fit_at(
    module: ModuleOp, design: Design, p: Problem, group: Sequence[str], foldings: dict[KnobModel, Folding],
    targets: dict[str, int], t: int, budget: np.ndarray, prior: np.ndarray | None = None,
) -> tuple[dict[KnobModel, Folding], dict[str, int]] | None:
    """The least-cost design of `group` meeting `t` that fits once applied (its converters
    and FIFOs counted), or None after `FIT_TRIES` applied tries. `prior` (what a fitted
    design's converters and FIFOs took: a design of similar foldings needs about as
    much) is reserved off the budget, halved while no design meets `t` beside it. A try
    that overruns charges each of its options what its converters and FIFOs took
    (`_learn`, kept in `p` for later targets), so the next try is another design, one
    that is dearer in compute where that saves FIFOs: reserving one bad try's FIFOs for
    every other design can leave no room at all."""
    knobs = design.knobs(group)
    reserve = np.zeros_like(budget) if prior is None else prior
    for _ in range(FIT_TRIES):
        while True:
            try:
                sol = p.min_cost(t, np.maximum(budget - reserve, 0))
                break
            except Infeasible:
                if not reserve.any():
                    return None
                reserve = reserve // 2
        trial = {k: f for k, f in foldings.items() if k.function not in group} | dict(zip(knobs, sol.foldings))
        trial_targets = targets | dict.fromkeys(group, sol.cycles)
        apply(module, trial, trial_targets, design)
        applied = _applied(module, design)
        if (_budget_array(applied.used(group)) <= budget).all():
            return trial, trial_targets
        _learn(p, design, applied, group, sol.foldings)
    return None


def _learn(p: Problem, design: Design, applied: Design, group: Sequence[str], chosen: Sequence[Folding]) -> None:
    """Charge each compute stage's chosen option, in `p`, what the applied design's stages
    from the one before it up to it (converters, lanes, its input FIFOs) took beyond the
    option's price: the next least-cost design then weighs a folding whose FIFOs ran deep
    at its true price instead of reserving one design's FIFOs for every other."""
    knobs = design.knobs(group)
    index = {(k.function, k.name): n for n, k in enumerate(knobs)}
    for f in group:
        pending = np.zeros(len(RESOURCES), dtype=np.int64)
        for s in applied.stages[f]:  # stages after the last compute stage stay the reserve's
            pending += _budget_array(total([applied.cost(s)]))
            if isinstance(s, KnobModel):
                n = index[(f, s.name)]
                p.learn(n, chosen[n], np.maximum(pending - _budget_array(total([knobs[n].option_cost(chosen[n])])), 0))
                pending[:] = 0


def _unpriced(design: Design, group: Sequence[str]) -> np.ndarray:
    """What `design`'s converters, FIFOs and windows in `group` take beyond its compute
    stages' priced options."""
    knobs = design.knobs(group)
    return _unpriced_use(_budget_array(design.used(group)), knobs, [design.folding(k) for k in knobs])


def _unpriced_use(used: np.ndarray, knobs: Sequence[KnobModel], chosen: Sequence[Folding]) -> np.ndarray:
    return np.maximum(used - _budget_array(total([k.option_cost(f) for k, f in zip(knobs, chosen)])), 0)


def _applied(module: ModuleOp, design: Design) -> Design:
    """`design`'s settings on the stages `module` now holds."""
    return replace(design, stages=module_stages(module), _costs={})


def _over_budget(device: Device, budget: np.ndarray, reserve: np.ndarray, beside: bool = False) -> str:
    """Why no design fits with `reserve` (the converters' and FIFOs' share) taken off the
    budget; `beside`: the reserve fits, the compute stages do not fit beside it."""
    i = int(np.argmax(reserve / np.maximum(budget, 1)))
    took = f"they took {int(reserve[i]):,} of {int(budget[i]):,} {RESOURCE_LABELS[RESOURCES[i]]}"
    return (
        f"no design fits {device.name}'s budget once width converters and FIFOs are counted ({took}"
        f"{', and no folding of the compute stages fits beside them' if beside else ''}; raise util-cap or "
        "pick a larger device)"
    )


def _check_options(
    device: Device, clock_mhz: float | None, util_cap: float | None, objective: str, target_fps: float | None, scope: str,
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


def _mult_impls(wanted: Sequence[str] | None) -> tuple[str, ...]:
    if wanted:
        bad = [m for m in wanted if m not in MULT_IMPLS]
        if bad:
            raise LiccError(f"unknown mult-impl {bad[0]!r}; choose from {', '.join(MULT_IMPLS)}")
        return tuple(wanted)
    return MULT_IMPLS


# --- the design in the IR -------------------------------------------------------


def annotate(module: ModuleOp, design: Design, objective: str) -> None:
    """Write every stage's cost and the design's frame to the IR."""
    for stages in design.stages.values():
        for s in stages:
            c = design.cost(s)
            s.op.properties["cost"] = DictionaryAttr(
                {"cycles": IntegerAttr(c.cycles, i64)} | {r: IntegerAttr(v, i64) for r, v in zip(RESOURCES, c.vector())}
            )
    module.attributes[MODULE_ATTR] = DictionaryAttr(
        {
            "device": StringAttr(design.device.ref),  # a board file by its path
            "part": StringAttr(design.device.part),
            "clock_mhz": FloatAttr(design.clock_mhz, f64),
            "util_cap": FloatAttr(design.util_cap, f64),
            "scope": StringAttr(design.scope),
            "objective": StringAttr(objective),
            "ram_styles": StringAttr(",".join(design.ram_styles)),
            "mult_impls": StringAttr(",".join(design.mult_impls)),
            "max_mmv": IntegerAttr(design.max_mmv, i64),
            "fps": DictionaryAttr({f: FloatAttr(round(design.fps(f), 3), f64) for f in design.stages}),
        }
    )


def from_ir(module: ModuleOp, device: Device | None = None) -> Design:
    """The design an annotated (maybe hand-edited) hls IR describes, checked for legality."""
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
        impls = tuple(info["mult_impls"].data.split(","))  # type: ignore[attr-defined]
        max_mmv = info["max_mmv"].value.data  # type: ignore[attr-defined]
    except (KeyError, AttributeError) as e:
        raise LiccError(f"the module's '{MODULE_ATTR}' attribute is malformed ({e}); re-run lic-set-parallelism") from None
    design = Design(dev, clock, cap, scope, module_stages(module), styles, impls, max_mmv)
    for s in design.knobs(list(design.stages)):
        _check_legal(s, design.folding(s), "the IR")
    return design


def _check_legal(s: KnobModel, f: Folding, where: str) -> None:
    problem = s.illegal(f)
    if problem:
        raise LiccError(f"{where}: {s.label}: {problem}")


# --- parallelism.json -----------------------------------------------------------


def export_parallelism(design: Design) -> dict:
    """The editable folding file: one entry per compute stage, keyed by its C++ name."""
    stages = []
    for s in design.knobs(list(design.stages)):
        f = design.folding(s)
        stages.append(
            {"function": s.function, "stage": s.name, "op": s.op.name, "pe": f.pe, "simd": f.simd, "mmv": f.mmv,
             "ram_style": f.ram_style, "mult_impl": f.mult_impl, "cycles": design.cost(s).cycles}
        )
    return {
        "device": design.device.name,
        "clock_mhz": design.clock_mhz,
        "util_cap": design.util_cap,
        "scope": design.scope,
        "stages": stages,
    }


def apply_parallelism(
    module: ModuleOp, path: str | Path, device: Device, *, clock_mhz: float | None = None,
    util_cap: float | None = None, scope: str | None = None,
) -> Design:
    """The design a (hand-edited) parallelism.json describes, checked for legality and budget."""
    where = str(path)
    try:
        data = json.loads(Path(path).read_text())
    except OSError as e:
        raise LiccError(f"cannot read parallelism file {where}: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise LiccError(f"{where} is not valid JSON: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("stages"), list):
        raise LiccError(f"{where}: expected an object with a 'stages' list (as lic-set-parallelism writes)")
    chosen_scope = scope or data.get("scope", "joint")
    clock, cap = _check_options(device, clock_mhz, util_cap, "max-fps", None, chosen_scope)
    design = Design(device, clock, cap, chosen_scope, module_stages(module), _ram_styles(device, None))
    by_key = {(s.function, s.name): s for s in design.knobs(list(design.stages))}
    foldings: dict[KnobModel, Folding] = {}
    for entry in data["stages"]:
        s, f = _entry(entry, by_key, where)
        _check_legal(s, f, where)
        foldings[s] = f
    missing = [s.label for k, s in by_key.items() if s not in foldings]
    if missing:
        raise LiccError(f"{where} has no entry for {missing[0]}" + (f" and {len(missing) - 1} more" if len(missing) > 1 else ""))
    targets = {}
    for group in design.groups():
        t = max(k.option_cost(foldings[k]).cycles for k in design.knobs(group))
        targets |= dict.fromkeys(group, t)
    apply(module, foldings, targets, design)
    design = _shortest_pause(module, _applied(module, design))
    _check_budget(design, where)
    return design


def _entry(entry: object, by_key: dict[tuple[str, str], KnobModel], where: str) -> tuple[KnobModel, Folding]:
    if not isinstance(entry, dict) or not {"function", "stage", "pe", "simd"} <= set(entry):
        raise LiccError(f"{where}: every stage needs function, stage, pe and simd; got {entry!r}")
    key = (entry["function"], entry["stage"])
    s = by_key.get(key)
    if s is None:
        raise LiccError(
            f"{where}: @{key[0]} has no compute stage '{key[1]}' (an hls.mvau, hls.deconv or hls.gdn); "
            "the file belongs to another model (regenerate it)"
        )
    if "op" in entry and entry["op"] != s.op.name:
        raise LiccError(
            f"{where}: @{key[0]} {key[1]} is '{entry['op']}' in the file but '{s.op.name}' in the IR; "
            "the file belongs to another model (regenerate it)"
        )
    mmv = entry.get("mmv", 1)
    if not all(isinstance(v, int) for v in (entry["pe"], entry["simd"], mmv)):
        raise LiccError(f"{where}: {s.label}: pe, simd and mmv must be integers")
    return s, Folding(entry["pe"], entry["simd"], mmv, entry.get("ram_style", "bram"), entry.get("mult_impl", "dsp"))


def _check_budget(design: Design, where: str) -> None:
    budget = design.budget()
    for group in design.groups():
        used = design.used(group)
        for i, r in enumerate(RESOURCES):
            if used[r] > budget[r]:
                users = sorted((s for f in group for s in design.stages[f]), key=lambda s: -design.cost(s).vector()[i])[:3]
                top = ", ".join(f"{u.label} {design.cost(u).vector()[i]:,}" for u in users)
                raise LiccError(
                    f"{where}: the folding needs {used[r]:,} {RESOURCE_LABELS[r]} but {design.device.name} allows "
                    f"{budget[r]:,} ({fmt(design.util_cap * 100)}% cap); the largest users are {top}"
                )


# --- the solver's Pareto curve --------------------------------------------------


def dsp_curve(design: Design, group: Sequence[str], budgets: Sequence[int], tolerance: float = CURVE_TOLERANCE) -> list[dict]:
    """The best FPS of `group` at each DSP budget (ascending), other resources at the cap.

    The compute stages' options are priced and merged (ε steps of the cap) as the
    solver's own; what they do not price (width converters, FIFOs) is reserved as the
    chosen design needs it, so the curve at the cap is the design `licc` built, not a
    faster one that would not fit beside its FIFOs."""
    budget = _budget_array(design.budget())
    dsp = RESOURCES.index("dsp")
    knobs = design.knobs(group)
    p = problem(knobs, design)
    p.step, p.tolerance = np.maximum(budget // RESOLUTION, 1), tolerance
    reserve = _unpriced(design, group)
    rows: list[dict] = []
    last = None  # a larger budget keeps the previous design feasible
    for b in budgets:
        limited = budget.copy()
        limited[dsp] = b
        try:
            sol = p.max_fps(np.maximum(limited - reserve, 0), last and last.cycles)
        except Infeasible:
            continue
        if last is not None and sol.cycles > last.cycles:
            sol = last  # the bounded search missed the design a smaller budget had
        last = sol
        used = sum(s.option_cost(f).dsp for s, f in zip(knobs, sol.foldings)) + int(reserve[dsp])
        rows.append({"dsp_budget": int(b), "dsp": int(used), "fps": design.clock_mhz * 1e6 / sol.cycles})
    return rows


def fps_vs_dsp(design: Design, points: int = CURVE_POINTS) -> list[dict]:
    """Per group of functions sharing a device: `dsp_curve` as the DSP budget grows from
    a quarter of the cap (or the least any design needs) to the cap; below a quarter of
    the cap the ε steps are too coarse for DSPs."""
    cap = design.budget()["dsp"]
    curves = []
    for group in design.groups():
        p = problem(design.knobs(group), design)
        least = max(sum(int(o.res[:, RESOURCES.index("dsp")].min()) for o in p.options), cap // 4, 1)
        rows = dsp_curve(design, group, np.unique(np.geomspace(least, cap, points).astype(np.int64)).tolist())
        chosen = {"dsp": design.used(group)["dsp"], "fps": min(design.fps(f) for f in group)}
        curves.append({"functions": group, "points": rows, "chosen": chosen, "cap": cap})
    return curves
