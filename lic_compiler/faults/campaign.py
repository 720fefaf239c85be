"""A fault-injection campaign on the integer codec as emitted.

`run_campaign` builds the design as `licc` does (`compile_model`, both
parts), runs each image through the fault-free codec once (the interpreter of
the final hls IR, then the checkpoint's entropy coder as `licc-eval
--integer` codes it), then draws faults at random: per target class a memory
in proportion to the bits it holds, a word and a bit uniformly, and an image.
Each fault runs through the rest of its part (`inject`); an encoder fault's
latent is entropy-coded and decoded again (a bitstream that does not give
back its latent is undecodable) and decoded by the fault-free decoder; a
decoder fault decodes the fault-free bitstream. The PSNR and bpp changes are
against the fault-free codec on the same image.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from lic_compiler.errors import LiccError
from lic_compiler.faults.engine import Box, Part
from lic_compiler.faults.inject import Fault, inject
from lic_compiler.faults.sites import ALL_TARGETS, TARGETS, Memory, memories
from lic_compiler.faults.stats import sample_size

PARTS = ("encoder", "decoder")


@dataclass
class CampaignOptions:
    images: Path | None = None  # default: the bundled calibration crops
    frame: tuple[int, int] | None = None  # W, H; default: the images' common size, at most 256×256
    injections: int | None = None  # per target class; default: Leveugle's n for `margin`, `confidence`
    margin: float = 0.03
    confidence: float = 0.95
    seed: int = 0
    targets: Sequence[str] = TARGETS
    parts: Sequence[str] = PARTS
    catastrophic_db: float = 1.0  # a PSNR drop above this is catastrophic
    progress: bool = False
    protect: str | None = None  # lic-protect's options ("" for its defaults): the build protects memories

    @property
    def pipeline(self) -> str:
        """The build's pipeline: the default one, then lic-protect if asked."""
        return "..." if self.protect is None else f"...,lic-protect{{{self.protect}}}" if self.protect else "...,lic-protect"

    def check(self) -> None:
        """Refuse bad options before anything is built."""
        for name, given, known in (("target", self.targets, ALL_TARGETS), ("part", self.parts, PARTS)):
            unknown = [t for t in given if t not in known]
            if unknown or not given:
                raise LiccError(f"unknown {name} {', '.join(unknown) or '(none given)'}; "
                                f"choose among {', '.join(known)}")
        if self.injections is not None and self.injections < 1:
            raise LiccError(f"--injections must be at least 1, got {self.injections}; "
                            "or leave it out for the sample size of --margin and --confidence")
        if not 0 < self.margin < 0.5 or not 0 < self.confidence < 1:
            raise LiccError("--margin must be in (0, 0.5) and --confidence in (0, 1), e.g. 0.03 and 0.95")


@dataclass
class Reference:
    """One image through the fault-free codec."""

    name: str
    image: torch.Tensor  # 1×3×H×W in [0, 1], what the entropy coder's container is told
    pixels: np.ndarray  # 1×3×H×W uint8
    runs: dict[str, list[np.ndarray]]  # per part: `Part.clean_run`
    bitstream: bytes
    sse: int

    @property
    def latent(self) -> np.ndarray:
        return self.runs["encoder"][-1]


@dataclass
class Record:
    """One injection's outcome."""

    fault: Fault
    image: int
    status: str  # masked | changed | undecodable
    psnr_drop: float
    bpp_delta: float
    overflow: bool
    catastrophic: bool = field(init=False, default=False)


class Campaign:
    """The built design, its fault-free runs on the images, and injections into it."""

    def __init__(self, module, coder, images: list[tuple[str, np.ndarray]], threshold_db: float):
        self.parts = {name: Part(module, name) for name in PARTS}
        self.coder = coder
        self.threshold_db = threshold_db
        self.references = [self._reference(name, pixels) for name, pixels in images]

    def memories(self, parts: Sequence[str], targets: Sequence[str]) -> list[Memory]:
        return select(self.parts, parts, targets)

    def _reference(self, name: str, pixels: np.ndarray) -> Reference:
        encoder = self.parts["encoder"].clean_run(pixels)
        image = torch.from_numpy(pixels.astype(np.float32) / 255.0)
        bitstream = self.coder.code(encoder[-1], image)
        if not np.array_equal(self.coder.latent_of(bitstream), encoder[-1]):
            raise LiccError(f"{name}: the entropy coder does not give back the fault-free latent")
        decoder = self.parts["decoder"].clean_run(encoder[-1])
        sse = _sse(decoder[-1], pixels)
        return Reference(name, image, pixels, {"encoder": encoder, "decoder": decoder}, bitstream, sse)

    def run(self, fault: Fault, image: int) -> Record:
        ref = self.references[image]
        m = fault.memory
        outcome = inject(self.parts[m.part], ref.runs[m.part], fault)
        bits, overflow = len(ref.bitstream) * 8, outcome.overflow
        if outcome.output is None:
            return self._record(fault, image, "masked", ref.sse, bits, overflow)
        changed = outcome.output
        if m.part == "encoder":
            latent = changed.full().astype(ref.latent.dtype)
            bitstream = self.coder.code(latent, ref.image)
            bits = len(bitstream) * 8
            if not np.array_equal(self.coder.latent_of(bitstream), latent):
                return self._record(fault, image, "undecodable", ref.sse, bits, overflow)
            decoded = self.parts["decoder"].settle(ref.runs["decoder"], -1, changed.box, changed.patch)
            overflow |= decoded.overflow
            if decoded.output is None:
                return self._record(fault, image, "changed", ref.sse, bits, overflow)
            changed = decoded.output
        sse = ref.sse - _sse(ref.runs["decoder"][-1], ref.pixels, changed.box) + _sse(changed.patch, ref.pixels, changed.box)
        return self._record(fault, image, "changed", sse, bits, overflow)

    def _record(self, fault: Fault, image: int, status: str, sse: int, bits: int, overflow: bool) -> Record:
        ref = self.references[image]
        pixels = ref.pixels[0, 0].size
        drop = math.inf if status == "undecodable" else psnr(ref.sse, ref.pixels.size) - psnr(sse, ref.pixels.size)
        record = Record(fault, image, status, drop, (bits - len(ref.bitstream) * 8) / pixels, overflow)
        record.catastrophic = status == "undecodable" or drop > self.threshold_db
        return record


def select(design: dict[str, Part], parts: Sequence[str], targets: Sequence[str]) -> list[Memory]:
    """The memories of `targets` in `parts`; an error if a target has none there."""
    found = [m for p in parts for m in memories(design[p]) if m.target in targets]
    for target in targets:
        if not any(m.target == target for m in found):
            raise LiccError(f"the design has no {target} memories in @{', @'.join(parts)}; "
                            f"drop {target} from --targets")
    return found


def _sse(values: np.ndarray, pixels: np.ndarray, box: Box | None = None) -> int:
    """Σ (values − pixels)² over `box` (`values` covers the box; the whole frame if None)."""
    if box is not None:
        pixels = pixels[:, :, box.y0 : box.y1, box.x0 : box.x1]
        if values.shape != pixels.shape:
            values = values[:, :, box.y0 : box.y1, box.x0 : box.x1]
    d = values.astype(np.int64) - pixels.astype(np.int64)
    return int((d * d).sum())


def psnr(sse: int, count: int) -> float:
    return math.inf if sse == 0 else 10 * math.log10(255.0**2 * count / sse)


def draw(memories_: Sequence[Memory], targets: Sequence[str], counts: dict[str, int], images: int,
         seed: int) -> list[tuple[Fault, int]]:
    """Per target class `counts[target]` faults: a memory in proportion to its bits, a word, a
    bit and an image uniformly."""
    rng = np.random.default_rng(seed)
    plan = []
    for target in targets:
        pool = [m for m in memories_ if m.target == target]
        bits = np.array([m.bits for m in pool], np.float64)
        picks = rng.choice(len(pool), size=counts[target], p=bits / bits.sum())
        for i in picks:
            m = pool[i]
            if m.low:  # copies narrower than the word: a site uniformly
                word, bit = m.site(int(rng.integers(m.sites)))
            else:
                word, bit = int(rng.integers(m.size)), int(rng.integers(m.width))
            plan.append((Fault(m, word, bit), int(rng.integers(images))))
    return plan


def population(memories_: Sequence[Memory], target: str) -> int:
    """The faults a class can take: every bit of every word (streams and accumulators: of every
    value of a frame)."""
    return sum(m.sites for m in memories_ if m.target == target)


def counts(options: CampaignOptions, memories_: Sequence[Memory]) -> dict[str, int]:
    if options.injections is not None:
        return {t: options.injections for t in options.targets}
    return {t: sample_size(population(memories_, t), options.margin, options.confidence) for t in options.targets}


def run_injections(campaign: Campaign, plan: list[tuple[Fault, int]], progress: bool,
                   journal: Journal | None = None) -> tuple[list[Record], float]:
    """Every injection of `plan` (grouped by image, then in plan order), and the seconds they took;
    those `journal` already holds are not run again, the others are added to it as they finish."""
    from tqdm import tqdm

    records: list[Record | None] = [None] * len(plan)
    seconds = 0.0
    if journal is not None:
        seconds = journal.restore(plan, records)
    order = sorted((i for i in range(len(plan)) if records[i] is None), key=lambda i: plan[i][1])
    start = time.perf_counter()
    for i in tqdm(order, desc="injections", unit="inj", disable=not progress, smoothing=0.05):
        records[i] = campaign.run(*plan[i])
        if journal is not None:
            journal.add(i, records[i], seconds + time.perf_counter() - start)  # type: ignore[arg-type]
    return records, seconds + time.perf_counter() - start  # type: ignore[return-value]


class Journal:
    """The injections a campaign has run, one JSON line each, so that an interrupted campaign
    resumes where it stopped: the plan is drawn again from the seed, and a journal written for
    other options (its first line) is started afresh."""

    def __init__(self, path: Path, key: dict):
        self.path = path
        self.key = json.dumps(key, sort_keys=True)

    def restore(self, plan: list[tuple[Fault, int]], records: list[Record | None]) -> float:
        """Fill `records` from the journal; the seconds its injections took."""
        lines = self.path.read_text().splitlines() if self.path.is_file() else []
        if not lines or lines[0] != self.key:
            self.path.write_text(self.key + "\n")
            return 0.0
        seconds, kept = 0.0, [self.key]
        for line in lines[1:]:
            try:
                row = json.loads(line)
            except ValueError:  # a line cut short by the interruption
                continue
            fault, image = plan[row["index"]]
            record = Record(fault, image, row["status"], row["psnr_drop"], row["bpp_delta"], row["overflow"])
            record.catastrophic = row["catastrophic"]
            records[row["index"]] = record
            seconds = row["seconds"]
            kept.append(line)
        self.path.write_text("\n".join(kept) + "\n")  # without the cut line: the next ones append cleanly
        return seconds

    def add(self, index: int, record: Record, seconds: float) -> None:
        row = {"index": index, "status": record.status, "psnr_drop": record.psnr_drop, "bpp_delta": record.bpp_delta,
               "overflow": record.overflow, "catastrophic": record.catastrophic, "seconds": seconds}
        with self.path.open("a") as f:
            f.write(json.dumps(row) + "\n")
