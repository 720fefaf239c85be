"""GDN's table kernel with its ROM words as data gives the interpreter's values, and a flipped word
reaches the part's output as the C simulation computes it (test_csim)."""

import numpy as np
import pytest
from xdsl.dialects.builtin import ArrayAttr

from lic_compiler.dialects import hls
from lic_compiler.faults.engine import Part
from lic_compiler.faults.inject import Fault, inject
from lic_compiler.faults.sites import memories
from lic_compiler.faults.tables import int_table, roms
from lic_compiler.interpreter import run
from lic_compiler.interpreter.hls_stages import apply_steps

MODES = [("pwl", {"segments": 32}), ("table", {"table_bits": 8}), ("newton", {"table_bits": 4, "newton_steps": 2})]


@pytest.mark.parametrize("function", ["rsqrt", "sqrt", "reciprocal"])
@pytest.mark.parametrize(("mode", "params"), MODES)
def test_the_kernel_with_the_emitted_words_is_the_interpreter(function, mode, params):
    rng = np.random.default_rng(0)
    acc = hls.IntegerType(36)
    step = hls.TableStep(function, mode, params, 18, hls.IntegerType(16))
    n = np.concatenate([rng.integers(-10, 1 << 35, 20000), np.arange(-3, 3000), 1 << np.arange(35)])
    want = apply_steps(n.reshape(1, -1, 1, 1), ArrayAttr([step]), acc).ravel()
    assert np.array_equal(int_table(n, step, roms(step)), want)


def test_a_flipped_root_word_changes_the_decoder(design):
    latent = run(design, "encoder", np.random.default_rng(1).integers(0, 256, (1, 3, 64, 64)).astype(np.uint8))[0]
    part = Part(design, "decoder")
    clean = part.clean_run(latent)
    roots = [m for m in memories(part) if m.target == "roots"]
    assert {m.what.split(".")[-1] for m in roots} == {"entry", "slope"}  # the student's tables are PWL
    changed = 0
    for m in roots:
        outcome = inject(part, clean, Fault(m, m.words[0] // 2, m.width - 2))
        changed += outcome.output is not None
    assert changed > 0
