"""The same upsets in the C simulation of the emitted design: one g++ program, one run per upset.

The program is the part's testbench and design as `licc` emits them, compiled
with ``-include licc/fault.h`` (the hooks the kernel library keeps behind
``LICC_FAULT``) and a registry of the weight and table arrays; the weight
headers are copied with their arrays writable so that the run can store the
flipped word before the frame. ``$LICC_FAULT_SPEC`` names the upset
(`fault.h` has the format), so one binary serves every injection:

- a weight or table word: the flipped value at every place of the array the
  IR word is laid out to (`mvau_layout`, the deconvolution's layouts);
- a stream value: bit b of one element of one beat of the named stream (the
  part's input is flipped in the input file, the part's output after the run);
- an accumulator: the channel's sum at the pixel, before its epilogue;
- a root table's word: the value `licc::table` reads from the ROM (the
  struct's ``entry`` or ``slope``, named by its read function).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np

from lic_compiler.backends.hls_cpp.csim import CXX, CXXFLAGS
from lic_compiler.backends.hls_cpp.emitter import CHAIN_TAGS, array_suffix, emit_project
from lic_compiler.dialects import hls
from lic_compiler.dialects.hls_geometry import mvau_layout, row_groups
from lic_compiler.errors import LiccError
from lic_compiler.faults.engine import Part, flip
from lic_compiler.faults.inject import Fault, copy_of, stored_word
from lic_compiler.faults.sites import RESCALE_PARAMS, Memory, copies, memories

HEADER = Path(str(files("lic_compiler.backends.hls_cpp") / "include" / "licc" / "fault.h"))


@dataclass(frozen=True)
class Array:
    """One C array of the design: its name (namespace-qualified) and where each IR word lies in it."""

    name: str
    places: np.ndarray  # per IR word (flat), the flat indices of the C array holding it (-1: none)
    count: int  # the C array's elements


def arrays(part: Part) -> dict[tuple[int, str], list[Array]]:
    """Per (stage, memory `what`), its C arrays: one, or a triplicated memory's three copies."""
    out: dict[tuple[int, str], list[Array]] = {}
    for stage in part.stages:
        name = part.names[stage.op]
        whats = [(what, *_places(stage.op, what, values.shape)) for what, values in stage.arrays.items()]
        for chain, steps in stage.chains.items():
            for i, step in enumerate(steps):
                if isinstance(step, hls.RescaleStep):
                    whats += [(f"{chain}[{i}].{param}", np.arange(len(values))[:, None], len(values))
                              for param, values in zip(RESCALE_PARAMS, step.params())
                              if len(set(values)) > 1]  # a constant in the logic otherwise
        for what, places, count in whats:
            array = f"{part.name}_hw::{name}_{array_suffix(what)}"
            out[(stage.index, what)] = [Array(array + (f"_r{k}" if k else ""), places, count)
                                        for k in range(copies(stage.op, what)[0])]
    return out


def _places(op, what: str, shape: tuple[int, ...]) -> tuple[np.ndarray, int]:
    """Per IR word of `op`'s memory `what`, the flat indices of the emitted array holding it; and
    the array's size."""
    ids = np.arange(1, int(np.prod(shape)) + 1, dtype=np.int64).reshape(shape)  # 0: the layout's padding
    if what in ("weight", "gamma"):
        if isinstance(op, hls.DeconvOp):
            g = op.geometry()
            at_once = g.at_once_channels(op.simd_value) is not None
            laid = (g.at_once_layout if at_once else g.in_turn_layout)(ids, op.pe_value, op.simd_value)
        else:
            laid = mvau_layout(ids, op.pe_value, op.simd_value)
    else:
        laid = ids
    flat = laid.reshape(-1)
    at = np.flatnonzero(flat)
    word = flat[at] - 1
    order = np.argsort(word, kind="stable")
    at, word = at[order], word[order]
    counts = np.bincount(word, minlength=ids.size)
    places = np.full((ids.size, max(int(counts.max()), 1)), -1, np.int64)
    rank = np.arange(word.size) - np.repeat(np.cumsum(counts) - counts, counts)  # the k-th place of its word
    places[word, rank] = at
    return places, flat.size


def rom_names(part: Part) -> list[str]:
    """The read functions of every root table ROM of `part` (`licc/table.h`)."""
    return [_rom(part, m.stage, m.what) for m in memories(part) if m.target == "roots"]


def _rom(part: Part, index: int, what: str) -> str:
    """``NS::STAGE_<tag><i>_table::entry`` for memory ``<chain>[<i>].entry`` of stage `index`."""
    chain, rest = what.split("[")
    i, rom = rest.split("].")
    return f"{part.name}_hw::{part.names[part.stages[index].op]}_{CHAIN_TAGS[chain]}{i}_table::{rom}"


def source(hls_dir: Path, parts: dict[str, Part]) -> str:
    """The fault program: every part's design and testbench, the array registry, a `main`
    that installs $LICC_FAULT_SPEC and runs ``PROGRAM PART INPUT.npy OUTPUT.npy``."""
    lines = ["// licc fault-injection C simulation (generated).", "#include <cstring>"]
    registry = []
    for name, part in parts.items():
        folder = (hls_dir / name).resolve()
        lines += [f'#include "{folder / f"{name}.cpp"}"', f"#define main licc_tb_{name}",
                  f'#include "{folder / f"tb_{name}.cpp"}"', "#undef main"]
        for group in arrays(part).values():
            for a in group:
                registry.append(f'    {{"{a.name}", (void *)&{a.name}, int(sizeof({a.name}) / {a.count}), {a.count}}},')
    roms = [f'    {{"{n}", reinterpret_cast<const void *>(&{n})}},' for name, part in parts.items() for n in rom_names(part)]
    lines += ["", "static const licc::fault::Array licc_fault_arrays[] = {", *registry, "};",
              "static const licc::fault::Rom licc_fault_roms[] = {", *roms, '    {"", nullptr}', "};", "",
              "int main(int argc, char **argv) {",
              f"    licc::fault::install(licc_fault_arrays, {len(registry)}, licc_fault_roms, {len(roms)});"]
    for name in parts:
        lines.append(f'    if (argc == 4 && !std::strcmp(argv[1], "{name}")) return licc_tb_{name}(3, argv + 1);')
    lines += ['    std::fprintf(stderr, "usage: %s PART INPUT.npy OUTPUT.npy\\n", argv[0]);', "    return 2;", "}", ""]
    return "\n".join(lines)


class FaultSim:
    """The design's fault program, built once in `work`."""

    def __init__(self, module, parts: dict[str, Part], work: Path):
        self.parts = parts
        self.work = work
        hls_dir = work / "hls"
        if hls_dir.exists():
            shutil.rmtree(hls_dir)
        for path, text in emit_project(module).items():
            if path.split("/")[0] in parts or path.startswith("include/"):
                target = hls_dir / path
                target.parent.mkdir(parents=True, exist_ok=True)
                # The weight arrays writable: the run stores a flipped word before the frame.
                target.write_text(text.replace("static const ", "static ") if "/weights/" in path else text)
        self.arrays = {name: arrays(part) for name, part in parts.items()}
        program = work / "faults.cpp"
        program.write_text(source(hls_dir, parts))
        self.binary = work / "faults"
        cmd = [CXX, *CXXFLAGS, "-include", str(HEADER), "-I", str(hls_dir / "include"), str(program), "-o", str(self.binary)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode:
            raise LiccError(f"fault C simulation: g++ failed:\n{(proc.stderr or proc.stdout)[-4000:]}")

    def run(self, part: str, x: np.ndarray, fault: Fault | None = None) -> np.ndarray:
        """The C simulation's output of `part` on `x` with `fault` (None: fault-free)."""
        spec, x, after = ("", x, None) if fault is None else self.spec(part, x, fault)
        src, dst = self.work / f"{part}_in.npy", self.work / f"{part}_out.npy"
        np.save(src, np.ascontiguousarray(x))
        env = {**os.environ, "LICC_FAULT_SPEC": spec}
        proc = subprocess.run([str(self.binary), part, str(src), str(dst)], capture_output=True, text=True, env=env)
        if proc.returncode:
            raise LiccError(f"fault C simulation of {part} failed: {(proc.stderr or proc.stdout).strip()[-2000:]}")
        out = np.load(dst)
        return out if after is None else after(out)

    def spec(self, part_name: str, x: np.ndarray, fault: Fault):
        """($LICC_FAULT_SPEC, the input, a function applied to the output) for `fault`."""
        part, m = self.parts[part_name], fault.memory
        if m.target in ("weights", "tables"):
            return self._word(part, m, fault), x, None
        if m.target == "roots":
            new = flip(stored_word(part, m, fault.word), fault.bit, m.width, m.signed)
            return f"rom {_rom(part, m.stage, m.what)} {fault.word} {new}", x, None
        where = tuple(int(v) for v in np.unravel_index(fault.word, m.words))
        if m.target == "streams":
            if m.stage < 0:  # the part's input: the testbench's file
                x = np.array(x, np.int64)
                x[(0, *where)] = flip(x[(0, *where)], fault.bit, m.width, m.signed)
                return "", x, None
            if m.stage == len(part.stages) - 1:  # the part's output: as it leaves
                return "", x, lambda out: _flipped(out, where, fault.bit, m)
            return self._beat(part, m, where, fault.bit), x, None
        c, y, xx = where
        op = part.stages[m.stage].op
        call = (y * row_groups(part.shape(m.stage)[2], op.mmv_value) + xx // op.mmv_value) * op.mmv_value + xx % op.mmv_value
        return f"acc {part.name}/{m.layer} {c} {call} {y} {xx} {fault.bit} {m.width} {int(m.signed)}", x, None

    def _word(self, part: Part, m: Memory, fault: Fault) -> str:
        copy, word = copy_of(m, fault.word)
        array = self.arrays[part.name][(m.stage, m.what)][copy]
        stored, low = stored_word(part, m, word), m.low if copy else 0  # a copy holds the bits from m.low
        new = flip(stored >> low, fault.bit - low, m.width - low, m.signed)
        return ";".join(f"word {array.name} {at} {new}" for at in array.places[word] if at >= 0)

    def _beat(self, part: Part, m: Memory, where: tuple[int, int, int], bit: int) -> str:
        stream = part.stages[m.stage].op.out_type
        c, y, x = where
        lanes, pixels, channels = stream.lanes.data, stream.pixels.data, stream.channels
        _, _, w = stream.get_shape()
        beat = (y * row_groups(w, pixels) + x // pixels) * (channels // lanes) + c // lanes
        element = x % pixels * lanes + c % lanes
        return f"beat {m.layer} {beat} {element} {bit} {m.width} {int(m.signed)}"


def _flipped(out: np.ndarray, where: tuple[int, ...], bit: int, m: Memory) -> np.ndarray:
    out = np.array(out, np.int64)
    out[(0, *where)] = flip(out[(0, *where)], bit, m.width, m.signed)
    return out
