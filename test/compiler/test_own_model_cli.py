"""`licc` on a user's own codec, as the README tells a new user to run it, and
the one-line errors on the way there (each naming the route that works).

The codec (three kernel-3 GDN stages per transform) is written to a module
of its own, `mycodec.py` in a temporary folder, as a user's package would be.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from lic_compiler.cli.licc import main

BIN = Path(sys.executable).parent
README = Path(__file__).parent.parent.parent / "README.md"

CODEC = '''
from compressai.layers import GDN
from torch import nn


class Codec(nn.Module):
    def __init__(self, N=8, M=6):
        super().__init__()
        self.g_a = nn.Sequential(nn.Conv2d(3, N, 3, 2, 1), GDN(N), nn.Conv2d(N, N, 3, 2, 1), GDN(N),
                                 nn.Conv2d(N, M, 3, 2, 1))
        self.g_s = nn.Sequential(nn.ConvTranspose2d(M, N, 3, 2, 1, 1), GDN(N, inverse=True),
                                 nn.ConvTranspose2d(N, N, 3, 2, 1, 1), GDN(N, inverse=True),
                                 nn.ConvTranspose2d(N, 3, 3, 2, 1, 1))
'''


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """mycodec.py, a pickled Codec, and its transforms exported with plain torch.export at 64x64."""
    folder = tmp_path_factory.mktemp("own")
    (folder / "src").mkdir()
    (folder / "src" / "mycodec.py").write_text(CODEC)
    script = textwrap.dedent(f"""
        import torch, mycodec
        torch.manual_seed(0)
        model = mycodec.Codec().eval()
        torch.save(model, {str(folder / "codec.pt")!r})
        export = lambda m, shape, name: torch.export.save(torch.export.export(m, (torch.zeros(shape),)), name)
        export(model.g_a, (1, 3, 64, 64), {str(folder / "enc.pt2")!r})
        export(model.g_s, (1, 6, 8, 8), {str(folder / "dec.pt2")!r})
    """)
    env = {"PYTHONPATH": str(folder / "src"), "OMP_NUM_THREADS": "1", "PATH": str(BIN)}
    subprocess.run([sys.executable, "-c", script], check=True, env=env, capture_output=True, timeout=300)
    return {name: folder / name for name in ("src", "codec.pt", "enc.pt2", "dec.pt2")}


def licc(*args) -> tuple[int, str]:
    out = CliRunner().invoke(main, [str(a) for a in args])
    return out.exit_code, out.stderr


def built(out_dir: Path) -> dict:
    report = json.loads((out_dir / "report.json").read_text())
    for part in report["functions"]:
        assert (out_dir / "hls" / part / f"{part}.cpp").is_file()
    return report


def test_exported_encoder_and_decoder_compile(files, tmp_path):
    code, err = licc(files["enc.pt2"], "-o", tmp_path / "enc")
    assert code == 0, err
    assert set(built(tmp_path / "enc")["functions"]) == {"encoder"}
    code, err = licc(files["dec.pt2"], "-o", tmp_path / "dec")
    assert code == 0, err
    assert "random latents for a decoder alone" in err
    report = built(tmp_path / "dec")
    assert set(report["functions"]) == {"decoder"} and report["model"]["frame"] == [64, 64]


def test_a_decoder_is_calibrated_with_its_encoder(files, tmp_path):
    code, err = licc(files["dec.pt2"], "-o", tmp_path / "dec", "--calibrate-with", files["enc.pt2"])
    assert code == 0, err
    assert "the encoder's latents for a decoder alone" in err


def test_pickled_module_needs_the_flag_and_names_both_routes(files, tmp_path):
    code, err = licc(files["codec.pt"], "-o", tmp_path / "b")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert re.search(r"codec.pt is a pickled nn.Module; unpickling it can run arbitrary code. Save a CompressAI "
                     r"architecture's state_dict .*, export an architecture of your own with torch.export "
                     r".*\.pt2.*, or pass --allow-pickle if you trust the file", err)


def test_pickled_module_whose_class_does_not_import_names_its_module(files, tmp_path):
    assert "mycodec" not in sys.modules
    code, err = licc(files["codec.pt"], "-o", tmp_path / "b", "--allow-pickle", "--frame", "64x64")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "codec.pt pickles mycodec.Codec, but Python cannot import module 'mycodec'; put the folder holding " \
           "'mycodec' on PYTHONPATH" in err
    assert not (tmp_path / "b").exists()


def test_pickled_module_with_its_package_on_the_path_compiles(files, tmp_path):
    env = {"PYTHONPATH": str(files["src"]), "OMP_NUM_THREADS": "1"}
    out = subprocess.run([str(BIN / "licc"), str(files["codec.pt"]), "-o", str(tmp_path / "b"), "--allow-pickle",
                          "--frame", "64x64"], capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr
    assert set(built(tmp_path / "b")["functions"]) == {"encoder", "decoder"}


def test_a_corrupt_program_is_one_line(files, tmp_path):
    corrupt = tmp_path / "corrupt.pt2"
    corrupt.write_bytes(files["enc.pt2"].read_bytes()[:3000])
    out = subprocess.run([str(BIN / "licc"), str(corrupt), "-o", str(tmp_path / "b")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 2
    assert out.stderr.splitlines() == [
        "licc: error: corrupt.pt2 is not a readable torch.export program (BadZipFile); "
        "write it with torch.export.save"]


def test_a_bad_arch_spec_names_the_form(tmp_path):
    code, err = licc("bmshj2018-factorized:64", "-o", tmp_path / "b")
    assert code == 2
    assert err.strip() == (
        "licc: error: bmshj2018-factorized:64 is neither a file nor ARCH:NxM; an untrained network is written "
        "ARCH:NxM, e.g. bmshj2018-factorized:64x96 (ARCH one of bmshj2018-factorized, bmshj2018-hyperprior, "
        "mbt2018-mean)")


def test_a_state_dict_of_another_architecture_names_the_export_route(files, tmp_path):
    sys.path.insert(0, str(files["src"]))
    try:
        import mycodec

        torch.save(mycodec.Codec().state_dict(), tmp_path / "own.pt")
    finally:
        sys.path.remove(str(files["src"]))
        sys.modules.pop("mycodec", None)
    code, err = licc(tmp_path / "own.pt", "-o", tmp_path / "b")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "own.pt is a state_dict of an unknown architecture" in err
    assert "for an architecture of your own, export the model with torch.export" in err and ".pt2" in err


def test_the_readme_example_compiles(tmp_path, monkeypatch):
    """The README's compile_model example, at 64x64 into a temporary folder."""
    text = README.read_text()
    block = text[text.index("  from compressai.layers import GDN\n"):]
    block = textwrap.dedent(block[: block.index("  ```")])
    assert "BuildOptions(frame=(1280, 720))" in block
    monkeypatch.chdir(tmp_path)
    exec(compile(block.replace("(1280, 720)", "(64, 64)"), "README.md", "exec"), {})
    assert set(built(tmp_path / "build")["functions"]) == {"encoder", "decoder"}


def test_a_class_from_a_script_says_to_move_it_into_a_module(tmp_path):
    script = CODEC + f"\nimport torch\ntorch.save(Codec(), {str(tmp_path / 'script.pt')!r})\n"
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, timeout=300,
                   env={"OMP_NUM_THREADS": "1", "PATH": str(BIN)})
    code, err = licc(tmp_path / "script.pt", "-o", tmp_path / "b", "--allow-pickle")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "script.pt pickles __main__.Codec, a class defined in the script that saved it; move the class " \
           "into a module, save again and put that module's folder on PYTHONPATH" in err
