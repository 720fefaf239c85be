"""lic-protect: triplicated memories compute what the unprotected design computes, cost LUTs
and no frame rate, and outvote an upset in the fault engine and in the C simulation alike."""

import json
import shutil

import numpy as np
import pytest

from lic_compiler.driver import BuildOptions, compile_model
from lic_compiler.errors import LiccError
from lic_compiler.faults.campaign import draw
from lic_compiler.faults.csim import FaultSim
from lic_compiler.faults.engine import Part
from lic_compiler.faults.inject import Fault, inject
from lic_compiler.faults.run import hardware
from lic_compiler.faults.sites import memories
from lic_compiler.hw.protect import protected
from lic_compiler.interpreter import run
from lic_compiler.ir import make_context
from lic_compiler.registry import parse_pipeline

from .conftest import FRAME, STUDENT

PARTS = ("encoder", "decoder")


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    """The bundled student at 64×64 with every per-channel memory triplicated."""
    out = tmp_path_factory.mktemp("protected") / "b"
    options = BuildOptions(parts=list(PARTS), frame=FRAME, pipeline="...,lic-protect{budget=1}")
    return compile_model(STUDENT, out, options), out


def _stages(module):
    return [s.op for name in PARTS for s in Part(module, name).stages]


def test_every_per_channel_memory_is_triplicated_and_costed(design, guarded):
    build, out = guarded
    triplicated = [m for name in PARTS for m in memories(Part(build.module, name)) if m.copies == 3]
    kinds = {m.what.split(".")[-1] for m in triplicated}
    assert kinds == {"bias", "beta", "multiplier", "shift"}
    assert all(m.target in ("weights", "tables") for m in triplicated)
    plain, tmr = hardware(design), hardware(build.module)
    assert tmr["used"]["lut"] > plain["used"]["lut"]
    assert {r: v for r, v in tmr["used"].items() if r != "lut"} == {r: v for r, v in plain["used"].items() if r != "lut"}
    assert tmr["fps"] == plain["fps"]  # the vote adds pipeline depth, not iterations
    text = "".join(p.read_text() for p in (out / "hls").rglob("*.h"))
    assert "licc::vote(" in text and (out / "hls" / "include" / "licc" / "protect.h").is_file()


def test_an_unprotected_build_emits_no_vote(design, tmp_path):
    from lic_compiler.backends.hls_cpp.emitter import emit_project

    files = emit_project(design)
    assert "include/licc/protect.h" not in files and not any("vote" in t for t in files.values())


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_the_protected_c_simulation_equals_the_unprotected_design_and_outvotes_upsets(design, guarded, images,
                                                                                      tmp_path):
    from lic_compiler.faults.run import center_crop, load_images

    module = guarded[0].module
    parts = {name: Part(module, name) for name in PARTS}
    sim = FaultSim(module, parts, tmp_path)
    pixels = center_crop(*load_images(images)[0], FRAME)
    inputs = {"encoder": pixels, "decoder": run(design, "encoder", pixels)[0]}
    for name, x in inputs.items():
        want = run(design, name, x)[0]  # the unprotected design
        assert np.array_equal(sim.run(name, x), want)
        part = parts[name]
        clean = part.clean_run(x)
        assert np.array_equal(clean[-1], want)
        guarded_memories = [m for m in memories(part) if m.copies == 3]
        for m in guarded_memories[:: max(len(guarded_memories) // 4, 1)]:
            for copy in range(3):  # the top bit of one word of each copy
                fault = Fault(m, copy * int(np.prod(m.words)) + 1, m.width - 1)
                assert inject(part, clean, fault).output is None
                assert np.array_equal(sim.run(name, x, fault), want), (m.name, copy)


def test_a_campaign_draws_from_every_copy(guarded):
    part = Part(guarded[0].module, "decoder")
    found = memories(part)
    plan = draw(found, ("tables",), {"tables": 400}, 1, seed=0)
    copies = {f.word // int(np.prod(f.memory.words)) for f, _ in plan}
    assert copies == {0, 1, 2}
    assert sum(m.bits for m in found if m.target == "tables") == 3 * sum(
        int(np.prod(m.words)) * m.width for m in found if m.target == "tables")


def test_the_ranking_protects_the_most_vulnerable_kind_per_lut_first(design, tmp_path):
    module = design.clone()
    ranked = tmp_path / "faults.json"
    # Biases: every upset catastrophic; shifts: none (pooled over their memories).
    ranked.write_text(json.dumps({"memories": [
        {"what": "bias", "catastrophic": 3, "injections": 3}, {"what": "bias", "catastrophic": 0, "injections": 0},
        {"what": "epilogue[0].shift", "catastrophic": 0, "injections": 500}]}))
    parse_pipeline(f'lic-protect{{ranking="{ranked}" budget=0.001}}').apply(make_context(), module)
    kinds = [what for op in _stages(module) for what in protected(op).get("tmr", ())]
    biases = sum(what == "bias" for op in _stages(design) for what in _kinds(op))
    assert "bias" in kinds
    assert kinds.count("bias") == biases or set(kinds) == {"bias"}  # other kinds only once every bias is in
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    with pytest.raises(LiccError, match="cannot read the ranking .*; pass the faults.json of a licc-faults run"):
        parse_pipeline(f'lic-protect{{ranking="{bad}"}}').apply(make_context(), design.clone())


def _kinds(op):
    from lic_compiler.passes.protect import KINDS, _memories

    return _memories(op, KINDS)
