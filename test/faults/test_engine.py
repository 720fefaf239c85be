"""Injections change the emitted design's output exactly as the interpreter with the same upset does."""

from dataclasses import replace

import numpy as np
import pytest
from xdsl.dialects.builtin import ArrayAttr

from lic_compiler.dialects import hls
from lic_compiler.errors import LiccError
from lic_compiler.faults.engine import Box, Part, fault_hook, flip, is_signed
from lic_compiler.faults.inject import Fault, inject
from lic_compiler.faults.sites import memories
from lic_compiler.interpreter import run
from lic_compiler.interpreter.hls_stages import apply_steps, windows
from lic_compiler.ir import from_numpy, make_context, parse_module, to_numpy
from lic_compiler.registry import parse_pipeline


def _inputs(design, rng):
    pixels = rng.integers(0, 256, (1, 3, 64, 64)).astype(np.uint8)
    latent = run(design, "encoder", pixels)[0]
    return {"encoder": pixels, "decoder": latent}


def _output(part, clean, outcome):
    return clean[-1] if outcome.output is None else outcome.output.full()


def test_without_a_fault_every_stage_is_the_interpreters(design):
    rng = np.random.default_rng(0)
    for name, x in _inputs(design, rng).items():
        part = Part(design, name)
        clean = part.clean_run(x)
        assert np.array_equal(clean[-1], run(design, name, x)[0])  # the capture hook changes nothing
        for stage in part.stages:
            if isinstance(stage.op, hls.WindowOp):
                continue
            _, h, w = part.shape(stage.index)
            values, overflow = stage.compute(part.source(clean, stage.index), Box(0, h, 0, w))
            assert np.array_equal(values, clean[stage.index + 1]) and not overflow


def _reference(design, name, x, op, point, where, bit, width, signed):
    """The interpreter's output with `bit` of value `where` of `op`'s `point` flipped."""
    def hook(stage, at, value):
        if stage is op and at == point:
            value = np.array(value, np.int64)
            value[(0, *where)] = flip(value[(0, *where)], bit, width, signed)
        return value

    with fault_hook(hook):
        return run(design, name, x)[0]


@pytest.mark.parametrize("target", ["streams", "accumulators"])
def test_transient_upsets_match_the_interpreter(design, target):
    rng = np.random.default_rng(1)
    inputs = _inputs(design, rng)
    changed = 0
    for name, x in inputs.items():
        part = Part(design, name)
        clean = part.clean_run(x)
        for m in [m for m in memories(part) if m.target == target and m.stage >= 0]:
            for _ in range(4):
                fault = Fault(m, int(rng.integers(np.prod(m.words))), int(rng.integers(m.width)))
                got = _output(part, clean, inject(part, clean, fault))
                where = np.unravel_index(fault.word, m.words)
                point = "out" if target == "streams" else "acc"
                want = _reference(design, name, x, part.stages[m.stage].op, point, where, fault.bit, m.width, m.signed)
                assert np.array_equal(got, want), (m.name, fault)
                changed += not np.array_equal(got, clean[-1])
    assert changed > 5  # upsets that reach the output were among them


def test_an_upset_in_the_input_stream(design):
    x = _inputs(design, np.random.default_rng(2))["encoder"]
    part = Part(design, "encoder")
    clean = part.clean_run(x)
    m = next(m for m in memories(part) if m.stage == -1)
    faulty = x.copy()
    faulty[0, 1, 10, 20] ^= 1 << 7
    got = _output(part, clean, inject(part, clean, Fault(m, int(np.ravel_multi_index((1, 10, 20), m.words)), 7)))
    assert np.array_equal(got, run(design, "encoder", faulty)[0])


def _clone_with(design, name, index, key, value):
    module = design.clone()
    op = Part(module, name).stages[index].op
    op.properties[key] = value
    return module


def test_a_flipped_weight_bit_changes_the_output_as_numpy_and_the_interpreter_say(design):
    x = _inputs(design, np.random.default_rng(3))["encoder"]
    part = Part(design, "encoder")
    clean = part.clean_run(x)
    m = next(m for m in memories(part) if m.target == "weights" and m.what == "weight")
    stage = part.stages[m.stage]
    o, k = 3, 7
    fault = Fault(m, o * m.words[1] + k, m.width - 1)  # the sign bit of weight[3, 7]
    outcome = inject(part, clean, fault)
    # numpy: the first convolution with the flipped weight, then its epilogue.
    weight = np.array(to_numpy(stage.op.weight), np.int64)
    weight[o, k] = flip(weight[o, k], m.width - 1, m.width, True)
    cols = windows(x.astype(np.int64), stage.window)
    acc = np.einsum("ok,bkhw->bohw", weight, cols) + np.array(to_numpy(stage.op.bias), np.int64).reshape(1, -1, 1, 1)
    first = apply_steps(acc, stage.op.epilogue, stage.op.acc_type)
    differs = (first != clean[m.stage + 1]).any(axis=(0, 2, 3))
    assert differs[o] and differs.sum() == 1  # the flip shows in its own output channel only
    # The whole part: the interpreter on the IR with the flipped weight stored in it.
    module = _clone_with(design, "encoder", m.stage, "weight", from_numpy(weight, stage.op.weight.type.get_element_type()))
    want = run(module, "encoder", x)[0]
    assert np.array_equal(_output(part, clean, outcome), want)
    assert not np.array_equal(want, clean[-1])


def test_persistent_upsets_in_every_memory_match_the_interpreter(design):
    rng = np.random.default_rng(4)
    for name, x in _inputs(design, rng).items():
        part = Part(design, name)
        clean = part.clean_run(x)
        for m in [m for m in memories(part) if m.target == "weights"]:
            word, bit = int(rng.integers(np.prod(m.words))), int(rng.integers(m.width))
            attr = getattr(part.stages[m.stage].op, m.what)
            array = np.array(to_numpy(attr), np.int64)
            array.flat[word] = flip(array.flat[word], bit, m.width, m.signed)
            module = _clone_with(design, name, m.stage, m.what, from_numpy(array, attr.type.get_element_type()))
            got = _output(part, clean, inject(part, clean, Fault(m, word, bit)))
            assert np.array_equal(got, run(module, name, x)[0]), m.name


def test_a_flipped_rescale_multiplier_matches_the_interpreter(design):
    rng = np.random.default_rng(5)
    for name, x in _inputs(design, rng).items():
        part = Part(design, name)
        clean = part.clean_run(x)
        for m in [m for m in memories(part) if m.target == "tables" and m.what.endswith("multiplier")]:
            channel, bit = int(rng.integers(m.words[0])), int(rng.integers(8, 14))  # stays a valid #hls.rescale
            chain, rest = m.what.split("[")
            index = int(rest.split("]")[0])
            op = part.stages[m.stage].op
            steps = list(getattr(op, chain).data)
            mult, shift, offset = steps[index].params()
            mult[channel] = flip(mult[channel], bit, m.width, True)
            steps[index] = hls.RescaleStep(mult, shift, offset, steps[index].type)
            module = _clone_with(design, name, m.stage, chain, ArrayAttr(steps))
            got = _output(part, clean, inject(part, clean, Fault(m, channel, bit)))
            assert np.array_equal(got, run(module, name, x)[0]), m.name


def test_flip():
    assert flip(5, 7, 8, True) == -123
    assert flip(-1, 0, 8, True) == -2
    assert flip(200, 7, 8, False) == 72
    assert flip(-(1 << 20), 20, 21, True) == 0
    assert is_signed(hls.IntegerType(8)) and not is_signed(hls.IntegerType(8, hls.Signedness.UNSIGNED))


def test_an_accumulator_flip_on_one_pixel_stays_local(design):
    x = _inputs(design, np.random.default_rng(6))["decoder"]
    part = Part(design, "decoder")
    clean = part.clean_run(x)
    m = next(m for m in memories(part) if m.target == "accumulators")
    stage = part.stages[m.stage]
    values, _ = replace(stage, acc_flip=(0, m.width - 2, m.width)).compute(part.source(clean, m.stage), Box(1, 2, 1, 2))
    outcome = part.settle(clean, m.stage, Box(1, 2, 1, 2), values)
    assert outcome.output is not None
    box = outcome.output.box
    assert (box.y1 - box.y0) * (box.x1 - box.x0) < 64 * 64 // 4  # a transient upset reaches a neighbourhood


SHUFFLE = """
func.func @decoder(%x: tensor<1x4x3x3xi8>) -> tensor<1x2x6x6xi8> {
  %w = lic.constant dense<1> : tensor<8x4x1x1xi8>
  %acc = lic.conv2d %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x4x3x3xi8>, tensor<8x4x1x1xi8>) -> tensor<1x8x3x3xi11>
  %q = lic.rescale %acc {multiplier = array<i64: 1>, shift = array<i64: 2>} : tensor<1x8x3x3xi11> -> tensor<1x8x3x3xi8>
  %s = lic.pixel_shuffle %q {factor = 2 : i64} : tensor<1x8x3x3xi8> -> tensor<1x2x6x6xi8>
  func.return %s : tensor<1x2x6x6xi8>
}
"""


def test_a_stage_the_engine_does_not_run_is_refused():
    module = parse_module(SHUFFLE)
    parse_pipeline("convert-lic-to-hls").apply(make_context(), module)
    with pytest.raises(LiccError, match="@decoder has a 'hls.shuffle' stage; licc-faults injects into designs of"):
        Part(module, "decoder")
