"""The licc checkpoint format, and loading of anything a user is likely to hand us.

A licc checkpoint is a plain dict, readable with ``torch.load(weights_only=True)``::

    {"format": "licc-checkpoint/1", "arch": "bmshj2018-factorized",
     "config": {"N": 64, "M": 96, "gdn": "standard", "lmbda": 0.0067, ...},
     "state_dict": {... including the entropy models' CDF tables ...}}

A pruned model's config also holds ``widths`` (every convolution's output
width, see `arch.set_widths`) and, when its latent was pruned,
``latent_channels`` (the original latent channels it keeps, in order).

`load_checkpoint` also takes a bare CompressAI state_dict (architecture inferred
from its keys and shapes) and, only on explicit opt-in, a pickled nn.Module.
"""

from __future__ import annotations

import copy
import os
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

from lic_compiler.errors import LiccError
from lic_compiler.models.arch import ARCHITECTURES, MODEL_CLASSES, build, gdn_variant

FORMAT = "licc-checkpoint/1"
_PICKLE_ADVICE = (
    "unpickling it can run arbitrary code. Save a CompressAI architecture's state_dict "
    "(torch.save(model.state_dict(), path)), export an architecture of your own with torch.export "
    "(torch.export.save(torch.export.export(model, (x,)), 'model.pt2')), "
    "or pass --allow-pickle if you trust the file"
)
_EXPORT_ROUTE = (
    "for an architecture of your own, export the model with torch.export "
    "(torch.export.save(torch.export.export(model, (x,)), 'model.pt2')) and compile the .pt2"
)


def save_checkpoint(path: str | os.PathLike, model: nn.Module, arch: str, config: dict) -> None:
    """Write `model` as a licc checkpoint, with fresh CDF tables, atomically.

    The entropy bottleneck's quantiles (its coding range) are solved for by
    bisection first: the aux loss moves them only ~lr per step, too slowly for
    short trainings, and a range that is too narrow costs real bits.
    """
    model = _unwrap(model)
    model.update(force=True, update_quantiles=True)
    config = {"N": int(model.N), "M": int(model.M), "gdn": gdn_variant(model)} | config
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    atomic_save({"format": FORMAT, "arch": arch, "config": config, "state_dict": state}, path)


def atomic_save(obj: Any, path: str | os.PathLike) -> None:
    """torch.save to a temporary file beside `path`, then rename: never a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_checkpoint(
    path: str | os.PathLike,
    *,
    arch: str | None = None,
    allow_pickle: bool = False,
    allow_custom: bool = False,
) -> tuple[nn.Module, dict]:
    """The eval-mode model in `path` and its metadata ``{"arch", "config"}``.

    `arch`, when given, is the architecture the caller needs: a checkpoint of
    another one is an error. `allow_custom` accepts a pickled module of any
    class (the compiler imports a user's own network built from supported
    layers) as ``{"arch": "custom", "config": {}}``.
    """
    obj = _read(Path(path), allow_pickle)
    name = Path(path).name
    if isinstance(obj, nn.Module) and allow_custom and arch is None and not _is_known(obj):
        return _unwrap(obj).eval(), {"arch": "custom", "config": {}}
    if isinstance(obj, nn.Module):
        state, meta = _unwrap(obj).state_dict(), _meta_of_module(_unwrap(obj), name)
    elif isinstance(obj, dict) and obj.get("format") == FORMAT:
        state, meta = obj["state_dict"], {"arch": obj["arch"], "config": dict(obj["config"])}
    elif isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        state = obj["state_dict"]
        meta = _infer(_strip_prefix(state), name)
    elif isinstance(obj, dict) and obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
        state = obj
        meta = _infer(_strip_prefix(state), name)
    else:
        raise LiccError(
            f"{name} holds a {type(obj).__name__}, not a model; expected a licc checkpoint "
            "or a CompressAI state_dict (save one with torch.save(model.state_dict(), path))"
        )
    if arch is not None and meta["arch"] != arch:
        raise LiccError(f"{name} holds a {meta['arch']} model; a {arch} checkpoint is needed here")
    model = _instantiate(_strip_prefix(state), meta, name)
    return model.eval(), meta


def _read(path: Path, allow_pickle: bool) -> Any:
    if not path.is_file():
        raise LiccError(f"checkpoint {path} does not exist; check the path")
    try:
        return torch.load(path, weights_only=True, map_location="cpu")
    except Exception as e:  # torch.load raises many types for unreadable input
        unsafe = _unsafe_globals(path)
        if not unsafe:
            raise LiccError(_unreadable(path, e)) from None
    if not allow_pickle:
        kind = "a pickled nn.Module" if _names_module(unsafe) else f"pickled Python objects ({unsafe[0]})"
        raise LiccError(f"{path.name} is {kind}; {_PICKLE_ADVICE}")
    try:
        return torch.load(path, weights_only=False, map_location="cpu")
    except (ModuleNotFoundError, AttributeError) as e:
        raise LiccError(_missing_class(path, e, unsafe)) from None
    except Exception as e:
        raise LiccError(f"{path.name} could not be unpickled ({type(e).__name__}: {e}); {_EXPORT_ROUTE}") from None


def _missing_class(path: Path, error: Exception, globals_: list[str]) -> str:
    """The fix for a pickle whose class Python cannot import: the module it lives in on the path."""
    # A class of the saving script is `__main__.X` in the pickle, whatever `__main__` is now.
    script = next((g for g in globals_ if g.startswith("__main__.")), None)
    if script is not None:
        return (
            f"{path.name} pickles {script}, a class defined in the script that saved it; move the class "
            f"into a module, save again and put that module's folder on PYTHONPATH, or {_EXPORT_ROUTE}"
        )
    if isinstance(error, ModuleNotFoundError) and error.name:
        module = error.name
    else:  # "Can't get attribute 'Codec' on <module 'codec' from ...>"
        match = re.search(r"attribute '([^']+)' on <module '([^']+)'", str(error))
        if match is None:
            return f"{path.name} could not be unpickled ({type(error).__name__}: {error}); {_EXPORT_ROUTE}"
        module = match[2]
    wanted = next((g for g in globals_ if g.startswith(module + ".")), module)
    return (
        f"{path.name} pickles {wanted}, but Python cannot import module {module!r}; put the folder "
        f"holding {module.split('.')[0]!r} on PYTHONPATH (PYTHONPATH=/path/to/src licc …), or {_EXPORT_ROUTE}"
    )


def _unsafe_globals(path: Path) -> list[str]:
    """The classes and functions a pickle would import: non-empty only for a readable pickle."""
    try:
        return torch.serialization.get_unsafe_globals_in_checkpoint(path)
    except Exception:
        return []


def _names_module(globals_: list[str]) -> bool:
    prefixes = ("torch.nn.", "compressai.", "lic_compiler.models.")
    return any(g.startswith(prefixes) for g in globals_)


def _unreadable(path: Path, error: Exception) -> str:
    with path.open("rb") as f:
        head = f.read(4)
    if not head:
        return f"{path.name} is empty; re-save or re-download the checkpoint"
    if head == b"PK\x03\x04" and not zipfile.is_zipfile(path):
        return f"{path.name} is truncated (incomplete zip archive); re-save or re-download the checkpoint"
    if head == b"PK\x03\x04":
        return f"{path.name} is a corrupt PyTorch file ({type(error).__name__}); re-save or re-download the checkpoint"
    return f"{path.name} is not a PyTorch checkpoint (unrecognised bytes); pass a file written by torch.save"


def _strip_prefix(state: dict) -> dict:
    """Drop the ``module.`` prefix that DistributedDataParallel adds to every key."""
    if state and all(k.startswith("module.") for k in state):
        return {k.removeprefix("module."): v for k, v in state.items()}
    return state


def _infer(state: dict, name: str) -> dict:
    """Architecture and widths from keys and shapes, as CompressAI's `from_state_dict` reads them."""
    if "g_a.0.weight" not in state or "g_a.6.weight" not in state or "g_a.1.beta" not in state:
        raise LiccError(
            f"{name} is a state_dict of an unknown architecture: expected the keys of one of "
            f"{', '.join(ARCHITECTURES)} (g_a.0.weight, g_a.1.beta, g_a.6.weight, entropy_bottleneck.*), "
            f"found {_sample_keys(state)}; {_EXPORT_ROUTE}"
        )
    N, M = state["g_a.0.weight"].shape[0], state["g_a.6.weight"].shape[0]
    if "h_s.4.weight" not in state:
        arch = "bmshj2018-factorized"
    elif state["h_s.4.weight"].shape[0] == 2 * M:
        arch = "mbt2018-mean"
    else:
        arch = "bmshj2018-hyperprior"
    # Shapes cannot tell the GDN forms apart: a bare state_dict is taken as standard GDN.
    return {"arch": arch, "config": {"N": int(N), "M": int(M), "gdn": "standard"}}


def _sample_keys(state: dict, limit: int = 4) -> str:
    keys = list(state)
    more = f" … ({len(keys)} keys)" if len(keys) > limit else ""
    return ", ".join(keys[:limit]) + more


def _instantiate(state: dict, meta: dict, name: str) -> nn.Module:
    cfg = meta["config"]
    model = build(meta["arch"], cfg["N"], cfg["M"], cfg.get("gdn", "standard"), cfg.get("widths"))
    try:
        model.load_state_dict(dict(state))
    except RuntimeError as e:
        detail = str(e).splitlines()[1].strip() if len(str(e).splitlines()) > 1 else str(e)
        raise LiccError(
            f"{name} does not fit a {meta['arch']} model with N={cfg['N']}, M={cfg['M']}: "
            f"{detail[:300]}; pass the checkpoint's own architecture"
        ) from None
    model.update()  # only fills CDF tables that are missing (a state_dict saved before update())
    return model


def _is_known(model: nn.Module) -> bool:
    return type(_unwrap(model)) in MODEL_CLASSES.values()


def _meta_of_module(model: nn.Module, name: str) -> dict:
    for arch, cls in MODEL_CLASSES.items():
        if type(model) is cls:
            return {"arch": arch, "config": {"N": int(model.N), "M": int(model.M), "gdn": gdn_variant(model)}}
    raise LiccError(
        f"{name} is a pickled {type(model).__name__}, not one of {', '.join(ARCHITECTURES)}; "
        "licc compiles only these families"
    )


def _unwrap(model: nn.Module) -> nn.Module:
    """The model inside a DistributedDataParallel wrapper, or the model itself."""
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model


def copy_model(model: nn.Module) -> nn.Module:
    """A deep copy of the bare model, e.g. to update its CDF tables without touching the trained one."""
    return copy.deepcopy(_unwrap(model))
