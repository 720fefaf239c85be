"""Pruned IR back to PyTorch: a checkpoint of the same family with smaller widths.

The original checkpoint's tensors are sliced with the channel indices the
pass recorded, so every kept weight is bit-identical; the biases are the
IR's (the pass may fold dropped channels' means into them). GDN's β and γ are
sliced in their raw parametrisation, which is elementwise, so their
reparametrised values are exactly the IR's. The entropy bottleneck's
per-channel parameters and CDF tables go with their channels: the exported
model codes each kept channel exactly as the original did.

The config records the new widths (`models.arch.set_widths`) and, when the
latent was pruned, ``latent_channels``: the original latent channels kept.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from compressai.layers import GDN
from torch import nn
from xdsl.dialects.builtin import ModuleOp
from xdsl.dialects.func import FuncOp
from xdsl.ir import SSAValue

from lic_compiler.dialects import lic
from lic_compiler.errors import LiccError
from lic_compiler.models.arch import build, conv_widths
from lic_compiler.models.checkpoint import FORMAT, atomic_save, load_checkpoint
from lic_compiler.pruning.channels import channel_groups, convs, functions, weight
from lic_compiler.pruning.record import pruning_record

# IR function ↔ the CompressAI transform it was imported from.
FUNCTION_OF = {"encoder": "g_a", "decoder": "g_s", "hyper_encoder": "h_a", "hyper_decoder": "h_s"}
_BOTTLENECK = "entropy_bottleneck."
_PER_CHANNEL = ("quantiles", "_offset", "_quantized_cdf", "_cdf_length", "matrices.", "biases.", "factors.")

Indices = Callable[[SSAValue], torch.Tensor | None]


def export_checkpoint(module: ModuleOp, checkpoint: str | Path, out: str | Path) -> dict[str, Any]:
    """Write pruned `module` as a checkpoint sliced from `checkpoint` (its source); return its config."""
    record = pruning_record(module)
    if record is None:
        raise LiccError("the IR has no lic.pruning record; run lic-prune-channels before exporting")
    model, meta = load_checkpoint(checkpoint)
    state = dict(model.state_dict())
    kept = {name: torch.tensor(idx) for name, idx in record["kept"].items()}
    channels = channel_groups(module)
    funcs = functions(module)

    def indices(value: SSAValue) -> torch.Tensor | None:
        return kept.get(channels.of[value].name)

    transforms = conv_widths(model)
    for function, transform in FUNCTION_OF.items():
        if transform not in transforms:
            continue
        if function not in funcs:
            raise LiccError(
                f"exporting needs every part of the model in the IR, and @{function} is missing; "
                "import the checkpoint with all its parts"
            )
        _slice_transform(state, transform, getattr(model, transform), funcs[function], indices, Path(checkpoint).name)
    coded = kept.get("hyper_latent" if "h_a" in transforms else "latent")
    if coded is not None:
        _slice_bottleneck(state, coded)
    config = _config(meta["config"], model, state, record["kept"].get("latent"))
    pruned = build(meta["arch"], config["N"], config["M"], config.get("gdn", "standard"), config["widths"])
    pruned.load_state_dict(state)  # CompressAI's: resizes the CDF-table buffers
    atomic_save({"format": FORMAT, "arch": meta["arch"], "config": config, "state_dict": pruned.state_dict()}, out)
    return config


def _slice_transform(
    state: dict[str, torch.Tensor], transform: str, layers: nn.Module, function: FuncOp, indices: Indices, source: str
) -> None:
    named = [(f"{transform}.{name}", layer) for name, layer in layers.named_children()]
    torch_convs = [(p, m) for p, m in named if isinstance(m, nn.Conv2d | nn.ConvTranspose2d)]
    torch_gdns = [p for p, m in named if isinstance(m, GDN)]
    ir_convs = convs(function)
    ir_gdns = [op for op in function.body.ops if isinstance(op, lic.GdnOp)]
    if len(torch_convs) != len(ir_convs) or len(torch_gdns) != len(ir_gdns):
        raise _not_the_source(source, transform, function)
    for (prefix, layer), op in zip(torch_convs, ir_convs):
        out_axis, in_axis = (0, 1) if isinstance(layer, nn.Conv2d) else (1, 0)
        w = state[f"{prefix}.weight"]
        if (out := indices(op.output)) is not None:
            w = w.index_select(out_axis, out)
        if (inp := indices(op.input)) is not None:
            w = w.index_select(in_axis, inp)
        if not np.array_equal(w.numpy(), weight(op, op.weight)):
            raise _not_the_source(source, transform, function)
        state[f"{prefix}.weight"] = w
        # From the IR: the pass may have folded dropped channels' means into it.
        state[f"{prefix}.bias"] = torch.from_numpy(np.array(weight(op, op.bias)))
    for prefix, op in zip(torch_gdns, ir_gdns):
        if (idx := indices(op.input)) is not None:
            state[f"{prefix}.beta"] = state[f"{prefix}.beta"][idx]
            state[f"{prefix}.gamma"] = state[f"{prefix}.gamma"][idx][:, idx]


def _not_the_source(source: str, transform: str, function: FuncOp) -> LiccError:
    return LiccError(
        f"{source}'s {transform} differs from @{function.sym_name.data} of the IR; "
        "export with the checkpoint the IR was imported from"
    )


def _slice_bottleneck(state: dict[str, torch.Tensor], idx: torch.Tensor) -> None:
    for key in state:
        if key.startswith(_BOTTLENECK) and key.removeprefix(_BOTTLENECK).startswith(_PER_CHANNEL):
            state[key] = state[key][idx]


def _config(config: dict, model: nn.Module, state: dict[str, torch.Tensor], latent: list[int] | None) -> dict:
    """The source's config with the new widths, M and (composed with earlier pruning) latent channels."""
    widths = {
        t: [_out_channels(state, f"{t}.{name}", layer) for name, layer in getattr(model, t).named_children()
            if isinstance(layer, nn.Conv2d | nn.ConvTranspose2d)]
        for t in conv_widths(model)
    }
    config = dict(config) | {"M": widths["g_a"][-1], "widths": widths}
    if latent is not None:
        earlier = config.get("latent_channels")
        config["latent_channels"] = [earlier[i] for i in latent] if earlier else latent
    return config


def _out_channels(state: dict[str, torch.Tensor], prefix: str, layer: nn.Module) -> int:
    return int(state[f"{prefix}.weight"].shape[0 if isinstance(layer, nn.Conv2d) else 1])


def prune_checkpoint(
    checkpoint: str | Path, out: str | Path, options: str = "", frame: tuple[int, int] = (256, 256)
) -> dict[str, Any]:
    """Import every part of `checkpoint`, prune with `options`, export to `out`; return the report.

    `options` are the pass's, e.g. ``"ratio=0.25 multiple-of=8"``; `frame`
    is the size the calibration images are fitted to.
    """
    from lic_compiler.frontend import import_model
    from lic_compiler.ir import make_context
    from lic_compiler.registry import parse_pipeline

    module = import_model(checkpoint, frame=frame).module
    spec = f"convert-torch-to-lic,lic-prune-channels{{{options}}}" if options else "convert-torch-to-lic,lic-prune-channels"
    parse_pipeline(spec).apply(make_context(), module)
    export_checkpoint(module, checkpoint, out)
    record = pruning_record(module)
    assert record is not None
    return record
