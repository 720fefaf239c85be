"""`licc` on cheng2020-anchor (N = 64, random weights): 1280×720, padded to 1280×768, and
256×256 with C simulation.

The checkpoint is CompressAI's `Cheng2020Anchor(N=64)` seeded with 0, saved whole
(``torch.save(model, path)``, so licc needs ``--allow-pickle``); its context model and
entropy parameters stay on the host and are not compiled. The 720p build plans each
part on its own ZCU102 (``--scope per-function``: the four parts together do not fit
one). Per build it prints the frame and the padded frame, the pad and crop stages'
cost, each part's FPS and resources, the residual joins and the FIFOs in block RAM
(per part, and the skip FIFOs among them, the largest listed); the 256×256 build, the C
simulation's verdict.

Run from the repository (about eight minutes on two cores):

    .venv/bin/python bench/cheng2020.py [--out DIR] [--skip-csim]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import torch

LICC = [str(Path(sys.executable).with_name("licc"))]  # the venv's console script


def checkpoint(path: Path) -> None:
    from compressai.models import Cheng2020Anchor

    torch.manual_seed(0)
    torch.save(Cheng2020Anchor(N=64).eval(), path)


def build(ckpt: Path, out: Path, args: list[str]) -> tuple[dict, float]:
    cmd = [*LICC, str(ckpt), "--allow-pickle", "-o", str(out), *args]
    print("$ licc", " ".join(cmd[len(LICC):]), flush=True)
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    return json.loads((out / "report.json").read_text()), time.perf_counter() - start


def summary(report: dict, seconds: float) -> None:
    info, hw = report["model"], report.get("hardware", {})
    padded = info.get("padded_frame", info["frame"])
    print(f"\n{info['arch']} N={info['N']}: frame {info['frame'][0]}x{info['frame'][1]}, "
          f"computed at {padded[0]}x{padded[1]}; built in {seconds:.0f} s")
    for s in report.get("padding", {}).get("stages", []):
        print(f"  {s['kind']:5s} @{s['function']:8s} {s['cycles']:>10,} cycles  {s['bram18']} BRAM18  "
              f"{s['lut']} LUT  {s['ff']} FF")
    for name, f in hw.get("functions", {}).items():
        u = f["used"]
        print(f"  @{name:14s} {f['fps']:8.2f} FPS  DSP {u['dsp']:5,}  BRAM18 {u['bram18']:5,}  LUT {u['lut']:7,}")
    kinds = {(s["function"], s["stage"]): s["kind"] for s in hw.get("stages", [])}
    joins = defaultdict(int)
    for function, kind in ((f, k) for (f, _), k in kinds.items()):
        joins[function] += kind == "add"
    fifos = hw.get("fifos", [])
    for name in sorted({f["function"] for f in fifos}):
        mine = [f for f in fifos if f["function"] == name]
        skips = [f for f in mine if f["skip"]]
        print(f"  @{name:14s} {joins[name]} residual joins; FIFOs in block RAM: {len(mine)}, "
              f"{sum(f['bram18'] for f in mine)} BRAM18, of which skips {len(skips)}, "
              f"{sum(f['bram18'] for f in skips)} BRAM18")
    print("  largest skip FIFOs (function, read by, kind, depth in beats, beat bits, BRAM18):")
    for f in sorted((f for f in fifos if f["skip"]), key=lambda f: -f["bram18"])[:6]:
        print(f"    @{f['function']:14s} {f['read_by']:22s} {kinds[(f['function'], f['read_by'])]:9s} "
              f"{f['depth']:>7,} {f['beat_bits']:>5} {f['bram18']:>4}")
    if "csim" in report:
        c = report["csim"]
        print(f"  C simulation ({', '.join(c['variants'])}): "
              + ("bit for bit" if c["equal"] else "DIFFERENT") + f" on {', '.join(c['parts'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="keep the builds here")
    parser.add_argument("--skip-csim", action="store_true", help="only the 720p build")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        ckpt = out / "cheng2020-anchor-64.pt"
        checkpoint(ckpt)
        summary(*build(ckpt, out / "build-720p", ["--frame", "1280x720", "--scope", "per-function"]))
        if not args.skip_csim:
            summary(*build(ckpt, out / "build-256", ["--frame", "256x256", "--csim"]))


if __name__ == "__main__":
    main()
