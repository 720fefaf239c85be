"""Wall time of a whole build, split by phase: the student and the teacher at 1280×720.

Each model is built in a fresh Python process (so the imports count, as they
do for `licc`) through the library path `licc` takes:
`lic_compiler.driver.compile_model` with the default `BuildOptions` — the
default pipeline, the HLS project, report.json/report.md, parallelism.json
and the plots — in a process run as `licc` runs (`start_program` and
`end_program` of `lic_compiler.cli.common`: no cyclic garbage collection,
no interpreter teardown at the end). The split comes from `BuildResult.timings`
(`lic_compiler.timing`):

- Python imports: torch (with what torch.export loads on first use), torch-mlir,
  CompressAI (with what it pulls in), licc, matplotlib —
  everything the build would otherwise import on first use, imported up front
  so that the phases below are work, not imports;
- import: the model into the lic dialect (torch.export, torch-mlir, parsing);
- each pass of the pipeline, and the verification after each;
- summary, hardware report (within it: the design's figures, the FPS-vs-DSP
  curve, the plots), HLS emission, writing files;
- the rest (in the process, outside those phases), and the interpreter's
  start and exit (the wall time less the process's own).

Goals (issue 16; wall, this machine, nothing else running): the student
≤ 8 s, the teacher ≤ 15 s. The script prints each total against its goal,
and the load average first (other jobs on the 2 cores slow every phase);
with ``--runs N`` it builds each model N times and shows the fastest.

The teacher's scope. With the encoder and the decoder sharing one ZCU102 (the
default, ``scope=joint``), no folding of the (128, 192) teacher fits the
budget: lic-set-parallelism refuses in one line (bound by BRAM18 and LUT
together). A build that stops there has no HLS project or
report to time, so the teacher is built by default with
``scope=per-function`` (`licc --scope per-function`: each function on a
device of its own), the teacher's line says so; ``--teacher-scope joint``
builds it as `licc` would by default, prints lic-set-parallelism's one-line
refusal, and times the phases up to it. Run from the repository:

    .venv/bin/python bench/build_time.py [--frame 1280x720] [--student PATH] [--teacher PATH]
        [--teacher-scope per-function|joint] [--runs N]

An empty path (``--teacher ''``) skips that model.

Against another checkout. Issue 15 asks that `licc` on the student be no
slower than at the commit the issue was filed at (96affe1); an absolute goal
moves with the machine (the same build took 8.3 s in one session and 17 s in
another). ``--against DIR`` times the `licc` command line of this checkout
and of the checkout in DIR (its own ``.venv``, e.g. a `git worktree` of the
older commit) on the student, alternately, ``--runs`` times each, and prints
the fastest of each and their ratio:

    git worktree add --detach ../licc-96affe1 96affe1 && make -C ../licc-96affe1 install
    .venv/bin/python bench/build_time.py --teacher '' --runs 3 --against ../licc-96affe1
"""

from __future__ import annotations

import time

START = time.perf_counter()  # before anything else: the child's imports are timed from here

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ZOO = ROOT / "models" / "zoo"
GOALS = {"student": 8.0, "teacher": 15.0}


def child(model: str, frame: str, scope: str | None, out_dir: str) -> None:
    """One build in this (fresh) process, run as `licc` runs it; prints its timings as one JSON line."""
    from lic_compiler.cli.common import end_program, start_program

    start_program()
    import matplotlib.pyplot  # noqa: F401  (the report's plots)
    import torch
    import torch.export._trace  # noqa: F401  (what torch.export loads on first use)
    import torch_mlir.fx  # noqa: F401

    import lic_compiler.backends.hls_cpp  # noqa: F401
    import lic_compiler.frontend.gdn_op  # noqa: F401
    import lic_compiler.frontend.importer  # noqa: F401
    import lic_compiler.interpreter  # noqa: F401  (calibration)
    import lic_compiler.models  # noqa: F401  (CompressAI)
    import lic_compiler.pruning  # noqa: F401
    from lic_compiler.driver import BuildOptions, Hardware, compile_model
    from lic_compiler.errors import LiccError
    from lic_compiler.frontend import parse_frame
    from lic_compiler.timing import recording

    imports = time.perf_counter() - START
    torch.set_num_threads(1)
    before = {m.split(".")[0] for m in sys.modules}
    options = BuildOptions(frame=parse_frame(frame), hardware=Hardware(scope=scope))
    error = None
    with recording() as timings:
        try:
            compile_model(model, out_dir, options)
        except LiccError as e:
            error = str(e)
    late = sorted({m.split(".")[0] for m in sys.modules} - before)
    result = {"imports": imports, "timings": timings.seconds, "error": error, "late_imports": late}
    print(json.dumps(result | {"elapsed": time.perf_counter() - START}), flush=True)
    end_program(0)


def timed(cmd: list[str], cwd: Path, what: str) -> tuple[float, str]:
    """Wall seconds of `cmd` run with one torch thread, and its output; exits naming `what` if it fails."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    start = time.perf_counter()
    run = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
    wall = time.perf_counter() - start
    if run.returncode != 0:
        sys.exit(f"build_time: {what} failed (rc {run.returncode}):\n{run.stderr[-2000:]}")
    return wall, run.stdout


def build(model: str, frame: str, scope: str | None, out_dir: Path) -> tuple[float, dict]:
    """Wall seconds of a fresh process building `model`, and what it reported."""
    cmd = [sys.executable, __file__, "--child", model, "--frame", frame, "--out", str(out_dir)]
    if scope:
        cmd += ["--scope", scope]
    wall, out = timed(cmd, ROOT, f"the build of {model}")
    return wall, json.loads(out.strip().splitlines()[-1])


def licc_wall(checkout: Path, model: str, frame: str, out_dir: Path) -> float:
    """Wall seconds of `checkout`'s `licc` building `model` from the command line."""
    cmd = [str(checkout / ".venv" / "bin" / "licc"), model, "-o", str(out_dir), "--frame", frame]
    return timed(cmd, checkout, f"{checkout}'s licc on {model}")[0]


def rev(checkout: Path) -> str:
    run = subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return run.stdout.strip() or "?"


def against(other: Path, model: str, frame: str, runs: int, tmp: Path) -> None:
    """`licc` on `model` here and in `other`, alternately; the fastest of each and their ratio."""
    if not (other / ".venv" / "bin" / "licc").is_file():
        sys.exit(f"build_time: {other} has no .venv/bin/licc; run `make install` there first")
    walls: dict[Path, list[float]] = {ROOT: [], other: []}
    for _ in range(runs):
        for i, checkout in enumerate(walls):
            walls[checkout].append(licc_wall(checkout, str(Path(model).resolve()), frame, tmp / f"against-{i}"))
    here, there = min(walls[ROOT]), min(walls[other])
    print(f"licc {model} (fastest of {runs}, alternating):")
    print(f"  this checkout ({rev(ROOT)})   {here:7.2f} s   runs: {' '.join(f'{w:.2f}' for w in walls[ROOT])}")
    print(f"  {other} ({rev(other)})   {there:7.2f} s   runs: {' '.join(f'{w:.2f}' for w in walls[other])}")
    print(f"  ratio {here / there:.2f}: {'no slower' if here <= there else 'slower'}\n")


def show(name: str, model: str, scope: str | None, wall: float, result: dict) -> None:
    timings: dict[str, float] = result["timings"]
    print(f"{name}: {model}" + (f" (scope={scope})" if scope else ""))
    rows = [("Python imports", result["imports"])] + list(timings.items())
    top = result["imports"] + sum(s for k, s in timings.items() if "/" not in k)
    rows.append(("the rest", result["elapsed"] - top))
    rows.append(("interpreter start and exit", wall - result["elapsed"]))
    for phase, seconds in rows:
        depth = phase.count("/")
        label = "  " * depth + phase.rsplit("/", 1)[-1]
        print(f"  {label:<40} {seconds:7.2f} s {seconds / wall:6.1%}")
    if result["late_imports"]:
        print(f"  (first imported during the build: {', '.join(result['late_imports'])})")
    if result["error"]:
        print(f"  stopped: {result['error']}")
    goal = GOALS[name]
    verdict = "meets" if wall <= goal and not result["error"] else "misses"
    print(f"  total {wall:.2f} s wall, goal {goal:g} s: {wall / goal:.2f}× the goal, {verdict} it\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frame", default="1280x720", help="WxH (default 1280x720)")
    parser.add_argument("--student", default=str(ZOO / "default.pt"), help="student checkpoint ('' skips it)")
    parser.add_argument(
        "--teacher", default=str(ZOO / "teacher-factorized-128-192-q3.pt"), help="teacher checkpoint ('' skips it)"
    )
    parser.add_argument("--teacher-scope", choices=("per-function", "joint"), default="per-function",
                        help="lic-set-parallelism's scope for the teacher (see the docstring)")
    parser.add_argument("--runs", type=int, default=1, help="builds per model; the fastest is shown (default 1)")
    parser.add_argument("--against", type=Path, default=None,
                        help="another checkout (with its .venv) whose licc to time on the student, alternately")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--scope", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.frame, args.scope, args.out)
        return
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    load = os.getloadavg()[0]
    busy = " (busy: the goals assume an idle machine)" if load > 0.5 else ""
    print(f"{os.cpu_count()} cores, load average {load:.2f}{busy}\n")
    with tempfile.TemporaryDirectory(prefix="licc-build-time-") as tmp:
        for name, model, scope in (("student", args.student, None), ("teacher", args.teacher, args.teacher_scope)):
            if model:
                runs = [build(model, args.frame, scope, Path(tmp) / name) for _ in range(args.runs)]
                show(name, model, scope, *min(runs, key=lambda run: run[0]))
        if args.against and args.student:
            against(args.against.resolve(), args.student, args.frame, args.runs, Path(tmp))


if __name__ == "__main__":
    main()
