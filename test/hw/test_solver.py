"""The solver is exact: on small random networks it matches an exhaustive search.

The stages are the compute stages of small integer hls dataflows (the HLS
backend's test builder), priced as `lic-set-parallelism` prices them. With
``resolution=None`` no option is merged with a near-equal one."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lic_compiler.hw.device import RESOURCES
from lic_compiler.hw.fold import Folding
from lic_compiler.hw.solver import Infeasible, Options, Problem
from lic_compiler.hw.stages import KnobModel, module_stages
from nets import Conv, Deconv, Gdn, Spec, build, convert

STYLES, IMPLS, MAX_MMV = ("bram", "lutram"), ("dsp", "fabric"), 2


def knobs_of(spec: Spec) -> list[KnobModel]:
    module = build(spec)
    convert(module, {"net": spec})
    return [s for s in module_stages(module)["net"] if isinstance(s, KnobModel)]


def problem_of(knobs: list[KnobModel]) -> Problem:
    return Problem(knobs, lambda s: s.option_table(STYLES, IMPLS, MAX_MMV), resolution=None)


@st.composite
def networks(draw) -> Spec:
    """1–2 layers: convs (stride 1 or 2), transposed convs, GDNs after either; small channels."""
    layers = []
    for i in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["conv", "conv", "deconv"] + (["gdn"] if i else [])))
        c = draw(st.sampled_from([2, 3, 4]))
        if kind == "conv":
            k = draw(st.sampled_from([1, 3]))
            layers.append(Conv(c, k, draw(st.sampled_from([1, 2])), k // 2))
        elif kind == "deconv":
            layers.append(Deconv(c, 3, 2, 1, 1))
        else:
            layers.append(Gdn(inverse=draw(st.booleans())))
    size = draw(st.sampled_from([4, 6]))
    return Spec(draw(st.sampled_from([1, 2, 3])), size, size, layers)


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
def test_max_fps_matches_exhaustive_search(spec, data):
    stages = knobs_of(spec)
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
    costs = [s.option_cost(f) for s, f in zip(stages, solution.foldings)]
    assert max(c.cycles for c in costs) == best
    assert (sum(np.array(c.vector()) for c in costs) <= budget).all()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=networks(), data=st.data())
def test_min_cost_matches_exhaustive_search(spec, data):
    stages = knobs_of(spec)
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
    res = sum(np.array(s.option_cost(f).vector()) for s, f in zip(stages, solution.foldings))
    assert res @ weights == pytest.approx(min(feasible))
    assert all(s.option_cost(f).cycles <= target for s, f in zip(stages, solution.foldings))


def test_explain_names_the_binding_resource():
    problem = problem_of(knobs_of(Spec(2, 8, 8, [Conv(4, 3, 1, 1), Gdn()])))
    budget = np.array([10**9] * len(RESOURCES))
    budget[RESOURCES.index("dsp")] = 0
    fastest = int(problem.candidates()[0])
    with pytest.raises(Infeasible, match=r"bound by DSP \(needs at least \d+ of 0\)"):
        problem.min_cost(fastest, budget)


def test_explain_names_a_stage_that_cannot_go_faster():
    problem = problem_of(knobs_of(Spec(2, 8, 8, [Conv(4, 3, 1, 1)])))
    fastest = int(problem.candidates()[0])
    with pytest.raises(Infeasible, match=rf"@net \w+ \(hls.mvau\) needs at least {fastest} cycles"):
        problem.min_cost(fastest - 1, np.array([10**9] * len(RESOURCES)))


def test_min_cost_is_not_the_first_fit():
    """The cheapest option of the first stage leaves too little BRAM for the second's
    cheapest, so the cheapest design takes the first stage's second-cheapest option."""
    tables = [
        Options([Folding(1, 1), Folding(2, 1)], np.array([1, 1]), np.array([[0, 3, 0, 0, 0], [50, 1, 0, 0, 0]])),
        Options([Folding(1, 1), Folding(2, 1)], np.array([1, 1]), np.array([[0, 3, 0, 0, 0], [90, 0, 0, 0, 0]])),
    ]
    problem = Problem([0, 1], lambda i: tables[i], resolution=None)
    budget = np.array([100, 5, 0, 100, 100])
    assert problem.search(1, budget, cheapest=False) in ([0, 1], [1, 0])  # the two that fit
    assert problem.search(1, budget, cheapest=True) == [1, 0]


def test_learn_charges_one_option_and_leaves_the_shared_table():
    """A charged option costs its charge on top from then on (the most seen); the table
    the stages share is not changed."""
    table = Options([Folding(1, 1), Folding(2, 1)], np.array([1, 1]), np.array([[0, 3, 0, 0, 0], [50, 4, 0, 0, 0]]))
    problem = Problem([0], lambda i: table, resolution=None)
    budget = np.array([100, 5, 0, 100, 100])
    assert problem.min_cost(1, budget).foldings == [Folding(1, 1)]
    problem.learn(0, Folding(1, 1), np.array([0, 3, 0, 0, 0]))
    problem.learn(0, Folding(1, 1), np.array([0, 1, 0, 0, 0]))
    assert problem.min_cost(1, budget).foldings == [Folding(2, 1)]
    assert problem.options[0].res[0].tolist() == [0, 6, 0, 0, 0]
    assert table.res[0].tolist() == [0, 3, 0, 0, 0]
