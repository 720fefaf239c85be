"""PyTorch → torch-dialect IR: load, swap GDNs, torch.export, torch-mlir, xDSL.

Every part becomes one `func.func` named after it, all in one module. The
weights arrive as `dense_resource` blobs whose handles are renamed to content
hashes before xDSL parses them (xDSL keeps blobs in one process-wide table, and
torch-mlir's names, like `torch_tensor_8_torch.float32`, repeat across
imports).
"""

from __future__ import annotations

import copy
import hashlib
import logging
import re
import time
import traceback
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.export import ExportedProgram
from torch.export.graph_signature import InputKind
from xdsl.dialects.builtin import ModuleOp

from lic_compiler.errors import LiccError
from lic_compiler.frontend.frame import DEFAULT_FRAME, check_frame, format_frame
from lic_compiler.frontend.parts import (
    STRIDES,
    Shape,
    architecture_of,
    family_stride,
    framed_parts,
    geometry,
    part_modules,
    program_probe,
    shapes_geometry,
)
from lic_compiler.ir import parse_module


@dataclass
class ImportResult:
    """The imported IR, what it was made from, and where the time went."""

    module: ModuleOp
    """One `func.func` per part, in the torch dialect."""
    info: dict[str, Any]
    """source, arch, parts, frame; N, M, gdn and stride when the model tells them."""
    model: nn.Module | ExportedProgram
    """The eval-mode model as loaded (GDNs not swapped), or the loaded program."""
    references: dict[str, nn.Module] = field(repr=False)
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds in "export" (torch.export), "torch_mlir" (import and printing),
    "rewrite" (location and resource-handle rewriting) and "parse" (xDSL)."""

    def reference(self, part: str) -> nn.Module:
        """The PyTorch callable that function `@part` computes (GDNs not swapped)."""
        if part not in self.references:
            raise LiccError(f"no part {part!r} was imported; imported: {', '.join(self.references)}")
        return self.references[part]


def import_model(
    source: str | Path | nn.Module,
    *,
    parts: Sequence[str] | None = None,
    frame: tuple[int, int] | None = None,
    arch: str | None = None,
    allow_pickle: bool = False,
) -> ImportResult:
    """Import a checkpoint, a `.pt2` program or an `nn.Module` as torch-dialect IR.

    `parts=None` imports every part the model has; `frame` (width, height)
    defaults to 1280×720, or to the input size a `.pt2` program was exported at.
    An `nn.Module` source is put in eval mode.
    """
    if isinstance(source, nn.Module):
        return _import_module(source.eval(), f"<{type(source).__name__}>", parts, frame, arch)
    path = Path(source)
    if path.suffix == ".pt2":
        return _import_program(path, parts, frame)
    if not path.exists() and re.fullmatch(r"[a-z0-9-]+:.*", str(source)):
        raise LiccError(
            f"{source} is neither a file nor ARCH:NxM; an untrained network is written ARCH:NxM, "
            f"e.g. bmshj2018-factorized:64x96 (ARCH one of {', '.join(STRIDES)})"
        )
    from lic_compiler.models import load_checkpoint

    model, _meta = load_checkpoint(path, arch=arch, allow_pickle=allow_pickle, allow_custom=True)
    return _import_module(model, str(path), parts, frame, arch)


def _import_module(
    model: nn.Module,
    source: str,
    parts: Sequence[str] | None,
    frame: tuple[int, int] | None,
    arch: str | None,
) -> ImportResult:
    family = architecture_of(model)
    if arch is not None and family != arch:
        raise LiccError(f"{source} is a {family or type(model).__name__} model, not {arch}")
    frame = frame or DEFAULT_FRAME
    info: dict[str, Any] = {"source": source, "arch": family or "custom"}
    if family is not None:
        from lic_compiler.models.arch import gdn_variant

        info |= {"N": int(model.N), "M": int(model.M), "gdn": gdn_variant(model), "stride": family_stride(family)}
    available = part_modules(model, family)
    wanted = _select_parts(parts, available, info["arch"])
    available, shapes, padded = framed_parts(available, wanted, frame, family)
    start = time.perf_counter()
    programs = {part: _export(available[part], shapes[part], part) for part in wanted}
    timings = {"export": time.perf_counter() - start}
    module = _to_ir(programs, source, timings)
    info |= {"parts": wanted, "frame": list(frame)}
    if padded != frame:
        info["padded_frame"] = list(padded)
    references = {part: available[part] for part in wanted}
    return ImportResult(module, info, model, references, timings)


def _select_parts(parts: Sequence[str] | None, available: dict[str, nn.Module], arch: str) -> list[str]:
    if parts is None:
        return list(available)
    unknown = [p for p in parts if p not in available]
    if unknown:
        raise LiccError(f"{arch} has no part {unknown[0]!r}; choose from {', '.join(available)}")
    if not parts:
        raise LiccError(f"no part selected; choose from {', '.join(available)}")
    return list(dict.fromkeys(parts))


def _export(module: nn.Module, shape: tuple[int, ...], part: str) -> ExportedProgram:
    """torch.export of `module` with its GDNs swapped for the custom op, static shapes."""
    from lic_compiler.frontend.gdn_op import swap_gdn

    exportable = swap_gdn(copy.deepcopy(module)).eval()
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return torch.export.export(exportable, (torch.zeros(shape),), strict=False)
    except Exception as e:  # torch.export raises many kinds of errors
        layer = _failing_layer(e, exportable)
        where = f" at layer {layer!r}" if layer else ""
        raise LiccError(
            f"torch.export cannot trace the {part}{where} ({type(e).__name__}: {_first_line(e)}); "
            "make the layer traceable (no data-dependent control flow) or replace it"
        ) from None


def _failing_layer(error: Exception, root: nn.Module) -> str | None:
    """The innermost submodule of `root` whose forward was running when `error` was raised."""
    names = {id(m): name for name, m in root.named_modules() if name}
    layer = None
    for frame, _line in traceback.walk_tb(error.__traceback__):
        owner = frame.f_locals.get("self")
        if id(owner) in names:
            layer = names[id(owner)]
    return layer


def _first_line(error: Exception) -> str:
    text = next((ln.strip() for ln in str(error).splitlines() if ln.strip()), "")
    return text[:200]


def _import_program(path: Path, parts: Sequence[str] | None, frame: tuple[int, int] | None) -> ImportResult:
    program = _load_program(path)
    given, out = _program_shapes(program, path)
    geo = geometry(program_probe(program), given[1])
    if geo.scale is None:  # a graph that runs only at its own size
        geo = shapes_geometry(given, out)
    image = out if given[1] != 3 and len(out) == 4 and out[1] == 3 else given
    own = (int(image[3]), int(image[2]))
    if frame is not None and tuple(frame) != own:
        raise LiccError(
            f"{path.name} was exported for {format_frame(own)} images, not {format_frame(frame)}; "
            "a torch.export program has static shapes: re-export it at that size or omit --frame"
        )
    if (stride := geo.stride()) is not None:
        check_frame(own, stride, path.name, "re-export the program at that size")
    name = geo.role
    if parts is not None and list(parts) != [name]:
        raise LiccError(f"{path.name} is one torch.export program; its only part is {name!r}")
    timings = {"export": 0.0}
    module = _to_ir({name: program}, str(path), timings)
    info = {"source": str(path), "arch": "custom", "parts": [name], "frame": list(own)}
    return ImportResult(module, info, program, {name: program.module()}, timings)


def _load_program(path: Path) -> ExportedProgram:
    if not path.is_file():
        raise LiccError(f"program {path} does not exist; check the path")
    torch_log = logging.getLogger("torch.export")
    level = torch_log.level
    torch_log.setLevel(logging.CRITICAL)  # it logs a traceback before raising
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return torch.export.load(path)
    except Exception as e:  # a corrupt archive raises many kinds of errors
        raise LiccError(
            f"{path.name} is not a readable torch.export program ({type(e).__name__}); "
            "write it with torch.export.save"
        ) from None
    finally:
        torch_log.setLevel(level)


def _program_shapes(program: ExportedProgram, path: Path) -> tuple[Shape, Shape]:
    """The shapes of the program's one input, which must be static NCHW, and of its first output."""
    specs = program.graph_signature.input_specs
    inputs = [s.arg.name for s in specs if s.kind == InputKind.USER_INPUT]
    nodes = {n.name: n for n in program.graph.nodes}
    shape = tuple(nodes[inputs[0]].meta["val"].shape) if len(inputs) == 1 else ()
    output = next(n for n in program.graph.nodes if n.op == "output").args[0][0]
    out = tuple(getattr(output, "meta", {}).get("val", torch.empty(0)).shape)
    if len(shape) != 4 or not all(isinstance(d, int) for d in shape + out):
        raise LiccError(
            f"{path.name} takes {[list(nodes[n].meta['val'].shape) for n in inputs]}; licc needs one "
            "static NCHW tensor (export without dynamic_shapes)"
        )
    return shape, out


# --- torch-mlir and xDSL ---------------------------------------------------------


def _to_ir(programs: dict[str, ExportedProgram], source: str, timings: dict[str, float]) -> ModuleOp:
    """One torch-mlir module with a function per program, parsed by xDSL."""
    from torch_mlir import fx
    from torch_mlir import ir as mlir
    from torch_mlir.dialects import torch as torch_d
    from torch_mlir.extras.fx_importer import FxImporter

    start = time.perf_counter()
    context = mlir.Context()
    torch_d.register_dialect(context)
    importer = FxImporter(context=context, hooks=_weight_hooks())
    for name, program in programs.items():
        try:
            fx.export_and_import(program, output_type="raw", fx_importer=importer, func_name=name)
        except Exception as e:  # torch-mlir's importer raises many kinds of errors
            raise LiccError(
                f"torch-mlir cannot import the {name} ({type(e).__name__}: {_first_line(e)}); "
                "replace the layer that produces it"
            ) from None
    # Debug info keeps each op's Python source location for conversion's diagnostics.
    text = importer.module.operation.get_asm(enable_debug_info=True)
    timings["torch_mlir"] = time.perf_counter() - start

    start = time.perf_counter()
    text = hash_resources(inline_locations(text))
    timings["rewrite"] = time.perf_counter() - start
    start = time.perf_counter()
    module = parse_module(text, f"<import of {source}>")
    timings["parse"] = time.perf_counter() - start
    return module


def _weight_hooks():
    """torch-mlir hooks that turn float32 weights into blobs straight from numpy.

    torch-mlir's default goes through `tensor.tolist()` (it must cope with fake
    tensors), which took 40 % of a 720p import; frozen weights are real tensors.
    The bytes are identical.
    """
    from torch_mlir import ir as mlir
    from torch_mlir.extras.fx_importer import FxImporterHooks

    class WeightHooks(FxImporterHooks):
        def resolve_literal(self, gni: Any, literal: Any, info: Any) -> Any:
            if not isinstance(literal, torch.Tensor) or literal.dtype != torch.float32:
                return None
            if literal.numel() <= 1 or isinstance(literal, torch._subclasses.FakeTensor):
                return None  # splats and fake tensors: torch-mlir's own path
            shape = list(literal.shape)
            array = literal.detach().contiguous().numpy()
            ttype = mlir.RankedTensorType.get(shape, mlir.F32Type.get())
            blob = mlir.DenseResourceElementsAttr.get_from_buffer(array, "torch_tensor", ttype)
            vtype = mlir.Type.parse(f"!torch.vtensor<[{','.join(map(str, shape))}],f32>")
            literal_op = mlir.Operation.create(
                "torch.vtensor.literal", results=[vtype], attributes={"value": blob}
            )
            return literal_op.result

    return WeightHooks()


_LOC_ALIAS_DEF = re.compile(r"^(#loc\d*) = loc\((.*)\)$", re.MULTILINE)
_LOC_ALIAS_USE = re.compile(r"#loc\d*\b")


def inline_locations(text: str) -> str:
    """Replace MLIR's location aliases (`loc(#loc3)`, `#loc3 = loc(…)`) by their values.

    xDSL does not read location aliases, and MLIR may define them after use.
    """
    body, sep, resources = text.partition("\n{-#")
    aliases = dict(_LOC_ALIAS_DEF.findall(body))
    resolved: dict[str, str] = {}

    def value(name: str) -> str:
        if name not in resolved:
            resolved[name] = _LOC_ALIAS_USE.sub(lambda m: value(m[0]), aliases[name])
        return resolved[name]

    body = _LOC_ALIAS_DEF.sub("", body).strip("\n")
    return _LOC_ALIAS_USE.sub(lambda m: value(m[0]), body) + "\n" + sep + resources


_RESOURCE_ENTRY = re.compile(r'(?<![\w.$-])([\w.$-]+): "(0x[0-9A-Fa-f]*)"')
_RESOURCE_USE = re.compile(r"dense_resource<([\w.$-]+)>")


def hash_resources(text: str) -> str:
    """Rename every `dense_resource` handle to `t_<sha256 of its blob>`.

    Equal handles then mean equal bytes, across imports, and the same model
    always prints the same text.
    """
    body, _, resources = text.partition("\n{-#")
    blobs = _RESOURCE_ENTRY.findall(resources)
    if not blobs:
        return text
    names = {old: "t_" + hashlib.sha256(blob.encode()).hexdigest()[:16] for old, blob in blobs}
    body = _RESOURCE_USE.sub(lambda m: f"dense_resource<{names[m[1]]}>", body)
    unique = dict(sorted((names[old], blob) for old, blob in blobs))
    entries = ",\n".join(f'      {handle}: "{blob}"' for handle, blob in unique.items())
    return f"{body}\n{{-#\n  dialect_resources: {{\n    builtin: {{\n{entries}\n    }}\n  }}\n#-}}\n"
