"""DDP training through torchrun: two CPU processes on the gloo backend."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from lic_compiler.models import load_checkpoint

from .conftest import write_images


@pytest.mark.slow
def test_torchrun_two_processes(tmp_path: Path) -> None:
    data = write_images(tmp_path / "train", 4)
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent)) or "torchrun"
    base = [torchrun, "--standalone", "--nproc_per_node=2", "-m", "lic_compiler.cli.train", "train",
           "--N", "4", "--M", "6", "--lmbda", "0.01", "--batch", "2", "--crop", "16",
            "--save-every", "2", "--data", str(data), "--out", str(tmp_path / "run")]
    env = os.environ | {"OMP_NUM_THREADS": "1"}
    for steps in (2, 4):  # the second run resumes the first, with both processes' RNG states
        (tmp_path / "run" / "model.pt").unlink(missing_ok=True)
        proc = subprocess.run([*base, "--steps", str(steps)], capture_output=True, text=True, timeout=600, env=env)
        assert proc.returncode == 0, proc.stderr[-3000:]
    assert "resuming run at step 2" in proc.stderr
    _, meta = load_checkpoint(tmp_path / "run" / "model.pt")
    assert meta["config"]["processes"] == 2 and meta["config"]["steps"] == 4
    rng = torch.load(tmp_path / "run" / "state.pt", weights_only=True)["rng"]
    assert len(rng) == 2 and not torch.equal(rng[0], rng[1])  # each process draws its own crops
