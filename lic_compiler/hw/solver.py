"""The exact parallelism solver: the fastest (or cheapest) foldings within a budget.

A design's frame time is its slowest stage's cycles T. Every stage has a
finite set of legal foldings, so the achievable T are finitely many (every
option's cycle count), and feasibility is monotone in T: a slower target
only adds options. The max-FPS design is therefore found by binary search on
the sorted candidates, each step asking whether *some* choice of one option
per stage, each within T, fits the budget in every resource at once (a
multiple-choice vector knapsack). That question is answered exactly by a
depth-first branch and bound over each stage's Pareto-optimal options, with
per-resource lower bounds of the stages still to choose. Among the designs
meeting the best T, the one of least cost (the sum over stages and resources
of the fraction of the budget used) is then returned; `min-resources` is the
same least-cost search at the T of a target frame rate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    pareto: dict[tuple, np.ndarray] = field(default_factory=dict)  # (T, step) → option indices
    fronts: dict[tuple, np.ndarray] = field(default_factory=dict)  # step → (resources, cycles) front


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
# Branch-and-bound nodes one search may visit (see `Problem.search`).
MAX_NODES = 5_000
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


def _pareto(o: Options, t: int, step: np.ndarray) -> np.ndarray:
    """The options meeting `t` that no other one meeting it beats or equals in every
    resource, in steps of `step` (ε-dominance keeps the fronts of thousands of foldings
    small); of options equal in steps, the least in steps summed stays. An option
    dominated by a faster one is dominated at every `t`, so the front in (resources,
    cycles) is found once and cut at each `t`."""
    key = tuple(step.tolist())
    if key not in o.fronts:
        order = np.argsort(o.res @ (1.0 / step), kind="stable")
        q = np.concatenate([-(-o.res[order] // step), o.cycles[order, None]], axis=1)
        o.fronts[key] = order[_front(q)]
    idx = o.fronts[key]
    idx = idx[o.cycles[idx] <= t]
    return idx[_front(-(-o.res[idx] // step))]


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
        self.max_nodes = MAX_NODES
        self.tolerance = TOLERANCE  # of the bisection on cycle targets
        self.step: np.ndarray | None = None  # fixed ε steps, for budgets swept around one design
        self.options = [options(s) for s in self.stages]

    def candidates(self) -> np.ndarray:
        """Every cycle target worth trying, ascending: from the fastest possible bottleneck up."""
        floor = max(int(o.cycles.min()) for o in self.options)
        values = np.unique(np.concatenate([o.cycles for o in self.options]))
        return values[values >= floor]

    def _choices(self, t: int, budget: np.ndarray) -> list[np.ndarray] | None:
        """Per stage, the Pareto-optimal options meeting `t` that fit the budget alone."""
        out = []
        step = self.step if self.step is not None else (
            np.maximum(budget // self.resolution, 1) if self.resolution else np.ones_like(budget)
        )
        for o in self.options:
            key = (t, *step.tolist())
            if key not in o.pareto:
                o.pareto[key] = _pareto(o, t, step)
            idx = o.pareto[key]
            idx = idx[(o.res[idx] <= budget).all(axis=1)]
            if len(idx) == 0:
                return None
            out.append(idx)
        return out

    def search(self, t: int, budget: np.ndarray, cheapest: bool) -> list[int] | None:
        """Option indices meeting `t` within `budget`: any (cheapest=False) or least cost.

        A depth-first branch and bound, exact within `MAX_NODES` nodes; a search that
        runs out of nodes keeps the cheapest design found (or reports none), so the
        solver may settle for a bottleneck one candidate slower than the true optimum."""
        choices = self._choices(t, budget)
        if choices is None:
            return None
        weights = np.where(budget > 0, 1.0 / np.maximum(budget, 1), 0.0)
        n = len(choices)
        res = [self.options[i].res[c] for i, c in enumerate(choices)]
        cost = [r @ weights for r in res]
        order = sorted(range(n), key=lambda i: -cost[i].min())  # big stages first: tight bounds early
        res = [res[i][np.argsort(cost[i], kind="stable")] for i in order]
        picks = [choices[i][np.argsort(cost[i], kind="stable")] for i in order]
        cost = [np.sort(cost[i], kind="stable") for i in order]
        lb_res = np.zeros((n + 1, len(RESOURCES)), dtype=np.int64)
        lb_cost = np.zeros(n + 1)
        for d in range(n - 1, -1, -1):
            lb_res[d] = lb_res[d + 1] + res[d].min(axis=0)
            lb_cost[d] = lb_cost[d + 1] + cost[d][0]
        if (lb_res[0] > budget).any():
            return None
        best: list = [np.inf, None]
        chosen = [0] * n
        nodes = [0]

        # An option fits if it and the least the later stages need stay within the budget.
        need = [res[d] + lb_res[d + 1] for d in range(n)]

        def dfs(d: int, used: np.ndarray, spent: float) -> bool:
            if d == n:
                best[0], best[1] = spent, list(chosen)
                return not cheapest
            nodes[0] += 1
            if nodes[0] > self.max_nodes:
                return True  # out of search: stop with what was found
            fits = (need[d] <= budget - used).all(axis=1)
            for k in np.flatnonzero(fits):
                if spent + cost[d][k] + lb_cost[d + 1] >= best[0]:
                    break  # options are sorted by cost: no later one can do better
                chosen[d] = k
                if dfs(d + 1, used + res[d][k], spent + cost[d][k]):
                    return True
            return False

        dfs(0, np.zeros(len(RESOURCES), dtype=np.int64), 0.0)
        if best[1] is None:
            return None
        out = [0] * n
        for d, i in enumerate(order):
            out[i] = int(picks[d][best[1][d]])
        return out

    def _solution(self, t: int, picks: list[int]) -> Solution:
        return Solution(t, [o.foldings[k] for o, k in zip(self.options, picks)])

    def max_fps(self, budget: np.ndarray, feasible: int | None = None, floor: int | None = None) -> Solution:
        """The least-cost design at the smallest feasible bottleneck; `feasible`, a cycle
        target known to be feasible within `budget`, and `floor`, one below which none
        is (the best of a larger budget), narrow the search."""
        cands = self.candidates()
        if feasible is None:
            if self.search(int(cands[-1]), budget, cheapest=False) is None:
                raise Infeasible(self.explain(int(cands[-1]), budget))
            feasible = int(cands[-1])
        hi = int(np.searchsorted(cands, feasible))  # cands[hi] is feasible
        lo = min(hi, int(np.searchsorted(cands, floor))) if floor is not None else 0
        while lo < hi and cands[hi] > cands[lo] * (1 + self.tolerance):
            mid = (lo + hi) // 2
            if self.search(int(cands[mid]), budget, cheapest=False) is None:
                lo = mid + 1
            else:
                hi = mid
        picks = None
        # A bounded search may miss a design the given `feasible` promised: move up until one is found.
        while picks is None and hi < len(cands):
            t = int(cands[hi])
            picks = self.search(t, budget, cheapest=True) or self.search(t, budget, cheapest=False)
            hi += 1
        if picks is None:
            raise Infeasible(self.explain(int(cands[-1]), budget))
        return self._solution(int(max(o.cycles[k] for o, k in zip(self.options, picks))), picks)

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
