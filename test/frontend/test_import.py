"""import_model: every architecture and part, weights, frames, sources and errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import torch
from compressai.layers import GDN
from xdsl.dialects import func
from xdsl.dialects.builtin import DenseResourceAttr, ModuleOp, UnknownLoc

from lic_compiler.dialects import torch as tt
from lic_compiler.errors import LiccError
from lic_compiler.frontend import ImportResult, import_model, parse_frame
from lic_compiler.frontend.importer import hash_resources, inline_locations
from lic_compiler.ir import _builtin_blobs, parse_module, print_module, to_numpy
from lic_compiler.models import save_checkpoint

FRAME = (128, 64)
N, M = 4, 6
PARTS = {
    "bmshj2018-factorized": ["encoder", "decoder"],
    "bmshj2018-hyperprior": ["encoder", "decoder", "hyper_encoder", "hyper_decoder"],
    "mbt2018-mean": ["encoder", "decoder", "hyper_encoder", "hyper_decoder"],
}
INPUT_SHAPES = {
    "encoder": (1, 3, 64, 128),
    "decoder": (1, M, 4, 8),
    "hyper_encoder": (1, M, 4, 8),
    "hyper_decoder": (1, N, 1, 2),
}


def functions(module: ModuleOp) -> dict[str, func.FuncOp]:
    return {f.sym_name.data: f for f in module.ops if isinstance(f, func.FuncOp)}


def ops_in(fn: func.FuncOp, kind: type) -> list:
    return [op for op in fn.walk() if isinstance(op, kind)]


def test_every_part_becomes_a_function_with_its_input_shape(imported: ImportResult):
    arch = imported.info["arch"]
    assert imported.info["parts"] == PARTS[arch]
    fns = functions(imported.module)
    assert list(fns) == PARTS[arch]
    for part, fn in fns.items():
        (arg,) = fn.args
        assert isinstance(arg.type, tt.ValueTensorType)
        assert arg.type.get_shape() == INPUT_SHAPES[part]
    expected_info = {"N": N, "M": M, "gdn": "standard", "frame": list(FRAME)}
    assert expected_info.items() <= imported.info.items()
    assert imported.info["stride"] == (16 if arch == "bmshj2018-factorized" else 64)


def test_imported_ir_verifies_and_round_trips(imported: ImportResult):
    imported.module.verify()
    text = print_module(imported.module)
    assert print_module(parse_module(text)) == text


def test_gdn_layers_become_custom_op_calls(imported: ImportResult):
    fns = functions(imported.module)
    for part, attr in (("encoder", "g_a"), ("decoder", "g_s")):
        calls = ops_in(fns[part], tt.OperatorOp)
        gdns = [m for m in getattr(imported.model, attr).modules() if isinstance(m, GDN)]
        assert [c.op_name.data for c in calls] == ["torch.lic.gdn"] * len(gdns) == ["torch.lic.gdn"] * 3
        assert [tt.constant_value(c.args[3]) for c in calls] == [g.inverse for g in gdns]
        beta = calls[0].args[1].owner
        assert isinstance(beta, tt.VtensorLiteralOp)
        expected = gdns[0].beta_reparam(gdns[0].beta).detach().numpy()
        np.testing.assert_array_equal(to_numpy(beta.value), expected)


def test_abs_comes_before_the_hyper_encoder_only_for_hyperprior(imported: ImportResult):
    if imported.info["arch"] == "bmshj2018-factorized":
        pytest.skip("no hyper-encoder")
    fns = functions(imported.module)
    first = ops_in(fns["hyper_encoder"], tt.AtenOp)[0]
    assert isinstance(first, tt.AtenAbsOp) == (imported.info["arch"] == "bmshj2018-hyperprior")


def test_references_compute_the_parts(imported: ImportResult):
    model = imported.model
    y = torch.randn(1, M, 4, 8)
    with torch.no_grad():
        torch.testing.assert_close(imported.reference("decoder")(y), model.g_s(y))
        if "hyper_encoder" in imported.info["parts"]:
            hyper_in = y.abs() if imported.info["arch"] == "bmshj2018-hyperprior" else y
            torch.testing.assert_close(imported.reference("hyper_encoder")(y), model.h_a(hyper_in))
    with pytest.raises(LiccError, match="no part 'entropy'"):
        imported.reference("entropy")


def test_weights_read_back_equal_the_parameters(imported: ImportResult):
    conv = ops_in(functions(imported.module)["encoder"], tt.AtenConvolutionOp)[0]
    weight = conv.weight.owner
    assert isinstance(weight, tt.VtensorLiteralOp)
    np.testing.assert_array_equal(to_numpy(weight.value), imported.model.g_a[0].weight.detach().numpy())


def test_ops_carry_python_source_locations(imported: ImportResult):
    conv = ops_in(functions(imported.module)["encoder"], tt.AtenConvolutionOp)[0]
    assert not isinstance(conv.location, UnknownLoc)
    assert "conv.py" in str(conv.location)


def test_resource_handles_are_content_hashes(imported: ImportResult):
    handles = {
        op.value.resource_handle.data
        for op in imported.module.walk()
        if isinstance(op, tt.VtensorLiteralOp) and isinstance(op.value, DenseResourceAttr)
    }
    assert len(handles) > 10
    blobs = _builtin_blobs()
    for handle in handles:
        blob = blobs.lookup(handle)
        assert blob is not None
        assert handle == "t_" + hashlib.sha256(blob.encode()).hexdigest()[:16]


def test_two_imports_keep_their_own_weights(tiny):
    first, second = tiny("bmshj2018-factorized", seed=1), tiny("bmshj2018-factorized", seed=2)
    a = import_model(first, parts=["encoder"], frame=(64, 64))
    text = print_module(a.module)
    import_model(second, parts=["encoder"], frame=(64, 64))
    conv = ops_in(functions(a.module)["encoder"], tt.AtenConvolutionOp)[0]
    np.testing.assert_array_equal(to_numpy(conv.weight.owner.value), first.g_a[0].weight.detach().numpy())
    assert print_module(import_model(first, parts=["encoder"], frame=(64, 64)).module) == text


def test_simplified_gdn_is_flagged_l1(tiny):
    result = import_model(tiny("bmshj2018-factorized", gdn="simplified"), parts=["decoder"], frame=(64, 64))
    calls = ops_in(functions(result.module)["decoder"], tt.OperatorOp)
    assert [tt.constant_value(c.args[4]) for c in calls] == [True] * 3
    assert [tt.constant_value(c.args[3]) for c in calls] == [True] * 3
    assert result.info["gdn"] == "simplified"


def test_parts_can_be_selected(tiny):
    result = import_model(tiny("mbt2018-mean"), parts=["hyper_decoder", "encoder"], frame=(64, 64))
    assert list(functions(result.module)) == ["hyper_decoder", "encoder"]
    assert functions(result.module)["hyper_decoder"].args[0].type.get_shape() == (1, N, 1, 1)
    with pytest.raises(LiccError, match="bmshj2018-factorized has no part 'hyper_encoder'; choose from encoder, decoder"):
        import_model(tiny("bmshj2018-factorized"), parts=["hyper_encoder"], frame=(64, 64))


def test_frame_not_divisible_by_the_stride_is_padded(tiny):
    """The encoder pads (edge replication) to the next stride multiple, the decoder
    crops back; the latent parts see the padded frame's latents."""
    result = import_model(tiny("mbt2018-mean"), frame=(100, 70))
    assert result.info["frame"] == [100, 70] and result.info["padded_frame"] == [128, 128]
    types = {f.sym_name.data: f.function_type for f in result.module.ops}
    assert types["encoder"].inputs.data[0].get_shape() == (1, 3, 70, 100)
    assert types["decoder"].outputs.data[0].get_shape() == (1, 3, 70, 100)
    assert types["hyper_encoder"].inputs.data[0].get_shape()[2:] == (8, 8)
    x = torch.rand(1, 3, 70, 100)
    y = result.reference("encoder")(x)
    assert torch.equal(y, result.model.g_a(torch.nn.functional.pad(x, (0, 28, 0, 58), mode="replicate")))
    assert result.reference("decoder")(y).shape == (1, 3, 70, 100)
    assert "padded_frame" not in import_model(tiny("bmshj2018-factorized"), frame=(96, 32)).info


def test_frame_smaller_than_the_stride_is_refused(tiny):
    with pytest.raises(LiccError) as error:
        import_model(tiny("mbt2018-mean"), frame=(50, 64))
    assert str(error.value) == "frame 50x64 is smaller than the total stride 64 of mbt2018-mean; use at least 64x64"


def test_parse_frame():
    assert parse_frame("1280x720") == (1280, 720)
    assert parse_frame("64X32") == (64, 32)
    for bad in ("1280", "1280x", "0x720", "axb", "-4x4"):
        with pytest.raises(LiccError, match="not WIDTHxHEIGHT"):
            parse_frame(bad)


def test_checkpoint_file_imports_and_load_errors_pass_through(tmp_path: Path, tiny):
    model = tiny("bmshj2018-factorized")
    path = tmp_path / "codec.pt"
    save_checkpoint(path, model, "bmshj2018-factorized", {})
    result = import_model(path, parts=["decoder"], frame=(64, 64))
    assert result.info["source"] == str(path)
    assert result.info["arch"] == "bmshj2018-factorized"
    with pytest.raises(LiccError, match="does not exist"):
        import_model(tmp_path / "missing.pt")
    with pytest.raises(LiccError, match="bmshj2018-factorized model; a mbt2018-mean checkpoint is needed"):
        import_model(path, arch="mbt2018-mean")


class Upsampler(torch.nn.Module):
    """A user's model with a layer licc does not support."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.up = torch.nn.Upsample(scale_factor=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.up(self.conv(x)))


def test_unsupported_layer_parses_as_a_generic_aten_op():
    result = import_model(Upsampler(), frame=(16, 8))
    assert result.info["parts"] == ["model"]
    assert result.info["arch"] == "custom"
    fn = functions(result.module)["model"]
    assert fn.args[0].type.get_shape() == (1, 3, 8, 16)
    generic = [op for op in ops_in(fn, tt.AtenOp) if "upsample" in op.name]
    assert len(generic) == 1
    assert not isinstance(generic[0], tt.AtenConvolutionOp | tt.AtenReluOp)
    assert "upsampling.py" in str(generic[0].location)


def test_pickled_module_needs_the_opt_in(tmp_path: Path):
    path = tmp_path / "pickled.pt"
    torch.save(Upsampler(), path)
    with pytest.raises(LiccError, match="--allow-pickle"):
        import_model(path, frame=(8, 8))
    result = import_model(path, frame=(8, 8), allow_pickle=True)
    assert result.info["parts"] == ["model"]


class ManyUnsupported(torch.nn.Module):
    """Tensor factories on a device, advanced indexing, dtype casts, resizing, pixel shuffle."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x[:, torch.arange(3, device=x.device)] + torch.zeros(1, 3, 4, 4, device=x.device)
        y = y.to(torch.float64).to(torch.float32)
        up = torch.nn.functional.interpolate(y, scale_factor=2, mode="bilinear")
        return up + torch.nn.functional.pixel_shuffle(torch.cat([y] * 4, 1), 2)


def test_any_aten_graph_parses_so_conversion_can_name_the_op():
    result = import_model(ManyUnsupported(), frame=(4, 4))
    result.module.verify()
    names = {op.name for op in result.module.walk()}
    assert {
        "torch.aten.index.Tensor",
        "torch.aten.arange.start_step",
        "torch.constant.device",
        "torch.aten._assert_tensor_metadata",  # an aten op without results
    } <= names
    text = print_module(result.module)
    assert print_module(parse_module(text)) == text


class Uint16(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.uint16)


def test_torch_mlir_failure_is_one_line():
    with pytest.raises(LiccError, match=r"^torch-mlir cannot import the model \(KeyError: torch.uint16\)"):
        import_model(Uint16(), frame=(4, 4))


class TwoParts(torch.nn.Module):
    """A user's own codec split like CompressAI's: g_a and g_s."""

    def __init__(self) -> None:
        super().__init__()
        self.g_a = torch.nn.Conv2d(3, 5, 4, stride=4)
        self.g_s = torch.nn.ConvTranspose2d(5, 3, 4, stride=4)


def test_custom_module_parts_get_shapes_by_propagation():
    result = import_model(TwoParts(), frame=(32, 16))
    fns = functions(result.module)
    assert list(fns) == ["encoder", "decoder"]
    assert fns["decoder"].args[0].type.get_shape() == (1, 5, 4, 8)
    assert "N" not in result.info and "stride" not in result.info


class DataDependent(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 3, 1)
        self.gate = Gate()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.gate(self.conv(x))


class Gate(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x if x.sum() > 0 else -x


def test_export_failure_names_the_layer():
    with pytest.raises(LiccError, match="torch.export cannot trace the model at layer 'gate'"):
        import_model(DataDependent(), frame=(8, 8))


def test_exported_program_imports_as_one_function(tmp_path: Path):
    path = tmp_path / "up.pt2"
    torch.export.save(torch.export.export(Upsampler().eval(), (torch.zeros(1, 3, 8, 16),)), path)
    result = import_model(path)
    assert result.info["frame"] == [16, 8]
    assert list(functions(result.module)) == ["model"]
    x = torch.randn(1, 3, 8, 16)
    assert result.reference("model")(x).shape == (1, 4, 16, 32)
    assert import_model(path, frame=(16, 8)).info["frame"] == [16, 8]
    with pytest.raises(LiccError, match="up.pt2 was exported for 16x8 images, not 32x16"):
        import_model(path, frame=(32, 16))
    with pytest.raises(LiccError, match="its only part is 'model'"):
        import_model(path, parts=["encoder"])
    (tmp_path / "junk.pt2").write_bytes(b"not a program")
    with pytest.raises(LiccError, match="junk.pt2 is not a readable torch.export program"):
        import_model(tmp_path / "junk.pt2")


def test_location_aliases_are_inlined():
    text = (
        '#loc1 = loc("/a.py":1:0)\n#loc2 = loc(callsite(#loc1 at #loc3))\n#loc3 = loc("/b.py":2:0)\n'
        "module {\n  %0 = torch.constant.int 1 loc(#loc2)\n} loc(#loc)\n#loc = loc(unknown)\n"
    )
    assert inline_locations(text) == (
        'module {\n  %0 = torch.constant.int 1 loc(callsite("/a.py":1:0 at "/b.py":2:0))\n'
        "} loc(unknown)\n"
    )


def test_equal_blobs_share_one_hashed_handle():
    text = (
        "%0 = torch.vtensor.literal(dense_resource<a> : tensor<2xf32>) : !torch.vtensor<[2],f32>\n"
        "%1 = torch.vtensor.literal(dense_resource<a_0> : tensor<2xf32>) : !torch.vtensor<[2],f32>\n"
        '{-#\n  dialect_resources: {\n    builtin: {\n      a: "0x0400000000000000",\n'
        '      a_0: "0x0400000000000000"\n    }\n  }\n#-}\n'
    )
    renamed = hash_resources(text)
    handle = "t_" + hashlib.sha256(b"0x0400000000000000").hexdigest()[:16]
    assert renamed.count(f"dense_resource<{handle}>") == 2
    assert renamed.count(f'{handle}: "0x0400000000000000"') == 1
