import json
import sys
from pathlib import Path

import pytest

from lic_compiler.errors import LiccError
from lic_compiler.models import load_checkpoint
from lic_compiler.models.recipe import ZOO, load_recipe, run_recipe, stage_command

from .conftest import write_images

TINY = {"batch": 2, "crop": 16, "val_crop": 32, "val_every": 2, "save_every": 2, "threads": 1}


def _recipe(tmp_path: Path, stages: list[dict]) -> Path:
    path = tmp_path / "recipe.json"
    recipe = {"format": "licc-recipe/1", "data": {"train": ["a", "b"], "val": "v"}, "defaults": TINY, "stages": stages}
    path.write_text(json.dumps(recipe))
    return path


def _data(tmp_path: Path) -> Path:
    for name, seed in (("a", 0), ("b", 1), ("v", 2)):
        write_images(tmp_path / "data" / name, 2, size=(40, 32), seed=seed)
    return tmp_path / "data"


STAGES = [
    {"name": "teacher", "command": "train", "arch": "bmshj2018-factorized", "N": 8, "M": 12, "lmbda": 0.01,
     "steps": 2, "zoo": ["teacher.pt", "default.pt"]},
    {"name": "student", "command": "distill", "teacher": "teacher", "N": 4, "M": 6, "steps": 2,
     "kd": {"recon": 0.5, "entropy": 1}, "zoo": "student.pt"},
    {"name": "simplified", "command": "finetune", "checkpoint": "student", "gdn": "simplified", "steps": 2},
]


@pytest.mark.slow
def test_recipe_runs_stages_in_order_and_skips_finished_ones(tmp_path: Path, capsys) -> None:
    path, data, runs, zoo = _recipe(tmp_path, STAGES), _data(tmp_path), tmp_path / "runs", tmp_path / "zoo"
    run_recipe(path, data, runs, zoo)
    assert sorted(p.name for p in zoo.iterdir()) == ["default.pt", "student.pt", "teacher.pt"]
    _, meta = load_checkpoint(zoo / "student.pt")
    assert meta["config"]["teacher"] == str(runs / "teacher" / "model.pt")
    assert meta["config"]["kd"]["recon"] == 0.5
    assert load_checkpoint(runs / "simplified" / "model.pt")[1]["config"]["gdn"] == "simplified"
    capsys.readouterr()
    (zoo / "student.pt").unlink()
    run_recipe(path, data, runs, zoo)  # nothing to train again; the zoo is made whole again
    err = capsys.readouterr().err
    assert err.count(": finished") == 3 and "copied" in err and (zoo / "student.pt").exists()


@pytest.mark.slow
def test_recipe_jobs_run_independent_stages_at_once(tmp_path: Path, capsys) -> None:
    scratch = {"name": "scratch", "command": "train", "arch": "bmshj2018-factorized", "N": 4, "M": 6, "lmbda": 0.01,
               "steps": 2}
    path, data, runs = _recipe(tmp_path, STAGES[:2] + [scratch]), _data(tmp_path), tmp_path / "runs"
    run_recipe(path, data, runs, tmp_path / "zoo", jobs=2)
    starts = [line.split(":")[0] for line in capsys.readouterr().err.splitlines() if line.startswith("[recipe] stage")]
    # scratch needs nothing and starts beside the teacher; the student waits for its teacher
    assert starts == ["[recipe] stage teacher", "[recipe] stage scratch", "[recipe] stage student"]
    assert all((runs / name / "model.pt").exists() for name in ("teacher", "student", "scratch"))


def test_recipe_jobs_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(LiccError, match="--jobs must be at least 1"):
        run_recipe(_recipe(tmp_path, STAGES), _data(tmp_path), tmp_path / "runs", tmp_path / "zoo", jobs=0)


def test_stage_command_lines(tmp_path: Path) -> None:
    recipe = load_recipe(_recipe(tmp_path, STAGES))
    cmd = stage_command(recipe["stages"][1], recipe, Path("/d"), Path("/r"))
    assert cmd[:4] == [sys.executable, "-m", "lic_compiler.cli.train", "distill"]
    assert " ".join(cmd[4:]) == (
        "--data /d/a --data /d/b --val /d/v --out /r/student --batch 2 --crop 16 --val-crop 32 --val-every 2 "
        "--save-every 2 --threads 1 --teacher /r/teacher/model.pt --N 4 --M 6 --steps 2 --kd recon=0.5 --kd entropy=1"
    )


def test_prune_stage_command_line(tmp_path: Path) -> None:
    cut = {"name": "cut", "command": "prune", "checkpoint": "teacher", "options": "ratio=0.5 multiple-of=4"}
    recipe = load_recipe(_recipe(tmp_path, [STAGES[0], cut]))
    assert stage_command(recipe["stages"][1], recipe, Path("/d"), Path("/r")) == [
        sys.executable, "-m", "lic_compiler.cli.prune", "/r/teacher/model.pt", "-o", "/r/cut/model.pt",
        "-p", "ratio=0.5 multiple-of=4", "--report", "/r/cut/report.json",
    ]


@pytest.mark.slow
def test_recipe_distils_from_a_teacher_cut_to_the_student_widths(tmp_path: Path) -> None:
    cut = {"name": "cut", "command": "prune", "checkpoint": "teacher",
           "options": "ratio=0.5 criterion=gdn count=1"}  # the latent is kept: 12 channels
    student = STAGES[1] | {"M": 12, "init": "cut", "kd": {"recon": 0, "mix": 0.5}}
    path, data, runs = _recipe(tmp_path, [STAGES[0], cut, student]), _data(tmp_path), tmp_path / "runs"
    run_recipe(path, data, runs, tmp_path / "zoo")
    report = json.loads((runs / "cut" / "report.json").read_text())
    assert {layer["layer"]: layer["after"] for layer in report["layers"]}["encoder.conv1"] == 4
    model, meta = load_checkpoint(runs / "student" / "model.pt")
    assert (model.N, model.M, meta["config"]["init"]) == (4, 12, str(runs / "cut" / "model.pt"))


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        ([{"name": "a", "command": "pretrain"}], "stage a has command 'pretrain'; use one of train, distill, finetune, prune"),
        ([{"name": "a", "command": "train"}, {"name": "a", "command": "train"}], "every stage needs a unique name"),
        ([{"name": "s", "command": "distill", "teacher": "later"}, {"name": "later", "command": "train"}],
         "stage s's teacher 'later' is neither an earlier stage nor a .pt file"),
    ],
)
def test_bad_recipes(tmp_path: Path, stages: list[dict], message: str) -> None:
    with pytest.raises(LiccError, match=message):
        load_recipe(_recipe(tmp_path, stages))


def test_bundled_recipe_is_valid() -> None:
    recipe = load_recipe(ZOO / "recipe.json")
    teachers = [s for s in recipe["stages"] if s["name"].startswith("teacher") and s["command"] == "train"]
    assert {s["lmbda"] for s in teachers} == {0.0018, 0.0035, 0.0067, 0.013}
    # the ablation compares distillation, not data: both student families see the same images
    scale = {s["name"]: s.get("scale", recipe["defaults"].get("scale", 1.0)) for s in recipe["stages"]}
    assert {scale[n] for n in scale if n.startswith(("student-kd", "student-scratch"))} == {0.5}
    kd = {s["name"].removeprefix("student-kd-"): s for s in recipe["stages"] if s["name"].startswith("student-kd")}
    scratch = {s["name"].removeprefix("student-scratch-"): s for s in recipe["stages"] if s["name"].startswith("student-scratch")}
    assert kd.keys() == scratch.keys() and all(kd[q]["steps"] == scratch[q]["steps"] for q in kd)


def test_missing_recipe_and_data(tmp_path: Path) -> None:
    with pytest.raises(LiccError, match=r"recipe .*none\.json does not exist; check the path"):
        run_recipe(tmp_path / "none.json", tmp_path, tmp_path / "runs")
    with pytest.raises(LiccError, match=r"data folder .*nodata does not exist"):
        run_recipe(_recipe(tmp_path, STAGES), tmp_path / "nodata", tmp_path / "runs")


def test_shipped_qat_recipe_fine_tunes_each_zoo_student_through_the_shipped_precision_file() -> None:
    recipe = load_recipe(ZOO / "recipe-qat.json")
    for stage in recipe["stages"]:
        cmd = stage_command(stage, recipe, Path("/d"), Path("/r"))
        assert cmd[3:5] == ["finetune", stage["checkpoint"]] and (ZOO.parent.parent / stage["checkpoint"]).is_file()
        assert cmd[cmd.index("--qat") + 1] == "models/zoo/precision-w8a8.json"
    assert set(json.loads((ZOO / "precision-w8a8.json").read_text())["widths"].values()) == {8, 16}


def test_qat_control_recipe_is_the_same_fine_tuning_in_float() -> None:
    qat, control = load_recipe(ZOO / "recipe-qat.json"), load_recipe(ZOO / "recipe-qat-control.json")
    assert {k: v for k, v in qat["defaults"].items() if k != "qat"} == control["defaults"]
    strip = lambda s: {k: v for k, v in s.items() if k not in ("name", "zoo")}  # noqa: E731
    assert [strip(s) for s in qat["stages"]] == [strip(s) for s in control["stages"]]
