"""Integer ops: the interpreter against plain integer references, the overflow proof, edges."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xdsl.dialects import func
from xdsl.dialects.builtin import FloatAttr, IntegerAttr, IntegerType, ModuleOp, Signedness, TensorType, f64, i64
from xdsl.ir import Block, Region
from xdsl.utils.exceptions import VerifyException

from lic_compiler.dialects import lic
from lic_compiler.gdn_approx import FRAC_BITS, Approx
from lic_compiler.interpreter import run
from lic_compiler.ir import from_numpy
from lic_compiler.quant.fixed import multiplier_shift


def itype(bits: int, unsigned: bool = False) -> IntegerType:
    return IntegerType(bits, Signedness.UNSIGNED if unsigned else Signedness.SIGNLESS)


def one_op_module(arg_types, build, returned: int = 1) -> ModuleOp:
    """@f(args) = the ops `build(block_args)` returns; the last `returned` ops' results are returned."""
    block = Block(arg_types=arg_types)
    ops = build(block.args)
    results = [op.results[0] for op in ops[-returned:]]
    block.add_ops([*ops, func.ReturnOp(*results)])
    module = ModuleOp([func.FuncOp("f", (arg_types, [r.type for r in results]), Region(block))])
    module.verify()
    return module


def const(array: np.ndarray, element) -> lic.ConstantOp:
    return lic.ConstantOp(from_numpy(array, element))


# --- convolutions ---------------------------------------------------------------


def conv_reference(x, w, b, stride, pad):
    """Direct int64 loops over output pixels (PyTorch's definition)."""
    (sh, sw), (ph, pw) = stride, pad
    xp = np.pad(x[0].astype(np.int64), ((0, 0), (ph, ph), (pw, pw)))
    cout, _, kh, kw = w.shape
    ho, wo = (xp.shape[1] - kh) // sh + 1, (xp.shape[2] - kw) // sw + 1
    out = np.zeros((1, cout, ho, wo), np.int64)
    for y in range(ho):
        for z in range(wo):
            patch = xp[:, y * sh : y * sh + kh, z * sw : z * sw + kw]
            out[0, :, y, z] = np.tensordot(w.astype(np.int64), patch, axes=3)
    return out + (0 if b is None else b.reshape(1, -1, 1, 1))


def deconv_reference(x, w, b, stride, pad, out_pad):
    """Scatter each input pixel times the kernel, then crop the padding (int64)."""
    (sh, sw), (ph, pw), (oh, ow) = stride, pad, out_pad
    cin, cout, kh, kw = w.shape
    _, _, h, wd = x.shape
    full = np.zeros((cout, (h - 1) * sh + kh + oh, (wd - 1) * sw + kw + ow), np.int64)
    for y in range(h):
        for z in range(wd):
            full[:, y * sh : y * sh + kh, z * sw : z * sw + kw] += np.tensordot(
                x[0, :, y, z].astype(np.int64), w.astype(np.int64), axes=1
            )
    ho, wo = (h - 1) * sh - 2 * ph + kh + oh, (wd - 1) * sw - 2 * pw + kw + ow
    out = full[:, ph : ph + ho, pw : pw + wo][None]
    return out + (0 if b is None else b.reshape(1, -1, 1, 1))


def _conv_module(x_type, weight, bias, stride, pad, transposed, out_pad=(0, 0), out_bits=None):
    def build(args):
        w = const(weight, itype(8))
        ops = [w]
        b = None
        if bias is not None:
            b = const(bias, itype(out_bits or 40))
            ops.append(b)
        probe_type = TensorType(itype(out_bits or 40), _out_shape(x_type, weight, stride, pad, transposed, out_pad))
        if transposed:
            conv = lic.ConvTranspose2dOp(args[0], w.result, b and b.result, stride, pad, out_pad, probe_type)
        else:
            conv = lic.Conv2dOp(args[0], w.result, b and b.result, stride, pad, probe_type)
        return [*ops, conv]

    return one_op_module([x_type], build)


def _out_shape(x_type, weight, stride, pad, transposed, out_pad):
    _, _, h, w = x_type.get_shape()
    (sh, sw), (ph, pw) = stride, pad
    if transposed:
        _, cout, kh, kw = weight.shape
        return [1, cout, (h - 1) * sh - 2 * ph + kh + out_pad[0], (w - 1) * sw - 2 * pw + kw + out_pad[1]]
    cout, _, kh, kw = weight.shape
    return [1, cout, (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1]


conv_cases = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 2**31),
        "cin": st.integers(1, 5),
        "cout": st.integers(1, 5),
        "k": st.integers(1, 5),
        "stride": st.integers(1, 3),
        "pad": st.integers(0, 2),
        "size": st.integers(5, 9),
        "unsigned": st.booleans(),
        "bias": st.booleans(),
        "in_bits": st.integers(2, 16),
    }
)


def _random_case(c):
    rng = np.random.default_rng(c["seed"])
    in_type = itype(c["in_bits"], c["unsigned"])
    lo, hi = lic.int_range(in_type)
    x = rng.integers(lo, hi, (1, c["cin"], c["size"], c["size"]), endpoint=True)
    bias = rng.integers(-(2**20), 2**20, c["cout"]) if c["bias"] else None
    return rng, in_type, x, bias


@settings(max_examples=60, deadline=None)
@given(c=conv_cases)
def test_integer_conv2d_equals_integer_reference(c):
    rng, in_type, x, bias = _random_case(c)
    w = rng.integers(-128, 127, (c["cout"], c["cin"], c["k"], c["k"]), endpoint=True)
    x_type = TensorType(in_type, x.shape)
    module = _conv_module(x_type, w, bias, (c["stride"],) * 2, (c["pad"],) * 2, False)
    got = run(module, "f", x.astype(np.int64))[0]
    want = conv_reference(x, w, bias, (c["stride"],) * 2, (c["pad"],) * 2)
    assert got.dtype == np.int64 and np.array_equal(got, want)


@settings(max_examples=60, deadline=None)
@given(c=conv_cases, out_pad=st.integers(0, 2))
def test_integer_conv_transpose2d_equals_integer_reference(c, out_pad):
    rng, in_type, x, bias = _random_case(c)
    s, p = c["stride"], min(c["pad"], c["k"] - 1)
    op = min(out_pad, s - 1)
    w = rng.integers(-128, 127, (c["cin"], c["cout"], c["k"], c["k"]), endpoint=True)
    x_type = TensorType(in_type, x.shape)
    module = _conv_module(x_type, w, bias, (s, s), (p, p), True, (op, op))
    got = run(module, "f", x.astype(np.int64))[0]
    assert np.array_equal(got, deconv_reference(x, w, bias, (s, s), (p, p), (op, op)))


def _worst_input(w_channel_phase: np.ndarray, lo: int, hi: int) -> int:
    return int(np.sum(np.where(w_channel_phase > 0, w_channel_phase * hi, w_channel_phase * lo)))


@settings(max_examples=40, deadline=None)
@given(c=conv_cases)
def test_accumulator_bound_is_attained(c):
    """The proven bound is tight: an input at the type's extremes reaches it (so it is no looser than needed)."""
    rng, in_type, _, bias = _random_case(c)
    k = c["k"]
    w = rng.integers(-128, 127, (c["cout"], c["cin"], k, k), endpoint=True)
    lo, hi = lic.int_range(in_type)
    x = np.where(w[:1] > 0, hi, lo)  # the worst input for output channel 0 in one k×k window
    module = _conv_module(TensorType(in_type, x.shape), w, bias, (1, 1), (0, 0), False)
    conv = next(op for op in module.walk() if isinstance(op, lic.Conv2dOp))
    least, greatest, _ = lic.accumulator_range(conv)
    got = run(module, "f", x)[0]
    assert got.max() <= greatest and got.min() >= least
    reached = _worst_input(w[0], lo, hi) + (0 if bias is None else int(bias[0]))
    assert int(got[0, 0, 0, 0]) == reached
    assert greatest >= reached


def test_verifier_refuses_an_overflowing_accumulator_and_accepts_one_bit_more():
    w = np.full((1, 1, 3, 3), 127)
    x_type = TensorType(itype(8, unsigned=True), [1, 1, 3, 3])
    need = lic.signed_bits(0, 9 * 127 * 255)  # 291465 → i20
    assert need == 20
    with pytest.raises(VerifyException, match="can overflow its result type i19"):
        _conv_module(x_type, w, None, (1, 1), (0, 0), False, out_bits=19)
    module = _conv_module(x_type, w, None, (1, 1), (0, 0), False, out_bits=20)
    out = run(module, "f", np.full((1, 1, 3, 3), 255, np.uint8))[0]
    assert out.item() == 9 * 127 * 255


# --- rescale --------------------------------------------------------------------


def rescale_reference(x: int, m: int, s: int, o: int, lo: int, hi: int) -> int:
    """round_half_up(x·m / 2^s) + o, saturated, with Python's exact rationals."""
    value = Fraction(x * m, 2**s)
    rounded = (value + Fraction(1, 2)).__floor__()
    return min(max(rounded + o, lo), hi)


def _rescale_module(in_type, out_type, c, m, s, o=None):
    shape = [1, c, 2, 3]

    def build(args):
        return [lic.RescaleOp(args[0], m, s, TensorType(out_type, shape), o)]

    return one_op_module([TensorType(in_type, shape)], build)


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    in_bits=st.integers(2, 32),
    out_bits=st.integers(2, 16),
    unsigned_out=st.booleans(),
    per_channel=st.booleans(),
)
def test_rescale_equals_exact_rational_rounding(data, in_bits, out_bits, unsigned_out, per_channel):
    c = 3 if per_channel else 1
    in_type, out_type = itype(in_bits), itype(out_bits, unsigned_out)
    lo, hi = lic.int_range(in_type)
    max_m = min((1 << 31) - 1, ((1 << 62) - (1 << 61)) // max(-lo, hi))
    m = data.draw(st.lists(st.integers(0, max_m), min_size=c, max_size=c))
    s = data.draw(st.lists(st.integers(0, 61), min_size=c, max_size=c))
    o = data.draw(st.lists(st.integers(-(2**30), 2**30), min_size=c, max_size=c))
    x = np.array(data.draw(st.lists(st.integers(lo, hi), min_size=18, max_size=18))).reshape(1, 3, 2, 3)
    module = _rescale_module(in_type, out_type, 3, m, s, o)
    got = run(module, "f", x)[0]
    olo, ohi = lic.int_range(out_type)
    for idx in np.ndindex(x.shape):
        ch = idx[1] if per_channel else 0
        assert int(got[idx]) == rescale_reference(int(x[idx]), m[ch], s[ch], o[ch], olo, ohi)


def test_rescale_rounds_half_up_and_saturates_at_the_edges():
    # multiplier 1, shift 1: x/2 rounded half up; ties go toward +inf (−2.5 → −2, 2.5 → 3).
    module = _rescale_module(itype(16), itype(8), 1, [1], [1])
    ties = np.array([-5, -3, -1, 1, 3, 5]).reshape(1, 1, 2, 3)
    assert run(module, "f", ties)[0].ravel().tolist() == [-2, -1, 0, 1, 2, 3]
    edges = np.array([253, 254, 255, 256, -256, -257]).reshape(1, 1, 2, 3)
    # 126.5→127, 127, 127.5→128 saturates to 127, 128→127; −128, −128.5→−128
    assert run(module, "f", edges)[0].ravel().tolist() == [127, 127, 127, 127, -128, -128]
    extremes = np.array([32767, -32768, -259, -258, 0, 1]).reshape(1, 1, 2, 3)
    assert run(module, "f", extremes)[0].ravel().tolist() == [127, -128, -128, -128, 0, 1]


def test_rescale_to_unsigned_clamps_negatives_to_zero():
    module = _rescale_module(itype(12), itype(8, unsigned=True), 2, [3, 1], [0, 2], [10, -1])
    x = np.array([[-4, -3, 100], [2000, 0, 1], [-2000, 5, 6], [1023, 1022, 1021]]).reshape(1, 2, 2, 3)
    got = run(module, "f", x)[0]
    want = [[0, 1, 255], [255, 10, 13], [0, 0, 1], [255, 255, 254]]
    assert got.dtype == np.uint8 and got.reshape(4, 3).tolist() == want


# --- table ------------------------------------------------------------------------


def table_reference(n: int, function: str, k: int, frac_bits: int, lo: int, hi: int) -> int:
    """Table mode with integer operations only: what a C++ kernel computes."""
    if n <= 0:
        return 0 if function == "sqrt" else hi
    e_total = n.bit_length() - 1
    frac = ((n << FRAC_BITS) >> e_total) - (1 << FRAC_BITS)  # f's 16 fraction bits, truncated
    entries = Approx(function, "table", table_bits=k).table()
    if function == "reciprocal":
        index, e = frac >> (FRAC_BITS - k), e_total
        sign = -1
    else:
        p = e_total % 2
        index, e = (p << (k - 1)) + (frac >> (FRAC_BITS - (k - 1))), (e_total - p) // 2
        sign = 1 if function == "sqrt" else -1
    # value = T · 2^−16 · 2^(sign·e); y = round_half_up(value · 2^frac_bits)
    shift = FRAC_BITS - sign * e - frac_bits
    t = int(entries[index])
    y = t << -shift if shift <= 0 else (t + (1 << (shift - 1))) >> shift
    return min(max(y, lo), hi)


def _table_module(function, mode, params, frac_bits, in_type, out_type, shape=(1, 1, 1, 64)):
    def build(args):
        return [lic.TableOp(args[0], function, mode, frac_bits, TensorType(out_type, shape), **params)]

    return one_op_module([TensorType(in_type, shape)], build)


@pytest.mark.parametrize("function", ["rsqrt", "sqrt", "reciprocal"])
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), k=st.integers(2, 12), frac_bits=st.integers(-8, 40))
def test_table_mode_equals_integer_reference(function, seed, k, frac_bits):
    rng = np.random.default_rng(seed)
    in_type, out_type = itype(40), itype(16)
    n = np.concatenate([[-5, 0, 1, 2, 3, 4, (1 << 39) - 1], rng.integers(1, 1 << rng.integers(1, 39), 57)])
    module = _table_module(function, "table", {"table_bits": k}, frac_bits, in_type, out_type)
    got = run(module, "f", n.reshape(1, 1, 1, 64))[0].ravel()
    lo, hi = lic.int_range(out_type)
    assert got.tolist() == [table_reference(int(v), function, k, frac_bits, lo, hi) for v in n]


@pytest.mark.parametrize(
    "function,mode,params",
    [("rsqrt", "pwl", {"segments": 32}), ("sqrt", "newton", {"table_bits": 6, "newton_steps": 2}),
     ("reciprocal", "pwl", {"segments": 8})],
)
def test_other_modes_are_gdn_approx_rounded_to_fixed_point(function, mode, params):
    n = np.random.default_rng(1).integers(1, 1 << 30, 64)
    frac_bits = 28 if function != "sqrt" else 0
    module = _table_module(function, mode, params, frac_bits, itype(32), itype(32))
    got = run(module, "f", n.reshape(1, 1, 1, 64))[0].ravel()
    approx = Approx(function, mode, **params)
    for v, y in zip(n, got):
        value = Fraction(float(approx(np.array([float(v)]))[0])) * 2**frac_bits
        assert int(y) == (value + Fraction(1, 2)).__floor__()


# --- elementwise ----------------------------------------------------------------------


def test_elementwise_integer_ops_equal_numpy():
    shape = [1, 2, 3, 4]
    x = np.arange(-12, 12).reshape(shape) * 10
    x[0, 0, 0, 0] = -128

    def build(args):
        sq = lic.MulOp(args[0], args[0], TensorType(itype(15, unsigned=True), shape))
        prod = lic.MulOp(args[0], args[1], TensorType(itype(24), shape))
        total = lic.AddOp(args[0], args[1], TensorType(itype(17), shape))
        return [sq, prod, total, lic.AbsOp(args[0]), lic.ReluOp(args[0])]

    module = one_op_module([TensorType(itype(8), shape), TensorType(itype(16), shape)], build, 5)
    y = np.arange(24).reshape(shape) * -1000
    sq, prod, total, absolute, relu = run(module, "f", x, y)
    assert np.array_equal(sq, x * x) and sq.dtype == np.uint16
    assert np.array_equal(prod, x * y) and np.array_equal(total, x + y)
    want_abs = np.abs(x)
    want_abs[0, 0, 0, 0] = 127  # saturates: |−128| does not fit i8
    assert np.array_equal(absolute, want_abs) and absolute.dtype == np.int8
    assert np.array_equal(relu, np.maximum(x, 0))


def _leaky_module(bits: int, multiplier: int, shift: int, slope: float = 0.01) -> ModuleOp:
    t = TensorType(itype(bits), [1, 1, 1, 1 << bits])
    props = {"multiplier": IntegerAttr(multiplier, i64), "shift": IntegerAttr(shift, i64)}
    return one_op_module([t], lambda a: [lic.LeakyReluOp(a[0], negative_slope=FloatAttr(slope, f64), **props)])


@pytest.mark.parametrize("slope", [0.01, 0.1, 0.2, 0.5, 0.0])
def test_integer_leaky_relu_every_i8_value(slope):
    """Every i8: x where x >= 0, else round-half-up(x·m / 2^s), within ½ + |x|·|slope − m/2^s| of slope·x."""
    m, s = multiplier_shift(slope)
    x = np.arange(-128, 128).reshape(1, 1, 1, 256)
    (y,) = run(_leaky_module(8, m, s, slope), "f", x)
    assert y.dtype == np.int8
    neg = [(Fraction(int(v) * m, 2**s) + Fraction(1, 2)).__floor__() for v in range(-128, 0)]
    assert y.ravel().tolist() == neg + list(range(128))
    bound = 0.5 + 128 * abs(slope - m / 2**s)
    assert np.abs(y.ravel()[:128] - slope * np.arange(-128, 0)).max() <= bound


def test_integer_leaky_relu_saturates_a_slope_above_one():
    (y,) = run(_leaky_module(8, 3, 1, 1.5), "f", np.arange(-128, 128).reshape(1, 1, 1, 256))
    assert y.ravel()[0] == -128 and y.ravel()[100] == round(-28 * 1.5)  # −192 saturates; −42 exact


def test_integer_leaky_relu_needs_its_slope():
    t = TensorType(itype(8), [1, 1, 2, 2])
    with pytest.raises(VerifyException, match="needs multiplier and shift"):
        one_op_module([t], lambda a: [lic.LeakyReluOp(a[0], negative_slope=FloatAttr(0.01, f64))])
