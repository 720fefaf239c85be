"""The `hls` dialect → a Vitis HLS project: kernel library, stages, top functions, testbenches.

For each function holding an `hls.dataflow` (a *part*: encoder, decoder, …)
`emit_project` returns the files of ``hls/<part>/``:

- ``<part>.h``: the stream beat types, the I/O geometry and the top function's declaration;
- ``<part>.cpp``: the top function, ``#pragma HLS DATAFLOW``, AXI4-Stream
  ports, one ``hls::stream`` per internal stream with its FIFO depth;
- ``stages/<stage>.h``: one per stage, its configuration struct (types,
  sizes, folding, schedule constants, fused pointwise steps) and the
  function that runs the library kernel on it, with the weight memories'
  partitioning (factors = the folding) and storage;
- ``weights/<stage>.h``: the stage's constant arrays, laid out as the kernel
  reads them (``w[fold · steps + step][pe][simd]``);
- ``tb_<part>.cpp``, ``hls_config.cfg`` (``vitis-run``), ``run_hls.tcl`` (``vitis_hls``);

plus the kernel library under ``hls/include/licc/``. Output is a pure
function of the IR: emitting twice gives identical bytes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib.resources import files

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import DictionaryAttr, IntegerType, ModuleOp, Signedness
from xdsl.ir import SSAValue

from lic_compiler import hls_schedule
from lic_compiler.dialects import hls
from lic_compiler.dialects.hls_geometry import mvau_layout
from lic_compiler.errors import LiccError
from lic_compiler.gdn_approx import Approx
from lic_compiler.hw import primitives as hwp
from lic_compiler.hw.design import MODULE_ATTR
from lic_compiler.hw.device import load_device
from lic_compiler.hw.protect import protected, voted
from lic_compiler.ir import to_numpy

LIBRARY = ("types.h", "stream.h", "counts.h", "window.h", "mvau.h", "deconv.h", "gdn.h", "pointwise.h", "join.h", "shuffle.h", "pad.h", "leaky.h", "table.h", "npy.h", "protect.h")
DEFAULT_DEVICE = "zcu102"


def cpp_type(t: IntegerType) -> str:
    """The library type of an IR integer: ``licc::int_t<N>`` or ``licc::uint_t<N>``."""
    unsigned = t.signedness.data == Signedness.UNSIGNED
    return f"licc::{'uint' if unsigned else 'int'}_t<{t.width.data}>"


def beat(s: hls.StreamType) -> str:
    """A stream's beat: LANES channels of PIXELS pixels."""
    return f"licc::vec<{cpp_type(s.element_type)}, {s.lanes.data * s.pixels.data}>"


def _weight_bits(attr) -> int:
    return attr.type.get_element_type().width.data


def _bind_mul(op: hls.FoldedStageOp, variable: str) -> list[str]:
    """Where the product assigned to `variable` is computed: DSP48 slices or LUTs."""
    if op.mult_impl is None:
        return []
    return [f"#pragma HLS BIND_OP variable = {variable} op = mul impl = {op.mult_impl.data}"]


def pow2_codes(weight: np.ndarray) -> np.ndarray:
    """Power-of-two weights as shift codes: ±2^k → ±(k + 1), 0 → 0."""
    magnitude = np.abs(weight)
    k = np.log2(np.maximum(magnitude, 1)).round().astype(np.int64)
    return np.where(weight == 0, 0, np.sign(weight) * (k + 1))


def _weights(op: hls.MvauOp | hls.DeconvOp) -> tuple[np.ndarray, int]:
    """A stage's weights as its memory holds them, and their width: the integers, or
    with ``weight_pow2`` their shift codes (signed, as narrow as they go)."""
    weight = np.asarray(to_numpy(op.weight), np.int64)
    if op.weight_pow2 is None:
        return weight, _weight_bits(op.weight)
    codes = pow2_codes(weight)
    return codes, max(2, int(np.abs(codes).max(initial=0)).bit_length() + 1)


def _packing_constants(op: hls.MvauOp) -> list[str]:
    """`packed_mac`'s constants: the shape of ``mult_pack`` and the packing rule's field
    spacing, cascade length (at most a DSP column's) and port widths."""
    if op.mult_pack is None:
        return []
    gw, ga = (int(v) for v in op.mult_pack.get_values())
    a = op.in_type.element_type
    a_bits = hwp.signed_bits(a.width.data, a.signedness.data != Signedness.UNSIGNED)
    p = hwp.packing(_weight_bits(op.weight), a_bits, gw, ga)
    assert p is not None  # the verifier checked the shape fits
    return [
        f"static const int PACK_W = {gw}, PACK_A = {ga}, PACK_S = {p.spacing}, CHAIN = {min(p.chain, hwp.DSP_CHAIN)};",
        f"static const int W_PORT = {p.weight_port}, A_PORT = {p.activation_port};",
    ]


def _mvau_args(op: hls.MvauOp, name: str) -> str:
    return f"{name}_cfg, licc::packed_mac<{name}_cfg> " if op.mult_pack is not None else f"{name}_cfg"


def _bits(values: np.ndarray) -> int:
    """Bits of the narrowest standard-sized two's complement type holding `values`."""
    lo, hi = (int(values.min()), int(values.max())) if values.size else (0, 0)
    return next(b for b in (8, 16, 32, 64) if -(1 << (b - 1)) <= lo and hi < (1 << (b - 1)))


def _array(name: str, ctype: str, values: np.ndarray) -> str:
    """A C array definition; the innermost dimension on one line per row."""
    shape = "".join(f"[{d}]" for d in values.shape)
    return f"static const {ctype} {name}{shape} = {_init(values)};\n"


def _init(values: np.ndarray) -> str:
    # Python ints from one tolist(), not an int() per numpy scalar: weights are millions of them.
    return _braced(values.astype(np.int64, copy=False).tolist(), values.ndim)


def _braced(values: list, ndim: int) -> str:
    if ndim == 1:
        return "{" + str(values)[1:-1] + "}"  # a list's repr: its ints, ", "-separated
    return "{\n" + ",\n".join(_braced(v, ndim - 1) for v in values) + "}"


@dataclass(frozen=True)
class Target:
    """Part number and clock for the Vitis scripts."""

    part: str
    clock_mhz: float

    @classmethod
    def of(cls, module: ModuleOp) -> Target:
        attr = module.attributes.get(MODULE_ATTR)
        if isinstance(attr, DictionaryAttr):
            return cls(attr.data["part"].data, attr.data["clock_mhz"].value.data)  # type: ignore[attr-defined]
        device = load_device(DEFAULT_DEVICE)
        return cls(device.part, device.clock_mhz)


def dataflows(module: ModuleOp) -> list[tuple[str, hls.DataflowOp]]:
    """(part name, its dataflow) for every function holding one."""
    out = []
    for f in module.ops:
        if isinstance(f, func.FuncOp):
            flows = [op for op in f.body.block.ops if isinstance(op, hls.DataflowOp)]
            if len(flows) > 1 or len(f.body.block.args) != 1 or len(f.function_type.outputs) != 1:
                raise LiccError(f"hls-cpp: @{f.sym_name.data} needs one input, one output, one hls.dataflow")
            if flows:
                out.append((f.sym_name.data, flows[0]))
    if not out:
        raise LiccError("hls-cpp: the module has no hls.dataflow; run convert-lic-to-hls first")
    return out


_OPTIONAL = {"join.h": (hls.ForkOp, hls.AddOp), "shuffle.h": (hls.ShuffleOp,), "pad.h": (hls.PadOp, hls.CropOp)}


def emit_project(module: ModuleOp) -> dict[str, str]:
    """Every file of the project, by path relative to the ``hls/`` folder."""
    target = Target.of(module)
    kinds = {type(op) for _, flow in dataflows(module) for op in flow.stages()}
    # Headers of the newer stage kinds only where used: designs without them stay as they were.
    unused = {h for h, ops in _OPTIONAL.items() if not kinds & set(ops)}
    if not any(_has_step(op, hls.LeakyReluStep) for _, flow in dataflows(module) for op in flow.stages()):
        unused.add("leaky.h")
    if not any(protected(op) for _, flow in dataflows(module) for op in flow.stages()):
        unused.add("protect.h")
    out = {f"include/licc/{name}": library_file(name) for name in LIBRARY if name not in unused}
    for part, flow in dataflows(module):
        out |= {f"{part}/{path}": text for path, text in _Part(part, flow, target).files()}
    out["README.md"] = _readme([p for p, _ in dataflows(module)], target)
    return out


def library_file(name: str) -> str:
    return (files("lic_compiler.backends.hls_cpp") / "include" / "licc" / name).read_text()


# --- memories lic-protect triplicated ----------------------------------------------

CHAIN_TAGS = {"epilogue": "e", "prologue": "p", "norm": "n", "steps": "s"}  # a chain's arrays: STAGE_<tag><i>_<param>
PARAM_NAMES = {"multiplier": "mult", "shift": "shift", "offset": "offset"}


def array_suffix(what: str) -> str:
    """The emitted array of a stage's memory `what` (bias, beta, epilogue[0].shift, …): STAGE_<suffix>."""
    if "[" not in what:
        return {"weight": "w", "bias": "b"}.get(what, what)
    chain, rest = what.split("[")
    index, param = rest.split("].")
    return f"{CHAIN_TAGS[chain]}{index}_{PARAM_NAMES[param]}"


def _tmr(op: hls.StageOp) -> dict[str, tuple[int, int]]:
    """The suffixes of `op`'s triplicated arrays: (low bits stored once, the copies' width) (`voted`)."""
    return {array_suffix(what): vote for what, vote in voted(op).items()}


def _stored(name: str, ctype: str, values: np.ndarray, vote: tuple[int, int] | None) -> list[str]:
    """An array's definition: three copies if triplicated (NAME, NAME_r1, NAME_r2); with low bits
    stored once, the copies hold the high bits alone (``values >> low``, as ``licc::rom_t`` words)."""
    if vote is None:
        return [_array(name, ctype, values)]
    low, width = vote
    if not low:
        return [_array(name + (f"_r{k}" if k else ""), ctype, values) for k in range(3)]
    return [_array(name, ctype, values), *(_array(f"{name}_r{k}", f"licc::rom_t<{width}>", values >> low) for k in (1, 2))]


def _read(name: str, index: str, vote: tuple[int, int] | None) -> str:
    if vote is None:
        return f"{name}[{index}]"
    call = f"vote_high<{vote[0]}>" if vote[0] else "vote"
    return f"licc::{call}({name}[{index}], {name}_r1[{index}], {name}_r2[{index}])"


# --- pointwise steps ---------------------------------------------------------------


class _Steps:
    """C++ for a chain of pointwise steps, with its per-channel parameter arrays."""

    def __init__(self, prefix: str, tmr: dict[str, tuple[int, int]] | None = None):
        self.prefix = prefix
        self.tmr = tmr or {}  # the suffixes of the triplicated arrays (`_tmr`)
        self.arrays: list[str] = []
        self.tables: list[str] = []

    def param(self, name: str, values: list[int], channel: str) -> str:
        if len(set(values)) == 1:
            return str(values[0])
        array = f"{self.prefix}_{name}"
        ctype = f"int{_bits(np.asarray(values))}_t"
        self.arrays += _stored(array, ctype, np.asarray(values, np.int64), self.tmr.get(name))
        return _read(array, channel, self.tmr.get(name))

    def chain(self, steps, element: IntegerType, value: str, channel: str, lines: list[str], tag: str) -> str:
        """Append the statements of `steps` on `value` to `lines`; return the result's name."""
        for i, step in enumerate(steps.data):
            out = step.result_type(element)
            v = f"licc::wide({value})"
            lo, hi = hls.int_range(out)
            match step:
                case hls.RescaleStep():
                    m, s, o = step.params()
                    ms = self.param(f"{tag}{i}_mult", m, channel)
                    ss = self.param(f"{tag}{i}_shift", s, channel)
                    os_ = self.param(f"{tag}{i}_offset", o, channel)
                    expr = f"licc::rescale({v}, {ms}, {ss}, {os_}, {lo}LL, {hi}LL)"
                case hls.TableStep():
                    expr = f"licc::table<{self.table(step, f'{tag}{i}')}>({v})"
                case hls.ReluStep():
                    expr = f"licc::relu({v})"
                case hls.LeakyReluStep():
                    m, s = step.multiplier.data, step.shift.data
                    expr = f"licc::leaky_relu({v}, {m}LL, {s}, {lo}LL, {hi}LL)"
                case hls.AbsStep():
                    expr = f"licc::abs_sat({v}, {hi}LL)"
                case hls.SquareStep():
                    expr = f"{v} * {v}"
                case _:
                    raise LiccError(f"hls-cpp: no C++ for pointwise step {step}")
            name = f"{tag}{i}"
            lines.append(f"    const {cpp_type(out)} {name} = {expr};")
            value, element = name, out
        return value

    def table(self, step: hls.TableStep, tag: str) -> str:
        approx = Approx(step.function.data, **step.approx_params())  # type: ignore[arg-type]
        name = f"{self.prefix}_{tag}_table"
        lo, hi = hls.int_range(step.type)
        entries = approx.pwl_coefficients()[0] if approx.mode == "pwl" else approx.table()
        slopes = approx.pwl_coefficients()[1] if approx.mode == "pwl" else np.zeros(1, np.int64)
        self.tables.append(
            f"struct {name} {{  // {approx.describe()}, frac_bits = {step.frac_bits.data}\n"
            f"    static const int FUNCTION = licc::{approx.function.upper()};\n"
            f"    static const int MODE = licc::{approx.mode.upper()};\n"
            f"    static const int K = {approx.index_bits}, NEWTON_STEPS = {approx.newton_steps or 0};\n"
            f"    static const int FRAC_BITS = {step.frac_bits.data};\n"
            f"    static const int64_t LO = {lo}LL, HI = {hi}LL;\n"
            f"    static int64_t entry(int i) {{\n"
            f"        {_array('t', f'int{_bits(entries)}_t', entries).strip()}\n"
            f"        return t[i];\n    }}\n"
            f"    static int64_t slope(int i) {{\n"
            f"        {_array('t', f'int{_bits(slopes)}_t', slopes).strip()}\n"
            f"        return t[{'i' if approx.mode == 'pwl' else '0'}];\n    }}\n"
            "};\n"
        )
        return name


# --- one part --------------------------------------------------------------------------


class _Part:
    def __init__(self, part: str, flow: hls.DataflowOp, target: Target):
        self.part = part
        self.flow = flow
        self.target = target
        self.stages = flow.stages()
        self.names = hls.stage_names(self.stages)
        self.ns = f"{part}_hw"

    def files(self) -> Iterator[tuple[str, str]]:
        for op in self.stages:
            stage, weights = self.stage(op)
            yield f"stages/{self.names[op]}.h", stage
            if weights:
                yield f"weights/{self.names[op]}.h", weights
        yield f"{self.part}.h", self.header()
        yield f"{self.part}.cpp", self.top()
        yield f"tb_{self.part}.cpp", self.testbench()
        yield "hls_config.cfg", self.vitis_config()
        yield "run_hls.tcl", self.tcl()

    @property
    def input(self) -> hls.StreamType:
        return hls.stream_of(self.flow.block.args[0])

    @property
    def output(self) -> hls.StreamType:
        return hls.stream_of(self.flow.block.last_op.operands[0])  # type: ignore[union-attr]

    def header(self) -> str:
        guard = f"{self.part.upper()}_H"
        i, o = self.input, self.output
        ci, hi, wi = i.get_shape()
        co, ho, wo = o.get_shape()
        return (
            f"// {self.part}: the top function of the licc design (generated by licc).\n"
            f"#ifndef {guard}\n#define {guard}\n\n"
            '#include "licc/types.h"\n\n'
            f"typedef {cpp_type(i.element_type)} {self.part}_in_t;\n"
            f"typedef {cpp_type(o.element_type)} {self.part}_out_t;\n"
            f"typedef {beat(i)} {self.part}_in_beat;\n"
            f"typedef {beat(o)} {self.part}_out_beat;\n\n"
            f"// Input {ci}x{hi}x{wi} ({i.element_type}), output {co}x{ho}x{wo} ({o.element_type}),\n"
            "// raster order, channels innermost; a beat holds LANES channels of PIXELS pixels.\n"
            f"struct {self.part}_io {{\n"
            f"    static const int IN_C = {ci}, IN_H = {hi}, IN_W = {wi}, IN_LANES = {i.lanes.data}, IN_PIXELS = {i.pixels.data};\n"
            f"    static const int OUT_C = {co}, OUT_H = {ho}, OUT_W = {wo}, OUT_LANES = {o.lanes.data}, OUT_PIXELS = {o.pixels.data};\n"
            f"    static const int64_t IN_LO = {hls.int_range(i.element_type)[0]}LL, "
            f"IN_HI = {hls.int_range(i.element_type)[1]}LL;\n"
            "};\n\n"
            f"void {self.part}(hls::stream<{self.part}_in_beat> &in, hls::stream<{self.part}_out_beat> &out);\n\n"
            "#endif\n"
        )

    def top(self) -> str:
        names: dict[SSAValue, str] = {self.flow.block.args[0]: "in", self.flow.block.last_op.operands[0]: "out"}  # type: ignore[union-attr]
        includes = "".join(f'#include "stages/{self.names[op]}.h"\n' for op in self.stages)
        decls, calls = [], []
        for op in self.stages:
            for i, s in enumerate(op.results):  # a fork's copy is its second result
                if s not in names:
                    names[s] = self.names[op] + (f"_{i}" if i else "")
                    t = hls.stream_of(s)
                    decls.append(
                        f'    hls::stream<{beat(t)} > {names[s]}("{names[s]}");\n'
                        f"#pragma HLS STREAM variable = {names[s]} depth = {t.depth.data}\n"
                    )
            streams = ", ".join(names[v] for v in (*op.operands, *op.results))
            calls.append(f"    {self.ns}::{self.names[op]}({streams});\n")
        return (
            f"// {self.part}: the streaming dataflow design (generated by licc).\n"
            f'#include "{self.part}.h"\n\n{includes}\n'
            f"void {self.part}(hls::stream<{self.part}_in_beat> &in, hls::stream<{self.part}_out_beat> &out) {{\n"
            "#pragma HLS INTERFACE mode = axis port = in\n"
            "#pragma HLS INTERFACE mode = axis port = out\n"
            "#pragma HLS INTERFACE mode = ap_ctrl_chain port = return\n"
            "#pragma HLS DATAFLOW\n" + "".join(decls) + "".join(calls) + "}\n"
        )

    def stage(self, op: hls.StageOp) -> tuple[str, str]:
        name = self.names[op]
        sched = hls_schedule.schedule(op)
        steps = _Steps(name, _tmr(op))
        weights: list[str] = []
        body = self.stage_config(op, name, sched, steps, weights)
        guard = f"{self.part.upper()}_{name.upper()}_H"
        include = f'#include "../weights/{name}.h"\n' if weights or steps.arrays else ""
        text = (
            f"// {self.part}: stage %{name}, {_describe(op)} (generated by licc).\n"
            f"#ifndef {guard}\n#define {guard}\n\n"
            f"{_includes(op)}{include}\n"
            f"namespace {self.ns} {{\n\n" + "".join(steps.tables) + body + f"\n}}  // namespace {self.ns}\n\n#endif\n"
        )
        weight_text = ""
        if weights or steps.arrays:
            weight_text = (
                f"// {self.part}: constants of stage %{name} (generated by licc).\n"
                f"#ifndef {guard}_WEIGHTS\n#define {guard}_WEIGHTS\n\n#include <cstdint>\n"
                '#include "licc/types.h"\n\n'
                f"namespace {self.ns} {{\n\n" + "\n".join([*weights, *steps.arrays]) + f"\n}}  // namespace {self.ns}\n\n#endif\n"
            )
        return text, weight_text

    # Configuration structs and stage functions, per kind.

    def stage_config(self, op, name, sched, steps, weights) -> str:
        match op:
            case hls.WindowOp():
                return self.window(op, name, sched)
            case hls.MvauOp():
                return self.mvau(op, name, sched, steps, weights)
            case hls.DeconvOp():
                return self.deconv(op, name, sched, steps, weights)
            case hls.GdnOp():
                return self.gdn(op, name, sched, steps, weights)
            case hls.PointwiseOp():
                return self.pointwise(op, name, steps)
            case hls.LanesOp():
                return self.lanes(op, name, sched)
            case hls.ForkOp():
                return self.fork(op, name)
            case hls.AddOp():
                return self.join(op, name, steps)
            case hls.ShuffleOp():
                return self.shuffle(op, name, sched)
            case hls.PadOp() | hls.CropOp():
                return self.frame(op, name, sched)
        raise LiccError(f"hls-cpp: no C++ for {op.name}")

    def config(self, name: str, lines: Sequence[str]) -> str:
        """The stage's configuration struct; ``stage()`` names it in C simulation's loop counts."""
        body = "".join(f"    {line}\n" if not line.startswith("#") else f"{line}\n" for line in lines)
        return (
            f"struct {name}_cfg {{\n{body}"
            f'    static const char *stage() {{ return "{self.part}/{name}"; }}\n'
            "};\n\n"
        )

    def function(self, op: hls.StageOp, name: str, call: str, pragmas: Sequence[str] = ()) -> str:
        return (
            f"inline void {name}(hls::stream<{beat(op.in_type)} > &in, hls::stream<{beat(op.out_type)} > &out) {{\n"
            "#pragma HLS INLINE off\n" + "".join(f"{p}\n" for p in pragmas) + f"    {call};\n}}\n"
        )

    def window(self, op: hls.WindowOp, name: str, sched) -> str:
        g = op.geometry()
        k = sched.constants
        return self.config(name, [
            f"typedef {cpp_type(op.in_type.element_type)} T;",
            f"static const int CIN = {g.c}, H = {g.h}, W = {g.w}, KH = {g.kh}, KW = {g.kw};",
            f"static const int SH = {g.sh}, SW = {g.sw}, PH = {g.ph}, PW = {g.pw}, HO = {g.ho}, WO = {g.wo};",
            f"static const int IN_LANES = {op.in_type.lanes.data}, IN_PIXELS = {op.in_type.pixels.data};",
            f"static const int SIMD = {op.out_type.lanes.data}, MMV = {op.out_type.pixels.data};",
            f"static const int RING = {k['RING']}, ITERS = {k['ITERS']};",
        ]) + self.function(op, name, f"licc::window<{name}_cfg>(in, out)")

    def folded_common(self, op: hls.FoldedStageOp, w_name: str) -> list[str]:
        """Partitioning (factors = PE and SIMD) and storage of a stage's weight memory."""
        pragmas = [
            f"#pragma HLS ARRAY_PARTITION variable = {w_name} type = cyclic factor = {op.pe_value} dim = 2",
            f"#pragma HLS ARRAY_PARTITION variable = {w_name} type = cyclic factor = {op.simd_value} dim = 3",
        ]
        if op.ram_style is not None:
            pragmas.append(f"#pragma HLS BIND_STORAGE variable = {w_name} type = rom_1p impl = {op.ram_style.data}")
        return pragmas

    def folded_types(self, op: hls.FoldedStageOp, w_bits: int) -> list[str]:
        return [
            f"typedef {cpp_type(op.in_type.element_type)} in_t;",
            f"typedef {cpp_type(op.acc_type)} acc_t;",
            f"typedef {cpp_type(op.out_type.element_type)} out_t;",
            f"typedef licc::rom_t<{w_bits}> w_t;",
        ]

    def multiply(self, op: hls.FoldedStageOp, operand: str) -> list[str]:
        """``mul``: the stage's weight × operand products, placed per ``mult_impl`` (a
        pragma cannot take the kernel's template parameters, so each stage has its own);
        with ``weight_pow2`` a shift by the weight's code (`pow2_codes`); none when the
        kernel packs the products itself (``mult_pack``, `packed_mac`)."""
        if op.mult_pack is not None:
            return []
        if op.weight_pow2 is not None:
            return [
                f"static acc_t mul(w_t w, {operand} x) {{  // w = ±(k + 1): ±2^k; 0: 0",
                "    const acc_t v = acc_t(x) << (w < 0 ? -w - 1 : (w > 0 ? w - 1 : 0));",
                "    return w == 0 ? acc_t(0) : (w < 0 ? acc_t(-v) : v);",
                "}",
            ]
        return [
            f"static acc_t mul(w_t w, {operand} x) {{",
            "    const acc_t p = licc::mul<acc_t>(w, x);",
            *_bind_mul(op, "p"),
            "    return p;",
            "}",
        ]

    def epilogue_fn(self, op: hls.FoldedStageOp, steps: _Steps, arg: str, element: IntegerType) -> list[str]:
        lines: list[str] = []
        result = steps.chain(op.epilogue, element, arg, "o", lines, "e")
        return ["static out_t epilogue(acc_t acc, int o) {", *lines, f"    return {result};", "}"]

    def mvau(self, op: hls.MvauOp, name: str, sched, steps: _Steps, weights: list[str]) -> str:
        k = sched.constants
        pe, simd, nf, sf = op.pe_value, op.simd_value, k["NF"], k["SF"]
        matrix, w_bits = _weights(op)
        cout = matrix.shape[0]
        weights.append(
            f"// weight[{cout}][{matrix.shape[1]}] as w[nf * SF + sf][pe][s]\n"
            + _array(f"{name}_w", f"licc::rom_t<{w_bits}>", mvau_layout(matrix, pe, simd))
        )
        bias = self.bias(op, name, cout, weights)
        return self.config(name, [
            *self.folded_types(op, w_bits),
            f"static const int PE = {pe}, SIMD = {simd}, MMV = {op.mmv_value}, NF = {nf}, SF = {sf}, GROUPS = {k['GROUPS']};",
            f"static const int EPI = {k['EPI']}, LAG = {k['LAG']};",
            *_packing_constants(op),
            f"static acc_t bias(int o) {{ return {bias}; }}",
            *self.multiply(op, "in_t"),
            *self.epilogue_fn(op, steps, "acc", op.acc_type),
        ]) + self.function(op, name, f"licc::mvau<{_mvau_args(op, name)}>(in, out, {name}_w)", self.folded_common(op, f"{name}_w"))

    def bias(self, op, name: str, cout: int, weights: list[str]) -> str:
        if getattr(op, "bias", None) is None:
            return "acc_t(0)"
        values = np.asarray(to_numpy(op.bias), np.int64)
        tmr = _tmr(op).get("b")
        weights += _stored(f"{name}_b", f"int{_bits(values)}_t", values, tmr)
        return f"acc_t({_read(f'{name}_b', 'o', tmr)})"

    def deconv(self, op: hls.DeconvOp, name: str, sched, steps: _Steps, weights: list[str]) -> str:
        k = sched.constants
        g = op.geometry()
        weight, w_bits = _weights(op)  # [Cin, Cout, kh, kw]
        pe, simd = op.pe_value, op.simd_value
        at_once = g.at_once_channels(simd) is not None
        laid = g.at_once_layout(weight, pe, simd) if at_once else g.in_turn_layout(weight, pe, simd)
        weights.append(_array(f"{name}_w", f"licc::rom_t<{w_bits}>", laid))
        bias = self.bias(op, name, g.cout, weights)
        if at_once:
            tables, scalars = ["LANE_PH", "LANE_KY", "LANE_KX", "LANE_CE"], ["RING", "ITERS", "QH", "QG", "MMV", "OUT_PIX", "ST", "E"]
        else:
            tables, scalars = ["STEPS", "BASE", "ROW_WORK", "TY", "TX"], ["RING", "ITERS", "WORDS"]
        lookups = [
            line
            for t in tables
            for line in (f"static int {t}(int i) {{", f"    {_array('t', 'int', np.asarray(k[t])).strip()}", "    return t[i];", "}")
        ]
        kernel = "deconv_at_once" if at_once else "deconv_in_turn"
        return self.config(name, [
            *self.folded_types(op, w_bits),
            f"static const int CIN = {g.cin}, H = {g.h}, W = {g.w}, COUT = {g.cout}, HO = {g.ho}, WO = {g.wo};",
            f"static const int KH = {g.kh}, KW = {g.kw}, SH = {g.sh}, SW = {g.sw}, PH = {g.ph}, PW = {g.pw};",
            f"static const int PE = {pe}, SIMD = {simd}, NF = {g.cout // pe};",
            f"static const int IN_LANES = {op.in_type.lanes.data}, IN_PIXELS = {op.in_type.pixels.data};",
            f"static const int {', '.join(f'{s} = {k[s]}' for s in scalars)};",
            *lookups,
            f"static acc_t bias(int o) {{ return {bias}; }}",
            *self.multiply(op, "in_t"),
            *self.epilogue_fn(op, steps, "acc", op.acc_type),
        ]) + self.function(op, name, f"licc::{kernel}<{name}_cfg>(in, out, {name}_w)", self.folded_common(op, f"{name}_w"))

    def gdn(self, op: hls.GdnOp, name: str, sched, steps: _Steps, weights: list[str]) -> str:
        k = sched.constants
        gamma = np.asarray(to_numpy(op.gamma), np.int64)
        beta = np.asarray(to_numpy(op.beta), np.int64)
        c = gamma.shape[0]
        pe, simd, nf, sf = op.pe_value, op.simd_value, k["NF"], k["SF"]
        w_bits = _weight_bits(op.gamma)
        weights.append(_array(f"{name}_gamma", f"licc::rom_t<{w_bits}>", mvau_layout(gamma, pe, simd)))
        beta_tmr = _tmr(op).get("beta")
        weights += _stored(f"{name}_beta", f"int{_bits(beta)}_t", beta, beta_tmr)
        pro: list[str] = []
        pro_out = steps.chain(op.prologue, op.in_type.element_type, "x", "c", pro, "p")
        norm: list[str] = []
        norm_out = steps.chain(op.norm, op.acc_type, "acc", "o", norm, "n")
        epi = [f"    const {cpp_type(op.product_type)} prod = licc::mul<{cpp_type(op.product_type)}>(x, n);", *_bind_mul(op, "prod")]
        epi_out = steps.chain(op.epilogue, op.product_type, "prod", "o", epi, "e")
        return self.config(name, [
            f"typedef {cpp_type(op.in_type.element_type)} in_t;",
            f"typedef {cpp_type(op.operand_type())} op_t;",
            f"typedef {cpp_type(op.acc_type)} acc_t;",
            f"typedef {cpp_type(op.norm_type())} norm_t;",
            f"typedef {cpp_type(op.out_type.element_type)} out_t;",
            f"typedef licc::rom_t<{w_bits}> w_t;",
            f"static const int CH = {c}, PE = {pe}, SIMD = {simd}, MMV = {op.mmv_value}, NF = {nf}, SF = {sf}, GROUPS = {k['GROUPS']};",
            f"static const int EPI = {k['EPI']}, LAG = {k['LAG']};",
            f"static acc_t beta(int o) {{ return acc_t({_read(f'{name}_beta', 'o', beta_tmr)}); }}",
            "static op_t prologue(in_t x, int c) {", *pro, "    (void)c;", f"    return {pro_out};", "}",
            *self.multiply(op, "op_t"),
            "static norm_t norm(acc_t acc, int o) {", *norm, "    (void)o;", f"    return {norm_out};", "}",
            "static out_t epilogue(norm_t n, in_t x, int o) {", *epi, "    (void)o;", f"    return {epi_out};", "}",
        ]) + self.function(op, name, f"licc::gdn<{name}_cfg>(in, out, {name}_gamma)", self.folded_common(op, f"{name}_gamma"))

    def pointwise(self, op: hls.PointwiseOp, name: str, steps: _Steps) -> str:
        lines: list[str] = []
        result = steps.chain(op.steps, op.in_type.element_type, "x", "c", lines, "s")
        i = op.in_type
        return self.config(name, [
            f"typedef {cpp_type(i.element_type)} in_t;",
            f"typedef {cpp_type(op.out_type.element_type)} out_t;",
            f"static const int LANES = {i.lanes.data}, PIXELS = {i.pixels.data}, CH = {i.channels}, BEATS = {i.beats};",
            "static out_t apply(in_t x, int c) {", *lines, "    (void)c;", f"    return {result};", "}",
        ]) + self.function(op, name, f"licc::pointwise<{name}_cfg>(in, out)")

    def lanes(self, op: hls.LanesOp, name: str, sched) -> str:
        k = sched.constants
        i, o = op.in_type, op.out_type
        return self.config(name, [
            f"typedef {cpp_type(i.element_type)} T;",
            f"static const int IN_LANES = {i.lanes.data}, IN_PIXELS = {i.pixels.data};",
            f"static const int OUT_LANES = {o.lanes.data}, OUT_PIXELS = {o.pixels.data};",
            f"static const int GP = {k['GP']}, GC = {k['GC']}, GROUPS = {k['GROUPS']}, ITERS = {k['ITERS']};",
            f"static const int FULL = {k['FULL']}, READS = {k['READS']}, WRITES = {k['WRITES']};",
            f"static const int TAIL_READS = {k['TAIL_READS']}, TAIL_WRITES = {k['TAIL_WRITES']};",
        ]) + self.function(op, name, f"licc::lanes<{name}_cfg>(in, out)")

    def fork(self, op: hls.ForkOp, name: str) -> str:
        i = op.in_type
        t = f"hls::stream<{beat(i)} >"
        return self.config(name, [
            f"typedef {cpp_type(i.element_type)} T;",
            f"static const int LANES = {i.lanes.data}, PIXELS = {i.pixels.data}, BEATS = {i.beats};",
        ]) + (
            f"inline void {name}({t} &in, {t} &out, {t} &copy) {{\n"
            f"#pragma HLS INLINE off\n    licc::fork<{name}_cfg>(in, out, copy);\n}}\n"
        )

    def join(self, op: hls.AddOp, name: str, steps: _Steps) -> str:
        lines: list[str] = []
        result = steps.chain(op.epilogue, op.sum_type, "s", "c", lines, "e")
        i = op.in_type
        return self.config(name, [
            f"typedef {cpp_type(i.element_type)} in_t;",
            f"typedef {cpp_type(op.addend_type.element_type)} addend_t;",
            f"typedef {cpp_type(op.sum_type)} sum_t;",
            f"typedef {cpp_type(op.out_type.element_type)} out_t;",
            f"static const int LANES = {i.lanes.data}, PIXELS = {i.pixels.data}, CH = {i.channels}, BEATS = {i.beats};",
            "static out_t epilogue(sum_t s, int c) {", *lines, "    (void)c;", f"    return {result};", "}",
        ]) + (
            f"inline void {name}(hls::stream<{beat(i)} > &in, hls::stream<{beat(op.addend_type)} > &addend, "
            f"hls::stream<{beat(op.out_type)} > &out) {{\n"
            f"#pragma HLS INLINE off\n    licc::add<{name}_cfg>(in, addend, out);\n}}\n"
        )

    def shuffle(self, op: hls.ShuffleOp, name: str, sched) -> str:
        """Output element (pixel t, channel k) of a group comes from input element
        A(t) + B(k): A by counters over t's digits (d0 of radix R0, stride S0; d1 of
        radix R1, stride S1; then S2), B from a table of the output channels, by beat."""
        k = sched.constants
        i, o = op.in_type, op.out_type
        c, _, w = i.get_shape()
        r, lanes, channels = op.r, o.lanes.data, o.channels
        if op.is_inverse:  # output (x, k = c·r² + i·r + j) ← input row i, pixel x·r + j, channel c
            digits = (w // r, r * c, 1, 0, 0)
            offsets = [(ch % (r * r)) // r * w * c + ch % r * c + ch // (r * r) for ch in range(channels)]
        else:  # output (row i, pixel x = w·r + j, channel c) ← input pixel w, channel c·r² + i·r + j
            digits = (r, 1, w, c, r)
            offsets = [ch * r * r for ch in range(channels)]
        rows = ", ".join("{" + ", ".join(map(str, offsets[m:m + lanes])) + "}" for m in range(0, channels, lanes))
        return self.config(name, [
            f"typedef {cpp_type(i.element_type)} T;",
            f"static const int IN_LANES = {i.lanes.data}, OUT_LANES = {lanes};",
            f"static const int GROUP = {k['GROUP']}, GROUPS = {k['GROUPS']}, READS = {k['READS']}, WRITES = {k['WRITES']}, ITERS = {k['ITERS']};",
            "static const int PIXEL_BEATS = {}, R0 = {}, S0 = {}, R1 = {}, S1 = {}, S2 = {};".format(channels // lanes, *digits),
            "static int offset(int m, int l) {",
            f"    static const int table[{channels // lanes}][{lanes}] = {{{rows}}};",
            "    return table[m][l];",
            "}",
        ]) + self.function(op, name, f"licc::shuffle<{name}_cfg>(in, out)")

    def frame(self, op: hls.PadOp | hls.CropOp, name: str, sched) -> str:
        k = sched.constants
        i = op.in_type
        return self.config(name, [
            f"typedef {cpp_type(i.element_type)} T;",
            f"static const int LANES = {i.lanes.data}, FOLDS = {k['FOLDS']}, ITERS = {k['ITERS']};",
            f"static const int ROWS = {k['ROWS']}, COLS = {k['COLS']}, KEPT_ROWS = {k['KEPT_ROWS']}, KEPT_COLS = {k['KEPT_COLS']};",
        ]) + self.function(op, name, f"licc::{'pad' if isinstance(op, hls.PadOp) else 'crop'}<{name}_cfg>(in, out)")

    # The testbench and the Vitis scripts.

    def testbench(self) -> str:
        p = self.part
        return f"""// {p}: C simulation testbench (generated by licc).
// Usage: tb_{p} INPUT.npy OUTPUT.npy — reads the {p}'s input tensor (1xCxHxW or CxHxW
// integers), streams it through the design and writes the output tensor (int64);
// built with -DLICC_COUNT_ITERS, also OUTPUT.npy.iters.json: each stage's loop counts.
#include <chrono>
#include <cstdio>

#include "licc/npy.h"
#include "{p}.h"

int main(int argc, char **argv) {{
    typedef {p}_io io;
    if (argc != 3) {{
        std::fprintf(stderr, "usage: %s INPUT.npy OUTPUT.npy\\n", argv[0]);
        return 2;
    }}
    const licc::Tensor x = licc::read_npy(argv[1]);
    if (x.data.size() != size_t(io::IN_C) * io::IN_H * io::IN_W) {{
        licc::npy_fail(argv[1], "expected {self.input.channels}x{self.input.get_shape()[1]}x{self.input.get_shape()[2]} values");
    }}
    static hls::stream<{p}_in_beat> in;
    static hls::stream<{p}_out_beat> out;
    for (int y = 0; y < io::IN_H; y++) {{
        for (int x0 = 0; x0 < io::IN_W; x0 += io::IN_PIXELS) {{
            for (int c0 = 0; c0 < io::IN_C; c0 += io::IN_LANES) {{
                {p}_in_beat b;
                for (int p = 0; p < io::IN_PIXELS; p++) {{
                    for (int l = 0; l < io::IN_LANES; l++) {{
                        if (x0 + p >= io::IN_W) {{  // the padding of a row's last pixel group
                            b.v[p * io::IN_LANES + l] = {p}_in_t(0);
                            continue;
                        }}
                        const int64_t v = x.data[(size_t(c0 + l) * io::IN_H + y) * io::IN_W + x0 + p];
                        if (v < io::IN_LO || v > io::IN_HI) licc::npy_fail(argv[1], "a value is out of the input type's range");
                        b.v[p * io::IN_LANES + l] = {p}_in_t(v);
                    }}
                }}
                in.write(b);
            }}
        }}
    }}
    const auto start = std::chrono::steady_clock::now();
    {p}(in, out);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    licc::Tensor y_out;
    y_out.shape = {{1, io::OUT_C, io::OUT_H, io::OUT_W}};
    y_out.data.resize(size_t(io::OUT_C) * io::OUT_H * io::OUT_W);
    for (int y = 0; y < io::OUT_H; y++) {{
        for (int x0 = 0; x0 < io::OUT_W; x0 += io::OUT_PIXELS) {{
            for (int c0 = 0; c0 < io::OUT_C; c0 += io::OUT_LANES) {{
                const {p}_out_beat b = out.read();
                for (int p = 0; p < io::OUT_PIXELS && x0 + p < io::OUT_W; p++) {{
                    for (int l = 0; l < io::OUT_LANES; l++) {{
                        y_out.data[(size_t(c0 + l) * io::OUT_H + y) * io::OUT_W + x0 + p] = licc::wide(b.v[p * io::OUT_LANES + l]);
                    }}
                }}
            }}
        }}
    }}
    if (!in.empty() || !out.empty()) {{
        std::fprintf(stderr, "{p}: the design left beats in its input or output stream\\n");
        return 1;
    }}
    licc::write_npy(argv[2], y_out);
#ifdef LICC_COUNT_ITERS
    const std::string counts = std::string(argv[2]) + ".iters.json";
    if (!licc::write_loop_counts(counts.c_str())) licc::npy_fail(counts, "cannot write the loop counts");
#endif
    std::printf("{p}: %.3f s\\n", seconds);
    return 0;
}}
"""

    def vitis_config(self) -> str:
        p, t = self.part, self.target
        return (
            f"# {p}: Vitis HLS component (vitis-run --mode hls --csim|--synth --config hls_config.cfg --work_dir {p}_prj)\n"
            f"part={t.part}\n\n[hls]\nflow_target=vivado\npackage.output.format=ip_catalog\n"
            f"clock={_period(t.clock_mhz)}ns\nsyn.top={p}\nsyn.file={p}.cpp\nsyn.cflags=-I../include -std=c++14\n"
            f"tb.file=tb_{p}.cpp\ntb.file=input.npy\ntb.cflags=-I../include -std=c++14\n"
            "csim.argv=input.npy output.npy\n"
        )

    def tcl(self) -> str:
        p, t = self.part, self.target
        return (
            f"# {p}: Vitis HLS project (vitis_hls -f run_hls.tcl)\n"
            f"open_project -reset {p}_prj\nset_top {p}\n"
            f'add_files {p}.cpp -cflags "-I../include -std=c++14"\n'
            f'add_files -tb tb_{p}.cpp -cflags "-I../include -std=c++14"\nadd_files -tb input.npy\n'
            "open_solution -reset solution1 -flow_target vivado\n"
            f"set_part {t.part}\ncreate_clock -period {_period(t.clock_mhz)} -name default\n"
            'csim_design -argv "input.npy output.npy"\ncsynth_design\nexport_design -format ip_catalog\nexit\n'
        )


def _period(clock_mhz: float) -> str:
    return f"{1000.0 / clock_mhz:g}"


_KERNELS = {
    hls.WindowOp: "window.h",
    hls.MvauOp: "mvau.h",
    hls.DeconvOp: "deconv.h",
    hls.GdnOp: "gdn.h",
    hls.PointwiseOp: "pointwise.h",
    hls.LanesOp: "pointwise.h",
    hls.ForkOp: "join.h",
    hls.AddOp: "join.h",
    hls.ShuffleOp: "shuffle.h",
    hls.PadOp: "pad.h",
    hls.CropOp: "pad.h",
}


def _includes(op: hls.StageOp) -> str:
    optional = [h for h, step in (("table.h", hls.TableStep), ("leaky.h", hls.LeakyReluStep)) if _has_step(op, step)]
    optional += ["protect.h"] if protected(op) else []
    return "".join(f'#include "licc/{h}"\n' for h in [*optional, _KERNELS[type(op)]])


def _has_step(op: hls.StageOp, kind: type[hls.PointwiseStep]) -> bool:
    chains = [op.properties.get(k) for k in ("epilogue", "norm", "prologue", "steps")]
    return any(isinstance(s, kind) for c in chains if c is not None for s in c.data)  # type: ignore[attr-defined]


def _describe(op: hls.StageOp) -> str:
    i, o = op.in_type, op.out_type
    text = f"{op.name} {'x'.join(map(str, i.get_shape()))} -> {'x'.join(map(str, o.get_shape()))}"
    if isinstance(op, hls.FoldedStageOp):
        text += f", PE {op.pe_value} x SIMD {op.simd_value} x MMV {op.mmv_value}"
        if op.mult_impl is not None:
            text += f", products in {op.mult_impl.data}"
    return text


def _readme(parts: list[str], target: Target) -> str:
    lines = [
        "# licc HLS project",
        "",
        f"Generated by licc for {target.part} at {target.clock_mhz:g} MHz. One folder per part",
        f"({', '.join(parts)}), each a Vitis HLS component; the kernel library is `include/licc/`.",
        "",
        "- Vitis (unified): `cd PART && vitis-run --mode hls --csim --config hls_config.cfg --work_dir PART_prj`",
        "- Vitis HLS (Tcl): `cd PART && vitis_hls -f run_hls.tcl`",
        "- g++ C simulation: `g++ -std=c++14 -O2 -I include PART/PART.cpp PART/tb_PART.cpp -o tb`",
        "  (add `-isystem` the folder of `ap_int.h` to compute in Xilinx's arbitrary-precision types);",
        "  `./tb input.npy output.npy` streams a 1xCxHxW integer tensor through the design;",
        "  built with `-DLICC_COUNT_ITERS`, it also writes `output.npy.iters.json`: each stage's",
        "  pipelined-loop iterations and the iterations that read and wrote a beat.",
        "",
    ]
    return "\n".join(lines)
