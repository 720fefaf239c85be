"""The whole flow behind `licc`: import, the default pipeline, the build folder.

Researchers call `compile_model` directly; the CLI only parses options.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from lic_compiler.analysis import summary
from lic_compiler.buildfs import atomic_dir
from lic_compiler.dialects import hls
from lic_compiler.errors import LiccError
from lic_compiler.hw.design import MODULE_ATTR as HW_ATTR
from lic_compiler.hw.design import OBJECTIVES, SCOPES
from lic_compiler.hw.device import load_device
from lic_compiler.hw.report import frame_summary, render_frame, render_markdown, write_hardware_report
from lic_compiler.ir import make_context, print_module
from lic_compiler.pipeline_edit import expand_pipeline, pass_name, split_pipeline, with_pass_options
from lic_compiler.registry import parse_pipeline
from lic_compiler.timing import Timings, phase, recording

if TYPE_CHECKING:
    from torch import nn

# lic-rewrite-gdn's PSNR measurement interprets the float codec on the
# calibration images (minutes); `licc -p …lic-rewrite-gdn…` runs it.
DEFAULT_PIPELINE = (
    "convert-torch-to-lic,lic-rewrite-gdn{measure=false},lic-calibrate,lic-assign-precision,"
    "lic-quantize,convert-lic-to-hls,lic-set-parallelism"
)


def with_pruning(pipeline: str, options: str) -> str:
    """`pipeline` with `lic-prune-channels{options}` right after the conversion to lic."""
    head, sep, tail = pipeline.partition("convert-torch-to-lic")
    if not sep:
        raise LiccError("--prune needs convert-torch-to-lic in the pipeline")
    return f"{head}convert-torch-to-lic,lic-prune-channels{{{options}}}{tail}"


def with_options(pipeline: str, name: str, options: str) -> str:
    """`pipeline` with `options` given to the pass `name` wherever it appears without options."""
    if not options:
        return pipeline
    return ",".join(f"{p}{{{options}}}" if p.strip() == name else p for p in pipeline.split(","))


@dataclass(frozen=True)
class Hardware:
    """lic-set-parallelism's options as `licc --device …` sets them; None keeps the pipeline's."""

    device: str | None = None  # a bundled board's name, or the path of a board .json file
    clock_mhz: float | None = None
    util_cap: float | None = None  # a fraction of every resource: 0.8 is 80 %
    target_fps: float | None = None
    objective: str | None = None  # max-fps | min-resources
    scope: str | None = None  # joint | per-function

    def __post_init__(self) -> None:
        # Checked here, before the import, so a typo fails in a second, not after calibration.
        if self.device is not None:
            load_device(self.device)
        cap = self.util_cap
        if cap is not None and not 0 < cap <= 1:
            hint = f"; write {cap / 100:g} for {cap:g} %" if 1 < cap <= 100 else ""
            raise LiccError(f"--util-cap is a fraction of each resource in (0, 1], got {cap:g}{hint}")
        for flag, value in (("clock-mhz", self.clock_mhz), ("target-fps", self.target_fps)):
            if value is not None and value <= 0:
                raise LiccError(f"--{flag} must be positive, got {value:g}")
        for flag, value, choices in (("objective", self.objective, OBJECTIVES), ("scope", self.scope, SCOPES)):
            if value is not None and value not in choices:
                raise LiccError(f"--{flag} must be one of {', '.join(choices)}, got '{value}'")
        if self.objective == "min-resources" and self.target_fps is None:
            raise LiccError("--objective min-resources needs --target-fps, the frame rate to meet at least cost")

    def options(self) -> dict[str, str | float]:
        """The options given, keyed by their lic-set-parallelism names."""
        given = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name.replace("_", "-"): v for name, v in given.items() if v is not None}


@dataclass
class BuildOptions:
    parts: Sequence[str] | None = None
    frame: tuple[int, int] | None = None  # None: 1280x720, or a .pt2 program's own
    arch: str | None = None
    allow_pickle: bool = False
    pipeline: str = DEFAULT_PIPELINE
    dump_ir: bool = False
    csim: bool = False  # compile and run the C simulation against the interpreter
    image: Path | None = None  # its input image (default: a bundled BSDS500 crop)
    hardware: Hardware = field(default_factory=Hardware)

    def full_pipeline(self) -> str:
        """The pipeline to run: `...` and `+PASS` expanded, the hardware options set."""
        pipeline = expand_pipeline(self.pipeline, DEFAULT_PIPELINE)
        pipeline = with_pass_options(pipeline, "lic-set-parallelism", self.hardware.options())
        return hybrid_on_hardware(pipeline, self.hardware)


def hybrid_on_hardware(pipeline: str, hardware: Hardware) -> str:
    """`pipeline` with a hybrid `lic-assign-precision` given lic-set-parallelism's options too:
    the search scores the design this build solves (device, clock, cap, scope, objective)."""
    from xdsl.utils.arg_spec import parse_spec

    items = split_pipeline(pipeline)
    for i, item in enumerate(items):
        if pass_name(item) == "lic-assign-precision" and parse_spec(item).parameters.get("mode") == ("hybrid",):
            items[i] = with_pass_options(item, "lic-assign-precision", hardware.options())
    return ",".join(items)


@dataclass
class BuildResult:
    module: ModuleOp
    info: dict
    summary: dict
    ir_files: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase (`lic_compiler.timing`)


def compile_model(source: str | Path | nn.Module, out_dir: str | Path, options: BuildOptions) -> BuildResult:
    """Compile `source` into the build folder `out_dir` (written atomically).

    `source`: a checkpoint or `.pt2` path, ``ARCH:NxM``, or an `nn.Module`
    (a CompressAI model, or one's own: split into ``g_a``/``g_s``, or an
    encoder or a decoder alone; see `lic_compiler.frontend.parts`).
    """
    from lic_compiler.frontend import import_model

    with recording() as timings:
        pipeline = options.full_pipeline()  # before the import: a bad pipeline fails fast
        with phase("import"):
            imported = import_model(
                resolve_source(source),
                parts=options.parts,
                frame=options.frame,
                arch=options.arch,
                allow_pickle=options.allow_pickle,
            )
        _check_parts(pipeline, imported.info["parts"], options.csim)
        module = imported.module
        with phase("print IR"):
            texts = {"00-import.mlir": print_module(module)}
        lic_level = _run_pipeline(pipeline, module, texts, options.dump_ir, timings)
        with phase("print IR"):
            texts["final.mlir"] = print_module(module)
        golden = lic_level[-1] if lic_level else module
        with phase("summary"):
            report = {"model": imported.info, **summary(golden)}
        with atomic_dir(Path(out_dir)) as scratch:
            if HW_ATTR in module.attributes:  # lic-set-parallelism planned the hls design
                with phase("hardware report"):
                    report["hardware"] = write_hardware_report(module, scratch)
            with phase("hls emission"):
                report |= _hls_project(module, golden, scratch, options, tuple(imported.info["frame"]))
            report |= _pruning(golden, scratch)
            _precision(golden, scratch)
            if (padding := frame_summary(imported.info, report.get("hardware"))) is not None:
                report["padding"] = padding
            with phase("write files"):
                (scratch / "ir").mkdir()
                for name, text in texts.items():
                    (scratch / "ir" / name).write_text(text)
                (scratch / "report.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
                (scratch / "report.md").write_text(render_report(report))
                committed = time.perf_counter()  # the folder replaces out_dir when the block ends
        timings.add("write files", time.perf_counter() - committed)
    return BuildResult(module, imported.info, report, sorted(texts), timings.seconds)


def _check_parts(pipeline: str, parts: list[str], csim: bool) -> None:
    """Refuse, right after the import, a build that needs a part it does not compile."""
    compiled = ", ".join(f"@{p}" for p in parts)
    hybrid = any(p.name == "lic-assign-precision" and getattr(p, "mode", "") == "hybrid"
                 for p in parse_pipeline(pipeline).passes)
    if hybrid and not {"encoder", "decoder"} <= set(parts):
        raise LiccError(
            f"--precision hybrid measures the codec's PSNR through @encoder and @decoder, and this build "
            f"compiles {compiled} only; compile both (--part encoder,decoder) or use --precision uniform"
        )
    if csim:
        from lic_compiler.backends.hls_cpp.csim import SOURCES

        for part in parts:
            if (source := SOURCES.get(part)) is not None and source not in parts:
                raise LiccError(
                    f"--csim feeds @{part} the output of @{source} on the test image, and this build "
                    f"compiles {compiled} only; compile @{source} too (--part {source},{part}) or drop --csim"
                )


def _run_pipeline(pipeline: str, module: ModuleOp, texts: dict[str, str], dump_ir: bool, timings: Timings) -> list[ModuleOp]:
    """Run `pipeline` on `module`, verifying after each pass and timing each; returns the
    IR before the hls level (the reports' and the golden model), if the pipeline reaches it."""
    lic_level: list[ModuleOp] = []
    mark = [time.perf_counter()]
    running: list[str] = []  # the pass under way, timed even if it fails

    def between(previous: ModulePass | None, mod: ModuleOp, next_: ModulePass | None) -> None:
        if previous is not None:
            timings.add(f"pass {previous.name}", time.perf_counter() - mark[0])
        with phase("verify"):
            mod.verify()
            if previous is not None and dump_ir:
                texts[f"{len(texts):02d}-{previous.name}.mlir"] = print_module(mod)
            if next_ is not None and next_.name == "convert-lic-to-hls":
                lic_level.append(mod.clone())
        running[:] = [next_.name] if next_ is not None else []
        mark[0] = time.perf_counter()

    try:
        parse_pipeline(pipeline, between).apply(make_context(), module)
    except BaseException:
        for name in running:
            timings.add(f"pass {name}", time.perf_counter() - mark[0])
        raise
    return lic_level


def _hls_project(module: ModuleOp, golden: ModuleOp, scratch: Path, options: BuildOptions, frame) -> dict:
    """Emit ``hls/`` when the IR reached the hls level; with ``csim``, run the C simulation."""
    from lic_compiler.backends.hls_cpp import write_project
    from lic_compiler.backends.hls_cpp.emitter import dataflows

    if not any(isinstance(op, hls.DataflowOp) for op in module.walk()):
        if options.csim:
            raise LiccError("--csim needs the HLS design: end the pipeline with convert-lic-to-hls")
        return {}
    files = write_project(module, scratch / "hls")
    parts = [name for name, _ in dataflows(module)]
    out: dict = {"hls": {"parts": parts, "files": len(files)}}
    if options.csim:
        from lic_compiler.backends.hls_cpp.csim import run_csim

        with phase("csim"):
            out["csim"] = run_csim(golden, parts, scratch / "hls", options.image, frame)
    return out


def _pruning(golden: ModuleOp, scratch: Path) -> dict:
    """The pruning record, and the surviving latent channels the entropy coder needs."""
    from lic_compiler.pruning import latent_channels, pruning_record

    record = pruning_record(golden)
    if record is None:
        return {}
    if (kept := latent_channels(golden)) is not None:
        (scratch / "latent_channels.json").write_text(json.dumps(kept) + "\n")
    return {"pruning": record}


def _precision(golden: ModuleOp, scratch: Path) -> None:
    """The widths the build used, as a precision file (`licc --precision-file`): a hybrid
    search's answer builds for another device or frame without searching again."""
    from lic_compiler.quant import attrs

    if (summary := attrs.get(golden, attrs.PRECISION)) is not None:
        (scratch / "precision.json").write_text(json.dumps(summary, indent=1) + "\n")


_SPEC = re.compile(r"^(?P<arch>[a-z0-9-]+):(?P<N>\d+)x(?P<M>\d+)$")


def resolve_source(source: str | Path):
    """A model path, or ``ARCH:NxM`` for an untrained network of that shape.

    Untrained networks (seeded, so builds stay deterministic) serve hardware
    exploration: the cost model needs shapes, not trained weights.
    """
    match = _SPEC.match(str(source))
    if match is None or Path(source).exists():
        return source
    import torch

    from lic_compiler.models import build

    torch.manual_seed(0)
    model = build(match["arch"], int(match["N"]), int(match["M"]))
    model.update(force=True)
    return model


def render_report(report: dict) -> str:
    """A person-readable Markdown report of the build."""
    info = report["model"]
    lines = [
        "# licc build report",
        "",
        f"Model: `{info.get('source', '?')}` — {info.get('arch', 'custom')}"
        + (f", N={info['N']}, M={info['M']}" if "N" in info else ""),
        f"Frame: {info['frame'][0]}×{info['frame'][1]}"
        + (f" (padded to {info['padded_frame'][0]}×{info['padded_frame'][1]})" if "padded_frame" in info else ""),
        "",
        "| function | layers | parameters | MACs per frame |",
        "|---|---:|---:|---:|",
    ]
    for name, total in report["functions"].items():
        lines.append(
            f"| {name} | {total['layers']} | {total['params']:,} | {total['macs'] / 1e9:.2f} G |"
        )
    lines += ["", "| function | # | op | input | output | parameters | MACs |", "|---|---:|---|---|---|---:|---:|"]
    for row in report["layers"]:
        lines.append(
            f"| {row['function']} | {row['layer']} | `{row['op']}` | {_shape(row['input'])} "
            f"| {_shape(row['output'])} | {row['params']:,} | {row['macs'] / 1e6:,.1f} M |"
        )
    if "padding" in report:
        lines += ["", render_frame(report["padding"]).rstrip("\n")]
    if "hardware" in report:
        lines += ["", render_markdown(report["hardware"]).rstrip("\n")]
    if "csim" in report:
        from lic_compiler.backends.hls_cpp.csim import render_markdown as render_csim

        lines += ["", render_csim(report["csim"]).rstrip("\n")]
    return "\n".join(lines) + "\n"


def _shape(shape: Sequence[int]) -> str:
    return "×".join(str(d) for d in shape)
