"""`lic-rewrite-gdn`: GDN/IGDN → explicit, hardware-friendly `lic` ops.

Each `lic.gdn` becomes

    %g_sq   = lic.mul %x, %x                      (L1 form: lic.abs %x)
    %g_norm = lic.conv2d %g_sq, %γ[C,C,1,1], %β   (the 1×1 normalisation convolution)
    %g_rsqrt = lic.rsqrt %g_norm <mode>           (IGDN: lic.sqrt; L1: lic.reciprocal; L1 IGDN: none)
    %g      = lic.mul %x, %g_rsqrt

with the root or reciprocal in the chosen mode (`lic_compiler.gdn_approx`
defines each exactly and bounds its error). GDNs trained in the L1 form
(``form = "l1"``) are lowered without a root. ``form=l1`` asks for the L1
form on standard GDNs too; as that changes the function the model was
trained for, it is refused, with its measured cost, unless ``force-l1=true``.

With ``measure=true`` (default) the pass runs the interpreter on the
calibration images and reports, per GDN, the maximum and RMS relative error
its rewrite adds to the normalisation factor and, when the module holds
``@encoder`` and ``@decoder``, the codec's PSNR before and after (encoder →
rounded latent → decoder). The report is printed to stderr and stored in
the module attribute ``lic.gdn_rewrite`` (`gdn_report(module)` reads it back).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.dialects.func import FuncOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from lic_compiler.calibration import CALIBRATION_COUNT, codec_psnr, load_images, run_on_images
from lic_compiler.dialects import lic
from lic_compiler.errors import LiccError
from lic_compiler.gdn_approx import Approx
from lic_compiler.gdn_measure import GdnProbe, GdnTarget, gdn_target, probing_interpreter
from lic_compiler.ir import from_numpy, to_numpy
from lic_compiler.quant.attrs import from_attr, to_attr

REPORT_ATTR = "lic.gdn_rewrite"
FORMS = ("native", "l1")
# The default: measured to cost well under 0.02 dB and 0.1 % BD-rate (docs/gdn.md).
DEFAULT_MODE = "pwl"
# Each mode's parameters when not given.
MODE_DEFAULTS: dict[str, dict[str, int]] = {
    "exact": {},
    "table": {"table_bits": 10},
    "pwl": {"segments": 32},
    "newton": {"table_bits": 6, "newton_steps": 1},
}
_OPS = {"rsqrt": lic.RsqrtOp, "sqrt": lic.SqrtOp, "reciprocal": lic.ReciprocalOp}


@dataclass(frozen=True)
class Config:
    """The pass's choices, resolved: the approximation of each function and the form."""

    mode: str
    params: dict[str, int]
    to_l1: bool

    def target(self, gdn: lic.GdnOp) -> GdnTarget:
        return gdn_target(gdn, self.mode, self.params, self.to_l1)


def _gamma(gdn: lic.GdnOp) -> tuple[lic.ConstantOp, np.ndarray]:
    owner = gdn.gamma.owner
    if not isinstance(owner, lic.ConstantOp):
        raise LiccError(
            f"lic-rewrite-gdn: {_where(gdn)} has a γ that is not a lic.constant; "
            "the rewrite needs GDN's parameters as weights"
        )
    return owner, to_numpy(owner.value)


def _where(gdn: lic.GdnOp) -> str:
    """``@decoder IGDN 2``: the function and the GDN's position among its GDNs (from 1)."""
    func = gdn.parent_op()
    assert isinstance(func, FuncOp)
    position = [op for op in func.walk() if isinstance(op, lic.GdnOp)].index(gdn) + 1
    return f"@{func.sym_name.data} {'IGDN' if gdn.is_inverse else 'GDN'} {position}"


@dataclass
class DecomposeGdn(RewritePattern):
    config: Config

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: lic.GdnOp, rewriter: PatternRewriter) -> None:
        target = self.config.target(op)
        gamma_op, gamma = _gamma(op)
        c = gamma.shape[0]
        x, element = op.input, op.input.type.get_element_type()  # type: ignore[attr-defined]
        base = op.output.name_hint or "gdn"
        pre = lic.AbsOp(x) if target.form == "l1" else lic.MulOp(x, x)
        pre.output.name_hint = f"{base}_{'abs' if target.form == 'l1' else 'sq'}"
        weight = lic.ConstantOp(from_numpy(gamma.reshape(c, c, 1, 1), element, "gamma"))
        weight.result.name_hint = f"{base}_gamma"
        norm = lic.Conv2dOp(pre.output, weight.result, op.beta, (1, 1), (0, 0), x.type)
        norm.output.name_hint = f"{base}_norm"
        new_ops: list[Operation] = [pre, weight, norm]
        factor = norm.output
        if target.approx is not None:  # the L1 IGDN multiplies by the norm itself
            root = _OPS[target.approx.function](norm.output, **target.approx.params())
            root.output.name_hint = f"{base}_{target.approx.function}"
            new_ops.append(root)
            factor = root.output
        out = lic.MulOp(x, factor)
        out.output.name_hint = op.output.name_hint
        rewriter.replace(op, [*new_ops, out], [out.output])
        if not gamma_op.result.uses:
            rewriter.erase(gamma_op)


def _gdns(module: ModuleOp) -> list[lic.GdnOp]:
    return [op for op in module.walk() if isinstance(op, lic.GdnOp)]


def _rewrite(module: ModuleOp, config: Config) -> None:
    PatternRewriteWalker(DecomposeGdn(config)).rewrite_module(module)


@dataclass
class _Measured:
    """Per-GDN errors and the codec's PSNR per image (None: not measurable)."""

    probe: GdnProbe
    images: int
    psnr_before: list[float] | None

    def psnr_change(self, module_after: ModuleOp, images: list[np.ndarray]) -> list[float] | None:
        """Per image: the PSNR of `module_after` minus that of the measured module."""
        after = codec_psnr(run_on_images(module_after, images))
        if self.psnr_before is None or after is None:
            return None
        return [new - old for old, new in zip(self.psnr_before, after)]


def _measure(
    module: ModuleOp, gdns: list[lic.GdnOp], config: Config, images: list[np.ndarray]
) -> _Measured:
    probe = GdnProbe({g: config.target(g) for g in gdns})
    runs = run_on_images(module, images, probing_interpreter(probe))
    return _Measured(probe, len(images), codec_psnr(runs))


@dataclass(frozen=True)
class RewriteGdnPass(ModulePass):
    """Decompose GDN/IGDN into square, 1×1 conv, (reciprocal) square root and multiply, with hardware approximations."""

    name = "lic-rewrite-gdn"

    mode: str = DEFAULT_MODE
    table_bits: int | None = None
    segments: int | None = None
    newton_steps: int | None = None
    form: str = "native"
    force_l1: bool = False
    measure: bool = True
    images: str = ""
    count: int = CALIBRATION_COUNT

    def config(self) -> Config:
        if self.form not in FORMS:
            raise LiccError(f"lic-rewrite-gdn: form must be one of {', '.join(FORMS)}, got '{self.form}'")
        if self.force_l1 and self.form != "l1":
            raise LiccError("lic-rewrite-gdn: force-l1=true only applies with form=l1")
        if self.mode not in MODE_DEFAULTS:
            raise LiccError(
                f"lic-rewrite-gdn: mode must be one of {', '.join(MODE_DEFAULTS)}, got '{self.mode}'"
            )
        given = {"table_bits": self.table_bits, "segments": self.segments, "newton_steps": self.newton_steps}
        given = {k: v for k, v in given.items() if v is not None}
        params = MODE_DEFAULTS[self.mode] | given
        try:
            Approx("rsqrt", self.mode, **params)
        except LiccError as e:
            raise LiccError(f"lic-rewrite-gdn: {e}") from None
        return Config(self.mode, params, self.form == "l1")

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        report = rewrite_gdn(op, self)
        if report["gdns"] or REPORT_ATTR not in op.attributes:  # a rerun keeps the first report
            op.attributes[REPORT_ATTR] = to_attr(report)
        if "images" in report:
            print(format_report(report), file=sys.stderr)


def rewrite_gdn(module: ModuleOp, options: RewriteGdnPass) -> dict[str, Any]:
    """Rewrite every `lic.gdn` of `module`; return the report (see the module docstring)."""
    config = options.config()
    gdns = _gdns(module)
    refused = [g for g in gdns if config.to_l1 and g.form.data == "standard"]
    measuring = bool(gdns) and (options.measure or (refused and not options.force_l1))
    images = load_images(options.images or None, options.count) if measuring else []
    measured = _measure(module, gdns, config, images) if measuring else None
    if refused and not options.force_l1:
        trial = module.clone()
        _rewrite(trial, config)
        assert measured is not None
        raise LiccError(_refusal(refused, measured, measured.psnr_change(trial, images)))
    entries = [_entry(g, config, measured) for g in gdns]
    _rewrite(module, config)
    report: dict[str, Any] = {"mode": config.mode, **config.params, "gdns": entries}
    if measured is not None:
        report["images"] = measured.images
        change = measured.psnr_change(module, images)
        if change is not None:
            report["psnr_before"] = float(np.mean(measured.psnr_before))  # type: ignore[arg-type]
            report["psnr_change"] = float(np.mean(change))
    return report


def _entry(gdn: lic.GdnOp, config: Config, measured: _Measured | None) -> dict[str, Any]:
    target = config.target(gdn)
    entry: dict[str, Any] = {
        "gdn": _where(gdn),
        "form": gdn.form.data,
        "inverse": gdn.is_inverse,
        "lowered_form": target.form,
    }
    if target.approx is not None:
        entry |= {"op": f"lic.{target.approx.function}", **target.approx.params()}
        entry["approx"] = target.approx.describe()
        entry["error_bound"] = target.approx.max_relative_error()
    stats = measured.probe.stats.get(gdn) if measured is not None else None
    if stats is not None:
        entry["max_rel_error"] = stats.max
        entry["rms_rel_error"] = stats.rms
    return entry


def _refusal(refused: list[lic.GdnOp], measured: _Measured, change: list[float] | None) -> str:
    names = ", ".join(_where(g) for g in refused)
    stats = [measured.probe.stats[g] for g in refused if g in measured.probe.stats]
    if change is not None:
        cost = f"on {measured.images} calibration images it changes the codec's PSNR by {np.mean(change):+.2f} dB"
    else:
        cost = "the codec's PSNR change cannot be measured here (it needs @encoder and @decoder)"
    if stats:
        cost += (
            f", and the normalisation's relative error reaches {max(s.max for s in stats):.3g} "
            f"(RMS up to {max(s.rms for s in stats):.3g})"
        )
    return (
        f"lic-rewrite-gdn: {names} {'is a standard GDN' if len(refused) == 1 else 'are standard GDNs'}; "
        f"the L1 form x/(β+Σγ|x|) is not the function the model was trained with: {cost}. "
        "Train with simplified GDN (licc-train --gdn simplified) to use the L1 form, "
        "or pass force-l1=true to accept this cost"
    )


def format_report(report: dict[str, Any]) -> str:
    """The report as lines of text, one per GDN."""
    lines = ["lic-rewrite-gdn:"]
    for e in report["gdns"]:
        kind = f"{e['form']} {'IGDN' if e['inverse'] else 'GDN'}"
        lowered = f"{e['approx']} (bound {e['error_bound']:.2g})" if "op" in e else "no root"
        line = f"  {e['gdn']:<24} {kind:<14} -> {e['lowered_form']} form, {lowered}"
        if "max_rel_error" in e:
            line += f"; measured relative error max {e['max_rel_error']:.3g}, RMS {e['rms_rel_error']:.3g}"
        lines.append(line)
    if "psnr_change" in report:
        lines.append(
            f"  codec PSNR on {report['images']} calibration images: {report['psnr_before']:.3f} dB, "
            f"change {report['psnr_change']:+.4f} dB"
        )
    return "\n".join(lines)


def gdn_report(module: ModuleOp) -> dict[str, Any] | None:
    """The report `lic-rewrite-gdn` stored in `module`, as plain Python values."""
    attr = module.attributes.get(REPORT_ATTR)
    return None if attr is None else from_attr(attr)
