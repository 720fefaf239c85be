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


# --- tmr-high: the high bits voted, the low bits stored once -------------------------


@pytest.fixture(scope="module")
def guarded_high(tmp_path_factory):
    """The bundled student at 64×64 with every per-channel memory's high bits triplicated."""
    out = tmp_path_factory.mktemp("protected-high") / "b"
    options = BuildOptions(parts=list(PARTS), frame=FRAME, pipeline="...,lic-protect{scheme=tmr-high budget=1}")
    return compile_model(STUDENT, out, options), out


def test_tmr_high_leaves_out_the_bits_that_move_every_word_by_less_than_the_tolerance(design, guarded, guarded_high):
    from lic_compiler.hw.protect import TOLERANCE, stored_values, voted

    module = guarded_high[0].module
    lows = {}
    for op in _stages(module):
        for what, (low, width) in voted(op).items():
            values = np.abs(stored_values(op, what))
            kind = what.rsplit(".", 1)[-1]
            if kind in ("shift", "offset"):
                assert low == 0, what  # exponents and unscaled offsets: every bit voted
            elif low:  # low = floor(log2 min |word|) − TOLERANCE: a flip below moves every word by less
                assert (1 << low) <= values.min() / 2**TOLERANCE < 1 << (low + 1), what  # than 2^-TOLERANCE of it
            assert width == memory_width(op, what) - low
            lows[kind] = max(lows.get(kind, 0), low)
    assert lows["multiplier"] > 0 and lows["beta"] > 0  # some bits are left out
    luts = [hardware(m)["used"]["lut"] for m in (design, module, guarded[0].module)]
    assert luts[0] < luts[1] < luts[2]  # cheaper than whole words
    assert hardware(module)["fps"] == hardware(design)["fps"]


def memory_width(op, what):
    from lic_compiler.hw.protect import memory_shape

    return memory_shape(op, what)[1]


def test_a_campaign_draws_every_site_of_a_partly_triplicated_memory_once(guarded_high):
    part = Part(guarded_high[0].module, "decoder")
    found = [m for m in memories(part) if m.low]
    m = found[0]
    n = int(np.prod(m.words))
    assert m.bits == m.sites == n * (m.width + 2 * (m.width - m.low))
    sites = [m.site(i) for i in range(m.sites)]
    assert len(set(sites)) == m.sites
    assert all(bit >= m.low for word, bit in sites if word >= n)  # the copies hold the high bits alone
    plan = draw(found, ("weights", "tables"), {"weights": 300, "tables": 300}, 1, seed=0)
    copied = [f for f, _ in plan if f.word >= int(np.prod(f.memory.words))]
    assert copied and all(f.bit >= f.memory.low for f in copied)


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_tmr_high_c_simulation_is_bit_exact_and_agrees_with_the_engine_on_upsets(design, guarded_high, images, tmp_path):
    from lic_compiler.faults.run import center_crop, load_images

    module = guarded_high[0].module
    text = "".join(p.read_text() for p in (guarded_high[1] / "hls").rglob("*.h"))
    assert "licc::vote_high<" in text
    parts = {name: Part(module, name) for name in PARTS}
    sim = FaultSim(module, parts, tmp_path)
    pixels = center_crop(*load_images(images)[0], FRAME)
    inputs = {"encoder": pixels, "decoder": run(design, "encoder", pixels)[0]}
    changed = 0
    for name, x in inputs.items():
        want = run(design, name, x)[0]  # the unprotected design
        assert np.array_equal(sim.run(name, x), want)
        part = parts[name]
        clean = part.clean_run(x)
        partly = [m for m in memories(part) if m.low]
        for m in partly[:: max(len(partly) // 3, 1)]:
            n = int(np.prod(m.words))
            for copy in range(3):  # the top bit and the lowest voted bit of one word of each copy
                for bit in (m.width - 1, m.low):
                    fault = Fault(m, copy * n + 1, bit)
                    assert inject(part, clean, fault).output is None
                    assert np.array_equal(sim.run(name, x, fault), want), (m.name, copy, bit)
            # The highest bit stored once: not voted, the same output in the engine and the C simulation.
            fault = Fault(m, 1, m.low - 1)
            outcome = inject(part, clean, fault).output
            got = sim.run(name, x, fault)
            expected = want if outcome is None else outcome.full()
            assert np.array_equal(got, expected), m.name
            changed += outcome is not None
    assert changed  # some unvoted upsets do reach the output
