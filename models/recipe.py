"""Recipes: a whole training plan (teachers, students, ablations) as one JSON file.

Each stage runs as a fresh ``licc-train`` process in its own run folder, so a
stage runs the code, and the recipe (re-read before each stage), as they are
when the stage starts. Stopping and restarting the runner is always safe:
finished stages (their ``model.pt`` exists) are skipped and an interrupted
one resumes from its last state.
Finished checkpoints are copied into the zoo.

Format::

    {"format": "licc-recipe/1",
     "data": {"train": ["train", "test"], "val": "val"},   # relative to --data
     "defaults": {"batch": 8, "crop": 128, ...},            # options of every stage
     "stages": [{"name": "teacher-q3", "command": "train", "arch": ..., "N": 128,
                 "M": 192, "lmbda": 0.0067, "steps": 8000, "zoo": "file.pt"},
                {"name": "teacher-cut", "command": "prune", "checkpoint": "teacher-q3",
                 "options": "ratio=0.5 criterion=gdn keep-latent=false multiple-of=32"},
                {"name": "student-q3", "command": "distill", "teacher": "teacher-q3",
                 "init": "teacher-cut", "kd": {"mix": 0.5}, ...}, ...]}

`init` and `teacher` (and finetune's and prune's `checkpoint`) name an earlier
stage (its model.pt) or a checkpoint path; `zoo` is a file name or a list of
them. A ``prune`` stage runs ``licc-prune`` with `options` (the
``lic-prune-channels`` options) and writes its report beside the model.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from lic_compiler.errors import LiccError

FORMAT = "licc-recipe/1"
ZOO = Path(__file__).parent / "zoo"
COMMANDS = ("train", "distill", "finetune", "prune")
_NOT_OPTIONS = ("name", "command", "zoo", "checkpoint", "note")


def load_recipe(path: Path) -> dict:
    """The recipe in `path`, checked: known format and commands, unique names, references backwards."""
    if not Path(path).is_file():
        raise LiccError(f"recipe {path} does not exist; check the path")
    try:
        recipe = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise LiccError(f"recipe {path} is not readable JSON ({e})") from None
    if not isinstance(recipe, dict) or recipe.get("format") != FORMAT:
        raise LiccError(f"recipe {path} lacks \"format\": \"{FORMAT}\"; see docs/training.md")
    seen: set[str] = set()
    for stage in recipe.get("stages", []):
        name = stage.get("name")
        if not name or name in seen:
            raise LiccError(f"recipe {path}: every stage needs a unique name (got {name!r})")
        if stage.get("command") not in COMMANDS:
            raise LiccError(f"recipe {path}: stage {name} has command {stage.get('command')!r}; use one of {', '.join(COMMANDS)}")
        for ref in ("init", "teacher", "checkpoint"):
            value = stage.get(ref)
            if value and value not in seen and not value.endswith(".pt"):
                raise LiccError(f"recipe {path}: stage {name}'s {ref} {value!r} is neither an earlier stage nor a .pt file")
        seen.add(name)
    return recipe


def stage_command(stage: dict, recipe: dict, data: Path, runs: Path) -> list[str]:
    """The licc-train (or licc-prune) command line of one stage."""
    names = {s["name"] for s in recipe["stages"]}
    resolve = lambda v: str(runs / v / "model.pt") if v in names else str(v)  # noqa: E731
    if stage["command"] == "prune":
        run = runs / stage["name"]
        return [sys.executable, "-m", "lic_compiler.cli.prune", resolve(stage["checkpoint"]),
                "-o", str(run / "model.pt"), "-p", stage.get("options", ""), "--report", str(run / "report.json")]
    options = recipe.get("defaults", {}) | stage
    cmd = [sys.executable, "-m", "lic_compiler.cli.train", stage["command"]]
    if stage["command"] == "finetune":
        cmd.append(resolve(stage["checkpoint"]))
    for folder in recipe["data"]["train"]:
        cmd += ["--data", str(data / folder)]
    if recipe["data"].get("val"):
        cmd += ["--val", str(data / recipe["data"]["val"])]
    cmd += ["--out", str(runs / stage["name"])]
    for key, value in options.items():
        if key in _NOT_OPTIONS:
            continue
        if key == "kd":
            cmd += [a for k, w in value.items() for a in ("--kd", f"{k}={w}")]
        else:
            cmd += [f"--{key.replace('_', '-')}", resolve(value) if key in ("init", "teacher") else str(value)]
    return cmd


def run_recipe(path: Path, data: Path, runs: Path, zoo: Path = ZOO, jobs: int = 1) -> None:
    """Run every unfinished stage of the recipe, up to `jobs` at once, copying finished ones to `zoo`.

    A stage starts once the stages it names (init, teacher, checkpoint) have
    finished; among ready stages the recipe's order decides.
    """
    load_recipe(path)  # a bad recipe fails before anything runs
    if not data.is_dir():
        raise LiccError(f"data folder {data} does not exist; pass the folder the recipe's image folders are in")
    if jobs < 1:
        raise LiccError(f"--jobs must be at least 1 (got {jobs})")
    runs.mkdir(parents=True, exist_ok=True)
    with _runner_lock(runs), _Children() as children:
        done: set[str] = set()
        while True:
            recipe = load_recipe(path)  # re-read before every start: edits apply without a restart
            pending = [s for s in recipe["stages"] if s["name"] not in done and s["name"] not in children.running]
            if not pending and not children.running:
                break
            ready = [s for s in pending if _needs(s, recipe) <= done]
            if ready and len(children.running) < jobs:
                stage = ready[0]
                if (runs / stage["name"] / "model.pt").exists():
                    _say(f"stage {stage['name']}: finished")
                    done.add(_finish(stage, runs, zoo))
                else:
                    children.start(stage, stage_command(stage, recipe, data, runs))
                continue
            if not children.running:
                raise LiccError(f"recipe {path}: stages {', '.join(s['name'] for s in pending)} wait for each other")
            done.add(_finish(children.wait_any(), runs, zoo))
    _say("all stages finished")


def _needs(stage: dict, recipe: dict) -> set[str]:
    """The earlier stages `stage` reads a checkpoint of."""
    names = {s["name"] for s in recipe["stages"]}
    return {stage[ref] for ref in ("init", "teacher", "checkpoint") if stage.get(ref) in names}


def _finish(stage: dict, runs: Path, zoo: Path) -> str:
    for name in _zoo_names(stage):
        _publish(runs / stage["name"] / "model.pt", zoo / name)
    return stage["name"]


class _Children:
    """The running stage processes; a stop request (SIGINT/SIGTERM) is passed on to
    every one of them, and each saves its state before exiting."""

    def __init__(self) -> None:
        self.running: dict[str, tuple[dict, subprocess.Popen]] = {}

    def __enter__(self) -> _Children:
        forward = lambda signum, _frame: [child.send_signal(signum) for _, child in self.running.values()]  # noqa: E731
        self._previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
        return self

    def __exit__(self, *exc: object) -> None:
        for _, child in self.running.values():  # a failed stage stops its siblings cleanly
            child.send_signal(signal.SIGTERM)
            child.wait()
        for s, handler in self._previous.items():
            signal.signal(s, handler)

    def start(self, stage: dict, cmd: list[str]) -> None:
        _say(f"stage {stage['name']}: {' '.join(cmd[2:])}")
        self.running[stage["name"]] = (stage, subprocess.Popen(cmd))

    def wait_any(self) -> dict:
        """Block until a stage exits; its stage dict, or an error if it failed."""
        while True:
            for name, (stage, child) in list(self.running.items()):
                code = child.poll()
                if code is None:
                    continue
                del self.running[name]
                if code != 0:
                    raise LiccError(f"stage {name} stopped (exit {code}); rerun the same recipe command to resume it")
                return stage
            time.sleep(1.0)


def _zoo_names(stage: dict) -> list[str]:
    """A stage's zoo file names: one string or a list of them (e.g. also the default model)."""
    names = stage.get("zoo", [])
    return [names] if isinstance(names, str) else list(names)


def _publish(checkpoint: Path, target: Path) -> None:
    """Copy a finished checkpoint into the zoo unless the same bytes are already there."""
    if target.exists() and target.read_bytes() == checkpoint.read_bytes():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(checkpoint, tmp)
    tmp.replace(target)
    _say(f"copied {checkpoint} to {target}")


@contextlib.contextmanager
def _runner_lock(runs: Path) -> Iterator[None]:
    with open(runs / ".recipe.lock", "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LiccError(f"another licc-train recipe is running on {runs}; stop it first") from None
        yield


def _say(message: str) -> None:
    print(f"[recipe] {message}", file=sys.stderr, flush=True)
