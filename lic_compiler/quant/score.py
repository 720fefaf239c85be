"""What a width assignment is worth in hardware: the emitted design's solve on the device.

A candidate assignment is scored on the design licc would build from it:
`lic-quantize`, `convert-lic-to-hls`, then `lic-set-parallelism`'s solver
(`lic_compiler.hw.design.solve`) at the build frame and on the device, with
the same clock, cap and scope. ``max-fps`` scores its frame rate;
``min-resources`` the resources (Σ used / budget, the solver's own cost) of
the cheapest design reaching a target frame rate.

An exact solve takes about half a second once the stages' option tables are
priced, and pricing the tables of a new stage is the expensive part. The
greedy descent therefore ranks its moves by an estimate that only re-prices
the stages a move changes (`Estimator`): each compute stage's least cost at a
fixed frame period, its cheapest folding meeting that period, from the
solver's option table for the stage's widths and types (tables are shared by
stages of one signature in `lic_compiler.hw.stages`, so a width seen before is
never priced twice). The chosen assignment is then solved exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from lic_compiler.errors import LiccError
from lic_compiler.hw.design import OBJECTIVES, SCOPES, planning, problem, solve
from lic_compiler.hw.device import RESOURCES, load_device
from lic_compiler.hw.stages import KnobModel, module_stages
from lic_compiler.quant.frame import Frame, at_frame, image_frame


@dataclass(frozen=True)
class Target:
    """Where the design is solved: `lic-set-parallelism`'s options (None: its defaults)."""

    device: str = "zcu102"
    clock_mhz: float | None = None
    util_cap: float | None = None
    scope: str = "joint"
    objective: str = "max-fps"
    target_fps: float | None = None  # min-resources: the rate to meet (None: the uniform design's)
    frame: Frame | None = None  # the frame the design is built for (None: the module's)

    def check(self) -> None:
        load_device(self.device)
        if self.objective not in OBJECTIVES:
            raise LiccError(
                f"lic-assign-precision: objective must be one of {', '.join(OBJECTIVES)}, got '{self.objective}'"
            )
        if self.scope not in SCOPES:
            raise LiccError(f"lic-assign-precision: scope must be one of {', '.join(SCOPES)}, got '{self.scope}'")

    def solve_options(self) -> dict:
        return {"clock_mhz": self.clock_mhz, "util_cap": self.util_cap, "scope": self.scope}


@dataclass(frozen=True)
class Score:
    """The solved design of one assignment."""

    fps: float  # the slowest function's frame rate
    cycles: int  # its frame period in cycles
    used: dict[str, int]
    cost: float  # Σ used / budget over the resources

    def summary(self) -> dict:
        return {"fps": round(self.fps, 3), "cost": round(self.cost, 4), **self.used}


def lower(module: ModuleOp, frame: Frame | None = None) -> ModuleOp:
    """The hls module licc builds from `module` (float, calibrated, widths assigned), at `frame`."""
    from lic_compiler.ir import make_context
    from lic_compiler.passes.convert_lic_to_hls import ConvertLicToHlsPass
    from lic_compiler.passes.quantize import quantize

    copy = module.clone() if frame is None or frame == image_frame(module) else at_frame(module, frame)
    quantize(copy)
    ConvertLicToHlsPass().apply(make_context(), copy)
    return copy


def solve_score(hls_module: ModuleOp, target: Target, objective: str, target_fps: float | None = None) -> Score:
    """Solve `hls_module` as `lic-set-parallelism` would (`objective` at `target_fps`) and score it."""
    device = load_device(target.device)
    design = solve(hls_module, device, objective=objective, target_fps=target_fps, **target.solve_options())
    budget = design.budget()
    used = design.used()
    slowest = min(design.stages, key=design.fps)
    return Score(
        fps=design.fps(slowest),
        cycles=design.group_cycles(slowest),
        used=used,
        cost=sum(used[r] / budget[r] for r in RESOURCES if budget[r]),
    )


@dataclass
class Estimator:
    """Per compute stage, the least weighted resources of a folding meeting `cycles`.

    `weights` per resource (``1/budget``: the solver's least-cost objective).
    Stage costs are cached by the stage's signature, which holds its widths.
    """

    target: Target
    cycles: int
    weights: np.ndarray
    _costs: dict[tuple, float] = field(default_factory=dict)

    def stage_costs(self, hls_module: ModuleOp) -> dict[tuple[str, str], tuple[tuple, float]]:
        """(function, stage name) → (signature, least weighted cost meeting `cycles`), for every
        compute stage."""
        by_function = module_stages(hls_module)
        stages = [s for f in by_function.values() for s in f if isinstance(s, KnobModel)]
        fresh = [s for s in stages if s.signature not in self._costs]
        if fresh:
            design = planning(by_function, load_device(self.target.device), **self.target.solve_options())
            for s, o in zip(fresh, problem(fresh, design).options):
                meets = o.cycles <= self.cycles
                self._costs[s.signature] = float((o.res[meets] @ self.weights).min()) if meets.any() else np.inf
        return {(s.function, s.name): (s.signature, self._costs[s.signature]) for s in stages}


def weights_for(score: Score, target: Target, objective: str) -> np.ndarray:
    """Resource weights of the estimate: the solver's 1/budget; for max-fps scaled by each
    resource's utilisation in `score`'s design, so that saving what binds counts most."""
    design_budget = load_device(target.device).budget(target.util_cap)
    budget = np.array([design_budget[r] for r in RESOURCES], dtype=float)
    base = np.where(budget > 0, 1.0 / np.maximum(budget, 1), 0.0)
    if objective == "min-resources":
        return base
    util = np.array([score.used[r] for r in RESOURCES], dtype=float) * base
    return base * util
