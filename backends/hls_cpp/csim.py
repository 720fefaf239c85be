"""C simulation of an emitted project with g++: compile, run, compare with the interpreter.

Each part's testbench is built in up to two variants: ``std`` (standard
integer types, no vendor header on the include path) and ``ap`` (Xilinx's
``ap_int.h`` and ``hls_stream.h``, found in ``$LICC_AP_TYPES``,
``$XILINX_HLS/include`` or hls4ml's wheel), both with ``-Wall -Werror``. The
run streams an input tensor through the design and every output integer is
compared with the interpreter's. Built with ``count_iters``, every kernel
also counts its pipelined loop's iterations and those that read and write
(`loop_counts`), to compare with `lic_compiler.hls_schedule` (`schedule_counts`).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from lic_compiler.errors import LiccError

CXX = os.environ.get("CXX", "g++")
CXXFLAGS = ["-std=c++14", "-O2", "-Wall", "-Werror", "-Wno-unknown-pragmas"]
VARIANTS = ("std", "ap")


def ap_types_dir() -> Path | None:
    """The folder holding Xilinx's ``ap_int.h``, if any is installed."""
    candidates = [os.environ.get("LICC_AP_TYPES")]
    if os.environ.get("XILINX_HLS"):
        candidates.append(os.path.join(os.environ["XILINX_HLS"], "include"))
    try:
        import hls4ml  # type: ignore[import-untyped]

        candidates.append(str(Path(hls4ml.__file__).parent / "templates" / "vivado" / "ap_types"))
    except ImportError:
        pass
    return next((Path(c) for c in candidates if c and (Path(c) / "ap_int.h").is_file()), None)


def available_variants() -> tuple[str, ...]:
    return VARIANTS if ap_types_dir() is not None else ("std",)


def combined_source(hls_dir: Path, parts: list[str]) -> str:
    """One translation unit with every part's design and testbench, and a `main` that
    runs ``PROGRAM PART INPUT.npy OUTPUT.npy`` (one g++ run per type variant)."""
    lines = ["// licc C simulation: every part in one program (generated).", "#include <cstring>"]
    for part in parts:
        folder = (hls_dir / part).resolve()
        lines += [
            f'#include "{folder / f"{part}.cpp"}"',
            f"#define main licc_tb_{part}",
            f'#include "{folder / f"tb_{part}.cpp"}"',
            "#undef main",
        ]
    lines += ["", "int main(int argc, char **argv) {"]
    for part in parts:
        lines.append(f'    if (argc == 4 && !std::strcmp(argv[1], "{part}")) return licc_tb_{part}(3, argv + 1);')
    lines += ['    std::fprintf(stderr, "usage: %s PART INPUT.npy OUTPUT.npy\\n", argv[0]);', "    return 2;", "}", ""]
    return "\n".join(lines)


def compile_command(hls_dir: Path, source: Path, variant: str, binary: Path, count_iters: bool = False) -> list[str]:
    """The g++ command building `source` in `variant` (with loop counters: `count_iters`)."""
    cmd = [CXX, *CXXFLAGS, *(["-DLICC_COUNT_ITERS"] if count_iters else []), "-I", str(hls_dir / "include")]
    if variant == "ap":
        ap = ap_types_dir()
        if ap is None:
            raise LiccError("no ap_int.h found: set LICC_AP_TYPES or install hls4ml")
        cmd += ["-isystem", str(ap)]
    return [*cmd, str(source), "-o", str(binary)]


@dataclass
class PartCheck:
    """One part in one variant: compiled, run, compared."""

    part: str
    variant: str
    equal: bool
    mismatches: int
    outputs: int
    compile_s: float  # the variant's program, all parts
    run_s: float  # the design's call, as the testbench times it
    loop_counts: dict | None = None  # per stage, when built with count_iters

    def as_dict(self) -> dict:
        return asdict(self)


def build(
    hls_dir: Path, parts: list[str], variants: tuple[str, ...], work: Path, count_iters: bool = False
) -> dict[str, tuple[Path, float]]:
    """Compile the program of all `parts` in every variant, concurrently; binaries and seconds."""
    source = work / "csim_all.cpp"
    source.write_text(combined_source(hls_dir, parts))
    running = []
    for variant in variants:
        binary = work / f"csim_{variant}"
        cmd = compile_command(hls_dir, source, variant, binary, count_iters)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        running.append((variant, proc, time.perf_counter(), binary))
    done = {}
    for variant, proc, start, binary in running:
        log, _ = proc.communicate()
        if proc.returncode:
            raise LiccError(f"C simulation: g++ failed ({variant} types):\n{log[-4000:]}")
        done[variant] = (binary, time.perf_counter() - start)
    return done


def run(binary: Path, part: str, x: np.ndarray, work: Path) -> tuple[np.ndarray, float, dict | None]:
    """Stream `x` through `part`; its output, the design's run time and, if the binary
    counts them, the loop counts of its stages."""
    src, dst = work / f"{part}_in.npy", work / f"{part}_{binary.name}_out.npy"
    np.save(src, np.ascontiguousarray(x))
    proc = subprocess.run([str(binary), part, str(src), str(dst)], capture_output=True, text=True)
    if proc.returncode:
        raise LiccError(f"C simulation of {part} ({binary.name}) failed: {(proc.stderr or proc.stdout).strip()[-2000:]}")
    seconds = float(proc.stdout.strip().rsplit(" ", 2)[-2])
    counts = Path(f"{dst}.iters.json")
    return np.load(dst), seconds, json.loads(counts.read_text()) if counts.is_file() else None


def schedule_counts(module) -> dict[str, dict[str, int]]:
    """What the loop counters must report, from `hls_schedule`: per ``part/stage``, the
    iterations of one frame, the iterations that read and write, and their index sums."""
    from lic_compiler import hls_schedule
    from lic_compiler.backends.hls_cpp.emitter import dataflows
    from lic_compiler.dialects import hls

    out = {}
    for part, flow in dataflows(module):
        for op, name in hls.stage_names(flow.stages()).items():
            sched = hls_schedule.schedule(op)
            reads, writes = (np.flatnonzero(f) for f in sched.flags())
            out[f"{part}/{name}"] = {
                "iters": sched.iters,
                "reads": int(reads.size),
                "writes": int(writes.size),
                "read_sum": int(reads.sum()),
                "write_sum": int(writes.sum()),
            }
    return out


def check(
    hls_dir: Path,
    inputs: dict[str, np.ndarray],
    references: dict[str, np.ndarray],
    variants: tuple[str, ...] | None = None,
    count_iters: bool = False,
) -> list[PartCheck]:
    """Build and run each part of `inputs` in each variant; compare with `references`."""
    variants = variants or available_variants()
    with tempfile.TemporaryDirectory(prefix="licc-csim-") as tmp:
        work = Path(tmp)
        binaries = build(hls_dir, list(inputs), variants, work, count_iters)
        results = []
        for variant, (binary, compile_s) in binaries.items():
            for part, x in inputs.items():
                out, run_s, counts = run(binary, part, x, work)
                ref = np.asarray(references[part]).astype(np.int64)
                same_shape = out.shape == ref.shape
                mismatches = int(np.count_nonzero(out != ref)) if same_shape else int(ref.size)
                results.append(
                    PartCheck(
                        part, variant, same_shape and mismatches == 0, mismatches, int(ref.size),
                        round(compile_s, 2), run_s, counts,
                    )
                )
    return results


# --- the C simulation step of `licc --csim` ----------------------------------------------

# Where a part's input comes from: the output of another part, run by the interpreter.
SOURCES = {"decoder": "encoder", "hyper_encoder": "encoder", "hyper_decoder": "hyper_encoder"}


def default_image() -> Path:
    """The first calibration crop shipped with licc (128×128, BSDS500 training split)."""
    from importlib.resources import files

    return Path(str(files("lic_compiler") / "data" / "calibration" / "bsds-100075-center128.png"))


def image_tensor(path: Path, width: int, height: int) -> np.ndarray:
    """An RGB image as a 1×3×H×W uint8 tensor: center-cropped to the frame, or resized
    (bicubic) when smaller."""
    from PIL import Image

    try:
        img = Image.open(path).convert("RGB")
    except OSError as e:
        raise LiccError(f"cannot read image {path}: {e}") from None
    if img.width >= width and img.height >= height:
        left, top = (img.width - width) // 2, (img.height - height) // 2
        img = img.crop((left, top, left + width, top + height))
    else:
        img = img.resize((width, height), Image.BICUBIC)
    return np.asarray(img, np.uint8).transpose(2, 0, 1)[None].copy()


def part_inputs(reference, parts: list[str], image: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each part's input and the interpreter's output on it: the image for the encoder,
    the output of its source part (`SOURCES`) for the others, both by the golden model."""
    from lic_compiler.interpreter import function_names, run

    names = function_names(reference)
    inputs: dict[str, np.ndarray] = {}
    outputs: dict[str, np.ndarray] = {}
    for part in _ordered(parts):
        source = SOURCES.get(part)
        if source is None:
            x = image
        elif source in names:
            if source not in outputs:
                outputs[source] = run(reference, source, inputs.get(source, image))[0]
            x = outputs[source]
        else:
            raise LiccError(f"C simulation of @{part} needs @{source} to compute its input; compile both")
        inputs[part] = x
        outputs[part] = run(reference, part, x)[0]
    return inputs, {p: outputs[p] for p in parts}


def _ordered(parts: list[str]) -> list[str]:
    order = ["encoder", "hyper_encoder", "hyper_decoder", "decoder"]
    return sorted(parts, key=lambda p: order.index(p) if p in order else len(order))


def run_csim(reference, parts: list[str], hls_dir: Path, image_path: Path | None, frame: tuple[int, int]) -> dict:
    """The whole check: inputs from the image, golden outputs, both type variants.

    `reference` is the integer lic module (the golden model); the inputs are
    also saved as ``hls/<part>/input.npy`` for the Vitis scripts' C simulation."""
    start = time.perf_counter()
    path = image_path or default_image()
    image = image_tensor(path, *frame)
    inputs, references = part_inputs(reference, parts, image)
    reference_s = time.perf_counter() - start
    for part, x in inputs.items():
        np.save(hls_dir / part / "input.npy", x)
    results = check(hls_dir, inputs, references)
    by_part: dict[str, dict] = {}
    for r in results:
        entry = by_part.setdefault(r.part, {"outputs": r.outputs, "variants": {}})
        entry["variants"][r.variant] = {
            k: v for k, v in r.as_dict().items() if k not in ("part", "variant", "outputs", "loop_counts")
        }
    return {
        "image": str(path),
        "frame": list(frame),
        "equal": all(r.equal for r in results),
        "variants": sorted({r.variant for r in results}),
        "parts": by_part,
        "interpreter_s": round(reference_s, 2),
        "seconds": round(time.perf_counter() - start, 2),
    }


def render_markdown(csim: dict) -> str:
    """The report's C simulation section."""
    verdict = "**equal**, bit for bit" if csim["equal"] else "**DIFFERENT**"
    lines = [
        "## C simulation",
        "",
        f"Image `{csim['image']}` at {csim['frame'][0]}×{csim['frame'][1]}: every output integer of the "
        f"g++-compiled design against the interpreter's: {verdict} ({csim['seconds']:.1f} s in all).",
        "",
        "| part | types | outputs | mismatches | compile (s) | run (s) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for part, entry in csim["parts"].items():
        for variant, r in entry["variants"].items():
            lines.append(
                f"| {part} | {'ap_int' if variant == 'ap' else 'standard'} | {entry['outputs']:,} | "
                f"{r['mismatches']:,} | {r['compile_s']:.1f} | {r['run_s']:.2f} |"
            )
    return "\n".join(lines) + "\n"
