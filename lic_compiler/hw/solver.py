"""The exact parallelism solver: the fastest (or cheapest) foldings within a budget.

A design's frame time is its slowest stage's cycles T. Every stage has a
finite set of legal foldings, so the achievable T are finitely many (every
option's cycle count), and feasibility is monotone in T: a slower target
only adds options. The max-FPS design is therefore found by binary search on
the sorted candidates, each step asking whether *some* choice of one option
per stage, each within T, fits the budget in every resource at once (a
multiple-choice vector knapsack). That question is answered exactly by a
0-1 integer program over each stage's Pareto-optimal options (HiGHS, through
SciPy). Among the designs meeting the best T, the one of least cost (the sum
over stages and resources of the fraction of the budget used) is then
returned; `min-resources` is the same least-cost search at the T of a target
frame rate.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from lic_compiler.hw.device import RESOURCE_LABELS, RESOURCES


class Priced(Protocol):
    """What the solver needs of a folding's cost."""

    cycles: int

    def vector(self) -> tuple[int, ...]: ...


@dataclass
class Options:
    """One stage's legal foldings with their cycles and resource vectors. The fronts
    depend on nothing else, so stages of one shape may share a table (and its fronts)."""

    foldings: list[Any]
    cycles: np.ndarray  # (n,)
    res: np.ndarray  # (n, len(RESOURCES))
    fronts: dict[tuple, np.ndarray] = field(default_factory=dict)  # step → (resources, cycles) front
    until: dict[tuple, np.ndarray] = field(default_factory=dict)  # step → per front option, see `_pareto`


def priced(choices: Callable[[Any], list[Any]], price: Callable[[Any, Any], Priced]) -> Callable[[Any], Options]:
    """A stage's `Options` from its legal foldings (`choices`) and what each costs (`price`)."""

    def table(stage: Any) -> Options:
        foldings = choices(stage)
        costs = [price(stage, f) for f in foldings]
        return Options(
            foldings,
            np.array([c.cycles for c in costs], dtype=np.int64),
            np.array([c.vector() for c in costs], dtype=np.int64),
        )

    return table


# Options within one step of 1/RESOLUTION of the budget in every resource count as equal.
RESOLUTION = 64
# Seconds one search may take (see `Problem.search`).
TIME_LIMIT = 10.0
# The bisection on cycle targets stops within this fraction of the best (targets a few
# cycles apart, as epilogue lags make them, are not worth a search each).
TOLERANCE = 1e-4


def _front(vectors: np.ndarray, block: int = 64) -> np.ndarray:
    """Indices of the rows no earlier row beats or equals everywhere (rows come cheapest
    first, so of equal rows the cheapest stays).

    A block of the first rows left is settled at once: a row is beaten by an earlier
    one of the block, or by none (rows left were not beaten by any kept before, and a
    beaten row's beater is beaten by a kept one); the kept then drop every later row
    they beat. Fronts of thousands of rows take a few dozen array operations."""
    left = np.arange(len(vectors))
    keep: list[np.ndarray] = []
    while len(left):
        head, rest = left[:block], left[block:]
        v = vectors[head]
        beats = (v[:, None, :] <= v[None, :, :]).all(axis=2)  # beats[j, i]: j beats or equals i
        kept = head[~np.triu(beats, 1).any(axis=0)]
        keep.append(kept)
        if len(rest):
            rest = rest[~(vectors[kept][:, None, :] <= vectors[rest][None, :, :]).all(axis=2).any(axis=0)]
        left = rest
    return np.concatenate(keep) if keep else np.zeros(0, dtype=np.int64)


def _front_of(o: Options, step: np.ndarray) -> np.ndarray:
    """The options no other one beats or equals in every resource, in steps of `step`,
    and in cycles (ε-dominance keeps the fronts of thousands of foldings small); of
    options equal in steps, the least in steps summed stays. Kept on `o`."""
    key = tuple(step.tolist())
    if key not in o.fronts:
        order = np.argsort(o.res @ (1.0 / step), kind="stable")
        q = np.concatenate([-(-o.res[order] // step), o.cycles[order, None]], axis=1)
        o.fronts[key] = order[_front(q)]
    return o.fronts[key]


def _pareto(o: Options, t: int, step: np.ndarray) -> np.ndarray:
    """The options meeting `t` that no earlier (cheaper) one meeting it beats or equals
    in every resource, in steps of `step`. An option dominated by a faster one is
    dominated at every `t`, so the front in (resources, cycles) is found once; each of
    its options stays on the front at `t` from its own cycles until the first target at
    which an earlier option of the front that beats or equals it meets `t` too."""
    idx = _front_of(o, step)
    key = tuple(step.tolist())
    if key not in o.until:
        q, c = -(-o.res[idx] // step), o.cycles[idx]
        until = np.full(len(idx), np.iinfo(np.int64).max)
        for start in range(0, len(idx), 256):
            block = q[start : start + 256]
            beaten = (q[None, :, :] <= block[:, None, :]).all(axis=2)  # beaten[b, j]: j beats or equals b
            beaten &= np.arange(len(idx))[None, :] < start + np.arange(len(block))[:, None]
            until[start : start + len(block)] = np.where(beaten, c[None, :], until[0]).min(axis=1)
        o.until[key] = until
    until = o.until[key]
    return idx[(o.cycles[idx] <= t) & (t < until)]


@contextlib.contextmanager
def _native_stdout_silenced() -> Iterator[None]:
    """File descriptor 1 to /dev/null: HiGHS's MIP solver prints a stray debug line
    ("HighsMipSolverData::transformNewIntegerFeasibleSolution …") from C++ on some
    programs, past `disp=False`, into licc's output."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _program(
    options: list[Options], choices: list[np.ndarray], budget: np.ndarray,
    objective: Callable[[np.ndarray], np.ndarray] | None,
) -> list[int] | None:
    """One option of `choices` per stage within `budget`, as a 0-1 integer program solved
    by HiGHS: least `objective(resources)` summed over the chosen options (None: any
    design). Returns each stage's option index, or None."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_matrix

    res = np.concatenate([o.res[c] for o, c in zip(options, choices)])
    sizes = [len(c) for c in choices]
    stage = np.repeat(np.arange(len(choices)), sizes)
    one_each = csr_matrix((np.ones(len(stage)), (stage, np.arange(len(stage)))), shape=(len(choices), len(stage)))
    with _native_stdout_silenced():
        result = milp(
            c=np.zeros(len(stage)) if objective is None else objective(res),
            constraints=[LinearConstraint(one_each, 1, 1), LinearConstraint(res.T.astype(float), -np.inf, budget.astype(float))],
            integrality=np.ones(len(stage)),
            bounds=Bounds(0, 1),
            options={"time_limit": TIME_LIMIT},
        )
    if result.x is None:
        return None
    x = result.x > 0.5
    if x.sum() != len(choices) or (res[x].sum(axis=0) > budget).any():
        return None  # not a design within the budget (HiGHS's tolerances): none is claimed
    starts = np.cumsum([0, *sizes[:-1]])
    return [int(c[k - start]) for c, k, start in zip(choices, np.flatnonzero(x), starts)]


@dataclass
class Solution:
    cycles: int  # the bottleneck target every stage meets
    foldings: list[Any]


class Infeasible(Exception):
    """No choice of foldings meets the cycle target within the budget."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Problem:
    """Stages sharing one budget and one cycle target, each with its `Options` (see
    `priced`). Stages need only a ``label``."""

    def __init__(self, stages: Sequence[Any], options: Callable[[Any], Options], resolution: int | None = RESOLUTION):
        self.stages = list(stages)
        self.resolution = resolution
        self.step: np.ndarray | None = None  # fixed ε steps, for budgets swept around one design
        self.tolerance = TOLERANCE  # of the bisection on cycle targets
        self.options = [options(s) for s in self.stages]
        self._priced = list(self.options)  # the tables before `learn`
        self._learned: list[dict[int, np.ndarray]] = [{} for _ in self.stages]

    def learn(self, stage: int, folding: Any, extra: np.ndarray) -> None:
        """Charge one option of one stage `extra` beyond its price from now on (what applying
        it showed it takes: the most seen, so a charge never shrinks). The stage's table is
        copied, never the shared one changed."""
        base, learned = self._priced[stage], self._learned[stage]
        i = base.foldings.index(folding)
        learned[i] = np.maximum(learned.get(i, 0), extra)
        res = base.res.copy()
        for j, v in learned.items():
            res[j] += v
        self.options[stage] = Options(base.foldings, base.cycles, res)

    def candidates(self) -> np.ndarray:
        """Every cycle target worth trying, ascending: from the fastest possible bottleneck up."""
        floor = max(int(o.cycles.min()) for o in self.options)
        values = np.unique(np.concatenate([o.cycles for o in self.options]))
        return values[values >= floor]

    def _step(self, budget: np.ndarray) -> np.ndarray:
        if self.step is not None:
            return self.step
        return np.maximum(budget // self.resolution, 1) if self.resolution else np.ones_like(budget)

    def _choices(self, t: int, budget: np.ndarray) -> list[np.ndarray] | None:
        """Per stage, the Pareto-optimal options meeting `t` that fit the budget alone."""
        out = []
        step = self._step(budget)
        for o in self.options:
            idx = _pareto(o, t, step)
            idx = idx[(o.res[idx] <= budget).all(axis=1)]
            if len(idx) == 0:
                return None
            out.append(idx)
        return out

    def search(self, t: int, budget: np.ndarray, cheapest: bool) -> list[int] | None:
        """Option indices meeting `t` within `budget`: any (cheapest=False) or least cost.

        A 0-1 integer program over each stage's Pareto-optimal options — one option per
        stage, every resource within the budget, least cost — solved exactly by HiGHS
        (a branch and cut whose LP bounds see all resources at once, where a depth-first
        search on per-resource bounds ran out of nodes on budgets tight in two of them)."""
        choices = self._choices(t, budget)
        if choices is None:
            return None
        weights = np.where(budget > 0, 1.0 / np.maximum(budget, 1), 0.0)
        return _program(self.options, choices, budget, (lambda res: res @ weights) if cheapest else None)

    def fastest(self, budget: np.ndarray, feasible: int | None = None, floor: int | None = None) -> Solution | None:
        """A design at the smallest bottleneck any design within `budget` meets (None: no
        design fits): a binary search on the candidate targets, each asking for any
        design, until within `tolerance` of the best. `feasible` bounds it from above (a
        target known to fit), `floor` from below (the best of a larger budget)."""
        cands = self.candidates()
        hi = len(cands) - 1 if feasible is None else int(np.searchsorted(cands, feasible))
        lo = min(hi, int(np.searchsorted(cands, floor))) if floor is not None else 0
        best = self.search(int(cands[hi]), budget, cheapest=False)
        if best is None:
            return None
        while lo < hi and cands[hi] > cands[lo] * (1 + self.tolerance):
            mid = (lo + hi) // 2
            picks = self.search(int(cands[mid]), budget, cheapest=False)
            if picks is None:
                lo = mid + 1
            else:
                hi, best = mid, picks
        return self._solution(int(cands[hi]), best)

    def _solution(self, t: int, picks: list[int]) -> Solution:
        return Solution(t, [o.foldings[k] for o, k in zip(self.options, picks)])

    def max_fps(self, budget: np.ndarray, feasible: int | None = None, floor: int | None = None) -> Solution:
        """The least-cost design at the smallest bottleneck any design within `budget`
        meets (`feasible` and `floor` bound it, see `fastest`)."""
        fastest = self.fastest(budget, feasible, floor)
        if fastest is None:
            raise Infeasible(self.explain(max(int(o.cycles.max()) for o in self.options), budget))
        picks = self.search(fastest.cycles, budget, cheapest=True)
        # The least-cost search sees each resource front at T, whose ε-merged options may
        # not fit where the fastest design's did: then that design stands.
        return fastest if picks is None else self._solution(fastest.cycles, picks)

    def min_cost(self, t: int, budget: np.ndarray) -> Solution:
        """The least-cost design whose every stage takes at most `t` cycles."""
        picks = self.search(t, budget, cheapest=True)
        if picks is None:
            raise Infeasible(self.explain(t, budget))
        return self._solution(t, picks)

    def explain(self, t: int, budget: np.ndarray) -> str:
        """Why no design meets `t` within `budget`: a stage's limit or the binding resources."""
        slow = [
            (s, int(o.cycles.min())) for s, o in zip(self.stages, self.options) if o.cycles.min() > t
        ]
        if slow:
            s, c = max(slow, key=lambda x: x[1])
            return f"{s.label} needs at least {c:,} cycles per frame even fully parallel"
        need = np.zeros(len(RESOURCES), dtype=np.int64)
        for o in self.options:
            need += o.res[o.cycles <= t].min(axis=0)
        over = [
            f"{RESOURCE_LABELS[r]} (needs at least {int(need[i]):,} of {int(budget[i]):,})"
            for i, r in enumerate(RESOURCES)
            if need[i] > budget[i]
        ]
        if over:
            return "bound by " + ", ".join(over)
        frac = need / np.maximum(budget, 1)
        i, j = np.argsort(-frac)[:2]
        a, b = RESOURCE_LABELS[RESOURCES[i]], RESOURCE_LABELS[RESOURCES[j]]
        return (
            f"bound by {a} and {b} together: the foldings that need least {a} "
            f"({frac[i]:.0%} of the budget) need too much {b}, and those that need least "
            f"{b} ({frac[j]:.0%}) too much {a}"
        )
