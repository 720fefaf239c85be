"""FPS against BD-rate: what each precision choice buys on a device (a Pareto front).

    OMP_NUM_THREADS=1 .venv/bin/python bench/precision.py --images ../shared/datasets/kodak \\
        --cache build/precision-cache --json docs/results/precision-kodak.json \\
        --plot docs/results/precision-kodak.png

For each device (``--devices``, default ZCU102 and KV260) at ``--frame``
(1280x720), encoder and decoder on one device (licc's default joint scope,
max-fps), one curve per precision, each rate point (checkpoint) its own build:

- ``W16A16 (float-costed)``: the float codec's rate and PSNR (the anchor,
  BD-rate 0 by definition) at the frame rate of the 16-bit uniform design;
- ``W8A8``: licc's uniform default (8-bit weights and activations, 16-bit GDN path);
- ``hybrid B``: ``lic-assign-precision{mode=hybrid objective=max-fps
  max-psnr-drop=B}`` searched for that device and frame on the bundled
  calibration crops, its budget checked on the bundled held-out photographs;
- ``NAME`` of ``--files NAME=PRECISION_FILE``: the widths of a precision
  file (``lic-assign-precision{file=…}``, e.g. the one a family's
  checkpoints were fine-tuned through with ``licc-train finetune --qat``).

A curve's FPS is its slowest rate point's. Rates and PSNRs are the integer
codec's real bitstreams on ``--images`` (`lic_compiler.eval.integer`, as
``licc-eval rd --integer``), BD-rate against the first family's float curve
(PCHIP), and each point's PSNR drop against that family's float at the same
rate point. For each hybrid point the table also gives the PSNR drop the search
measured on its held-out images (and its confidence bound) next to the drop on ``--images``.

``--checkpoints LABEL=A.pt,B.pt,...`` adds a family of rate points (e.g.
quantization-aware fine-tuned ones) whose W8A8 and hybrid curves join the
front; the default is the bundled student at q1–q4. ``--only
LABEL=CURVE,CURVE`` restricts a family to some of its curves (a
fine-tuned family to the precision it was trained through). Every point (a design's
FPS, a search with its integer IR, an evaluation) is cached under
``--cache``, keyed by what determines it (a design or a search also by a
hash of the compiler's sources), so an interrupted run resumes where it
stopped. ``--search-only`` runs the searches and solves but evaluates only
what is cached (the rest shows as not evaluated), ``--cached-only`` runs
nothing new (curves not searched yet are left out); ``--unchecked`` skips the
integer codec's check that each bitstream decodes to the encoder side's
reconstruction (a second decoder run; every Kodak image of every rate point
passed it in bench/quant.py's runs), a third of the evaluation time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parents[1]
ZOO = ROOT / "models" / "zoo"
STUDENT = ",".join(str(ZOO / f"student-kd-factorized-64-96-q{q}.pt") for q in (1, 2, 3, 4))
UNIFORM = {"W16A16": "weights=16 activations=16 gdn=16", "W8A8": ""}


def _code_version() -> str:
    """A hash of the compiler's sources: a design's FPS and a search's choice depend on
    the cost model and the passes, so a cached one from other code is not reused (an
    evaluation is keyed by its widths and checkpoint instead)."""
    digest = hashlib.sha256()
    for folder in ("lic_compiler", "passes", "dialects"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


CODE = _code_version()


class Cache:
    """One JSON file per key under a folder; `get` computes and stores what is missing."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def _path(self, key: dict) -> Path:
        text = json.dumps(key, sort_keys=True)
        return self.folder / f"{hashlib.sha256(text.encode()).hexdigest()[:20]}.json"

    def peek(self, key: dict) -> Any:
        path = self._path(key)
        return json.loads(path.read_text())["value"] if path.exists() else None

    def get(self, key: dict, compute: Callable[[], Any]) -> Any:
        path = self._path(key)
        if path.exists():
            return json.loads(path.read_text())["value"]
        value = compute()
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"key": key, "value": value}, default=str))
        tmp.replace(path)
        return value


def uniform_fps(checkpoint: str, options: str, device: str, frame: tuple[int, int]) -> dict:
    """The solved design of a uniform assignment, built as licc builds it (fps None: none fits)."""
    from lic_compiler.errors import LiccError
    from lic_compiler.frontend import import_model
    from lic_compiler.ir import make_context
    from lic_compiler.quant.score import Target, lower, solve_score
    from lic_compiler.registry import parse_pipeline

    module = import_model(checkpoint, parts=["encoder", "decoder"], frame=frame).module
    assign = f"lic-assign-precision{{{options}}}" if options else "lic-assign-precision"
    parse_pipeline(f"convert-torch-to-lic,lic-rewrite-gdn{{measure=false}},lic-calibrate,{assign}").apply(
        make_context(), module
    )
    try:
        return solve_score(lower(module), Target(device), "max-fps").summary()
    except LiccError as e:
        return {"fps": None, "error": str(e)}


def evaluate(codec, images) -> dict:
    from lic_compiler.eval.rd import evaluate_point

    point = evaluate_point(codec, images, progress=False)
    return {k: point[k] for k in ("label", "summary", "images")}


def float_point(checkpoint: str, images) -> dict:
    from lic_compiler.eval.codec import ModelCodec
    from lic_compiler.models import load_checkpoint

    model, _ = load_checkpoint(checkpoint)
    return evaluate(ModelCodec(model, Path(checkpoint).stem), images)


def search_point(cache: Cache, checkpoint: str, precision: str, cached_only: bool = False) -> dict | None:
    """The integer codec of `precision` (a lic-assign-precision element): its search summary,
    and its IR kept in the cache folder for the evaluation (None: not cached, and `cached_only`)."""
    from lic_compiler.eval.integer import compile_integer
    from lic_compiler.ir import print_module
    from lic_compiler.quant import attrs

    def compute() -> dict:
        module = compile_integer(checkpoint, precision)
        text = print_module(module)
        ir = cache.folder / f"{hashlib.sha256(text.encode()).hexdigest()[:20]}.mlir"
        ir.write_text(text)
        return {"precision": attrs.get(module, attrs.PRECISION), "ir": ir.name}

    key = {"search": checkpoint, "precision": precision, "code": CODE}
    return cache.peek(key) if cached_only else cache.get(key, compute)


def eval_point(cache: Cache, checkpoint: str, point: dict, images, kodak: str, limit: int | None, checked: bool) -> dict | None:
    """The Kodak evaluation of a searched point, shared by every precision that lands on the
    same widths; None when `images` is None and it is not cached yet. An unchecked evaluation
    skips `IntegerCodec.reference` (a second run of the decoder that checks the bitstream's
    decode against the encoder side's reconstruction), a third of the time."""
    from lic_compiler.eval.integer import IntegerCodec
    from lic_compiler.ir import parse_module
    from lic_compiler.models import load_checkpoint

    key = {"eval": checkpoint, "widths": point["precision"]["widths"], "images": kodak}
    key |= {"limit": limit} if limit is not None else {}
    unchecked = {**key, "round_trip_checked": False}
    for k in (key, unchecked):
        if (value := cache.peek(k)) is not None:
            return value
    if images is None:
        return None
    model, _ = load_checkpoint(checkpoint)
    codec = IntegerCodec(model, parse_module((cache.folder / point["ir"]).read_text()), Path(checkpoint).stem)
    if not checked:
        codec.reference = lambda x: None  # type: ignore[method-assign]
    return cache.get(key if checked else unchecked, lambda: evaluate(codec, images))


def curve_of(name: str, points: list[dict]) -> dict:
    from lic_compiler.eval.results import make_results

    return make_results(name, "", [{"label": p["label"], "summary": p["summary"]} for p in points])


def run(args: argparse.Namespace) -> dict:
    from lic_compiler.eval.compare import bd_between
    from lic_compiler.eval.rd import load_test_images

    cache = Cache(args.cache)
    kodak = str(args.images.resolve())
    images = load_test_images(args.images)[: args.limit]
    families = dict(spec.split("=", 1) for spec in args.checkpoints)
    files = dict(spec.split("=", 1) for spec in args.files)
    only = {label: curves.split(",") for label, curves in (spec.split("=", 1) for spec in args.only)}
    frame = tuple(int(v) for v in args.frame.split("x"))
    out: dict[str, Any] = {"frame": args.frame, "images": kodak, "devices": {}}
    floats = {}
    for label, paths in families.items():
        for ckpt in paths.split(","):
            floats[ckpt] = cache.get({"float": ckpt, "images": kodak, "limit": args.limit},
                                     lambda: float_point(ckpt, images))
    anchor_ckpts = next(iter(families.values())).split(",")
    anchor = curve_of("float", [floats[c] for c in anchor_ckpts])
    for device in args.devices:
        rows = []
        for label, paths in families.items():
            ckpts = paths.split(",")
            configs: list[tuple[str, str]] = [("W8A8", "lic-assign-precision")]
            configs += [(f"hybrid {b:g}", f'lic-assign-precision{{mode=hybrid objective=max-fps max-psnr-drop={b:g} '
                                           f'device={device} frame="{args.frame}"}}') for b in args.budgets]
            configs += [(name, f'lic-assign-precision{{file="{path}"}}') for name, path in files.items()]
            if label in only:
                configs = [c for c in configs if c[0] in only[label]]
            if label == next(iter(families)):
                fps = [cache.get({"fps": c, "device": device, "frame": args.frame, "uniform": UNIFORM["W16A16"], "code": CODE},
                                 lambda c=c: uniform_fps(c, UNIFORM["W16A16"], device, frame))["fps"] for c in ckpts]
                rows.append({"curve": "W16A16 (float-costed)", "family": label, "fps": fps, "bd_rate": 0.0,
                             "kodak_drop": [0.0] * len(ckpts), "held_out_drop": None, "widths": None})
            family_rows = []
            for name, precision in reversed(configs):  # the searched curves first: they take longest
                points = []
                for c in ckpts:
                    point = search_point(cache, c, precision, args.cached_only)
                    if point is None:
                        break
                    evaluated = None if args.search_only or args.cached_only else images
                    point["eval"] = eval_point(cache, c, point, evaluated, kodak, args.limit, not args.unchecked)
                    if name == "W8A8" or name in files:
                        options = UNIFORM.get(name, f'file="{files.get(name)}"')
                        point["precision"]["design"] = cache.get(
                            {"fps": c, "device": device, "frame": args.frame, "uniform": options, "code": CODE},
                            lambda c=c, options=options: uniform_fps(c, options, device, frame))
                    points.append(point)
                    psnr = "not evaluated" if point["eval"] is None else f"{point['eval']['summary']['psnr-rgb']:.3f} dB"
                    print(f"{device} {label} {name} {Path(c).stem}: {point['precision']['design']['fps']:.2f} FPS, {psnr}",
                          flush=True)
                if len(points) < len(ckpts):
                    continue  # --cached-only: a curve not searched yet
                evaluated_all = all(p["eval"] is not None for p in points)
                bd = bd_between(anchor, curve_of(name, [p["eval"] for p in points])) if evaluated_all else None
                family_rows.insert(0, {
                    "curve": name if label == next(iter(families)) else f"{label} {name}",
                    "family": label,
                    "fps": [p["precision"]["design"]["fps"] for p in points],
                    "bd_rate": None if bd is None else bd["bd-rate-pchip"],
                    # Against the anchor family's float at the same rate point: a fine-tuned
                    # family's own float model is not the codec it is measured against.
                    "kodak_drop": [None if p["eval"] is None else floats[a]["summary"]["psnr-rgb"] - p["eval"]["summary"]["psnr-rgb"]
                                   for a, p in zip(anchor_ckpts, points)],
                    # Against the checkpoint's own float, as the search measures its drop.
                    "own_drop": [None if p["eval"] is None else floats[c]["summary"]["psnr-rgb"] - p["eval"]["summary"]["psnr-rgb"]
                                 for c, p in zip(ckpts, points)],
                    "held_out_drop": [p["precision"].get("held_out", {}).get("psnr_drop") for p in points],
                    "held_out_bound": [p["precision"].get("held_out", {}).get("psnr_drop_bound") for p in points],
                    "widths": [p["precision"]["widths"] for p in points],
                    "chosen": [p["precision"].get("chosen") for p in points],
                })
            rows += family_rows
        out["devices"][device] = rows
    return out


def table(result: dict) -> str:
    lines = [f"frame {result['frame']}, encoder and decoder on one device; BD-rate against float on "
             f"{Path(result['images']).name} (PCHIP); FPS of the slowest rate point"]
    for device, rows in result["devices"].items():
        w8a8 = next((_fps(r) for r in rows if r["curve"] == "W8A8"), None)  # None: not among the curves run
        lines += ["", f"{device}:", "",
                  "| curve | FPS | × W8A8 | FPS per rate point | BD-rate | drop on the images, per rate point "
                  "| held-out drop (search) | its confidence bound | largest excess on the images (against the "
                  "checkpoint's own float, as the search measures): over the drop / over the bound |",
                  "|---|---:|---:|---|---:|---|---|---|---:|"]
        for r in rows:
            fps = _fps(r)
            if fps is None:
                lines.append(f"| {r['curve']} | no design fits | | | | | | | |")
                continue
            held, bound, kodak = r["held_out_drop"], r.get("held_out_bound"), r["kodak_drop"]
            own = r.get("own_drop", kodak)
            excess = " / ".join(_excess(own, h) for h in (held, bound) if _excess(own, h))
            drops = " / ".join("—" if d is None else f"{d:.3f}" for d in kodak) + " dB"
            bd = "not evaluated" if r["bd_rate"] is None else f"{r['bd_rate']:+.2f} %"
            lines.append(
                f"| {r['curve']} | {fps:.2f} | {'' if w8a8 is None else f'{fps / w8a8:.2f}'} | {' / '.join(f'{f:.1f}' for f in r['fps'])} | "
                f"{bd} | {drops} | "
                f"{_drops(held)} | {_drops(bound)} | {excess} |"
            )
    return "\n".join(lines)


def _drops(values: list | None) -> str:
    return "" if not values or None in values else " / ".join(f"{v:.3f}" for v in values) + " dB"


def _excess(kodak: list, measured: list | None) -> str:
    """The largest amount by which the drop on the images exceeds the measured one."""
    pairs = [k - m for k, m in zip(kodak, measured or []) if k is not None and m is not None]
    return f"{max(pairs):+.3f} dB" if pairs else ""


def _fps(row: dict) -> float | None:
    """A curve's FPS: its slowest rate point's (None when a point has no design)."""
    return None if None in row["fps"] else min(row["fps"])


def plot(result: dict, path: Path) -> None:
    from matplotlib.figure import Figure

    devices = list(result["devices"])
    fig = Figure(figsize=(6 * len(devices), 4.5), layout="constrained")
    for ax, device in zip(fig.subplots(1, len(devices), squeeze=False)[0], devices):
        level: dict[int, int] = {}  # labels at an FPS so far: points often share one (W8A8, its fine-tuned twin)
        for r in result["devices"][device]:
            if (fps := _fps(r)) is None or r["bd_rate"] is None:
                continue
            ax.plot(r["bd_rate"], fps, "o")
            k = level[round(fps)] = level.get(round(fps), -1) + 1
            ax.annotate(r["curve"], (r["bd_rate"], fps), textcoords="offset points", xytext=(5, 4 - 11 * k), fontsize=8)
        ax.set_xlabel("BD-rate against float (%, lower is better)")
        ax.set_ylabel("FPS (slowest rate point)")
        ax.set_title(f"{device}, {result['frame']}")
        ax.grid(alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=Path, required=True, help="evaluation image folder (Kodak)")
    parser.add_argument("--checkpoints", action="append", default=None, metavar="LABEL=A.pt,B.pt,...",
                        help="a family of rate points (repeatable) [default: the bundled student q1-q4]")
    parser.add_argument("--only", action="append", default=[], metavar="LABEL=CURVE,CURVE",
                        help="the curves of a family (repeatable), e.g. 'qat=W8A8' [default: all]")
    parser.add_argument("--files", action="append", default=[], metavar="NAME=PRECISION_FILE",
                        help="a curve of a precision file's widths (repeatable)")
    parser.add_argument("--devices", nargs="+", default=["zcu102", "kv260"])
    parser.add_argument("--budgets", type=float, nargs="*", default=[0.05, 0.1, 0.2], help="hybrid max-psnr-drop (dB)")
    parser.add_argument("--frame", default="1280x720")
    parser.add_argument("--limit", type=int, default=None, help="evaluate on the first N images only")
    parser.add_argument("--search-only", action="store_true",
                        help="search and solve every hybrid point, evaluate only what is cached already")
    parser.add_argument("--cached-only", action="store_true",
                        help="print what the cache holds: no search, solve or evaluation runs (curves not "
                             "searched yet are left out)")
    parser.add_argument("--unchecked", action="store_true",
                        help="skip the decoder's second run that checks each bitstream's decode (a third faster)")
    parser.add_argument("--cache", type=Path, default=ROOT / "build" / "precision-cache")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--plot", type=Path, default=None)
    args = parser.parse_args()
    args.checkpoints = args.checkpoints or [f"student={STUDENT}"]
    torch.set_num_threads(1)
    result = run(args)
    text = table(result)
    print(text)
    if args.json:
        args.json.write_text(json.dumps({**result, "table": text}, indent=1) + "\n")
    if args.plot:
        plot(result, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
