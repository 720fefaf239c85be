"""C simulation of small random networks against the interpreter, bit for bit.

One module holds many parts: every stage kind in one network, and sweeps
of every legal folding (PE × SIMD) of a strided convolution, a 1×1
convolution (width converters), two polyphase transposed convolutions
(both schedules) and GDN of each form, with odd channel counts and sizes;
plus each root function in each table mode. The emitted project is built
once per integer-type variant (standard types; Xilinx's ap_int when its
headers are installed) with -Wall -Werror and every output integer is
compared with the integer lic interpreter's.
"""

from __future__ import annotations

import numpy as np
import pytest

from lic_compiler.backends.hls_cpp import write_project
from lic_compiler.backends.hls_cpp.csim import VARIANTS, ap_types_dir, check
from lic_compiler.dialects import hls
from lic_compiler.interpreter import run
from lic_compiler.ir import make_context
from lic_compiler.registry import parse_pipeline

from nets import Abs, Conv, Deconv, Gdn, Spec, build, merge, random_input, table_input, table_net


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


ALL_KINDS = Spec(3, 12, 10, [
    Abs(), Conv(8, 5, 2, 2, relu=True, pe=2, simd=5), Gdn(pe=4, simd=2), Conv(6, 3, 1, 1, pe=3, simd=8),
    Gdn(inverse=True, pe=2, simd=3), Deconv(5, pe=5, simd=6), Gdn(l1=True, pe=1, simd=5),
    Deconv(4, 3, 2, 1, 1, pe=2, simd=15), Gdn(l1=True, inverse=True, pe=4, simd=4), Conv(7, 1, 1, 0, pe=7, simd=2),
])
GDN_FORMS = [Gdn(), Gdn(inverse=True), Gdn(l1=True), Gdn(l1=True, inverse=True)]
TABLES = [
    ("rsqrt", "table", {"table_bits": 1}, 20), ("rsqrt", "table", {"table_bits": 10}, 30),
    ("rsqrt", "pwl", {"segments": 2}, 22), ("rsqrt", "pwl", {"segments": 64}, 12),
    ("rsqrt", "newton", {"table_bits": 4, "newton_steps": 3}, 21),
    ("sqrt", "table", {"table_bits": 6}, -4), ("sqrt", "pwl", {"segments": 32}, 2),
    ("sqrt", "newton", {"table_bits": 6, "newton_steps": 1}, 0),
    ("reciprocal", "table", {"table_bits": 8}, 40), ("reciprocal", "pwl", {"segments": 16}, 36),
    ("reciprocal", "newton", {"table_bits": 5, "newton_steps": 2}, 44),
]


def specs() -> dict[str, Spec]:
    out = {"all_kinds": ALL_KINDS}
    for pe in divisors(3):
        for simd in divisors(5 * 3 * 3):
            out[f"conv_{pe}x{simd}"] = Spec(5, 7, 9, [Conv(3, 3, 2, 1, relu=True, pe=pe, simd=simd)])
    for pe in divisors(6):
        for simd in divisors(4):
            out[f"conv1x1_{pe}x{simd}"] = Spec(4, 3, 5, [Conv(6, 1, 1, 0, pe=pe, simd=simd)], unsigned_input=False)
    for k, pad, choices in ((5, 2, hls.deconv_simd_choices(4, [9, 6, 6, 4])), (3, 1, hls.deconv_simd_choices(4, [1, 2, 2, 4]))):
        for pe in divisors(3):
            for simd in choices:
                layer = Deconv(3, k, 2, pad, 1, relu=simd % 2 == 0, pe=pe, simd=simd)
                out[f"deconv{k}_{pe}x{simd}"] = Spec(4, 4, 3, [layer], unsigned_input=False)
    for i, (pe, simd) in enumerate((p, s) for p in divisors(6) for s in divisors(6)):
        form = GDN_FORMS[i % len(GDN_FORMS)]
        out[f"gdn_{pe}x{simd}"] = Spec(6, 3, 4, [Gdn(form.inverse, form.l1, pe, simd)], unsigned_input=False)
    return out


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """Every part: built, interpreted (lic and hls levels), emitted, C-simulated."""
    modules, inputs = [], {}
    for i, (name, spec) in enumerate(specs().items()):
        modules.append(build(spec, seed=i, name=name))
        inputs[name] = random_input(spec, seed=100 + i)
    for i, (fn, mode, params, frac) in enumerate(TABLES):
        name = f"table_{fn}_{mode}_{i}"
        modules.append(table_net(fn, mode, params, frac, name))
        inputs[name] = table_input(i)
    module = merge(modules)
    references = {name: run(module, name, x)[0] for name, x in inputs.items()}
    parse_pipeline("convert-lic-to-hls,hls-size-fifos").apply(make_context(), module)
    hls_level = {name: run(module, name, x)[0] for name, x in inputs.items()}
    folder = tmp_path_factory.mktemp("csim")
    write_project(module, folder)
    return references, hls_level, check(folder, inputs, references)


def test_hls_interpreter_equals_lic_interpreter(simulated):
    references, hls_level, _ = simulated
    for name, ref in references.items():
        assert np.array_equal(hls_level[name], ref), name
        assert hls_level[name].dtype == ref.dtype, name


@pytest.mark.parametrize("variant", VARIANTS)
def test_csim_equals_interpreter(simulated, variant):
    if variant == "ap" and ap_types_dir() is None:
        pytest.skip("no ap_int.h installed")
    results = [r for r in simulated[2] if r.variant == variant]
    assert len(results) == len(simulated[0])
    different = [(r.part, r.mismatches) for r in results if not r.equal]
    assert not different


def test_references_are_not_trivial(simulated):
    """The random networks exercise their ranges: outputs are not constant."""
    references = simulated[0]
    flat = [name for name, ref in references.items() if np.unique(ref).size < 3]
    assert not flat
