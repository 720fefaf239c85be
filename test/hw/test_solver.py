"""The solver is exact: on small random networks it matches an exhaustive search.

The stages are the precision search's (float lic ops as hardware stages): the
solver is generic over what it folds, and these give many small problems.
With ``resolution=None`` no option is merged with a near-equal one."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lic_compiler.hw.device import RESOURCES
from lic_compiler.hw.solver import Infeasible, Options, Problem, priced
from lic_compiler.quant.stages import Folding, module_stages

STYLES = ("bram", "lutram", "uram")


def problem_of(stages) -> Problem:
    return Problem(stages, priced(lambda s: s.foldings(STYLES), lambda s, f: s.cost(f)), resolution=None)


@st.composite
def networks(draw):
    """2–3 layers: convs (stride 1 or 2), transposed convs, GDNs, a ReLU; small channels."""
    layers, c = [], draw(st.sampled_from([1, 2, 3]))
    cin = c
    for _ in range(draw(st.integers(2, 3))):
        kind = draw(st.sampled_from(["conv", "conv", "deconv", "gdn", "relu"]))
        if kind in ("conv", "deconv"):
            c = draw(st.sampled_from([2, 3, 4, 6]))
            layers.append((kind, c, draw(st.sampled_from([1, 3])), draw(st.sampled_from([1, 2]))))
        elif kind == "gdn":
            layers.append(("gdn", draw(st.booleans())))
        else:
            layers.append(("relu",))
    return layers, cin, draw(st.sampled_from([4, 6, 8]))


def _tables(problem: Problem):
    """Per stage: cycles (n,) and resources (n, 5), all options."""
    return [(o.cycles, o.res) for o in problem.options]


def brute_force(problem: Problem, budget: np.ndarray) -> tuple[int | None, list]:
    """The smallest bottleneck over every combination of options that fits the budget."""
    best, combos = None, []
    tables = _tables(problem)
    for pick in itertools.product(*(range(len(c)) for c, _ in tables)):
        res = sum(r[k] for (_, r), k in zip(tables, pick))
        if (res <= budget).all():
            t = max(int(c[k]) for (c, _), k in zip(tables, pick))
            combos.append((t, res))
            best = t if best is None else min(best, t)
    return best, combos


def _budget(problem: Problem, data) -> np.ndarray:
    """A budget between the least and the most any design needs, per resource."""
    lo = sum(o.res.min(axis=0) for o in problem.options)
    hi = sum(o.res.max(axis=0) for o in problem.options)
    # Mostly tight budgets, where resources trade against each other.
    frac = np.array([data.draw(st.floats(0.0, 0.3) | st.floats(0.0, 1.0)) for _ in RESOURCES])
    return (lo + frac * (hi - lo)).astype(np.int64)


def _small(problem: Problem) -> bool:
    return int(np.prod([len(o.foldings) for o in problem.options])) <= 50000


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=networks(), data=st.data())
def test_max_fps_matches_exhaustive_search(network, spec, data):
    layers, cin, size = spec
    stages = module_stages(network(layers, cin, size, size))["encoder"]
    problem = problem_of(stages)
    if not _small(problem):
        event("too many combinations to enumerate")
        return
    budget = _budget(problem, data)
    best, _ = brute_force(problem, budget)
    event("infeasible" if best is None else "feasible")
    if best is None:
        with pytest.raises(Infeasible):
            problem.max_fps(budget)
        return
    solution = problem.max_fps(budget)
    assert solution.cycles == best
    costs = [s.cost(f) for s, f in zip(stages, solution.foldings)]
    assert max(c.cycles for c in costs) == best
    assert (sum(np.array(c.vector()) for c in costs) <= budget).all()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=networks(), data=st.data())
def test_min_cost_matches_exhaustive_search(network, spec, data):
    layers, cin, size = spec
    stages = module_stages(network(layers, cin, size, size))["encoder"]
    problem = problem_of(stages)
    if not _small(problem):
        return
    budget = _budget(problem, data)
    cands = problem.candidates()
    target = int(cands[data.draw(st.integers(0, len(cands) - 1))])
    weights = np.where(budget > 0, 1.0 / np.maximum(budget, 1), 0.0)
    _, combos = brute_force(problem, budget)
    feasible = [res @ weights for t, res in combos if t <= target]
    if not feasible:
        with pytest.raises(Infeasible):
            problem.min_cost(target, budget)
        return
    solution = problem.min_cost(target, budget)
    res = sum(np.array(s.cost(f).vector()) for s, f in zip(stages, solution.foldings))
    assert res @ weights == pytest.approx(min(feasible))
    assert all(s.cost(f).cycles <= target for s, f in zip(stages, solution.foldings))


def test_explain_names_the_binding_resource(network):
    stages = module_stages(network([("conv", 4, 3, 1), ("gdn", False)], 2, 8, 8))["encoder"]
    problem = problem_of(stages)
    budget = np.array([10**9] * len(RESOURCES))
    budget[RESOURCES.index("dsp")] = 0
    fastest = int(problem.candidates()[0])
    with pytest.raises(Infeasible, match=r"bound by DSP \(needs at least \d+ of 0\)"):
        problem.min_cost(fastest, budget)


def test_explain_names_a_stage_that_cannot_go_faster(network):
    stages = module_stages(network([("conv", 4, 3, 1)], 2, 8, 8))["encoder"]
    problem = problem_of(stages)
    with pytest.raises(Infeasible, match=r"%y0 \(lic.conv2d\) needs at least 64 cycles"):
        problem.min_cost(10, np.array([10**9] * len(RESOURCES)))


def test_min_cost_is_not_the_first_fit():
    """The cheapest option of the first stage leaves too little BRAM for the second's
    cheapest, so the cheapest design takes the first stage's second-cheapest option."""
    tables = [
        Options([Folding(1), Folding(2)], np.array([1, 1]), np.array([[0, 3, 0, 0, 0], [50, 1, 0, 0, 0]])),
        Options([Folding(1), Folding(2)], np.array([1, 1]), np.array([[0, 3, 0, 0, 0], [90, 0, 0, 0, 0]])),
    ]
    problem = Problem([0, 1], lambda i: tables[i], resolution=None)
    budget = np.array([100, 5, 0, 100, 100])
    assert problem.search(1, budget, cheapest=False) in ([0, 1], [1, 0])  # the two that fit
    assert problem.search(1, budget, cheapest=True) == [1, 0]
