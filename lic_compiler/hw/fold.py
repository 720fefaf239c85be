"""Foldings applied to an `hls` dataflow: the knobs on the stages, the beats on the streams.

A folding (PE × SIMD × MMV, weight memory, multiplier placement) is chosen
per compute stage (`hls.mvau`, `hls.deconv`, `hls.gdn`); everything else
follows from it. `refold` writes the knobs and then re-derives every
stream's beat: a window generator emits what its MVAU reads (SIMD lanes of
MMV pixels), an MVAU or GDN reads exactly that, a window generator or a
transposed convolution (which keep rows in a line buffer) take their
producer's beats when those arrive within the design's cycle target and the
narrowest beat that does otherwise, a fork writes both copies with the
beat it reads, a residual's `hls.add` reads its addend with the beat its
first input arrives with, and an `hls.lanes` width converter goes wherever a
stream must change its beat. A sub-pixel reorder reads and writes one pixel
per beat.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd

from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, Signedness, StringAttr, i64
from xdsl.ir import Operation, SSAValue
from xdsl.rewriter import InsertPoint, Rewriter

from lic_compiler import hls_schedule
from lic_compiler.dialects import hls
from lic_compiler.dialects.hls_geometry import Beat, beats, feeding_beat
from lic_compiler.hw import primitives as hwp

KNOB_STAGES = (hls.MvauOp, hls.DeconvOp, hls.GdnOp)


@dataclass(frozen=True)
class Folding:
    """PE (output lanes) × SIMD (reduction lanes) × MMV (pixels at once), where the
    weights live and where the products are computed."""

    pe: int
    simd: int = 1
    mmv: int = 1
    ram_style: str = "bram"
    mult_impl: str = "dsp"


def folding_of(op: hls.FoldedStageOp) -> Folding:
    return Folding(
        op.pe_value,
        op.simd_value,
        op.mmv_value,
        op.ram_style.data if op.ram_style is not None else "bram",
        op.mult_impl.data if op.mult_impl is not None else "dsp",
    )


def set_knobs(op: hls.FoldedStageOp, f: Folding) -> None:
    op.properties |= {
        "pe": IntegerAttr(f.pe, i64),
        "simd": IntegerAttr(f.simd, i64),
        "ram_style": StringAttr(f.ram_style),
        "mult_impl": StringAttr(f.mult_impl),
    }
    if f.mmv > 1:
        op.properties["mmv"] = IntegerAttr(f.mmv, i64)
    else:
        op.properties.pop("mmv", None)
    pack = _explicit_packing(op, f)
    if pack is not None:
        op.properties["mult_pack"] = DenseArrayBase.from_list(i64, [pack.weights, pack.activations])
    else:
        op.properties.pop("mult_pack", None)


def _explicit_packing(op: hls.FoldedStageOp, f: Folding) -> hwp.Packing | None:
    """The packing an MVAU in DSPs computes itself (what its cost assumed), or None."""
    if not isinstance(op, hls.MvauOp) or f.mult_impl != "dsp" or op.weight_pow2 is not None:
        return None
    a = op.in_type.element_type
    w_bits = op.weight.type.get_element_type().width.data  # type: ignore[attr-defined]
    a_bits = hwp.signed_bits(a.width.data, a.signedness.data != Signedness.UNSIGNED)
    return hwp.explicit_packing(w_bits, a_bits, f.pe, f.mmv)


def refold(flow: hls.DataflowOp, foldings: dict[Operation, Folding], target: int | None = None) -> None:
    """Apply `foldings` (compute stage → folding; others keep theirs) and re-derive every
    stream's beat for the cycle target `target` (None: the slowest compute stage's). The
    frame period FIFO sizing chose goes with the FIFOs it sized (`hls-size-fifos` sets both)."""
    flow.properties.pop("period", None)
    for lanes in [op for op in flow.block.ops if isinstance(op, hls.LanesOp)]:
        lanes.output.replace_all_uses_with(lanes.input)
        flow.block.erase_op(lanes)
    for op, f in foldings.items():
        assert isinstance(op, KNOB_STAGES)
        set_knobs(op, f)
    if target is None:
        target = max((_own_cycles(op) for op in flow.stages() if isinstance(op, KNOB_STAGES)), default=0)
    for arg in flow.block.args:
        _set_type(arg, hls.stream_of(arg).with_beat(_input_beat(_consumer(arg), arg, target)))
    for op in list(flow.stages()):
        _convert(op, 0, _input_beat(op, op.input, target), target)
        if isinstance(op, hls.AddOp):  # the addend joins at the beat the input arrives with
            _convert(op, 1, hls.stream_of(op.input).beat, target)
        for result in op.results:
            _set_type(result, hls.stream_of(result).with_beat(_output_beat(op)))


def _convert(op: hls.StageOp, index: int, want: Beat, target: int) -> None:
    """Width converters before operand `index` of `op`, so that it arrives with `want`."""
    value = op.operands[index]
    for beat in conversion(hls.stream_of(value), want, target):
        Rewriter.insert_op(converter := hls.LanesOp(value, beat), InsertPoint.before(op))
        converter.output.name_hint = f"{value.name_hint or 'x'}_lanes"
        op.operands[index] = value = converter.output


def conversion(stream: hls.StreamType, want: Beat, target: int) -> list[Beat]:
    """The beats of the width converters taking `stream` to `want`: none, one, or two
    through whole pixels in gcd(pixels) groups. One converter between different pixel
    counts holds lcm(pixels) pixels (17 and 20 pixels of 64 channels: 340 pixels and a
    wide multiplexer); two hold each count's own, when the narrower beat in between
    still keeps within the cycle target."""
    have = stream.beat
    if have == want:
        return []
    c, h, w = stream.get_shape()
    p, q = have.pixels, want.pixels
    mid = Beat(c, gcd(p, q))
    if p * q // gcd(p, q) > max(p, q) and mid not in (have, want):
        if max(hls_schedule.lanes_schedule(c, h, w, a, b).iters for a, b in ((have, mid), (mid, want))) <= target:
            return [mid, want]
    return [want]


def _consumer(value: SSAValue) -> Operation:
    return next(iter(value.uses)).operation


def _set_type(value: SSAValue, t: hls.StreamType) -> None:
    if value.type != t:
        Rewriter.replace_value_with_new_type(value, t)


def _own_cycles(op: hls.StageOp) -> int:
    """A compute stage's loop when its input arrives as fast as it can use it."""
    if isinstance(op, hls.DeconvOp):
        c, h, w = op.in_type.get_shape()
        return iters_with(op, Beat(c, w))
    return hls_schedule.schedule(op).iters


def iters_with(op: hls.StageOp, beat: Beat) -> int:
    """The loop of a stage that buffers rows (window, transposed convolution, pointwise)
    when its input arrives with `beat`."""
    match op:
        case hls.WindowOp():
            out = _output_beat(op)
            return hls_schedule.window_schedule(op.geometry(), beat, out.lanes, out.pixels).iters
        case hls.DeconvOp():
            return hls_schedule.deconv_schedule(op.geometry(), beat, op.pe_value, op.simd_value, op.mmv_value).iters
    return beats(*hls.stream_of(op.input).get_shape(), beat)


def _input_beat(op: Operation, value: SSAValue, target: int) -> Beat:
    """The beat stage `op` reads `value` with."""
    current = hls.stream_of(value)
    c, h, w = current.get_shape()
    match op:
        case hls.MvauOp() | hls.GdnOp():
            return Beat(op.simd_value, op.mmv_value)
        case hls.ShuffleOp() | hls.CropOp():
            return Beat(current.lanes.data, 1)
        case hls.PadOp():  # the image's pixels whole, one per beat
            return Beat(c, 1)
        case hls.WindowOp() | hls.DeconvOp() | hls.PointwiseOp():
            if isinstance(value.owner, hls.StageOp) and iters_with(op, current.beat) <= target:
                return current.beat
            return feeding_beat(c, h, w, lambda b: iters_with(op, b) <= target)
    return current.beat  # hls.yield: what the last stage writes


def _output_beat(op: hls.StageOp) -> Beat:
    match op:
        case hls.WindowOp():
            mvau = _consumer(op.output)
            assert isinstance(mvau, hls.MvauOp), "a window generator feeds an MVAU"
            return Beat(mvau.simd_value, mvau.mmv_value)
        case hls.MvauOp() | hls.GdnOp():
            return Beat(op.pe_value, op.mmv_value)
        case hls.DeconvOp():
            g = op.geometry()
            return Beat(op.pe_value, g.out_pixels(op.pe_value, op.simd_value, op.mmv_value))
        case hls.ShuffleOp():  # the lanes it reads, or as many as divide the output's channels
            return Beat(gcd(op.in_type.lanes.data, op.out_type.channels), 1)
    return hls.stream_of(op.input).beat
