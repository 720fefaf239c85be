"""What each float op becomes at the integer level, and the width knobs of a codec.

Roles (after `lic-rewrite-gdn`; GDN is x·f(β + γ·x²) or its L1 form):

- ``conv``: a convolution whose result is an activation (rescaled to
  ``lic.bits``), with weights of ``lic.weight_bits``;
- ``latent``: the convolution an encoder (or hyper-encoder) returns, rescaled
  to the integer latent (scale 1, a width the range needs);
- ``image``: the convolution the decoder returns, rescaled to 8-bit pixels;
- ``norm``: GDN's 1×1 normalisation convolution (γ, β); its accumulator
  feeds the root table directly (or, in the inverse L1 form, is rescaled);
- ``square``: GDN's x·x, exact, rescaled to the GDN path's width if wider;
- ``root``: GDN's rsqrt/sqrt/reciprocal, a `lic.table`;
- ``gdn_out``: GDN's x·f, rescaled to an activation.

Knobs, the widths `lic-assign-precision` chooses: ``weight`` (a conv's
weights), ``act`` (an activation: a conv's or a GDN's output) and ``gdn``
(one GDN's path: γ, x², and the root's output or the inverse L1 norm).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation, SSAValue

from lic_compiler.dialects import lic
from lic_compiler.errors import LiccError
from lic_compiler.quant import attrs
from lic_compiler.quant.drive import CHAIN, functions

ROOTS = (lic.RsqrtOp, lic.SqrtOp, lic.ReciprocalOp)
CONVS = (lic.Conv2dOp, lic.ConvTranspose2dOp)
LATENT_FUNCTIONS = ("encoder", "hyper_encoder")
# Fixed widths: the decoder's pixels; the smallest latent.
PIXEL_BITS = 8
MIN_LATENT_BITS = 8
# Latent widths leave this factor of headroom over the calibrated peak.
LATENT_HEADROOM = 2.0


def _users(value: SSAValue) -> list[Operation]:
    return [use.operation for use in value.uses]


def _is_pre(op: Operation | None) -> bool:
    """GDN's x² or |x| (the norm convolution's input)."""
    return (isinstance(op, lic.MulOp) and op.lhs == op.rhs) or isinstance(op, lic.AbsOp)


def _is_norm(op: Operation) -> bool:
    if not isinstance(op, lic.Conv2dOp) or not _is_pre(op.input.owner):
        return False
    x = op.input.owner.operands[0]  # type: ignore[union-attr]
    users = _users(op.output)
    roots = all(isinstance(u, ROOTS) for u in users)
    inverse_l1 = all(isinstance(u, lic.MulOp) and x in u.operands for u in users)
    return bool(users) and (roots or inverse_l1)


def returned_values(f: func.FuncOp) -> set[SSAValue]:
    """The values `f` returns."""
    return {v for op in f.body.block.ops if isinstance(op, func.ReturnOp) for v in op.operands}


def returned_through(f: func.FuncOp, kinds: tuple[type[Operation], ...]) -> set[SSAValue]:
    """The values `f` returns, and those that reach a return through unary ops of `kinds` only."""
    out: set[SSAValue] = set()
    todo = list(returned_values(f))
    while todo:
        value = todo.pop()
        out.add(value)
        if isinstance(value.owner, kinds):
            todo.append(value.owner.operands[0])
    return out


def roles(f: func.FuncOp) -> dict[Operation, str]:
    """The role of every compute op of `f` (see the module docstring); others: their op kind."""
    out: dict[Operation, str] = {}
    # A sub-pixel convolution's conv (reordered, then returned) is still the latent's or the
    # image's, and so is a padded frame's decoder conv (cropped, then returned).
    returned = returned_through(f, (lic.PixelShuffleOp, lic.PixelUnshuffleOp, lic.CropOp))
    name = f.sym_name.data
    for op in f.body.block.ops:
        if isinstance(op, lic.ConstantOp | func.ReturnOp):
            continue
        if isinstance(op, lic.GdnOp):
            raise LiccError(
                f"@{name} still has lic.gdn; run lic-rewrite-gdn first (the integer level "
                "lowers GDN's decomposed form)"
            )
        if isinstance(op, CONVS):
            if _is_norm(op):
                out[op] = "norm"
            elif op.output in returned and name in LATENT_FUNCTIONS:
                out[op] = "latent"
            elif op.output in returned and name == "decoder":
                out[op] = "image"
            else:
                out[op] = "conv"
        elif _is_pre(op) and any(isinstance(u, lic.Conv2dOp) and _is_norm(u) for u in _users(op.results[0])):
            out[op] = "square" if isinstance(op, lic.MulOp) else "abs"
        elif isinstance(op, ROOTS):
            out[op] = "root"
        elif isinstance(op, lic.MulOp):
            out[op] = "gdn_out"
        else:
            out[op] = op.name.removeprefix("lic.")
    return out


@dataclass(frozen=True, eq=False)
class Knob:
    """One width the search chooses: its kind and the ops whose attribute it sets."""

    kind: str  # weight | act | gdn
    function: str
    index: int  # position among the function's knobs of this kind, from 1
    ops: tuple[Operation, ...]

    @property
    def label(self) -> str:
        return f"@{self.function} {self.kind} {self.index}"

    @property
    def feeds_gdn(self) -> bool:
        """An activation consumed by a GDN (its x² or |x|, and x·f), not by a convolution."""
        users = _users(self.ops[0].results[0])
        return self.kind == "act" and any(_is_pre(u) and any(_is_norm(n) for n in _users(u.results[0])) for u in users)

    def apply(self, bits: int) -> None:
        for op in self.ops:
            if self.kind == "weight" or (self.kind == "gdn" and isinstance(op, lic.Conv2dOp)):
                attrs.put(op, attrs.WEIGHT_BITS, bits)
            if self.kind != "weight" and not (self.kind == "gdn" and _is_norm_with_root(op)):
                attrs.put(op, attrs.BITS, bits)


def uniform_widths(all_knobs: list[Knob], widths: dict[str, int], gdn_inputs: bool) -> dict[Knob, int]:
    """Each knob's width from one per kind (``weight``, ``act``, ``gdn``); with
    `gdn_inputs`, an activation feeding a GDN takes the GDN path's width."""
    return {k: widths["gdn"] if gdn_inputs and k.feeds_gdn else widths[k.kind] for k in all_knobs}


def _is_norm_with_root(op: Operation) -> bool:
    return isinstance(op, lic.Conv2dOp) and all(isinstance(u, ROOTS) for u in _users(op.output))


def knobs(module: ModuleOp) -> list[Knob]:
    """Every width knob of `module`, function by function in program order."""
    out: list[Knob] = []
    for name, f in functions(module).items():
        counts = {"weight": 0, "act": 0, "gdn": 0}

        def add(kind: str, *ops: Operation) -> None:
            counts[kind] += 1
            out.append(Knob(kind, name, counts[kind], ops))

        for op, role in roles(f).items():
            if role in ("conv", "latent", "image"):
                add("weight", op)
            if role == "conv":
                add("act", op)
            if role == "norm":
                pre = op.operands[0].owner
                tail = [u for u in _users(op.results[0]) if isinstance(u, ROOTS)] or [op]
                add("gdn", op, pre, *tail)  # type: ignore[arg-type]
            if role == "gdn_out":
                add("act", op)
    return out


def fix_interfaces(module: ModuleOp) -> None:
    """Widths nobody chooses: pixels, and each latent's (from its calibrated range)."""
    funcs = functions(module)
    latent_bits: dict[str, int] = {}
    for name, f in funcs.items():
        for op, role in roles(f).items():
            if role == "image":
                attrs.put(op, attrs.BITS, PIXEL_BITS)
            if role == "latent":
                latent_bits[name] = latent_width(_range(op))
                attrs.put(op, attrs.BITS, latent_bits[name])
    for name, source in CHAIN.items():
        if name in funcs and source in latent_bits:
            attrs.put(funcs[name], attrs.ARG_BITS, [latent_bits[source]])
        elif name in funcs and (arg_range := attrs.get(funcs[name], attrs.ARG_RANGES)):
            attrs.put(funcs[name], attrs.ARG_BITS, [latent_width(arg_range[0])])  # compiled alone


def latent_width(r: dict) -> int:
    """Signed width of a rounded latent with `LATENT_HEADROOM` over its calibrated peak."""
    peak = LATENT_HEADROOM * max(abs(r["min"]), abs(r["max"])) + 1
    return max(MIN_LATENT_BITS, lic.signed_bits(-int(peak), int(peak)))


def _range(op: Operation) -> dict:
    r = attrs.get(op, attrs.RANGE)
    if r is None:
        raise LiccError(f"{op.name} has no lic.range; run lic-calibrate first")
    return r
