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
                {"name": "student-q3", "command": "distill", "teacher": "teacher-q3",
                 "kd": {"recon": 1.0}, ...}, ...]}

`init` and `teacher` (and finetune's `checkpoint`) name an earlier stage (its
model.pt) or a checkpoint path; `zoo` is a file name or a list of them.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from lic_compiler.errors import LiccError

FORMAT = "licc-recipe/1"
ZOO = Path(__file__).parent / "zoo"
COMMANDS = ("train", "distill", "finetune")
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
    """The licc-train command line of one stage."""
    names = {s["name"] for s in recipe["stages"]}
    resolve = lambda v: str(runs / v / "model.pt") if v in names else str(v)  # noqa: E731
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


def run_recipe(path: Path, data: Path, runs: Path, zoo: Path = ZOO) -> None:
    """Run every unfinished stage of the recipe in order, copying finished ones to `zoo`."""
    load_recipe(path)  # a bad recipe fails before anything runs
    if not data.is_dir():
        raise LiccError(f"data folder {data} does not exist; pass the folder the recipe's image folders are in")
    runs.mkdir(parents=True, exist_ok=True)
    with _runner_lock(runs):
        done: set[str] = set()
        while True:
            recipe = load_recipe(path)  # re-read before every stage: edits apply without a restart
            pending = [s for s in recipe["stages"] if s["name"] not in done]
            if not pending:
                break
            stage = pending[0]
            finished = runs / stage["name"] / "model.pt"
            if finished.exists():
                _say(f"stage {stage['name']}: finished")
            else:
                _run_stage(stage, stage_command(stage, recipe, data, runs))
            for name in _zoo_names(stage):
                _publish(finished, zoo / name)
            done.add(stage["name"])
    _say("all stages finished")


def _run_stage(stage: dict, cmd: list[str]) -> None:
    _say(f"stage {stage['name']}: {' '.join(cmd[2:])}")
    child = subprocess.Popen(cmd)
    # Pass a stop request on to the stage, which saves its state before exiting.
    forward = lambda signum, _frame: child.send_signal(signum)  # noqa: E731
    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = child.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if code != 0:
        raise LiccError(f"stage {stage['name']} stopped (exit {code}); rerun the same recipe command to resume it")


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
