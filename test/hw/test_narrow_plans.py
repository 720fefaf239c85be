"""Narrower weights never plan slower: any folding at 8-bit weights is legal at 4 bits and
takes no more of any resource, so the solver's best cannot drop (it did on memory-bound
budgets, where the rounds' reserve of FIFO memory left no design, or a slower one)."""

from __future__ import annotations

import pytest

from lic_compiler.hw.design import solve
from lic_compiler.hw.device import Device
from lic_compiler.ir import make_context
from lic_compiler.registry import parse_pipeline
from nets import Conv, Deconv, Gdn, Spec, build, merge


def codec(w_bits: int):
    """A two-part codec whose convolutions all have `w_bits`-bit weights (same seed)."""
    encoder = Spec(3, 32, 32, [Conv(16, 5, 2, 2, w_bits=w_bits), Gdn(), Conv(16, 5, 2, 2, w_bits=w_bits), Gdn(),
                               Conv(24, 5, 2, 2, w_bits=w_bits)])
    decoder = Spec(24, 4, 4, [Deconv(16, 5, 2, 2, 1, w_bits=w_bits), Gdn(inverse=True),
                              Deconv(16, 5, 2, 2, 1, w_bits=w_bits), Gdn(inverse=True),
                              Deconv(3, 5, 2, 2, 1, w_bits=w_bits)], unsigned_input=False)
    module = merge([build(encoder, 0, "encoder"), build(decoder, 1, "decoder")])
    parse_pipeline("convert-lic-to-hls").apply(make_context(), module)
    return module


# Block RAM for little more than the FIFOs: 4-bit weights had no design at 80 DSPs, and
# neither width one at 160 (more DSPs, so faster stages whose FIFOs took the block RAM).
@pytest.mark.parametrize("dsp", [80, 160])
def test_four_bit_weights_plan_at_least_as_fast_as_eight(dsp):
    device = Device("tiny", "test", {"dsp": dsp, "bram18": 24, "uram": 0, "lut": 12000, "ff": 24000}, 200, 1.0)
    designs = {w: solve(codec(w), device) for w in (8, 4)}
    for design in designs.values():
        budget, used = design.budget(), design.used()
        assert all(used[r] <= budget[r] for r in budget)
    assert designs[4].fps("encoder") >= designs[8].fps("encoder")
