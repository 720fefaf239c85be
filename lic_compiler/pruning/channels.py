"""Channel bookkeeping: which activation channels must be kept or dropped together.

A *channel group* is a set of activation channels that live and die
together: a convolution's output channels, carried unchanged through GDN,
activations and elementwise ops, into the input channels of every
convolution that reads them. Across functions the latent is one group
(``@encoder``'s result is ``@decoder``'s and ``@hyper_encoder``'s argument),
and so is the hyper-latent (``@hyper_encoder``'s result is
``@hyper_decoder``'s argument). ``@hyper_decoder``'s result holds entropy
parameters per latent channel (scales, then means for mbt2018-mean), so it
is *tied* to the latent. Image channels and any other function boundary are
fixed.

Layers are named by function and position among its convolutions, transposed
or not, from 1 (``encoder.conv2``); a group is named after the first
convolution that produces it, the latents ``latent`` and ``hyper_latent``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialect_interfaces.op_asm import OpAsmDialectInterface
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    BytesAttr,
    DenseIntOrFPElementsAttr,
    DenseResourceAttr,
    ModuleOp,
    TensorType,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.rewriter import InsertPoint, Rewriter

from lic_compiler.dialects import lic
from lic_compiler.errors import LiccError
from lic_compiler.ir import numpy_dtype, to_numpy

Conv = lic.Conv2dOp | lic.ConvTranspose2dOp

HIDDEN, LATENT, HYPER_LATENT, TIED, FIXED = "hidden", "latent", "hyper_latent", "tied", "fixed"
LATENTS = (LATENT, HYPER_LATENT)
# Which function boundaries carry which latent: (function, "arg" or "result").
_BOUNDARIES = {
    ("encoder", "result"): LATENT,
    ("decoder", "arg"): LATENT,
    ("hyper_encoder", "arg"): LATENT,
    ("hyper_encoder", "result"): HYPER_LATENT,
    ("hyper_decoder", "arg"): HYPER_LATENT,
    ("hyper_decoder", "result"): TIED,
}
# Fixed beats tied beats a latent beats hidden when a group touches several boundaries.
_PRECEDENCE = (FIXED, TIED, LATENT, HYPER_LATENT, HIDDEN)
_SAME_CHANNELS = (lic.ReluOp, lic.LeakyReluOp, lic.AbsOp, lic.AddOp, lic.MulOp)


@dataclass(eq=False)
class Group:
    """Channels kept or dropped together, and the ops whose weights they index."""

    name: str
    kind: str
    size: int
    values: list[SSAValue]
    producers: list[Conv] = field(default_factory=list)  # output channels are the group
    consumers: list[Conv] = field(default_factory=list)  # input channels are the group
    gdns: list[lic.GdnOp] = field(default_factory=list)

    @property
    def prunable(self) -> bool:
        return self.kind in (HIDDEN, *LATENTS)


@dataclass
class Channels:
    """The channel groups of a module, in order of first appearance."""

    groups: list[Group]
    of: dict[SSAValue, Group]

    def named(self, name: str) -> Group | None:
        return next((g for g in self.groups if g.name == name), None)


def functions(module: ModuleOp) -> dict[str, func.FuncOp]:
    return {op.sym_name.data: op for op in module.ops if isinstance(op, func.FuncOp)}


def convs(function: func.FuncOp) -> list[Conv]:
    return [op for op in function.body.ops if isinstance(op, Conv)]


def layer_names(module: ModuleOp) -> dict[Conv, str]:
    """``function.convK`` of every convolution (K from 1, transposed convs counted too)."""
    return {
        op: f"{name}.conv{k}"
        for name, f in functions(module).items()
        for k, op in enumerate(convs(f), start=1)
    }


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[SSAValue, SSAValue] = {}

    def find(self, v: SSAValue) -> SSAValue:
        self.parent.setdefault(v, v)
        while self.parent[v] is not v:
            self.parent[v] = self.parent[self.parent[v]]
            v = self.parent[v]
        return v

    def union(self, *values: SSAValue) -> None:
        roots = [self.find(v) for v in values]
        for r in roots[1:]:
            self.parent[r] = roots[0]


def channel_groups(module: ModuleOp) -> Channels:
    """The channel groups of `module`; ops pruning cannot see through are errors."""
    uf = _UnionFind()
    funcs = functions(module)
    order: list[SSAValue] = []
    for name, f in funcs.items():
        order += f.body.block.args
        for op in f.body.ops:
            _link(uf, op, name)
            order += [r for r in op.results if not isinstance(op, lic.ConstantOp)]
    boundary = _boundaries(funcs)
    for kind in LATENTS:
        uf.union(*[v for v, k in boundary.items() if k == kind])
    members: dict[SSAValue, list[SSAValue]] = {}
    for v in order:
        members.setdefault(uf.find(v), []).append(v)
    names = layer_names(module)
    groups = [_group(values, boundary, names) for values in members.values()]
    of = {v: g for g in groups for v in g.values}
    _attach_ops(funcs, of)
    latent = next((g for g in groups if g.kind == LATENT), None)
    for g in groups:
        if g.kind == TIED and (latent is None or g.size % latent.size):
            g.kind = FIXED
    return Channels(groups, of)


def _link(uf: _UnionFind, op: Operation, function: str) -> None:
    """Union what `op` forces to share channels; refuse ops pruning cannot follow."""
    if isinstance(op, lic.ConstantOp | func.ReturnOp):
        return
    if isinstance(op, Conv):
        _require_constants(op, [op.weight, *([op.bias] if op.bias is not None else [])], function)
        uf.find(op.output)
    elif isinstance(op, lic.GdnOp):
        _require_constants(op, [op.beta, op.gamma], function)
        uf.union(op.input, op.output)
    elif isinstance(op, _SAME_CHANNELS) and not any(isinstance(v.owner, lic.ConstantOp) for v in op.operands):
        uf.union(*op.operands, *op.results)
    else:
        raise LiccError(
            f"lic-prune-channels: cannot follow channels through {op.name} in @{function}; "
            "prune the float IR that convert-torch-to-lic produces, before lic-rewrite-gdn"
        )


def _require_constants(op: Operation, values: list[SSAValue], function: str) -> None:
    if not all(isinstance(v.owner, lic.ConstantOp) for v in values):
        raise LiccError(
            f"lic-prune-channels: {op.name} in @{function} takes a weight that is not a "
            "lic.constant; pruning slices weights, so they must be constants"
        )


def _boundaries(funcs: dict[str, func.FuncOp]) -> dict[SSAValue, str]:
    """Every function argument and returned value, with the kind of channels it carries."""
    kinds: dict[SSAValue, str] = {}
    for name, f in funcs.items():
        ret = f.get_return_op()
        for side, values in (("arg", f.body.block.args), ("result", ret.operands if ret else ())):
            for v in values:
                kinds[v] = _BOUNDARIES.get((name, side), FIXED)
    return kinds


def _group(values: list[SSAValue], boundary: dict[SSAValue, str], names: dict[Conv, str]) -> Group:
    touched = {boundary[v] for v in values if v in boundary} or {HIDDEN}
    kind = next(k for k in _PRECEDENCE if k in touched)
    producers = [v.owner for v in values if isinstance(v.owner, Conv)]
    if kind == HIDDEN and not producers:
        kind = FIXED
    name = kind if kind in LATENTS or not producers else names[producers[0]]
    size = values[0].type.get_shape()[1]  # type: ignore[attr-defined]
    return Group(name, kind, size, values)


def _attach_ops(funcs: dict[str, func.FuncOp], of: dict[SSAValue, Group]) -> None:
    for f in funcs.values():
        for op in f.body.ops:
            if isinstance(op, Conv):
                of[op.output].producers.append(op)
                of[op.input].consumers.append(op)
            elif isinstance(op, lic.GdnOp):
                of[op.input].gdns.append(op)


# --- weights -------------------------------------------------------------------


def weight(op: Operation, value: SSAValue) -> np.ndarray:
    owner = value.owner
    assert isinstance(owner, lic.ConstantOp), f"{op.name} weight is not a constant"
    return to_numpy(owner.value)


def out_rows(op: Conv) -> np.ndarray:
    """The weight as [Cout, …]: one row per output channel."""
    w = weight(op, op.weight)
    return w if isinstance(op, lic.Conv2dOp) else w.swapaxes(0, 1)


def in_rows(op: Conv) -> np.ndarray:
    """The weight as [Cin, …]: one row per input channel."""
    w = weight(op, op.weight)
    return w.swapaxes(0, 1) if isinstance(op, lic.Conv2dOp) else w


def tied_indices(latent: np.ndarray, latent_size: int, size: int) -> np.ndarray:
    """A tied group's channels for kept latent channels: each block of `latent_size` alike."""
    return np.concatenate([latent + k * latent_size for k in range(size // latent_size)])


def apply_selection(module: ModuleOp, channels: Channels, keep: dict[Group, np.ndarray]) -> None:
    """Keep only `keep[g]` (sorted indices) of each group g: weights, GDN parameters, types."""
    def sel(v: SSAValue) -> np.ndarray | None:
        return keep.get(channels.of[v])

    for op in list(module.walk()):
        if isinstance(op, Conv):
            _slice_conv(op, sel(op.output), sel(op.input))
        elif isinstance(op, lic.GdnOp) and (idx := sel(op.input)) is not None:
            replace_weight(op, 1, weight(op, op.beta)[idx])
            replace_weight(op, 2, weight(op, op.gamma)[np.ix_(idx, idx)])
    for group, idx in keep.items():
        for v in group.values:
            shape = list(v.type.get_shape())  # type: ignore[attr-defined]
            shape[1] = len(idx)
            Rewriter.replace_value_with_new_type(v, TensorType(v.type.get_element_type(), shape))  # type: ignore[attr-defined]
    for f in functions(module).values():
        f.update_function_type()


def _slice_conv(op: Conv, out: np.ndarray | None, inp: np.ndarray | None) -> None:
    out_axis, in_axis = (0, 1) if isinstance(op, lic.Conv2dOp) else (1, 0)
    w = weight(op, op.weight)
    if out is not None:
        w = np.take(w, out, axis=out_axis)
        if op.bias is not None:
            replace_weight(op, 2, weight(op, op.bias)[out])
    if inp is not None:
        w = np.take(w, inp, axis=in_axis)
    if out is not None or inp is not None:
        replace_weight(op, 1, w)


def replace_weight(op: Operation, index: int, array: np.ndarray) -> None:
    """Point operand `index` of `op` at a new constant holding `array`; drop the old one if unused."""
    old = op.operands[index].owner
    assert isinstance(old, lic.ConstantOp)
    new = lic.ConstantOp(constant_like(old.value, array))
    new.result.name_hint = old.result.name_hint
    Rewriter.insert_op(new, InsertPoint.before(old))
    op.operands[index] = new.result
    if not old.result.uses:
        Rewriter.erase_op(old)


def constant_like(old: Attribute, array: np.ndarray) -> Attribute:
    """`array` stored as `old` was: inline, or a blob named as the importer names it.

    The importer names blobs by the SHA-256 of their text, so a pruned weight
    prints exactly as it does when the exported checkpoint is imported again.
    """
    assert isinstance(old, DenseIntOrFPElementsAttr | DenseResourceAttr)
    element = old.type.get_element_type()  # type: ignore[attr-defined]
    dtype = numpy_dtype(element).newbyteorder("<")
    data = np.ascontiguousarray(array, dtype=dtype).tobytes()
    ttype = TensorType(element, array.shape)
    if isinstance(old, DenseIntOrFPElementsAttr) or array.size <= 1:
        return DenseIntOrFPElementsAttr(ttype, BytesAttr(data))
    blob = "0x" + (max(dtype.itemsize, 4).to_bytes(4, "little") + data).hex().upper()
    handle = "t_" + hashlib.sha256(blob.encode()).hexdigest()[:16]
    blobs = _blobs()
    if blobs.lookup(handle) is None:
        blobs.declare_resource(handle)
        blobs.parse_resource(handle, blob)
    return DenseResourceAttr.from_params(handle, ttype)


def _blobs() -> OpAsmDialectInterface:
    from xdsl.dialects.builtin import Builtin

    interface = Builtin.get_interface(OpAsmDialectInterface)
    assert interface is not None
    return interface


def prunable(channels: Channels) -> Iterator[Group]:
    return (g for g in channels.groups if g.prunable)
