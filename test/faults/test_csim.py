"""Upsets injected in the C simulation of the emitted design give the fault engine's outputs bit for bit."""

import shutil

import numpy as np
import pytest

from lic_compiler.faults.campaign import draw
from lic_compiler.faults.csim import FaultSim
from lic_compiler.faults.engine import Part
from lic_compiler.faults.inject import Fault, inject
from lic_compiler.faults.sites import ALL_TARGETS, memories
from lic_compiler.interpreter import run

pytestmark = pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")


@pytest.fixture(scope="module")
def sim(design, tmp_path_factory):
    parts = {name: Part(design, name) for name in ("encoder", "decoder")}
    return FaultSim(design, parts, tmp_path_factory.mktemp("faultsim"))


@pytest.fixture(scope="module")
def inputs(design):
    pixels = np.random.default_rng(0).integers(0, 256, (1, 3, 64, 64)).astype(np.uint8)
    return {"encoder": pixels, "decoder": run(design, "encoder", pixels)[0]}


def test_without_a_fault_the_program_is_the_interpreter(sim, inputs, design):
    for name, x in inputs.items():
        assert np.array_equal(sim.run(name, x), run(design, name, x)[0])


def test_every_kind_of_upset_agrees_with_the_engine(sim, inputs):
    changed = 0
    for name, x in inputs.items():
        part = sim.parts[name]
        clean = part.clean_run(x)
        plan = draw(memories(part), ALL_TARGETS, dict.fromkeys(ALL_TARGETS, 3), 1, seed=1)
        for fault, _ in plan:
            outcome = inject(part, clean, fault)
            want = clean[-1] if outcome.output is None else outcome.output.full()
            got = sim.run(name, x, fault)
            assert np.array_equal(got, want), (fault.memory.name, fault.word, fault.bit)
            changed += not np.array_equal(got, clean[-1])
    assert changed >= 4  # upsets that reach the output were among them


def test_the_sign_bit_of_a_shift_and_of_a_window_value(sim, inputs):
    """The cases the C++ needs its fault hooks for: a shift flipped out of [0, 62] and a
    window generator's beat."""
    part = sim.parts["encoder"]
    x = inputs["encoder"]
    clean = part.clean_run(x)
    shift = next(m for m in memories(part) if m.what.endswith("shift"))
    window = next(m for m in memories(part) if m.target == "streams" and m.layer.endswith("window"))
    for fault in (Fault(shift, 3, shift.width - 1), Fault(window, 5 * 64 + 100, window.width - 2)):
        outcome = inject(part, clean, fault)
        assert outcome.output is not None
        assert np.array_equal(sim.run("encoder", x, fault), outcome.output.full()), fault.memory.name
