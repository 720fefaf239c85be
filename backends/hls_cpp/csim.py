"""C simulation of an emitted project with g++: compile, run, compare with the interpreter.

Each part's testbench is built in up to two variants: ``std`` (standard
integer types, no vendor header on the include path) and ``ap`` (Xilinx's
``ap_int.h`` and ``hls_stream.h``, found in ``$LICC_AP_TYPES``,
``$XILINX_HLS/include`` or hls4ml's wheel), both with ``-Wall -Werror``. The
run streams an input tensor through the design and every output integer is
compared with the interpreter's.
"""

from __future__ import annotations

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


def compile_command(hls_dir: Path, part: str, variant: str, binary: Path) -> list[str]:
    """The g++ command building `part`'s testbench in `variant`."""
    cmd = [CXX, *CXXFLAGS, "-I", str(hls_dir / "include")]
    if variant == "ap":
        ap = ap_types_dir()
        if ap is None:
            raise LiccError("no ap_int.h found: set LICC_AP_TYPES or install hls4ml")
        cmd += ["-isystem", str(ap)]
    folder = hls_dir / part
    return [*cmd, str(folder / f"{part}.cpp"), str(folder / f"tb_{part}.cpp"), "-o", str(binary)]


@dataclass
class PartCheck:
    """One part in one variant: compiled, run, compared."""

    part: str
    variant: str
    equal: bool
    mismatches: int
    outputs: int
    compile_s: float
    run_s: float  # the design's call, as the testbench times it

    def as_dict(self) -> dict:
        return asdict(self)


def build(hls_dir: Path, parts: list[str], variants: tuple[str, ...], out_dir: Path) -> dict[tuple[str, str], tuple[Path, float]]:
    """Compile every (part, variant), two at a time; binaries and compile seconds."""
    jobs = [(p, v) for p in parts for v in variants]
    done: dict[tuple[str, str], tuple[Path, float]] = {}
    running: list[tuple[tuple[str, str], subprocess.Popen, float, Path]] = []
    while jobs or running:
        while jobs and len(running) < 2:
            key = jobs.pop(0)
            binary = out_dir / f"tb_{key[0]}_{key[1]}"
            proc = subprocess.Popen(
                compile_command(hls_dir, *key, binary), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            running.append((key, proc, time.perf_counter(), binary))
        key, proc, start, binary = running.pop(0)
        log, _ = proc.communicate()
        if proc.returncode:
            raise LiccError(f"C simulation: g++ failed on {key[0]} ({key[1]} types):\n{log[-4000:]}")
        done[key] = (binary, time.perf_counter() - start)
    return done


def run(binary: Path, x: np.ndarray, work: Path) -> tuple[np.ndarray, float]:
    """Stream `x` through a testbench; its output and the design's run time."""
    src, dst = work / f"{binary.name}_in.npy", work / f"{binary.name}_out.npy"
    np.save(src, np.ascontiguousarray(x))
    proc = subprocess.run([str(binary), str(src), str(dst)], capture_output=True, text=True)
    if proc.returncode:
        raise LiccError(f"C simulation: {binary.name} failed: {(proc.stderr or proc.stdout).strip()[-2000:]}")
    seconds = float(proc.stdout.strip().rsplit(" ", 2)[-2])
    return np.load(dst), seconds


def check(
    hls_dir: Path,
    inputs: dict[str, np.ndarray],
    references: dict[str, np.ndarray],
    variants: tuple[str, ...] | None = None,
) -> list[PartCheck]:
    """Build and run each part of `inputs` in each variant; compare with `references`."""
    variants = variants or available_variants()
    with tempfile.TemporaryDirectory(prefix="licc-csim-") as tmp:
        work = Path(tmp)
        binaries = build(hls_dir, list(inputs), variants, work)
        results = []
        for (part, variant), (binary, compile_s) in binaries.items():
            out, run_s = run(binary, inputs[part], work)
            ref = np.asarray(references[part]).astype(np.int64)
            same_shape = out.shape == ref.shape
            mismatches = int(np.count_nonzero(out != ref)) if same_shape else ref.size
            results.append(
                PartCheck(part, variant, same_shape and mismatches == 0, mismatches, int(ref.size), round(compile_s, 2), run_s)
            )
    return results
