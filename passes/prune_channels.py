"""`lic-prune-channels`: structured channel pruning along producer/consumer chains.

Whole channels go at once: a convolution's output channels (weight rows and
bias), the next GDN's β and the rows and columns of γ, and the input
channels of every (transposed) convolution that reads them; across
functions, the latent and the hyper-latent, and the hyper-decoder's
entropy parameters of each dropped latent channel
(`lic_compiler.pruning.channels` says which channels go together).

Options:

- ``ratio``: the fraction of each hidden layer's channels to remove.
- ``criterion``: how hidden channels are ranked, ``l1`` / ``l2`` (filter
  norm) or ``gdn`` (effect after normalisation, on calibration images);
  ``latent`` prunes only the latents, ``ratio`` of their channels.
- ``keep-latent``: ``false`` prunes the latents too, always ranked by the
  bits each channel costs on calibration images: the free channels (zero
  once rounded: no bits, no energy) go, and ``ratios``' ``latent`` share.
- ``multiple-of``: kept channel counts divide by it (the parallelism).
- ``ratios``: a JSON file of per-layer ratios, ``{"encoder.conv2": 0.5,
  "latent": 0.1}``; layers are named ``function.convK`` (K counts the
  function's convolutions, transposed or not, from 1) after the convolution
  producing the channels; the latents are ``latent`` and ``hyper_latent``.
- ``compensate``: fold each dropped channel's mean activation (on the
  calibration images) into the biases of the convolutions that read it.
- ``images``, ``count``: calibration images (default: the shipped crops).
- ``measure``: run the codec before and after on the calibration images.

The report (per-layer channel counts before and after, MACs and parameters,
PSNR and estimated bpp on the calibration images) is printed to stderr and
stored with the kept channel indices in the module attribute
``lic.pruning`` (`lic_compiler.pruning.pruning_record` reads it back;
`export_checkpoint` turns the pruned IR into a smaller checkpoint).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from lic_compiler.analysis import summary
from lic_compiler.calibration import CALIBRATION_COUNT, load_images
from lic_compiler.errors import LiccError
from lic_compiler.pruning.channels import (
    FIXED,
    HIDDEN,
    LATENT,
    LATENTS,
    TIED,
    Channels,
    Conv,
    Group,
    apply_selection,
    channel_groups,
    layer_names,
    prunable,
    tied_indices,
)
from lic_compiler.pruning.criteria import (
    CRITERIA,
    ActivityProbe,
    Runs,
    calibration_runs,
    channel_mean,
    codec_quality,
    fold_dropped_means,
    importance,
    keep_count,
    latent_keep,
    latent_stats,
    top,
)
from lic_compiler.pruning.record import RECORD_ATTR, pruning_record, to_attr

_PASS = "lic-prune-channels"
_LATENT_SOURCE = {"latent": "encoder", "hyper_latent": "hyper_encoder"}


@dataclass(frozen=True)
class PruneChannelsPass(ModulePass):
    """Remove whole channels along conv → GDN → conv chains and across the latents."""

    name = "lic-prune-channels"

    # `int | float`: xDSL does not widen an integer literal (ratio=0) to float.
    ratio: int | float = 0.0
    criterion: str = "l1"
    multiple_of: int = 1
    keep_latent: bool | None = None  # default: keep, unless criterion=latent
    ratios: str = ""
    compensate: bool = True
    images: str = ""
    count: int = CALIBRATION_COUNT
    measure: bool = True

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        report = prune_channels(op, self)
        op.attributes[RECORD_ATTR] = to_attr(report)
        print(format_report(report), file=sys.stderr)

    @property
    def prunes_latents(self) -> bool:
        return self.criterion == "latent" or self.keep_latent is False


def prune_channels(module: ModuleOp, options: PruneChannelsPass) -> dict[str, Any]:
    """Prune `module` in place; return the report (see the module docstring)."""
    _check_options(options)
    channels = channel_groups(module)
    names = layer_names(module)
    ratios = _layer_ratios(options, channels, names)
    targets = [g for g in prunable(channels) if _targeted(g, options)]
    _check_multiple(targets, options.multiple_of)
    probing = options.criterion == "gdn" or (options.compensate and bool(targets))
    needs_images = probing or options.measure or any(g.kind in LATENTS for g in targets)
    images = load_images(options.images or None, options.count) if needs_images else []
    probe = ActivityProbe() if probing else None
    runs = calibration_runs(module, images, probe) if needs_images else {}
    keep = _selection(channels, targets, ratios, options, probe, runs, names)
    before = _totals(module)
    dequantised = {g: channel_mean(_latent_values(g, runs)) for g in keep if g.kind in LATENTS}
    folded = fold_dropped_means(keep, probe, dequantised) if options.compensate and probe is not None else []
    apply_selection(module, channels, keep)
    report = _report(options, channels, keep, [names[op] for op in folded], before, _totals(module))
    if options.measure:
        report["images"] = len(images)
        quality = codec_quality(runs), codec_quality(calibration_runs(module, images))
        for when, values in zip(("before", "after"), quality):
            report |= {f"{k}_{when}": v for k, v in values.items()}
    return _compose(pruning_record(module), report)


def _report(
    options: PruneChannelsPass,
    channels: Channels,
    keep: dict[Group, np.ndarray],
    compensated: list[str],
    before: dict[str, int],
    after: dict[str, int],
) -> dict[str, Any]:
    return {
        "criterion": options.criterion,
        "ratio": float(options.ratio),
        "multiple_of": options.multiple_of,
        "layers": [
            {"layer": g.name, "before": g.size, "after": len(keep[g]) if g in keep else g.size}
            for g in channels.groups
            if g.prunable or g.kind == TIED
        ],
        "kept": {g.name: keep[g].tolist() for g in keep},
        "compensated": compensated,
        **{f"{k}_before": v for k, v in before.items()},
        **{f"{k}_after": v for k, v in after.items()},
    }


def _targeted(group: Group, options: PruneChannelsPass) -> bool:
    if group.kind in LATENTS:
        return options.prunes_latents
    return options.criterion != "latent"


def _check_options(options: PruneChannelsPass) -> None:
    _check_ratio(options.ratio, "ratio")
    if options.criterion not in CRITERIA:
        raise LiccError(f"{_PASS}: criterion must be one of {', '.join(CRITERIA)}, got '{options.criterion}'")
    if options.multiple_of < 1:
        raise LiccError(f"{_PASS}: multiple-of must be at least 1, got {options.multiple_of}")
    if options.criterion == "latent" and options.keep_latent:
        raise LiccError(f"{_PASS}: criterion=latent prunes the latent, so it cannot go with keep-latent=true")


def _check_ratio(value: object, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise LiccError(
            f"{_PASS}: {what} must be in [0, 1), the fraction of channels to remove, got {value}"
        )


def _check_multiple(targets: list[Group], multiple_of: int) -> None:
    for g in targets:
        if g.size < multiple_of:
            raise LiccError(
                f"{_PASS}: multiple-of={multiple_of} is larger than layer {g.name} ({g.size} channels); "
                f"choose at most {min(t.size for t in targets)}"
            )


def _layer_ratios(options: PruneChannelsPass, channels: Channels, names: dict[Conv, str]) -> dict[str, float]:
    """The per-layer ratios file, checked against the module's prunable layers."""
    if not options.ratios:
        return {}
    path = Path(options.ratios)
    try:
        data = json.loads(path.read_text())
    except OSError as e:
        raise LiccError(f"{_PASS}: cannot read the ratios file {path} ({e.strerror})") from None
    except json.JSONDecodeError as e:
        raise LiccError(f"{_PASS}: ratios file {path} is not JSON ({e.msg}, line {e.lineno})") from None
    if not isinstance(data, dict):
        raise LiccError(f'{_PASS}: ratios file {path} must hold an object {{"layer": ratio, …}}')
    prunable_names = {g.name: g for g in prunable(channels)}
    for name, ratio in data.items():
        group = prunable_names.get(name)
        if group is None:
            raise LiccError(f"{_PASS}: ratios file {path} names {_not_prunable(name, channels, names)}")
        if group.kind in LATENTS and not options.prunes_latents:
            raise LiccError(f"{_PASS}: ratios file {path} prunes {name}, but the latents are kept; pass keep-latent=false")
        if group.kind == HIDDEN and options.criterion == "latent":
            raise LiccError(
                f"{_PASS}: criterion=latent prunes only the latents; the ratio for {name} needs criterion l1, l2 or gdn"
            )
        _check_ratio(ratio, f"the ratio of {name} in {path}")
    return data


def _not_prunable(name: str, channels: Channels, names: dict[Conv, str]) -> str:
    """Why `name` is not a prunable layer, and what is."""
    known = ", ".join(g.name for g in prunable(channels))
    conv = next((op for op, n in names.items() if n == name), None)
    if conv is None:
        return f"unknown layer '{name}'; the prunable layers are {known}"
    group = channels.of[conv.output]
    why = {
        FIXED: "its output channels are fixed (an image or a function's interface)",
        TIED: "its output channels follow the latent's",
        LATENT: "its output channels are the latent: name it 'latent'",
    }.get(group.kind, f"its output channels are pruned as part of '{group.name}'")
    return f"layer '{name}', which cannot be pruned on its own: {why}"


def _selection(
    channels: Channels,
    targets: list[Group],
    ratios: dict[str, float],
    options: PruneChannelsPass,
    probe: ActivityProbe | None,
    runs: Runs,
    names: dict[Conv, str],
) -> dict[Group, np.ndarray]:
    """The channels each pruned group keeps (groups left whole are absent)."""
    keep: dict[Group, np.ndarray] = {}
    for g in targets:
        default = options.ratio if g.kind == HIDDEN or options.criterion == "latent" else 0.0
        ratio = ratios.get(g.name, default)
        if g.kind in LATENTS:
            kept = latent_keep(latent_stats(_latent_values(g, runs)), ratio, options.multiple_of)
        else:
            scores = importance(g, options.criterion, probe, names)
            kept = top(scores, keep_count(g.size, ratio, options.multiple_of))
        if len(kept) < g.size:
            keep[g] = kept
    latent = channels.named(LATENT)
    for g in channels.groups:
        if g.kind == TIED and latent in keep:
            assert latent is not None
            keep[g] = tied_indices(keep[latent], latent.size, g.size)
    return keep


def _latent_values(group: Group, runs: Runs) -> list[np.ndarray]:
    source = _LATENT_SOURCE[group.name]
    if source not in runs:
        raise LiccError(
            f"{_PASS}: pruning the {group.name} needs its values on calibration images, so the module "
            f"needs @encoder taking 1x3xHxW images{' and @hyper_encoder' if source == 'hyper_encoder' else ''}"
        )
    return runs[source][1]


def _totals(module: ModuleOp) -> dict[str, int]:
    functions = summary(module)["functions"].values()
    return {"macs": sum(f["macs"] for f in functions), "params": sum(f["params"] for f in functions)}


def _compose(previous: dict[str, Any] | None, report: dict[str, Any]) -> dict[str, Any]:
    """A report relative to the imported model when the module was pruned before."""
    if previous is None:
        return report
    before = {layer["layer"]: layer["before"] for layer in previous["layers"]}
    for layer in report["layers"]:
        layer["before"] = before.get(layer["layer"], layer["before"])
    old = previous["kept"]
    new = {name: np.asarray(old[name])[idx].tolist() if name in old else idx for name, idx in report["kept"].items()}
    report["kept"] = old | new
    return report | {k: v for k, v in previous.items() if k.endswith("_before")}


def format_report(report: dict[str, Any]) -> str:
    """The report as text: one line per layer, then the totals and the measured change."""
    lines = [
        f"{_PASS}: criterion {report['criterion']}, ratio {report['ratio']:g}, multiple-of {report['multiple_of']}"
    ]
    for layer in report["layers"]:
        lines.append(f"  {layer['layer']:<22} {layer['before']:>5} -> {layer['after']}")

    def change(key: str, scale: float, unit: str) -> str:
        old, new = report[f"{key}_before"], report[f"{key}_after"]
        return f"{old / scale:.4g}{unit} -> {new / scale:.4g}{unit} ({100 * (new - old) / old:+.1f} %)" if old else "0"

    lines.append(f"  MACs per frame {change('macs', 1e6, ' M')}, parameters {change('params', 1e3, ' k')}")
    if "psnr_after" in report:
        lines.append(
            f"  on {report['images']} calibration images: PSNR {report['psnr_before']:.3f} -> "
            f"{report['psnr_after']:.3f} dB ({report['psnr_after'] - report['psnr_before']:+.3f} dB)"
        )
    if "bpp_after" in report:
        lines.append(
            f"  estimated bpp (latent entropy) {report['bpp_before']:.4f} -> {report['bpp_after']:.4f}"
        )
    return "\n".join(lines)
