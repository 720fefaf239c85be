"""The root/reciprocal approximations: error bounds, fixed-point reproduction, cost."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lic_compiler.errors import LiccError
from lic_compiler.gdn_approx import ENTRY_WIDTH, FRAC_BITS, SLOPE_WIDTH, Approx

FUNCTIONS = ("rsqrt", "sqrt", "reciprocal")
CONFIGS = [
    ("table", {"table_bits": 1}),
    ("table", {"table_bits": 6}),
    ("table", {"table_bits": 10}),
    ("table", {"table_bits": 16}),
    ("pwl", {"segments": 2}),
    ("pwl", {"segments": 32}),
    ("pwl", {"segments": 4096}),
    ("newton", {"table_bits": 1, "newton_steps": 3}),
    ("newton", {"table_bits": 4, "newton_steps": 1}),
    ("newton", {"table_bits": 6, "newton_steps": 2}),
]
APPROXES = [Approx(f, m, **p) for f in FUNCTIONS for m, p in CONFIGS]


def _ids(a: Approx) -> str:
    return a.describe().replace(" ", "-")


def _reference(function: str, x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float64)
    return {"rsqrt": 1 / np.sqrt(x), "sqrt": np.sqrt(x), "reciprocal": 1 / x}[function]


# Positive float32 values from the smallest subnormal to the largest finite,
# drawn uniformly in the exponent so that tiny and huge norms are as likely
# as ordinary ones.
positive_f32 = (
    st.builds(lambda e, m: m * 2.0**e, st.integers(-149, 127), st.floats(1.0, 2.0, exclude_max=True))
    .filter(lambda v: v <= np.finfo(np.float32).max)
    .map(np.float32)
)


def _normal_result(approx: Approx, x: np.ndarray) -> np.ndarray:
    # 1/x overflows float32 below 2^-126 and is subnormal (rounded) above 2^126.
    if approx.function == "reciprocal":
        return (x >= 2.0**-126) & (x < 2.0**126)
    return np.ones_like(x, dtype=bool)


@pytest.mark.parametrize("approx", APPROXES, ids=_ids)
@settings(max_examples=60, deadline=None)
@given(values=st.lists(positive_f32, min_size=1, max_size=64))
def test_error_within_documented_bound(approx, values):
    x = np.array(values, dtype=np.float32)
    x = x[_normal_result(approx, x)]
    rel = approx(x).astype(np.float64) / _reference(approx.function, x) - 1
    assert np.all(np.abs(rel) <= approx.max_relative_error())


@pytest.mark.parametrize("function", FUNCTIONS)
@settings(max_examples=100, deadline=None)
@given(values=st.lists(positive_f32, min_size=1, max_size=64))
def test_exact_mode_to_float_precision(function, values):
    exact = Approx(function)
    x = np.array(values, dtype=np.float32)
    x = x[_normal_result(exact, x)]
    rel = exact(x).astype(np.float64) / _reference(function, x) - 1
    assert np.all(np.abs(rel) <= exact.max_relative_error())


@pytest.mark.parametrize("approx", APPROXES, ids=_ids)
def test_bound_is_attained(approx):
    # The bound is the supremum, not a loose estimate: dense sampling of two
    # octaves comes within a few percent of it.
    x = np.linspace(1.0, 4.0, 400_001)
    rel = approx(x) / _reference(approx.function, x) - 1
    assert np.max(np.abs(rel)) >= 0.9 * approx.max_relative_error()


@pytest.mark.parametrize("approx", APPROXES, ids=_ids)
@settings(max_examples=50, deadline=None)
@given(x=positive_f32, j=st.integers(-20, 20))
def test_scaling_by_powers_of_four_is_exact(approx, x, j):
    # The approximation only sees the mantissa: scaling the argument by 4^j
    # scales the result by an exact power of two.
    x = np.float64(x)
    y, scaled = approx(np.array([x]))[0], approx(np.array([x * 4.0**j]))[0]
    power = {"rsqrt": -j, "sqrt": j, "reciprocal": -2 * j}[approx.function]
    assert scaled == y * 2.0**power


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("mode,params", [("exact", {})] + CONFIGS[1:2])
def test_special_values_follow_ieee(function, mode, params):
    x = np.array([0.0, -1.0, np.inf, np.nan], dtype=np.float32)
    got = Approx(function, mode, **params)(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        want = _reference(function, x).astype(np.float32)
    np.testing.assert_array_equal(got, want)


def test_dtype_is_kept():
    x = np.array([2.0, 3.0])
    assert Approx("rsqrt", "pwl", segments=8)(x).dtype == np.float64
    assert Approx("rsqrt", "pwl", segments=8)(x.astype(np.float32)).dtype == np.float32


# --- an independent integer implementation ------------------------------------

F = FRAC_BITS


def _rnd_shift(v: int, shift: int) -> int:
    """Round half up of v / 2^shift."""
    return (v + (1 << (shift - 1))) >> shift


def _int_mantissa(function: str, x: int) -> tuple[int, int, int, int]:
    """(M, p, e, j): M = m_t·2^F, the exponent's parity, the shift, f's fraction bits j."""
    top = x.bit_length() - 1
    j = ((x << F) >> top) - (1 << F)  # the F bits below the leading one
    if function == "reciprocal":
        return (1 << F) + j, 0, top, j
    p = top % 2
    return ((1 << F) + j) << p, p, (top - p) // 2, j


def _int_index(function: str, k: int, p: int, j: int) -> int:
    if function == "reciprocal":
        return j >> (F - k)
    return (p << (k - 1)) + (j >> (F - k + 1))


def int_approx(approx: Approx, x: int) -> float:
    """The approximation of an integer argument with integer arithmetic only."""
    M, p, e, j = _int_mantissa(approx.function, x)
    k = approx.index_bits
    i = _int_index(approx.function, k, p, j)
    if approx.mode == "table":
        y = int(approx.table()[i])
    elif approx.mode == "pwl":
        a, b = (int(v[i]) for v in approx.pwl_coefficients())
        start = (i % (1 << (k - 1)) << (F - k + 1)) if approx.function != "reciprocal" else i << (F - k)
        lo = ((1 << F) + start) << p  # the segment's start, F fractional bits
        y = _rnd_shift((a << F) + b * (M - lo), F)
    else:
        y = int(approx.table()[i])
        for _ in range(approx.newton_steps):
            if approx.function == "reciprocal":
                v = _rnd_shift(M * y, F)
                y = _rnd_shift(y * ((2 << F) - v), F)
            else:
                u = _rnd_shift(y * y, F)
                v = _rnd_shift(M * u, F)
                y = _rnd_shift(y * ((3 << F) - v), F + 1)
        if approx.function == "sqrt":
            y = _rnd_shift(M * y, F)
    shift = e if approx.function == "sqrt" else -e
    return math.ldexp(y, shift - F)


@pytest.mark.parametrize("approx", [a for a in APPROXES if a.mode != "exact"], ids=_ids)
@settings(max_examples=80, deadline=None)
@given(x=st.integers(1, 2**40))
def test_integer_implementation_reproduces_bit_for_bit(approx, x):
    assert approx(np.array([float(x)]))[0] == int_approx(approx, x)


# --- tables, validation, cost --------------------------------------------------


@pytest.mark.parametrize("function", FUNCTIONS)
def test_tables_fit_their_declared_widths(function):
    table = Approx(function, "table", table_bits=12).table()
    assert table.shape == (4096,) and 0 < table.min() and table.max() < 2**ENTRY_WIDTH
    a, b = Approx(function, "pwl", segments=64).pwl_coefficients()
    assert a.max() < 2**ENTRY_WIDTH and np.abs(b).max() < 2 ** (SLOPE_WIDTH - 1)


@pytest.mark.parametrize(
    "mode,params,message",
    [
        ("table", {}, "mode table needs table_bits"),
        ("table", {"table_bits": 17}, "table_bits must be in [1, 16], got 17"),
        ("pwl", {"segments": 24}, "segments must be a power of two in [2, 4096], got 24"),
        ("pwl", {"segments": 8, "table_bits": 4}, "mode pwl takes segments, not table_bits"),
        ("exact", {"newton_steps": 1}, "mode exact takes no parameters, not newton_steps"),
        ("newton", {"table_bits": 4, "newton_steps": 0}, "newton_steps must be in [1, 3], got 0"),
        ("cordic", {}, "mode must be one of exact, table, pwl, newton, got 'cordic'"),
    ],
)
def test_invalid_parameters_are_refused(mode, params, message):
    with pytest.raises(LiccError) as e:
        Approx("rsqrt", mode, **params)
    assert str(e.value) == message


def test_unknown_function_is_refused():
    with pytest.raises(LiccError, match="unknown function 'log'"):
        Approx("log")


def test_cost_follows_the_structure():
    table = Approx("rsqrt", "table", table_bits=10).cost()
    assert (table.memory_bits, table.bram18, table.dsp) == (1024 * ENTRY_WIDTH, 1, 0)
    small = Approx("rsqrt", "table", table_bits=6).cost()
    assert small.bram18 == 0 and small.latency_cycles < table.latency_cycles
    pwl = Approx("rsqrt", "pwl", segments=32).cost()
    assert (pwl.memory_bits, pwl.dsp) == (32 * (ENTRY_WIDTH + SLOPE_WIDTH), 1)
    newton = [Approx(f, "newton", table_bits=6, newton_steps=2).cost() for f in FUNCTIONS]
    assert [c.multipliers for c in newton] == [6, 7, 4]
    exact = Approx("rsqrt").cost()
    assert exact.dsp > max(c.dsp for c in newton) and exact.latency_cycles > pwl.latency_cycles
    assert Approx("rsqrt", "pwl", segments=32).cost(16).luts < pwl.luts


def test_cost_needs_a_real_argument_width():
    with pytest.raises(LiccError, match="2 bits or more"):
        Approx("rsqrt", "table", table_bits=8).cost(1)
